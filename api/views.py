"""The open API, /<org_slug>/api/v1/: what the pages read, through the pages' own access
helpers and selectors, as JSON; and the person's page of access tokens and the API's
documentation page.

Each API view resolves who acts like the pages' middleware (participants.middleware): from a
personal access token, or from the signed-in session and its chosen role. Another
organisation's object, or one the person may not see, answers 404 like a missing one; a member
without the right gets 403, as on the pages."""

from typing import Any, cast

from auditlog.context import set_actor
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from api import selectors, serializers, services
from api.forms import TokenForm
from api.models import ApiToken
from matching.meetings import selectors as meeting_selectors
from matching.meetings import services as meeting_services
from matching.meetings.filters import ComplianceFilter
from matching.meetings.forms import MeetingForm
from matching.models import Meeting, Pairing
from matching.pairings import selectors as pairing_selectors
from matching.pairings.filters import PairingFilter
from matching.plans import selectors as plan_selectors
from participants import selectors as participant_selectors
from participants.filters import ApplicationFilter
from participants.middleware import ACTIVE_ROLE_SESSION_KEY, OrganisationRequest, memberships_held
from participants.models import Application, User
from programmes import access
from programmes import selectors as programme_selectors
from programmes.actor import Actor, Role
from programmes.filters import CallFilter
from programmes.models import Call, Project
from programmes.requests import add_service_errors, form_data, run_action
from reporting import selectors as report_selectors
from reporting.models import Report


