"""Reads of the executive dashboard: the filtered projects, one definition per figure, and everything the page and
its PDF show, in a fixed number of queries whatever the number of projects.

**Figures.** Every number on the page that leads to projects is a *figure* with a key (``rag_red``,
``late_over``, ``budget-12``, ``risk-4-5`` …) and one predicate over the projects (``figure_get``): the drill-down
list is ``projects.filter(predicate)``. The page counts the figures in one statement (``reports.dashboard.sql``:
each project's latest report read once instead of through a correlated subquery per field and figure), whose
conditions restate the predicates; a test checks every count against its drill-down under every filter.

**Scopes.** Most figures count the *projects shown*: the organisation's projects the reader may see, narrowed by the
filters (portfolio, programme, manager, status; default: active projects). The PMO KPIs count closures, due reports
and decided change requests, which mostly belong to projects no longer active: they follow the portfolio, programme
and manager filters but not the status filter (the *KPI scope*). Utilisation and capacity are the organisation's
(people work across projects); the demand of the projects shown is drawn beside them.

Two helpers of other apps are reused rather than copied: ``projects.changes.selectors.next_step_is`` (the SQL of
"the next signature is the executives'") and ``risks.selectors.heat_map_of`` (the heat map of a risk queryset).

**Latest report**: as in ``reports.kpis``, a project's submitted or accepted status report of the latest ISO week
starting on or before today; its overall RAG, % complete and frozen EVM figures (SPI, CPI, BAC, AC, EAC).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pmo.tenancy.access import OrgAccess
from portfolio.models import ProjectRequest
from projects.changes.selectors import next_step_is
from projects.models import (
    ApproverRole,
    ChangeRequest,
    ClosureReport,
    GateKind,
    GateReview,
    Milestone,
    Project,
    StatusReport,
)
from projects.policy import organization_zone
from projects.selectors import gates_due, milestones_visible_to, projects_visible_to
from projects.status.selectors import MONITORED_STATUSES
from reports.dashboard import sql
from reports.kpis import (
    COUNTED,
    IntakeRow,
    OpenEscalation,
    OrganisationHours,
    PmoKpis,
    PortfolioBudget,
    RagWeek,
    due_weeks,
    embed,
    intake_pipeline,
    local_bounds,
    months_before,
    open_escalations,
    organisation_hours,
    pmo_kpis,
    portfolio_budgets,
    rag_distribution,
)
from resources.capacity import weeks_between, weeks_from
from risks.models import EscalationLevel, Issue, Risk, RiskSettings
from risks.scoring import risk_settings_get
from risks.selectors import HeatMap, IssueFilters, RiskFilters, heat_map_of, issues_visible_to, risks_visible_to

TREND_WEEKS = 12
CAPACITY_WEEKS = 12
MILESTONE_DAYS = 30
KPI_DAYS = 30
GATE_LOOKAHEAD_DAYS = 14
TOP_RISKS = 10
LIST_ROWS = 10
ZERO = Decimal(0)

# --- Filters ---------------------------------------------------------------------------------------------------------

DEFAULT_STATUS = "active"
Status = Project.Status
# The status filter's choices: a scope name → the project statuses it keeps (``None``: every status).
STATUS_SCOPES: dict[str, tuple[str, ...] | None] = {
    "active": (Status.ACTIVE,),
    "running": (Status.PLANNING, Status.ACTIVE, Status.ON_HOLD),
    "planning": (Status.PLANNING,),
    "on_hold": (Status.ON_HOLD,),
    "proposed": (Status.PROPOSED,),
    "closed": (Status.CLOSED,),
    "cancelled": (Status.CANCELLED,),
    "all": None,
}
STATUS_LABELS: dict[str, str | Promise] = {
    "active": _("Active (default)"),
    "running": _("Running: planning, active, on hold"),
    "planning": pgettext_lazy("project status", "Planning"),
    "on_hold": pgettext_lazy("project status", "On hold"),
    "proposed": pgettext_lazy("project status", "Proposed"),
    "closed": pgettext_lazy("project status", "Closed"),
    "cancelled": pgettext_lazy("project status", "Cancelled"),
    "all": _("Any status"),
}


@dataclass(frozen=True)
class DashboardFilters:
    """The dashboard's filters, already checked against the organisation (ids of its rows)."""

    portfolio: int | None = None
    programme: int | None = None
    manager: int | None = None
    status: str = DEFAULT_STATUS

    @property
    def statuses(self) -> tuple[str, ...] | None:
        return STATUS_SCOPES[self.status]

    @property
    def is_default(self) -> bool:
        return self == DashboardFilters()

    def params(self) -> dict[str, str]:
        """The filters as GET parameters, defaults left out (what links carry)."""
        values = {"portfolio": self.portfolio, "programme": self.programme, "manager": self.manager}
        params = {key: str(value) for key, value in values.items() if value is not None}
        if self.status != DEFAULT_STATUS:
            params["status"] = self.status
        return params


