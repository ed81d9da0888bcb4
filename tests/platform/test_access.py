"""The access table: every URL pattern of the app, and what each role of the organisation, a
member of another organisation and an anonymous visitor receive. A URL with no row fails."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.services import token_create
from matching.models import Meeting
from matching.pairings.services import pairing_respond
from matching.plans.rules import Visit
from matching.plans.services import plan_save, plan_seal, plan_sign
from matching.proposals.services import pairing_propose
from participants.models import Membership, User
from reporting.models import Indicator
from reporting.services import report_review
from tests.factories import (
    ActivityDocumentFactory,
    ActivityFactory,
    ActivityParticipantFactory,
    AdvisoryBoardMemberFactory,
    ApplicationFactory,
    CompetencyFactory,
    DataRequestFactory,
    ExportFactory,
    InvitationFactory,
    MeetingFactory,
    NominationFactory,
    PairingFactory,
    ProgrammeImportFactory,
    ReportFactory,
    with_totp,
)
from tests.helpers import (
    PERSONAS,
    START,
    World,
    active_pairing,
    as_actor,
    completed,
    in_last_month,
    sign_in_with_mfa,
    submitted,
)
from tests.helpers import running as running_pairing

OK, REDIRECT, BAD_REQUEST, FORBIDDEN, MISSING, LOGIN = 200, 302, 400, 403, 404, "login"
# The API asks for credentials instead of sending to the sign-in page.
UNAUTHORISED = 401
VISITORS = ["anonymous", *PERSONAS, "outsider"]


@dataclass
class Row:
    method: str
    kwargs: Callable[[World], dict]
    expected: dict[str, int | str]


def roles(default: int | str, outsider: int | str = MISSING, anonymous: int | str = LOGIN,
          **overrides: int | str) -> dict[str, int | str]:
    table = {role: default for role in PERSONAS}
    table.update(overrides, outsider=outsider, anonymous=anonymous)
    return table


def org(w: World) -> dict:
    return {"org_slug": w.org.slug}


def project(w: World) -> dict:
    return {**org(w), "slug": w.project.slug}


def area(w: World) -> dict:
    return {**project(w), "pk": w.project.thematic_areas.get().pk}


def mentee_membership(w: World) -> dict:
    return {**org(w), "pk": w.memberships["mentee"].pk}


def coordinator_membership(w: World) -> dict:
    return {**org(w), "pk": w.memberships["coordinator"].pk}


def invitation(w: World) -> dict:
    return {**org(w), "pk": InvitationFactory(organisation=w.org).pk}


def call(w: World) -> dict:
    return {**org(w), "pk": w.call.pk}


def draft_call(w: World) -> dict:
    w.call.status = "draft"
    w.call.save()
    return call(w)


def self_nomination_call(w: World) -> dict:
    w.call.allow_self_nomination = True
    w.call.save()
    return call(w)


def nomination(w: World) -> dict:
    nominee = NominationFactory(call=w.call, nominated_by=w.people["focal_point"])
    ApplicationFactory(call=w.call, nomination=nominee, status="invited")
    return {**org(w), "pk": nominee.pk}


def own_application(w: World) -> dict:
    """An application of the mentee (the only one who may edit it)."""
    return {**org(w), "pk": ApplicationFactory(call=w.call, applicant=w.people["mentee"],
                                               status="invited").pk}


def application(w: World) -> dict:
    return {**org(w), "pk": ApplicationFactory(call=w.call, applicant=w.people["mentee"]).pk}


def pairing(w: World, *, accepted: bool = False, plan: str = "") -> dict:
    """A pairing of the world's mentor and mentee; accepted by both, with a plan draft or
    signed by both if asked."""
    made = pairing_propose(actor=as_actor(w.people["coordinator"]), project=w.project,
                           mentee=w.people["mentee"], mentor=w.people["mentor"])
    if accepted or plan:
        for who in ("mentee", "mentor"):
            made = pairing_respond(actor=as_actor(w.people[who]), pairing=made, accept=True)
    if plan:
        draft = plan_save(actor=as_actor(w.people["mentee"]), pairing=made, **PLAN)
        if plan == "signed":
            for who in ("mentee", "mentor"):
                draft = plan_sign(actor=as_actor(w.people[who]), pairing=made,
                                  seen=plan_seal(draft))
    return {**org(w), "pk": made.pk}


def active(w: World) -> dict:
    return {**org(w), "pk": active_pairing(w).pk}


def meeting(w: World) -> dict:
    """An online meeting the mentee logged in an active pairing."""
    made = active_pairing(w)
    logged = MeetingFactory(pairing=made, day=START, duration_minutes=60,
                            topics="Asset tracing", logged_by=w.people["mentee"])
    return {**org(w), "pk": made.pk, "meeting_pk": logged.pk}


def visit_claim(w: World) -> dict:
    """A funded visit's claim, waiting for the coordinator's review."""
    made = active_pairing(w)
    logged = MeetingFactory(pairing=made, day=START, duration_minutes=240, kind="in_person",
                            city="Rabat", funded=True, cost_amount=850, cost_currency="EUR",
                            topics="Case review", logged_by=w.people["mentee"])
    return {**project(w), "meeting_pk": logged.pk}


def running(w: World) -> dict:
    return {**org(w), "pk": running_pairing(w).pk}


def interim(w: World, *, handed_in: bool = True) -> dict:
    """The interim report of a pairing under way: submitted (version 1)."""
    made = running_pairing(w)
    if handed_in:
        submitted(w, made)
    return {**org(w), "pk": made.pk, "kind": "interim", "version": 1}


def last_month(w: World) -> dict:
    return {**org(w), "pk": in_last_month(w).pk}


def narrative_accepted(w: World) -> dict:
    made = in_last_month(w)
    report_review(actor=as_actor(w.people["coordinator"]), report=submitted(w, made, "narrative"),
                  accept=True, comments="")
    return {**org(w), "pk": made.pk}


def certificate(w: World) -> dict:
    return {**org(w), "pk": completed(w).pk, "role": "mentee"}


def admins_export(w: World) -> dict:
    made = ExportFactory(project=w.project, requested_by=w.people["admin"], kind="pairings",
                         format="csv", status="done", content=b"Pairing\n",
                         filename="pairings.csv")
    return {**org(w), "pk": made.pk}


def previewed_import(w: World) -> dict:
    """A checked file of one new pairing, uploaded by the project's coordinator."""
    made = ProgrammeImportFactory(project=w.project, requested_by=w.people["coordinator"],
                                  preview={"total": 1, "new": 1, "existing": 0, "bad": 0,
                                           "people_new": 2, "errors": [], "errors_total": 0})
    return {**org(w), "pk": made.pk}


