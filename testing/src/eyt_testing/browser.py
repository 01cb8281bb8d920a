"""Playwright driving Debian's Chromium (Playwright's own browser download does not work offline).

The eyt_testing pytest plugin loads these fixtures wherever Playwright is installed; tests that use them are
marked ``browser`` (a tier: deselected without Chromium, required in CI). The ``page`` fixture opens a fresh
browser context per test and saves a screenshot of the final state to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("EYT_ARTIFACTS", "artifacts")).resolve()


def find_chromium() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_path() -> str:
    path = find_chromium()
    if not path:
        raise pytest.UsageError("Browser tests need Chromium: apt-get install -y chromium (or set CHROMIUM_PATH).")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; Django's test database access from the same
    # thread is safe here, so allow it explicitly for browser tests only.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(locale="en-US", timezone_id="UTC")
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
    try:
        opened.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    finally:
        context.close()
        finish_live_requests()


def finish_live_requests(timeout: float = 5.0) -> None:
    """Wait for the live server's request threads still running (a page's last poll). After the last test
    pytest-django stops the server and ends the sharing of SQLite's in-memory connection; a request thread that
    closes its connection after that fails the test with "DatabaseWrapper objects created in a thread ..."."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(max(0.0, deadline - time.monotonic()))
