"""The executive's journey in Chromium: the dashboard is the landing page, a RAG count opens the projects behind it,
the filters narrow the figures from the keyboard, the page fits a tablet, and the same page reads in Chinese
(screenshots in test-artifacts/dashboard-*.png)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ARTIFACTS, OrgWorld
from tests.test_browser import log_in
from tests.test_dashboard_pages import build_scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_executive_reads_the_dashboard_drills_down_and_filters(live_server: Any, org_a: OrgWorld, page: Any) -> None:
    scene = build_scene(org_a)
    base = live_server.url
    log_in(page, base, org_a.users["executive"].email)
    page.wait_for_url(f"{base}/o/{org_a.slug}/")
    assert page.locator("main h1").inner_text() == "Executive dashboard"
    assert page.get_by_test_id("dash-rag-red").inner_text().startswith("1")
    assert page.get_by_test_id("dash-tile").count() == 7
    assert page.locator("[data-testid=dash-quadrant] svg circle").count() == 3
    page.screenshot(path=str(ARTIFACTS / "dashboard-executive-en.png"), full_page=True)

    page.get_by_test_id("dash-rag-red").click()
    page.wait_for_url("**/dashboard/projects/?figure=rag_red*")
    assert page.get_by_test_id("dash-figure-count").inner_text() == "1 project"
    assert scene.red.code in page.get_by_test_id("dash-projects-table").inner_text()
    page.screenshot(path=str(ARTIFACTS / "dashboard-drilldown-en.png"), full_page=True)
    page.get_by_test_id("dash-back").click()

    # Filters from the keyboard: choose the second portfolio, then Enter on Apply.
    page.get_by_test_id("dash-filters").get_by_label("Portfolio", exact=True).select_option(label="Second portfolio")
    page.get_by_test_id("dash-apply").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/dashboard/?portfolio={scene.second.pk}*")
    assert page.get_by_test_id("dash-rag-red").inner_text().startswith("0")
    assert page.get_by_test_id("dash-rag-amber").inner_text().startswith("1")
    assert f"portfolio={scene.second.pk}" in (page.get_by_test_id("dash-pdf").get_attribute("href") or "")

    # A tablet: no horizontal page scroll.
    page.set_viewport_size({"width": 820, "height": 1000})
    page.goto(f"{base}/o/{org_a.slug}/dashboard/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    page.screenshot(path=str(ARTIFACTS / "dashboard-executive-820.png"), full_page=True)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_test_id("lang-zh-hans").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "项目成功率" in page.get_by_test_id("dash-kpis").inner_text()
    page.screenshot(path=str(ARTIFACTS / "dashboard-executive-zh.png"), full_page=True)
