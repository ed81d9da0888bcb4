"""The open API: personal access tokens (made, used, revoked, expired, scoped), the pages'
access on every endpoint (tests/platform/test_access.py has the table), another organisation's
objects, filters and pages, a meeting logged with the page's rules, the audit trail, the rate
limit, the schema, and the tokens in the person's data."""

import hashlib
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.services import token_create
from matching.models import Meeting, Pairing
from programmes.privacy.models import AuditEntry
from programmes.privacy.services import person_erase, personal_data_collect
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MeetingFactory,
    MembershipFactory,
    PairingFactory,
    ProjectFactory,
    ReportFactory,
    ThematicAreaFactory,
)
from tests.helpers import START, World, active_pairing, as_actor, running, submitted

TODAY = date(2027, 5, 10)  # the pairing started on 15 January 2027
ONLINE = {"kind": "online", "day": "2027-02-01", "duration_minutes": 60,
          "topics": "Plan the visit"}
VISIT = {"kind": "in_person", "day": "2027-03-10", "duration_minutes": 240,
         "topics": "Joint case review", "notes": "Met the prosecutor.", "city": "Rabat",
         "country": "MA", "funded": True, "cost_amount": "850.00", "cost_currency": "EUR"}


@pytest.fixture(autouse=True)
def fresh_rates():
    """Each test counts its own calls (the rate limit lives in the cache)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen_today():
    moment = timezone.make_aware(datetime.combine(TODAY, time(10)))
    with time_machine.travel(moment, tick=False):
        yield TODAY


def token_for(world: World, who: str, scope: str = "read", days: int = 30) -> tuple[ApiToken, str]:
    return token_create(actor=as_actor(world.people[who]), name=f"{who} sync", scope=scope,
                        days=days)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def api_url(world: World, name: str, *args: object) -> str:
    return reverse(name, args=[world.org.slug, *args])


# -- Tokens --------------------------------------------------------------------------------------

def test_a_person_makes_a_token_sees_its_secret_once_and_only_its_hash_is_kept(world: World,
                                                                               client_as):
    client = client_as(world.people["mentee"])
    response = client.post(api_url(world, "api_tokens"),
                           {"name": "Learning platform", "scope": "read", "days": "90"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("mpt_") and secret in response.text
    token = ApiToken.objects.for_org(world.org).get()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (token.user, token.name, token.scope) == (world.people["mentee"], "Learning platform",
                                                     "read")
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    assert not ApiToken.objects.for_org(world.org).filter(token_hash=secret).exists()
    # Shown once: the page lists the token, never its secret again.
    page = client.get(api_url(world, "api_tokens")).text
    assert "Learning platform" in page and secret not in page and secret[:8] in page
    assert "Never" in page


def test_a_token_needs_a_name_and_lasts_a_year_at_most(world: World, client_as):
    client = client_as(world.people["mentee"])
    response = client.post(api_url(world, "api_tokens"),
                           {"name": "", "scope": "read", "days": "400"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "days"}
    assert not ApiToken.objects.for_org(world.org).exists()
    with pytest.raises(Exception, match="between 1 and"):
        token_for(world, "mentee", days=400)


def test_a_token_reads_and_its_last_use_is_kept(world: World, client):
    token, secret = token_for(world, "admin")
    assert token.last_used_at is None
    response = client.get(api_url(world, "api_project_list"), headers=bearer(secret))
    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == ["euromed-police", "topcop"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_is_refused(world: World, client, client_as):
    token, secret = token_for(world, "mentee")
    assert client.get(api_url(world, "api_pairing_list"), headers=bearer(secret)) \
        .status_code == 200
    page = client_as(world.people["mentee"])
    assert page.post(api_url(world, "api_token_revoke", token.pk)).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    page.logout()
    response = client.get(api_url(world, "api_pairing_list"), headers=bearer(secret))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_refused(world: World, client):
    _token, secret = token_for(world, "mentee", days=30)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = client.get(api_url(world, "api_pairing_list"), headers=bearer(secret))
    assert response.status_code == 401


def test_unknown_and_malformed_tokens_are_refused(world: World, client):
    for header in ("Bearer mpt_not-a-token", "Bearer", "Bearer two words", "Bearer é"):
        response = client.get(api_url(world, "api_call_list"),
                              headers={"Authorization": header})
        assert response.status_code == 401, header
    assert client.get(api_url(world, "api_call_list")).status_code == 401


def test_a_token_opens_its_own_organisation_only(world: World, client):
    """Another organisation's address does not know the token: refused like an unknown one."""
    _token, secret = token_for(world, "admin")
    response = client.get(reverse("api_project_list", args=[world.other_org.slug]),
                          headers=bearer(secret))
    assert response.status_code == 401


