"""The metric registry: what alert rules watch. Each metric is computed for every subject of an organisation at
once, in one SQL query (two where a settings row is read first), never per project.

A metric's function returns ``{subject_id: Decimal}``; a subject with no value is absent (a rule cannot breach on
it, and an open alert on it resolves). Only live subjects appear: projects in planning, active or on hold (status
metrics: active or on hold, the projects that report weekly status), active people, and the organisation itself.
"Today" is the organisation's local date and weeks are its ISO weeks (``projects.policy``).

Project metrics
- ``spi`` / ``cpi``: the SPI / CPI frozen on the project's latest submitted or accepted status report (latest week);
  absent when that figure is undefined (NULL) or the project never submitted a report.
- ``milestone_slip_days``: over the project's unachieved milestones with a baseline date, the largest of
  GREATEST(forecast date, today if the milestone is overdue) − baseline date, in days; 0 when none slips. A
  milestone is overdue when its forecast (else baseline) date is before today.
- ``status_late_days``: the most recent week whose status is already due (``ControlPolicy`` due weekday and time):
  days (one decimal) since that due time when the project has no submission for the week (no report, or a report
  never submitted); 0 otherwise. Projects created after the due time are not counted.
- ``highest_risk_score``: the highest score (probability × impact) of the project's open risks; 0 when none.
- ``open_escalations``: open risks plus open or in-progress issues escalated above the project (to the PMO or the
  executives).
- ``stale_risk_reviews``: open risks last reviewed longer ago than the organisation's review period
  (``RiskSettings.review_period_days``, 30 days without a settings row).
- ``budget_consumed_vs_complete``: from the latest submitted or accepted report, AC ÷ BAC × 100 − percent complete,
  in percentage points (positive: spending ahead of progress); absent when BAC is 0 or undefined.
- ``dependency_slip_days``: over the dependencies where the project is downstream (and its milestone is not yet
  achieved), how many days the upstream milestone's date (actual, else forecast, else baseline) lies after the
  downstream milestone's date (forecast, else baseline); the largest, 0 when none is late.

Person metrics
- ``over_allocation_percent``: the peak, over the current and the next four ISO weeks, of the hours allocated to
  the person in a week as a percentage of their weekly capacity (125.0 = 125 %). People without capacity are
  absent. The plain weekly capacity is used (not the holiday-adjusted capacity of the resource pages).
- ``missing_timesheets``: how many of the last four complete ISO weeks the person had an allocation in but no
  submitted or approved timesheet for.

Organisation metric (subject id = the organisation's id)
- ``status_compliance``: the percentage of active and on-hold projects (created before the due time) whose status for
  the most recent due week was first submitted no later than its due time; absent when there is no such project.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pmo.tenancy.models import Organization
from projects.policy import control_policy_get, current_week_start, organization_zone, status_due_at
from reports.models import Operator, SubjectType

PLACES = Decimal("0.0001")

# Project lifecycles watched by the metrics; weekly status is expected from active and on-hold projects only.
LIVE_PROJECT_STATUSES = ("planning", "active", "on_hold")
STATUS_PROJECT_STATUSES = ("active", "on_hold")
REPORTED_STATES = ("submitted", "accepted")
ESCALATED_LEVELS = ("pmo", "executive")
OPEN_ISSUE_STATES = ("open", "in_progress")
DEFAULT_REVIEW_PERIOD_DAYS = 30
ALLOCATION_WEEKS_AHEAD = 4
TIMESHEET_WEEKS_BACK = 4


class Unit:
    RATIO = "ratio"
    DAYS = "days"
    SCORE = "score"
    COUNT = "count"
    PERCENT = "percent"
    POINTS = "points"


UNIT_CHOICES = [
    (Unit.RATIO, _("ratio")),
    (Unit.DAYS, _("days")),
    (Unit.SCORE, _("score")),
    (Unit.COUNT, _("count")),
    (Unit.PERCENT, _("percent")),
    (Unit.POINTS, _("percentage points")),
]


class UnknownMetric(KeyError):
    """No metric of the registry has this key."""


@dataclass
class MetricContext:
    """One organisation at one moment: what every metric of a scan shares (local date, the due status week)."""

    organization: Organization
    now: dt.datetime

    @cached_property
    def today(self) -> dt.date:
        return self.now.astimezone(organization_zone(self.organization)).date()

    @cached_property
    def week_start(self) -> dt.date:
        return current_week_start(organization=self.organization, now=self.now)

    @cached_property
    def latest_report_figures(self) -> dict[str, dict[int, Decimal]]:
        return latest_report_figures(self)

    @cached_property
    def due_week(self) -> tuple[dt.date, dt.datetime]:
        """The most recent ISO week whose status is already due, and its due time (UTC)."""
        policy = control_policy_get(organization=self.organization)
        week = self.week_start
        due = status_due_at(organization=self.organization, policy=policy, week_start=week)
        if due > self.now:
            week -= dt.timedelta(days=7)
            due = status_due_at(organization=self.organization, policy=policy, week_start=week)
        return week, due


Compute = Callable[[MetricContext], dict[int, Decimal]]


@dataclass(frozen=True)
class Metric:
    key: str
    label: Promise
    description: Promise
    subject: str
    unit: str
    operator: str
    threshold: Decimal
    compute: Compute

    @property
    def is_project_metric(self) -> bool:
        return self.subject == SubjectType.PROJECT


def _rows(sql: str, params: dict[str, Any]) -> dict[int, Decimal]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            int(subject): Decimal(value).quantize(PLACES) for subject, value in cursor.fetchall() if value is not None
        }


def _base(ctx: MetricContext, statuses: Sequence[str] = LIVE_PROJECT_STATUSES) -> dict[str, Any]:
    return {"org": ctx.organization.pk, "statuses": list(statuses), "today": ctx.today, "now": ctx.now}


# The latest submitted or accepted report of each live project (its frozen EVM figures).
_LATEST_REPORT = """
    SELECT DISTINCT ON (sr.project_id) sr.project_id, sr.spi, sr.cpi, sr.ac, sr.actual_cost, sr.bac,
           sr.percent_complete
    FROM projects_statusreport sr
    JOIN projects_project p ON p.id = sr.project_id AND p.organization_id = sr.organization_id
    WHERE sr.organization_id = %(org)s AND p.status = ANY(%(statuses)s) AND sr.state = ANY(%(reported)s)
    ORDER BY sr.project_id, sr.week_start DESC
