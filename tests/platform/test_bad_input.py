"""Bad input on every form: a clear message next to the field, what was typed kept, nothing
changed."""

import importlib
import pkgutil

import django_filters
import pytest
from allauth.mfa.models import Authenticator
from django import forms
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from participants.models import Invitation, Membership, User
from programmes.models import Project, ThematicArea
from programmes.validators import (
    CONTROL_CHARACTERS_MESSAGE,
    CleanTextForm,
    refuse_control_characters,
)
from tests.factories import PASSWORD, InvitationFactory, UserFactory
from tests.helpers import World, add_member, as_actor


def field_errors(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


def counts() -> tuple[int, ...]:
    return (Invitation.unscoped.count(), Membership.unscoped.count(), User.objects.count(),
            Project.unscoped.count(), ThematicArea.unscoped.count(), len(mail.outbox))


INVITATION_CASES = [
    ("not-an-address", "mentee", {}, "email", "Enter a valid email address."),
    ("", "mentee", {}, "email", "This field is required."),
    ("mentor@cepol.test", "mentor", {}, "email", "is already a member of this organisation"),
    ("x@example.org", "coordinator", {}, "projects", "Choose at least one project"),
    ("x@example.org", "focal_point", {"projects": ["P"]}, "country",
     "A national focal point needs a country."),
    ("x@example.org", "focal_point", {"projects": ["P"], "country": "JO"}, "country",
     "Jordan is neither a partner country of EUROMED Police nor an EU member state."),
    ("x@example.org", "chief", {}, "role", "Select a valid choice."),
]


@pytest.mark.parametrize(("email", "role", "extra", "field", "message"), INVITATION_CASES)
def test_bad_invitation_is_refused_with_its_message(
    world: World, client_as, email, role, extra, field, message
):
    data = {"email": email, "full_name": "Typed Name", "role": role, "language": "en", **extra}
    if data.get("projects") == ["P"]:
        data["projects"] = [world.project.pk]
    before = counts()
    response = client_as(world.people["admin"]).post(
        reverse("invitation_create", args=["cepol"]), data
    )
    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field))
    assert message in response.text  # shown on the page, next to the field
    assert 'value="Typed Name"' in response.text  # what was typed is kept
    assert counts() == before


def test_second_pending_invitation_for_the_same_role_is_refused(world: World, client_as):
    InvitationFactory(organisation=world.org, email="twice@example.org", role="mentor")
    before = counts()
    response = client_as(world.people["admin"]).post(
        reverse("invitation_create", args=["cepol"]),
        {"email": "Twice@example.org", "role": "mentor", "language": "en"},
    )
    assert "already has a pending invitation" in field_errors(response, "email")[0]
    assert counts() == before


def test_focal_point_from_an_eu_member_state_is_accepted(world: World, client_as):
    response = client_as(world.people["admin"]).post(
        reverse("invitation_create", args=["cepol"]),
        {"email": "fp@example.fr", "role": "focal_point", "language": "en", "country": "FR",
         "projects": [world.project.pk]},
    )
    assert response.status_code == 302


