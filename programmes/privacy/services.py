"""Personal data kept as promised: the audit trail's events, a person's export, erasure and
retention, all driven by the register (programmes/privacy/register.py).

Erasure works on one person in one organisation:
- rows the register marks `DELETE` (a membership, a notification) go, with the notices to
  others that name the person (`mentions`);
- in the other rows about the person, the fields about them are blanked, the fields they wrote
  alone (`Use.author`) are blanked wherever they wrote them, the pair's shared text and the
  values figures count are kept, and every link to the person points instead at a new
  "erased participant" account that cannot sign in;
- files go with their fields; the audit trail keeps the fact of each change but loses the
  erased values, and the entries the person made lose their address;
- the apps above add what only they know (`on_erasure`): the account closes when no
  membership is left, built exports are dropped.
Writes here use queryset updates inside `disable_auditlog()`, so the erasure does not copy the
values it removes into the trail; one audit entry records the erasure itself."""

import hashlib
import hmac
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from auditlog.cid import get_cid
from auditlog.context import disable_auditlog
from auditlog.diff import model_instance_diff
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from programmes.access import require_role
from programmes.actor import Actor, Role
from programmes.models import Organisation, TenantModel
from programmes.privacy import register
from programmes.privacy.models import AuditEntry, DataRequest, _organisation_of
from programmes.signals import data_request_made
from programmes.validators import CONTROL_CHARACTERS_MESSAGE, has_control_characters

# How an erased person appears in the records they shared with a partner.
ERASED_NAME = "Erased participant"
ERASED_DOMAIN = "erased.invalid"
# What an erased value reads in the audit trail's before and after.
ERASED_VALUE = "[erased]"


# -- The audit trail's events ---------------------------------------------------------------

def audit_record(*, event: str, organisation: Organisation | None, user: Any = None,
                 obj: models.Model | None = None, detail: dict[str, Any] | None = None,
                 remote_addr: str | None = None, email: str | None = None) -> AuditEntry:
    """Write one event the signals cannot see: a sign-in, a download of personal data, a data
    request, an erasure. `detail` holds ids and counts, never personal text."""
    content_type = ContentType.objects.get_for_model(obj) if obj is not None else None
    entry = AuditEntry(
        organisation=organisation, event=event, action=AuditEntry.Action.ACCESS,
        actor=user if getattr(user, "pk", None) else None,
        actor_email=email or getattr(user, "email", None),
        remote_addr=remote_addr, additional_data=detail or None,
        content_type=content_type or ContentType.objects.get_for_model(AuditEntry),
        object_pk=str(obj.pk) if obj is not None else "",
        object_id=obj.pk if obj is not None and isinstance(obj.pk, int) else None,
    )
    entry.save()
    return entry


def audit_changes_unsaved(changes: Iterable[tuple[models.Model | None, models.Model]]
                          ) -> list[AuditEntry]:
    """The trail's entries for rows a service wrote with `update()` or with auditlog's signals
    off, as auditlog itself would have written them (created when there is no row before, else
    changed): a service that writes many rows in a batch saves them with one `bulk_create`."""
    entries = []
    for before, after in changes:
        diff = model_instance_diff(before, after,
                                   use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES)
        if not diff:
            continue
        created = before is None
        entries.append(AuditEntry(
            organisation_id=_organisation_of(after),
            event=AuditEntry.Event.CREATED if created else AuditEntry.Event.CHANGED,
            action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            content_type=ContentType.objects.get_for_model(after),
            object_pk=str(after.pk), object_id=after.pk if isinstance(after.pk, int) else None,
            # Named by kind and number, as AuditEntry.save names every entry.
            object_repr=f"{after._meta.verbose_name} #{after.pk}", changes=diff,
            cid=get_cid()))
    return entries


def audit_record_for_person(*, event: str, user: Any, remote_addr: str | None = None,
                            email: str | None = None) -> None:
    """An event about a person's account (a sign-in, a failed second factor): one entry in the
    trail of each organisation they belong to, so each organisation's admins see it in theirs
    and no one else's. An address that matches no account goes to the operators' trail."""
    organisations: list[Organisation | None] = list(
        Organisation.objects.filter(pk__in=_organisations_of(user))) if user is not None else []
    for organisation in organisations or [None]:
        audit_record(event=event, organisation=organisation, user=user,
                     remote_addr=remote_addr, email=email)


