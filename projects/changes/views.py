"""Change-control pages under ``/o/<org_slug>/``: a project's "Change requests" tab (list and the form to raise
one), one change request with its approval steps and the forms of whoever may act, the organisation's queue
(``changes/``) and the baseline-change statistics (``changes/statistics/``).

Thin views: the project is resolved (404 when the actor may not read it), one service is called, and the same
rules as the services decide which forms are shown. A refused step renders the page again with the reason: next to
the form (400), on top (409: someone acted first, a stale version, an archived project) or 403.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from pmo.core.exports import Column, ExportableListMixin, attr, requested_format
from pmo.core.listing import ListPageMixin, filter_errors, filter_values
from pmo.tenancy.views_base import OrganizationViewMixin
from portfolio.models import Portfolio
from projects import selectors as project_selectors
from projects.changes import forms, selectors, services
from projects.models import ApproverRole, ChangeRequest
from projects.project_export import ProjectTabExportMixin
from projects.views import ProjectPageView

EDITABLE = services.EDITABLE_FIELDS


class ProjectChangesView(ProjectTabExportMixin, ProjectPageView):
    """The project's change requests, newest first, and (for whoever may change the project) the form to raise
    one; ``?format=csv|xlsx`` answers them as a file."""

    template_name = "projects/changes/project_list.html"
    tab = "changes"
    export_part = "change-requests"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        data["change_requests"] = list(selectors.project_change_requests(project=self.project))
        if self.writable:
            data["raise_form"] = form or forms.ChangeRequestForm()
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        form = forms.ChangeRequestForm(request.POST)
        created: list[ChangeRequest] = []

        def run() -> ChangeRequest:
            values = {k: v for k, v in form.cleaned_data.items() if k in EDITABLE}
            change_request = services.change_request_create(
                organization=self.organization, actor=request.user, project=self.project, **values
            )
            created.append(change_request)
            return change_request

        response = self.act(
            run,
            success=lambda cr: _("%(code)s raised as a draft. Submit it when it is complete.") % {"code": cr.code},
            target=("raise", 0),
            form=form,
        )
        if created:
            return redirect(detail_url(self.organization.slug, self.project.pk, created[0].number))
        return response


def detail_url(org_slug: str, project_pk: int, number: int) -> str:
    return reverse("project-change-request", kwargs={"org_slug": org_slug, "pk": project_pk, "number": number})


class ChangeRequestDetailView(ProjectPageView):
    """One change request: impact, assessment, the approval steps, and the action forms of whoever may act."""

    template_name = "projects/changes/detail.html"
    tab = "changes"

    @cached_property
    def change_request(self) -> ChangeRequest:
        return selectors.change_request_get(project=self.project, number=self.kwargs["number"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        change_request = self.change_request
        actions = selectors.change_request_actions(
            access=self.access, change_request=change_request, can_change_project=self.can_change
        )
        data.update(cr=change_request, actions=actions)
        if actions.can_edit:
            initial = {name: getattr(change_request, name) for name in EDITABLE}
            initial["version"] = change_request.version
            data["edit_form"] = form if isinstance(form, forms.ChangeRequestForm) else None
            data["edit_form"] = data["edit_form"] or forms.ChangeRequestForm(initial=initial)
        if actions.can_assess:
            data["assess_form"] = form if isinstance(form, forms.AssessForm) else forms.AssessForm()
        if actions.can_sign or actions.can_reject:
            data["decision_form"] = form if isinstance(form, forms.DecisionForm) else forms.DecisionForm()
        if change_request.baseline is not None:
            data["new_version"] = change_request.baseline.version
            data["previous_version"] = change_request.baseline.version - 1
        return data


class ChangeRequestActionView(ChangeRequestDetailView):
    """POST ``…/changes/<number>/<verb>/``: edit, submit, withdraw, assess, approve or reject."""

    http_method_names = ["post"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # A refused step shows the request as it is now (someone else may just have acted on it).
        self.__dict__.pop("change_request", None)
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        verb = kwargs["verb"]
        change_request = self.change_request
        org, actor = self.organization, request.user
        form: Any = None
        if verb == "edit":
            form = forms.ChangeRequestForm(request.POST)

            def run() -> Any:
                values = {k: v for k, v in form.cleaned_data.items() if k in EDITABLE}
                return services.change_request_update(
                    organization=org,
                    actor=actor,
                    change_request=change_request,
                    version=form.cleaned_data.get("version"),
                    **values,
                )

            success = _("%(code)s saved.")
        elif verb == "submit":

            def run() -> Any:
                return services.change_request_submit(organization=org, actor=actor, change_request=change_request)

            success = _("%(code)s submitted to the PMO.")
        elif verb == "withdraw":

            def run() -> Any:
                return services.change_request_withdraw(
                    organization=org, actor=actor, change_request=change_request, note=request.POST.get("note", "")
                )

            success = _("%(code)s withdrawn.")
        elif verb == "assess":
            form = forms.AssessForm(request.POST)

            def run() -> Any:
                return services.change_request_assess(
                    organization=org,
                    actor=actor,
                    change_request=change_request,
                    assessment=form.cleaned_data["assessment"],
                )

            success = _("%(code)s assessed.")
        elif verb in ("approve", "reject"):
            form = forms.DecisionForm(request.POST)
            decide = services.change_request_approve if verb == "approve" else services.change_request_reject

            def run() -> Any:
                return decide(
                    organization=org, actor=actor, change_request=change_request, note=form.cleaned_data["note"]
                )

            success = _("%(code)s: your approval is recorded.") if verb == "approve" else _("%(code)s rejected.")
        else:
            raise Http404

        def guarded() -> Any:
            try:
                return run()
            except PermissionDenied as exc:
                raise _Refused(str(exc) or _("You may not take this step.")) from exc

        try:
            return self.act(
                guarded,
                success=lambda cr: success % {"code": cr.code},
                target=("cr-action", change_request.pk),
                form=form,
                redirect_to=detail_url(org.slug, self.project.pk, change_request.number),
            )
        except _Refused as refused:
            messages.error(request, refused.message)
            return self.render_to_response(self.get_context_data(), status=403)


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- Organisation pages ---------------------------------------------------------------------------------------------


class ChangeRequestListView(OrganizationViewMixin, ListPageMixin, TemplateView):
    """Every change request on a project the actor may read: open ones first; filters, sort, "awaiting my
    decision", and the filtered list as CSV or XLSX."""

    nav_key = "changes"
    template_name = "projects/changes/list.html"
    export_name = "change-requests"
    refuse_bad_filters = True

    def build_filter_form(self) -> forms.ChangeFilterForm:
        return forms.ChangeFilterForm(
            self.request.GET or None,
            projects=project_selectors.projects_visible_to(access=self.access).order_by("code"),
            portfolios=Portfolio.objects.filter(organization=self.organization).order_by("name"),
        )

    @cached_property
    def filters(self) -> selectors.ChangeRequestFilters:
        values = self.values
        project = values.get("project")
        return selectors.ChangeRequestFilters(
            status=values.get("status") or "",
            change_type=values.get("change_type") or "",
            project=project.pk if project is not None else None,
            awaiting_me=bool(values.get("awaiting")),
            portfolio=values.get("portfolio"),
            search=values.get("search") or "",
            submitted_from=values.get("submitted_from"),
            submitted_to=values.get("submitted_to"),
            sort=values.get("sort") or "",
        )

    def rows(self) -> Any:
        return selectors.change_requests_visible_to(access=self.access, filters=self.filters)

    def is_filtered(self) -> bool:
        return self.filters != selectors.ChangeRequestFilters(sort=self.filters.sort)

    def export_title(self) -> str:
        return _("Change requests")

    def export_columns(self) -> list[Column]:
        return [
            Column(_("Project code"), attr("project.code"), 12),
            Column(_("Project"), attr("project.name"), 30),
            Column(_("Portfolio"), attr("project.portfolio.name"), 20),
            Column(_("Code"), attr("code"), 9),
            Column(_("Title"), attr("title"), 40),
            Column(_("Type"), attr("get_change_type_display"), 12),
            Column(_("Status"), attr("get_status_display"), 12),
            Column(_("Cost Δ"), attr("cost_delta"), 12),
            Column(_("Finish Δ (days)"), attr("finish_delta_days"), 10),
            Column(_("Raised by"), lambda cr: cr.raised_by.get_full_name() or cr.raised_by.email, 20),
            Column(_("Raised"), attr("raised_at"), 17),
            Column(_("Submitted"), attr("submitted_at"), 17),
            Column(_("Approvals required"), lambda cr: [ApproverRole(r).label for r in cr.approvals_required], 18),
            Column(_("Decided"), attr("decided_at"), 17),
            Column(_("Decided by"), lambda cr: cr.decided_by.get_full_name() if cr.decided_by else None, 20),
            Column(_("Baseline version"), attr("baseline.version"), 10),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        awaiting = selectors.change_requests_visible_to(
            access=self.access, filters=selectors.ChangeRequestFilters(awaiting_me=True)
        ).count()
        data.update(change_requests=list(data["page"].object_list), awaiting_count=awaiting)
        return data


class BaselineChangesView(OrganizationViewMixin, ExportableListMixin, TemplateView):
    """Baseline-change statistics: per project, per month and per reason category, with the change-request cycle
    time. ``?format=csv|xlsx`` answers the three tables and the total as one file (a row each, its grouping
    first)."""

    nav_key = "changes"
    template_name = "projects/changes/statistics.html"
    export_name = "baseline-changes"

    @cached_property
    def form(self) -> forms.StatsFilterForm:
        return forms.StatsFilterForm(self.request.GET or None)

    def stats(self) -> selectors.BaselineChangeStats:
        values = filter_values(self.form)
        return selectors.baseline_change_stats(access=self.access, since=values.get("since"), until=values.get("until"))

    def export_errors(self) -> dict[str, list[str]] | None:
        return filter_errors(self.form)

    def export_rows(self) -> Any:
        stats = self.stats()
        return [
            *((_("Project"), row) for row in stats.by_project),
            *((_("Month"), row) for row in stats.by_month),
            *((_("Reason category"), row) for row in stats.by_category),
            (_("Total"), stats.total),
        ]

    def export_columns(self) -> list[Column]:
        return [
            Column(_("Grouping"), lambda row: row[0], 16),
            Column(_("Name"), lambda row: row[1].label, 36),
            Column(_("Baseline changes"), lambda row: row[1].count, 10),
            Column(_("Cost Δ"), lambda row: row[1].cost_delta, 14),
            Column(_("Finish Δ (days)"), lambda row: row[1].finish_delta_days, 10),
        ]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if requested_format(request):
            return super().get(request, *args, **kwargs)  # the file (ExportableListMixin)
        form = self.form
        if form.is_bound and not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, stats=None), status=400)
        return self.render_to_response(self.get_context_data(form=form, stats=self.stats()))