def indicator(w: World) -> dict:
    made = Indicator.objects.create(organisation=w.org, project=w.project,
                                    metric=Indicator.Metric.OFFICERS_MENTORED, target=10,
                                    period_start=date(2027, 1, 1), period_end=date(2027, 12, 31))
    return {**project(w), "pk": made.pk}


def data_request(w: World) -> dict:
    return {**org(w), "pk": DataRequestFactory(organisation=w.org, requester=w.people["mentee"],
                                               kind="erasure").pk}


def own_token(w: World) -> dict:
    """An API token of the mentee (the only one who may revoke it)."""
    made, _secret = token_create(actor=as_actor(w.people["mentee"]), name="Sync", scope="read",
                                 days=30)
    return {**org(w), "pk": made.pk}


def competency(w: World) -> dict:
    return {**project(w), "pk": CompetencyFactory(project=w.project).pk}


def start_self_assessment(w: World) -> dict:
    """A running pairing of a project that asks a competency: its start self-assessment."""
    CompetencyFactory(project=w.project)
    return {**running(w), "moment": "start"}


def mentee_person(w: World) -> dict:
    return {**org(w), "user_id": w.people["mentee"].pk}


def activity(w: World) -> dict:
    """A webinar of the project held last week, to which the mentee is invited."""
    made = ActivityFactory(project=w.project)
    ActivityParticipantFactory(activity=made, person=w.people["mentee"])
    return {**org(w), "pk": made.pk}


def activity_document(w: World) -> dict:
    made = activity(w)
    document = ActivityDocumentFactory(activity_id=made["pk"], organisation=w.org,
                                       uploaded_by=w.people["coordinator"])
    return {**made, "document_pk": document.pk}


def board_member(w: World) -> dict:
    member = AdvisoryBoardMemberFactory(project=w.project, person=w.people["observer"])
    return {**project(w), "pk": member.pk}


PLAN = dict(objectives="Trace criminal assets.", start=date(2027, 1, 15), duration_months=6,
            online_meetings_per_month=1, visits=[Visit(date(2027, 2, 1), "Rabat", True)])
