"""The filters of the change-request API lists (django-filter): the parameters of the web list, each checked (a
wrong value is a 400 naming the parameter), each related row looked up in the caller's organisation."""

from __future__ import annotations

import django_filters as filters
from django.db.models import QuerySet

from pmo.core.api_filters import scoped
from portfolio.models import Portfolio
from projects.changes import selectors
from projects.filters import SEARCH_MAX, visible_projects
from projects.models import ChangeRequest, ChangeType


class ProjectChangeRequestFilterSet(filters.FilterSet):
    """A project's change requests (``projects/<id>/change-requests/``)."""

    status = filters.ChoiceFilter(choices=ChangeRequest.Status.choices)
    type = filters.ChoiceFilter(field_name="change_type", choices=ChangeType.choices)
    q = filters.CharFilter(
        method="filter_search", max_length=SEARCH_MAX, help_text="words of the code (CR-012), title or project"
    )
    submitted_after = filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_before = filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte")
    awaiting = filters.ChoiceFilter(
        choices=[("me", "me")], method="filter_awaiting", help_text="me: the requests waiting for your decision"
    )

    class Meta:
        model = ChangeRequest
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[ChangeRequest], name: str, value: str) -> QuerySet[ChangeRequest]:
        return queryset.filter(selectors.change_request_search_q(value))

    def filter_awaiting(self, queryset: QuerySet[ChangeRequest], name: str, value: str) -> QuerySet[ChangeRequest]:
        return queryset.filter(selectors.awaiting_decision_of(access=self.request.parser_context["view"].access))


class ChangeRequestFilterSet(ProjectChangeRequestFilterSet):
    """Every change request the caller may read (``change-requests/``)."""

    project = filters.ModelChoiceFilter(queryset=visible_projects)
    portfolio = filters.ModelChoiceFilter(field_name="project__portfolio", queryset=scoped(Portfolio))

    class Meta:
        model = ChangeRequest
        fields: list[str] = []
