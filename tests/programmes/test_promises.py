"""What the applicant is promised, what the README tells operators and what the register says
are the same periods in the same words."""

from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation

from participants.services import CONSENT_VERSION
from programmes.privacy import register
from tests.factories import ApplicationFactory

README = Path(__file__).resolve().parents[2] / "README.md"
PROMISES = ["6 months after the call closes", "5 years after the pairing ends",
            "reduced to anonymous figures"]


def test_the_consent_text_the_readme_and_the_register_keep_data_for_the_same_periods(db):
    application = ApplicationFactory()
    with translation.override("en"):
        consent = render_to_string(f"participants/consent_{CONSENT_VERSION}.html",
                                   {"application": application,
                                    "consent_version": CONSENT_VERSION})
        record = " ".join(str(text).format(declined_months=6, pairing_years=5)
                          for text in register.RETENTION_TEXT.values())
    readme = " ".join(README.read_text().split())
    for promise in PROMISES:
        assert promise in " ".join(consent.split()), promise
        assert promise in readme, promise
        assert promise in record, promise


def test_the_consent_text_carries_the_organisation_s_own_periods(db):
    application = ApplicationFactory()
    organisation = application.call.organisation
    organisation.retain_declined_months, organisation.retain_pairing_years = 3, 7
    organisation.save()
    with translation.override("en"):
        consent = " ".join(render_to_string(
            f"participants/consent_{CONSENT_VERSION}.html",
            {"application": application, "consent_version": CONSENT_VERSION}).split())
    assert "3 months after the call closes" in consent
    assert "7 years after the pairing ends" in consent
