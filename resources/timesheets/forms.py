"""Forms of the timesheet pages. They only type the input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

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
