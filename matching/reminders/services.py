"""The reminder scan: every obligation that is coming due or overdue becomes a row (`Reminder`)
with a unique key, then the rows due are claimed under row locks and sent.

- Deadlines are rows, never delayed Celery messages: a broker restart or a killed worker loses
  nothing, because whatever was not marked sent is still there for the next sender.
- Planning is idempotent: the same day gives the same keys, and a key already planned is skipped
  (`ignore_conflicts`), however often the scan runs.
- Sending is exactly-once per row: a sender claims a batch under row locks (`skip_locked`, so
  two senders never take the same row) and leases it; it marks each reminder sent in the same
  transaction as its notification, right after the mail is accepted. A killed sender's unsent
  rows are claimed again when its lease runs out. The one gap no database can close (the mail
  server accepted a message, then the sender died before its commit) is made recognisable: every
  mail of a reminder carries the same Message-ID, by which the receiving side can drop the copy.
- The scan reads the pairings' kept compliance (matching/meetings/services.py: compliance_keep),
  recomputes only those whose state time has changed, and plans only those with something due
  and not yet planned: a fixed number of queries per chunk, whatever their number.

Cross-organisation on purpose: it is the system's own job, and every row it writes carries the
organisation of the pairing or call it comes from."""

from collections import defaultdict
from collections.abc import Iterator
from copy import copy
from datetime import date, datetime, timedelta
from json import dumps as json_dumps
from typing import cast

from auditlog.context import disable_auditlog
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Count, F, Model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from matching.meetings.compliance import Due, plan_reminder
from matching.meetings.services import compliance_keep
from matching.models import (
    ActivityPlan,
    Pairing,
    PairingCompliance,
    PairingEvent,
    Reminder,
    ScanRun,
)
from matching.pairings.services import pairing_named_for
from participants.models import Membership, Notification
from programmes import cldr
from programmes.access import COORDINATE, NOMINATE, holders
from programmes.actor import Role
from programmes.metrics import REMINDERS_FAILED, REMINDERS_PLANNED, REMINDERS_SENT
from programmes.models import Call, Organisation, Project
from programmes.privacy.models import AuditEntry
from programmes.privacy.services import audit_changes_unsaved

CHUNK = 2000  # pairings read at once
# Pairings the scan reads: the active ones (a pairing is completed only once its narrative
# report and feedback are in, so a completed one owes nothing).
SCANNED = (Pairing.Status.ACTIVE,)
# A planned reminder is sent only while its pairing still owes something: not once it was
# declined or ended early.
STILL_OWED = (Pairing.Status.ACCEPTED, Pairing.Status.PLAN_AGREED, *SCANNED)
BATCH = 200  # reminders a sender claims at once
MAX_ATTEMPTS = 8
CALL_DAYS_BEFORE = 7  # focal points are reminded of a call's deadline this many days before

K = Reminder.Kind
MESSAGES: dict[str, str] = {
    K.ONLINE_MEETING: gettext_noop(
        "No online meeting is logged yet for this month of your pairing in %(project)s (the "
        "month ends on %(until)s): hold it, then log it."),
    K.VISIT: gettext_noop(
        "No in-person visit is held or planned in this period of your pairing in %(project)s "
        "(it ends on %(until)s)."),
    K.FIRST_VISIT: gettext_noop(
        "Your first in-person visit in %(project)s is due by %(until)s."),
    K.FIRST_VISIT_LATE: gettext_noop(
        "Your first in-person visit in %(project)s was due by %(until)s and is not logged."),
    K.PLAN: gettext_noop(
        "Your pairing in %(project)s has no agreed activity plan yet: draft it together and "
        "sign it."),
    K.INTERIM_BEFORE: gettext_noop("Your interim report in %(project)s is due on %(until)s."),
    K.INTERIM_DUE: gettext_noop("Your interim report in %(project)s is due now (%(until)s)."),
    K.INTERIM_LATE: gettext_noop(
        "Your interim report in %(project)s is late: it was due on %(until)s."),
    K.NARRATIVE_BEFORE: gettext_noop(
        "Your narrative report and feedback in %(project)s are due on %(until)s."),
    K.NARRATIVE_DUE: gettext_noop(
        "Your narrative report and feedback in %(project)s are due now (%(until)s)."),
    K.NARRATIVE_LATE: gettext_noop(
        "Your narrative report and feedback in %(project)s are late: they were due on "
        "%(until)s."),
    K.CALL_DEADLINE: gettext_noop(
        "The call “%(call)s” closes on %(until)s: nominate your candidates before then."),
    K.DIGEST: gettext_noop(
        "%(count)s pairings of %(project)s have something late: see the compliance table."),
}


