"""The filters and sort keys of the weekly-status API lists (django-filter): the parameters of the web lists, each
checked (a wrong value is a 400 naming the parameter), each related row looked up in the caller's organisation."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from pmo.core.api_filters import organization_users, scoped
from pmo.core.listing import SortKey
from portfolio.models import Portfolio
from projects.api_fields import IsoWeekFilter
from projects.filters import visible_projects
from projects.models import StatusReport

REPORT_SORTS = {
    "week": SortKey(_("Week"), ("week_start", "project__code")),
    "project": SortKey(_("Project"), ("project__code", "-week_start")),
    "state": SortKey(_("State"), ("state", "-week_start", "project__code")),
    "submitted": SortKey(_("Submitted"), ("submitted_at",)),
    "due": SortKey(_("Due"), ("due_at", "project__code")),
}


class ProjectStatusReportFilterSet(filters.FilterSet):
    """A project's weekly reports (``projects/<id>/status-reports/``)."""

    week = IsoWeekFilter(field_name="week_start")
    week_after = IsoWeekFilter(field_name="week_start", lookup_expr="gte", help_text="this ISO week or later")
    week_before = IsoWeekFilter(field_name="week_start", lookup_expr="lte", help_text="this ISO week or earlier")
    state = filters.ChoiceFilter(choices=StatusReport.State.choices)

    class Meta:
        model = StatusReport
        fields: list[str] = []


class StatusReportFilterSet(ProjectStatusReportFilterSet):
    """The reports of every project the caller may read (``status-reports/``)."""

    project = filters.ModelChoiceFilter(queryset=visible_projects)
    portfolio = filters.ModelChoiceFilter(field_name="project__portfolio", queryset=scoped(Portfolio))
    manager = filters.ModelChoiceFilter(field_name="project__manager", queryset=organization_users)

    class Meta:
        model = StatusReport
        fields: list[str] = []