def test_a_persons_tokens_go_with_their_last_membership(world: World, client):
    _token, secret = token_for(world, "observer")
    also_mentor = MembershipFactory(organisation=world.org, user=world.people["observer"],
                                    role="mentor")
    world.memberships["observer"].delete()
    # Still a mentor here: the token still opens what a mentor sees.
    assert client.get(api_url(world, "api_call_list"), headers=bearer(secret)).status_code \
        == 200
    also_mentor.delete()
    assert not ApiToken.objects.for_org(world.org).exists()
    assert client.get(api_url(world, "api_call_list"), headers=bearer(secret)).status_code \
        == 401


def test_nobody_revokes_another_persons_token(world: World, client_as):
    token, _secret = token_for(world, "mentee")
    response = client_as(world.people["mentor"]).post(api_url(world, "api_token_revoke",
                                                              token.pk))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


# -- Access: another organisation's objects ------------------------------------------------------

def test_another_organisations_objects_answer_like_missing_ones(world: World, client):
    _token, secret = token_for(world, "admin")
    foreign_pairing = PairingFactory(project=world.foreign_project, status="active")
    foreign_meeting = MeetingFactory(pairing=foreign_pairing)
    foreign_call = CallFactory(project=world.foreign_project)
    pairs = [
        (api_url(world, "api_project_detail", world.foreign_project.slug),
         api_url(world, "api_project_detail", "no-such-project")),
        (api_url(world, "api_call_detail", foreign_call.pk),
         api_url(world, "api_call_detail", 999999)),
        (api_url(world, "api_pairing_detail", foreign_pairing.pk),
         api_url(world, "api_pairing_detail", 999999)),
        (api_url(world, "api_meeting_list", foreign_pairing.pk),
         api_url(world, "api_meeting_list", 999999)),
        (api_url(world, "api_meeting_detail", foreign_pairing.pk, foreign_meeting.pk),
         api_url(world, "api_meeting_detail", 999999, 999999)),
        (api_url(world, "api_plan_list", foreign_pairing.pk),
         api_url(world, "api_plan_list", 999999)),
        (api_url(world, "api_pairing_compliance", foreign_pairing.pk),
         api_url(world, "api_pairing_compliance", 999999)),
        (api_url(world, "api_report_list", foreign_pairing.pk),
         api_url(world, "api_report_list", 999999)),
        (api_url(world, "api_report_detail", foreign_pairing.pk, "interim", 1),
         api_url(world, "api_report_detail", 999999, "interim", 1)),
        (api_url(world, "api_project_compliance", world.foreign_project.slug),
         api_url(world, "api_project_compliance", "no-such-project")),
        (api_url(world, "api_application_list", foreign_call.pk),
         api_url(world, "api_application_list", 999999)),
        (api_url(world, "api_application_detail", ApplicationFactory(call=foreign_call).pk),
         api_url(world, "api_application_detail", 999999)),
    ]
    ReportFactory(pairing=foreign_pairing, status="submitted")
    for foreign, missing in pairs:
        answers = [client.get(url, headers=bearer(secret)) for url in (foreign, missing)]
        assert [a.status_code for a in answers] == [404, 404], foreign
        assert answers[0].json() == answers[1].json()


