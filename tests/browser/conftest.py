"""Browser journeys: Playwright driving Debian's Chromium against the live server.

Every journey test takes ``phone`` (a volunteer's 390x844 viewport) and/or ``desktop`` (staff),
each a :class:`~tests.browser.ui.UI` that checks every page it reaches (axe-core with the WCAG
2.0/2.1/2.2 A and AA rules, no sideways scroll at 320 CSS pixels, no JavaScript error) and saves a
screenshot of its last page into ``$SCREENSHOT_DIR`` when the test ends.

Without Chromium (or Playwright) these tests skip; under ``REQUIRE_SERVICES=1`` they fail.
"""

from __future__ import annotations

import os
import re
import traceback
from pathlib import Path

# Playwright's sync API keeps an event loop running in the test thread, and Django then refuses
# database work from it (SynchronousOnlyOperation). Nothing here is async: allow it, for these
# tests only, before pytest-django sets up the database.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402

from tests.conftest import require_or_skip  # noqa: E402

from .ui import UI  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORTS = {
    # A mid-sized phone, as many volunteers use; touch and the meta viewport are honoured.
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


def screenshot_dir() -> Path:
    return Path(os.environ.get("SCREENSHOT_DIR") or "test-artifacts/screenshots")


# The test running now, for the live server's error log below (its thread knows no test).
_running = {"test": "no test"}


@pytest.fixture(autouse=True)
def _name_the_running_test(request):
    _running["test"] = request.node.nodeid
    yield
    _running["test"] = f"after {request.node.nodeid}"


@pytest.fixture(scope="session", autouse=True)
def _live_server_errors_kept():
    """The live server reports an error it could not answer (not a dropped connection, which
    it ignores) by printing it to stderr, where pytest's capture splits the heading from its
    traceback. Keep each whole, with the test that was running, in ``live-server-errors.txt``
    beside the screenshots."""
    from django.core.servers import basehttp

    original = basehttp.WSGIServer.handle_error

    def handle_error(self, request, client_address):
        folder = screenshot_dir()
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "live-server-errors.txt").open("a") as log:
            log.write(f"--- {_running['test']}, request from {client_address}\n")
            traceback.print_exc(file=log)
        original(self, request, client_address)

    basehttp.WSGIServer.handle_error = handle_error
    yield
    basehttp.WSGIServer.handle_error = original


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the whole run (about 0.8 s to start); each test gets fresh contexts."""
    if not Path(CHROMIUM).exists():
        require_or_skip(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dev dependency
        require_or_skip(f"Playwright is not installed: {exc}")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Error as exc:
        playwright.stop()
        require_or_skip(f"Chromium at {CHROMIUM} did not start: {exc}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(autouse=True)
def _role_groups(request):
    """The role groups come from a data migration, and a transactional test's flush empties
    them: put them back before each journey (idempotent), before any user is made."""
    if "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    from livingwell.roles import sync_role_groups

    sync_role_groups()


@pytest.fixture
def open_ui(request, chromium, live_server):
    """``open_ui("phone" | "desktop")``: a new browser context (its own cookies) as a UI.

    Each one's last page is saved as ``<test>-<n>-<viewport>.png`` when the test ends.
    """
    opened: list[tuple[str, UI]] = []

    def open_(viewport: str = "desktop") -> UI:
        context = chromium.new_context(
            base_url=live_server.url,
            locale="en-GB",
            timezone_id="Europe/London",
            **VIEWPORTS[viewport],
        )
        context.set_default_timeout(5_000)
        ui = UI(context.new_page())
        opened.append((viewport, ui))
        return ui

    yield open_

    folder = screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    for n, (viewport, ui) in enumerate(opened, start=1):
        suffix = f"-{n}" if len(opened) > 1 else ""
        try:
            ui.page.screenshot(path=folder / f"{test_name}{suffix}-{viewport}.png", full_page=True)
        finally:
            ui.page.context.close()


@pytest.fixture
def blank_ui(chromium):
    """A tab with no server behind it, for checking the checks on pages written in the test."""
    context = chromium.new_context(**VIEWPORTS["phone"])
    yield UI(context.new_page())
    context.close()


@pytest.fixture
def phone(open_ui) -> UI:
    """A volunteer's phone-sized browser."""
    return open_ui("phone")


@pytest.fixture
def desktop(open_ui) -> UI:
    """A member of staff's desktop browser."""
    return open_ui("desktop")
