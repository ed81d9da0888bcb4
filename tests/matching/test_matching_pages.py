"""The coordinator's matching page and settings: the engine's proposals from the shortlists,
changes by hand with their warnings, and confirmation."""

import pytest
from django.conf import settings
from django.urls import reverse

from matching.models import Pairing, PairingEvent
from participants.models import Notification
from programmes.models import Country, ThematicArea
from tests.factories import CallFactory, shortlisted
from tests.helpers import World, as_actor


class Pool:
    def __init__(self, world: World) -> None:
        spain = Country.objects.create(code="ES", name="Spain", is_eu_member=True)
        self.mentor_call = CallFactory(organisation=world.org, project=world.project,
                                       role_sought="mentor", title="EUROMED mentors 2027")
        self.mentor_call.invited_countries.add(world.france, spain)
        call = world.call
        # Amina and Karim speak French, Youssef only Spanish.
        self.amina = shortlisted(call, user=world.people["mentee"], years=3)
        self.karim = shortlisted(call, years=5)
        self.youssef = shortlisted(call, languages=("es",), years=4)
        # The French mentor takes one mentee; the Spanish one two, but speaks only Spanish.
        self.claire = shortlisted(self.mentor_call, user=world.people["mentor"],
                                  country=world.france, years=20)
        self.pablo = shortlisted(self.mentor_call, country=spain, languages=("es",), years=25,
                                 capacity=2)


@pytest.fixture
def pool(world: World) -> Pool:
    return Pool(world)


def url(world: World, **query: object) -> str:
    base = reverse("matching_run", args=[world.org.slug, world.project.slug])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def choices(pool: Pool, **overrides: object) -> dict:
    """The form as the engine fills it: Amina with Claire, Youssef with Pablo, Karim nobody."""
    data = {f"mentor_{pool.amina.pk}": pool.claire.pk, f"mentor_{pool.karim.pk}": "",
            f"mentor_{pool.youssef.pk}": pool.pablo.pk, "action": "confirm"}
    data.update(overrides)
    return data


def test_the_page_shows_the_engines_pairs_and_why(world: World, pool: Pool, client_as):
    response = client_as(world.people["coordinator"]).get(url(world))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Same thematic area: Criminal finances (+40)" in page
    assert "Common languages: French (+5)" in page
    assert "Mentor 17 years more senior (+20, capped at 10 years)" in page
    # Karim could only have Claire, whose one place went to Amina.
    assert "capacity exhausted" in page
    form = response.context["form"]
    assert form[f"mentor_{pool.amina.pk}"].value() == str(pool.claire.pk)
    assert form[f"mentor_{pool.youssef.pk}"].value() == str(pool.pablo.pk)
    assert form[f"mentor_{pool.karim.pk}"].value() == ""


def test_confirming_proposes_the_pairings_and_tells_each_person(world: World, pool: Pool,
                                                                client_as):
    response = client_as(world.people["coordinator"]).post(url(world), choices(pool))
    assert response.status_code == 302
    assert response["Location"].endswith(f"?project={world.project.pk}")
    pairings = Pairing.unscoped.order_by("pk")
    assert [(p.mentee_application, p.mentor_application, p.status) for p in pairings] == [
        (pool.amina, pool.claire, "proposed"), (pool.youssef, pool.pablo, "proposed")]
    amina = pairings[0]
    assert amina.call == world.call and not amina.overridden and amina.score == 65
    assert amina.explanation[0] == {"template": "Same thematic area: %(area)s (+%(points)s)",
                                    "params": {"area": "Criminal finances", "points": 40}}
    told = set(Notification.unscoped.values_list("user_id", flat=True))
    assert told == {pool.amina.applicant_id, pool.claire.applicant_id,
                    pool.youssef.applicant_id, pool.pablo.applicant_id}
    # Those paired leave the pool; Karim stays, and Pablo keeps one place.
    page = client_as(world.people["coordinator"]).get(url(world))
    assert [row["application"] for row in page.context["rows"]] == [pool.karim]
    assert page.context["pool"].mentor(pool.pablo.pk).capacity == 1


def test_a_pair_that_breaks_a_rule_needs_a_reason_and_saves_nothing_without(
        world: World, pool: Pool, client_as):
    client = client_as(world.people["coordinator"])
    data = choices(pool, **{f"mentor_{pool.karim.pk}": pool.pablo.pk})
    response = client.post(url(world), data)
    assert response.status_code == 400
    assert not Pairing.unscoped.exists()
    form = response.context["form"]
    assert "no common working language" in str(form.errors[f"note_{pool.karim.pk}"])
    assert "say why you make it anyway" in response.content.decode()
    assert form[f"mentor_{pool.karim.pk}"].value() == str(pool.pablo.pk)  # what was chosen

    data[f"note_{pool.karim.pk}"] = "Karim is learning Spanish for the exchange."
    assert client.post(url(world), data).status_code == 302
    karim = Pairing.unscoped.get(mentee_application=pool.karim)
    assert karim.overridden and karim.override_note == "Karim is learning Spanish for the exchange."
    amina = Pairing.unscoped.get(mentee_application=pool.amina)
    assert not amina.overridden and amina.engine_proposal is None
    assert karim.broken_rules == [{"template": "no common working language", "params": {}}]
    event = PairingEvent.unscoped.get(pairing=karim)
    assert event.by == world.people["coordinator"] and event.reason == karim.override_note


