"""Every write to people, memberships and invitations."""

import secrets
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from participants.eligibility import Candidate, eligibility_problems
from participants.models import (
    Application,
    ApplicationLanguage,
    IdentityProvider,
    Invitation,
    Membership,
    Nomination,
    Notification,
    Role,
    StatusChange,
    User,
    hash_token,
)
from participants.selectors import (
    criteria_of,
    focal_points_for_call,
    places_left,
    projects_of_membership,
    submission_problems,
)
from participants.tasks import invitation_send, notification_email
from programmes import access, cldr
from programmes import services as programme_services
from programmes.access import PROJECT_PERMISSION_OF_ROLE
from programmes.actor import Actor
from programmes.models import AuditEntry, Call, Country, Organisation, Project, ThematicArea
from programmes.privacy.models import DataRequest
from programmes.privacy.services import audit_record
from programmes.validators import CONTROL_CHARACTERS_MESSAGE, has_control_characters

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _set_projects(membership: Membership, projects: list[Project]) -> None:
    """A coordinator's or focal point's projects are guardian object permissions."""
    perm = PROJECT_PERMISSION_OF_ROLE.get(membership.role)
    if perm is None:
        return
    wanted = {p.pk: p for p in projects if p.organisation_id == membership.organisation_id}
    current = {p.pk: p for p in projects_of_membership(membership)}
    access.grant_projects(user=membership.user, perm=perm,
                          projects=[wanted[pk] for pk in wanted.keys() - current.keys()])
    access.revoke_projects(user=membership.user, perm=perm,
                           projects=[current[pk] for pk in current.keys() - wanted.keys()])


@transaction.atomic
def invitation_create(
    *,
    actor: Actor,
    email: str,
    full_name: str,
    language: str,
    role: str,
    country: Country | None,
    projects: list[Project],
) -> Invitation:
    """An invitation to join the actor's organisation in a role."""
    return _invitation_make(
        organisation=actor.organisation, invited_by=actor.user, email=email,
        full_name=full_name, language=language, role=role, country=country, projects=projects,
    )


@transaction.atomic
def organisation_open(
    *, name: str, short_name: str, slug: str, admin_email: str, admin_name: str = "",
    language: str = "en",
) -> Invitation:
    """A new organisation and the invitation of its first admin, who then invites everyone
    else: what the platform's operators do (manage.py create_organisation), so that running an
    organisation needs no superuser. Nobody invites this first admin, so the invitation has no
    inviter. Bad input raises ValidationError and leaves nothing behind."""
    organisation = programme_services.organisation_create(
        name=name, short_name=short_name, slug=slug)
    return _invitation_make(
        organisation=organisation, invited_by=None, email=admin_email, full_name=admin_name,
        language=language, role=Role.ADMIN, country=None, projects=[],
    )


