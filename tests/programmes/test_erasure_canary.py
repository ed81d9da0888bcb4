"""Erasure leaves no trace: unique strings planted in every personal field and file of one
person, across every app, are nowhere to be found after the erasure (every table of the
database, the audit trail included; every file of the data folder; the logs), while the
partner's own text stays and the dashboard's figures do not move. Runs on the database the
suite runs on (SQLite, and PostgreSQL in CI)."""

import logging
from pathlib import Path

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection

from matching.models import Meeting
from participants.activities.selectors import activity_figures
from participants.models import (
    ActivityParticipant,
    AdvisoryBoardMember,
    Application,
    Membership,
    User,
)
from programmes.models import AuditEntry
from programmes.privacy.services import ERASED_NAME, person_erase, person_erase_preview
from reporting import selectors as reporting_selectors
from reporting.models import Feedback, Report, SelfAssessment
from reporting.outcomes import competency_gain
from tests.factories import (
    ActivityDocumentFactory,
    ActivityFactory,
    ActivityParticipantFactory,
    AdvisoryBoardMemberFactory,
    ApplicationFactory,
    ApplicationLanguageFactory,
    CallFactory,
    CompetencyFactory,
    DataRequestFactory,
    ExportFactory,
    FeedbackFactory,
    InvitationFactory,
    MeetingFactory,
    NominationFactory,
    NotificationFactory,
    ReminderFactory,
    ReportFactory,
    SelfAssessmentAnswerFactory,
    SelfAssessmentFactory,
    StatusChangeFactory,
    pdf_bytes,
)
from tests.helpers import START, World, active_pairing

CANARIES = {
    "name": "Zorbatrix Canaryname",
    "email": "zorbatrix.canary@police.example",
    "agency": "CANARY-AGENCY-7731",
    "rank": "CANARY-RANK-7731",
    "motivation": "CANARY-MOTIVATION-7731",
    "availability": "CANARY-AVAILABILITY-7731",
    "decision": "CANARY-DECISION-7731",
    "status_reason": "CANARY-STATUS-7731",
    "notice": "CANARY-NOTICE-7731",
    "topics": "CANARY-TOPICS-7731",
    "notes": "CANARY-NOTES-7731",
    "outcome": "CANARY-OUTCOME-7731",
    "feedback": "CANARY-FEEDBACK-7731",
    "reminder": "CANARY-REMINDER-7731",
    "request": "CANARY-REQUEST-7731",
    "export": "CANARY-EXPORT-7731",
    "cv": "CANARY-CV-7731",
    "agency_account": "CANARY-AGENCY-ACCOUNT-7731",
    "board_role": "CANARY-BOARD-ROLE-7731",
    "self_assessment": "CANARY-SELF-ASSESSMENT-7731",
}
PARTNER_TEXT = ["PARTNER-NOTES-5512", "PARTNER-OUTCOME-5512", "PARTNER-FEEDBACK-5512",
                "PARTNER-SELF-ASSESSMENT-5512",
                # The coordinator's note on the pair's visit claim: the pair's, kept.
                "COORDINATOR-CLAIM-NOTE-5512"]


def plant(world: World, person: User) -> None:
    organisation = world.org
    person.full_name, person.email = CANARIES["name"], CANARIES["email"]
    person.save()
    partner = world.people["mentor"]
    pairing = active_pairing(world, mentee=person, mentor=partner)
    application = ApplicationFactory(call=CallFactory(project=world.project), applicant=person,
                                     status="accepted")
    pairing.mentee_application = application
    pairing.save(update_fields=["mentee_application"])
    application.full_name, application.email = CANARIES["name"], CANARIES["email"]
    application.agency, application.rank = CANARIES["agency"], CANARIES["rank"]
    application.motivation, application.availability = (CANARIES["motivation"],
                                                         CANARIES["availability"])
    application.decision_reason, application.applicant = CANARIES["decision"], person
    application.cv.save("canary-cv.pdf", ContentFile(pdf_bytes() + CANARIES["cv"].encode()))
    application.save()
    ApplicationLanguageFactory(application=application)
    NominationFactory(call=application.call, full_name=CANARIES["name"],
                      email=CANARIES["email"], agency=CANARIES["agency"], rank=CANARIES["rank"])
    InvitationFactory(organisation=organisation, email=CANARIES["email"],
                      full_name=CANARIES["name"], accepted_by=person)
    StatusChangeFactory(application=application, reason=CANARIES["status_reason"])
    NotificationFactory(organisation=organisation, user=person, text=CANARIES["notice"])
    MeetingFactory(pairing=pairing, day=START, logged_by=person, topics=CANARIES["topics"],
                   notes=CANARIES["notes"])
    MeetingFactory(pairing=pairing, day=START, logged_by=partner, topics="Asset tracing",
                   notes=PARTNER_TEXT[0])
    # A funded visit the person logged and claimed, adjusted by the coordinator: its amounts
    # stay in the budget's figures, the coordinator's note stays for the partner.
    MeetingFactory(pairing=pairing, day=START, logged_by=person, kind="in_person",
                   city="Rabat", funded=True, cost_amount=900, cost_currency="EUR",
                   topics=CANARIES["topics"], claim_status="adjusted", approved_amount=800,
                   claim_note=PARTNER_TEXT[4], claim_reviewed_by=world.people["coordinator"])
    ReportFactory(pairing=pairing, outcomes_mentee_service=CANARIES["outcome"],
                  outcomes_mentor_service=PARTNER_TEXT[1], last_edited_by=person)
    FeedbackFactory(pairing=pairing, author=person, comments=CANARIES["feedback"])
    FeedbackFactory(pairing=pairing, author=partner, comments=PARTNER_TEXT[2])
    # Their self-assessments (their scores count in the figures) and the partner's.
    competency = CompetencyFactory(project=world.project)
    for author, comments in ((person, CANARIES["self_assessment"]), (partner, PARTNER_TEXT[3])):
        for moment, score in (("start", 2), ("end", 4)):
            SelfAssessmentAnswerFactory(
                competency=competency, score=score, assessment=SelfAssessmentFactory(
                    pairing=pairing, author=author, moment=moment, comments=comments))
    ReminderFactory(pairing=pairing, recipient=person, params={"name": CANARIES["reminder"]})
    DataRequestFactory(organisation=organisation, requester=person, kind="erasure",
                       message=CANARIES["request"])
    ExportFactory(project=world.project, requested_by=person, status="done",
                  content=CANARIES["export"].encode())
    # A programme activity they were invited to and attended, a document they attached, and
    # their seat on the advisory board.
    activity = ActivityFactory(project=world.project)
    ActivityParticipantFactory(activity=activity, person=person, response="confirmed",
                               attended="yes", invited_by=person)
    ActivityParticipantFactory(activity=activity, person=partner, attended="yes")
    ActivityDocumentFactory(activity=activity, uploaded_by=person)
    AdvisoryBoardMemberFactory(project=world.project, person=person,
                               role=CANARIES["board_role"])
    # The link to their agency account, with what the provider said of them.
    SocialAccount.objects.create(user=person, provider="sso-cepol",
                                 uid=CANARIES["agency_account"],
                                 extra_data={"userinfo": {"email": CANARIES["email"]}})


