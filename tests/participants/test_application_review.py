"""The coordinator's review of applications: a decision, one by one or in bulk, needs a reason,
is recorded and told; the review list filters, sorts and counts by country and theme."""


import pytest
from django.core import mail
from django.urls import reverse

from participants.models import (
    Application,
    Notification,
    StatusChange,
)
from programmes.models import ThematicArea
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    NominationFactory,
    ThematicAreaFactory,
    UserFactory,
)
from tests.helpers import (
    World,
    area,
    counts,
    has_error,
    jordan,
)

# --- Coordinator review -----------------------------------------------------------------------

REASON_NEEDED = ("Give a reason to keep in reserve or to decline: the applicant and their "
                 "focal point receive it.")

def review(client, application: Application, data: dict, capture=None):
    url = reverse("application_review", args=["cepol", application.pk])
    if capture is None:
        return client.post(url, data)
    with capture(execute=True):
        return client.post(url, data)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"decision": "declined", "reason": ""}, "reason", REASON_NEEDED),
    ({"decision": "reserve", "reason": "   "}, "reason", REASON_NEEDED),
    ({"decision": "declined"}, "reason", REASON_NEEDED),
    ({"decision": "accepted", "reason": "Typed reason"}, "decision", "Select a valid choice."),
    ({"decision": "submitted", "reason": "Typed reason"}, "decision", "Select a valid choice."),
    ({"reason": "Typed reason"}, "decision", "This field is required."),
], ids=["empty-reason", "blank-reason", "no-reason", "unknown-decision", "not-a-decision",
        "no-decision"])