# The pair's own actions: what the others of the organisation who see the pairing get (403),
# and what a member who does not see it gets (404).
PAIR_ACTION = roles(FORBIDDEN, mentor=REDIRECT, mentee=REDIRECT, focal_point=MISSING)
PAIRING_MANAGERS_ACTION = roles(FORBIDDEN, admin=REDIRECT, coordinator=REDIRECT,
                                focal_point=MISSING)


ADMIN_ONLY_PAGE = roles(FORBIDDEN, admin=OK)
ADMIN_ONLY_ACTION = roles(FORBIDDEN, admin=REDIRECT)
MANAGERS_ACTION = roles(FORBIDDEN, admin=REDIRECT, coordinator=REDIRECT)
MANAGERS_PAGE = roles(FORBIDDEN, admin=OK, coordinator=OK)
FOLLOWERS_PAGE = roles(FORBIDDEN, admin=OK, coordinator=OK, observer=OK)
# An activity's managers' pages: the observers and the invited mentee see the activity (403);
# the others do not (404).
ACTIVITY_MANAGERS_PAGE = roles(MISSING, admin=OK, coordinator=OK, observer=FORBIDDEN,
                               mentee=FORBIDDEN)
ACTIVITY_MANAGERS_ACTION = roles(MISSING, admin=REDIRECT, coordinator=REDIRECT,
                                 observer=FORBIDDEN, mentee=FORBIDDEN)


def api(default: int | str, **overrides: int | str) -> dict[str, int | str]:
    """An API endpoint: as its page, but an anonymous caller is asked for a token (401)."""
    return roles(default, anonymous=UNAUTHORISED, **overrides)

