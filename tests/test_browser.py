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
    # The manager lands on My work, in their own organisation, with only the project granted to them.
    assert page.locator("main h1").inner_text() == "My work"
    assert org_a.organization.name in page.get_by_test_id("org-switcher").inner_text()
    assert page.get_by_test_id("my-project").all_inner_texts()[0].startswith(org_a.projects[0].code)
    assert page.get_by_test_id("my-project").count() == 1
    page.screenshot(path=str(ARTIFACTS / "manager-home-en.png"), full_page=True)

    # Switch to Chinese: the whole interface follows, and the choice is kept on the account.
    page.get_by_test_id("lang-zh-hans").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_test_id("nav-projects").inner_text() == "项目"
    assert page.locator("main h1").inner_text() == "我的工作"
    page.screenshot(path=str(ARTIFACTS / "manager-home-zh.png"), full_page=True)
    org_a.users["manager"].refresh_from_db()
    assert org_a.users["manager"].language == "zh-hans"
    page.get_by_test_id("nav-projects").click()
    page.wait_for_url(f"{base}/o/{org_a.slug}/projects/")
    page.screenshot(path=str(ARTIFACTS / "manager-projects-zh.png"), full_page=True)
    assert page.locator("main h1").inner_text() == "项目"

    # Another organisation's pages answer 404, not 403: its landing page and its workspaces.
    for path in ("", "my/", "dashboard/", "cockpit/", "overview/"):
        response = page.goto(f"{base}/o/{org_b.slug}/{path}")
        assert response is not None and response.status == 404, path

    page.goto(f"{base}/o/{org_a.slug}/")
    page.get_by_test_id("lang-en").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("nav-projects").inner_text() == "Projects"
    assert page.locator("main h1").inner_text() == "My work"


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
