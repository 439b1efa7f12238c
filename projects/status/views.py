"""Weekly status pages: the project tab (this week's card, the one-page form, the PMO's review, the RAG history),
a report's page with its revisions (``projects/<id>/status/<2026-W47>/``), the organisation's review queue and
compliance (``status/``) and the control policy (``status/policy/``).

Views stay thin: the project is resolved by ``ProjectPageView`` (404 when not readable), the permission checked
(403), one service called. Refused input comes back with the reasons next to the form (400); a stale version
comes back with a message and the user's input kept on top of the current version (409), so saving again is a
deliberate overwrite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from pmo.core.exports import Column, attr
from pmo.core.listing import ListPageMixin, sort_rows
from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from portfolio.models import Portfolio
from projects import selectors as project_selectors
from projects import services as project_services
from projects.models import RAG_RANK, Rag, StatusReport
from projects.policy import (
    control_policy_get,
    control_policy_update,
    current_week_start,
    parse_week,
    status_due_at,
    week_label,
)
from projects.status import forms, selectors, services
from projects.views import ActionError, ProjectPageView, add_service_errors, error_messages, form_messages
from reports.pdf.common import COUNTED_STATES, rag_weeks_strip

# The status tab's RAG trend: the last twelve weeks (a quarter), as on the project overview and in the packs.
TREND_WEEKS = 12


def _with_version(data: Any, version: int) -> Any:
    """The posted data with ``version`` replaced by the current one (after a stale save)."""
    data = data.copy()
    data["version"] = str(version)
    return data


class ProjectStatusView(ProjectPageView):
    """The "Weekly status" tab (the current week) and a report's page (``week`` in the URL)."""

    template_name = "projects/status/project.html"
    tab = "status"

    @cached_property
    def current_week(self) -> dt.date:
        return current_week_start(organization=self.organization)

    @cached_property
    def week_start(self) -> dt.date:
        week = self.kwargs.get("week")
        if week is None:
            return self.current_week
        try:
            return parse_week(week)
        except ValidationError as exc:
            raise Http404 from exc

    @property
    def is_tab(self) -> bool:
        return "week" not in self.kwargs

    # The page lists the report's revisions and names its people; an action reads them only when it renders the
    # page again (a refusal).
    with_revisions = True
    report_related: tuple[str, ...] = selectors.REPORT_RELATED

    @cached_property
    def report(self) -> StatusReport | None:
        report = (
            selectors.project_status_reports(
                project=self.project, with_revisions=self.with_revisions, related=self.report_related
            )
            .filter(week_start=self.week_start)
            .first()
        )
        if report is None and not self.is_tab and self.kwargs.get("verb") != "start":
            raise Http404
        return report

    def page_url(self) -> str:
        if self.week_start == self.current_week:
            return self.tab_url()
        return reverse(
            "project-status-week",
            kwargs={"org_slug": self.organization.slug, "pk": self.project.pk, "week": week_label(self.week_start)},
        )

    def editable(self, report: StatusReport | None) -> bool:
        return report is not None and self.writable and report.state in services.EDITABLE_STATES

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        review_form = kwargs.pop("review_form", None)
        data = super().get_context_data(**kwargs)
        report = self.report
        can_review = self.access.can(Capability.STATUS_REVIEW) and not self.project.is_read_only
        figures, suggestion = (None, None)
        if report is not None:
            figures, suggestion = selectors.status_suggestion(organization=self.organization, report=report)
        editable = self.editable(report)
        if editable and report is not None and not isinstance(form, forms.StatusReportForm):
            form = forms.StatusReportForm.for_report(report)
        reports = [] if not self.is_tab else list(selectors.project_status_reports(project=self.project))
        policy = control_policy_get(organization=self.organization)
        labels = {name: forms.StatusReportForm.base_fields[name].label for name in services.RAG_FIELDS}
        history = selectors.rag_history(project=self.project, reports=reports) if self.is_tab else []
        first_week = self.current_week - dt.timedelta(weeks=TREND_WEEKS - 1)
        counted = {r.week_start: r.rag_overall for r in reports if r.state in COUNTED_STATES}
        rag_trend = (
            rag_weeks_strip(rags=counted, first_week=first_week, last_week=self.current_week, width=720)
            if any(week >= first_week for week in counted)
            else None
        )
        for row in history:
            row.dots = [  # type: ignore[attr-defined]
                (labels[name], rag, trend) for name, rag, trend in row.dimensions
            ]
        data.update(
            report=report,
            report_rags=[(labels[name], getattr(report, name)) for name in services.RAG_FIELDS] if report else [],
            revision_rows=[
                (revision, [(labels[name], getattr(revision, name)) for name in services.RAG_FIELDS[1:]])
                for revision in (selectors.report_revisions(report=report) if report is not None else [])
            ],
            week=week_label(self.week_start),
            is_tab=self.is_tab,
            is_current_week=self.week_start == self.current_week,
            due_at=report.due_at
            if report is not None
            else status_due_at(organization=self.organization, policy=policy, week_start=self.week_start),
            now=timezone.now(),
            can_start=report is None and self.writable and self.week_start <= self.current_week,
            form=form if editable else None,
            figures=figures,
            suggestion=suggestion,
            suggestion_reasons=selectors.describe_reasons(suggestion.reasons) if suggestion else [],
            can_review=can_review and report is not None and report.state == StatusReport.State.SUBMITTED,
            review_form=review_form or forms.ReviewForm(),
            can_amend=self.writable
            and report is not None
            and report.state in (StatusReport.State.SUBMITTED, StatusReport.State.ACCEPTED),
            history=history,
            rag_trend=rag_trend,
            trend_weeks=TREND_WEEKS,
        )
        return data