def _invitation_make(
    *,
    organisation: Organisation,
    invited_by: User | None,
    email: str,
    full_name: str,
    language: str,
    role: str,
    country: Country | None,
    projects: list[Project],
) -> Invitation:
    email = email.strip().lower()
    # An earlier invitation that ran out still counts as pending until the hourly task marks
    # it; mark it now so that the new one can take its place.
    Invitation.objects.for_org(organisation).expired_but_pending().filter(
        email=email, role=role
    ).update(status=Invitation.Status.EXPIRED, updated_at=timezone.now())
    invitation = Invitation(
        organisation=organisation,
        email=email,
        full_name=full_name.strip(),
        language=language,
        role=role,
        country=country if role == Role.FOCAL_POINT else None,
        # Replaced by the token that the e-mail carries, when it is sent.
        token_hash=hash_token(secrets.token_urlsafe(32)),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    if role in PROJECT_PERMISSION_OF_ROLE:
        invitation.projects.set(projects)
    _queue_invitation_email(invitation)
    return invitation


def _queue_invitation_email(invitation: Invitation) -> None:
    invitation_send.delay_on_commit(invitation.organisation_id, invitation.pk)  # type: ignore[attr-defined]  # Celery's Django fixup makes tasks DjangoTasks


def _pending_for_change(invitation: Invitation) -> Invitation:
    """The invitation, locked, if it is still pending: an accept running at the same moment
    must not be overwritten."""
    locked = (Invitation.objects.for_org(invitation.organisation)
              .select_for_update().get(pk=invitation.pk))
    if locked.status != Invitation.Status.PENDING:
        raise ValidationError(_("This invitation is no longer pending."))
    return locked


@transaction.atomic
def invitation_resend(*, actor: Actor, invitation: Invitation) -> Invitation:
    invitation = _pending_for_change(invitation)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation.save(update_fields=["expires_at", "updated_at"])
    _queue_invitation_email(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation: Invitation) -> Invitation:
    invitation = _pending_for_change(invitation)
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status", "updated_at"])
    audit_record(event=AuditEntry.Event.INVITATION_REVOKED, organisation=invitation.organisation,
                 user=actor.user, obj=invitation)
    return invitation


def _account_set_up(*, invitation: Invitation, full_name: str, password: str | None) -> User:
    """The newcomer's account: a new one, or the one an import made for their address that
    has never been used (matching/imports), which gets its password now."""
    user = invitation.email_user()
    if user is None or not user.awaits_first_password:
        return User.objects.create_user(
            invitation.email, password, full_name=full_name.strip(), language=invitation.language
        )
    user.set_password(password)
    user.full_name = full_name.strip() or user.full_name
    user.language = invitation.language
    user.save(update_fields=["password", "full_name", "language"])
    return user


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user: User | None, full_name: str = "",
    password: str | None = ""
) -> Membership:
    """Turns an invitation into a membership. A person new to the platform gets an account
    whose e-mail address counts as verified: the link reached them at that address. With no
    `password` (None: they joined through their organisation's identity provider) the account
    has none to sign in with."""
    invitation = (Invitation.objects.for_org(invitation.organisation)
                  .select_for_update().get(pk=invitation.pk))
    if not invitation.is_usable:
        raise ValidationError(_("This invitation is no longer valid."))
    if user is None:
        user = _account_set_up(invitation=invitation, full_name=full_name, password=password)
        EmailAddress.objects.update_or_create(user=user, email=user.email,
                                              defaults={"primary": True, "verified": True})
    elif user.email.lower() != invitation.email:
        raise ValidationError(_("This invitation was sent to another e-mail address."))
    else:
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True}
        )
    membership, created = Membership.objects.get_or_create(
        organisation=invitation.organisation,
        user=user,
        role=invitation.role,
        defaults={"country": invitation.country},
    )
    if created:
        audit_record(event=AuditEntry.Event.ROLE_CHANGED, organisation=invitation.organisation,
                     user=user, obj=membership,
                     detail={"role": membership.role, "granted": user.pk,
                             "invitation": invitation.pk})
    _set_projects(
        membership, list(set(projects_of_membership(membership)) | set(invitation.projects.all()))
    )
    # A nominee's account now owns the application the nomination started.
    Application.objects.for_org(invitation.organisation).filter(
        invitation=invitation, applicant__isnull=True
    ).update(applicant=user)
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["status", "accepted_at", "accepted_by", "updated_at"])
    return membership


@transaction.atomic
def membership_update(
    *, acting_user: User | None, membership: Membership, country: Country | None,
    projects: list[Project],
) -> Membership:
    membership.country = country if membership.role == Role.FOCAL_POINT else None
    membership.full_clean()
    membership.save(update_fields=["country", "updated_at"])
    _set_projects(membership, projects)
    audit_record(event=AuditEntry.Event.PROJECTS_ASSIGNED, organisation=membership.organisation,
                 user=acting_user, obj=membership,
                 detail={"projects": sorted(project.pk for project in projects)})
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, membership: Membership) -> None:
    if membership.role == Role.ADMIN:
        if membership.user_id == actor.user.pk:
            raise ValidationError(_("Another organisation admin must remove you as admin."))
        # Locked, so that two admins removing each other at once cannot leave none.
        admins = list(
            Membership.objects.for_org(membership.organisation).with_role(Role.ADMIN)
            .select_for_update()
        )
        if not [admin for admin in admins if admin.pk != membership.pk]:
            raise ValidationError(_("An organisation keeps at least one organisation admin."))
    _set_projects(membership, [])
    audit_record(event=AuditEntry.Event.ROLE_CHANGED, organisation=membership.organisation,
                 user=actor.user, obj=membership,
                 detail={"role": membership.role, "removed": membership.user_id})
    membership.delete()


# --- Status history and notifications ---------------------------------------------------------

