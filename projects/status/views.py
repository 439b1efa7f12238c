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

from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from projects import services as project_services
from projects.models import StatusReport
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

    @cached_property
    def report(self) -> StatusReport | None:
        report = (
            selectors.project_status_reports(project=self.project, with_revisions=True)
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
        for row in history:
            row.dots = [  # type: ignore[attr-defined]
                (labels[name], rag, trend) for name, rag, trend in row.dimensions
            ]
        data.update(
            report=report,
            report_rags=[(labels[name], getattr(report, name)) for name in services.RAG_FIELDS] if report else [],
            revision_rows=[
                (revision, [(labels[name], getattr(revision, name)) for name in services.RAG_FIELDS[1:]])
                for revision in getattr(report, "revision_list", [])
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
        )
        return data


class StatusActionView(ProjectStatusView):
    """``projects/<id>/status/<week>/<verb>/`` with verb start, save, submit, accept, return or amend."""

    http_method_names = ["post"]

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


class StatusListView(OrganizationViewMixin, TemplateView):
    """The week's review queue and compliance over the projects the reader may see; ``?week=2026-W47``."""

    nav_key = "status"
    template_name = "projects/status/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        current = current_week_start(organization=self.organization)
        week_error = ""
        try:
            week = parse_week(self.request.GET["week"]) if self.request.GET.get("week") else current
        except ValidationError as exc:
            week, week_error = current, " ".join(exc.messages)
        compliance = selectors.status_compliance(access=self.access, week_start=week)
        data.update(
            compliance=compliance,
            counts=compliance.counts,
            week=week_label(week),
            week_error=week_error,
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
