"""The browser journeys' fixtures: one Chromium per test module, and a fresh context (own
cookies) per person. Needs Debian's Chromium at /usr/bin/chromium (package `chromium`);
Playwright cannot download its own browsers here."""

import os

# Playwright's sync API runs an event loop in this thread; Django's ORM, called from the test,
# would otherwise refuse to run next to it. Must be set before Django is asked anything.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.helpers import ARTIFACTS, DESKTOP

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install the Debian package `chromium` "
            "(apt-get install chromium); Playwright cannot download its browsers here.",
            pytrace=False,
        )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(
    browser: Browser, live_server, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """A page in a fresh browser context (own cookies) per call; on failure, each page's last
    state is saved as data/test-artifacts/failed-<test>-<n>.png."""
    contexts = []
    failed_before = request.session.testsfailed

    def make(viewport: dict = DESKTOP) -> Page:
        context = browser.new_context(viewport=viewport, base_url=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = request.session.testsfailed > failed_before
    name = re.sub(r"[^\w-]+", "-", request.node.name).strip("-")
    for n, context in enumerate(contexts):
        if failed:
            for page in context.pages:
                page.screenshot(path=ARTIFACTS / f"failed-{name}-{n}.png", full_page=True)
        context.close()


