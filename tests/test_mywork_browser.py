"""My work in Chromium: the manager lands on it, starts this week's report with one click and arrives on the
pre-filled form; the member lands on it in Chinese and follows the link to this week's timesheet. At 1280 and 820
px wide the page never scrolls sideways. Screenshots in test-artifacts/mywork-*.png."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from pmo.tenancy.roles import Role
from projects.models import StatusReport
from projects.policy import current_week_start
from tests.conftest import ARTIFACTS, OrgWorld
from tests.factories_alerts import allocate, person, report
from tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"mywork-{name}.png"), full_page=True)


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_manager_starts_this_weeks_report_from_my_work(live_server: Any, org_a: OrgWorld, page: Any) -> None:
    project = org_a.projects[0]
    week = current_week_start(organization=org_a.organization)
    report(
        org_a,
        project,
        week - dt.timedelta(weeks=1),
        submitted=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        percent_complete=Decimal("45"),
    )
    someone = person(org_a, "Dana Developer")
    allocate(org_a, someone, project, week, week + dt.timedelta(weeks=5), 24)
    allocate(org_a, someone, org_a.projects[2], week, week, 24)
    base, slug = live_server.url, org_a.slug

    log_in(page, base, org_a.users[Role.MANAGER].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    assert page.get_by_test_id("my-projects").is_visible()
    assert "Dana Developer" in page.get_by_test_id("team-allocations").inner_text()
    assert no_sideways_scroll(page)
    shot(page, "manager-en")
    page.set_viewport_size({"width": 820, "height": 1000})
    assert no_sideways_scroll(page)
    shot(page, "manager-en-820")

    page.get_by_test_id("start-report").click()
    page.wait_for_url(f"{base}/o/{slug}/projects/{project.pk}/status/")
    assert page.get_by_test_id("report-state").inner_text() == "Draft"
    assert page.get_by_label("Percent complete").input_value() in ("45", "45.00")
    with org_a.ctx():
        assert StatusReport.objects.get(project=project, week_start=week).state == StatusReport.State.DRAFT


def test_member_sees_their_time_in_chinese_and_opens_the_timesheet(
    live_server: Any, org_a: OrgWorld, page: Any
) -> None:
    week = current_week_start(organization=org_a.organization)
    me = person(org_a, "Mei Member", user=org_a.users[Role.MEMBER])
    allocate(org_a, me, org_a.projects[0], week, week + dt.timedelta(weeks=7), 32)
    base, slug = live_server.url, org_a.slug
    log_in(page, base, org_a.users[Role.MEMBER].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    page.goto(f"{base}/o/{slug}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert org_a.projects[0].code in page.get_by_test_id("my-allocations").inner_text()
    assert no_sideways_scroll(page)
    shot(page, "member-zh")
    page.set_viewport_size({"width": 820, "height": 1000})
    assert no_sideways_scroll(page)
    shot(page, "member-zh-820")

    page.get_by_test_id("fill-timesheet").click()
    page.wait_for_url(f"{base}/o/{slug}/timesheets/?week=*")
