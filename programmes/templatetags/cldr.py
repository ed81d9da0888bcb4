"""What every template needs to write for readers of three languages, built into every template
(config/settings: TEMPLATES builtins): the CLDR names and dates of programmes/cldr.py
({{ meeting.held_on|day }}, {{ report.submitted_at|moment }}, {{ code|language }},
{{ code|country }}) and people's own words set apart in their direction ({{ name|isolated }})."""

from datetime import date, datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from programmes import cldr

register = template.Library()


@register.filter
def day(value: object) -> str:
    if isinstance(value, str):  # a day kept as ISO text (JSON)
        try:
            return cldr.day(date.fromisoformat(value))
        except ValueError:
            return value
    return cldr.day(value) if isinstance(value, date) else ""


@register.filter
def moment(value: object) -> str:
    if isinstance(value, datetime):
        return cldr.moment(value)
    return cldr.day(value) if isinstance(value, date) else ""


@register.filter
def month(value: object) -> str:
    return cldr.month(value) if isinstance(value, date) else ""


@register.filter
def language(code: object) -> str:
    return cldr.language_name(str(code)) if code else ""


@register.filter
def country(code: object) -> str:
    return cldr.country_name(str(code)) if code else ""


@register.filter
def isolated(text: object) -> SafeString:
    """A person's or an organisation's own words (a name, a title) set apart from the sentence
    around them, escaped: inside Arabic, "Salma Idrissi." keeps its full stop after the name,
    and inside English an Arabic name keeps its own order."""
    return format_html("<bdi>{}</bdi>", text)
