"""Reads of projects and their lifecycle, always for an actor in an organisation. Each returns rows already joined
and aggregated in SQL: pages and the API never query per row."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy

from pmo.core.listing import SortKey, sort_ordering
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Membership
from projects import permissions
from projects.models import (
    Baseline,
    ClosureReport,
    Dependency,
    GateDecision,
    GateReview,
    Milestone,
    ProcessTemplate,
    Project,
    ProjectDeliverable,
    ProjectPhase,
    ProjectUserObjectPermission,
    StatusReport,
    TailoringRequest,
    TemplateDeliverable,
    TemplateGate,
    TemplatePhase,
)
from projects.services import open_items

# --- Projects --------------------------------------------------------------------------------------------------


def projects_visible_to(*, access: OrgAccess, queryset: QuerySet[Project] | None = None) -> QuerySet[Project]:
    """The organisation's projects that ``access`` may read: all of them for leadership roles, otherwise those
    granted through ``view_project`` object permissions; one SQL query either way. ``queryset`` narrows further."""
    if queryset is None:
        queryset = Project.objects.all()
    queryset = queryset.filter(organization=access.organization)
    if access.can(permissions.VIEW_ALL):
        return queryset
    return queryset.filter(Exists(_granted(access=access, codename=permissions.VIEW_CODENAME)))


PROJECT_RELATED = ("portfolio", "programme", "manager", "sponsor", "template", "current_phase")
# A register row shows no sponsor (the file export joins it itself). PostgreSQL's planning time grows steeply with
# each joined table: on 400 projects, seven tables took 6-12 ms to plan against 2-3 ms for six, more than the
# query's execution.
REGISTER_RELATED = ("portfolio", "programme", "manager", "template", "current_phase")
# A register row: every column of the project, the names of what it joins (and its manager's e-mail). The ORM's
# cost grows with each column it selects and converts (50 rows of six whole models cost 1.4 ms more CPU).
REGISTER_FIELDS = (
    *(field.name for field in Project._meta.concrete_fields),
    "portfolio__name",
    "programme__name",
    "manager__full_name",
    "manager__email",
    "template__name",
    "current_phase__name",
)


def _granted(*, access: OrgAccess, codename: str) -> QuerySet[ProjectUserObjectPermission]:
    """The actor's object permission ``codename`` on the outer query's project (for ``Exists``)."""
    return ProjectUserObjectPermission.objects.filter(
        organization=access.organization,
        content_object=OuterRef("pk"),
        user_id=access.membership.user_id,
        permission__codename=codename,
    )


def project_get_for_actor(
    *, access: OrgAccess, pk: Any, with_change_right: bool = False, related: tuple[str, ...] = PROJECT_RELATED
) -> Project:
    """One project the actor may read; ``Http404`` alike when it is missing, elsewhere or not visible.

    ``with_change_right`` reads in the same query whether the actor may change it (what ``project_can_change``
    answers then without a query of its own): the project tabs and the API under a project need both.
    ``related`` are the rows joined in (a write that only needs the project's own row joins none: PostgreSQL
    plans the seven-table join in about 1.4 ms, the row alone in 0.1 ms)."""
    projects = projects_visible_to(access=access).select_related(*related)
    needs_grant = with_change_right and not access.can(permissions.CHANGE_ALL)
    if needs_grant:
        projects = projects.annotate(
            actor_change_grant=Exists(_granted(access=access, codename=permissions.CHANGE_CODENAME))
        )
    project = projects.filter(pk=pk).first() if str(pk).isdigit() else None
    if project is None:
        raise Http404
    if needs_grant:
        project.change_right = (access.membership.user_id, bool(project.actor_change_grant))  # type: ignore[attr-defined]
    return project


def project_can_change(*, access: OrgAccess, project: Project) -> bool:
    if access.can(permissions.CHANGE_ALL):
        return True
    known = getattr(project, "change_right", None)
    if known is not None and known[0] == access.membership.user_id:
        return bool(known[1])
    return ProjectUserObjectPermission.objects.filter(
        organization=access.organization,
        content_object=project,
        user_id=access.membership.user_id,
        permission__codename=permissions.CHANGE_CODENAME,
    ).exists()


# Sort keys of the project list: name → ordering (a leading "-" on the key reverses it).
PROJECT_ORDERINGS: dict[str, tuple[str, ...]] = {
    "code": ("code",),
    "name": ("name", "code"),
    "status": ("status", "code"),
    "priority": ("priority", "code"),
    "finish": ("planned_finish", "code"),
    "created": ("created_at", "code"),
}


def _ordering(sort: str) -> list[Any]:
    descending = sort.startswith("-")
    keys = PROJECT_ORDERINGS.get(sort.lstrip("-"), PROJECT_ORDERINGS["code"])
    if not descending:
        return [F(key).asc(nulls_last=True) for key in keys]
    return [F(keys[0]).desc(nulls_last=True), *(F(key).asc() for key in keys[1:])]


@dataclass(frozen=True)
class ProjectFilters:
    status: str = ""
    portfolio: int | None = None
    programme: int | None = None
    manager: int | None = None
    template: int | None = None
    tag: str = ""
    search: str = ""
    sort: str = "code"


def project_list(
    *, access: OrgAccess, filters: ProjectFilters | None = None, queryset: QuerySet[Project] | None = None
) -> QuerySet[Project]:
    """The visible projects, filtered and sorted, with everything a list row shows joined in (not the sponsor;
    of the joined rows, their names only: ``REGISTER_FIELDS``)."""
    filters = filters or ProjectFilters()
    projects = (
        projects_visible_to(access=access, queryset=queryset).select_related(*REGISTER_RELATED).only(*REGISTER_FIELDS)
    )
    if filters.status:
        projects = projects.filter(status=filters.status)
    if filters.portfolio is not None:
        projects = projects.filter(portfolio_id=filters.portfolio)
    if filters.programme is not None:
        projects = projects.filter(programme_id=filters.programme)
    if filters.manager is not None:
        projects = projects.filter(manager_id=filters.manager)
    if filters.template is not None:
        projects = projects.filter(template_id=filters.template)
    if filters.tag:
        projects = projects.filter(tags__contains=[filters.tag])
    if filters.search:
        projects = projects.filter(project_search_q(filters.search))
    return projects.order_by(*_ordering(filters.sort))


def project_search_q(text: str) -> Q:
    """The register's search: the text in the project's name or code (case-insensitive)."""
    return Q(name__icontains=text) | Q(code__icontains=text)


def project_tags(*, access: OrgAccess) -> list[str]:
    """Every tag used on a visible project, sorted (for the list filter): each tag once from SQL, not every
    project's list."""
    rows = (
        projects_visible_to(access=access)
        .annotate(tag=Func(F("tags"), function="unnest"))
        .order_by()
        .values_list("tag", flat=True)
        .distinct()
    )
    return sorted(rows)


