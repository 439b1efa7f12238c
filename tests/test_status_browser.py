"""The weekly status journey in Chromium: the manager starts and submits this week's report, the PMO returns it
with a comment, the manager resubmits, the PMO accepts; the compliance page shows it. Screenshots go to
/tmp/status-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from pmo.tenancy.roles import Role
from projects.models import StatusReport, StatusRevision
from tests.conftest import OrgWorld
from tests.factories_projects import lifecycle_project
from tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page: Any, name: str) -> None:
    page.screenshot(path=f"/tmp/status-{name}.png", full_page=True)  # noqa: S108 - where the brief wants them


def test_manager_submits_pmo_returns_manager_resubmits_pmo_accepts(
    live_server: Any, org_a: OrgWorld, page: Any, api_client: Any
) -> None:
    project = lifecycle_project(org_a)
    base, slug = live_server.url, org_a.slug
    status_url = f"{base}/o/{slug}/projects/{project.pk}/status/"

    log_in(page, base, org_a.users[Role.MANAGER].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.goto(f"{base}/o/{slug}/projects/{project.pk}/")
    page.get_by_test_id("tab-status").click()
    page.wait_for_url(status_url)
    assert page.get_by_test_id("report-state").inner_text() == "Not started"
    page.get_by_test_id("start-report").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("report-state").inner_text() == "Draft"

    form = page.get_by_test_id("status-form")
    form.get_by_test_id("rag_overall").get_by_text("Amber", exact=True).click()
    form.get_by_test_id("rag_schedule").get_by_text("Amber", exact=True).click()
    form.get_by_label("Percent complete").fill("10")
    form.get_by_label("Actual cost to date").fill("9000")
    form.get_by_label("Summary").fill("Design review passed; the prototype slips a week.")
    form.get_by_label("Next steps").fill("Build the prototype.")
    form.locator("input[name='esc_title_0']").fill("Test lab booking")
    form.locator("input[name='esc_decision_needed_0']").check()
    form.locator("input[name='esc_decision_from_0']").fill("CTO")
    assert "Suggested" in page.get_by_test_id("suggestion").inner_text()
    shot(page, "form-en")
    page.get_by_test_id("submit-report").click()
    page.wait_for_load_state()
    if page.get_by_text("better than the suggested one").count():
        # The figures suggest red: say why amber is right, as the form asks.
        page.get_by_label("Why better than suggested").fill("The slip is recovered next week.")
        page.get_by_test_id("submit-report").click()
        page.wait_for_load_state()
    assert page.get_by_test_id("report-state").inner_text() == "Submitted"
    shot(page, "submitted-en")

    pmo_page = page.context.browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    log_in(pmo_page, base, org_a.users[Role.PMO].email)
    pmo_page.wait_for_url(f"{base}/o/{slug}/")
    pmo_page.goto(f"{base}/o/{slug}/status/")
    assert project.code in pmo_page.get_by_test_id("queue").inner_text()
    shot(pmo_page, "compliance-en")
    pmo_page.get_by_test_id("queue").get_by_role("link").first.click()
    pmo_page.wait_for_load_state()
    pmo_page.locator("#review-comment").fill("Please add the recovery plan for the prototype.")
    pmo_page.get_by_test_id("return-report").click()
    pmo_page.wait_for_load_state()
    assert pmo_page.get_by_test_id("report-state").inner_text() == "Returned"

    page.goto(status_url)
    assert "recovery plan" in page.get_by_test_id("review-comment").inner_text()
    page.get_by_label("Next steps").fill("Build the prototype; recovery plan: a second shift for two weeks.")
    shot(page, "returned-en")
    page.get_by_test_id("submit-report").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("report-state").inner_text() == "Submitted"

    pmo_page.reload()
    pmo_page.get_by_test_id("accept-report").click()
    pmo_page.wait_for_load_state()
    assert pmo_page.get_by_test_id("report-state").inner_text() == "Accepted"
    shot(pmo_page, "accepted-en")

    page.goto(status_url)
    assert page.get_by_test_id("report-state").inner_text() == "Accepted"
    assert page.get_by_test_id("history").locator("[data-testid='history-row']").count() == 1
    assert page.get_by_test_id("start-report").count() == 0  # one report a week: nothing more to start
    shot(page, "tab-en")
    pmo_page.context.close()

    # A second report for the same week is refused, and the accepted one stays as it was.
    second = api_client(org_a.users[Role.MANAGER]).post(
        f"/api/v1/orgs/{slug}/projects/{project.pk}/status-reports/", {}, format="json"
    )
    assert second.status_code == 409
    assert "already has a status report" in second.json()["detail"]

    with org_a.ctx():
        report = StatusReport.objects.get(project=project)
        assert (report.state, report.revision) == ("accepted", 2)
        assert report.escalations[0]["decision_from"] == "CTO"
        assert list(StatusRevision.objects.filter(report=report).values_list("number", flat=True)) == [1, 2]
