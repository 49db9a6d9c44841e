"""Fixtures for browser tests: Debian's headless Chromium driven by Playwright, and logging in."""

from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def browser_page(settings, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are sync.
    # monkeypatch removes it afterwards, so it does not leak into later tests.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                # The machine has no network beyond loopback: keep Chromium from trying.
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        yield page
        browser.close()
        # While Playwright's loop runs in this thread, asgiref's Local (Django's connections)
        # keeps values per context, not per thread: the test's queries went through connections
        # of their own. Closed here, while the loop still runs, or one stays open and the test
        # database cannot be dropped at the end ("being accessed by other users").
        connections.close_all()


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