def test_a_mentee_reads_their_own_pairing_and_not_anothers(world: World, client):
    own = active_pairing(world)
    other = PairingFactory(project=world.project, status="active",
                           mentee=world.people["observer"])
    _token, secret = token_for(world, "mentee")
    listed = client.get(api_url(world, "api_pairing_list"), headers=bearer(secret)).json()
    assert [row["id"] for row in listed["results"]] == [own.pk]
    assert listed["results"][0]["mentee"] == {"id": world.people["mentee"].pk,
                                             "full_name": "Mentee Person"}
    assert client.get(api_url(world, "api_pairing_detail", other.pk),
                      headers=bearer(secret)).status_code == 404


# -- Applications --------------------------------------------------------------------------------

def test_a_calls_applications_for_its_reviewers(world: World, client):
    ApplicationFactory(call=world.call, full_name="Salma Idrissi", status="shortlisted")
    ApplicationFactory(call=world.call, full_name="Karim Alaoui", status="submitted")
    _token, secret = token_for(world, "coordinator")
    url = api_url(world, "api_application_list", world.call.pk)
    listed = client.get(url, {"status": "shortlisted"}, headers=bearer(secret)).json()
    assert [(a["full_name"], a["country"], a["has_cv"]) for a in listed["results"]] == [
        ("Salma Idrissi", "MA", True)]
    by_name = client.get(url, {"sort": "name"}, headers=bearer(secret)).json()
    assert [a["full_name"] for a in by_name["results"]] == ["Karim Alaoui", "Salma Idrissi"]
    one = by_name["results"][0]["id"]
    assert client.get(api_url(world, "api_application_detail", one),
                      headers=bearer(secret)).json()["full_name"] == "Karim Alaoui"
    # The focal point follows nominations on their own page, not the review.
    _fp_token, focal_point = token_for(world, "focal_point")
    assert client.get(url, headers=bearer(focal_point)).status_code == 403


# -- Plans, compliance and reports ---------------------------------------------------------------

def test_a_pairings_plans_and_compliance(world: World, client, frozen_today):
    pairing = active_pairing(world)
    proposed = PairingFactory(project=world.other_project, mentee=world.people["mentee"],
                              mentor=world.people["mentor"])
    _token, secret = token_for(world, "mentor")
    plans = client.get(api_url(world, "api_plan_list", pairing.pk), headers=bearer(secret))
    assert [(p["version"], p["status"], p["start"], len(p["visits"])) for p in plans.json()] \
        == [(1, "approved", "2027-01-15", 2)]
    state = client.get(api_url(world, "api_pairing_compliance", pairing.pk),
                       headers=bearer(secret)).json()
    assert state["pairing"] == pairing.pk
    months = state["compliance"]["months"]
    assert (len(months), months[0]["first_day"], months[0]["state"]) == (12, "2027-01-15",
                                                                         "missed")
    assert "month-1" in state["compliance"]["late"]
    # Before a plan is approved there is nothing to keep to.
    assert client.get(api_url(world, "api_pairing_compliance", proposed.pk),
                      headers=bearer(secret)).json() == {"pairing": proposed.pk,
                                                         "compliance": None}


