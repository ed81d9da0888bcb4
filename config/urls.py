from django.contrib import admin
from django.http import HttpRequest
from django.urls import include, path
from django.views.i18n import set_language

from config import views
from matching.calendar import views as calendar_views
from participants import views as participant_views
from participants.middleware import mfa_passed


def admin_permitted(request: HttpRequest) -> bool:
    """Django's admin reaches every organisation: superusers only, whatever is_staff says, and
    only in a session that passed MFA (MfaRequiredMiddleware asks for the code first; this
    refuses if it did not)."""
    user = request.user
    return user.is_active and user.is_superuser and mfa_passed(request)


# The admin has no door of its own: one signs in through allauth (rate limits, MFA) like
# everywhere else, and its login page never shows Django's password form.
admin.site.has_permission = admin_permitted  # type: ignore[method-assign]  # replaced on this one site
admin.site.login = views.admin_login  # type: ignore[method-assign]  # as allauth's docs do it

urlpatterns = [
    path("", participant_views.start, name="start"),
    # Before the admin's own pages, which answer every other address under admin/.
    path("admin/health/", admin.site.admin_view(views.platform_health), name="platform_health"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("switch/", participant_views.role_switch, name="role_switch"),
    path("invitations/<str:token>/", participant_views.invitation_accept, name="invitation_accept"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    # No trailing slash: they never meet an organisation's /<slug>/ pages.
    path("livez", views.livez, name="livez"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("<slug:org_slug>/", views.home, name="home"),
    path("<slug:org_slug>/", include("programmes.urls")),
    path("<slug:org_slug>/", include("programmes.privacy.urls")),

    path("<slug:org_slug>/", include("participants.urls")),
    path("<slug:org_slug>/", include("matching.urls")),
    path("<slug:org_slug>/", include("reporting.urls")),
    path("<slug:org_slug>/", include("api.urls")),
    path("<slug:org_slug>/", include("programmes.privacy.urls")),
]

