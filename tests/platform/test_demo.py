"""The demo data loaded from an empty database: its data file, loading it twice, loading it again
after changes or on a later day. What the loaded demo holds is test_demo_data.py's."""

from datetime import timedelta
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
)
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from config import demo
from matching.models import Meeting
from matching.proposals.selectors import matching_pool
from matching.schedule import add_months
from participants.models import User
from programmes.models import (
    Call,
    Project,
)
from tests.platform.demo_helpers import (
    DEMO_EMAILS,
    cohort,
    counts,
    figures,
    project,
)


def test_the_data_file_names_every_country_it_uses() -> None:
    data = demo.read_data()
    used = set(data["eu_member_states"]) | {"GB"}
    for org in data["organisations"]:
        for item in org.get("projects", []):
            used |= set(item["partner_countries"])
    assert used == set(data["countries"])


@pytest.mark.django_db
def test_an_existing_authenticator_is_kept() -> None:
    demo.load_demo()
    user = User.objects.get(email="admin@cepol.demo")
    Authenticator.objects.filter(user=user).delete()
    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")

    summary = demo.load_demo()

    assert summary.organisations[0].accounts[0].totp_secret == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).count() == 1
    assert Authenticator.objects.filter(
        user=user, type=Authenticator.Type.RECOVERY_CODES
    ).exists()


@pytest.mark.django_db
def test_loading_twice_changes_nothing_and_prints_the_same() -> None:
    first = StringIO()
    call_command("load_demo", stdout=first)
    after_first = counts()
    stamps = list(Project.unscoped.order_by("pk").values_list("updated_at", flat=True))

    second = StringIO()
    call_command("load_demo", stdout=second)

    assert counts() == after_first
    assert list(Project.unscoped.order_by("pk").values_list("updated_at", flat=True)) == stamps
    assert second.getvalue() == first.getvalue()
    assert after_first["Organisation"] == 3
    pool = [row for row in demo.DEMO_SHORTLIST if row[1] is not None]
    cohort = len(demo.COHORT_MENTEES) + len(demo.COHORT_MENTORS)
    assert after_first["User"] == (len(DEMO_EMAILS) + len(pool) + cohort
                                   + len(demo.BOARD_MEMBERS) + len(demo.EUROMED_BOARD_MEMBERS))
    assert after_first["Pairing"] == 22


@pytest.mark.django_db
def test_the_summary_shows_where_and_how_to_sign_in() -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert f"{settings.SITE_URL}/accounts/login/" in text
    assert demo.DEMO_PASSWORD in text
    for email in DEMO_EMAILS:
        assert email in text
    admin = User.objects.get(email="admin@interpol.demo")
    codes = RecoveryCodes(
        Authenticator.objects.get(user=admin, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()
    assert demo.demo_totp_secret(admin.email) in text
    assert f"{codes[0]}  {codes[1]}" in text


@pytest.mark.django_db
def test_demo_calls_are_open_and_stay_put_on_reload() -> None:

    call_command("load_demo", stdout=StringIO())
    calls = {call.title: call for call in Call.unscoped.filter(status="open")}
    assert set(calls) == {"EUROMED Police mentees 2027", "Momentum MENA mentees 2027",
                          "Volunteer mentors 2027"}
    assert all(call.accepts_nominations for call in calls.values())
    euromed = calls["EUROMED Police mentees 2027"]
    assert set(euromed.invited_countries.values_list("code", flat=True)) == {
        "DZ", "EG", "IL", "JO", "LB", "LY", "MA", "PS", "TN"}
    assert calls["Momentum MENA mentees 2027"].female_only
    assert calls["Volunteer mentors 2027"].allow_self_nomination
    stamps = list(Call.unscoped.order_by("pk").values_list("updated_at", "deadline"))
    call_command("load_demo", stdout=StringIO())
    assert list(Call.unscoped.order_by("pk").values_list("updated_at", "deadline")) == stamps


@pytest.mark.django_db
def test_the_demo_shortlist_is_ready_to_match() -> None:
    """Six shortlisted mentees and four mentors in EUROMED Police: the engine pairs them all,
    Nadia (trafficking in human beings) through the related area of migrant smuggling."""
    from matching.proposals.engine import match

    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    pool = matching_pool(project=project("cepol", "euromed-police"))
    assert (len(pool.mentees), len(pool.mentors)) == (6, 4)
    result = match(pool.mentees, pool.mentors, pool.rules, area_names=pool.area_names)
    names = {pool.applications[p.mentee_id].full_name: pool.applications[p.mentor_id].full_name
             for p in result.pairs}
    assert names == {
        "Karim Ben Salah": "Sofie Janssens", "Salma Idrissi": "Sofie Janssens",
        "Leila Haddad": "Anna Kowalska", "Omar Farouk": "Luca Moretti",
        "Rami Nasser": "Javier Moreno", "Nadia Bensaïd": "Javier Moreno",
    }
    assert result.unmatched == {}


# --- The 2023 cohort --------------------------------------------------------------------------

@pytest.mark.django_db
def test_loading_again_keeps_the_cohort_as_it_is() -> None:
    demo.load_demo()
    before = counts()
    pairings = list(cohort().order_by("pk").values_list("pk", "updated_at"))
    meetings = list(Meeting.unscoped.order_by("pk").values_list("pk", "updated_at"))

    demo.load_demo()

    assert counts() == before
    assert list(cohort().order_by("pk").values_list("pk", "updated_at")) == pairings
    assert list(Meeting.unscoped.order_by("pk").values_list("pk", "updated_at")) == meetings


@pytest.mark.django_db
def test_a_later_day_moves_the_cohort_with_it() -> None:
    today = timezone.localdate()
    demo.load_demo(today=today - timedelta(days=45))
    before = counts()
    earlier = set(cohort().values_list("plans__start", flat=True))

    demo.load_demo()

    # The same rows, apart from the meetings and reports the pairs have had time for since.
    day_by_day = {"Meeting", "Report"}
    assert {name: n for name, n in counts().items() if name not in day_by_day} == {
        name: n for name, n in before.items() if name not in day_by_day}
    later = set(cohort().values_list("plans__start", flat=True))
    assert earlier != later
    assert add_months(today.replace(day=1), 1) in later
    assert figures("euromed-police") == {"active": 11, "starting": 2, "finished": 0, "other": 0}