def _organisations_of(user: Any) -> list[int]:
    # Memberships are the app above's; the registry names the model without importing it.
    membership = apps.get_model("participants", "Membership")
    return list(membership.unscoped.filter(user=user)
                .values_list("organisation_id", flat=True).distinct())


# -- What the platform holds about a person -------------------------------------------------

def _rows(entry: register.Entry, organisation: Organisation) -> QuerySet:
    model = entry.model
    if issubclass(model, TenantModel):
        return model.objects.for_org(organisation)
    if model is AuditEntry:
        return AuditEntry.objects.for_org(organisation)
    # The person's own account: the export and erasure reach it through subject "pk".
    return model._default_manager.all()


def person_rows(entry: register.Entry, *, organisation: Organisation, user: Any) -> QuerySet:
    """The rows of one model about the person, or written by them, in one organisation."""
    if not entry.subject and not entry.linked_q(user).children:
        return entry.model._default_manager.none()
    return _rows(entry, organisation).filter(
        entry.subject_q(user) | entry.linked_q(user)).distinct().order_by("pk")


def _value(value: Any) -> Any:
    if isinstance(value, FieldFile):
        return (value.name or "").rsplit("/", 1)[-1]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return f"{len(value)} bytes"
    if isinstance(value, models.Model):
        return str(value)
    return value


def personal_data_collect(*, organisation: Organisation, user: Any) -> dict[str, Any]:
    """Everything the organisation holds about the person, model by model: every field the
    register declares personal, with each row's number. JSON-ready."""
    sections = []
    for entry in register.entries():
        if entry.model is get_user_model():
            rows: Iterable[models.Model] = [user]
        else:
            # The people a row names (who logged a meeting, who confirmed it) come with it.
            linked = [name for name in entry.personal if _field(entry.model, name).is_relation]
            rows = person_rows(entry, organisation=organisation, user=user)
            if linked:
                rows = rows.select_related(*linked)
        items = []
        for row in rows:
            items.append({"id": row.pk, **{
                name: _value(getattr(row, name)) for name in entry.personal}})
        if items:
            meta = entry.model._meta
            sections.append({"model": entry.key, "label": str(meta.verbose_name_plural),
                             "fields": {name: str(_field(entry.model, name).verbose_name)
                                        for name in entry.personal},
                             "rows": items})
    return {"organisation": organisation.name, "person": user.email,
            "exported_at": datetime.now().astimezone().isoformat(), "sections": sections}


# -- Erasure ---------------------------------------------------------------------------------

ErasureHook = Callable[..., None]
_erasure_hooks: list[ErasureHook] = []


def on_erasure(hook: ErasureHook) -> ErasureHook:
    """Apps above plug in what only they know: `hook(organisation=, user=, stand_in=)` runs
    inside the erasure's transaction, after the register's rows."""
    _erasure_hooks.append(hook)
    return hook


@dataclass
class ErasureLine:
    label: str
    deleted: int = 0
    anonymised: int = 0
    files: int = 0


def person_erase_preview(*, organisation: Organisation, user: Any) -> list[ErasureLine]:
    """What erasing the person would do, model by model, before anything is done."""
    lines = []
    for entry in register.entries():
        if entry.model in (get_user_model(), AuditEntry):
            continue
        rows = person_rows(entry, organisation=organisation, user=user)
        count = rows.count()
        if not count:
            continue
        files = sum(1 for name in _file_fields(entry)
                    for value in rows.values_list(name, flat=True) if value)
        line = ErasureLine(label=str(entry.label))
        if entry.erase == register.Erase.DELETE:
            line.deleted = count
        else:
            line.anonymised = count
        line.files = files
        lines.append(line)
    return lines


def person_digest(email: str, *, key: str | bytes | None = None) -> str:
    """A pseudonymous mark of an erased address: it tells whether an address was erased
    (to erase it again after a restore) without keeping the address."""
    key = key or settings.SECRET_KEY
    return hmac.new(key.encode() if isinstance(key, str) else key, email.strip().lower().encode(),
                    hashlib.sha256).hexdigest()


