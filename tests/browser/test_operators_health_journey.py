"""The platform's operators' health page in a real Chromium: a superuser signed in past MFA
opens it from the admin's index and reads the checks, the scan's last runs and each
organisation's reminders; axe-core finds nothing serious, in English and in Arabic, on a desktop
and on a phone."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from matching.models import Reminder, ScanRun
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    axe_violations,
    screenshot,
    use_language,
    use_session_of,
)
from tests.factories import ReminderFactory, UserFactory, with_totp
from tests.helpers import World, sign_in_with_mfa

pytestmark = pytest.mark.browser


def test_an_operator_reads_the_platforms_health(transactional_db, world: World, live_server,
                                                new_page):
    then = timezone.now() - timedelta(minutes=25)
    ScanRun.objects.create(started_at=then, finished_at=then + timedelta(seconds=4), due=2)
    ReminderFactory(pairing__project=world.project, status=Reminder.Status.FAILED)
    ReminderFactory(pairing__project=world.foreign_project)
    operator = UserFactory(email="root@platform.test", full_name="Platform Operator",
                           is_staff=True, is_superuser=True)
    # The admin's door asks for the password and the TOTP code: through allauth's own forms in
    # the test client, the session handed to the browser.
    client = Client()
    sign_in_with_mfa(client, operator, with_totp(operator))
    problems = []
    for language, viewport in (("en", DESKTOP), ("en", PHONE), ("ar", DESKTOP), ("ar", PHONE)):
        page = new_page(viewport)
        use_session_of(client, page, live_server)
        use_language(page, language, live_server)
        page.goto("/admin/")
        page.locator("a[href='/admin/health/']").first.click()
        expect(page).to_have_url(f"{live_server.url}/admin/health/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("#checks tbody tr")).to_have_count(5)
        expect(page.locator("#scan tbody tr")).to_have_count(1)
        expect(page.locator("#organisation-cepol td").first).to_have_text("1")
        expect(page.locator("#organisation-interpol td").nth(1)).to_have_text("1")
        if language == "ar":
            expect(page.locator("html")).to_have_attribute("dir", "rtl")
        name = f"operators-health-{language}-{'phone' if viewport == PHONE else 'desktop'}"
        screenshot(page, f"{name}.png")
        problems += [f"{name}: {violation}" for violation in axe_violations(page)]
    assert not problems, "\n".join(problems)