def _row(*, subject: str, kind: str, period: int, recipient_id: int, organisation_id: int,
         now: datetime, params: dict, **links: object) -> dict:
    """A reminder to plan, as the fields of its row (a model is built only for a new one)."""
    return {"organisation_id": organisation_id,
            "key": f"{subject}:{kind}:{period}:u{recipient_id}", "kind": kind, "period": period,
            "recipient_id": recipient_id, "params": params, "next_attempt_at": now, **links}


def reminders_plan(*, now: datetime | None = None) -> int:
    """Writes a row for every reminder due now that is not planned yet; returns how many rows
    it offered (those already planned are skipped by their key).

    It reads the kept compliance (PairingCompliance) instead of recomputing every pairing:
    first it brings up to date the pairings whose day has come (`compliance_refresh`), then it
    plans the reminders of those whose due reminders are not planned yet. A pairing with
    nothing due, or whose reminders are planned, costs nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    compliance_refresh(today)
    started = timezone.now()
    to_plan = (PairingCompliance.unscoped.filter(reminders_planned=False,
                                                 pairing__status__in=SCANNED)
               .order_by("pk").values_list(
                   "pk", "organisation_id", "pairing_id", "pairing__mentee_id",
                   "pairing__mentor_id", "plan_start", "plan_months", "reminders"))
    rows: list[dict] = []
    for chunk in _chunks(to_plan):
        chunk_rows: list[dict] = []
        for _pk, organisation_id, pairing_id, mentee_id, mentor_id, start, months, due in chunk:
            for kind, period, params in due:
                chunk_rows += [
                    # The plan's start and length are in the key: an approved revision that
                    # moves the calendar gets reminders of its own dates.
                    _row(subject=f"p{pairing_id}/{start:%Y%m%d}+{months}", kind=kind,
                         period=period, recipient_id=person, organisation_id=organisation_id,
                         now=now, params=params, pairing_id=pairing_id)
                    for person in (mentee_id, mentor_id)
                ]
        rows += _new(chunk_rows)
        # Planned, unless kept again meanwhile (a meeting logged during the scan): then its
        # new reminders wait for the next scan.
        PairingCompliance.unscoped.filter(pk__in=[row[0] for row in chunk],
                                          updated_at__lte=started).update(reminders_planned=True)
    late_by_project = dict(
        PairingCompliance.unscoped.filter(pairing__status=Pairing.Status.ACTIVE, late_count__gt=0)
        .values_list("pairing__project_id").annotate(n=Count("pk"))
        .values_list("pairing__project_id", "n"))
    rows += _new([*_plan_rows(now, today), *_call_rows(now),
                  *_digest_rows(late_by_project, now, today)])
    _insert(rows, now)
    REMINDERS_PLANNED.inc(len(rows))
    return len(rows)


def reminders_skip_past(*, organisation: Organisation, pairing_ids: list[int],
                        today: date) -> int:
    """For pairings brought in while under way (matching/imports): the reminders their kept
    compliance holds due about a day before `today` (a first visit, an interim report that
    was due before the pairing came into the platform) are planned as cancelled, under the keys
    the scan would give them, so that the scan never sends them: reminders start from the
    import on, never for the past. Call it after `compliance_keep`. Returns how many."""
    now = timezone.now()
    rows = []
    for start in range(0, len(pairing_ids), CHUNK):
        for pairing_id, mentee_id, mentor_id, plan_start, months, due in (
                PairingCompliance.objects.for_org(organisation)
                .filter(pairing_id__in=pairing_ids[start:start + CHUNK])
                .values_list("pairing_id", "pairing__mentee_id", "pairing__mentor_id",
                             "plan_start", "plan_months", "reminders")):
            for kind, period, params in due:
                if date.fromisoformat(params.get("until", today.isoformat())) >= today:
                    continue
                rows += [_row(subject=f"p{pairing_id}/{plan_start:%Y%m%d}+{months}", kind=kind,
                              period=period, recipient_id=person,
                              organisation_id=organisation.pk, now=now, params=params,
                              pairing_id=pairing_id)
                         for person in (mentee_id, mentor_id)]
    _insert(rows, now, status=Reminder.Status.CANCELLED.value)
    return len(rows)


def compliance_refresh(today: date) -> int:
    """Keeps, as of `today`, the compliance of every pairing whose kept state could have changed
    by now with time alone (its `changes_on` has come), and of every pairing with an approved
    plan that has none yet (one brought in otherwise than through the services). Returns how
    many it kept."""
    stale = PairingCompliance.unscoped.filter(changes_on__lte=today).values_list(
        "organisation_id", "pairing_id")
    missing = ActivityPlan.unscoped.filter(
        status=ActivityPlan.Status.APPROVED, pairing__kept_compliance__isnull=True
    ).values_list("organisation_id", "pairing_id")
    by_organisation: dict[int, list[int]] = defaultdict(list)
    for organisation_id, pairing_id in [*stale, *missing]:
        by_organisation[organisation_id].append(pairing_id)
    organisations = Organisation.objects.in_bulk(list(by_organisation))
    return sum(compliance_keep(organisation=organisations[organisation_id],
                               pairing_ids=pairing_ids, today=today)
               for organisation_id, pairing_ids in by_organisation.items())


COLUMNS = ("organisation_id", "key", "kind", "period", "recipient_id", "pairing_id", "call_id",
           "project_id", "params", "next_attempt_at", "status", "attempts", "last_error",
           "created_at", "updated_at")


def _insert(rows: list[dict], now: datetime,
            status: str = Reminder.Status.PENDING.value) -> None:
    """Writes the new rows in a few statements. A row planned meanwhile by another scan is
    skipped by its key (ON CONFLICT DO NOTHING, in SQLite and PostgreSQL alike). Plain SQL on
    purpose: on a busy day the scan plans hundreds of thousands of rows, and building a model
    for each costs more than the database's work."""
    if not rows:
        return
    stamp = connection.ops.adapt_datetimefield_value(now)
    json = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    values = ", ".join(json if name == "params" else "%s" for name in COLUMNS)
    # Built from the model's own table name and the constant columns above, never from input.
    sql = (f"INSERT INTO {Reminder._meta.db_table} ({', '.join(COLUMNS)}) VALUES ({values}) "  # noqa: S608
           "ON CONFLICT DO NOTHING")
    links = {"pairing": "pairing_id", "call": "call_id", "project": "project_id"}
    params = []
    for row in rows:
        for link, column in links.items():  # a model given for a link counts as its id
            if link in row:
                row[column] = row.pop(link).pk
        params.append((
            row["organisation_id"], row["key"], row["kind"], row["period"], row["recipient_id"],
            row.get("pairing_id"), row.get("call_id"), row.get("project_id"),
            json_dumps(row["params"]), connection.ops.adapt_datetimefield_value(
                row["next_attempt_at"]), status, 0, "", stamp, stamp,
        ))
    with transaction.atomic(), connection.cursor() as cursor:  # one commit, not one a row
        for start in range(0, len(params), 5000):
            cursor.executemany(sql, params[start:start + 5000])


