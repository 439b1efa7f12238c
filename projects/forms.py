"""Forms of the project pages. Choices that are tenant rows are given by the view (querysets exist only once the
organisation is active); the services validate again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from pmo.core.listing import sort_choices
from pmo.core.widgets import DateInput
from portfolio.models import Portfolio, Programme
from projects.models import ClosureReport, DeciderRole, GateKind, Milestone, ProcessTemplate, Project, ProjectPhase
from projects.selectors import DEPENDENCY_SORTS, REGISTER_SORTS
from projects.services import DELIVERABLE_SETTABLE, GATE_DECISIONS, STATUS_TRANSITIONS

DATE = DateInput()
# Placeholders: each form gets the organisation's rows in ``__init__`` (there is no organisation at import time).
USERS_NONE = get_user_model()._default_manager.none()
MILESTONES_NONE = Milestone.dangerously_unscoped.none()


def _configure(field: forms.Field, **attributes: Any) -> None:
    """Set a field's per-request ``choices`` or ``queryset`` (typed as plain ``Field`` by the stubs)."""
    for name, value in attributes.items():
        setattr(field, name, value)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email


class ProjectFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    portfolio = forms.TypedChoiceField(label=_("Portfolio"), required=False, coerce=int, empty_value=None)
    programme = forms.TypedChoiceField(label=_("Programme"), required=False, coerce=int, empty_value=None)
    manager = forms.TypedChoiceField(label=_("Manager"), required=False, coerce=int, empty_value=None)
    template = forms.TypedChoiceField(label=_("Template"), required=False, coerce=int, empty_value=None)
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    search = forms.CharField(label=_("Search"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(
        self,
        *args: Any,
        portfolios: Any,
        programmes: Any,
        managers: Any,
        templates: Any,
        tags: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        _configure(self.fields["status"], choices=everything + list(Project.Status.choices))
        _configure(self.fields["portfolio"], choices=everything + [(p.pk, p.name) for p in portfolios])
        _configure(self.fields["programme"], choices=everything + [(p.pk, p.name) for p in programmes])
        _configure(
            self.fields["manager"], choices=everything + [(u.pk, u.get_full_name() or u.email) for u in managers]
        )
        _configure(self.fields["template"], choices=everything + [(t.pk, t.name) for t in templates])
        _configure(self.fields["tag"], choices=everything + [(t, t) for t in tags])
        _configure(self.fields["sort"], choices=sort_choices(REGISTER_SORTS))


class DependencyFilterForm(forms.Form):
    conflict = forms.BooleanField(label=_("Conflicts only"), required=False)
    project = forms.TypedChoiceField(label=_("Project"), required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args: Any, projects: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _configure(self.fields["project"], choices=[("", _("All")), *((p.pk, f"{p.code} {p.name}") for p in projects)])
        _configure(self.fields["sort"], choices=sort_choices(DEPENDENCY_SORTS))


class TagsField(forms.CharField):
    """Tags typed as one comma-separated line."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [tag.strip() for tag in text.replace("，", ",").split(",") if tag.strip()]

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value or ""

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if any(len(tag) > 40 for tag in value):
            raise forms.ValidationError(_("A tag has at most 40 characters."))


class ProjectForm(forms.Form):
    """Create (with ``template``) or edit a project."""

    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(
        label=_("Code"), max_length=32, required=False, help_text=_("Leave empty for the next free code.")
    )
    template = forms.ModelChoiceField(
        label=_("Process template"), queryset=ProcessTemplate.dangerously_unscoped.none(), empty_label=None
    )
    status = forms.ChoiceField(label=_("Status"))
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Project.Priority.choices, coerce=int, initial=Project.Priority.MEDIUM
    )
    portfolio = forms.ModelChoiceField(
        label=_("Portfolio"), queryset=Portfolio.dangerously_unscoped.none(), required=False
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.dangerously_unscoped.none(), required=False
    )
    manager = UserChoiceField(label=_("Manager"), queryset=USERS_NONE, required=False)
    sponsor = UserChoiceField(label=_("Sponsor"), queryset=USERS_NONE, required=False)
    planned_start = forms.DateField(label=_("Planned start"), required=False, widget=DATE)
    planned_finish = forms.DateField(label=_("Planned finish"), required=False, widget=DATE)
    budget_at_completion = forms.DecimalField(
        label=_("Budget"), max_digits=16, decimal_places=2, min_value=0, required=False, initial=0
    )
    tags = TagsField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    objectives = forms.CharField(label=_("Objectives"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        project: Project | None,
        templates: Any,
        portfolios: Any,
        programmes: Any,
        members: Any,
        may_reassign: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _configure(self.fields["template"], queryset=templates)
        _configure(self.fields["portfolio"], queryset=portfolios)
        _configure(self.fields["programme"], queryset=programmes)
        _configure(self.fields["manager"], queryset=members)
        _configure(self.fields["sponsor"], queryset=members)
        if project is None:
            del self.fields["version"]
            standard = next((t for t in templates if t.is_builtin and t.kind == "standard"), None)
            self.fields["template"].initial = standard.pk if standard else None
            _configure(
                self.fields["status"],
                choices=[(s, label) for s, label in Project.Status.choices if s in ("proposed", "planning", "active")],
            )
            self.fields["status"].initial = Project.Status.PLANNING
        else:
            # Template, code and budget are fixed once a project runs (the budget changes through change control).
            for name in ("template", "code", "budget_at_completion"):
                del self.fields[name]
            allowed = {project.status, *STATUS_TRANSITIONS.get(project.status, ())}
            if not may_reassign:
                allowed.discard(Project.Status.CANCELLED)
                self.fields["manager"].disabled = True
            _configure(
                self.fields["status"], choices=[(s, label) for s, label in Project.Status.choices if s in allowed]
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, finish = data.get("planned_start"), data.get("planned_finish")
        if start and finish and finish < start:
            self.add_error("planned_finish", _("The planned finish cannot be before the planned start."))
        return data


class ShareForm(forms.Form):
    user = UserChoiceField(label=_("Member"), queryset=USERS_NONE)

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _configure(self.fields["user"], queryset=members)


class DeliverableStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(s.value, s.label) for s in DELIVERABLE_SETTABLE])
    note = forms.CharField(label=_("Note or waiver reason"), required=False, max_length=500)


class GateDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[(d.value, d.label) for d in GATE_DECISIONS], widget=forms.RadioSelect
    )
    conditions = forms.CharField(label=_("Conditions"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TailoringForm(forms.Form):
    justification = forms.CharField(label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3}))
    phases = forms.TypedMultipleChoiceField(
        label=_("Optional phases"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    deliverables = forms.TypedMultipleChoiceField(
        label=_("Optional deliverables"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, phases: Any, deliverables: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _configure(self.fields["phases"], choices=[(p.pk, p.name) for p in phases])
        _configure(self.fields["deliverables"], choices=[(d.pk, f"{d.phase.name} · {d.name}") for d in deliverables])


class DecisionNoteForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MilestoneForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    phase = forms.ModelChoiceField(label=_("Phase"), queryset=ProjectPhase.dangerously_unscoped.none(), required=False)
    forecast_date = forms.DateField(label=_("Forecast"), required=False, widget=DATE)
    actual_date = forms.DateField(label=_("Actual"), required=False, widget=DATE)
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=100, initial=1)

    def __init__(self, *args: Any, phases: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _configure(self.fields["phase"], queryset=phases)


class CompareForm(forms.Form):
    a = forms.IntegerField(label=_("From version"), min_value=1)
    b = forms.IntegerField(label=_("To version"), min_value=1)


class MilestoneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        date = obj.actual_date or obj.forecast_date
        return f"{obj.project.code} · {obj.name}" + (f" ({date:%Y-%m-%d})" if date else "")


class DependencyForm(forms.Form):
    upstream = MilestoneChoiceField(label=_("Needed milestone (upstream)"), queryset=MILESTONES_NONE)
    downstream = MilestoneChoiceField(label=_("Milestone that needs it (downstream)"), queryset=MILESTONES_NONE)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, milestones: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _configure(self.fields["upstream"], queryset=milestones)
        _configure(self.fields["downstream"], queryset=milestones)


class ClosureForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ClosureReport.Outcome.choices)
    outcome_summary = forms.CharField(label=_("Outcome against objectives"), widget=forms.Textarea(attrs={"rows": 3}))
    final_cost = forms.DecimalField(label=_("Final cost"), max_digits=16, decimal_places=2, min_value=0)
    actual_start = forms.DateField(label=_("Actual start"), required=False, widget=DATE)
    actual_finish = forms.DateField(label=_("Actual finish"), widget=DATE)
    customer_satisfaction = forms.TypedChoiceField(
        label=_("Customer satisfaction"),
        choices=[("", "—"), *((i, f"{i} / 5") for i in range(1, 6))],
        coerce=int,
        empty_value=None,
    )
    performance_evaluation = forms.CharField(
        label=_("Performance evaluation"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, lesson_rows: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lesson_rows = lesson_rows
        for i in range(lesson_rows):
            self.fields[f"lesson_title_{i}"] = forms.CharField(label=_("Title"), required=False, max_length=250)
            self.fields[f"lesson_text_{i}"] = forms.CharField(
                label=_("What happened, what to do next time"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def lessons(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        return [
            {"title": data.get(f"lesson_title_{i}", ""), "text": data.get(f"lesson_text_{i}", "")}
            for i in range(self.lesson_rows)
        ]

    def lesson_fields(self) -> list[tuple[Any, Any]]:
        return [(self[f"lesson_title_{i}"], self[f"lesson_text_{i}"]) for i in range(self.lesson_rows)]

    @staticmethod
    def initial_from(report: ClosureReport) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(report, name)
            for name in (
                "outcome",
                "outcome_summary",
                "final_cost",
                "actual_start",
                "actual_finish",
                "customer_satisfaction",
                "performance_evaluation",
            )
        }
        for i, lesson in enumerate(report.lessons):
            initial[f"lesson_title_{i}"] = lesson["title"]
            initial[f"lesson_text_{i}"] = lesson["text"]
        return initial


class ClosureDecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TemplateCopyForm(forms.Form):
    name = forms.CharField(label=_("Name of the copy"), max_length=200)


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    active = forms.BooleanField(label=_("Offered for new projects"), required=False)


class TemplatePhaseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    optional = forms.BooleanField(label=_("Optional"), required=False)
    order = forms.IntegerField(label=_("Position"), min_value=1, required=False)


class TemplateDeliverableForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)


class TemplateGateForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=GateKind.choices)
    decider = forms.ChoiceField(label=_("Decided by"), choices=DeciderRole.choices)
