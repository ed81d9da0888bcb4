"""Horizontal bar charts drawn as SVG on the server, so that one chart serves both the HTML page
(inline <svg>) and the PDF that WeasyPrint renders from the same HTML.

WeasyPrint draws SVG with a subset of its own, so the markup keeps to what it supports: <g>,
<rect>, <text> and <title>, presentation attributes rather than CSS (the page's stylesheet does
not reach the PDF, and a class would make the two differ), and `dy` rather than
`dominant-baseline` to centre text on a bar. Nothing measures text here: widths are estimated
from the characters, generously, and long labels are shortened.

Labels, titles and series names come from users: every one of them goes into the markup through
`format_html`, which escapes it; colours are checked against #rrggbb before they are written.

Arabic labels carry direction="rtl", which browsers honour. WeasyPrint 70 does not: it draws SVG
text one code point at a time in logical order, so Arabic in a chart comes out unjoined and
mirrored in the PDF whatever the attributes say (Kozea/WeasyPrint#2249, #2909). A strict xfail in
tests/test_charts.py will start failing once WeasyPrint draws it right.
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

# Units of the viewBox. The <svg> is 100% wide and scales to its container, so these are
# proportions more than pixels: at a phone's width the whole chart shrinks together.
WIDTH = 640
PAD = 8
GAP = 6
FONT_SIZE = 12
TITLE_SIZE = 14
TITLE_HEIGHT = 26
ROW_HEIGHT = 26
BAR_HEIGHT = 16
LEGEND_LINE = 20
SWATCH = 12
MIN_BAR_AREA = 120
LABEL_CHARS = 34  # room for "Fundamental rights and organised…" beside a bar that still shows
TITLE_CHARS = 70
# Moves a baseline from a row's middle down to where the text looks centred (about half the
# height of a capital), since WeasyPrint has no dominant-baseline="central" of its own.
CENTRE_DY = 0.35

FONT_FAMILY = "'Noto Sans', 'Noto Naskh Arabic', sans-serif"
INK = "#1a1a1a"
MUTED = "#5f6368"
AXIS = "#9aa0a6"
ON_DARK = "#ffffff"
DEFAULT_COLOUR = "#1f4e79"  # an organisation's colour when it has not chosen one
# Told apart by people with the common colour-vision deficiencies (after Okabe and Ito).
DEFAULT_PALETTE = ("#1f4e79", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
                   "#7f7f7f", "#f0e442")

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# Characters XML 1.0 does not allow (C0 controls other than tab and newlines, lone surrogates,
# U+FFFE/U+FFFF): one of them in a label would make the whole SVG unreadable to an XML parser.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class _Row:
    label: str
    values: list[int]

    @property
    def total(self) -> int:
        return sum(self.values)


def bar_chart(*, title: str, rows: list[tuple[str, int]], colour: str) -> SafeString:
    """One bar per (label, value), the value at the end of each bar."""
    checked = [_Row(_clean(label), [_count(value)]) for label, value in rows]
    return _chart(title=_clean(title), rows=checked, series=[],
                  colours=[_colour(colour, DEFAULT_COLOUR)])


def stacked_bar_chart(*, title: str, rows: list[tuple[str, list[int]]], series: list[str],
                      colours: list[str]) -> SafeString:
    """One bar per label made of one segment per series (in the order of `series`), each
    segment's value inside it where it fits, the total at the end, and a legend."""
    checked: list[_Row] = []
    for label, values in rows:
        if len(values) != len(series):
            raise ValueError(
                f"{len(values)} values for {len(series)} series in the row {label!r}")
        checked.append(_Row(_clean(label), [_count(value) for value in values]))
    fills = [
        _colour(colours[index] if index < len(colours) else None,
                DEFAULT_PALETTE[index % len(DEFAULT_PALETTE)])
        for index in range(len(series))
    ]
    return _chart(title=_clean(title), rows=checked, series=[_clean(name) for name in series],
                  colours=fills)


