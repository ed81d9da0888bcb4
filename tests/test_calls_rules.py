"""The rules of calls, nominations and applications through the test client: every refusal
says why, next to the field it concerns (or above the form), keeps what was typed and changes
nothing; every decision is recorded and told."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from participants.models import (
    Application,
    Invitation,
    Membership,
    Nomination,
    Notification,
    StatusChange,
)
from programmes.models import Call, Country, ThematicArea
from tests.conftest import World, add_member
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    NominationFactory,
    ThematicAreaFactory,
    UserFactory,
    pdf_bytes,
)

PDF = pdf_bytes()


# --- Helpers ----------------------------------------------------------------------------------

def form_errors(response, field: str | None, form: str = "form") -> list[str]:
    """The errors of one field (None: above the form) of the form the page was rendered with."""
    bound = response.context[form]
    return bound.non_field_errors() if field is None else bound.errors.get(field, [])


def has_error(response, field: str | None, message: str, form: str = "form") -> bool:
    return any(message in error for error in form_errors(response, field, form))


def counts() -> tuple[int, ...]:
    """What a nomination or an application would create: rows, history and e-mails."""
    return (Nomination.unscoped.count(), Application.unscoped.count(),
            Invitation.unscoped.count(), StatusChange.unscoped.count(),
            Notification.unscoped.count(), len(mail.outbox))


def area(world: World) -> ThematicArea:
    return world.project.thematic_areas.get(name="Criminal finances")


def jordan() -> Country:
    return Country.objects.get(code="JO")


def focal_point_of(world: World, country: Country, email: str) -> Membership:
    """Another focal point, serving EUROMED Police."""
    membership = add_member(world.org, "focal_point", country=country,
                            user=UserFactory(email=email, full_name=f"Focal {country.name}"))
    assign_perm("programmes.nominate_for_project", membership.user, world.project)
    return membership


def nomination_data(world: World, **changes) -> dict:
    data = {"full_name": "Typed Name", "email": "typed@police.ma", "agency": "Typed Agency",
            "rank": "Typed Rank", "thematic_area": area(world).pk, "languages": ["fr", "ar"]}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def nominate(client, call: Call, data: dict, capture):
    with capture(execute=True):
        return client.post(reverse("nomination_create", args=["cepol", call.pk]), data)


def move_deadline(call: Call, **delta) -> None:
    Call.unscoped.filter(pk=call.pk).update(deadline=timezone.now() + timedelta(**delta))
    call.refresh_from_db()


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


# --- Applications: the candidate's bad input --------------------------------------------------

@pytest.fixture
def draft(world: World) -> Application:
    """The mentee's application, waiting for them to complete it."""
    return ApplicationFactory(call=world.call, status="invited", submitted_at=None,
                              applicant=world.people["mentee"], full_name="Stored Name",
                              agency="Stored Agency", motivation="")


