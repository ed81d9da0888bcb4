"""The candidate's application through the test client: a bad CV, missing consent, an
ineligible candidate or bad languages are refused next to the field, keeping what was typed;
a good CV sent with a refused page is stored all the same, and the "before you can submit"
list follows; a draft saves without consent; a complete application is submitted with it and
then stays."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.annotations import Link
from pypdf.generic import DictionaryObject, NameObject, RectangleObject, TextStringObject

from participants.models import (
    Application,
    StatusChange,
)
from programmes.models import AuditEntry, Call
from tests.factories import (
    ApplicationFactory,
    pdf_bytes,
)
from tests.helpers import (
    World,
    has_error,
)

PDF = pdf_bytes()


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


# --- A CV sent with a refused page is kept -----------------------------------------------------

@pytest.fixture
def draft_without_cv(world: World) -> Application:
    return ApplicationFactory(call=world.call, status="invited", submitted_at=None,
                              applicant=world.people["mentee"], full_name="Stored Name",
                              agency="Stored Agency", motivation="", cv="")


def a_cv(name: str = "my cv.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def checklist(response) -> dict[str, bool]:
    """The "before you can submit" list the page shows: text → done."""
    return {item.text: item.done for item in response.context["checklist"]}


def cv_audit_entries(world: World, application: Application):
    return AuditEntry.objects.for_org(world.org).filter(
        content_type=ContentType.objects.get_for_model(Application), object_id=application.pk,
        action=AuditEntry.Action.UPDATE, changes__has_key="cv")


CV_DONE = "Your CV is stored."
CV_TO_DO = "Attach your CV as a PDF."
CONSENT_TO_DO = "Your consent is needed to submit the application."


def test_a_cv_sent_without_consent_is_kept_and_the_next_submission_uses_it(
        world: World, client_as, draft_without_cv):
    draft = draft_without_cv
    client = client_as(world.people["mentee"])
    response = post_application(client, draft, application_data(submit="1", cv=a_cv()))
    assert response.status_code == 400
    assert has_error(response, "consent", CONSENT_TO_DO, form="submit_form")
    assert response.context["form"].errors == {}
    draft.refresh_from_db()
    assert draft.cv.name.startswith(f"cv/{world.org.pk}/")
    assert draft.cv.read().startswith(b"%PDF-")
    draft.cv.close()
    assert cv_audit_entries(world, draft).count() == 1
    # Only the CV: a refused submission saves nothing of what was typed.
    assert_unchanged(draft)
    assert "A CV is stored: <bdi>CV Stored Name.pdf</bdi> (" in response.text
    assert reverse("application_cv", args=["cepol", draft.pk]) in response.text
    assert 'aria-describedby="cv-stored"' in response.text
    assert 'value="Typed Name"' in response.text
    listed = checklist(response)
    assert listed[CV_DONE] is True and CV_TO_DO not in listed
    assert listed[CONSENT_TO_DO] is False
    assert f'<li class="done"><span aria-hidden="true">✓</span> <span class="visually-hidden">' \
           f'Done:</span> {CV_DONE}</li>' in response.text
    assert f'<li class="to-do"><span aria-hidden="true">✗</span> <span class="visually-hidden">' \
           f'To do:</span> {CONSENT_TO_DO}</li>' in response.text

    stored = draft.cv.name
    response = post_application(client, draft, submit_data())  # no file chosen this time
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted" and draft.consent_at is not None
    assert draft.cv.name == stored
    assert cv_audit_entries(world, draft).count() == 1


def test_a_cv_sent_with_an_empty_required_field_is_kept(world: World, client_as,
                                                       draft_without_cv):
    draft = draft_without_cv
    response = post_application(client_as(world.people["mentee"]), draft,
                                submit_data(full_name="", cv=a_cv()))
    assert response.status_code == 400
    assert has_error(response, "full_name", "This field is required.")
    draft.refresh_from_db()
    assert draft.cv
    assert_unchanged(draft)
    assert "A CV is stored: <bdi>CV Stored Name.pdf</bdi> (" in response.text
    listed = checklist(response)
    assert listed[CV_DONE] is True
    # The box was ticked and the page shows it ticked.
    assert listed["You consent to the processing of your personal data."] is True
    # The motivation the form took is counted, though nothing was saved.
    assert listed["Your motivation is written."] is True


def test_a_submission_lists_every_problem_at_once(world: World, client_as, draft_without_cv):
    Call.unscoped.filter(pk=world.call.pk).update(min_years_of_service=5)
    draft = draft_without_cv
    response = post_application(client_as(world.people["mentee"]), draft, application_data(
        submit="1", motivation="", years_of_service=3))
    assert response.status_code == 400
    assert has_error(response, "consent", CONSENT_TO_DO, form="submit_form")
    assert has_error(response, "cv", CV_TO_DO)
    assert has_error(response, "motivation", "Tell the coordinator why you apply.")
    assert has_error(response, "years_of_service",
                     "Years of service: this call asks for at least 5.")
    assert checklist(response) == {
        "Years of service: this call asks for at least 5.": False, CV_TO_DO: False,
        "Tell the coordinator why you apply.": False, CONSENT_TO_DO: False}
    assert "A CV is stored" not in response.text
    assert_unchanged(draft)


@pytest.mark.parametrize("cv", [
    lambda: SimpleUploadedFile("cv.pdf", b"PK\x03\x04 a zip, not a PDF",
                               content_type="application/pdf"),
    lambda: SimpleUploadedFile("cv.pdf", big_pdf(), content_type="application/pdf"),
], ids=["not-a-pdf", "over-5-mb"])
def test_a_bad_cv_sent_with_a_refused_page_is_not_kept(world: World, client_as,
                                                      draft_without_cv, cv, monkeypatch):
    draft = draft_without_cv
    storage = Application._meta.get_field("cv").storage
    saved: list[str] = []
    save = storage.save
    monkeypatch.setattr(storage, "save", lambda name, *args, **kwargs: saved.append(name)
                        or save(name, *args, **kwargs))
    response = post_application(client_as(world.people["mentee"]), draft,
                                application_data(submit="1", cv=cv()))
    assert response.status_code == 400
    assert response.context["form"].errors["cv"]
    draft.refresh_from_db()
    assert not draft.cv
    assert saved == []  # not even for a moment
    assert not cv_audit_entries(world, draft).exists()
    assert "A CV is stored" not in response.text
    assert checklist(response)[CV_TO_DO] is False
    assert_unchanged(draft)


def test_a_new_cv_with_a_refused_page_replaces_the_stored_one(
        world: World, client_as, draft, django_capture_on_commit_callbacks):
    old = draft.cv.name
    storage = draft.cv.storage
    with django_capture_on_commit_callbacks(execute=True):
        response = post_application(client_as(world.people["mentee"]), draft,
                                    application_data(submit="1", cv=a_cv()))
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.cv.name != old and storage.exists(draft.cv.name)
    assert not storage.exists(old)
    assert cv_audit_entries(world, draft).count() == 1
    assert_unchanged(draft)


def test_the_checklist_of_a_new_draft_lists_what_is_missing(world: World, client_as,
                                                          draft_without_cv):
    response = client_as(world.people["mentee"]).get(
        reverse("application_edit", args=["cepol", draft_without_cv.pk]))
    assert response.status_code == 200
    assert checklist(response) == {
        "You meet the criteria of the call.": True, CV_TO_DO: False,
        "Tell the coordinator why you apply.": False, CONSENT_TO_DO: False}
    assert "A CV is stored" not in response.text
    assert "aria-describedby=\"cv-stored\"" not in response.text


# --- A CV with active content: built here with pypdf, each the way a real one carries it ------

def cv_with(change) -> SimpleUploadedFile:
    """A one-page PDF that `change(writer)` adds to, as an upload."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return SimpleUploadedFile("cv.pdf", out.getvalue(), content_type="application/pdf")


