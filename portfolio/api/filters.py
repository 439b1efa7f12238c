"""The filters of the portfolio API lists (django-filter): the parameters of the web lists, each checked (a wrong
value is a 400 naming the parameter), each related row looked up in the caller's organisation (another
organisation's id is "not one of the available choices")."""

from __future__ import annotations

import django_filters as filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pmo.core.api_filters import BooleanParamFilter, organization_users, scoped
from pmo.core.listing import SortKey
from portfolio import selectors
from portfolio.models import Portfolio, Programme, ProjectRequest, Scenario, ScoringCriterion, StrategicObjective

SEARCH_MAX = 100


class PortfolioFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="filter_search", max_length=SEARCH_MAX, help_text="words of the name or description")
    owner = filters.ModelChoiceFilter(queryset=organization_users)

    class Meta:
        model = Portfolio
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Portfolio], name: str, value: str) -> QuerySet[Portfolio]:
        return queryset.filter(selectors.words_q(value, "name", "description"))


class ProgrammeFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="filter_search", max_length=SEARCH_MAX, help_text="words of the name or description")
    portfolio = filters.ModelChoiceFilter(queryset=scoped(Portfolio))
    manager = filters.ModelChoiceFilter(queryset=organization_users)

    class Meta:
        model = Programme
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Programme], name: str, value: str) -> QuerySet[Programme]:
        return queryset.filter(selectors.words_q(value, "name", "description"))


class ObjectiveFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_search", max_length=SEARCH_MAX, help_text="words of the code, name or description"
    )
    active = BooleanParamFilter()

    class Meta:
        model = StrategicObjective
        fields: list[str] = []

    def filter_search(
        self, queryset: QuerySet[StrategicObjective], name: str, value: str
    ) -> QuerySet[StrategicObjective]:
        return queryset.filter(selectors.words_q(value, "code", "name", "description"))


CRITERION_SORTS = {
    "order": SortKey(_("Order"), ("order", "key")),
    "key": SortKey(_("Key"), ("key",)),
    "name": SortKey(_("Name"), ("name",)),
    "weight": SortKey(_("Weight"), ("weight", "order")),
}


class CriterionFilterSet(filters.FilterSet):
    active = BooleanParamFilter()

    class Meta:
        model = ScoringCriterion
        fields: list[str] = []


class RequestFilterSet(filters.FilterSet):
    """The intake queue's filters (also the pipeline's)."""

    q = filters.CharFilter(
        method="filter_search", max_length=SEARCH_MAX, help_text="words of the title or business case, or REQ-0012"
    )
    status = filters.ChoiceFilter(choices=ProjectRequest.Status.choices)
    portfolio = filters.ModelChoiceFilter(queryset=scoped(Portfolio))
    programme = filters.ModelChoiceFilter(queryset=scoped(Programme))
    sponsor = filters.ModelChoiceFilter(queryset=organization_users)
    objective = filters.ModelChoiceFilter(
        queryset=scoped(StrategicObjective), method="filter_objective", help_text="requests serving this objective"
    )
    submitted_after = filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_before = filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte")

    class Meta:
        model = ProjectRequest
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[ProjectRequest], name: str, value: str) -> QuerySet[ProjectRequest]:
        return queryset.filter(selectors.request_search_q(value))

    def filter_objective(
        self, queryset: QuerySet[ProjectRequest], name: str, value: StrategicObjective
    ) -> QuerySet[ProjectRequest]:
        return queryset.filter(selectors.serving_objective_q(value.pk))


SCENARIO_SORTS = {
    "created": SortKey(_("Created"), ("created_at",)),
    "name": SortKey(_("Name"), ("name",)),
    "budget": SortKey(_("Budget"), ("budget_cap", "name")),
    "value": SortKey(_("Value"), ("selected_value", "name")),
}


class ScenarioFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="filter_search", max_length=SEARCH_MAX, help_text="words of the name or description")
    created_by = filters.ModelChoiceFilter(queryset=organization_users)

    class Meta:
        model = Scenario
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Scenario], name: str, value: str) -> QuerySet[Scenario]:
        return queryset.filter(selectors.words_q(value, "name", "description"))