def database_text() -> str:
    """Every value of every table, as text (bytes decoded leniently)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        chunks.append(str(value))
    return "\n".join(chunks).lower()


def files_text() -> str:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return "\n".join(f"{path.name}\n{path.read_bytes().decode('latin-1')}"
                     for path in root.rglob("*") if path.is_file()).lower()


def figures(world: World) -> tuple:
    pairings = reporting_selectors.dashboard_pairings(world.project)
    applications = reporting_selectors.project_applications(world.project)
    highlights = reporting_selectors.highlights(project=world.project, pairings=pairings,
                                                applications=applications)
    return (highlights.total, highlights.by_group, highlights.by_mentee_country,
            highlights.applications_by_country, highlights.feedback["count"],
            Meeting.objects.for_org(world.org).count(),
            activity_figures(project=world.project, start=None, end=None),
            highlights.budget.used, highlights.budget.visits_funded, highlights.budget.claimed,
            competency_gain(project=world.project).respondents)


def test_erasure_leaves_no_trace_of_the_person_and_keeps_the_partner_and_the_figures(
        world, client, caplog):
    caplog.set_level(logging.DEBUG)
    person = world.people["mentee"]
    plant(world, person)
    # A sign-in and a failed one, with the person's address, in the trail.
    client.force_login(person)
    client.logout()
    client.post("/accounts/login/", {"login": CANARIES["email"], "password": "wrong"})
    before = figures(world)
    text = database_text()
    assert all(canary.lower() in text for canary in
               [CANARIES["name"], CANARIES["notes"], CANARIES["outcome"], CANARIES["export"]])
    assert AuditEntry.objects.for_org(world.org).filter(event="signed_in").exists()

    preview = person_erase_preview(organisation=world.org, user=person)
    assert any(line.files for line in preview)
    person_erase(organisation=world.org, user=person, by=world.people["admin"])

    text, files = database_text(), files_text()
    left = {key: canary for key, canary in CANARIES.items()
            if canary.lower() in text or canary.lower() in files
            or canary.lower() in caplog.text.lower()}
    assert left == {}
    for partner_text in PARTNER_TEXT:
        assert partner_text.lower() in text
    assert figures(world) == before
    # The account went with the last membership; the shared records show a stand-in.
    assert not User.objects.filter(pk=person.pk).exists()
    assert not Membership.objects.for_org(world.org).filter(user_id=person.pk).exists()
    report = Report.objects.for_org(world.org).get()
    assert report.pairing.mentee.full_name == ERASED_NAME
    assert report.outcomes_mentor_service == PARTNER_TEXT[1]
    assert Feedback.objects.for_org(world.org).count() == 2
    assert SelfAssessment.objects.for_org(world.org).count() == 4  # the scores stay, unnamed
    assert not SelfAssessment.objects.for_org(world.org).filter(author_id=person.pk).exists()
    assert Application.objects.for_org(world.org).filter(full_name=ERASED_NAME).exists()
    assert AuditEntry.objects.for_org(world.org).filter(event="erased").count() == 1
    # Their invitation stays, unnamed, for the figures; their seat on the board goes.
    assert ActivityParticipant.objects.for_org(world.org).filter(
        person__full_name=ERASED_NAME, attended="yes").count() == 1
    assert not AdvisoryBoardMember.objects.for_org(world.org).exists()
