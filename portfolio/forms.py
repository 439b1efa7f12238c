"""Web forms of the portfolio pages. They only parse and check input; the services decide and write.

Every choice of a related object is limited to the organisation's own rows, so a posted id of another
organisation's object is an ordinary "not one of the choices" error."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pmo.core.listing import check_range, sort_choices
from pmo.core.widgets import DateInput
from pmo.tenancy.models import Organization
from portfolio import selectors, services
from portfolio.models import ScoringCriterion

SCORE_CHOICES = [(str(v), str(v)) for v in range(1, 6)]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.email})" if getattr(obj, "full_name", "") else obj.email


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form: on the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class OrganizationForm(forms.Form):
    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization


class PortfolioForm(OrganizationForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    owner = UserChoiceField(label=_("Owner"), queryset=None, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.organization_users(organization=self.organization)  # type: ignore[attr-defined]


class ProgrammeForm(OrganizationForm):
    portfolio: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Portfolio"), queryset=None)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    manager = UserChoiceField(label=_("Programme manager"), queryset=None, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["portfolio"].queryset = selectors.portfolios_with_counts(organization=self.organization)  # type: ignore[attr-defined]
        self.fields["manager"].queryset = selectors.organization_users(organization=self.organization)  # type: ignore[attr-defined]


class ObjectiveForm(OrganizationForm):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    weight = forms.IntegerField(
        label=_("Weight"), min_value=1, max_value=100, initial=10, help_text=_("1–100: how much the objective counts.")
    )
    active = forms.BooleanField(label=pgettext_lazy("enabled", "Active"), required=False, initial=True)


class CriterionForm(OrganizationForm):
    key = forms.SlugField(label=_("Key"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.TextInput(attrs={"placeholder": _("Description")})
    )
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=100, initial=10)
    higher_is_better = forms.BooleanField(label=_("Higher is better"), required=False, initial=True)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    active = forms.BooleanField(label=pgettext_lazy("enabled", "Active"), required=False, initial=True)


class RequestForm(OrganizationForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    sponsor = UserChoiceField(
        label=_("Sponsor"),
        queryset=None,
        required=False,
        empty_label=_("Me"),
        help_text=_("Who asks for the project and answers for its business case."),
    )
    business_case = forms.CharField(
        label=_("Business case"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("Why the organisation should do this: problem, benefits, options. Needed to submit."),
    )
    objectives_text = forms.CharField(
        label=_("Project objectives"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    objectives: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Strategic objectives served"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    portfolio: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Portfolio"), queryset=None, required=False)
    programme: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Programme"), queryset=None, required=False)
    template: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Process template"),
        queryset=None,
        required=False,
        help_text=_("The lifecycle of the project once approved; the standard lifecycle when left empty."),
    )
    proposed_manager = UserChoiceField(label=_("Proposed project manager"), queryset=None, required=False)
    estimated_cost = forms.DecimalField(
        label=_("Estimated cost"), min_value=Decimal(0), max_digits=16, decimal_places=2, initial=0
    )
    estimated_benefit = forms.DecimalField(
        label=_("Estimated benefit"), min_value=Decimal(0), max_digits=16, decimal_places=2, initial=0
    )
    estimated_effort_hours = forms.IntegerField(
        label=_("Estimated effort (hours)"), min_value=0, max_value=2_147_483_647, initial=0
    )
    planned_start = forms.DateField(label=_("Planned start"), required=False, widget=DateInput())
    planned_finish = forms.DateField(label=_("Planned finish"), required=False, widget=DateInput())

    # The fields the request services accept: one list, owned by the services.
    SERVICE_FIELDS = services.REQUEST_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.organization
        users = selectors.organization_users(organization=org)
        self.fields["sponsor"].queryset = users  # type: ignore[attr-defined]
        self.fields["proposed_manager"].queryset = users  # type: ignore[attr-defined]
        self.fields["objectives"].queryset = selectors.active_objectives(organization=org)  # type: ignore[attr-defined]
        self.fields["portfolio"].queryset = selectors.portfolios_with_counts(organization=org)  # type: ignore[attr-defined]
        self.fields["programme"].queryset = selectors.programmes_with_counts(organization=org)  # type: ignore[attr-defined]
        self.fields["template"].queryset = selectors.intake_templates(organization=org)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, finish = data.get("planned_start"), data.get("planned_finish")
        if start and finish and finish < start:
            self.add_error("planned_finish", _("The planned finish is before the planned start."))
        return data

    def service_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}


class ScoreForm(OrganizationForm):
    """One 1–5 choice per active criterion (``criterion_<id>``), an optional note each, the feasibility review."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    feasibility_note = forms.CharField(
        label=_("Feasibility review"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Resources, technology, dependencies and risks: can the organisation deliver it?"),
    )

    def __init__(self, *args: Any, criteria: list[ScoringCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.name, choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect
            )
            self.fields[f"note_{criterion.pk}"] = forms.CharField(
                label=_("Note on %(criterion)s") % {"criterion": criterion.name}, max_length=500, required=False
            )

    def rows(self) -> list[tuple[ScoringCriterion, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"criterion_{c.pk}"], self[f"note_{c.pk}"]) for c in self.criteria]

    def values(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"criterion_{c.pk}"] for c in self.criteria}

    def notes(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data[f"note_{c.pk}"] for c in self.criteria}


class DecideForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject")), ("defer", _("Defer"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("Reason (optional)"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ScenarioForm(OrganizationForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    budget_cap = forms.DecimalField(label=_("Budget cap"), min_value=Decimal(0), max_digits=16, decimal_places=2)
    capacity_cap_hours = forms.IntegerField(
        label=_("Capacity cap (hours)"),
        min_value=0,
        max_value=2_147_483_647,
        required=False,
        help_text=_("Leave empty for no capacity limit."),
    )
    include_active_projects = forms.BooleanField(
        label=_("Include planning and active projects"),
        required=False,
        initial=True,
        help_text=_("Running projects compete with the requests for the same budget."),
    )


class CompareForm(OrganizationForm):
    a: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Scenario A"), queryset=None)
    b: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Scenario B"), queryset=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scenarios = selectors.scenarios_with_counts(organization=self.organization)
        self.fields["a"].queryset = scenarios  # type: ignore[attr-defined]
        self.fields["b"].queryset = scenarios  # type: ignore[attr-defined]


# --- Filter bars of the lists ----------------------------------------------------------------------------------


def _people_choices(users: Any) -> list[tuple[Any, str]]:
    return [("", _("All")), *((u.pk, u.get_full_name() or u.email) for u in users)]


class ListFilterForm(forms.Form):
    """The filter bar of a list of the portfolio section: words, the list's own fields, a sort. Subclasses add
    their fields; ``values()`` gives ``selectors.ListFilters``."""

    search = forms.CharField(
        label=_("Search"), required=False, max_length=100, widget=forms.TextInput(attrs={"type": "search"})
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args: Any, sorts: Any, default: tuple[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = sort_choices(sorts)
        self.fields["sort"].choices = [default, *choices] if default else choices  # type: ignore[attr-defined]
        # The sort goes last, before the buttons.
        self.order_fields([name for name in self.fields if name != "sort"] + ["sort"])

    def values(self) -> selectors.ListFilters:
        """The valid filters (an invalid field counts as not set; its error shows next to it)."""
        if not self.is_bound:
            return selectors.ListFilters()
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return selectors.ListFilters(**{k: v for k, v in data.items() if v not in (None, "")})

    @property
    def filtered(self) -> bool:
        values = self.values()
        return values != selectors.ListFilters(sort=values.sort)


class PortfolioFilterForm(ListFilterForm):
    person = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, sorts=selectors.PORTFOLIO_SORTS, **kwargs)
        self.fields["person"].choices = _people_choices(people)  # type: ignore[attr-defined]


class ProgrammeFilterForm(ListFilterForm):
    portfolio = forms.TypedChoiceField(label=_("Portfolio"), required=False, coerce=int, empty_value=None)
    person = forms.TypedChoiceField(label=_("Manager"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, portfolios: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, sorts=selectors.PROGRAMME_SORTS, **kwargs)
        self.fields["portfolio"].choices = [("", _("All")), *((p.pk, p.name) for p in portfolios)]  # type: ignore[attr-defined]
        self.fields["person"].choices = _people_choices(people)  # type: ignore[attr-defined]


class ObjectiveFilterForm(ListFilterForm):
    active = forms.TypedChoiceField(
        label=_("State"),
        required=False,
        coerce=lambda value: value == "1",
        empty_value=None,
        choices=[("", _("All")), ("1", pgettext_lazy("enabled", "Active")), ("0", _("Inactive"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, sorts=selectors.OBJECTIVE_SORTS, **kwargs)


class RequestFilterForm(ListFilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False)
    portfolio = forms.TypedChoiceField(label=_("Portfolio"), required=False, coerce=int, empty_value=None)
    person = forms.TypedChoiceField(label=_("Sponsor"), required=False, coerce=int, empty_value=None)
    objective = forms.TypedChoiceField(label=_("Objective"), required=False, coerce=int, empty_value=None)
    submitted_from = forms.DateField(label=_("Submitted from"), required=False, widget=DateInput())
    submitted_to = forms.DateField(label=_("Submitted to"), required=False, widget=DateInput())

    def __init__(
        self,
        *args: Any,
        statuses: Any,
        portfolios: Any,
        people: Any,
        objectives: Any,
        pipeline: bool = False,
        **kwargs: Any,
    ) -> None:
        if pipeline:
            kwargs.update(sorts=selectors.PIPELINE_SORTS, default=("", _("Rank")))
        else:
            kwargs.update(sorts=selectors.REQUEST_SORTS, default=("", _("Newest first")))
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["status"].choices = everything + [(s.value, s.label) for s in statuses]  # type: ignore[attr-defined]
        self.fields["portfolio"].choices = everything + [(p.pk, p.name) for p in portfolios]  # type: ignore[attr-defined]
        self.fields["person"].choices = _people_choices(people)  # type: ignore[attr-defined]
        self.fields["objective"].choices = everything + [  # type: ignore[attr-defined]
            (o.pk, f"{o.code} · {o.name}") for o in objectives
        ]
        self.fields["search"].widget.attrs["placeholder"] = _("Number or title")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_range(self, data, start="submitted_from", end="submitted_to")
        return data
