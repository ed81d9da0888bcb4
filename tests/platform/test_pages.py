"""What each role sees first, the switcher, the language switcher and the security headers."""

import re

import pytest
from django.urls import reverse

from participants.models import Membership, Role
from tests.helpers import PERSONAS, World

HOME_HEADINGS = {
    "admin": "Pending invitations",
    "coordinator": "Your projects",
    "focal_point": "Projects you nominate for, for Morocco",
    "mentor": "Your pairing",
    "mentee": "Your pairing",
    "observer": "read-only access",
}


@pytest.mark.parametrize("role", PERSONAS)
def test_each_role_has_a_home_page_made_for_it(world: World, client_as, role: str):
    page = client_as(world.people[role]).get("/cepol/")
    assert page.status_code == 200
    assert HOME_HEADINGS[role] in page.text
    assert str(Role(role).label) in page.text
    assert f"Welcome, <bdi>{world.people[role].full_name}</bdi>" in page.text


def test_coordinator_home_shows_their_projects_only(world: World, client_as):
    page = client_as(world.people["coordinator"]).get("/cepol/").text
    assert "EUROMED Police" in page and "Criminal finances" in page
    assert "TOPCOP" not in page and "Momentum" not in page


def test_menu_links_follow_the_role(world: World, client_as):
    admin = client_as(world.people["admin"]).get("/cepol/").text
    mentee = client_as(world.people["mentee"]).get("/cepol/").text
    assert reverse("member_list", args=["cepol"]) in admin
    assert reverse("member_list", args=["cepol"]) not in mentee
    assert reverse("project_list", args=["cepol"]) not in mentee


def test_switcher_moves_between_roles_of_one_person(world: World, client_as):
    person = world.people["mentor"]
    Membership.objects.create(organisation=world.org, user=person, role=Role.OBSERVER)
    client = client_as(person)
    # The role of highest precedence comes first: observer before mentor.
    assert "read-only access" in client.get("/cepol/").text
    response = client.post(reverse("role_switch"), {"membership": "cepol:mentor"})
    assert response["Location"] == "/cepol/"
    assert "Your pairing" in client.get("/cepol/").text
    # A role one does not hold is refused, and nothing changes.
    assert client.post(reverse("role_switch"), {"membership": "cepol:admin"}).status_code == 404
    assert "Your pairing" in client.get("/cepol/").text


def test_start_page_lists_several_organisations(world: World, client_as):
    person = world.people["observer"]
    Membership.objects.create(organisation=world.other_org, user=person, role=Role.MENTOR)
    page = client_as(person).get("/")
    assert page.status_code == 200
    assert "CEPOL" in page.text and "INTERPOL" in page.text
    assert client_as(world.people["mentee"]).get("/")["Location"] == "/cepol/"


def test_arabic_lays_the_page_out_right_to_left(world: World, client_as):
    client = client_as(world.people["mentee"])
    client.post(reverse("set_language"), {"language": "ar", "next": "/cepol/"})
    page = client.get("/cepol/").text
    assert '<html lang="ar" dir="rtl">' in page
    assert "ثنائيك" in page  # "Your pairing", translated
    client.post(reverse("set_language"), {"language": "fr", "next": "/cepol/"})
    page = client.get("/cepol/").text
    assert '<html lang="fr" dir="ltr">' in page and "Votre binôme" in page


def test_strict_content_security_policy_with_a_nonce(world: World, client_as):
    response = client_as(world.people["admin"]).get("/cepol/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self' 'nonce-" in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    scripts = re.findall(r"<script[^>]*>", response.text)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    # A fresh nonce on every response.
    again = client_as(world.people["admin"]).get("/cepol/")["Content-Security-Policy"]
    assert again != policy


def test_pages_carry_accessibility_landmarks(world: World, client_as):
    page = client_as(world.people["admin"]).get("/cepol/members/").text
    assert 'href="#main"' in page and '<main id="main"' in page
    assert '<label for="language">' in page and '<label for="switch-to">' in page
    assert 'name="viewport"' in page



def test_what_people_type_words_into_takes_its_own_direction(world: World, client_as):
    """English typed in an Arabic page keeps its full stop at its end: text inputs and text
    areas say dir="auto"; e-mail addresses, numbers and dates keep the page's direction."""
    page = client_as(world.people["focal_point"]).get(f"/cepol/calls/{world.call.pk}/")
    inputs = {re.search(r'name="([^"]+)"', tag).group(1): tag
              for tag in re.findall(r"<input [^>]*>", page.text) if 'name="' in tag}
    assert 'dir="auto"' in inputs["full_name"] and 'dir="auto"' in inputs["agency"]
    assert "dir=" not in inputs["email"]
    data = client_as(world.people["mentee"]).get("/cepol/my-data/").text
    assert re.search(r'<textarea name="[^"]+" dir="auto"', data)
