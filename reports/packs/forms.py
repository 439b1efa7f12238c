"""Forms of the Reports page: the list filter, "Generate" and a schedule's edit. They check shapes only; the
services check the rules (who may request which kind, periods, projects)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pmo.core.listing import sort_choices
from projects.models import Project
from reports.models import Report, ReportKind
from reports.packs.selectors import REPORT_SORTS

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def _kind_choices(kinds: list[str]) -> list[tuple[str, str]]:
    labels = dict(ReportKind.choices)
    return [(kind, str(labels[kind])) for kind in kinds]


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.name}"


class ReportFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    project = ProjectChoiceField(
        label=_("Project"), required=False, queryset=Project.dangerously_unscoped.none(), empty_label=_("All")
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args: Any, kinds: list[str], projects: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *_kind_choices(kinds)]  # type: ignore[attr-defined]
        self.fields["state"].choices = [("", _("All")), *Report.State.choices]  # type: ignore[attr-defined]
        if projects is not None:
            self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        self.fields["sort"].choices = sort_choices(REPORT_SORTS)  # type: ignore[attr-defined]


class ReportGenerateForm(forms.Form):
    kind = forms.ChoiceField(label=pgettext_lazy("report pack", "Report"))
    period = forms.CharField(
        label=_("Period"),
        required=False,
        max_length=10,
        help_text=_("A week (2026-W47) or, for the monthly review, a month (2026-11). Empty: the default period."),
    )
    project = ProjectChoiceField(
        label=_("Project"),
        required=False,
        queryset=Project.dangerously_unscoped.none(),
        help_text=_("For a one-pager or a closure report."),
    )

    def __init__(self, *args: Any, kinds: list[str], projects: QuerySet[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kind_choices(kinds)  # type: ignore[attr-defined]
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        self.fields["project"].empty_label = _("— choose a project —")  # type: ignore[attr-defined]


class ReportScheduleForm(forms.Form):
    enabled = forms.BooleanField(label=_("Enabled"), required=False)
    weekday = forms.TypedChoiceField(label=_("Day of the week"), choices=WEEKDAYS, coerce=int, required=False)
    day_of_month = forms.IntegerField(label=_("Day of the month"), min_value=1, max_value=28, required=False)
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
