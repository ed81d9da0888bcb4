"""Reads for the outcomes of the mentoring (issue 16): the project's competencies, each
participant's self-assessments at the start and at the end and their gains, and the figures
donors ask for (the average gain per competency, the share of objectives achieved).

Who sees what: a participant sees their own scores; the pair and the project's coordinators see
each person's gains on the pairing page; observers (donors, advisory board) see only averages
over at least MIN_GROUP people, so that nobody's own scores can be read from them."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Avg, Count, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.models import Pairing
from matching.pairings.access import in_pair
from matching.plans.selectors import approved_schedule
from matching.schedule import Schedule
from participants.models import User
from programmes import access, cldr
from programmes.actor import Actor
from programmes.models import Project
from reporting.models import (
    Competency,
    Feedback,
    Progress,
    Report,
    SelfAssessment,
    SelfAssessmentAnswer,
)
from reporting.selectors import report_opens

S = Pairing.Status
M = SelfAssessment.Moment
# People with both moments, before their averages are shown to anyone but the coordinators:
# the same threshold as the feedback's (selectors.FEEDBACK_SHOWN_FROM).
MIN_GROUP = 3


# --- Competencies -----------------------------------------------------------------------------

def project_competencies(project: Project, *, retired: bool = False) -> list[Competency]:
    """The competencies asked in the project, in their order; with `retired`, those no longer
    asked too (after the others)."""
    competencies = Competency.objects.for_org(project.organisation).filter(project=project)
    if not retired:
        competencies = competencies.filter(retired_at__isnull=True)
    return sorted(competencies, key=lambda c: (c.retired_at is not None, c.order, c.pk))


def competency_for(*, actor: Actor, project: Project, pk: int) -> Competency:
    """A competency of this project (the project was fetched through `project_for_member`);
    another project's or organisation's is not found."""
    return get_object_or_404(
        Competency.objects.for_org(actor.organisation).filter(project=project), pk=pk)


# --- Self-assessments -------------------------------------------------------------------------

def self_assessment_closed_reason(pairing: Pairing, moment: str, schedule: Schedule | None,
                                  today: date | None = None) -> str:
    """Why a participant cannot give this self-assessment now, or "" when they can. The start
    one opens when the pairing is active (its plan approved and started); the end one when the
    narrative report and the feedback open (the pairing's last month)."""
    today = today or timezone.localdate()
    if schedule is None or pairing.status not in (S.ACTIVE, S.COMPLETED):
        return _("The self-assessment opens once the activity plan is approved and the "
                 "pairing has started.")
    if moment == M.START:
        if pairing.status != S.ACTIVE:
            return _("The pairing is over: the self-assessment at the start is closed.")
        return ""
    opens = report_opens(pairing, Report.Kind.NARRATIVE, schedule)
    if opens is not None and today < opens:
        return _("This self-assessment opens on %(day)s.") % {"day": cldr.day(opens)}
    return ""


def own_self_assessment(pairing: Pairing, *, user: User, moment: str) -> SelfAssessment | None:
    return (SelfAssessment.objects.for_org(pairing.organisation)
            .filter(pairing=pairing, author_id=user.pk, moment=moment)
            .prefetch_related("answers__competency").first())


@dataclass
class PersonGains:
    """One participant's scores and gains, as the pairing page shows them."""

    person: User
    role: str
    rows: list[tuple[Competency, int | None, int | None, int | None]]  # start, end, gain
    scores_shown: bool  # the person themselves and the coordinators see the scores
    given: list[str] = field(default_factory=list)  # the moments answered


def pairing_outcomes(*, actor: Actor, pairing: Pairing) -> dict:
    """The self-assessment part of the pairing page: what is due for this participant, and
    each person's gains, for the pair and the project's coordinators. Observers get nothing
    here (they see averages on the dashboard). Two queries, and a third for the competencies."""
    pair = in_pair(actor=actor, pairing=pairing)
    manage = access.may(actor=actor, action="manage", obj=pairing.project)
    if not pair and not manage:
        return {"outcomes_shown": False}
    competencies = project_competencies(pairing.project, retired=True)
    if not competencies:
        return {"outcomes_shown": False}
    scores: dict[tuple[int, str, int], int] = {}
    given: dict[int, list[str]] = {}
    for author_id, moment, competency_id, score in (
            SelfAssessmentAnswer.objects.for_org(pairing.organisation)
            .filter(assessment__pairing=pairing)
            .values_list("assessment__author_id", "assessment__moment", "competency_id",
                         "score")):
        scores[author_id, moment, competency_id] = score
    for author_id, moment in SelfAssessment.objects.for_org(pairing.organisation).filter(
            pairing=pairing).values_list("author_id", "moment"):
        given.setdefault(author_id, []).append(moment)
    people = []
    for person, role in ((pairing.mentee, _("Mentee")), (pairing.mentor, _("Mentor"))):
        rows = []
        for competency in competencies:
            start = scores.get((person.pk, M.START, competency.pk))
            end = scores.get((person.pk, M.END, competency.pk))
            if competency.retired_at is not None and start is None and end is None:
                continue
            rows.append((competency, start, end,
                         end - start if start is not None and end is not None else None))
        people.append(PersonGains(person=person, role=role, rows=rows,
                                  scores_shown=manage or person.pk == actor.user.pk,
                                  given=given.get(person.pk, [])))
    due = []
    if pair:
        schedule = approved_schedule(pairing)
        mine = given.get(actor.user.pk, [])
        for moment, label in M.choices:
            if moment not in mine and not self_assessment_closed_reason(pairing, moment,
                                                                        schedule):
                # Once the end one is given, the start one is past.
                if moment == M.START and M.END in mine:
                    continue
                due.append((moment, label))
    return {"outcomes_shown": True, "outcome_people": people, "self_assessments_due": due,
            "outcome_competencies": [c for c in competencies if c.retired_at is None]}


def self_assessments_due(*, actor: Actor) -> list[tuple[Pairing, str, str]]:
    """The participant's own self-assessments due now, for their home page: (pairing, moment,
    label). A person holds one or two pairings; bounded by their number."""
    pairings = list(Pairing.objects.for_org(actor.organisation).filter(
        Q(mentee_id=actor.user.pk) | Q(mentor_id=actor.user.pk),
        status__in=(S.ACTIVE, S.COMPLETED)).select_related("project", "mentee", "mentor")[:5])
    if not pairings:
        return []
    asked = set(Competency.objects.for_org(actor.organisation).filter(
        project__in={p.project_id for p in pairings}, retired_at__isnull=True)
        .values_list("project_id", flat=True))
    given = set(SelfAssessment.objects.for_org(actor.organisation).filter(
        pairing__in=pairings, author_id=actor.user.pk).values_list("pairing_id", "moment"))
    due = []
    for pairing in pairings:
        if pairing.project_id not in asked:
            continue
        schedule = approved_schedule(pairing)
        for moment, label in M.choices:
            if (pairing.pk, moment) in given or (moment == M.START
                                                 and (pairing.pk, M.END) in given):
                continue
            if not self_assessment_closed_reason(pairing, moment, schedule):
                due.append((pairing, moment, str(label)))
    return due


# --- The donors' figures ----------------------------------------------------------------------

@dataclass
class CompetencyFigure:
    competency: str
    respondents: int
    start: float | None
    end: float | None
    shown: bool

    @property
    def gain(self) -> float | None:
        return self.end - self.start if self.start is not None and self.end is not None \
            else None


@dataclass
class CompetencyGain:
    """The average self-assessed gain (end minus start, on the 1-5 scale). `respondents`
    counts the participants with both moments whose end answer falls in the window; the
    averages are over every (participant, competency) with both scores. Nothing but the
    number of respondents is given when they are fewer than MIN_GROUP (`shown` False), and a
    competency answered by fewer is hidden alone."""

    respondents: int
    start: float | None
    end: float | None
    per_competency: list[CompetencyFigure]
    shown: bool
    min_group: int = MIN_GROUP

    @property
    def gain(self) -> float | None:
        return self.end - self.start if self.start is not None and self.end is not None \
            else None


def _in_scope(project: Project, pairings: QuerySet[Pairing] | None) -> Q:
    q = Q(pairing__project=project)
    if pairings is not None:
        q &= Q(pairing__in=pairings.values("pk"))
    return q


def competency_gain(*, project: Project, pairings: QuerySet[Pairing] | None = None,
                    start: date | None = None, end: date | None = None) -> CompetencyGain:
    """The project's average gain per competency, for the dashboard, the highlights report and
    the donors' indicators. A respondent counts when their END self-assessment was submitted
    within [start, end] (days in the current time zone, both included; None leaves that side
    open) and they gave the START one too. Three queries, whatever the number of answers."""
    organisation = project.organisation
    ends = SelfAssessment.objects.for_org(organisation).filter(
        _in_scope(project, pairings), moment=M.END)
    if start is not None:
        ends = ends.filter(submitted_at__date__gte=start)
    if end is not None:
        ends = ends.filter(submitted_at__date__lte=end)
    before = SelfAssessmentAnswer.objects.for_org(organisation).filter(
        assessment__pairing_id=OuterRef("assessment__pairing_id"),
        assessment__author_id=OuterRef("assessment__author_id"),
        assessment__moment=M.START, competency_id=OuterRef("competency_id")).order_by().values(
        "score")[:1]
    answers = (SelfAssessmentAnswer.objects.for_org(organisation)
               .filter(assessment__in=ends.values("pk"))
               .annotate(before=Subquery(before)).filter(before__isnull=False))
    overall = answers.aggregate(respondents=Count("assessment", distinct=True),
                                start=Avg("before"), end=Avg("score"))
    rows = {row["competency_id"]: row for row in answers.order_by().values("competency_id")
            .annotate(n=Count("pk"), start=Avg("before"), end=Avg("score"))}
    competencies = {c.pk: c for c in Competency.objects.for_org(organisation).filter(
        pk__in=list(rows))} if rows else {}
    respondents = overall["respondents"] or 0
    shown = respondents >= MIN_GROUP
    per_competency = [
        CompetencyFigure(competency=competencies[pk].name, respondents=row["n"],
                         start=row["start"] if shown and row["n"] >= MIN_GROUP else None,
                         end=row["end"] if shown and row["n"] >= MIN_GROUP else None,
                         shown=shown and row["n"] >= MIN_GROUP)
        for pk, row in sorted(rows.items(), key=lambda item: (
            competencies[item[0]].retired_at is not None, competencies[item[0]].order,
            item[0]))]
    return CompetencyGain(
        respondents=respondents, start=overall["start"] if shown else None,
        end=overall["end"] if shown else None,
        per_competency=per_competency if shown else [], shown=shown)


@dataclass
class ObjectiveProgress:
    """The objectives of the accepted narrative reports and how many the pairs rated achieved.
    `reports` counts those reports; `rated` the objectives with a rating (reports written before
    the scale have none and count in `objectives` only)."""

    reports: int
    objectives: int
    rated: int
    achieved: int

    @property
    def share(self) -> float | None:
        """The share of the rated objectives rated achieved, 0 to 1."""
        return self.achieved / self.rated if self.rated else None

    @property
    def percent(self) -> int | None:
        return round(100 * self.achieved / self.rated) if self.rated else None


def objective_progress(*, project: Project, pairings: QuerySet[Pairing] | None = None,
                       start: date | None = None, end: date | None = None) -> ObjectiveProgress:
    """The share of objectives rated achieved in the accepted narrative reports whose review
    fell within [start, end] (days, both included; None leaves that side open). The ratings are
    the pair's joint account, not one person's: shown without a minimum group. One query."""
    reports = Report.objects.for_org(project.organisation).filter(
        _in_scope(project, pairings), kind=Report.Kind.NARRATIVE,
        status=Report.Status.ACCEPTED)
    if start is not None:
        reports = reports.filter(reviewed_at__date__gte=start)
    if end is not None:
        reports = reports.filter(reviewed_at__date__lte=end)
    count = objectives = rated = achieved = 0
    for items in reports.values_list("objectives", flat=True):
        count += 1
        objectives += len(items)
        rated += sum(1 for item in items if item.get("rating"))
        achieved += sum(1 for item in items if item.get("rating") == Progress.ACHIEVED)
    return ObjectiveProgress(reports=count, objectives=objectives, rated=rated,
                             achieved=achieved)


@dataclass
class Satisfaction:
    """The averages of the participants' feedback (1 to 5) and the share who would recommend
    the programme, given in the window; shown from MIN_GROUP answers (`shown`)."""

    answers: int
    satisfaction: float | None
    objectives_met: float | None
    support_received: float | None
    recommend_share: float | None
    shown: bool
    min_group: int = MIN_GROUP

    @property
    def recommend_percent(self) -> int | None:
        return round(100 * self.recommend_share) if self.recommend_share is not None else None


def satisfaction(*, project: Project, pairings: QuerySet[Pairing] | None = None,
                 start: date | None = None, end: date | None = None) -> Satisfaction:
    """The feedback's averages over the project (or the pairings given), for feedback given
    within [start, end] (days, both included). One query."""
    feedback = Feedback.objects.for_org(project.organisation).filter(_in_scope(project, pairings))
    if start is not None:
        feedback = feedback.filter(created_at__date__gte=start)
    if end is not None:
        feedback = feedback.filter(created_at__date__lte=end)
    row = feedback.aggregate(
        answers=Count("pk"), satisfaction=Avg("satisfaction"),
        objectives_met=Avg("objectives_met"), support_received=Avg("support_received"),
        recommend=Count("pk", filter=Q(would_recommend=True)))
    answers = row["answers"]
    if answers < MIN_GROUP:
        return Satisfaction(answers, None, None, None, None, shown=False)
    return Satisfaction(answers, row["satisfaction"], row["objectives_met"],
                        row["support_received"], row["recommend"] / answers, shown=True)