ACCESS: dict[str, Row] = {
    "start": Row("GET", lambda w: {}, roles(REDIRECT, outsider=REDIRECT)),
    "role_switch": Row("POST", lambda w: {}, roles(REDIRECT, outsider=MISSING)),
    "home": Row("GET", org, roles(OK)),
    "project_list": Row("GET", org, roles(OK, mentor=FORBIDDEN, mentee=FORBIDDEN)),
    "project_create": Row("GET", org, ADMIN_ONLY_PAGE),
    "project_detail": Row("GET", project, roles(OK)),
    "project_edit": Row("GET", project, ADMIN_ONLY_PAGE),
    "project_rules": Row("GET", project, roles(FORBIDDEN, admin=OK, coordinator=OK)),
    "thematic_area_add": Row("POST", project, MANAGERS_ACTION),
    "thematic_area_remove": Row("POST", area, MANAGERS_ACTION),
    "member_list": Row("GET", org, ADMIN_ONLY_PAGE),
    "member_edit": Row("GET", coordinator_membership, ADMIN_ONLY_PAGE),
    "member_remove": Row("POST", mentee_membership, ADMIN_ONLY_ACTION),
    "invitation_list": Row("GET", org, ADMIN_ONLY_PAGE),
    "invitation_create": Row("GET", org, ADMIN_ONLY_PAGE),
    "invitation_revoke": Row("POST", invitation, ADMIN_ONLY_ACTION),
    "invitation_resend": Row("POST", invitation, ADMIN_ONLY_ACTION),
    # Public: the token is the credential (an invalid token gives 404, see test_invitations).
    "invitation_accept": Row(
        "GET", lambda w: {"token": "not-a-valid-token"},
        roles(MISSING, outsider=MISSING, anonymous=MISSING),
    ),
    "call_list": Row("GET", org, roles(OK)),
    "call_create": Row("GET", org, MANAGERS_PAGE),
    "call_detail": Row("GET", call, roles(OK, mentor=FORBIDDEN, mentee=FORBIDDEN)),
    "call_edit": Row("GET", call, MANAGERS_PAGE),
    "call_open": Row("POST", draft_call, MANAGERS_ACTION),
    "call_close": Row("POST", call, MANAGERS_ACTION),
    "nomination_create": Row("POST", call, roles(FORBIDDEN, focal_point=REDIRECT,
                                                 mentor=FORBIDDEN, mentee=FORBIDDEN)),
    "nomination_list": Row("GET", org, roles(FORBIDDEN, focal_point=OK)),
    # Another country's (or anybody else's) nomination answers like a missing one.
    "nomination_withdraw": Row("POST", nomination, roles(MISSING, focal_point=REDIRECT)),
    # Only a mentee puts themselves forward for a mentee call; others who see the call are told
    # why (400); a mentor does not see it.
    "application_start": Row("POST", self_nomination_call,
                             roles(BAD_REQUEST, mentee=REDIRECT, mentor=FORBIDDEN)),
    "application_list": Row("GET", call, MANAGERS_PAGE),
    "application_decide_many": Row("POST", call, MANAGERS_ACTION),
    "application_edit": Row("GET", own_application, roles(MISSING, mentee=OK)),
    "application_withdraw": Row("POST", own_application, roles(MISSING, mentee=REDIRECT)),
    "application_cv": Row("GET", application, roles(FORBIDDEN, admin=OK, coordinator=OK,
                                                     mentee=OK)),
    "application_review": Row("GET", application, MANAGERS_PAGE),
    "notification_list": Row("GET", org, roles(OK)),
    "matching_run": Row("GET", project, MANAGERS_PAGE),
    "matching_settings": Row("GET", project, MANAGERS_PAGE),
    "pairing_list": Row("GET", org, roles(OK, focal_point=FORBIDDEN)),
    # Someone else's pairing answers like a missing one.
    "pairing_detail": Row("GET", pairing, roles(OK, focal_point=MISSING)),
    "pairing_respond": Row("POST", pairing, PAIR_ACTION),
    "pairing_move": Row("POST", lambda w: pairing(w, accepted=True), PAIRING_MANAGERS_ACTION),
    # Without the missing feedback, with a reason (see test_reports).
    "pairing_complete": Row("POST", narrative_accepted, PAIRING_MANAGERS_ACTION),
    "plan_edit": Row("GET", lambda w: pairing(w, accepted=True),
                     roles(FORBIDDEN, mentor=OK, mentee=OK, focal_point=MISSING)),
    "plan_sign": Row("POST", lambda w: pairing(w, plan="draft"), PAIR_ACTION),
    "plan_review": Row("POST", lambda w: pairing(w, plan="signed"), PAIRING_MANAGERS_ACTION),
    "meeting_create": Row("GET", active, roles(FORBIDDEN, mentor=OK, mentee=OK,
                                               focal_point=MISSING)),
    "meeting_edit": Row("GET", meeting, roles(FORBIDDEN, mentor=OK, mentee=OK,
                                              focal_point=MISSING)),
    # The mentor confirms; the mentee who logged it is told why not (a message, then back).
    "meeting_confirm": Row("POST", meeting, PAIR_ACTION),
    "compliance_table": Row("GET", project, roles(OK, mentor=FORBIDDEN, mentee=FORBIDDEN,
                                                  focal_point=FORBIDDEN)),
    # The budget: read by those who follow the project; its coordinators alone act on it.
    "budget_page": Row("GET", project, roles(OK, mentor=FORBIDDEN, mentee=FORBIDDEN,
                                             focal_point=FORBIDDEN)),
    "exchange_rate_add": Row("POST", project, roles(FORBIDDEN, coordinator=REDIRECT)),
    "claim_review": Row("POST", visit_claim, roles(FORBIDDEN, coordinator=REDIRECT)),
    "calendar_page": Row("GET", org, roles(OK)),
    # Bringing a programme in: the project's managers alone; anyone else's import answers like
    # a missing one.
    "import_start": Row("GET", project, MANAGERS_PAGE),
    "import_template": Row("GET", project, MANAGERS_PAGE),
    "import_detail": Row("GET", previewed_import, roles(MISSING, admin=OK, coordinator=OK)),
    "import_confirm": Row("POST", previewed_import,
                          roles(MISSING, admin=REDIRECT, coordinator=REDIRECT)),
    # Public: the secret in the address is the key; a wrong one is not found (see
    # test_calendar).
    # Liveness and readiness are the platform's, for anyone (a load balancer, compose): ready
    # only once the reminder scan has run, which the table's world never does.
    "livez": Row("GET", lambda w: {}, roles(OK, outsider=OK, anonymous=OK)),
    "readyz": Row("GET", lambda w: {}, roles(503, outsider=503, anonymous=503)),
    # Prometheus's scrape: off (404) for everyone while neither METRICS_TOKEN nor
    # METRICS_ALLOWED_IPS is set, as in the tests; the token and the addresses are
    # tests/platform/test_metrics.py's.
    "metrics": Row("GET", lambda w: {}, roles(MISSING, outsider=MISSING, anonymous=MISSING)),
    # The operators' health page sits in Django's admin, behind its door: no member of an
    # organisation gets in (sent to the admin's login page, which refuses them, and sends an
    # anonymous visitor on to sign in); tests/platform/test_operators_health.py has the
    # superuser's page.
    "platform_health": Row("GET", lambda w: {}, roles(REDIRECT, outsider=REDIRECT,
                                                      anonymous=REDIRECT)),
    "calendar_feed": Row("GET", lambda w: {"token": "not-a-calendar-secret"},
                         roles(MISSING, outsider=MISSING, anonymous=MISSING)),
    # Reports: the pair writes (each field saves itself); everyone who sees the pairing reads
    # what was handed in; the project's managers review.
    "report_edit": Row("GET", lambda w: {**running(w), "kind": "interim"},
                       roles(FORBIDDEN, mentor=OK, mentee=OK, focal_point=MISSING)),
    "report_autosave": Row("POST", lambda w: {**running(w), "kind": "interim"},
                           roles(FORBIDDEN, mentor=OK, mentee=OK, focal_point=MISSING)),
    "report_detail": Row("GET", interim, roles(OK, focal_point=MISSING)),
    "report_review": Row("POST", interim, PAIRING_MANAGERS_ACTION),
    "report_pdf": Row("GET", interim, roles(OK, focal_point=MISSING)),
    # Feedback is each participant's own; a certificate is its holder's (and the managers').
    "feedback_edit": Row("GET", last_month, roles(FORBIDDEN, mentor=OK, mentee=OK,
                                                  focal_point=MISSING)),
    "certificate_pdf": Row("GET", certificate, roles(FORBIDDEN, mentee=OK, admin=OK,
                                                     coordinator=OK, focal_point=MISSING)),
    "dossier_request": Row("POST", running, roles(FORBIDDEN, admin=REDIRECT,
                                                  coordinator=REDIRECT, observer=REDIRECT,
                                                  focal_point=MISSING)),
    # Outcomes: the managers set the competencies; a self-assessment is its author's alone
    # (an observer, like everyone else, sees only the dashboard's averages).
    "competencies": Row("GET", project, roles(FORBIDDEN, admin=OK, coordinator=OK)),
    "competency_edit": Row("GET", competency, roles(FORBIDDEN, admin=OK, coordinator=OK)),
    "self_assessment": Row("GET", start_self_assessment,
                           roles(FORBIDDEN, mentor=OK, mentee=OK, focal_point=MISSING)),
    "dashboard": Row("GET", project, roles(OK, mentor=FORBIDDEN, mentee=FORBIDDEN,
                                           focal_point=FORBIDDEN)),
    "export_create": Row("POST", project, roles(REDIRECT, mentor=FORBIDDEN, mentee=FORBIDDEN,
                                                focal_point=FORBIDDEN)),
    # Donor indicators: whoever follows the project reads them and asks for the donor report;
    # its managers add and change them.
    "indicators": Row("GET", project, roles(OK, mentor=FORBIDDEN, mentee=FORBIDDEN,
                                            focal_point=FORBIDDEN)),
    "indicator_edit": Row("GET", indicator, roles(FORBIDDEN, admin=OK, coordinator=OK)),
    "donor_report": Row("POST", project, roles(REDIRECT, mentor=FORBIDDEN, mentee=FORBIDDEN,
                                               focal_point=FORBIDDEN)),
    # An export is its requester's own: anyone else's answers like a missing one.
    "export_detail": Row("GET", admins_export, roles(MISSING, admin=OK)),
    "export_download": Row("GET", admins_export, roles(MISSING, admin=OK)),
    # Programme activities and the advisory board: the project's managers run them, observers
    # read them; an activity is seen by those and by whoever is invited to it, and answers
    # anyone else like a missing one.
    "activity_list": Row("GET", project, FOLLOWERS_PAGE),
    "activity_create": Row("GET", project, MANAGERS_PAGE),
    "advisory_board": Row("GET", project, FOLLOWERS_PAGE),
    "board_member_end": Row("POST", board_member, MANAGERS_ACTION),
    "activity_detail": Row("GET", activity, roles(MISSING, admin=OK, coordinator=OK,
                                                  observer=OK, mentee=OK)),
    "activity_edit": Row("GET", activity, ACTIVITY_MANAGERS_PAGE),
    "activity_invite": Row("GET", activity, ACTIVITY_MANAGERS_PAGE),
    "activity_attendance": Row("POST", activity, ACTIVITY_MANAGERS_ACTION),
    "activity_respond": Row("POST", activity, roles(MISSING, admin=FORBIDDEN,
                                                    coordinator=FORBIDDEN, observer=FORBIDDEN,
                                                    mentee=REDIRECT)),
    "activity_document_add": Row("GET", activity, ACTIVITY_MANAGERS_PAGE),
    "activity_document": Row("GET", activity_document, roles(MISSING, admin=OK, coordinator=OK,
                                                             observer=OK, mentee=OK)),
    "activity_document_delete": Row("POST", activity_document, ACTIVITY_MANAGERS_ACTION),
    "my_activities": Row("GET", org, roles(OK)),
    "branding": Row("GET", org, ADMIN_ONLY_PAGE),
    "identity_provider_edit": Row("GET", org, ADMIN_ONLY_PAGE),
    # A person's own data: every member sees, corrects, asks about and downloads their own.
    "my_data": Row("GET", org, roles(OK)),
    "my_data_profile": Row("POST", org, roles(REDIRECT)),
    "my_data_request": Row("POST", org, roles(REDIRECT)),
    "personal_data_export": Row("POST", org, roles(REDIRECT)),

    # The organisation admin's privacy pages (an erasure is previewed before it is confirmed).
    "privacy_requests": Row("GET", org, ADMIN_ONLY_PAGE),
    "privacy_request": Row("GET", data_request, ADMIN_ONLY_PAGE),
    "privacy_erase": Row("GET", mentee_person, ADMIN_ONLY_PAGE),
    "privacy_audit": Row("GET", org, ADMIN_ONLY_PAGE),

    "privacy_retention": Row("GET", org, ADMIN_ONLY_PAGE),
    "privacy_register": Row("GET", org, ADMIN_ONLY_PAGE),
    "privacy_register_pdf": Row("GET", org, ADMIN_ONLY_PAGE),
    # The open API (api/): the pages' access, through the same helpers; see also
    # test_api_access_table_by_token below.
    "api_project_list": Row("GET", org, api(OK, mentor=FORBIDDEN, mentee=FORBIDDEN)),
    "api_project_detail": Row("GET", project, api(OK)),
    "api_call_list": Row("GET", org, api(OK)),
    "api_call_detail": Row("GET", call, api(OK, mentor=FORBIDDEN, mentee=FORBIDDEN)),
    "api_application_list": Row("GET", call, api(FORBIDDEN, admin=OK, coordinator=OK)),
    "api_application_detail": Row("GET", application, api(FORBIDDEN, admin=OK, coordinator=OK)),
    "api_pairing_list": Row("GET", org, api(OK, focal_point=FORBIDDEN)),
    "api_pairing_detail": Row("GET", pairing, api(OK, focal_point=MISSING)),
    "api_meeting_list": Row("GET", active, api(OK, focal_point=MISSING)),
    "api_meeting_detail": Row("GET", meeting, api(OK, focal_point=MISSING)),
    "api_project_compliance": Row("GET", project, api(OK, mentor=FORBIDDEN, mentee=FORBIDDEN,
                                                      focal_point=FORBIDDEN)),
    "api_plan_list": Row("GET", lambda w: pairing(w, plan="signed"), api(OK, focal_point=MISSING)),
    "api_pairing_compliance": Row("GET", active, api(OK, focal_point=MISSING)),
    "api_report_list": Row("GET", lambda w: {**org(w), "pk": interim(w)["pk"]},
                           api(OK, focal_point=MISSING)),
    "api_report_detail": Row("GET", interim, api(OK, focal_point=MISSING)),
    "api_schema": Row("GET", org, api(OK)),
    "api_docs": Row("GET", org, roles(OK)),
    # A person's own tokens; anyone else's answers like a missing one.
    "api_tokens": Row("GET", org, roles(OK)),
    "api_token_revoke": Row("POST", own_token, roles(MISSING, mentee=REDIRECT)),
    "set_language": Row("POST", lambda w: {}, roles(REDIRECT, outsider=REDIRECT,
                                                  anonymous=REDIRECT)),
}
# Included apps, checked with one representative page each in their own tests below: every
# allauth page is for the signed-in person's own account; Django's admin is for superusers.
THIRD_PARTY_PREFIXES = {"accounts/": "allauth", "admin/": "django admin"}


