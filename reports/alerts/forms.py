"""Forms of the alert pages: the alert list's filters, acknowledging, and a rule. They check shapes only; the
services check the rules (metric and scope, the organisation's portfolios and projects, roles, versions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pmo.tenancy.roles import Role
from portfolio.models import Portfolio
from projects.models import Project
from reports.alerts import selectors
from reports.metrics import METRICS
from reports.models import Alert, AlertRule, Operator, Severity

EVERYTHING = [("", _("All"))]


def metric_choices() -> list[tuple[str, str]]:
    return [(key, str(metric.label)) for key, metric in METRICS.items()]


class AlertFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            (selectors.ACTIVE, _("Needs attention")),
            (Alert.State.OPEN, pgettext_lazy("alert", "Open")),
            (Alert.State.ACKNOWLEDGED, _("Acknowledged")),
            (Alert.State.RESOLVED, _("Resolved")),
        ],
    )
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    metric = forms.ChoiceField(label=_("Metric"), required=False)
    project = forms.ModelChoiceField(
        label=_("Project"), required=False, queryset=Project.dangerously_unscoped.none(), empty_label=_("All")
    )
    rule = forms.ModelChoiceField(
        label=_("Rule"), required=False, queryset=AlertRule.dangerously_unscoped.none(), empty_label=_("All")
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Most severe first")),
            ("-opened", _("Newest first")),
            ("opened", _("Oldest first")),
            ("-resolved", _("Last resolved first")),
            ("metric", _("Metric")),
        ],
    )

    def __init__(self, *args: Any, projects: Any, rules: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = EVERYTHING + list(Severity.choices)  # type: ignore[attr-defined]
        self.fields["metric"].choices = EVERYTHING + metric_choices()  # type: ignore[attr-defined]
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        if rules is not None:
            self.fields["rule"].queryset = rules  # type: ignore[attr-defined]


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": _("What is being done (optional)")}),
    )


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    metric = forms.ChoiceField(label=_("Metric"))
    operator = forms.ChoiceField(label=_("Operator"), choices=Operator.choices)
    threshold = forms.DecimalField(label=_("Threshold"), max_digits=14, decimal_places=4)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.WARNING)
    scope = forms.ChoiceField(label=_("Applies to"), choices=AlertRule.Scope.choices, initial=AlertRule.Scope.ALL)
    portfolio = forms.ModelChoiceField(
        label=_("Portfolio"), required=False, queryset=Portfolio.dangerously_unscoped.none(), empty_label="—"
    )
    project = ProjectChoiceField(
        label=_("Project"), required=False, queryset=Project.dangerously_unscoped.none(), empty_label="—"
    )
    notify_roles = forms.MultipleChoiceField(
        label=_("Tell these roles"), required=False, choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    notify_owner = forms.BooleanField(
        label=_("Tell the owner (the project's manager, or the person)"), required=False, initial=True
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, portfolios: Any, projects: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = metric_choices()  # type: ignore[attr-defined]
        self.fields["portfolio"].queryset = portfolios  # type: ignore[attr-defined]
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        self.fields["threshold"].widget.attrs["step"] = "any"

    def service_values(self) -> dict[str, Any]:
        values = {name: value for name, value in self.cleaned_data.items() if name != "version"}
        values["notify_roles"] = list(values.get("notify_roles") or [])
        return values
