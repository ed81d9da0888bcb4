"""What typed text may hold, in one place. Every form of the apps mixes in `CleanTextForm`,
which gives each of its text fields the rule; the report's autosave (reporting.services) and
allauth's account forms (participants.adapters) call `refuse_control_characters` themselves."""

import re

from babel.numbers import list_currencies
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

# The C0 controls but tab, line feed and carriage return, then DEL and the C1 controls.
# PostgreSQL refuses NUL in text and JSON (a server error, where SQLite stores it); the others
# are invisible on the page, make the XLSX exports fail, and nobody means to type them.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

CONTROL_CHARACTERS_MESSAGE = _("Remove the control characters (such as NUL) from this text.")


def currency_code(value: str) -> None:
    """An ISO 4217 currency code that CLDR (through Babel) knows: EUR, MAD, TND."""
    if value not in list_currencies():
        raise ValidationError(_("“%(code)s” is not an ISO 4217 currency code (such as EUR)."),
                              code="currency", params={"code": value})


def has_control_characters(value: object) -> bool:
    """In a text, or anywhere in a list or dictionary of texts (what a JSON field holds)."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.search(value) is not None
    if isinstance(value, dict):
        return any(has_control_characters(item) for pair in value.items() for item in pair)
    if isinstance(value, list | tuple):
        return any(has_control_characters(item) for item in value)
    return False


# Text starting with one of these is a formula to a spreadsheet, which also takes the full-width
# forms (U+FF1D, U+FF0B, U+FF0D, U+FF20: East Asian input methods type them) for the plain ones
# and skips whitespace before them: so they count after leading spaces or line breaks too.
FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
# A tab or line break at the very start counts whatever follows (OWASP's advice).
UNSAFE_FIRST = frozenset("\t\r\n")


def runs_as_formula(value: str) -> bool:
    """Whether a spreadsheet would run this text as a formula, were it typed in a cell or read
    from a CSV file: the one rule for the exports (which neutralise it) and the import (which
    refuses it)."""
    return value[:1] in UNSAFE_FIRST or value.lstrip()[:1] in FORMULA_STARTS


def refuse_control_characters(value: object) -> None:
    """The validator: a text with control characters is refused, whole, with the message."""
    if has_control_characters(value):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")


class CleanTextForm(forms.BaseForm):
    """Mixed into every form of the apps (tests/platform/test_bad_input.py checks it):
    each text field refuses control characters, next to the field, before anything is saved.
    Django's own check covers NUL only, so it gives way to this one (one message, not two)."""

    def full_clean(self) -> None:
        # Here rather than in __init__: several forms add their fields after it (reports,
        # the matching page, applications).
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and \
                    refuse_control_characters not in field.validators:
                field.validators = [
                    *(validator for validator in field.validators
                      if not isinstance(validator, ProhibitNullCharactersValidator)),
                    refuse_control_characters]
        super().full_clean()


class CleanForm(CleanTextForm, forms.Form):
    """A plain form with the rule, for the filters (each FilterSet's `Meta.form`)."""
