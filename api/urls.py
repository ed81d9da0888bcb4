from collections.abc import Callable
from typing import Any

from django.urls import include, path

from api import views


def by_token(view: Callable[..., Any]) -> Callable[..., Any]:
    """An API view resolves its own actor, once it knows who calls (a token or the session):
    the pages' middleware leaves it alone (participants.middleware.ActorMiddleware)."""
    view.resolves_own_actor = True  # type: ignore[attr-defined]
    return view


v1 = [
    path("projects/", by_token(views.ProjectList.as_view()), name="api_project_list"),
    path("projects/<slug:slug>/", by_token(views.ProjectDetail.as_view()),
         name="api_project_detail"),
    path("calls/", by_token(views.CallList.as_view()), name="api_call_list"),
    path("calls/<int:pk>/", by_token(views.CallDetail.as_view()), name="api_call_detail"),
    path("calls/<int:pk>/applications/", by_token(views.ApplicationList.as_view()),
         name="api_application_list"),
    path("applications/<int:pk>/", by_token(views.ApplicationDetail.as_view()),
         name="api_application_detail"),
    path("pairings/", by_token(views.PairingList.as_view()), name="api_pairing_list"),
    path("pairings/<int:pk>/", by_token(views.PairingDetail.as_view()),
         name="api_pairing_detail"),
    path("pairings/<int:pk>/meetings/", by_token(views.MeetingList.as_view()),
         name="api_meeting_list"),
    path("pairings/<int:pk>/meetings/<int:meeting_pk>/", by_token(views.MeetingDetail.as_view()),
         name="api_meeting_detail"),
    path("projects/<slug:slug>/compliance/", by_token(views.ProjectCompliance.as_view()),
         name="api_project_compliance"),
    path("pairings/<int:pk>/plans/", by_token(views.PlanList.as_view()), name="api_plan_list"),
    path("pairings/<int:pk>/compliance/", by_token(views.PairingCompliance.as_view()),
         name="api_pairing_compliance"),
    path("pairings/<int:pk>/reports/", by_token(views.ReportList.as_view()),
         name="api_report_list"),
    path("pairings/<int:pk>/reports/<str:kind>/<int:version>/",
         by_token(views.ReportDetail.as_view()), name="api_report_detail"),
    path("schema/", by_token(views.Schema.as_view()), name="api_schema"),
    # A page for people, under the session like every page.
    path("docs/", views.api_docs, name="api_docs"),
]

urlpatterns = [
    path("api/v1/", include(v1)),
    path("my-data/api-tokens/", views.token_list, name="api_tokens"),
    path("my-data/api-tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
]
