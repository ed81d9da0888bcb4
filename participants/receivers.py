"""participants listening to the layer below: a call's status history and the notifications of
its focal points (programmes/signals.py)."""

from django.dispatch import receiver

from participants import services
from programmes.signals import call_countries_invited, call_status_changing


@receiver(call_status_changing, dispatch_uid="participants.call_status_changing")
def record_call_status(sender, *, call, acting_user, to_status, **kwargs) -> None:
    services.record_status_change(acting_user=acting_user, subject=call, to_status=to_status)


@receiver(call_countries_invited, dispatch_uid="participants.call_countries_invited")
def tell_focal_points(sender, *, call, countries, **kwargs) -> None:
    services.call_focal_points_tell(call=call, countries=countries)
