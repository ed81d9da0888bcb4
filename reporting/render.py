"""The PDF renderer's own process: `python -m reporting.render` reads a job (JSON) on its standard
input and writes the PDF on its standard output.

It runs apart from the web process and the Celery worker so that a document too big or too slow
is stopped by the operating system (a memory limit set here, a time limit by the caller) and only
this process dies. It imports no Django: it fetches nothing but the files the caller allowed.
"""

import base64
import json
import logging
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


def render(html: str, *, static_dirs: list[str], files: dict[str, tuple[bytes, str]]
           ) -> tuple[bytes, list[str]]:
    """The PDF, and the addresses the document named that were refused."""
    from weasyprint import HTML

    fetcher = fetcher_class()(static_dirs, files)
    pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    return pdf, fetcher.refused


def main() -> int:
    job = json.load(sys.stdin)
    megabytes = int(job["memory_mb"])
    resource.setrlimit(resource.RLIMIT_AS, (megabytes * 2**20, megabytes * 2**20))
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # refusals are expected
    files = {name: (base64.b64decode(body), content_type)
             for name, (body, content_type) in job.get("files", {}).items()}
    try:
        pdf, refused = render(job["html"], static_dirs=job["static_dirs"], files=files)
    except MemoryError:
        print("out of memory", file=sys.stderr)
        return OUT_OF_MEMORY
    for url in refused:
        print(f"refused: {url[:200]}", file=sys.stderr)
    sys.stdout.buffer.write(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
