"""The platform's operators' health page in Django's admin (/admin/health/): the readiness checks
with their reasons, the reminder scan's last runs, and each organisation's reminders given up,
waiting and last sent. Behind the admin's own door: superusers past MFA only."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from matching.models import Reminder, ScanRun
from participants.models import User
from tests.factories import ProjectFactory, ReminderFactory, UserFactory, with_totp
from tests.helpers import World, free_port, sign_in_with_mfa

HEALTH = "/admin/health/"


@pytest.fixture
def operator(db, client):
    """A client signed in as a superuser, through allauth with the TOTP code, as the admin
    asks."""
    superuser = UserFactory(email="root@platform.test", full_name="Platform Operator",
                            is_staff=True, is_superuser=True)
    sign_in_with_mfa(client, superuser, with_totp(superuser))
    return client


def row_of(text: str, slug: str) -> str:
    start = text.index(f'id="organisation-{slug}"')
    return text[start:text.index("</tr>", start)]


def test_the_address_and_the_admins_index_link_to_it(operator):
    assert reverse("platform_health") == HEALTH
    index = operator.get(reverse("admin:index"))
    assert f'href="{HEALTH}"' in index.text and "Platform health" in index.text
    # The admin's apps are still listed under it.
    assert "/admin/participants/user/" in index.text


def test_an_operator_sees_the_scan_and_each_organisations_reminders(world: World, operator):
    started = timezone.now() - timedelta(minutes=20, seconds=12)
    ScanRun.objects.create(started_at=started, finished_at=started + timedelta(seconds=12),
                           due=3)
    ReminderFactory(pairing__project=world.project, status=Reminder.Status.FAILED)
    ReminderFactory(pairing__project=world.project)  # waiting
    sent = ReminderFactory(pairing__project=world.project, status=Reminder.Status.SENT,
                           sent_at=timezone.now() - timedelta(days=2))
    # Given up before the 30 days the page counts.
    old = ReminderFactory(pairing__project=world.foreign_project, status=Reminder.Status.FAILED)
    Reminder.unscoped.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=31))

    page = operator.get(HEALTH)
    assert page.status_code == 200
    text = page.text
    assert "Platform health" in text and "Django administration" in text  # the admin's look
    assert "The reminder scan last ran on" in text and "It is late" not in text
    # Its last run: how long it took and how many reminders were due.
    runs = text[text.index('id="scan"'):text.index('id="organisations"')]
    assert "<td>12.0</td>" in runs and "<td>3</td>" in runs
    cepol = row_of(text, "cepol")
    assert "CEPOL agency" in cepol
    assert [cell.split("</td>")[0] for cell in cepol.split("<td>")[1:3]] == [
        "<strong>1</strong>", "1"]
    assert "Never" not in cepol and str(sent.sent_at.year) in cepol
    interpol = row_of(text, "interpol")
    assert [cell.split("</td>")[0] for cell in interpol.split("<td>")[1:]] == ["0", "0", "Never"]
    # Every check answers, with what it found.
    assert "Failing" not in text[:text.index('id="scan"')]


def test_a_failing_check_is_shown_with_its_reason(db, operator):
    text = operator.get(HEALTH).text
    checks = text[text.index('id="checks"'):text.index('id="scan"')]
    assert "<strong>Failing</strong>" in checks
    assert "the reminder scan has never run" in checks
    assert "The reminder scan has never run." in text and "It is late" in text
    # An error the public /readyz hides ("unavailable") is shown here in full: a broker where
    # nothing listens.
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0",
                           CELERY_BROKER_TRANSPORT_OPTIONS={}):
        text = operator.get(HEALTH).text
    broker = text[text.index("<th scope=\"row\"><bdi>broker</bdi></th>"):]
    broker = broker[:broker.index("</tr>")]
    assert "Failing" in broker and "unavailable" not in broker and "Error" in broker, broker


def test_a_late_scan_says_so(db, operator):
    then = timezone.now() - timedelta(hours=3)
    ScanRun.objects.create(started_at=then, finished_at=then)
    text = operator.get(HEALTH).text
    assert "The reminder scan last ran on" in text and "It is late" in text
    assert "last ran 180 minutes ago (at most 130)" in text


def test_the_page_reads_as_much_for_six_organisations_as_for_two(db, operator):
    def organisations_with_reminders(n: int) -> None:
        for _ in range(n):
            project = ProjectFactory()
            ReminderFactory(pairing__project=project, status=Reminder.Status.FAILED)
            ReminderFactory(pairing__project=project, status=Reminder.Status.SENT,
                            sent_at=timezone.now())

    def queries() -> int:
        with CaptureQueriesContext(connection) as read:
            assert operator.get(HEALTH).status_code == 200
        return len(read)

    ScanRun.objects.create(started_at=timezone.now(), finished_at=timezone.now())
    organisations_with_reminders(2)
    two = queries()
    organisations_with_reminders(4)
    ScanRun.objects.create(started_at=timezone.now(), finished_at=timezone.now())
    assert queries() == two


def test_an_organisation_admin_is_refused_as_by_the_rest_of_the_admin(world: World, client):
    person = world.people["admin"]
    User.objects.filter(pk=person.pk).update(is_staff=True)  # even marked staff
    Authenticator.objects.filter(user=person).delete()  # a secret this test knows
    sign_in_with_mfa(client, person, with_totp(person))
    response = client.get(HEALTH)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={HEALTH}"
    assert client.get(response["Location"]).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(db, client):
    response = client.get(HEALTH, follow=True)
    assert response.redirect_chain[-1][0] == (
        f"{reverse('account_login')}?{urlencode({'next': HEALTH})}")
    assert 'name="login"' in response.text and "Platform health" not in response.text
