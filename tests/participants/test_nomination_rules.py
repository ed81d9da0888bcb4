"""The rules of nominations through the test client: a focal point nominates for an invited
country of a project they serve, within its places and before the deadline; every refusal says
why, next to the field it concerns, keeps what was typed and changes nothing; a withdrawal
frees a place, and only the nominating country sees or withdraws its nominations."""


import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from guardian.shortcuts import assign_perm

from participants.models import (
    Application,
    Membership,
    Nomination,
    StatusChange,
)
from programmes.models import Country
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    NominationFactory,
    ThematicAreaFactory,
    UserFactory,
)
from tests.helpers import (
    World,
    add_member,
    as_actor,
    counts,
    focal_point_of,
    has_error,
    jordan,
    move_deadline,
    nominate,
    nomination_data,
)

# --- Nominations: bad input -------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"email": "not-an-address"}, "email", "Enter a valid email address."),
    ({"email": ""}, "email", "This field is required."),
    ({"full_name": ""}, "full_name", "This field is required."),
    ({"agency": ""}, "agency", "This field is required."),
    ({"rank": ""}, "rank", "This field is required."),
    ({"thematic_area": None}, "thematic_area", "This field is required."),
    ({"languages": None}, "languages", "This field is required."),
    ({"languages": ["xx"]}, "languages", "Select a valid choice."),
], ids=["invalid-email", "no-email", "no-name", "no-agency", "no-rank", "no-area",
        "no-language", "unknown-language"])