class StatusActionView(ProjectStatusView):
    """``projects/<id>/status/<week>/<verb>/`` with verb start, save, submit, accept, return or amend."""

    http_method_names = ["post"]
    # The services lock and read the project and the report again: the action reads their own rows only (a refusal
    # that renders the page loads what it shows).
    with_revisions = False
    report_related: tuple[str, ...] = ()
    project_related: tuple[str, ...] = ()

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        verb = kwargs["verb"]
        org, user = self.organization, request.user
        if verb in ("start", "save", "submit", "amend"):
            self.require(self.can_change)
        elif verb in ("accept", "return"):
            self.require(self.access.can(Capability.STATUS_REVIEW))
        else:
            raise Http404
        if verb == "start":
            return self.perform(
                lambda: services.status_report_start(
                    organization=org, actor=user, project=self.project, week_start=self.week_start
                ),
                success=_("The report for %(week)s is started, pre-filled from the week before.")
                % {"week": week_label(self.week_start)},
            )
        report = self.report
        if report is None:
            raise Http404
        if verb in ("save", "submit"):
            form = forms.StatusReportForm.for_report(report, request.POST)

            def write() -> Any:
                values = form.content()
                version = form.cleaned_data["version"]
                if verb == "save":
                    return services.status_report_save(
                        organization=org, actor=user, report=report, version=version, **values
                    )
                return services.status_report_submit(
                    organization=org, actor=user, report=report, version=version, **values
                )

            success = _("Draft saved.") if verb == "save" else _("Report submitted to the PMO.")
            return self.perform(write, success=success, form=form)
        if verb == "amend":
            return self.perform(
                lambda: services.status_report_amend(organization=org, actor=user, report=report),
                success=_("The report is open for an amendment; submitting it adds a new revision."),
            )
        review = forms.ReviewForm(request.POST)

        def decide() -> Any:
            comment = review.cleaned_data["comment"]
            if verb == "accept":
                return services.status_report_accept(organization=org, actor=user, report=report, note=comment)
            return services.status_report_return(organization=org, actor=user, report=report, comment=comment)

        success = _("Report accepted.") if verb == "accept" else _("Report returned to the manager.")
        return self.perform(decide, success=success, form=review, target=("review", report.pk))

    def perform(
        self,
        run: Callable[[], Any],
        *,
        success: str,
        form: Any = None,
        target: tuple[str, int] | None = None,
    ) -> HttpResponse:
        context_form = {"review_form" if isinstance(form, forms.ReviewForm) else "form": form} if form else {}
        if form is not None and not form.is_valid():
            self.action_error = ActionError(target, form_messages(form), self.request.POST)
            return self.render_to_response(self.get_context_data(**context_form), status=400)
        try:
            run()
        except services.StatusStale as exc:
            messages.error(self.request, str(exc))
            if isinstance(form, forms.StatusReportForm) and self.report is not None:
                current = StatusReport.objects.get(organization=self.organization, pk=self.report.pk)
                kept = forms.StatusReportForm.for_report(current, _with_version(self.request.POST, current.version))
                kept.is_valid()
                self.__dict__["report"] = current
                return self.render_to_response(self.get_context_data(form=kept), status=409)
            return self.render_to_response(self.get_context_data(), status=409)
        except project_services.ProjectsConflict as exc:
            messages.error(self.request, str(exc))
            return self.render_to_response(self.get_context_data(), status=409)
        except ValidationError as exc:
            if form is not None:
                add_service_errors(form, exc)
            self.action_error = ActionError(target, error_messages(exc), self.request.POST)
            return self.render_to_response(self.get_context_data(**context_form), status=400)
        messages.success(self.request, success)
        return redirect(self.page_url())


