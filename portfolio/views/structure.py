"""Portfolios, programmes and strategic objectives: read with ``portfolio.view``, change with ``portfolio.manage``."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio import permissions, selectors, services
from portfolio.forms import ObjectiveForm, PortfolioForm, ProgrammeForm
from portfolio.models import Portfolio, Programme, StrategicObjective
from portfolio.views.base import DeletePage, FormPage, PortfolioPage


def _url(name: str, view: PortfolioPage, *args: Any) -> str:
    return reverse(name, args=[view.organization.slug, *args])


# --- Portfolios -------------------------------------------------------------------------------------------------


class PortfolioListView(PortfolioPage):
    capability = permissions.PORTFOLIO_VIEW
    template_name = "portfolio/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data.update(
            portfolios=list(selectors.portfolios_with_counts(organization=self.organization)),
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


class ProgrammeListView(PortfolioPage):
    capability = permissions.PORTFOLIO_VIEW
    template_name = "portfolio/programme_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data.update(
            programmes=list(selectors.programmes_with_counts(organization=self.organization)),
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


class ObjectiveListView(PortfolioPage):
    capability = permissions.PORTFOLIO_VIEW
    template_name = "portfolio/objective_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        objectives = list(selectors.objectives_with_counts(organization=self.organization))
        data.update(
            objectives=objectives,
            weight_total=sum(o.weight for o in objectives if o.active),
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