def with_open_action(writer: PdfWriter) -> None:
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(
        JavaScript("app.launchURL('https://evil.example');"))


def with_link_running(action: DictionaryObject):
    def change(writer: PdfWriter) -> None:
        link = Link(rect=(10, 10, 100, 30), url="https://example.org")
        link[NameObject("/A")] = action
        writer.add_annotation(0, link)
    return change


LAUNCH = DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                           NameObject("/F"): TextStringObject("calc.exe")})


def with_file_attachment_annotation(writer: PdfWriter) -> None:
    writer.add_annotation(0, DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"):
            NameObject("/FileAttachment"), NameObject("/Rect"): RectangleObject([10, 10, 30, 30]),
        NameObject("/FS"): DictionaryObject({NameObject("/Type"): NameObject("/Filespec"),
                                             NameObject("/F"): TextStringObject("run.exe")}),
    }))


SCRIPT = "The CV holds JavaScript or actions that run when it is opened."
ATTACHED = "The CV holds attached or embedded files."


@pytest.mark.parametrize(("change", "message"), [
    (lambda writer: writer.add_open_action(JavaScript("app.alert('hello');")), SCRIPT),
    (with_open_action, SCRIPT),
    (lambda writer: writer.pages[0].add_action(PageTrigger.OPEN, JavaScript("app.beep(0);")),
     SCRIPT),
    (with_link_running(JavaScript("this.exportDataObject({cName: 'a'});")), SCRIPT),
    (with_link_running(LAUNCH), SCRIPT),
    (lambda writer: writer.add_attachment("payload.exe", b"MZ"), ATTACHED),
    (with_file_attachment_annotation, ATTACHED),
], ids=["document-javascript", "open-action-javascript", "page-additional-action",
        "link-javascript", "link-launch", "embedded-file", "file-attachment-annotation"])
