"""Country, language and date names from CLDR (through Babel), in the active language, so that
none is translated by hand and each language writes every date one way: on pages, in mails,
in PDFs and in the human columns of exports."""

from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_skeleton, format_time
from django.utils import timezone, translation


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    return Locale.parse(translation.to_locale(language or "en"))


def active_locale() -> Locale:
    return _locale(translation.get_language() or "en")


def country_name(code: str, fallback: str = "") -> str:
    """The country of this ISO 3166 code, as the active language names it."""
    return active_locale().territories.get(code.upper()) or fallback or code


def language_name(code: str) -> str:
    """The language of this ISO 639 code, as the active language names it."""
    return active_locale().languages.get(code) or code


def day(value: date) -> str:
    """A day, CLDR's "yMMMd": Dec 4, 2026 · 4 déc. 2026 · 4 ديسمبر 2026."""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_skeleton("yMMMd", value, locale=active_locale())


def moment(value: datetime) -> str:
    """A day and its time, in the platform's time zone: Dec 4, 2026, 3:34 PM ·
    4 déc. 2026, 15:34 · 4 ديسمبر 2026، 3:34 م."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    locale = active_locale()
    # CLDR's pattern joining a date and a time ("{1}, {0}"), without its quoted literals' quotes.
    joined = str(locale.datetime_formats["medium"]).replace("'", "")
    return joined.format(format_time(value, "short", locale=locale), day(value))


def month(value: date) -> str:
    """A month of a year: Dec 2026 · déc. 2026 · ديسمبر 2026."""
    return format_skeleton("yMMM", value, locale=active_locale())