def _new(rows: list[dict]) -> list[dict]:
    """The rows whose key is not planned yet: most hourly scans find everything planned."""
    by_organisation: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        by_organisation[row["organisation_id"]].append(row["key"])
    known: set[tuple[int, str]] = set()
    for organisation_id, keys in by_organisation.items():
        for start in range(0, len(keys), 1000):  # (organisation, key) is the unique index
            known.update(Reminder.objects.filter(
                organisation_id=organisation_id, key__in=keys[start:start + 1000]
            ).values_list("organisation_id", "key"))
    return [row for row in rows if (row["organisation_id"], row["key"]) not in known]


def _chunks(pairings) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for pairing in pairings.iterator(chunk_size=CHUNK):
        chunk.append(pairing)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _pair_rows(pairing: Pairing, due: Due, now: datetime) -> list[dict]:
    return [
        _row(subject=f"p{pairing.pk}", kind=due.kind, period=due.period, recipient_id=person,
             organisation_id=pairing.organisation_id, now=now, params=due.params,
             pairing=pairing)
        for person in (pairing.mentee_id, pairing.mentor_id)
    ]


def _plan_rows(now: datetime, today: date) -> list[dict]:
    accepted = Pairing.unscoped.filter(status=Pairing.Status.ACCEPTED)
    since = dict(PairingEvent.unscoped.filter(pairing__in=accepted, to_status="accepted")
                 .values_list("pairing_id", "created_at"))
    rows = []
    for pairing in accepted:
        if pairing.pk not in since:
            continue
        due = plan_reminder(accepted_on=timezone.localdate(since[pairing.pk]), today=today)
        if due is not None:
            rows += _pair_rows(pairing, due, now)
    return rows


