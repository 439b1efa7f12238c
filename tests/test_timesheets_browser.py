"""The timesheet journey in Chromium: a member fills this week's hours on the projects they are allocated to and
submits; the manager finds the sheet in the approval queue and approves it; the member sees it approved."""

from __future__ import annotations

from typing import Any

import pytest

from resources.models import Timesheet
from tests.conftest import OrgWorld
from tests.test_browser import log_in
from tests.test_timesheets_factories import allocate, person, this_week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/timesheets-{}.png"  # noqa: S108 - screenshots to look at, as the brief asks


def test_a_member_fills_and_submits_this_week_and_the_manager_approves(
    live_server: Any, org_a: OrgWorld, org_b: OrgWorld, page: Any
) -> None:
    base, slug = live_server.url, org_a.slug
    member = person(org_a, "member", cost_rate=50)
    week = this_week(org_a)
    allocate(org_a, member, org_a.projects[0], week, hours=30)

    log_in(page, base, org_a.users["member"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.goto(f"{base}/o/{slug}/timesheets/")
    page.get_by_test_id("hours-ALPHA-0").fill("32")
    page.get_by_label("Note on ALPHA-0").fill("Sprint 14: checkout flow")
    assert page.get_by_test_id("sheet-total").inner_text() == "32"
    page.screenshot(path=SHOTS.format("1-my-week"), full_page=True)
    page.get_by_test_id("submit").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("ts-state").inner_text() == "Submitted"
    page.screenshot(path=SHOTS.format("2-submitted"), full_page=True)
    page.context.clear_cookies()

    log_in(page, base, org_a.users["manager"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.goto(f"{base}/o/{slug}/timesheets/approvals/")
    with org_a.ctx():
        sheet = Timesheet.objects.get(person=member, week_start=week)
    assert page.get_by_test_id(f"queue-row-{sheet.pk}").is_visible()
    page.screenshot(path=SHOTS.format("3-queue"), full_page=True)
    page.get_by_test_id(f"approve-{sheet.pk}").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("queue-empty").is_visible()
    page.goto(f"{base}/o/{slug}/timesheets/{sheet.pk}/")
    page.screenshot(path=SHOTS.format("4-approved"), full_page=True)
    assert page.get_by_test_id("ts-state").inner_text() == "Approved"
    page.context.clear_cookies()

    log_in(page, base, org_a.users["member"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.goto(f"{base}/o/{slug}/timesheets/")
    assert page.get_by_test_id("ts-state").inner_text() == "Approved"
    with org_a.ctx():
        sheet.refresh_from_db()
    assert sheet.state == "approved" and sheet.cost_rate == 50 and sheet.decided_by == org_a.users["manager"]

    # A member of another organisation gets 404 for the sheet.
    page.context.clear_cookies()
    log_in(page, base, org_b.users["member"].email)
    page.wait_for_url(f"{base}/o/{org_b.slug}/")
    response = page.goto(f"{base}/o/{slug}/timesheets/{sheet.pk}/")
    assert response is not None and response.status == 404
