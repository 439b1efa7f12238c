"""The issue's journey in Chromium: the PMO opens the capacity heat map, sees a department over capacity, drills to
the over-allocated person, changes an allocation, and the conflict disappears from the over-allocation list."""

from __future__ import annotations

from typing import Any

import pytest

from projects.policy import current_week_start, week_label
from tests.conftest import OrgWorld
from tests.test_browser import log_in
from tests.test_resources_capacity_support import allocate, allocation_rows, department, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/capacity-{}.png"  # noqa: S108 - screenshots to look at


def test_the_pmo_resolves_an_over_allocation_from_the_heat_map(live_server: Any, org_a: OrgWorld, page: Any) -> None:
    this_week = current_week_start(organization=org_a.organization)
    eng = department(org_a, "Engineering")
    design = department(org_a, "Design")
    ann = person(org_a, "Ann Lee", dept=eng)
    person(org_a, "Bo Chen", dept=design)
    allocate(org_a, ann, org_a.projects[0], this_week, this_week, 30)
    second = allocate(org_a, ann, org_a.projects[1], this_week, this_week, 30)
    base, slug = live_server.url, org_a.slug

    log_in(page, base, org_a.users["pmo"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.goto(f"{base}/o/{slug}/resources/")
    assert "1 over-allocated person-week" in page.get_by_test_id("over-count").inner_text()
    page.screenshot(path=SHOTS.format("1-heatmap"), full_page=True)
    page.locator("a.heat-link").filter(has=page.locator("rect.heat-over")).first.click()
    page.wait_for_load_state()
    assert page.get_by_test_id("drill-title").inner_text() == f"Engineering · {week_label(this_week)}"
    page.screenshot(path=SHOTS.format("2-drilldown"), full_page=True)
    page.get_by_test_id("over-person").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("over-person-name").inner_text() == "Ann Lee"
    page.screenshot(path=SHOTS.format("3-overallocations"), full_page=True)
    form = page.get_by_test_id(f"edit-{second.pk}")
    form.get_by_label("Hours per week").fill("10")
    form.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("no-over").is_visible()
    page.screenshot(path=SHOTS.format("4-resolved"), full_page=True)
    assert [row[5] for row in allocation_rows(org_a)] == [30, 10]
