"""The PDFs' sentences are translated whole, punctuation included, so that each language gets its
own (Arabic has its own comma, "،"); and a time says which zone it is in."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.template.base import Lexer, TokenType
from django.utils import timezone

from matching.models import ActivityPlan, Pairing
from participants.models import User
from programmes.models import Organisation, Project
from reporting.exports import export_build
from reporting.models import Export
from reporting.pdf import document_html
from tests.factories import ExportFactory
from tests.helpers import World, pdf_text

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# The PDFs' templates and the parts of pages they include.
PDF_TEMPLATES = [*sorted((TEMPLATES / "reporting" / "pdf").glob("*.html")),
                 *(TEMPLATES / "reporting" / name
                   for name in ("_report_body.html", "_meetings.html", "_figures.html"))]
# Punctuation that Arabic writes with letters of its own: "،" "؛" "؟".
OWN_PUNCTUATION = re.compile(r"[,;?]")


def untranslated_text(source: str) -> str:
    """What a template writes as it stands, in every language: its text outside {% translate %}
    and {% blocktranslate %}, without its tags, variables, HTML markup and style sheet."""
    shown, inside = [], 0
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            if name in ("blocktranslate", "blocktrans"):
                inside += 1
            elif name in ("endblocktranslate", "endblocktrans"):
                inside -= 1
            shown.append(" ")
        elif token.token_type == TokenType.TEXT and not inside:
            shown.append(token.contents)
        else:
            shown.append(" ")
    text = re.sub(r"<style>.*?</style>", " ", "".join(shown), flags=re.DOTALL)
    return re.sub(r"<[^>]*>", " ", text)


@pytest.mark.parametrize("template", PDF_TEMPLATES, ids=lambda path: path.name)
def test_no_comma_semicolon_or_question_mark_stands_outside_translation(template):
    assert OWN_PUNCTUATION.findall(untranslated_text(template.read_text())) == []


def test_the_check_finds_punctuation_left_outside():
    assert untranslated_text('<p style="a;b">{% translate "as a mentee" %},<br>'
                             '{% blocktranslate %}paired, here{% endblocktranslate %}'
                             '{{ x|date:"Y, m" }}</p>').strip() == ","


def certificate(role: str, months: int | None) -> str:
    """The certificate's sentence in English, its white space as a browser reads it."""
    organisation = Organisation(name="CEPOL agency")
    mentee, mentor = User(full_name="Salma Idrissi"), User(full_name="Claire Martin")
    pairing = Pairing(project=Project(name="EUROMED Police"), mentee=mentee, mentor=mentor)
    plan = ActivityPlan(start=date(2026, 1, 5), duration_months=months) if months else None
    html = document_html("reporting/pdf/certificate.html", {
        "pairing": pairing, "person": mentee if role == "mentee" else mentor, "role": role,
        "plan": plan, "completed_on": date(2026, 12, 5),
        "partner": mentor if role == "mentee" else mentee,
    }, organisation=organisation, language="en")
    sentence = re.search(r"<p>(completed.*?)</p>", html, re.DOTALL)
    assert sentence is not None
    return " ".join(sentence.group(1).split())


@pytest.mark.parametrize(("role", "months", "expected"), [
    ("mentee", 12, 'completed the EUROMED Police mentoring programme as a mentee,<br> paired '
                   'with <bdi>Claire Martin</bdi>, for 12 months from <bdi>Jan 5, 2026'
                   "</bdi>."),
    ("mentor", 1, 'completed the EUROMED Police mentoring programme as a mentor,<br> paired '
                  'with <bdi>Salma Idrissi</bdi>, for 1 month from <bdi>Jan 5, 2026'
                  "</bdi>."),
    ("mentee", None, "completed the EUROMED Police mentoring programme as a mentee,<br> paired "
                     "with <bdi>Claire Martin</bdi>."),
    ("mentor", None, "completed the EUROMED Police mentoring programme as a mentor,<br> paired "
                     "with <bdi>Salma Idrissi</bdi>."),
])
def test_the_certificate_reads_in_english_as_it_did(role, months, expected):
    assert certificate(role, months) == expected


def test_a_persons_data_says_which_zone_its_time_is_in(world: World):
    export = ExportFactory(project=None, organisation=world.org,
                           requested_by=world.people["mentee"], kind="personal", format="pdf",
                           params={"language": "en"})
    with time_machine.travel(datetime(2026, 5, 1, 22, 30, tzinfo=UTC), tick=False), \
            timezone.override("Asia/Riyadh"):  # UTC+3 all year
        export_build(organisation_id=world.org.pk, export_id=export.pk)
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    text = " ".join(pdf_text(bytes(export.content)).split())
    assert "Generated on May 2, 2026, 1:30 AM (Asia/Riyadh time)." in text