def test_cv_with_scripts_or_embedded_files_is_refused_next_to_the_field(
        world: World, client_as, draft, change, message):
    stored_cv = draft.cv.name
    response = post_application(client_as(world.people["mentee"]), draft,
                                submit_data(cv=cv_with(change)))
    assert response.status_code == 400
    assert has_error(response, "cv", message), response.context["form"].errors
    assert message in response.text
    assert 'value="Typed Name"' in response.text  # what else was typed is kept
    assert "Typed motivation." in response.text
    assert_unchanged(draft)
    assert draft.cv.name == stored_cv


def test_a_clean_cv_with_a_web_link_is_accepted(world: World, client_as, draft):
    def change(writer: PdfWriter) -> None:
        writer.add_metadata({"/Title": "Curriculum vitae"})
        writer.add_annotation(0, Link(rect=(10, 10, 100, 30), url="https://example.org"))

    response = post_application(client_as(world.people["mentee"]), draft,
                                application_data(save="1", cv=cv_with(change)))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.cv.name.endswith(".pdf")
    with draft.cv.open("rb") as cv:
        assert cv.read(5) == b"%PDF-"  # saved from the start, after being read through
    draft.cv.delete(save=False)


CONTROL = "Remove the control characters (such as NUL) from this text."


@pytest.mark.parametrize(("field", "value"), [
    ("motivation", "I want\x00 to learn."), ("motivation", "I want\x07 to learn."),
    ("agency", "Police\x7f"), ("rank", "\x1bInspector"),
])
def test_control_characters_in_the_application_are_refused_next_to_the_field(
        world: World, client_as, draft, field, value):
    response = post_application(client_as(world.people["mentee"]), draft,
                                submit_data(**{field: value}))
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [CONTROL]
    assert CONTROL in response.text
    assert 'value="Typed Name"' in response.text
    assert_unchanged(draft)


def test_tabs_and_line_breaks_in_the_application_are_kept(world: World, client_as, draft):
    motivation = "Two reasons:\r\n\t- asset tracing\r\n\t- cooperation"
    response = post_application(client_as(world.people["mentee"]), draft,
                                application_data(save="1", motivation=motivation))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.motivation == motivation


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


def test_a_huge_expertise_area_id_is_an_invalid_choice(world: World, client_as):
    application = ApplicationFactory(call=world.call, applicant=world.people["mentee"],
                                     status="invited")
    response = client_as(world.people["mentee"]).post(
        reverse("application_edit", args=["cepol", application.pk]),
        {"full_name": "Typed Name", "agency": "A", "rank": "R",
         "expertise_areas": ["99999999999999999999"], "save": "1"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