def _chart(*, title: str, rows: list[_Row], series: list[str], colours: list[str]) -> SafeString:
    stacked = bool(series)
    # With a single series a segment's value would only repeat the total beside it.
    segment_values = len(series) > 1
    largest = max((row.total for row in rows), default=0)
    parts = [_text(_shorten(title, TITLE_CHARS), x=PAD, y=PAD + TITLE_SIZE, side="left",
                   size=TITLE_SIZE, bold=True)]
    top = PAD + TITLE_HEIGHT

    if largest == 0:
        # Nothing to scale a bar against: a short note instead of a row of empty bars.
        no_data = _("No data")
        parts.append(_text(no_data, x=PAD, y=top + FONT_SIZE, side="left", fill=MUTED))
        return _svg(title=title, summary=_sentence(title, no_data),
                    height=top + FONT_SIZE + 2 * PAD, parts=parts)

    if stacked:
        legend, legend_height = _legend(series, colours, top=top)
        parts.append(legend)
        top += legend_height

    labels = [_shorten(row.label, LABEL_CHARS) for row in rows]
    label_right = PAD + max(_estimate_width(label, FONT_SIZE) for label in labels)
    bar_left = label_right + GAP
    # The total of a stacked bar is bold, so that it stands apart from the segments' values.
    total_width = _estimate_width(str(largest), FONT_SIZE) * (1.1 if stacked else 1)
    bar_area = max(WIDTH - PAD - total_width - GAP - bar_left, MIN_BAR_AREA)

    for index, (row, label) in enumerate(zip(rows, labels, strict=True)):
        row_top = top + index * ROW_HEIGHT
        middle = row_top + ROW_HEIGHT / 2
        bar_top = row_top + (ROW_HEIGHT - BAR_HEIGHT) / 2
        pieces = [_text(label, x=label_right, y=middle, side="right", centred=True)]
        # Segment edges come from running totals, so that rounding leaves neither gaps nor
        # overlaps and the last edge is exactly the total's length.
        running = 0
        left = bar_left
        for value, fill, name in zip(row.values, colours, series or [""], strict=True):
            running += value
            right = bar_left + bar_area * running / largest
            if value:
                tooltip = f"{name}: {value}" if name else f"{row.label}: {value}"
                pieces.append(format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title>'
                    "</rect>",
                    _num(left), _num(bar_top), _num(right - left), BAR_HEIGHT, fill, tooltip))
                value_text = str(value)
                if segment_values and right - left >= _estimate_width(value_text, FONT_SIZE) + GAP:
                    pieces.append(_text(value_text, x=(left + right) / 2, y=middle,
                                        side="middle", fill=_ink_on(fill), centred=True))
            left = right
        pieces.append(_text(str(row.total), x=left + GAP / 2, y=middle, side="left",
                            bold=stacked, centred=True))
        parts.append(format_html("<g><title>{}</title>{}</g>", row.label, _join(pieces)))

    rows_height = len(rows) * ROW_HEIGHT
    # The axis the bars grow from, just left of them so that it covers no part of a bar.
    parts.append(format_html('<rect x="{}" y="{}" width="1" height="{}" fill="{}"/>',
                             _num(bar_left - 1), top, rows_height, AXIS))
    return _svg(title=title, summary=_summary(title, rows, series), height=top + rows_height + PAD,
                parts=parts)


def _legend(series: list[str], colours: list[str], *, top: float) -> tuple[SafeString, int]:
    """The series' swatches and names, wrapped onto as many lines as they need."""
    items = []
    x: float = PAD
    line = 0
    for name, fill in zip(series, colours, strict=True):
        shown = _shorten(name, LABEL_CHARS)
        item_width = SWATCH + GAP + _estimate_width(shown, FONT_SIZE)
        if x > PAD and x + item_width > WIDTH - PAD:
            x, line = PAD, line + 1
        line_top = top + line * LEGEND_LINE
        items.append(format_html(
            '<g><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>{}</g>',
            name, _num(x), _num(line_top + (LEGEND_LINE - SWATCH) / 2 - 2), SWATCH, SWATCH,
            fill, _text(shown, x=x + SWATCH + GAP, y=line_top + LEGEND_LINE / 2 - 2,
                        side="left", centred=True)))
        x += item_width + 3 * GAP
    return _join(items), (line + 1) * LEGEND_LINE + GAP