def test_projects_of_another_organisation_are_not_choices(world: World, client_as):
    response = client_as(world.people["admin"]).post(
        reverse("invitation_create", args=["cepol"]),
        {"email": "x@example.org", "role": "coordinator", "language": "en",
         "projects": [world.foreign_project.pk]},
    )
    assert "Select a valid choice" in field_errors(response, "projects")[0]
    assert "Momentum" not in response.text
    assert not Invitation.unscoped.filter(email="x@example.org").exists()


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"password1": PASSWORD, "password2": PASSWORD + "x"}, "password2", "The two passwords differ"),
    ({"password1": "short", "password2": "short"}, "password1", "too short"),
    ({"password1": "password123", "password2": "password123"}, "password1", "too common"),
    ({"full_name": "", "password1": PASSWORD, "password2": PASSWORD}, "full_name", "required"),
])
def test_bad_account_details_on_the_invitation_page(world, client_as, data, field, message):
    from participants.models import hash_token

    InvitationFactory(organisation=world.org, email="new@example.org",
                      token_hash=hash_token("tok"))
    before = counts()
    response = client_as(None).post(reverse("invitation_accept", args=["tok"]),
                                    {"full_name": "Typed Name", **data})
    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field))
    if data.get("full_name", "x"):
        assert 'value="Typed Name"' in response.text
    assert counts() == before
    assert Invitation.unscoped.get(email="new@example.org").status == "pending"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"duration_min_months": 12, "duration_max_months": 6}, "duration_max_months",
     "cannot be shorter than the shortest"),
    ({"duration_min_months": -1}, "duration_min_months", "greater than or equal to 0"),
    ({"duration_min_months": "three"}, "duration_min_months", "Enter a whole number"),
    ({"duration_min_months": 0}, "duration_min_months", "greater than or equal to 1"),
    ({"interim_report_grace_days": 999}, "interim_report_grace_days", "less than or equal to 180"),
])
def test_bad_rules_are_refused(world: World, client_as, data, field, message):
    from programmes.services import RULE_FIELDS

    project = world.project
    form = {name: getattr(project, name) for name in RULE_FIELDS}
    form = {k: ("on" if v is True else v) for k, v in form.items() if v is not False}
    form.update(data)
    response = client_as(world.people["coordinator"]).post(
        reverse("project_rules", args=["cepol", project.slug]), form
    )
    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field)), \
        response.context["form"].errors
    project.refresh_from_db()
    assert (project.duration_min_months, project.duration_max_months) == (3, 12)
    assert project.interim_report_grace_days == 14


def test_rules_are_saved(world: World, client_as):
    from programmes.services import RULE_FIELDS

    form = {name: getattr(world.project, name) for name in RULE_FIELDS}
    form = {k: ("on" if v is True else v) for k, v in form.items() if v is not False}
    # The page's visit budget, as a browser sends it unset: no amount, the default currency.
    form.update(duration_min_months=24, duration_max_months=24, visit_budget="",
                budget_currency="EUR", visit_ceiling_per_pair="")
    response = client_as(world.people["admin"]).post(
        reverse("project_rules", args=["cepol", world.project.slug]), form
    )
    assert response.status_code == 302
    world.project.refresh_from_db()
    assert (world.project.duration_min_months, world.project.duration_max_months) == (24, 24)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": "TOPCOP", "slug": "new"}, "name", "already has this name"),
    ({"name": "New", "slug": "topcop"}, "slug", "already uses this address"),
    ({"name": "New", "slug": "Not a slug!"}, "slug", "Enter a valid “slug”"),
    ({"name": "", "slug": "new"}, "name", "required"),
])
def test_bad_project_is_refused(world: World, client_as, data, field, message):
    before = counts()
    response = client_as(world.people["admin"]).post(
        reverse("project_create", args=["cepol"]), {"kind": "traditional", **data}
    )
    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field))
    assert counts() == before


def test_same_project_slug_is_fine_in_another_organisation(world: World, client_as):
    response = client_as(world.people["admin"]).post(
        reverse("project_create", args=["cepol"]),
        {"name": "Momentum", "slug": "momentum", "kind": "traditional", "is_active": "on"},
    )
    assert response.status_code == 302
    assert Project.unscoped.filter(slug="momentum").count() == 2


def test_project_edit_keeps_typed_values_on_error(world: World, client_as):
    response = client_as(world.people["admin"]).post(
        reverse("project_edit", args=["cepol", world.project.slug]),
        {"name": "TOPCOP", "slug": "renamed", "kind": "traditional"},
    )
    assert response.status_code == 200
    assert 'value="renamed"' in response.text
    # Links on the refused page still point at the project's real address.
    assert f'/cepol/projects/{world.project.slug}/' in response.text
    world.project.refresh_from_db()
    assert world.project.slug == "euromed-police"


