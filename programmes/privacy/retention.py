"""Retention that runs by itself: every day (config/celery.py), each organisation's periods
(Organisation.retain_declined_months, retain_pairing_years) are applied to its rows.

This layer knows no app above it. The apps plug in what only they know, next to their models:
- `clock(Model, ...)`: rows whose retention clock starts when they finish (a declined
  application when its call closes, a pairing when it ends). When the period has run, the row
  and every row under it are reduced to anonymous figures: the rows under it are found through
  the register (an entry whose subject lookups lead to the row's own subjects, such as
  "pairing__mentee" or "plan__pairing__mentee", or a tenant parent that is the row), their
  personal fields are blanked unless figures count them (`Use.figure`), shared text included,
  files deleted, rows the register deletes deleted, the links to the row's people pointed at
  an "erased participant" (one per person per run), and the audit trail about them scrubbed;
- `notice(Model, since=...)`: rows deleted `NOTICE_MONTHS` after they were made or sent.
The audit trail itself is kept `retain_pairing_years` years.

`retention_due` says what will go in the coming days; `retention_apply` does it, with the
audit trail's signals off (the erased values must not be copied into the trail) and one
RETENTION entry per organisation with the counts."""

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from auditlog.context import disable_auditlog
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from programmes import access
from programmes.actor import Actor, Role
from programmes.models import Organisation
from programmes.privacy import register
from programmes.privacy.models import AuditEntry
from programmes.privacy.services import (
    ERASED_DOMAIN,
    _blank,
    _delete_files,
    _field,
    _file_fields,
    _rows,
    _trail_scrub,
    _user_fields,
    audit_record,
    stand_in_create,
)

# When a row's clock started, by primary key: the app that owns the row knows.
Since = Callable[..., Mapping[Any, date]]


@dataclass(frozen=True)
class Clock:
    model: type[models.Model]
    retention: register.Retention
    finished: Q
    since: Since  # since(organisation=, rows=) -> {pk: day the clock starts}
    what: Promise
    # Foreign keys of the row whose rows go with it (a pairing's applications), unless another
    # row not yet due still points at them.
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Notice:
    model: type[models.Model]
    since: str
    only: Q = field(default_factory=Q)
    retention: register.Retention = register.Retention.NOTICE


_clocks: list[Clock] = []
_notices: list[Notice] = [Notice(AuditEntry, "timestamp", retention=register.Retention.AUDIT)]


def clock(model: type[models.Model], *, retention: register.Retention, finished: Q,
          since: Since, what: Promise, also: Iterable[str] = ()) -> None:
    """Register rows anonymised when their period has run since they finished."""
    if register.entry_for(model) is None:
        raise ValueError(f"{model.__name__} is not in the register of processing")
    _clocks.append(Clock(model=model, retention=retention, finished=finished, since=since,
                         what=what, also=tuple(also)))


def notice(model: type[models.Model], *, since: str = "created_at", only: Q | None = None) -> None:
    """Register rows deleted NOTICE_MONTHS after `since` (a notification, a sent reminder)."""
    _notices.append(Notice(model=model, since=since, only=only or Q()))


@dataclass(frozen=True)
class RetentionLine:
    label: str
    what: str
    count: int
    on_date: date


# -- Dates -----------------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), or the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _months(retention: register.Retention, organisation: Organisation) -> int:
    if retention == register.Retention.APPLICATION:
        return organisation.retain_declined_months
    if retention == register.Retention.NOTICE:
        return register.NOTICE_MONTHS
    return organisation.retain_pairing_years * 12


def erased_on(start: date, months: int) -> date:
    """A row is kept for the whole of its last day, and goes the day after."""
    return add_months(start, months) + timedelta(days=1)


def _day(value: date | datetime) -> date:
    return timezone.localdate(value) if isinstance(value, datetime) else value


# -- What is due -----------------------------------------------------------------------------

def _entry(model: type[models.Model]) -> register.Entry:
    entry = register.entry_for(model)
    if entry is None:
        raise LookupError(f"{model.__name__} is not in the register of processing")
    return entry


def _not_erased(entry: register.Entry) -> Q:
    """Rows still about someone: a subject not yet pointed at an erased participant."""
    q = Q(pk__in=[])
    for lookup in entry.subject:
        if lookup.startswith("email:"):
            q |= ~Q(**{f"{lookup.removeprefix('email:')}__endswith": f"@{ERASED_DOMAIN}"})
        else:
            q |= Q(**{f"{lookup}__isnull": False}) & ~Q(
                **{f"{lookup}__email__endswith": f"@{ERASED_DOMAIN}"})
    return q


def _clock_rows(rule: Clock, organisation: Organisation) -> QuerySet:
    entry = _entry(rule.model)
    return _rows(entry, organisation).filter(rule.finished).filter(_not_erased(entry))