def application_data(**changes) -> dict:
    data = {"full_name": "Typed Name", "agency": "Typed Agency", "rank": "Typed Rank",
            "gender": "female", "years_of_service": 9, "years_of_experience": 5,
            "motivation": "Typed motivation.", "availability": "Weekdays",
            "language_0": "fr", "level_0": "fluent"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def submit_data(**changes) -> dict:
    return application_data(submit="1", consent="on", **changes)


def post_application(client, application: Application, data: dict):
    return client.post(reverse("application_edit", args=["cepol", application.pk]), data)


def assert_unchanged(application: Application) -> None:
    application.refresh_from_db()
    assert application.status == "invited"
    assert application.full_name == "Stored Name"
    assert application.consent_at is None and application.submitted_at is None
    assert not StatusChange.unscoped.filter(application=application).exists()


def big_pdf() -> bytes:
    return pdf_bytes(size=5 * 1024 * 1024 + 1)


@pytest.mark.parametrize(("cv", "message"), [
    (lambda: SimpleUploadedFile("cv.pdf", b"PK\x03\x04 a zip, not a PDF",
                                content_type="application/pdf"),
     "The CV must be a PDF file (this one is not)."),
    (lambda: SimpleUploadedFile("cv.pdf", b"%PDF-1.4\nno end marker",
                                content_type="application/pdf"),
     "The CV must be a PDF file (this one is not)."),
    (lambda: SimpleUploadedFile("cv.pdf", b"%PDF-garbage%%EOF", content_type="application/pdf"),
     "The CV must be a PDF file (this one is not)."),
    (lambda: SimpleUploadedFile("cv.pdf", big_pdf(), content_type="application/pdf"),
     "The CV is larger than 5 MB: send a smaller PDF."),
], ids=["not-a-pdf", "no-eof", "pdf-header-on-garbage", "over-5-mb"])
def test_bad_cv_is_refused_next_to_the_field(world: World, client_as, draft, cv, message):
    stored_cv = draft.cv.name
    response = post_application(client_as(world.people["mentee"]), draft,
                                submit_data(cv=cv()))
    assert response.status_code == 400
    assert has_error(response, "cv", message), response.context["form"].errors
    assert message in response.text
    assert 'value="Typed Name"' in response.text
    assert_unchanged(draft)
    assert draft.cv.name == stored_cv


def test_a_cv_of_exactly_5_mb_is_accepted(world: World, client_as, draft):
    data = pdf_bytes(size=5 * 1024 * 1024)
    response = post_application(client_as(world.people["mentee"]), draft, application_data(
        save="1", cv=SimpleUploadedFile("cv.pdf", data, content_type="application/pdf")))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.cv.size == 5 * 1024 * 1024
    draft.cv.delete(save=False)  # no 5 MB left behind by every run


def test_submitting_without_consent_is_refused(world: World, client_as, draft):
    data = application_data(submit="1")
    response = post_application(client_as(world.people["mentee"]), draft, data)
    assert response.status_code == 400
    message = "Your consent is needed to submit the application."
    assert has_error(response, "consent", message, form="submit_form")
    assert message in response.text
    assert 'value="Typed Name"' in response.text
    assert_unchanged(draft)


@pytest.mark.parametrize(("call_changes", "data_changes", "field", "message"), [
    ({"min_years_of_service": 5}, {"years_of_service": 3}, "years_of_service",
     "Years of service: this call asks for at least 5."),
    ({"min_years_of_service": 5}, {"years_of_service": ""}, "years_of_service",
     "Years of service: this call asks for at least 5."),
    ({"working_languages": ["en"]}, {"language_0": "fr"}, None,
     "Working languages: this call asks for at least one of English."),
    ({"female_only": True}, {"gender": "male"}, "gender",
     "Eligibility: this call is for female officers only."),
], ids=["service-below-minimum", "service-missing", "language-not-asked", "female-only"])
def test_ineligible_candidate_cannot_submit(
    world: World, client_as, draft, call_changes, data_changes, field, message
):
    Call.unscoped.filter(pk=world.call.pk).update(**call_changes)
    response = post_application(client_as(world.people["mentee"]), draft,
                                submit_data(**data_changes))
    assert response.status_code == 400
    assert has_error(response, field, message), response.context["form"].errors
    assert message in response.text
    assert 'value="Typed Name"' in response.text
    assert_unchanged(draft)


def test_female_only_call_needs_a_gender(world: World, client_as, draft):
    Call.unscoped.filter(pk=world.call.pk).update(female_only=True)
    response = post_application(client_as(world.people["mentee"]), draft,
                                application_data(save="1", gender=""))
    assert response.status_code == 400
    assert has_error(response, "gender", "This field is required.")
    assert_unchanged(draft)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"language_0": "fr", "level_0": ""}, "level_0", "Give your level in this language."),
    ({"language_1": "", "level_1": "basic"}, "language_1",
     "Choose the language of this level."),
    ({"language_1": "fr", "level_1": "basic"}, "language_1",
     "This language is already listed."),
    ({"language_2": "xx", "level_2": "basic"}, "language_2", "Select a valid choice."),
], ids=["language-without-level", "level-without-language", "same-language-twice",
        "unknown-language"])
def test_bad_languages_are_refused_next_to_their_field(
    world: World, client_as, draft, changes, field, message
):
    response = post_application(client_as(world.people["mentee"]), draft,
                                application_data(save="1", **changes))
    assert response.status_code == 400
    assert has_error(response, field, message), response.context["form"].errors
    assert message in response.text
    assert 'value="Typed Name"' in response.text
    assert_unchanged(draft)