@pytest.mark.parametrize(("name", "message"), [
    ("criminal finances", "already has that thematic area"), ("   ", "required"),
])
def test_bad_thematic_area_is_refused(world: World, client_as, name, message):
    client = client_as(world.people["coordinator"])
    url = reverse("thematic_area_add", args=["cepol", world.project.slug])
    response = client.post(url, {"name": name})
    assert response.status_code == 400
    assert message in response.text
    # Through htmx only the fragment comes back, with the message.
    fragment = client.post(url, {"name": name}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert message in fragment.text and "<html" not in fragment.text
    assert world.project.thematic_areas.count() == 1


def test_thematic_area_added_through_htmx_returns_the_fragment(world: World, client_as):
    response = client_as(world.people["coordinator"]).post(
        reverse("thematic_area_add", args=["cepol", world.project.slug]),
        {"name": "Cybercrime"}, headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="thematic-areas"' in response.text and "Cybercrime" in response.text
    assert "<html" not in response.text


def test_membership_edit_refuses_a_coordinator_without_projects(world: World, client_as):
    membership = world.memberships["coordinator"]
    response = client_as(world.people["admin"]).post(
        reverse("member_edit", args=["cepol", membership.pk]), {"projects": []}
    )
    assert "Choose at least one project" in field_errors(response, "projects")[0]
    from participants.selectors import projects_of_membership

    assert projects_of_membership(membership) == [world.project]


def test_membership_edit_moves_a_coordinator_to_other_projects(world: World, client_as):
    membership = world.memberships["coordinator"]
    response = client_as(world.people["admin"]).post(
        reverse("member_edit", args=["cepol", membership.pk]),
        {"projects": [world.other_project.pk]},
    )
    assert response.status_code == 302
    from participants.selectors import projects_of_membership

    assert projects_of_membership(membership) == [world.other_project]
    coordinator = client_as(world.people["coordinator"])
    assert coordinator.get(f"/cepol/projects/{world.project.slug}/rules/").status_code == 403


def test_an_admin_cannot_remove_themselves_as_admin(world: World, client_as):
    admin = world.memberships["admin"]
    response = client_as(world.people["admin"]).post(
        reverse("member_remove", args=["cepol", admin.pk]), follow=True
    )
    assert "Another organisation admin must remove you as admin." in response.text
    assert Membership.unscoped.filter(pk=admin.pk).exists()


def test_an_admin_removes_another_admin(world: World, client_as):
    second = add_member(world.org, "admin")
    response = client_as(world.people["admin"]).post(
        reverse("member_remove", args=["cepol", second.pk]), follow=True
    )
    assert "is no longer Organisation admin here" in response.text
    assert not Membership.unscoped.filter(pk=second.pk).exists()


def test_the_last_admin_is_kept_by_the_service(world: World):
    from django.core.exceptions import ValidationError

    from participants.services import membership_remove

    with pytest.raises(ValidationError, match="at least one organisation admin"):
        membership_remove(actor=as_actor(world.outsider), membership=world.memberships["admin"])
    assert Membership.unscoped.filter(pk=world.memberships["admin"].pk).exists()


def test_members_without_projects_have_nothing_to_edit(world: World, client_as):
    mentor = world.memberships["mentor"]
    client = client_as(world.people["admin"])
    assert client.get(reverse("member_edit", args=["cepol", mentor.pk])).status_code == 404
    assert client.post(reverse("member_edit", args=["cepol", mentor.pk])).status_code == 404


def test_an_expired_invitation_does_not_block_a_new_one(world: World, client_as):
    from datetime import timedelta

    from django.utils import timezone

    old = InvitationFactory(organisation=world.org, email="late@example.org", role="mentor",
                            expires_at=timezone.now() - timedelta(days=1))
    response = client_as(world.people["admin"]).post(
        reverse("invitation_create", args=["cepol"]),
        {"email": "late@example.org", "role": "mentor", "language": "en"},
    )
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.status == "expired"
    assert Invitation.unscoped.get(email="late@example.org", status="pending") != old


def test_an_overlong_email_is_refused_next_to_the_field(world: World, client_as):
    before = counts()
    response = client_as(world.people["admin"]).post(
        reverse("invitation_create", args=["cepol"]),
        {"email": "a" * 250 + "@example.org", "role": "mentor", "language": "en"},
    )
    assert response.status_code == 200
    assert "at most 254 characters" in field_errors(response, "email")[0]
    assert counts() == before


@pytest.mark.parametrize("value", ["cepol:\x00", "cepol\x00:admin", "", "cepol", ":mentor",
                                   "cepol:mentor:extra", "x" * 500])
def test_malformed_role_switch_is_not_found(world: World, client_as, value: str):
    value = value.replace("\\x00", "\x00")
    response = client_as(world.people["admin"]).post(reverse("role_switch"), {"membership": value})
    assert response.status_code == 404


def test_a_project_cannot_take_the_address_of_the_new_project_form(world: World, client_as):
    response = client_as(world.people["admin"]).post(
        reverse("project_create", args=["cepol"]),
        {"name": "Newcomers", "slug": "new", "kind": "traditional"},
    )
    assert "reserved" in field_errors(response, "slug")[0]
    assert not Project.unscoped.filter(slug="new").exists()


def test_wrong_totp_code_at_sign_in_is_refused(world: World, client):
    from tests.factories import with_totp

    user = world.people["admin"]
    Authenticator.objects.filter(user=user).delete()
    with_totp(user)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert "Incorrect code" in response.text
    assert "_auth_user_id" not in client.session


def test_wrong_totp_code_at_set_up_is_refused(world: World, client):
    user = UserFactory(email="new-admin@example.org", full_name="New Admin")
    Membership.objects.create(organisation=world.org, user=user, role="admin")
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    response = client.post(reverse("mfa_activate_totp"), {"code": "123456"})
    assert response.status_code == 200
    assert "Incorrect code" in response.text
    assert not Authenticator.objects.filter(user=user).exists()
    assert client.get("/cepol/")["Location"] == reverse("mfa_activate_totp")


# --- Control characters: one rule, on every form ----------------------------------------------

CONTROL = "Remove the control characters (such as NUL) from this text."
APPS = ["programmes", "participants", "matching", "reporting", "config"]


def app_modules() -> list[str]:
    """Every module of the apps but their migrations, imported so that their classes exist."""
    names = []
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)
                names.append(info.name)
    return names


def subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= subclasses(sub)
    return found


def test_every_form_and_filter_of_the_apps_refuses_control_characters():
    modules = set(app_modules())
    forms_of_apps = {cls for cls in subclasses(forms.BaseForm) if cls.__module__ in modules}
    assert len(forms_of_apps) > 20  # the walk found them
    assert [cls.__qualname__ for cls in forms_of_apps
            if not issubclass(cls, CleanTextForm)] == []
    filters = {cls for cls in subclasses(django_filters.FilterSet) if cls.__module__ in modules}
    assert len(filters) >= 7
    assert [cls.__qualname__ for cls in filters
            if not issubclass(cls._meta.form, CleanTextForm)] == []


REFUSED = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0)]


