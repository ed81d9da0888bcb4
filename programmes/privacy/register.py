"""The register of processing: which fields of which models hold personal data, why, on what
legal basis, who sees them and how long they are kept.

Each app declares its models next to them (`register.declare(...)` at the end of its models
module). The declarations drive everything else about personal data:
- a person's export (`programmes.privacy.services.personal_data_collect`) holds every declared
  field of every row about them;
- erasure (`programmes.privacy.services.person_erase`) and retention
  (`programmes.privacy.retention.retention_apply`) blank, pseudonymise or delete what is
  declared, rows, files and audit entries included;
- the record of processing (the admin's page and PDF) is printed from them;
- tests/platform/test_personal_data.py fails when a model gains a field of a kind that can hold
  personal data (text, e-mail, file, date, a link to a person) without a declaration either way.

This module knows no app: it holds the declarations and the vocabulary they use."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from auditlog.registry import auditlog
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Basis(StrEnum):
    """Legal bases (GDPR art. 6(1); for the EU institutions Regulation 2018/1725, art. 5(1))."""

    PUBLIC_TASK = "public_task"
    CONSENT = "consent"
    LEGAL_OBLIGATION = "legal_obligation"
    LEGITIMATE_INTEREST = "legitimate_interest"


BASIS_TEXT: dict[Basis, Promise] = {
    Basis.PUBLIC_TASK: _("Task carried out in the public interest (the organisation's mandate "
                         "to run the programme)"),
    Basis.CONSENT: _("Consent given with the application"),
    Basis.LEGAL_OBLIGATION: _("Legal obligation (accountability and security of processing)"),
    Basis.LEGITIMATE_INTEREST: _("Legitimate interest in keeping the platform secure"),
}


class Retention(StrEnum):
    """How long a field is kept. The periods in months or years are each organisation's own
    (Organisation.retain_declined_months and retain_pairing_years); the retention job applies
    them every day (programmes.privacy.retention.retention_apply)."""

    MEMBERSHIP = "membership"
    APPLICATION = "application"
    PAIRING = "pairing"
    NOTICE = "notice"
    AUDIT = "audit"
    IMPORT = "import"


RETENTION_TEXT: dict[Retention, Promise] = {
    Retention.MEMBERSHIP: _("While the person is a member of the organisation; deleted with "
                            "their last membership."),
    Retention.APPLICATION: _("Declined and withdrawn applications, with their CVs: "
                             "{declined_months} months after the call closes. Applications "
                             "that lead to a pairing: as the pairing."),
    Retention.PAIRING: _("For the programme and its reporting: {pairing_years} years after "
                         "the pairing ends, then reduced to anonymous figures."),
    Retention.NOTICE: _("Notifications and reminders: 12 months after they are sent."),
    Retention.AUDIT: _("The audit trail: {pairing_years} years, like the programme's records; "
                       "erased with the person."),
    Retention.IMPORT: _("Uploaded spreadsheets of a programme under way: emptied once "
                        "imported, deleted 30 days after they were uploaded."),
}

# Notifications and reminders are kept for this long after they were made.
NOTICE_MONTHS = 12


@dataclass(frozen=True)
class Use:
    """How one personal field is used.

    `author`, when set, is the lookup from the row to the person who wrote the field: the field
    is theirs alone, and erasing anyone else leaves it. `shared` marks text the pair or the
    coordinator wrote together about the pair: erasing one of the pair keeps it for the other
    (the issue: "a joint report keeps the partner's part"). Otherwise the field is about the
    row's subject and goes with them. `figure` marks a value that figures count (see
    `counted`)."""

    purpose: Promise
    basis: Basis
    recipients: Promise
    retention: Retention
    author: str | None = None
    shared: bool = False
    figure: bool = False

    def by(self, author: str) -> "Use":
        return replace(self, author=author)

    def joint(self) -> "Use":
        return replace(self, shared=True)

    def counted(self) -> "Use":
        """A value the programme's figures count (a gender, a date a pair met): once nothing
        else says who it was about, it stays, so the dashboard's figures stay right."""
        return replace(self, figure=True)

    @property
    def kept_at_erasure(self) -> bool:
        return self.shared or self.figure


class Erase(StrEnum):
    """What erasure does to a row about the person: delete it (it is theirs alone: a
    notification, a membership), or keep it for the figures and the partner with the person's
    fields blanked and their links pointed at an "erased participant"."""

    DELETE = "delete"
    ANONYMISE = "anonymise"


