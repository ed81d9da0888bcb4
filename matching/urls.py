from django.urls import path

from matching import views

urlpatterns = [
    path("projects/<slug:slug>/matching/", views.matching_run, name="matching_run"),
    path("projects/<slug:slug>/matching/settings/", views.matching_settings,
         name="matching_settings"),
    path("pairings/", views.pairing_list, name="pairing_list"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing_detail"),
    path("pairings/<int:pk>/respond/", views.pairing_respond, name="pairing_respond"),
    path("pairings/<int:pk>/move/", views.pairing_move, name="pairing_move"),
    path("pairings/<int:pk>/plan/", views.plan_edit, name="plan_edit"),
    path("pairings/<int:pk>/plan/sign/", views.plan_sign, name="plan_sign"),
    path("pairings/<int:pk>/plan/review/", views.plan_review, name="plan_review"),
    path("pairings/<int:pk>/meetings/new/", views.meeting_edit, name="meeting_create"),
    path("pairings/<int:pk>/meetings/<int:meeting_pk>/", views.meeting_edit,
         name="meeting_edit"),
    path("pairings/<int:pk>/meetings/<int:meeting_pk>/confirm/", views.meeting_confirm,
         name="meeting_confirm"),
    path("projects/<slug:slug>/compliance/", views.compliance_table, name="compliance_table"),
    path("calendar/", views.calendar_page, name="calendar_page"),
]