def post_data(name: str, w: World, who: str) -> dict:
    if name == "thematic_area_add":
        return {"name": "Cybercrime"}
    if name == "role_switch":
        # Each person switches to their own role; the outsider asks for one they do not hold.
        return {"membership": f"{w.org.slug}:{who if who in PERSONAS else 'admin'}"}
    if name == "set_language":
        return {"language": "fr", "next": "/"}
    area = w.project.thematic_areas.get().pk
    if name == "nomination_create":
        return {"full_name": "Salma Idrissi", "email": "salma@police.ma", "agency": "DGSN",
                "rank": "Commissaire", "thematic_area": area, "languages": ["fr"]}
    if name == "application_start":
        return {"country": "MA", "thematic_area": area}
    if name == "activity_respond":
        return {"answer": "confirm"}
    if name == "pairing_respond":
        return {"decision": "accept"}
    if name == "exchange_rate_add":
        return {"currency": "MAD", "rate": "0.092", "note": "ECB"}
    if name == "claim_review":
        claim = Meeting.unscoped.filter(funded=True).latest("pk")
        return {f"claim-{claim.pk}-decision": "approved"}
    if name == "pairing_move":
        return {"to_status": "ended_early", "reason": "The mentee left the service."}
    if name == "plan_review":
        return {"decision": "approve"}
    if name == "pairing_complete":
        return {"reason": "The mentor has left the service."}
    if name == "report_autosave":
        return {"what_worked": "Monthly calls.", "seen_what_worked": ""}
    if name == "report_review":
        return {"decision": "accept"}
    if name == "export_create":
        return {"choice": "pairings:csv"}
    if name == "donor_report":
        return {"period_start": "2027-01-01", "period_end": "2027-12-31"}
    if name == "my_data_profile":
        return {"full_name": f"{who.title()} Person", "language": "en"}
    if name == "my_data_request":
        return {"kind": "access", "message": ""}
    if name == "personal_data_export":
        return {"format": "json"}
    return {}