def stand_in_create() -> Any:
    """A new "erased participant": an account that cannot sign in, for the records the erased
    person shared with a partner to point at."""
    return get_user_model().objects.create_user(
        email=f"erased-{secrets.token_hex(8)}@{ERASED_DOMAIN}", password=None,
        full_name=ERASED_NAME, is_active=False)


@transaction.atomic
def person_erase(*, organisation: Organisation, user: Any, by: Any = None,
                 again: bool = False) -> list[ErasureLine]:
    """Erase a person from one organisation (see the module's docstring). The erasure is
    written to the ledger of erasures before it commits (`again`: it is the ledger's, being
    re-applied after a restore)."""
    lines = person_erase_preview(organisation=organisation, user=user)
    stand_in = stand_in_create()
    with disable_auditlog():
        entries = [entry for entry in register.entries()
                   if entry.model not in (get_user_model(), AuditEntry)]
        # Rows are found through the links to the person (a report through its pairing's
        # mentee), so every model is blanked before any link is pointed at the stand-in.
        for entry in entries:
            _erase_rows(entry, organisation=organisation, user=user)
        for entry in entries:
            _relink(entry, organisation=organisation, user=user, stand_in=stand_in)
        _erase_from_trail(organisation=organisation, user=user, stand_in=stand_in)
        for hook in _erasure_hooks:
            hook(organisation=organisation, user=user, stand_in=stand_in)
    detail: dict[str, Any] = {"digest": person_digest(user.email), "rows": {
        line.label: line.deleted + line.anonymised for line in lines}}
    if again:
        detail["again"] = True
    audit_record(event=AuditEntry.Event.ERASED, organisation=organisation, user=by,
                 obj=stand_in, detail=detail)
    if not again:
        _ledger_append(organisation=organisation, user=user)
    return lines


def _field(model: type[models.Model], name: str) -> models.Field:
    # The register declares concrete fields only.
    return cast(models.Field, model._meta.get_field(name))


def _file_fields(entry: register.Entry) -> list[str]:
    return [name for name in entry.personal
            if isinstance(entry.model._meta.get_field(name), models.FileField)]


def _user_fields(entry: register.Entry) -> list[str]:
    user_model = get_user_model()
    return [field.name for field in entry.model._meta.concrete_fields
            if field.is_relation and field.related_model is user_model]


def _blank(field: models.Field) -> Any:
    if isinstance(field, models.EmailField):
        return f"erased@{ERASED_DOMAIN}"
    if field.name == "full_name":
        return ERASED_NAME
    if isinstance(field, models.JSONField):
        return field.get_default()
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField | models.FileField):
        return ""
    if isinstance(field, models.BinaryField):
        return b""
    return field.get_default()


def _delete_files(queryset: QuerySet, names: list[str]) -> None:
    for name in names:
        for row in queryset.only("pk", name):
            file = getattr(row, name)
            if file:
                file.storage.delete(file.name)


def _erase_rows(entry: register.Entry, *, organisation: Organisation, user: Any) -> None:
    model = entry.model

    def rows(ids: Iterable[Any]) -> QuerySet:
        return _rows(entry, organisation).filter(pk__in=list(ids))

    about = entry.subject_q(user) | (entry.mentions_q(user) if entry.mentions else Q(pk__in=[]))
    about_ids = list(_rows(entry, organisation).filter(about).values_list("pk", flat=True))
    if entry.erase == register.Erase.DELETE:
        _delete_files(rows(about_ids), _file_fields(entry))
        _trail_scrub(model, about_ids, list(entry.personal))
        rows(about_ids).delete()
        about_ids = []
    # The fields about the person, in the rows about them.
    mine = {name: _blank(_field(model, name)) for name, use in entry.personal.items()
            if not use.author and not use.kept_at_erasure
            and not model._meta.get_field(name).is_relation}
    if about_ids and mine:
        _delete_files(rows(about_ids), [name for name in _file_fields(entry) if name in mine])
        rows(about_ids).update(**mine)
        _trail_scrub(model, about_ids, list(mine))
    # What the person wrote alone, wherever they wrote it.
    for name, use in entry.personal.items():
        if use.author:
            written = _rows(entry, organisation).filter(**{use.author: user})
            ids = list(written.values_list("pk", flat=True))
            if ids:
                rows(ids).update(**{name: _blank(_field(model, name))})
                _trail_scrub(model, ids, [name])


