"""Shared pieces of the portfolio pages: a form page that calls one service and a delete-confirmation page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

from pmo.core.listing import ListPageMixin
from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from portfolio import permissions
from portfolio.forms import ListFilterForm, apply_errors


class PortfolioPage(OrganizationViewMixin, TemplateView):
    nav_key = "portfolios"

    def require(self, capability: Capability) -> None:
        if not self.access.can(capability):
            raise PermissionDenied

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        # Which tabs of the portfolio and intake sections the reader may open.
        data["can"] = {
            "pipeline": self.access.can(permissions.INTAKE_VIEW_ALL),
            "scenarios": self.access.can(permissions.SCENARIOS_VIEW),
            "scoring": self.access.can(permissions.SCORING_VIEW),
            "create_request": self.access.can(permissions.INTAKE_CREATE),
        }
        return data


class FormPage(PortfolioPage):
    """GET shows the form; POST validates it and calls ``perform`` (one service), then redirects with a message.
    Invalid input, or a service's ``ValidationError``, shows the form again with the errors (400)."""

    template_name = "portfolio/form.html"
    form_class: type[forms.Form]
    title: Any = ""
    submit_label: Any = ""

    def get_form(self, data: Any = None) -> forms.Form:
        return self.form_class(data, **self.form_kwargs())

    def form_kwargs(self) -> dict[str, Any]:
        return {"organization": self.organization}

    def cancel_url(self) -> str:
        raise NotImplementedError

    def perform(self, form: Any) -> tuple[str, str]:
        """Call the service; return the URL to go to and the success message."""
        raise NotImplementedError

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data.setdefault("form", self.get_form())
        data.update(title=self.title, submit_label=self.submit_label, cancel_url=self.cancel_url())
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                url, message = self.perform(form)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect(url)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DeletePage(PortfolioPage):
    """GET asks for confirmation; POST calls ``perform`` (the delete service). A refusal (``ValidationError``) is
    shown on the confirmation page (400) and nothing is deleted."""

    template_name = "portfolio/confirm_delete.html"

    def get_object(self) -> Any:
        raise NotImplementedError

    def perform(self, obj: Any) -> tuple[str, str]:
        raise NotImplementedError

    def cancel_url(self, obj: Any) -> str:
        raise NotImplementedError

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        obj = data.get("object") or self.get_object()
        data.update(object=obj, cancel_url=self.cancel_url(obj))
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        try:
            url, message = self.perform(obj)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(object=obj, errors=" ".join(exc.messages)), status=400)
        messages.success(request, message)
        return redirect(url)


def people_in(ids: QuerySet[Any]) -> QuerySet[Any]:
    """The users whose ids ``ids`` (a ``values(...)`` queryset) gives, by name: the choices of a filter by owner,
    manager or sponsor offer only people who hold that part."""
    return get_user_model()._default_manager.filter(pk__in=ids).order_by("full_name", "email")


class ListPage(ListPageMixin, PortfolioPage):
    """A list of the portfolio section: a filter bar (a ``ListFilterForm``, whose valid fields filter even when
    another is wrong), 50 rows a page, sortable columns, and the filtered list as CSV or XLSX (refused while a
    filter is wrong). Subclasses build the form and the rows."""

    refuse_bad_filters = True
    filter_form: ListFilterForm

    def build_filter_form(self) -> ListFilterForm:
        raise NotImplementedError

    @property
    def sort(self) -> str:
        return self.filter_form.values().sort

    def is_filtered(self) -> bool:
        return self.filter_form.filtered
