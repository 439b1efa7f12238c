"""The PMO's journey through the cockpit in Chromium, in English and in Chinese: log in and land on the cockpit
(what waits is on the first screen), send the reminders that are due, open a data-quality drill-down and a queue,
and check that the page fits a tablet (820 px: no horizontal page scroll).

Screenshots go to ``test-artifacts/cockpit-*.png`` (the directory of the other browser tests)."""

from __future__ import annotations

from typing import Any

import pytest

from pmo.tenancy.models import Organization
from tests.conftest import ARTIFACTS, OrgWorld
from tests.factories_reminders import set_policy
from tests.test_browser import log_in
from tests.test_cockpit_pages import populate, quality_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"cockpit-{name}.png"), full_page=True)


def fits(page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_pmo_works_through_the_cockpit(live_server: Any, org_a: OrgWorld, page: Any) -> None:
    base, slug = live_server.url, org_a.slug
    populate(org_a, 2, tag="ACME")
    quality_world(org_a)
    set_policy(org_a, status_lead_hours=168)  # some week is always in its reminder window
    log_in(page, base, org_a.users["pmo"].email)
    page.wait_for_url(f"{base}/o/{slug}/")

    # The landing page is the cockpit: every queue with its count, on the first screen.
    assert page.get_by_test_id("workspace-cockpit").get_attribute("aria-current") == "page"
    for key in ("intake", "changes", "gates", "returned", "tailoring"):
        assert page.get_by_test_id(f"queue-{key}").get_attribute("data-count") == "2"
    assert page.get_by_test_id("queue-gates").get_by_test_id("queue-item").count() == 2
    assert page.get_by_test_id("status-row").count() >= 2
    shot(page, "01-en-1280")
    fits(page, 820)
    shot(page, "02-en-820")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Send the reminders that are due; the button goes away once they are out.
    page.get_by_test_id("send-reminders").click()
    page.wait_for_url(f"{base}/o/{slug}/cockpit/")
    assert "sent" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("reminders").get_attribute("data-pending") == "0"
    assert page.get_by_test_id("send-reminders").count() == 0
    shot(page, "03-reminders-sent")

    # Data quality: the stale-risk count drills down to exactly those projects, exportable.
    stale = page.get_by_test_id("quality-stale_risks")
    expected = int(stale.get_attribute("data-count") or 0)
    assert expected >= 1
    stale.click()
    page.wait_for_url(f"{base}/o/{slug}/cockpit/quality/?check=stale_risks")
    assert page.get_by_test_id("quality-row").count() == expected
    assert page.get_by_test_id("export-xlsx").is_visible()
    shot(page, "04-quality-stale-risks")
    fits(page, 820)
    shot(page, "05-quality-820")
    page.set_viewport_size({"width": 1280, "height": 900})

    # A queue in full: the gates due, from the card's title.
    page.goto(f"{base}/o/{slug}/")
    page.get_by_test_id("queue-gates").get_by_role("link", name="Gates due").click()
    page.wait_for_url(f"{base}/o/{slug}/cockpit/queue/?queue=gates")
    assert page.get_by_test_id("queue-row").count() == 2
    shot(page, "06-queue-gates")


def test_chinese_pmo_sees_the_cockpit_in_chinese(live_server: Any, org_b: OrgWorld, page: Any) -> None:
    Organization.objects.filter(pk=org_b.organization.pk).update(default_language="zh-hans", name="环球科技集团")
    base, slug = live_server.url, org_b.slug
    populate(org_b, 2, tag="GX")
    log_in(page, base, org_b.users["pmo"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_test_id("queue-returned").get_attribute("data-count") == "2"
    shot(page, "11-zh-1280")
    fits(page, 820)
    shot(page, "12-zh-820")
    page.goto(f"{base}/o/{slug}/cockpit/quality/?check=no_baseline")
    shot(page, "13-zh-quality")