def _relink(entry: register.Entry, *, organisation: Organisation, user: Any,
            stand_in: Any) -> None:
    """Every remaining link to the person points at the stand-in."""
    for name in _user_fields(entry):
        _rows(entry, organisation).filter(**{name: user}).update(**{name: stand_in})


def _trail_scrub(model: type[models.Model], ids: list[Any], fields: list[str]) -> None:
    """The trail keeps that a row was made or changed, and loses the erased values."""
    if not ids or not fields:
        return
    content_type = ContentType.objects.get_for_model(model)
    entries = AuditEntry.objects.filter(content_type=content_type,
                                        object_pk__in=[str(pk) for pk in ids])
    for audit in entries.only("pk", "changes"):
        changes = audit.changes
        if not isinstance(changes, dict) or not set(changes) & set(fields):
            continue
        for name in set(changes) & set(fields):
            change = changes[name]
            changes[name] = ({**change, "objects": [ERASED_VALUE]} if isinstance(change, dict)
                             else [ERASED_VALUE, ERASED_VALUE])
        AuditEntry.objects.filter(pk=audit.pk).update(changes=changes)


def _erase_from_trail(*, organisation: Organisation, user: Any, stand_in: Any) -> None:
    """What the person did stays on record, done by the erased participant, with no address;
    a failed sign-in with their address loses the address."""
    AuditEntry.objects.for_org(organisation).filter(actor=user).update(
        actor=stand_in, actor_email=None, remote_addr=None, remote_port=None)
    AuditEntry.objects.for_org(organisation).filter(actor_email__iexact=user.email).update(
        actor_email=None, remote_addr=None, remote_port=None)


# -- Erasures outlive backups: the ledger ----------------------------------------------------------
# A backup taken before an erasure still holds the person. Each erasure therefore appends a line
# to a ledger that no backup holds (settings.ERASURE_LEDGER): the organisation, a digest of the
# address (`person_digest`, never the address) and the time. `manage.py restore` re-applies it
# (`erasures_reapply`). The line is written before the erasure commits, and a ledger that cannot
# be written stops the erasure: an erasure the ledger does not know would come back with the next
# restore, while a line for an erasure that then failed only erases, on a restore, someone an
# admin chose to erase.

@dataclass
class LedgerLine:
    organisation_id: int
    digest: str
    erased_at: datetime


def _ledger_append(*, organisation: Organisation, user: Any) -> None:
    path = settings.ERASURE_LEDGER
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"organisation": organisation.pk, "digest": person_digest(user.email),
                       "erased_at": timezone.now().isoformat()})
    with path.open("a", encoding="utf-8") as ledger:
        ledger.write(line + "\n")
        ledger.flush()
        os.fsync(ledger.fileno())


def ledger_lines() -> tuple[list[LedgerLine], int]:
    """The ledger's erasures, oldest first, and how many lines could not be read (a line cut
    short by a crash while it was written)."""
    path = settings.ERASURE_LEDGER
    if not path.exists():
        return [], 0
    lines, unreadable = [], 0
    for text in path.read_text(encoding="utf-8").splitlines():
        if not text.strip():
            continue
        try:
            data = json.loads(text)
            lines.append(LedgerLine(organisation_id=int(data["organisation"]),
                                    digest=str(data["digest"]),
                                    erased_at=datetime.fromisoformat(data["erased_at"])))
        except (ValueError, KeyError, TypeError):
            unreadable += 1
    return lines, unreadable


@dataclass
class ErasureAgain:
    """What re-applying one line of the ledger did: "erased" again, the person was already
    "gone", or they "came back" after the erasure and are kept."""
    line: LedgerLine
    outcome: str


def _first_seen(*, organisation: Organisation, user: Any) -> datetime | None:
    """When the earliest row about the person in the organisation was made."""
    firsts = []
    for entry in register.entries():
        if entry.model in (get_user_model(), AuditEntry):
            continue
        if "created_at" not in {field.name for field in entry.model._meta.concrete_fields}:
            continue
        first = person_rows(entry, organisation=organisation, user=user).aggregate(
            first=models.Min("created_at"))["first"]
        if first is not None:
            firsts.append(first)
    return min(firsts, default=None)


