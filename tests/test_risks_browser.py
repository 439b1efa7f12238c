"""The risk journey in Chromium (the issue's "Done when"): a manager logs a risk with P=4, I=5 on their project's
RAID tab and escalates it; the PMO finds it in "escalated to me" and escalates it to the executives; the executive
sees it on the portfolio heat map and in "escalated to me"; a user of the other organisation gets 404."""

from __future__ import annotations

from typing import Any

import pytest

from risks.models import Risk
from tests.conftest import OrgWorld
from tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/risks-{}.png"  # noqa: S108 - screenshots to look at, as the brief asks


def test_a_manager_logs_and_escalates_a_risk_that_reaches_the_executives(
    live_server: Any, org_a: OrgWorld, org_b: OrgWorld, page: Any
) -> None:
    project = org_a.projects[0]
    base, slug = live_server.url, org_a.slug

    # The manager logs the risk on the project's RAID tab and escalates it to the PMO.
    log_in(page, base, org_a.users["manager"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.goto(f"{base}/o/{slug}/projects/{project.pk}/raid/")
    page.get_by_test_id("add-risk").click()
    form = page.get_by_test_id("raid-risk-form")
    form.get_by_label("Title").fill("Key supplier may deliver the controllers late")
    form.get_by_label("Category").select_option("schedule")
    form.get_by_label("Probability").select_option("4")
    form.get_by_label("Impact").select_option("5")
    form.get_by_label("Cause").fill("The supplier has one factory.")
    form.get_by_label("Event").fill("The controllers arrive after the integration start.")
    form.get_by_label("Effect").fill("Go-live slips by six weeks.")
    page.screenshot(path=SHOTS.format("1-raid-form"), full_page=True)
    page.get_by_test_id("raid-risk-submit").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("cell-4-5").inner_text().strip() == "1"
    page.screenshot(path=SHOTS.format("2-raid"), full_page=True)
    page.get_by_role("link", name="Key supplier may deliver the controllers late").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("risk-score").inner_text() == "20"
    assert page.get_by_test_id("risk-level").inner_text() == "High"
    page.get_by_test_id("escalate-form").locator("textarea").fill("Needs a second supplier: beyond the budget.")
    page.get_by_test_id("action-escalate").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("risk-escalation").inner_text() == "PMO"
    assert page.get_by_test_id("action-escalate").count() == 0  # only the PMO escalates further
    page.context.clear_cookies()

    # The PMO finds it in "escalated to me" and escalates it to the executives.
    log_in(page, base, org_a.users["pmo"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.goto(f"{base}/o/{slug}/risks/")
    panel = page.get_by_test_id("escalated-to-me")
    assert "Key supplier" in panel.inner_text()
    page.screenshot(path=SHOTS.format("3-pmo-register"), full_page=True)
    panel.get_by_role("link", name="Key supplier may deliver the controllers late").click()
    page.wait_for_load_state()
    page.get_by_test_id("escalate-form").locator("textarea").fill("Board decision on a second supplier.")
    page.get_by_test_id("escalate-form").get_by_text('Set the response strategy to "escalate"').click()
    page.get_by_test_id("action-escalate").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("risk-escalation").inner_text() == "Executive"
    assert page.get_by_test_id("risk-strategy").inner_text() == "Escalate"
    assert len(page.get_by_test_id("escalation-history").locator("li").all()) == 2
    page.screenshot(path=SHOTS.format("4-risk-detail"), full_page=True)
    page.context.clear_cookies()

    # The executive sees it on the portfolio heat map and in "escalated to me".
    log_in(page, base, org_a.users["executive"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.goto(f"{base}/o/{slug}/risks/portfolio/{project.portfolio_id}/")
    assert page.get_by_test_id("cell-4-5").inner_text().strip() == "1"
    assert "Key supplier" in page.get_by_test_id("escalated-to-me").inner_text()
    page.screenshot(path=SHOTS.format("5-executive-portfolio"), full_page=True)
    page.get_by_test_id("cell-4-5").get_by_role("link").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("risk-table").locator("tbody tr").count() == 1
    page.screenshot(path=SHOTS.format("6-cell-drilldown"), full_page=True)
    page.context.clear_cookies()

    # A user of the other organisation gets 404 for all of it.
    with org_a.ctx():
        risk = Risk.objects.get()
    assert (risk.escalation_level, risk.strategy, risk.score) == ("executive", "escalate", 20)
    log_in(page, base, org_b.users["pmo"].email)
    page.wait_for_url(f"{base}/o/{org_b.slug}/")
    for path in ("risks/", f"risks/{risk.number}/", f"risks/portfolio/{project.portfolio_id}/", "issues/"):
        assert page.goto(f"{base}/o/{slug}/{path}").status == 404, path
    assert page.goto(f"{base}/o/{org_b.slug}/risks/{risk.number}/").status == 404
