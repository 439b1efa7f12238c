"""The change-control journey in Chromium (controlling PMO, cost above the executive threshold): the manager raises
a cost change request, the PMO assesses and approves, an executive approves; the project has baseline v2 with the
reason on the baselines and comparison pages, and the statistics count it."""

from __future__ import annotations

from typing import Any

import pytest

from projects.models import Baseline, ChangeRequest
from tests.conftest import OrgWorld
from tests.test_browser import log_in
from tests.test_changes_factories import cr_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/changes-{}.png"  # noqa: S108 - screenshots to look at, as the brief asks


def log_out(page: Any, base: str) -> None:
    page.context.clear_cookies()


def test_a_cost_change_is_raised_assessed_approved_twice_and_rebaselines(
    live_server: Any, org_a: OrgWorld, org_b: OrgWorld, page: Any
) -> None:
    project = cr_project(org_a, code="ACME-7", name="Warehouse automation", budget=200_000)
    base, slug = live_server.url, org_a.slug
    changes_url = f"{base}/o/{slug}/projects/{project.pk}/changes/"

    # The manager raises the request and submits it.
    log_in(page, base, org_a.users["manager"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.goto(changes_url)
    form = page.get_by_test_id("raise-form")
    form.get_by_label("Title").fill("Two more picking robots")
    form.get_by_label("Type").select_option("cost")
    form.get_by_label("Cost delta").fill("45000")
    form.get_by_label("Description").fill("Add two picking robots to the second aisle.")
    form.get_by_label("Justification").fill("Peak volumes are 30% above the plan")
    form.get_by_label("Risk impact").fill("Supplier lead time of eight weeks.")
    page.screenshot(path=SHOTS.format("1-raise"), full_page=True)
    page.get_by_test_id("raise-submit").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("cr-code").inner_text() == "CR-001"
    assert page.get_by_test_id("cr-status").inner_text() == "Draft"
    page.get_by_test_id("action-submit").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("cr-status").inner_text() == "Submitted"
    log_out(page, base)

    # The PMO finds it in the queue, assesses it (45 000 > 10 % of 200 000: an executive must sign too) and signs.
    log_in(page, base, org_a.users["pmo"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.goto(f"{base}/o/{slug}/changes/")
    page.get_by_test_id("awaiting-link").click()
    page.wait_for_load_state()
    page.screenshot(path=SHOTS.format("2-queue"), full_page=True)
    page.get_by_role("link", name="Two more picking robots").click()
    page.wait_for_load_state()
    page.get_by_test_id("assess-form").locator("textarea").fill("Needed for the peak; cost within the reserve.")
    page.get_by_test_id("action-assess").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("cr-status").inner_text() == "Assessed"
    assert page.get_by_test_id("step-executive").is_visible()
    page.get_by_test_id("decision-form").locator("textarea").fill("PMO agrees.")
    page.get_by_test_id("action-approve").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("cr-status").inner_text() == "Assessed"
    page.screenshot(path=SHOTS.format("3-pmo-signed"), full_page=True)
    assert page.get_by_test_id("action-approve").count() == 0  # the executive step needs another person
    log_out(page, base)

    # The executive signs the last step: approved, baseline v2.
    log_in(page, base, org_a.users["executive"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.goto(f"{changes_url}1/")
    page.get_by_test_id("action-approve").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("cr-status").inner_text() == "Approved"
    assert "baseline v2" in page.get_by_test_id("cr-baseline").inner_text()
    page.screenshot(path=SHOTS.format("4-approved"), full_page=True)

    page.get_by_test_id("tab-baselines").click()
    page.wait_for_load_state()
    table = page.get_by_test_id("baselines-table").inner_text()
    assert "v2" in table and "CR-001: Two more picking robots" in table and "245,000.00" in table
    page.screenshot(path=SHOTS.format("5-baselines"), full_page=True)

    page.goto(f"{changes_url}1/")
    page.get_by_test_id("compare-link").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("budget-delta").inner_text() == "+45,000.00"
    page.screenshot(path=SHOTS.format("6-compare"), full_page=True)

    page.goto(f"{base}/o/{slug}/changes/statistics/")
    assert page.get_by_test_id("total-count").inner_text() == "1"
    assert "ACME-7" in page.get_by_test_id("by-project").inner_text()
    assert "Cost change" in page.get_by_test_id("by-category").inner_text()
    page.screenshot(path=SHOTS.format("7-statistics"), full_page=True)
    log_out(page, base)

    # Another organisation's executive gets 404.
    log_in(page, base, org_b.users["executive"].email)
    page.wait_for_url(f"{base}/o/{org_b.slug}/")
    response = page.goto(f"{changes_url}1/")
    assert response is not None and response.status == 404

    with org_a.ctx():
        change_request = ChangeRequest.objects.get(project=project)
        baseline = Baseline.objects.get(project=project, version=2)
    assert change_request.baseline_id == baseline.pk and baseline.change_request_id == change_request.pk
    assert change_request.approvals_required == ["pmo", "executive"]
