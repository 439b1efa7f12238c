"""Forms of the change-control pages: raising (and editing) a change request, the decisions on it, the queue's
filters and the statistics' month range."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pmo.core.listing import check_range, sort_choices
from pmo.core.widgets import DateInput
from projects.changes.selectors import CHANGE_REQUEST_SORTS
from projects.changes.services import MAX_FINISH_DELTA_DAYS
from projects.models import ChangeRequest, ChangeType, Project


class ChangeRequestForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    change_type = forms.ChoiceField(label=_("Type"), choices=ChangeType.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    justification = forms.CharField(
        label=_("Justification"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the change is needed; it becomes the reason of the new baseline."),
    )
    cost_delta = forms.DecimalField(
        label=_("Cost delta"),
        max_digits=16,
        decimal_places=2,
        initial=0,
        help_text=_("Positive adds budget, negative saves."),
    )
    finish_delta_days = forms.IntegerField(
        label=_("Finish-date delta (days)"),
        initial=0,
        min_value=-MAX_FINISH_DELTA_DAYS,
        max_value=MAX_FINISH_DELTA_DAYS,
        help_text=_("Positive moves the finish later."),
    )
    scope_impact = forms.CharField(label=_("Scope impact"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    risk_impact = forms.CharField(label=_("Risk impact"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AssessForm(forms.Form):
    assessment = forms.CharField(
        label=_("Assessment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Impact on cost, schedule, scope and risk; options; your recommendation."),
    )


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ChangeFilterForm(forms.Form):
    search = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Code, title or project")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    change_type = forms.ChoiceField(label=_("Type"), required=False)
    project = forms.ModelChoiceField(label=_("Project"), required=False, queryset=Project.dangerously_unscoped.none())
    portfolio = forms.TypedChoiceField(label=_("Portfolio"), required=False, coerce=int, empty_value=None)
    submitted_from = forms.DateField(label=_("Submitted from"), required=False, widget=DateInput())
    submitted_to = forms.DateField(label=_("Submitted to"), required=False, widget=DateInput())
    sort = forms.ChoiceField(label=_("Sort by"), required=False)
    awaiting = forms.BooleanField(label=_("Awaiting my decision"), required=False)

    def __init__(self, *args: Any, projects: Any, portfolios: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["status"].choices = everything + list(ChangeRequest.Status.choices)  # type: ignore[attr-defined]
        self.fields["change_type"].choices = everything + list(ChangeType.choices)  # type: ignore[attr-defined]
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        self.fields["project"].empty_label = _("All")  # type: ignore[attr-defined]
        self.fields["portfolio"].choices = everything + [(p.pk, p.name) for p in portfolios]  # type: ignore[attr-defined]
        self.fields["sort"].choices = [("", _("Open first")), *sort_choices(CHANGE_REQUEST_SORTS)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_range(self, data, start="submitted_from", end="submitted_to")
        return data


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthField(forms.CharField):
    """``YYYY-MM`` → the first day of that month."""

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        match = _MONTH.match(text)
        if match:
            try:
                return dt.date(int(match.group(1)), int(match.group(2)), 1)
            except ValueError:
                pass
        raise ValidationError(_("Give the month as YYYY-MM, e.g. 2026-11."), code="invalid")


class StatsFilterForm(forms.Form):
    since = MonthField(label=_("From month"), required=False, widget=forms.TextInput(attrs={"placeholder": "2026-01"}))
    until = MonthField(label=_("To month"), required=False, widget=forms.TextInput(attrs={"placeholder": "2026-12"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_range(
            self, data, start="since", end="until", message=str(_("The end month cannot be before the start month."))
        )
        return data
