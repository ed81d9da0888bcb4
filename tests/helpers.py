"""Plain helpers and constants that several test modules share. No fixtures here (those live in
the conftest.py files) and nothing imported from a test module: any test module may import from
this one."""

import glob
import io
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from guardian.shortcuts import assign_perm
from pypdf import PdfReader

from matching.models import ActivityPlan, Pairing
from matching.plans.rules import Visit
from matching.plans.services import plan_save, plan_seal, plan_sign
from matching.schedule import add_months
from participants.models import (
    MFA_ROLES,
    Application,
    Invitation,
    Membership,
    Nomination,
    Notification,
    StatusChange,
    User,
)
from participants.selectors import actor_for
from programmes.actor import Actor
from programmes.models import Call, Country, Organisation, Project, ThematicArea
from reporting.models import Report
from reporting.selectors import current_report
from reporting.services import feedback_submit, report_review, report_seen, report_submit
from tests.factories import (
    PASSWORD,
    ActivityPlanFactory,
    CallFactory,
    MembershipFactory,
    PairingEventFactory,
    PairingFactory,
    PlannedVisitFactory,
    ThematicAreaFactory,
    UserFactory,
    shortlisted,
    with_totp,
)

ROOT = Path(__file__).resolve().parent.parent  # the repository
ARTIFACTS = ROOT / "data" / "test-artifacts"  # PDFs' pages and screenshots to look at


# --- Two organisations and the personas of each role ------------------------------------------

PERSONAS = ["admin", "coordinator", "focal_point", "mentor", "mentee", "observer"]


@dataclass
class World:
    org: Organisation
    other_org: Organisation
    project: Project
    other_project: Project
    foreign_project: Project
    morocco: Country
    france: Country
    people: dict[str, User] = field(default_factory=dict)
    memberships: dict[str, Membership] = field(default_factory=dict)
    outsider: User | None = None
    call: Call | None = None
    totp_secrets: dict[str, str] = field(default_factory=dict)


def add_member(org: Organisation, role: str, **kwargs) -> Membership:
    membership = MembershipFactory(organisation=org, role=role, **kwargs)
    if role in MFA_ROLES:
        with_totp(membership.user)
    return membership


# --- Signing in as a person does: the password, then the code of their authenticator app ------

def totp_code(secret: str) -> str:
    """The current code; waits for the next period when this one is about to end, so that the
    server (which allows no drift by default) checks it in the same period."""
    left = mfa_settings.TOTP_PERIOD - clock.time() % mfa_settings.TOTP_PERIOD
    if left < 2:
        clock.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def sign_in_with_mfa(client, user: User, secret: str, next_url: str = ""):
    """Signs the client in through allauth's sign-in (the one every door uses) with the password,
    then the TOTP code; returns the answer to the code (a redirect to `next_url`, or home)."""
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    response = client.post(reverse("account_login") + query,
                           {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    return client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})


# --- Processes of their own (a Celery worker, a settings check) ----------------------------

def as_actor(user: User, organisation: Organisation | None = None) -> Actor:
    """The person acting, as a view's request carries them: in the given organisation, or in
    the one they belong to."""
    if organisation is None:
        organisation = Membership.unscoped.filter(user=user).earliest("pk").organisation
    actor = actor_for(user=user, organisation=organisation)
    assert actor is not None, f"{user} is no member of {organisation}"
    return actor


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


# --- An active pairing, as its life through the services leaves it ---------------------------

START = date(2027, 1, 15)  # months run from the 15th to the 14th; the pairing ends 2028-01-14


def active_pairing(world: World, *, mentee=None, mentor=None, start: date = START) -> Pairing:
    """An active pairing in the world's project (its mentee and mentor unless given), made
    straight in the database as proposing, accepting, planning and starting it leave it (those
    moves are tested in matching/): accepted by both, its history, and its plan of 12 months
    from `start`, one online meeting a month and funded visits 54 and 146 days in, signed by
    both and approved. Nobody is told: no notification or e-mail."""
    people = world.people
    coordinator, now = people["coordinator"], timezone.now()
    pairing = PairingFactory(project=world.project, mentee=mentee or people["mentee"],
                             mentor=mentor or people["mentor"], status=Pairing.Status.ACTIVE,
                             mentee_accepted_at=now, mentor_accepted_at=now)
    for before, after, by in (("", "proposed", coordinator),
                              ("proposed", "accepted", pairing.mentor),
                              ("accepted", "plan_agreed", coordinator),
                              ("plan_agreed", "active", coordinator)):
        PairingEventFactory(pairing=pairing, from_status=before, to_status=after, by=by)
    plan = ActivityPlanFactory(pairing=pairing, version=1, objectives="Trace criminal assets.",
                               start=start, duration_months=12, online_meetings_per_month=1,
                               status=ActivityPlan.Status.APPROVED, mentee_signed_at=now,
                               mentor_signed_at=now)
    for days, place in ((54, "Rabat"), (146, "Lyon")):
        PlannedVisitFactory(plan=plan, day=start + timedelta(days=days), place=place,
                            funded=True)
    return pairing


