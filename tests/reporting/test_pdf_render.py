"""The PDF renderer (`reporting/render.py`, run by `reporting.pdf.html_to_pdf` in a process of its
own): a document fetches nothing but the app's static files and the files handed over with it,
and a document too slow or too big stops with a message for the person who asked.

No database: only the `settings` fixture. Every server, socket and thread opened here is closed
(pyproject turns warnings, ResourceWarning included, into errors).
"""

import http.client
import io
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.template import Context, Template
from PIL import Image
from pypdf import PdfReader

from programmes.models import Organisation
from reporting.pdf import RenderError, failure, html_to_pdf, run_renderer
from reporting.render import (
    FILE_PREFIX,
    STATIC_PREFIX,
    fetcher_class,
    html_class,
    render,
    trimmed_ua_stylesheet_text,
)

PASSWD = "file:///etc/passwd"


# --- A real HTTP server that counts whoever knocks -----------------------------------------------


class CountingServer(HTTPServer):
    """Counts every connection (even one that never sends a request line) and every request."""

    def __init__(self):
        self.connections = 0
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), RedirectingHandler)

    def verify_request(self, request, client_address) -> bool:
        self.connections += 1
        return True

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_port}{path}"


class RedirectingHandler(BaseHTTPRequestHandler):
    """Every path answers 302 to file:///etc/passwd, except /loop, which redirects to itself."""

    def do_GET(self):
        self.server.requests.append(self.path)
        self.send_response(302)
        self.send_header("Location", self.path if self.path == "/loop" else PASSWD)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = do_POST = do_GET

    def log_message(self, format, *args):  # quiet
        pass


@pytest.fixture
def server():
    httpd = CountingServer()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        # The counting works (so that "no request" below means something), then starts afresh.
        for path, location in [("/probe", PASSWD), ("/loop", "/loop")]:
            connection = http.client.HTTPConnection("127.0.0.1", httpd.server_port, timeout=5)
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                assert (response.status, response.getheader("Location")) == (302, location)
            finally:
                connection.close()
        assert (httpd.connections, httpd.requests) == (2, ["/probe", "/loop"])
        httpd.connections = 0
        httpd.requests.clear()
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
    assert not thread.is_alive()


# --- Helpers ----------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def image_count(pdf: bytes) -> int:
    """Image XObjects drawn on the document's pages."""
    count = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        xobjects = page["/Resources"].get("/XObject", {})
        count += sum(1 for ref in xobjects.values() if ref.get_object()["/Subtype"] == "/Image")
    return count


