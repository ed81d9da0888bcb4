"""Horizontal bar charts made on the server as HTML with small inline SVGs, so that one chart
serves both the HTML page and the PDF that WeasyPrint renders from the same HTML.

All the words (title, labels, legend, "No data") are HTML. WeasyPrint 70 draws SVG <text> one code
point at a time in logical order, so Arabic inside an SVG comes out unjoined and mirrored in the
PDF (Kozea/WeasyPrint#2249, #2909), while Arabic in HTML is shaped like the rest of the page. The
SVGs draw only the bars, and inside a stacked bar the segments' values: digits, which SVG draws
right anywhere.

The markup, styled by the "Charts" sections of static/css/app.css and static/css/pdf.css:

    <figure class="chart" dir="ltr|rtl">
      <figcaption class="chart-title">title</figcaption>
      <p class="chart-summary">label: value; ...</p>   (for screen readers only)
      <div class="chart-body" aria-hidden="true">
        <ul class="chart-legend"><li><svg class="chart-swatch">…</svg>series</li>…</ul>
        <table class="chart-rows"><tr>
          <th class="chart-label"><span class="chart-label-text">label</span></th>
          <td class="chart-bar"><svg class="chart-bars">rects…</svg></td>
          <td class="chart-value">total</td></tr>…</table></div></figure>

The figcaption names the figure, so the figure needs no role or aria-label of its own: a figure
with a figcaption may not be role="group" (the Nu HTML checker refuses it).

A bar's SVG has no viewBox: its rects and texts are placed in per cent of its width, so the bars
stretch with the column while the digits keep their size. The chart takes the direction of the
active language (the page's): in Arabic the labels are on the right and the bars grow leftwards
from them. Each text that could be in either script carries the direction of its first strong
letter, as dir="auto" would decide it, because WeasyPrint does not implement dir="auto".

Labels, titles and series names come from users: every one of them goes into the markup through
`format_html`, which escapes it; colours are checked against #rrggbb before they are written, as
attributes (the site's Content-Security-Policy forbids inline style="").
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from reporting.selectors import CHARTED, SERIES_LABELS, Highlights

SVG_NS = "http://www.w3.org/2000/svg"
BAR_HEIGHT = 16  # px; the stylesheets set the height they want (1.1rem on the page, 11pt in PDF)
VALUE_SIZE = 11  # px, the segments' values inside a stacked bar
SWATCH = 10  # px, a legend's colour square
LABEL_CHARS = 34  # longer labels are shortened, whole in their tooltip and the summary
# A segment shows its value only where the digits fit. The bars' column is about 420px wide in
# an A4 PDF and wider on a desktop, but only about 150px on a phone: a value that fits in
# WIDE_TRACK is drawn, and hidden on narrow screens (class chart-tight) unless it fits in
# NARROW_TRACK too.
WIDE_TRACK = 300
NARROW_TRACK = 140
VALUE_PADDING = 6

FONT_FAMILY = "'Noto Sans', sans-serif"
INK = "#1a1a1a"
ON_DARK = "#ffffff"
DEFAULT_COLOUR = "#1f4e79"  # an organisation's colour when it has not chosen one
# Told apart by people with the common colour-vision deficiencies (after Okabe and Ito).
DEFAULT_PALETTE = ("#1f4e79", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
                   "#7f7f7f", "#f0e442")

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# Characters XML 1.0 does not allow (C0 controls other than tab and newlines, lone surrogates,
# U+FFFE/U+FFFF): the SVGs are XML, and the PDF's renderer parses the page as a whole.
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
    """One bar per (label, value), the value after each bar."""
    checked = [_Row(_clean(label), [_count(value)]) for label, value in rows]
    return _chart(title=_clean(title), rows=checked, series=[],
                  colours=[_colour(colour, DEFAULT_COLOUR)])


def stacked_bar_chart(*, title: str, rows: list[tuple[str, list[int]]], series: list[str],
                      colours: list[str]) -> SafeString:
    """One bar per label made of one segment per series (in the order of `series`), each
    segment's value inside it where it fits, the total after the bar, and a legend."""
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
    rtl = get_language_bidi()
    stacked = bool(series)
    largest = max((row.total for row in rows), default=0)
    caption = (format_html('<figcaption class="chart-title" dir="{}">{}</figcaption>',
                           _direction(title), title) if title else "")

    if largest == 0:
        # Nothing to scale a bar against: a short note instead of a row of empty bars.
        return format_html(
            '<figure class="chart chart-empty" dir="{}">{}'
            '<p class="chart-note empty">{}</p></figure>',
            "rtl" if rtl else "ltr", caption, _("No data"))

    legend = _legend(series, colours) if stacked else ""
    table_rows = [_table_row(row, largest=largest, series=series, colours=colours, rtl=rtl)
                  for row in rows]
    return format_html(
        '<figure class="chart {}" dir="{}">{}'
        '<p class="chart-summary">{}</p>'
        '<div class="chart-body" aria-hidden="true">{}'
        '<table class="chart-rows"><tbody>{}</tbody></table></div></figure>',
        "chart-stacked" if stacked else "chart-simple", "rtl" if rtl else "ltr", caption,
        _summary(rows, series), legend, _join(table_rows))


