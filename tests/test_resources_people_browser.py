"""People and staffing in Chromium: the PMO opens the people list, filters by skill, opens a person with a holiday
week and time off in their 12-week strip, and adds a staffing requirement on a project's Staffing tab, whose grid
shows the gap. Screenshots go to /tmp/people-*.png to be looked at."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from projects.policy import current_week_start, week_label
from resources.models import Allocation, CalendarDay, StaffingRequirement
from tests.conftest import OrgWorld
from tests.test_browser import log_in
from tests.test_resources_people_support import calendar_day, department, give_skill, person, skill, time_off

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/people-{}.png"  # noqa: S108 - screenshots to look at, as the brief asks


def _allocate(world: OrgWorld, who: Any, project: Any, role: str, first: dt.date, weeks: int, hours: int) -> None:
    with world.ctx():
        Allocation.objects.create(
            organization=world.organization, person=who, project=project, role=role, start_week=first,
            end_week=first + dt.timedelta(weeks=weeks - 1), hours_per_week=hours,
        )  # fmt: skip


def test_people_list_person_and_staffing_tab(live_server: Any, org_a: OrgWorld, org_b: OrgWorld, page: Any) -> None:
    base, slug, project = live_server.url, org_a.slug, org_a.projects[0]
    monday = current_week_start(organization=org_a.organization)
    eng, design = department(org_a, "Engineering"), department(org_a, "Design")
    python, ux, sql = skill(org_a, "Python"), skill(org_a, "UX research"), skill(org_a, "SQL")
    ada = person(org_a, "Ada Lovelace", department=eng, job_role="Developer", email="ada@alpha.test")
    give_skill(org_a, ada, python, 5)
    give_skill(org_a, ada, sql, 3)
    bob = person(org_a, "Bob Chen", department=eng, job_role="Developer")
    give_skill(org_a, bob, python, 2)
    cy = person(org_a, "Cy Wang", department=design, job_role="Designer")
    give_skill(org_a, cy, ux, 4)
    person(org_a, "Dee Old", department=design, job_role="Designer", active=False)
    _allocate(org_a, ada, project, "Developer", monday, 6, 24)
    _allocate(org_a, ada, org_a.projects[1], "Developer", monday + dt.timedelta(weeks=2), 3, 24)  # over in W+2..W+3
    _allocate(org_a, bob, project, "developer", monday + dt.timedelta(weeks=1), 4, 16)
    _allocate(org_a, cy, project, "Reviewer", monday, 3, 8)
    calendar_day(org_a, monday + dt.timedelta(weeks=1, days=2), CalendarDay.Kind.HOLIDAY, "Founders' Day")
    time_off(org_a, ada, monday + dt.timedelta(weeks=4), monday + dt.timedelta(weeks=4, days=4))
    with org_a.ctx():
        StaffingRequirement.objects.create(
            organization=org_a.organization, project=project, role="Developer", start_week=monday,
            end_week=monday + dt.timedelta(weeks=5), hours_per_week=40,
        )  # fmt: skip

    log_in(page, base, org_a.users["pmo"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.goto(f"{base}/o/{slug}/resources/people/")
    table = page.get_by_test_id("people-table")
    assert table.locator("tbody tr").count() == 4
    page.screenshot(path=SHOTS.format("1-list"), full_page=True)

    page.get_by_test_id("people-filters").get_by_label("Skill").select_option(label="Python")
    page.get_by_test_id("people-filters").get_by_role("button").click()
    assert table.locator("tbody tr").all_inner_texts()[0].startswith("Ada Lovelace")
    assert table.locator("tbody tr").count() == 2

    table.get_by_role("link", name="Ada Lovelace").click()
    assert page.get_by_test_id("person-name").inner_text() == "Ada Lovelace"
    strip = page.get_by_test_id("strip-week")
    assert strip.count() == 12
    assert "24/32" in strip.nth(1).inner_text()  # the holiday week
    assert "over" not in (strip.nth(0).get_attribute("class") or "")
    assert "load-over" in (strip.nth(2).get_attribute("class") or "")  # 48 h of 40
    assert "48/0" in strip.nth(4).inner_text()  # a week off, still booked on two projects
    page.screenshot(path=SHOTS.format("2-person"), full_page=True)

    page.goto(f"{base}/o/{slug}/projects/{project.pk}/staffing/")
    form = page.get_by_test_id("requirement-form")
    form.get_by_label("Skill").select_option(label="UX research")
    form.get_by_label("From week").fill(week_label(monday))
    form.get_by_label("To week").fill(week_label(monday + dt.timedelta(weeks=3)))
    form.get_by_label("Hours per week").fill("16")
    page.get_by_test_id("requirement-submit").click()
    page.wait_for_selector(".flash-success")
    rows = page.get_by_test_id("requirement-row")
    assert rows.count() == 2
    assert "UX research" in rows.nth(1).inner_text()
    first_cells = rows.nth(0).get_by_test_id("gap-cell")
    assert first_cells.nth(0).inner_text().replace("\n", "") == "24/40"  # Ada only; Bob starts a week later
    assert first_cells.nth(1).inner_text().replace("\n", "") == "40/40"
    assert "gap-met" in (first_cells.nth(1).get_attribute("class") or "")
    assert page.get_by_test_id("unmatched-row").count() == 0  # Cy (Reviewer) fills UX research by skill
    page.screenshot(path=SHOTS.format("3-staffing"), full_page=True)