def _svg(*, title: str, summary: str, height: float, parts: list[SafeString]) -> SafeString:
    # direction="ltr" on the root: inside a right-to-left page a browser would otherwise pass
    # the page's direction down to every <text> and swap what text-anchor's start and end mean.
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-label="{}" direction="ltr" font-family="{}" font-size="{}" font-weight="400" '
        'font-style="normal"><title>{}</title>{}</svg>',
        WIDTH, _num(height), summary, FONT_FAMILY, FONT_SIZE, title, _join(parts))


def _summary(title: str, rows: list[_Row], series: list[str]) -> str:
    """What a screen reader says for the whole chart: the title, then every row's value."""
    if not series:
        pairs = [f"{row.label}: {row.total}" for row in rows]
    else:
        pairs = [
            f"{row.label}: {row.total} ("
            + ", ".join(f"{name} {value}" for name, value in zip(series, row.values, strict=True))
            + ")"
            for row in rows
        ]
    return _sentence(title, "; ".join(pairs))


def _sentence(title: str, rest: str) -> str:
    return f"{title}. {rest}" if title else rest


def _text(content: str, *, x: float, y: float, side: Literal["left", "right", "middle"],
          size: int = FONT_SIZE,
          bold: bool = False, fill: str = INK, centred: bool = False) -> SafeString:
    """A line of text whose `side` ("left", "right" or "middle") is at x, whatever the text's
    own direction.

    text-anchor's start and end follow the text's direction: a right-to-left label anchored at
    its right edge is "start", a left-to-right one "end". Browsers and WeasyPrint agree on this
    once `direction` is set on the element itself.
    """
    direction = _direction(content)
    if side == "middle":
        anchor = "middle"
    elif (side == "left") == (direction == "ltr"):
        anchor = "start"
    else:
        anchor = "end"
    return format_html(
        '<text x="{}" y="{}" dy="{}" text-anchor="{}" direction="{}" unicode-bidi="embed" '
        'font-size="{}" font-weight="{}" fill="{}">{}</text>',
        _num(x), _num(y), _num(CENTRE_DY * size if centred else 0), anchor, direction, size,
        700 if bold else 400, fill, content)


def _join(parts: list[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


def _clean(text: str) -> str:
    """A label on one line, with nothing in it that XML refuses."""
    return WHITESPACE.sub(" ", NOT_XML.sub("", str(text))).strip()


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = limit - 1
    # Not between a letter and its combining marks (Arabic vowel signs, accents), which would
    # leave a mark on its own after the cut.
    while cut > 0 and unicodedata.combining(text[cut]):
        cut -= 1
    return text[:cut].rstrip() + "…"


def _direction(text: str) -> str:
    """The direction of the first letter that has one, as HTML's dir="auto" decides: a label
    in Arabic reads right to left even when it starts with a number."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def _estimate_width(text: str, size: float) -> float:
    """Roughly how wide Noto Sans draws this text, erring wide: an estimate too narrow would
    let a label run into its bar."""
    ems = 0.0
    for character in text:
        if unicodedata.east_asian_width(character) in ("W", "F"):
            ems += 1.0
        elif character in "mwMW@%":
            ems += 0.95
        elif character in " .,:;'!|()[]ijlrtfI":
            ems += 0.34
        elif character.isupper():
            ems += 0.7
        elif unicodedata.combining(character):
            pass
        else:
            ems += 0.58
    return ems * size


def _colour(value: object, fallback: str) -> str:
    """The colour if it is #rrggbb, else the fallback: a colour is written into an attribute,
    and anything else (a url(), a quote) could change what the SVG does."""
    if isinstance(value, str) and HEX_COLOUR.fullmatch(value):
        return value.lower()
    return fallback


def _ink_on(colour: str) -> str:
    """Dark or white text, whichever stands out more on this #rrggbb (WCAG's contrast)."""
    channels = [int(colour[start:start + 2], 16) / 255 for start in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # Contrast with white is 1.05 / (L + 0.05); with near-black ink about (L + 0.05) / 0.06.
    return ON_DARK if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.06 else INK


def _count(value: int) -> int:
    # A float or a Decimal would print as "3.0"; a negative count has no bar to draw.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"A chart's values are whole numbers, not {value!r}")
    if value < 0:
        raise ValueError(f"A chart's values cannot be negative: {value}")
    return value


def _num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
