from datetime import date
from functools import lru_cache

from django import template
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy

from matching import models
from matching.meetings.compliance import (
    AHEAD,
    DONE,
    DUE,
    LATE,
    MISSED,
    OPEN,
    Deadline,
    PeriodState,
)
from programmes import cldr

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
    language = translation.get_language()
    items = "".join(_period(p.state, p.period.number, p.period.first_day, p.period.last_day,
                            language) for p in periods)
    return format_html('<ol class="periods" aria-label="{}">{}</ol>', gettext("Periods"),
                       SafeString(items))


@register.simple_tag
def deadline(deadline: Deadline, report: bool = False) -> SafeString:
    """A deadline (the first visit, a report) in words: due, done or late, and on which day."""
    return _deadline(deadline.state, deadline.due, deadline.held, report,
                     translation.get_language())


# Pairings of one cohort share their months and deadlines: each item is built once per
# language (the argument keys the cache; the text is made in the language active, the same).
@lru_cache(maxsize=8192)
def _period(state: str, number: int, first: date, last: date,
            language: str | None) -> SafeString:
    return format_html(
        '<li class="period-{}" title="{} \u2013 {}"><span class="visually-hidden">{}: </span>{}'
        '<span class="visually-hidden"> {}</span></li>',
        state, cldr.day(first), cldr.day(last), number, SIGNS[state], WORDS[state])


@lru_cache(maxsize=8192)
def _deadline(state: str, due: date, held: date | None, report: bool,
              language: str | None) -> SafeString:
    if state == DONE:
        text = (gettext("handed in on %(day)s") if report else gettext("held on %(day)s")) % {
            "day": cldr.day(held or due)}
    elif state == LATE and held:
        text = (gettext("handed in late, on %(day)s") if report
                else gettext("held late, on %(day)s")) % {"day": cldr.day(held or due)}
    else:
        text = DEADLINE_WORDS.get(state, DEADLINE_WORDS[AHEAD]) % {"day": cldr.day(due)}
    return format_html('<span class="deadline deadline-{}">{}</span>', state, text)


DEADLINE_WORDS = {LATE: gettext_lazy("late (due %(day)s)"),
                  MISSED: gettext_lazy("missed (due %(day)s)"),
                  DUE: gettext_lazy("due now (%(day)s)"),
                  AHEAD: gettext_lazy("by %(day)s")}
