"""Reads of the risk register and the issue log, always for an actor in an organisation. Levels and staleness are
computed in SQL (``risks.scoring``), heat maps are one aggregate query each, and every list joins what its rows
show, so a page costs the same number of queries whatever its length.

Visibility: a project's items with the project (``projects_visible_to``); portfolio-level items with
``PORTFOLIO_VIEW``. Anything else is 404, alike for missing and hidden."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from pmo.core.listing import SortKey, sort_ordering
from pmo.tenancy.access import OrgAccess
from portfolio.models import Portfolio
from projects import permissions as project_permissions
from projects.models import Project, ProjectUserObjectPermission
from projects.selectors import dependencies_visible_to, projects_visible_to
from risks import permissions
from risks.models import Assumption, EscalationLevel, Issue, Risk, RiskAction, RiskSettings
from risks.scoring import LEVEL_LABELS, level_expression, level_filter, level_of, risk_settings_get, stale_expression

ITEM_RELATED = ("project", "project__portfolio", "portfolio", "owner")


def _visible(access: OrgAccess) -> Q:
    """Rows of a project the actor may read, and portfolio-level rows when the actor may read portfolios."""
    visible = Q(project__in=projects_visible_to(access=access).values("pk"))
    if access.can(permissions.PORTFOLIO_READ):
        visible |= Q(project__isnull=True)
    return visible


def _pk(value: Any) -> int:
    if not str(value).isdigit():
        raise Http404
    return int(value)


def projects_keepable_by(*, access: OrgAccess) -> QuerySet[Project]:
    """Open (not archived) projects whose RAID items the actor may write: all for ``PROJECTS_CHANGE_ALL``, else
    those granted ``change_project`` — one query, for the choices of a form."""
    projects = projects_visible_to(access=access).exclude(status__in=(Project.Status.CLOSED, Project.Status.CANCELLED))
    if not access.can(project_permissions.CHANGE_ALL):
        granted = ProjectUserObjectPermission.objects.filter(
            organization=access.organization,
            content_object=OuterRef("pk"),
            user_id=access.membership.user_id,
            permission__codename=project_permissions.CHANGE_CODENAME,
        )
        projects = projects.filter(Exists(granted))
    return projects.order_by("code")


# --- The register ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskFilters:
    project: int | None = None
    portfolio: int | None = None
    status: str = ""
    category: str = ""
    level: str = ""
    owner: int | None = None
    escalation: str = ""
    stale: bool | None = None
    probability: int | None = None
    impact: int | None = None
    search: str = ""


def in_portfolio_q(portfolio: int) -> Q:
    """A risk or issue of the portfolio: logged on it, or on one of its projects."""
    return Q(portfolio_id=portfolio) | Q(project__portfolio_id=portfolio)


def risk_search_q(text: str) -> Q:
    return Q(title__icontains=text) | Q(cause__icontains=text)


def issue_search_q(text: str) -> Q:
    return Q(title__icontains=text) | Q(description__icontains=text)


OPEN_ISSUE_STATES = ("open", "in_progress")


def escalated_to_q(access: OrgAccess) -> Q:
    """Items at a level the actor owns (the PMO's, the executives'); nothing for anyone else."""
    levels = permissions.levels_owned_by(access)
    return Q(escalation_level__in=levels) if levels else Q(pk__in=[])


def annotate_risks(queryset: QuerySet[Risk], settings: RiskSettings, *, now: dt.datetime | None = None) -> Any:
    """``level`` and ``stale`` computed in SQL for the organisation's settings."""
    return queryset.annotate(level=level_expression(settings), stale=stale_expression(settings, now=now))