def test_bad_decision_is_refused(
    world: World, client_as, django_capture_on_commit_callbacks, data, field, message
):
    application = ApplicationFactory(call=world.call, full_name="Amina Alaoui")
    before = counts()
    response = review(client_as(world.people["coordinator"]), application, data,
                      django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert has_error(response, field, message), response.context["form"].errors
    assert message in response.text
    if data.get("reason", "").strip():
        assert "Typed reason" in response.text
    application.refresh_from_db()
    assert application.status == "submitted" and application.decision_reason == ""
    assert counts() == before


def test_deciding_an_application_still_invited_is_refused(
    world: World, client_as, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(call=world.call, status="invited", submitted_at=None)
    before = counts()
    response = review(client_as(world.people["coordinator"]), application,
                      {"decision": "shortlisted", "reason": "Strong"},
                      django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert has_error(response, None, "Only a submitted application can be decided.")
    application.refresh_from_db()
    assert application.status == "invited"
    assert counts() == before


def test_refused_decision_on_a_withdrawn_application_says_why(world: World, client_as):
    application = ApplicationFactory(call=world.call, status="withdrawn")
    response = review(client_as(world.people["coordinator"]), application,
                      {"decision": "shortlisted", "reason": "Strong"})
    assert response.status_code == 400
    assert "Only a submitted application can be decided." in response.text


def test_a_decision_is_recorded_and_told(world: World, client_as,
                                         django_capture_on_commit_callbacks):
    fp, coordinator = world.people["focal_point"], world.people["coordinator"]
    applicant = UserFactory(email="amina@police.ma")
    nomination = NominationFactory(call=world.call, nominated_by=fp)
    application = ApplicationFactory(call=world.call, nomination=nomination,
                                     applicant=applicant, full_name="Amina Alaoui")
    response = review(client_as(coordinator), application,
                      {"decision": "declined", "reason": "  Not enough experience  "},
                      django_capture_on_commit_callbacks)
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.decision_reason) == (
        "declined", "Not enough experience")
    assert list(StatusChange.unscoped.filter(application=application).values_list(
        "from_status", "to_status", "changed_by", "reason")) == [
        ("submitted", "declined", coordinator.pk, "Not enough experience")]
    assert set(Notification.unscoped.values_list("user", flat=True)) == {applicant.pk, fp.pk}
    assert sorted(m.to[0] for m in mail.outbox) == [applicant.email, fp.email]


def test_bulk_decision_on_several_applications(world: World, client_as,
                                               django_capture_on_commit_callbacks):
    fp, coordinator = world.people["focal_point"], world.people["coordinator"]
    applicants = [UserFactory(email=f"candidate{i}@police.ma") for i in range(3)]
    chosen = [
        ApplicationFactory(call=world.call, applicant=user, full_name=f"Candidate {i}",
                           nomination=NominationFactory(call=world.call, nominated_by=fp))
        for i, user in enumerate(applicants)
    ]
    untouched = ApplicationFactory(call=world.call, full_name="Not Chosen")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(coordinator).post(
            reverse("application_decide_many", args=["cepol", world.call.pk]),
            {"application": [a.pk for a in chosen], "decision": "reserve",
             "reason": "Places are full"}, follow=True)
    assert response.status_code == 200
    assert "3 decisions recorded." in response.text
    for application in chosen:
        application.refresh_from_db()
        assert (application.status, application.decision_reason) == (
            "reserve", "Places are full")
        assert list(StatusChange.unscoped.filter(application=application).values_list(
            "from_status", "to_status", "changed_by", "reason")) == [
            ("submitted", "reserve", coordinator.pk, "Places are full")]
    untouched.refresh_from_db()
    assert untouched.status == "submitted"
    assert not StatusChange.unscoped.filter(application=untouched).exists()
    for user in applicants:
        texts = list(Notification.unscoped.filter(user=user).values_list("text", flat=True))
        assert len(texts) == 1 and "is kept in reserve" in texts[0] \
            and "The coordinator's reason: Places are full" in texts[0]
        assert [m.to for m in mail.outbox].count([user.email]) == 1
    assert Notification.unscoped.filter(user=fp).count() == 3
    assert [m.to for m in mail.outbox].count([fp.email]) == 3
    assert len(mail.outbox) == 6


def test_bulk_decision_skips_and_names_what_is_not_submitted(
    world: World, client_as, django_capture_on_commit_callbacks
):
    submitted = ApplicationFactory(call=world.call, full_name="Amina Alaoui")
    invited = ApplicationFactory(call=world.call, full_name="Karim Bennani", status="invited",
                                 submitted_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(world.people["coordinator"]).post(
            reverse("application_decide_many", args=["cepol", world.call.pk]),
            {"application": [submitted.pk, invited.pk], "decision": "shortlisted",
             "reason": "Strong"}, follow=True)
    assert "1 decision recorded." in response.text
    assert "Not decided (not submitted): Karim Bennani." in response.text
    submitted.refresh_from_db()
    invited.refresh_from_db()
    assert (submitted.status, invited.status) == ("shortlisted", "invited")


@pytest.mark.parametrize(("data", "tick"), [
    ({"decision": "reserve", "reason": ""}, True),
    ({"decision": "maybe", "reason": "Why not"}, True),
    ({"decision": "reserve", "reason": "Places are full"}, False),
], ids=["no-reason", "unknown-decision", "nothing-ticked"])
def test_bad_bulk_decision_changes_nothing(world: World, client_as,
                                           django_capture_on_commit_callbacks, data, tick):
    application = ApplicationFactory(call=world.call)
    if tick:
        data = {**data, "application": [application.pk]}
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(world.people["coordinator"]).post(
            reverse("application_decide_many", args=["cepol", world.call.pk]), data,
            follow=True)
    assert ("Tick at least one application and choose a decision; give a reason to keep in "
            "reserve or to decline.") in response.text
    application.refresh_from_db()
    assert application.status == "submitted"
    assert counts() == before


def test_bulk_decision_ignores_applications_of_another_call(
    world: World, client_as, django_capture_on_commit_callbacks
):
    other_call = CallFactory(organisation=world.org, project=world.project)
    other_call.invited_countries.add(world.morocco)
    elsewhere = ApplicationFactory(call=other_call)
    with django_capture_on_commit_callbacks(execute=True):
        client_as(world.people["coordinator"]).post(
            reverse("application_decide_many", args=["cepol", world.call.pk]),
            {"application": [elsewhere.pk], "decision": "declined", "reason": "No"})
    elsewhere.refresh_from_db()
    assert elsewhere.status == "submitted"
    assert not StatusChange.unscoped.exists()


@pytest.fixture
def review_set(world: World) -> dict[str, Application]:
    """Three applications over two countries and two thematic areas."""
    world.call.invited_countries.add(jordan())
    cyber = ThematicAreaFactory(project=world.project, name="Cybercrime")
    world.call.thematic_areas.add(cyber)
    finances = area(world)
    return {
        "amina": ApplicationFactory(call=world.call, country=world.morocco,
                                    thematic_area=finances, full_name="Amina Alaoui",
                                    email="amina@police.ma", agency="DGSN",
                                    years_of_service=7),
        "karim": ApplicationFactory(call=world.call, country=world.morocco, thematic_area=cyber,
                                    full_name="Karim Bennani", email="karim@police.ma",
                                    agency="Police judiciaire", status="shortlisted",
                                    years_of_service=12),
        "omar": ApplicationFactory(call=world.call, country=jordan(), thematic_area=finances,
                                   full_name="Omar Haddad", email="omar@psd.jo",
                                   agency="Public Security Directorate", years_of_service=3),
    }


def names_listed(client, world: World, query: str = "") -> list[str]:
    response = client.get(reverse("application_list", args=["cepol", world.call.pk]) + query)
    assert response.status_code == 200
    return [application.full_name for application in response.context["page"].object_list]


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["Omar Haddad", "Amina Alaoui", "Karim Bennani"]),  # by country, then name
    ("?country=JO", ["Omar Haddad"]),
    ("?country=MA", ["Amina Alaoui", "Karim Bennani"]),
    ("?status=shortlisted", ["Karim Bennani"]),
    ("?status=submitted&country=MA", ["Amina Alaoui"]),
    ("?thematic_area=CYBER", ["Karim Bennani"]),
    ("?q=dgsn", ["Amina Alaoui"]),
    ("?q=OMAR@psd", ["Omar Haddad"]),
    ("?q=bennani", ["Karim Bennani"]),
    ("?q=nobody", []),
    ("?sort=name", ["Amina Alaoui", "Karim Bennani", "Omar Haddad"]),
    ("?sort=-name", ["Omar Haddad", "Karim Bennani", "Amina Alaoui"]),
    ("?sort=-service", ["Karim Bennani", "Amina Alaoui", "Omar Haddad"]),
    ("?country=MA&sort=-name", ["Karim Bennani", "Amina Alaoui"]),
], ids=["all", "jordan", "morocco", "shortlisted", "submitted-morocco", "theme", "agency",
        "email", "name", "no-match", "sort-name", "sort-name-desc", "sort-service",
        "filter-and-sort"])
