"""A person's tokens go with their last role in the organisation: one who leaves keeps no key
to it (a token of a non-member opens nothing anyway, see api.views.ApiView)."""

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver

from api.models import ApiToken
from participants.models import Membership


@receiver(post_delete, sender=Membership)
def tokens_go_with_the_last_membership(sender: Any, instance: Membership, **kwargs: Any) -> None:
    organisation = instance.organisation
    if not Membership.objects.for_org(organisation).filter(user_id=instance.user_id).exists():
        ApiToken.objects.for_org(organisation).filter(user_id=instance.user_id).delete()
