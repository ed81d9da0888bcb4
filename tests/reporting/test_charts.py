"""Bar charts made on the server (reporting/charts.py): HTML for every word, small SVGs for the
bars, proportional, escaped, and the same chart rendered to a PDF by WeasyPrint, where Arabic
must come out joined and in order. The PDFs' first pages are also saved as
data/test-artifacts/chart-*.png (git-ignored) for a person to look at."""

import io
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.utils import translation
from pypdf import PdfReader

from reporting.charts import bar_chart, stacked_bar_chart
from reporting.render import render

BASE = Path(__file__).resolve().parents[2]
ARTIFACTS = BASE / "data" / "test-artifacts"
LONG_LABEL = "Fundamental rights and organised crime"  # 38 characters
BLUE, ORANGE, GREEN = "#1f4e79", "#e69f00", "#009e73"


# --- A small tree of the markup, as a browser's HTML parser reads it --------------------------

@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list["Node | str"] = field(default_factory=list)

    def __getitem__(self, name: str) -> str:
        return self.attrs[name]

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def classes(self) -> list[str]:
        return (self.get("class") or "").split()

    @property
    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text
                       for child in self.children)

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def all(self, tag: str | None = None, cls: str | None = None) -> list["Node"]:
        return [node for node in self.iter() if node is not self
                and (tag is None or node.tag == tag) and (cls is None or cls in node.classes)]

    def one(self, tag: str | None = None, cls: str | None = None) -> "Node":
        (found,) = self.all(tag, cls)
        return found


class TreeBuilder(HTMLParser):
    VOID = {"br", "img", "input", "meta", "link", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag):
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(chart: str) -> Node:
    builder = TreeBuilder()
    builder.feed(chart)
    builder.close()
    assert builder.stack == [builder.root], "an element is left open"
    (figure,) = [child for child in builder.root.children if isinstance(child, Node)]
    assert figure.tag == "figure" and "chart" in figure.classes
    # The site's Content-Security-Policy refuses inline styles: colours are attributes.
    assert all("style" not in node.attrs for node in figure.iter())
    # Only digits are drawn as SVG text: WeasyPrint draws words in SVG letter by letter.
    assert all(text.text.isdigit() for text in figure.all("text"))
    return figure


def table_rows(figure: Node) -> list[Node]:
    return figure.one("table", "chart-rows").all("tr")


def label(row: Node) -> str:
    return row.one("span", "chart-label-text").text


def bars(node: Node) -> list[Node]:
    """The bars (and segments) in drawing order: the rects with a tooltip of their own."""
    return [rect for rect in node.all("rect") if rect.all("title")]


def percent(rect: Node, name: str) -> float:
    value = rect[name]
    assert value.endswith("%")
    return float(value.removesuffix("%"))


def value(row: Node) -> str:
    return row.one("td", "chart-value").text


def segment_values(row: Node) -> list[str]:
    return [text.text for text in row.all("text")]


def summary(figure: Node) -> str:
    return figure.one("p", "chart-summary").text


# --- The markup ---------------------------------------------------------------------------

def test_bar_chart_is_an_accessible_figure():
    figure = parse(bar_chart(title="Mentors by country",
                             rows=[("Morocco", 12), ("France", 7)], colour="#1f4e79"))

    # Named by its caption alone: a figure with a figcaption may not be role="group".
    assert figure.one("figcaption", "chart-title").text == "Mentors by country"
    assert "role" not in figure.attrs and "aria-label" not in figure.attrs
    # A screen reader reads the title and this; the drawing itself is hidden from it.
    assert summary(figure) == "Morocco: 12; France: 7"
    assert figure.one("div", "chart-body")["aria-hidden"] == "true"
    assert [label(row) for row in table_rows(figure)] == ["Morocco", "France"]
    assert [value(row) for row in table_rows(figure)] == ["12", "7"]
    # Each bar is an SVG as wide as its column, with no viewBox to stretch anything.
    svg = table_rows(figure)[0].one("svg", "chart-bars")
    assert svg["width"] == "100%"
    assert "viewBox" not in svg.attrs
    # An English page: labels on the left, bars growing rightwards.
    assert figure["dir"] == "ltr"
    assert figure.all("ul", "chart-legend") == []


def test_bars_are_proportional_and_show_their_values():
    figure = parse(bar_chart(title="Pairings", rows=[("A", 10), ("B", 5), ("C", 20), ("D", 0)],
                             colour="#1f4e79"))

    drawn = bars(figure)
    # A zero draws no bar, but its row and its value are still there.
    assert len(drawn) == 3
    a, b, c = (percent(rect, "width") for rect in drawn)
    assert (a, b, c) == (50, 25, 100)
    assert {rect["x"] for rect in drawn} == {"0%"}  # one axis
    assert [value(row) for row in table_rows(figure)] == ["10", "5", "20", "0"]
    assert bars(table_rows(figure)[3]) == []
    # A single series: the value is beside the bar, not repeated in it.
    assert figure.all("text") == []