# --- Organisation pages -------------------------------------------------------------------------------------------


def _person(user: Any) -> str | None:
    return (user.get_full_name() or user.email) if user is not None else None


def _rag_label(report: StatusReport | None, name: str) -> str | None:
    return str(Rag(getattr(report, name)).label) if report is not None else None


def _rag_reader(name: str) -> Callable[[selectors.ComplianceRow], str | None]:
    return lambda row: _rag_label(row.report, name)


def _state_label(row: selectors.ComplianceRow) -> str:
    if row.report is not None:
        return row.report.get_state_display()
    return str(_("Missing")) if row.missing else str(_("Not started"))


# State order for the sort: what needs the PMO first.
_STATE_ORDER = {
    selectors.MISSING: 0,
    "none": 1,
    StatusReport.State.RETURNED: 2,
    StatusReport.State.DRAFT: 3,
    StatusReport.State.SUBMITTED: 4,
    StatusReport.State.ACCEPTED: 5,
}
COMPLIANCE_SORT_KEYS: dict[str, Callable[[selectors.ComplianceRow], Any]] = {
    "project": lambda row: row.project.code,
    "manager": lambda row: _person(row.project.manager),
    "portfolio": lambda row: row.project.portfolio.name if row.project.portfolio else None,
    "overall": lambda row: RAG_RANK[Rag(row.report.rag_overall)] if row.report is not None else None,
    "state": lambda row: _STATE_ORDER[row.state],
    "submitted": lambda row: row.report.first_submitted_at if row.report is not None else None,
}


