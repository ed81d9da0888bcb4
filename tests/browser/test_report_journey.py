"""Reports, feedback and completion in a real Chromium, one browser context per person: the pair
writes the interim report together as they type (a submission with a part missing is refused
first), the coordinator returns it with comments, the pair revises it and the coordinator
accepts the second version; the narrative report and both participants' private feedback
complete the pairing; the certificate, the report PDF and the pairing's dossier download.

The browser set-up (Debian's Chromium, screenshots in data/test-artifacts/) is
tests/browser/conftest.py's."""

import re
from pathlib import Path

import pytest
from django.db import transaction
from playwright.sync_api import Page, expect

from matching.models import Pairing
from reporting.models import Export, Feedback, Report
from reporting.tasks import export_build
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    screenshot,
    screenshots,
    sign_in_with_cookie,
)
from tests.helpers import World, in_last_month, pdf_text

pytestmark = pytest.mark.browser

FIRST = "Trace criminal assets across borders."  # the plan's two objectives
SECOND = "Set up a joint financial investigation."
# Counts the htmx requests each page has finished (the autosaves), to wait for them, and keeps
# the answers of those refused.
COUNT_REQUESTS = """
window.htmxDone = 0;
window.htmxErrors = [];
document.addEventListener("htmx:afterRequest", (event) => {
  window.htmxDone += 1;
  const xhr = event.detail.xhr;
  if (!event.detail.successful) window.htmxErrors.push(`${xhr.status} ${xhr.responseText}`);
});
"""


def write(page: Page, fields: dict[str, str]) -> None:
    """Types into each field (found by its label) and waits until each one has saved itself."""
    done = page.evaluate("() => window.htmxDone")
    for label, text in fields.items():
        page.get_by_label(label).fill(text)
    page.wait_for_function("n => window.htmxDone >= n", arg=done + len(fields))
    assert page.evaluate("() => window.htmxErrors") == []
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")


def rate(page: Page, objective: int, step: str) -> None:
    """Chooses an objective's rating, which saves itself at once."""
    done = page.evaluate("() => window.htmxDone")
    page.get_by_role("group", name=f"How far it got (objective {objective})").get_by_label(
        step, exact=True).check()
    page.wait_for_function("n => window.htmxDone >= n", arg=done + 1)
    assert page.evaluate("() => window.htmxErrors") == []


def person(new_page, user, live_server, viewport: dict) -> Page:
    page = new_page(viewport)
    page.context.add_init_script(COUNT_REQUESTS)
    sign_in_with_cookie(page, user, live_server)
    return page


