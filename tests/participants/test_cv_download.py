"""A candidate's CV is served to its owner and to those who review the application; to anyone
else, and for another organisation's application, it is not found."""


import pytest
from django.urls import reverse

from participants.models import (
    Application,
)
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    ThematicAreaFactory,
    pdf_bytes,
)
from tests.helpers import (
    World,
)

PDF = pdf_bytes()


# --- CV download ------------------------------------------------------------------------------

@pytest.fixture
def with_cv(world: World) -> Application:
    return ApplicationFactory(call=world.call, applicant=world.people["mentee"],
                              full_name="Amina Alaoui")


@pytest.mark.parametrize("role", ["mentee", "coordinator", "admin"])
def test_cv_is_served_to_its_owner_and_reviewers(world: World, client_as, with_cv, role):
    response = client_as(world.people[role]).get(
        reverse("application_cv", args=["cepol", with_cv.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == 'attachment; filename="CV Amina Alaoui.pdf"'


@pytest.mark.parametrize(("who", "status"), [
    ("focal_point", 403), ("observer", 403), ("mentor", 403), ("outsider", 404),
])
def test_cv_is_refused_to_everyone_else(world: World, client_as, with_cv, who, status):
    user = world.outsider if who == "outsider" else world.people[who]
    response = client_as(user).get(reverse("application_cv", args=["cepol", with_cv.pk]))
    assert response.status_code == status
    assert b"%PDF-" not in response.content


def test_cv_of_another_organisation_is_not_found(world: World, client_as):
    foreign_call = CallFactory(organisation=world.other_org, project=world.foreign_project)
    foreign_call.invited_countries.add(world.morocco)
    ThematicAreaFactory(project=world.foreign_project)
    foreign = ApplicationFactory(call=foreign_call)
    response = client_as(world.people["coordinator"]).get(
        reverse("application_cv", args=["cepol", foreign.pk]))
    assert response.status_code == 404


def test_no_cv_is_not_found(world: World, client_as):
    application = ApplicationFactory(call=world.call, applicant=world.people["mentee"], cv="")
    response = client_as(world.people["mentee"]).get(
        reverse("application_cv", args=["cepol", application.pk]))
    assert response.status_code == 404