def test_too_many_mentees_for_a_mentor_is_a_broken_rule(world: World, pool: Pool, client_as):
    data = choices(pool, **{f"mentor_{pool.karim.pk}": pool.claire.pk, "action": "check"})
    response = client_as(world.people["coordinator"]).post(url(world), data)
    rows = {row["application"]: row for row in response.context["rows"]}
    assert [str(w) for w in rows[pool.karim]["warnings"]] == [
        "more mentees than the mentor's places"]
    assert [str(w) for w in rows[pool.amina]["warnings"]] == [
        "more mentees than the mentor's places"]
    assert not Pairing.unscoped.exists()


def test_a_swap_within_the_rules_is_recorded_as_set_by_hand(world: World, pool: Pool,
                                                             client_as):
    data = choices(pool, **{f"mentor_{pool.amina.pk}": "",
                            f"mentor_{pool.karim.pk}": pool.claire.pk})
    assert client_as(world.people["coordinator"]).post(url(world), data).status_code == 302
    karim = Pairing.unscoped.get(mentee_application=pool.karim)
    assert karim.overridden and karim.broken_rules == [] and karim.score > 0
    assert karim.engine_proposal is None  # the engine had proposed nobody for Karim
    assert not Pairing.unscoped.filter(mentee_application=pool.amina).exists()