def test_bad_nomination_is_refused_next_to_the_field(
    world: World, client_as, django_capture_on_commit_callbacks, changes, field, message
):
    before = counts()
    response = nominate(client_as(world.people["focal_point"]), world.call,
                        nomination_data(world, **changes), django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert has_error(response, field, message, form="nomination_form"), \
        response.context["nomination_form"].errors
    assert message in response.text
    if "full_name" not in changes:
        assert 'value="Typed Name"' in response.text
    if changes.get("email"):
        assert f'value="{changes["email"]}"' in response.text
    assert 'value="Typed Agency"' in response.text or "agency" in changes
    assert counts() == before


def test_a_thematic_area_the_call_does_not_ask_for_is_not_a_choice(
    world: World, client_as, django_capture_on_commit_callbacks
):
    other = ThematicAreaFactory(project=world.project, name="Cybercrime")
    before = counts()
    response = nominate(client_as(world.people["focal_point"]), world.call,
                        nomination_data(world, thematic_area=other.pk),
                        django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert has_error(response, "thematic_area", "Select a valid choice", form="nomination_form")
    assert counts() == before


def test_third_nomination_over_the_places_is_refused_naming_country_and_places(
    world: World, client_as, django_capture_on_commit_callbacks
):
    fp = world.people["focal_point"]
    for _ in range(2):
        NominationFactory(call=world.call, country=world.morocco, nominated_by=fp)
    before = counts()
    response = nominate(client_as(fp), world.call, nomination_data(world),
                        django_capture_on_commit_callbacks)
    assert response.status_code == 400
    message = "Morocco has used all its 2 places in this call"
    assert has_error(response, "email", message, form="nomination_form")
    assert message in response.text
    assert "0 places left" in response.text
    assert 'value="Typed Name"' in response.text and 'value="typed@police.ma"' in response.text
    assert counts() == before


def test_the_same_candidate_twice_is_refused(
    world: World, client_as, django_capture_on_commit_callbacks
):
    client = client_as(world.people["focal_point"])
    first = nominate(client, world.call, nomination_data(world),
                     django_capture_on_commit_callbacks)
    assert first.status_code == 302
    before = counts()
    response = nominate(client, world.call,
                        nomination_data(world, email="Typed@Police.MA", full_name="Again"),
                        django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert has_error(response, "email", "This candidate is already nominated for this call.",
                     form="nomination_form")
    assert "already nominated" in response.text
    assert 'value="Again"' in response.text
    assert counts() == before


def test_a_withdrawn_candidate_can_be_nominated_again(
    world: World, client_as, django_capture_on_commit_callbacks
):
    client = client_as(world.people["focal_point"])
    nominate(client, world.call, nomination_data(world), django_capture_on_commit_callbacks)
    client.post(reverse("nomination_withdraw", args=["cepol", Nomination.unscoped.get().pk]))
    response = nominate(client, world.call, nomination_data(world),
                        django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert sorted(Nomination.unscoped.values_list("status", flat=True)) == [
        "nominated", "withdrawn"]


def test_a_candidate_still_invited_can_be_nominated_for_a_second_call(
    world: World, client_as, django_capture_on_commit_callbacks
):
    second = CallFactory(organisation=world.org, project=world.project, title="Second call")
    second.invited_countries.add(world.morocco)
    client = client_as(world.people["focal_point"])
    first = nominate(client, world.call, nomination_data(world),
                     django_capture_on_commit_callbacks)
    assert first.status_code == 302
    client.raise_request_exception = False
    response = nominate(client, second, nomination_data(world),
                        django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Application.unscoped.filter(email="typed@police.ma").count() == 2


def test_late_nomination_is_refused(world: World, client_as, django_capture_on_commit_callbacks):
    move_deadline(world.call, hours=-1)
    before = counts()
    response = nominate(client_as(world.people["focal_point"]), world.call,
                        nomination_data(world), django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert has_error(response, None, "The deadline for nominations has passed.",
                     form="nomination_form")
    assert counts() == before


def test_late_nomination_shows_why_and_keeps_what_was_typed(
    world: World, client_as, django_capture_on_commit_callbacks
):
    move_deadline(world.call, hours=-1)
    response = nominate(client_as(world.people["focal_point"]), world.call,
                        nomination_data(world), django_capture_on_commit_callbacks)
    assert "The deadline for nominations has passed." in response.text
    assert 'value="Typed Name"' in response.text


def test_focal_point_of_a_country_not_invited_cannot_nominate(
    world: World, client_as, django_capture_on_commit_callbacks
):
    jo = focal_point_of(world, jordan(), "fp@psd.jo")
    client = client_as(jo.user)
    assert client.get(reverse("call_detail", args=["cepol", world.call.pk])).status_code == 403
    before = counts()
    response = nominate(client, world.call, nomination_data(world),
                        django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert counts() == before


def test_focal_point_of_another_project_cannot_nominate(
    world: World, client_as, django_capture_on_commit_callbacks
):
    other = add_member(world.org, "focal_point", country=world.morocco,
                       user=UserFactory(email="fp-topcop@police.ma"))
    assign_perm("programmes.nominate_for_project", other.user, world.other_project)
    before = counts()
    response = nominate(client_as(other.user), world.call, nomination_data(world),
                        django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert counts() == before


# --- Nominations: other countries and withdrawal ---------------------------------------------

@pytest.fixture
def two_countries(world: World, client_as, django_capture_on_commit_callbacks):
    """The call invites Jordan too; Morocco's focal point has nominated one candidate."""
    world.call.invited_countries.add(jordan())
    jo = focal_point_of(world, jordan(), "fp@psd.jo")
    response = nominate(client_as(world.people["focal_point"]), world.call,
                        nomination_data(world, full_name="Salma Idrissi", email="salma@police.ma"),
                        django_capture_on_commit_callbacks)
    assert response.status_code == 302
    return jo, Nomination.unscoped.get()


def test_focal_point_cannot_see_another_countrys_nomination(world: World, client_as,
                                                             two_countries):
    jo, _nomination = two_countries
    client = client_as(jo.user)
    page = client.get(reverse("call_detail", args=["cepol", world.call.pk]))
    assert page.status_code == 200
    assert "Nominations for Jordan" in page.text and "2 places left" in page.text
    assert "Salma Idrissi" not in page.text and "salma@police.ma" not in page.text
    listing = client.get(reverse("nomination_list", args=["cepol"]))
    assert listing.status_code == 200
    assert "Salma Idrissi" not in listing.text
    assert "You have not nominated anyone yet." in listing.text


def test_focal_point_cannot_withdraw_another_countrys_nomination(world: World, client_as,
                                                                 two_countries):
    jo, nomination = two_countries
    history = StatusChange.unscoped.count()
    response = client_as(jo.user).post(reverse("nomination_withdraw",
                                               args=["cepol", nomination.pk]))
    assert response.status_code == 404
    nomination.refresh_from_db()
    assert nomination.status == "nominated"
    assert nomination.application.status == "invited"
    assert StatusChange.unscoped.count() == history


def test_withdrawal_frees_a_place(world: World, client_as, two_countries):
    _jo, nomination = two_countries
    client = client_as(world.people["focal_point"])
    page = client.get(reverse("call_detail", args=["cepol", world.call.pk]))
    assert "1 place left" in page.text
    response = client.post(reverse("nomination_withdraw", args=["cepol", nomination.pk]),
                           follow=True)
    assert response.redirect_chain[-1][1] == 302
    assert "The nomination of Salma Idrissi is withdrawn." in response.text
    assert "2 places left" in response.text
    nomination.refresh_from_db()
    assert nomination.status == "withdrawn"
    assert nomination.application.status == "withdrawn"
    assert nomination.application.invitation.status == "revoked"
    assert list(StatusChange.unscoped.filter(nomination=nomination).values_list(
        "from_status", "to_status", "changed_by")) == [
        ("", "nominated", world.people["focal_point"].pk),
        ("nominated", "withdrawn", world.people["focal_point"].pk)]


def test_withdrawal_after_the_deadline_is_refused(world: World, client_as, two_countries):
    _jo, nomination = two_countries
    move_deadline(world.call, minutes=-5)
    history = StatusChange.unscoped.count()
    response = client_as(world.people["focal_point"]).post(
        reverse("nomination_withdraw", args=["cepol", nomination.pk]), follow=True)
    assert response.status_code == 200
    assert ("The deadline has passed: a nomination can no longer be withdrawn."
            in response.text)
    nomination.refresh_from_db()
    assert nomination.status == "nominated"
    assert nomination.application.status == "invited"
    assert StatusChange.unscoped.count() == history


def test_a_decided_nomination_cannot_be_withdrawn(world: World, client_as):
    nomination = NominationFactory(call=world.call, nominated_by=world.people["focal_point"])
    ApplicationFactory(call=world.call, nomination=nomination, status="shortlisted")
    response = client_as(world.people["focal_point"]).post(
        reverse("nomination_withdraw", args=["cepol", nomination.pk]), follow=True)
    assert "The coordinator has decided on this application" in response.text
    nomination.refresh_from_db()
    assert nomination.status == "nominated"


def test_a_stale_save_cannot_undo_a_withdrawal(world: World):
    from participants.services import application_save

    application = ApplicationFactory(call=world.call, applicant=world.people["mentee"],
                                     status="invited")
    stale = Application.unscoped.get(pk=application.pk)
    Application.unscoped.filter(pk=application.pk).update(status="withdrawn")
    with pytest.raises(ValidationError):
        application_save(actor=as_actor(world.people["mentee"]), application=stale,
                         fields={"motivation": "late"}, languages={}, expertise_areas=[])
    application.refresh_from_db()
    assert application.status == "withdrawn"


@pytest.mark.django_db(transaction=True)
def test_two_focal_points_racing_for_the_last_place_get_one_place(django_db_blocker):
    """The call row is locked while the places are counted: of two nominations for the last
    place made at the same moment, one is refused with the places message."""
    import threading

    from guardian.shortcuts import assign_perm

    from participants.services import nomination_create
    from tests.factories import MembershipFactory, OrganisationFactory, ProjectFactory

    morocco = Country.objects.create(code="MA", name="Morocco")
    org = OrganisationFactory(slug="race")
    project = ProjectFactory(organisation=org)
    area = ThematicAreaFactory(project=project)
    call = CallFactory(organisation=org, project=project, places_per_country=1)
    call.invited_countries.add(morocco)
    focal_points: list[Membership] = []
    for _ in range(2):
        membership = MembershipFactory(organisation=org, role="focal_point", country=morocco)
        assign_perm("programmes.nominate_for_project", membership.user, project)
        focal_points.append(membership)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def nominate(index: int) -> None:
        start.wait()
        try:
            nomination_create(
                actor=as_actor(focal_points[index].user), membership=focal_points[index],
                call=call, full_name=f"Racer {index}", email=f"racer{index}@police.ma",
                agency="DGSN", rank="Inspector", thematic_area=area, languages=["fr"],
            )
            outcomes.append("nominated")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=nominate, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("nominated") == 1, outcomes
    assert any("has used its 1 place" in outcome for outcome in outcomes), outcomes
    assert Nomination.unscoped.filter(call=call).count() == 1


# --- Nominations: the call's criteria, asked at nomination -------------------------------------

def test_a_female_only_call_asks_the_gender_and_refuses_a_man_next_to_it(
    world: World, client_as, django_capture_on_commit_callbacks
):
    world.call.female_only = True
    world.call.save()
    client = client_as(world.people["focal_point"])
    page = client.get(reverse("call_detail", args=["cepol", world.call.pk]))
    assert 'name="gender"' in page.text
    before = counts()
    response = nominate(client, world.call, nomination_data(world, gender="male"),
                        django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert has_error(response, "gender", "this call is for female officers only",
                     form="nomination_form")
    assert "a nomination would take one of your places" in response.text
    assert "2 places left" in response.text
    assert 'value="Typed Name"' in response.text
    assert counts() == before

    response = nominate(client, world.call, nomination_data(world),
                        django_capture_on_commit_callbacks)
    assert has_error(response, "gender", "This field is required.", form="nomination_form")

    response = nominate(client, world.call, nomination_data(world, gender="female"),
                        django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Application.unscoped.get().gender == "female"


def test_years_of_service_and_languages_the_call_needs_are_checked_at_nomination(
    world: World, client_as, django_capture_on_commit_callbacks
):
    world.call.min_years_of_service = 5
    world.call.working_languages = ["en"]
    world.call.save()
    client = client_as(world.people["focal_point"])
    before = counts()
    response = nominate(client, world.call,
                        nomination_data(world, years_of_service=3, languages=["fr"]),
                        django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert has_error(response, "years_of_service", "this call asks for at least 5",
                     form="nomination_form")
    assert has_error(response, "languages", "this call asks for at least one of English",
                     form="nomination_form")
    assert counts() == before
    response = nominate(client, world.call,
                        nomination_data(world, years_of_service=7, languages=["en", "fr"]),
                        django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Application.unscoped.get().years_of_service == 7


def test_a_call_without_such_criteria_does_not_ask_them(world: World, client_as):
    page = client_as(world.people["focal_point"]).get(
        reverse("call_detail", args=["cepol", world.call.pk]))
    assert 'name="gender"' not in page.text and 'name="years_of_service"' not in page.text


def test_the_focal_point_chooses_the_language_of_the_nominees_invitation(
    world: World, client_as, django_capture_on_commit_callbacks, mailoutbox
):
    response = nominate(client_as(world.people["focal_point"]), world.call,
                        nomination_data(world, language="fr"),
                        django_capture_on_commit_callbacks)
    assert response.status_code == 302
    invitation = Application.unscoped.get().invitation
    assert invitation.language == "fr"
    assert [mail.to for mail in mailoutbox] == [["typed@police.ma"]]
    assert "Invitation" in mailoutbox[0].subject or "invit" in mailoutbox[0].subject.lower()
    assert "Bonjour" in mailoutbox[0].body or "invité" in mailoutbox[0].body


def test_a_nominee_the_coordinator_declines_gives_the_place_back(
    world: World, client_as, two_countries
):
    from participants.services import application_decide

    _jo, nomination = two_countries
    client = client_as(world.people["focal_point"])
    assert "1 place left" in client.get(
        reverse("call_detail", args=["cepol", world.call.pk])).text
    application = nomination.application
    Application.unscoped.filter(pk=application.pk).update(status="submitted")
    application_decide(actor=as_actor(world.people["coordinator"]), application=application,
                       decision="declined", reason="Not a police officer.")
    page = client.get(reverse("call_detail", args=["cepol", world.call.pk]))
    assert "2 places left" in page.text
    coordinator_page = client_as(world.people["coordinator"]).get(
        reverse("call_detail", args=["cepol", world.call.pk]))
    assert coordinator_page.context["country_rows"][0]["places_left"] == 2


def test_a_nominee_who_withdraws_gives_the_place_back_and_the_focal_point_is_told(
    world: World, client_as, two_countries, django_capture_on_commit_callbacks
):
    from participants.models import Notification

    _jo, nomination = two_countries
    application = nomination.application
    nominee = UserFactory(email="salma@police.ma")
    Application.unscoped.filter(pk=application.pk).update(applicant=nominee)
    Membership.objects.create(organisation=world.org, user=nominee, role="mentee")
    client = client_as(nominee)
    page = client.get(reverse("application_edit", args=["cepol", application.pk]))
    assert "Withdraw my application" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("application_withdraw", args=["cepol", application.pk]),
                               follow=True)
    assert "Your application is withdrawn." in response.text
    assert "You have withdrawn this application." in response.text
    assert "Withdraw my application" not in response.text
    nomination.refresh_from_db()
    assert nomination.status == "withdrawn"
    assert nomination.application.status == "withdrawn"
    told = Notification.unscoped.get(user=world.people["focal_point"])
    assert "Salma Idrissi has withdrawn from" in told.text
    assert "2 places left" in client_as(world.people["focal_point"]).get(
        reverse("call_detail", args=["cepol", world.call.pk])).text


def test_a_nominee_cannot_withdraw_once_the_coordinator_has_decided(
    world: World, client_as, two_countries
):
    _jo, nomination = two_countries
    application = nomination.application
    nominee = UserFactory(email="salma@police.ma")
    Application.unscoped.filter(pk=application.pk).update(applicant=nominee,
                                                          status="shortlisted")
    Membership.objects.create(organisation=world.org, user=nominee, role="mentee")
    history = StatusChange.unscoped.count()
    response = client_as(nominee).post(
        reverse("application_withdraw", args=["cepol", application.pk]), follow=True)
    assert "The coordinator has decided on your application" in response.text
    assert StatusChange.unscoped.count() == history
    application.refresh_from_db()
    assert application.status == "shortlisted"


def test_only_the_candidate_withdraws_their_application(world: World, two_countries):
    from django.core.exceptions import PermissionDenied

    from participants.services import application_withdraw

    _jo, nomination = two_countries
    history = StatusChange.unscoped.count()
    with pytest.raises(PermissionDenied):
        application_withdraw(actor=as_actor(world.people["focal_point"]),
                             application=nomination.application)
    nomination.refresh_from_db()
    assert nomination.status == "nominated"
    assert nomination.application.status == "invited"
    assert StatusChange.unscoped.count() == history