def _call_rows(now: datetime) -> list[dict]:
    """Focal points of the invited countries, a week before an open call's deadline."""
    calls = list(Call.unscoped.filter(
        status=Call.Status.OPEN, deadline__gt=now,
        deadline__lte=now + timedelta(days=CALL_DAYS_BEFORE),
    ).prefetch_related("invited_countries"))
    if not calls:
        return []
    serving = holders(projects={call.project_id for call in calls}, perm=NOMINATE)
    focal_points = list(Membership.unscoped.filter(role=Role.FOCAL_POINT)
                        .filter(organisation__in={call.organisation_id for call in calls})
                        .values_list("organisation_id", "user_id", "country_id"))
    rows = []
    for call in calls:
        invited = {country.pk for country in call.invited_countries.all()}
        until = timezone.localdate(call.deadline).isoformat()
        for organisation_id, user_id, country_id in focal_points:
            if (organisation_id == call.organisation_id and country_id in invited
                    and user_id in serving[call.project_id]):
                rows.append(_row(subject=f"c{call.pk}", kind=K.CALL_DEADLINE, period=0,
                                 recipient_id=user_id, organisation_id=call.organisation_id,
                                 now=now, params={"call": call.title, "until": until},
                                 call=call))
    return rows


def _digest_rows(late_by_project: dict[int, int], now: datetime, today: date) -> list[dict]:
    """Each coordinator, once a week (at the first scan of the week), for each of their
    projects with something late."""
    if not late_by_project:
        return []
    coordinators = holders(projects=late_by_project, perm=COORDINATE)
    projects = Project.unscoped.in_bulk(late_by_project)
    members = set(Membership.unscoped.filter(role=Role.COORDINATOR).values_list(
        "organisation_id", "user_id"))
    rows = []
    for project_id, count in sorted(late_by_project.items()):
        project = projects[project_id]
        for user_id in sorted(coordinators[project_id]):
            if (project.organisation_id, user_id) in members:
                rows.append(_row(subject=f"j{project_id}", kind=K.DIGEST,
                                 period=_week(today), recipient_id=user_id,
                                 organisation_id=project.organisation_id, now=now,
                                 params={"count": str(count)}, project=project))
    return rows