def _clock_days(rule: Clock, organisation: Organisation) -> dict[Any, date]:
    """Each pending row's day of erasure."""
    months = _months(rule.retention, organisation)
    starts = rule.since(organisation=organisation, rows=_clock_rows(rule, organisation))
    return {pk: erased_on(_day(start), months) for pk, start in starts.items()}


def _notice_rows(rule: Notice, organisation: Organisation, until: date) -> dict[Any, date]:
    """The rows whose day of erasure is `until` or before, with that day."""
    months = _months(rule.retention, organisation)
    # Enough rows to decide by day, never the whole table.
    border = timezone.make_aware(datetime.combine(
        add_months(until, -months) + timedelta(days=2), time.min))
    entry = register.entry_for(rule.model)
    rows = (_rows(entry, organisation) if entry else rule.model._default_manager.none())
    found = {}
    for pk, since in rows.filter(rule.only, **{f"{rule.since}__lt": border}).values_list(
            "pk", rule.since):
        day = erased_on(_day(since), months)
        if day <= until:
            found[pk] = day
    return found


def _label(model: type[models.Model]) -> str:
    return str(model._meta.verbose_name_plural)


def retention_due(*, organisation: Organisation, on: date,
                  within_days: int = 30) -> list[RetentionLine]:
    """What the retention job will erase from `on` to `within_days` days later, by day (what is
    already due goes on `on`). Nothing is changed."""
    until = on + timedelta(days=within_days)
    counts: dict[tuple[str, str, date], int] = defaultdict(int)
    for rule in _clocks:
        for day in _clock_days(rule, organisation).values():
            if day <= until:
                counts[(_label(rule.model), str(rule.what), max(day, on))] += 1
    for notice_rule in _notices:
        for day in _notice_rows(notice_rule, organisation, until).values():
            counts[(_label(notice_rule.model), str(_("deleted")), max(day, on))] += 1
    return [RetentionLine(label=label, what=what, count=count, on_date=day)
            for (label, what, day), count in sorted(counts.items(), key=lambda i: (i[0][2],
                                                                                  i[0][0]))]


# -- Applying it -----------------------------------------------------------------------------

def _leads_to(model: type[models.Model], path: str) -> type[models.Model] | None:
    current: Any = model
    for part in path.split("__"):
        try:
            found = current._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        current = found.related_model
        if current is None:
            return None
    return current


def _paths_under(entry: register.Entry, root: register.Entry) -> set[str]:
    """The lookups from an entry's rows to the root's rows: its subject lookups that end in the
    root's own ("pairing__mentee" under a pairing's "mentee"), and its tenant parents."""
    paths = set()
    ends = {lookup.removeprefix("email:") for lookup in root.subject}
    for lookup in entry.subject:
        lookup = lookup.removeprefix("email:")
        for end in ends:
            if lookup.endswith(f"__{end}"):
                path = lookup.removesuffix(f"__{end}")
                if _leads_to(entry.model, path) is root.model:
                    paths.add(path)
    for parent in getattr(entry.model, "tenant_parents", ()):
        if _leads_to(entry.model, parent) is root.model:
            paths.add(parent)
    return paths


def _tree(root: register.Entry, organisation: Organisation,
          ids: list[Any]) -> list[tuple[register.Entry, list[Any]]]:
    """The root rows, and every registered row under them."""
    found = [(root, ids)]
    for entry in register.entries():
        if entry is root or entry.model in (get_user_model(), AuditEntry):
            continue
        paths = _paths_under(entry, root)
        if not paths:
            continue
        q = Q(pk__in=[])
        for path in paths:
            q |= Q(**{f"{path}__in": ids})
        under = list(_rows(entry, organisation).filter(q).values_list("pk", flat=True)
                     .distinct())
        if under:
            found.append((entry, under))
    return found


def _people(root: register.Entry, organisation: Organisation, ids: list[Any]) -> set[Any]:
    people = set()
    for lookup in root.subject:
        if not lookup.startswith("email:"):
            people |= set(_rows(root, organisation).filter(pk__in=ids)
                          .values_list(lookup, flat=True))
    people.discard(None)
    return people