def test_a_draft_report_is_the_pairs_own(world: World, client):
    pairing = active_pairing(world)
    ReportFactory(pairing=pairing, what_worked="Monthly calls.")
    _mentee_token, mentee = token_for(world, "mentee")
    _coordinator_token, coordinator = token_for(world, "coordinator")
    reports = client.get(api_url(world, "api_report_list", pairing.pk), headers=bearer(mentee))
    assert [(r["kind"], r["version"], r["status"], r["what_worked"]) for r in reports.json()] \
        == [("interim", 1, "draft", "Monthly calls.")]
    assert client.get(api_url(world, "api_report_list", pairing.pk),
                      headers=bearer(coordinator)).json() == []
    detail = api_url(world, "api_report_detail", pairing.pk, "interim", 1)
    assert client.get(detail, headers=bearer(mentee)).status_code == 200
    assert client.get(detail, headers=bearer(coordinator)).status_code == 404
    assert client.get(api_url(world, "api_report_detail", pairing.pk, "diary", 1),
                      headers=bearer(mentee)).status_code == 404


def test_a_handed_in_report_is_read_by_who_sees_the_pairing(world: World, client):
    pairing = running(world)
    submitted(world, pairing)
    _token, secret = token_for(world, "observer")
    report = client.get(api_url(world, "api_report_detail", pairing.pk, "interim", 1),
                        headers=bearer(secret))
    assert report.status_code == 200
    assert (report.json()["status"], report.json()["submitted_by"]["id"]) == (
        "submitted", world.people["mentee"].pk)


def test_a_projects_compliance_table(world: World, client):
    late = running(world)
    PairingFactory(project=world.project, status="proposed")  # not yet in the table
    _token, secret = token_for(world, "coordinator")
    url = api_url(world, "api_project_compliance", world.project.slug)
    table = client.get(url, headers=bearer(secret)).json()
    assert [(row["pairing"], row["mentee"], row["status"]) for row in table["results"]] == [
        (late.pk, "Mentee Person", "active")]
    assert table["results"][0]["compliance"]["months"][0]["number"] == 1
    assert client.get(url, {"status": "completed"}, headers=bearer(secret)).json()["count"] == 0
    assert client.get(url, {"country": "XX"}, headers=bearer(secret)).status_code == 400
    _mentee_token, mentee = token_for(world, "mentee")
    assert client.get(url, headers=bearer(mentee)).status_code == 403


# -- Filters and pages ---------------------------------------------------------------------------

def test_pairings_filter_like_the_page(world: World, client):
    PairingFactory(project=world.project, status="active")
    PairingFactory(project=world.other_project, status="proposed")
    _token, secret = token_for(world, "admin")
    url = api_url(world, "api_pairing_list")
    active = client.get(url, {"status": "active"}, headers=bearer(secret)).json()
    assert [row["status"] for row in active["results"]] == ["active"]
    of_project = client.get(url, {"project": world.other_project.pk},
                            headers=bearer(secret)).json()
    assert [row["project"] for row in of_project["results"]] == ["topcop"]
    bad = client.get(url, {"status": "sleeping"}, headers=bearer(secret))
    assert bad.status_code == 400 and "status" in bad.json()


def test_calls_filter_by_status_and_project(world: World, client):
    CallFactory(project=world.other_project, status="closed", title="Old call")
    _token, secret = token_for(world, "admin")
    url = api_url(world, "api_call_list")
    closed = client.get(url, {"status": "closed"}, headers=bearer(secret)).json()
    assert [row["title"] for row in closed["results"]] == ["Old call"]
    topcop = client.get(url, {"project": "topcop"}, headers=bearer(secret)).json()
    assert [row["title"] for row in topcop["results"]] == ["Old call"]


def test_lists_come_in_pages(world: World, client):
    for _ in range(30):
        PairingFactory(project=world.project)
    _token, secret = token_for(world, "admin")
    first = client.get(api_url(world, "api_pairing_list"), headers=bearer(secret)).json()
    assert (first["count"], len(first["results"])) == (30, 25)
    second = client.get(first["next"], headers=bearer(secret)).json()
    assert len(second["results"]) == 5 and second["next"] is None
    small = client.get(api_url(world, "api_pairing_list"), {"page_size": 10},
                       headers=bearer(secret)).json()
    assert len(small["results"]) == 10


# -- Query counts: constant at two sizes ---------------------------------------------------------

