"""The filters and sort keys of the projects API lists (django-filter): the parameters of the web lists where there
is one, each checked (a wrong value is a 400 naming the parameter), each related row looked up in the caller's
organisation (another organisation's id is "not one of the available choices")."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from pmo.core.api_filters import BooleanParamFilter, organization_users, scoped
from pmo.core.listing import SortKey
from portfolio.models import Portfolio, Programme, StrategicObjective
from projects import selectors
from projects.models import (
    Baseline,
    DeciderRole,
    Dependency,
    GateKind,
    GateReview,
    Milestone,
    ProcessTemplate,
    Project,
    ProjectDeliverable,
    ProjectPhase,
    TailoringRequest,
    TemplateDeliverable,
    TemplateGate,
    TemplatePhase,
)
from projects.services import organization_today

SEARCH_MAX = 100


def visible_projects(request: Any) -> QuerySet[Project]:
    """The queryset of a ``project`` filter: the projects the caller may read (another one is not a choice)."""
    return selectors.projects_visible_to(access=request.parser_context["view"].access)


# --- Projects ---------------------------------------------------------------------------------------------------


class ProjectFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Project.Status.choices)
    priority = filters.ChoiceFilter(choices=Project.Priority.choices)
    portfolio = filters.ModelChoiceFilter(queryset=scoped(Portfolio))
    programme = filters.ModelChoiceFilter(queryset=scoped(Programme))
    template = filters.ModelChoiceFilter(queryset=scoped(ProcessTemplate), help_text="process template")
    manager = filters.ModelChoiceFilter(queryset=organization_users)
    sponsor = filters.ModelChoiceFilter(queryset=organization_users)
    objective = filters.ModelChoiceFilter(
        queryset=scoped(StrategicObjective),
        field_name="objective_links__objective",
        help_text="projects serving this strategic objective",
    )
    tag = filters.CharFilter(field_name="tags", method="filter_tag", max_length=40)
    q = filters.CharFilter(method="filter_search", max_length=SEARCH_MAX, help_text="words of the name or code")
    search = filters.CharFilter(method="filter_search", max_length=SEARCH_MAX, help_text="deprecated: use q")
    planned_start_after = filters.DateFilter(field_name="planned_start", lookup_expr="gte")
    planned_start_before = filters.DateFilter(field_name="planned_start", lookup_expr="lte")
    planned_finish_after = filters.DateFilter(field_name="planned_finish", lookup_expr="gte")
    planned_finish_before = filters.DateFilter(field_name="planned_finish", lookup_expr="lte")

    class Meta:
        model = Project
        fields: list[str] = []

    def filter_tag(self, queryset: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        return queryset.filter(tags__contains=[value])

    def filter_search(self, queryset: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        return queryset.filter(selectors.project_search_q(value.strip()))


# --- Milestones, lifecycle, baselines ---------------------------------------------------------------------------

MILESTONE_SORTS = {
    "order": SortKey(_("Order"), ("order",)),
    "name": SortKey(_("Name"), ("name",)),
    "baseline": SortKey(_("Baseline date"), ("baseline_date", "order")),
    "forecast": SortKey(_("Forecast date"), ("forecast_date", "order")),
    "actual": SortKey(_("Actual date"), ("actual_date", "order")),
}


class MilestoneFilterSet(filters.FilterSet):
    phase = filters.ModelChoiceFilter(queryset=scoped(ProjectPhase))
    achieved = BooleanParamFilter(field_name="actual_date", method="filter_achieved", help_text="has an actual date")
    late = BooleanParamFilter(
        method="filter_late", help_text="open and late: forecast past, or later than the baseline date"
    )
    forecast_after = filters.DateFilter(field_name="forecast_date", lookup_expr="gte")
    forecast_before = filters.DateFilter(field_name="forecast_date", lookup_expr="lte")

    class Meta:
        model = Milestone
        fields: list[str] = []

    def filter_achieved(self, queryset: QuerySet[Milestone], name: str, value: bool) -> QuerySet[Milestone]:
        return queryset.filter(actual_date__isnull=not value)

    def filter_late(self, queryset: QuerySet[Milestone], name: str, value: bool) -> QuerySet[Milestone]:
        late = selectors.milestone_late_q(organization_today(self.request.parser_context["view"].organization))
        return queryset.filter(late) if value else queryset.exclude(late)


PHASE_SORTS = {"order": SortKey(_("Order"), ("order",))}


class PhaseFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ProjectPhase.Status.choices)

    class Meta:
        model = ProjectPhase
        fields: list[str] = []


DELIVERABLE_SORTS = {
    "phase": SortKey(_("Phase"), ("phase__order", "order")),
    "name": SortKey(_("Name"), ("name",)),
    "status": SortKey(_("Status"), ("status", "phase__order", "order")),
    "updated": SortKey(_("Updated"), ("updated_at",)),
}


class DeliverableFilterSet(filters.FilterSet):
    phase = filters.ModelChoiceFilter(queryset=scoped(ProjectPhase))
    status = filters.ChoiceFilter(choices=ProjectDeliverable.Status.choices)
    required = BooleanParamFilter()

    class Meta:
        model = ProjectDeliverable
        fields: list[str] = []


GATE_SORTS = {
    "phase": SortKey(_("Phase"), ("phase__order", "order")),
    "code": SortKey(_("Code"), ("code",)),
    "planned": SortKey(_("Planned date"), ("planned_date", "phase__order", "order")),
    "decided": SortKey(_("Decided"), ("decided_at",)),
}


class GateFilterSet(filters.FilterSet):
    phase = filters.ModelChoiceFilter(queryset=scoped(ProjectPhase))
    kind = filters.ChoiceFilter(choices=GateKind.choices)
    decider = filters.ChoiceFilter(choices=DeciderRole.choices)
    decision = filters.ChoiceFilter(choices=GateReview.Decision.choices)

    class Meta:
        model = GateReview
        fields: list[str] = []


TAILORING_SORTS = {
    "proposed": SortKey(_("Proposed"), ("proposed_at",)),
    "decided": SortKey(_("Decided"), ("decided_at",)),
}


class TailoringFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=TailoringRequest.Status.choices)

    class Meta:
        model = TailoringRequest
        fields: list[str] = []


BASELINE_SORTS = {
    "version": SortKey(_("Version"), ("version",)),
    "approved": SortKey(_("Approved"), ("approved_at",)),
    "budget": SortKey(_("Budget"), ("budget", "version")),
}


class BaselineFilterSet(filters.FilterSet):
    reason_category = filters.ChoiceFilter(choices=Baseline.ReasonCategory.choices)
    approved_after = filters.DateFilter(field_name="approved_at", lookup_expr="date__gte")
    approved_before = filters.DateFilter(field_name="approved_at", lookup_expr="date__lte")

    class Meta:
        model = Baseline
        fields: list[str] = []


# --- Dependencies -----------------------------------------------------------------------------------------------


class DependencyFilterSet(filters.FilterSet):
    project = filters.ModelChoiceFilter(
        queryset=visible_projects, method="filter_project", help_text="needed by or from this project"
    )
    conflict = BooleanParamFilter(help_text="true: the upstream date lies after the date needed")

    class Meta:
        model = Dependency
        fields: list[str] = []

    def filter_project(self, queryset: QuerySet[Dependency], name: str, value: Project) -> QuerySet[Dependency]:
        return queryset.filter(Q(upstream_project=value) | Q(downstream_project=value))


# --- Process templates ------------------------------------------------------------------------------------------

TEMPLATE_SORTS = {
    "name": SortKey(_("Name"), ("name",)),
    "kind": SortKey(_("Kind"), ("kind", "name")),
    "created": SortKey(_("Created"), ("created_at",)),
    "projects": SortKey(_("Projects"), ("project_count", "name")),
}


class TemplateFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ProcessTemplate.Kind.choices)
    active = BooleanParamFilter()
    is_builtin = BooleanParamFilter()
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=SEARCH_MAX, help_text="name")

    class Meta:
        model = ProcessTemplate
        fields: list[str] = []


TEMPLATE_ITEM_SORTS = {
    "phase": SortKey(_("Phase"), ("phase__order", "order")),
    "name": SortKey(_("Name"), ("name", "phase__order", "order")),
}


class TemplateDeliverableFilterSet(filters.FilterSet):
    phase = filters.ModelChoiceFilter(queryset=scoped(TemplatePhase))
    required = BooleanParamFilter()

    class Meta:
        model = TemplateDeliverable
        fields: list[str] = []


class TemplateGateFilterSet(filters.FilterSet):
    phase = filters.ModelChoiceFilter(queryset=scoped(TemplatePhase))
    kind = filters.ChoiceFilter(choices=GateKind.choices)

    class Meta:
        model = TemplateGate
        fields: list[str] = []
