"""PMO KPIs and portfolio trends (reports.kpis) on small hand-built data sets with exact expected numbers, ``None``
without data, and a query count that does not grow with the organisation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from portfolio.models import ProjectRequest
from projects.models import ChangeRequest, ClosureReport, Project, StatusReport
from reports import kpis
from resources.models import Timesheet
from risks.models import EscalationLevel, Issue, Risk
from tests.conftest import OrgWorld
from tests.factories_kpis import (
    allocate,
    baseline,
    change_request,
    closure,
    issue,
    local,
    person,
    project,
    report,
    risk,
    timesheet,
)
from tests.factories_portfolio import RequestFactory

pytestmark = pytest.mark.django_db

OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
NOW = local(2026, 11, 21)
# The ISO weeks whose status is due (Friday 18:00) in October 2026.
DUE_WEEKS = [
    dt.date(2026, 9, 28),
    dt.date(2026, 10, 5),
    dt.date(2026, 10, 12),
    dt.date(2026, 10, 19),
    dt.date(2026, 10, 26),
]
Outcome = ClosureReport.Outcome


def kpis_of(world: OrgWorld, start: dt.date = OCTOBER[0], end: dt.date = OCTOBER[1]) -> kpis.PmoKpis:
    with world.ctx():
        return kpis.pmo_kpis(organization=world.organization, start=start, end=end, now=NOW)


# --- Closures ---------------------------------------------------------------------------------------------------


def build_closures(world: OrgWorld) -> None:
    september_30 = dt.date(2026, 9, 30)
    # Met, on time (finish = v1 finish), on budget (90 ≤ 100).
    c1 = project(world, code="C1")
    baseline(world, c1, budget=100, finish=september_30)
    closure(world, c1, outcome=Outcome.MET, decided_at=local(2026, 10, 10), final_cost=90, satisfaction=5)
    # Partly met, late and over the v1 budget; its v2 (which would make it on time and on budget) does not count.
    c2 = project(world, code="C2")
    baseline(world, c2, budget=100, finish=september_30)
    baseline(world, c2, version=2, budget=200, finish=dt.date(2026, 10, 31), approved_at=local(2026, 9, 15))
    closure(
        world,
        c2,
        outcome=Outcome.PARTLY,
        decided_at=local(2026, 10, 12),
        final_cost=150,
        finish=dt.date(2026, 10, 5),
        satisfaction=3,
    )
    # Not met, no baseline (out of the on-time and on-budget denominators); closed at 23:30 on 31 October in
    # Shanghai, which is still October there.
    c3 = project(world, code="C3")
    closure(world, c3, outcome=Outcome.NOT_MET, decided_at=local(2026, 10, 31, 23, 30), satisfaction=2)
    # Closed at 00:30 on 1 November in Shanghai (still 31 October in UTC): November.
    c4 = project(world, code="C4")
    closure(world, c4, outcome=Outcome.MET, decided_at=local(2026, 11, 1, 0, 30), satisfaction=1)
    # March 2026: in the trailing 12 months only; on time and on budget.
    c5 = project(world, code="C5")
    baseline(world, c5, budget=500, finish=dt.date(2026, 3, 31))
    closure(
        world,
        c5,
        outcome=Outcome.MET,
        decided_at=local(2026, 3, 15),
        final_cost=500,
        finish=dt.date(2026, 3, 1),
        satisfaction=4,
    )
    # October 2025: before the trailing 12 months.
    c6 = project(world, code="C6")
    closure(world, c6, outcome=Outcome.NOT_MET, decided_at=local(2025, 10, 20), satisfaction=1)
    # Submitted, not approved yet: not closed.
    c7 = project(world, code="C7")
    closure(world, c7, outcome=Outcome.NOT_MET, decided_at=local(2026, 10, 15), status=ClosureReport.Status.SUBMITTED)


def test_closure_kpis_of_the_month_and_the_trailing_year(org_a: OrgWorld) -> None:
    build_closures(org_a)
    result = kpis_of(org_a)

    month = result.closures
    assert (month.met, month.partly, month.not_met, month.closed) == (1, 1, 1, 3)
    assert month.success_rate == Decimal("0.3333")
    assert (month.on_time, month.with_baseline_finish, month.on_time_rate) == (1, 2, Decimal("0.5000"))
    assert (month.on_budget, month.with_baseline, month.on_budget_rate) == (1, 2, Decimal("0.5000"))
    assert month.satisfaction == Decimal("3.33")

    year = result.closures_12_months
    assert (year.met, year.partly, year.not_met) == (2, 1, 1)
    assert year.success_rate == Decimal("0.5000")
    assert year.on_time_rate == Decimal("0.6667")
    assert year.on_budget_rate == Decimal("0.6667")
    assert year.satisfaction == Decimal("3.50")


def test_november_sees_the_closure_after_midnight_in_the_organisation_zone(org_a: OrgWorld) -> None:
    build_closures(org_a)
    november = kpis_of(org_a, dt.date(2026, 11, 1), dt.date(2026, 11, 30)).closures
    assert (november.met, november.closed, november.satisfaction) == (1, 1, Decimal("1.00"))
    assert november.on_time_rate is None  # no baseline: nothing to compare with


def test_every_kpi_is_none_without_data(org_a: OrgWorld, org_b: OrgWorld) -> None:
    build_closures(org_a)  # another organisation's data never counts
    with org_b.ctx():
        Project.objects.update(created_at=local(2026, 11, 10))  # did not exist in October
    result = kpis_of(org_b)
    for closures in (result.closures, result.closures_12_months):
        assert closures.closed == 0
        assert closures.success_rate is None
        assert closures.on_time_rate is None
        assert closures.on_budget_rate is None
        assert closures.satisfaction is None
    assert result.status.expected == 0 and result.status.rate is None
    assert result.changes.decided == 0
    assert result.changes.median_days is None and result.changes.average_days is None
    assert result.utilisation.planned is None and result.utilisation.actual is None


# --- Status compliance ------------------------------------------------------------------------------------------


def build_status(world: OrgWorld) -> dict[str, Project]:
    first, second, third = world.projects
    with world.ctx():
        Project.objects.filter(pk__in=[p.pk for p in world.projects]).update(created_at=local(2026, 1, 1))
    for week in DUE_WEEKS:  # always on time
        report(world, first, week, rag="green")
    report(world, second, DUE_WEEKS[0], rag="amber")
    report(world, second, DUE_WEEKS[1], late_hours=2, rag="red")
    report(world, second, DUE_WEEKS[2], late_hours=30, rag="red")
    report(world, second, DUE_WEEKS[3], late_hours=None)  # a draft: missing
    # third: nothing at all (five missing). A project created on 20 October owes two weeks, reports one.
    newcomer = project(world, code="NEW", created_at=local(2026, 10, 20))
    report(world, newcomer, DUE_WEEKS[3], rag="amber")
    # Closed since; it reported one week on time and still counts for it.
    closed = project(world, code="OLD", status=Project.Status.CLOSED)
    report(world, closed, DUE_WEEKS[0], state=StatusReport.State.ACCEPTED)
    # Weeks due outside October never count.
    report(world, third, dt.date(2026, 9, 21), rag="green")
    report(world, third, dt.date(2026, 11, 2), rag="green")
    return {"first": first, "second": second, "third": third, "newcomer": newcomer, "closed": closed}


def test_status_compliance_counts_expected_reports_on_time_late_and_missing(org_a: OrgWorld) -> None:
    build_status(org_a)
    status = kpis_of(org_a).status
    assert list(status.weeks) == DUE_WEEKS
    assert status.expected == 3 * 5 + 2 + 1
    assert (status.on_time, status.late, status.missing) == (8, 2, 8)
    assert status.rate == Decimal("0.4444")


def test_weeks_not_due_yet_are_not_expected(org_a: OrgWorld) -> None:
    build_status(org_a)
    with org_a.ctx():
        status = kpis.status_compliance_kpi(
            organization=org_a.organization, start=OCTOBER[0], end=OCTOBER[1], now=local(2026, 10, 10)
        )
    assert list(status.weeks) == DUE_WEEKS[:2]  # due on 2 and 9 October
    assert (status.expected, status.on_time, status.late, status.missing) == (7, 4, 1, 2)


# --- Change requests --------------------------------------------------------------------------------------------


def test_change_request_cycle_time_and_baseline_changes(org_a: OrgWorld) -> None:
    target = org_a.projects[0]
    approved = ChangeRequest.Status.APPROVED
    v2 = baseline(org_a, target, version=2, approved_at=local(2026, 10, 3), category="cost")
    v3 = baseline(org_a, target, version=3, approved_at=local(2026, 10, 10), category="schedule")
    v4 = baseline(org_a, target, version=4, approved_at=local(2026, 11, 2), category="scope")
    baseline(org_a, org_a.projects[1], version=1, approved_at=local(2026, 10, 4))  # an initial baseline: no change
    change_request(
        org_a,
        target,
        1,
        status=approved,
        submitted_at=local(2026, 10, 1),
        decided_at=local(2026, 10, 3),
        new_baseline=v2,
    )
    change_request(
        org_a,
        target,
        2,
        status=ChangeRequest.Status.REJECTED,
        submitted_at=local(2026, 9, 30),
        decided_at=local(2026, 10, 10),
    )
    change_request(
        org_a,
        target,
        3,
        status=approved,
        submitted_at=local(2026, 10, 6),
        decided_at=local(2026, 10, 10),
        new_baseline=v3,
    )
    change_request(
        org_a,
        target,
        4,
        status=approved,
        submitted_at=local(2026, 10, 20),
        decided_at=local(2026, 11, 2),
        new_baseline=v4,
    )
    change_request(
        org_a,
        target,
        5,
        status=ChangeRequest.Status.WITHDRAWN,
        submitted_at=local(2026, 10, 1),
        decided_at=local(2026, 10, 9),
    )
    changes = kpis_of(org_a).changes
    assert (changes.approved, changes.rejected, changes.decided) == (2, 1, 3)
    assert changes.median_days == Decimal("4.0")  # of 2, 4 and 10 days
    assert changes.average_days == Decimal("5.3")
    assert changes.baseline_changes == 2


# --- Utilisation ------------------------------------------------------------------------------------------------


def test_utilisation_over_the_weeks_of_the_month(org_a: OrgWorld) -> None:
    target = org_a.projects[0]
    ana = person(org_a, "Ana", capacity=40)
    person(org_a, "Gone", capacity=40, active=False)
    allocate(org_a, ana, target, DUE_WEEKS[0], DUE_WEEKS[-1], 20)
    timesheet(org_a, ana, target, DUE_WEEKS[0], 30, state=Timesheet.State.APPROVED)
    timesheet(org_a, ana, target, DUE_WEEKS[1], 30, state=Timesheet.State.APPROVED)
    timesheet(org_a, ana, target, DUE_WEEKS[2], 40, state=Timesheet.State.SUBMITTED)
    utilisation = kpis_of(org_a).utilisation
    assert list(utilisation.weeks) == DUE_WEEKS
    assert utilisation.people == 1
    assert utilisation.capacity_hours == Decimal(200)
    assert (utilisation.planned_hours, utilisation.planned) == (Decimal(100), Decimal("0.5000"))
    assert (utilisation.actual_hours, utilisation.actual) == (Decimal(60), Decimal("0.3000"))


# --- Portfolio --------------------------------------------------------------------------------------------------


def test_rag_distribution_per_week_counts_submitted_and_accepted_reports(org_a: OrgWorld) -> None:
    build_status(org_a)
    with org_a.ctx():
        weeks = kpis.rag_distribution(organization=org_a.organization, until=OCTOBER[1], weeks=12)
    assert len(weeks) == 12
    assert weeks[0].week_start == dt.date(2026, 8, 10) and weeks[-1].week_start == dt.date(2026, 10, 26)
    by_week = {week.week_start: (week.green, week.amber, week.red) for week in weeks}
    assert by_week[dt.date(2026, 9, 21)] == (1, 0, 0)
    assert by_week[DUE_WEEKS[0]] == (2, 1, 0)  # first, closed (accepted); second amber
    assert by_week[DUE_WEEKS[1]] == (1, 0, 1)
    assert by_week[DUE_WEEKS[3]] == (1, 1, 0)  # second's draft does not count; the newcomer's amber does
    assert by_week[dt.date(2026, 8, 10)] == (0, 0, 0)


def test_portfolio_snapshot_uses_each_projects_latest_report(org_a: OrgWorld) -> None:
    first, second, third = org_a.projects
    figures: dict[str, Any] = {"bac": Decimal(1000), "ac": Decimal(400), "eac": Decimal(1100)}
    report(org_a, first, DUE_WEEKS[3], spi=Decimal("0.9"), cpi=Decimal("1.1"), **figures)
    report(
        org_a,
        first,
        DUE_WEEKS[4],
        rag="amber",
        spi=Decimal("0.8"),
        cpi=Decimal("0.95"),
        percent_complete=Decimal(40),
        forecast_finish=dt.date(2027, 3, 1),
        escalations=[
            {"title": "Need a second tester", "decision_from": "PMO"},
            {"title": "Old one", "resolved": True},
        ],
        bac=Decimal(1000),
        ac=Decimal(500),
        eac=Decimal(1200),
    )
    report(org_a, first, dt.date(2026, 11, 2), rag="red", spi=Decimal("0.5"))  # after the snapshot date
    report(org_a, second, DUE_WEEKS[2], rag="green", spi=Decimal("1.05"), cpi=Decimal("1.0"), **figures)
    report(org_a, third, DUE_WEEKS[4], late_hours=None, rag="red")  # a draft: no report
    with org_a.ctx():
        Project.objects.filter(pk=third.pk).update(status=Project.Status.ON_HOLD)
        other = project(org_a, code="ZZ-PLAN", status=Project.Status.PLANNING, portfolio=None)
    report(org_a, other, DUE_WEEKS[4], bac=Decimal(300), ac=Decimal(10), eac=Decimal(290))
    RequestFactory(organization=org_a.organization, status=ProjectRequest.Status.SUBMITTED, estimated_cost=Decimal(100))
    RequestFactory(organization=org_a.organization, status=ProjectRequest.Status.SUBMITTED, estimated_cost=Decimal(250))
    RequestFactory(organization=org_a.organization, status=ProjectRequest.Status.APPROVED, estimated_cost=Decimal(70))

    with org_a.ctx():
        snapshot = kpis.portfolio_snapshot(organization=org_a.organization, as_of=OCTOBER[1])

    assert [row.code for row in snapshot.projects] == [first.code, second.code, third.code]  # active and on hold
    row = snapshot.projects[0]
    assert (row.report_week, row.rag, row.spi, row.cpi) == (DUE_WEEKS[4], "amber", Decimal("0.8"), Decimal("0.95"))
    assert (row.percent_complete, row.forecast_finish, row.quadrant) == (Decimal(40), dt.date(2027, 3, 1), "late_over")
    assert row.manager == str(org_a.users["manager"])
    assert [e.title for e in row.escalations] == ["Need a second tester"]
    assert snapshot.projects[1].quadrant == "ahead_under"
    assert (snapshot.projects[2].rag, snapshot.projects[2].spi, snapshot.projects[2].quadrant) == (None, None, None)
    assert [(p.code, e.title) for p, e in snapshot.escalations] == [(first.code, "Need a second tester")]

    assert snapshot.count("active") == 2 and snapshot.count("on_hold") == 1 and snapshot.count("planning") == 1
    budgets = {(b.name, b.projects): (b.bac, b.ac, b.eac) for b in snapshot.budgets}
    assert budgets == {
        ("alpha portfolio", 2): (Decimal(2000), Decimal(900), Decimal(2300)),
        ("", 1): (Decimal(300), Decimal(10), Decimal(290)),
    }
    assert snapshot.budgets[-1].portfolio_id is None  # "no portfolio" last
    intake = {row.status: (row.count, row.requested_cost) for row in snapshot.intake}
    assert intake["submitted"] == (2, Decimal(350))
    assert intake["approved"] == (1, Decimal(70))
    assert intake["rejected"] == (0, Decimal(0))
    assert len(intake) == len(ProjectRequest.Status.choices)


def test_escalated_risks_and_issues_open_at_month_end(org_a: OrgWorld) -> None:
    target = org_a.projects[0]
    risk(org_a, target, 1, level=EscalationLevel.PMO, escalated_at=local(2026, 10, 5))
    risk(org_a, target, 2, level=EscalationLevel.EXECUTIVE, escalated_at=local(2026, 9, 5))
    risk(org_a, target, 3, level=EscalationLevel.EXECUTIVE, escalated_at=local(2026, 11, 5))  # after month end
    risk(org_a, target, 4, level=EscalationLevel.PROJECT, escalated_at=None)
    risk(org_a, target, 5, level=EscalationLevel.PMO, escalated_at=local(2026, 10, 5), status=Risk.Status.CLOSED)
    issue(org_a, target, 1, level=EscalationLevel.PMO, escalated_at=local(2026, 10, 6), status=Issue.Status.IN_PROGRESS)
    issue(org_a, target, 2, level=EscalationLevel.PMO, escalated_at=local(2026, 10, 6), status=Issue.Status.RESOLVED)
    _since, until = kpis.local_bounds(org_a.organization, *OCTOBER)
    with org_a.ctx():
        rows = kpis.escalated_risks(organization=org_a.organization, as_of=until)
    assert [(row.code, row.level) for row in rows] == [("R-002", "executive"), ("I-001", "pmo"), ("R-001", "pmo")]
    assert rows[0].project == target.code


# --- Query counts -----------------------------------------------------------------------------------------------


def grow(world: OrgWorld, size: int) -> None:
    for i in range(size):
        extra = project(world, code=f"G{size}-{i}")
        baseline(world, extra, budget=100, finish=dt.date(2026, 9, 30))
        closure(world, extra, outcome=Outcome.MET, decided_at=local(2026, 10, 10))
        running = project(world, code=f"R{size}-{i}")
        for week in DUE_WEEKS:
            report(world, running, week, bac=Decimal(10), ac=Decimal(5), eac=Decimal(10))
        worker = person(world, f"P{size}-{i}")
        allocate(world, worker, running, DUE_WEEKS[0], DUE_WEEKS[-1], 10)
        timesheet(world, worker, running, DUE_WEEKS[0], 10, state=Timesheet.State.APPROVED)
        risk(world, running, 100 * size + i, level=EscalationLevel.PMO, escalated_at=local(2026, 10, 5))
        RequestFactory(organization=world.organization, status=ProjectRequest.Status.SUBMITTED)


@pytest.mark.parametrize("size", [1, 8])
def test_kpis_run_a_fixed_number_of_queries(org_a: OrgWorld, size: int, django_assert_max_num_queries: Any) -> None:
    grow(org_a, size)
    _since, until = kpis.local_bounds(org_a.organization, *OCTOBER)
    with org_a.ctx():
        with django_assert_max_num_queries(11):
            result = kpis.pmo_kpis(organization=org_a.organization, start=OCTOBER[0], end=OCTOBER[1], now=NOW)
        with django_assert_max_num_queries(6):
            snapshot = kpis.portfolio_snapshot(organization=org_a.organization, as_of=OCTOBER[1])
            weeks = kpis.rag_distribution(organization=org_a.organization, until=OCTOBER[1])
        with django_assert_max_num_queries(2):
            escalations = kpis.escalated_risks(organization=org_a.organization, as_of=until)
    assert result.closures.closed == size
    assert result.utilisation.people == size
    assert len(snapshot.projects) == 3 + size
    assert weeks[-1].green == size
    assert len(escalations) == size