def _queries(client, url: str, secret: str) -> int:
    # A first read may bring what is kept up to date (the compliance table catches up).
    client.get(url, headers=bearer(secret))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, headers=bearer(secret)).status_code == 200
    return len(queries)


def _more_projects(world: World, n: int) -> None:
    for _ in range(n):
        project = ProjectFactory(organisation=world.org)
        project.partner_countries.add(world.morocco)
        ThematicAreaFactory(project=project)


def _more_calls(world: World, n: int) -> None:
    for _ in range(n):
        call = CallFactory(project=world.project)
        call.invited_countries.add(world.morocco)
        call.thematic_areas.add(world.project.thematic_areas.get())


def _more_pairings(world: World, n: int) -> None:
    for _ in range(n):
        PairingFactory(project=world.project, status="active")


def _more_applications(world: World, n: int) -> None:
    for _ in range(n):
        ApplicationFactory(call=world.call)


def _more_followed(world: World, n: int) -> None:
    """Active pairings with a plan, compliance kept, of new pairs."""
    for _ in range(n):
        active_pairing(world, mentee=MembershipFactory(organisation=world.org,
                                                       role="mentee").user)


@pytest.mark.parametrize(("name", "grow"), [
    ("api_project_list", _more_projects), ("api_call_list", _more_calls),
    ("api_pairing_list", _more_pairings), ("api_project_compliance", _more_followed),
    ("api_application_list", _more_applications),
])
def test_list_queries_do_not_grow_with_rows(world: World, client, name, grow):
    _token, secret = token_for(world, "admin")
    url = (api_url(world, name, world.project.slug) if name == "api_project_compliance"
           else api_url(world, name, world.call.pk) if name == "api_application_list"
           else api_url(world, name))
    grow(world, 2)
    few = _queries(client, url, secret)
    grow(world, 10)
    assert _queries(client, url, secret) == few


def test_meeting_list_queries_do_not_grow_with_rows(world: World, client):
    pairing = active_pairing(world)
    _token, secret = token_for(world, "mentee")
    url = api_url(world, "api_meeting_list", pairing.pk)
    for day in range(2):
        MeetingFactory(pairing=pairing, day=START + timedelta(days=day),
                       logged_by=world.people["mentee"], confirmed_by=world.people["mentor"])
    few = _queries(client, url, secret)
    for day in range(2, 12):
        MeetingFactory(pairing=pairing, day=START + timedelta(days=day),
                       logged_by=world.people["mentor"])
    assert _queries(client, url, secret) == few


# -- Logging a meeting ---------------------------------------------------------------------------

def test_a_mentee_logs_a_meeting_with_a_write_token(world: World, client, frozen_today):
    pairing = active_pairing(world)
    _token, secret = token_for(world, "mentee", scope="write")
    response = client.post(api_url(world, "api_meeting_list", pairing.pk), VISIT,
                           content_type="application/json", headers=bearer(secret))
    assert response.status_code == 201, response.content
    meeting = Meeting.objects.for_org(world.org).get()
    assert (meeting.kind, meeting.funded, meeting.cost_amount, meeting.city, meeting.logged_by) \
        == ("in_person", True, 850, "Rabat", world.people["mentee"])
    assert response.json()["id"] == meeting.pk
    assert response.json()["logged_by"]["id"] == world.people["mentee"].pk
    # The trail names the token's person as the one who made it.
    created = AuditEntry.objects.for_org(world.org).get(
        event="created", content_type=ContentType.objects.get_for_model(Meeting),
        object_pk=str(meeting.pk))
    assert created.actor == world.people["mentee"]


def test_a_read_token_cannot_write(world: World, client, frozen_today):
    pairing = active_pairing(world)
    _token, secret = token_for(world, "mentee", scope="read")
    response = client.post(api_url(world, "api_meeting_list", pairing.pk), ONLINE,
                           content_type="application/json", headers=bearer(secret))
    assert response.status_code == 403
    assert not Meeting.objects.for_org(world.org).exists()