def test_every_row_is_a_row_of_the_table():
    figure = parse(bar_chart(title="t", rows=[(str(n), n + 1) for n in range(12)],
                             colour="#1f4e79"))

    assert [label(row) for row in table_rows(figure)] == [str(n) for n in range(12)]
    assert [percent(rect, "width") for rect in bars(figure)][-1] == 100


def test_stacked_segments_are_proportional_with_totals_and_a_legend():
    figure = parse(stacked_bar_chart(
        title="Meetings", rows=[("Cybercrime", [6, 3, 1]), ("Border management", [0, 2, 2])],
        series=["Held", "Planned", "Cancelled"], colours=[BLUE, ORANGE, GREEN]))

    first, second = table_rows(figure)
    held, planned, cancelled = bars(first)
    assert [percent(rect, "width") for rect in (held, planned, cancelled)] == [60, 30, 10]
    # Segments follow one another without gaps.
    assert [percent(rect, "x") for rect in (held, planned, cancelled)] == [0, 60, 90]
    assert [held["fill"], planned["fill"], cancelled["fill"]] == [BLUE, ORANGE, GREEN]
    assert held.one("title").text == "Held: 6"
    # The largest total sets the scale: a bar of 4 is 0.4 of the bar of 10.
    assert [percent(rect, "width") for rect in bars(second)] == [20, 20]
    assert [percent(rect, "x") for rect in bars(second)] == [0, 20]
    # Each segment's value in its middle, white or dark to stand out, and the total beside.
    assert segment_values(first) == ["6", "3", "1"]
    assert [text["x"] for text in first.all("text")] == ["30%", "75%", "95%"]
    assert [text["fill"] for text in first.all("text")] == ["#ffffff", "#1a1a1a", "#1a1a1a"]
    assert (value(first), value(second)) == ("10", "4")
    assert "chart-stacked" in figure.classes
    legend = figure.one("ul", "chart-legend")
    assert [item.one("span", "chart-series").text for item in legend.all("li")] == [
        "Held", "Planned", "Cancelled"]
    assert [item.one("rect")["fill"] for item in legend.all("li")] == [BLUE, ORANGE, GREEN]
    assert summary(figure) == (
        "Cybercrime: 10 (Held 6, Planned 3, Cancelled 1); "
        "Border management: 4 (Held 0, Planned 2, Cancelled 2)")


def test_a_segment_too_narrow_for_its_value_leaves_it_to_the_total():
    figure = parse(stacked_bar_chart(title="t", rows=[("a", [5000, 1])], series=["x", "y"],
                                     colours=[BLUE, ORANGE]))

    (row,) = table_rows(figure)
    assert segment_values(row) == ["5000"]
    assert value(row) == "5001"
    assert len(bars(row)) == 2  # the thin segment is still drawn, with its tooltip


def test_a_value_that_fits_only_a_wide_bar_is_hidden_on_a_phone():
    # 1 of 20 is 5% of the bar: room for a digit on a desktop or in a PDF, not on a phone.
    figure = parse(stacked_bar_chart(title="t", rows=[("a", [1, 19])], series=["x", "y"],
                                     colours=[BLUE, ORANGE]))

    narrow, wide = figure.all("text")
    assert (narrow.text, wide.text) == ("1", "19")
    assert "chart-tight" in narrow.classes
    assert "chart-tight" not in wide.classes


def test_a_single_series_does_not_repeat_its_value_inside_the_bar():
    figure = parse(stacked_bar_chart(title="t", rows=[("a", [5])], series=["x"],
                                     colours=[BLUE]))

    (row,) = table_rows(figure)
    assert segment_values(row) == []
    assert value(row) == "5"


def test_labels_title_and_series_are_escaped():
    hostile = '<script>alert("x")</script>'
    breakout = '" onload="alert(1)'
    chart = stacked_bar_chart(
        title=f'Title "{hostile}', rows=[(hostile, [1, 2]), (breakout, [3, 0])],
        series=[hostile, breakout], colours=[BLUE, ORANGE])

    assert "<script>" not in chart
    assert "&lt;script&gt;" in chart
    figure = parse(chart)
    assert figure.one("figcaption").text == f'Title "{hostile}'
    assert [label(row) for row in table_rows(figure)] == [hostile, breakout]
    assert [row.one("th")["title"] for row in table_rows(figure)] == [hostile, breakout]
    assert [item.text for item in figure.all("span", "chart-series")] == [hostile, breakout]
    for node in figure.iter():
        assert "onload" not in node.attrs
        assert node.tag != "script"
    assert summary(figure).startswith(f"{hostile}: 3 ({hostile} 1, {breakout} 2)")


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "url(#x)",
                                    '#123456" onload="alert(1)', "#12345g", "", "#123456\n"])
