"""Reads of portfolio management and intake: always scoped to one organisation, joined and aggregated in SQL so
that a list costs the same number of queries whatever its length."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from pmo.core.listing import SortKey, sort_ordering
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Organization
from portfolio import permissions
from portfolio.models import (
    Portfolio,
    Programme,
    ProjectRequest,
    RequestObjective,
    RequestScore,
    RequestTransition,
    Scenario,
    ScenarioItem,
    ScoringCriterion,
    StrategicObjective,
)
from portfolio.selection import Candidate

Status = ProjectRequest.Status
# Requests waiting for a decision: ranked in the pipeline and candidates of what-if scenarios.
PIPELINE_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.DEFERRED)
# Project statuses that count as running work in a scenario.
RUNNING_PROJECT_STATUSES = ("planning", "active")
# The value of a running project that did not come through intake (no score): its priority on the score scale.
# Low 25, medium 50, high 75, critical 100 — a medium project is worth a request scored 3 on every criterion.
PRIORITY_VALUE = {1: Decimal(25), 2: Decimal(50), 3: Decimal(75), 4: Decimal(100)}


def _pk_or_404(pk: Any) -> int:
    if not str(pk).isdigit():
        raise Http404
    return int(pk)


# --- Portfolios, programmes, objectives -------------------------------------------------------------------------


def _project_rollups(*, organization: Organization, by: str) -> dict[str, Any]:
    """Annotations counting the projects grouped under each row (``by`` = "portfolio" or "programme"): project and
    active counts and the total budget, each a correlated subquery so that the counts do not multiply each other."""
    from projects.models import Project

    projects = Project.objects.filter(organization=organization, **{by: OuterRef("pk")}).order_by()
    return {
        "project_count": Coalesce(Subquery(projects.values(by).annotate(n=Count("pk")).values("n")), 0),
        "active_count": Coalesce(
            Subquery(projects.filter(status=Project.Status.ACTIVE).values(by).annotate(n=Count("pk")).values("n")),
            0,
        ),
        "total_budget": Coalesce(
            Subquery(projects.values(by).annotate(s=Sum("budget_at_completion")).values("s")),
            Value(Decimal(0)),
        ),
    }


def portfolios_with_counts(
    *, organization: Organization, queryset: QuerySet[Portfolio] | None = None
) -> QuerySet[Portfolio]:
    """Portfolios with their programme, project and active-project counts and total budget (one query; subqueries
    so that the counts do not multiply each other)."""

    return (
        (Portfolio.objects.all() if queryset is None else queryset)
        .filter(organization=organization)
        .select_related("owner")
        .annotate(
            programme_count=Coalesce(
                Subquery(
                    Programme.objects.filter(organization=organization, portfolio=OuterRef("pk"))
                    .order_by()
                    .values("portfolio")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            **_project_rollups(organization=organization, by="portfolio"),
        )
        .order_by("name")
    )


def portfolio_get(*, organization: Organization, pk: Any) -> Portfolio:
    portfolio = Portfolio.objects.filter(organization=organization, pk=_pk_or_404(pk)).select_related("owner").first()
    if portfolio is None:
        raise Http404
    return portfolio


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int
    budget: Decimal
    percent: int


def project_status_mix(*, organization: Organization, **filters: Any) -> list[StatusCount]:
    """How many projects (and how much budget) are in each status, for the projects matching ``filters`` (e.g.
    ``portfolio=…``): one grouped query. Every project counts, also those the reader may not open."""
    from projects.models import Project

    grouped = (
        Project.objects.filter(organization=organization, **filters)
        .values("status")
        .annotate(n=Count("pk"), budget=Sum("budget_at_completion"))
        .order_by()
        .values_list("status", "n", "budget")
    )
    rows = {status: (n, budget or Decimal(0)) for status, n, budget in grouped}
    total = sum(n for n, _ in rows.values()) or 1
    return [
        StatusCount(value, str(label), rows[value][0], rows[value][1], round(100 * rows[value][0] / total))
        for value, label in Project.Status.choices
        if value in rows
    ]


def projects_for_actor(*, access: OrgAccess, **filters: Any) -> QuerySet[Any]:
    """The projects matching ``filters`` that the reader may open, with their manager and programme."""
    from projects.models import Project
    from projects.selectors import projects_visible_to

    return (
        projects_visible_to(access=access, queryset=Project.objects.filter(**filters))
        .select_related("manager", "programme", "portfolio")
        .order_by("code")
    )


def programmes_with_counts(
    *,
    organization: Organization,
    portfolio: Portfolio | None = None,
    queryset: QuerySet[Programme] | None = None,
) -> QuerySet[Programme]:

    queryset = (Programme.objects.all() if queryset is None else queryset).filter(organization=organization)
    if portfolio is not None:
        queryset = queryset.filter(portfolio=portfolio)
    return (
        queryset.select_related("portfolio", "manager")
        .annotate(**_project_rollups(organization=organization, by="programme"))
        .order_by("name")
    )


def programme_get(*, organization: Organization, pk: Any) -> Programme:
    programme = (
        Programme.objects.filter(organization=organization, pk=_pk_or_404(pk))
        .select_related("portfolio", "manager")
        .first()
    )
    if programme is None:
        raise Http404
    return programme


def objectives_with_counts(
    *, organization: Organization, queryset: QuerySet[StrategicObjective] | None = None
) -> QuerySet[StrategicObjective]:
    from projects.models import ProjectObjective

    return (
        (StrategicObjective.objects.all() if queryset is None else queryset)
        .filter(organization=organization)
        .annotate(
            request_count=Coalesce(
                Subquery(
                    RequestObjective.objects.filter(organization=organization, objective=OuterRef("pk"))
                    .order_by()
                    .values("objective")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            project_count=Coalesce(
                Subquery(
                    ProjectObjective.objects.filter(organization=organization, objective=OuterRef("pk"))
                    .order_by()
                    .values("objective")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
        )
        .order_by("code")
    )


def objective_get(*, organization: Organization, pk: Any) -> StrategicObjective:
    objective = objectives_with_counts(organization=organization).filter(pk=_pk_or_404(pk)).first()
    if objective is None:
        raise Http404
    return objective


def objective_served_by_projects(*, organization: Organization, objective: StrategicObjective) -> bool:
    from projects.models import ProjectObjective

    return ProjectObjective.objects.filter(organization=organization, objective=objective).exists()


def objective_projects(*, access: OrgAccess, objective: StrategicObjective) -> QuerySet[Any]:
    from projects.models import ProjectObjective

    served = ProjectObjective.objects.filter(
        organization=access.organization, objective=objective, project=OuterRef("pk")
    )
    return projects_for_actor(access=access).filter(Exists(served))


def active_objectives(*, organization: Organization) -> QuerySet[StrategicObjective]:
    return StrategicObjective.objects.filter(organization=organization, active=True).order_by("code")


def builtin_template(*, organization: Organization, kind: str) -> Any:
    """The organisation's built-in process template of ``kind`` (``standard`` or ``ipd``), or ``None``."""
    from projects.models import ProcessTemplate

    return ProcessTemplate.objects.filter(organization=organization, is_builtin=True, kind=kind).first()


