"""Risk pages under ``/o/<org_slug>/``: the register with the organisation's heat map and "escalated to me"
(``risks/``), logging a risk (``risks/new/``), one risk with its actions, escalation history and the forms of whoever
may act (``risks/<number>/``), the issue log (``issues/``) and one issue, the risk settings (``risks/settings/``),
a portfolio's heat map (``risks/portfolio/<id>/``) and a project's RAID tab (``projects/<pk>/raid/``).

Thin views: the item is resolved (404 when the actor may not read it), one service is called, and the services'
rules decide which forms are shown. A refused step renders the page again with the reason: next to the form (400),
on top (409: someone acted first, a stale version, an archived project) or 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.generic import TemplateView

from pmo.core.exports import Column, attr
from pmo.core.listing import PAGE_SIZE, ListPageMixin
from pmo.tenancy.views_base import OrganizationViewMixin
from projects import selectors as project_selectors
from projects.services import ProjectsConflict, organization_today
from projects.views import (
    ActionError,
    ProjectPageView,
    add_service_errors,
    error_messages,
    form_messages,
    with_late_days,
)
from risks import forms, permissions, scoring, selectors, services
from risks.models import Issue, Risk, RiskSettings


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RaidPageMixin(OrganizationViewMixin):
    """Shared pieces of the risk pages: the settings, members, and ``act`` (one service call with the refusals
    rendered on the same page)."""

    nav_key = "risks"
    action_error: ActionError | None = None
    request: HttpRequest

    @cached_property
    def settings(self) -> RiskSettings:
        return scoring.risk_settings_get(organization=self.organization)

    @cached_property
    def members(self) -> Any:
        return project_selectors.organization_members_queryset(access=self.access)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().get_context_data(**kwargs)
        data.update(risk_settings=self.settings, action_error=self.action_error)
        return data

    def render_again(self, status: int, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(**kwargs), status=status)  # type: ignore[attr-defined]

    def act(
        self,
        run: Callable[[], Any],
        *,
        success: Callable[[Any], str],
        redirect_to: Callable[[Any], str],
        target: tuple[str, int] | None = None,
        form: django_forms.Form | None = None,
    ) -> HttpResponse:
        if form is not None and not form.is_valid():
            self.action_error = ActionError(target, form_messages(form), self.request.POST)
            return self.render_again(400, form=form)
        try:
            result = run()
        except ProjectsConflict as exc:
            messages.error(self.request, str(exc))
            return self.render_again(409)
        except ValidationError as exc:
            if form is not None:
                add_service_errors(form, exc)
            self.action_error = ActionError(target, error_messages(exc), self.request.POST)
            return self.render_again(400, form=form)
        except PermissionDenied as exc:
            messages.error(self.request, str(exc) or _("You may not take this step."))
            return self.render_again(403)
        messages.success(self.request, success(result))
        return redirect(redirect_to(result))


def risk_url(slug: str, number: int) -> str:
    return reverse("risk-detail", kwargs={"org_slug": slug, "number": number})


def issue_url(slug: str, number: int) -> str:
    return reverse("issue-detail", kwargs={"org_slug": slug, "number": number})


def raid_item_columns() -> list[Column]:
    """The first columns of the risk register's file and the issue log's: which item, of which project."""
    return [
        Column(_("Code"), attr("code"), 9),
        Column(_("Title"), attr("title"), 40),
        Column(_("Project code"), attr("project.code"), 12),
        Column(_("Project"), attr("project.name"), 30),
        Column(_("Portfolio"), lambda r: r.portfolio.name if r.portfolio else (r.project.portfolio or "")),
    ]


def filter_projects(access: Any) -> Any:
    """The projects a filter bar offers: the visible ones by code, with what their choice shows (code and name)."""
    return project_selectors.projects_visible_to(access=access).only("code", "name").order_by("code")


# --- The register ------------------------------------------------------------------------------------------------


class RiskListView(ListPageMixin, RaidPageMixin, TemplateView):
    """The register with filters and sort, the organisation's heat map (cells link to the filtered register) and the
    risks and issues escalated to the actor; ``?format=csv|xlsx`` answers the filtered register as a file."""

    template_name = "risks/list.html"
    export_name = "risks"
    default_sort = selectors.RISK_DEFAULT_SORT

    def build_filter_form(self) -> forms.RiskFilterForm:
        return forms.RiskFilterForm(
            self.request.GET or None,
            projects=filter_projects(self.access),
            members=self.members,
        )

    def rows(self) -> Any:
        values = self.values
        project, owner = values.get("project"), values.get("owner")
        filters = selectors.RiskFilters(
            project=project.pk if project is not None else None,
            portfolio=values.get("portfolio"),
            status=values.get("status") or "",
            category=values.get("category") or "",
            level=values.get("level") or "",
            owner=owner.pk if owner is not None else None,
            escalation=values.get("escalation") or "",
            stale=True if values.get("stale") else None,
            probability=values.get("probability"),
            impact=values.get("impact"),
            search=(values.get("q") or "").strip(),
        )
        return selectors.risk_register(
            access=self.access,
            filters=filters,
            sort=self.sort,
            settings=self.settings,
        )

    def export_title(self) -> str:
        return _("Risk register")

    def export_columns(self) -> list[Column]:
        return [
            *raid_item_columns(),
            Column(_("Category"), attr("get_category_display")),
            Column(_("Probability"), attr("probability"), 10),
            Column(_("Impact"), attr("impact"), 10),
            Column(_("Score"), attr("score"), 8),
            Column(_("Level"), lambda r: scoring.LEVEL_LABELS.get(r.level, ""), 10),
            Column(_("Owner"), lambda r: r.owner.get_full_name() if r.owner else "", 22),
            Column(_("Response strategy"), attr("get_strategy_display")),
            Column(_("Status"), attr("get_status_display")),
            Column(_("Stale"), attr("stale"), 8),
            Column(pgettext("risk", "Escalation"), attr("get_escalation_level_display")),
            Column(_("Proximity"), attr("proximity"), 12),
            Column(_("Last reviewed"), attr("last_reviewed_at"), 18),
            Column(_("Open actions"), lambda r: sum(1 for a in r.actions.all() if a.done_at is None), 10),
            Column(_("Created"), attr("created_at"), 18),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        values = self.values
        page = data["page"]
        first = (page.number - 1) * page.paginator.per_page
        data.update(
            risks=selectors.rows_in_two_steps(page.paginator.object_list, first, first + page.paginator.per_page),
            cell=(values.get("probability"), values.get("impact")),
            heat_map=selectors.heat_map_for_organization(access=self.access, settings=self.settings),
            heat_base=reverse("risk-list", kwargs={"org_slug": self.organization.slug}) + "?status=open",
            escalated=selectors.escalated_to_me(access=self.access, settings=self.settings),
            can_log=bool(selectors.projects_keepable_by(access=self.access).exists())
            or self.access.can(permissions.PORTFOLIO_WRITE),
            can_settings=self.access.can(permissions.SETTINGS),
        )
        return data


class RiskCreateView(RaidPageMixin, TemplateView):
    template_name = "risks/form.html"

    def _form(self, data: Any = None) -> forms.NewRiskForm:
        initial = {"project": self.request.GET.get("project")} if data is None else None
        return forms.NewRiskForm(
            data,
            initial=initial,
            projects=selectors.projects_keepable_by(access=self.access),
            portfolios=selectors.portfolios_for_actor(access=self.access)
            if self.access.can(permissions.PORTFOLIO_WRITE)
            else selectors.portfolios_for_actor(access=self.access).none(),
            members=self.members,
            scale=self.settings.scale,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        data["form"] = form or self._form()
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)

        def run() -> Risk:
            values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            if values.get("project") is not None:
                values.pop("portfolio", None)
            return services.risk_create(organization=self.organization, actor=request.user, **values)

        return self.act(
            run,
            success=lambda risk: _("%(code)s logged.") % {"code": risk.code},
            redirect_to=lambda risk: risk_url(self.organization.slug, risk.number),
            target=("risk", 0),
            form=form,
        )


# --- One risk ----------------------------------------------------------------------------------------------------


class RiskDetailView(RaidPageMixin, TemplateView):
    """Cause, event and effect; score and level; the response; actions; the escalation history; and the forms of
    whoever may act."""

    template_name = "risks/detail.html"

    @cached_property
    def risk(self) -> Risk:
        return selectors.risk_get(access=self.access, number=self.kwargs["number"], settings=self.settings)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        risk = self.risk
        is_open = risk.status == Risk.Status.OPEN
        writable = is_open and services.may_keep(access=self.access, project=risk.project)
        writable = writable and not (risk.project is not None and risk.project.is_read_only)
        actions = list(selectors.risk_actions(risk=risk))
        my_id = self.access.membership.user_id
        data.update(
            risk=risk,
            writable=writable,
            actions=actions,
            can_tick={a.pk for a in actions if writable or a.owner_id == my_id},
            history=selectors.risk_escalation_history(risk=risk),
            can_escalate=is_open and services.may_escalate(access=self.access, item=risk),
            can_deescalate=is_open and services.may_deescalate(access=self.access, item=risk),
            issue=Issue.objects.filter(organization=self.organization, risk=risk).first(),
        )
        if writable:
            edit_initial = {name: getattr(risk, name) for name in services.RISK_FIELDS} | {"version": risk.version}
            data["edit_form"] = self._pick(form, forms.RiskForm) or forms.RiskForm(
                initial=edit_initial, members=self.members, scale=self.settings.scale
            )
            data["action_form"] = self._pick(form, forms.ActionForm) or forms.ActionForm(members=self.members)
            data["issue_form"] = self._pick(form, forms.ToIssueForm) or forms.ToIssueForm()
        if data["can_escalate"]:
            data["escalate_form"] = self._pick(form, forms.EscalateForm) or forms.EscalateForm()
        return data

    @staticmethod
    def _pick(form: Any, kind: type) -> Any:
        return form if type(form) is kind else None


class RiskActionView(RiskDetailView):
    """POST ``risks/<number>/<verb>/``: edit, review, close, escalate, de-escalate, to-issue, action-add,
    action-done, action-reopen, action-delete."""

    http_method_names = ["post"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self.__dict__.pop("risk", None)  # a refused step shows the risk as it is now
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        verb, risk = kwargs["verb"], self.risk
        org, actor = self.organization, request.user
        form: Any = None
        done_to = lambda _result: risk_url(org.slug, risk.number)  # noqa: E731
        if verb == "edit":
            form = forms.RiskForm(request.POST, members=self.members, scale=self.settings.scale)

            def run() -> Any:
                values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
                return services.risk_update(
                    organization=org, actor=actor, risk=risk, version=form.cleaned_data.get("version"), **values
                )

            message = _("%(code)s saved.")
        elif verb in ("review", "close"):
            service = services.risk_review if verb == "review" else services.risk_close

            def run() -> Any:
                return service(organization=org, actor=actor, risk=risk)

            message = _("%(code)s marked as reviewed.") if verb == "review" else _("%(code)s closed.")
        elif verb == "escalate":
            form = forms.EscalateForm(request.POST)

            def run() -> Any:
                return services.risk_escalate(organization=org, actor=actor, risk=risk, **form.cleaned_data)

            message = _("%(code)s escalated.")
        elif verb == "de-escalate":

            def run() -> Any:
                return services.risk_deescalate(
                    organization=org, actor=actor, risk=risk, note=request.POST.get("note", "")
                )

            message = _("%(code)s handed back one level.")
        elif verb == "to-issue":
            form = forms.ToIssueForm(request.POST)

            def run() -> Any:
                return services.risk_to_issue(
                    organization=org,
                    actor=actor,
                    risk=risk,
                    severity=form.cleaned_data["severity"] or None,
                    due_date=form.cleaned_data["due_date"],
                )

            message = _("%(code)s logged as an issue.")
            done_to = lambda issue: issue_url(org.slug, issue.number)  # noqa: E731
        elif verb == "action-add":
            form = forms.ActionForm(request.POST, members=self.members)

            def run() -> Any:
                services.risk_action_add(organization=org, actor=actor, risk=risk, **form.cleaned_data)
                return risk

            message = _("Action added to %(code)s.")
        elif verb in ("action-done", "action-reopen", "action-delete"):
            action = selectors.action_get(access=self.access, risk=risk, pk=request.POST.get("action"))

            def run() -> Any:
                if verb == "action-delete":
                    services.risk_action_delete(organization=org, actor=actor, action=action)
                else:
                    services.risk_action_update(
                        organization=org, actor=actor, action=action, done=verb == "action-done"
                    )
                return risk

            message = _("Actions of %(code)s updated.")
        else:
            raise Http404
        return self.act(
            run,
            success=lambda _result: message % {"code": risk.code},
            redirect_to=done_to,
            target=("risk-action", risk.pk),
            form=form,
        )


# --- Issues ------------------------------------------------------------------------------------------------------


class IssueListView(ListPageMixin, RaidPageMixin, TemplateView):
    """The issue log with filters and sort; ``?format=csv|xlsx`` answers the filtered log as a file."""

    template_name = "risks/issue_list.html"
    export_name = "issues"
    default_sort = selectors.ISSUE_DEFAULT_SORT

    def build_filter_form(self) -> forms.IssueFilterForm:
        return forms.IssueFilterForm(
            self.request.GET or None,
            projects=filter_projects(self.access),
            members=self.members,
        )

    def rows(self) -> Any:
        values = self.values
        project, owner = values.get("project"), values.get("owner")
        filters = selectors.IssueFilters(
            project=project.pk if project is not None else None,
            status=values.get("status") or "",
            severity=values.get("severity") or "",
            escalation=values.get("escalation") or "",
        )
        return selectors.issue_log(
            access=self.access,
            filters=filters,
            owner=owner.pk if owner is not None else None,
            search=(values.get("q") or "").strip(),
            overdue_on=organization_today(self.organization) if values.get("overdue") else None,
            sort=self.sort,
        )

    def export_title(self) -> str:
        return _("Issue log")

    def export_columns(self) -> list[Column]:
        return [
            *raid_item_columns(),
            Column(_("Severity"), attr("get_severity_display"), 10),
            Column(_("Owner"), lambda r: r.owner.get_full_name() if r.owner else "", 22),
            Column(_("Due"), attr("due_date"), 12),
            Column(_("Status"), attr("get_status_display")),
            Column(pgettext("risk", "Escalation"), attr("get_escalation_level_display")),
            Column(_("From risk"), attr("risk.code"), 10),
            Column(_("Resolved"), attr("resolved_at"), 18),
            Column(_("Created"), attr("created_at"), 18),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data["issues"] = list(data["page"].object_list)
        return data


class IssueDetailView(RaidPageMixin, TemplateView):
    template_name = "risks/issue_detail.html"

    @cached_property
    def issue(self) -> Issue:
        return selectors.issue_get(access=self.access, number=self.kwargs["number"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        issue = self.issue
        is_open = issue.status in services.ISSUE_OPEN
        keeps = services.may_keep(access=self.access, project=issue.project)
        keeps = keeps and not (issue.project is not None and issue.project.is_read_only)
        data.update(
            issue=issue,
            writable=is_open and keeps,
            can_close=keeps and issue.status != Issue.Status.CLOSED,
            can_escalate=is_open and services.may_escalate(access=self.access, item=issue),
        )
        if is_open and keeps:
            initial = {name: getattr(issue, name) for name in services.ISSUE_FIELDS} | {"version": issue.version}
            edit = form if type(form) is forms.IssueEditForm else None
            data["edit_form"] = edit or forms.IssueEditForm(initial=initial, members=self.members)
            data["resolve_form"] = form if type(form) is forms.ResolveForm else forms.ResolveForm()
        return data


class IssueActionView(IssueDetailView):
    """POST ``issues/<number>/<verb>/``: edit, escalate, resolve, close."""

    http_method_names = ["post"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self.__dict__.pop("issue", None)
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        verb, issue = kwargs["verb"], self.issue
        org, actor = self.organization, request.user
        form: Any = None
        if verb == "edit":
            form = forms.IssueEditForm(request.POST, members=self.members)

            def run() -> Any:
                values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
                return services.issue_update(
                    organization=org, actor=actor, issue=issue, version=form.cleaned_data.get("version"), **values
                )

            message = _("%(code)s saved.")
        elif verb == "resolve":
            form = forms.ResolveForm(request.POST)

            def run() -> Any:
                return services.issue_resolve(organization=org, actor=actor, issue=issue, **form.cleaned_data)

            message = _("%(code)s resolved.")
        elif verb == "escalate":

            def run() -> Any:
                note = request.POST.get("note", "")
                return services.issue_escalate(organization=org, actor=actor, issue=issue, note=note)

            message = _("%(code)s escalated.")
        elif verb == "close":

            def run() -> Any:
                return services.issue_close(organization=org, actor=actor, issue=issue)

            message = _("%(code)s closed.")
        else:
            raise Http404
        return self.act(
            run,
            success=lambda _result: message % {"code": issue.code},
            redirect_to=lambda _result: issue_url(org.slug, issue.number),
            target=("issue-action", issue.pk),
            form=form,
        )


# --- Settings and the portfolio heat map -------------------------------------------------------------------------


class RiskSettingsView(RaidPageMixin, TemplateView):
    capability = permissions.SETTINGS
    template_name = "risks/settings.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        current = self.settings
        initial = {name: getattr(current, name) for name in scoring.SETTINGS_FIELDS} | {"version": current.version}
        data["form"] = form or forms.RiskSettingsForm(initial=initial)
        data["levels"] = [
            (label, [p * i for p in range(1, current.scale + 1) for i in range(1, current.scale + 1)])
            for label in scoring.LEVEL_LABELS.values()
        ]
        data["heat_map"] = selectors.heat_map_of(selectors.Risk.objects.none(), current)
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = forms.RiskSettingsForm(request.POST)

        def run() -> Any:
            values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            return scoring.risk_settings_update(
                organization=self.organization, actor=request.user, version=form.cleaned_data.get("version"), **values
            )

        self.__dict__.pop("settings", None)
        return self.act(
            run,
            success=lambda _result: _("Risk settings saved."),
            redirect_to=lambda _result: reverse("risk-settings", kwargs={"org_slug": self.organization.slug}),
            target=("settings", 0),
            form=form,
        )


class PortfolioHeatMapView(RaidPageMixin, TemplateView):
    """A portfolio's heat map (its projects' and its own open risks), its high and escalated risks, and the
    other portfolios to switch to — the executives' view."""

    capability = permissions.PORTFOLIO_READ
    template_name = "risks/portfolio.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        portfolio = selectors.portfolio_get_for_actor(access=self.access, pk=self.kwargs["pk"])
        top = selectors.risks_visible_to(
            access=self.access,
            settings=self.settings,
            filters=selectors.RiskFilters(portfolio=portfolio.pk, status=Risk.Status.OPEN),
        )
        data.update(
            portfolio=portfolio,
            portfolios=list(selectors.portfolios_for_actor(access=self.access)),
            heat_map=selectors.heat_map_for_portfolio(access=self.access, portfolio=portfolio, settings=self.settings),
            heat_base=reverse("risk-list", kwargs={"org_slug": self.organization.slug})
            + f"?status=open&portfolio={portfolio.pk}",
            risks=selectors.rows_in_two_steps(top, 0, PAGE_SIZE),
            escalated=selectors.escalated_to_me(access=self.access, settings=self.settings),
        )
        return data