def risks_visible_to(
    *,
    access: OrgAccess,
    filters: RiskFilters | None = None,
    queryset: QuerySet[Risk] | None = None,
    settings: RiskSettings | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Risk]:
    """The register: visible risks, filtered, each with ``level`` and ``stale`` (SQL) and ``actions`` prefetched;
    highest score first."""
    filters = filters or RiskFilters()
    settings = settings or risk_settings_get(organization=access.organization)
    risks = (Risk.objects.all() if queryset is None else queryset).filter(organization=access.organization)
    risks = risks.filter(_visible(access))
    if filters.project is not None:
        risks = risks.filter(project_id=filters.project)
    if filters.portfolio is not None:
        risks = risks.filter(in_portfolio_q(filters.portfolio))
    if filters.status:
        risks = risks.filter(status=filters.status)
    if filters.category:
        risks = risks.filter(category=filters.category)
    if filters.level:
        risks = risks.filter(level_filter(filters.level, settings))
    if filters.owner is not None:
        risks = risks.filter(owner_id=filters.owner)
    if filters.escalation:
        risks = risks.filter(escalation_level=filters.escalation)
    if filters.probability is not None:
        risks = risks.filter(probability=filters.probability)
    if filters.impact is not None:
        risks = risks.filter(impact=filters.impact)
    if filters.search:
        risks = risks.filter(risk_search_q(filters.search))
    risks = annotate_risks(risks, settings, now=now)
    if filters.stale is not None:
        risks = risks.filter(stale=filters.stale)
    actions = RiskAction.objects.filter(organization=access.organization).select_related("owner")
    return (
        risks.select_related(*ITEM_RELATED, "escalated_by")
        .prefetch_related(Prefetch("actions", queryset=actions))
        .order_by("-score", "number")
    )


def rows_in_two_steps(queryset: QuerySet[Any], start: int, stop: int) -> list[Any]:
    """``list(queryset[start:stop])``, read in two steps: the ids of those rows in the queryset's order (from the
    table alone, joined only to what the order needs), then those rows with everything the queryset joins,
    annotates and prefetches. Sorting every visible risk of a large organisation (10,000) joined to its project,
    portfolio, owner and escalating user, with its level and staleness, to keep 50 cost ~100 ms; the ids cost a
    few. An empty slice costs one query."""
    ids = list(queryset.values_list("pk", flat=True)[start:stop])
    if not ids:
        return []
    rows = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
    return [rows[pk] for pk in ids]


def risk_get(*, access: OrgAccess, number: Any, settings: RiskSettings | None = None) -> Risk:
    """One visible risk by its number (R-007 → 7); ``Http404`` alike when missing or hidden."""
    risk = (
        risks_visible_to(access=access, settings=settings)
        .select_related("created_by")
        .filter(number=_pk(number))
        .first()
    )
    if risk is None:
        raise Http404
    return risk


def risk_get_by_pk(*, access: OrgAccess, pk: Any) -> Risk:
    risk = risks_visible_to(access=access).filter(pk=_pk(pk)).first()
    if risk is None:
        raise Http404
    return risk


@dataclass(frozen=True)
class EscalationStep:
    level: str
    level_label: str
    at: dt.datetime | None
    by: str
    note: str


def risk_escalation_history(*, risk: Risk) -> list[EscalationStep]:
    """Every change of the risk's escalation level, oldest first, from its history rows (one query)."""
    event_model: Any = Risk.pgh_event_model  # type: ignore[attr-defined]
    rows = (
        event_model.objects.filter(organization_id=risk.organization_id, pgh_obj_id=risk.pk)
        .select_related("escalated_by")
        .order_by("pgh_created_at", "pgh_id")
    )
    steps: list[EscalationStep] = []
    level = EscalationLevel.PROJECT.value
    for row in rows:
        if row.escalation_level != level:
            level = row.escalation_level
            by = row.escalated_by.get_full_name() if row.escalated_by else ""
            label = str(EscalationLevel(level).label)
            steps.append(EscalationStep(level, label, row.escalated_at, by, row.escalation_note))
    return steps


def risk_actions(*, risk: Risk) -> QuerySet[RiskAction]:
    return RiskAction.objects.filter(organization_id=risk.organization_id, risk=risk).select_related("owner")


