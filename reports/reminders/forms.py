"""The reminder policy form. It only types the input (numbers, a time, a weekday); the service checks the ranges."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.models import ControlPolicy
from reports.models import ReminderPolicy
from reports.reminders.services import POLICY_FIELDS, RANGES

HELP = {
    "enabled": _("Off: no reminders and no escalations are sent (the daily digest is not affected)."),
    "status_lead_hours": _("Managers whose report is missing are reminded this many hours before it is due (0: no "
                           "advance reminder)."),
    "status_escalate_hours": _("A report still missing this many hours after the due time is escalated to the PMO "
                               "and the manager is told it is overdue."),
    "timesheet_due_weekday": _("Each ISO week's timesheet is due on this day of that week."),
    "timesheet_due_time": _("…at this time, in the organisation's time zone."),
    "timesheet_lead_hours": _("People allocated that week without a submitted timesheet are reminded this many hours "
                              "before it is due."),
    "timesheet_escalate_hours": _("A timesheet still missing this many hours after the due time is overdue: the "
                                  "person and their approvers (the project managers, else the PMO) are told."),
    "digest_hour": _("Notifications held for the daily digest are e-mailed at this hour (0–23)."),
}  # fmt: skip


class ReminderPolicyForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = forms.fields_for_model(
            ReminderPolicy,
            fields=list(POLICY_FIELDS),
            widgets={"timesheet_due_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")},
        )
        fields["timesheet_due_weekday"] = forms.TypedChoiceField(
            label=fields["timesheet_due_weekday"].label, choices=ControlPolicy.Weekday.choices, coerce=int
        )
        for name in POLICY_FIELDS:
            field = fields[name]
            field.help_text = HELP[name]
            if name in RANGES and isinstance(field, forms.IntegerField):
                low, high = RANGES[name]
                field.widget.attrs.update(min=str(low), max=str(high))
            self.fields[name] = field

    @classmethod
    def for_policy(cls, policy: ReminderPolicy, data: Any = None) -> ReminderPolicyForm:
        initial = {name: getattr(policy, name) for name in POLICY_FIELDS} | {"version": policy.version}
        return cls(data, initial=initial)

    @property
    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (str(_("Reminders")), [self["enabled"], self["digest_hour"]]),
            (str(_("Weekly status")), [self["status_lead_hours"], self["status_escalate_hours"]]),
            (
                str(_("Weekly timesheets")),
                [
                    self["timesheet_due_weekday"],
                    self["timesheet_due_time"],
                    self["timesheet_lead_hours"],
                    self["timesheet_escalate_hours"],
                ],
            ),
        ]

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in POLICY_FIELDS}