class ApiView(APIView):
    """Every API view: authenticated (token or session), rate limited, its actor resolved once
    the caller is known, and each call written to the organisation's audit trail."""

    actor: Actor

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication, scope, rate
        actor = self._actor(request, kwargs["org_slug"])
        if actor is None:  # not a member there: like an organisation that does not exist
            raise Http404
        self.actor = actor
        request._request.actor = actor  # type: ignore[attr-defined]  # as the middleware does
        request._request.organisation = actor.organisation  # type: ignore[attr-defined]

    @staticmethod
    def _actor(request: Request, slug: str) -> Actor | None:
        token, user = request.auth, cast(User, request.user)  # IsAuthenticated has run
        if isinstance(token, ApiToken):
            # The token opens its own organisation (the address's, see authentication.py), in
            # the first role its person holds there.
            return participant_selectors.actor_for(user=user, organisation=token.organisation)
        actor = participant_selectors.actor_for(user=user, organisation_slug=slug,
                                                memberships=memberships_held(request._request))
        if actor is None:
            return None
        key = ACTIVE_ROLE_SESSION_KEY.format(organisation_id=actor.organisation.pk)
        return actor.acting_as(request._request.session.get(key))

    def finalize_response(self, request: Request, response: Response, *args: Any,
                          **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        actor = getattr(self, "actor", None)
        if actor is not None:
            services.api_call_record(
                actor=actor, token=request.auth if isinstance(request.auth, ApiToken) else None,
                method=request.method or "", path=request.path, status=response.status_code,
                remote_addr=request.META.get("REMOTE_ADDR"))
        return response

    @property
    def for_schema(self) -> bool:
        # drf-spectacular reads each view's queryset to describe it, with no actor.
        return getattr(self, "swagger_fake_view", False)


def filtered(filterset: Any) -> QuerySet:
    """A page's FilterSet on the API: a bad value answers 400 with the field's error."""
    if not filterset.is_valid():
        raise ApiValidationError(filterset.errors)
    return filterset.qs


# -- Projects and calls -------------------------------------------------------------------------

class ProjectList(ApiView, generics.ListAPIView):
    """The projects the person sees, as the project list shows them."""

    serializer_class = serializers.ProjectSerializer

    def get_queryset(self) -> QuerySet[Project]:
        if self.for_schema:
            return Project.objects.none()
        # As the page: mentors and mentees reach projects from their pairings.
        access.require_role(actor=self.actor, roles=[
            Role.ADMIN, Role.COORDINATOR, Role.OBSERVER, Role.FOCAL_POINT])
        return programme_selectors.project_list(actor=self.actor).prefetch_related(
            "thematic_areas", "partner_countries")


class ProjectDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = serializers.ProjectSerializer

    def get_object(self) -> Project:
        return programme_selectors.project_for_member(actor=self.actor, slug=self.kwargs["slug"],
                                                      for_change=False)


@extend_schema(parameters=[
    OpenApiParameter("status", str, enum=Call.Status.values),
    OpenApiParameter("role_sought", str, enum=Call.RoleSought.values),
    OpenApiParameter("project", str, description="A project's address (slug)."),
])
class CallList(ApiView, generics.ListAPIView):
    serializer_class = serializers.CallSerializer

    def get_queryset(self) -> QuerySet[Call]:
        if self.for_schema:
            return Call.objects.none()
        calls = filtered(CallFilter(self.request.query_params,
                                    queryset=programme_selectors.call_list(actor=self.actor)))
        if project := self.request.query_params.get("project"):
            calls = calls.filter(project__slug=project)
        return calls.prefetch_related("invited_countries", "thematic_areas")


class CallDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = serializers.CallSerializer

    def get_object(self) -> Call:
        return programme_selectors.call_for_member(actor=self.actor, pk=self.kwargs["pk"],
                                                   for_change=False)


@extend_schema(parameters=[
    OpenApiParameter("status", str, enum=Application.Status.values),
    OpenApiParameter("country", str, description="A country code."),
    OpenApiParameter("thematic_area", int, description="A thematic area's id."),
    OpenApiParameter("q", str, description="Part of the name, e-mail or agency."),
    OpenApiParameter("sort", str, enum=["name", "-name", "country", "-country", "submitted",
                                        "-submitted", "service", "-service"]),
])
class ApplicationList(ApiView, generics.ListAPIView):
    """A call's applications, for its reviewers (the project's coordinators and the
    organisation's admins), as the review page lists them."""

    serializer_class = serializers.ApplicationSerializer

    def get_queryset(self) -> QuerySet[Application]:
        if self.for_schema:
            return Application.objects.none()
        call = programme_selectors.call_for_member(actor=self.actor, pk=self.kwargs["pk"],
                                                   for_change=True)
        return filtered(ApplicationFilter(self.request.query_params,
                                          queryset=participant_selectors.review_list(call=call),
                                          call=call))


class ApplicationDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = serializers.ApplicationSerializer

    def get_object(self) -> Application:
        return participant_selectors.application_for_reviewer(actor=self.actor,
                                                              pk=self.kwargs["pk"])


# -- Pairings and meetings ----------------------------------------------------------------------

@extend_schema(parameters=[
    OpenApiParameter("status", str, enum=Pairing.Status.values),
    OpenApiParameter("project", int, description="A project's id."),
    OpenApiParameter("q", str, description="Part of the mentor's or mentee's name."),
])
class PairingList(ApiView, generics.ListAPIView):
    serializer_class = serializers.PairingSerializer

    def get_queryset(self) -> QuerySet[Pairing]:
        if self.for_schema:
            return Pairing.objects.none()
        # As the page: a focal point follows nominations, not pairings.
        access.require_role(actor=self.actor, roles=[
            Role.ADMIN, Role.COORDINATOR, Role.OBSERVER, Role.MENTOR, Role.MENTEE])
        projects = list(access.projects_visible_to(actor=self.actor).values_list("pk", "name"))
        return filtered(PairingFilter(
            self.request.query_params,
            queryset=pairing_selectors.pairing_list(actor=self.actor).select_related(
                "project", "mentee", "mentor"),
            projects=projects))


class PairingDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = serializers.PairingSerializer

    def get_object(self) -> Pairing:
        return pairing_selectors.pairing_for_member(actor=self.actor, pk=self.kwargs["pk"],
                                                    for_change=False)


class MeetingList(ApiView, generics.ListAPIView):
    """A pairing's meetings; its mentor or mentee logs one (POST), held to the page's form and
    the meeting service's rules: a refusal answers 400 with each field's errors."""

    serializer_class = serializers.MeetingSerializer

    def pairing(self) -> Pairing:
        return pairing_selectors.pairing_for_member(actor=self.actor, pk=self.kwargs["pk"],
                                                    for_change=False)

    def get_queryset(self) -> QuerySet[Meeting]:
        if self.for_schema:
            return Meeting.objects.none()
        return selectors.meetings_of(pairing=self.pairing())

    @extend_schema(request=serializers.MeetingInputSerializer,
                   responses={201: serializers.MeetingSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pairing = self.pairing()
        # The pair logs its meetings; others read them (403, as on the page).
        access.require(actor=self.actor, action="take_part", obj=pairing)
        form = MeetingForm(_form_values(request.data))
        if form.is_valid():
            try:
                # The trail names who made the change: the token's person.
                with set_actor(self.actor.user, remote_addr=request.META.get("REMOTE_ADDR")):
                    meeting = meeting_services.meeting_save(
                        actor=self.actor, pairing=pairing, meeting=None,
                        fields={name: form.cleaned_data[name]
                                for name in meeting_services.MEETING_FIELDS})
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return Response(serializers.MeetingSerializer(meeting).data,
                                status=status.HTTP_201_CREATED)
        return Response(_field_errors(form), status=status.HTTP_400_BAD_REQUEST)


class MeetingDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = serializers.MeetingSerializer

    def get_object(self) -> Meeting:
        pairing = pairing_selectors.pairing_for_member(actor=self.actor, pk=self.kwargs["pk"],
                                                       for_change=False)
        return meeting_selectors.meeting_for_member(actor=self.actor, pairing=pairing,
                                                    pk=self.kwargs["meeting_pk"])


class OfPairing(ApiView, generics.GenericAPIView):
    """What a pairing's page shows beside its meetings: the pairing is fetched as for its
    page (404 for one the person does not see)."""

    def pairing(self) -> Pairing:
        return pairing_selectors.pairing_for_member(actor=self.actor, pk=self.kwargs["pk"],
                                                    for_change=False)

    def get_queryset(self) -> QuerySet[Pairing]:
        return Pairing.objects.none()  # read by the schema only (its path's id)


class PlanList(OfPairing):
    """Every version of the pairing's activity plan, newest first."""

    serializer_class = serializers.PlanSerializer

    @extend_schema(responses=serializers.PlanSerializer(many=True))
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plans = plan_selectors.pairing_plans(self.pairing())
        return Response(self.get_serializer(plans, many=True).data)


class PairingCompliance(OfPairing):
    """The pairing's compliance, as its page shows it (null until a plan is approved)."""

    serializer_class = serializers.PairingComplianceSerializer

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pairing = self.pairing()
        plan = plan_selectors.approved_plan(plan_selectors.pairing_plans(pairing))
        state = meeting_selectors.pairing_compliance(
            pairing, plan, meeting_selectors.pairing_meetings(pairing))
        return Response(self.get_serializer({"pairing": pairing.pk, "compliance": state}).data)


class ReportList(OfPairing):
    """The versions of the pairing's reports this person sees: a draft is the pair's own."""

    serializer_class = serializers.ReportSerializer

    @extend_schema(responses=serializers.ReportSerializer(many=True))
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shown = report_selectors.reports_shown_to(actor=self.actor, pairing=self.pairing())
        return Response(self.get_serializer(
            [report for versions in shown.values() for report in versions], many=True).data)


class ReportDetail(OfPairing):
    serializer_class = serializers.ReportSerializer

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if kwargs["kind"] not in Report.Kind.values:
            raise Http404
        report = report_selectors.report_for_member(
            actor=self.actor, pairing=self.pairing(), kind=kwargs["kind"],
            version=kwargs["version"])
        return Response(self.get_serializer(report).data)


@extend_schema(parameters=[
    OpenApiParameter("status", str, enum=Pairing.Status.values),
    OpenApiParameter("country", str, description="The mentee's country code."),
    OpenApiParameter("thematic_area", int, description="A thematic area's id."),
])
class ProjectCompliance(ApiView, generics.ListAPIView):
    """A project's compliance table: its pairings, those with the most late first. For those
    who follow the project (its managers and the organisation's observers), as the page."""

    serializer_class = serializers.ComplianceRowSerializer

    def get_queryset(self) -> QuerySet[Pairing]:
        return Pairing.objects.none()  # read by the schema only

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = programme_selectors.project_for_member(actor=self.actor, slug=kwargs["slug"],
                                                         for_change=False)
        access.require(actor=self.actor, action="follow", obj=project)
        pairings = meeting_selectors.compliance_pairings(actor=self.actor, project=project)
        meeting_services.compliance_catch_up(project=project)
        found = filtered(ComplianceFilter(request.query_params, queryset=pairings,
                                          project=project))
        ids = self.paginate_queryset(meeting_selectors.compliance_table(found)) or []
        rows = meeting_selectors.compliance_rows(found, ids)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


def _form_values(data: Any) -> dict[str, Any]:
    """A JSON body as the form reads a posted one: absent and null are empty."""
    if not isinstance(data, dict):
        raise ApiValidationError({api_settings.NON_FIELD_ERRORS_KEY: [
            _("Send the meeting as a JSON object.")]})
    return {name: ("" if value is None else value) for name, value in data.items()}


def _field_errors(form: Any) -> dict[str, list[str]]:
    return {(api_settings.NON_FIELD_ERRORS_KEY if name == "__all__" else name):
            [str(message) for message in messages_]
            for name, messages_ in form.errors.items()}


# -- The schema ---------------------------------------------------------------------------------

@extend_schema(exclude=True)
class Schema(ApiView, SpectacularAPIView):
    """The OpenAPI schema, for members (a token or the session), like the rest of the API."""

    authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
    permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES


# -- Pages: the documentation, and the person's tokens -----------------------------------------

def api_docs(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    """The API's documentation, rendered here from its schema: no script, nothing from
    elsewhere."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            operations.append({
                "method": method.upper(),
                "path": path.replace("{org_slug}", org_slug),
                "summary": operation.get("description", ""),
                "parameters": [p for p in operation.get("parameters", [])
                               if p["name"] != "org_slug"],
                "body": _body_fields(schema, operation),
                "responses": sorted(operation.get("responses", {})),
            })
    return render(request, "api/docs.html", {"operations": operations})


def _body_fields(schema: dict, operation: dict) -> list[tuple[str, str, bool]]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return []
    name = content["schema"]["$ref"].rsplit("/", 1)[-1]
    component = schema["components"]["schemas"][name]
    required = set(component.get("required", []))
    return [(field, spec.get("type", spec.get("format", "")) or "string", field in required)
            for field, spec in component["properties"].items()]


def token_list(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    """The person's access tokens: made here (the secret shown once), listed with their last
    use, revoked."""
    form = TokenForm(form_data(request))
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.token_create(
                actor=request.actor, name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"], days=form.cleaned_data["days"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Token “%(name)s” made.") % {"name": token.name})
            form = TokenForm()
    return render(request, "api/tokens.html", {
        "form": form, "secret": secret, "now": timezone.now(),
        "tokens": selectors.tokens_of(actor=request.actor),
    }, status=400 if form.errors else 200)


@require_POST
def token_revoke(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    token = selectors.token_for_owner(actor=request.actor, pk=pk)
    run_action(request, lambda: services.token_revoke(actor=request.actor, token=token),
               _("Token revoked: it no longer works."))
    return redirect("api_tokens", org_slug=org_slug)
