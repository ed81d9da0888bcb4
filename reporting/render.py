"""The PDF renderer's own process: `python -m reporting.render` reads a job (JSON) on its standard
input and writes the PDF on its standard output.

It runs apart from the web process and the Celery worker so that a document too big or too slow
is stopped by the operating system (a memory limit set here, a time limit by the caller) and only
this process dies. It imports no Django: it fetches nothing but the files the caller allowed.
"""

import base64
import json
import logging
import re
import resource
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Every document names its files under this address, which resolves nowhere: the fetcher below
# serves them from the app's own static folder, and refuses any other address.
BASE_URL = "https://pdf.invalid/"
STATIC_PREFIX = BASE_URL + "static/"
FILE_PREFIX = BASE_URL + "files/"  # files the caller hands over (the organisation's logo)
TYPES = {".css": "text/css", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
         ".svg": "image/svg+xml", ".woff2": "font/woff2", ".ttf": "font/ttf"}
OUT_OF_MEMORY = 3
# The renderer's last line on its standard error: its peak resident memory, for the caller to log
# and for `manage.py bench_pdfs` to print.
PEAK_MEMORY = re.compile(rb"^peak memory: (\d+) kB$", re.MULTILINE)

# The rules of WeasyPrint's user-agent stylesheet (weasyprint/css/html5_ua.css) for footnotes and
# notes. Each one matches every element (`::footnote-call` is `*::footnote-call`), so the cascade
# keeps five pseudo-element styles for each element of the document: for a 100-page dossier, a
# hundred megabytes (364 MB at its peak with them, 259 MB without) and a sixth of its time. No
# document of ours has a footnote or a note, and without these rules the PDF is the same, byte for
# byte. A footnote (`float: footnote`) would now stop the render with a TypeError: a document
# that wants one brings the rules in its own stylesheet, scoped to its class
# (`.footnote::footnote-call { ... }`). The tests check each of these.
NOTE_RULES = re.compile(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}\n", re.MULTILINE)

# Every PDF is tagged for PDF/UA-1 (ISO 14289-1), so that a screen reader can read it: a structure
# tree from the HTML's headings, paragraphs, lists and tables, the document's language (/Lang)
# from <html lang>, and its title from <title>, which a reader shows instead of the file's name.
# A document without lang, or an image without alt, still renders, but is not PDF/UA: the
# templates give every one of them both (tests/reporting/test_pdf_tagging.py).
PDF_VARIANT = "pdf/ua-1"


def fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves the app's static files and the caller's files; refuses everything else
        (file: paths, other hosts, data: addresses) without opening a connection, so there
        is no redirect to follow either."""

        def __init__(self, static_dirs: list[str], files: dict[str, tuple[bytes, str]]):
            super().__init__(allowed_protocols=(), allow_redirects=False)
            self.static_dirs = [Path(folder).resolve() for folder in static_dirs]
            self.files = files
            self.refused: list[str] = []

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            parts = urlsplit(url)
            if not parts.query and not parts.fragment:
                if url.startswith(STATIC_PREFIX):
                    found = self._static(unquote(url.removeprefix(STATIC_PREFIX)))
                    if found is not None:
                        return URLFetcherResponse(
                            url, found.read_bytes(),
                            {"Content-Type": TYPES[found.suffix.lower()]})
                elif url.startswith(FILE_PREFIX) and url.removeprefix(FILE_PREFIX) in self.files:
                    body, content_type = self.files[url.removeprefix(FILE_PREFIX)]
                    return URLFetcherResponse(url, body, {"Content-Type": content_type})
            self.refused.append(url)
            raise ValueError(f"Not one of the app's own files: {url[:200]}")

        def _static(self, relative: str) -> Path | None:
            if Path(relative).suffix.lower() not in TYPES:
                return None
            for folder in self.static_dirs:
                try:
                    candidate = (folder / relative).resolve()
                except (OSError, RuntimeError, ValueError):  # a NUL byte (%00), a link loop
                    return None
                # No way out of the folder (../, a symbolic link elsewhere).
                if candidate.is_relative_to(folder) and candidate.is_file():
                    return candidate
            return None

    return StaticOnlyFetcher


def trimmed_ua_stylesheet_text() -> str:
    """WeasyPrint's user-agent stylesheet without its rules for footnotes and notes."""
    from weasyprint.html import UA

    return NOTE_RULES.sub("", UA)


def html_class(*, trimmed: bool = True) -> type:
    """WeasyPrint's HTML document, with the trimmed user-agent stylesheet (or its own).

    `HTML._ua_stylesheets` is WeasyPrint's own (private) way to give a document its user-agent
    stylesheets; the tests check that it is still there and still used, so that an upgrade that
    drops it fails there rather than quietly costing the memory again."""
    from weasyprint import CSS, HTML
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA_FORM_STYLESHEET

    if not trimmed:
        return HTML
    # Its @counter-style rules go to a throwaway: a document takes its counter styles from
    # WeasyPrint's own copy (which already has them, and would refuse them a second time).
    stylesheet = CSS(string=trimmed_ua_stylesheet_text(), counter_style=CounterStyle())

    class WithoutNotes(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list:
            return [stylesheet, UA_FORM_STYLESHEET] if forms else [stylesheet]

    return WithoutNotes


def render(html: str, *, static_dirs: list[str], files: dict[str, tuple[bytes, str]],
           trimmed: bool = True) -> tuple[bytes, list[str]]:
    """The PDF, and the addresses the document named that were refused. `trimmed=False` renders
    with WeasyPrint's whole user-agent stylesheet (for the benchmark's baseline and the tests)."""
    fetcher = fetcher_class()(static_dirs, files)
    document = html_class(trimmed=trimmed)(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    return pdf, fetcher.refused


def main() -> int:
    job = json.load(sys.stdin)
    megabytes = int(job["memory_mb"])
    resource.setrlimit(resource.RLIMIT_AS, (megabytes * 2**20, megabytes * 2**20))
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # refusals are expected
    files = {name: (base64.b64decode(body), content_type)
             for name, (body, content_type) in job.get("files", {}).items()}
    try:
        pdf, refused = render(job["html"], static_dirs=job["static_dirs"], files=files,
                              trimmed=job.get("trimmed", True))
    except MemoryError:
        print("out of memory", file=sys.stderr)
        return OUT_OF_MEMORY
    for url in refused:
        print(f"refused: {url[:200]}", file=sys.stderr)
    sys.stdout.buffer.write(pdf)
    sys.stdout.flush()
    print(f"peak memory: {peak_kb()} kB", file=sys.stderr)
    return 0


def peak_kb() -> int:
    """This process's peak resident memory. Not getrusage's ru_maxrss: that is kept across the
    exec that started us, so it would be the caller's memory at the fork whenever the caller
    (a web or Celery worker) is the bigger one. The high-water mark of our own address space
    starts afresh with the program."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:  # not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    sys.exit(main())