def erasures_reapply() -> tuple[list[ErasureAgain], int]:
    """Erase again, after a restore, everyone the ledger names who is back in the organisation
    they were erased from. A person whose every row there was made after their erasure joined
    again later (a backup taken after they came back) and is kept. The digests are matched
    under SECRET_KEY and each of SECRET_KEY_FALLBACKS, so a rotated key still finds them."""
    lines, unreadable = ledger_lines()
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    people: dict[str, int] = {}
    if lines:
        for user_pk, email in get_user_model().objects.values_list("pk", "email"):
            for key in keys:
                people[person_digest(email, key=key)] = user_pk
    organisations = Organisation.objects.in_bulk({line.organisation_id for line in lines})
    outcomes = []
    for line in lines:
        organisation = organisations.get(line.organisation_id)
        # Read afresh for each line: erasing the person from their last organisation deletes
        # the account.
        user = get_user_model().objects.filter(pk=people.get(line.digest, 0)).first()
        if organisation is None or user is None or not person_erase_preview(
                organisation=organisation, user=user):
            outcomes.append(ErasureAgain(line=line, outcome="gone"))
            continue
        first = _first_seen(organisation=organisation, user=user)
        if first is not None and first > line.erased_at:
            outcomes.append(ErasureAgain(line=line, outcome="came back"))
            continue
        person_erase(organisation=organisation, user=user, again=True)
        outcomes.append(ErasureAgain(line=line, outcome="erased"))
    return outcomes, unreadable


# -- The person's own pages: their data as tables, and their requests -----------------------

# Fields the person may see that they hold, but whose value is a secret kept hashed: shown as
# held, never printed (a hash on a screen or a PDF helps nobody but a password cracker).
SECRET_FIELDS = frozenset({"password", "calendar_token_hash", "token_hash"})
@dataclass
class DataCell:
    label: str
    value: str
    # Dates, numbers and addresses read left to right even inside Arabic.
    ltr: bool = False

    @property
    def direction(self) -> str:
        """The value's own direction, from its first strong letter (what `dir="auto"` does in a
        browser; WeasyPrint does not apply `dir="auto"`, so the direction is said outright)."""
        if self.ltr:
            return "ltr"
        for character in self.value:
            kind = unicodedata.bidirectional(character)
            if kind in ("R", "AL"):
                return "rtl"
            if kind == "L":
                return "ltr"
        return "auto"

    @property
    def multiline(self) -> bool:
        """A line end starts a new bidi paragraph, outside any inline isolate: a value of
        several lines needs a block of its own direction."""
        return "\n" in self.value


@dataclass
class DataSection:
    label: str
    headers: list[str]
    rows: list[list[DataCell]]

    @property
    def wide(self) -> bool:
        """More fields than fit side by side: each row is shown as its own two-column table."""
        return len(self.headers) > 4


def _cell_text(name: str, value: Any) -> tuple[str, bool]:
    if name in SECRET_FIELDS:
        return (str(_("(held, kept secret)")) if value else "—"), False
    if value is None or value == "":
        return "—", False
    if isinstance(value, bool):
        return str(_("yes") if value else _("no")), False
    if isinstance(value, int | float):
        return str(value), True
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=1), True
    text = str(value)
    if _ISO_DATE.match(text):
        return text.replace("T", " ")[:19] if "T" in text else text, True
    return text, "@" in text and " " not in text


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(\.\d+)?([+-]\d{2}:\d{2}|Z)?)?$")


def personal_data_tables(data: dict[str, Any]) -> list[DataSection]:
    """What `personal_data_collect` returned, as tables a person can read: one section per
    model, the field labels as headers, each row's number first."""
    number = str(_("No."))
    sections = []
    # The person's account and roles first, the trail of what they did last.
    first, last = get_user_model()._meta.label, AuditEntry._meta.label
    for section in sorted(data["sections"], key=lambda section: (
            section["model"] != first, section["model"] == last)):
        fields: dict[str, str] = section["fields"]
        model = apps.get_model(section["model"])
        # A choice reads as its label ("Mentee"), not its stored value ("mentee").
        choices = {name: dict(_field(model, name).flatchoices) for name in fields}
        rows = []
        for row in section["rows"]:
            cells = [DataCell(number, str(row["id"]), ltr=True)]
            for name, label in fields.items():
                value = row.get(name)
                if choices[name] and isinstance(value, str) and value in choices[name]:
                    value = str(choices[name][value])
                text, ltr = _cell_text(name, value)
                cells.append(DataCell(label, text, ltr))
            rows.append(cells)
        sections.append(DataSection(label=section["label"], headers=[number, *fields.values()],
                                    rows=rows))
    return sections


