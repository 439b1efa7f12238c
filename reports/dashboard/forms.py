"""The dashboard's filter form (GET): portfolio, programme, manager and project status, each choice limited to the
reader's organisation. A value that is not one of the choices is a field error (the page answers 400 with the form
showing it); an empty form means the defaults (every portfolio, programme and manager; active projects)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from pmo.tenancy.access import OrgAccess
from portfolio.models import Portfolio, Programme
from projects.selectors import projects_visible_to
from reports.dashboard.selectors import DEFAULT_STATUS, STATUS_LABELS, DashboardFilters


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.email)


class DashboardFilterForm(forms.Form):
    # The choices are the reader's organisation's, set per request (a queryset at import would need a tenant).
    portfolio: forms.ModelChoiceField[Portfolio] = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Portfolio"), empty_label=_("All portfolios")
    )
    programme: forms.ModelChoiceField[Programme] = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Programme"), empty_label=_("All programmes")
    )
    manager = PersonChoiceField(
        queryset=None,
        required=False,
        label=_("Project manager"),
        empty_label=_("All managers"),
    )
    status = forms.ChoiceField(
        choices=list(STATUS_LABELS.items()), required=False, initial=DEFAULT_STATUS, label=_("Project status")
    )

    def __init__(self, data: Any, *, access: OrgAccess) -> None:
        super().__init__(data)
        organization = access.organization
        fields: Any = self.fields
        fields["portfolio"].queryset = Portfolio.objects.filter(organization=organization).order_by("name")
        fields["programme"].queryset = Programme.objects.filter(organization=organization).order_by("name")
        managers = projects_visible_to(access=access).exclude(manager=None).values("manager_id")
        fields["manager"].queryset = (
            get_user_model()._default_manager.filter(pk__in=managers).order_by("full_name", "email")
        )
        for field in fields.values():
            field.widget.attrs.setdefault("class", "dash-filter-input")

    def filters(self) -> DashboardFilters:
        """The checked filters (call after ``is_valid()``)."""
        data = self.cleaned_data
        return DashboardFilters(
            portfolio=data["portfolio"].pk if data.get("portfolio") else None,
            programme=data["programme"].pk if data.get("programme") else None,
            manager=data["manager"].pk if data.get("manager") else None,
            status=data.get("status") or DEFAULT_STATUS,
        )