def record_status_change(
    *, acting_user: User | None, subject: Call | Nomination | Application, to_status: str,
    reason: str = "", created: bool = False,
) -> StatusChange:
    """Who changed what from which status to which, and why: kept for every call, nomination
    and application. `created`: the subject has just been made, so it comes from nothing."""
    field = {Call: "call", Nomination: "nomination", Application: "application"}[type(subject)]
    return StatusChange.objects.create(
        organisation_id=subject.organisation_id, from_status="" if created else subject.status,
        to_status=to_status, changed_by=acting_user, reason=reason, **{field: subject},
    )


def notify(
    *, user: User, organisation: Organisation, subject: "StrOrPromise", message: "StrOrPromise",
    params: dict, link: str = "",
) -> Notification:
    """A message in the app, and the same by e-mail after the commit, in the person's own
    language. `subject` says in a few words what it is about and for which pairing or call (the
    e-mail's subject line); both take `params`, whose dates are written the person's way."""
    with translation.override(user.language):
        params = {name: written_date(value) for name, value in params.items()}
        text = str(message) % params
        about = str(subject) % params
    notification = Notification.objects.create(
        organisation=organisation, user=user, subject=about[:200], text=text[:500], link=link
    )
    notification_email.delay_on_commit(organisation.pk, notification.pk)  # type: ignore[attr-defined]  # Celery's Django fixup makes tasks DjangoTasks
    return notification


def written_date(value: object) -> object:
    """A date (or a moment, in the platform's time zone) the way the current language writes
    it; anything else as it is."""
    if isinstance(value, datetime):
        return cldr.moment(value)
    if isinstance(value, date):
        return cldr.day(value)
    return value


def call_focal_points_tell(*, call: Call, countries: list[Country]) -> None:
    """The focal points of these invited countries, when a call opens or invites them."""
    for focal_point in focal_points_for_call(call=call):
        if focal_point.country not in countries:
            continue
        notify(
            user=focal_point.user, organisation=call.organisation,
            subject=gettext_lazy("Call open: %(title)s, nominations for %(country)s"),
            message=gettext_lazy(
                "Call open: %(title)s. Nominate candidates for %(country)s by %(deadline)s."
            ),
            params={"title": call.title, "country": focal_point.country,
                    "deadline": call.deadline},
            link=reverse("call_detail", args=[call.organisation.slug, call.pk]),
        )


def call_closed_message(call: Call) -> str:
    if call.status == Call.Status.CLOSED:
        return _("The call is closed: it no longer takes nominations or applications.")
    if call.status == Call.Status.DRAFT:
        return _("The call is not open yet.")
    return _("The deadline for nominations has passed.")


def notifications_mark_read(*, user: User, organisation: Organisation) -> int:
    return Notification.objects.for_org(organisation).filter(
        user=user, read_at__isnull=True
    ).update(read_at=timezone.now())


# --- Nominations ------------------------------------------------------------------------------

@transaction.atomic
def nomination_create(
    *, actor: Actor, membership: Membership, call: Call, full_name: str, email: str,
    agency: str, rank: str, thematic_area: ThematicArea, languages: list[str],
    language: str = "", gender: str = "", years_of_service: int | None = None,
) -> Nomination:
    """A focal point nominates a candidate for their own country. The candidate gets an
    invitation, in `language` (the focal point's own by default), to complete the application.
    What the call's criteria need (gender, years of service) is asked here, so that a nominee
    the call excludes takes no place; the application starts with these answers."""
    # Locked so that two nominations at once cannot both take the last place.
    call = Call.objects.for_org(call.organisation).select_for_update().get(pk=call.pk)
    country = membership.country
    email = email.strip().lower()
    if not call.accepts_nominations:
        raise ValidationError(call_closed_message(call))
    if country is None or not call.invited_countries.filter(pk=country.pk).exists():
        raise ValidationError(_("This call does not invite nominations from your country."))
    if places_left(call=call, country=country) <= 0:
        raise ValidationError({"email": ngettext(
            "%(country)s has used its %(places)s place in this call: withdraw the "
            "nomination to nominate someone else.",
            "%(country)s has used all its %(places)s places in this call: withdraw a "
            "nomination to nominate someone else.",
            call.places_per_country,
        ) % {"country": country, "places": call.places_per_country}})
    if Nomination.objects.for_org(call.organisation).filter(
        call=call, email__iexact=email, status=Nomination.Status.NOMINATED
    ).exists():
        raise ValidationError({"email": _("This candidate is already nominated for this call.")})
    problems = eligibility_problems(
        Candidate(country_code=country.code, thematic_area_id=thematic_area.pk,
                  years_of_service=years_of_service, gender=gender,
                  languages=frozenset(languages)),
        criteria_of(call),
    )
    if problems:
        raise ValidationError({
            NON_FIELD_ERRORS: _("This candidate does not meet the call's criteria: a nomination "
                         "would take one of your places for someone who cannot apply."),
            **problems,
        })
    nomination = Nomination(
        organisation=call.organisation, call=call, country=country, nominated_by=actor.user,
        full_name=full_name.strip(), email=email, agency=agency.strip(), rank=rank.strip(),
        thematic_area=thematic_area, languages=languages,
    )
    nomination.full_clean()
    nomination.save()
    record_status_change(acting_user=actor.user, subject=nomination,
                         to_status=Nomination.Status.NOMINATED, created=True)
    invitation = _invitation_for_candidate(call=call, email=email, full_name=full_name,
                                           actor=actor, language=language)
    application = Application.objects.create(
        organisation=call.organisation, call=call, nomination=nomination, invitation=invitation,
        applicant=invitation.email_user(), country=country, thematic_area=thematic_area,
        full_name=nomination.full_name, email=email, agency=nomination.agency,
        rank=nomination.rank, gender=gender, years_of_service=years_of_service,
    )
    for code in languages:
        ApplicationLanguage.objects.create(
            organisation=call.organisation, application=application, language=code,
            level=ApplicationLanguage.Level.WORKING,
        )
    record_status_change(acting_user=actor.user, subject=application,
                         to_status=Application.Status.INVITED, created=True)
    return nomination