def intake_templates(*, organization: Organization) -> QuerySet[Any]:
    """Process templates a request may name (active ones)."""
    from projects.models import ProcessTemplate

    return ProcessTemplate.objects.filter(organization=organization, active=True).order_by("-is_builtin", "name")


def organization_users(*, organization: Organization) -> QuerySet[Any]:
    """The organisation's members as users (for sponsor, owner and manager choices)."""
    return (
        get_user_model()._default_manager.filter(memberships__organization=organization).order_by("full_name", "email")
    )


# --- Scoring model ----------------------------------------------------------------------------------------------


def scoring_criteria(
    *, organization: Organization, active_only: bool = False, queryset: QuerySet[ScoringCriterion] | None = None
) -> QuerySet[ScoringCriterion]:
    queryset = (ScoringCriterion.objects.all() if queryset is None else queryset).filter(organization=organization)
    if active_only:
        queryset = queryset.filter(active=True)
    return queryset.annotate(
        score_count=Coalesce(
            Subquery(
                RequestScore.objects.filter(organization=organization, criterion=OuterRef("pk"))
                .order_by()
                .values("criterion")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )
    ).order_by("order", "key")


def criterion_get(*, organization: Organization, pk: Any) -> ScoringCriterion:
    criterion = scoring_criteria(organization=organization).filter(pk=_pk_or_404(pk)).first()
    if criterion is None:
        raise Http404
    return criterion


# --- Intake requests --------------------------------------------------------------------------------------------


def requests_visible_to(
    *, access: OrgAccess, queryset: QuerySet[ProjectRequest] | None = None
) -> QuerySet[ProjectRequest]:
    """The requests ``access`` may read: every request with ``intake.view``, otherwise those the reader sponsors or
    created. ``queryset`` narrows further."""
    if queryset is None:
        queryset = ProjectRequest.objects.all()
    queryset = queryset.filter(organization=access.organization)
    if access.can(permissions.INTAKE_VIEW_ALL):
        return queryset
    user_id = access.membership.user_id
    return queryset.filter(Q(sponsor_id=user_id) | Q(created_by_id=user_id))


def request_queue(*, access: OrgAccess, status: str = "") -> QuerySet[ProjectRequest]:
    queryset = requests_visible_to(access=access).select_related("sponsor", "portfolio")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-number")


def request_status_counts(*, access: OrgAccess) -> dict[str, int]:
    """Requests per status among those the reader may see (one grouped query); every status is present."""
    grouped = requests_visible_to(access=access).order_by().values("status").annotate(n=Count("pk"))
    counts = dict(grouped.values_list("status", "n"))
    return {status: counts.get(status, 0) for status in Status.values}


def request_get_for_actor(*, access: OrgAccess, pk: Any) -> ProjectRequest:
    """One request the reader may see, with everything its page shows; ``Http404`` alike for missing, another
    organisation's and not visible."""
    request = (
        requests_visible_to(access=access)
        .filter(pk=_pk_or_404(pk))
        .select_related(
            "sponsor", "created_by", "portfolio", "programme", "template", "proposed_manager", "decided_by", "project"
        )
        .first()
    )
    if request is None:
        raise Http404
    return request


def request_scores(*, request: ProjectRequest) -> list[RequestScore]:
    return list(
        RequestScore.objects.filter(organization_id=request.organization_id, request=request)
        .select_related("criterion", "scored_by")
        .order_by("criterion__order", "criterion__key")
    )


def request_history(*, request: ProjectRequest) -> list[RequestTransition]:
    return list(
        RequestTransition.objects.filter(organization_id=request.organization_id, request=request)
        .select_related("actor")
        .order_by("created_at", "pk")
    )


def request_objectives(*, request: ProjectRequest) -> list[StrategicObjective]:
    return list(
        StrategicObjective.objects.filter(
            organization_id=request.organization_id, request_links__request=request
        ).order_by("code")
    )


def _with_objectives(queryset: QuerySet[ProjectRequest], organization: Organization) -> QuerySet[ProjectRequest]:
    return queryset.prefetch_related(
        Prefetch(
            "objective_links",
            queryset=RequestObjective.objects.filter(organization=organization)
            .select_related("objective")
            .order_by("objective__code"),
        )
    )


def pipeline(*, access: OrgAccess, queryset: QuerySet[ProjectRequest] | None = None) -> QuerySet[ProjectRequest]:
    """Requests waiting for a decision, best first: by score (unscored last), then strategic alignment (the summed
    weights of the objectives served), then the earliest submitted. Ordered in SQL; objectives prefetched."""
    alignment = (
        RequestObjective.objects.filter(organization=access.organization, request=OuterRef("pk"))
        .order_by()
        .values("request")
        .annotate(total=Sum("objective__weight"))
        .values("total")
    )
    queryset = (
        requests_visible_to(access=access, queryset=queryset)
        .filter(status__in=PIPELINE_STATUSES)
        .select_related("sponsor", "portfolio")
        .annotate(alignment=Coalesce(Subquery(alignment), 0))
        .order_by(F("score").desc(nulls_last=True), "-alignment", F("submitted_at").asc(nulls_last=True), "number")
    )
    return _with_objectives(queryset, access.organization)


# --- Scenarios --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioCandidate:
    candidate: Candidate
    request_id: int | None = None
    project_id: int | None = None


def scenario_candidates(*, organization: Organization, include_active_projects: bool) -> list[ScenarioCandidate]:
    """What a scenario chooses from: the pipeline's requests (value = score, 0 when not scored yet) and, when asked,
    the planning and active projects (cost = budget at completion; value = the score of the request they came from,
    else ``PRIORITY_VALUE`` of their priority; effort = that request's estimate, else 0)."""
    from projects.models import Project

    candidates = [
        ScenarioCandidate(
            Candidate(
                key=f"request:{r.pk}",
                label=f"{r.code} {r.title}",
                cost=r.estimated_cost,
                value=r.score if r.score is not None else Decimal(0),
                effort_hours=r.estimated_effort_hours,
            ),
            request_id=r.pk,
        )
        for r in ProjectRequest.objects.filter(organization=organization, status__in=PIPELINE_STATUSES).order_by(
            "number"
        )
    ]
    if include_active_projects:
        projects = (
            Project.objects.filter(organization=organization, status__in=RUNNING_PROJECT_STATUSES)
            .annotate(request_score=F("request__score"), request_effort=F("request__estimated_effort_hours"))
            .order_by("code")
        )
        candidates += [
            ScenarioCandidate(
                Candidate(
                    key=f"project:{p.pk}",
                    label=f"{p.code} {p.name}",
                    cost=p.budget_at_completion,
                    value=p.request_score if p.request_score is not None else PRIORITY_VALUE[p.priority],
                    effort_hours=p.request_effort or 0,
                ),
                project_id=p.pk,
            )
            for p in projects
        ]
    return candidates


def scenarios_with_counts(
    *, organization: Organization, queryset: QuerySet[Scenario] | None = None
) -> QuerySet[Scenario]:
    return (
        (Scenario.objects.all() if queryset is None else queryset)
        .filter(organization=organization)
        .select_related("created_by")
        .annotate(
            item_count=Count("items"),
            selected_count=Count("items", filter=Q(items__selected=True)),
        )
        .order_by("-created_at", "-pk")
    )


def scenario_get(*, organization: Organization, pk: Any) -> Scenario:
    scenario = scenarios_with_counts(organization=organization).filter(pk=_pk_or_404(pk)).first()
    if scenario is None:
        raise Http404
    return scenario


def scenario_items(*, scenario: Scenario) -> list[ScenarioItem]:
    return list(
        ScenarioItem.objects.filter(organization_id=scenario.organization_id, scenario=scenario).order_by("rank")
    )


@dataclass
class Comparison:
    """Two scenarios side by side. ``both``: selected in each; ``only_a`` / ``only_b``: selected in one, with the
    other scenario's item for the same candidate (left out there, and why) or ``None`` when it was no candidate
    there (for example a request submitted after the scenario was saved)."""

    a: Scenario
    b: Scenario
    both: list[tuple[ScenarioItem, ScenarioItem]] = field(default_factory=list)
    only_a: list[tuple[ScenarioItem, ScenarioItem | None]] = field(default_factory=list)
    only_b: list[tuple[ScenarioItem | None, ScenarioItem]] = field(default_factory=list)

    @staticmethod
    def _totals(items: list[ScenarioItem]) -> dict[str, Any]:
        return {
            "count": len(items),
            "cost": sum((i.cost for i in items), Decimal(0)),
            "value": sum((i.value for i in items), Decimal(0)),
            "effort_hours": sum(i.effort_hours for i in items),
        }

    @property
    def totals_a(self) -> dict[str, Any]:
        return self._totals([a for a, _ in self.both] + [a for a, _ in self.only_a])

    @property
    def totals_b(self) -> dict[str, Any]:
        return self._totals([b for _, b in self.both] + [b for _, b in self.only_b])


def _item_key(item: ScenarioItem) -> str:
    return f"request:{item.request_id}" if item.request_id else f"project:{item.project_id}"


def scenario_compare(*, a: Scenario, b: Scenario) -> Comparison:
    """Compare the selections of two scenarios (two queries: each scenario's items)."""
    items_a = {_item_key(i): i for i in scenario_items(scenario=a)}
    items_b = {_item_key(i): i for i in scenario_items(scenario=b)}
    comparison = Comparison(a=a, b=b)
    for key, item in items_a.items():
        other = items_b.get(key)
        if item.selected and other is not None and other.selected:
            comparison.both.append((item, other))
        elif item.selected:
            comparison.only_a.append((item, other))
    for key, item in items_b.items():
        other = items_a.get(key)
        if item.selected and (other is None or not other.selected):
            comparison.only_b.append((other, item))
    return comparison


# --- Lists: filters and sorts of the portfolio, programme, objective, intake and pipeline pages -----------------


@dataclass(frozen=True)
class ListFilters:
    """What a portfolio-section list is narrowed to; each list reads the fields it has."""

    search: str = ""
    status: str = ""
    portfolio: int | None = None
    person: int | None = None  # owner, manager or sponsor, by list
    objective: int | None = None
    active: bool | None = None
    submitted_from: Any = None
    submitted_to: Any = None
    sort: str = ""


def words_q(text: str, *fields: str) -> Q:
    """Every word of ``text`` in one of ``fields`` (case-insensitive)."""
    condition = Q()
    for word in text.split():
        match = Q()
        for name in fields:
            match |= Q(**{f"{name}__icontains": word})
        condition &= match
    return condition


def _sorted(queryset: QuerySet[Any], sort: str, keys: dict[str, SortKey], default: str) -> QuerySet[Any]:
    return queryset.order_by(*sort_ordering(sort or default, keys, default=default))


PORTFOLIO_SORTS = {
    "name": SortKey(_("Name"), ("name",)),
    "owner": SortKey(_("Owner"), ("owner__full_name", "name")),
    "programmes": SortKey(_("Programmes"), ("programme_count", "name")),
    "projects": SortKey(_("Projects"), ("project_count", "name")),
    "active": SortKey(_("Active"), ("active_count", "name")),
    "budget": SortKey(_("Budget"), ("total_budget", "name")),
}


def portfolio_list(*, organization: Organization, filters: ListFilters) -> QuerySet[Portfolio]:
    """Portfolios with their counts (``portfolios_with_counts``), filtered by words and owner, sorted."""
    portfolios = portfolios_with_counts(organization=organization)
    if filters.search:
        portfolios = portfolios.filter(words_q(filters.search, "name", "description"))
    if filters.person is not None:
        portfolios = portfolios.filter(owner_id=filters.person)
    return _sorted(portfolios, filters.sort, PORTFOLIO_SORTS, "name")


PROGRAMME_SORTS = {
    "name": SortKey(_("Programme"), ("name",)),
    "portfolio": SortKey(_("Portfolio"), ("portfolio__name", "name")),
    "manager": SortKey(_("Manager"), ("manager__full_name", "name")),
    "projects": SortKey(_("Projects"), ("project_count", "name")),
    "active": SortKey(_("Active"), ("active_count", "name")),
    "budget": SortKey(_("Budget"), ("total_budget", "name")),
}


def programme_list(*, organization: Organization, filters: ListFilters) -> QuerySet[Programme]:
    """Programmes with their counts (``programmes_with_counts``), filtered by words, portfolio and manager."""
    programmes = programmes_with_counts(organization=organization)
    if filters.search:
        programmes = programmes.filter(words_q(filters.search, "name", "description"))
    if filters.portfolio is not None:
        programmes = programmes.filter(portfolio_id=filters.portfolio)
    if filters.person is not None:
        programmes = programmes.filter(manager_id=filters.person)
    return _sorted(programmes, filters.sort, PROGRAMME_SORTS, "name")


OBJECTIVE_SORTS = {
    "code": SortKey(_("Code"), ("code",)),
    "name": SortKey(_("Objective"), ("name",)),
    "weight": SortKey(_("Weight"), ("weight", "code")),
    "requests": SortKey(_("Requests"), ("request_count", "code")),
    "projects": SortKey(_("Projects"), ("project_count", "code")),
}


def objective_list(*, organization: Organization, filters: ListFilters) -> QuerySet[StrategicObjective]:
    objectives = objectives_with_counts(organization=organization)
    if filters.search:
        objectives = objectives.filter(words_q(filters.search, "code", "name", "description"))
    if filters.active is not None:
        objectives = objectives.filter(active=filters.active)
    return _sorted(objectives, filters.sort, OBJECTIVE_SORTS, "code")


def active_objective_weight(*, organization: Organization) -> int:
    """The summed weights of the active objectives (one aggregate)."""
    total = StrategicObjective.objects.filter(organization=organization, active=True).aggregate(total=Sum("weight"))
    return int(total["total"] or 0)


REQUEST_SORTS = {
    "number": SortKey(_("Number"), ("number",)),
    "title": SortKey(_("Title"), ("title", "number")),
    "sponsor": SortKey(_("Sponsor"), ("sponsor__full_name", "number")),
    "portfolio": SortKey(_("Portfolio"), ("portfolio__name", "number")),
    "cost": SortKey(_("Estimated cost"), ("estimated_cost", "number")),
    "score": SortKey(_("Score"), ("score", "number")),
    "status": SortKey(_("Status"), ("status", "number")),
    "submitted": SortKey(_("Submitted"), ("submitted_at", "number")),
}


def request_search_q(text: str) -> Q:
    """Every word in the title or business case, or the request's number (``REQ-0012``, ``12``)."""
    condition = Q()
    for word in text.split():
        digits = word.upper().removeprefix("REQ-").lstrip("0")
        match = Q(title__icontains=word) | Q(business_case__icontains=word)
        if digits.isdigit():
            match |= Q(number=int(digits))
        condition &= match
    return condition


def serving_objective_q(objective_id: int) -> Q:
    """Requests that serve the strategic objective ``objective_id``."""
    return Q(
        Exists(
            RequestObjective.objects.filter(
                organization_id=OuterRef("organization_id"), request=OuterRef("pk"), objective_id=objective_id
            )
        )
    )


def _request_filters(requests: QuerySet[ProjectRequest], filters: ListFilters) -> QuerySet[ProjectRequest]:
    if filters.search:
        requests = requests.filter(request_search_q(filters.search))
    if filters.status:
        requests = requests.filter(status=filters.status)
    if filters.portfolio is not None:
        requests = requests.filter(portfolio_id=filters.portfolio)
    if filters.person is not None:
        requests = requests.filter(sponsor_id=filters.person)
    if filters.objective is not None:
        requests = requests.filter(serving_objective_q(filters.objective))
    if filters.submitted_from is not None:
        requests = requests.filter(submitted_at__date__gte=filters.submitted_from)
    if filters.submitted_to is not None:
        requests = requests.filter(submitted_at__date__lte=filters.submitted_to)
    return requests


def request_list(*, access: OrgAccess, filters: ListFilters) -> QuerySet[ProjectRequest]:
    """The intake queue: the requests the reader may see, filtered, newest number first unless sorted."""
    requests = requests_visible_to(access=access).select_related("sponsor", "portfolio", "programme", "decided_by")
    return _sorted(_request_filters(requests, filters), filters.sort, REQUEST_SORTS, "-number")


PIPELINE_SORTS = {
    "score": SortKey(_("Score"), ("score", "-alignment", "number")),
    "alignment": SortKey(_("Alignment"), ("alignment", "number")),
    "cost": SortKey(_("Cost"), ("estimated_cost", "number")),
    "benefit": SortKey(_("Benefit"), ("estimated_benefit", "number")),
    "ratio": SortKey(_("Benefit ÷ cost"), ("benefit_ratio", "number")),
    "submitted": SortKey(_("Submitted"), ("submitted_at", "number")),
}


def pipeline_list(*, access: OrgAccess, filters: ListFilters) -> QuerySet[ProjectRequest]:
    """The pipeline (``pipeline``: ranked best first), filtered, with ``benefit_ratio`` (benefit ÷ cost, none
    without a cost) computed in SQL; ``sort`` reorders it."""
    requests = with_benefit_ratio(_request_filters(pipeline(access=access), filters))
    if filters.sort.removeprefix("-") in PIPELINE_SORTS:
        requests = requests.order_by(*sort_ordering(filters.sort, PIPELINE_SORTS, default="score"))
    return requests


def with_benefit_ratio(requests: QuerySet[ProjectRequest]) -> QuerySet[ProjectRequest]:
    """``benefit_ratio``: benefit ÷ cost, none without a cost (``PIPELINE_SORTS`` read it)."""
    return requests.annotate(
        benefit_ratio=Case(
            When(estimated_cost__gt=0, then=F("estimated_benefit") / F("estimated_cost")),
            default=None,
            output_field=DecimalField(max_digits=20, decimal_places=4),
        )
    )


def pipeline_totals(*, requests: QuerySet[ProjectRequest]) -> dict[str, Any]:
    """Count, total cost and benefit and the unscored count of ``requests`` (one aggregate)."""
    return requests.order_by().aggregate(
        count=Count("pk"),
        total_cost=Coalesce(Sum("estimated_cost"), Value(Decimal(0))),
        total_benefit=Coalesce(Sum("estimated_benefit"), Value(Decimal(0))),
        unscored=Count("pk", filter=Q(score=None)),
    )