def test_a_draft_is_saved_without_consent_and_keeps_its_values(world: World, client_as, draft):
    client = client_as(world.people["mentee"])
    response = post_application(client, draft, application_data(
        save="1", language_1="en", level_1="basic",
        cv=SimpleUploadedFile("my cv.pdf", PDF, content_type="application/pdf")))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "invited" and draft.consent_at is None
    assert (draft.full_name, draft.agency, draft.years_of_service, draft.motivation) == (
        "Typed Name", "Typed Agency", 9, "Typed motivation.")
    assert sorted(draft.languages.values_list("language", "level")) == [
        ("en", "basic"), ("fr", "fluent")]
    page = client.get(reverse("application_edit", args=["cepol", draft.pk]))
    assert page.status_code == 200
    assert 'value="Typed Name"' in page.text and "Typed motivation." in page.text
    assert not StatusChange.unscoped.filter(application=draft).exists()


def test_a_complete_application_is_submitted_with_consent(world: World, client_as, draft):
    response = post_application(client_as(world.people["mentee"]), draft, submit_data())
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert draft.consent_at is not None and draft.consent_version
    assert list(StatusChange.unscoped.filter(application=draft).values_list(
        "from_status", "to_status", "changed_by")) == [
        ("invited", "submitted", world.people["mentee"].pk)]


def test_a_submitted_application_can_no_longer_be_changed(world: World, client_as, draft):
    client = client_as(world.people["mentee"])
    assert post_application(client, draft, submit_data()).status_code == 302
    draft.refresh_from_db()
    submitted_at = draft.submitted_at
    response = post_application(client, draft, submit_data(
        full_name="Changed Name", motivation="Changed.", language_0="en", level_0="basic"))
    assert response.status_code == 400
    draft.refresh_from_db()
    assert (draft.full_name, draft.motivation, draft.status) == (
        "Typed Name", "Typed motivation.", "submitted")
    assert draft.submitted_at == submitted_at
    assert list(draft.languages.values_list("language", "level")) == [("fr", "fluent")]
    assert "Submitted on" in response.text
    assert StatusChange.unscoped.filter(application=draft).count() == 1


def test_another_persons_application_is_not_found(world: World, client_as, draft):
    client = client_as(world.people["mentor"])
    url = reverse("application_edit", args=["cepol", draft.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, application_data(save="1")).status_code == 404
    assert_unchanged(draft)


# --- Coordinator review -----------------------------------------------------------------------

def review(client, application: Application, data: dict, capture=None):
    url = reverse("application_review", args=["cepol", application.pk])
    if capture is None:
        return client.post(url, data)
    with capture(execute=True):
        return client.post(url, data)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"decision": "shortlisted", "reason": ""}, "reason", "This field is required."),
    ({"decision": "shortlisted", "reason": "   "}, "reason", "This field is required."),
    ({"decision": "shortlisted"}, "reason", "This field is required."),
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
        assert len(texts) == 1 and "In reserve" in texts[0] and "Places are full" in texts[0]
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
    assert "Tick at least one application, choose a decision and give a reason." in response.text
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


# --- Query counts -----------------------------------------------------------------------------

def queries(client, url: str) -> int:
    # A first request fills the content-type cache that guardian reads through; only what
    # every request costs is compared.
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_applications(world: World, count: int, start: int) -> None:
    now = timezone.now()
    finances = area(world)
    Application.objects.bulk_create([
        Application(organisation=world.org, call=world.call, country=world.morocco,
                    thematic_area=finances, full_name=f"Bulk {start + i}",
                    email=f"bulk{start + i}@police.ma", agency="DGSN", rank="Inspector",
                    status="submitted", submitted_at=now, years_of_service=5)
        for i in range(count)
    ])


