"""Every PDF the platform makes is tagged PDF/UA-1, so that a screen reader can read it: a
structure tree, the document's title (shown by the reader instead of the file's name) and its
language, in English, French and Arabic. Each kind is made the way people get it: the report,
the certificate and the record of processing by their pages, the dossier, the highlights and a
person's data by the worker that builds exports."""

import io
import re
import subprocess

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from matching.models import Pairing
from reporting.exports import export_build
from reporting.models import Export
from tests.factories import ExportFactory
from tests.helpers import World, completed, keep_pages

LANGUAGES = ["en", "fr", "ar"]


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 20), "navy").save(buffer, "PNG")
    return buffer.getvalue()


def pdfinfo(content: bytes, tmp_path) -> dict[str, str]:
    """What poppler's pdfinfo says of the document, field by field."""
    source = tmp_path / "document.pdf"
    source.write_bytes(content)
    shown = subprocess.run(["pdfinfo", "-enc", "UTF-8", str(source)],  # noqa: S603, S607
                           capture_output=True, check=True, text=True).stdout
    return dict(re.findall(r"^([^:\n]+):\s*(.*)$", shown, re.MULTILINE))


def structure(content: bytes) -> list[DictionaryObject]:
    """Every element of the document's structure tree."""
    root = PdfReader(io.BytesIO(content)).trailer["/Root"]["/StructTreeRoot"].get_object()
    found, todo = [], [root]
    while todo:
        node = todo.pop()
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object()
            if isinstance(kid, DictionaryObject) and kid.get("/Type") == "/StructElem":
                found.append(kid)
                todo.append(kid)
    return found


def made(world: World, pairing: Pairing, client, language: str) -> dict[str, tuple[bytes, str]]:
    """Each kind of PDF, in `language`, and the title it should carry."""
    org, mentee = world.org.slug, world.people["mentee"]
    with translation.override(language):
        titles = {
            "report": f"{_('Narrative report')} · EUROMED Police",
            "certificate": f"{_('Certificate of completion')} · Mentee Person",
            "register": f"{_('Record of processing')} · CEPOL agency",
            "dossier": f"{_('Pairing dossier')} · EUROMED Police",
            "highlights": f"{_('Highlights')} · EUROMED Police",
            "personal data": f"{_('My data')} · CEPOL agency",
        }
    documents = {}
    for kind, who, url in [
        ("report", "coordinator", reverse("report_pdf", args=[org, pairing.pk, "narrative", 1])),
        ("certificate", "mentee", reverse("certificate_pdf", args=[org, pairing.pk, "mentee"])),
        ("register", "admin", reverse("privacy_register_pdf", args=[org])),
    ]:
        client.force_login(world.people[who])
        client.post(reverse("set_language"), {"language": language, "next": "/"})
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        documents[kind] = response.content
    for kind, export in [
        ("dossier", ExportFactory(project=world.project, pairing=pairing, kind="dossier",
                                  format="pdf", params={"language": language, "contacts": True})),
        ("highlights", ExportFactory(project=world.project, kind="highlights", format="pdf",
                                     params={"language": language})),
        ("personal data", ExportFactory(project=None, organisation=world.org,
                                        requested_by=mentee, kind="personal",
                                        format="pdf", params={"language": language})),
    ]:
        export_build(organisation_id=world.org.pk, export_id=export.pk)
        export.refresh_from_db()
        assert export.status == Export.Status.DONE, (kind, export.error)
        documents[kind] = bytes(export.content)
    return {kind: (content, titles[kind]) for kind, content in documents.items()}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_pdf_is_tagged_with_its_title_and_language(world: World, client, language,
                                                         tmp_path):
    world.org.logo, world.org.logo_type = png(), "image/png"
    world.org.save(update_fields=["logo", "logo_type"])
    pairing = completed(world)

    documents = made(world, pairing, client, language)

    assert set(documents) == {"report", "certificate", "register", "dossier", "highlights",
                              "personal data"}
    for kind, (content, title) in documents.items():
        info = pdfinfo(content, tmp_path)
        assert info["Tagged"] == "yes", kind
        assert info["Title"] == title, kind
        catalog = PdfReader(io.BytesIO(content)).trailer["/Root"]
        assert catalog["/Lang"] == language, kind
        assert catalog["/MarkInfo"]["/Marked"].value is True, kind
        # A reader shows the title, not the file's name; the XMP says which standard it meets.
        assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True, kind
        xmp = catalog["/Metadata"].get_object().get_data().decode()
        assert 'pdfuaid:part="1"' in xmp, kind
        elements = structure(content)
        tags = {str(element["/S"]) for element in elements}
        assert {"/Document", "/H1", "/P"} <= tags, (kind, tags)
        if kind in ("dossier", "register", "personal data"):
            assert {"/Table", "/TR", "/TH", "/TD"} <= tags, (kind, tags)
        # The letterhead's logo is the organisation's: a figure that says whose it is.
        logos = [element for element in elements if element["/S"] == "/Figure"
                 and "/Alt" in element and element["/Alt"] == "CEPOL agency"]
        assert len(logos) == 1, kind
        # Every figure, the highlights' chart bars and swatches included, says what it shows.
        figures = [element for element in elements if element["/S"] == "/Figure"]
        assert all(str(element.get("/Alt", "")).strip() for element in figures), kind
    if language == "ar":  # to look at: tagging changes nothing drawn
        for kind, (content, _title) in documents.items():
            keep_pages(content, f"tagged-{kind.replace(' ', '-')}-ar")
