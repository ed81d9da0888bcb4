"""Every write to people, memberships and invitations."""

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from participants.models import (
    PROJECT_PERMISSION_OF_ROLE,
    Invitation,
    Membership,
    Role,
    User,
    hash_token,
)
from participants.selectors import projects_of_membership
from programmes.models import Country, Organisation, Project


def _set_projects(membership: Membership, projects: list[Project]) -> None:
    """A coordinator's or focal point's projects are guardian object permissions."""
    perm = PROJECT_PERMISSION_OF_ROLE.get(membership.role)
    if perm is None:
        return
    wanted = {p.pk: p for p in projects if p.organisation_id == membership.organisation_id}
    current = {p.pk: p for p in projects_of_membership(membership)}
    for pk in wanted.keys() - current.keys():
        assign_perm(perm, membership.user, wanted[pk])
    for pk in current.keys() - wanted.keys():
        remove_perm(perm, membership.user, current[pk])


@transaction.atomic
def invitation_create(
    *,
    acting_user: User,
    organisation: Organisation,
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
        invited_by=acting_user,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    if role in PROJECT_PERMISSION_OF_ROLE:
        invitation.projects.set(projects)
    _queue_invitation_email(invitation)
    return invitation


def _queue_invitation_email(invitation: Invitation) -> None:
    from participants.tasks import invitation_send

    invitation_send.delay_on_commit(invitation.organisation_id, invitation.pk)


def _pending_for_change(invitation: Invitation) -> Invitation:
    """The invitation, locked, if it is still pending: an accept running at the same moment
    must not be overwritten."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != Invitation.Status.PENDING:
        raise ValidationError(_("This invitation is no longer pending."))
    return locked


@transaction.atomic
def invitation_resend(*, acting_user: User, invitation: Invitation) -> Invitation:
    invitation = _pending_for_change(invitation)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation.save(update_fields=["expires_at", "updated_at"])
    _queue_invitation_email(invitation)
    return invitation


@transaction.atomic
def invitation_new_token(*, invitation: Invitation) -> str:
    """A fresh secret for the link about to be sent; earlier links stop working."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.save(update_fields=["token_hash", "updated_at"])
    return token


@transaction.atomic
def invitation_revoke(*, acting_user: User, invitation: Invitation) -> Invitation:
    invitation = _pending_for_change(invitation)
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status", "updated_at"])
    return invitation


@transaction.atomic
def invitations_expire() -> int:
    return Invitation.objects.expired_but_pending().update(
        status=Invitation.Status.EXPIRED, updated_at=timezone.now()
    )


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user: User | None, full_name: str = "", password: str = ""
) -> Membership:
    """Turns an invitation into a membership. A person new to the platform gets an account
    whose e-mail address counts as verified: the link reached them at that address."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise ValidationError(_("This invitation is no longer valid."))
    if user is None:
        user = User.objects.create_user(
            invitation.email, password, full_name=full_name.strip(), language=invitation.language
        )
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    elif user.email.lower() != invitation.email:
        raise ValidationError(_("This invitation was sent to another e-mail address."))
    else:
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True}
        )
    membership, _created = Membership.objects.get_or_create(
        organisation=invitation.organisation,
        user=user,
        role=invitation.role,
        defaults={"country": invitation.country},
    )
    _set_projects(
        membership, list(set(projects_of_membership(membership)) | set(invitation.projects.all()))
    )
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
    return membership


@transaction.atomic
def membership_remove(*, acting_user: User, membership: Membership) -> None:
    if membership.role == Role.ADMIN:
        if membership.user_id == acting_user.pk:
            raise ValidationError(_("Another organisation admin must remove you as admin."))
        # Locked, so that two admins removing each other at once cannot leave none.
        admins = list(
            Membership.objects.for_org(membership.organisation).with_role(Role.ADMIN)
            .select_for_update()
        )
        if not [admin for admin in admins if admin.pk != membership.pk]:
            raise ValidationError(_("An organisation keeps at least one organisation admin."))
    _set_projects(membership, [])
    membership.delete()