def _invitation_for_candidate(*, call: Call, email: str, full_name: str,
                              actor: Actor, language: str) -> Invitation:
    """The candidate joins the organisation as mentee or mentor through the usual invitation;
    its e-mail leads to the application."""
    pending = Invitation.objects.for_org(call.organisation).pending().filter(
        email=email, role=call.role_sought
    )
    existing = pending.select_for_update().first()
    if existing is None:
        try:
            # A savepoint: another nomination of the same person for another call may create
            # the invitation at the same moment; then that one is used.
            with transaction.atomic():
                return invitation_create(
                    actor=actor, email=email,
                    full_name=full_name, language=language or actor.user.language,
                    role=call.role_sought, country=None, projects=[],
                )
        except (IntegrityError, ValidationError):
            existing = pending.select_for_update().first()
            if existing is None:
                raise
    _queue_invitation_email(existing)
    return existing


@transaction.atomic
def nomination_withdraw(*, actor: Actor, nomination: Nomination) -> Nomination:
    nomination = (Nomination.objects.for_org(nomination.organisation)
                  .select_for_update().get(pk=nomination.pk))
    if nomination.status != Nomination.Status.NOMINATED:
        raise ValidationError(_("This nomination is already withdrawn."))
    if not nomination.call.accepts_nominations:
        raise ValidationError(_("The deadline has passed: a nomination can no longer be "
                                "withdrawn."))
    if nomination.application.status in DECISIONS:
        raise ValidationError(_("The coordinator has decided on this application: ask them to "
                                "change the decision instead."))
    application = (Application.objects.for_org(nomination.organisation)
                   .select_for_update().get(nomination=nomination))
    _withdraw(actor=actor, subjects=[nomination, application])
    invitation = application.invitation
    still_needed = invitation is not None and invitation.applications.exclude(
        status=Application.Status.WITHDRAWN
    ).exists()
    if invitation and invitation.status == Invitation.Status.PENDING and not still_needed:
        invitation_revoke(actor=actor, invitation=invitation)
    return nomination


def _withdraw(*, actor: Actor, subjects: list[Nomination | Application]) -> None:
    """Withdraws a nomination and its application (locked by the caller), each change in its
    history: one way for the focal point's withdrawal and the candidate's."""
    for subject in subjects:
        record_status_change(acting_user=actor.user, subject=subject,
                             to_status=subject.Status.WITHDRAWN)
        subject.status = subject.Status.WITHDRAWN
        subject.save(update_fields=["status", "updated_at"])


# --- Applications -----------------------------------------------------------------------------

# The text a candidate consents to; a new wording gets a new version, and each consent records
# the version it was given to (templates/participants/consent_<version>.html).
CONSENT_VERSION = "2026-12"