def _week(day: date) -> int:
    """The week's number since year 1: the digest's period."""
    return (day.toordinal() - 1) // 7


# --- Sending ----------------------------------------------------------------------------------

def reminders_send(*, now: datetime | None = None, limit: int = BATCH) -> int:
    """Sends up to `limit` reminders due; returns how many it claimed.

    The claim is one short transaction: the rows are locked, skipping those another sender holds
    (`skip_locked`), and leased to this sender until `now + LEASE`. Each reminder is then sent
    (mail and notification) and marked sent in its own transaction, in two queries. A sender
    killed midway leaves its leased rows unsent; when the lease runs out they are claimed again.
    Only the one reminder it was sending at the kill can reach its recipient twice, under the
    same Message-ID."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Reminder.unscoped.select_for_update(skip_locked=True)
            .filter(status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING],
                    next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
        )
        lease_until = now + lease()
        Reminder.unscoped.filter(pk__in=ids).update(
            status=Reminder.Status.SENDING, next_attempt_at=lease_until, updated_at=now)
    claimed = (Reminder.unscoped.filter(pk__in=ids)
               .select_related("recipient", "organisation", "pairing__project",
                               "pairing__mentee", "pairing__mentor", "call", "project")
               .order_by("pk"))
    sent: list[tuple[Model | None, Model]] = []
    try:
        for reminder in claimed:
            sent.extend(_send_one(reminder, now, lease_until))
    finally:
        # The trail's entries of the batch (each reminder marked sent, each notification), in
        # one query, written even when the task runs out of time midway.
        AuditEntry.objects.bulk_create(audit_changes_unsaved(sent))
    return len(ids)


def lease() -> timedelta:
    return timedelta(seconds=settings.REMINDER_LEASE_SECONDS)


def _send_one(reminder: Reminder, now: datetime, lease_until: datetime
              ) -> list[tuple[Model | None, Model]]:
    """Sends one reminder, marked sent and its notification made in two queries; returns what
    changed (before, after), for the batch's audit entries."""
    # Still ours? A sender too slow for its lease has lost the row to another one.
    ours = Reminder.unscoped.filter(pk=reminder.pk, status=Reminder.Status.SENDING,
                                    next_attempt_at=lease_until)
    if reminder.pairing is not None and reminder.pairing.status not in STILL_OWED:
        # The pairing ended (early, or was declined) since the reminder was planned.
        ours.update(status=Reminder.Status.CANCELLED, last_error="no longer applies",
                    updated_at=now)
        return [(reminder, _changed(reminder, status=Reminder.Status.CANCELLED,
                                    last_error="no longer applies"))]
    try:
        with transaction.atomic():
            # Marked sent first: the update holds the row's lock until the commit, which comes
            # once the mail is accepted; a failed mail takes the mark and the notification back.
            if not ours.update(status=Reminder.Status.SENT, sent_at=now,
                               attempts=F("attempts") + 1, updated_at=now):
                return []
            text, link = _message(reminder)
            with disable_auditlog():  # its entry is written with the batch's
                notification = Notification.objects.create(
                    organisation_id=reminder.organisation_id, user=reminder.recipient,
                    text=text[:500], link=link)
            _mail(reminder, text, link)
        REMINDERS_SENT.inc()
        return [(reminder, _changed(reminder, status=Reminder.Status.SENT, sent_at=now,
                                    attempts=reminder.attempts + 1)),
                (None, notification)]
    except SoftTimeLimitExceeded:
        raise  # the task is out of time: the lease gives the rest to the next sender
    except Exception as error:
        # Whatever went wrong with this one (the mail server, a template, a translation), it
        # must not hold back the others: it waits its turn again, and is given up eventually.
        reminder.attempts += 1
        reminder.last_error = f"{type(error).__name__}: {error}"[:300]
        # Backoff from the moment of the failure (a slow mail server may have taken minutes):
        # 2, 4, 8… minutes, then given up and kept, with the error, for an admin.
        reminder.next_attempt_at = max(now, timezone.now()) + timedelta(
            minutes=2 ** reminder.attempts)
        reminder.status = (Reminder.Status.FAILED if reminder.attempts >= MAX_ATTEMPTS
                           else Reminder.Status.PENDING)
        reminder.save(update_fields=["attempts", "last_error", "next_attempt_at", "status",
                                     "updated_at"])
        if reminder.status == Reminder.Status.FAILED:
            REMINDERS_FAILED.inc()
        return []


