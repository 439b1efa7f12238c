"""Forms of the people, calendar and staffing pages. They parse input; the services validate the rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pmo.core.listing import sort_choices
from pmo.core.widgets import DateInput
from projects.policy import parse_week, week_label
from resources.models import CalendarDay, Department, Person, PersonSkill, Skill
from resources.selectors import PEOPLE_SORTS

ACTIVE_CHOICES = [("", _("All")), ("yes", _("Active")), ("no", _("Inactive"))]


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.dangerously_unscoped.none()
    )
    skill = forms.ModelChoiceField(label=_("Skill"), required=False, queryset=Skill.dangerously_unscoped.none())
    active = forms.ChoiceField(label=_("Status"), required=False, choices=ACTIVE_CHOICES)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args: Any, departments: Any, skills: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sort"].choices = sort_choices(PEOPLE_SORTS)  # type: ignore[attr-defined]
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["department"].empty_label = _("All")  # type: ignore[attr-defined]
        self.fields["skill"].queryset = skills  # type: ignore[attr-defined]
        self.fields["skill"].empty_label = _("All")  # type: ignore[attr-defined]


class PersonForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.dangerously_unscoped.none()
    )
    job_role = forms.CharField(label=_("Job role"), max_length=120, required=False)
    weekly_capacity = forms.DecimalField(
        label=_("Capacity (hours per week)"),
        min_value=Decimal(0),
        max_value=Decimal(168),
        decimal_places=2,
        initial=Decimal(40),
        help_text=_("Hours in a full five-day week; holidays and time off reduce it."),
    )
    cost_rate = forms.DecimalField(
        label=_("Cost rate per hour"), min_value=Decimal(0), max_digits=16, decimal_places=2, initial=Decimal(0)
    )
    user = forms.ModelChoiceField(
        label=_("User account"),
        required=False,
        queryset=Person.dangerously_unscoped.none(),
        help_text=_("Optional: the member who is this person (for their own timesheets)."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, departments: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["user"].queryset = members  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = lambda u: f"{u.get_full_name() or u.email} · {u.email}"  # type: ignore[attr-defined]

    def service_values(self) -> dict[str, Any]:
        values = {k: v for k, v in self.cleaned_data.items() if k not in ("user", "version")}
        user = self.cleaned_data.get("user")
        values["user_id"] = user.pk if user is not None else None
        return values


class PersonSkillsForm(forms.Form):
    """One level choice per skill of the organisation ("—" for none)."""

    def __init__(self, *args: Any, skills: list[Skill], current: dict[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *[(str(value), f"{value} · {label}") for value, label in PersonSkill.Level.choices]]
        self.skills = skills
        for skill in skills:
            self.fields[f"skill_{skill.pk}"] = forms.TypedChoiceField(
                label=skill.name,
                choices=choices,
                required=False,
                coerce=int,
                empty_value=None,
                initial=str(current[skill.pk]) if skill.pk in current else "",
            )

    def levels(self) -> dict[Skill, int]:
        return {
            skill: self.cleaned_data[f"skill_{skill.pk}"]
            for skill in self.skills
            if self.cleaned_data.get(f"skill_{skill.pk}") is not None
        }


class TimeOffForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)


class WeekField(forms.CharField):
    """An ISO week typed as ``2026-W47`` (the browser's week input) → its Monday."""

    widget = forms.TextInput(attrs={"type": "week", "placeholder": "2026-W47"})

    def prepare_value(self, value: Any) -> Any:
        return week_label(value) if isinstance(value, dt.date) else value

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        try:
            return parse_week(text)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


class RequirementForm(forms.Form):
    role = forms.CharField(label=_("Role"), max_length=120, required=False)
    skill = forms.TypedChoiceField(label=_("Skill"), required=False, coerce=int, empty_value=None)
    start_week = WeekField(label=_("From week"))
    end_week = WeekField(label=_("To week"))
    hours_per_week = forms.DecimalField(
        label=_("Hours per week"), min_value=Decimal("0.5"), max_value=Decimal(10000), decimal_places=2
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, skills: list[Skill], **kwargs: Any) -> None:
        """``skills``: the organisation's skills, read once for every form of a page."""
        super().__init__(*args, **kwargs)
        self.skills_by_pk = {skill.pk: skill for skill in skills}
        self.fields["skill"].choices = [("", "—"), *[(skill.pk, skill.name) for skill in skills]]  # type: ignore[attr-defined]

    def clean_skill(self) -> Skill | None:
        pk = self.cleaned_data.get("skill")
        return self.skills_by_pk.get(pk) if pk is not None else None