@transaction.atomic
def application_withdraw(*, actor: Actor, application: Application) -> Application:
    """The candidate withdraws before the coordinator decides. A nomination is withdrawn with
    the application, so its place returns to the country while the call takes nominations;
    the focal point who nominated is told."""
    application = (Application.objects.for_org(application.organisation)
                   .select_for_update(of=("self",))
                   .select_related("call", "nomination__nominated_by")
                   .get(pk=application.pk))
    if application.applicant_id != actor.user.pk:
        raise PermissionDenied  # only the candidate withdraws their own application
    if application.status not in (Application.Status.INVITED, Application.Status.SUBMITTED):
        raise ValidationError(_("The coordinator has decided on your application: write to "
                                "them if you can no longer take part."))
    nomination = application.nomination
    if nomination is None or nomination.status != Nomination.Status.NOMINATED:
        _withdraw(actor=actor, subjects=[application])
    else:
        _withdraw(actor=actor, subjects=[application, nomination])
        organisation = application.call.organisation
        notify(
            user=nomination.nominated_by, organisation=organisation,
            subject=gettext_lazy("%(name)s has withdrawn from %(call)s"),
            message=gettext_lazy("%(name)s has withdrawn from %(call)s: the place is free for "
                                 "another nomination while the call is open."),
            params={"name": application.full_name, "call": application.call.title},
            link=reverse("call_detail", args=[organisation.slug, application.call_id]),
        )
    return application


@transaction.atomic
def application_start(*, actor: Actor, call: Call, country: Country,
                      thematic_area: ThematicArea) -> Application:
    """A person puts themselves forward, where the call allows it (volunteer mentor pools)."""
    call = Call.objects.for_org(call.organisation).select_for_update().get(pk=call.pk)
    if not call.allow_self_nomination:
        raise ValidationError(_("This call takes nominations from focal points only."))
    if not call.accepts_nominations:
        raise ValidationError(call_closed_message(call))
    if not Membership.objects.for_org(call.organisation).filter(
        user=actor.user, role=call.role_sought
    ).exists():
        raise ValidationError(_("Only %(role)s of this organisation may put themselves forward "
                                "for this call.") % {"role": call.get_role_sought_display()})
    if Application.objects.for_org(call.organisation).filter(
        call=call, applicant=actor.user
    ).exclude(status=Application.Status.WITHDRAWN).exists():
        raise ValidationError(_("You have already applied to this call."))
    application = Application(
        organisation=call.organisation, call=call, applicant=actor.user, country=country,
        thematic_area=thematic_area, full_name=actor.user.full_name, email=actor.user.email,
        agency="", rank="",
    )
    application.full_clean(exclude=["agency", "rank"])  # the candidate fills them in next
    application.save()
    record_status_change(acting_user=actor.user, subject=application,
                         to_status=Application.Status.INVITED, created=True)
    return application


@transaction.atomic
def application_cv_store(*, actor: Actor, application: Application, cv) -> Application:
    """Stores a CV the form has checked on the candidate's draft, in a transaction of its own:
    a browser never sends a chosen file again, so a page refused for something else (consent
    missing, a field left empty, a criterion not met) must not lose it. The replaced CV goes
    once the new one is safely saved. `application` gets the stored CV too."""
    current = (Application.objects.for_org(application.organisation)
               .select_for_update().get(pk=application.pk))
    if current.status != Application.Status.INVITED:
        raise ValidationError(_("This application is submitted and can no longer be changed."))
    old_cv = current.cv
    old_name = old_cv.name
    current.cv = cv
    current.full_clean(exclude=[field.name for field in Application._meta.concrete_fields
                                if field.name != "cv"])
    current.save(update_fields=["cv", "updated_at"])
    if old_name:
        transaction.on_commit(lambda: old_cv.storage.delete(old_name))
    application.cv = current.cv
    return application


@transaction.atomic
def application_save(
    *, actor: Actor, application: Application, fields: dict, languages: dict[str, str],
    expertise_areas: list[ThematicArea], submit: bool = False, consent: bool = False,
) -> Application:
    """Saves what the candidate typed and, with `submit`, submits it in the same transaction:
    a refused submission saves nothing (the CV is stored on its own, application_cv_store).
    The status is read again under a lock, and never written here: a save that raced a
    withdrawal or a submission cannot undo it."""
    current = (Application.objects.for_org(application.organisation)
               .select_for_update().get(pk=application.pk))
    if current.status != Application.Status.INVITED:
        raise ValidationError(_("This application is submitted and can no longer be changed."))
    application.status = current.status
    for name, value in fields.items():
        setattr(application, name, value)
    application.full_clean()
    application.save(update_fields=[*fields, "updated_at"])
    application.expertise_areas.set(expertise_areas)
    application.languages.all().delete()
    ApplicationLanguage.objects.bulk_create([
        ApplicationLanguage(organisation_id=application.organisation_id,
                            application=application, language=code, level=level)
        for code, level in languages.items()
    ])
    if submit:
        application = application_submit(actor=actor, application=application, consent=consent)
    return application


