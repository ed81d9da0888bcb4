"""Each kind of notification mail says in its subject what it is about and for which pairing
or call, in the recipient's language, and its body links to where to act."""

from django.conf import settings
from django.core import mail

from matching.proposals.services import pairing_propose
from participants.models import Notification, User
from participants.services import call_focal_points_tell
from reporting.services import report_review
from tests.helpers import World, as_actor, running, submitted


def _mails_to(user: User) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def test_a_proposal_names_the_partner_in_each_persons_language(
    world: World, django_capture_on_commit_callbacks
):
    mentee, mentor = world.people["mentee"], world.people["mentor"]
    User.objects.filter(pk=mentor.pk).update(language="fr")
    mentor.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        pairing = pairing_propose(actor=as_actor(world.people["coordinator"]),
                                  project=world.project, mentee=mentee, mentor=mentor)
    [to_mentee] = _mails_to(mentee)
    assert to_mentee.subject == (f"CEPOL mentoring · Pairing proposed: your pairing with "
                                 f"{mentor.full_name}, accept or decline")
    [to_mentor] = _mails_to(mentor)
    assert to_mentor.subject.startswith("Mentorat CEPOL · Binôme proposé\u00a0: votre binôme avec")
    assert mentee.full_name in to_mentor.subject
    link = f"{settings.SITE_URL}/cepol/pairings/{pairing.pk}/"
    assert link in to_mentee.body and link in to_mentor.body
    assert Notification.unscoped.get(user=mentee).subject.startswith("Pairing proposed:")


def test_report_mails_say_which_report_and_which_pairing(
    world: World, django_capture_on_commit_callbacks
):
    pairing = running(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = submitted(world, pairing)
    coordinator = world.people["coordinator"]
    [to_coordinator] = _mails_to(coordinator)
    pair = f"the pairing of {pairing.mentee.full_name} and {pairing.mentor.full_name}"
    assert to_coordinator.subject == f"CEPOL mentoring · Interim report submitted: {pair}"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_review(actor=as_actor(coordinator), report=report, accept=False,
                      comments="Say more about the visit.")
    [to_mentee] = _mails_to(world.people["mentee"])
    assert to_mentee.subject == (
        "CEPOL mentoring · Interim report returned, to correct: your pairing with "
        f"{pairing.mentor.full_name}")
    assert "Say more about the visit." in to_mentee.body
    assert f"/cepol/pairings/{pairing.pk}/reports/interim/" in to_mentee.body


def test_a_call_opening_names_the_call_and_writes_the_deadline_the_readers_way(
    world: World, django_capture_on_commit_callbacks
):
    focal_point = world.people["focal_point"]
    User.objects.filter(pk=focal_point.pk).update(language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        call_focal_points_tell(call=world.call, countries=[world.morocco])
    [told] = _mails_to(focal_point)
    # The country as CLDR names it in French.
    assert told.subject == (f"Mentorat CEPOL · Appel ouvert\u00a0: {world.call.title}, "
                            "désignations pour le pays\u00a0: Maroc")
    assert world.call.deadline.date().isoformat() not in told.body
    assert str(world.call.deadline.year) in told.body
    assert f"/cepol/calls/{world.call.pk}/" in told.body

