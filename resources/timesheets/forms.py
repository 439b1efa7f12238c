"""Forms of the timesheet pages. They only type the input; the services check the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmo.core.listing import sort_choices
from projects.models import Project
from projects.policy import parse_week
from resources.models import Department, Person
from resources.timesheets.selectors import APPROVAL_SORTS
from resources.timesheets.services import COMMENT_MAX

HOURS_PREFIX = "hours-"
NOTE_PREFIX = "note-"


class WeekSheetForm(forms.Form):
    """The week's sheet: ``hours-<project id>`` and ``note-<project id>`` per row (read by ``entries``), the
    version read, and which button was pressed."""

    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[("save", _("Save")), ("submit", _("Submit"))])

    def entries(self) -> list[dict[str, Any]]:
        """One ``{"project", "hours", "note"}`` per posted row; blank hours are 0 (the service drops them)."""
        rows = []
        for key, value in self.data.items():
            if key.startswith(HOURS_PREFIX) and key[len(HOURS_PREFIX) :].isdigit():
                project = key[len(HOURS_PREFIX) :]
                rows.append(
                    {
                        "project": int(project),
                        "hours": (value or "").strip() or "0",
                        "note": self.data.get(f"{NOTE_PREFIX}{project}", ""),
                    }
                )
        return rows


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to return a timesheet: say what should be corrected."),
    )


class ApprovalFilterForm(forms.Form):
    """Filters and sort of the approval queue (choices limited to the actor's organisation and visible projects)."""

    person = forms.ModelChoiceField(label=_("Person"), required=False, queryset=Person.dangerously_unscoped.none())
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.dangerously_unscoped.none()
    )
    project = forms.ModelChoiceField(label=_("Project"), required=False, queryset=Project.dangerously_unscoped.none())
    week = forms.CharField(
        label=_("Week"),
        required=False,
        widget=forms.TextInput(attrs={"type": "week", "placeholder": "2026-W47"}),
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args: Any, people: Any, departments: Any, projects: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (("person", people), ("department", departments), ("project", projects)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset
            field.empty_label = _("All")
        sort = self.fields["sort"]
        assert isinstance(sort, forms.ChoiceField)
        sort.choices = sort_choices(APPROVAL_SORTS)

    def clean_week(self) -> dt.date | None:
        text = (self.cleaned_data.get("week") or "").strip()
        return parse_week(text) if text else None
