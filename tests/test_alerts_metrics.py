"""Every metric of the registry on a small hand-built data set with known values, including absent subjects, and one
query per metric whatever the organisation holds; another organisation's rows are never counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Project
from projects.policy import control_policy_get
from reports.metrics import METRICS, UnknownMetric, metric_get, metric_values
from risks.models import RiskSettings
from tests.conftest import OrgWorld
from tests.factories import ProjectFactory
from tests.factories_alerts import (
    DUE_WEEK,
    NOW,
    THIS_WEEK,
    age_projects,
    allocate,
    dependency,
    due,
    issue,
    milestone,
    person,
    report,
    risk,
    spi_report,
    timesheet,
)

pytestmark = pytest.mark.django_db

D = Decimal


def values(world: OrgWorld, key: str) -> dict[int, Decimal]:
    with world.ctx():
        return metric_values(organization=world.organization, key=key, now=NOW)


@pytest.fixture
def worlds(org_a: OrgWorld, org_b: OrgWorld) -> tuple[OrgWorld, OrgWorld]:
    age_projects(org_a)
    age_projects(org_b)
    # Noise in the other organisation: it must never show up in org_a's figures.
    spi_report(org_b, org_b.projects[0], "0.1")
    risk(org_b, org_b.projects[0], 1, probability=5, impact=5)
    return org_a, org_b


def test_spi_cpi_and_budget_come_from_the_latest_submitted_report(worlds: tuple[OrgWorld, OrgWorld]) -> None:
    a, _b = worlds
    p0, p1, p2 = a.projects
    older = DUE_WEEK - dt.timedelta(days=7)
    report(a, p0, older, submitted=due(a, older), spi=D("0.95"), cpi=D("1.1"))
    report(
        a,
        p0,
        DUE_WEEK,
        submitted=due(a, DUE_WEEK),
        spi=D("0.85"),
        cpi=D("0.7"),
        ac=D(60000),
        bac=D(100000),
        percent_complete=D(40),
    )
    # A newer draft does not count: only submitted or accepted reports carry frozen figures.
    report(a, p0, THIS_WEEK, spi=D("0.2"))
    # p1's latest report has no SPI (undefined): absent, even though an older one had one.
    report(a, p1, older, submitted=due(a, older), spi=D("0.7"), bac=D(0))
    report(a, p1, DUE_WEEK, submitted=due(a, DUE_WEEK), spi=None, cpi=D("1.2"), bac=D(0), ac=D(5))
    assert values(a, "spi") == {p0.pk: D("0.8500")}
    assert values(a, "cpi") == {p0.pk: D("0.7000"), p1.pk: D("1.2000")}
    # (60 000 / 100 000 × 100) − 40 = 20 points; p1 has no budget: absent; p2 never reported: absent.
    assert values(a, "budget_consumed_vs_complete") == {p0.pk: D("20.0000")}
    assert p2.pk not in values(a, "spi")


def test_closed_projects_are_not_watched(worlds: tuple[OrgWorld, OrgWorld]) -> None:
    a, _b = worlds
    spi_report(a, a.projects[0], "0.5")
    with a.ctx():
        Project.objects.filter(pk=a.projects[0].pk).update(status=Project.Status.CLOSED)
    assert values(a, "spi") == {}
    assert a.projects[0].pk not in values(a, "highest_risk_score")


def test_milestone_slip_counts_overdue_milestones_to_today(worlds: tuple[OrgWorld, OrgWorld]) -> None:
    a, _b = worlds
    p0, p1, p2 = a.projects
    # Forecast 5 March is past and unachieved: it slips to today (12 March) → 11 days after its 1 March baseline.
    milestone(a, p0, "m1", baseline_date=dt.date(2026, 3, 1), forecast_date=dt.date(2026, 3, 5))
    milestone(a, p0, "m2", baseline_date=dt.date(2026, 3, 20), forecast_date=dt.date(2026, 3, 25))
    milestone(a, p0, "done", baseline_date=dt.date(2026, 1, 1), actual_date=dt.date(2026, 2, 15))
    milestone(a, p1, "early", baseline_date=dt.date(2026, 4, 1), forecast_date=dt.date(2026, 3, 30))
    # No forecast but the baseline date has passed: overdue → today − baseline = 2 days.
    milestone(a, p2, "overdue", baseline_date=dt.date(2026, 3, 10))
    assert values(a, "milestone_slip_days") == {p0.pk: D(11), p1.pk: D(0), p2.pk: D(2)}


def test_status_late_days_and_compliance(worlds: tuple[OrgWorld, OrgWorld]) -> None:
    a, _b = worlds
    p0, p1, p2 = a.projects
    due_at = due(a, DUE_WEEK)
    report(a, p0, DUE_WEEK, submitted=due_at - dt.timedelta(hours=1))
    report(a, p1, DUE_WEEK)  # a draft: never submitted
    # p2 has no report. A project created after the due time is not expected to have reported…
    ProjectFactory(organization=a.organization, code="NEW", status=Project.Status.ACTIVE)
    # … unless it was imported with its history: it reported for an earlier week, so it owes the due week too.
    imported = ProjectFactory(organization=a.organization, code="IMPORTED", status=Project.Status.ACTIVE)
    report(a, imported, DUE_WEEK - dt.timedelta(weeks=1), submitted=due_at - dt.timedelta(days=7))
    late = D(round((NOW - due_at).total_seconds() / 86400, 1)).quantize(D("0.0001"))
    assert late == D("5.8000")
    assert values(a, "status_late_days") == {p0.pk: D(0), p1.pk: late, p2.pk: late, imported.pk: late}
    # One of four projects submitted on time.
    assert values(a, "status_compliance") == {a.organization.pk: D("25.0000")}
    with a.ctx():
        Project.objects.filter(organization=a.organization).update(status=Project.Status.PLANNING)
    assert values(a, "status_compliance") == {}


def test_risk_metrics(worlds: tuple[OrgWorld, OrgWorld]) -> None:
    a, _b = worlds
    p0, p1, _p2 = a.projects
    risk(a, p0, 1, probability=4, impact=4, escalation_level="pmo", last_reviewed_at=NOW - dt.timedelta(days=40))
    risk(a, p0, 2, probability=2, impact=2, last_reviewed_at=NOW - dt.timedelta(days=10))
    risk(a, p0, 3, probability=5, impact=5, status="closed", escalation_level="executive")
    issue(a, p0, 1, status="in_progress", escalation_level="executive")
    issue(a, p0, 2, status="resolved", escalation_level="pmo")
    issue(a, p1, 3, status="open", escalation_level="project")
    assert values(a, "highest_risk_score")[p0.pk] == D(16)
    assert values(a, "highest_risk_score")[p1.pk] == D(0)
    assert values(a, "open_escalations")[p0.pk] == D(2)
    assert values(a, "open_escalations")[p1.pk] == D(0)
    # Default review period (no settings row): 30 days → one stale risk.
    assert values(a, "stale_risk_reviews")[p0.pk] == D(1)
    with a.ctx():
        RiskSettings.objects.create(organization=a.organization, review_period_days=7)
    assert values(a, "stale_risk_reviews")[p0.pk] == D(2)


def test_dependency_slip(worlds: tuple[OrgWorld, OrgWorld]) -> None:
    a, _b = worlds
    p0, p1, p2 = a.projects
    need = milestone(a, p1, "needs", baseline_date=dt.date(2026, 3, 28), forecast_date=dt.date(2026, 4, 1))
    late = milestone(a, p2, "gives", baseline_date=dt.date(2026, 3, 20), forecast_date=dt.date(2026, 4, 6))
    early = milestone(a, p0, "gives early", baseline_date=dt.date(2026, 3, 20))
    dependency(a, late, need)
    dependency(a, early, need)
    assert values(a, "dependency_slip_days") == {p0.pk: D(0), p1.pk: D(5), p2.pk: D(0)}


def test_over_allocation_and_missing_timesheets(worlds: tuple[OrgWorld, OrgWorld]) -> None:
    a, _b = worlds
    p0, p1, _p2 = a.projects
    busy = person(a, "Busy")
    allocate(a, busy, p0, THIS_WEEK, THIS_WEEK + dt.timedelta(weeks=1), 30)
    allocate(a, busy, p1, THIS_WEEK + dt.timedelta(weeks=1), THIS_WEEK + dt.timedelta(weeks=3), 20)
    allocate(a, busy, p1, THIS_WEEK + dt.timedelta(weeks=6), THIS_WEEK + dt.timedelta(weeks=6), 100)  # after the window
    no_capacity = person(a, "Nobody", capacity=0)
    allocate(a, no_capacity, p0, THIS_WEEK, THIS_WEEK, 10)
    gone = person(a, "Gone", active=False)
    idle = person(a, "Idle")
    over = values(a, "over_allocation_percent")
    assert over[busy.pk] == D("125.0000")  # (30 + 20) / 40 in the week of 16 March
    assert over[idle.pk] == D(0)
    assert no_capacity.pk not in over and gone.pk not in over

    # Last four complete weeks: 9 Feb, 16 Feb, 23 Feb, 2 Mar.
    late = person(a, "Late")
    allocate(a, late, p0, dt.date(2026, 2, 2), dt.date(2026, 3, 2), 10)
    timesheet(a, late, dt.date(2026, 2, 9), "approved")
    timesheet(a, late, dt.date(2026, 2, 16), "submitted")
    timesheet(a, late, dt.date(2026, 2, 23), "draft")
    missing = values(a, "missing_timesheets")
    assert missing[late.pk] == D(2)
    assert missing[busy.pk] == D(0)  # allocated only from this week on
    assert gone.pk not in missing


def test_one_query_per_metric_and_unknown_keys(worlds: tuple[OrgWorld, OrgWorld]) -> None:
    a, _b = worlds
    with a.ctx():
        control_policy_get(organization=a.organization)  # created on first use, before measuring
        for key, metric in METRICS.items():
            with CaptureQueriesContext(connection) as queries:
                metric_values(organization=a.organization, key=key, now=NOW)
            # The due-week metrics read the control policy first.
            assert len(queries) <= (2 if key in ("status_late_days", "status_compliance") else 1), key
            assert metric.label and metric.description and metric.unit
    with pytest.raises(UnknownMetric):
        metric_get("nope")
