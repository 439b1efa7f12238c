"""The executive dashboard in the API, under ``/api/v1/orgs/<org>/`` (``DASHBOARD_VIEW``: executives, the PMO,
administrators; 403 for the other roles):

- ``dashboard/`` — every figure of the page for the filters ``?portfolio=&programme=&manager=&status=`` (default:
  active projects): figure counts, PMO KPIs, the 12-week RAG trend, budgets by portfolio, the SPI/CPI quadrant,
  milestones due and slipped, the decisions waiting for executives, top risks and the heat map, capacity vs demand,
  the intake pipeline;
- ``dashboard/projects/?figure=<key>`` — the projects behind one figure (its key is in ``counts``), with the same
  filters, paginated, ``?ordering=code|name|portfolio|manager|rag|complete|spi|cpi|bac|eac|milestone``.

A filter value that is not one of the organisation's choices (another organisation's portfolio included) and an
unknown figure are 400 naming the parameter.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import PaginatedListMixin, ordering_param
from pmo.core.listing import SortKey, sort_ordering
from pmo.tenancy.api_base import OrganizationAPIView
from pmo.tenancy.roles import Capability
from projects.api import ProjectRefOutput
from reports.dashboard import caching, selectors
from reports.dashboard.forms import DashboardFilterForm
from reports.dashboard.views import SORTS
from risks.api import RiskHeatMapOutput
from risks.scoring import LEVEL_CHOICES

TAGS = ["dashboard"]
# Bump when the output changes shape (a deployment must not serve the old code's entries).
OUTPUT_CACHE = "dashboard-api-v1"
FILTER_PARAMETERS = [
    OpenApiParameter("portfolio", OpenApiTypes.INT, description="a portfolio's id"),
    OpenApiParameter("programme", OpenApiTypes.INT, description="a programme's id"),
    OpenApiParameter("manager", OpenApiTypes.INT, description="the user id of a manager of a project you can see"),
    OpenApiParameter(
        "status", OpenApiTypes.STR, enum=list(selectors.STATUS_SCOPES), description="project status (default active)"
    ),
]
PROJECT_SORTS = {key: SortKey(key, (field, "code")) for key, field in SORTS.items()}


def checked_filters(request: Request, access: Any) -> selectors.DashboardFilters:
    """The dashboard's filters of the query, checked by the page's own form (400 naming the parameter)."""
    form = DashboardFilterForm(request.query_params, access=access)
    if not form.is_valid():
        raise exceptions.ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
    return form.filters()


# --- Output ----------------------------------------------------------------------------------------------------------


class DashboardFiltersOutput(serializers.Serializer):
    portfolio = serializers.IntegerField(allow_null=True)
    programme = serializers.IntegerField(allow_null=True)
    manager = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=list(selectors.STATUS_SCOPES))


class DashboardClosureKpisOutput(serializers.Serializer):
    closed = serializers.IntegerField()
    met = serializers.IntegerField()
    partly = serializers.IntegerField()
    not_met = serializers.IntegerField()
    success_rate = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)
    on_time = serializers.IntegerField()
    on_time_rate = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)
    on_budget = serializers.IntegerField()
    on_budget_rate = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)
    satisfaction = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class DashboardStatusKpiOutput(serializers.Serializer):
    expected = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    missing = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)


class DashboardChangeKpisOutput(serializers.Serializer):
    decided = serializers.IntegerField()
    approved = serializers.IntegerField()
    rejected = serializers.IntegerField()
    median_days = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    average_days = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    baseline_changes = serializers.IntegerField()


class DashboardUtilisationKpiOutput(serializers.Serializer):
    people = serializers.IntegerField()
    capacity_hours = serializers.DecimalField(max_digits=14, decimal_places=2)
    planned_hours = serializers.DecimalField(max_digits=14, decimal_places=2)
    actual_hours = serializers.DecimalField(max_digits=14, decimal_places=2)
    planned = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)
    actual = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)


class DashboardPmoKpisOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    closures = DashboardClosureKpisOutput(help_text="projects closed in the window")
    closures_12_months = DashboardClosureKpisOutput(help_text="projects closed in the trailing twelve months")
    status = DashboardStatusKpiOutput()
    changes = DashboardChangeKpisOutput()
    utilisation = DashboardUtilisationKpiOutput()


class DashboardRagWeekOutput(serializers.Serializer):
    week_start = serializers.DateField()
    green = serializers.IntegerField()
    amber = serializers.IntegerField()
    red = serializers.IntegerField()
    total = serializers.IntegerField()


class DashboardPortfolioBudgetOutput(serializers.Serializer):
    portfolio_id = serializers.IntegerField(allow_null=True, help_text="null: projects without a portfolio")
    name = serializers.CharField()
    projects = serializers.IntegerField()
    bac = serializers.DecimalField(max_digits=18, decimal_places=2)
    ac = serializers.DecimalField(max_digits=18, decimal_places=2)
    eac = serializers.DecimalField(max_digits=18, decimal_places=2)
    consumed = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True, help_text="AC ÷ BAC")


class DashboardBudgetTotalsOutput(serializers.Serializer):
    bac = serializers.DecimalField(max_digits=18, decimal_places=2)
    ac = serializers.DecimalField(max_digits=18, decimal_places=2)
    eac = serializers.DecimalField(max_digits=18, decimal_places=2)


class DashboardProjectPointOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    name = serializers.CharField()
    spi = serializers.DecimalField(max_digits=8, decimal_places=3, allow_null=True)
    cpi = serializers.DecimalField(max_digits=8, decimal_places=3, allow_null=True)
    rag = serializers.CharField(allow_null=True)


class DashboardMilestoneOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    project = ProjectRefOutput()
    due = serializers.DateField(help_text="forecast date, else baseline date")
    baseline_date = serializers.DateField(allow_null=True)
    forecast_date = serializers.DateField(allow_null=True)


class DashboardMilestoneTotalsOutput(serializers.Serializer):
    due = serializers.IntegerField()
    slipped = serializers.IntegerField()


class DashboardReportEscalationOutput(serializers.Serializer):
    project = serializers.SerializerMethodField()
    title = serializers.CharField(source="escalation.title")
    decision_from = serializers.CharField(source="escalation.decision_from")

    def get_project(self, row: selectors.ReportEscalation) -> dict[str, Any]:
        return {"id": row.project_pk, "code": row.project_code, "name": row.project_name}


class DashboardRaidItemRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    project = ProjectRefOutput(allow_null=True)
    escalated_at = serializers.DateTimeField(allow_null=True)


class DashboardChangeRequestRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    project = ProjectRefOutput()
    assessed_at = serializers.DateTimeField(allow_null=True)


class DashboardGateRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    project = ProjectRefOutput()
    planned_date = serializers.DateField(allow_null=True)


class DashboardIntakeRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    score = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)


class DashboardDecisionsOutput(serializers.Serializer):
    report_escalations = DashboardReportEscalationOutput(many=True)
    risks = DashboardRaidItemRefOutput(many=True)
    issues = DashboardRaidItemRefOutput(many=True)
    change_requests = DashboardChangeRequestRefOutput(many=True)
    gates = DashboardGateRefOutput(many=True)
    intake = DashboardIntakeRefOutput(many=True)
    total = serializers.IntegerField()


class DashboardTopRiskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    project = ProjectRefOutput(allow_null=True)
    probability = serializers.IntegerField()
    impact = serializers.IntegerField()
    score = serializers.IntegerField()
    level = serializers.ChoiceField(choices=LEVEL_CHOICES)


class DashboardCapacityWeekOutput(serializers.Serializer):
    week = serializers.DateField()
    capacity = serializers.DecimalField(max_digits=14, decimal_places=2)
    demand = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="the organisation's allocated hours")
    shown = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="hours on the projects shown")


class DashboardIntakeRowOutput(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    count = serializers.IntegerField()
    requested_cost = serializers.DecimalField(max_digits=18, decimal_places=2)


class DashboardOutput(serializers.Serializer):
    filters = DashboardFiltersOutput()
    as_of = serializers.DateField(source="window.today", help_text="today in the organisation's time zone")
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="projects per figure key (see dashboard/projects/)"
    )
    kpis = DashboardPmoKpisOutput()
    rag_weeks = DashboardRagWeekOutput(many=True)
    budgets = DashboardPortfolioBudgetOutput(many=True)
    budget_totals = serializers.SerializerMethodField()
    points = DashboardProjectPointOutput(many=True, help_text="projects with both SPI and CPI (the quadrant)")
    without_evm = DashboardProjectPointOutput(many=True)
    milestones_due = DashboardMilestoneOutput(many=True, help_text="the first ten in the next 30 days")
    milestones_slipped = DashboardMilestoneOutput(many=True, help_text="the first ten")
    milestone_totals = DashboardMilestoneTotalsOutput()
    decisions = DashboardDecisionsOutput()
    top_risks = DashboardTopRiskOutput(many=True)
    heat_map = RiskHeatMapOutput(help_text="open risks of the projects shown")
    capacity = DashboardCapacityWeekOutput(many=True)
    intake = DashboardIntakeRowOutput(many=True)

    @extend_schema_field(DashboardBudgetTotalsOutput)
    def get_budget_totals(self, data: selectors.Dashboard) -> dict[str, Any]:
        return dict(DashboardBudgetTotalsOutput(selectors.budget_totals(data.budgets)).data)


class DashboardProjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    portfolio = serializers.CharField(source="portfolio.name", allow_null=True, default=None)
    manager = serializers.CharField(source="manager.get_full_name", allow_null=True, default=None)
    rag = serializers.CharField(source="latest_rag", allow_null=True)
    percent_complete = serializers.DecimalField(
        source="latest_percent", max_digits=5, decimal_places=2, allow_null=True
    )
    spi = serializers.DecimalField(source="latest_spi", max_digits=8, decimal_places=3, allow_null=True)
    cpi = serializers.DecimalField(source="latest_cpi", max_digits=8, decimal_places=3, allow_null=True)
    bac = serializers.DecimalField(source="latest_bac", max_digits=18, decimal_places=2, allow_null=True)
    eac = serializers.DecimalField(source="latest_eac", max_digits=18, decimal_places=2, allow_null=True)
    next_milestone = serializers.CharField(allow_null=True)
    next_milestone_date = serializers.DateField(allow_null=True)


class DashboardDrillDownQuery(serializers.Serializer):
    figure = serializers.CharField(
        max_length=60, help_text="a key of the dashboard's counts: rag_red, late_over, budget-12, risk-4-5 …"
    )
    ordering = ordering_param(PROJECT_SORTS, default="code")


# --- Views -----------------------------------------------------------------------------------------------------------


class DashboardView(OrganizationAPIView):
    capabilities = {"*": Capability.DASHBOARD_VIEW}

    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: DashboardOutput}, tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every figure of the executive dashboard for the filters (a fixed number of queries)."""
        # Cached until a write touches the organisation (``reports.dashboard.caching``).
        filters = checked_filters(request, self.access)
        now = timezone.now()

        def compute() -> Any:
            return DashboardOutput(selectors.dashboard_data(access=self.access, filters=filters, now=now)).data

        output = caching.cached_result(
            OUTPUT_CACHE,
            access=self.access,
            parts=(caching.reader(self.access), caching.organization_today(self.access, now), filters),
            compute=compute,
        )
        return Response(output)


class DashboardProjectsView(PaginatedListMixin, OrganizationAPIView):
    capabilities = {"*": Capability.DASHBOARD_VIEW}

    @extend_schema(
        parameters=[*FILTER_PARAMETERS, DashboardDrillDownQuery],
        responses={200: DashboardProjectOutput(many=True)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The projects behind one figure of the dashboard, with the dashboard's filters (paginated)."""
        filters = checked_filters(request, self.access)
        query = DashboardDrillDownQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        now = timezone.now()
        window = selectors.Window(today=timezone.localdate(now), now=now)
        try:
            figure = selectors.figure_get(query.validated_data["figure"], access=self.access, window=window)
        except selectors.UnknownFigure as exc:
            raise exceptions.ValidationError({"figure": [_("Not a figure of the dashboard.")]}) from exc
        projects = selectors.figure_projects(access=self.access, filters=filters, figure=figure, window=window)
        ordered = projects.order_by(*sort_ordering(query.validated_data["ordering"], PROJECT_SORTS, default="code"))
        return self.paginated(ordered, DashboardProjectOutput)
