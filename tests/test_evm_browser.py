"""The "Earned value" tab in Chromium with 12 weeks of history: the S-curve, the figure cards, the RAG strip and
the trend table render and read well (screenshots in English and Chinese); another organisation gets 404."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, OrgWorld
from tests.test_browser import log_in
from tests.test_evm_api import evm_project

SHOTS = Path(tempfile.gettempdir())  # also looked at by hand: /tmp/evm-*.png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reads_the_earned_value_tab(live_server: Any, org_a: OrgWorld, org_b: OrgWorld, page: Any) -> None:
    project = evm_project(org_a, weeks=12)
    base, slug = live_server.url, org_a.slug

    log_in(page, base, org_a.users["manager"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.goto(f"{base}/o/{slug}/projects/{project.pk}/")
    page.get_by_test_id("tab-evm").click()
    page.wait_for_url(f"{base}/o/{slug}/projects/{project.pk}/evm/")

    chart = page.get_by_test_id("s-curve").locator("svg")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 900 and box["height"] > 250
    # The legend sits above the plot: no legend text overlaps the lines' area.
    legend_bottom = max(
        t.bounding_box()["y"] + t.bounding_box()["height"]
        for t in chart.locator("text").all()
        if (t.text_content() or "").startswith(("PV", "EV", "AC"))
    )
    plot_top = min(line.bounding_box()["y"] for line in chart.locator("path.series").all())
    assert legend_bottom <= plot_top
    assert page.get_by_test_id("figure-cv").locator(".evm-card-value").inner_text().startswith("-")
    assert page.get_by_test_id("trend-row").count() == 12
    assert page.get_by_test_id("rag-history").locator("rect.rag-cell").count() == 12
    for folder in (ARTIFACTS, SHOTS):
        page.screenshot(path=str(folder / "evm-tab-en.png"), full_page=True)

    page.get_by_test_id("s-curve-link").click()
    assert page.locator("svg").first.is_visible()
    page.screenshot(path=str(SHOTS / "evm-s-curve.png"))

    page.goto(f"{base}/o/{slug}/projects/{project.pk}/evm/")
    page.get_by_test_id("lang-zh-hans").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_test_id("s-curve").locator("svg").is_visible()
    page.screenshot(path=str(SHOTS / "evm-tab-zh.png"), full_page=True)

    response = page.goto(f"{base}/o/{org_b.slug}/projects/{project.pk}/evm/")
    assert response is not None and response.status == 404