def test_a_bad_colour_falls_back_to_the_default(colour):
    figure = parse(bar_chart(title="t", rows=[("a", 1)], colour=colour))

    assert [rect["fill"] for rect in bars(figure)] == ["#1f4e79"]


def test_colours_are_kept_when_valid_and_filled_in_when_missing():
    figure = parse(stacked_bar_chart(title="t", rows=[("a", [1, 1, 1, 1])],
                                     series=["w", "x", "y", "z"],
                                     colours=["#ABCDEF", "javascript:x", "#00ff00"]))

    expected = ["#abcdef", "#e69f00", "#00ff00", "#cc79a7"]
    assert [rect["fill"] for rect in bars(figure)] == expected
    assert [item.one("rect")["fill"] for item in figure.all("li")] == expected


@pytest.mark.parametrize("chart", [
    lambda: bar_chart(title="Empty", rows=[], colour="#1f4e79"),
    lambda: bar_chart(title="Empty", rows=[("a", 0), ("b", 0)], colour="#1f4e79"),
    lambda: stacked_bar_chart(title="Empty", rows=[("a", [0, 0])], series=["x", "y"],
                              colours=[]),
    lambda: stacked_bar_chart(title="Empty", rows=[], series=[], colours=[]),
])
def test_no_data_says_so(chart):
    figure = parse(chart())

    assert figure.one("figcaption").text == "Empty"
    assert figure.one("p", "chart-note").text == "No data"
    assert figure.all("svg") == []
    assert figure.all("table") == []


def test_a_long_label_is_shortened_but_kept_whole_in_its_tooltip_and_summary():
    figure = parse(bar_chart(title="t", rows=[(LONG_LABEL, 3), ("Short", 1)], colour="#1f4e79"))

    long_row, short_row = table_rows(figure)
    shown = label(long_row)
    assert shown.endswith("…")
    assert len(shown) <= 34
    assert LONG_LABEL.startswith(shown.removesuffix("…"))
    assert long_row.one("th")["title"] == LONG_LABEL
    assert label(short_row) == "Short"
    assert LONG_LABEL in summary(figure)


def test_each_label_has_the_direction_of_its_own_script():
    figure = parse(bar_chart(title="t", rows=[("المغرب", 3), ("Morocco", 2), ("2024 مصر", 1)],
                             colour="#1f4e79"))

    assert [row.one("span", "chart-label-text")["dir"] for row in table_rows(figure)] == [
        "rtl", "ltr", "rtl"]
    # The chart itself keeps the page's direction.
    assert figure["dir"] == "ltr"


def test_in_arabic_the_chart_runs_right_to_left():
    with translation.override("ar"):
        chart = stacked_bar_chart(
            title="الاجتماعات", rows=[("الجريمة المنظمة", [6, 3, 1]), ("Cybercrime", [0, 2, 2])],
            series=["منعقدة", "مقررة", "ملغاة"], colours=[BLUE, ORANGE, GREEN])
    figure = parse(chart)

    assert figure["dir"] == "rtl"
    assert figure.one("figcaption")["dir"] == "rtl"
    first, second = table_rows(figure)
    # The bars grow leftwards from the right edge, next to the labels on the right.
    assert [percent(rect, "x") for rect in bars(first)] == [40, 10, 0]
    assert [percent(rect, "width") for rect in bars(first)] == [60, 30, 10]
    assert [percent(rect, "x") for rect in bars(second)] == [80, 60]
    assert [text["x"] for text in first.all("text")] == ["70%", "25%", "5%"]
    assert [item.get("dir") for item in figure.all("span", "chart-series")] == ["rtl"] * 3
    assert (label(second), second.one("span", "chart-label-text")["dir"]) == ("Cybercrime", "ltr")


def test_characters_xml_refuses_are_dropped():
    figure = parse(bar_chart(title="a\x00b", rows=[("c\x1bd\ne", 1)], colour="#1f4e79"))

    assert figure.one("figcaption").text == "ab"
    assert label(table_rows(figure)[0]) == "cd e"


def test_values_must_be_whole_counts_matching_the_series():
    with pytest.raises(ValueError, match="negative"):
        bar_chart(title="t", rows=[("a", -1)], colour="#1f4e79")
    with pytest.raises(TypeError):
        bar_chart(title="t", rows=[("a", 1.5)], colour="#1f4e79")  # type: ignore[list-item]
    with pytest.raises(ValueError, match="2 series"):
        stacked_bar_chart(title="t", rows=[("a", [1])], series=["x", "y"], colours=[])


# --- In a PDF -----------------------------------------------------------------------------

