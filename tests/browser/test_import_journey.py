"""A coordinator brings a programme under way in, in a real Chromium: from the project's page
she downloads the template, uploads a file with a bad row and reads the cell and the reason,
uploads the corrected file, confirms with the invitations (the import runs in a worker, at once
in tests), finds the pairings in the project's list, and a mentee the import created joins from
her invitation and sees her pairing.

The browser set-up (Debian's Chromium, screenshots in data/test-artifacts/) is
tests/browser/conftest.py's."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from matching.imports.check import COLUMNS
from matching.models import Pairing, ProgrammeImport
from tests.browser.helpers import (
    DESKTOP,
    invitation_link,
    join_from_invitation,
    screenshot,
    sign_in_with_cookie,
)
from tests.helpers import PASSWORD, World

pytestmark = pytest.mark.browser

HEADER = [str(label) for _key, label, _required in COLUMNS]
SALMA = ["salma@police.ma", "Salma Idrissi", "MA", "jean@police.fr", "Jean Martin", "FR",
         "Criminal finances", "fr, en", "2026-10-15", "6", "1"]
AMAL = ["amal@psd.gov.jo", "Amal Haddad", "Jordan", "marie@police.fr", "Marie Dubois",
        "France", "Criminal finances", "English", "2026-11-01", "12", ""]


def csv_file(folder: Path, name: str, rows: list[list[str]]) -> Path:
    text = io.StringIO(newline="")
    csv.writer(text).writerows([HEADER, *rows])
    path = folder / name
    path.write_bytes(text.getvalue().encode("utf-8-sig"))
    return path


def test_a_coordinator_brings_a_programme_in_and_a_mentee_joins(
        transactional_db, world: World, live_server, new_page, tmp_path, mailoutbox):
    page = new_page(DESKTOP)
    sign_in_with_cookie(page, world.people["coordinator"], live_server)
    page.goto(f"/cepol/projects/{world.project.slug}/")
    page.get_by_role("link", name="Bring a programme in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bring a programme in")

    # 1. The template, with its explanation sheet.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the template (XLSX)").click()
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert [cell.value for cell in book.worksheets[0][1]] == HEADER
    assert book.sheetnames == ["Pairings", "Meetings", "Explanation"]
    screenshot(page, "import-1-start.png")

    # 2. A file with a bad row: the preview names the cell and the reason; nothing to confirm.
    bad = [*AMAL[:2], "Atlantis", *AMAL[3:]]
    page.get_by_label("The template, filled in (XLSX or CSV)").set_input_files(
        csv_file(tmp_path, "cohort.csv", [SALMA, bad]))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    table = page.get_by_role("region", name="Bad cells")
    expect(table).to_contain_text("C3")
    expect(table).to_contain_text("“Atlantis” is not a country this platform knows")
    expect(page.get_by_role("button", name="Import")).to_have_count(0)
    screenshot(page, "import-2-bad-row.png")
    assert not Pairing.objects.for_org(world.org).exists()

    # 3. The corrected file, confirmed with the invitations.
    page.get_by_role("link", name="Upload again").click()
    page.get_by_label("The template, filled in (XLSX or CSV)").set_input_files(
        csv_file(tmp_path, "cohort-corrected.csv", [SALMA, AMAL]))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".facts")).to_contain_text("Pairings to create")
    expect(page.get_by_label("Invite the people the import creates")).to_be_checked()
    page.get_by_role("button", name="Import 2 pairings").click()
    progress = page.locator("#import-progress")
    expect(progress.get_by_role("status")).to_have_text("Imported")
    expect(progress).to_contain_text("2 pairings created.")
    expect(progress).to_contain_text("4 invitations sent.")
    screenshot(page, "import-3-done.png")
    assert ProgrammeImport.objects.for_org(world.org).filter(status="done").count() == 1

    # 4. The pairings are in the project's list, active.
    progress.get_by_role("link", name="See the project's pairings").click()
    main = page.locator("main")
    expect(main).to_contain_text("Salma Idrissi")
    expect(main).to_contain_text("Amal Haddad")

    # 5. Salma joins from her invitation (choosing her password) and sees her pairing.
    mentee = new_page(DESKTOP)
    join_from_invitation(mentee, invitation_link("salma@police.ma", live_server),
                         email="salma@police.ma", full_name="Salma Idrissi", password=PASSWORD)
    pairing = Pairing.objects.for_org(world.org).get(mentee__email="salma@police.ma")
    mentee.goto(f"/cepol/pairings/{pairing.pk}/")
    expect(mentee.locator("main")).to_contain_text("Jean Martin")
    screenshot(mentee, "import-4-mentee.png")