def data_requests_of(*, actor: Actor) -> QuerySet[DataRequest]:
    """The person's own requests in this organisation, newest first."""
    return DataRequest.objects.for_org(actor.organisation).filter(
        requester_id=actor.user.pk).order_by("-created_at", "-pk")


@transaction.atomic
def data_request_make(*, actor: Actor, kind: str, message: str) -> DataRequest:
    """The person asks to see, correct or erase what the organisation holds about them. The
    answer is due within a month; the organisation's admins are told (programmes.signals)."""
    message = message.strip()
    if kind not in DataRequest.Kind.values:
        raise ValidationError({"kind": _("Choose what you ask for.")})
    if has_control_characters(message):
        raise ValidationError({"message": CONTROL_CHARACTERS_MESSAGE})
    if kind == DataRequest.Kind.CORRECTION and not message:
        raise ValidationError({"message": _("Say what should be corrected, and how.")})
    data_request = DataRequest(
        organisation=actor.organisation, requester=actor.user, kind=kind, message=message,
        due_on=DataRequest.due_after(timezone.localdate()))
    data_request.full_clean()
    data_request.save()
    audit_record(event=AuditEntry.Event.DATA_REQUESTED, organisation=actor.organisation,
                 user=actor.user, obj=data_request, detail={"kind": kind})
    data_request_made.send(sender=DataRequest, data_request=data_request)
    return data_request


# -- The organisation admin's answers: data requests and erasure -----------------------------

def data_request_answer(*, actor: Actor, data_request: DataRequest, status: str,
                        answer: str) -> DataRequest:
    """An admin answers a data request and closes it, as done or refused, with the answer the
    person reads."""
    require_role(actor=actor, roles=[Role.ADMIN])
    if data_request.organisation_id != actor.organisation.pk:
        raise PermissionDenied
    if data_request.status != DataRequest.Status.OPEN:
        raise ValidationError(_("This request is already closed."))
    if status not in (DataRequest.Status.DONE, DataRequest.Status.REFUSED):
        raise ValidationError({"status": _("Close the request as answered or refused.")})
    if not answer.strip():
        raise ValidationError({"answer": _("Write the answer the person will read.")})
    with transaction.atomic():
        data_request.status = status
        data_request.answer = answer.strip()
        data_request.handled_by = actor.user
        data_request.handled_at = timezone.now()
        data_request.full_clean()
        data_request.save(update_fields=["status", "answer", "handled_by", "handled_at",
                                    "updated_at"])
    return data_request


def person_erase_by_admin(*, actor: Actor, user: Any,
                          data_request: DataRequest | None = None) -> list[ErasureLine]:
    """An admin erases a member from the organisation (see `person_erase`), then closes the
    erasure request that asked for it and any other the person left open. An admin cannot
    erase themselves: another admin must."""
    require_role(actor=actor, roles=[Role.ADMIN])
    if user.pk == actor.user.pk:
        raise ValidationError(_("You cannot erase yourself: ask another admin."))
    if data_request is not None and data_request.organisation_id != actor.organisation.pk:
        raise PermissionDenied
    requests = DataRequest.objects.for_org(actor.organisation).filter(
        status=DataRequest.Status.OPEN, kind=DataRequest.Kind.ERASURE, requester=user)
    # Read before the erasure: it points the requests at the stand-in.
    open_ids = set(requests.values_list("pk", flat=True))
    if data_request is not None and data_request.status == DataRequest.Status.OPEN:
        open_ids.add(data_request.pk)
    with transaction.atomic():
        lines = person_erase(organisation=actor.organisation, user=user, by=actor.user)
        for pending in DataRequest.objects.for_org(actor.organisation).filter(pk__in=open_ids):
            data_request_answer(actor=actor, data_request=pending, status=DataRequest.Status.DONE,
                                answer=_("Your data has been erased."))
    return lines