def test_only_the_pair_logs_a_meeting(world: World, client, frozen_today):
    pairing = active_pairing(world)
    _token, secret = token_for(world, "coordinator", scope="write")
    response = client.post(api_url(world, "api_meeting_list", pairing.pk), ONLINE,
                           content_type="application/json", headers=bearer(secret))
    assert response.status_code == 403
    assert not Meeting.objects.for_org(world.org).exists()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"city": ""}, "city", "Say where the visit took place."),
    ({"topics": ""}, "topics", "This field is required."),
    ({"day": "yesterday"}, "day", "Enter a valid date."),
    ({"kind": "online"}, "funded", "Only an in-person visit is funded."),
    ({"cost_currency": "XXX"}, "cost_currency", "Select a valid choice"),
    ({"topics": "Joint\x00 case review"}, "topics", "Remove the control characters"),
])
def test_a_bad_meeting_is_refused_with_the_pages_errors(world: World, client, client_as,
                                                        frozen_today, changes, field, message):
    pairing = active_pairing(world)
    _token, secret = token_for(world, "mentee", scope="write")
    response = client.post(api_url(world, "api_meeting_list", pairing.pk), {**VISIT, **changes},
                           content_type="application/json", headers=bearer(secret))
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Meeting.objects.for_org(world.org).exists()
    # The page refuses the same, with the same words.
    page_values = {**VISIT, **changes, "funded": "on" if {**VISIT, **changes}["funded"] else ""}
    page = client_as(world.people["mentee"]).post(
        reverse("meeting_create", args=[world.org.slug, pairing.pk]), page_values)
    assert page.status_code == 400
    assert [str(e) for e in page.context["form"].errors[field]] == response.json()[field]


def test_the_services_rules_apply_to_the_api(world: World, client, frozen_today):
    """The meeting service's own rule (one funded visit a period) answers 400 on its field."""
    pairing = active_pairing(world)
    _token, secret = token_for(world, "mentee", scope="write")
    url = api_url(world, "api_meeting_list", pairing.pk)
    assert client.post(url, VISIT, content_type="application/json",
                       headers=bearer(secret)).status_code == 201
    second = client.post(url, {**VISIT, "day": "2027-04-01"}, content_type="application/json",
                         headers=bearer(secret))
    assert second.status_code == 400
    assert "at most one in each 3-month period" in " ".join(second.json()["funded"])
    future = client.post(url, {**ONLINE, "day": "2027-06-01"}, content_type="application/json",
                         headers=bearer(secret))
    assert future.status_code == 400
    assert Meeting.objects.for_org(world.org).count() == 1


def test_a_meeting_needs_a_json_object(world: World, client, frozen_today):
    pairing = active_pairing(world)
    _token, secret = token_for(world, "mentee", scope="write")
    response = client.post(api_url(world, "api_meeting_list", pairing.pk), [1, 2],
                           content_type="application/json", headers=bearer(secret))
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_a_proposed_pairing_has_no_meetings_yet(world: World, client, frozen_today):
    proposed = PairingFactory(project=world.project, mentee=world.people["mentee"],
                              mentor=world.people["mentor"], status=Pairing.Status.PROPOSED)
    _token, secret = token_for(world, "mentee", scope="write")
    response = client.post(api_url(world, "api_meeting_list", proposed.pk), ONLINE,
                           content_type="application/json", headers=bearer(secret))
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


# -- Audit trail and rate limit ------------------------------------------------------------------

