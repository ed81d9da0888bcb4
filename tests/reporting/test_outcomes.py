"""Outcomes (issue 16): the project's competencies, each participant's self-assessment at the
start and at the end, the gains each pair and its coordinators see, and the averages observers
see, only over enough people."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matching.models import Pairing
from programmes.privacy.services import personal_data_collect
from reporting.models import Competency, SelfAssessment, SelfAssessmentAnswer
from reporting.outcomes import MIN_GROUP, competency_gain, objective_progress, satisfaction
from tests.factories import (
    CompetencyFactory,
    FeedbackFactory,
    PairingFactory,
    ReportFactory,
    SelfAssessmentAnswerFactory,
    SelfAssessmentFactory,
)
from tests.helpers import World, in_last_month, running

# The dashboard's outcomes, as it asks for them once shown (htmx).
OUTCOMES = {"section": "outcomes"}


def competencies_url(world: World, *args) -> str:
    name = "competency_edit" if args else "competencies"
    return reverse(name, args=[world.org.slug, world.project.slug, *args])


def assessment_url(world: World, pairing: Pairing, moment: str) -> str:
    return reverse("self_assessment", args=[world.org.slug, pairing.pk, moment])


def asked(world: World) -> list[Competency]:
    return [CompetencyFactory(project=world.project, name=name, order=order)
            for order, name in enumerate(["Leadership", "International cooperation",
                                          "Analysis"], start=1)]


def answered(pairing: Pairing, author, competencies: list[Competency], moment: str,
             scores: list[int], *, when=None) -> SelfAssessment:
    assessment = SelfAssessmentFactory(pairing=pairing, author=author, moment=moment,
                                       submitted_at=when or timezone.now())
    for competency, score in zip(competencies, scores, strict=True):
        SelfAssessmentAnswerFactory(assessment=assessment, competency=competency, score=score)
    return assessment


def respondents(world: World, competencies: list[Competency], n: int,
                start: list[int], end: list[int]) -> None:
    """`n` mentees of as many pairings, each with both moments."""
    for _ in range(n):
        pairing = PairingFactory(project=world.project, status=Pairing.Status.COMPLETED)
        answered(pairing, pairing.mentee, competencies, "start", start)
        answered(pairing, pairing.mentee, competencies, "end", end)


# --- Competencies -----------------------------------------------------------------------------

def test_the_coordinator_adds_edits_reorders_and_retires_competencies(world, client_as):
    client = client_as(world.people["coordinator"])
    assert client.get(competencies_url(world)).status_code == 200
    for name in ("Leadership", "Analysis"):
        response = client.post(competencies_url(world), {"name": name,
                                                         "description": "Leads a team."})
        assert response.status_code == 302
    leadership, analysis = Competency.objects.for_org(world.org).order_by("order")
    assert (leadership.name, leadership.order, analysis.order) == ("Leadership", 1, 2)
    client.post(competencies_url(world, analysis.pk), {"action": "up"})
    assert [c.name for c in Competency.objects.for_org(world.org).order_by("order")] == [
        "Analysis", "Leadership"]
    response = client.post(competencies_url(world, leadership.pk),
                           {"action": "save", "name": "Leadership of a unit",
                            "description": ""})
    assert response.status_code == 302
    leadership.refresh_from_db()
    assert leadership.name == "Leadership of a unit"
    client.post(competencies_url(world, leadership.pk), {"action": "retire"})
    leadership.refresh_from_db()
    assert leadership.retired_at is not None
    page = client.get(competencies_url(world)).content.decode()
    assert "Retired" in page and "Leadership of a unit" in page
    client.post(competencies_url(world, leadership.pk), {"action": "restore"})
    leadership.refresh_from_db()
    assert leadership.retired_at is None


@pytest.mark.parametrize("data, field, message", [
    ({"name": "", "description": "x"}, "name", "This field is required."),
    ({"name": "Leadership", "description": "x"}, "__all__", "already exists"),
    ({"name": "A" * 121, "description": ""}, "name", "at most 120 characters"),
])
def test_a_bad_competency_is_refused_next_to_its_field_and_keeps_what_was_typed(
        world, client_as, data, field, message):
    CompetencyFactory(project=world.project, name="Leadership")
    response = client_as(world.people["coordinator"]).post(competencies_url(world), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert data["description"] in response.content.decode()
    assert Competency.objects.for_org(world.org).count() == 1


def test_an_edit_with_a_bad_name_changes_nothing(world, client_as):
    competency = CompetencyFactory(project=world.project, name="Leadership")
    response = client_as(world.people["coordinator"]).post(
        competencies_url(world, competency.pk), {"action": "save", "name": "",
                                                 "description": "Typed text"})
    assert response.status_code == 400 and "Typed text" in response.content.decode()
    competency.refresh_from_db()
    assert competency.name == "Leadership"


def test_another_projects_or_organisations_competency_is_not_found(world, client_as):
    foreign = CompetencyFactory(project=world.foreign_project)
    other = CompetencyFactory(project=world.other_project)
    client = client_as(world.people["coordinator"])
    for competency in (foreign, other):
        assert client.get(competencies_url(world, competency.pk)).status_code == 404
        assert client.post(competencies_url(world, competency.pk),
                           {"action": "retire"}).status_code == 404
    assert Competency.unscoped.filter(retired_at__isnull=False).count() == 0


def test_retiring_a_competency_keeps_its_answers_and_stops_asking_it(world, client_as):
    leadership = asked(world)[0]
    pairing = running(world)
    answered(pairing, pairing.mentee, [leadership], "start", [2])
    client_as(world.people["coordinator"]).post(competencies_url(world, leadership.pk),
                                                {"action": "retire"})
    assert SelfAssessmentAnswer.objects.for_org(world.org).filter(
        competency=leadership).count() == 1
    page = client_as(world.people["mentor"]).get(assessment_url(world, pairing, "start"))
    assert [c.name for c in page.context["asked"]] == ["International cooperation",
                                                        "Analysis"]


# --- Self-assessments -------------------------------------------------------------------------

def test_a_participant_answers_at_the_start_once_and_sees_a_to_do_until_then(world, client_as):
    competencies = asked(world)
    pairing = running(world)
    mentee = client_as(world.people["mentee"])
    page = mentee.get(reverse("pairing_detail", args=[world.org.slug, pairing.pk]))
    assert "Give your self-assessment at the start" in page.content.decode()
    home = mentee.get(reverse("home", args=[world.org.slug]))
    assert "Give your self-assessment at the start" in home.content.decode()
    response = mentee.post(assessment_url(world, pairing, "start"), {
        **{f"score_{c.pk}": score for c, score in zip(competencies, [2, 3, 1], strict=True)},
        "comments": "I want to lead a joint team."})
    assert response.status_code == 302
    assessment = SelfAssessment.objects.for_org(world.org).get()
    assert (assessment.author, assessment.moment) == (world.people["mentee"], "start")
    assert sorted(assessment.answers.values_list("score", flat=True)) == [1, 2, 3]
    page = mentee.get(reverse("pairing_detail", args=[world.org.slug, pairing.pk]))
    assert "Give your self-assessment at the start" not in page.content.decode()
    # Once per moment: the page shows the answers, and a second post changes nothing.
    again = mentee.post(assessment_url(world, pairing, "start"),
                        {f"score_{c.pk}": 5 for c in competencies})
    assert again.status_code == 200 and "Your answers, given on" in again.content.decode()
    assert SelfAssessmentAnswer.objects.for_org(world.org).filter(score=5).count() == 0


def test_a_missing_score_is_named_next_to_its_competency_and_the_others_are_kept(
        world, client_as):
    leadership, cooperation, analysis = asked(world)
    pairing = running(world)
    response = client_as(world.people["mentor"]).post(assessment_url(world, pairing, "start"), {
        f"score_{leadership.pk}": "4", f"score_{analysis.pk}": "9", "comments": "Kept text"})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors[f"score_{cooperation.pk}"] == ["Give a score from 1 to 5."]
    assert f"score_{analysis.pk}" in form.errors  # not a score of the scale
    assert form[f"score_{leadership.pk}"].value() == "4"
    assert "Kept text" in response.content.decode()
    assert SelfAssessment.objects.for_org(world.org).count() == 0


def test_the_end_self_assessment_opens_in_the_last_month(world, client_as):
    competencies = asked(world)
    pairing = running(world)
    mentee = client_as(world.people["mentee"])
    page = mentee.get(assessment_url(world, pairing, "end"))
    assert "opens on" in page.context["closed"]
    mentee.post(assessment_url(world, pairing, "end"), {f"score_{c.pk}": 4 for c in competencies})
    assert SelfAssessment.objects.for_org(world.org).count() == 0
    assert mentee.get(assessment_url(world, pairing, "never")).status_code == 404


def test_each_of_the_pair_sees_both_gains_and_only_their_own_scores(world, client_as):
    competencies = asked(world)
    pairing = in_last_month(world)
    answered(pairing, pairing.mentee, competencies, "start", [2, 3, 1])
    answered(pairing, pairing.mentee, competencies, "end", [4, 3, 3])
    answered(pairing, pairing.mentor, competencies, "start", [4, 4, 4])
    answered(pairing, pairing.mentor, competencies, "end", [5, 4, 4])
    detail = reverse("pairing_detail", args=[world.org.slug, pairing.pk])
    mentor_page = client_as(world.people["mentor"]).get(detail)
    people = {p.person.pk: p for p in mentor_page.context["outcome_people"]}
    mentee_gains = people[pairing.mentee_id]
    assert [row[3] for row in mentee_gains.rows] == [2, 0, 2]
    assert not mentee_gains.scores_shown and people[pairing.mentor_id].scores_shown
    coordinator = client_as(world.people["coordinator"]).get(detail)
    assert all(p.scores_shown for p in coordinator.context["outcome_people"])
    observer = client_as(world.people["observer"]).get(detail)
    assert observer.status_code == 200 and not observer.context.get("outcome_people")
    assert "Self-assessment of competencies" not in observer.content.decode()
    # The end page shows her own start, end and gain.
    page = client_as(world.people["mentee"]).get(assessment_url(world, pairing, "end"))
    assert [(c.name, s, e, g) for c, s, e, g in page.context["answers"]] == [
        ("Leadership", 2, 4, 2), ("International cooperation", 3, 3, 0), ("Analysis", 1, 3, 2)]


def test_an_observer_is_refused_a_participants_self_assessment(world, client_as):
    competencies = asked(world)
    pairing = running(world)
    answered(pairing, pairing.mentee, competencies, "start", [2, 3, 1])
    for role in ("observer", "coordinator"):
        response = client_as(world.people[role]).get(assessment_url(world, pairing, "start"))
        assert response.status_code == 403


# --- The donors' figures ----------------------------------------------------------------------

def test_the_average_gain_is_hidden_below_the_minimum_group(world, client_as):
    competencies = asked(world)
    respondents(world, competencies, MIN_GROUP - 1, [1, 2, 3], [3, 3, 3])
    gain = competency_gain(project=world.project)
    assert (gain.respondents, gain.shown, gain.start, gain.per_competency) == (
        MIN_GROUP - 1, False, None, [])
    page = client_as(world.people["observer"]).get(
        reverse("dashboard", args=[world.org.slug, world.project.slug]), OUTCOMES,
        headers={"HX-Request": "true"})
    text = page.content.decode()
    assert "too few answers to show" in text
    assert "average gain" not in text


def test_an_observer_sees_averages_over_enough_people_and_no_one_person(world, client_as):
    competencies = asked(world)
    respondents(world, competencies, 2, [1, 2, 3], [3, 3, 3])
    respondents(world, competencies, 1, [1, 2, 3], [4, 5, 3])
    # A start without an end does not count.
    lone = PairingFactory(project=world.project, status=Pairing.Status.ACTIVE)
    answered(lone, lone.mentee, competencies, "start", [5, 5, 5])
    gain = competency_gain(project=world.project)
    assert gain.shown and gain.respondents == 3
    leadership = gain.per_competency[0]
    assert (leadership.competency, leadership.respondents) == ("Leadership", 3)
    assert leadership.start == pytest.approx(1) and leadership.gain == pytest.approx(7 / 3)
    page = client_as(world.people["observer"]).get(
        reverse("dashboard", args=[world.org.slug, world.project.slug]), OUTCOMES,
        headers={"HX-Request": "true"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "average gain" in text and "+2.3" in text
    # Narrowed by the filter to one pairing, the figures hide again.
    one = SelfAssessment.objects.for_org(world.org).filter(moment="end").first()
    assert one is not None
    narrowed = competency_gain(project=world.project,
                               pairings=Pairing.objects.for_org(world.org).filter(
                                   pk=one.pairing_id))
    assert not narrowed.shown and narrowed.per_competency == []


def test_a_competency_answered_by_too_few_is_hidden_alone(world):
    leadership, cooperation, analysis = asked(world)
    respondents(world, [leadership, cooperation], 3, [1, 2], [2, 4])
    pairing = PairingFactory(project=world.project, status=Pairing.Status.COMPLETED)
    answered(pairing, pairing.mentee, [analysis], "start", [1])
    answered(pairing, pairing.mentee, [analysis], "end", [5])
    gain = competency_gain(project=world.project)
    shown = {row.competency: row.shown for row in gain.per_competency}
    assert shown == {"Leadership": True, "International cooperation": True, "Analysis": False}
    assert gain.per_competency[2].start is None


def test_the_window_counts_the_end_answers_submitted_within_it(world):
    competencies = asked(world)
    respondents(world, competencies, 3, [1, 1, 1], [2, 2, 2])
    today = timezone.localdate()
    assert competency_gain(project=world.project, start=today, end=today).respondents == 3
    assert competency_gain(project=world.project,
                           end=today - timedelta(days=1)).respondents == 0


def test_the_share_of_objectives_achieved_counts_accepted_narrative_reports(world):
    pairing = PairingFactory(project=world.project, status=Pairing.Status.COMPLETED)
    ReportFactory(pairing=pairing, kind="narrative", status="accepted",
                  reviewed_at=timezone.now(),
                  objectives=[{"objective": "A", "progress": "x", "rating": 4},
                              {"objective": "B", "progress": "x", "rating": 3},
                              {"objective": "C", "progress": "x"}])
    ReportFactory(pairing=pairing, kind="interim", status="accepted",
                  objectives=[{"objective": "A", "progress": "x", "rating": 4}])
    figures = objective_progress(project=world.project)
    assert (figures.reports, figures.objectives, figures.rated, figures.achieved) == (1, 3, 2, 1)
    assert figures.percent == 50


@pytest.mark.parametrize("url_of", ["dashboard", "competencies"])
def test_the_outcomes_pages_read_the_same_number_of_queries_at_two_sizes(
        world, client_as, url_of):
    competencies = asked(world)
    client = client_as(world.people["coordinator"])
    url = reverse(url_of, args=[world.org.slug, world.project.slug])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, OUTCOMES if url_of == "dashboard" else {},
                              headers={"HX-Request": "true"}).status_code == 200
        return len(captured)

    respondents(world, competencies, 3, [1, 2, 3], [3, 3, 3])
    small = queries()
    respondents(world, competencies, 9, [1, 2, 3], [3, 3, 3])
    for name in ("Communication", "Project management"):
        CompetencyFactory(project=world.project, name=name)
    assert queries() == small


def test_competency_gain_reads_three_queries(world):
    competencies = asked(world)
    respondents(world, competencies, 4, [1, 2, 3], [3, 3, 3])
    with CaptureQueriesContext(connection) as captured:
        competency_gain(project=world.project)
    assert len(captured) == 3


def test_the_satisfaction_shows_from_three_answers_with_the_share_who_recommend(
        world, client_as):
    pairings = [PairingFactory(project=world.project, status=Pairing.Status.COMPLETED)
                for _ in range(2)]
    FeedbackFactory(pairing=pairings[0], satisfaction=5, would_recommend=True)
    FeedbackFactory(pairing=pairings[0], author=pairings[0].mentor, satisfaction=3,
                    would_recommend=False)
    assert not satisfaction(project=world.project).shown
    FeedbackFactory(pairing=pairings[1], satisfaction=4, would_recommend=True)
    figures = satisfaction(project=world.project)
    assert figures.shown and figures.satisfaction == pytest.approx(4)
    assert figures.recommend_percent == 67
    # The dashboard says it once, with the pairings' other figures (not again as an outcome).
    page = client_as(world.people["observer"]).get(
        reverse("dashboard", args=[world.org.slug, world.project.slug])).content.decode()
    assert "3 participants gave feedback" in page and "2 would recommend it" in page
    assert page.count("gave feedback") == 1


def test_a_persons_export_holds_their_self_assessments_and_not_their_partners(world):
    competencies = asked(world)
    pairing = running(world)
    answered(pairing, pairing.mentee, competencies, "start", [2, 3, 1])
    answered(pairing, pairing.mentor, competencies, "start", [4, 4, 4])
    data = personal_data_collect(organisation=world.org, user=world.people["mentee"])
    sections = {section["model"]: section["rows"] for section in data["sections"]}
    assert [row["moment"] for row in sections["reporting.SelfAssessment"]] == ["start"]
    assert sorted((row["competency"], row["score"])
                  for row in sections["reporting.SelfAssessmentAnswer"]) == [
        ("Analysis", 1), ("International cooperation", 3), ("Leadership", 2)]