def action_get(*, access: OrgAccess, risk: Risk, pk: Any) -> RiskAction:
    action = (
        RiskAction.objects.filter(organization=access.organization, risk=risk, pk=_pk(pk))
        .select_related("risk__project", "owner")
        .first()
    )
    if action is None:
        raise Http404
    return action


# --- Escalated to me ---------------------------------------------------------------------------------------------


# How many items of each kind "escalated to me" shows; the rest are counted and a link opens the filtered list.
ESCALATED_SHOWN = 10


@dataclass
class EscalatedToMe:
    levels: list[str]
    risks: list[Risk] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    risk_total: int = 0
    issue_total: int = 0

    @property
    def count(self) -> int:
        return self.risk_total + self.issue_total

    @property
    def more_risks(self) -> int:
        return self.risk_total - len(self.risks)

    @property
    def more_issues(self) -> int:
        return self.issue_total - len(self.issues)


def _first_with_total(queryset: QuerySet[Any], limit: int) -> tuple[list[Any], int]:
    """The first ``limit`` rows and how many rows the queryset has, in one query (a window count)."""
    rows = list(queryset.annotate(total_rows=Window(Count("pk")))[:limit])
    return rows, (rows[0].total_rows if rows else 0)


def escalated_to_me(
    *, access: OrgAccess, settings: RiskSettings | None = None, limit: int = ESCALATED_SHOWN
) -> EscalatedToMe:
    """Open risks and issues at the levels the actor owns: the PMO level for the PMO, the executive level for the
    executives. The ``limit`` highest-scored risks and newest issues with the totals of each (two queries, none when
    the actor owns no level); a large organisation has hundreds."""
    levels = permissions.levels_owned_by(access)
    result = EscalatedToMe(levels=levels)
    if not levels:
        return result
    result.risks, result.risk_total = _first_with_total(
        risks_visible_to(access=access, settings=settings, filters=RiskFilters(status=Risk.Status.OPEN))
        .filter(escalated_to_q(access))
        .prefetch_related(None),  # the card shows no actions
        limit,
    )
    result.issues, result.issue_total = _first_with_total(
        issues_visible_to(access=access).filter(escalated_to_q(access), status__in=OPEN_ISSUE_STATES), limit
    )
    return result


# --- Heat maps ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    probability: int
    impact: int
    count: int
    level: str

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level])


@dataclass(frozen=True)
class HeatMap:
    scale: int
    cells: list[HeatCell]  # every cell of the scale, probability high → low, impact low → high

    @property
    def rows(self) -> list[list[HeatCell]]:
        """Rows for a grid with probability up (highest first) and impact across."""
        return [self.cells[i : i + self.scale] for i in range(0, len(self.cells), self.scale)]

    @property
    def total(self) -> int:
        return sum(cell.count for cell in self.cells)

    @property
    def axis(self) -> list[int]:
        return list(range(1, self.scale + 1))


def heat_map_of(risks: QuerySet[Risk], settings: RiskSettings) -> HeatMap:
    counts = {
        (row["probability"], row["impact"]): row["n"]
        for row in risks.filter(status=Risk.Status.OPEN)
        .order_by()
        .values("probability", "impact")
        .annotate(n=Count("pk"))
    }
    scale = settings.scale
    cells = [
        HeatCell(p, i, counts.get((p, i), 0), level_of(p * i, settings))
        for p in range(scale, 0, -1)
        for i in range(1, scale + 1)
    ]
    return HeatMap(scale=scale, cells=cells)


def _scoped(access: OrgAccess) -> QuerySet[Risk]:
    return Risk.objects.filter(organization=access.organization).filter(_visible(access))


def heat_map_for_project(*, access: OrgAccess, project: Project, settings: RiskSettings | None = None) -> HeatMap:
    """Open risks of one (visible) project per probability × impact cell: one aggregate query."""
    settings = settings or risk_settings_get(organization=access.organization)
    return heat_map_of(Risk.objects.filter(organization=access.organization, project=project), settings)


