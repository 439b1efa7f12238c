"""The team member's journey in Chromium on the demo data, in English (acme) and in Chinese (globex): log in and land
on My work (my allocations, my timesheet, my actions), open this week's timesheet from there, enter the allocated
hours and save.

Screenshots: ``test-artifacts/journeys/member-*.png`` (README: mywork-member-*.png, timesheet-*.png)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from pmo.tenancy.roles import Role
from projects.policy import current_week_start
from resources.models import Person, Timesheet, TimesheetEntry
from tests import journeys_support as j

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", j.LANGUAGES, ids=lambda language: language.code)
def test_member_reads_my_work_and_fills_in_this_weeks_timesheet(
    live_server: Any, page: Any, language: j.Language
) -> None:
    j.seed_demo()
    member = j.demo_user(language, Role.MEMBER)
    organization = j.organization(language)
    with j.in_tenant(language):
        person = Person.objects.get(organization=organization, user=member)
    with translation.override(language.django_language):
        title, timesheet_title = gettext("My work"), gettext("My timesheet")
    base, slug = live_server.url, language.org_slug
    page, watch = j.open_journey(page, base, language)

    # 1. The landing page is My work: my allocations, this week's timesheet, my actions.
    j.log_in(page, base, member.email, label=f"member-{language.code}")
    assert page.url == f"{base}/o/{slug}/"
    assert j.main_heading(page) == title
    allocated = page.get_by_test_id("allocation-row")
    codes = [allocated.nth(i).get_attribute("data-code") for i in range(allocated.count())]
    assert codes, "the demo member is allocated to projects"
    assert page.get_by_test_id("timesheet-now").get_attribute("data-state") in ("not_started", "draft", "returned")
    assert page.locator("#my-actions").is_visible()
    assert page.get_by_test_id("my-projects").count() == 0  # no manager's part: a member reports no status
    j.shot(page, f"member-01-mywork-{language.code}", readme=f"mywork-member-{language.code}.png")

    # 2. This week's timesheet, from My work: one row per allocated project.
    page.get_by_test_id("fill-timesheet").click()
    page.wait_for_url(f"{base}/o/{slug}/timesheets/?week=*")
    assert j.main_heading(page) == timesheet_title
    for code in codes:
        assert page.get_by_test_id(f"row-{code}").is_visible(), code

    # 3. Enter hours (8 on the first project, 4.5 on the second if any) and save: kept, totalled, still a draft.
    hours = {codes[0]: Decimal("8"), **({codes[1]: Decimal("4.5")} if len(codes) > 1 else {})}
    for code, value in hours.items():
        page.get_by_test_id(f"hours-{code}").fill(str(value))
    total = sum(hours.values(), Decimal(0))
    assert Decimal(page.get_by_test_id("sheet-total").inner_text()) == total  # the page adds up as one types
    page.get_by_test_id("save").click()
    page.wait_for_load_state()
    assert Decimal(page.get_by_test_id("sheet-total").inner_text()) == total
    for code, value in hours.items():
        assert Decimal(page.get_by_test_id(f"hours-{code}").input_value()) == value
    with j.in_tenant(language):
        week = current_week_start(organization=organization)
        sheet = Timesheet.objects.get(organization=organization, person=person, week_start=week)
        assert sheet.state == Timesheet.State.DRAFT
        kept = dict(
            TimesheetEntry.objects.filter(organization=organization, timesheet=sheet).values_list(
                "project__code", "hours"
            )
        )
        assert kept == hours
    j.shot(page, f"member-02-timesheet-{language.code}", readme=f"timesheet-{language.code}.png")

    # 4. Back on My work, the week shows the hours entered.
    page.goto(f"{base}/o/{slug}/")
    assert page.get_by_test_id("timesheet-now").get_attribute("data-state") == "draft"
    assert f"{total:g}" in page.get_by_test_id("timesheet-now").inner_text()

    watch.assert_clean()