def filtered_projects(*, access: OrgAccess, filters: DashboardFilters, with_status: bool = True) -> QuerySet[Project]:
    """The projects shown: those the reader may see, narrowed by the filters (the status filter only when
    ``with_status``: the KPI scope leaves it out)."""
    projects = projects_visible_to(access=access)
    if filters.portfolio is not None:
        projects = projects.filter(portfolio_id=filters.portfolio)
    if filters.programme is not None:
        projects = projects.filter(programme_id=filters.programme)
    if filters.manager is not None:
        projects = projects.filter(manager_id=filters.manager)
    if with_status and filters.statuses is not None:
        projects = projects.filter(status__in=filters.statuses)
    return projects


def with_latest(projects: QuerySet[Project], *, as_of: dt.date) -> QuerySet[Project]:
    """``projects`` with their latest report's figures (``latest_week``, ``latest_rag``, ``latest_spi`` …, ``None``
    without a report) and their next open milestone (``next_milestone``, ``next_milestone_date``), in SQL."""
    latest = StatusReport.objects.filter(
        organization_id=OuterRef("organization_id"), project=OuterRef("pk"), state__in=COUNTED, week_start__lte=as_of
    ).order_by("-week_start")
    upcoming = (
        Milestone.objects.filter(
            organization_id=OuterRef("organization_id"), project=OuterRef("pk"), actual_date__isnull=True
        )
        .annotate(due=Coalesce("forecast_date", "baseline_date", output_field=DateField()))
        .filter(due__isnull=False)
        .order_by("due", "order", "pk")
    )
    fields = ("week_start", "rag_overall", "percent_complete", "spi", "cpi", "bac", "ac", "eac", "escalations")
    names = ("week", "rag", "percent", "spi", "cpi", "bac", "ac", "eac", "escalations")
    annotations: dict[str, Any] = {
        f"latest_{name}": Subquery(latest.values(source)[:1]) for name, source in zip(names, fields, strict=True)
    }
    annotations["next_milestone"] = Subquery(upcoming.values("name")[:1])
    annotations["next_milestone_date"] = Subquery(upcoming.values("due")[:1], output_field=DateField())
    return projects.annotate(**annotations)


# --- Figures ---------------------------------------------------------------------------------------------------------


class UnknownFigure(ValueError):
    """A figure key the dashboard does not define."""


@dataclass(frozen=True)
class Window:
    """The dates the figures depend on, fixed once per request: today in the organisation's time zone."""

    today: dt.date
    now: dt.datetime

    @property
    def milestone_until(self) -> dt.date:
        return self.today + dt.timedelta(days=MILESTONE_DAYS)

    @property
    def kpi_start(self) -> dt.date:
        return self.today - dt.timedelta(days=KPI_DAYS - 1)

    @property
    def year_start(self) -> dt.date:
        """The first day of the trailing twelve months (``reports.kpis``' closure window)."""
        return months_before(self.today.replace(day=1), 11)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    predicate: Q
    scope: str = "projects"  # "projects" (the filters) or "kpi" (the filters but the status)


RAG_KEYS = ("green", "amber", "red")
QUADRANTS: dict[str, Q] = {
    "ahead_under": Q(latest_spi__gte=1, latest_cpi__gte=1),
    "late_under": Q(latest_spi__lt=1, latest_cpi__gte=1),
    "ahead_over": Q(latest_spi__gte=1, latest_cpi__lt=1),
    "late_over": Q(latest_spi__lt=1, latest_cpi__lt=1),
}
QUADRANT_LABELS: dict[str, str | Promise] = {
    "ahead_under": _("On schedule and on budget"),
    "late_under": _("Late, on budget"),
    "ahead_over": _("On schedule, over budget"),
    "late_over": _("Late and over budget"),
}
RAG_LABELS: dict[str, str | Promise] = {
    "green": pgettext_lazy("RAG", "Green"),
    "amber": pgettext_lazy("RAG", "Amber"),
    "red": pgettext_lazy("RAG", "Red"),
}