class StatusListView(OrganizationViewMixin, ListPageMixin, TemplateView):
    """The week's review queue and compliance over the projects the reader may see; ``?week=2026-W47``, filters by
    state, portfolio, manager and words of the project, a sort, and the filtered list as CSV or XLSX."""

    nav_key = "status"
    template_name = "projects/status/list.html"
    export_name = "status"
    refuse_bad_filters = True

    @cached_property
    def current_week(self) -> dt.date:
        return current_week_start(organization=self.organization)

    def build_filter_form(self) -> forms.ComplianceFilterForm:
        return forms.ComplianceFilterForm(
            self.request.GET or None,
            portfolios=Portfolio.objects.filter(organization=self.organization).order_by("name"),
            managers=project_selectors.project_managers(access=self.access),
        )

    def value(self, name: str) -> Any:
        """A filter's value while it is valid (a wrong one counts as not set; its error shows next to it)."""
        form = self.filter_form
        return form.cleaned_data.get(name) if form.is_bound and name not in form.errors else None

    @cached_property
    def week(self) -> dt.date:
        return self.value("week") or self.current_week

    @property
    def sort(self) -> str:
        return self.value("sort") or "project"

    def is_filtered(self) -> bool:
        return any(self.value(name) for name in ("search", "state", "portfolio", "manager"))

    @cached_property
    def compliance(self) -> selectors.Compliance:
        return selectors.status_compliance(
            access=self.access,
            week_start=self.week,
            portfolio=self.value("portfolio"),
            manager=self.value("manager"),
            search=self.value("search") or "",
        )

    def rows(self) -> list[selectors.ComplianceRow]:
        rows = self.compliance.rows
        state = self.value("state")
        if state == "late":
            rows = [row for row in rows if row.late]
        elif state:
            rows = [row for row in rows if row.state == state]
        return sort_rows(rows, self.sort, COMPLIANCE_SORT_KEYS)

    def export_title(self) -> str:
        return _("Weekly status") + " " + week_label(self.week)

    def export_filename(self) -> str:
        return f"{self.organization.slug}-status-{week_label(self.week)}"

    def export_columns(self) -> list[Column]:
        labels = {name: str(forms.StatusReportForm.base_fields[name].label) for name in services.RAG_FIELDS}
        return [
            Column(_("Week"), lambda row: week_label(self.week), 9),
            Column(_("Project code"), attr("project.code"), 12),
            Column(_("Project"), attr("project.name"), 30),
            Column(_("Portfolio"), attr("project.portfolio.name"), 20),
            Column(_("Manager"), lambda row: _person(row.project.manager), 20),
            Column(_("State"), _state_label, 14),
            Column(_("Late"), attr("late"), 6),
            Column(_("Due"), attr("due_at"), 17),
            Column(_("First submitted"), attr("report.first_submitted_at"), 17),
            Column(_("Last submitted"), attr("report.submitted_at"), 17),
            Column(_("Revision"), attr("report.revision"), 8),
            *(Column(labels[name], _rag_reader(name), 9) for name in services.RAG_FIELDS),
            Column(_("Percent complete"), attr("report.percent_complete"), 9),
            Column(_("Actual cost to date"), attr("report.actual_cost"), 14),
            Column(_("Forecast finish"), attr("report.forecast_finish"), 12),
            Column(_("Reviewed by"), lambda row: _person(row.report.reviewed_by) if row.report else None, 20),
            Column(_("Reviewed"), attr("report.reviewed_at"), 17),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        week, current = self.week, self.current_week
        compliance = self.compliance
        form = self.filter_form
        data.update(
            compliance=compliance,
            rows=list(data["page"].object_list),
            counts=compliance.counts,
            week=week_label(week),
            week_error=" ".join(str(error) for error in form.errors.get("week", [])),
            previous_week=week_label(week - dt.timedelta(days=7)),
            next_week=week_label(week + dt.timedelta(days=7)) if week < current else None,
            is_current_week=week == current,
            states=StatusReport.State.choices,
            can_review=self.access.can(Capability.STATUS_REVIEW),
            can_manage_policy=self.access.can(Capability.CONTROL_POLICY_MANAGE),
        )
        return data


class ControlPolicyPageView(OrganizationViewMixin, TemplateView):
    nav_key = "status"
    capability = Capability.CONTROL_POLICY_MANAGE
    template_name = "projects/status/policy.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        policy = control_policy_get(organization=self.organization)
        if "form" not in data:
            data["form"] = forms.ControlPolicyForm.for_policy(policy)
        data["policy"] = policy
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = forms.ControlPolicyForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            control_policy_update(
                organization=self.organization,
                actor=request.user,
                version=form.cleaned_data["version"],
                **form.values(),
            )
        except project_services.StaleVersion:
            messages.error(
                request, _("Someone else changed the policy in the meantime. Your input is kept: save again to apply.")
            )
            current = control_policy_get(organization=self.organization)
            kept = forms.ControlPolicyForm(_with_version(request.POST, current.version))
            kept.is_valid()
            return self.render_to_response(self.get_context_data(form=kept), status=409)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, _("Control policy saved."))
        return redirect("control-policy", org_slug=self.organization.slug)