def png(size=(16, 16), colour="red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def static_dirs(settings) -> list[str]:
    return [str(folder) for folder in settings.STATICFILES_DIRS]


def child_pids() -> set[int]:
    """This process's children, zombies included, from /proc."""
    me = str(os.getpid())
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        state_and_parent = text.rsplit(")", 1)[1].split()  # after "pid (command)"
        if state_and_parent[1] == me:
            children.add(int(stat.parent.name))
    return children


SMALL = "<html><body><h1>Quarterly report</h1><p>Three pairings met twice.</p></body></html>"


def table(rows: int) -> str:
    body = "".join(f"<tr><td>{i}</td><td>Pairing {i} met its mentor</td><td>{i * 3}</td></tr>"
                   for i in range(rows))
    return f"<html><body><h1>All pairings</h1><table>{body}</table></body></html>"


# --- 1. Nothing but the app's own files ------------------------------------------------------

# Each reference to /etc/passwd is spelled differently (all of them reach the file), so that the
# refused list shows that each place in the document was asked for, and refused, on its own.
FILE_URLS = {
    "img": PASSWD,
    "link stylesheet": "file:///etc//passwd",
    "css url() in <style>": "file:///etc/./passwd",
    "@import": "file:///etc/../etc/passwd",
    "@font-face": "file://localhost/etc/passwd",
    "object": "file:/etc/passwd",
    "embed": "file:///etc/%70asswd",
    "svg image": "file:///./etc/passwd",
    "link attachment": "file:////etc/passwd",
    "a attachment": "file:///etc///passwd",
    "css url() in style=": "FILE:///etc/passwd",
}
STATIC_REFUSED = [
    STATIC_PREFIX + "../../../../etc/passwd",
    STATIC_PREFIX + "%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    STATIC_PREFIX + "css/%2E%2E/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    STATIC_PREFIX + "%2Fetc%2Fpasswd",
    STATIC_PREFIX + "css/app.css?x",
    STATIC_PREFIX + "css/app.css#x",
    "data:text/css;base64,Ym9keSB7IGNvbG9yOiByZWQgfQ==",
    "data:image/png;base64,iVBORw0KGgo=",
]


def hostile_document(server: CountingServer) -> tuple[str, list[str], list[str]]:
    """The document, the addresses WeasyPrint asks the fetcher for (all to be refused), and the
    server addresses it names in places WeasyPrint does not fetch (<iframe>)."""
    external_css, external_png = server.url("/external.css"), server.url("/external.png")
    redirect, loop, iframe = server.url("/redirect"), server.url("/loop"), server.url("/iframe")
    f = FILE_URLS
    html = f"""<!DOCTYPE html>
<html><head>
<link rel="stylesheet" href="{f["link stylesheet"]}">
<link rel="stylesheet" href="{external_css}">
<link rel="attachment" href="{f["link attachment"]}" title="passwd">
<link rel="stylesheet" href="{STATIC_REFUSED[6]}">
<style>
@import url("{f["@import"]}");
@import url("{loop}");
@font-face {{ font-family: Leak; src: url("{f["@font-face"]}") }}
body {{ background: url("{f["css url() in <style>"]}") }}
h1 {{ font-family: Leak, sans-serif }}
</style>
</head><body>
<h1>Quarterly report</h1>
<img src="{f["img"]}" alt="">
<img src="{external_png}" alt="">
<img src="{redirect}" alt="">
<object data="{f["object"]}"></object>
<embed src="{f["embed"]}">
<iframe src="{f["img"]}"></iframe>
<iframe src="{iframe}"></iframe>
<div style="width: 20px; height: 20px; background: url('{f["css url() in style="]}')"></div>
<svg width="20" height="20"><image href="{f["svg image"]}" width="20" height="20"/></svg>
<p><a rel="attachment" href="{f["a attachment"]}">passwd</a></p>
{"".join(f'<img src="{url}" alt="">' for url in STATIC_REFUSED if url != STATIC_REFUSED[6])}
</body></html>"""
    fetched = [*FILE_URLS.values(), external_css, external_png, redirect, loop, *STATIC_REFUSED]
    return html, fetched, [iframe]


def test_a_document_fetches_no_file_no_other_host_and_follows_no_redirect(settings, server):
    html, fetched, _ = hostile_document(server)

    pdf = html_to_pdf(html)  # the real child process

    assert (server.connections, server.requests) == (0, [])
    text = pdf_text(pdf)
    assert "Quarterly report" in text  # the document itself did render
    assert "root:" not in text
    reader = PdfReader(io.BytesIO(pdf))
    assert list(reader.attachments) == []
    assert image_count(pdf) == 0

    # In this process: WeasyPrint asked for each of them, and each was refused.
    pdf, refused = render(html, static_dirs=static_dirs(settings), files={})
    assert (server.connections, server.requests) == (0, [])
    assert "root:" not in pdf_text(pdf)
    missing = [url for url in fetched if url not in refused]
    assert missing == []
    assert set(refused) == set(fetched)


def test_the_apps_own_static_files_are_served(settings):
    app_css = STATIC_PREFIX + "css/app.css"
    favicon = STATIC_PREFIX + "favicon.svg"
    html = (f'<html><head><link rel="stylesheet" href="{app_css}">'
            '<link rel="stylesheet" href="static/css/app.css"></head>'  # relative, same file
            f'<body><p>Report</p><img src="{favicon}" alt=""></body></html>')

    pdf, refused = render(html, static_dirs=static_dirs(settings), files={})

    assert refused == []
    assert "Report" in pdf_text(pdf)
    fetcher = fetcher_class()(static_dirs(settings), {})
    for url, path, content_type in [(app_css, "css/app.css", "text/css"),
                                    (favicon, "favicon.svg", "image/svg+xml")]:
        response = fetcher.fetch(url)
        try:
            assert response.read() == (settings.BASE_DIR / "static" / path).read_bytes()
        finally:
            response.close()
        assert response.content_type == content_type
    assert fetcher.refused == []


def test_a_static_folder_is_no_way_out(settings, tmp_path):
    """With a folder of our own: a stylesheet in it applies; one beside it, reached by ../, by
    %2e%2e/ or by a symbolic link inside the folder, does not (the file exists and its suffix is
    allowed, so only the "inside the folder" check stands in the way). A NUL byte or a link loop
    is refused (and listed as refused) like the rest."""
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    (folder / "css" / "ok.css").write_text('h1::after { content: " STYLED-BY-STATIC" }')
    (tmp_path / "secret.css").write_text('h1::before { content: "LEAKED-SECRET " }')
    (folder / "css" / "link.css").symlink_to(tmp_path / "secret.css")
    (folder / "css" / "loop.css").symlink_to(folder / "css" / "loop.css")
    settings.STATICFILES_DIRS = [folder]
    outside = [STATIC_PREFIX + path for path in [
        "../secret.css", "css/../../secret.css", "%2e%2e/secret.css",
        "css/%2E%2E%2F%2E%2E%2Fsecret.css", "css/link.css", str(tmp_path / "secret.css"),
        "css/ok.css%00.css", "css/loop.css",
    ]]
    html = ("<html><head>"
            + "".join(f'<link rel="stylesheet" href="{url}">' for url in outside)
            + f'<link rel="stylesheet" href="{STATIC_PREFIX}css/ok.css">'
            + "</head><body><h1>Title</h1></body></html>")

    text = pdf_text(html_to_pdf(html))  # the child, with the folder from the settings

    assert "STYLED-BY-STATIC" in text
    assert "LEAKED" not in text
    _, refused = render(html, static_dirs=static_dirs(settings), files={})
    assert refused == outside


# --- 2. Files handed over with the document --------------------------------------------------


def test_a_file_handed_over_is_served_and_no_other_name(settings):
    logo = png()
    html = (f'<html><body><p>Organisation</p><img src="{FILE_PREFIX}logo" alt="">'
            f'<img src="{FILE_PREFIX}other" alt=""><img src="{FILE_PREFIX}logo?x" alt="">'
            f'<img src="{FILE_PREFIX}logo/" alt=""><img src="{FILE_PREFIX}../files/logo" alt="">'
            "</body></html>")

    pdf, refused = render(html, static_dirs=static_dirs(settings),
                          files={"logo": (logo, "image/png")})
    assert image_count(pdf) == 1
    assert refused == [FILE_PREFIX + "other", FILE_PREFIX + "logo?x", FILE_PREFIX + "logo/",
                       FILE_PREFIX + "../files/logo"]

    # Through the child, from an organisation's logo (not saved: no database needed).
    organisation = Organisation(name="CEPOL", logo=logo, logo_type="image/png")
    assert image_count(html_to_pdf(html, organisation=organisation)) == 1
    # Without the file, the same document has no image: the one above is the logo.
    assert image_count(html_to_pdf(html)) == 0
    _, refused = render(html, static_dirs=static_dirs(settings), files={})
    assert FILE_PREFIX + "logo" in refused


# --- 3. Time and memory limits ----------------------------------------------------------------


def test_a_document_too_slow_is_stopped_after_the_time_limit(settings):
    settings.PDF_TIMEOUT_SECONDS = 1
    before = child_pids()
    start = time.monotonic()

    with pytest.raises(RenderError) as error:
        html_to_pdf(table(20_000))  # takes well over ten seconds

    elapsed = time.monotonic() - start
    assert "longer than 1 seconds" in str(error.value)
    assert elapsed < 5, elapsed
    assert child_pids() - before == set()  # killed and reaped
    # And the next document renders (given the usual time: under load, a second can be short).
    assert "Quarterly report" in pdf_text(html_to_pdf(SMALL, timeout=60))


# The child needs about 130 MB of address space for a small document (at 110 MB it fails to start
# pango's threads: each thread reserves a stack and a malloc arena). 300 MB leaves it more than
# twice that, while the documents below need far more, and reach 300 MB within a few seconds.
MEMORY_MB = 300


def test_the_memory_limit_used_below_is_enough_for_an_ordinary_document(settings):
    settings.PDF_TIMEOUT_SECONDS = 60
    assert "Quarterly report" in pdf_text(html_to_pdf(SMALL, memory_mb=MEMORY_MB))
    assert "Pairing 99 met" in pdf_text(html_to_pdf(table(100), memory_mb=MEMORY_MB))


@pytest.mark.parametrize("body", [
    # Python runs out first: the child catches MemoryError and exits with OUT_OF_MEMORY.
    pytest.param("<p>" + "pairing " * 4_000_000 + "</p>", id="4M words, MemoryError"),
    # GLib runs out first (pango's buffers for one long line) and aborts the child: a signal.
    pytest.param("<p>" + "x" * 5_000_000 + "</p>", id="5M-letter word, GLib aborts"),
])
def test_a_document_too_big_is_stopped_by_the_memory_limit(settings, body):
    settings.PDF_TIMEOUT_SECONDS = 60  # the memory limit, not the time limit, must stop it
    before = child_pids()

    with pytest.raises(RenderError) as error:
        html_to_pdf(f"<html><body>{body}</body></html>", memory_mb=MEMORY_MB)

    assert "needs more memory than a render may use" in str(error.value)
    assert child_pids() - before == set()  # no zombie left behind


def test_a_library_that_cannot_be_loaded_for_want_of_memory_is_out_of_memory():
    """When the limit is reached while a shared library is being loaded (pango's, or one of
    Python's own modules imported late), the loader says "failed to map segment" and Python raises
    ImportError or OSError, not MemoryError. A real process, with a limit just above what it
    already uses, shows the words the renderer would print."""
    loading = subprocess.run([sys.executable, "-c", """
import ctypes, ctypes.util, resource
name = ctypes.util.find_library("pango-1.0")
size = next(int(line.split()[1]) for line in open("/proc/self/status")
            if line.startswith("VmSize:")) * 1024
resource.setrlimit(resource.RLIMIT_AS, (size + 2**20, size + 2**20))
ctypes.CDLL(name)
"""], capture_output=True, timeout=60, check=False)
    assert loading.returncode == 1
    assert b"failed to map segment" in loading.stderr

    assert "needs more memory than a render may use" in str(
        failure(loading.returncode, loading.stderr))
    # Any other failure is not blamed on the document's size.
    broken = subprocess.run([sys.executable, "-c", "import weasyprint.no_such_module"],
                            capture_output=True, timeout=60, check=False)
    assert broken.returncode == 1
    assert "could not be rendered" in str(failure(broken.returncode, broken.stderr))


def test_the_renderer_reports_its_own_peak_memory_not_its_callers(settings):
    ballast = bytearray(300 * 2**20)  # this process, the caller, holds 300 MB more
    ballast[::4096] = b"x" * len(ballast[::4096])  # touched, so resident

    small, bigger = run_renderer(SMALL), run_renderer(table(300))

    assert small.peak_mb is not None and bigger.peak_mb is not None
    assert 20 < small.peak_mb < bigger.peak_mb < 300
    assert "Pairing 299 met" in pdf_text(bigger.pdf)


# --- 4. WeasyPrint's user-agent stylesheet, without its footnote and note rules ----------------
# (reporting/render.py: they cost a 100-page dossier about 100 MB and no document uses them)

NOTE_RULES = ["::footnote-call", "::footnote-marker", "::note-call", "::note-marker",
              "::note-callback"]


def test_the_trimmed_stylesheet_lacks_the_five_note_rules_and_nothing_else():
    from weasyprint.html import UA

    trimmed = trimmed_ua_stylesheet_text()

    removed = [line for line in UA.splitlines() if line not in trimmed.splitlines()]
    assert [line.split(" {")[0] for line in removed] == NOTE_RULES
    assert "::footnote" not in trimmed
    assert "::note" not in trimmed
    assert len(trimmed.splitlines()) == len(UA.splitlines()) - len(NOTE_RULES)


def test_weasyprint_still_takes_a_documents_user_agent_stylesheets_from_the_hook_we_replace():
    """`HTML._ua_stylesheets` is private to WeasyPrint: should an upgrade rename it or stop
    calling it, this fails rather than the renderer quietly needing 100 MB more."""
    from weasyprint import HTML
    from weasyprint.html import UA_FORM_STYLESHEET, UA_STYLESHEET

    assert HTML(string=SMALL)._ua_stylesheets() == [UA_STYLESHEET]
    assert HTML(string=SMALL)._ua_stylesheets(forms=True) == [UA_STYLESHEET, UA_FORM_STYLESHEET]
    trimmed = html_class()(string=SMALL)
    assert trimmed._ua_stylesheets()[0] is not UA_STYLESHEET
    assert trimmed._ua_stylesheets(forms=True)[1] is UA_FORM_STYLESHEET
    # And WeasyPrint does use it: a footnote, which needs the rules, shows what was taken away.
    html = ('<html><body><p>Asset tracing<span style="float: footnote">Seen in 2025.</span> '
            "works.</p></body></html>")
    pdf, _ = render(html, static_dirs=[], files={}, trimmed=False)
    assert pdf_text(pdf) == "Asset tracing1 works.\n1. Seen in 2025."
    with pytest.raises(TypeError):  # WeasyPrint finds no style for the footnote's call
        render(html, static_dirs=[], files={})


def test_a_footnote_brings_its_rules_in_its_own_stylesheet():
    """The way back, should a document ever want footnotes: the rules, scoped to its class."""
    html = ("<html><head><style>.footnote { float: footnote }"
            " .footnote::footnote-call { content: counter(footnote); vertical-align: super;"
            " font-size: smaller; line-height: inherit }"
            ' .footnote::footnote-marker { content: counter(footnote) ". " }</style></head>'
            '<body><p>Asset tracing<span class="footnote">Seen in 2025.</span> works.</p>'
            "</body></html>")

    trimmed, _ = render(html, static_dirs=[], files={})

    assert trimmed == render(html, static_dirs=[], files={}, trimmed=False)[0]
    assert pdf_text(trimmed) == "Asset tracing1 works.\n1. Seen in 2025."


def dossier_like(language: str) -> str:
    """What the documents are made of, with the PDFs' own stylesheet, over several pages: a
    letterhead, headings (bookmarks), facts in a grid, lists with and without markers, a quote, line
    breaks, isolated dates, long tables, and the page counter in the margin."""
    arabic = language == "ar"
    words = ("تتبعنا عائدات قضيتين عبر ثلاث ولايات قضائية مع وحدة الاستخبارات المالية. " if arabic
             else "We traced the proceeds of two cases through three jurisdictions. ")
    rows = "".join(
        f'<tr><td><bdi dir="ltr">2026-01-{n % 28 + 1:02d}</bdi></td><td>{n}</td>'
        f"<td>{words}</td><td>{words[:30]}<br>{n * 7}</td></tr>" for n in range(160))
    return f"""<!doctype html>
<html lang="{language}" dir="{"rtl" if arabic else "ltr"}"><head>
<link rel="stylesheet" href="{STATIC_PREFIX}css/pdf.css"></head><body>
<header class="letterhead"><div class="who"><strong>CEPOL</strong>Mentoring unit</div></header>
<h1>{words[:20]}</h1><p class="meta">EUROMED Police · <bdi>Claire Martin</bdi></p>
<h2>{words[:12]}</h2>
<dl class="facts"><dt>E-mail</dt><dd>claire@example.org</dd><dt>{words[:10]}</dt>
<dd>{words}</dd></dl>
<ul><li>{words}</li><li>{words[:40]}</li></ul>
<ol><li>{words}</li><li><q>{words[:25]}</q></li></ol>
<ul class="figures"><li class="figure"><strong>12</strong>meetings</li>
<li class="figure"><strong>3</strong>visits</li></ul>
<h3>{words[:15]}</h3><p>{words * 12}</p>
<div class="comments"><p>{words * 3}</p></div>
<table><caption>{words[:18]}</caption><thead><tr><th>Date</th><th>N</th><th>{words[:8]}</th>
<th>{words[:9]}</th></tr></thead><tbody>{rows}</tbody></table>
<div class="page-break"></div><h2>{words[:11]}</h2><p>{words * 20}</p>
</body></html>"""


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_document_renders_the_same_without_the_note_rules(settings, language):
    html = dossier_like(language)

    full, refused = render(html, static_dirs=static_dirs(settings), files={}, trimmed=False)
    assert refused == []
    trimmed, _ = render(html, static_dirs=static_dirs(settings), files={})

    full_pages = [page.extract_text() for page in PdfReader(io.BytesIO(full)).pages]
    trimmed_pages = [page.extract_text() for page in PdfReader(io.BytesIO(trimmed)).pages]
    assert len(full_pages) >= 4
    assert trimmed_pages == full_pages
    count = len(full_pages)  # pdf.css did apply: "1 / 9" (read right to left in Arabic)
    assert f"1 / {count}" in trimmed_pages[0] or f"{count} / 1" in trimmed_pages[0]
    assert trimmed == full  # to the byte: nothing drawn differently either
    # Through the renderer's process too, which trims by default.
    assert html_to_pdf(html) == full


# --- 5. What people type is text, not markup ---------------------------------------------------


def test_user_text_is_escaped_and_fetches_nothing(settings, server):
    text = f'<img src="{server.url("/x")}">'
    html = Template("<html><body><p>{{ text }}</p></body></html>").render(Context({"text": text}))
    assert "&lt;img" in html

    pdf = html_to_pdf(html)

    assert (server.connections, server.requests) == (0, [])
    extracted = pdf_text(pdf)
    assert "<img" in extracted
    assert server.url("/x") in extracted.replace("\n", "")
    assert image_count(pdf) == 0


# --- 6. Tagged for screen readers (PDF/UA-1) ---------------------------------------------------


def page_images(pdf: bytes, folder: Path) -> list[bytes]:
    """The pages as poppler draws them (PNG), to compare two PDFs by what they show."""
    source = folder / "document.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(source),  # noqa: S603, S607 - poppler
                    str(folder / "page")], check=True)
    return [page.read_bytes() for page in sorted(folder.glob("page-*.png"))]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_tagging_changes_nothing_drawn(settings, language, tmp_path):
    """The renderer tags every PDF; the pages look the same as WeasyPrint's untagged ones,
    right to left too."""
    from weasyprint import HTML

    html = dossier_like(language).replace("<head>", "<head><title>Dossier</title>")
    tagged = html_to_pdf(html)
    untagged = HTML(string=html, base_url=STATIC_PREFIX,
                    url_fetcher=fetcher_class()(static_dirs(settings), {})).write_pdf()

    catalog = PdfReader(io.BytesIO(tagged)).trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/Lang"] == language
    assert "/StructTreeRoot" not in PdfReader(io.BytesIO(untagged)).trailer["/Root"]
    (tmp_path / "tagged").mkdir()
    (tmp_path / "untagged").mkdir()
    shown = page_images(tagged, tmp_path / "tagged")
    assert len(shown) >= 4
    assert shown == page_images(untagged, tmp_path / "untagged")