"""


# The figures read from each project's latest report, by metric key: one query for the three of them.
_LATEST_FIGURES = {
    "spi": "spi",
    "cpi": "cpi",
    "budget_consumed_vs_complete": "ROUND(COALESCE(ac, actual_cost) / NULLIF(bac, 0) * 100 - percent_complete, 2)",
}


def latest_report_figures(ctx: MetricContext) -> dict[str, dict[int, Decimal]]:
    """Every figure of ``_LATEST_FIGURES`` per project, from one pass over the latest reports (the scan computes
    the three metrics; the latest report of each of 400 projects among 20,000 reports is the costly part)."""
    columns = ", ".join(_LATEST_FIGURES.values())
    sql = f"SELECT project_id, {columns} FROM ({_LATEST_REPORT}) latest"  # noqa: S608 - constant expressions
    figures: dict[str, dict[int, Decimal]] = {key: {} for key in _LATEST_FIGURES}
    with connection.cursor() as cursor:
        cursor.execute(sql, {**_base(ctx), "reported": list(REPORTED_STATES)})
        for project_id, *values in cursor.fetchall():
            for key, value in zip(_LATEST_FIGURES, values, strict=True):
                if value is not None:
                    figures[key][int(project_id)] = Decimal(value).quantize(PLACES)
    return figures


def _latest_report_figure(ctx: MetricContext, key: str) -> dict[int, Decimal]:
    return ctx.latest_report_figures[key]


def spi(ctx: MetricContext) -> dict[int, Decimal]:
    return _latest_report_figure(ctx, "spi")


def cpi(ctx: MetricContext) -> dict[int, Decimal]:
    return _latest_report_figure(ctx, "cpi")


def budget_consumed_vs_complete(ctx: MetricContext) -> dict[int, Decimal]:
    return _latest_report_figure(ctx, "budget_consumed_vs_complete")


def milestone_slip_days(ctx: MetricContext) -> dict[int, Decimal]:
    return _rows(
        """
        SELECT p.id, COALESCE(MAX(GREATEST(0,
            GREATEST(m.forecast_date,
                     CASE WHEN COALESCE(m.forecast_date, m.baseline_date) < %(today)s THEN %(today)s::date END)
            - m.baseline_date)), 0)
        FROM projects_project p
        LEFT JOIN projects_milestone m ON m.project_id = p.id AND m.organization_id = p.organization_id
             AND m.actual_date IS NULL AND m.baseline_date IS NOT NULL
        WHERE p.organization_id = %(org)s AND p.status = ANY(%(statuses)s)
        GROUP BY p.id
        """,
        _base(ctx),
    )


# The running projects that owe the due week's status, each with that week's report if any (shared by the two status
# metrics): a project owes it if it existed at the due time, or if it already reports for that week or an earlier
# one (created later but imported with its history) — as the status reminders decide. Constant SQL, values bound.
_DUE_WEEK_REPORTS = """
    FROM projects_project p
    LEFT JOIN projects_statusreport sr ON sr.project_id = p.id AND sr.organization_id = p.organization_id
         AND sr.week_start = %(week)s
    WHERE p.organization_id = %(org)s AND p.status = ANY(%(statuses)s) AND (p.created_at <= %(due)s OR EXISTS (
        SELECT 1 FROM projects_statusreport h
        WHERE h.organization_id = p.organization_id AND h.project_id = p.id AND h.week_start <= %(week)s))