# --- The project's RAID tab --------------------------------------------------------------------------------------


class ProjectRaidView(ProjectPageView):
    """The project's RAID: its heat map, risks, assumptions, issues and cross-project dependencies, with the forms
    to add each (for whoever may change the project)."""

    template_name = "risks/raid.html"
    tab = "raid"

    @cached_property
    def settings(self) -> RiskSettings:
        return scoring.risk_settings_get(organization=self.organization)

    @cached_property
    def members(self) -> Any:
        return project_selectors.organization_members_queryset(access=self.access)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        raid = selectors.project_raid(access=self.access, project=self.project, settings=self.settings)
        data.update(
            raid=raid,
            dependencies=with_late_days(raid.dependencies),
            risk_settings=self.settings,
            heat_base=reverse("risk-list", kwargs={"org_slug": self.organization.slug})
            + f"?status=open&project={self.project.pk}",
        )
        if self.writable:
            data["risk_form"] = (
                form
                if type(form) is forms.RiskForm
                else forms.RiskForm(members=self.members, scale=self.settings.scale)
            )
            data["assumption_form"] = (
                form if type(form) is forms.AssumptionForm else forms.AssumptionForm(members=self.members)
            )
            data["issue_form"] = form if type(form) is forms.IssueForm else forms.IssueForm(members=self.members)
            data["assumption_statuses"] = forms.AssumptionStatusForm.base_fields["status"].choices  # type: ignore[attr-defined]
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        kind = request.POST.get("kind")
        org, actor, project = self.organization, request.user, self.project
        form: Any
        if kind == "risk":
            form = forms.RiskForm(request.POST, members=self.members, scale=self.settings.scale)

            def run() -> Any:
                values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
                return services.risk_create(organization=org, actor=actor, project=project, **values)

            message = _("%(code)s logged.")
        elif kind == "assumption":
            form = forms.AssumptionForm(request.POST, members=self.members)

            def run() -> Any:
                return services.assumption_create(organization=org, actor=actor, project=project, **form.cleaned_data)

            message = _("Assumption recorded.")
        elif kind == "issue":
            form = forms.IssueForm(request.POST, members=self.members)

            def run() -> Any:
                return services.issue_create(organization=org, actor=actor, project=project, **form.cleaned_data)

            message = _("%(code)s logged.")
        elif kind == "assumption-status":
            form = forms.AssumptionStatusForm(request.POST)

            def run() -> Any:
                assumption = selectors.assumption_get(project=project, pk=form.cleaned_data["assumption"])
                return services.assumption_update(
                    organization=org,
                    actor=actor,
                    assumption=assumption,
                    version=form.cleaned_data.get("version"),
                    status=form.cleaned_data["status"],
                )

            message = _("Assumption updated.")
        else:
            raise Http404
        return self.act(
            run,
            success=lambda item: message % {"code": getattr(item, "code", "")},
            target=(kind, 0),
            form=form,
        )