@pytest.mark.parametrize("code", REFUSED, ids=[f"U+{code:04X}" for code in REFUSED])
def test_each_control_character_is_refused(code: int):
    with pytest.raises(ValidationError, match="Remove the control characters"):
        refuse_control_characters(f"a{chr(code)}b")
    with pytest.raises(ValidationError):  # anywhere in what a JSON field holds
        refuse_control_characters([{"objective": "x", "progress": f"a{chr(code)}b"}])


def test_tabs_line_breaks_and_other_text_are_accepted():
    for text in ("a\tb\nc\r\nd", "Crème brûlée, ١٢٣ شرطة, 警察 \u00a0\u200f\u2028",
                 ["x", {"y": "z\n"}], 12, None):
        refuse_control_characters(text)


@pytest.mark.parametrize("bad", ["\x00", "\x07"], ids=["nul", "bell"])
def test_a_search_with_control_characters_is_refused_next_to_the_box(world: World, client_as,
                                                                     bad):
    response = client_as(world.people["admin"]).get(reverse("member_list", args=["cepol"]),
                                                    {"q": f"ment{bad}or"})
    assert response.status_code == 200
    assert response.context["filter"].errors["q"] == [CONTROL]
    assert CONTROL in response.text


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", "Retirez de ce texte les caractères de contrôle (comme NUL)."),
    ("ar", "أزِل أحرف التحكم (مثل NUL) من هذا النص."),
])
def test_the_control_characters_message_is_translated(language: str, expected: str):
    with translation.override(language):
        assert str(CONTROL_CHARACTERS_MESSAGE) == expected