"""


def status_late_days(ctx: MetricContext) -> dict[int, Decimal]:
    week, due = ctx.due_week
    return _rows(
        """
        SELECT p.id,
               CASE WHEN sr.first_submitted_at IS NULL
                    THEN GREATEST(0, ROUND(
                        (EXTRACT(EPOCH FROM (%(now)s - COALESCE(sr.due_at, %(due)s))) / 86400)::numeric, 1))
                    ELSE 0 END
        """  # noqa: S608 - constant SQL joined to a constant, every value bound
        + _DUE_WEEK_REPORTS,
        {**_base(ctx, STATUS_PROJECT_STATUSES), "week": week, "due": due},
    )


def status_compliance(ctx: MetricContext) -> dict[int, Decimal]:
    week, due = ctx.due_week
    return _rows(
        """
        SELECT %(org)s, ROUND(100.0 * COUNT(*) FILTER (
                   WHERE sr.first_submitted_at IS NOT NULL AND sr.first_submitted_at <= COALESCE(sr.due_at, %(due)s)
               ) / NULLIF(COUNT(*), 0), 2)
        """
        + _DUE_WEEK_REPORTS,
        {**_base(ctx, STATUS_PROJECT_STATUSES), "week": week, "due": due},
    )


def highest_risk_score(ctx: MetricContext) -> dict[int, Decimal]:
    return _rows(
        """
        SELECT p.id, COALESCE(MAX(r.score), 0)
        FROM projects_project p
        LEFT JOIN risks_risk r ON r.project_id = p.id AND r.organization_id = p.organization_id AND r.status = 'open'
        WHERE p.organization_id = %(org)s AND p.status = ANY(%(statuses)s)
        GROUP BY p.id
        """,
        _base(ctx),
    )


def open_escalations(ctx: MetricContext) -> dict[int, Decimal]:
    return _rows(
        """
        SELECT p.id, COUNT(e.project_id)
        FROM projects_project p
        LEFT JOIN (
            SELECT project_id FROM risks_risk
            WHERE organization_id = %(org)s AND status = 'open' AND escalation_level = ANY(%(levels)s)
            UNION ALL
            SELECT project_id FROM risks_issue
            WHERE organization_id = %(org)s AND status = ANY(%(issue_states)s) AND escalation_level = ANY(%(levels)s)
        ) e ON e.project_id = p.id
        WHERE p.organization_id = %(org)s AND p.status = ANY(%(statuses)s)
        GROUP BY p.id
        """,
        {**_base(ctx), "levels": list(ESCALATED_LEVELS), "issue_states": list(OPEN_ISSUE_STATES)},
    )


def stale_risk_reviews(ctx: MetricContext) -> dict[int, Decimal]:
    return _rows(
        """
        WITH period AS (
            SELECT COALESCE(
                (SELECT review_period_days FROM risks_risksettings WHERE organization_id = %(org)s), %(default)s
            ) AS days
        )
        SELECT p.id, COUNT(r.id)
        FROM projects_project p
        CROSS JOIN period
        LEFT JOIN risks_risk r ON r.project_id = p.id AND r.organization_id = p.organization_id
             AND r.status = 'open' AND r.last_reviewed_at < %(now)s - make_interval(days => period.days)
        WHERE p.organization_id = %(org)s AND p.status = ANY(%(statuses)s)
        GROUP BY p.id
        """,
        {**_base(ctx), "default": DEFAULT_REVIEW_PERIOD_DAYS},
    )


def dependency_slip_days(ctx: MetricContext) -> dict[int, Decimal]:
    return _rows(
        """
        SELECT p.id, COALESCE(MAX(GREATEST(0,
            COALESCE(up.actual_date, up.forecast_date, up.baseline_date)
            - COALESCE(down.forecast_date, down.baseline_date))), 0)
        FROM projects_project p
        LEFT JOIN projects_dependency d ON d.downstream_project_id = p.id AND d.organization_id = p.organization_id
        LEFT JOIN projects_milestone down ON down.id = d.downstream_id AND down.organization_id = p.organization_id
             AND down.actual_date IS NULL
        LEFT JOIN projects_milestone up ON up.id = d.upstream_id AND up.organization_id = p.organization_id
             AND down.id IS NOT NULL
        WHERE p.organization_id = %(org)s AND p.status = ANY(%(statuses)s)
        GROUP BY p.id
        """,
        _base(ctx),
    )


# The two allocation metrics below number their weeks with a series of integers: PostgreSQL knows how many rows that
# has, while a series of dates is planned as 1,000 rows, which priced the query above ``jit_above_cost`` and spent
# 200-400 ms compiling it for a large organisation (the query itself takes ~20 ms). The allocations are cut to the
# weeks first (index ``allocation_org_end_week_idx``).
def over_allocation_percent(ctx: MetricContext) -> dict[int, Decimal]:
    first = ctx.week_start
    return _rows(
        """
        WITH weeks AS (
            SELECT %(first)s::date + 7 * i AS week FROM generate_series(0, %(weeks)s - 1) AS i
        ), load AS (
            SELECT a.person_id, w.week, SUM(a.hours_per_week) AS hours
            FROM resources_allocation a
            JOIN weeks w ON w.week BETWEEN a.start_week AND a.end_week
            WHERE a.organization_id = %(org)s AND a.end_week >= %(first)s AND a.start_week <= %(last)s
            GROUP BY a.person_id, w.week
        )
        SELECT pe.id, ROUND(100 * COALESCE(MAX(load.hours), 0) / pe.weekly_capacity, 1)
        FROM resources_person pe
        LEFT JOIN load ON load.person_id = pe.id
        WHERE pe.organization_id = %(org)s AND pe.active AND pe.weekly_capacity > 0
        GROUP BY pe.id, pe.weekly_capacity
        """,
        {
            **_base(ctx),
            "first": first,
            "last": first + dt.timedelta(weeks=ALLOCATION_WEEKS_AHEAD),
            "weeks": ALLOCATION_WEEKS_AHEAD + 1,
        },
    )


def missing_timesheets(ctx: MetricContext) -> dict[int, Decimal]:
    last = ctx.week_start - dt.timedelta(weeks=1)
    return _rows(
        """
        WITH weeks AS (
            SELECT %(first)s::date + 7 * i AS week FROM generate_series(0, %(weeks)s - 1) AS i
        ), expected AS (
            SELECT DISTINCT a.person_id, w.week
            FROM resources_allocation a
            JOIN weeks w ON w.week BETWEEN a.start_week AND a.end_week
            WHERE a.organization_id = %(org)s AND a.end_week >= %(first)s AND a.start_week <= %(last)s
        )
        SELECT pe.id, COUNT(e.week) FILTER (WHERE t.id IS NULL)
        FROM resources_person pe
        LEFT JOIN expected e ON e.person_id = pe.id
        LEFT JOIN resources_timesheet t ON t.organization_id = pe.organization_id AND t.person_id = pe.id
             AND t.week_start = e.week AND t.state IN ('submitted', 'approved')
        WHERE pe.organization_id = %(org)s AND pe.active
        GROUP BY pe.id
        """,
        {
            **_base(ctx),
            "first": last - dt.timedelta(weeks=TIMESHEET_WEEKS_BACK - 1),
            "last": last,
            "weeks": TIMESHEET_WEEKS_BACK,
        },
    )


def _metric(
    key: str,
    label: Promise,
    description: Promise,
    subject: str,
    unit: str,
    operator: str,
    threshold: str,
    compute: Compute,
) -> Metric:
    return Metric(key, label, description, subject, unit, operator, Decimal(threshold), compute)


METRICS: dict[str, Metric] = {
    metric.key: metric
    for metric in (
        _metric(
            "spi",
            _("Schedule performance index (SPI)"),
            _("EV ÷ PV from the latest submitted status report; below 1 means behind schedule."),
            SubjectType.PROJECT,
            Unit.RATIO,
            Operator.LT,
            "0.9",
            spi,
        ),
        _metric(
            "cpi",
            _("Cost performance index (CPI)"),
            _("EV ÷ AC from the latest submitted status report; below 1 means over budget."),
            SubjectType.PROJECT,
            Unit.RATIO,
            Operator.LT,
            "0.9",
            cpi,
        ),
        _metric(
            "milestone_slip_days",
            _("Milestone slip (days)"),
            _("The largest delay of an unachieved milestone against its baseline date (overdue ones count to today)."),
            SubjectType.PROJECT,
            Unit.DAYS,
            Operator.GT,
            "10",
            milestone_slip_days,
        ),
        _metric(
            "status_late_days",
            _("Weekly status late (days)"),
            _("Days since the weekly status fell due, for a project that has not submitted it."),
            SubjectType.PROJECT,
            Unit.DAYS,
            Operator.GT,
            "1",
            status_late_days,
        ),
        _metric(
            "highest_risk_score",
            _("Highest risk score"),
            _("The highest probability × impact of the project's open risks."),
            SubjectType.PROJECT,
            Unit.SCORE,
            Operator.GTE,
            "15",
            highest_risk_score,
        ),
        _metric(
            "open_escalations",
            _("Open escalations"),
            _("Open risks and issues escalated to the PMO or the executives."),
            SubjectType.PROJECT,
            Unit.COUNT,
            Operator.GTE,
            "1",
            open_escalations,
        ),
        _metric(
            "stale_risk_reviews",
            _("Risks overdue for review"),
            _("Open risks not reviewed within the organisation's review period."),
            SubjectType.PROJECT,
            Unit.COUNT,
            Operator.GTE,
            "1",
            stale_risk_reviews,
        ),
        _metric(
            "over_allocation_percent",
            _("Over-allocation (%)"),
            _("The busiest of this and the next four weeks: hours allocated as a percentage of weekly capacity."),
            SubjectType.PERSON,
            Unit.PERCENT,
            Operator.GT,
            "110",
            over_allocation_percent,
        ),
        _metric(
            "budget_consumed_vs_complete",
            _("Budget spent ahead of progress (points)"),
            _("Actual cost as a percentage of the budget minus percent complete, from the latest status report."),
            SubjectType.PROJECT,
            Unit.POINTS,
            Operator.GT,
            "15",
            budget_consumed_vs_complete,
        ),
        _metric(
            "dependency_slip_days",
            _("Dependency slip (days)"),
            _("How many days a milestone this project waits for is expected after the date it is needed."),
            SubjectType.PROJECT,
            Unit.DAYS,
            Operator.GT,
            "0",
            dependency_slip_days,
        ),
        _metric(
            "missing_timesheets",
            _("Missing timesheets"),
            _("Of the last four complete weeks, those with allocated work but no submitted timesheet."),
            SubjectType.PERSON,
            Unit.COUNT,
            Operator.GTE,
            "2",
            missing_timesheets,
        ),
        _metric(
            "status_compliance",
            _("Status compliance (%)"),
            _("Share of active projects whose weekly status for the last due week was submitted on time."),
            SubjectType.ORGANIZATION,
            Unit.PERCENT,
            Operator.LT,
            "80",
            status_compliance,
        ),
    )
}


def metric_get(key: str) -> Metric:
    """The metric named ``key``; ``UnknownMetric`` otherwise."""
    try:
        return METRICS[key]
    except KeyError:
        raise UnknownMetric(key) from None


def metric_values(
    *, organization: Organization, key: str, now: dt.datetime | None = None, context: MetricContext | None = None
) -> dict[int, Decimal]:
    """The current value of metric ``key`` for every live subject of ``organization`` (one SQL query; the due-week
    metrics read the control policy once more). Pass ``context`` to share the local date and due week between
    metrics of one scan. Runs inside the organisation's tenant context (RLS); the SQL names the organisation too."""
    metric = metric_get(key)
    return metric.compute(context or MetricContext(organization=organization, now=now or timezone.now()))


def compare(operator: str, value: Decimal, threshold: Decimal) -> bool:
    """Whether ``value <operator> threshold`` holds (the rule is breached)."""
    if operator == Operator.GT:
        return value > threshold
    if operator == Operator.GTE:
        return value >= threshold
    if operator == Operator.LT:
        return value < threshold
    if operator == Operator.LTE:
        return value <= threshold
    raise ValueError(f"unknown operator {operator!r}")