def _table_row(row: _Row, *, largest: int, series: list[str], colours: list[str],
               rtl: bool) -> SafeString:
    """A row of the chart: its label, its bar (an SVG) and its total."""
    # With a single series a segment's value would only repeat the total beside it.
    segment_values = len(series) > 1
    pieces: list[SafeString] = []
    # Segment edges come from running totals, so that rounding leaves neither gaps nor
    # overlaps and the largest bar ends exactly at 100%.
    running = 0
    start = 0.0
    for value, fill, name in zip(row.values, colours, series or [""], strict=True):
        running += value
        end = 100 * running / largest
        if value:
            tooltip = f"{name}: {value}" if name else f"{row.label}: {value}"
            # Right to left, the bars grow from the right edge, next to the labels.
            x = 100 - end if rtl else start
            pieces.append(format_html(
                '<rect x="{}%" y="0" width="{}%" height="100%" fill="{}"><title>{}</title>'
                "</rect>", _num(x), _num(end - start), fill, tooltip))
            if segment_values:
                pieces.append(_segment_value(value, share=(end - start) / 100, fill=fill,
                                             middle=100 - (start + end) / 2 if rtl
                                             else (start + end) / 2))
        start = end
    label = _shorten(row.label, LABEL_CHARS)
    return format_html(
        '<tr><th scope="row" class="chart-label" title="{}">'
        '<span class="chart-label-text" dir="{}">{}</span></th>'
        # The <title> first: the tagged PDF's figure takes it as its alternative text.
        '<td class="chart-bar"><svg class="chart-bars" xmlns="{}" width="100%" height="{}" '
        'font-family="{}" font-size="{}"><title>{}: {}</title>{}</svg></td>'
        '<td class="chart-value">{}</td></tr>',
        row.label, _direction(label), label, SVG_NS, BAR_HEIGHT, FONT_FAMILY, VALUE_SIZE,
        row.label, row.total, _join(pieces), row.total)


def _segment_value(value: int, *, share: float, fill: str, middle: float) -> SafeString:
    """A segment's value in its middle, if it fits in the segment (see WIDE_TRACK)."""
    room = _estimate_width(str(value), VALUE_SIZE) + VALUE_PADDING
    if share * WIDE_TRACK < room:
        return SafeString("")
    return format_html(
        '<text class="{}" x="{}%" y="50%" dy="0.35em" text-anchor="middle" fill="{}">{}</text>',
        "chart-segment" if share * NARROW_TRACK >= room else "chart-segment chart-tight",
        _num(middle), _ink_on(fill), value)


def _legend(series: list[str], colours: list[str]) -> SafeString:
    """The series' swatches and names, in the order of the segments: each swatch before its
    name in the chart's direction, whatever the name's own."""
    return format_html(
        '<ul class="chart-legend">{}</ul>',
        format_html_join(
            "",
            '<li title="{}"><svg class="chart-swatch" xmlns="{}" width="{}" height="{}" '
            'viewBox="0 0 {} {}"><title>{}</title><rect width="{}" height="{}" fill="{}"/>'
            '</svg><span class="chart-series" dir="{}">{}</span></li>',
            ((name, SVG_NS, SWATCH, SWATCH, SWATCH, SWATCH, name, SWATCH, SWATCH, fill,
              _direction(name), _shorten(name, LABEL_CHARS))
             for name, fill in zip(series, colours, strict=True))))


def _summary(rows: list[_Row], series: list[str]) -> str:
    """What a screen reader says after the title: every row's value (and its segments)."""
    if not series:
        pairs = [f"{row.label}: {row.total}" for row in rows]
    else:
        pairs = [
            f"{row.label}: {row.total} ("
            + ", ".join(f"{name} {value}" for name, value in zip(series, row.values, strict=True))
            + ")"
            for row in rows
        ]
    return "; ".join(pairs)


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
    """Roughly how wide Noto Sans draws these digits, erring wide."""
    return 0.62 * size * len(text)


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


def highlights_charts(figures: Highlights, colour: str) -> dict[str, SafeString]:
    """The charts of the dashboard and of the highlights report, in the active language."""
    series = [str(SERIES_LABELS[group]) for group in CHARTED]
    colours = [colour, "#8a9a5b", "#6b7280"]
    return {
        "status": bar_chart(
            title=_("Pairings by status, proposals included"), colour=colour,
            rows=[(label, count) for _name, label, count in figures.group_rows]),
        "theme": stacked_bar_chart(
            title=_("Pairs by the mentee's thematic area"), rows=figures.by_theme,
            series=series, colours=colours),
        "mentee_country": stacked_bar_chart(
            title=_("Pairs by the mentee's country"), rows=figures.by_mentee_country,
            series=series, colours=colours),
        "mentor_country": stacked_bar_chart(
            title=_("Pairs by the mentor's country"), rows=figures.by_mentor_country,
            series=series, colours=colours),
        "applications": bar_chart(
            title=_("Applications submitted, by the applicant's country"), colour=colour,
            rows=figures.applications_by_country),
    }