def all_patterns(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += all_patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            found.append((route, pattern.name or ""))
    return found


def test_every_url_has_a_row_in_the_access_table():
    missing = [
        (route, name)
        for route, name in all_patterns()
        if name not in ACCESS and not route.startswith(tuple(THIRD_PARTY_PREFIXES))
    ]
    assert missing == [], f"URL patterns without a row in tests/platform/test_access.py: {missing}"


def visitor(w: World, who: str):
    if who == "anonymous":
        return None
    if who == "outsider":
        return w.outsider
    return w.people[who]


@pytest.mark.parametrize("who", VISITORS)
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_access_table(name: str, who: str, world: World, client_as):
    row = ACCESS[name]
    url = reverse(name, kwargs=row.kwargs(world))
    client = client_as(visitor(world, who))
    if row.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, post_data(name, world, who))
    expected = row.expected[who]
    if expected == LOGIN:
        assert response.status_code == 302, (name, who)
        assert response["Location"].startswith(reverse("account_login")), (name, who)
    else:
        assert response.status_code == expected, (name, who, response.status_code)


# The API's own endpoints (not its pages: the documentation and the tokens).
API_ENDPOINTS = sorted(name for name in ACCESS if name.startswith("api_")
                       and name not in ("api_docs", "api_tokens", "api_token_revoke"))


