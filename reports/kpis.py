"""PMO KPIs and portfolio trends of one organisation: what the monthly management review shows and the executive
dashboard will show. Reads only; every function returns frozen dataclasses and runs a fixed number of queries
whatever the number of projects, people or reports (aggregates in SQL).

Definitions (a ratio is ``None``, shown "—", when its denominator is 0):

- **Window**: ``start`` and ``end`` are dates (inclusive) in the organisation's time zone; a timestamp belongs to
  the window when it lies in ``[start 00:00, end + 1 day 00:00)`` local time. The *trailing 12 months* are the
  twelve calendar months ending with ``end``'s month.
- **Closed project**: its closure report was approved (``ClosureReport.decided_at``, the moment the project closed)
  inside the window.
- **Success rate**: closed projects whose outcome is "objectives met" ÷ closed projects (met + partly met + not met).
- **On-time rate**: closed projects whose closure ``actual_finish`` is on or before the finish date of their first
  baseline (version 1), tolerance 0 days ÷ closed projects whose baseline v1 has a finish date.
- **On-budget rate**: closed projects whose closure ``final_cost`` is at most the budget of their baseline v1 ÷
  closed projects that have a baseline v1.
- **Customer satisfaction**: the average ``customer_satisfaction`` (1–5) of the closure reports approved in the
  window (the review shows the trailing 12 months).
- **Status compliance**: the *due weeks* of the window are the ISO weeks whose status due day (control policy) falls
  inside it and whose due time has passed. The expected reports are every (project, due week) where the project is
  active or on hold and existed at the due time, plus every (project, due week) that has a submitted report (a
  project closed since still counts for the weeks it reported). On time: first submitted at or before the report's
  due time; late: first submitted after it; missing: never submitted. Rate = on time ÷ expected.
- **Change-request cycle time**: days from submission to decision of the change requests approved or rejected in the
  window (median and average); also how many of each, and the baseline versions ≥ 2 approved in the window.
- **Utilisation**: ``resources.planning.utilization`` over the ISO weeks that overlap the window (whole weeks):
  planned = allocated hours ÷ capacity, actual = approved timesheet hours ÷ capacity, active people.
- **Latest report** of a project as of a date: its submitted or accepted status report of the latest ISO week
  starting on or before that date (its frozen EVM figures: BAC, AC, EAC, SPI, CPI).

Most functions take an optional ``projects`` queryset (the organisation's projects, already filtered: e.g. the
executive dashboard's portfolio, programme, manager and status filters): the figures then count only those projects'
closures, reports and change requests. Without it, they cover the whole organisation as defined above.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone

from pmo.tenancy.models import Organization
from portfolio.models import Portfolio, ProjectRequest
from portfolio.selectors import StatusCount, project_status_mix
from projects.models import Baseline, ChangeRequest, ClosureReport, Project, StatusReport
from projects.policy import control_policy_get, organization_zone, status_date, status_due_at, week_start_of
from projects.status.selectors import MONITORED_STATUSES
from resources.capacity import calendar_for, week_capacity, weeks_between, working_days_off
from resources.models import Person, TimeOff, Timesheet, TimesheetEntry
from resources.planning import ratio
from risks.models import EscalationLevel, Issue, Risk

ZERO = Decimal(0)
DAY_SECONDS = Decimal(86400)
COUNTED = (StatusReport.State.SUBMITTED, StatusReport.State.ACCEPTED)
RUNNING = (Project.Status.PLANNING, Project.Status.ACTIVE, Project.Status.ON_HOLD)
ESCALATED = (EscalationLevel.PMO, EscalationLevel.EXECUTIVE)


def month_end(first_day: dt.date) -> dt.date:
    """The last day of ``first_day``'s month."""
    following = dt.date(first_day.year + first_day.month // 12, first_day.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def months_before(first_day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` months before ``first_day``'s month."""
    index = first_day.year * 12 + first_day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def local_bounds(organization: Organization, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[start 00:00, end + 1 day 00:00)`` in the organisation's time zone, as aware datetimes."""
    zone = organization_zone(organization)
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def _days(value: dt.timedelta | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.total_seconds()) / DAY_SECONDS).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


_PLACEHOLDER = re.compile(r"(?<!%)%s")


def embed(queryset: QuerySet[Any], prefix: str) -> tuple[str, dict[str, Any]]:
    """``queryset``'s SQL with its positional parameters named ``%(prefix_0)s`` …, to sit inside a statement with
    named parameters (the ORM decides the set of rows, the statement around it what is computed of them)."""
    sql, params = queryset.query.sql_with_params()
    names: dict[str, Any] = {}
    counter = itertools.count()

    def name(_match: re.Match[str]) -> str:
        index = next(counter)
        key = f"{prefix}_{index}"
        names[key] = params[index]
        return f"%({key})s"

    return _PLACEHOLDER.sub(name, sql), names


class _Median(Aggregate):
    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


# --- PMO KPIs -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosureKpis:
    """Projects closed in a window: outcomes, on time and on budget against baseline v1, customer satisfaction."""

    met: int = 0
    partly: int = 0
    not_met: int = 0
    on_time: int = 0
    with_baseline_finish: int = 0
    on_budget: int = 0
    with_baseline: int = 0
    satisfaction: Decimal | None = None

    @property
    def closed(self) -> int:
        return self.met + self.partly + self.not_met

    @property
    def success_rate(self) -> Decimal | None:
        return ratio(Decimal(self.met), Decimal(self.closed))

    @property
    def on_time_rate(self) -> Decimal | None:
        return ratio(Decimal(self.on_time), Decimal(self.with_baseline_finish))

    @property
    def on_budget_rate(self) -> Decimal | None:
        return ratio(Decimal(self.on_budget), Decimal(self.with_baseline))


@dataclass(frozen=True)
class StatusComplianceKpi:
    weeks: tuple[dt.date, ...]  # the due weeks (Mondays)
    expected: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0

    @property
    def rate(self) -> Decimal | None:
        return ratio(Decimal(self.on_time), Decimal(self.expected))


@dataclass(frozen=True)
class ChangeKpis:
    approved: int = 0
    rejected: int = 0
    median_days: Decimal | None = None
    average_days: Decimal | None = None
    baseline_changes: int = 0

    @property
    def decided(self) -> int:
        return self.approved + self.rejected


@dataclass(frozen=True)
class UtilisationKpi:
    weeks: tuple[dt.date, ...]
    people: int = 0
    capacity_hours: Decimal = ZERO
    planned_hours: Decimal = ZERO
    actual_hours: Decimal = ZERO

    @property
    def planned(self) -> Decimal | None:
        return ratio(self.planned_hours, self.capacity_hours)

    @property
    def actual(self) -> Decimal | None:
        return ratio(self.actual_hours, self.capacity_hours)


@dataclass(frozen=True)
class PmoKpis:
    start: dt.date
    end: dt.date
    closures: ClosureKpis  # closed in the window
    closures_12_months: ClosureKpis  # closed in the trailing 12 months
    status: StatusComplianceKpi
    changes: ChangeKpis
    utilisation: UtilisationKpi


def closure_kpis(
    *, organization: Organization, start: dt.date, end: dt.date, projects: QuerySet[Project] | None = None
) -> tuple[ClosureKpis, ClosureKpis]:
    """The closure KPIs of the window and of the trailing 12 months (see the module's definitions): one query."""
    since, until = local_bounds(organization, start, end)
    since_12, _until = local_bounds(organization, months_before(end.replace(day=1), 11), end)
    first = Baseline.objects.filter(organization=organization, project=OuterRef("project_id"), version=1)
    closures = ClosureReport.objects.filter(
        organization=organization,
        status=ClosureReport.Status.APPROVED,
        decided_at__gte=min(since, since_12),
        decided_at__lt=until,
    )
    if projects is not None:
        closures = closures.filter(project__in=projects.values("pk"))
    closures = closures.annotate(
        first_finish=Subquery(first.values("finish_date")[:1]),
        first_budget=Subquery(first.values("budget")[:1]),
    )
    outcome = ClosureReport.Outcome
    aggregates: dict[str, Any] = {}
    for prefix, window in (("m_", Q(decided_at__gte=since)), ("y_", Q(decided_at__gte=since_12))):
        aggregates |= {
            f"{prefix}met": Count("pk", filter=window & Q(outcome=outcome.MET)),
            f"{prefix}partly": Count("pk", filter=window & Q(outcome=outcome.PARTLY)),
            f"{prefix}not_met": Count("pk", filter=window & Q(outcome=outcome.NOT_MET)),
            f"{prefix}on_time": Count("pk", filter=window & Q(actual_finish__lte=F("first_finish"))),
            f"{prefix}with_baseline_finish": Count("pk", filter=window & Q(first_finish__isnull=False)),
            f"{prefix}on_budget": Count("pk", filter=window & Q(final_cost__lte=F("first_budget"))),
            f"{prefix}with_baseline": Count("pk", filter=window & Q(first_budget__isnull=False)),
            f"{prefix}satisfaction": Avg("customer_satisfaction", filter=window),
        }
    row = closures.aggregate(**aggregates)

    def build(prefix: str) -> ClosureKpis:
        values = {key[len(prefix) :]: value for key, value in row.items() if key.startswith(prefix)}
        average = values.pop("satisfaction")
        satisfaction = Decimal(average).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if average else None
        return ClosureKpis(satisfaction=satisfaction, **values)

    return build("m_"), build("y_")


def due_weeks(
    *, organization: Organization, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> list[tuple[dt.date, dt.datetime]]:
    """(Monday, due time) of the ISO weeks whose status due day lies in ``[start, end]`` and whose due time has
    passed by ``now`` (one query: the control policy)."""
    now = now or timezone.now()
    policy = control_policy_get(organization=organization)
    weeks = []
    for monday in weeks_between(start - dt.timedelta(days=6), end):
        if start <= status_date(policy=policy, week_start=monday) <= end:
            due = status_due_at(organization=organization, policy=policy, week_start=monday)
            if due <= now:
                weeks.append((monday, due))
    return weeks


_COMPLIANCE_SQL = """
WITH weeks AS (
    SELECT * FROM unnest(%(weeks)s::date[], %(dues)s::timestamptz[]) AS w(week_start, due_at)
),
week_reports AS MATERIALIZED (
    SELECT r.project_id, r.week_start, r.first_submitted_at, r.due_at
    FROM {report} r
    WHERE r.organization_id = %(org)s AND r.week_start = ANY(%(weeks)s::date[]) AND {report_in}
),
expected AS (
    SELECT p.id AS project_id, w.week_start
    FROM {project} p CROSS JOIN weeks w
    WHERE p.organization_id = %(org)s AND p.status = ANY(%(monitored)s) AND p.created_at <= w.due_at
      AND {project_in}
    UNION
    SELECT wr.project_id, wr.week_start FROM week_reports wr WHERE wr.first_submitted_at IS NOT NULL
)
SELECT COUNT(*),
       COUNT(*) FILTER (WHERE r.first_submitted_at <= r.due_at),
       COUNT(*) FILTER (WHERE r.first_submitted_at > r.due_at),
       COUNT(*) FILTER (WHERE r.first_submitted_at IS NULL)
FROM expected e
LEFT JOIN week_reports r ON r.project_id = e.project_id AND r.week_start = e.week_start
"""


def status_compliance_kpi(
    *,
    organization: Organization,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
    projects: QuerySet[Project] | None = None,
    due: list[tuple[dt.date, dt.datetime]] | None = None,
) -> StatusComplianceKpi:
    """Status compliance of the window (see the module's definitions): two queries (one when ``due``, the window's
    ``due_weeks``, is given), ``projects`` narrowing it inside the same statement."""
    weeks = due if due is not None else due_weeks(organization=organization, start=start, end=end, now=now)
    if not weeks:
        return StatusComplianceKpi(weeks=())
    params: dict[str, Any] = {
        "weeks": [monday for monday, _due in weeks],
        "dues": [due for _monday, due in weeks],
        "org": organization.pk,
        "monitored": [str(status) for status in MONITORED_STATUSES],
    }
    project_in = report_in = "TRUE"
    if projects is not None:
        projects_sql, projects_params = embed(projects.order_by().values("pk"), "projects")
        params |= projects_params
        project_in = f"p.id IN ({projects_sql})"
        report_in = f"r.project_id IN ({projects_sql})"
    sql = _COMPLIANCE_SQL.format(
        project=Project._meta.db_table, report=StatusReport._meta.db_table, project_in=project_in, report_in=report_in
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        expected, on_time, late, missing = cursor.fetchone()
    return StatusComplianceKpi(
        weeks=tuple(monday for monday, _due in weeks), expected=expected, on_time=on_time, late=late, missing=missing
    )


def change_kpis(
    *, organization: Organization, start: dt.date, end: dt.date, projects: QuerySet[Project] | None = None
) -> ChangeKpis:
    """Change requests decided in the window (approved or rejected, with a submission time): counts and the
    median and average days from submission to decision; baseline versions ≥ 2 approved in it. Two queries."""
    since, until = local_bounds(organization, start, end)
    cycle = ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField())
    requests = ChangeRequest.objects.filter(organization=organization)
    baselines = Baseline.objects.filter(organization=organization)
    if projects is not None:
        requests = requests.filter(project__in=projects.values("pk"))
        baselines = baselines.filter(project__in=projects.values("pk"))
    row = (
        requests.filter(
            status__in=[ChangeRequest.Status.APPROVED, ChangeRequest.Status.REJECTED],
            submitted_at__isnull=False,
            decided_at__gte=since,
            decided_at__lt=until,
        )
        .annotate(cycle=cycle)
        .aggregate(
            approved=Count("pk", filter=Q(status=ChangeRequest.Status.APPROVED)),
            rejected=Count("pk", filter=Q(status=ChangeRequest.Status.REJECTED)),
            average=Avg("cycle"),
            median=_Median("cycle", output_field=DurationField()),
        )
    )
    baseline_changes = baselines.filter(version__gte=2, approved_at__gte=since, approved_at__lt=until).count()
    return ChangeKpis(
        approved=row["approved"],
        rejected=row["rejected"],
        median_days=_days(row["median"]),
        average_days=_days(row["average"]),
        baseline_changes=baseline_changes,
    )


@dataclass(frozen=True)
class OrganisationHours:
    """The active people's hours per ISO week (Mondays), summed over the organisation: capacity (the calendar and
    time off applied, ``resources.capacity``'s rule) and allocated hours; the number of active people."""

    people: int
    capacity: dict[dt.date, Decimal]
    allocated: dict[dt.date, Decimal]


# Allocated hours of the active people per asked week: an allocation counts in a week it overlaps (as
# ``resources.capacity.allocated_hours``). The allocations are first summed per span cut to the asked weeks (a few
# hundred distinct spans where a large organisation has ten thousand allocations), then the spans put on the weeks.
_ALLOCATED_SQL = """
SELECT w.week, sum(s.hours)
FROM (
    SELECT greatest(a.start_week, %(first)s) AS first_day, least(a.end_week, %(last_day)s) AS last_day,
           sum(a.hours_per_week) AS hours
    FROM resources_allocation a
    JOIN resources_person p ON p.organization_id = %(org)s AND p.id = a.person_id AND p.active
    WHERE a.organization_id = %(org)s AND a.start_week <= %(last)s AND a.end_week >= %(first)s
    GROUP BY 1, 2
) s
JOIN unnest(%(weeks)s::date[], %(sundays)s::date[]) AS w(week, sunday)
  ON s.first_day <= w.sunday AND s.last_day >= w.week
GROUP BY w.week
"""


def organisation_hours(*, organization: Organization, weeks: list[dt.date]) -> OrganisationHours:
    """Capacity and allocated hours of the organisation's active people in ``weeks`` (Mondays): four queries, and
    no work per person but for those with time off in the weeks (people of one weekly capacity share its figure),
    where ``resources.capacity.capacity_grid`` builds every person-week."""
    if not weeks:
        return OrganisationHours(people=0, capacity={}, allocated={})
    first, last = min(weeks), max(weeks)
    last_day = last + dt.timedelta(days=6)
    calendar = calendar_for(organization=organization, first=first, last=last_day)
    working = {week: calendar.working_days(week) for week in weeks}
    groups = list(
        Person.objects.filter(organization=organization, active=True)
        .order_by()
        .values("weekly_capacity")
        .annotate(n=Count("pk"))
        .values_list("weekly_capacity", "n")
    )
    periods: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    weekly: dict[int, Decimal] = {}
    for person_id, capacity, start, end in TimeOff.objects.filter(
        organization=organization, person__active=True, start__lte=last_day, end__gte=first
    ).values_list("person_id", "person__weekly_capacity", "start", "end"):
        periods[person_id].append((start, end))
        weekly[person_id] = capacity
    capacity_of: dict[dt.date, Decimal] = {}
    for week in weeks:
        total = sum(
            (n * week_capacity(weekly_capacity=hours, working_days=working[week], days_off=0) for hours, n in groups),
            ZERO,
        )
        for person_id, taken in periods.items():
            days_off = working_days_off(calendar=calendar, week_start=week, periods=taken)
            if days_off:
                hours = weekly[person_id]
                total += week_capacity(weekly_capacity=hours, working_days=working[week], days_off=days_off)
                total -= week_capacity(weekly_capacity=hours, working_days=working[week], days_off=0)
        capacity_of[week] = total
    params: dict[str, Any] = {
        "org": organization.pk,
        "weeks": sorted(weeks),
        "sundays": [week + dt.timedelta(days=6) for week in sorted(weeks)],
        "first": first,
        "last": last,
        "last_day": last_day,
    }
    with connection.cursor() as cursor:
        cursor.execute(_ALLOCATED_SQL, params)
        allocated = dict(cursor.fetchall())
    return OrganisationHours(
        people=sum(n for _hours, n in groups),
        capacity=capacity_of,
        allocated={week: allocated.get(week, ZERO) for week in weeks},
    )


def utilisation_kpi(
    *, organization: Organization, start: dt.date, end: dt.date, hours: OrganisationHours | None = None
) -> UtilisationKpi:
    """Planned and actual utilisation over the ISO weeks overlapping the window, the organisation's totals of
    ``resources.planning.utilization`` (allocated, and approved timesheet, hours of the active people ÷ their
    capacity): five queries, one when ``hours`` holds those weeks already (``organisation_hours``)."""
    weeks = weeks_between(start, end)
    if hours is None:
        hours = organisation_hours(organization=organization, weeks=weeks)
    actual = TimesheetEntry.objects.filter(
        organization=organization,
        timesheet__state=Timesheet.State.APPROVED,
        timesheet__week_start__gte=weeks[0],
        timesheet__week_start__lte=weeks[-1],
        timesheet__person__active=True,
    ).aggregate(hours=Sum("hours"))["hours"]
    return UtilisationKpi(
        weeks=tuple(weeks),
        people=hours.people,
        capacity_hours=sum((hours.capacity[week] for week in weeks), ZERO),
        planned_hours=sum((hours.allocated[week] for week in weeks), ZERO),
        actual_hours=actual or ZERO,
    )


def pmo_kpis(
    *,
    organization: Organization,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
    projects: QuerySet[Project] | None = None,
    due: list[tuple[dt.date, dt.datetime]] | None = None,
    hours: OrganisationHours | None = None,
) -> PmoKpis:
    """Every PMO KPI of the window ``[start, end]`` (dates in the organisation's time zone). Ten queries whatever
    the size of the organisation (one fewer when ``due``, the window's ``due_weeks``, is given, four fewer when
    ``hours`` holds the window's weeks; ``projects`` narrows every KPI but utilisation: people work across projects,
    so utilisation stays the organisation's)."""
    closures, closures_12_months = closure_kpis(organization=organization, start=start, end=end, projects=projects)
    return PmoKpis(
        start=start,
        end=end,
        closures=closures,
        closures_12_months=closures_12_months,
        status=status_compliance_kpi(
            organization=organization, start=start, end=end, now=now, projects=projects, due=due
        ),
        changes=change_kpis(organization=organization, start=start, end=end, projects=projects),
        utilisation=utilisation_kpi(organization=organization, start=start, end=end, hours=hours),
    )


# --- Portfolio KPIs and trends --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RagWeek:
    """How many projects reported each overall RAG in one ISO week (submitted or accepted reports)."""

    week_start: dt.date
    green: int = 0
    amber: int = 0
    red: int = 0

    @property
    def total(self) -> int:
        return self.green + self.amber + self.red


def rag_distribution(
    *, organization: Organization, until: dt.date, weeks: int = 12, projects: QuerySet[Project] | None = None
) -> list[RagWeek]:
    """The overall-RAG counts of the ``weeks`` ISO weeks ending with ``until``'s week, oldest first (every week
    present, zeros where nothing was reported): one grouped query."""
    last = week_start_of(until)
    window = [last - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    counts: dict[dt.date, dict[str, int]] = defaultdict(dict)
    reports = StatusReport.objects.filter(
        organization=organization, state__in=COUNTED, week_start__gte=window[0], week_start__lte=last
    )
    if projects is not None:
        reports = reports.filter(project__in=projects.values("pk"))
    for week, rag, n in (
        reports.values("week_start", "rag_overall")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("week_start", "rag_overall", "n")
    ):
        counts[week][rag] = n
    return [
        RagWeek(
            week_start=week,
            green=counts[week].get("green", 0),
            amber=counts[week].get("amber", 0),
            red=counts[week].get("red", 0),
        )
        for week in window
    ]


@dataclass(frozen=True)
class OpenEscalation:
    title: str
    decision_from: str = ""


@dataclass(frozen=True)
class ProjectHealth:
    """A running project and its latest report as of the snapshot date (``None`` figures without one)."""

    project_id: int
    code: str
    name: str
    status: str
    status_label: str
    manager: str
    portfolio: str
    report_week: dt.date | None = None
    rag: str | None = None
    spi: Decimal | None = None
    cpi: Decimal | None = None
    percent_complete: Decimal | None = None
    forecast_finish: dt.date | None = None
    planned_finish: dt.date | None = None
    bac: Decimal | None = None
    ac: Decimal | None = None
    eac: Decimal | None = None
    escalations: tuple[OpenEscalation, ...] = ()

    @property
    def quadrant(self) -> str | None:
        """``ahead_under`` (SPI ≥ 1, CPI ≥ 1), ``late_under``, ``ahead_over``, ``late_over``; ``None`` without both."""
        if self.spi is None or self.cpi is None:
            return None
        return f"{'ahead' if self.spi >= 1 else 'late'}_{'under' if self.cpi >= 1 else 'over'}"


@dataclass(frozen=True)
class PortfolioBudget:
    """Budget figures of one portfolio's running projects, from their latest reports (``None``: no portfolio)."""

    portfolio_id: int | None
    name: str
    projects: int
    bac: Decimal
    ac: Decimal
    eac: Decimal

    @property
    def consumed(self) -> Decimal | None:
        return ratio(self.ac, self.bac)


@dataclass(frozen=True)
class IntakeRow:
    status: str
    label: str
    count: int
    requested_cost: Decimal


@dataclass(frozen=True)
class RiskEscalation:
    kind: str  # "risk" | "issue"
    code: str
    title: str
    level: str
    level_label: str
    project: str
    escalated_at: dt.datetime | None


@dataclass(frozen=True)
class PortfolioSnapshot:
    as_of: dt.date
    status_mix: list[StatusCount]
    projects: list[ProjectHealth]  # active and on hold, by code
    budgets: list[PortfolioBudget]
    intake: list[IntakeRow]

    def count(self, status: str) -> int:
        return next((row.count for row in self.status_mix if row.status == status), 0)

    @property
    def escalations(self) -> list[tuple[ProjectHealth, OpenEscalation]]:
        return [(project, item) for project in self.projects for item in project.escalations]


def latest_reports(*, organization: Organization, as_of: dt.date) -> QuerySet[StatusReport]:
    """Each project's latest submitted or accepted report of a week starting on or before ``as_of``."""
    return (
        StatusReport.objects.filter(organization=organization, state__in=COUNTED, week_start__lte=as_of)
        .order_by("project_id", "-week_start")
        .distinct("project_id")
    )


# The latest report of the project ``p`` in SQL, for a ``LATERAL`` join: it walks the (organisation, project, week)
# index backwards from ``%(today)s``, once per project, where ``latest_reports`` sorts every report of the
# organisation. Parameters: ``org``, ``counted`` (the states), ``today``.
LATEST_REPORT_SQL = """
    SELECT r.week_start, r.rag_overall, r.percent_complete, r.spi, r.cpi, r.bac, r.ac, r.eac, r.escalations
    FROM projects_statusreport r
    WHERE r.organization_id = %(org)s AND r.project_id = p.id
      AND r.state = ANY(%(counted)s) AND r.week_start <= %(today)s
    ORDER BY r.week_start DESC
    LIMIT 1
"""

_BUDGETS_SQL = """
SELECT p.portfolio_id, f.name, count(*), sum(l.bac), sum(l.ac), sum(l.eac)
FROM ({projects}) p
JOIN LATERAL ({latest}) l ON true
LEFT JOIN portfolio_portfolio f ON f.organization_id = %(org)s AND f.id = p.portfolio_id
GROUP BY p.portfolio_id, f.name
ORDER BY f.name
"""


def open_escalations(raw: Any) -> tuple[OpenEscalation, ...]:
    """The unresolved escalations of a report's ``escalations`` list, each title once."""
    items: dict[str, OpenEscalation] = {}
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict) or entry.get("resolved"):
            continue
        title = str(entry.get("title") or "").strip()
        if title and title not in items:
            items[title] = OpenEscalation(title=title, decision_from=str(entry.get("decision_from") or "").strip())
    return tuple(items.values())


def portfolio_budgets(
    *, organization: Organization, as_of: dt.date, projects: QuerySet[Project] | None = None
) -> list[PortfolioBudget]:
    """BAC, AC and EAC summed per portfolio over the running projects' latest reports (one grouped query); with
    ``projects``, over those projects' latest reports whatever their status."""
    if projects is None:
        projects = Project.objects.filter(organization=organization, status__in=RUNNING)
    projects_sql, params = embed(projects.order_by().values("id", "portfolio_id"), "projects")
    params |= {"org": organization.pk, "counted": [str(state) for state in COUNTED], "today": as_of}
    with connection.cursor() as cursor:
        cursor.execute(_BUDGETS_SQL.format(projects=projects_sql, latest=LATEST_REPORT_SQL), params)
        grouped = cursor.fetchall()
    rows = [
        PortfolioBudget(
            portfolio_id=portfolio_id,
            name=name or "",
            projects=count,
            bac=bac or ZERO,
            ac=ac or ZERO,
            eac=eac or ZERO,
        )
        for portfolio_id, name, count, bac, ac, eac in grouped
    ]
    return sorted(rows, key=lambda row: (row.portfolio_id is None, row.name))


def intake_pipeline(*, organization: Organization, requests: QuerySet[ProjectRequest] | None = None) -> list[IntakeRow]:
    """Project requests per status with their total estimated cost, every status present (one grouped query);
    ``requests`` narrows the requests counted (e.g. to a portfolio's)."""
    requests = ProjectRequest.objects.all() if requests is None else requests
    grouped = {
        row["status"]: (row["n"], row["cost"] or ZERO)
        for row in requests.filter(organization=organization)
        .values("status")
        .annotate(n=Count("pk"), cost=Sum("estimated_cost"))
        .order_by()
    }
    return [
        IntakeRow(
            status=value,
            label=str(label),
            count=grouped.get(value, (0, ZERO))[0],
            requested_cost=grouped.get(value, (0, ZERO))[1],
        )
        for value, label in ProjectRequest.Status.choices
    ]


def project_health(*, organization: Organization, as_of: dt.date) -> list[ProjectHealth]:
    """The active and on-hold projects with their latest report as of ``as_of``, by code: two queries."""
    projects = list(
        Project.objects.filter(organization=organization, status__in=MONITORED_STATUSES)
        .select_related("manager", "portfolio")
        .order_by("code")
    )
    reports = {
        report.project_id: report
        for report in latest_reports(organization=organization, as_of=as_of).filter(
            project_id__in=[project.pk for project in projects]
        )
    }
    statuses = dict(Project.Status.choices)
    rows = []
    for project in projects:
        report = reports.get(project.pk)
        common: dict[str, Any] = {
            "project_id": project.pk,
            "code": project.code,
            "name": project.name,
            "status": project.status,
            "status_label": str(statuses.get(project.status, project.status)),
            "manager": str(project.manager) if project.manager else "",
            "portfolio": project.portfolio.name if project.portfolio else "",
            "planned_finish": project.planned_finish,
        }
        if report is None:
            rows.append(ProjectHealth(**common))
            continue
        rows.append(
            ProjectHealth(
                **common,
                report_week=report.week_start,
                rag=report.rag_overall,
                spi=report.spi,
                cpi=report.cpi,
                percent_complete=report.percent_complete,
                forecast_finish=report.forecast_finish,
                bac=report.bac,
                ac=report.ac,
                eac=report.eac,
                escalations=open_escalations(report.escalations),
            )
        )
    return rows


def portfolio_snapshot(*, organization: Organization, as_of: dt.date) -> PortfolioSnapshot:
    """Counts of projects per status, the running projects' health, budgets per portfolio and the intake pipeline,
    as of ``as_of`` (latest reports of weeks starting on or before it; statuses and requests as they are now).
    Five queries."""
    return PortfolioSnapshot(
        as_of=as_of,
        status_mix=project_status_mix(organization=organization),
        projects=project_health(organization=organization, as_of=as_of),
        budgets=portfolio_budgets(organization=organization, as_of=as_of),
        intake=intake_pipeline(organization=organization),
    )


def escalated_risks(*, organization: Organization, as_of: dt.datetime) -> list[RiskEscalation]:
    """Risks and issues still open and escalated to the PMO or the executives at or before ``as_of``, highest
    level first (two queries)."""
    labels = dict(EscalationLevel.choices)
    rows: list[RiskEscalation] = []
    risks = (
        Risk.objects.filter(
            organization=organization,
            status=Risk.Status.OPEN,
            escalation_level__in=ESCALATED,
            escalated_at__lte=as_of,
        )
        .select_related("project", "portfolio")
        .order_by("number")
    )
    issues = (
        Issue.objects.filter(organization=organization, escalation_level__in=ESCALATED, escalated_at__lte=as_of)
        .exclude(status__in=[Issue.Status.RESOLVED, Issue.Status.CLOSED])
        .select_related("project", "portfolio")
        .order_by("number")
    )
    items: list[tuple[str, Risk | Issue]] = [("risk", risk) for risk in risks] + [("issue", issue) for issue in issues]
    for kind, item in items:
        owner: Project | Portfolio | None = item.project or item.portfolio
        rows.append(
            RiskEscalation(
                kind=kind,
                code=item.code,
                title=item.title,
                level=item.escalation_level,
                level_label=str(labels.get(item.escalation_level, item.escalation_level)),
                project=(owner.code if isinstance(owner, Project) else owner.name) if owner else "",
                escalated_at=item.escalated_at,
            )
        )
    rows.sort(key=lambda row: (row.level != EscalationLevel.EXECUTIVE, row.kind, row.code))
    return rows