def project_managers(*, access: OrgAccess) -> list[Any]:
    """The people who manage a visible project (for the list filter): their names and e-mails."""
    ids = projects_visible_to(access=access).exclude(manager=None).values("manager_id")
    return list(
        get_user_model()._default_manager.filter(pk__in=ids).only("full_name", "email").order_by("full_name", "email")
    )


def organization_members_queryset(*, access: OrgAccess) -> QuerySet[Any]:
    """The organisation's members as users (manager, sponsor and sharing choices)."""
    members = Membership.objects.filter(organization=access.organization).values("user_id")
    return get_user_model()._default_manager.filter(pk__in=members).order_by("full_name", "email")


@dataclass(frozen=True)
class ProjectShare:
    user: Any
    can_change: bool


def project_shares(*, access: OrgAccess, project: Project) -> list[ProjectShare]:
    """Who holds object permissions on the project (its manager and the people it was shared with)."""
    by_user: dict[int, set[str]] = defaultdict(set)
    users: dict[int, Any] = {}
    for grant in ProjectUserObjectPermission.objects.filter(
        organization=access.organization, content_object=project
    ).select_related("user", "permission"):
        by_user[grant.user_id].add(grant.permission.codename)
        users[grant.user_id] = grant.user
    return sorted(
        (
            ProjectShare(user=users[uid], can_change=permissions.CHANGE_CODENAME in codes)
            for uid, codes in by_user.items()
        ),
        key=lambda share: (share.user.full_name or share.user.email).lower(),
    )


# --- Lifecycle -------------------------------------------------------------------------------------------------


