"""What-if scenarios: list and create (the selection is computed and stored), view, delete, compare two."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from pmo.core.exports import Column, ExportableListMixin, attr
from portfolio import permissions, selectors, services
from portfolio.explanations import reason_text
from portfolio.forms import CompareForm, ScenarioForm, apply_errors
from portfolio.models import Scenario, ScenarioItem
from portfolio.views.base import DeletePage
from portfolio.views.intake import IntakePage


def _explain(items: list[ScenarioItem], currency: str) -> list[ScenarioItem]:
    """Attach the reason in the reader's language (``explanation``) to each stored item."""
    for item in items:
        item.explanation = (  # type: ignore[attr-defined]
            reason_text(item.reason_code, item.reason_amount, currency=currency) or item.reason
        )
    return items


class ScenarioListView(ExportableListMixin, IntakePage):
    """Saved scenarios, newest first; ``?format=csv|xlsx`` answers them as a file."""

    capability = permissions.SCENARIOS_VIEW
    template_name = "portfolio/intake/scenario_list.html"
    export_name = "scenarios"

    def export_rows(self) -> Any:
        return selectors.scenarios_with_counts(organization=self.organization)

    def export_columns(self) -> list[Column]:
        return [
            Column(_("Scenario"), attr("name"), 30),
            Column(_("Budget cap"), attr("budget_cap"), 14),
            Column(_("Capacity cap (hours)"), attr("capacity_cap_hours"), 12),
            Column(_("Include active projects"), attr("include_active_projects"), 10),
            Column(_("Selected"), attr("selected_count"), 9),
            Column(_("Requests"), attr("item_count"), 9),
            Column(_("Selected cost"), attr("selected_cost"), 14),
            Column(_("Value"), attr("selected_value"), 10),
            Column(_("Method"), attr("get_method_display"), 22),
            Column(_("Created by"), lambda s: s.created_by.get_full_name() or s.created_by.email, 20),
            Column(_("Created"), attr("created_at"), 17),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        scenarios = list(self.export_rows())
        can_manage = self.access.can(permissions.SCENARIOS_MANAGE)
        initial = {"include_active_projects": True}
        data.update(
            scenarios=scenarios,
            can_manage=can_manage,
            form=kwargs.get("form") or ScenarioForm(initial=initial, organization=self.organization),
            compare_form=CompareForm(
                organization=self.organization,
                initial={"a": scenarios[1].pk, "b": scenarios[0].pk} if len(scenarios) > 1 else {},
            ),
            tab="scenarios",
        )
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Compute and save a scenario."""
        self.require(permissions.SCENARIOS_MANAGE)
        form = ScenarioForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                scenario = services.scenario_create(
                    organization=self.organization, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Scenario saved."))
                return redirect("intake-scenario-detail", org_slug=self.organization.slug, pk=scenario.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ScenarioDetailView(IntakePage):
    capability = permissions.SCENARIOS_VIEW
    template_name = "portfolio/intake/scenario_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        scenario = selectors.scenario_get(organization=self.organization, pk=kwargs["pk"])
        items = _explain(selectors.scenario_items(scenario=scenario), self.organization.currency)
        selected = [i for i in items if i.selected]
        data.update(
            scenario=scenario,
            selected=selected,
            excluded=[i for i in items if not i.selected],
            remaining=scenario.budget_cap - scenario.selected_cost,
            selected_effort=sum(i.effort_hours for i in selected),
            budget_used=round(100 * scenario.selected_cost / scenario.budget_cap) if scenario.budget_cap else 0,
            can_manage=self.access.can(permissions.SCENARIOS_MANAGE),
            tab="scenarios",
        )
        return data


class ScenarioDeleteView(DeletePage):
    nav_key = "intake"
    capability = permissions.SCENARIOS_MANAGE

    def get_object(self) -> Scenario:
        return selectors.scenario_get(organization=self.organization, pk=self.kwargs["pk"])

    def cancel_url(self, obj: Any) -> str:
        return reverse("intake-scenario-detail", args=[self.organization.slug, obj.pk])

    def perform(self, obj: Any) -> tuple[str, str]:
        services.scenario_delete(organization=self.organization, actor=self.request.user, scenario=obj)
        return reverse("intake-scenarios", args=[self.organization.slug]), _("Scenario deleted.")


class ScenarioCompareView(IntakePage):
    capability = permissions.SCENARIOS_VIEW
    template_name = "portfolio/intake/scenario_compare.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CompareForm(request.GET, organization=self.organization)
        context = self.get_context_data(form=form, tab="scenarios")
        if not form.is_valid():
            return self.render_to_response(context, status=400)
        comparison = selectors.scenario_compare(a=form.cleaned_data["a"], b=form.cleaned_data["b"])
        currency = self.organization.currency
        others = [b for _, b in comparison.only_a if b] + [a for a, _ in comparison.only_b if a]
        _explain(others, currency)
        context.update(comparison=comparison, totals_a=comparison.totals_a, totals_b=comparison.totals_b)
        return self.render_to_response(context)
