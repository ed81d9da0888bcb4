from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from config import views
from matching.calendar import views as calendar_views
from participants import views as participant_views

# Django's admin is for superusers only, whatever is_staff says.
admin.site.has_permission = (  # type: ignore[method-assign]  # replaced on this one site
    lambda request: request.user.is_active and request.user.is_superuser)

urlpatterns = [
    path("", participant_views.start, name="start"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("switch/", participant_views.role_switch, name="role_switch"),
    path("invitations/<str:token>/", participant_views.invitation_accept, name="invitation_accept"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("<slug:org_slug>/", views.home, name="home"),
    path("<slug:org_slug>/", include("programmes.urls")),
    path("<slug:org_slug>/", include("programmes.privacy.settings_urls")),
    path("<slug:org_slug>/", include("participants.urls")),
    path("<slug:org_slug>/", include("matching.urls")),
    path("<slug:org_slug>/", include("reporting.urls")),
]

