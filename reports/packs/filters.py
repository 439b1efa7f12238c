"""The filters of the report packs API list (django-filter): the Reports page's parameters, each checked (a wrong
value is a 400 naming the parameter), the project looked up in the caller's organisation."""

from __future__ import annotations

import django_filters as filters

from pmo.core.api_filters import BooleanParamFilter, scoped
from projects.models import Project
from reports.models import Report, ReportKind, ReportSchedule, ReportSubscription


class ReportFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ReportKind.choices)
    state = filters.ChoiceFilter(choices=Report.State.choices)
    project = filters.ModelChoiceFilter(queryset=scoped(Project))
    period = filters.CharFilter(max_length=10, help_text="2026-W47 or 2026-11")

    class Meta:
        model = Report
        fields: list[str] = []


class ReportSubscriptionFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ReportKind.choices)

    class Meta:
        model = ReportSubscription
        fields: list[str] = []


class ReportScheduleFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ReportKind.choices)
    enabled = BooleanParamFilter()

    class Meta:
        model = ReportSchedule
        fields: list[str] = []
