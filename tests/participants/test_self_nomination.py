"""Self-nomination: where a call allows it, a member holding the role sought puts themselves
forward, once, from an invited country and before the deadline."""


import pytest
from django.urls import reverse

from participants.models import (
    Application,
    StatusChange,
)
from programmes.models import Call
from tests.factories import (
    CallFactory,
)
from tests.helpers import (
    World,
    area,
    counts,
    has_error,
    move_deadline,
)

# --- Self-nomination --------------------------------------------------------------------------

@pytest.fixture
def mentor_pool(world: World) -> Call:
    call = CallFactory(organisation=world.org, project=world.project, title="Mentor pool",
                       role_sought="mentor", allow_self_nomination=True)
    call.invited_countries.add(world.france)
    return call


def apply(client, call: Call, data: dict):
    return client.post(reverse("application_start", args=["cepol", call.pk]), data)


def test_a_mentor_puts_themselves_forward(world: World, client_as, mentor_pool):
    mentor = world.people["mentor"]
    client = client_as(mentor)
    page = client.get(reverse("call_detail", args=["cepol", mentor_pool.pk]))
    assert page.status_code == 200 and "Put yourself forward" in page.text
    response = apply(client, mentor_pool, {"country": "FR", "thematic_area": area(world).pk})
    application = Application.unscoped.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("application_edit", args=["cepol", application.pk])
    assert (application.applicant, application.status, application.country_id,
            application.email, application.nomination) == (
        mentor, "invited", "FR", mentor.email, None)
    assert list(StatusChange.unscoped.filter(application=application).values_list(
        "from_status", "to_status", "changed_by")) == [("", "invited", mentor.pk)]


def test_putting_oneself_forward_twice_is_refused(world: World, client_as, mentor_pool):
    client = client_as(world.people["mentor"])
    data = {"country": "FR", "thematic_area": area(world).pk}
    assert apply(client, mentor_pool, data).status_code == 302
    before = counts()
    response = apply(client, mentor_pool, data)
    assert response.status_code == 400
    assert has_error(response, None, "You have already applied to this call.",
                     form="self_nomination_form")
    assert "You have already applied to this call." in response.text
    assert counts() == before


def test_self_nomination_from_a_country_not_invited_is_refused(world: World, client_as,
                                                               mentor_pool):
    before = counts()
    response = apply(client_as(world.people["mentor"]), mentor_pool,
                     {"country": "MA", "thematic_area": area(world).pk})
    assert response.status_code == 400
    assert has_error(response, "country", "Select a valid choice.",
                     form="self_nomination_form")
    assert counts() == before


def test_self_nomination_on_a_call_that_does_not_allow_it_is_refused(
    world: World, client_as, mentor_pool
):
    Call.unscoped.filter(pk=mentor_pool.pk).update(allow_self_nomination=False)
    before = counts()
    # A mentor does not even see such a call.
    response = apply(client_as(world.people["mentor"]), mentor_pool,
                     {"country": "FR", "thematic_area": area(world).pk})
    assert response.status_code == 403
    # Someone who sees it for another reason is told why.
    response = apply(client_as(world.people["coordinator"]), mentor_pool,
                     {"country": "FR", "thematic_area": area(world).pk})
    assert response.status_code == 400
    assert has_error(response, None, "This call takes nominations from focal points only.",
                     form="self_nomination_form")
    assert "This call takes nominations from focal points only." in response.text
    assert counts() == before


def test_self_nomination_after_the_deadline_is_refused(world: World, client_as, mentor_pool):
    move_deadline(mentor_pool, minutes=-1)
    before = counts()
    response = apply(client_as(world.people["coordinator"]), mentor_pool,
                     {"country": "FR", "thematic_area": area(world).pk})
    assert response.status_code == 400
    assert has_error(response, None, "The deadline for nominations has passed.",
                     form="self_nomination_form")
    assert counts() == before


def test_only_the_role_sought_may_put_themselves_forward(world: World, client_as, mentor_pool):
    before = counts()
    # A mentee does not see a mentor pool at all.
    response = apply(client_as(world.people["mentee"]), mentor_pool,
                     {"country": "FR", "thematic_area": area(world).pk})
    assert response.status_code == 403
    # A coordinator sees it, and is told why they cannot join it.
    response = apply(client_as(world.people["coordinator"]), mentor_pool,
                     {"country": "FR", "thematic_area": area(world).pk})
    assert response.status_code == 400
    assert "Only Mentors of this organisation may put themselves forward" in response.text
    assert counts() == before
