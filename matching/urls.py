from django.urls import path

from matching.budget import views as budget_views
from matching.calendar import views as calendar_views
from matching.imports import views as import_views
from matching.meetings import views as meeting_views
from matching.pairings import views as pairing_views
from matching.plans import views as plan_views
from matching.proposals import views as proposal_views

urlpatterns = [
    path("projects/<slug:slug>/matching/", proposal_views.matching_run, name="matching_run"),
    path("projects/<slug:slug>/matching/settings/", proposal_views.matching_settings,
         name="matching_settings"),
    path("pairings/", pairing_views.pairing_list, name="pairing_list"),
    path("pairings/<int:pk>/", pairing_views.pairing_detail, name="pairing_detail"),
    path("pairings/<int:pk>/respond/", pairing_views.pairing_respond, name="pairing_respond"),
    path("pairings/<int:pk>/move/", pairing_views.pairing_move, name="pairing_move"),
    path("pairings/<int:pk>/plan/", plan_views.plan_edit, name="plan_edit"),
    path("pairings/<int:pk>/plan/sign/", plan_views.plan_sign, name="plan_sign"),
    path("pairings/<int:pk>/plan/review/", plan_views.plan_review, name="plan_review"),
    path("pairings/<int:pk>/meetings/new/", meeting_views.meeting_edit, name="meeting_create"),
    path("pairings/<int:pk>/meetings/<int:meeting_pk>/", meeting_views.meeting_edit,
         name="meeting_edit"),
    path("pairings/<int:pk>/meetings/<int:meeting_pk>/confirm/", meeting_views.meeting_confirm,
         name="meeting_confirm"),
    path("projects/<slug:slug>/compliance/", meeting_views.compliance_table,
         name="compliance_table"),
    path("projects/<slug:slug>/budget/", budget_views.budget_page, name="budget_page"),
    path("projects/<slug:slug>/budget/rates/", budget_views.exchange_rate_add,
         name="exchange_rate_add"),
    path("projects/<slug:slug>/budget/claims/<int:meeting_pk>/", budget_views.claim_review,
         name="claim_review"),
    path("calendar/", calendar_views.calendar_page, name="calendar_page"),
    path("projects/<slug:slug>/import/", import_views.import_start, name="import_start"),
    path("projects/<slug:slug>/import/template/", import_views.import_template,
         name="import_template"),
    path("imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
]
