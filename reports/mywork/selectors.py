"""Reads of "My work": what needs one user, in a constant number of queries whatever the number of projects,
reports, change requests, risks or allocations.

Whose items are "mine":

- my projects: not archived, and managed by me or granted ``change_project`` to me by name. A role that may change
  every project (the PMO) does not make every project "mine": the page lists the user's own items.
- the manager's part shows when I have such a project or my role is manager; the member's part when a person of
  resource planning is linked to me or my role is member.

Everything reuses the other apps' selectors for visibility (``projects_visible_to``, ``risks_visible_to``,
``issues_visible_to``, ``change_requests_visible_to``) and resource arithmetic (``capacity_grid``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.roles import Role
from projects import permissions as project_permissions
from projects.changes.selectors import approval_steps, change_requests_visible_to
from projects.models import ChangeRequest, Milestone, Project, ProjectUserObjectPermission, StatusReport
from projects.policy import control_policy_get, current_week_start, organization_zone, status_due_at, week_label
from projects.selectors import projects_visible_to
from projects.status.selectors import MONITORED_STATUSES, rag_trend
from reports.dashboard.presentation import week_label as short_week_label
from resources.capacity import Grid, capacity_grid, weeks_from
from resources.models import Allocation, Person, Timesheet, TimesheetEntry
from resources.timesheets.selectors import person_for_user
from risks.models import Issue, Risk, RiskAction, RiskSettings
from risks.scoring import risk_settings_get
from risks.selectors import IssueFilters, issues_visible_to, risks_visible_to

ZERO = Decimal(0)
WEEKS = 8  # the window of both weekly grids (my team's allocations, my allocations)
ACTIONS_WITHIN_DAYS = 14
TOP_RISKS = 10
LIST_LIMIT = 25
SHOWN_ACTIONS = 10
SHOWN_TEAM = 12
ARCHIVED = (Project.Status.CLOSED, Project.Status.CANCELLED)
OPEN_CHANGES = (ChangeRequest.Status.DRAFT, ChangeRequest.Status.SUBMITTED, ChangeRequest.Status.ASSESSED)
NOT_STARTED = "not_started"


def state_label(state: str, choices: Any) -> str:
    """The display name of a state of ``choices``, or "Not started" when there is no row yet."""
    if state == NOT_STARTED:
        return str(_("Not started"))
    return str(choices(state).label)


NEXT_ACTOR_LABELS = {
    "raiser": gettext_lazy("You (submit or withdraw)"),
    "pmo": gettext_lazy("PMO"),
    "executive": gettext_lazy("Executive"),
}


# --- My projects ------------------------------------------------------------------------------------------------


def _granted_change(access: OrgAccess) -> Exists:
    return Exists(
        ProjectUserObjectPermission.objects.filter(
            organization=access.organization,
            content_object=OuterRef("pk"),
            user_id=access.membership.user_id,
            permission__codename=project_permissions.CHANGE_CODENAME,
        )
    )


def my_projects_queryset(*, access: OrgAccess) -> QuerySet[Project]:
    """The visible, open projects I manage or may change by a grant of my own (one query, no rows read)."""
    return (
        projects_visible_to(access=access)
        .exclude(status__in=ARCHIVED)
        .filter(Q(manager_id=access.membership.user_id) | _granted_change(access))
    )


def _latest_submitted(access: OrgAccess, offset: int = 0) -> QuerySet[StatusReport]:
    return StatusReport.objects.filter(
        organization=access.organization, project=OuterRef("pk"), first_submitted_at__isnull=False
    ).order_by("-week_start")[offset : offset + 1]


def _next_milestone(access: OrgAccess) -> QuerySet[Milestone]:
    return (
        Milestone.objects.filter(organization=access.organization, project=OuterRef("pk"), actual_date__isnull=True)
        .annotate(due=Coalesce("forecast_date", "baseline_date"))
        .order_by(F("due").asc(nulls_last=True), "order", "pk")[:1]
    )


@dataclass
class MyProject:
    """A row of "My projects": the project with its latest submitted status (RAG, trend, % complete, SPI/CPI), its
    next milestone, its open risks and this week's report."""

    project: Project
    rag: str | None
    trend: str | None
    percent_complete: Decimal | None
    spi: Decimal | None
    cpi: Decimal | None
    status_week: dt.date | None
    milestone_name: str | None
    milestone_date: dt.date | None
    milestone_baseline: dt.date | None
    open_risks: int
    week_state: str
    week_due_at: dt.datetime
    week_comment: str
    today: dt.date
    can_change: bool

    @property
    def milestone_late(self) -> bool:
        return self.milestone_date is not None and self.milestone_date < self.today

    @property
    def milestone_slip_days(self) -> int:
        if self.milestone_date is None or self.milestone_baseline is None:
            return 0
        return max(0, (self.milestone_date - self.milestone_baseline).days)

    @property
    def reports_weekly(self) -> bool:
        return self.project.status in MONITORED_STATUSES

    @property
    def week_overdue(self) -> bool:
        return self.week_state in (NOT_STARTED, StatusReport.State.DRAFT) and timezone.now() > self.week_due_at

    @property
    def week_state_label(self) -> str:
        return state_label(self.week_state, StatusReport.State)

    @property
    def week_needs_me(self) -> bool:
        return self.reports_weekly and self.week_state in (
            NOT_STARTED,
            StatusReport.State.DRAFT,
            StatusReport.State.RETURNED,
        )


