"""The filters of the RAID API lists (django-filter): the register's and the issue log's parameters of the web
lists, each checked (a wrong value is a 400 naming the parameter), each related row looked up in the caller's
organisation; the rows are already those the caller may read."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import Q, QuerySet

from pmo.core.api_filters import BooleanParamFilter, IntegerFilter, filter_view, organization_users, scoped
from portfolio.models import Portfolio
from projects.models import Project
from projects.services import organization_today
from risks import scoring, selectors
from risks.models import Assumption, EscalationLevel, Issue, Risk, RiskAction

SEARCH_MAX = 100


class RaidFilterSet(filters.FilterSet):
    """What the risk register and the issue log share (``open_items``: the items still open)."""

    open_items = Q()

    project = filters.ModelChoiceFilter(queryset=scoped(Project))
    portfolio = filters.ModelChoiceFilter(
        queryset=scoped(Portfolio),
        method="filter_portfolio",
        help_text="logged on the portfolio or one of its projects",
    )
    owner = filters.ModelChoiceFilter(queryset=organization_users, help_text="a member's user id")
    escalation = filters.ChoiceFilter(field_name="escalation_level", choices=EscalationLevel.choices)
    escalated_to_me = BooleanParamFilter(
        method="filter_escalated_to_me", help_text="open items at a level you own (the PMO's, the executives')"
    )

    def filter_portfolio(self, queryset: QuerySet[Any], name: str, value: Portfolio) -> QuerySet[Any]:
        return queryset.filter(selectors.in_portfolio_q(value.pk))

    def filter_escalated_to_me(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        mine = selectors.escalated_to_q(filter_view(self).access) & self.open_items
        return queryset.filter(mine) if value else queryset.exclude(mine)


class RiskFilterSet(RaidFilterSet):
    open_items = Q(status=Risk.Status.OPEN)
    status = filters.ChoiceFilter(choices=Risk.Status.choices)
    category = filters.ChoiceFilter(choices=Risk.Category.choices)
    level = filters.ChoiceFilter(choices=scoring.LEVEL_CHOICES, help_text="by the organisation's thresholds")
    stale = BooleanParamFilter(help_text="review overdue by the organisation's review period")
    probability = IntegerFilter(min_value=1, max_value=scoring.MAX_SCALE)
    impact = IntegerFilter(min_value=1, max_value=scoring.MAX_SCALE)
    q = filters.CharFilter(method="filter_search", max_length=SEARCH_MAX, help_text="title or cause")

    class Meta:
        model = Risk
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        return queryset.filter(selectors.risk_search_q(value.strip()))


class IssueFilterSet(RaidFilterSet):
    open_items = Q(status__in=selectors.OPEN_ISSUE_STATES)
    status = filters.ChoiceFilter(choices=Issue.Status.choices)
    severity = filters.ChoiceFilter(choices=Issue.Severity.choices)
    overdue = BooleanParamFilter(method="filter_overdue", help_text="open and due before today")
    q = filters.CharFilter(method="filter_search", max_length=SEARCH_MAX, help_text="title or description")

    class Meta:
        model = Issue
        fields: list[str] = []

    def filter_overdue(self, queryset: QuerySet[Issue], name: str, value: bool) -> QuerySet[Issue]:
        today = organization_today(filter_view(self).organization)
        overdue = queryset.filter(due_date__lt=today, status__in=selectors.OPEN_ISSUE_STATES)
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_search(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        return queryset.filter(selectors.issue_search_q(value.strip()))


class RiskActionFilterSet(filters.FilterSet):
    owner = filters.ModelChoiceFilter(queryset=organization_users, help_text="a member's user id")
    done = BooleanParamFilter(field_name="done_at", lookup_expr="isnull", exclude=True, help_text="ticked off")

    class Meta:
        model = RiskAction
        fields: list[str] = []


class AssumptionFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Assumption.Status.choices)
    owner = filters.ModelChoiceFilter(queryset=organization_users, help_text="a member's user id")

    class Meta:
        model = Assumption
        fields: list[str] = []