@transaction.atomic
def application_submit(*, actor: Actor, application: Application,
                       consent: bool) -> Application:
    """Every problem at once, consent among them: the candidate mends them in one go."""
    application = (Application.objects.for_org(application.organisation)
                   .select_for_update().get(pk=application.pk))
    if application.status != Application.Status.INVITED:
        raise ValidationError(_("This application is already submitted."))
    if not application.call.accepts_nominations:
        raise ValidationError(call_closed_message(application.call))
    problems = submission_problems(application, consent=consent)
    if problems:
        raise ValidationError(problems)
    record_status_change(acting_user=actor.user, subject=application,
                         to_status=Application.Status.SUBMITTED)
    application.status = Application.Status.SUBMITTED
    application.submitted_at = timezone.now()
    application.consent_at = timezone.now()
    application.consent_version = CONSENT_VERSION
    application.save(update_fields=["status", "submitted_at", "consent_at", "consent_version",
                                    "updated_at"])
    return application


DECISIONS = (Application.Status.SHORTLISTED, Application.Status.RESERVE,
             Application.Status.DECLINED)


# Decisions that tell the applicant why.
REASON_NEEDED = (Application.Status.RESERVE, Application.Status.DECLINED)
REASON_NEEDED_MESSAGE = gettext_lazy(
    "Give a reason to keep in reserve or to decline: the applicant and their focal point "
    "receive it.")
# What each decision tells the applicant and their focal point: a shortlisting says so plainly
# (a coordinator's note on it stays with the coordinators, in the application's history); a
# reserve or a decline gives the coordinator's reason.
DECISION_MESSAGES: "dict[str, StrOrPromise]" = {
    Application.Status.SHORTLISTED: gettext_lazy(
        "Good news: the application of %(name)s to %(call)s is shortlisted. The coordinator "
        "now looks for the right partner; a proposed pairing will follow."),
    Application.Status.RESERVE: gettext_lazy(
        "The application of %(name)s to %(call)s is kept in reserve: it may be paired later, "
        "if a place opens. The coordinator's reason: %(reason)s"),
    Application.Status.DECLINED: gettext_lazy(
        "The application of %(name)s to %(call)s is not retained. The coordinator's reason: "
        "%(reason)s"),
}


DECISION_SUBJECTS: "dict[str, StrOrPromise]" = {
    Application.Status.SHORTLISTED: gettext_lazy("Shortlisted: %(name)s, %(call)s"),
    Application.Status.RESERVE: gettext_lazy("In reserve: %(name)s, %(call)s"),
    Application.Status.DECLINED: gettext_lazy("Not retained: %(name)s, %(call)s"),
}


@transaction.atomic
def application_decide(*, actor: Actor, application: Application, decision: str,
                       reason: str) -> Application:
    """The coordinator shortlists, keeps in reserve or declines. Keeping in reserve and
    declining need a reason, which the applicant and their focal point receive and read on
    the application; a note on a shortlisting is optional and stays in the history, which
    only the coordinators read. Both are told of the decision."""
    # Lock the application row only: PostgreSQL cannot lock the nullable side of the joins.
    application = (Application.objects.for_org(application.organisation)
                   .select_for_update(of=("self",))
                   .select_related("call", "nomination__nominated_by", "applicant")
                   .get(pk=application.pk))
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("Choose shortlist, reserve or decline.")})
    told = decision in REASON_NEEDED
    if told and not reason.strip():
        raise ValidationError({"reason": REASON_NEEDED_MESSAGE})
    if application.status not in (Application.Status.SUBMITTED, *DECISIONS):
        raise ValidationError(_("Only a submitted application can be decided."))
    record_status_change(acting_user=actor.user, subject=application, to_status=decision,
                         reason=reason.strip())
    application.status = decision
    application.decision_reason = reason.strip() if told else ""
    application.save(update_fields=["status", "decision_reason", "updated_at"])
    organisation = application.call.organisation
    recipients = [application.applicant]
    if application.nomination:
        recipients.append(application.nomination.nominated_by)
    for recipient in filter(None, recipients):
        notify(user=recipient, organisation=organisation,
               subject=DECISION_SUBJECTS[decision], message=DECISION_MESSAGES[decision],
               params={"name": application.full_name, "call": application.call.title,
                       "reason": application.decision_reason},
               link=reverse("application_edit", args=[organisation.slug, application.pk])
               if recipient == application.applicant else
               reverse("nomination_list", args=[organisation.slug]))
    return application


