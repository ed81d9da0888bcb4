"""Templates ask the same access helper as views and services:
`{% load access %}{% may "manage" project as can_manage %}`."""

from django import template
from django.db.models import Model

from programmes import access

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context: template.Context, action: str, obj: Model) -> bool:
    """Whether the person acting on this page (request.actor) may do this to this object."""
    actor = getattr(context.get("request"), "actor", None)
    return actor is not None and access.may(actor=actor, action=action, obj=obj)