def add_nominations(world: World, count: int, start: int) -> None:
    fp, finances = world.people["focal_point"], area(world)
    nominations = Nomination.objects.bulk_create([
        Nomination(organisation=world.org, call=world.call, country=world.morocco,
                   nominated_by=fp, full_name=f"Nominee {start + i}",
                   email=f"nominee{start + i}@police.ma", agency="DGSN", rank="Inspector",
                   thematic_area=finances, languages=["fr"])
        for i in range(count)
    ])
    Application.objects.bulk_create([
        Application(organisation=world.org, call=world.call, nomination=nomination,
                    country=world.morocco, thematic_area=finances,
                    full_name=nomination.full_name, email=nomination.email, agency="DGSN",
                    rank="Inspector", status="declined", decision_reason="Too many")
        for nomination in Nomination.unscoped.filter(pk__in=[n.pk for n in nominations])
    ])


def add_calls(world: World, count: int) -> None:
    """Open calls inviting Morocco: every persona below sees them."""
    deadline = timezone.now() + timedelta(days=30)
    calls = Call.objects.bulk_create([
        Call(organisation=world.org, project=world.project, title=f"Bulk call {i}",
             role_sought="mentee", deadline=deadline, status="open")
        for i in range(count)
    ])
    invited = Call.invited_countries.through
    invited.objects.bulk_create([invited(call_id=call.pk, country_id="MA") for call in calls])


def test_review_list_query_count_does_not_grow(world: World, client_as):
    client = client_as(world.people["coordinator"])
    url = reverse("application_list", args=["cepol", world.call.pk])
    add_applications(world, 10, 0)
    small = queries(client, url)
    add_applications(world, 490, 10)
    large = queries(client, url)
    assert small == large, f"{small} queries with 10 applications, {large} with 500"
    filtered = url + "?country=MA&status=submitted&sort=-name&q=bulk"
    assert queries(client, filtered) == queries(client, filtered + "&page=2")


def test_nomination_list_query_count_does_not_grow(world: World, client_as):
    client = client_as(world.people["focal_point"])
    url = reverse("nomination_list", args=["cepol"])
    add_nominations(world, 10, 0)
    small = queries(client, url)
    add_nominations(world, 490, 10)
    large = queries(client, url)
    assert small == large, f"{small} queries with 10 nominations, {large} with 500"
    page = client.get(url)
    assert "Declined" in page.text and "Too many" in page.text


@pytest.mark.parametrize("role", ["coordinator", "admin", "focal_point"])
def test_call_list_query_count_does_not_grow(world: World, client_as, role: str):
    client = client_as(world.people[role])
    url = reverse("call_list", args=["cepol"])
    add_calls(world, 10)
    small = queries(client, url)
    add_calls(world, 490)
    large = queries(client, url)
    assert small == large, f"{small} queries with 10 calls, {large} with 500"
    page = client.get(url)
    assert page.context["page"].paginator.count == 501
    assert "Bulk call" in page.text


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
        f"{call.deadline.date().isoformat()}.")
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
    from guardian.shortcuts import assign_perm

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
        application_save(acting_user=world.people["mentee"], application=stale,
                         fields={"motivation": "late"}, languages={}, expertise_areas=[])
    application.refresh_from_db()
    assert application.status == "withdrawn"


def test_tampered_ids_in_the_bulk_form_change_nothing(world: World, client_as):
    application = ApplicationFactory(call=world.call)
    response = client_as(world.people["coordinator"]).post(
        reverse("application_decide_many", args=["cepol", world.call.pk]),
        {"application": ["²", "99999999999999999999", "-1", str(application.pk)],
         "decision": "reserve", "reason": "Second round"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "reserve"


def test_a_huge_expertise_area_id_is_an_invalid_choice(world: World, client_as):
    application = ApplicationFactory(call=world.call, applicant=world.people["mentee"],
                                     status="invited")
    response = client_as(world.people["mentee"]).post(
        reverse("application_edit", args=["cepol", application.pk]),
        {"full_name": "Typed Name", "agency": "A", "rank": "R",
         "expertise_areas": ["99999999999999999999"], "save": "1"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text


@pytest.mark.django_db(transaction=True)
def test_two_focal_points_racing_for_the_last_place_get_one_place(django_db_blocker):
    """The call row is locked while the places are counted: of two nominations for the last
    place made at the same moment, one is refused with the places message."""
    import threading

    from django.db import connection
    from guardian.shortcuts import assign_perm

    from participants.models import Membership
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
                acting_user=focal_points[index].user, membership=focal_points[index],
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
