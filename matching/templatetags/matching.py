from datetime import date
from functools import lru_cache

from django import template
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy

from matching import models
from matching.meetings.compliance import AHEAD, DONE, MISSED, OPEN, PeriodState

register = template.Library()


@register.filter
def explained(text: object) -> str:
    """A matching engine's reason, in the reader's language."""
    return models.explained(text)


SIGNS = {DONE: "✓", MISSED: "✗", OPEN: "…", AHEAD: "·"}
WORDS = {DONE: gettext_lazy("done"), MISSED: gettext_lazy("missed"),
         OPEN: gettext_lazy("under way"), AHEAD: gettext_lazy("ahead")}


@register.simple_tag
def periods(periods: list[PeriodState]) -> SafeString:
    """A pairing's months or 3-month periods as the compliance table shows them, each with its
    sign, its state for screen readers and its dates on hover. Built here rather than by a
    template included for each pairing: the table shows 25 pairings of up to 16 periods, and
    the included template's tags and date formatting were most of the page's time."""
    words = {state: str(word) for state, word in WORDS.items()}
    language = translation.get_language()
    items = format_html_join(
        "", '<li class="period-{}" title="{} \u2013 {}"><span class="visually-hidden">{}: </span>{}'
            '<span class="visually-hidden"> {}</span></li>',
        ((p.state, _day(p.period.first_day, language), _day(p.period.last_day, language),
          p.period.number, SIGNS[p.state], words[p.state]) for p in periods))
    return format_html('<ol class="periods" aria-label="{}">{}</ol>', gettext("Periods"), items)


@lru_cache(maxsize=8192)
def _day(day: date, language: str | None) -> str:
    # Pairings of one cohort share their months: each day is formatted once per language.
    return date_format(day)
