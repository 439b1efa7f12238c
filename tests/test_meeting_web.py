"""The weekly meeting page ``/o/<org>/meetings/weekly/``: who may open it, the order of what it shows (agenda,
changed projects as cards, one line per unchanged project), the week picker, a bad week, Chinese, and a query
count that does not grow with the number of projects."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import ROLES, OrgWorld
from tests.test_meeting_api import ALLOWED, data_queries, grow
from tests.test_meeting_selectors import TwoWeeks, build_two_weeks


def logged_in(user: Any, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def page_url(world: OrgWorld) -> str:
    return f"/o/{world.slug}/meetings/weekly/"


@pytest.fixture
def two_weeks(org_a: OrgWorld) -> TwoWeeks:
    return build_two_weeks(org_a)


def test_the_page_shows_agenda_then_changed_cards_then_unchanged_lines(two_weeks: TwoWeeks) -> None:
    world = two_weeks.world
    response = logged_in(world.users["pmo"]).get(page_url(world), {"week": "2026-W45"})
    assert response.status_code == 200
    html = response.content.decode()
    agenda, changed, unchanged = (
        html.index('data-testid="agenda"'),
        html.index('data-testid="changed-projects"'),
        html.index('data-testid="unchanged-projects"'),
    )
    assert agenda < changed < unchanged
    assert html.count('data-testid="project-card"') == 4
    assert html.count('data-testid="unchanged-project"') == 1
    assert f'data-testid="unchanged-project" data-code="{two_weeks.steady.code}"' in html
    card = html[html.index(f'data-code="{two_weeks.changing.code}"') : unchanged]
    card = card[: card.index("</article>")]
    for text in ("Schedule", "Budget overrun", "Design freeze", "+10 days", "v2", "+20,000", "CR-001", "approved"):
        assert text in card, text
    assert f"/o/{world.slug}/projects/{two_weeks.changing.pk}/status/" in card
    assert "By Executive" in html and "By Sponsor" in html
    assert "Report missing" in html and "Report late" in html and "Report returned" in html
    # Week picker: previous, this week, next.
    assert "?week=2026-W44" in html and "?week=2026-W46" in html
    assert 'data-testid="week-current"' in html
    assert "css/meetings.css" in html


def test_navigation_marks_the_meeting(two_weeks: TwoWeeks) -> None:
    response = logged_in(two_weeks.world.users["executive"]).get(page_url(two_weeks.world))
    assert response.status_code == 200
    assert response.context["nav_active"] == "meeting"
    assert response.context["is_this_week"] is True


def test_a_bad_week_answers_400_with_the_reason(org_a: OrgWorld) -> None:
    response = logged_in(org_a.users["pmo"]).get(page_url(org_a), {"week": "2026-W99"})
    assert response.status_code == 400
    assert 'data-testid="week-error"' in response.content.decode()
    assert "ISO week" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(two_weeks: TwoWeeks, role: str) -> None:
    response = logged_in(two_weeks.world.users[role]).get(page_url(two_weeks.world), {"week": "2026-W45"})
    assert response.status_code == (200 if role in ALLOWED else 403)
    assert (two_weeks.changing.name in response.content.decode()) == (role in ALLOWED)


@pytest.mark.parametrize("role", ["admin", "pmo", "executive", "viewer"])
def test_another_organisation_gets_404(two_weeks: TwoWeeks, org_b: OrgWorld, role: str) -> None:
    response = logged_in(org_b.users[role]).get(page_url(two_weeks.world), {"week": "2026-W45"})
    assert response.status_code == 404
    assert two_weeks.changing.name not in response.content.decode()


def test_anonymous_is_sent_to_log_in(org_a: OrgWorld) -> None:
    response = Client().get(page_url(org_a))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_chinese(two_weeks: TwoWeeks) -> None:
    response = logged_in(two_weeks.world.users["pmo"], "zh-hans").get(page_url(two_weeks.world), {"week": "2026-W45"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "里程碑" in html and "基线" in html  # the links to the project's tabs
    assert re.search(r"成本变更", html)  # the baseline's reason category


def test_query_count_does_not_grow_with_projects(org_a: OrgWorld) -> None:
    client = logged_in(org_a.users["pmo"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page_url(org_a), {"week": "2026-W45"})
        assert response.status_code == 200
        return data_queries(queries)

    grow(org_a, 0, 3)
    few = count()
    grow(org_a, 3, 9)
    many = count()
    assert many == few
    html = client.get(page_url(org_a), {"week": "2026-W45"}).content.decode()
    assert html.count('data-testid="project-card"') == 15