class _Run:
    """One organisation's run: one erased participant per person, and the counts."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self.stand_ins: dict[Any, Any] = {}
        self.counts: dict[str, int] = defaultdict(int)

    def stand_in(self, user_id: Any) -> Any:
        if user_id not in self.stand_ins:
            self.stand_ins[user_id] = stand_in_create()
        return self.stand_ins[user_id]

    def anonymise(self, root: register.Entry, ids: list[Any]) -> None:
        people = _people(root, self.organisation, ids)
        for entry, rows_ids in _tree(root, self.organisation, ids):
            self._reduce(entry, rows_ids, people)

    def _reduce(self, entry: register.Entry, ids: list[Any], people: set[Any]) -> None:
        model = entry.model

        def rows() -> QuerySet:
            return _rows(entry, self.organisation).filter(pk__in=ids)

        files = _file_fields(entry)
        self.counts["files"] += sum(
            1 for name in files for value in rows().values_list(name, flat=True) if value)
        if entry.erase == register.Erase.DELETE:
            _delete_files(rows(), files)
            _trail_scrub(model, ids, list(entry.personal))
            self.counts[f"{model._meta.label} deleted"] += rows().delete()[1].get(
                model._meta.label, 0)
            return
        blanks: dict[str, Any] = {}
        for name, use in entry.personal.items():
            model_field = _field(model, name)
            if use.figure or model_field.is_relation:
                continue
            blanks[name] = _blank(model_field)
            if isinstance(model_field, models.EmailField):
                # One address per row: an address may be unique among a call's nominations.
                blanks[name] = Concat(models.Value("erased-"), Cast("pk", models.CharField()),
                                      models.Value(f"@{ERASED_DOMAIN}"),
                                      output_field=models.EmailField())
        if blanks:
            _delete_files(rows(), [name for name in files if name in blanks])
            rows().update(**blanks)
        links = [name for name in _user_fields(entry) if name in entry.personal]
        for name in links:
            for user_id in {u for u in rows().values_list(name, flat=True) if u in people}:
                rows().filter(**{name: user_id}).update(**{name: self.stand_in(user_id)})
        _trail_scrub(model, ids, [*blanks, *links])
        self.counts[f"{model._meta.label} anonymised"] += len(ids)


def _apply_clock(run: _Run, rule: Clock, today: date) -> None:
    root = _entry(rule.model)
    days = _clock_days(rule, run.organisation)
    due = sorted(pk for pk, day in days.items() if day <= today)
    if not due:
        return
    run.anonymise(root, due)
    for name in rule.also:
        target = _entry(_field(rule.model, name).related_model)  # type: ignore[arg-type]  # a foreign key
        ids = set(_rows(root, run.organisation).filter(pk__in=due)
                  .values_list(name, flat=True)) - {None}
        # Rows another row still needs (a mentor's application with a pairing not yet due).
        waiting = Q(pk__in=[])
        for other in rule.also:
            waiting |= Q(**{f"{other}__in": ids})
        held = set()
        for other in rule.also:
            held |= set(_rows(root, run.organisation).filter(waiting).filter(
                _not_erased(root)).exclude(pk__in=due).values_list(other, flat=True))
        ids = (ids - held) & set(_rows(target, run.organisation).filter(pk__in=ids)
                                 .filter(_not_erased(target)).values_list("pk", flat=True))
        if ids:
            run.anonymise(target, sorted(ids))


def _apply_notice(run: _Run, rule: Notice, today: date) -> None:
    ids = list(_notice_rows(rule, run.organisation, today))
    if not ids:
        return
    entry = register.entry_for(rule.model)
    if entry is not None and rule.model is not AuditEntry:
        _trail_scrub(rule.model, ids, list(entry.personal))
    rows = (_rows(entry, run.organisation) if entry else rule.model._default_manager.none())
    run.counts[f"{rule.model._meta.label} deleted"] += rows.filter(pk__in=ids).delete()[1].get(
        rule.model._meta.label, 0)


def organisation_retain(*, organisation: Organisation, today: date) -> dict[str, int]:
    """Apply every rule to one organisation; one RETENTION entry records the counts."""
    run = _Run(organisation)
    with transaction.atomic(), disable_auditlog():
        # The trail's own period first: what is anonymised below is scrubbed from what is left.
        for notice_rule in _notices:
            _apply_notice(run, notice_rule, today)
        for rule in _clocks:
            _apply_clock(run, rule, today)
    counts = {key: value for key, value in sorted(run.counts.items()) if value}
    audit_record(event=AuditEntry.Event.RETENTION, organisation=organisation,
                 detail={"on": today.isoformat(), "counts": counts})
    return counts


def retention_apply(*, now: datetime | None = None) -> dict[str, dict[str, int]]:
    """Apply every organisation's periods (daily, programmes.tasks.retention_run): the counts of
    what was erased, by organisation."""
    today = timezone.localdate(now or timezone.now())
    return {organisation.slug: organisation_retain(organisation=organisation, today=today)
            for organisation in Organisation.objects.all()}


# -- The organisation's periods --------------------------------------------------------------

def retention_periods_set(*, actor: Actor, organisation: Organisation, declined_months: int,
                          pairing_years: int) -> Organisation:
    """The admin sets how long the organisation keeps declined applications and finished
    pairings; auditlog records the change (Organisation is in the register)."""
    access.require_role(actor=actor, roles=[Role.ADMIN])
    if organisation.pk != actor.organisation.pk:
        raise PermissionDenied
    organisation.retain_declined_months = declined_months
    organisation.retain_pairing_years = pairing_years
    organisation.full_clean()
    organisation.save(update_fields=["retain_declined_months", "retain_pairing_years"])
    return organisation
