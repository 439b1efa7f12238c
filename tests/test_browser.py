"""Browser journeys in Debian's Chromium, driven by Playwright for Python (no downloaded browser)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.conftest import OrgWorld
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("PMO_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (.ci/run does)")
    # Playwright's sync API runs an event loop in this thread; the ORM is only used before it starts.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def log_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()


def test_manager_logs_in_sees_own_organisation_and_switches_language(
    live_server: Any, org_a: OrgWorld, org_b: OrgWorld, page: Any
) -> None:
    base = live_server.url
    log_in(page, base, org_a.users["manager"].email)
    page.wait_for_url(f"{base}/o/{org_a.slug}/")
    assert page.get_by_test_id("org-name").inner_text() == org_a.organization.name
    assert page.get_by_test_id("project-total").inner_text() == "1"  # only the project granted to the manager
    page.screenshot(path=str(ARTIFACTS / "manager-home-en.png"), full_page=True)

    # Switch to Chinese: the whole interface follows, and the choice is kept on the account.
    page.get_by_test_id("lang-zh-hans").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_test_id("nav-projects").inner_text() == "项目"
    page.screenshot(path=str(ARTIFACTS / "manager-home-zh.png"), full_page=True)
    page.get_by_test_id("nav-projects").click()
    page.wait_for_url(f"{base}/o/{org_a.slug}/projects/")
    page.screenshot(path=str(ARTIFACTS / "manager-projects-zh.png"), full_page=True)
    assert page.locator("main h1").inner_text() == "项目"

    # Another organisation's pages answer 404, not 403.
    response = page.goto(f"{base}/o/{org_b.slug}/")
    assert response is not None and response.status == 404

    page.goto(f"{base}/o/{org_a.slug}/")
    page.get_by_test_id("lang-en").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("nav-projects").inner_text() == "Projects"


def test_wrong_password_shows_an_error_and_stays_on_login(live_server: Any, org_a: OrgWorld, page: Any) -> None:
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail").fill(org_a.users["admin"].email)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_test_id("login-submit").click()
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    assert page.locator(".errorlist").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "login-error.png"), full_page=True)
