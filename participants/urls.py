from django.urls import path

from participants import views
from participants.activities import urls as activity_urls

urlpatterns = [
    path("members/", views.member_list, name="member_list"),
    path("members/<int:pk>/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("settings/sign-in/", views.identity_provider_edit, name="identity_provider_edit"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/new/", views.invitation_create, name="invitation_create"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
]

urlpatterns += [
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("calls/<int:pk>/nominate/", views.nomination_create, name="nomination_create"),
    path("calls/<int:pk>/apply/", views.application_start, name="application_start"),
    path("calls/<int:pk>/applications/", views.application_list, name="application_list"),
    path("calls/<int:pk>/applications/decide/", views.application_decide_many,
         name="application_decide_many"),
    path("nominations/", views.nomination_list, name="nomination_list"),
    path("nominations/<int:pk>/withdraw/", views.nomination_withdraw, name="nomination_withdraw"),
    path("applications/<int:pk>/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw,
         name="application_withdraw"),
    path("applications/<int:pk>/cv/", views.application_cv, name="application_cv"),
    path("applications/<int:pk>/review/", views.application_review, name="application_review"),
    path("notifications/", views.notification_list, name="notification_list"),
]

urlpatterns += [
    path("my-data/profile/", views.my_data_profile, name="my_data_profile"),
]

urlpatterns += activity_urls.urlpatterns