@dataclass
class Lifecycle:
    """A project's phases (each with ``deliverable_list``, ``gate_list`` — each gate with ``decision_list`` — and
    ``open_items``), the current and next phase, and its tailoring requests (each with ``phase_names`` and
    ``deliverable_names``)."""

    phases: list[ProjectPhase]
    current: ProjectPhase | None
    next_phase: ProjectPhase | None
    tailoring: list[TailoringRequest]
    deliverables: dict[int, ProjectDeliverable] = field(default_factory=dict)
    gates: dict[int, GateReview] = field(default_factory=dict)

    @property
    def open_items(self) -> list[dict[str, Any]]:
        return self.current.open_items if self.current is not None else []  # type: ignore[attr-defined]


def project_lifecycle(*, project: Project) -> Lifecycle:
    """Phases, deliverables, gates with their decision log, and tailoring requests: five queries."""
    phases = list(
        ProjectPhase.objects.filter(organization_id=project.organization_id, project=project)
        .select_related("completed_by")
        .prefetch_related(
            Prefetch(
                "deliverables",
                queryset=ProjectDeliverable.objects.select_related("updated_by").order_by("order", "pk"),
                to_attr="deliverable_list",
            ),
            Prefetch(
                "gates",
                queryset=GateReview.objects.select_related("decided_by")
                .prefetch_related(
                    Prefetch(
                        "decisions",
                        queryset=GateDecision.objects.select_related("decided_by").order_by("decided_at", "pk"),
                        to_attr="decision_list",
                    )
                )
                .order_by("order", "pk"),
                to_attr="gate_list",
            ),
        )
        .order_by("order")
    )
    current = next((p for p in phases if p.pk == project.current_phase_id), None)
    following = None
    if current is not None and not project.is_read_only:
        following = next(
            (p for p in phases if p.order > current.order and p.status != ProjectPhase.Status.SKIPPED), None
        )
    deliverables: dict[int, ProjectDeliverable] = {}
    gates: dict[int, GateReview] = {}
    for phase in phases:
        phase.open_items = open_items(phase.gate_list, phase.deliverable_list)
        deliverables.update((d.pk, d) for d in phase.deliverable_list)
        gates.update((g.pk, g) for g in phase.gate_list)
    tailoring = list(
        TailoringRequest.objects.filter(organization_id=project.organization_id, project=project)
        .select_related("proposed_by", "decided_by")
        .order_by("-proposed_at", "-pk")
    )
    names = {p.pk: p.name for p in phases}
    for request in tailoring:
        request.phase_names = [names.get(pk, "?") for pk in request.phases]
        request.deliverable_names = [
            deliverables[pk].name if pk in deliverables else "?" for pk in request.deliverables
        ]
    return Lifecycle(
        phases=phases,
        current=current,
        next_phase=following,
        tailoring=tailoring,
        deliverables=deliverables,
        gates=gates,
    )


def project_deliverables(*, project: Project) -> QuerySet[ProjectDeliverable]:
    return (
        ProjectDeliverable.objects.filter(organization_id=project.organization_id, project=project)
        .select_related("phase", "updated_by")
        .order_by("phase__order", "order", "pk")
    )


def project_gates(*, project: Project, queryset: QuerySet[GateReview] | None = None) -> QuerySet[GateReview]:
    """A project's gates in lifecycle order, each with its decision log (``decision_list``)."""
    queryset = GateReview.objects.all() if queryset is None else queryset
    return (
        queryset.filter(organization_id=project.organization_id, project=project)
        .select_related("phase", "decided_by")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=GateDecision.objects.select_related("decided_by").order_by("decided_at", "pk"),
                to_attr="decision_list",
            )
        )
        .order_by("phase__order", "order", "pk")
    )


def project_phases(*, project: Project, queryset: QuerySet[ProjectPhase] | None = None) -> QuerySet[ProjectPhase]:
    """A project's phases in order, with deliverable and gate counts aggregated in SQL."""
    queryset = ProjectPhase.objects.all() if queryset is None else queryset
    return (
        queryset.filter(organization_id=project.organization_id, project=project)
        .select_related("completed_by")
        .annotate(
            deliverable_count=Count("deliverables", distinct=True),
            deliverables_open=Count(
                "deliverables",
                filter=Q(deliverables__required=True, deliverables__status=ProjectDeliverable.Status.PENDING),
                distinct=True,
            ),
            gate_count=Count("gates", distinct=True),
            gates_passed=Count("gates", filter=Q(gates__decision=GateReview.Decision.GO), distinct=True),
        )
        .order_by("order")
    )