def open_milestones(*, access: OrgAccess, projects: QuerySet[Project]) -> QuerySet[Milestone]:
    """Milestones not achieved yet of the projects shown (open projects only), with ``due`` = forecast, else
    baseline date."""
    return (
        milestones_visible_to(access=access)
        .filter(project__in=projects.values("pk"), actual_date__isnull=True)
        .annotate(due=Coalesce("forecast_date", "baseline_date", output_field=DateField()))
    )


def milestone_due_q(window: Window) -> Q:
    """Due in the next 30 days (today included)."""
    return Q(due__gte=window.today, due__lte=window.milestone_until)


def milestone_slipped_q(window: Window) -> Q:
    """Slipped: its date has passed without it being achieved, or its forecast is later than its baseline."""
    return Q(due__lt=window.today) | Q(forecast_date__gt=F("baseline_date"))


def _milestone_figure(key: str, label: str | Promise, condition: Q, access: OrgAccess) -> Figure:
    milestones = Milestone.objects.filter(
        organization=access.organization, project=OuterRef("pk"), actual_date__isnull=True
    ).annotate(due=Coalesce("forecast_date", "baseline_date", output_field=DateField()))
    # The same rows as ``open_milestones``: the project is open (milestones_visible_to's rule) and shown.
    open_project = ~Q(status__in=(Status.CLOSED, Status.CANCELLED))
    return Figure(key, label, open_project & Q(Exists(milestones.filter(condition))))


def _status_missed_q(*, access: OrgAccess, window: Window) -> Q:
    """Projects with a report expected in the KPI window's due weeks that was late or never submitted
    (``reports.kpis``' status compliance, per project)."""
    weeks = due_weeks(organization=access.organization, start=window.kpi_start, end=window.today, now=window.now)
    condition = Q(pk__in=[])
    for monday, due in weeks:
        reports = StatusReport.objects.filter(
            organization=access.organization, project=OuterRef("pk"), week_start=monday
        )
        submitted = reports.filter(first_submitted_at__isnull=False)
        on_time = submitted.filter(first_submitted_at__lte=F("due_at"))
        expected = Q(status__in=MONITORED_STATUSES, created_at__lte=due) | Q(Exists(submitted))
        condition |= expected & ~Q(Exists(on_time))
    return condition


_BUDGET = re.compile(r"^budget-(none|\d{1,18})$")
_RISK = re.compile(r"^risk-(\d{1,2})-(\d{1,2})$")


def figure_get(key: str, *, access: OrgAccess, window: Window) -> Figure:
    """The figure ``key`` (its predicate over the annotated projects of its scope); ``UnknownFigure`` otherwise."""
    for rag in RAG_KEYS:
        if key == f"rag_{rag}":
            return Figure(key, _("Overall RAG: %(rag)s") % {"rag": RAG_LABELS[rag]}, Q(latest_rag=rag))
    if key == "rag_none":
        return Figure(key, _("No status report yet"), Q(latest_rag__isnull=True))
    if key == "all":
        return Figure(key, _("Projects shown"), Q())
    if key in QUADRANTS:
        return Figure(key, QUADRANT_LABELS[key], QUADRANTS[key])
    if key == "no_evm":
        return Figure(key, _("No SPI or CPI yet"), Q(latest_spi__isnull=True) | Q(latest_cpi__isnull=True))
    if key == "milestones_due":
        label = _("Milestones due in the next %(days)s days") % {"days": MILESTONE_DAYS}
        return _milestone_figure(key, label, milestone_due_q(window), access)
    if key == "milestones_slipped":
        return _milestone_figure(key, _("Slipped milestones"), milestone_slipped_q(window), access)
    if key == "closed_12m":
        since, _until = local_bounds(access.organization, window.year_start, window.today)
        _since, until = local_bounds(access.organization, window.today, window.today)
        closed = ClosureReport.objects.filter(
            organization=access.organization,
            project=OuterRef("pk"),
            status=ClosureReport.Status.APPROVED,
            decided_at__gte=since,
            decided_at__lt=until,
        )
        return Figure(key, _("Closed in the last 12 months"), Q(Exists(closed)), scope="kpi")
    if key == "status_missed":
        label = _("Status reports late or missing, last %(days)s days") % {"days": KPI_DAYS}
        return Figure(key, label, _status_missed_q(access=access, window=window), scope="kpi")
    if key == "changes_decided":
        since, until = local_bounds(access.organization, window.kpi_start, window.today)
        decided = ChangeRequest.objects.filter(
            organization=access.organization,
            project=OuterRef("pk"),
            status__in=[ChangeRequest.Status.APPROVED, ChangeRequest.Status.REJECTED],
            submitted_at__isnull=False,
            decided_at__gte=since,
            decided_at__lt=until,
        )
        label = _("Change requests decided, last %(days)s days") % {"days": KPI_DAYS}
        return Figure(key, label, Q(Exists(decided)), scope="kpi")
    budget = _BUDGET.match(key)
    if budget:
        portfolio = budget.group(1)
        in_portfolio = Q(portfolio__isnull=True) if portfolio == "none" else Q(portfolio_id=int(portfolio))
        return Figure(key, _("Budget of a portfolio"), in_portfolio & Q(latest_week__isnull=False))
    cell = _RISK.match(key)
    if cell:
        probability, impact = int(cell.group(1)), int(cell.group(2))
        risks = Risk.objects.filter(
            organization=access.organization,
            project=OuterRef("pk"),
            status=Risk.Status.OPEN,
            probability=probability,
            impact=impact,
        )
        label = _("Open risks of probability %(p)s and impact %(i)s") % {"p": probability, "i": impact}
        return Figure(key, label, Q(Exists(risks)))
    raise UnknownFigure(key)


