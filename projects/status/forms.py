"""Forms of the weekly status pages. They only type the input; the services check the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from pmo.core.listing import SortKey, sort_choices
from pmo.core.widgets import DateInput
from projects.models import ControlPolicy, Rag, StatusReport
from projects.policy import POLICY_FIELDS, parse_week
from projects.status.services import MAX_ESCALATIONS, RAG_FIELDS

EMPTY_ESCALATION_ROWS = 2
ESCALATION_KEYS = ("title", "detail", "decision_needed", "decision_from", "resolved")


class StatusReportForm(forms.Form):
    """One page: the seven RAGs, the figures, three texts, the justification and escalation rows (the existing ones
    plus empty ones; an empty title drops the row)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    rag_overall = forms.ChoiceField(label=_("Overall"), choices=Rag.choices, widget=forms.RadioSelect)
    rag_schedule = forms.ChoiceField(label=_("Schedule"), choices=Rag.choices, widget=forms.RadioSelect)
    rag_cost = forms.ChoiceField(label=_("Cost"), choices=Rag.choices, widget=forms.RadioSelect)
    rag_scope = forms.ChoiceField(label=_("Scope"), choices=Rag.choices, widget=forms.RadioSelect)
    rag_quality = forms.ChoiceField(label=_("Quality"), choices=Rag.choices, widget=forms.RadioSelect)
    rag_resources = forms.ChoiceField(label=_("Resources"), choices=Rag.choices, widget=forms.RadioSelect)
    rag_risk = forms.ChoiceField(label=_("Risk"), choices=Rag.choices, widget=forms.RadioSelect)
    rag_justification = forms.CharField(
        label=_("Why better than suggested"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when your overall RAG is better than the suggested one."),
    )
    percent_complete = forms.DecimalField(
        label=_("Percent complete"), min_value=0, max_value=100, decimal_places=2, max_digits=5
    )
    actual_cost = forms.DecimalField(label=_("Actual cost to date"), min_value=0, decimal_places=2, max_digits=16)
    forecast_finish = forms.DateField(label=_("Forecast finish"), required=False, widget=DateInput())
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    accomplishments = forms.CharField(
        label=_("Accomplishments this week"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_steps = forms.CharField(label=_("Next steps"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, escalation_rows: int = EMPTY_ESCALATION_ROWS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.escalation_rows = min(escalation_rows, MAX_ESCALATIONS + EMPTY_ESCALATION_ROWS)
        for i in range(self.escalation_rows):
            self.fields[f"esc_title_{i}"] = forms.CharField(label=_("Escalation"), required=False, max_length=200)
            self.fields[f"esc_detail_{i}"] = forms.CharField(label=_("Detail"), required=False, max_length=2000)
            self.fields[f"esc_decision_needed_{i}"] = forms.BooleanField(label=_("Decision needed"), required=False)
            self.fields[f"esc_decision_from_{i}"] = forms.CharField(label=_("From"), required=False, max_length=200)
            self.fields[f"esc_resolved_{i}"] = forms.BooleanField(label=_("Resolved"), required=False)

    @classmethod
    def for_report(cls, report: StatusReport, data: Any = None) -> StatusReportForm:
        existing = len(report.escalations or [])
        rows = existing + EMPTY_ESCALATION_ROWS
        if data is not None:
            rows = max(rows, len([key for key in data if key.startswith("esc_title_")]))
        initial: dict[str, Any] = {name: getattr(report, name) for name in RAG_FIELDS}
        initial.update(
            version=report.version,
            rag_justification=report.rag_justification,
            percent_complete=report.percent_complete,
            actual_cost=report.actual_cost,
            forecast_finish=report.forecast_finish,
            summary=report.summary,
            accomplishments=report.accomplishments,
            next_steps=report.next_steps,
        )
        for i, item in enumerate(report.escalations or []):
            for key in ESCALATION_KEYS:
                initial[f"esc_{key}_{i}"] = item.get(key)
        return cls(data, initial=initial, escalation_rows=rows)

    @property
    def rag_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in RAG_FIELDS]

    @property
    def escalation_fields(self) -> list[dict[str, forms.BoundField]]:
        return [{key: self[f"esc_{key}_{i}"] for key in ESCALATION_KEYS} for i in range(self.escalation_rows)]

    def content(self) -> dict[str, Any]:
        """The cleaned values as the services take them (escalation rows without a title are dropped)."""
        data = self.cleaned_data
        values = {name: data[name] for name in (*RAG_FIELDS, "rag_justification", "summary", "accomplishments")}
        values.update(
            next_steps=data["next_steps"],
            percent_complete=data["percent_complete"],
            actual_cost=data["actual_cost"],
            forecast_finish=data.get("forecast_finish"),
            escalations=[
                {key: data[f"esc_{key}_{i}"] for key in ESCALATION_KEYS}
                for i in range(self.escalation_rows)
                if (data.get(f"esc_title_{i}") or "").strip()
                or (data.get(f"esc_detail_{i}") or "").strip()
                or (data.get(f"esc_decision_from_{i}") or "").strip()
            ],
        )
        return values


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


POLICY_HELP = {
    "status_due_weekday": _("Weekly status is due on this day of each ISO week, in the organisation's time zone."),
    "status_due_time": _("A report first submitted after this time counts as late; none by then is missing."),
    "spi_amber_below": _("SPI (earned ÷ planned value) below this suggests amber."),
    "spi_red_below": _("SPI below this suggests red; not above the amber threshold."),
    "cpi_amber_below": _("CPI (earned value ÷ actual cost) below this suggests amber."),
    "cpi_red_below": _("CPI below this suggests red; not above the amber threshold."),
    "slip_amber_days": _("A milestone later than its baseline date by this many days suggests amber."),
    "slip_red_days": _("A slip of this many days suggests red; not below the amber threshold."),
    "escalations_amber": _("This many open escalations suggest amber."),
    "escalations_red": _("This many open escalations suggest red."),
    "cr_executive_cost_share": _(
        "A change request whose cost delta exceeds this share of the budget at completion (0.1 = 10 %) needs an "
        "executive's approval after the PMO's."
    ),
    "cr_executive_finish_days": _(
        "A change request that moves the finish later by more than this many days needs an executive."
    ),
}


class ControlPolicyForm(forms.Form):
    """The policy's fields as the model types them; the ordering of thresholds is checked by the service."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = forms.fields_for_model(
            ControlPolicy,
            fields=list(POLICY_FIELDS),
            widgets={"status_due_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")},
        )
        for name in POLICY_FIELDS:
            field = fields[name]
            field.help_text = POLICY_HELP[name]
            if isinstance(field, forms.DecimalField | forms.IntegerField):
                field.min_value = 0
                field.validators.append(MinValueValidator(0))
                field.widget.attrs["min"] = "0"
            self.fields[name] = field

    @classmethod
    def for_policy(cls, policy: ControlPolicy, data: Any = None) -> ControlPolicyForm:
        initial = {name: getattr(policy, name) for name in POLICY_FIELDS}
        initial["version"] = policy.version
        return cls(data, initial=initial)

    @property
    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (str(_("Weekly status due")), [self["status_due_weekday"], self["status_due_time"]]),
            (
                str(_("Suggested RAG thresholds")),
                [self[name] for name in POLICY_FIELDS[2:10]],
            ),
            (
                str(_("Change requests that need an executive")),
                [self["cr_executive_cost_share"], self["cr_executive_finish_days"]],
            ),
        ]

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in POLICY_FIELDS}


class WeekField(forms.Field):
    """An ISO week, ``2026-W47`` → its Monday."""

    def to_python(self, value: Any) -> dt.date | None:
        text = str(value or "").strip()[:20]
        return parse_week(text) if text else None


# What the compliance list can be narrowed to: a report state, or the two conditions the PMO chases.
COMPLIANCE_STATES = [
    (StatusReport.State.SUBMITTED.value, _("Waiting for review")),
    (StatusReport.State.ACCEPTED.value, StatusReport.State.ACCEPTED.label),
    (StatusReport.State.RETURNED.value, StatusReport.State.RETURNED.label),
    (StatusReport.State.DRAFT.value, StatusReport.State.DRAFT.label),
    ("none", _("Not started")),
    ("late", _("Late")),
    ("missing", _("Missing")),
]
COMPLIANCE_SORTS = {
    "project": _("Project"),
    "manager": _("Manager"),
    "portfolio": _("Portfolio"),
    "overall": _("Overall"),
    "state": _("State"),
    "submitted": _("Submitted"),
}


class ComplianceFilterForm(forms.Form):
    week = WeekField(
        label=_("Week"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "2026-W47", "size": 9, "pattern": r"\d{4}-W\d{2}"}),
    )
    search = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Project code or name")}),
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All")), *COMPLIANCE_STATES])
    portfolio = forms.TypedChoiceField(label=_("Portfolio"), required=False, coerce=int, empty_value=None)
    manager = forms.TypedChoiceField(label=_("Manager"), required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args: Any, portfolios: Any, managers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["portfolio"].choices = everything + [(p.pk, p.name) for p in portfolios]  # type: ignore[attr-defined]
        self.fields["manager"].choices = everything + [  # type: ignore[attr-defined]
            (u.pk, u.get_full_name() or u.email) for u in managers
        ]
        self.fields["sort"].choices = sort_choices(  # type: ignore[attr-defined]
            {key: SortKey(label, ()) for key, label in COMPLIANCE_SORTS.items()}
        )