def project_tailoring(*, project: Project) -> QuerySet[TailoringRequest]:
    return (
        TailoringRequest.objects.filter(organization_id=project.organization_id, project=project)
        .select_related("proposed_by", "decided_by")
        .order_by("-proposed_at", "-pk")
    )


def gates_due(*, access: OrgAccess, on: dt.date) -> QuerySet[GateReview]:
    """Pending gates of visible, running projects whose planned date has come."""
    return (
        GateReview.objects.filter(
            organization=access.organization,
            decision=GateReview.Decision.PENDING,
            planned_date__lte=on,
            project__in=projects_visible_to(access=access).exclude(
                status__in=[Project.Status.CLOSED, Project.Status.CANCELLED]
            ),
        )
        .select_related("project", "phase")
        .order_by("planned_date", "pk")
    )


# --- Milestones and baselines ----------------------------------------------------------------------------------


def milestone_late_q(today: dt.date) -> Q:
    """An open milestone (no actual date) that is late: its forecast is past, or later than its baseline date."""
    return Q(actual_date__isnull=True) & (Q(forecast_date__lt=today) | Q(forecast_date__gt=F("baseline_date")))


def project_milestones(*, project: Project) -> QuerySet[Milestone]:
    return (
        Milestone.objects.filter(organization_id=project.organization_id, project=project)
        .select_related("phase")
        .order_by("order", "pk")
    )


def project_baselines(*, project: Project) -> QuerySet[Baseline]:
    return (
        Baseline.objects.filter(organization_id=project.organization_id, project=project)
        .select_related("approved_by")
        .order_by("-version")
    )


def baseline_get(*, project: Project, version: Any) -> Baseline:
    """One baseline version of a project the caller may read (``Http404`` when there is none)."""
    baseline = project_baselines(project=project).filter(version=version).first() if str(version).isdigit() else None
    if baseline is None:
        raise Http404
    return baseline


COMPARED_FIELDS = (
    "budget",
    "start_date",
    "finish_date",
    "scope_statement",
    "quality_targets",
    "reason_category",
    "reason",
)


def _parse_date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def baseline_compare(*, a: Baseline, b: Baseline) -> dict[str, Any]:
    """Field-by-field differences from version ``a`` to version ``b``: the budget delta, date shifts in days, and
    each milestone's move (matched by milestone, else by name: ``moved``, ``unchanged``, ``added``, ``removed``)."""
    fields = []
    for name in COMPARED_FIELDS:
        value_a, value_b = getattr(a, name), getattr(b, name)
        entry: dict[str, Any] = {
            "field": name,
            "label": getattr(Baseline._meta.get_field(name), "verbose_name", name),
            "a": value_a,
            "b": value_b,
            "changed": value_a != value_b,
        }
        if name == "reason_category":
            labels = dict(Baseline.ReasonCategory.choices)
            entry["label_a"], entry["label_b"] = labels.get(value_a, value_a), labels.get(value_b, value_b)
        if name == "budget":
            entry["delta"] = value_b - value_a
        if name in ("start_date", "finish_date"):
            entry["shift_days"] = (value_b - value_a).days if value_a and value_b else None
        fields.append(entry)

    def key(item: dict[str, Any]) -> Any:
        return ("id", item["milestone"]) if item.get("milestone") is not None else ("name", item.get("name"))

    dates_a = {key(item): item for item in a.milestone_dates}
    dates_b = {key(item): item for item in b.milestone_dates}
    milestones = []
    for k in [*dates_b, *(k for k in dates_a if k not in dates_b)]:
        in_a, in_b = dates_a.get(k), dates_b.get(k)
        date_a = _parse_date(in_a["date"]) if in_a else None
        date_b = _parse_date(in_b["date"]) if in_b else None
        if in_a is None:
            change = "added"
        elif in_b is None:
            change = "removed"
        else:
            change = "unchanged" if date_a == date_b else "moved"
        milestones.append(
            {
                "milestone": (in_b or in_a or {}).get("milestone"),
                "name": (in_b or in_a or {}).get("name", ""),
                "a": date_a,
                "b": date_b,
                "shift_days": (date_b - date_a).days if date_a and date_b else None,
                "change": change,
            }
        )
    return {
        "a": a,
        "b": b,
        "fields": fields,
        "milestones": milestones,
        "budget_delta": b.budget - a.budget,
        "changed_fields": [f["field"] for f in fields if f["changed"]],
    }


