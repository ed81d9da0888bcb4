"""participants listening to the layer below: a call's status history and the notifications of
its focal points (programmes/signals.py), the admins told of a person's data request, the
sign-ins in the audit trail, and the account closing when its last membership is erased
(programmes/privacy)."""

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authentication_failed as mfa_authentication_failed
from django.contrib.auth.hashers import make_password
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.db.models import ProtectedError
from django.dispatch import receiver

from participants import services
from participants.models import Membership, User
from programmes.models import AuditEntry, Organisation
from programmes.privacy.services import (
    ERASED_DOMAIN,
    ERASED_NAME,
    audit_record_for_person,
    on_erasure,
)
from programmes.signals import call_countries_invited, call_status_changing, data_request_made


@receiver(call_status_changing, dispatch_uid="participants.call_status_changing")
def record_call_status(sender, *, call, acting_user, to_status, **kwargs) -> None:
    services.record_status_change(acting_user=acting_user, subject=call, to_status=to_status)


@receiver(call_countries_invited, dispatch_uid="participants.call_countries_invited")
def tell_focal_points(sender, *, call, countries, **kwargs) -> None:
    services.call_focal_points_tell(call=call, countries=countries)


@receiver(data_request_made, dispatch_uid="participants.data_request_made")
def tell_admins_of_data_request(sender, *, data_request, **kwargs) -> None:
    services.data_request_tell_admins(data_request=data_request)


# -- The audit trail of sign-ins (programmes/privacy) -------------------------------------------

def _address(request: Any) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in, dispatch_uid="participants.audit_signed_in")
def audit_signed_in(sender, *, request=None, user, **kwargs) -> None:
    audit_record_for_person(event=AuditEntry.Event.SIGNED_IN, user=user,
                            remote_addr=_address(request))


@receiver(user_login_failed, dispatch_uid="participants.audit_sign_in_failed")
def audit_sign_in_failed(sender, *, credentials, request=None, **kwargs) -> None:
    email = str(credentials.get("email") or credentials.get("username") or "").strip().lower()
    user = User.objects.filter(email__iexact=email).first() if email else None
    audit_record_for_person(event=AuditEntry.Event.SIGN_IN_FAILED, user=user,
                            remote_addr=_address(request), email=email[:254] or None)


@receiver(mfa_authentication_failed, dispatch_uid="participants.audit_mfa_failed")
def audit_mfa_failed(sender, *, request=None, user, **kwargs) -> None:
    audit_record_for_person(event=AuditEntry.Event.MFA_FAILED, user=user,
                            remote_addr=_address(request))


# -- Erasure: the account closes with the last membership ----------------------------------------

@on_erasure
def account_close(*, organisation: Organisation, user: User, stand_in: User) -> None:
    """A person with no membership left loses their account. Where another organisation's
    records still point at it (a membership ended long ago), the account is emptied in place
    instead: no address, no name, no password, no way in."""
    if Membership.unscoped.filter(user=user).exists():
        return
    try:
        with transaction.atomic():
            user.delete()
    except ProtectedError:
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(
            email=f"erased-{user.pk}@{ERASED_DOMAIN}", full_name=ERASED_NAME,
            password=make_password(None), is_active=False, is_staff=False,
            is_superuser=False, calendar_token_hash="", last_login=None)