PAGE_FIGURES = (
    "all",
    "rag_green",
    "rag_amber",
    "rag_red",
    "rag_none",
    *QUADRANTS,
    "no_evm",
    "milestones_due",
    "milestones_slipped",
)
KPI_FIGURES = ("closed_12m", "status_missed", "changes_decided")


def figure_projects(
    *, access: OrgAccess, filters: DashboardFilters, figure: Figure, window: Window
) -> QuerySet[Project]:
    """The projects behind ``figure`` (annotated with their latest report and next milestone, people joined)."""
    projects = filtered_projects(access=access, filters=filters, with_status=figure.scope == "projects")
    return (
        with_latest(projects, as_of=window.today)
        .filter(figure.predicate)
        .select_related("portfolio", "programme", "manager")
    )


# --- The page's data -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectPoint:
    """A project of the SPI/CPI quadrant, or of the list of those without EVM figures."""

    pk: int
    code: str
    name: str
    spi: Decimal | None
    cpi: Decimal | None
    rag: str | None


@dataclass(frozen=True)
class ReportEscalation:
    project_pk: int
    project_code: str
    project_name: str
    escalation: OpenEscalation


@dataclass(frozen=True)
class CapacityWeek:
    week: dt.date
    capacity: Decimal
    demand: Decimal  # the organisation's allocated hours
    shown: Decimal  # the allocated hours of the projects shown


@dataclass
class Decisions:
    """What waits for the executives among the projects shown (each list capped at ``LIST_ROWS``, totals apart)."""

    report_escalations: list[ReportEscalation] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    change_requests: list[ChangeRequest] = field(default_factory=list)
    gates: list[GateReview] = field(default_factory=list)
    intake: list[ProjectRequest] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(
            len(items)
            for items in (
                self.report_escalations,
                self.risks,
                self.issues,
                self.change_requests,
                self.gates,
                self.intake,
            )
        )


@dataclass
class Dashboard:
    filters: DashboardFilters
    window: Window
    counts: dict[str, int]
    kpis: PmoKpis
    rag_weeks: list[RagWeek]
    budgets: list[PortfolioBudget]
    points: list[ProjectPoint]
    without_evm: list[ProjectPoint]
    milestones_due: list[Milestone]
    milestones_slipped: list[Milestone]
    milestone_totals: dict[str, int]
    decisions: Decisions
    top_risks: list[Risk]
    heat_map: HeatMap
    risk_settings: RiskSettings
    capacity: list[CapacityWeek]
    intake: list[IntakeRow]


def _requests(access: OrgAccess, filters: DashboardFilters) -> QuerySet[ProjectRequest]:
    """The intake requests that the portfolio, programme and manager filters keep (proposed manager)."""
    requests = ProjectRequest.objects.filter(organization=access.organization)
    if filters.portfolio is not None:
        requests = requests.filter(portfolio_id=filters.portfolio)
    if filters.programme is not None:
        requests = requests.filter(programme_id=filters.programme)
    if filters.manager is not None:
        requests = requests.filter(proposed_manager_id=filters.manager)
    return requests


