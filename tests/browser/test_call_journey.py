"""The road from a new call to a shortlist in a real Chromium, one browser context per person:
the coordinator writes and opens a call, the focal point nominates, the candidate joins and
applies with a CV (on a phone), the coordinator shortlists, the focal point sees the decision.

The same road through the test client is tests/programmes/test_calls.py; the browser set-up
(Debian's Chromium, screenshots in data/test-artifacts/) is tests/browser/conftest.py's."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from participants.models import Application, Nomination, Notification, StatusChange
from programmes.models import Call
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    invitation_link,
    join_from_invitation,
    screenshot,
    screenshots,
    sign_in_with_cookie,
)
from tests.factories import pdf_bytes
from tests.helpers import World

pytestmark = pytest.mark.browser

PDF = pdf_bytes()
TITLE = "EUROMED mentees 2028"
CANDIDATE = "Salma Idrissi"
CANDIDATE_EMAIL = "salma@police.ma"
CANDIDATE_PASSWORD = "Cedar-minaret-slowly-42"
REASON = "Strong profile in asset recovery."


def test_the_road_to_a_shortlist(
    transactional_db, world: World, live_server, new_page, tmp_path
):
    coordinator = world.people["coordinator"]
    focal_point = world.people["focal_point"]

    # 1. The coordinator writes the call, saves it as a draft, then opens it.
    coord = new_page(DESKTOP)
    sign_in_with_cookie(coord, coordinator, live_server)
    coord.goto("/cepol/")
    coord.locator("nav.main-nav").get_by_role("link", name="Calls").click()
    expect(coord.get_by_role("heading", level=1)).to_have_text("Calls for nominations")
    coord.locator("main").get_by_role("link", name="New call").click()
    expect(coord.get_by_role("heading", level=1)).to_have_text("New call for nominations")
    coord.get_by_label("Project").select_option(label="EUROMED Police")
    coord.get_by_label("Title").fill(TITLE)
    coord.get_by_label("Role sought").select_option(label="Mentees")
    coord.get_by_label("Criminal finances (EUROMED Police)").check()
    coord.get_by_label("Minimum years of service").fill("5")
    coord.get_by_label("French").check()
    coord.get_by_label("Places per country").fill("2")
    deadline = timezone.localtime() + timedelta(days=30)
    coord.get_by_label("Deadline for nominations").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    screenshot(coord, "road-1-call-form.png")
    coord.get_by_role("button", name="Save").click()
    expect(coord.locator(".messages")).to_contain_text(f"Call “{TITLE}” saved as a draft.")
    expect(coord.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(coord.locator("main .lead")).to_contain_text("Draft")
    # No country chosen: the project's partner countries are invited.
    expect(coord.locator("#countries-h + ul .tag")).to_have_text(["Morocco"])
    call = Call.unscoped.get(title=TITLE)
    assert call.status == Call.Status.DRAFT
    assert mail.outbox == []

    coord.get_by_role("button", name="Open the call").click()
    expect(coord.locator(".messages")).to_contain_text(
        "The call is open: the focal points have been told."
    )
    expect(coord.locator("main .lead")).to_contain_text("Open")
    screenshot(coord, "road-1-call-open.png")
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN
    assert call.working_languages == ["fr"]
    assert call.min_years_of_service == 5
    assert list(call.invited_countries.all()) == [world.morocco]
    told = [m for m in mail.outbox if m.to == [focal_point.email]]
    assert len(told) == 1, [m.to for m in mail.outbox]
    assert TITLE in told[0].body
    # Its own subject, saying what and which call (not "a new message"), and a link to act.
    assert told[0].subject == f"CEPOL mentoring · Call open: {TITLE}, nominations for Morocco"
    assert f"/cepol/calls/{call.pk}/" in told[0].body
    notification = Notification.unscoped.get(user=focal_point)
    assert TITLE in notification.text

    # 2. The focal point follows the notification to the call and nominates a candidate.
    fp = new_page(DESKTOP)
    sign_in_with_cookie(fp, focal_point, live_server)
    fp.goto("/cepol/")
    fp.locator("nav.main-nav").get_by_role("link", name="Notifications").click()
    expect(fp.locator("ul.notifications li")).to_have_count(1)
    expect(fp.locator("ul.notifications li").first).to_contain_text(TITLE)
    fp.locator("ul.notifications").get_by_role("link", name="Go to the page").click()
    expect(fp.get_by_role("heading", level=1)).to_have_text(TITLE)
    nominate = fp.locator("section[aria-labelledby=nominate-h]")
    expect(nominate).to_contain_text("2 places left.")
    nominate.get_by_label("Full name").fill(CANDIDATE)
    nominate.get_by_label("E-mail address").fill(CANDIDATE_EMAIL)
    nominate.get_by_label("Agency").fill("DGSN")
    nominate.get_by_label("Rank or position").fill("Commissaire")
    nominate.get_by_label("Thematic area").select_option(label="Criminal finances")
    nominate.get_by_label("French").check()
    # The call asks five years of service: the form asks them, and refuses three at once,
    # next to the field, keeping what was typed and the place.
    nominate.get_by_label(re.compile(r"^Years of service")).fill("3")
    nominate.get_by_role("button", name="Nominate").click()
    expect(nominate.locator("#id_years_of_service_error")).to_contain_text(
        "this call asks for at least 5")
    expect(nominate).to_contain_text("a nomination would take one of your places")
    expect(nominate).to_contain_text("2 places left.")
    expect(nominate.get_by_label("Full name")).to_have_value(CANDIDATE)
    screenshot(fp, "road-2-nomination-refused.png")
    screenshots(fp, "problem-4-nomination-refused", live_server)
    nominate = fp.locator("section[aria-labelledby=nominate-h]")
    assert not Nomination.unscoped.exists()
    nominate.get_by_label(re.compile(r"^Years of service")).fill("9")
    nominate.get_by_role("button", name="Nominate").click()
    expect(fp.locator(".messages")).to_contain_text(
        f"{CANDIDATE} is nominated and has been invited to complete the application."
    )
    expect(nominate).to_contain_text("1 place left.")
    expect(nominate.locator("tbody tr")).to_have_count(1)
    expect(nominate.locator("tbody tr")).to_contain_text(CANDIDATE)
    screenshot(fp, "road-2-nominated.png")

    # 3. The candidate accepts the invitation and applies, on a phone.
    link = invitation_link(CANDIDATE_EMAIL, live_server)
    cand = new_page(PHONE)
    join_from_invitation(cand, link, email=CANDIDATE_EMAIL, full_name=CANDIDATE,
                         password=CANDIDATE_PASSWORD)
    application = Application.unscoped.get(call=call)
    expect(cand).to_have_url(re.compile(rf"/cepol/applications/{application.pk}/$"))
    expect(cand.get_by_role("heading", level=1)).to_have_text("Your application")
    expect(cand.locator("main .lead")).to_contain_text(f"{TITLE} · EUROMED Police · Morocco")
    expect(cand.get_by_label("Agency")).to_have_value("DGSN")
    cand.get_by_label("Gender").select_option("female")
    cand.get_by_label(re.compile(r"^Years of service")).fill("9")
    cand.get_by_label("Working language 1").select_option(label="French")
    cand.get_by_label("Level of language 1").select_option(label="Fluent")
    cand.get_by_label("Motivation").fill("To learn how others trace criminal assets.")
    cand.get_by_label("Availability").fill("Weekdays, two hours a week.")
    cv = tmp_path / "cv.pdf"
    cv.write_bytes(PDF)
    cand.locator("input[name=cv]").set_input_files(cv)
    screenshot(cand, "road-3-application-phone.png")
    # Submitted without consent: refused, and the CV chosen is stored and says so, and the
    # "before you can submit" list names only what is still missing.
    cand.get_by_role("button", name="Submit the application").click()
    expect(cand.locator("#cv-stored")).to_contain_text(f"A CV is stored: CV {CANDIDATE}.pdf")
    expect(cand.locator(".errorlist").first).to_be_visible()
    screenshots(cand, "problem-5-cv-kept", live_server)
    application.refresh_from_db()
    assert application.status == Application.Status.INVITED and application.cv
    cand.get_by_label("I consent to the processing of my personal data").check()
    cand.get_by_role("button", name="Submit the application").click()
    expect(cand.locator(".messages")).to_contain_text("Your application is submitted.")
    expect(cand.locator("main .lead")).to_contain_text("Submitted")
    expect(cand.get_by_role("link", name="Download your CV")).to_be_visible()
    screenshot(cand, "road-3-submitted-phone.png")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.cv.name.endswith(".pdf")
    assert list(application.languages.values_list("language", "level")) == [("fr", "fluent")]

    # 4. The coordinator reviews and shortlists.
    coord.goto(f"/cepol/calls/{call.pk}/")
    coord.locator("main").get_by_role("link", name="Review the applications").click()
    expect(coord.get_by_role("heading", level=1)).to_have_text("Applications")
    expect(coord.locator("section[aria-labelledby=by-country-h] li")).to_have_text(
        ["Morocco: 1"]
    )
    expect(coord.locator("section[aria-labelledby=by-theme-h] li")).to_have_text(
        ["Criminal finances: 1"]
    )
    rows = coord.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Submitted")
    screenshot(coord, "road-4-review-list-desktop.png")
    coord.get_by_role("link", name=CANDIDATE).click()
    expect(coord.get_by_role("heading", level=1)).to_have_text(CANDIDATE)
    expect(coord.locator("dl.facts")).to_contain_text("Years of service9")
    expect(coord.locator("dl.facts")).to_contain_text("French (Fluent)")
    coord.get_by_label("Decision").select_option(label="Shortlist")
    # A reason is optional to shortlist: a note stays with the coordinators.
    expect(coord.get_by_text("When shortlisting, a note here is optional")).to_be_visible()
    coord.get_by_label("Reason").fill(REASON)
    screenshot(coord, "road-4-decision.png")
    coord.get_by_role("button", name="Record the decision").click()
    expect(coord.locator(".messages")).to_contain_text(
        f"Decision recorded; {CANDIDATE} has been told."
    )
    expect(rows.first).to_contain_text("Shortlisted")

    # 5. The focal point sees the decision; the coordinators' note on a shortlisting is theirs.
    fp.locator("nav.main-nav").get_by_role("link", name="Nominations").click()
    expect(fp.get_by_role("heading", level=1)).to_have_text("Nominees from Morocco")
    row = fp.locator("main table tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text(
        [re.compile(CANDIDATE), TITLE, "Criminal finances", "Shortlisted", "\u2013"]
    )
    screenshot(fp, "road-5-nominations.png")
    screenshots(fp, "problem-2-shortlisted-no-reason-shown", live_server)

    application.refresh_from_db()
    assert application.status == Application.Status.SHORTLISTED
    assert application.decision_reason == ""  # the note is in the history only
    assert application.applicant.email == CANDIDATE_EMAIL
    assert Nomination.unscoped.get(call=call).status == Nomination.Status.NOMINATED
    history = StatusChange.unscoped.filter(application=application).order_by("created_at", "pk")
    assert [(c.from_status, c.to_status) for c in history] == [
        ("", "invited"), ("invited", "submitted"), ("submitted", "shortlisted"),
    ]
    assert history.last().changed_by == coordinator
    assert history.last().reason == REASON