def download(page: Page, link_name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    content = Path(info.value.path()).read_bytes()
    assert content.startswith(b"%PDF"), content[:20]
    return content


def test_reports_feedback_and_completion(
    transactional_db, world: World, live_server, new_page, monkeypatch
):
    pairing = in_last_month(world)
    pairing_url = f"/cepol/pairings/{pairing.pk}/"

    # 1. The mentee, on her phone, starts the interim report. Submitting with an objective and a
    #    section empty is refused, each named next to its field; what she typed is kept.
    mentee = person(new_page, world.people["mentee"], live_server, PHONE)
    # Her home page puts the late interim report first, before the narrative report ahead.
    mentee.goto("/cepol/")
    expect(mentee.locator(".next-step").first).to_contain_text(
        "The interim report is late: it was due on")
    screenshots(mentee, "problem-1-late-first-home", live_server)
    mentee.goto(pairing_url)
    expect(mentee.locator(".next-step")).to_contain_text("The interim report is late")
    screenshots(mentee, "problem-1-late-first-pairing", live_server)
    mentee.get_by_role("link", name="Write it Interim report").click()
    expect(mentee.get_by_role("heading", level=1)).to_have_text("Interim report")
    write(mentee, {FIRST: "Two cases traced with the FIU.",
                   "what worked": "Monthly calls, and a visit to Rabat."})
    rate(mentee, 1, "Well advanced")
    report = Report.unscoped.get()
    assert report.objectives[0]["progress"] == "Two cases traced with the FIU."
    assert report.objectives[0]["rating"] == 3
    assert report.what_worked == "Monthly calls, and a visit to Rabat."
    mentee.get_by_role("button", name="Submit to the coordinator").click()
    second = mentee.get_by_label(SECOND)
    # Next to the field, and read out with it.
    expect(mentee.locator("#id_progress_1_error")).to_have_text("Say how far this objective got.")
    expect(second).to_have_accessible_description(
        re.compile("Say how far this objective got."))
    expect(mentee.locator("#id_difficulties_error")).to_have_text(
        "This section is needed before the report is submitted.")
    expect(mentee.locator("#id_rating_1_error")).to_have_text("Rate how far this objective got.")
    expect(mentee.get_by_role("group", name="How far it got (objective 1)").get_by_label(
        "Well advanced")).to_be_checked()
    expect(mentee.get_by_label(FIRST)).to_have_value(
        "Two cases traced with the FIU.")
    expect(mentee.get_by_label("what worked")).to_have_value(
        "Monthly calls, and a visit to Rabat.")
    screenshot(mentee, "report-1-refused-phone.png")
    assert Report.unscoped.get().status == Report.Status.DRAFT

    # She writes the rest as she types; the draft is there when she opens the page again.
    write(mentee, {SECOND: "Agreed the terms with Lyon.",
                   "changes to the plan": "The second visit moves to May."})
    mentee.goto(mentee.url)
    expect(mentee.get_by_label(FIRST)).to_have_value(
        "Two cases traced with the FIU.")
    expect(mentee.get_by_label(SECOND)).to_have_value("Agreed the terms with Lyon.")
    expect(mentee.get_by_label("changes to the plan")).to_have_value(
        "The second visit moves to May.")
    expect(mentee.locator("#autosave-status")).to_contain_text("Last saved by Mentee Person")
    screenshot(mentee, "report-2-form-phone.png")

    # 2. The mentor opens the same draft, adds the difficulties and submits.
    mentor = person(new_page, world.people["mentor"], live_server, DESKTOP)
    mentor.goto(pairing_url)
    mentor.get_by_role("link", name="Continue writing Interim report").click()
    expect(mentor.get_by_label(SECOND)).to_have_value("Agreed the terms with Lyon.")
    write(mentor, {"difficulties": "Time zones, and the FIU's backlog."})
    rate(mentor, 2, "Started")
    assert Report.unscoped.get().difficulties == "Time zones, and the FIU's backlog."
    mentor.get_by_role("button", name="Submit to the coordinator").click()
    expect(mentor.locator(".messages")).to_contain_text("The report is submitted")
    report = Report.unscoped.get()
    assert (report.status, report.submitted_by) == ("submitted", world.people["mentor"])

    # 3. The coordinator reads version 1 and returns it; a return needs comments.
    coord = person(new_page, world.people["coordinator"], live_server, DESKTOP)
    coord.goto(pairing_url)
    coord.get_by_role("link", name="v1 Interim report · Submitted").click()
    expect(coord.get_by_role("heading", level=1)).to_contain_text("Interim report")
    expect(coord.locator("main")).to_contain_text("Time zones, and the FIU's backlog.")
    screenshot(coord, "report-3-review.png")
    coord.set_viewport_size(PHONE)
    screenshot(coord, "report-3-review-phone.png")
    coord.set_viewport_size(DESKTOP)
    coord.get_by_role("button", name="Return the report with comments").click()
    expect(coord.locator("main form")).to_contain_text("Say what should change.")
    assert Report.unscoped.get().status == Report.Status.SUBMITTED
    coord.get_by_label("Comments for the pair").fill("Say more about the FIU cases.")
    coord.get_by_role("button", name="Return the report with comments").click()
    expect(coord.locator(".messages")).to_contain_text("returned to the pair with your comments")

    # 4. The mentee sees the comments, revises one objective and submits version 2.
    mentee.goto(pairing_url)
    mentee.get_by_role("link", name="Continue writing Interim report").click()
    comments = mentee.get_by_role("region", name="The coordinator's comments")
    expect(comments).to_contain_text("Say more about the FIU cases.")
    expect(mentee.get_by_role("heading", level=1)).to_contain_text("version 2")
    screenshot(mentee, "report-4-returned-phone.png")
    write(mentee, {FIRST: "Two cases traced with the FIU; one went to court."})
    mentee.get_by_role("button", name="Submit to the coordinator").click()
    expect(mentee.locator(".messages")).to_contain_text("The report is submitted")

    coord.goto(pairing_url)
    coord.get_by_role("link", name="v2 Interim report · Submitted").click()
    expect(coord.locator("main")).to_contain_text("one went to court")
    coord.get_by_role("button", name="Accept the report").click()
    expect(coord.locator(".messages")).to_contain_text("The report is accepted.")
    versions = coord.locator("#reports-h ~ .table-wrap tbody tr").first
    expect(versions.get_by_role("link")).to_have_text(  # newest first
        ["v2 Interim report · Accepted", "v1 Interim report · Returned with comments"])
    versions.get_by_role("link", name="v2 Interim report · Accepted").click()
    expect(coord.locator("main h2:text-is('Versions') + ul > li")).to_have_text(
        ["Version 2 · Accepted", "Version 1 · Returned with comments"])
    assert list(Report.unscoped.order_by("version").values_list("version", "status")) == [
        (1, "returned"), (2, "accepted")]
    # The first version keeps its text and the comments.
    coord.get_by_role("link", name="Version 1").click()
    expect(coord.locator("main")).to_contain_text("Say more about the FIU cases.")
    expect(coord.locator("main")).to_contain_text("Two cases traced with the FIU.")

    # 5. The coordinator downloads the interim report as a PDF.
    text = pdf_text(download(coord, "Download as PDF"))
    for expected in ("Interim report", FIRST, "Two cases traced with the FIU.",
                     "Time zones, and the FIU's backlog.", "Well advanced (3/4)"):
        assert expected in text, expected

    # 6. The narrative report: the mentor writes and submits it, the coordinator accepts it.
    mentor.goto(pairing_url)
    mentor.get_by_role("link", name="Write it Narrative report").click()
    write(mentor, {FIRST: "Assets frozen in two cases.", SECOND: "A joint team set up.",
                   "outcomes for the mentee's service": "A new asset recovery desk.",
                   "outcomes for the mentor's service": "A contact in the region.",
                   "cooperation established": "A standing channel between the units.",
                   "lessons learned": "Meet in person early."})
    rate(mentor, 1, "Achieved")
    rate(mentor, 2, "Achieved")
    mentor.get_by_role("button", name="Submit to the coordinator").click()
    expect(mentor.locator(".messages")).to_contain_text("The report is submitted")
    coord.goto(pairing_url)
    coord.get_by_role("link", name="v1 Narrative report · Submitted").click()
    coord.get_by_role("button", name="Accept the report").click()
    expect(coord.locator(".messages")).to_contain_text("The report is accepted.")
    expect(coord.locator("main .lead .status")).to_have_text("Active")  # the feedback is missing

    # 7. Each participant gives private feedback; the second completes the pairing.
    def give_feedback(page: Page, ratings: tuple[str, str, str], recommend: str,
                      comments: str, shot: str = "") -> None:
        page.goto(pairing_url)
        page.get_by_role("link", name="Give your feedback").click()
        for question, rating in zip(
                ("Overall, how satisfied are you with the programme?",
                 "How far were your objectives met?",
                 "How good was the support you received from the programme's team?"),
                ratings, strict=True):
            page.get_by_role("group", name=question).get_by_label(rating, exact=True).check()
        page.get_by_role("group", name="Would you recommend the programme to a colleague?") \
            .get_by_label(recommend, exact=True).check()
        page.get_by_label("Anything else you want the programme's team to know").fill(comments)
        if shot:
            screenshot(page, shot)
        page.get_by_role("button", name="Give my feedback").click()
        expect(page.locator(".messages")).to_contain_text("your feedback is recorded")

    give_feedback(mentee, ("5 (excellent)", "4", "5 (excellent)"), "Yes",
                  "Very useful for my unit.", "report-5-feedback-phone.png")
    expect(mentee.locator("main .lead .status")).to_have_text("Active")
    assert Pairing.unscoped.get().status == Pairing.Status.ACTIVE
    give_feedback(mentor, ("4", "4", "3"), "No", "More time for visits, please.")
    expect(mentor.locator("main .lead .status")).to_have_text("Completed")
    assert Pairing.unscoped.get().status == Pairing.Status.COMPLETED
    assert Feedback.unscoped.get(author=world.people["mentor"]).would_recommend is False

    # The mentee's page says completed; her partner's feedback shows nowhere on it.
    mentee.goto(pairing_url)
    expect(mentee.locator("main .lead .status")).to_have_text("Completed")
    expect(mentee.locator("#reports-h ~ p")).to_contain_text("You gave your feedback.")
    expect(mentee.locator("body")).not_to_contain_text("More time for visits")
    assert "More time for visits" not in mentee.content()
    screenshot(mentee, "report-6-completed-phone.png")
    mentee.get_by_role("link", name="See it").click()
    expect(mentee.locator("main")).to_contain_text("Very useful for my unit.")
    assert "More time for visits" not in mentee.content()

    # 8. Her certificate.
    mentee.goto(pairing_url)
    text = pdf_text(download(mentee, "Your certificate of completion (PDF)"))
    for expected in ("Certificate of completion", "Mentee Person", "EUROMED Police",
                     "as a mentee"):
        assert expected in text, expected

    # 9. The coordinator reads both feedbacks and builds the pairing's dossier: a worker builds
    #    it once the request commits (at once here: tasks run eagerly in tests).
    coord.goto(pairing_url)
    expect(coord.locator("main .lead .status")).to_have_text("Completed")
    expect(coord.locator("#reports-h ~ ul")).to_contain_text("More time for visits, please.")
    coord.set_viewport_size({"width": DESKTOP["width"], "height": 2400})
    screenshot(coord, "report-7-completed.png")
    coord.set_viewport_size(DESKTOP)
    coord.get_by_role("button", name="Build the pairing's dossier (PDF)").click()
    expect(coord.get_by_role("heading", level=1)).to_have_text("Pairing dossier (PDF)")
    export = Export.unscoped.get()
    expect(coord).to_have_url(f"{live_server.url}/cepol/exports/{export.pk}/")
    assert (export.status, export.progress, export.pairing) == ("done", 100, Pairing.unscoped.get())
    progress = coord.locator("#export-progress")
    expect(progress.get_by_role("status")).to_have_text("Ready")
    screenshot(coord, "report-8-dossier.png")
    with coord.expect_download() as info:
        progress.get_by_role("link", name="Download").click()
    content = Path(info.value.path()).read_bytes()
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    for expected in ("Mentee Person", "Mentor Person", "Interim report", "Narrative report",
                     "one went to court", "Meet in person early."):
        assert expected in text, expected

    # 10. The export page follows a build as htmx polls it: here the worker is held back (the
    #     task is only recorded at commit) and run by the test, one step at a time.
    queued: list[int] = []
    monkeypatch.setattr(export_build, "delay_on_commit", lambda organisation_id, export_id: (
        transaction.on_commit(lambda: queued.append(export_id))))
    coord.goto(pairing_url)
    coord.get_by_role("button", name="Build the pairing's dossier (PDF)").click()
    progress = coord.locator("#export-progress")
    expect(progress.get_by_role("status")).to_have_text("Waiting for a worker")
    expect(progress.get_by_role("progressbar", name="Progress")).to_be_visible()
    assert queued == [Export.unscoped.latest("pk").pk]  # queued once the request committed
    Export.unscoped.filter(pk=queued[0]).update(status=Export.Status.RUNNING, progress=40)
    expect(progress.get_by_role("status")).to_have_text("Being built · 40 %")
    expect(progress.get_by_role("progressbar")).to_have_attribute("value", "40")
    screenshot(coord, "report-9-dossier-progress.png")
    export_build(world.org.pk, queued[0])
    expect(progress.get_by_role("status")).to_have_text("Ready")
    expect(progress.get_by_role("link", name="Download")).to_be_visible()
    expect(progress.get_by_role("progressbar")).to_have_count(0)


