from django import template

from matching import models

register = template.Library()


@register.filter
def explained(text: object) -> str:
    """A matching engine's reason, in the reader's language."""
    return models.explained(text)