def heat_map_for_portfolio(*, access: OrgAccess, portfolio: Portfolio, settings: RiskSettings | None = None) -> HeatMap:
    """Open risks of the portfolio's visible projects and its portfolio-level risks: one aggregate query."""
    settings = settings or risk_settings_get(organization=access.organization)
    risks = _scoped(access).filter(Q(project__portfolio=portfolio) | Q(project__isnull=True, portfolio=portfolio))
    return heat_map_of(risks, settings)


def heat_map_for_organization(*, access: OrgAccess, settings: RiskSettings | None = None) -> HeatMap:
    """Every visible open risk: one aggregate query."""
    settings = settings or risk_settings_get(organization=access.organization)
    return heat_map_of(_scoped(access), settings)


def portfolio_get_for_actor(*, access: OrgAccess, pk: Any) -> Portfolio:
    """A portfolio for its heat map: needs ``PORTFOLIO_VIEW``; 404 alike when missing or not allowed."""
    if not access.can(permissions.PORTFOLIO_READ):
        raise Http404
    portfolio = Portfolio.objects.filter(organization=access.organization, pk=_pk(pk)).first()
    if portfolio is None:
        raise Http404
    return portfolio


def portfolios_for_actor(*, access: OrgAccess) -> QuerySet[Portfolio]:
    if not access.can(permissions.PORTFOLIO_READ):
        return Portfolio.objects.none()
    return Portfolio.objects.filter(organization=access.organization).order_by("name")


# --- Issues and assumptions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueFilters:
    project: int | None = None
    portfolio: int | None = None
    status: str = ""
    severity: str = ""
    escalation: str = ""
    open_only: bool = False


SEVERITY_ORDER = ["critical", "high", "medium", "low"]


def issues_visible_to(
    *, access: OrgAccess, filters: IssueFilters | None = None, queryset: QuerySet[Issue] | None = None
) -> QuerySet[Issue]:
    filters = filters or IssueFilters()
    issues = (Issue.objects.all() if queryset is None else queryset).filter(organization=access.organization)
    issues = issues.filter(_visible(access))
    if filters.project is not None:
        issues = issues.filter(project_id=filters.project)
    if filters.portfolio is not None:
        issues = issues.filter(in_portfolio_q(filters.portfolio))
    if filters.status:
        issues = issues.filter(status=filters.status)
    if filters.open_only:
        issues = issues.filter(status__in=OPEN_ISSUE_STATES)
    if filters.severity:
        issues = issues.filter(severity=filters.severity)
    if filters.escalation:
        issues = issues.filter(escalation_level=filters.escalation)
    return issues.select_related(*ITEM_RELATED, "risk").order_by("-number")


def issue_get(*, access: OrgAccess, number: Any) -> Issue:
    issue = issues_visible_to(access=access).filter(number=_pk(number)).first()
    if issue is None:
        raise Http404
    return issue


def issue_get_by_pk(*, access: OrgAccess, pk: Any) -> Issue:
    issue = issues_visible_to(access=access).filter(pk=_pk(pk)).first()
    if issue is None:
        raise Http404
    return issue


def project_assumptions(*, project: Project) -> QuerySet[Assumption]:
    return (
        Assumption.objects.filter(organization_id=project.organization_id, project=project)
        .select_related("owner")
        .order_by("status", "validate_by", "pk")
    )


def assumption_get(*, project: Project, pk: Any) -> Assumption:
    assumption = project_assumptions(project=project).filter(pk=_pk(pk)).first()
    if assumption is None:
        raise Http404
    return assumption


# --- RAID --------------------------------------------------------------------------------------------------------


@dataclass
class Raid:
    heat_map: HeatMap
    risks: list[Risk]
    assumptions: list[Assumption]
    issues: list[Issue]
    dependencies: list[Any]