def revision_signed(pairing: Pairing, *, months: int = 10) -> ActivityPlan:
    """A revision of the pairing's plan, shorter, signed by both and awaiting the coordinator."""
    revised = plan_save(actor=as_actor(pairing.mentee), pairing=pairing,
                        objectives="Trace criminal assets.", start=START, duration_months=months,
                        online_meetings_per_month=1,
                        visits=[Visit(START + timedelta(days=54), "Rabat", True)])
    for person in (pairing.mentee, pairing.mentor):
        revised = plan_sign(actor=as_actor(person), pairing=pairing, seen=plan_seal(revised))
    return revised


def at_nine(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9)))


# A plan that keeps every rule, for plan_save.
GOOD = dict(objectives="Trace criminal assets across borders.", start=date(2027, 1, 15),
            duration_months=12, online_meetings_per_month=1,
            visits=[Visit(date(2027, 3, 1), "Rabat", True), Visit(date(2027, 6, 1), "Lyon", True)])


# --- Reports ---------------------------------------------------------------------------------

OBJECTIVES = "- Trace criminal assets across borders.\n- Set up a joint financial investigation."
INTERIM = {"progress_0": "Two cases traced with the FIU.", "progress_1": "Agreed with Lyon.",
           "rating_0": "3", "rating_1": "2",
           "what_worked": "Monthly calls.", "difficulties": "Time zones.", "plan_changes": ""}
NARRATIVE = {"progress_0": "Assets frozen in two cases.", "progress_1": "A joint team set up.",
             "rating_0": "4", "rating_1": "3",
             "outcomes_mentee_service": "A new asset recovery desk.",
             "outcomes_mentor_service": "A contact in the region.",
             "cooperation": "A standing channel between the units.",
             "lessons": "Meet in person early.", "recommendations": ""}


def running(world: World, *, months_in: int = 3, months: int = 12) -> Pairing:
    """An active pairing whose approved plan started `months_in` months ago (the helper makes
    it in the future, as plans must start ahead; this moves the calendar back)."""
    pairing = active_pairing(world)
    ActivityPlan.unscoped.filter(pairing=pairing, status="approved").update(
        start=add_months(timezone.localdate(), -months_in), duration_months=months,
        objectives=OBJECTIVES)
    return pairing


def in_last_month(world: World) -> Pairing:
    return running(world, months_in=11)


def submitted(world: World, pairing: Pairing, kind: str = "interim") -> Report:
    values = INTERIM if kind == "interim" else NARRATIVE
    seen = report_seen(current_report(pairing, kind))  # as her page would show the draft
    return report_submit(actor=as_actor(world.people["mentee"]), pairing=pairing, kind=kind,
                         values=values, seen=seen, submit=True)


def completed(world: World) -> Pairing:
    return finish(world, in_last_month(world))


