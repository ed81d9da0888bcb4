"""Plain helpers of the browser journeys (their fixtures are in conftest.py): viewports, signing
in without the forms, the interface's language, the invitation e-mail's link, screenshots in
data/test-artifacts/ (git-ignored), and axe-core's checks of a page."""

import re

from django.conf import settings
from django.core import mail
from django.test import Client
from playwright.sync_api import Page, expect

from participants.models import User
from tests.helpers import ROOT

ARTIFACTS = ROOT / "data" / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# WCAG 1.4.10 (reflow): content must read at 320 CSS px wide without scrolling sideways.
REFLOW = {"width": 320, "height": 640}
# Vendored from the npm package for the tests only (see its README); no page of the app loads it.
AXE = "vendor/axe-core/axe.min.js"


def join_from_invitation(page: Page, link: str, *, email: str, full_name: str,
                         password: str) -> None:
    """A newcomer opens the invitation link and creates the account: they are signed in at
    once, never asked for the password they have just chosen."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join CEPOL agency")
    expect(page.get_by_label("Full name")).to_have_value(full_name)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator(".messages")).to_contain_text("Your account is ready")
    assert "/accounts/login/" not in page.url


def sign_in_with_cookie(page: Page, user: User, live_server) -> None:
    """Signs in without the forms (for tests about something else): a session made by Django's
    test client, handed to the browser."""
    client = Client()
    client.force_login(user)
    use_session_of(client, page, live_server)


def use_session_of(client: Client, page: Page, live_server) -> None:
    """The browser takes the test client's session: whoever the client signed in (through the
    forms, MFA included, or without them) is signed in in the browser too."""
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])


def use_language(page: Page, language: str, live_server) -> None:
    """The interface's language for this browser context, as the language form would set it."""
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                               "url": live_server.url}])


def invitation_link(email: str, live_server) -> str:
    messages = [m for m in mail.outbox if m.to == [email]]
    assert len(messages) == 1, [m.to for m in mail.outbox]
    match = re.search(re.escape(settings.SITE_URL) + r"(/invitations/[^\s/]+/)", messages[0].body)
    assert match, messages[0].body
    return live_server.url + match.group(1)


def screenshot(page: Page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def screenshots(page: Page, name: str, live_server) -> None:
    """The page as it stands on a desktop and on a phone, then again in Arabic (reloaded: a
    refused form is sent again, and refused again, changing nothing), as NAME-desktop.png,
    NAME-phone.png and NAME-arabic-phone.png; the page is left in English at its own size."""
    size = page.viewport_size
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-desktop.png")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-phone.png")
    use_language(page, "ar", live_server)
    page.reload()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    screenshot(page, f"{name}-arabic-phone.png")
    use_language(page, "en", live_server)
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    if size:
        page.set_viewport_size(size)




def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the page as it stands, of the given impacts, one line each: the
    rule, its impact, and the first few elements it names."""
    # From the app's static files, as a page's own script would be: the pages' CSP (script-src
    # 'self' and a nonce) refuses the inline script that add_script_tag(path=...) would write.
    page.add_script_tag(url=settings.STATIC_URL + AXE)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}): "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        for violation in results["violations"] if violation["impact"] in impacts
    ]


def sideways_scroll(page: Page) -> str:
    """How far the page scrolls sideways ('' when it does not), and the outermost elements that
    stick out of the viewport on the side it scrolls to (the left one in Arabic)."""
    return page.evaluate("""() => {
        const root = document.documentElement;
        const extra = root.scrollWidth - root.clientWidth;
        if (extra <= 0) return "";
        const rtl = getComputedStyle(root).direction === "rtl";
        const clipped = el => {
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                if (getComputedStyle(up).overflowX !== "visible") return true;
            }
            return false;
        };
        const out = [];
        for (const el of document.body.querySelectorAll("*")) {
            const box = el.getBoundingClientRect();
            const sticksOut = rtl ? box.left < -1 : box.right > root.clientWidth + 1;
            if (box.width && sticksOut && !out.some(o => o.contains(el)) && !clipped(el)) {
                out.push(el);
            }
        }
        const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
            + (el.className && typeof el.className === "string"
               ? "." + el.className.trim().split(/\\s+/).join(".") : "");
        return `${extra} px, by ${out.slice(0, 4).map(name).join(", ")}`;
    }""")
