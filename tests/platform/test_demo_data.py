"""The demo data (config/demo.py) as loaded: organisations, projects and their rules, every
demo account and its sign-in, and the 2023 cohort behind the highlights. The demo is loaded once
for the whole module (the slowest part of these tests), inside a transaction rolled back at the
end of the module; each test runs in a savepoint of its own, so one that changes the demo (and
loads it again) leaves the next test the demo as loaded. Tests that load the demo themselves,
from an empty database, are in test_demo.py."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    validate_totp_code,
    yield_hotp_counters_from_time,
)
from allauth.mfa.utils import decrypt
from django.contrib.auth import authenticate
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from config import demo
from matching.budget.selectors import budget_figures
from matching.meetings.selectors import compliance_rows, compliance_table
from matching.models import ActivityPlan, Meeting, Pairing
from matching.proposals.selectors import matching_pool
from matching.schedule import Schedule, add_months
from participants.activities import selectors as selectors_activities
from participants.models import MFA_ROLES, Activity, Membership, Role, User
from programmes.models import (
    Call,
    Country,
    Organisation,
    Project,
)
from reporting import outcomes
from reporting.indicators import indicator_rows
from reporting.models import Feedback, Indicator, Report
from tests.platform.demo_helpers import (
    COHORT_PROJECTS,
    DEMO_EMAILS,
    ORG_SLUGS,
    S,
    areas_of,
    by_theme,
    codes_of,
    cohort,
    counts,
    figures,
    project,
)


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker) -> Iterator[demo.DemoSummary]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo.load_demo()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_loads_the_three_organisations(loaded: demo.DemoSummary) -> None:
    organisations = {org.slug: org for org in Organisation.objects.all()}
    assert set(organisations) == set(ORG_SLUGS)
    assert organisations["cepol"].short_name == "CEPOL"
    assert organisations["cepol"].unit == "International Cooperation Unit"
    assert organisations["interpol"].short_name == "INTERPOL"
    assert organisations["college-of-policing"].short_name == "College of Policing"


@pytest.mark.django_db
def test_countries_know_the_eu_member_states(loaded: demo.DemoSummary) -> None:
    assert Country.objects.get(code="MA").name == "Morocco"
    assert Country.objects.get(code="AT").is_eu_member
    assert not Country.objects.get(code="MA").is_eu_member
    assert not Country.objects.get(code="GB").is_eu_member
    assert Country.objects.filter(is_eu_member=True).count() == 27


@pytest.mark.django_db
def test_cepol_projects_have_their_partner_countries_areas_and_rules(
    loaded: demo.DemoSummary,
) -> None:
    cepol = Project.unscoped.filter(organisation__slug="cepol")
    assert set(cepol.values_list("slug", flat=True)) == {"euromed-police", "topcop", "ct-inflow"}

    euromed = project("cepol", "euromed-police")
    assert euromed.name == "EUROMED Police"
    assert euromed.region == "EU South Neighbourhood"
    assert codes_of(euromed) == {"DZ", "EG", "IL", "JO", "LB", "LY", "MA", "PS", "TN"}
    assert len(areas_of(euromed)) == 7
    assert "Criminal finances" in areas_of(euromed)

    topcop = project("cepol", "topcop")
    assert codes_of(topcop) == {"AM", "AZ", "GE", "MD", "UA"}
    assert areas_of(topcop) == {"Analysis", "Organised crime", "Illicit firearms"}

    for item in cepol:
        assert (item.duration_min_months, item.duration_max_months) == (3, 12)
        assert item.first_visit_within_months == 3
        assert (item.funded_visit_period_months, item.funded_visits_until_month) == (3, 12)
        assert item.mentors_from_eu_only
        assert item.mentees_from_partner_countries_only


@pytest.mark.django_db
def test_momentum_mena_lasts_two_years(loaded: demo.DemoSummary) -> None:
    momentum = project("interpol", "momentum-mena")
    assert (momentum.duration_min_months, momentum.duration_max_months) == (24, 24)
    assert momentum.funded_visits_until_month == 24
    assert not momentum.mentors_from_eu_only
    assert momentum.mentees_from_partner_countries_only
    assert codes_of(momentum) == {"DZ", "EG", "JO", "LB", "MA", "PS", "TN"}
    assert len(areas_of(momentum)) == 10


@pytest.mark.django_db
def test_college_of_policing_has_one_project_per_scheme(loaded: demo.DemoSummary) -> None:
    schemes = Project.unscoped.filter(organisation__slug="college-of-policing")
    assert schemes.count() == 7
    assert project("college-of-policing", "reverse-mentoring").kind == Project.Kind.REVERSE
    assert project("college-of-policing", "buddy-scheme").kind == Project.Kind.BUDDY
    assert (
        project("college-of-policing", "mentoring-for-chief-constables").kind
        == Project.Kind.PEER
    )
    for scheme in schemes:
        assert codes_of(scheme) == set()
        assert not scheme.mentors_from_eu_only
        assert not scheme.mentees_from_partner_countries_only
        assert scheme.region == "England and Wales"
        assert areas_of(scheme) == set(demo.COLLEGE_OF_POLICING_THEMATIC_AREAS)


@pytest.mark.django_db
@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_every_demo_user_signs_in_with_a_verified_address(
    loaded: demo.DemoSummary, email: str
) -> None:
    user = User.objects.get(email=email)
    assert user.full_name
    assert EmailAddress.objects.filter(user=user, email=email, primary=True, verified=True).exists()
    assert authenticate(None, email=email, password=demo.DEMO_PASSWORD) == user


@pytest.mark.django_db
def test_each_organisation_has_every_role(loaded: demo.DemoSummary) -> None:
    for slug in ORG_SLUGS:
        for role in demo.DEMO_ROLES:
            assert Membership.unscoped.filter(
                organisation__slug=slug, role=role, user__email=demo.demo_email(role, slug)
            ).exists()
    assert User.objects.get(email="mentee@interpol.demo").full_name == "Amira Haddad"


@pytest.mark.django_db
def test_mfa_roles_have_totp_and_recovery_codes(loaded: demo.DemoSummary) -> None:
    printed = {
        account.email: account
        for organisation in loaded.organisations
        for account in organisation.accounts
    } | {loaded.multi_role.email: loaded.multi_role}
    for email, account in printed.items():
        user = User.objects.get(email=email)
        has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        if Membership.unscoped.filter(user=user, role__in=MFA_ROLES).exists():
            assert has_totp
            codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
            assert list(account.recovery_codes) == RecoveryCodes(codes).get_unused_codes()[:2]
            assert account.totp_secret == demo.demo_totp_secret(email)
        else:
            assert not has_totp
            assert account.totp_secret == ""
    assert printed[demo.MULTI_EMAIL].totp_secret


@pytest.mark.django_db
def test_the_printed_totp_secret_gives_valid_codes(loaded: demo.DemoSummary) -> None:
    admin = loaded.organisations[0].accounts[0]
    counter = next(iter(yield_hotp_counters_from_time()))
    code = format_hotp_value(hotp_value(admin.totp_secret, counter))
    authenticator = Authenticator.objects.get(
        user__email=admin.email, type=Authenticator.Type.TOTP
    )
    # Checked without TOTP.validate_code: that marks the code used in the shared cache, where an
    # earlier run of this test may already have used it.
    stored_secret = decrypt(authenticator.data["secret"])
    assert stored_secret == admin.totp_secret
    assert validate_totp_code(stored_secret, code)


@pytest.mark.django_db
def test_focal_points_have_their_country_and_projects(loaded: demo.DemoSummary) -> None:
    membership = Membership.unscoped.get(organisation__slug="cepol", role=Role.FOCAL_POINT)
    assert membership.country_id == "MA"
    user = membership.user
    assert user.has_perm("programmes.nominate_for_project", project("cepol", "euromed-police"))
    assert user.has_perm("programmes.nominate_for_project", project("cepol", "ct-inflow"))
    assert not user.has_perm("programmes.nominate_for_project", project("cepol", "topcop"))

    interpol = Membership.unscoped.get(organisation__slug="interpol", role=Role.FOCAL_POINT)
    assert interpol.country_id == "JO"
    college = Membership.unscoped.get(
        organisation__slug="college-of-policing", role=Role.FOCAL_POINT
    )
    assert college.country_id == "GB"


@pytest.mark.django_db
def test_coordinators_coordinate_all_their_organisations_projects(
    loaded: demo.DemoSummary,
) -> None:
    coordinator = User.objects.get(email="coordinator@cepol.demo")
    for item in Project.unscoped.filter(organisation__slug="cepol"):
        assert coordinator.has_perm("programmes.coordinate_project", item)
    assert not coordinator.has_perm(
        "programmes.coordinate_project", project("interpol", "momentum-mena")
    )


@pytest.mark.django_db
def test_one_person_holds_roles_in_two_organisations(loaded: demo.DemoSummary) -> None:
    multi = User.objects.get(email=demo.MULTI_EMAIL)
    assert multi.full_name == "Jonas Weber"
    roles = set(Membership.unscoped.filter(user=multi).values_list("organisation__slug", "role"))
    assert roles == {("cepol", Role.COORDINATOR), ("interpol", Role.OBSERVER)}
    assert multi.has_perm("programmes.coordinate_project", project("cepol", "euromed-police"))
    assert not multi.has_perm("programmes.coordinate_project", project("cepol", "topcop"))


@pytest.mark.django_db
def test_loading_again_restores_what_the_demo_changed(loaded: demo.DemoSummary) -> None:
    euromed = project("cepol", "euromed-police")
    euromed.duration_max_months = 6
    euromed.save()
    euromed.partner_countries.remove(Country.objects.get(code="MA"))
    mentor = User.objects.get(email="mentor@cepol.demo")
    mentor.set_password("another-password-1")
    mentor.save()

    demo.load_demo()

    euromed.refresh_from_db()
    assert euromed.duration_max_months == 12
    assert "MA" in codes_of(euromed)
    assert authenticate(None, email=mentor.email, password=demo.DEMO_PASSWORD) == mentor


# --- The 2023 cohort --------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_2023_highlights_are_pairings(loaded: demo.DemoSummary) -> None:
    assert figures("euromed-police") == {"active": 11, "starting": 2, "finished": 0, "other": 0}
    assert by_theme("euromed-police", S.ACTIVE) == {
        "Criminal finances": 4, "Drug crimes": 2, "Fundamental rights and organised crime": 1,
        "Illicit firearms": 1, "Cybercrime": 1, "Trafficking in human beings": 1,
        "Migrant smuggling": 1,
    }
    assert figures("topcop") == {"active": 0, "starting": 3, "finished": 2, "other": 0}
    assert by_theme("topcop", *S.values) == {
        "Analysis": 1, "Organised crime": 1, "Illicit firearms": 3}
    assert figures("ct-inflow") == {"active": 1, "starting": 2, "finished": 1, "other": 0}
    # Nowhere else: INTERPOL and the College of Policing have no pairings in the demo.
    assert Pairing.unscoped.count() == cohort().count() == 22


@pytest.mark.django_db
def test_the_highlights_match_the_data_file(loaded: demo.DemoSummary) -> None:
    cepol = next(org for org in demo.read_data()["organisations"] if org["slug"] == "cepol")
    facts = {item["slug"]: item["highlights_2023"] for item in cepol["projects"]}
    euromed, topcop, ct_inflow = (facts[slug] for slug in COHORT_PROJECTS)
    assert figures("euromed-police")["active"] == euromed["active_pairs"]
    assert figures("euromed-police")["starting"] == euromed["starting_pairs"]
    assert by_theme("euromed-police", S.ACTIVE) == euromed["active_pairs_by_theme"]
    assert figures("topcop")["finished"] == topcop["implemented_pairs"]
    assert figures("topcop")["starting"] == topcop["starting_pairs"]
    assert by_theme("topcop", *S.values) == topcop["pairs_by_theme"]
    assert figures("ct-inflow")["finished"] == ct_inflow["finished_pairs"]
    assert figures("ct-inflow")["active"] == ct_inflow["active_pairs"]
    assert figures("ct-inflow")["starting"] == ct_inflow["starting_pairs"]


@pytest.mark.django_db
def test_mentees_come_from_partner_countries_and_mentors_from_the_eu(
    loaded: demo.DemoSummary,
) -> None:
    personas = {demo.demo_email(role, "cepol") for role in demo.DEMO_ROLES}
    for pairing in cohort().select_related("project", "mentee_application__country",
                                           "mentor_application__country", "mentee", "mentor"):
        partners = codes_of(pairing.project)
        assert pairing.mentee_application.country_id in partners
        assert pairing.mentor_application.country.is_eu_member
        assert pairing.mentee_application.applicant == pairing.mentee
        assert pairing.mentor_application.applicant == pairing.mentor
        assert pairing.mentee_application.thematic_area.project == pairing.project
        assert pairing.call == pairing.mentee_application.call
        assert pairing.call.title.endswith("2023")
        assert pairing.call.status == Call.Status.CLOSED
        assert pairing.mentor_application.call.status == Call.Status.CLOSED
        assert {pairing.mentee.email, pairing.mentor.email}.isdisjoint(personas)
        assert Membership.unscoped.filter(user=pairing.mentee, role=Role.MENTEE).exists()
        assert Membership.unscoped.filter(user=pairing.mentor, role=Role.MENTOR).exists()
    coordinator = User.objects.get(email=demo.demo_email(Role.COORDINATOR, "cepol"))
    for slug in COHORT_PROJECTS:
        assert coordinator.has_perm("programmes.coordinate_project", project("cepol", slug))


@pytest.mark.django_db
def test_each_agreed_pairing_has_one_approved_plan_and_its_history(
    loaded: demo.DemoSummary,
) -> None:
    path = [S.PROPOSED, S.ACCEPTED, S.PLAN_AGREED, S.ACTIVE, S.COMPLETED]
    for pairing in cohort():
        approved = pairing.plans.filter(status=ActivityPlan.Status.APPROVED)
        if pairing.status in (S.ACTIVE, S.PLAN_AGREED, S.COMPLETED):
            assert approved.count() == 1
        else:
            assert pairing.status == S.ACCEPTED
            assert not approved.exists()
            assert pairing.plans.get().status == ActivityPlan.Status.SIGNED
        moves = list(pairing.events.values_list("from_status", "to_status"))
        steps = path[:path.index(pairing.status) + 1]
        assert moves == list(zip(["", *steps], steps, strict=False))
        times = list(pairing.events.values_list("created_at", flat=True))
        assert times == sorted(times) and times[-1] <= timezone.now()


@pytest.mark.django_db
def test_the_cohort_runs_like_a_live_programme(loaded: demo.DemoSummary) -> None:
    today = timezone.localdate()
    next_month = add_months(today.replace(day=1), 1)
    for pairing in cohort():
        plan = pairing.plans.order_by("-version").first()
        schedule = Schedule(plan.start, plan.duration_months)
        meetings = pairing.meetings.all()
        if pairing.status == S.ACTIVE:
            assert plan.duration_months == 12
            assert add_months(today, -8) < plan.start <= add_months(today, -2)
            visits = meetings.filter(kind=Meeting.Kind.IN_PERSON, day__lt=add_months(
                plan.start, 3))
            assert visits.exists()
        elif pairing.status == S.COMPLETED:
            assert schedule.end < today
        else:
            assert plan.start == next_month
            assert not meetings.exists()
        assert all(m.day <= today and m.confirmed_at and m.confirmed_by_id != m.logged_by_id
                   and {m.logged_by_id, m.confirmed_by_id} == {pairing.mentee_id,
                                                               pairing.mentor_id}
                   for m in meetings)
    # Two pairs missed a month's online meeting: the compliance table shows them late.
    euromed = project("cepol", "euromed-police")
    active = cohort("euromed-police").filter(project=euromed, status=S.ACTIVE)
    rows = compliance_rows(active, compliance_table(active))
    late = {row.pairing.mentee.full_name: row.state.late for row in rows if row.state.late}
    assert late == {"Georges Khoury": ["month-3"], "Ahmed Al-Mabrouk": ["month-2"]}


@pytest.mark.django_db
def test_every_completed_pairing_has_its_report_and_both_feedbacks(
    loaded: demo.DemoSummary,
) -> None:
    completed = cohort().filter(status=S.COMPLETED)
    assert completed.count() == 3
    for pairing in completed:
        narrative = pairing.reports.get(kind=Report.Kind.NARRATIVE)
        assert narrative.status == Report.Status.ACCEPTED
        assert narrative.objectives and all(row["progress"] for row in narrative.objectives)
        assert all(text for _name, _label, text in narrative.text_fields)
        assert narrative.meetings_held
        assert narrative.submitted_at < narrative.reviewed_at <= timezone.now()
        assert narrative.reviewed_by.email == demo.demo_email(Role.COORDINATOR, "cepol")
        assert pairing.reports.get(kind=Report.Kind.INTERIM).status == Report.Status.ACCEPTED
        authors = set(Feedback.unscoped.filter(pairing=pairing).values_list("author", flat=True))
        assert authors == {pairing.mentee_id, pairing.mentor_id}
        assert all(row["rating"] in (3, 4) for row in narrative.objectives)
        completion = pairing.events.get(to_status=S.COMPLETED)
        assert completion.created_at == narrative.reviewed_at


@pytest.mark.django_db
def test_the_outcomes_show_figures_for_a_project_with_enough_completed_pairs(
    loaded: demo.DemoSummary,
) -> None:
    """TOPCOP's two completed pairs give four people with both self-assessments: enough for
    the dashboard's averages; CT INFLOW's one completed pair is too few."""
    projects = {p.slug: p for p in Project.unscoped.filter(organisation__slug="cepol")}
    topcop = outcomes.competency_gain(project=projects["topcop"])
    assert topcop.shown and topcop.respondents == 4 and topcop.gain > 0
    assert len(topcop.per_competency) == len(demo.LAW_ENFORCEMENT_COMPETENCIES)
    assert not outcomes.competency_gain(project=projects["ct-inflow"]).shown
    assert outcomes.objective_progress(project=projects["topcop"]).achieved > 0


@pytest.mark.django_db
def test_the_cohort_mentees_stay_out_of_the_matching_pools(loaded: demo.DemoSummary) -> None:
    """Mentees in a live or completed pairing are not offered again; the mentors of completed
    pairings are free to take a mentee again."""
    for slug in ["topcop", "ct-inflow"]:
        pool = matching_pool(project=project("cepol", slug))
        completed_mentors = set(cohort().filter(project__slug=slug, status=S.COMPLETED)
                                .values_list("mentor_application", flat=True))
        assert pool.mentees == []
        assert {mentor.id for mentor in pool.mentors} <= completed_mentors


@pytest.mark.django_db
def test_loading_again_restores_a_cohort_changed_in_the_demo(loaded: demo.DemoSummary) -> None:
    before = counts()
    pairing = cohort("ct-inflow").get(status=S.ACTIVE)
    pairing.status = S.ENDED_EARLY
    pairing.save()
    pairing.meetings.first().delete()

    demo.load_demo()

    assert counts() == before
    assert figures("ct-inflow") == {"active": 1, "starting": 2, "finished": 1, "other": 0}


@pytest.mark.django_db
def test_the_dashboard_and_the_highlights_pdf_show_the_2023_highlights(
        loaded: demo.DemoSummary, client, django_capture_on_commit_callbacks) -> None:
    """EUROMED Police as of September 2023: 11 active pairs and 2 starting, 4 of the active
    ones in criminal finances; the page and the PDF show the same figures."""
    from reporting.models import Export
    from tests.helpers import keep_pages, pdf_text

    client.force_login(User.objects.get(email=demo.demo_email(Role.COORDINATOR, "cepol")))
    page = client.get(reverse("dashboard", args=["cepol", "euromed-police"]))
    assert page.status_code == 200
    shown = page.context["figures"]
    assert (shown.by_group["active"], shown.by_group["starting"]) == (11, 2)
    assert dict(shown.by_theme)["Criminal finances"][0] == 4
    text = page.content.decode()
    assert '<strong>11</strong> <span>Active pairs</span>' in text
    assert '<strong>2</strong> <span>Pairs accepted, not started yet</span>' in text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("export_create", args=["cepol", "euromed-police"]),
                    {"choice": "highlights:pdf"})
    made = Export.unscoped.get()
    assert made.status == "done", made.error
    content = client.get(reverse("export_download", args=["cepol", made.pk])).content
    text = pdf_text(content)
    assert "EUROMED Police" in text and "Criminal finances" in text
    lines = [line.strip() for line in text.splitlines()]
    assert "11" in lines and "Active pairs" in text and "not started yet" in text
    keep_pages(content, "highlights-euromed-2023")




def test_momentum_mena_has_its_advisory_board_and_activities(loaded: demo.DemoSummary) -> None:
    momentum = project("interpol", "momentum-mena")
    members = selectors_activities.board_members(project=momentum, on=date(2023, 6, 1))
    assert sorted(m.country_id for m in members) == sorted(codes_of(momentum))
    meetings = Activity.objects.for_org(momentum.organisation).filter(
        project=momentum, kind="board_meeting", starts_on__year=2023)
    assert meetings.count() == 2
    assert all(m.agenda and m.minutes and m.decisions for m in meetings)
    assert all(m.participants.filter(attended="yes").count() == len(demo.BOARD_MEMBERS)
               for m in meetings)
    kinds = set(Activity.objects.for_org(momentum.organisation).filter(project=momentum)
                .values_list("kind", flat=True))
    assert {"training", "leadership", "conference", "board_meeting"} <= kinds
    figures_2023 = selectors_activities.activity_figures(
        project=momentum, start=date(2023, 1, 1), end=date(2023, 12, 31))
    assert figures_2023.held == 5 and figures_2023.board_meetings == 2
    euromed = project("cepol", "euromed-police")
    assert sorted(Activity.objects.for_org(euromed.organisation).filter(project=euromed)
                  .values_list("kind", flat=True)) == ["board_meeting", "conference", "webinar"]


@pytest.mark.django_db
def test_euromed_police_has_a_visit_budget_with_claims_to_show(
        loaded: demo.DemoSummary) -> None:
    """The visit budget (issue 16): 60,000 EUR, 5,000 a pair, dirhams counted with the rate
    the coordinator recorded; claims approved, adjusted and waiting for review."""
    euromed = project("cepol", "euromed-police")
    figures = budget_figures(project=euromed)
    assert (figures.budget, figures.ceiling, figures.currency) == (
        Decimal(60000), Decimal(5000), "EUR")
    assert figures.rates["MAD"] == Decimal("0.0920") and "MAD" in figures.claimed
    assert figures.used > 0 and figures.pending > 0 and figures.unconverted == {}
    assert figures.left == figures.budget - figures.used
    statuses = set(Meeting.objects.for_org(euromed.organisation).filter(
        pairing__project=euromed, funded=True).values_list("claim_status", flat=True))
    assert {"approved", "adjusted", "pending"} <= statuses
    assert figures.visits_funded > 0 and figures.planned > 0
    assert len(figures.over_ceiling) == 1  # the first pair's dearer visits


@pytest.mark.django_db
def test_euromed_police_reports_on_its_donor_indicators(loaded: demo.DemoSummary) -> None:
    """Indicators (issue 16) over the cohort's programme year, with targets from its 2023
    figures; each counts something in the demo, apart from what only the cohort's end brings
    (completions, the gain between start and end self-assessments)."""
    euromed = project("cepol", "euromed-police")
    rows = indicator_rows(project=euromed, pairings=Pairing.objects.for_org(
        euromed.organisation).filter(project=euromed), indicators=list(
        Indicator.objects.for_org(euromed.organisation).filter(project=euromed)))
    values = {row.indicator.metric: row.figure.value for row in rows}
    assert len(rows) == len(demo.DEMO_INDICATORS)
    assert values[Indicator.Metric.OFFICERS_MENTORED] == 11
    assert values[Indicator.Metric.COUNTRIES] == 9
    assert values[Indicator.Metric.ACTIVITIES_HELD] == 2  # the conference and the board
    for metric in (Indicator.Metric.WOMEN_SHARE, Indicator.Metric.MEETINGS_PER_PAIR,
                   Indicator.Metric.VISITS_FUNDED, Indicator.Metric.BUDGET_USED,
                   Indicator.Metric.ATTENDANCE):
        assert values[metric], metric
    board = selectors_activities.board_members(project=euromed, on=timezone.localdate())
    assert len(board) == len(demo.EUROMED_BOARD_MEMBERS)