def test_review_list_filters_and_sorts(world: World, client_as, review_set, query, expected):
    cyber = ThematicArea.unscoped.get(name="Cybercrime")
    query = query.replace("CYBER", str(cyber.pk))
    assert names_listed(client_as(world.people["coordinator"]), world, query) == expected


def test_review_list_counts_by_country_and_theme(world: World, client_as, review_set):
    client = client_as(world.people["coordinator"])
    url = reverse("application_list", args=["cepol", world.call.pk])
    page = client.get(url)
    assert page.context["counts"] == {
        "countries": [("Jordan", 1), ("Morocco", 2)],
        "themes": [("Criminal finances", 2), ("Cybercrime", 1)],
    }
    for shown in ("Jordan: 1", "Morocco: 2", "Criminal finances: 2", "Cybercrime: 1"):
        assert shown in page.text
    filtered = client.get(url + "?country=MA")
    assert filtered.context["counts"] == {
        "countries": [("Morocco", 2)],
        "themes": [("Criminal finances", 1), ("Cybercrime", 1)],
    }
    assert "Jordan: 1" not in filtered.text


def test_review_list_filter_choices_come_from_the_call(world: World, client_as, review_set):
    response = client_as(world.people["coordinator"]).get(
        reverse("application_list", args=["cepol", world.call.pk]) + "?country=FR")
    assert response.status_code == 200
    assert response.context["filter"].errors
    assert "France" not in response.text


def test_review_list_is_for_those_who_manage_the_call(world: World, client_as):
    url = reverse("application_list", args=["cepol", world.call.pk])
    assert client_as(world.people["focal_point"]).get(url).status_code == 403
    assert client_as(world.people["observer"]).get(url).status_code == 403
    assert client_as(world.outsider).get(url).status_code == 404


def test_tampered_ids_in_the_bulk_form_change_nothing(world: World, client_as):
    application = ApplicationFactory(call=world.call)
    response = client_as(world.people["coordinator"]).post(
        reverse("application_decide_many", args=["cepol", world.call.pk]),
        {"application": ["²", "99999999999999999999", "-1", str(application.pk)],
         "decision": "reserve", "reason": "Second round"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "reserve"


def test_shortlisting_needs_no_reason_and_a_note_stays_with_the_coordinators(
        world: World, client_as, django_capture_on_commit_callbacks):
    nominee = ApplicationFactory(call=world.call, full_name="Amina Alaoui",
                                 nomination=NominationFactory(call=world.call))
    mail.outbox.clear()
    coordinator = client_as(world.people["coordinator"])
    response = review(coordinator, nominee, {"decision": "shortlisted", "reason": ""},
                      django_capture_on_commit_callbacks)
    assert response.status_code == 302
    nominee.refresh_from_db()
    assert nominee.status == "shortlisted" and nominee.decision_reason == ""
    # In bulk too, with a private note: kept in the history, never mailed nor shown to her.
    other = ApplicationFactory(call=world.call, full_name="Salma Haddad")
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(reverse("application_decide_many", args=["cepol", world.call.pk]),
                         {"application": [other.pk], "decision": "shortlisted",
                          "reason": "Strong on asset tracing; pair with a French mentor."})
    other.refresh_from_db()
    assert other.status == "shortlisted" and other.decision_reason == ""
    assert StatusChange.unscoped.get(application=other, to_status="shortlisted").reason == (
        "Strong on asset tracing; pair with a French mentor.")
    assert mail.outbox and not any("French mentor" in m.body for m in mail.outbox)
    assert all("is shortlisted" in m.body for m in mail.outbox)
    page = client_as(other.applicant).get(reverse("application_edit",
                                                  args=["cepol", other.pk])).text
    assert "French mentor" not in page


def test_a_decline_tells_the_applicant_and_the_focal_point_the_reason_plainly(
        world: World, client_as, django_capture_on_commit_callbacks):
    nominee = ApplicationFactory(call=world.call, full_name="Amina Alaoui",
                                 applicant=UserFactory(email="amina@police.ma"),
                                 nomination=NominationFactory(call=world.call))
    mail.outbox.clear()
    review(client_as(world.people["coordinator"]), nominee,
           {"decision": "declined", "reason": "Five years of service are asked."},
           django_capture_on_commit_callbacks)
    bodies = [m.body for m in mail.outbox]
    assert len(bodies) == 2
    assert all("is not retained. The coordinator's reason: Five years of service are asked."
               in body for body in bodies)
