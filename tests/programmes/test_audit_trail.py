"""Every change of the organisation's data and every look at personal data is on record in the
organisation's own trail: who, when, what, before and after."""

from django.urls import reverse

from programmes.models import AuditEntry
from tests.factories import ApplicationFactory, CallFactory, InvitationFactory


def entries(world, event):
    return AuditEntry.objects.for_org(world.org).filter(event=event)


def test_a_change_through_a_page_is_kept_with_who_and_the_values_before_and_after(world,
                                                                                   client_as):
    application = ApplicationFactory(call=CallFactory(project=world.project),
                                     motivation="Before")
    application.motivation = "After"
    application.save()
    change = entries(world, "changed").get(object_pk=str(application.pk))
    assert change.changes["motivation"] == ["Before", "After"]
    assert change.object_repr == f"application #{application.pk}"
    assert entries(world, "created").filter(object_pk=str(application.pk)).exists()
    # Another organisation's trail holds none of it.
    assert not AuditEntry.objects.for_org(world.other_org).filter(
        object_pk=str(application.pk)).exists()


def test_a_cv_download_is_on_record_with_who_and_from_where(world, client_as):
    application = ApplicationFactory(call=CallFactory(project=world.project))
    coordinator = world.people["coordinator"]
    response = client_as(coordinator).get(
        reverse("application_cv", kwargs={"org_slug": world.org.slug, "pk": application.pk}))
    assert response.status_code == 200
    entry = entries(world, "cv_downloaded").get()
    assert (entry.actor, entry.object_pk, entry.remote_addr) == (
        coordinator, str(application.pk), "127.0.0.1")


def test_sign_ins_and_failed_sign_ins_are_in_the_trail_of_the_person_s_organisation(world,
                                                                                    client):
    mentee = world.people["mentee"]
    mentee.set_password("a right password 123")
    mentee.save()
    client.post("/accounts/login/", {"login": mentee.email, "password": "wrong"})
    client.post("/accounts/login/", {"login": mentee.email, "password": "a right password 123"})
    failed = entries(world, "sign_in_failed").get()
    assert (failed.actor, failed.actor_email) == (mentee, mentee.email)
    assert entries(world, "signed_in").get().actor == mentee
    assert not AuditEntry.objects.for_org(world.other_org).filter(
        event__in=["signed_in", "sign_in_failed"]).exists()


def test_revoking_an_invitation_is_on_record(world, client_as):
    invitation = InvitationFactory(organisation=world.org, invited_by=world.people["admin"])
    response = client_as(world.people["admin"]).post(
        reverse("invitation_revoke", kwargs={"org_slug": world.org.slug, "pk": invitation.pk}))
    assert response.status_code == 302
    entry = entries(world, "invitation_revoked").get()
    assert (entry.actor, entry.object_pk) == (world.people["admin"], str(invitation.pk))
    assert entries(world, "changed").filter(object_pk=str(invitation.pk)).get().changes[
        "status"] == ["pending", "revoked"]