@dataclass(frozen=True)
class Entry:
    model: type[models.Model]
    subject: tuple[str, ...]
    personal: Mapping[str, Use]
    not_personal: frozenset[str]
    erase: Erase
    label: Promise | str = ""
    # Lookups, beside `subject`, that find rows linked to the person without being about them
    # (a status change they made, a report they reviewed): their link is pointed at the
    # erased participant.
    linked: tuple[str, ...] = field(default=())
    # Text fields the platform writes for someone else that may name the person (a notice to
    # a coordinator: "<name> submitted the interim report"): erasing the person erases those
    # rows too, found by the person's name or address in them.
    mentions: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        return self.model._meta.label

    def subject_q(self, user: Any) -> Q:
        """The rows about this person: each subject lookup ends at a person, or at an e-mail
        address when written "email:<lookup>" (a nomination made before the person has an
        account)."""
        q = Q(pk__in=[])
        for lookup in self.subject:
            if lookup.startswith("email:"):
                q |= Q(**{f"{lookup.removeprefix('email:')}__iexact": user.email})
            else:
                q |= Q(**{lookup: user})
        return q

    def mentions_q(self, user: Any) -> Q:
        """The rows whose `mentions` name this person: by their full name (when it is long
        enough to mean them) or their address."""
        q = Q(pk__in=[])
        names = [user.email, *([user.full_name] if len(user.full_name.strip()) >= 5 else [])]
        for name in self.mentions:
            for value in names:
                q |= Q(**{f"{name}__icontains": value.strip()})
        return q

    def linked_q(self, user: Any) -> Q:
        q = Q(pk__in=[])
        for lookup in (*self.linked, *(use.author for use in self.personal.values()
                                        if use.author)):
            q |= Q(**{lookup: user})
        return q


_entries: dict[str, Entry] = {}


def declare(model: type[models.Model], *, subject: Iterable[str] = (),
            personal: Mapping[str, Use] | None = None, not_personal: Iterable[str] = (),
            erase: Erase = Erase.ANONYMISE, linked: Iterable[str] = (),
            mentions: Iterable[str] = (), history: bool = True,
            history_exclude: Iterable[str] = ()) -> None:
    """Declare a model's personal fields. Every field of a kind that can hold personal data
    must be named in `personal` or in `not_personal` (the register test checks it).

    A declared model's creations, changes and deletions go to the audit trail unless `history`
    is False (the trail itself; the person, whose account is not one organisation's data)."""
    personal = dict(personal or {})
    not_personal = frozenset(not_personal)
    names = {f.name for f in model._meta._get_fields(reverse=False)}  # models may still load
    unknown = (set(personal) | not_personal) - names
    if unknown:
        raise ValueError(f"{model.__name__} declares fields it does not have: {sorted(unknown)}")
    _entries[model._meta.label] = Entry(
        model=model, subject=tuple(subject), personal=personal, not_personal=not_personal,
        erase=erase, label=model._meta.verbose_name_plural or model.__name__, linked=tuple(linked),
        mentions=tuple(mentions))
    if history:
        auditlog.register(model, exclude_fields=["created_at", "updated_at", *history_exclude])


def entries() -> list[Entry]:
    return list(_entries.values())


def entry_for(model: type[models.Model]) -> Entry | None:
    return _entries.get(model._meta.label)


# -- The uses most fields share. Each names its purpose once, so the record of processing reads
# -- the same wherever the use recurs.

ACCOUNT = Use(
    _("Sign the person in and write to them"), Basis.PUBLIC_TASK,
    _("The person; the organisation's administrators"), Retention.MEMBERSHIP)
ROLE = Use(
    _("Give each person the pages and actions of their role"), Basis.PUBLIC_TASK,
    _("The organisation's administrators and coordinators"), Retention.MEMBERSHIP)
SELECTION = Use(
    _("Select the participants of a call and pair them"), Basis.CONSENT,
    _("The project's coordinators and the organisation's administrators; the national focal "
      "point sees the status"), Retention.APPLICATION)
MENTORING = Use(
    _("Run the pairing: its plan, meetings, visits and reports"), Basis.PUBLIC_TASK,
    _("The pair and the project's coordinators; observers see figures only"), Retention.PAIRING)
EVALUATION = Use(
    _("Evaluate the programme and report to its donors"), Basis.PUBLIC_TASK,
    _("The project's coordinators; observers and donors see anonymous figures only"),
    Retention.PAIRING)
ACTIVITIES = Use(
    _("Run the programme's activities and its advisory board: invitations, answers, "
      "attendance and membership"), Basis.PUBLIC_TASK,
    _("The project's coordinators and the organisation's administrators; the person; observers "
      "see figures only"), Retention.PAIRING)
NOTICE = Use(
    _("Tell the person what is due and what changed"), Basis.PUBLIC_TASK,
    _("The person"), Retention.NOTICE)
ACCOUNTABILITY = Use(
    _("Keep a record of who did what, and of every download of personal data"),
    Basis.LEGAL_OBLIGATION, _("The organisation's administrators; the platform's operators"),
    Retention.AUDIT)
