"""The weekly meeting in Chromium: the PMO opens week 2026-W45, reads the agenda and the changed projects, steps
to the previous week with the picker and back, and the page prints (print media hides the navigation)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import OrgWorld
from tests.test_browser import ARTIFACTS, log_in
from tests.test_meeting_selectors import build_two_weeks


def screenshot(page: Any, name: str) -> None:
    """Into test-artifacts/ like the other browser tests, and into the temporary directory to look at."""
    for folder in (ARTIFACTS, Path(tempfile.gettempdir())):
        page.screenshot(path=str(folder / f"meeting-{name}.png"), full_page=True)


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pmo_reads_the_weekly_meeting(live_server: Any, org_a: OrgWorld, page: Any) -> None:
    scene = build_two_weeks(org_a)
    base, slug = live_server.url, org_a.slug
    log_in(page, base, org_a.users["pmo"].email)
    page.wait_for_url(f"{base}/o/{slug}/")

    page.goto(f"{base}/o/{slug}/meetings/weekly/?week=2026-W45")
    assert "2026-W45" in page.get_by_test_id("meeting-week").inner_text()
    assert page.get_by_test_id("summary-projects").inner_text() == "5"
    assert page.get_by_test_id("summary-decisions").inner_text() == "5"
    groups = page.get_by_test_id("agenda-group")
    assert groups.count() == 3
    assert "Executive" in groups.nth(0).inner_text()
    card = page.locator(f"[data-testid=project-card][data-code='{scene.changing.code}']")
    assert card.is_visible()
    assert "Schedule" in card.get_by_test_id("rag-change").nth(1).inner_text()
    assert "+10 days" in card.get_by_test_id("slipped-milestones").inner_text()
    assert page.get_by_test_id("unchanged-project").count() == 1
    screenshot(page, "weekly-en")

    page.get_by_test_id("week-previous").click()
    page.wait_for_url(f"{base}/o/{slug}/meetings/weekly/?week=2026-W44")
    assert "2026-W44" in page.get_by_test_id("meeting-week").inner_text()
    page.get_by_test_id("week-next").click()
    page.wait_for_url(f"{base}/o/{slug}/meetings/weekly/?week=2026-W45")

    page.emulate_media(media="print")
    assert not page.locator(".subnav").is_visible()
    assert not page.locator(".week-picker").is_visible()
    assert card.is_visible()
    screenshot(page, "weekly-print")