# The allocations are first summed per span cut to the window (a handful of distinct spans), then the spans
# expanded into weeks: a week of the window lies in [start, end] exactly when it lies in the cut span.
_SHOWN_HOURS_SQL = """
SELECT w.week, sum(s.hours)
FROM (
    SELECT greatest(a.start_week, %(first)s) AS first, least(a.end_week, %(last)s) AS last,
           sum(a.hours_per_week) AS hours
    FROM resources_allocation a
    WHERE a.organization_id = %(org)s AND a.project_id IN ({projects})
      AND a.start_week <= %(last)s AND a.end_week >= %(first)s
    GROUP BY 1, 2
) s
JOIN unnest(%(weeks)s::date[]) AS w(week) ON w.week BETWEEN s.first AND s.last
GROUP BY w.week
"""


def _shown_hours(access: OrgAccess, projects: QuerySet[Project], weeks: list[dt.date]) -> dict[dt.date, Decimal]:
    """Hours per week allocated to ``projects`` (an allocation covers each week from its start to its end week),
    summed by the database: one statement."""
    projects_sql, params = embed(projects.order_by().values("pk"), "projects")
    params |= {"org": access.organization.pk, "weeks": weeks, "first": weeks[0], "last": weeks[-1]}
    with connection.cursor() as cursor:
        cursor.execute(_SHOWN_HOURS_SQL.format(projects=projects_sql), params)
        return dict(cursor.fetchall())


def _capacity(
    access: OrgAccess, projects: QuerySet[Project], hours: OrganisationHours, weeks: list[dt.date]
) -> list[CapacityWeek]:
    """The organisation's capacity and allocated hours per week for 12 weeks from this week (``hours``: the
    organisation's totals, which ``resources.planning.capacity_demand`` splits by department), and the hours
    allocated to the projects shown (one more query)."""
    shown = _shown_hours(access, projects, weeks)
    return [
        CapacityWeek(
            week=week, capacity=hours.capacity[week], demand=hours.allocated[week], shown=shown.get(week, ZERO)
        )
        for week in weeks
    ]


def _highest(risks: QuerySet[Risk], rows: int) -> list[Risk]:
    """The first ``rows`` of ``risks`` in the register's order (highest score first), their project, portfolio and
    people joined for those rows only: the top is picked from the risks alone, then joined (joining every open risk
    of a large organisation before sorting cost most of the statement)."""
    top = risks.order_by("-score", "number").values("pk")[:rows]
    return list(risks.filter(pk__in=top).prefetch_related(None).order_by("-score", "number"))


def _decisions(
    access: OrgAccess,
    filters: DashboardFilters,
    projects: QuerySet[Project],
    rows: list[sql.LatestRow],
    window: Window,
    settings: RiskSettings,
) -> Decisions:
    organization = access.organization
    shown = projects.values("pk")
    decisions = Decisions()
    for row in rows:
        for item in open_escalations(row.escalations):
            decisions.report_escalations.append(ReportEscalation(row.pk, row.code, row.name, item))
    decisions.risks = _highest(
        risks_visible_to(
            access=access,
            settings=settings,
            filters=RiskFilters(status=Risk.Status.OPEN, escalation=EscalationLevel.EXECUTIVE),
        ).filter(project__in=shown),
        LIST_ROWS,
    )
    decisions.issues = list(
        issues_visible_to(access=access, filters=IssueFilters(escalation=EscalationLevel.EXECUTIVE, open_only=True))
        .filter(project__in=shown)
        .order_by("number")[:LIST_ROWS]
    )
    decisions.change_requests = list(
        ChangeRequest.objects.filter(organization=organization, status=ChangeRequest.Status.ASSESSED, project__in=shown)
        .filter(next_step_is(ApproverRole.EXECUTIVE))
        .select_related("project")
        .order_by(F("assessed_at").asc(nulls_last=True), "pk")[:LIST_ROWS]
    )
    decisions.gates = list(
        gates_due(access=access, on=window.today + dt.timedelta(days=GATE_LOOKAHEAD_DAYS)).filter(
            kind=GateKind.DCP, project__in=shown
        )[:LIST_ROWS]
    )
    decisions.intake = list(
        _requests(access, filters)
        .filter(status__in=(ProjectRequest.Status.SUBMITTED, ProjectRequest.Status.IN_REVIEW))
        .select_related("sponsor", "portfolio")
        .order_by(F("score").desc(nulls_last=True), "number")[:LIST_ROWS]
    )
    return decisions


