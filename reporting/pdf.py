"""PDFs: a Django template rendered to HTML here, then to PDF by WeasyPrint in a process of its
own (`reporting/render.py`) with a memory and a time limit."""

import base64
import json
import logging
import subprocess
import sys
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from programmes.metrics import PDF_RENDER_SECONDS
from programmes.models import Organisation
from reporting.render import FILE_PREFIX, OUT_OF_MEMORY, PEAK_MEMORY, STATIC_PREFIX

logger = logging.getLogger(__name__)


class RenderError(Exception):
    """A document that could not be rendered, with a message for the person who asked."""


def document_html(template: str, context: dict, *, organisation: Organisation,
                  language: str) -> str:
    """The document's HTML in this language, with the organisation's name, logo and colour."""
    with translation.override(language):
        return render_to_string(template, {
            **context, "organisation": organisation, "language": language,
            "rtl": translation.get_language_bidi(),
            "static_base": STATIC_PREFIX,
            "logo_url": FILE_PREFIX + "logo" if organisation.logo else "",
        })


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    peak_mb: float | None  # the renderer's peak resident memory, as it reported it


def html_to_pdf(html: str, *, organisation: Organisation | None = None,
                timeout: int | None = None, memory_mb: int | None = None) -> bytes:
    return run_renderer(html, organisation=organisation, timeout=timeout,
                        memory_mb=memory_mb).pdf


def run_renderer(html: str, *, organisation: Organisation | None = None,
                 timeout: int | None = None, memory_mb: int | None = None,
                 trimmed: bool = True) -> Rendered:
    """The PDF from the renderer's process. `trimmed=False` gives WeasyPrint its whole user-agent
    stylesheet (see reporting/render.py): the benchmark's baseline."""
    files = {}
    if organisation is not None and organisation.logo:
        files["logo"] = (base64.b64encode(bytes(organisation.logo)).decode(),
                         organisation.logo_type)
    job = {"html": html, "files": files,
           "static_dirs": [str(folder) for folder in settings.STATICFILES_DIRS],
           "memory_mb": memory_mb or settings.PDF_MEMORY_MB, "trimmed": trimmed}
    timeout = timeout or settings.PDF_TIMEOUT_SECONDS
    try:
        with PDF_RENDER_SECONDS.time():
            done = subprocess.run(  # our own interpreter and module, no shell
                [sys.executable, "-m", "reporting.render"], input=json.dumps(job).encode(),
                capture_output=True, timeout=timeout, cwd=settings.BASE_DIR, check=False,
            )
    except subprocess.TimeoutExpired as error:
        raise RenderError(_("The document took longer than %(seconds)s seconds to render and "
                            "was stopped. Ask for a smaller one (a shorter period, fewer "
                            "pairings).") % {"seconds": timeout}) from error
    if done.returncode != 0:
        logger.warning("PDF render failed (%s): %s", done.returncode,
                       done.stderr.decode(errors="replace")[-2000:])
        raise failure(done.returncode, done.stderr)
    peak = PEAK_MEMORY.search(done.stderr)
    peak_mb = int(peak.group(1)) / 1024 if peak else None
    logger.info("PDF rendered: %d bytes, the renderer's peak memory %s MB", len(done.stdout),
                f"{peak_mb:.0f}" if peak_mb is not None else "unknown")
    return Rendered(done.stdout, peak_mb)


def failure(returncode: int, stderr: bytes) -> RenderError:
    """What to tell the person who asked, from how the renderer's process ended."""
    # Out of memory shows as our exit code, a signal (a C library aborting), an allocation error
    # reported on the way out (Python's, C's "out of memory", C++'s bad_alloc), or the loader's
    # "failed to map segment" when the limit is reached while a library (pango's, one of
    # Python's own) is being loaded.
    said = stderr.lower()
    if returncode == OUT_OF_MEMORY or returncode < 0 or any(sign in said for sign in (
            b"memoryerror", b"allocate", b"failed to map segment", b"out of memory",
            b"bad_alloc")):
        return RenderError(_("The document needs more memory than a render may use and was "
                             "stopped. Ask for a smaller one (a shorter period, fewer "
                             "pairings)."))
    return RenderError(_("The document could not be rendered. Try again; if it fails again, "
                         "tell the platform's support."))


def render_pdf(template: str, context: dict, *, organisation: Organisation, language: str,
               timeout: int | None = None) -> bytes:
    html = document_html(template, context, organisation=organisation, language=language)
    return html_to_pdf(html, organisation=organisation, timeout=timeout)