def my_projects(*, access: OrgAccess, week_start: dt.date, due_at: dt.datetime, today: dt.date) -> list[MyProject]:
    """My projects (``my_projects_queryset``) with everything a row shows, in one query."""
    org = access.organization
    week_report = StatusReport.objects.filter(organization=org, project=OuterRef("pk"), week_start=week_start)
    open_risks = (
        Risk.objects.filter(organization=org, project=OuterRef("pk"), status=Risk.Status.OPEN)
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    change_all = access.can(project_permissions.CHANGE_ALL)
    latest, before, milestone = _latest_submitted(access), _latest_submitted(access, 1), _next_milestone(access)
    rows = (
        my_projects_queryset(access=access)
        .select_related("current_phase", "manager")
        .annotate(
            last_rag=Subquery(latest.values("rag_overall")),
            prev_rag=Subquery(before.values("rag_overall")),
            last_percent=Subquery(latest.values("percent_complete")),
            last_spi=Subquery(latest.values("spi")),
            last_cpi=Subquery(latest.values("cpi")),
            last_week=Subquery(latest.values("week_start")),
            milestone_name=Subquery(milestone.values("name")),
            milestone_forecast=Subquery(milestone.values("forecast_date")),
            milestone_baseline=Subquery(milestone.values("baseline_date")),
            open_risks=Coalesce(Subquery(open_risks, output_field=IntegerField()), Value(0)),
            week_state=Subquery(week_report.values("state")),
            week_due=Subquery(week_report.values("due_at")),
            week_comment=Subquery(week_report.values("review_comment")),
            granted_change=_granted_change(access),
        )
        .order_by("code")
    )
    return [
        MyProject(
            project=row,
            rag=row.last_rag,
            trend=rag_trend(row.last_rag, row.prev_rag) if row.last_rag else None,
            percent_complete=row.last_percent,
            spi=row.last_spi,
            cpi=row.last_cpi,
            status_week=row.last_week,
            milestone_name=row.milestone_name,
            milestone_date=row.milestone_forecast or row.milestone_baseline,
            milestone_baseline=row.milestone_baseline,
            open_risks=row.open_risks,
            week_state=row.week_state or NOT_STARTED,
            week_due_at=row.week_due or due_at,
            week_comment=row.week_comment or "",
            today=today,
            can_change=change_all or row.granted_change,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Week:
    """A column of a weekly grid: the Monday, its ISO label (``2026-W47``) and the short label of the dashboard's
    charts (``W47``, zero-padded)."""

    start: dt.date

    @property
    def label(self) -> str:
        return week_label(self.start)

    @property
    def short(self) -> str:
        return short_week_label(self.start)


@dataclass
class EarlierReport:
    report: StatusReport

    @property
    def week(self) -> str:
        return week_label(self.report.week_start)


def earlier_reports_to_finish(*, access: OrgAccess, project_ids: list[int], week_start: dt.date) -> list[EarlierReport]:
    """Reports of my projects from earlier weeks that wait for me: returned ones first, then unsubmitted drafts."""
    if not project_ids:
        return []
    reports = StatusReport.objects.filter(
        organization=access.organization,
        project_id__in=project_ids,
        week_start__lt=week_start,
        state__in=(StatusReport.State.RETURNED, StatusReport.State.DRAFT),
    ).select_related("project", "reviewed_by")[:LIST_LIMIT]
    ordered = sorted(reports, key=lambda r: (r.state != StatusReport.State.RETURNED, r.week_start, r.project.code))
    return [EarlierReport(report=report) for report in ordered]


# --- Change requests ------------------------------------------------------------------------------------------------


@dataclass
class MyChange:
    change_request: ChangeRequest
    next_actor: str  # "raiser", "pmo" or "executive"

    @property
    def mine_to_act(self) -> bool:
        return self.next_actor == "raiser"

    @property
    def next_actor_label(self) -> str:
        return str(NEXT_ACTOR_LABELS.get(self.next_actor, self.next_actor))


def my_change_requests(*, access: OrgAccess, project_ids: list[int]) -> list[MyChange]:
    """Open change requests I raised or that are on my projects, with who must act next (two queries)."""
    user_id = access.membership.user_id
    mine = Q(raised_by_id=user_id) | Q(project_id__in=project_ids)
    requests = change_requests_visible_to(
        access=access, queryset=ChangeRequest.objects.filter(mine, status__in=OPEN_CHANGES)
    )[:LIST_LIMIT]
    rows = []
    for change in requests:
        if change.status == ChangeRequest.Status.DRAFT:
            actor = "raiser"
        elif change.status == ChangeRequest.Status.SUBMITTED:
            actor = "pmo"
        else:
            _steps, upcoming = approval_steps(change)
            actor = upcoming or "pmo"
        rows.append(MyChange(change_request=change, next_actor=actor))
    return rows


# --- Risks, actions, issues ---------------------------------------------------------------------------------------


@dataclass
class RiskSummary:
    top: list[Any]  # risks with ``level``, ``stale`` and ``open_actions``
    total: int


def my_risks(*, access: OrgAccess, project_ids: list[int], settings: RiskSettings) -> RiskSummary:
    """Open risks I own or on my projects, highest score first (top ``TOP_RISKS``), and how many there are."""
    mine = Risk.objects.filter(
        Q(owner_id=access.membership.user_id) | Q(project_id__in=project_ids), status=Risk.Status.OPEN
    )
    risks = risks_visible_to(access=access, queryset=mine, settings=settings).annotate(
        open_actions=Count("actions", filter=Q(actions__done_at__isnull=True))
    )
    top = list(risks.prefetch_related(None)[:TOP_RISKS])
    return RiskSummary(top=top, total=risks.order_by().count())


def _visible_actions(access: OrgAccess, settings: RiskSettings) -> QuerySet[RiskAction]:
    visible_risks = risks_visible_to(access=access, settings=settings).order_by().values("pk")
    return (
        RiskAction.objects.filter(organization=access.organization, done_at__isnull=True, risk__status=Risk.Status.OPEN)
        .filter(risk__in=visible_risks)
        .select_related("risk", "risk__project", "owner")
    )


@dataclass
class Shown:
    """The first rows of a list of dated items, how many there are in all and how many of them are overdue."""

    rows: list[Any]
    total: int
    overdue: int = 0
    today: dt.date | None = None

    @property
    def more(self) -> int:
        """How many are not listed."""
        return self.total - len(self.rows)

    @property
    def more_overdue(self) -> int:
        """How many of those not listed are overdue (a list sorted by due date may stop within the overdue ones)."""
        shown = sum(1 for row in self.rows if self.today and row.due_date and row.due_date < self.today)
        return self.overdue - shown

    @property
    def more_later(self) -> int:
        """How many of those not listed are not overdue (due later, or undated)."""
        return self.more - self.more_overdue


def _shown(queryset: QuerySet[Any], limit: int, today: dt.date) -> Shown:
    """The first ``limit`` rows, and how many there are in all and overdue (one aggregate, always run, so the page's
    query count never depends on the data)."""
    counts = queryset.order_by().aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    return Shown(rows=list(queryset[:limit]), total=counts["total"], overdue=counts["overdue"], today=today)


def actions_due_on_projects(
    *, access: OrgAccess, project_ids: list[int], today: dt.date, settings: RiskSettings
) -> Shown:
    """Open actions on my projects owned by someone else (mine are in "My actions"), due within
    ``ACTIONS_WITHIN_DAYS`` days or overdue; overdue first (earliest due date first)."""
    if not project_ids:
        return Shown(rows=[], total=0, today=today)
    horizon = today + dt.timedelta(days=ACTIONS_WITHIN_DAYS)
    actions = (
        _visible_actions(access, settings)
        .filter(risk__project_id__in=project_ids, due_date__lte=horizon)
        .exclude(owner_id=access.membership.user_id)
        .order_by("due_date", "pk")
    )
    return _shown(actions, SHOWN_ACTIONS, today)


def actions_assigned_to_me(*, access: OrgAccess, today: dt.date, settings: RiskSettings) -> Shown:
    """Open risk actions assigned to me, earliest due first (overdue first), undated last: the first
    ``SHOWN_ACTIONS`` and how many there are."""
    actions = (
        _visible_actions(access, settings)
        .filter(owner_id=access.membership.user_id)
        .order_by(F("due_date").asc(nulls_last=True), "pk")
    )
    return _shown(actions, SHOWN_ACTIONS, today)


def issues_assigned_to_me(*, access: OrgAccess, today: dt.date) -> Shown:
    """Open issues owned by me, earliest due first."""
    issues = issues_visible_to(
        access=access,
        filters=IssueFilters(open_only=True),
        queryset=Issue.objects.filter(owner_id=access.membership.user_id),
    ).order_by(F("due_date").asc(nulls_last=True), "-number")
    return _shown(issues, SHOWN_ACTIONS, today)


# --- Allocations ----------------------------------------------------------------------------------------------------


@dataclass
class WeekCell:
    week: dt.date
    hours: Decimal  # on the row's projects (my projects for the team, one project for "my allocations")
    total: Decimal  # the person's hours on all projects
    capacity: Decimal

    @property
    def over(self) -> bool:
        return self.total > self.capacity

    @property
    def percent(self) -> int | None:
        return round(self.hours * 100 / self.capacity) if self.capacity > 0 else None


@dataclass
class TeamRow:
    person: Person
    projects: list[Project]
    cells: list[WeekCell]

    @property
    def over_weeks(self) -> int:
        return sum(1 for cell in self.cells if cell.over)


def _cells(grid: Grid, person_id: int, hours: dict[dt.date, Decimal]) -> list[WeekCell]:
    return [
        WeekCell(
            week=week,
            hours=hours.get(week, ZERO),
            total=grid.allocated.get((person_id, week), ZERO),
            capacity=grid.capacity.get((person_id, week), ZERO),
        )
        for week in grid.weeks
    ]


def team_allocations(*, access: OrgAccess, project_ids: list[int], weeks: list[dt.date]) -> list[TeamRow]:
    """People allocated to my projects in ``weeks``: hours per week on my projects, against their allocations on
    every project and their capacity (over-allocation counts all projects). Four queries."""
    if not project_ids:
        return []
    allocations = list(
        Allocation.objects.filter(
            organization=access.organization,
            project_id__in=project_ids,
            start_week__lte=weeks[-1],
            end_week__gte=weeks[0],
        )
        .select_related("person", "project")
        .order_by("person__full_name", "person_id", "project__code")
    )
    people: dict[int, Person] = {}
    projects: dict[int, dict[int, Project]] = defaultdict(dict)
    hours: dict[int, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for allocation in allocations:
        people.setdefault(allocation.person_id, allocation.person)
        projects[allocation.person_id][allocation.project_id] = allocation.project
        for week in weeks:
            if allocation.start_week <= week <= allocation.end_week:
                hours[allocation.person_id][week] += allocation.hours_per_week
    grid = capacity_grid(organization=access.organization, people=list(people.values()), weeks=weeks)
    rows = [
        TeamRow(person=person, projects=list(projects[pk].values()), cells=_cells(grid, pk, hours[pk]))
        for pk, person in people.items()
    ]
    return sorted(rows, key=lambda row: row.over_weeks == 0)


@dataclass
class AllocationRow:
    project: Project
    role: str
    cells: list[WeekCell]


@dataclass
class MyAllocations:
    rows: list[AllocationRow]
    totals: list[WeekCell]

    @property
    def over_weeks(self) -> int:
        return sum(1 for cell in self.totals if cell.over)


def my_allocations(*, access: OrgAccess, person: Person, weeks: list[dt.date]) -> tuple[MyAllocations, Grid]:
    """My projects × ``weeks`` (hours per week), and my total per week against my capacity. Four queries."""
    allocations = list(
        Allocation.objects.filter(
            organization=access.organization, person=person, start_week__lte=weeks[-1], end_week__gte=weeks[0]
        )
        .select_related("project")
        .order_by("project__code", "start_week")
    )
    grid = capacity_grid(organization=access.organization, people=[person], weeks=weeks)
    by_project: dict[int, AllocationRow] = {}
    hours: dict[int, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for allocation in allocations:
        row = by_project.setdefault(
            allocation.project_id, AllocationRow(project=allocation.project, role=allocation.role, cells=[])
        )
        if allocation.role and allocation.role not in row.role.split(", "):
            row.role = f"{row.role}, {allocation.role}" if row.role else allocation.role
        for week in weeks:
            if allocation.start_week <= week <= allocation.end_week:
                hours[allocation.project_id][week] += allocation.hours_per_week
    for project_id, row in by_project.items():
        row.cells = _cells(grid, person.pk, hours[project_id])
    totals = _cells(grid, person.pk, {week: grid.allocated.get((person.pk, week), ZERO) for week in weeks})
    return MyAllocations(rows=list(by_project.values()), totals=totals), grid


# --- Timesheets -----------------------------------------------------------------------------------------------------


@dataclass
class SheetRow:
    week_start: dt.date
    state: str  # a Timesheet state or NOT_STARTED
    hours: Decimal
    expected: Decimal | None
    timesheet: Timesheet | None = None

    @property
    def needs_me(self) -> bool:
        return self.state in (NOT_STARTED, Timesheet.State.DRAFT, Timesheet.State.RETURNED)

    @property
    def state_label(self) -> str:
        return state_label(self.state, Timesheet.State)

    @property
    def week(self) -> str:
        return week_label(self.week_start)


@dataclass
class MyTimesheets:
    this_week: SheetRow
    earlier: list[SheetRow] = field(default_factory=list)  # returned first, then unsubmitted drafts


def my_timesheets(*, access: OrgAccess, person: Person, week_start: dt.date, expected: Decimal | None) -> MyTimesheets:
    """This week's sheet (state, hours entered vs ``expected``) and the earlier weeks that still need me. One
    query."""
    hours = Coalesce(
        Subquery(
            TimesheetEntry.objects.filter(organization=access.organization, timesheet=OuterRef("pk"))
            .order_by()
            .values("timesheet")
            .annotate(total=Sum("hours"))
            .values("total")
        ),
        Value(ZERO),
        output_field=DecimalField(max_digits=10, decimal_places=2),
    )
    sheets = list(
        Timesheet.objects.filter(organization=access.organization, person=person)
        .filter(
            Q(week_start=week_start)
            | Q(week_start__lt=week_start, state__in=(Timesheet.State.RETURNED, Timesheet.State.DRAFT))
        )
        .select_related("decided_by")
        .annotate(total_hours=hours)
        .order_by("-week_start")[: LIST_LIMIT + 1]
    )
    current = next((sheet for sheet in sheets if sheet.week_start == week_start), None)
    this_week = SheetRow(
        week_start=week_start,
        state=current.state if current is not None else NOT_STARTED,
        hours=current.total_hours if current is not None else ZERO,
        expected=expected,
        timesheet=current,
    )
    earlier = [
        SheetRow(
            week_start=sheet.week_start, state=sheet.state, hours=sheet.total_hours, expected=None, timesheet=sheet
        )
        for sheet in sheets
        if sheet.week_start < week_start
    ]
    earlier.sort(key=lambda row: (row.state != Timesheet.State.RETURNED, row.week_start))
    return MyTimesheets(this_week=this_week, earlier=earlier)


# --- The page -------------------------------------------------------------------------------------------------------


@dataclass
class ManagerPart:
    projects: list[MyProject]
    earlier_reports: list[EarlierReport]
    changes: list[MyChange]
    risks: RiskSummary
    actions_due: Shown
    team: list[TeamRow]
    team_weeks: list[dt.date]

    @property
    def team_shown(self) -> list[TeamRow]:
        """Over-allocated people first (all of them), then the others up to ``SHOWN_TEAM`` rows."""
        return self.team[: max(SHOWN_TEAM, self.team_over)]

    @property
    def team_more(self) -> int:
        return len(self.team) - len(self.team_shown)

    @property
    def team_heads(self) -> list[Week]:
        return [Week(start) for start in self.team_weeks]

    @property
    def reporting(self) -> list[MyProject]:
        return [row for row in self.projects if row.reports_weekly]

    @property
    def reports_to_do(self) -> int:
        return sum(1 for row in self.projects if row.week_needs_me) + len(self.earlier_reports)

    @property
    def team_over(self) -> int:
        return sum(1 for row in self.team if row.over_weeks)


@dataclass
class MemberPart:
    person: Person | None
    allocations: MyAllocations | None
    weeks: list[dt.date]
    timesheets: MyTimesheets | None

    @property
    def heads(self) -> list[Week]:
        return [Week(start) for start in self.weeks]

    @property
    def timesheets_to_do(self) -> int:
        if self.timesheets is None:
            return 0
        return len(self.timesheets.earlier) + (1 if self.timesheets.this_week.needs_me else 0)


@dataclass
class MyWork:
    today: dt.date
    week_start: dt.date
    due_at: dt.datetime
    manager: ManagerPart | None
    member: MemberPart | None
    actions: Shown
    issues: Shown

    @property
    def overdue_actions(self) -> int:
        return self.actions.overdue

    @property
    def show_actions(self) -> bool:
        return bool(self.actions.total or self.issues.total or self.member is not None)


def my_work(*, access: OrgAccess, user: Any, now: dt.datetime | None = None) -> MyWork:
    """Everything on the user's "My work" page. A fixed number of queries however many items there are."""
    now = now or timezone.now()
    org = access.organization
    week_start = current_week_start(organization=org, now=now)
    today = now.astimezone(organization_zone(org)).date()
    policy = control_policy_get(organization=org)
    due_at = status_due_at(organization=org, policy=policy, week_start=week_start)
    settings = risk_settings_get(organization=org)
    projects = my_projects(access=access, week_start=week_start, due_at=due_at, today=today)
    manager: ManagerPart | None = None
    if projects or access.role == Role.MANAGER:
        ids = [row.project.pk for row in projects]
        team_weeks = weeks_from(week_start, WEEKS)
        manager = ManagerPart(
            projects=projects,
            earlier_reports=earlier_reports_to_finish(access=access, project_ids=ids, week_start=week_start),
            changes=my_change_requests(access=access, project_ids=ids),
            risks=my_risks(access=access, project_ids=ids, settings=settings),
            actions_due=actions_due_on_projects(access=access, project_ids=ids, today=today, settings=settings),
            team=team_allocations(access=access, project_ids=ids, weeks=team_weeks),
            team_weeks=team_weeks,
        )
    person = person_for_user(organization=org, user=user)
    if person is not None and not person.active:
        person = None
    member: MemberPart | None = None
    if person is not None or access.role == Role.MEMBER:
        weeks = weeks_from(week_start, WEEKS)
        allocations = sheets = None
        if person is not None:
            allocations, grid = my_allocations(access=access, person=person, weeks=weeks)
            sheets = my_timesheets(
                access=access, person=person, week_start=week_start, expected=grid.capacity.get((person.pk, week_start))
            )
        member = MemberPart(person=person, allocations=allocations, weeks=weeks, timesheets=sheets)
    return MyWork(
        today=today,
        week_start=week_start,
        due_at=due_at,
        manager=manager,
        member=member,
        actions=actions_assigned_to_me(access=access, today=today, settings=settings),
        issues=issues_assigned_to_me(access=access, today=today),
    )