def test_every_call_is_in_the_audit_trail(world: World, client):
    token, secret = token_for(world, "observer")
    url = api_url(world, "api_pairing_list")
    client.get(url, headers=bearer(secret))
    client.get(api_url(world, "api_pairing_detail", 999999), headers=bearer(secret))
    entries = list(AuditEntry.objects.for_org(world.org).filter(event="api_called")
                   .order_by("pk"))
    assert [(e.actor, e.additional_data["path"], e.additional_data["status"],
             e.additional_data["token"]) for e in entries] == [
        (world.people["observer"], url, 200, token.pk),
        (world.people["observer"], api_url(world, "api_pairing_detail", 999999), 404, token.pk),
    ]
    # A refused token acts for nobody: nothing to record in the organisation's trail.
    client.get(url, headers=bearer("mpt_unknown"))
    assert AuditEntry.objects.for_org(world.org).filter(event="api_called").count() == 2


def test_calls_beyond_the_rate_are_refused(world: World, client):
    _token, secret = token_for(world, "observer")
    _other, other_secret = token_for(world, "admin")
    url = api_url(world, "api_call_list")
    rates = {"token": "2/hour"}
    with override_settings(REST_FRAMEWORK={
            **_rest_settings(), "DEFAULT_THROTTLE_RATES": rates}):
        assert [client.get(url, headers=bearer(secret)).status_code for _ in range(3)] \
            == [200, 200, 429]
        # Per token: another one still has its calls.
        assert client.get(url, headers=bearer(other_secret)).status_code == 200


def _rest_settings() -> dict:
    from django.conf import settings

    return dict(settings.REST_FRAMEWORK)


# -- Schema and documentation --------------------------------------------------------------------

def test_the_schema_validates():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_the_schema_is_served_to_members(world: World, client):
    _token, secret = token_for(world, "mentee")
    response = client.get(api_url(world, "api_schema"), {"format": "json"},
                          headers=bearer(secret))
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/{org_slug}/api/v1/pairings/{id}/meetings/" in paths
    assert "post" in paths["/{org_slug}/api/v1/pairings/{id}/meetings/"]
    assert client.get(api_url(world, "api_schema")).status_code == 401


def test_the_documentation_page_lists_every_endpoint(world: World, client_as):
    page = client_as(world.people["mentee"]).get(api_url(world, "api_docs")).text
    assert "GET /cepol/api/v1/projects/" in page
    assert "POST /cepol/api/v1/pairings/{id}/meetings/" in page
    assert "Authorization: Bearer" in page
    assert "<script" not in page.split("<main", 1)[-1]


# -- The person's data ---------------------------------------------------------------------------

def test_tokens_reach_the_persons_export_and_go_with_erasure(world: World):
    person = world.people["mentee"]
    token, _secret = token_for(world, "mentee")
    other, _ = token_for(world, "mentor")
    collected = personal_data_collect(organisation=world.org, user=person)
    section = next(s for s in collected["sections"] if s["model"] == "api.ApiToken")
    assert [row["name"] for row in section["rows"]] == ["mentee sync"]
    assert "token_hash" not in section["rows"][0]
    person_erase(organisation=world.org, user=person, by=world.people["admin"])
    assert list(ApiToken.objects.for_org(world.org)) == [other]
    assert not ApiToken.objects.for_org(world.org).filter(pk=token.pk).exists()


def test_making_and_revoking_a_token_are_in_the_trail_without_its_hash(world: World,
                                                                        client_as):
    client = client_as(world.people["mentee"])
    response = client.post(api_url(world, "api_tokens"),
                           {"name": "Learning platform", "scope": "write", "days": "30"})
    token = ApiToken.objects.for_org(world.org).get()
    client.post(api_url(world, "api_token_revoke", token.pk))
    entries = AuditEntry.objects.for_org(world.org).filter(
        content_type=ContentType.objects.get_for_model(ApiToken), object_pk=str(token.pk))
    assert sorted(e.event for e in entries) == ["changed", "created"]
    assert all(e.actor == world.people["mentee"] for e in entries)
    trail = " ".join(str(e.changes) for e in entries)
    assert token.token_hash not in trail and response.context["secret"] not in trail
