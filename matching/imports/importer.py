"""The import itself, in a worker: every pairing of a confirmed file and what it needs (people,
memberships, applications, an approved plan, kept compliance, history), in one transaction;
and the deletion of the files once they are no longer needed."""

import logging
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.imports.check import (
    Checked,
    FileUnreadable,
    Known,
    PairingRow,
    Person,
    check,
    read_meeting_rows,
    read_rows,
)
from matching.imports.models import IMPORT_KEPT_DAYS, ProgrammeImport
from matching.imports.selectors import known_for, progress_key
from matching.meetings.services import compliance_keep
from matching.models import ActivityPlan, Meeting, Pairing, PairingEvent
from matching.reminders.services import reminders_skip_past
from participants.models import (
    Application,
    ApplicationLanguage,
    Membership,
    Role,
    StatusChange,
    User,
)
from participants.selectors import actor_for
from participants.services import invitation_create
from programmes.models import AuditEntry, Call, Country, Organisation, Project
from programmes.privacy.services import audit_changes_unsaved, audit_record, on_erasure

logger = logging.getLogger(__name__)
S = ProgrammeImport.Status


def checked_file(programme_import: ProgrammeImport, project: Project) -> tuple[Checked, dict]:
    """The file's rows checked against the project as it is now, and the preview's summary."""
    checked, known = _checked(programme_import, project)
    return checked, checked.summary(known)


def _checked(programme_import: ProgrammeImport, project: Project) -> tuple[Checked, Known]:
    """The file's two sheets checked, with what the check knew of the project."""
    known = known_for(project)
    content = bytes(programme_import.content)
    return check(read_rows(content, programme_import.format), known,
                 read_meeting_rows(content, programme_import.format)), known