def test_checking_with_htmx_answers_the_form_alone(world: World, pool: Pool, client_as):
    data = choices(pool, **{f"mentor_{pool.karim.pk}": pool.pablo.pk, "action": "check"})
    response = client_as(world.people["coordinator"]).post(url(world), data,
                                                           headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<form method="post" id="matching-form"')
    assert "no common working language" in page and "<html" not in page
    assert not Pairing.unscoped.exists()


def test_one_calls_shortlist_only(world: World, pool: Pool, client_as):
    other_call = CallFactory(organisation=world.org, project=world.project, title="Second call")
    other_call.invited_countries.add(world.morocco)
    latecomer = shortlisted(other_call)
    client = client_as(world.people["coordinator"])
    everyone = [row["application"] for row in client.get(url(world)).context["rows"]]
    assert latecomer in everyone
    one_call = [row["application"] for row in
                client.get(url(world, call=world.call.pk)).context["rows"]]
    assert latecomer not in one_call and pool.amina in one_call
    # A mentor call, another project's call or nonsense is no shortlist to match.
    assert client.get(url(world, call=pool.mentor_call.pk)).status_code == 404
    assert client.get(url(world, call="abc")).status_code == 404
    foreign = CallFactory(organisation=world.other_org, project=world.foreign_project)
    assert client.get(url(world, call=foreign.pk)).status_code == 404


@pytest.mark.parametrize("bad", ["999999", "abc", "-1"])
def test_a_mentor_outside_the_pool_is_refused_next_to_the_row(world: World, pool: Pool,
                                                              client_as, bad: str):
    data = choices(pool, **{f"mentor_{pool.karim.pk}": bad})
    response = client_as(world.people["coordinator"]).post(url(world), data)
    assert response.status_code == 400
    errors = response.context["form"].errors[f"mentor_{pool.karim.pk}"]
    assert "Select a valid choice" in str(errors)
    assert not Pairing.unscoped.exists()


def test_confirming_nobody_is_refused(world: World, pool: Pool, client_as):
    data = choices(pool, **{f"mentor_{pool.amina.pk}": "", f"mentor_{pool.youssef.pk}": ""})
    response = client_as(world.people["coordinator"]).post(url(world), data)
    assert "Choose a mentor for at least one mentee." in response.content.decode()
    assert not Pairing.unscoped.exists()


def test_nobody_shortlisted_says_what_to_do(world: World, client_as):
    response = client_as(world.people["coordinator"]).get(url(world))
    assert "shortlist mentees and mentors" in response.content.decode()


def test_applicants_who_left_the_organisation_are_not_in_the_pool(world: World, pool: Pool,
                                                                  client_as):
    world.memberships["mentee"].delete()
    rows = client_as(world.people["coordinator"]).get(url(world)).context["rows"]
    assert pool.amina not in [row["application"] for row in rows]


# --- Settings ---------------------------------------------------------------------------------

def settings_url(world: World) -> str:
    return reverse("matching_settings", args=[world.org.slug, world.project.slug])


SETTINGS = {"weight_same_area": 50, "weight_related_area": 30, "weight_common_language": 4,
            "weight_seniority": 1, "weight_preference": 10, "preferred_mentor_gender": "female"}


def test_settings_change_the_weights_and_related_areas_both_ways(world: World, pool: Pool,
                                                                 client_as):
    finances = world.project.thematic_areas.get()
    cyber = ThematicArea.objects.create(organisation=world.org, project=world.project,
                                        name="Cybercrime")
    client = client_as(world.people["coordinator"])
    response = client.post(settings_url(world), {**SETTINGS,
                                                  "related_pairs": [f"{finances.pk}-{cyber.pk}"]})
    assert response.status_code == 302
    world.project.refresh_from_db()
    assert world.project.weight_same_area == 50
    assert world.project.preferred_mentor_gender == "female"
    assert list(cyber.related_areas.all()) == [finances]
    assert list(finances.related_areas.all()) == [cyber]
    # The new points apply at once.
    page = client.get(url(world)).content.decode()
    assert "Same thematic area: Criminal finances (+50)" in page


@pytest.mark.parametrize("field,value,message", [
    ("weight_same_area", "-1", "greater than or equal to 0"),
    ("weight_related_area", "101", "less than or equal to 100"),
    ("weight_common_language", "five", "Enter a whole number"),
    ("preferred_mentor_gender", "tall", "Select a valid choice"),
    ("related_pairs", "1-999999", "Select a valid choice"),
])
def test_bad_settings_are_refused_next_to_the_field(world: World, client_as, field: str,
                                                    value: str, message: str):
    response = client_as(world.people["coordinator"]).post(settings_url(world),
                                                           {**SETTINGS, field: value})
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert f'value="{value}"' in response.content.decode() or field in ("preferred_mentor_gender",
                                                                        "related_pairs")
    world.project.refresh_from_db()
    assert world.project.weight_same_area == 40 and world.project.preferred_mentor_gender == ""


def test_reasons_are_shown_in_the_readers_language(world: World, pool: Pool, client_as):
    client = client_as(world.people["coordinator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(url(world)).content.decode()
    assert "Même domaine thématique\u00a0: Criminal finances (+40)" in page
    # The language's name from CLDR, as French writes it.
    assert "Langues communes\u00a0: français (+5)" in page
    assert "places épuisées" in page
    data = choices(pool, **{f"mentor_{pool.karim.pk}": pool.pablo.pk})
    page = client.post(url(world), data).content.decode()
    assert "aucune langue de travail commune" in page
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]


def test_a_pair_taken_meanwhile_is_refused_on_its_row(world: World, pool: Pool):
    """Two coordinators confirm from pages opened at the same time: the second finds Amina
    paired already, and is told so on her row; nothing of theirs is saved."""
    from django.core.exceptions import ValidationError

    from matching.proposals.services import matching_confirm

    chosen = {pool.amina.pk: pool.claire.pk, pool.youssef.pk: pool.pablo.pk}
    matching_confirm(actor=as_actor(world.people["admin"]), project=world.project, call=None,
                     chosen={pool.amina.pk: pool.claire.pk}, notes={})
    with pytest.raises(ValidationError) as refused:
        matching_confirm(actor=as_actor(world.people["coordinator"]), project=world.project,
                         call=None, chosen=chosen, notes={})
    assert "paired or left the pool meanwhile" in str(
        refused.value.message_dict[f"mentor_{pool.amina.pk}"])
    assert Pairing.unscoped.count() == 1


def test_a_mentor_says_how_many_mentees_they_take_and_a_mentee_is_not_asked(
        world: World, pool: Pool, client_as):
    from participants.models import Application
    from tests.factories import ApplicationFactory

    mentor_application = ApplicationFactory(call=pool.mentor_call, status="invited",
                                            applicant=world.people["mentor"],
                                            country=world.france)
    client = client_as(world.people["mentor"])
    edit = reverse("application_edit", args=[world.org.slug, mentor_application.pk])
    assert "how many mentees you can take" in client.get(edit).text.lower()
    for bad in ("0", "6", "two"):
        response = client.post(edit, {"full_name": "Claire Martin", "agency": "Police nationale",
                                      "rank": "Commissaire", "mentee_capacity": bad, "save": "1"})
        assert "mentee_capacity" in response.context["form"].errors, bad
    client.post(edit, {"full_name": "Claire Martin", "agency": "Police nationale",
                       "rank": "Commissaire", "mentee_capacity": "3", "save": "1"})
    mentor_application.refresh_from_db()
    assert mentor_application.mentee_capacity == 3
    mentee_application = ApplicationFactory(call=world.call, status="invited",
                                            applicant=world.people["mentee"])
    edit = reverse("application_edit", args=[world.org.slug, mentee_application.pk])
    page = client_as(world.people["mentee"]).get(edit).text
    assert "how many mentees you can take" not in page.lower()
    assert Application.unscoped.get(pk=mentee_application.pk).mentee_capacity == 1
