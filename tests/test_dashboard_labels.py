"""The dashboard's words and marks: the filter summary joins label and value in the reader's language, codes and
dates stay on one line, the status KPI says what it counts, and the RAG trend marks the current week as in
progress."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from reports.dashboard import presentation
from reports.kpis import RagWeek
from risks.models import EscalationLevel
from tests.conftest import OrgWorld
from tests.factories import PASSWORD
from tests.factories_kpis import report, risk

pytestmark = pytest.mark.django_db


def page(world: OrgWorld, language: str | None = None, **params: Any) -> str:
    client = Client()
    assert client.login(username=world.users["executive"].email, password=PASSWORD)
    if language:
        client.cookies["django_language"] = language
    response = client.get(f"/o/{world.slug}/dashboard/", params)
    assert response.status_code == 200
    return str(response.content.decode())


def summary(html: str) -> str:
    match = re.search(r'data-testid="dash-summary">(.*?)</p>', html, re.S)
    assert match
    return " ".join(match.group(1).split())


def test_the_filter_summary_uses_the_readers_colon(org_a: OrgWorld) -> None:
    portfolio = org_a.projects[0].portfolio
    assert portfolio is not None
    english = summary(page(org_a, portfolio=portfolio.pk))
    assert f"Portfolio: {portfolio.name}" in english
    chinese = summary(page(org_a, "zh-hans", portfolio=portfolio.pk))
    assert f"：{portfolio.name}" in chinese
    assert f": {portfolio.name}" not in chinese


def this_monday() -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday())


def test_codes_and_dates_stay_on_one_line(org_a: OrgWorld) -> None:
    on = org_a.projects[0]
    risk(org_a, on, 7, level=EscalationLevel.EXECUTIVE, escalated_at=timezone.now(), probability=4, impact=5)
    html = page(org_a)
    # The tile's period keeps its date whole ("12 months to 2026-…" broke at the hyphens on a tablet).
    assert re.search(r'class="dash-tile-period">12 months to <span class="nowrap">\d{4}-\d{2}-\d{2}</span>', html)
    decisions = html[html.index('data-testid="dash-decisions"') :]
    decisions = decisions[: decisions.index("</section>")]
    assert '<a class="nowrap" href="' in decisions and ">R-007</a>" in decisions
    assert f'<span class="nowrap">{on.code}</span>' in decisions


def test_the_status_kpi_says_what_it_counts(org_a: OrgWorld) -> None:
    html = page(org_a)
    tile = next(part for part in html.split('data-testid="dash-tile"') if "Status on time" in part)
    assert "Reports due in the last 30 days, missing ones included" in tile


@pytest.mark.parametrize("language", [None, "zh-hans"])
def test_the_rag_trend_marks_the_current_week_in_progress(org_a: OrgWorld, language: str | None) -> None:
    report(org_a, org_a.projects[0], this_monday() - dt.timedelta(weeks=1), rag="red")
    report(org_a, org_a.projects[1], this_monday(), rag="green")
    html = page(org_a, language)
    chart = html[html.index('data-testid="dash-rag"') :]
    chart = chart[: chart.index("</svg>")]
    current = f"W{this_monday().isocalendar().week:02d}"
    previous = f"W{(this_monday() - dt.timedelta(weeks=1)).isocalendar().week:02d}"
    assert f">{current}*<" in chart
    assert f">{previous}<" in chart  # only the current week is starred
    if language is None:
        assert "(*: this week, so far)" in chart


def test_a_finished_week_is_not_starred() -> None:
    week = RagWeek(week_start=dt.date(2026, 11, 9), green=1)
    data: Any = SimpleNamespace(rag_weeks=[week], window=SimpleNamespace(today=dt.date(2026, 11, 16)))
    assert not presentation.rag_week_in_progress(data)
    data.window.today = dt.date(2026, 11, 15)  # the Sunday of that week
    assert presentation.rag_week_in_progress(data)