def import_run(*, organisation_id: int, import_id: int) -> None:
    """Imports a confirmed file (in a worker), in one transaction: either every pairing of the
    file is created, or none. The file is checked again first: the project may have changed
    since the preview."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    imports = ProgrammeImport.objects.for_org(organisation)
    found = imports.select_related("organisation", "project", "requested_by").filter(
        pk=import_id, status__in=[S.QUEUED, S.RUNNING]).first()
    if found is None:
        return  # gone, or already imported
    this = imports.filter(pk=found.pk)
    this.update(status=S.RUNNING, progress=5)
    language = found.requested_by.language or "en"
    with translation.override(language):
        try:
            _import(found)
        except (ValidationError, FileUnreadable) as error:
            message = " ".join(error.messages) if isinstance(error, ValidationError) \
                else str(error)
            this.update(status=S.FAILED, error=message[:300])
            return
        except SoftTimeLimitExceeded:
            this.update(status=S.FAILED, error=_("The import took too long and was stopped: "
                                                   "nothing was written. Split the file."))
            return
        except Exception:
            logger.exception("Import %s failed", found.pk)
            this.update(status=S.FAILED, error=_(
                "The import failed and nothing was written. Try again; if it fails again, "
                "tell the platform's support."))
            return


def _step(found: ProgrammeImport, per_cent: int) -> None:
    """Tells how far the import has come, outside its transaction (selectors.import_progress
    reads it for the page)."""
    cache.set(progress_key(found.pk), per_cent, timeout=24 * 3600)


def _import(found: ProgrammeImport) -> dict[str, int]:
    """The file checked again, then everything its rows need and the pairings, in one
    transaction under the project's row lock (two imports into one project, or the same file
    confirmed twice, wait for each other and the second finds the first's pairings); the
    import row marked done (and its file emptied) in the same one."""
    organisation, coordinator = found.organisation, found.requested_by
    now, today = timezone.now(), timezone.localdate()
    with transaction.atomic():
        project = Project.objects.for_org(organisation).select_for_update().get(
            pk=found.project_id)
        checked, known = _checked(found, project)
        summary = checked.summary(known)
        if checked.errors:
            raise ValidationError(ngettext(
                "The project changed since the preview: %(count)s row is now refused. Upload "
                "the file again to see why.",
                "The project changed since the preview: %(count)s rows are now refused. Upload "
                "the file again to see why.", summary["bad"]) % {"count": summary["bad"]})
        _step(found, 15)
        rows = checked.rows
        people = _people(organisation, rows)
        new_people = [user for user in people.values() if getattr(user, "_imported", False)]
        memberships = _memberships(organisation, rows, people)
        _step(found, 35)
        # A file may bring only meetings of pairings already in the project: no call then.
        calls = _calls(organisation, project, rows, now) if rows else {}
        applications = _applications(organisation, calls, rows, people, now, coordinator)
        _step(found, 50)
        pairings, events, plans = [], [], []
        for row in rows:
            mentee, mentor = people[row.mentee.email], people[row.mentor.email]
            pairings.append(Pairing(
                organisation=organisation, project=project, call=calls[Role.MENTEE],
                mentee=mentee, mentor=mentor,
                mentee_application=applications[(Role.MENTEE, row.mentee.email)],
                mentor_application=applications[(Role.MENTOR, row.mentor.email)],
                status=Pairing.Status.ACTIVE if row.start <= today
                else Pairing.Status.PLAN_AGREED,
                mentee_accepted_at=now, mentor_accepted_at=now))
        Pairing.objects.bulk_create(pairings)
        reason = _("Brought in from the file %(file)s, a pairing already under way.") % {
            "file": found.filename}
        for pairing, row in zip(pairings, rows, strict=True):
            events.append(PairingEvent(organisation=organisation, pairing=pairing,
                                       by=coordinator, from_status="",
                                       to_status=pairing.status, reason=reason))
            plans.append(ActivityPlan(
                organisation=organisation, pairing=pairing, version=1,
                objectives=_("Agreed before the pairing was brought into the platform."),
                start=row.start, duration_months=row.duration_months,
                online_meetings_per_month=row.online_meetings_per_month,
                status=ActivityPlan.Status.APPROVED, mentee_signed_at=now, mentor_signed_at=now,
                coordinator_comments=reason))
        PairingEvent.objects.bulk_create(events)
        ActivityPlan.objects.bulk_create(plans)
        _step(found, 65)
        pairing_ids = [pairing.pk for pairing in pairings]
        meetings = _meetings(organisation, coordinator, checked, known, {
            (row.mentee.email, row.mentor.email): pairing.pk
            for pairing, row in zip(pairings, rows, strict=True)}, now)
        _step(found, 75)
        # The project's pairings that got meetings are kept again too.
        kept_ids = sorted({*pairing_ids, *(meeting.pairing_id for meeting in meetings)})
        compliance_keep(organisation=organisation, pairing_ids=kept_ids, today=today)
        _step(found, 85)
        # The new pairings' reminders due before the import are never sent; those already in
        # the project keep the reminders they had.
        skipped = reminders_skip_past(organisation=organisation, pairing_ids=pairing_ids,
                                      today=today)
        # The history of every row written in bulk, as auditlog would have written it: at a
        # pairing's creation it has no kept compliance yet (auditlog would read each one).
        no_compliance = Pairing._meta.get_field("kept_compliance")
        for pairing in pairings:
            no_compliance.set_cached_value(pairing, None)
        AuditEntry.objects.bulk_create(audit_changes_unsaved(
            (None, made) for made in [*memberships, *calls.values(), *applications.values(),
                                      *pairings, *events, *plans, *meetings]))
        _step(found, 95)
        created = {"pairings": len(pairings), "people": len(new_people),
                   "memberships": len(memberships), "applications": len(applications),
                   "meetings": len(meetings), "reminders_skipped": skipped}
        audit_record(event=AuditEntry.Event.IMPORTED, organisation=organisation,
                     user=coordinator, obj=found, detail={"import": found.pk, **created})
        if found.invite:
            invited = _invite(organisation, coordinator, new_people, memberships)
            created["invited"] = invited
        ProgrammeImport.objects.for_org(organisation).filter(pk=found.pk).update(
            status=S.DONE, progress=100, content=b"", created=created, updated_at=timezone.now())
    return created


def _meetings(organisation: Organisation, coordinator: User, checked: Checked, known: Known,
              new_pairings: dict[tuple[str, str], int], now: datetime) -> list[Meeting]:
    """The meetings and visits the file says were held, each for its pairing (created by this
    import or already in the project), logged by the importing coordinator and confirmed: the
    pair held them before the platform knew of them, so neither is asked to confirm them."""
    meetings = []
    for row in checked.meetings:
        pairing_id = new_pairings.get(row.pair)
        if pairing_id is None:
            pairing_id = known.pairings[row.pair].pk
        meetings.append(Meeting(
            organisation=organisation, pairing_id=pairing_id, kind=row.kind, day=row.day,
            duration_minutes=row.duration_minutes, topics=row.topics, city=row.city,
            country_id=row.country, funded=row.funded, logged_by=coordinator,
            confirmed_by=coordinator, confirmed_at=now))
    return Meeting.objects.bulk_create(meetings)


def _people(organisation: Organisation, rows: list[PairingRow]) -> dict[str, User]:
    """The account of every person of the file, by e-mail: those the platform has, and new
    ones that cannot sign in until they accept an invitation (no usable password)."""
    names: dict[str, str] = {}
    for row in rows:
        for person in (row.mentee, row.mentor):
            names.setdefault(person.email, person.full_name)
    emails = list(names)
    language = translation.get_language() or "en"  # the coordinator's, until they choose
    people: dict[str, User] = {}
    for start in range(0, len(emails), 1000):
        for user in User.objects.filter(email__in=emails[start:start + 1000]):
            people[user.email.lower()] = user
    new = []
    for email in emails:
        if email not in people:
            user = User(email=email, full_name=names[email], language=language)
            user.set_unusable_password()
            user._imported = True  # type: ignore[attr-defined]  # read back just below
            new.append(user)
            people[email] = user
    User.objects.bulk_create(new)
    return people


def _memberships(organisation: Organisation, rows: list[PairingRow],
                 people: dict[str, User]) -> list[Membership]:
    wanted = {(people[row.mentee.email].pk, Role.MENTEE) for row in rows} | {
        (people[row.mentor.email].pk, Role.MENTOR) for row in rows}
    user_ids = list({user_id for user_id, _role in wanted})
    held: set[tuple[int, str]] = set()
    for start in range(0, len(user_ids), 1000):
        held.update(Membership.objects.for_org(organisation).filter(
            user_id__in=user_ids[start:start + 1000], role__in=[Role.MENTEE, Role.MENTOR])
            .values_list("user_id", "role"))
    made = [Membership(organisation=organisation, user_id=user_id, role=role)
            for user_id, role in sorted(wanted - held)]
    return Membership.objects.bulk_create(made)


def _calls(organisation: Organisation, project: Project, rows: list[PairingRow],
           now: datetime) -> dict[str, Call]:
    """Applications belong to a call: the import's own two, closed (never open to
    nominations), which name the file's countries and areas."""
    day = timezone.localdate(now).isoformat()
    calls: dict[str, Call] = {}
    for role, title, countries in (
            (Role.MENTEE, _("Mentees brought in on %(day)s") % {"day": day},
             {row.mentee.country for row in rows}),
            (Role.MENTOR, _("Mentors brought in on %(day)s") % {"day": day},
             {row.mentor.country for row in rows})):
        call = Call.objects.create(
            organisation=organisation, project=project, title=title, role_sought=role,
            deadline=now, status=Call.Status.CLOSED, opened_at=now, closed_at=now)
        call.invited_countries.set(Country.objects.filter(code__in=countries))
        call.thematic_areas.set(sorted({row.thematic_area_id for row in rows}))
        calls[role] = call
    return calls


