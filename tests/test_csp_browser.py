"""The Content-Security-Policy in Chromium: the main pages (workspaces, project pages, risk heat map, resources, the
pages with their own inline script, the API docs) load without a single CSP violation, and their inline scripts
still run (they carry the response's nonce). A page that slipped an inline script or handler without the nonce
would show up here as a ``securitypolicyviolation`` event or a console error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ARTIFACTS, OrgWorld
from tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded by the page itself: Playwright's init scripts are not subject to the page's policy.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile);
});
"""


def test_main_pages_show_no_csp_violation(live_server: Any, org_a: OrgWorld, page: Any) -> None:
    base = live_server.url
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.add_init_script(WATCH_VIOLATIONS)
    log_in(page, base, org_a.users["admin"].email)
    page.wait_for_url(f"{base}/o/{org_a.slug}/")

    project = org_a.projects[0]
    org = f"/o/{org_a.slug}"
    pages = [
        f"{org}/",
        f"{org}/dashboard/",
        f"{org}/cockpit/",
        f"{org}/projects/",
        f"{org}/projects/{project.pk}/",
        f"{org}/projects/{project.pk}/lifecycle/",
        f"{org}/risks/",
        f"{org}/risks/portfolio/{project.portfolio_id}/",
        f"{org}/resources/",
        f"{org}/resources/utilization/",
        f"{org}/timesheets/",
        f"{org}/alerts/rules/new/",
        f"{org}/reports/",
        f"{org}/audit/",
        f"{org}/audit/security/",
        "/accounts/tokens/",
        "/api/docs/",
    ]
    seen = {}
    for path in pages:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        assert response.headers.get("content-security-policy"), path
        page.wait_for_load_state("networkidle")
        seen[path] = page.evaluate("window.__cspViolations")
    errors = [line for line in console if "Content Security Policy" in line or "Refused to" in line]
    assert errors == [], errors
    assert {path: found for path, found in seen.items() if found} == {}

    # Swagger UI drew the operations (its scripts ran under the policy).
    page.goto(base + "/api/docs/")
    page.wait_for_selector(".opblock", timeout=20000)
    page.screenshot(path=str(ARTIFACTS / "csp-api-docs.png"))

    # An inline script with the nonce runs: the token page shows the date field only for "a chosen date".
    page.goto(base + "/accounts/tokens/")
    date_field = page.locator(".token-expiry-date")
    assert date_field.is_hidden()
    page.locator("#id_expires_in").select_option("date")
    assert date_field.is_visible()
    assert page.evaluate("window.__cspViolations") == []


def test_an_admin_reads_and_filters_the_security_events(live_server: Any, org_a: OrgWorld, page: Any) -> None:
    base = live_server.url
    # A failed sign-in for the member, then the admin signs in and opens the security events from the audit trail.
    log_in_with(page, base, org_a.users["member"].email, "a-wrong-password-1")
    assert "Please enter a correct" in page.locator("main").inner_text()
    log_in(page, base, org_a.users["admin"].email)
    page.wait_for_url(f"{base}/o/{org_a.slug}/")
    page.goto(f"{base}/o/{org_a.slug}/audit/")
    page.get_by_test_id("audit-tab-security").click()
    page.wait_for_url(f"**/o/{org_a.slug}/audit/security/")
    table = page.get_by_test_id("security-table")
    assert "Sign-in failed" in table.inner_text() and "Signed in" in table.inner_text()
    page.screenshot(path=str(ARTIFACTS / "security-events-en.png"), full_page=True)

    page.get_by_test_id("security-filters").get_by_label("Event").select_option("login_failed")
    page.get_by_test_id("security-filters").get_by_role("button", name="Apply").click()
    page.wait_for_url("**/audit/security/?*kind=login_failed*")
    rows = table.locator("tbody tr")
    assert rows.count() == 1 and "member@alpha.test" not in rows.first.inner_text()  # shown by name
    assert "Member of alpha" in rows.first.inner_text()

    page.get_by_test_id("lang-zh-hans").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.screenshot(path=str(ARTIFACTS / "security-events-zh.png"), full_page=True)


def log_in_with(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_load_state()
