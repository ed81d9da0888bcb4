import re
import unicodedata

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def direction(text: object) -> str:
    """"rtl" or "ltr", from the first letter of a user's text (its first strong character, as
    `dir="auto"` does in a browser): WeasyPrint does not apply `dir="auto"`, so the PDFs say
    the direction outright."""
    for character in str(text or ""):
        kind = unicodedata.bidirectional(character)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "auto"


# Dates, phone numbers and reference codes: digits joined by - / . or spaces.
NUMBERS = re.compile(r"\+?\d[\d\-/.]*\d")


@register.filter
def isolate_numbers(text: object) -> SafeString:
    """The text, escaped, with its dates and numbers isolated left to right: inside Arabic, a
    bare 2026-03-15 would print as 15-03-2026. Each piece is escaped on its own, so that no
    escaped character (&#x27;) is split by the markup."""
    text = str(text)
    pieces, start = [], 0
    for number in NUMBERS.finditer(text):
        pieces.append(conditional_escape(text[start:number.start()]))
        pieces.append(format_html('<bdi dir="ltr">{}</bdi>', number.group(0)))
        start = number.end()
    pieces.append(conditional_escape(text[start:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece escaped above
