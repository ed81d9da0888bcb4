"""Calls through the test client: opened only with a deadline ahead and told to the focal points
of the invited countries; the form refuses what the project does not have; a closed call
stays as it was; every change of status is recorded."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from participants.models import (
    Notification,
    StatusChange,
)
from programmes import cldr
from programmes.models import Call, Country
from tests.factories import (
    CallFactory,
    ThematicAreaFactory,
)
from tests.helpers import (
    World,
    add_member,
    area,
    focal_point_of,
    has_error,
    jordan,
)

# --- Calls ------------------------------------------------------------------------------------

def draft_call(world: World, **kwargs) -> Call:
    call = CallFactory(organisation=world.org, project=world.project, title="EUROMED draft",
                       status="draft", opened_at=None, **kwargs)
    call.invited_countries.add(world.morocco)
    return call


def test_opening_a_call_tells_the_focal_points_of_invited_countries_only(
    world: World, client_as, django_capture_on_commit_callbacks
):
    jo = focal_point_of(world, jordan(), "fp@psd.jo")
    call = draft_call(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(world.people["coordinator"]).post(
            reverse("call_open", args=["cepol", call.pk]), follow=True)
    assert "The call is open: the focal points have been told." in response.text
    call.refresh_from_db()
    assert call.status == "open" and call.opened_at is not None
    fp = world.people["focal_point"]
    notification = Notification.unscoped.get()
    assert notification.user == fp
    assert notification.text == (
        f"Call open: EUROMED draft. Nominate candidates for Morocco by "
        f"{cldr.moment(call.deadline)}.")
    assert notification.link == reverse("call_detail", args=["cepol", call.pk])
    assert [m.to for m in mail.outbox] == [[fp.email]]
    assert "EUROMED draft" in mail.outbox[0].body
    assert not Notification.unscoped.filter(user=jo.user).exists()
    # The Jordanian focal point does not see the call either.
    assert client_as(jo.user).get(
        reverse("call_detail", args=["cepol", call.pk])).status_code == 403


def test_opening_a_call_with_a_past_deadline_is_refused(
    world: World, client_as, django_capture_on_commit_callbacks
):
    call = draft_call(world, deadline=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(world.people["coordinator"]).post(
            reverse("call_open", args=["cepol", call.pk]), follow=True)
    assert response.status_code == 200
    assert "The deadline has passed: move it before opening the call." in response.text
    call.refresh_from_db()
    assert call.status == "draft" and call.opened_at is None
    assert not StatusChange.unscoped.exists()
    assert not Notification.unscoped.exists() and mail.outbox == []


def test_opening_a_call_twice_is_refused(world: World, client_as,
                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(world.people["coordinator"]).post(
            reverse("call_open", args=["cepol", world.call.pk]), follow=True)
    assert "Only a draft call can be opened." in response.text
    assert not Notification.unscoped.exists() and mail.outbox == []


def call_form_data(world: World, **changes) -> dict:
    deadline = timezone.now() + timedelta(days=30)
    data = {"project": world.project.pk, "title": "Typed call", "role_sought": "mentee",
            "min_years_of_service": 0, "places_per_country": 2,
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M")}
    data.update(changes)
    return data


def test_call_with_a_past_deadline_is_refused_next_to_the_field(world: World, client_as):
    before = Call.unscoped.count()
    past = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_as(world.people["coordinator"]).post(
        reverse("call_create", args=["cepol"]), call_form_data(world, deadline=past))
    assert response.status_code == 200
    assert has_error(response, "deadline", "The deadline must be in the future.")
    assert "The deadline must be in the future." in response.text
    assert 'value="Typed call"' in response.text
    assert f'value="{past}"' in response.text
    assert Call.unscoped.count() == before


CONTROL = "Remove the control characters (such as NUL) from this text."


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x85"], ids=["nul", "bell", "c1"])
def test_a_call_title_with_control_characters_is_refused_next_to_the_field(world: World,
                                                                          client_as, bad):
    before = Call.unscoped.count()
    response = client_as(world.people["coordinator"]).post(
        reverse("call_create", args=["cepol"]),
        call_form_data(world, title=f"Typed{bad} call", places_per_country=3))
    assert response.status_code == 200
    assert response.context["form"].errors["title"] == [CONTROL]
    assert CONTROL in response.text
    assert 'value="3"' in response.text  # the rest of what was typed
    assert Call.unscoped.count() == before


@pytest.mark.parametrize(("role", "message"), [
    ("admin", "Choose thematic areas of EUROMED Police only."),
    ("coordinator", "Select a valid choice."),  # TOPCOP is not theirs: not even a choice
])
def test_thematic_areas_of_another_project_are_refused(world: World, client_as, role, message):
    topcop_area = ThematicAreaFactory(project=world.other_project, name="Community policing")
    before = Call.unscoped.count()
    response = client_as(world.people[role]).post(
        reverse("call_create", args=["cepol"]),
        call_form_data(world, thematic_areas=[topcop_area.pk, area(world).pk]))
    assert response.status_code == 200
    assert has_error(response, "thematic_areas", message), response.context["form"].errors
    assert 'value="Typed call"' in response.text
    assert Call.unscoped.count() == before


@pytest.mark.parametrize(("role_sought", "expected"), [("mentor", ["FR"]), ("mentee", ["MA"])])
def test_invited_countries_left_empty_take_the_programme_default(
    world: World, client_as, role_sought, expected
):
    response = client_as(world.people["coordinator"]).post(
        reverse("call_create", args=["cepol"]),
        call_form_data(world, role_sought=role_sought, title=f"Call for {role_sought}s"))
    assert response.status_code == 302, response.context["form"].errors
    call = Call.unscoped.get(title=f"Call for {role_sought}s")
    assert call.status == "draft"
    assert sorted(call.invited_countries.values_list("code", flat=True)) == expected


def test_mentee_call_of_a_project_without_partner_countries_needs_countries(
    world: World, client_as
):
    world.project.partner_countries.clear()
    response = client_as(world.people["coordinator"]).post(
        reverse("call_create", args=["cepol"]), call_form_data(world))
    assert response.status_code == 200
    assert has_error(response, "invited_countries", "The project has no partner countries")
    assert not Call.unscoped.filter(title="Typed call").exists()


def test_a_closed_call_cannot_be_edited(world: World, client_as):
    call = CallFactory(organisation=world.org, project=world.project, title="Closed call",
                       status="closed", closed_at=timezone.now())
    call.invited_countries.add(world.morocco)
    client = client_as(world.people["coordinator"])
    page = client.get(reverse("call_detail", args=["cepol", call.pk]))
    assert reverse("call_edit", args=["cepol", call.pk]) not in page.text
    response = client.post(reverse("call_edit", args=["cepol", call.pk]),
                           call_form_data(world, title="Renamed", places_per_country=9,
                                          invited_countries=["MA"]))
    assert response.status_code == 200
    assert has_error(response, None, "A closed call cannot be changed.")
    assert "A closed call cannot be changed." in response.text
    assert 'value="Renamed"' in response.text
    call.refresh_from_db()
    assert (call.title, call.places_per_country, call.status) == ("Closed call", 2, "closed")
    assert list(call.invited_countries.values_list("code", flat=True)) == ["MA"]


def test_an_open_call_can_be_edited(world: World, client_as):
    world.project.partner_countries.add(Country.objects.get(code="JO"))
    response = client_as(world.people["coordinator"]).post(
        reverse("call_edit", args=["cepol", world.call.pk]),
        call_form_data(world, title="Renamed", invited_countries=["MA", "JO"]))
    assert response.status_code == 302
    world.call.refresh_from_db()
    assert world.call.title == "Renamed"
    assert sorted(world.call.invited_countries.values_list("code", flat=True)) == ["JO", "MA"]


def test_status_changes_of_a_call_are_recorded(world: World, client_as,
                                               django_capture_on_commit_callbacks):
    coordinator = world.people["coordinator"]
    call = draft_call(world)
    client = client_as(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("call_open", args=["cepol", call.pk]))
    response = client.post(reverse("call_close", args=["cepol", call.pk]), follow=True)
    assert "The call is closed." in response.text
    call.refresh_from_db()
    assert call.status == "closed" and call.closed_at is not None
    assert list(StatusChange.unscoped.filter(call=call).values_list(
        "from_status", "to_status", "changed_by", "organisation")) == [
        ("draft", "open", coordinator.pk, world.org.pk),
        ("open", "closed", coordinator.pk, world.org.pk)]
    again = client.post(reverse("call_close", args=["cepol", call.pk]), follow=True)
    assert "Only an open call can be closed." in again.text
    assert StatusChange.unscoped.filter(call=call).count() == 2


def test_only_those_who_manage_a_call_open_or_close_it(world: World, client_as):
    call = draft_call(world)
    for role in ("focal_point", "observer", "mentor"):
        client = client_as(world.people[role])
        assert client.post(reverse("call_open", args=["cepol", call.pk])).status_code == 403
        assert client.post(
            reverse("call_close", args=["cepol", world.call.pk])).status_code == 403
    assert client_as(world.outsider).post(
        reverse("call_open", args=["cepol", call.pk])).status_code == 404
    call.refresh_from_db()
    world.call.refresh_from_db()
    assert (call.status, world.call.status) == ("draft", "open")
    assert not StatusChange.unscoped.exists()


def test_a_mentor_call_invites_eu_member_states_only(world: World, client_as):
    before = Call.unscoped.count()
    response = client_as(world.people["coordinator"]).post(
        reverse("call_create", args=["cepol"]),
        call_form_data(world, role_sought="mentor", invited_countries=["MA", "FR"]))
    assert response.status_code == 200
    assert has_error(response, "invited_countries",
                     "EUROMED Police takes mentors from EU member states only, not from Morocco.")
    assert Call.unscoped.count() == before


def test_an_open_call_keeps_its_invited_countries_and_tells_new_ones(
    world: World, client_as, django_capture_on_commit_callbacks
):
    jordan = Country.objects.get(code="JO")
    world.project.partner_countries.add(jordan)
    jordan_fp = add_member(world.org, "focal_point", country=jordan)

    assign_perm("programmes.nominate_for_project", jordan_fp.user, world.project)
    client = client_as(world.people["coordinator"])
    response = client.post(reverse("call_edit", args=["cepol", world.call.pk]),
                           call_form_data(world, title="Renamed", invited_countries=["JO"]))
    assert response.status_code == 200
    assert has_error(response, "invited_countries",
                     "The call is open: invited countries can be added, not removed.")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("call_edit", args=["cepol", world.call.pk]),
                               call_form_data(world, invited_countries=["MA", "JO"]))
    assert response.status_code == 302
    assert list(Notification.unscoped.values_list("user", flat=True)) == [jordan_fp.user_id]
    world.call.refresh_from_db()
    assert world.call.status == "open"


def test_two_calls_under_way_in_one_project_cannot_share_a_title(world: World, client_as):
    client = client_as(world.people["coordinator"])
    first = client.post(reverse("call_create", args=["cepol"]),
                        call_form_data(world, title="Mentees 2027"))
    assert first.status_code == 302
    before = Call.unscoped.count()
    response = client.post(reverse("call_create", args=["cepol"]),
                           call_form_data(world, title=" mentees 2027", places_per_country=3))
    assert response.status_code == 200
    assert has_error(response, "title", "Another call of this project under way has this title")
    assert 'value="3"' in response.text
    assert Call.unscoped.count() == before
    # Once the first is closed, its title may serve again (next year's cohort).
    Call.unscoped.filter(title="Mentees 2027").update(status="closed")
    again = client.post(reverse("call_create", args=["cepol"]),
                        call_form_data(world, title="Mentees 2027"))
    assert again.status_code == 302