# --- The person's own account -----------------------------------------------------------------

@transaction.atomic
def profile_update(*, actor: Actor, full_name: str, language: str) -> User:
    """The person corrects their name or preferred language. The account is not audited field
    by field (programmes/privacy/register.py): the change is one entry in the trail of the
    organisation it was made in, naming the fields and not their values."""
    user = actor.user
    # Checked before the spaces are tidied: Python counts some control characters as spaces.
    # A name is one line: a tab or a line end in it is a control character too.
    if has_control_characters(full_name) or set(full_name) & {"\t", "\n", "\r"}:
        raise ValidationError({"full_name": CONTROL_CHARACTERS_MESSAGE})
    full_name = " ".join(full_name.split())
    if not full_name:
        raise ValidationError({"full_name": _("Give your full name.")})
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError({"language": _("Choose one of the platform's languages.")})
    changed = [name for name, value in (("full_name", full_name), ("language", language))
               if getattr(user, name) != value]
    if not changed:
        return user
    user.full_name, user.language = full_name, language
    user.full_clean(exclude=["password"])
    user.save(update_fields=changed)
    audit_record(event=AuditEntry.Event.CHANGED, organisation=actor.organisation, user=user,
                 obj=user, detail={"fields": changed})
    return user


def data_request_tell_admins(*, data_request: DataRequest) -> None:
    """Every admin of the organisation hears of a person's data request, with the link to the
    organisation's requests."""
    organisation = data_request.organisation
    admins = (Membership.objects.for_org(organisation).with_role(Role.ADMIN)
              .select_related("user"))
    for admin in {membership.user for membership in admins}:
        with translation.override(admin.language):
            kind = str(data_request.get_kind_display())
        notify(user=admin, organisation=organisation,
               subject=gettext_lazy("Data request to answer by %(due)s: %(kind)s"),
               message=gettext_lazy("A data request (%(kind)s) waits for your answer by "
                                    "%(due)s."),
               params={"kind": kind, "due": data_request.due_on},
               # The admins' page of requests (programmes/privacy).
               link=f"/{organisation.slug}/privacy/requests/")


# -- Single sign-on: an organisation's identity provider ---------------------------------------

def identity_provider_save(*, actor: Actor, values: dict) -> IdentityProvider:
    """The organisation admin connects (or changes) the organisation's identity provider. A
    blank secret keeps the one stored: it is never shown again."""
    access.require_role(actor=actor, roles=[Role.ADMIN])
    provider = IdentityProvider.objects.for_org(actor.organisation).first() \
        or IdentityProvider(organisation=actor.organisation)
    for name, value in values.items():
        if name == "client_secret" and not value:
            continue
        if name in {field.name for field in IdentityProvider._meta.fields}:
            setattr(provider, name, value)
    if provider.protocol == IdentityProvider.Protocol.OIDC and not provider.client_secret:
        raise ValidationError({"client_secret": _("Give the client secret the provider made.")})
    provider.save()
    return provider


def sso_account(*, provider: IdentityProvider, email: str) -> User | None:
    """The account an agency sign-in reaches, for an address the provider vouches for: a member
    of the provider's organisation with that address; or someone invited there who has not
    joined yet, whose invitation then makes their account (the provider vouched for the address
    as the invitation's link would). Nobody else: a sign-in never makes an account by itself."""
    organisation = provider.organisation
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is not None and Membership.objects.for_org(organisation).filter(user=user).exists():
        return user
    invitations = Invitation.objects.for_org(organisation).filter(email__iexact=email)
    invitation = next((each for each in invitations.order_by("-created_at") if each.is_usable),
                      None)
    if invitation is None:
        return None
    with transaction.atomic():
        membership = invitation_accept(invitation=invitation, user=user,
                                       full_name=invitation.full_name, password=None)
    return membership.user