def _applications(organisation: Organisation, calls: dict[str, Call], rows: list[PairingRow],
                  people: dict[str, User], now: datetime, coordinator: User
                  ) -> dict[tuple[str, str], Application]:
    """Each person's application in the import's call of their role: shortlisted (a mentee)
    or accepted (a mentor), as the pairing needs them, with the row's country, area and
    languages."""
    wanted: dict[tuple[str, str], tuple[PairingRow, Person]] = {}
    for row in rows:
        wanted.setdefault((Role.MENTEE, row.mentee.email), (row, row.mentee))
        wanted.setdefault((Role.MENTOR, row.mentor.email), (row, row.mentor))
    applications = {}
    for (role, email), (row, person) in wanted.items():
        applications[(role, email)] = Application(
            organisation=organisation, call=calls[role], applicant=people[email],
            country_id=person.country, thematic_area_id=row.thematic_area_id,
            full_name=person.full_name, email=email, agency="", rank="",
            status=Application.Status.SHORTLISTED, submitted_at=now)
    Application.objects.bulk_create(list(applications.values()))
    ApplicationLanguage.objects.bulk_create([
        ApplicationLanguage(organisation=organisation, application=application, language=code,
                            level=ApplicationLanguage.Level.WORKING)
        for (_role, _email), application in applications.items()
        for code in wanted[(_role, _email)][0].languages])
    StatusChange.objects.bulk_create([
        StatusChange(organisation=organisation, application=application, from_status="",
                     to_status=application.status, changed_by=coordinator,
                     reason=_("Brought in by an import."))
        for application in applications.values()])
    return applications


def _invite(organisation: Organisation, coordinator: User, new_people: list[User],
            memberships: list[Membership]) -> int:
    """Invites the people the import created, through the invitation service (each e-mail is
    queued after the commit): accepting it sets their password."""
    actor = actor_for(user=coordinator, organisation=organisation)
    if actor is None:
        return 0
    roles = {membership.user_id: membership.role for membership in memberships}
    for user in new_people:
        invitation_create(actor=actor, email=user.email, full_name=user.full_name,
                          language=user.language, role=roles.get(user.pk, Role.MENTEE),
                          country=None, projects=[])
    return len(new_people)


def imports_purge(*, now: datetime | None = None) -> int:
    """Uploaded files name a whole cohort: they are deleted IMPORT_KEPT_DAYS after their
    upload, imported or not (beat runs this daily)."""
    now = now or timezone.now()
    deleted = 0
    for organisation in Organisation.objects.all():
        deleted += ProgrammeImport.objects.for_org(organisation).filter(
            created_at__lt=now - timedelta(days=IMPORT_KEPT_DAYS)).exclude(
            status__in=[S.QUEUED, S.RUNNING]).delete()[0]
    return deleted


@on_erasure
def imports_drop(*, organisation: Organisation, **kwargs: object) -> None:
    """A file may name the erased person among others: every file of the organisation not
    being imported goes (what it created is erased through the register)."""
    ProgrammeImport.objects.for_org(organisation).exclude(status__in=[S.QUEUED, S.RUNNING]) \
        .delete()