# --- Dependencies ----------------------------------------------------------------------------------------------


def dependencies_visible_to(
    *,
    access: OrgAccess,
    project_id: int | None = None,
    conflict: bool | None = None,
    queryset: QuerySet[Dependency] | None = None,
) -> QuerySet[Dependency]:
    """Dependencies between projects the actor can both see (optionally those touching ``project_id``), each with
    ``upstream_date`` (actual, else forecast), ``need_date`` (the downstream forecast) and ``conflict`` (upstream
    later than needed) computed in SQL; conflicts first, then by the date needed. ``conflict`` keeps only
    conflicts (True) or only the others (False)."""
    queryset = Dependency.objects.all() if queryset is None else queryset
    dependencies = queryset.filter(organization=access.organization)
    if not access.can(permissions.VIEW_ALL):
        visible = projects_visible_to(access=access).values("pk")
        dependencies = dependencies.filter(upstream_project__in=visible, downstream_project__in=visible)
    if project_id is not None:
        dependencies = dependencies.filter(Q(upstream_project_id=project_id) | Q(downstream_project_id=project_id))
    if conflict is not None:
        late = Q(upstream__actual_date__gt=F("downstream__forecast_date")) | Q(
            upstream__actual_date=None, upstream__forecast_date__gt=F("downstream__forecast_date")
        )
        dependencies = dependencies.filter(late) if conflict else dependencies.exclude(late)
    return (
        dependencies.select_related("upstream", "downstream", "upstream_project", "downstream_project", "created_by")
        .annotate(
            upstream_date=Coalesce("upstream__actual_date", "upstream__forecast_date"),
            need_date=F("downstream__forecast_date"),
            conflict=Case(
                When(upstream_date__gt=F("downstream__forecast_date"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by("-conflict", F("need_date").asc(nulls_last=True), "pk")
    )


def milestones_visible_to(*, access: OrgAccess) -> QuerySet[Milestone]:
    """Milestones of visible, open projects: the choices for a new dependency."""
    return (
        Milestone.objects.filter(
            organization=access.organization,
            project__in=projects_visible_to(access=access).exclude(
                status__in=[Project.Status.CLOSED, Project.Status.CANCELLED]
            ),
        )
        .select_related("project")
        .order_by("project__code", "order", "pk")
    )


# --- Closure ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosureSummary:
    report: ClosureReport | None
    baseline: Baseline | None
    cost_variance: Decimal | None  # final cost − baseline budget (positive: over budget)
    schedule_variance_days: int | None  # actual finish − baseline finish (positive: late)


def project_closure(*, project: Project) -> ClosureSummary:
    report = (
        ClosureReport.objects.filter(organization_id=project.organization_id, project=project)
        .select_related("submitted_by", "decided_by")
        .first()
    )
    baseline = (
        Baseline.objects.filter(organization_id=project.organization_id, project=project).order_by("-version").first()
    )
    cost_variance = schedule_variance = None
    if report is not None and baseline is not None:
        cost_variance = report.final_cost - baseline.budget
        if baseline.finish_date and report.actual_finish:
            schedule_variance = (report.actual_finish - baseline.finish_date).days
    return ClosureSummary(
        report=report, baseline=baseline, cost_variance=cost_variance, schedule_variance_days=schedule_variance
    )


# --- Process templates -----------------------------------------------------------------------------------------


def templates_list(*, access: OrgAccess) -> QuerySet[ProcessTemplate]:
    """The organisation's templates with their phase, gate and project counts (one query)."""
    return (
        ProcessTemplate.objects.filter(organization=access.organization)
        .select_related("copied_from")
        .annotate(
            phase_count=Count("phases", distinct=True),
            gate_count=Count("phases__gates", distinct=True),
            project_count=Count("projects", distinct=True),
        )
        .order_by("-is_builtin", "name")
    )


def template_get(*, access: OrgAccess, pk: Any) -> ProcessTemplate:
    """One template with its phases, deliverables and gates prefetched (``phase_list``, ``deliverable_list``,
    ``gate_list``); ``Http404`` when missing."""
    template = (
        templates_list(access=access)
        .prefetch_related(
            Prefetch(
                "phases",
                queryset=TemplatePhase.objects.order_by("order").prefetch_related(
                    Prefetch(
                        "deliverables",
                        queryset=TemplateDeliverable.objects.order_by("order", "pk"),
                        to_attr="deliverable_list",
                    ),
                    Prefetch("gates", queryset=TemplateGate.objects.order_by("order", "pk"), to_attr="gate_list"),
                ),
                to_attr="phase_list",
            )
        )
        .filter(pk=pk)
        .first()
        if str(pk).isdigit()
        else None
    )
    if template is None:
        raise Http404
    return template


def templates_for_new_projects(*, access: OrgAccess) -> QuerySet[ProcessTemplate]:
    return ProcessTemplate.objects.filter(organization=access.organization, active=True).order_by("-is_builtin", "name")


# --- Overview tab ----------------------------------------------------------------------------------------------

OVERVIEW_WEEKS = 12
OVERVIEW_ROWS = 5
# Reports that count in a project's history (as in the EVM history, the meeting pack and the one-pager).
COUNTED_REPORT_STATES = ("submitted", "accepted")
OPEN_CHANGE_STATES = ("draft", "submitted", "assessed")
# The columns the Overview tab and its API read of a report, a risk (with its owner) and a change request.
OVERVIEW_REPORT_FIELDS = (
    "organization_id",
    "project_id",
    "week_start",
    "state",
    "rag_overall",
    "rag_schedule",
    "rag_cost",
    "rag_scope",
    "rag_quality",
    "rag_resources",
    "rag_risk",
    "percent_complete",
    "actual_cost",
    "forecast_finish",
    "summary",
    "submitted_at",
)
OVERVIEW_RISK_FIELDS = (
    "organization_id",
    "number",
    "title",
    "probability",
    "impact",
    "score",
    "owner__full_name",
    "owner__email",
)
OVERVIEW_CHANGE_FIELDS = (
    "organization_id",
    "project_id",
    "number",
    "title",
    "change_type",
    "status",
    "cost_delta",
    "finish_delta_days",
)


@dataclass
class TeamMember:
    """One person planned on the project: the allocations of this week (``hours`` summed) or, when none runs this
    week, the next one (``starts``)."""

    person: Any
    roles: list[str]
    hours: Decimal
    starts: dt.date | None = None


@dataclass
class ProjectOverview:
    """What the Overview tab shows at a glance; every part read in a constant number of queries."""

    latest: Any  # the latest submitted or accepted StatusReport, or None
    rag_weeks: dict[dt.date, str]  # overall RAG of each counted week in the strip
    first_week: dt.date
    last_week: dt.date
    milestones: list[Milestone]  # the next open ones, each with ``late`` and ``slip_days``
    milestones_open: int
    milestones_late: int
    risks: list[Any]  # the highest open risks, each with ``level``
    risks_open: int
    change_requests: list[Any]  # open (draft, submitted, assessed), newest first
    team: list[TeamMember]
    next_gate: GateReview | None


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def project_overview(*, access: OrgAccess, project: Project, today: dt.date) -> ProjectOverview:
    """The latest status with the overall RAG of the last twelve weeks, the next milestones (late ones marked), the
    top open risks, the open change requests, who works on the project this week and the next gate: seven queries
    (eight without a report in the last twelve weeks) whatever the number of milestones, risks, reports or
    people."""
    # Imported here: these apps import this module.
    from projects.changes.selectors import project_change_requests
    from resources.models import Allocation
    from risks.models import Risk
    from risks.selectors import RiskFilters, risks_visible_to

    organization_id = project.organization_id
    this_week = _monday(today)
    # What the tab and the API show of a report: a status report has some fifty columns, and the ORM's cost grows
    # with each one it selects.
    counted = (
        StatusReport.objects.filter(organization_id=organization_id, project=project, state__in=COUNTED_REPORT_STATES)
        .only(*OVERVIEW_REPORT_FIELDS)
        .order_by("-week_start")
    )
    recent = list(
        counted.filter(week_start__gte=this_week - dt.timedelta(weeks=OVERVIEW_WEEKS), week_start__lte=this_week)
    )
    latest = recent[0] if recent else counted.first()
    reported = {report.week_start: report.rag_overall for report in recent}
    # This week's report is usually not due yet: then the strip ends with last week rather than on a grey cell.
    last_week = this_week if this_week in reported else this_week - dt.timedelta(weeks=1)
    first_week = last_week - dt.timedelta(weeks=OVERVIEW_WEEKS - 1)
    rag_weeks = {week: rag for week, rag in reported.items() if first_week <= week <= last_week}

    # The first open milestones and, on each row, how many are open and late (window counts: one query).
    milestones = list(
        Milestone.objects.filter(organization_id=organization_id, project=project, actual_date__isnull=True)
        .select_related("phase")
        .annotate(
            open_total=Window(Count("pk")),
            late_total=Window(Count("pk", filter=milestone_late_q(today))),
        )
        .order_by(F("forecast_date").asc(nulls_last=True), "order", "pk")[:OVERVIEW_ROWS]
    )
    counts = {
        "open": milestones[0].open_total if milestones else 0,
        "late": milestones[0].late_total if milestones else 0,
    }
    for milestone in milestones:
        forecast = milestone.forecast_date
        milestone.late = bool(forecast and (forecast < today or milestone.slip_days > 0))
        milestone.overdue = bool(forecast and forecast < today)

    # A row shows the risk and its owner: not the register's other joins nor its actions; the count is a window.
    top_risks = list(
        risks_visible_to(access=access, filters=RiskFilters(project=project.pk, status=Risk.Status.OPEN))
        .select_related(None)
        .select_related("owner")
        .prefetch_related(None)
        .only(*OVERVIEW_RISK_FIELDS)
        .annotate(open_total=Window(Count("pk")))[:OVERVIEW_ROWS]
    )
    risks_open = top_risks[0].open_total if top_risks else 0

    # The request's own fields only (number, title, type, status, deltas): not its people, baseline or approvals.
    change_requests = list(
        project_change_requests(project=project)
        .select_related(None)
        .prefetch_related(None)
        .only(*OVERVIEW_CHANGE_FIELDS)
        .filter(status__in=OPEN_CHANGE_STATES)
    )

    allocations = (
        Allocation.objects.filter(organization_id=organization_id, project=project, end_week__gte=this_week)
        .select_related("person")
        .order_by("start_week", "person__full_name", "pk")
    )
    current: dict[int, TeamMember] = {}
    upcoming: dict[int, TeamMember] = {}
    for allocation in allocations:
        starts = None if allocation.start_week <= this_week else allocation.start_week
        group = current if starts is None else upcoming
        member = group.setdefault(
            allocation.person_id, TeamMember(person=allocation.person, roles=[], hours=Decimal(0), starts=starts)
        )
        if starts is None or member.starts == starts:
            member.hours += allocation.hours_per_week
            if allocation.role and allocation.role not in member.roles:
                member.roles.append(allocation.role)
    team = [
        *sorted(current.values(), key=lambda m: (-m.hours, m.person.full_name.lower())),
        *(member for person_id, member in upcoming.items() if person_id not in current),
    ]

    next_gate = (
        GateReview.objects.filter(
            organization_id=organization_id, project=project, decision=GateReview.Decision.PENDING
        )
        .select_related("phase")
        .order_by("phase__order", "order", "pk")
        .first()
    )
    return ProjectOverview(
        latest=latest,
        rag_weeks=rag_weeks,
        first_week=first_week,
        last_week=last_week,
        milestones=milestones,
        milestones_open=counts["open"],
        milestones_late=counts["late"],
        risks=top_risks,
        risks_open=risks_open,
        change_requests=change_requests,
        team=team,
        next_gate=next_gate,
    )


# --- Register and dependency lists (pages and their CSV/XLSX) ---------------------------------------------------

REGISTER_SORTS: dict[str, SortKey] = {
    "code": SortKey(gettext_lazy("Code"), ("code",)),
    "name": SortKey(gettext_lazy("Name"), ("name", "code")),
    "status": SortKey(gettext_lazy("Status"), ("status", "code")),
    "phase": SortKey(gettext_lazy("Phase"), ("current_phase__name", "code")),
    "portfolio": SortKey(gettext_lazy("Portfolio"), ("portfolio__name", "code")),
    "programme": SortKey(gettext_lazy("Programme"), ("programme__name", "code")),
    "manager": SortKey(gettext_lazy("Manager"), ("manager__full_name", "code")),
    "priority": SortKey(gettext_lazy("Priority"), ("priority", "code")),
    "start": SortKey(gettext_lazy("Planned start"), ("planned_start", "code")),
    "finish": SortKey(gettext_lazy("Planned finish"), ("planned_finish", "code")),
    "bac": SortKey(gettext_lazy("BAC"), ("budget_at_completion", "code")),
    # Red first, then amber, then green; projects without a report last either way.
    "rag": SortKey(gettext_lazy("Latest RAG"), ("latest_rag_rank", "code")),
    "complete": SortKey(gettext_lazy("Percent complete"), ("latest_percent_complete", "code")),
    "created": SortKey(gettext_lazy("Created"), ("created_at", "code")),
}


def project_register(
    *, access: OrgAccess, filters: ProjectFilters | None = None, queryset: QuerySet[Project] | None = None
) -> QuerySet[Project]:
    """``project_list`` with each project's latest counted status report (``latest_rag``, ``latest_week``,
    ``latest_percent_complete``) read in the same query, sorted by any ``REGISTER_SORTS`` key. ``queryset``
    narrows the projects further.

    ``latest_rag_rank`` (red 0, amber 1, green 2, none last) is an alias: its subquery is only written into the
    SQL when the rows are sorted by it."""
    filters = filters or ProjectFilters()
    latest = StatusReport.objects.filter(
        organization=access.organization, project=OuterRef("pk"), state__in=COUNTED_REPORT_STATES
    ).order_by("-week_start")
    rank = Case(
        When(rag_overall="red", then=Value(0)),
        When(rag_overall="amber", then=Value(1)),
        When(rag_overall="green", then=Value(2)),
        default=None,
        output_field=IntegerField(),
    )
    return (
        project_list(access=access, filters=filters, queryset=queryset)
        .annotate(
            latest_rag=Subquery(latest.values("rag_overall")[:1]),
            latest_week=Subquery(latest.values("week_start")[:1]),
            latest_percent_complete=Subquery(latest.values("percent_complete")[:1]),
        )
        .alias(latest_rag_rank=Subquery(latest.annotate(rank=rank).values("rank")[:1]))
        .order_by(*sort_ordering(filters.sort, REGISTER_SORTS, default="code"))
    )


DEPENDENCY_SORTS: dict[str, SortKey] = {
    "conflict": SortKey(gettext_lazy("Conflicts first"), ("conflict_rank", "need_date")),
    "need": SortKey(gettext_lazy("Needed on"), ("need_date",)),
    "date": SortKey(gettext_lazy("Upstream date"), ("upstream_date",)),
    "upstream": SortKey(gettext_lazy("Needed (upstream)"), ("upstream_project__code", "upstream__name")),
    "downstream": SortKey(gettext_lazy("Needed by (downstream)"), ("downstream_project__code", "downstream__name")),
}


def dependency_list(
    *, access: OrgAccess, conflict: bool | None = None, project_id: int | None = None, sort: str = "conflict"
) -> QuerySet[Dependency]:
    """``dependencies_visible_to`` sorted by a ``DEPENDENCY_SORTS`` key (conflicts first by default)."""
    return with_conflict_rank(
        dependencies_visible_to(access=access, project_id=project_id, conflict=conflict)
    ).order_by(*sort_ordering(sort, DEPENDENCY_SORTS, default="conflict"))


def with_conflict_rank(dependencies: QuerySet[Dependency]) -> QuerySet[Dependency]:
    """``dependencies_visible_to`` rows with ``conflict_rank`` (0 for a conflict), which ``DEPENDENCY_SORTS`` read."""
    return dependencies.annotate(
        conflict_rank=Case(When(conflict=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    )
