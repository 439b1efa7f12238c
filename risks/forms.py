"""Forms of the risk pages: logging and editing a risk, escalation, actions, issues, assumptions, the register's
filters and the organisation's risk settings. They check shapes only; the services check the rules (scale,
rights, states)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pmo.core.listing import sort_choices
from pmo.core.widgets import DateInput
from portfolio.models import Portfolio
from projects.models import Project
from risks.models import Assumption, EscalationLevel, Issue, Risk
from risks.scoring import LEVEL_CHOICES, MAX_SCALE
from risks.selectors import ISSUE_SORTS, RISK_SORTS
from risks.widgets import QuickSelect

DATE = DateInput()
EVERYTHING = [("", _("All"))]


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.email)


def _members(form: forms.Form, members: Any, *names: str) -> None:
    for name in names:
        field = form.fields[name]
        field.queryset = members  # type: ignore[attr-defined]
        field.empty_label = _("Nobody yet")  # type: ignore[attr-defined]


def _ratings(scale: int) -> list[tuple[int, str]]:
    return [(value, str(value)) for value in range(1, scale + 1)]


class RiskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Risk.Category.choices)
    probability = forms.TypedChoiceField(label=_("Probability"), coerce=int)
    impact = forms.TypedChoiceField(label=_("Impact"), coerce=int)
    cause = forms.CharField(
        label=_("Cause"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Because of …")
    )
    event = forms.CharField(
        label=_("Event"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("… this may happen …")
    )
    effect = forms.CharField(
        label=_("Effect"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("… which would lead to …"),
    )
    owner = MemberChoiceField(label=_("Owner"), required=False, queryset=Project.dangerously_unscoped.none())
    proximity = forms.DateField(label=_("Proximity"), required=False, widget=DATE, help_text=_("When it could occur."))
    strategy = forms.ChoiceField(label=_("Response strategy"), choices=Risk.Strategy.choices)
    response_plan = forms.CharField(label=_("Response plan"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    contingency = forms.CharField(label=_("Contingency"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, members: Any, scale: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _members(self, members, "owner")
        for name in ("probability", "impact"):
            self.fields[name].choices = _ratings(scale)  # type: ignore[attr-defined]
        self.fields["strategy"].initial = Risk.Strategy.MITIGATE


class NewRiskForm(RiskForm):
    """A new risk: on one of the projects the actor keeps, or (for the PMO) on a portfolio."""

    project = forms.ModelChoiceField(label=_("Project"), required=False, queryset=Project.dangerously_unscoped.none())
    portfolio = forms.ModelChoiceField(
        label=_("Portfolio (portfolio-level risk)"), required=False, queryset=Portfolio.dangerously_unscoped.none()
    )

    field_order = ["project", "portfolio"]

    def __init__(self, *args: Any, projects: Any, portfolios: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        self.fields["project"].empty_label = _("— none (portfolio-level) —")  # type: ignore[attr-defined]
        self.fields["portfolio"].queryset = portfolios  # type: ignore[attr-defined]
        if not portfolios.exists():
            del self.fields["portfolio"]
            self.fields["project"].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("project") and not data.get("portfolio"):
            self.add_error("project", _("Choose a project, or a portfolio for a portfolio-level risk."))
        return data


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=_("Why it needs the next level"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    set_strategy = forms.BooleanField(label=_('Set the response strategy to "escalate"'), required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ActionForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("risk", "Action"), max_length=200)
    owner = MemberChoiceField(label=_("Owner"), required=False, queryset=Project.dangerously_unscoped.none())
    due_date = forms.DateField(label=_("Due"), required=False, widget=DATE)

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _members(self, members, "owner")


class ToIssueForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=Issue.Severity.choices, required=False)
    due_date = forms.DateField(label=_("Due"), required=False, widget=DATE)


class IssueForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    severity = forms.ChoiceField(label=_("Severity"), choices=Issue.Severity.choices, initial=Issue.Severity.MEDIUM)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner = MemberChoiceField(label=_("Owner"), required=False, queryset=Project.dangerously_unscoped.none())
    due_date = forms.DateField(label=_("Due"), required=False, widget=DATE)

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        # The RAID tab shows the risk, assumption and issue forms together: their ids must not clash.
        kwargs.setdefault("auto_id", "issue_%s")
        super().__init__(*args, **kwargs)
        _members(self, members, "owner")


class IssueEditForm(IssueForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (Issue.Status.OPEN, Issue.Status.OPEN.label),
            (Issue.Status.IN_PROGRESS, Issue.Status.IN_PROGRESS.label),
        ],
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 2}))


class AssumptionForm(forms.Form):
    title = forms.CharField(label=_("Assumption"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner = MemberChoiceField(label=_("Owner"), required=False, queryset=Project.dangerously_unscoped.none())
    validate_by = forms.DateField(label=_("Validate by"), required=False, widget=DATE)

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        # The RAID tab shows the risk, assumption and issue forms together: their ids must not clash.
        kwargs.setdefault("auto_id", "assumption_%s")
        super().__init__(*args, **kwargs)
        _members(self, members, "owner")


class AssumptionStatusForm(forms.Form):
    assumption = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=Assumption.Status.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RiskFilterForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("Project"), required=False, queryset=Project.dangerously_unscoped.none(), widget=QuickSelect
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    escalation = forms.ChoiceField(label=pgettext_lazy("risk", "Escalation"), required=False)
    owner = MemberChoiceField(
        label=_("Owner"), required=False, queryset=Project.dangerously_unscoped.none(), widget=QuickSelect
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)
    stale = forms.BooleanField(label=_("Stale only"), required=False)
    probability = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_SCALE)
    impact = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_SCALE)
    portfolio = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, projects: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        self.fields["project"].empty_label = _("All")  # type: ignore[attr-defined]
        self.fields["owner"].queryset = members  # type: ignore[attr-defined]
        self.fields["owner"].empty_label = _("All")  # type: ignore[attr-defined]
        self.fields["status"].choices = EVERYTHING + list(Risk.Status.choices)  # type: ignore[attr-defined]
        self.fields["category"].choices = EVERYTHING + list(Risk.Category.choices)  # type: ignore[attr-defined]
        self.fields["level"].choices = EVERYTHING + LEVEL_CHOICES  # type: ignore[attr-defined]
        self.fields["escalation"].choices = EVERYTHING + list(EscalationLevel.choices)  # type: ignore[attr-defined]
        self.fields["sort"].choices = sort_choices(RISK_SORTS)  # type: ignore[attr-defined]


class IssueFilterForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("Project"), required=False, queryset=Project.dangerously_unscoped.none(), widget=QuickSelect
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    escalation = forms.ChoiceField(label=pgettext_lazy("risk", "Escalation"), required=False)
    owner = MemberChoiceField(
        label=_("Owner"), required=False, queryset=Project.dangerously_unscoped.none(), widget=QuickSelect
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, projects: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        self.fields["project"].empty_label = _("All")  # type: ignore[attr-defined]
        self.fields["owner"].queryset = members  # type: ignore[attr-defined]
        self.fields["owner"].empty_label = _("All")  # type: ignore[attr-defined]
        self.fields["status"].choices = EVERYTHING + list(Issue.Status.choices)  # type: ignore[attr-defined]
        self.fields["severity"].choices = EVERYTHING + list(Issue.Severity.choices)  # type: ignore[attr-defined]
        self.fields["escalation"].choices = EVERYTHING + list(EscalationLevel.choices)  # type: ignore[attr-defined]
        self.fields["sort"].choices = sort_choices(ISSUE_SORTS)  # type: ignore[attr-defined]


class RiskSettingsForm(forms.Form):
    scale = forms.TypedChoiceField(
        label=_("Scale"),
        coerce=int,
        choices=[(3, "3 × 3"), (4, "4 × 4"), (5, "5 × 5")],
        help_text=_("Levels of probability and impact."),
    )
    medium_from = forms.IntegerField(label=_("Medium from score"), min_value=1)
    high_from = forms.IntegerField(label=_("High from score"), min_value=1)
    review_period_days = forms.IntegerField(
        label=_("Review period (days)"), min_value=1, help_text=_("An open risk not reviewed for longer is stale.")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
