"""The filters of the alerts API lists (django-filter): the alert list's parameters of the web page, each checked
(a wrong value is a 400 naming the parameter), each related row looked up in the caller's organisation."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet

from pmo.core.api_filters import BooleanParamFilter, scoped
from projects.models import Project
from reports.alerts import selectors
from reports.metrics import METRICS
from reports.models import Alert, AlertRule, Severity, SubjectType

METRIC_CHOICES = [(key, str(metric.label)) for key, metric in METRICS.items()]


class AlertFilterSet(filters.FilterSet):
    state = filters.ChoiceFilter(
        choices=[(value, value) for value in selectors.STATE_FILTERS],
        method="filter_state",
        help_text="active: open or acknowledged (still needing attention)",
    )
    severity = filters.ChoiceFilter(choices=Severity.choices)
    metric = filters.ChoiceFilter(choices=METRIC_CHOICES)
    subject_type = filters.ChoiceFilter(choices=SubjectType.choices)
    project = filters.ModelChoiceFilter(queryset=scoped(Project))
    rule = filters.ModelChoiceFilter(queryset=scoped(AlertRule))

    class Meta:
        model = Alert
        fields: list[str] = []

    def filter_state(self, queryset: QuerySet[Alert], name: str, value: str) -> QuerySet[Alert]:
        return selectors.alerts_in_state(queryset, value)


class AlertRuleFilterSet(filters.FilterSet):
    metric = filters.ChoiceFilter(choices=METRIC_CHOICES)
    severity = filters.ChoiceFilter(choices=Severity.choices)
    scope = filters.ChoiceFilter(choices=AlertRule.Scope.choices)
    enabled = BooleanParamFilter()
    breaching = BooleanParamFilter(method="filter_breaching", help_text="with open alerts now")

    class Meta:
        model = AlertRule
        fields: list[str] = []

    def filter_breaching(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        # ``breaching`` is the count ``selectors.rule_list`` annotates.
        return queryset.filter(breaching__gt=0) if value else queryset.filter(breaching=0)
