"""`manage.py personal_data`: the operators' export and erasure of one person in one
organisation."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from participants.models import Application, Membership
from programmes.privacy.models import AuditEntry
from programmes.privacy.services import ERASED_NAME
from tests.factories import ApplicationFactory
from tests.helpers import World


@pytest.fixture
def applicant(world: World) -> Application:
    mentee = world.people["mentee"]
    world.call.invited_countries.add(world.morocco)
    return ApplicationFactory(call=world.call, applicant=mentee, full_name="Salma Idrissi",
                              email=mentee.email, motivation="To trace criminal assets.")


def run(*args: str, **kwargs) -> str:
    out = io.StringIO()
    call_command("personal_data", *args, stdout=out, stderr=io.StringIO(), **kwargs)
    return out.getvalue()


def test_export_writes_the_persons_data_as_json(world: World, applicant, tmp_path):
    data = json.loads(run("export", "--email", "MENTEE@cepol.test", "--organisation", "cepol"))
    assert data["person"] == "mentee@cepol.test"
    applications = next(s for s in data["sections"] if s["model"] == "participants.Application")
    assert applications["rows"][0]["id"] == applicant.pk
    assert applications["rows"][0]["motivation"] == "To trace criminal assets."
    assert AuditEntry.objects.for_org(world.org).filter(
        event=AuditEntry.Event.DATA_EXPORTED).count() == 1
    target = tmp_path / "salma.json"
    run("export", "--email", "mentee@cepol.test", "--organisation", "cepol",
        "--output", str(target))
    assert json.loads(target.read_text())["person"] == "mentee@cepol.test"


def test_erase_with_yes_erases_the_person(world: World, applicant):
    out = run("erase", "--email", "mentee@cepol.test", "--organisation", "cepol", "--yes")
    assert "applications: 0 deleted, 1 anonymised, 1 files deleted" in out
    applicant.refresh_from_db()
    assert applicant.full_name == ERASED_NAME
    assert not Membership.objects.for_org(world.org).filter(user=world.people["mentee"]).exists()
    assert AuditEntry.objects.for_org(world.org).filter(event=AuditEntry.Event.ERASED).exists()


def test_erase_asks_first_and_a_no_changes_nothing(world: World, applicant, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    out = run("erase", "--email", "mentee@cepol.test", "--organisation", "cepol")
    assert "Nothing erased." in out
    applicant.refresh_from_db()
    assert applicant.full_name == "Salma Idrissi"
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    run("erase", "--email", "mentee@cepol.test", "--organisation", "cepol")
    applicant.refresh_from_db()
    assert applicant.full_name == ERASED_NAME


@pytest.mark.parametrize("args, message", [
    (("--email", "mentee@cepol.test", "--organisation", "no-such-org"), "No organisation"),
    (("--email", "mentee@cepol.test", "--organisation", "interpol"), "not a member"),
    (("--email", "nobody@cepol.test", "--organisation", "cepol"), "not a member"),
])
def test_an_unknown_organisation_or_person_is_refused(world: World, applicant, args, message):
    for action in ("export", "erase"):
        with pytest.raises(CommandError, match=message):
            run(action, *args, "--yes") if action == "erase" else run(action, *args)
    applicant.refresh_from_db()
    assert applicant.full_name == "Salma Idrissi"
    assert not AuditEntry.objects.filter(event__in=[AuditEntry.Event.DATA_EXPORTED,
                                                    AuditEntry.Event.ERASED]).exists()