def project_raid(*, access: OrgAccess, project: Project, settings: RiskSettings | None = None) -> Raid:
    """The RAID view of one visible project: its heat map, risks (with level, stale flag and actions), assumptions,
    issues and cross-project dependencies — a fixed number of queries."""
    settings = settings or risk_settings_get(organization=access.organization)
    return Raid(
        heat_map=heat_map_for_project(access=access, project=project, settings=settings),
        risks=list(risks_visible_to(access=access, settings=settings, filters=RiskFilters(project=project.pk))),
        assumptions=list(project_assumptions(project=project)),
        issues=list(issues_visible_to(access=access, filters=IssueFilters(project=project.pk))),
        dependencies=list(dependencies_visible_to(access=access, project_id=project.pk)),
    )


# --- The register and the issue log as lists (sort, extra filters) ------------------------------------------------

RISK_SORTS: dict[str, SortKey] = {
    "score": SortKey(_("Score"), ("score", "-impact", "number")),
    "code": SortKey(_("Code"), ("number",)),
    "title": SortKey(_("Title"), ("title", "number")),
    "project": SortKey(_("Project"), ("project__code", "number")),
    "owner": SortKey(_("Owner"), ("owner__full_name", "number")),
    "proximity": SortKey(_("Proximity"), ("proximity", "number")),
    "reviewed": SortKey(_("Last reviewed"), ("last_reviewed_at", "number")),
    "created": SortKey(_("Created"), ("created_at", "number")),
}
RISK_DEFAULT_SORT = "-score"


def risk_register(
    *,
    access: OrgAccess,
    filters: RiskFilters | None = None,
    sort: str = RISK_DEFAULT_SORT,
    settings: RiskSettings | None = None,
) -> QuerySet[Risk]:
    """The register page and its export: ``risks_visible_to`` sorted by a key of ``RISK_SORTS``."""
    risks = risks_visible_to(access=access, filters=filters, settings=settings)
    return risks.order_by(*sort_ordering(sort, RISK_SORTS, default=RISK_DEFAULT_SORT))


def _severity_rank() -> Case:
    return Case(
        *[When(severity=severity, then=Value(rank)) for rank, severity in enumerate(SEVERITY_ORDER)],
        default=Value(len(SEVERITY_ORDER)),
        output_field=IntegerField(),
    )


ISSUE_SORTS: dict[str, SortKey] = {
    "code": SortKey(_("Code"), ("number",)),
    "severity": SortKey(_("Severity"), (_severity_rank(), "-number")),
    "due": SortKey(_("Due"), ("due_date", "number")),
    "title": SortKey(_("Title"), ("title", "number")),
    "project": SortKey(_("Project"), ("project__code", "number")),
    "owner": SortKey(_("Owner"), ("owner__full_name", "number")),
    "status": SortKey(_("Status"), ("status", "number")),
}
ISSUE_DEFAULT_SORT = "-code"


def issue_log(
    *,
    access: OrgAccess,
    filters: IssueFilters | None = None,
    owner: int | None = None,
    search: str = "",
    overdue_on: dt.date | None = None,
    sort: str = ISSUE_DEFAULT_SORT,
) -> QuerySet[Issue]:
    """The issue log page and its export: ``issues_visible_to`` narrowed by owner, text and (with ``overdue_on``)
    the open issues due before that day, sorted by a key of ``ISSUE_SORTS``."""
    issues = issues_visible_to(access=access, filters=filters)
    if owner is not None:
        issues = issues.filter(owner_id=owner)
    if search:
        issues = issues.filter(issue_search_q(search))
    if overdue_on is not None:
        issues = issues.filter(due_date__lt=overdue_on, status__in=OPEN_ISSUE_STATES)
    return issues.order_by(*sort_ordering(sort, ISSUE_SORTS, default=ISSUE_DEFAULT_SORT))
