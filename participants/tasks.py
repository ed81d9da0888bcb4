"""Mails sent in the background, and the hourly expiry of invitations. Services queue these
tasks (after the commit); the tasks call no service back."""

import secrets

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from participants.models import Invitation, Notification, hash_token
from programmes.models import Organisation


@shared_task(
    autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=600, max_retries=8,
    soft_time_limit=60, time_limit=90,
)
def invitation_send(organisation_id: int, invitation_id: int) -> None:
    """E-mails the invitation with a fresh link, in the language the admin chose for it."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    invitation = (
        Invitation.objects.for_org(organisation)
        .filter(pk=invitation_id)
        .select_related("organisation", "invited_by", "country")
        .first()
    )
    if invitation is None or not invitation.is_usable:
        return
    # A fresh secret for the link about to be sent: earlier links stop working.
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.save(update_fields=["token_hash", "updated_at"])
    context = {
        "invitation": invitation,
        "link": settings.SITE_URL + reverse("invitation_accept", kwargs={"token": token}),
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    with translation.override(invitation.language):
        subject = render_to_string("participants/email/invitation_subject.txt", context).strip()
        text = render_to_string("participants/email/invitation.txt", context)
        html = render_to_string("participants/email/invitation.html", context)
    message = EmailMultiAlternatives(subject, text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()


@shared_task(
    autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=600, max_retries=8,
    soft_time_limit=60, time_limit=90,
)
def email_send(
    *, subject: str, body: str, subtype: str, to: list[str], alternatives: list[tuple[str, str]]
) -> None:
    """Sends a mail already rendered by the web process (allauth's account mails)."""
    message = EmailMultiAlternatives(subject, body, to=to)
    message.content_subtype = subtype
    for content, mimetype in alternatives:
        message.attach_alternative(content, mimetype)
    message.send()


@shared_task(
    autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=600, max_retries=8,
    soft_time_limit=60, time_limit=90,
)
def notification_email(organisation_id: int, notification_id: int) -> None:
    """The e-mail twin of a notification in the app."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    notification = (
        Notification.objects.for_org(organisation).filter(pk=notification_id)
        .select_related("user", "organisation").first()
    )
    if notification is None:
        return
    context = {
        "notification": notification,
        "link": settings.SITE_URL + notification.link if notification.link else "",
    }
    with translation.override(notification.user.language):
        subject = render_to_string("participants/email/notification_subject.txt", context)
        text = render_to_string("participants/email/notification.txt", context)
    EmailMultiAlternatives(subject.strip(), text, to=[notification.user.email]).send()


@shared_task(soft_time_limit=60, time_limit=90)
def invitations_expire() -> int:
    """Hourly (config/celery.py): pending invitations past their date become expired."""
    return sum(Invitation.objects.for_org(organisation).expired_but_pending().update(
        status=Invitation.Status.EXPIRED, updated_at=timezone.now())
        for organisation in Organisation.objects.all())