def finish(world: World, pairing: Pairing) -> Pairing:
    report = submitted(world, pairing, "narrative")
    report_review(actor=as_actor(world.people["coordinator"]), report=report, accept=True,
                  comments="")
    for who in ("mentee", "mentor"):
        feedback_submit(actor=as_actor(world.people[who]), pairing=pairing, satisfaction=5,
                        objectives_met=4, support_received=4, would_recommend=True,
                        comments=f"Comments of the {who}.")
    pairing.refresh_from_db()
    return pairing


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def keep_pages(content: bytes, name: str) -> list[Path]:
    """The PDF's pages as images in data/test-artifacts, to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(source),  # noqa: S603, S607 - poppler
                    str(ARTIFACTS / name)], check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


# --- A pairing made straight in the database ---------------------------------------------------

def pair(world: World, *, status: str, area_name: str = "Criminal finances",
         mentee_name: str = "", started_days_ago: int = 60) -> Pairing:
    """A pairing made straight in the database, with both applications (country and area)
    and, once agreed, an approved plan."""
    project = world.project
    area = project.thematic_areas.filter(name=area_name).first() or ThematicAreaFactory(
        project=project, name=area_name)
    mentee_call = Application.unscoped.filter(call__role_sought="mentee").first()
    calls = getattr(world, "_calls", None) or {
        "mentee": mentee_call.call if mentee_call else world.call,
        "mentor": CallFactory(organisation=world.org, project=project, role_sought="mentor",
                              title="Mentors"),
    }
    world._calls = calls
    calls["mentor"].invited_countries.add(world.france)
    mentee = MembershipFactory(organisation=world.org, role="mentee",
                               **({"user__full_name": mentee_name} if mentee_name else {})).user
    mentor = MembershipFactory(organisation=world.org, role="mentor").user
    mentee_application = shortlisted(calls["mentee"], user=mentee, area=area,
                                     country=world.morocco)
    mentor_application = shortlisted(calls["mentor"], user=mentor, area=area,
                                     country=world.france)
    made = PairingFactory(
        project=project, mentee=mentee, mentor=mentor, status=status,
        mentee_application=mentee_application, mentor_application=mentor_application)
    if status in ("plan_agreed", "active", "completed"):
        ActivityPlanFactory(
            pairing=made, version=1, objectives="Trace assets.",
            start=timezone.localdate() - timedelta(days=started_days_ago), duration_months=12,
            status="approved")
    return made


# --- Calls, nominations and applications through the test client ------------------------------

def form_errors(response, field: str | None, form: str = "form") -> list[str]:
    """The errors of one field (None: above the form) of the form the page was rendered with."""
    bound = response.context[form]
    return bound.non_field_errors() if field is None else bound.errors.get(field, [])


def has_error(response, field: str | None, message: str, form: str = "form") -> bool:
    return any(message in error for error in form_errors(response, field, form))


def counts() -> tuple[int, ...]:
    """What a nomination or an application would create: rows, history and e-mails."""
    return (Nomination.unscoped.count(), Application.unscoped.count(),
            Invitation.unscoped.count(), StatusChange.unscoped.count(),
            Notification.unscoped.count(), len(mail.outbox))


def area(world: World) -> ThematicArea:
    return world.project.thematic_areas.get(name="Criminal finances")


def jordan() -> Country:
    return Country.objects.get(code="JO")


def focal_point_of(world: World, country: Country, email: str) -> Membership:
    """Another focal point, serving EUROMED Police."""
    membership = add_member(world.org, "focal_point", country=country,
                            user=UserFactory(email=email, full_name=f"Focal {country.name}"))
    assign_perm("programmes.nominate_for_project", membership.user, world.project)
    return membership


def nomination_data(world: World, **changes) -> dict:
    data = {"full_name": "Typed Name", "email": "typed@police.ma", "agency": "Typed Agency",
            "rank": "Typed Rank", "thematic_area": area(world).pk, "languages": ["fr", "ar"]}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def nominate(client, call: Call, data: dict, capture):
    with capture(execute=True):
        return client.post(reverse("nomination_create", args=["cepol", call.pk]), data)


def move_deadline(call: Call, **delta) -> None:
    Call.unscoped.filter(pk=call.pk).update(deadline=timezone.now() + timedelta(**delta))
    call.refresh_from_db()




# --- Services a test starts on its own ----------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(port: int, folder: Path) -> subprocess.Popen:
    """A Redis of the test's own (no persistence), answering once it listens."""
    process = subprocess.Popen(  # noqa: S603
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",  # noqa: S607
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = clock.monotonic() + 10
    while clock.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        clock.sleep(0.05)
    raise RuntimeError("redis-server did not start")


@dataclass
class OwnPostgres:
    """A PostgreSQL server of the test's own, in a folder of its own, that a test can stop."""

    folder: Path
    port: int
    as_owner: list[str]

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        subprocess.run(  # noqa: S603
            [*self.as_owner, str(postgres_bin("pg_ctl")), "-D", str(self.folder), "-m", "immediate",
             "-w", "stop"], check=True, capture_output=True, timeout=60)

    def remove(self) -> None:
        if (self.folder / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def postgres_bin(name: str) -> Path | None:
    """One of PostgreSQL's server programs (Debian keeps them out of PATH), or None when the
    server is not installed."""
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    return Path(found) if found else None


def start_postgres(port: int) -> OwnPostgres:
    """initdb and pg_ctl start, as the postgres user when this process is root (PostgreSQL will
    not run as root), with fsync off: the server lives for one test."""
    folder = Path(tempfile.mkdtemp(prefix="own-postgres-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_owner = ["runuser", "-u", "postgres", "--"]
    server = OwnPostgres(folder, port, as_owner)
    try:
        subprocess.run(  # noqa: S603
            [*as_owner, str(postgres_bin("initdb")), "-D", str(folder), "-U", "postgres",
             "-A", "trust", "--no-sync"], check=True, capture_output=True, timeout=120)
        subprocess.run(  # noqa: S603
            [*as_owner, str(postgres_bin("pg_ctl")), "-D", str(folder), "-l",
             str(folder / "log"), "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -F",
             "-w", "start"], check=True, capture_output=True, timeout=120)
    except BaseException:
        server.remove()  # no server left running, no folder left behind
        raise
    return server