def _count_window(access: OrgAccess, window: Window, weeks: list[tuple[dt.date, dt.datetime]]) -> sql.CountWindow:
    organization = access.organization
    year_since, _until = local_bounds(organization, window.year_start, window.today)
    kpi_since, until = local_bounds(organization, window.kpi_start, window.today)
    return sql.CountWindow(
        organization_id=organization.pk,
        today=window.today,
        milestone_until=window.milestone_until,
        year_since=year_since,
        kpi_since=kpi_since,
        until=until,
        due_weeks=weeks,
    )


def dashboard_data(*, access: OrgAccess, filters: DashboardFilters, now: dt.datetime) -> Dashboard:
    """Everything the dashboard and its PDF show for ``filters`` (see the module's definitions): a fixed number of
    queries whatever the number of projects, risks, milestones or people. The figures and the projects' latest
    reports come from ``reports.dashboard.sql`` (each latest report read once per project)."""
    organization = access.organization
    window = Window(today=now.astimezone(organization_zone(organization)).date(), now=now)
    projects = filtered_projects(access=access, filters=filters)
    kpi_projects = filtered_projects(access=access, filters=filters, with_status=False)
    weeks = due_weeks(organization=organization, start=window.kpi_start, end=window.today, now=now)
    counts, milestone_totals = sql.figure_counts(
        scope=kpi_projects,
        statuses=filters.statuses,
        monitored=MONITORED_STATUSES,
        window=_count_window(access, window, weeks),
    )
    rows = sql.latest_rows(projects=projects, organization_id=organization.pk, today=window.today)
    points = [ProjectPoint(r.pk, r.code, r.name, r.spi, r.cpi, r.rag) for r in rows]

    # Annotated with ``due`` (which the type checker cannot see).
    milestones: Any = open_milestones(access=access, projects=projects)
    due = milestones.filter(milestone_due_q(window))
    slipped = milestones.filter(milestone_slipped_q(window))
    settings = risk_settings_get(organization=organization)
    project_risks = Risk.objects.filter(organization=organization, project__in=projects.values("pk"))
    # The people's hours of the utilisation window and of the capacity chart's weeks, in one pass.
    capacity_weeks = weeks_from(window.today, CAPACITY_WEEKS)
    hours = organisation_hours(
        organization=organization,
        weeks=sorted(set(weeks_between(window.kpi_start, window.today)) | set(capacity_weeks)),
    )
    return Dashboard(
        filters=filters,
        window=window,
        counts=counts,
        kpis=pmo_kpis(
            organization=organization,
            start=window.kpi_start,
            end=window.today,
            now=now,
            projects=kpi_projects,
            due=weeks,
            hours=hours,
        ),
        rag_weeks=rag_distribution(organization=organization, until=window.today, weeks=TREND_WEEKS, projects=projects),
        budgets=portfolio_budgets(organization=organization, as_of=window.today, projects=projects),
        points=[p for p in points if p.spi is not None and p.cpi is not None],
        without_evm=[p for p in points if p.spi is None or p.cpi is None],
        milestones_due=list(due.order_by("due", "project__code", "pk")[:LIST_ROWS]),
        milestones_slipped=list(slipped.order_by("due", "project__code", "pk")[:LIST_ROWS]),
        milestone_totals=milestone_totals,
        decisions=_decisions(access, filters, projects, rows, window, settings),
        top_risks=_highest(
            risks_visible_to(access=access, settings=settings, filters=RiskFilters(status=Risk.Status.OPEN)).filter(
                project__in=projects.values("pk")
            ),
            TOP_RISKS,
        ),
        heat_map=heat_map_of(project_risks, settings),
        risk_settings=settings,
        capacity=_capacity(access, projects, hours, capacity_weeks),
        intake=intake_pipeline(organization=organization, requests=_requests(access, filters)),
    )


def budget_totals(budgets: list[PortfolioBudget]) -> dict[str, Decimal]:
    return {
        "bac": sum((row.bac for row in budgets), ZERO),
        "ac": sum((row.ac for row in budgets), ZERO),
        "eac": sum((row.eac for row in budgets), ZERO),
    }
