"""Browser journeys in Debian's Chromium, driven by Playwright for Python (no downloaded browser)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ARTIFACTS, OrgWorld
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