def chart_pdf(charts: list[str], *, language: str, direction: str) -> bytes:
    """A page with the PDFs' stylesheet and these charts, as the highlights report has them."""
    body = "".join(f"<figure>{chart}</figure>" for chart in charts)
    html = (f'<!DOCTYPE html><html lang="{language}" dir="{direction}"><head>'
            '<meta charset="utf-8"><link rel="stylesheet" '
            'href="https://pdf.invalid/static/css/pdf.css"></head>'
            f'<body><h1>Report</h1><div class="charts">{body}</div></body></html>')
    pdf, refused = render(html, static_dirs=[str(BASE / "static")], files={})
    assert refused == []
    return pdf


def pdf_text(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def save_png(pdf: bytes, name: str) -> None:
    """The first page as a picture, for a person to look at; needs poppler-utils."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - a fixed program and arguments
        [pdftoppm, "-png", "-r", "70", "-singlefile", "-", str(ARTIFACTS / name)],
        input=pdf, check=True, capture_output=True, timeout=60)


def test_an_english_page_renders_its_charts_to_pdf():
    with translation.override("en"):
        charts = [
            stacked_bar_chart(
                title="Meetings by thematic area",
                rows=[(LONG_LABEL, [5, 3, 1]), ("الجريمة المنظمة", [2, 8, 0]),
                      ("Cybercrime", [1, 1, 1])],
                series=["Held", "Planned", "ملغاة"], colours=[BLUE, ORANGE, GREEN]),
            bar_chart(title="Pairs by status", rows=[("Active", 12), ("Starting", 3),
                                                      ("Finished", 7), ("Ended early", 0)],
                      colour=BLUE),
            bar_chart(title="Applications by country", rows=[], colour=BLUE),
        ]
    pdf = chart_pdf(charts, language="en", direction="ltr")
    save_png(pdf, "chart-en")

    text = pdf_text(pdf)
    for expected in ("Meetings by thematic area", "Fundamental rights and organised",
                     "Cybercrime", "Held", "Planned", "ملغاة", "الجريمة المنظمة",
                     "Pairs by status", "Ended early", "No data", "10", "9", "12"):
        assert expected in text
    # The long label shows only shortened, and the screen readers' summary is not printed.
    assert LONG_LABEL not in text
    assert "Held 5" not in text


ARABIC_WORDS = ["الأزواج", "حسب", "المجال", "الموضوعي", "نشطة", "البداية", "منتهية",
                "الجريمة", "المنظمة", "الأمن", "السيبراني", "الحدود"]


def letters_in_several_forms(pdf: bytes) -> set[str]:
    """The letters the first page draws with more than one glyph: Arabic shaped into words
    takes a letter's initial, medial or final form by its place in the word, while letters
    drawn one by one all take their isolated form. Read from the fonts' ToUnicode maps, which
    send each glyph used back to its character."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    letters: set[str] = set()
    for font in page["/Resources"]["/Font"].values():
        to_unicode = font.get_object()["/ToUnicode"].get_object().get_data().decode()
        glyphs: dict[str, int] = {}
        for block in re.findall(r"beginbfchar(.*?)endbfchar", to_unicode, re.DOTALL):
            for code in re.findall(r"<[0-9a-fA-F]+>\s*<([0-9a-fA-F]{4})>", block):
                glyphs[chr(int(code, 16))] = glyphs.get(chr(int(code, 16)), 0) + 1
        letters |= {letter for letter, count in glyphs.items() if count > 1}
    return letters


def test_arabic_in_a_chart_comes_out_joined_and_in_order_in_the_pdf():
    with translation.override("ar"):
        charts = [
            stacked_bar_chart(
                title="الأزواج حسب المجال الموضوعي",
                rows=[("الجريمة المنظمة", [5, 3, 1]), ("الأمن السيبراني", [2, 8, 0]),
                      ("Cybercrime", [1, 1, 1]), ("إدارة الحدود والهجرة", [4, 0, 2])],
                series=["نشطة", "في البداية", "منتهية"], colours=[BLUE, ORANGE, GREEN]),
            bar_chart(title="الأزواج حسب الحالة",
                      rows=[("نشطة", 12), ("في البداية", 3), ("منتهية", 7)], colour=BLUE),
        ]
    pdf = chart_pdf(charts, language="ar", direction="rtl")
    save_png(pdf, "chart-ar")

    text = pdf_text(pdf)
    # Each word in reading order. Drawn as SVG text, WeasyPrint 70 laid the letters out one by
    # one from left to right, and the words came out reversed ("ةمظنملا").
    for word in ARABIC_WORDS:
        assert word in text, word
    for expected in ("Cybercrime", "10", "12"):
        assert expected in text
    # Joined: the letters take their forms in the words (as SVG text, each was isolated).
    assert {"ل", "م", "ن", "ي"} <= letters_in_several_forms(pdf)