def _changed(reminder: Reminder, **values: object) -> Reminder:
    """A copy of the reminder with the values an `update()` gave its row."""
    after = copy(reminder)
    for name, value in values.items():
        setattr(after, name, value)
    return after


def _message(reminder: Reminder) -> tuple[str, str]:
    """The reminder's sentence in its recipient's language, and the page it points to."""
    params = dict(reminder.params)
    with translation.override(reminder.recipient.language):
        if "until" in params:
            params["until"] = cldr.day(date.fromisoformat(params["until"]))
        slug = reminder.organisation.slug
        if reminder.pairing is not None:
            params["project"] = reminder.pairing.project.name
            link = reverse("pairing_detail", args=[slug, reminder.pairing_id])
        elif reminder.call_id:
            link = reverse("call_detail", args=[slug, reminder.call_id])
        else:  # a reminder is for a pairing, a call or a project
            project = cast(Project, reminder.project)
            params["project"] = project.name
            link = reverse("compliance_table", args=[slug, project.slug])
        return gettext(MESSAGES[reminder.kind]) % params, link


def _mail(reminder: Reminder, text: str, link: str) -> None:
    recipient = reminder.recipient
    context = {"text": text, "link": settings.SITE_URL + link, "recipient": recipient,
               "organisation": reminder.organisation}
    with translation.override(recipient.language):
        # The subject says what is due and for which pairing, call or project.
        context["kind"] = reminder.get_kind_display()
        context["about"] = _about(reminder)
        subject = render_to_string("matching/email/reminder_subject.txt", context).strip()
        body = render_to_string("matching/email/reminder.txt", context)
        html = render_to_string("matching/email/reminder.html", context)
    domain = site_domain()
    message = EmailMultiAlternatives(subject, body, to=[recipient.email], headers={
        # The same for every attempt at this reminder: a copy is recognisable as one.
        "Message-ID": f"<reminder-{reminder.organisation_id}-{reminder.pk}@{domain}>",
    })
    message.attach_alternative(html, "text/html")
    message.send()


def _about(reminder: Reminder) -> str:
    """What a reminder concerns, as its recipient knows it (in their language, already set)."""
    if reminder.pairing is not None:
        return pairing_named_for(reminder.pairing, reminder.recipient)
    if reminder.call is not None:
        return reminder.call.title
    return cast(Project, reminder.project).name


def reminders_due_count(*, now: datetime | None = None) -> int:
    return Reminder.unscoped.filter(status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING],
                                    next_attempt_at__lte=now or timezone.now()).count()


def site_domain() -> str:
    """The site's host name, for identifiers that must be unique to it (Message-IDs, calendar
    event UIDs)."""
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]


# --- The scan's heartbeat ---------------------------------------------------------------------

SCAN_RUNS_KEPT_DAYS = 30


def scan_heartbeat(*, started_at: datetime, due: int) -> ScanRun:
    """Records that the scan ran (and drops the records of more than a month ago)."""
    now = timezone.now()
    ScanRun.objects.filter(finished_at__lt=now - timedelta(days=SCAN_RUNS_KEPT_DAYS)).delete()
    return ScanRun.objects.create(started_at=started_at, finished_at=now, due=due)