@pytest.mark.parametrize("who", VISITORS)
@pytest.mark.parametrize("name", API_ENDPOINTS)
def test_api_access_table_by_token(name: str, who: str, world: World, client):
    """The same answers with a personal access token as with the session: the token's person
    acts through the same helpers. The outsider's token opens their own organisation only:
    here it is unknown (401)."""
    row = ACCESS[name]
    url = reverse(name, kwargs=row.kwargs(world))
    headers = {}
    if who != "anonymous":
        organisation = world.other_org if who == "outsider" else world.org
        _made, secret = token_create(actor=as_actor(visitor(world, who), organisation),
                                     name="Sync", scope="read", days=30)
        headers = {"Authorization": f"Bearer {secret}"}
    response = client.get(url, headers=headers)
    expected = UNAUTHORISED if who == "outsider" else row.expected[who]
    assert response.status_code == expected, (name, who, response.status_code)


def test_another_organisations_objects_answer_like_missing_ones(world: World, client_as):
    """Same 404 for an object of another organisation as for one that does not exist."""
    client = client_as(world.people["admin"])
    foreign_member = Membership.unscoped.get(user=world.outsider)
    foreign_invitation = InvitationFactory(organisation=world.other_org)
    pairs = [
        (reverse("project_detail", args=["cepol", world.foreign_project.slug]),
         reverse("project_detail", args=["cepol", "no-such-project"])),
        (reverse("member_edit", args=["cepol", foreign_member.pk]),
         reverse("member_edit", args=["cepol", 999999])),
    ]
    # A pairing of the other organisation's project (one moved there behind its project's back
    # is refused: a row takes its organisation from its parent).
    foreign_pairing = PairingFactory(project=world.foreign_project, status="active")
    ReportFactory(pairing=foreign_pairing, kind="interim", status="submitted")
    foreign_export = ExportFactory(organisation=world.other_org, project=None,
                                   requested_by=world.people["admin"], kind="pairings",
                                   format="csv", status="done")
    pairs += [
        (reverse("report_detail", args=["cepol", foreign_pairing.pk, "interim", 1]),
         reverse("report_detail", args=["cepol", 999999, "interim", 1])),
        (reverse("export_download", args=["cepol", foreign_export.pk]),
         reverse("export_download", args=["cepol", 999999])),
    ]
    for foreign, missing in pairs:
        assert client.get(foreign).status_code == client.get(missing).status_code == 404
    for action in ("invitation_revoke", "invitation_resend"):
        response = client.post(reverse(action, args=["cepol", foreign_invitation.pk]))
        assert response.status_code == 404
    assert client.post(reverse("member_remove", args=["cepol", foreign_member.pk])).status_code \
        == 404
    assert Membership.unscoped.filter(pk=foreign_member.pk).exists()
    # And an organisation one does not belong to looks exactly like one that does not exist.
    assert client.get("/interpol/").status_code == client.get("/no-such-org/").status_code == 404


