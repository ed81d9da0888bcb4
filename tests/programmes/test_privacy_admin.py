"""The organisation admin's privacy pages: data requests with their due dates, answering and
closing them, erasing a person (previewed, then confirmed), and the organisation's audit trail
with its filters."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from participants.models import Application, Membership
from participants.services import membership_remove
from programmes.privacy.models import AuditEntry, DataRequest
from programmes.privacy.services import (
    ERASED_NAME,
    audit_record,
    data_request_answer,
)
from tests.factories import ApplicationFactory, AuditEntryFactory, DataRequestFactory
from tests.helpers import World, as_actor


def requests_url(w: World) -> str:
    return reverse("privacy_requests", args=[w.org.slug])


def request_url(w: World, data_request: DataRequest) -> str:
    return reverse("privacy_request", args=[w.org.slug, data_request.pk])


def erase_url(w: World, user) -> str:
    return reverse("privacy_erase", args=[w.org.slug, user.pk])


def audit_url(w: World) -> str:
    return reverse("privacy_audit", args=[w.org.slug])


def made(w: World, *, who: str = "mentee", kind: str = "access", due_in: int = 20,
         **kwargs) -> DataRequest:
    return DataRequestFactory(organisation=w.org, requester=w.people[who], kind=kind,
                              due_on=timezone.localdate() + timedelta(days=due_in), **kwargs)


# -- Data requests ---------------------------------------------------------------------------

def test_requests_page_lists_open_requests_first_with_due_dates_and_overdue(
        world: World, client_as):
    closed = made(world, who="mentor", status=DataRequest.Status.DONE, due_in=-40)
    late = made(world, who="mentee", kind="erasure", due_in=-3)
    soon = made(world, who="observer", kind="correction", due_in=12)
    DataRequestFactory(organisation=world.other_org, message="Elsewhere",
                       requester=world.outsider)

    response = client_as(world.people["admin"]).get(requests_url(world))

    assert response.status_code == 200
    assert [row[0] for row in response.context["rows"]] == [late, soon, closed]
    page = response.content.decode()
    assert "overdue by 3 days" in page
    assert "12 days left" in page
    assert "Erase my data" in page and "Correct my data" in page
    assert late.due_on.strftime("%Y") in page
    assert world.outsider.get_full_name() not in page


def test_answering_a_request_closes_it(world: World, client_as):
    data_request = made(world, kind="access")
    admin = world.people["admin"]

    response = client_as(admin).post(request_url(world, data_request), {
        "status": "done", "answer": "Your export is attached to your My data page."})

    assert response.status_code == 302
    data_request.refresh_from_db()
    assert data_request.status == DataRequest.Status.DONE
    assert data_request.answer == "Your export is attached to your My data page."
    assert data_request.handled_by == admin
    assert data_request.handled_at is not None
    page = client_as(admin).get(request_url(world, data_request)).content.decode()
    assert "Your export is attached" in page and "Close the request" not in page


def test_an_answer_is_needed_and_a_closed_request_stays_closed(world: World, client_as):
    data_request = made(world, kind="correction")
    client = client_as(world.people["admin"])

    response = client.post(request_url(world, data_request), {"status": "refused", "answer": ""})

    assert response.status_code == 200
    data_request.refresh_from_db()
    assert data_request.status == DataRequest.Status.OPEN
    data_request_answer(actor=as_actor(world.people["admin"]), data_request=data_request,
                        status="refused", answer="We hold nothing else.")
    response = client.post(request_url(world, data_request), {"status": "done", "answer": "x"})
    data_request.refresh_from_db()
    assert (data_request.status, data_request.answer) == ("refused", "We hold nothing else.")


# -- Erasure ---------------------------------------------------------------------------------

def test_erase_preview_shows_what_goes(world: World, client_as):
    mentee = world.people["mentee"]
    ApplicationFactory(call=world.call, applicant=mentee, full_name="Mentee Person",
                       email=mentee.email)
    data_request = made(world, kind="erasure")

    response = client_as(world.people["admin"]).get(
        erase_url(world, mentee) + f"?request={data_request.pk}")

    assert response.status_code == 200
    lines = {line.label: line for line in response.context["lines"]}
    memberships = next(line for label, line in lines.items() if "membership" in label.lower())
    assert memberships.deleted == 1
    applications = next(line for label, line in lines.items() if "application" in label.lower()
                        and line.anonymised)
    assert applications.anonymised == 1 and applications.files == 1
    page = response.content.decode()
    assert "Erase <bdi>Mentee Person</bdi> now" in page
    assert f'name="request" value="{data_request.pk}"' in page
    # Nothing happened yet.
    assert Membership.objects.for_org(world.org).filter(user=mentee).exists()


def test_confirming_erases_the_person_and_closes_the_request(world: World, client_as):
    mentee = world.people["mentee"]
    application = ApplicationFactory(call=world.call, applicant=mentee,
                                     full_name="Mentee Person", email=mentee.email)
    data_request = made(world, kind="erasure")
    admin = world.people["admin"]

    client = client_as(admin)
    response = client.post(erase_url(world, mentee), {"request": data_request.pk})

    assert response.status_code == 302
    assert response["Location"] == requests_url(world)
    application = Application.objects.for_org(world.org).get(pk=application.pk)
    assert application.full_name == ERASED_NAME
    assert not Membership.objects.for_org(world.org).filter(user=mentee).exists()
    erased = AuditEntry.objects.for_org(world.org).get(event=AuditEntry.Event.ERASED)
    assert erased.actor == admin
    data_request.refresh_from_db()
    assert data_request.status == DataRequest.Status.DONE
    assert data_request.handled_by == admin
    page = client.get(requests_url(world)).content.decode()
    assert "The person is erased from the organisation." in page


def test_the_member_list_offers_erasure_of_others_but_not_of_oneself(world: World, client_as):
    admin = world.people["admin"]
    page = client_as(admin).get(reverse("member_list", args=[world.org.slug])).content.decode()

    assert erase_url(world, world.people["mentor"]) in page
    assert erase_url(world, admin) not in page


def test_an_admin_cannot_erase_themselves(world: World, client_as):
    admin = world.people["admin"]
    client = client_as(admin)

    response = client.post(erase_url(world, admin), follow=True)

    assert response.redirect_chain[-1][0] == reverse("member_list", args=[world.org.slug])
    assert "You cannot erase yourself" in response.content.decode()
    assert Membership.objects.for_org(world.org).filter(user=admin).exists()
    assert not AuditEntry.objects.for_org(world.org).filter(
        event=AuditEntry.Event.ERASED).exists()


def test_a_person_of_another_organisation_is_not_found(world: World, client_as):
    client = client_as(world.people["admin"])

    assert client.get(erase_url(world, world.outsider)).status_code == 404
    assert client.post(erase_url(world, world.outsider)).status_code == 404
    assert Membership.unscoped.filter(user=world.outsider).exists()
    foreign = DataRequestFactory(organisation=world.other_org, requester=world.outsider)
    assert client.get(request_url(world, foreign)).status_code == 404
    assert client.get(reverse("privacy_request", args=[world.org.slug, 999999])).status_code \
        == 404


@pytest.mark.parametrize("who", ["coordinator", "observer", "focal_point", "mentor", "mentee"])
def test_other_roles_are_refused(world: World, client_as, who: str):
    data_request = made(world, kind="erasure")
    client = client_as(world.people[who])

    for url in (requests_url(world), request_url(world, data_request), audit_url(world),
                erase_url(world, world.people["mentor"])):
        assert client.get(url).status_code == 403, url
    assert client.post(erase_url(world, world.people["mentor"])).status_code == 403
    assert client.post(request_url(world, data_request),
                       {"status": "done", "answer": "x"}).status_code == 403
    assert Membership.objects.for_org(world.org).filter(user=world.people["mentor"]).exists()
    data_request.refresh_from_db()
    assert data_request.status == DataRequest.Status.OPEN


def test_the_outsider_is_not_found(world: World, client_as):
    client = client_as(world.outsider)
    assert client.get(requests_url(world)).status_code == 404
    assert client.get(audit_url(world)).status_code == 404


# -- The audit trail -------------------------------------------------------------------------

def every_event(w: World, client) -> dict[str, AuditEntry]:
    """One entry of each kind, through the code that writes it where there is one."""
    admin, mentee = w.people["admin"], w.people["mentee"]
    client.force_login(mentee)  # signed in
    client.login(email=mentee.email, password="not-the-password")  # failed sign-in
    data_request = made(w, kind="access")  # created
    data_request_answer(actor=as_actor(admin), data_request=data_request, status="done",
                        answer="Sent.")  # changed
    membership_remove(actor=as_actor(admin), membership=w.memberships["observer"])  # deleted
    for event in AuditEntry.Event.values:
        if not AuditEntry.objects.for_org(w.org).filter(event=event).exists():
            audit_record(event=event, organisation=w.org, user=admin, obj=data_request,
                         remote_addr="192.0.2.7")
    return {event: AuditEntry.objects.for_org(w.org).filter(event=event).latest("pk")
            for event in AuditEntry.Event.values}


def test_the_audit_page_shows_each_kind_of_event(world: World, client_as):
    client = client_as(None)
    entries = every_event(world, client)
    client = client_as(world.people["admin"])
    AuditEntryFactory(organisation=world.other_org, actor=world.outsider,
                      remote_addr="198.51.100.99")

    response = client.get(audit_url(world))

    assert response.status_code == 200
    page = response.content.decode()
    shown = {row.entry.event for row in response.context["rows"]}
    assert shown >= set(AuditEntry.Event.values)
    for event in AuditEntry.Event:
        assert str(event.label) in page
    changed = entries[AuditEntry.Event.CHANGED]
    row = next(row for row in response.context["rows"] if row.entry.pk == changed.pk)
    assert ("status", "open", "done") in [(label, before, after)
                                          for label, before, after in row.changes]
    assert "192.0.2.7" in page
    assert "198.51.100.99" not in page
    assert "Mentee Person" in page
    assert f"Data request #{changed.object_pk}" in page


def test_an_erased_actor_shows_as_erased_participant(world: World, client_as):
    mentor = world.people["mentor"]
    audit_record(event=AuditEntry.Event.CV_DOWNLOADED, organisation=world.org, user=mentor)
    audit_record(event=AuditEntry.Event.SIGN_IN_FAILED, organisation=world.org, user=None)
    client = client_as(world.people["admin"])
    client.post(erase_url(world, mentor))

    rows = client.get(audit_url(world)).context["rows"]

    downloaded = next(row for row in rows if row.entry.event == AuditEntry.Event.CV_DOWNLOADED)
    assert downloaded.who == "erased participant"
    failed = next(row for row in rows if row.entry.event == AuditEntry.Event.SIGN_IN_FAILED)
    assert failed.who == "unknown"


def test_the_audit_filters(world: World, client_as):
    admin, coordinator = world.people["admin"], world.people["coordinator"]
    old = AuditEntryFactory(organisation=world.org, actor=coordinator,
                            event=AuditEntry.Event.PDF_DOWNLOADED)
    AuditEntry.objects.filter(pk=old.pk).update(timestamp=timezone.now() - timedelta(days=30))
    cv = AuditEntryFactory(organisation=world.org, actor=coordinator)
    mine = audit_record(event=AuditEntry.Event.EXPORT_DOWNLOADED, organisation=world.org,
                        user=admin, obj=world.project)
    client = client_as(admin)

    def shown(**params) -> set[int]:
        response = client.get(audit_url(world), params)
        assert response.status_code == 200
        return {row.entry.pk for row in response.context["rows"]}

    assert shown(actor=coordinator.pk) == {old.pk, cv.pk}
    assert shown(event="cv_downloaded") == {cv.pk}
    today = timezone.localdate()
    assert shown(since=(today - timedelta(days=1)).isoformat(), actor=coordinator.pk) == {cv.pk}
    assert shown(until=(today - timedelta(days=2)).isoformat()) == {old.pk}
    project_kind = mine.content_type_id
    assert shown(kind=project_kind) >= {mine.pk}
    about_project = shown(kind=project_kind, object_id=str(world.project.pk))
    assert mine.pk in about_project and cv.pk not in about_project
    assert set(AuditEntry.objects.filter(pk__in=about_project).values_list(
        "content_type", "object_pk")) == {(project_kind, str(world.project.pk))}
    # Choices of person: this organisation's members only.
    choices = client.get(audit_url(world)).context["filter"].form.fields["actor"].queryset
    assert world.outsider not in choices and admin in choices
    assert client.get(audit_url(world), {"actor": world.outsider.pk}).context[
        "filter"].form.errors


def test_the_audit_page_reads_the_same_number_of_queries_at_any_size(world: World, client_as):
    client = client_as(world.people["admin"])
    client.get(audit_url(world))  # caches (content types, session) warmed

    def count(size: int) -> int:
        AuditEntry.objects.for_org(world.org).delete()
        changes = {"status": ["open", "done"]}
        for _ in range(size):
            AuditEntryFactory(organisation=world.org, actor=world.people["coordinator"],
                              changes=changes, remote_addr="192.0.2.1")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(audit_url(world))
        assert len(response.context["rows"]) == size
        return len(queries)

    assert count(5) == count(50)
