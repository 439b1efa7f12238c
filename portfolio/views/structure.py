"""Portfolios, programmes and strategic objectives: read with ``portfolio.view``, change with ``portfolio.manage``."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from pmo.core.exports import Column, attr
from portfolio import permissions, selectors, services
from portfolio.forms import (
    ObjectiveFilterForm,
    ObjectiveForm,
    PortfolioFilterForm,
    PortfolioForm,
    ProgrammeFilterForm,
    ProgrammeForm,
)
from portfolio.models import Portfolio, Programme, StrategicObjective
from portfolio.views.base import DeletePage, FormPage, ListPage, PortfolioPage, people_in


def _person(field: str) -> Callable[[Any], str | None]:
    """An export cell: the person in ``field``, by name (or e-mail)."""

    def read(row: Any) -> str | None:
        user = getattr(row, field)
        return (user.get_full_name() or user.email) if user is not None else None

    return read


def _url(name: str, view: PortfolioPage, *args: Any) -> str:
    return reverse(name, args=[view.organization.slug, *args])


# --- Portfolios -------------------------------------------------------------------------------------------------


class PortfolioListView(ListPage):
    capability = permissions.PORTFOLIO_VIEW
    template_name = "portfolio/list.html"
    export_name = "portfolios"

    def build_filter_form(self) -> PortfolioFilterForm:
        owners = Portfolio.objects.filter(organization=self.organization).values("owner_id")
        return PortfolioFilterForm(self.request.GET or None, people=people_in(owners))

    def rows(self) -> Any:
        return selectors.portfolio_list(organization=self.organization, filters=self.filter_form.values())

    def export_title(self) -> str:
        return _("Portfolios")

    def export_columns(self) -> list[Column]:
        currency = self.organization.currency
        return [
            Column(_("Portfolio"), attr("name"), 30),
            Column(_("Owner"), _person("owner"), 20),
            Column(_("Programmes"), attr("programme_count"), 10),
            Column(_("Projects"), attr("project_count"), 10),
            Column(_("Active"), attr("active_count"), 10),
            Column(_("Budget (%(currency)s)") % {"currency": currency}, attr("total_budget"), 16),
            Column(_("Description"), attr("description"), 50),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data.update(
            portfolios=list(data["page"].object_list),
            can_manage=self.access.can(permissions.PORTFOLIO_MANAGE),
            tab="portfolios",
        )
        return data


class PortfolioDetailView(PortfolioPage):
    capability = permissions.PORTFOLIO_VIEW
    template_name = "portfolio/portfolio_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        portfolio = selectors.portfolio_get(organization=self.organization, pk=kwargs["pk"])
        mix = selectors.project_status_mix(organization=self.organization, portfolio=portfolio)
        projects = list(selectors.projects_for_actor(access=self.access, portfolio=portfolio))
        project_total = sum(s.count for s in mix)
        data.update(
            portfolio=portfolio,
            programmes=list(selectors.programmes_with_counts(organization=self.organization, portfolio=portfolio)),
            status_mix=mix,
            project_total=project_total,
            budget_total=sum(s.budget for s in mix),
            projects=projects,
            hidden_projects=project_total - len(projects),
            can_manage=self.access.can(permissions.PORTFOLIO_MANAGE),
            tab="portfolios",
        )
        return data


class PortfolioFormMixin(FormPage):
    capability = permissions.PORTFOLIO_MANAGE
    form_class = PortfolioForm


class PortfolioCreateView(PortfolioFormMixin):
    title = gettext_lazy("New portfolio")
    submit_label = gettext_lazy("Create portfolio")

    def cancel_url(self) -> str:
        return _url("portfolio-list", self)

    def perform(self, form: Any) -> tuple[str, str]:
        portfolio = services.portfolio_create(
            organization=self.organization, actor=self.request.user, **form.cleaned_data
        )
        return _url("portfolio-detail", self, portfolio.pk), _("Portfolio created.")


class PortfolioEditView(PortfolioFormMixin):
    submit_label = gettext_lazy("Save")

    @cached_property
    def object(self) -> Portfolio:
        return selectors.portfolio_get(organization=self.organization, pk=self.kwargs["pk"])

    def get_form(self, data: Any = None) -> Any:
        portfolio = self.object
        self.title = _("Edit %(name)s") % {"name": portfolio.name}
        initial = {"name": portfolio.name, "description": portfolio.description, "owner": portfolio.owner_id}
        return PortfolioForm(data, initial=initial, organization=self.organization)

    def cancel_url(self) -> str:
        return _url("portfolio-detail", self, self.object.pk)

    def perform(self, form: Any) -> tuple[str, str]:
        services.portfolio_update(
            organization=self.organization, actor=self.request.user, portfolio=self.object, changes=form.cleaned_data
        )
        return self.cancel_url(), _("Portfolio saved.")


class PortfolioDeleteView(DeletePage):
    capability = permissions.PORTFOLIO_MANAGE

    def get_object(self) -> Portfolio:
        return selectors.portfolio_get(organization=self.organization, pk=self.kwargs["pk"])

    def cancel_url(self, obj: Any) -> str:
        return _url("portfolio-detail", self, obj.pk)

    def perform(self, obj: Any) -> tuple[str, str]:
        services.portfolio_delete(organization=self.organization, actor=self.request.user, portfolio=obj)
        return _url("portfolio-list", self), _("Portfolio deleted.")


# --- Programmes -------------------------------------------------------------------------------------------------


class ProgrammeListView(ListPage):
    capability = permissions.PORTFOLIO_VIEW
    template_name = "portfolio/programme_list.html"
    export_name = "programmes"

    def build_filter_form(self) -> ProgrammeFilterForm:
        managers = Programme.objects.filter(organization=self.organization).values("manager_id")
        return ProgrammeFilterForm(
            self.request.GET or None,
            portfolios=Portfolio.objects.filter(organization=self.organization).order_by("name"),
            people=people_in(managers),
        )

    def rows(self) -> Any:
        return selectors.programme_list(organization=self.organization, filters=self.filter_form.values())

    def export_title(self) -> str:
        return _("Programmes")

    def export_columns(self) -> list[Column]:
        currency = self.organization.currency
        return [
            Column(_("Programme"), attr("name"), 30),
            Column(_("Portfolio"), attr("portfolio.name"), 24),
            Column(_("Manager"), _person("manager"), 20),
            Column(_("Projects"), attr("project_count"), 10),
            Column(_("Active"), attr("active_count"), 10),
            Column(_("Budget (%(currency)s)") % {"currency": currency}, attr("total_budget"), 16),
            Column(_("Description"), attr("description"), 50),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data.update(
            programmes=list(data["page"].object_list),
            can_manage=self.access.can(permissions.PORTFOLIO_MANAGE),
            tab="programmes",
        )
        return data


class ProgrammeDetailView(PortfolioPage):
    capability = permissions.PORTFOLIO_VIEW
    template_name = "portfolio/programme_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        programme = selectors.programme_get(organization=self.organization, pk=kwargs["pk"])
        mix = selectors.project_status_mix(organization=self.organization, programme=programme)
        projects = list(selectors.projects_for_actor(access=self.access, programme=programme))
        project_total = sum(s.count for s in mix)
        data.update(
            programme=programme,
            status_mix=mix,
            project_total=project_total,
            budget_total=sum(s.budget for s in mix),
            projects=projects,
            hidden_projects=project_total - len(projects),
            can_manage=self.access.can(permissions.PORTFOLIO_MANAGE),
            tab="programmes",
        )
        return data


class ProgrammeCreateView(FormPage):
    capability = permissions.PORTFOLIO_MANAGE
    form_class = ProgrammeForm
    title = gettext_lazy("New programme")
    submit_label = gettext_lazy("Create programme")

    def get_form(self, data: Any = None) -> Any:
        initial = {"portfolio": self.request.GET.get("portfolio")}
        return ProgrammeForm(data, initial=initial, organization=self.organization)

    def cancel_url(self) -> str:
        return _url("programme-list", self)

    def perform(self, form: Any) -> tuple[str, str]:
        programme = services.programme_create(
            organization=self.organization, actor=self.request.user, **form.cleaned_data
        )
        return _url("programme-detail", self, programme.pk), _("Programme created.")


class ProgrammeEditView(FormPage):
    capability = permissions.PORTFOLIO_MANAGE
    submit_label = gettext_lazy("Save")

    @cached_property
    def object(self) -> Programme:
        return selectors.programme_get(organization=self.organization, pk=self.kwargs["pk"])

    def get_form(self, data: Any = None) -> Any:
        programme = self.object
        self.title = _("Edit %(name)s") % {"name": programme.name}
        initial = {
            "portfolio": programme.portfolio_id,
            "name": programme.name,
            "description": programme.description,
            "manager": programme.manager_id,
        }
        return ProgrammeForm(data, initial=initial, organization=self.organization)

    def cancel_url(self) -> str:
        return _url("programme-detail", self, self.object.pk)

    def perform(self, form: Any) -> tuple[str, str]:
        services.programme_update(
            organization=self.organization, actor=self.request.user, programme=self.object, changes=form.cleaned_data
        )
        return self.cancel_url(), _("Programme saved.")


class ProgrammeDeleteView(DeletePage):
    capability = permissions.PORTFOLIO_MANAGE

    def get_object(self) -> Programme:
        return selectors.programme_get(organization=self.organization, pk=self.kwargs["pk"])

    def cancel_url(self, obj: Any) -> str:
        return _url("programme-detail", self, obj.pk)

    def perform(self, obj: Any) -> tuple[str, str]:
        services.programme_delete(organization=self.organization, actor=self.request.user, programme=obj)
        return _url("programme-list", self), _("Programme deleted.")


# --- Strategic objectives ---------------------------------------------------------------------------------------


class ObjectiveListView(ListPage):
    capability = permissions.PORTFOLIO_VIEW
    template_name = "portfolio/objective_list.html"
    export_name = "objectives"

    def build_filter_form(self) -> ObjectiveFilterForm:
        return ObjectiveFilterForm(self.request.GET or None)

    def rows(self) -> Any:
        return selectors.objective_list(organization=self.organization, filters=self.filter_form.values())

    def export_title(self) -> str:
        return _("Strategic objectives")

    def export_columns(self) -> list[Column]:
        return [
            Column(_("Code"), attr("code"), 10),
            Column(_("Objective"), attr("name"), 36),
            Column(_("Weight"), attr("weight"), 8),
            Column(_("Requests"), attr("request_count"), 10),
            Column(_("Projects"), attr("project_count"), 10),
            Column(_("State"), lambda o: pgettext("enabled", "Active") if o.active else _("Inactive"), 10),
            Column(_("Description"), attr("description"), 50),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data.update(
            objectives=list(data["page"].object_list),
            weight_total=selectors.active_objective_weight(organization=self.organization),
            can_manage=self.access.can(permissions.PORTFOLIO_MANAGE),
            tab="objectives",
        )
        return data


class ObjectiveDetailView(PortfolioPage):
    capability = permissions.PORTFOLIO_VIEW
    template_name = "portfolio/objective_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from portfolio.selectors import requests_visible_to

        data = super().get_context_data(**kwargs)
        objective = selectors.objective_get(organization=self.organization, pk=kwargs["pk"])
        requests = (
            requests_visible_to(access=self.access)
            .filter(objective_links__objective=objective)
            .select_related("sponsor")
            .order_by("-number")
        )
        data.update(
            objective=objective,
            requests=list(requests),
            projects=list(selectors.objective_projects(access=self.access, objective=objective)),
            can_manage=self.access.can(permissions.PORTFOLIO_MANAGE),
            tab="objectives",
        )
        return data


class ObjectiveCreateView(FormPage):
    capability = permissions.PORTFOLIO_MANAGE
    form_class = ObjectiveForm
    title = gettext_lazy("New strategic objective")
    submit_label = gettext_lazy("Create objective")

    def cancel_url(self) -> str:
        return _url("objective-list", self)

    def perform(self, form: Any) -> tuple[str, str]:
        objective = services.objective_create(
            organization=self.organization, actor=self.request.user, **form.cleaned_data
        )
        return _url("objective-detail", self, objective.pk), _("Objective created.")


class ObjectiveEditView(FormPage):
    capability = permissions.PORTFOLIO_MANAGE
    submit_label = gettext_lazy("Save")

    @cached_property
    def object(self) -> StrategicObjective:
        return selectors.objective_get(organization=self.organization, pk=self.kwargs["pk"])

    def get_form(self, data: Any = None) -> Any:
        objective = self.object
        self.title = _("Edit %(name)s") % {"name": str(objective)}
        initial = {f: getattr(objective, f) for f in services.OBJECTIVE_FIELDS}
        return ObjectiveForm(data, initial=initial, organization=self.organization)

    def cancel_url(self) -> str:
        return _url("objective-detail", self, self.object.pk)

    def perform(self, form: Any) -> tuple[str, str]:
        services.objective_update(
            organization=self.organization, actor=self.request.user, objective=self.object, changes=form.cleaned_data
        )
        return self.cancel_url(), _("Objective saved.")


class ObjectiveDeleteView(DeletePage):
    capability = permissions.PORTFOLIO_MANAGE

    def get_object(self) -> StrategicObjective:
        return selectors.objective_get(organization=self.organization, pk=self.kwargs["pk"])

    def cancel_url(self, obj: Any) -> str:
        return _url("objective-detail", self, obj.pk)

    def perform(self, obj: Any) -> tuple[str, str]:
        services.objective_delete(organization=self.organization, actor=self.request.user, objective=obj)
        return _url("objective-list", self), _("Objective deleted.")