def test_coordinator_of_another_project_cannot_change_its_rules(world: World, client_as):
    client = client_as(world.people["coordinator"])
    assert client.get(reverse("project_rules", args=["cepol", world.project.slug])).status_code \
        == 200
    assert client.get(reverse("project_rules", args=["cepol", world.other_project.slug])) \
        .status_code == 403


def test_a_coordinator_who_is_also_a_mentor_still_sees_their_closed_project(world, client_as):
    person = world.people["coordinator"]
    Membership.objects.create(organisation=world.org, user=person, role="mentor")
    world.project.is_active = False
    world.project.save()
    client = client_as(person)
    assert client.get(reverse("project_detail", args=["cepol", world.project.slug])) \
        .status_code == 200
    assert client.get(reverse("project_rules", args=["cepol", world.project.slug])) \
        .status_code == 200
    # As a mentor alone, a closed project is not theirs to see.
    mentor = client_as(world.people["mentor"])
    assert mentor.get(reverse("project_detail", args=["cepol", world.project.slug])) \
        .status_code == 403


def test_a_coordinator_sees_only_the_focal_points_of_their_projects(world, client_as):
    from guardian.shortcuts import assign_perm

    from tests.factories import MembershipFactory

    elsewhere = MembershipFactory(organisation=world.org, role="focal_point",
                                  country=world.france, user__full_name="Other Focal")
    assign_perm("programmes.nominate_for_project", elsewhere.user, world.other_project)
    page = client_as(world.people["coordinator"]).get("/cepol/").text
    assert world.people["focal_point"].email in page
    assert elsewhere.user.email not in page


def test_django_admin_is_for_superusers_only(world: World, client_as):
    for who in ("admin", "coordinator"):
        client = client_as(world.people[who])
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        # Its login page shows no password form to sign in as someone else: it refuses.
        assert client.get(response["Location"]).status_code == 403
    superuser = world.people["observer"]
    superuser.is_superuser = True
    superuser.save()
    # A superuser signs in through allauth, with MFA, like everyone (tests/platform/
    # test_admin_door.py has the rest of the admin's door).
    secret = with_totp(superuser)
    client = client_as(None)
    sign_in_with_mfa(client, superuser, secret)
    assert client.get("/admin/").status_code == 200


def test_account_pages_are_the_signed_in_persons_own(world: World, client_as):
    assert client_as(None).get("/accounts/login/").status_code == 200
    response = client_as(None).get("/accounts/email/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    page = client_as(world.people["mentor"]).get("/accounts/email/")
    assert page.status_code == 200
    assert world.people["mentor"].email in page.text
    assert world.people["mentee"].email not in page.text


def test_sign_up_is_closed(db, client_as):
    response = client_as(None).post("/accounts/signup/", {
        "email": "walk-in@example.org", "password1": "x-long-password-1", "password2":
        "x-long-password-1",
    })
    assert response.status_code == 200
    assert "Sign Up Closed" in response.text
    assert not User.objects.filter(email="walk-in@example.org").exists()
