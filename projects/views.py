"""Pages of the projects app, mounted at ``/o/<org_slug>/``: the project register, each project's tabs (overview,
lifecycle, milestones, baselines, dependencies, closure), the dependency overview and the process templates.

Views stay thin: resolve the project (404 when the actor may not read it), check the permission (403), call one
service. A refused action renders the same page again with the reason next to the form (400), or with the reason
on top when the project is read-only or the data changed meanwhile (409).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from pmo.core.exports import Column, attr, bad_format_response
from pmo.core.listing import ListPageMixin
from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from portfolio.models import Portfolio, Programme
from projects import forms, permissions, selectors, services
from projects.models import (
    ClosureReport,
    DeciderRole,
    Dependency,
    GateKind,
    GateReview,
    Milestone,
    ProcessTemplate,
    Project,
    ProjectDeliverable,
    ProjectPhase,
    Rag,
    TailoringRequest,
    TemplateDeliverable,
    TemplateGate,
    TemplatePhase,
)
from projects.policy import week_label
from projects.project_export import EXPORT_FORMATS, ProjectTabExportMixin, project_export_response

TABS = [
    ("overview", gettext_lazy("Overview"), "project-detail"),
    ("status", gettext_lazy("Weekly status"), "project-status"),
    ("lifecycle", gettext_lazy("Lifecycle"), "project-lifecycle"),
    ("milestones", gettext_lazy("Milestones"), "project-milestones"),
    ("evm", gettext_lazy("Earned value"), "project-evm"),
    ("changes", gettext_lazy("Change requests"), "project-changes"),
    ("baselines", gettext_lazy("Baselines"), "project-baselines"),
    ("raid", gettext_lazy("RAID"), "project-raid"),
    ("staffing", gettext_lazy("Staffing"), "project-staffing"),
    ("dependencies", gettext_lazy("Dependencies"), "project-dependencies"),
    ("documents", gettext_lazy("Documents"), "project-documents"),
    ("closure", gettext_lazy("Closure"), "project-closure"),
]


def error_messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def form_messages(form: django_forms.Form) -> list[str]:
    """A bound form's errors as sentences, each field's label first."""
    result = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        result += [f"{label}: {error}" if label else str(error) for error in errors]
    return result


def add_service_errors(form: django_forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error_messages(exc))


@dataclass
class ActionError:
    """A refused action, shown next to the object whose form was sent (``target`` is e.g. ``("gate", 12)``)."""

    target: tuple[str, int] | None
    messages: list[str]
    data: Any


# --- Project register ------------------------------------------------------------------------------------------


class ProjectListView(OrganizationViewMixin, ListPageMixin, TemplateView):
    """The project register: filters, sort by any column (filter bar or header), 50 a page, and the filtered list,
    every page, as CSV or XLSX with the columns a PMO works with in Excel (latest RAG and % complete included)."""

    nav_key = "projects"
    template_name = "projects/list.html"
    export_name = "projects"
    default_sort = "code"
    refuse_bad_filters = True

    def build_filter_form(self) -> forms.ProjectFilterForm:
        return forms.ProjectFilterForm(
            self.request.GET or None,
            portfolios=Portfolio.objects.filter(organization=self.organization).order_by("name"),
            programmes=Programme.objects.filter(organization=self.organization).order_by("name"),
            managers=selectors.project_managers(access=self.access),
            templates=ProcessTemplate.objects.filter(organization=self.organization).order_by("name"),
            tags=selectors.project_tags(access=self.access),
        )

    def rows(self) -> Any:
        values = self.values
        filters = selectors.ProjectFilters(
            status=values.get("status") or "",
            portfolio=values.get("portfolio"),
            programme=values.get("programme"),
            manager=values.get("manager"),
            template=values.get("template"),
            tag=values.get("tag") or "",
            search=values.get("search") or "",
            sort=self.sort,
        )
        return selectors.project_register(access=self.access, filters=filters)

    def export_rows(self) -> Any:
        # The file has a sponsor column; the page does not.
        return (
            self.rows()
            .select_related("sponsor")
            .only(*selectors.REGISTER_FIELDS, "sponsor__full_name", "sponsor__email")
        )

    def export_title(self) -> str:
        return _("Projects")

    def export_columns(self) -> list[Column]:
        rags = dict(Rag.choices)
        currency = self.organization.currency

        def person(path: str) -> Callable[[Any], Any]:
            read = attr(path)
            return lambda row: (read(row).get_full_name() or read(row).email) if read(row) is not None else None

        return [
            Column(_("Code"), attr("code"), 12),
            Column(_("Name"), attr("name"), 36),
            Column(_("Status"), attr("get_status_display"), 12),
            Column(_("Phase"), lambda p: p.current_phase.name if p.current_phase and not p.is_read_only else None, 16),
            Column(_("Portfolio"), attr("portfolio.name"), 22),
            Column(_("Programme"), attr("programme.name"), 22),
            Column(_("Manager"), person("manager"), 20),
            Column(_("Manager e-mail"), attr("manager.email"), 26),
            Column(_("Sponsor"), person("sponsor"), 20),
            Column(_("Priority"), attr("get_priority_display"), 10),
            Column(_("Process template"), attr("template.name"), 18),
            Column(_("Planned start"), attr("planned_start"), 12),
            Column(_("Planned finish"), attr("planned_finish"), 12),
            Column(_("BAC (%(currency)s)") % {"currency": currency}, attr("budget_at_completion"), 14),
            Column(_("Latest RAG"), lambda p: rags.get(p.latest_rag) if p.latest_rag else None, 10),
            Column(_("RAG week"), lambda p: week_label(p.latest_week) if p.latest_week else None, 10),
            Column(_("Percent complete"), attr("latest_percent_complete"), 10),
            Column(_("Tags"), attr("tags"), 20),
            Column(_("Created"), attr("created_at"), 17),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        # One reverse for the page's fifty links: a project's address differs from another's by its id only.
        head, _zero, tail = reverse("project-detail", kwargs={"org_slug": self.organization.slug, "pk": 0}).rpartition(
            "/0/"
        )
        data.update(
            projects=list(data["page"].object_list),
            status=self.values.get("status") or "",
            can_create=self.access.can(permissions.CREATE),
            detail_url=(f"{head}/", f"/{tail}"),
        )
        return data


class ProjectFormMixin(OrganizationViewMixin):
    def project_form(self, project: Project | None, data: Any = None, initial: Any = None) -> forms.ProjectForm:
        return forms.ProjectForm(
            data,
            initial=initial,
            project=project,
            templates=selectors.templates_for_new_projects(access=self.access),
            portfolios=Portfolio.objects.filter(organization=self.organization).order_by("name"),
            programmes=Programme.objects.filter(organization=self.organization)
            .select_related("portfolio")
            .order_by("name"),
            members=selectors.organization_members_queryset(access=self.access),
            may_reassign=self.access.can(permissions.CHANGE_ALL),
        )


class ProjectCreateView(ProjectFormMixin, TemplateView):
    nav_key = "projects"
    capability = Capability.PROJECTS_CREATE
    template_name = "projects/form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data.setdefault("form", self.project_form(None))
        data["project"] = None
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.project_form(None, request.POST)
        if form.is_valid():
            values = dict(form.cleaned_data)
            values["code"] = values.get("code", "").strip() or None
            if values["code"] and Project.objects.filter(organization=self.organization, code=values["code"]).exists():
                form.add_error("code", _("A project with this code exists already."))
            else:
                values["budget_at_completion"] = values.get("budget_at_completion") or 0
                programme, portfolio = values.get("programme"), values.get("portfolio")
                if programme is not None and portfolio is not None and programme.portfolio_id != portfolio.pk:
                    form.add_error("programme", _("The programme belongs to another portfolio."))
                else:
                    project = services.project_create(organization=self.organization, actor=request.user, **values)
                    messages.success(request, _("Project %(code)s created.") % {"code": project.code})
                    return redirect("project-detail", org_slug=self.organization.slug, pk=project.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ProjectPageView(OrganizationViewMixin, TemplateView):
    """A tab of one project. Subclasses that accept a POST call ``self.act(...)``."""

    nav_key = "projects"
    tab = "overview"
    action_error: ActionError | None = None
    # The rows the page shows with the project (its header); an action that only writes may join none.
    project_related: tuple[str, ...] = selectors.PROJECT_RELATED

    @cached_property
    def project(self) -> Project:
        # Every tab asks whether the actor may change the project (``writable``): read in the same query.
        return selectors.project_get_for_actor(
            access=self.access, pk=self.kwargs["pk"], with_change_right=True, related=self.project_related
        )

    @cached_property
    def can_change(self) -> bool:
        return selectors.project_can_change(access=self.access, project=self.project)

    @property
    def writable(self) -> bool:
        return self.can_change and not self.project.is_read_only

    @cached_property
    def today(self) -> dt.date:
        return services.organization_today(self.organization)

    def tab_url(self, tab: str | None = None) -> str:
        url_name = next(url for key, _label, url in TABS if key == (tab or self.tab))
        return reverse(url_name, kwargs={"org_slug": self.organization.slug, "pk": self.project.pk})

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data.update(
            project=self.project,
            can_change=self.can_change,
            writable=self.writable,
            tab=self.tab,
            tabs=[(key, label, self.tab_url(key)) for key, label, _url in TABS],
            today=self.today,
            action_error=self.action_error,
        )
        return data

    def require(self, allowed: bool) -> None:
        if not allowed:
            raise PermissionDenied

    def act(
        self,
        run: Callable[[], Any],
        *,
        success: str | Callable[[Any], str],
        target: tuple[str, int] | None = None,
        form: django_forms.Form | None = None,
        redirect_to: str | None = None,
    ) -> HttpResponse:
        """Run one service call. Success: a message and back to the tab. Refused input: the tab again with the
        reasons next to the form (400). Read-only project or stale data: the tab with the reason on top (409)."""
        if form is not None and not form.is_valid():
            self.action_error = ActionError(target, form_messages(form), self.request.POST)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            result = run()
        except services.ProjectsConflict as exc:
            messages.error(self.request, str(exc))
            return self.render_to_response(self.get_context_data(), status=409)
        except ValidationError as exc:
            if form is not None:
                add_service_errors(form, exc)
            self.action_error = ActionError(target, error_messages(exc), self.request.POST)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, success(result) if callable(success) else success)
        return redirect(redirect_to or self.tab_url())


RAG_DIMENSIONS = (
    ("rag_schedule", gettext_lazy("Schedule")),
    ("rag_cost", gettext_lazy("Cost")),
    ("rag_scope", gettext_lazy("Scope")),
    ("rag_quality", gettext_lazy("Quality")),
    ("rag_resources", gettext_lazy("Resources")),
    ("rag_risk", gettext_lazy("Risk")),
)


class ProjectDetailView(ProjectPageView):
    """Overview: how the project is doing at a glance (latest RAG per dimension and its last twelve weeks, progress,
    SPI/CPI/EAC, next milestones, top risks, open change requests, the team, the phase and the next gate), then its
    facts, the phase timeline and who has access (for those who may share). A constant number of queries."""

    template_name = "projects/detail.html"
    tab = "overview"

    def health(self) -> dict[str, Any]:
        # Imported here: the EVM tab and the packs import this module (their charts and cards are reused as is).
        from projects.earnedvalue.selectors import project_evm_now
        from projects.earnedvalue.views import figure_cards
        from projects.policy import control_policy_get
        from reports.pdf.common import rag_weeks_strip

        overview = selectors.project_overview(access=self.access, project=self.project, today=self.today)
        now = project_evm_now(organization=self.organization, project=self.project, on=self.today)
        cards = {}
        if now is not None:
            policy = control_policy_get(organization=self.organization)
            cards = {card.key: card for card in figure_cards(now.figures, policy) if card.key in ("spi", "cpi", "eac")}
        latest = overview.latest
        rag_names = dict(Rag.choices)
        return {
            "overview": overview,
            "evm_now": now,
            "evm_cards": cards,
            # (label, rag, the rag's name in the active language: its initial reads without colour too).
            "rag_dimensions": [
                (label, getattr(latest, name), str(rag_names.get(getattr(latest, name), "")))
                for name, label in RAG_DIMENSIONS
            ]
            if latest
            else [],
            "rag_strip": rag_weeks_strip(
                rags=overview.rag_weeks, first_week=overview.first_week, last_week=overview.last_week, width=560
            ),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        can_share = self.access.can(permissions.SHARE)
        data.update(self.health())
        data.update(
            phases=list(selectors.project_phases(project=self.project)),
            can_share=can_share and not self.project.is_read_only,
            shares=selectors.project_shares(access=self.access, project=self.project) if can_share else [],
        )
        if can_share and not self.project.is_read_only:
            data.setdefault(
                "share_form", forms.ShareForm(members=selectors.organization_members_queryset(access=self.access))
            )
        return data


class ProjectShareView(ProjectDetailView):
    http_method_names = ["post"]
    capability = Capability.PROJECTS_SHARE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = forms.ShareForm(request.POST, members=selectors.organization_members_queryset(access=self.access))
        revoke = request.POST.get("action") == "unshare"

        def run() -> None:
            call = services.project_unshare if revoke else services.project_share
            call(
                organization=self.organization, actor=request.user, project=self.project, user=form.cleaned_data["user"]
            )

        return self.act(
            run,
            success=_("Access taken back.") if revoke else _("Project shared."),
            target=("share", 0),
            form=form,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        if form is not None:
            data["share_form"] = form
        return data


class ProjectEditView(ProjectFormMixin, ProjectPageView):
    template_name = "projects/form.html"
    tab = "overview"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        if data.get("form") is None:
            project = self.project
            data["form"] = self.project_form(
                project,
                initial={
                    "name": project.name,
                    "status": project.status,
                    "priority": project.priority,
                    "portfolio": project.portfolio_id,
                    "programme": project.programme_id,
                    "manager": project.manager_id,
                    "sponsor": project.sponsor_id,
                    "planned_start": project.planned_start,
                    "planned_finish": project.planned_finish,
                    "tags": project.tags,
                    "description": project.description,
                    "objectives": project.objectives,
                    "version": project.version,
                },
            )
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        form = self.project_form(self.project, request.POST)
        if form.is_valid() and not self.access.can(permissions.CHANGE_ALL):
            form.cleaned_data.pop("manager", None)

        def run() -> None:
            values = dict(form.cleaned_data)
            version = values.pop("version", None)
            services.project_update(
                organization=self.organization, actor=request.user, project=self.project, version=version, **values
            )

        return self.act(run, success=_("Project saved."), form=form)


# --- Lifecycle -------------------------------------------------------------------------------------------------


class ProjectLifecycleView(ProjectPageView):
    """Phases with their deliverable checklists, gates with decision forms, advancing, tailoring."""

    template_name = "projects/lifecycle.html"
    tab = "lifecycle"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        lifecycle = selectors.project_lifecycle(project=self.project)
        read_only = self.project.is_read_only
        error = self.action_error
        for phase_row in lifecycle.phases:
            phase: Any = phase_row  # carries the prefetched lists and the flags the template reads
            started = phase.status in (ProjectPhase.Status.ACTIVE, ProjectPhase.Status.COMPLETED)
            phase.exit_warning_texts = [services.describe_open_item(i) for i in phase.exit_warnings]
            for gate in phase.gate_list:
                capability = permissions.gate_decider_capability(gate.decider)
                gate.can_decide = started and not read_only and self.access.can(capability)
                gate.is_due = gate.decision == GateReview.Decision.PENDING and bool(
                    gate.planned_date and gate.planned_date <= self.today
                )
            for deliverable in phase.deliverable_list:
                deliverable.can_set = self.writable and deliverable.status != ProjectDeliverable.Status.TAILORED_OUT
            phase.deliverables_closed = len(
                [d for d in phase.deliverable_list if d.status != ProjectDeliverable.Status.PENDING]
            )
            phase.gates_passed = len([g for g in phase.gate_list if g.decision == GateReview.Decision.GO])
            # The current phase is open; the others fold to one line (a link from the timeline opens them).
            phase.expanded = phase.pk == self.project.current_phase_id and not read_only
        if error is not None and error.target is not None:
            kind, pk = error.target
            rows: dict[str, dict[int, Any]] = {"gate": lifecycle.gates, "deliverable": lifecycle.deliverables}
            target = rows.get(kind, {}).get(pk)
            if target is not None:
                target.action_error = error
                for folded in lifecycle.phases:
                    if folded.pk == target.phase_id:
                        folded.expanded = True  # type: ignore[attr-defined]
        tailorable_phases = [p for p in lifecycle.phases if p.optional and p.status == ProjectPhase.Status.NOT_STARTED]
        tailorable_deliverables = [
            d
            for p in lifecycle.phases
            if p.status != ProjectPhase.Status.SKIPPED
            for d in p.deliverable_list  # type: ignore[attr-defined]
            if not d.required and d.status == ProjectDeliverable.Status.PENDING
        ]
        can_tailor = self.writable and bool(tailorable_phases or tailorable_deliverables)
        data.update(
            lifecycle=lifecycle,
            enforced=services.gates_enforced(self.organization),
            open_item_texts=[services.describe_open_item(i) for i in lifecycle.open_items],
            can_advance=self.writable
            and lifecycle.next_phase is not None
            and self.project.status in (Project.Status.PLANNING, Project.Status.ACTIVE),
            can_tailor=can_tailor,
            can_approve_tailoring=self.access.can(permissions.TAILORING_APPROVE) and not read_only,
            decision_choices=services.GATE_DECISIONS,
        )
        if can_tailor:
            if not isinstance(form, forms.TailoringForm):
                form = None
            data["tailoring_form"] = form or forms.TailoringForm(
                phases=tailorable_phases, deliverables=tailorable_deliverables
            )
        return data


class PhaseAdvanceView(ProjectLifecycleView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)

        def run() -> services.PhaseAdvance:
            return services.phase_advance(organization=self.organization, actor=request.user, project=self.project)

        def success(advance: services.PhaseAdvance) -> str:
            if advance.warnings:
                messages.warning(
                    request,
                    _("Passed with open items (recorded on the phase): %(items)s.")
                    % {"items": "; ".join(services.describe_open_item(i) for i in advance.warnings)},
                )
            return _("%(done)s completed; %(next)s started.") % {
                "done": advance.completed.name,
                "next": advance.started.name,
            }

        return self.act(run, success=success, target=("advance", 0))


class DeliverableStatusView(ProjectLifecycleView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        deliverable = get_object_or_404(
            ProjectDeliverable.objects.filter(organization=self.organization, project=self.project),
            pk=kwargs["item"],
        )
        form = forms.DeliverableStatusForm(request.POST)

        def run() -> None:
            services.deliverable_set_status(
                organization=self.organization, actor=request.user, deliverable=deliverable, **form.cleaned_data
            )

        return self.act(
            run,
            success=_("%(name)s updated.") % {"name": deliverable.name},
            target=("deliverable", deliverable.pk),
            form=form,
            redirect_to=f"{self.tab_url()}#phase-{deliverable.phase_id}",
        )


class GateDecideView(ProjectLifecycleView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        gate = get_object_or_404(
            GateReview.objects.filter(organization=self.organization, project=self.project), pk=kwargs["item"]
        )
        self.require(self.access.can(permissions.gate_decider_capability(gate.decider)))
        form = forms.GateDecisionForm(request.POST)

        def run() -> None:
            services.gate_decide(organization=self.organization, actor=request.user, gate=gate, **form.cleaned_data)

        return self.act(
            run,
            success=_("Decision on %(gate)s recorded.") % {"gate": gate.code},
            target=("gate", gate.pk),
            form=form,
            redirect_to=f"{self.tab_url()}#gate-{gate.pk}",
        )


class TailoringProposeView(ProjectLifecycleView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        phases = ProjectPhase.objects.filter(organization=self.organization, project=self.project)
        deliverables = ProjectDeliverable.objects.filter(
            organization=self.organization, project=self.project
        ).select_related("phase")
        form = forms.TailoringForm(request.POST, phases=phases, deliverables=deliverables)
        result: dict[str, TailoringRequest] = {}

        def run() -> None:
            result["request"] = services.tailoring_propose(
                organization=self.organization,
                actor=request.user,
                project=self.project,
                justification=form.cleaned_data["justification"],
                phase_ids=form.cleaned_data["phases"],
                deliverable_ids=form.cleaned_data["deliverables"],
            )

        success = (
            _("Tailoring request sent to the PMO.")
            if services.gates_enforced(self.organization)
            else _("Tailoring recorded and applied.")
        )
        return self.act(
            run, success=success, target=("tailoring", 0), form=form, redirect_to=f"{self.tab_url()}#tailoring"
        )


class TailoringDecideView(ProjectLifecycleView):
    http_method_names = ["post"]
    capability = Capability.TAILORING_APPROVE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tailoring = get_object_or_404(
            TailoringRequest.objects.filter(organization=self.organization, project=self.project), pk=kwargs["item"]
        )
        form = forms.DecisionNoteForm(request.POST)

        def run() -> None:
            services.tailoring_decide(
                organization=self.organization,
                actor=request.user,
                tailoring=tailoring,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )

        return self.act(
            run,
            success=_("Tailoring request decided."),
            target=("tailoring", tailoring.pk),
            form=form,
            redirect_to=f"{self.tab_url()}#tailoring",
        )


# --- Milestones ------------------------------------------------------------------------------------------------


class ProjectMilestonesView(ProjectTabExportMixin, ProjectPageView):
    template_name = "projects/milestones.html"
    tab = "milestones"
    export_part = "milestones"

    def phases(self) -> Any:
        return ProjectPhase.objects.filter(organization=self.organization, project=self.project).order_by("order")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        milestones = list(selectors.project_milestones(project=self.project))
        phases = list(self.phases())
        error = self.action_error
        for milestone in milestones:
            if error is not None and error.target == ("milestone", milestone.pk):
                milestone.action_error = error  # type: ignore[attr-defined]
        data.update(milestones=milestones, phases=phases)
        if self.writable:
            is_add = error is not None and error.target == ("milestone", 0)
            data["add_form"] = form if is_add and form is not None else forms.MilestoneForm(phases=self.phases())
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        form = forms.MilestoneForm(request.POST, phases=self.phases())

        def run() -> None:
            services.milestone_create(
                organization=self.organization, actor=request.user, project=self.project, **form.cleaned_data
            )

        return self.act(run, success=_("Milestone added."), target=("milestone", 0), form=form)


class MilestoneUpdateView(ProjectMilestonesView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        milestone = get_object_or_404(
            Milestone.objects.filter(organization=self.organization, project=self.project), pk=kwargs["item"]
        )
        form = forms.MilestoneForm(request.POST, phases=self.phases())

        def run() -> None:
            services.milestone_update(
                organization=self.organization, actor=request.user, milestone=milestone, **form.cleaned_data
            )

        return self.act(
            run,
            success=_("Milestone %(name)s saved.") % {"name": milestone.name},
            target=("milestone", milestone.pk),
            form=form,
        )


# --- Baselines -------------------------------------------------------------------------------------------------


class ProjectBaselinesView(ProjectTabExportMixin, ProjectPageView):
    template_name = "projects/baselines.html"
    tab = "baselines"
    export_part = "baselines"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        baselines = list(selectors.project_baselines(project=self.project))
        data["baselines"] = baselines
        if len(baselines) >= 2:
            data["compare_form"] = forms.CompareForm(initial={"a": baselines[1].version, "b": baselines[0].version})
        return data


class ProjectExportView(ProjectPageView):
    """The whole project as one file (``projects.project_export``) for whoever may read it (404 otherwise)."""

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        project = self.project  # 404 before anything else when the reader may not see it
        fmt = request.GET.get("format", "xlsx")
        if fmt not in EXPORT_FORMATS:
            return bad_format_response()
        return project_export_response(access=self.access, project=project, fmt=fmt)


class BaselineDetailView(ProjectPageView):
    template_name = "projects/baseline_detail.html"
    tab = "baselines"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data["baseline"] = selectors.baseline_get(project=self.project, version=kwargs["version"])
        return data


class BaselineCompareView(ProjectPageView):
    template_name = "projects/baseline_compare.html"
    tab = "baselines"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = forms.CompareForm(request.GET)
        if not form.is_valid():
            context = self.get_context_data(compare_form=form, comparison=None)
            return self.render_to_response(context, status=400)
        a = selectors.baseline_get(project=self.project, version=form.cleaned_data["a"])
        b = selectors.baseline_get(project=self.project, version=form.cleaned_data["b"])
        comparison = selectors.baseline_compare(a=a, b=b)
        return self.render_to_response(self.get_context_data(compare_form=form, comparison=comparison))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data["versions"] = list(selectors.project_baselines(project=self.project).values_list("version", flat=True))
        return data


# --- Dependencies ----------------------------------------------------------------------------------------------


def with_late_days(dependencies: Any) -> list[Dependency]:
    """The dependencies as a list, each with ``late_days``: how far the upstream date lies after the need date."""
    rows = list(dependencies)
    for row in rows:
        upstream, need = getattr(row, "upstream_date", None), getattr(row, "need_date", None)
        row.late_days = (upstream - need).days if upstream and need else 0
    return rows


class DependencyFormMixin:
    access: Any
    organization: Any

    def dependency_form(self, data: Any = None, milestones: Any = None) -> forms.DependencyForm:
        return forms.DependencyForm(
            data,
            milestones=milestones if milestones is not None else selectors.milestones_visible_to(access=self.access),
        )


class ProjectDependenciesView(DependencyFormMixin, ProjectPageView):
    template_name = "projects/dependencies.html"
    tab = "dependencies"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        data["dependencies"] = with_late_days(
            selectors.dependencies_visible_to(access=self.access, project_id=self.project.pk)
        )
        can_manage = self.access.can(permissions.DEPENDENCIES) and not self.project.is_read_only
        data["can_manage"] = can_manage
        if can_manage:
            data["dependency_form"] = form or self.dependency_form()
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.access.can(permissions.DEPENDENCIES))
        form = self.dependency_form(request.POST)

        def run() -> None:
            upstream, downstream = form.cleaned_data["upstream"], form.cleaned_data["downstream"]
            if self.project.pk not in (upstream.project_id, downstream.project_id):
                raise ValidationError({"upstream": [_("One of the two milestones must belong to this project.")]})
            services.dependency_create(
                organization=self.organization,
                actor=request.user,
                upstream=upstream,
                downstream=downstream,
                note=form.cleaned_data["note"],
            )

        return self.act(run, success=_("Dependency added."), target=("dependency", 0), form=form)


class DependencyListView(DependencyFormMixin, OrganizationViewMixin, ListPageMixin, TemplateView):
    """Every dependency between projects the actor can see, conflicts first: filter by conflict and project, sort,
    50 a page, and the filtered list as CSV or XLSX."""

    nav_key = "dependencies"
    capability = Capability.PROJECTS_VIEW_ALL
    template_name = "projects/dependency_list.html"
    export_name = "dependencies"
    default_sort = "conflict"
    refuse_bad_filters = True

    def build_filter_form(self) -> forms.DependencyFilterForm:
        return forms.DependencyFilterForm(
            self.request.GET or None, projects=selectors.projects_visible_to(access=self.access).order_by("code")
        )

    def is_filtered(self) -> bool:
        return bool(self.values.get("conflict") or self.values.get("project"))

    def rows(self) -> Any:
        values = self.values
        return selectors.dependency_list(
            access=self.access,
            conflict=True if values.get("conflict") else None,
            project_id=values.get("project"),
            sort=self.sort,
        )

    def export_rows(self) -> Any:
        return with_late_days(self.rows())

    def export_title(self) -> str:
        return _("Dependencies")

    def export_columns(self) -> list[Column]:
        return [
            Column(_("Upstream project code"), attr("upstream_project.code"), 12),
            Column(_("Upstream project"), attr("upstream_project.name"), 28),
            Column(_("Needed milestone"), attr("upstream.name"), 28),
            Column(_("Upstream date"), attr("upstream_date"), 12),
            Column(_("Done"), lambda d: d.upstream.actual_date is not None, 8),
            Column(_("Downstream project code"), attr("downstream_project.code"), 12),
            Column(_("Downstream project"), attr("downstream_project.name"), 28),
            Column(_("Milestone that needs it"), attr("downstream.name"), 28),
            Column(_("Needed on"), attr("need_date"), 12),
            Column(_("Conflict"), attr("conflict"), 9),
            Column(_("Days late"), lambda d: d.late_days if d.conflict else None, 9),
            Column(_("Note"), attr("note"), 30),
            Column(
                _("Added by"),
                lambda d: (d.created_by.get_full_name() or d.created_by.email) if d.created_by else None,
                20,
            ),
            Column(_("Added"), attr("created_at"), 17),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        can_manage = self.access.can(permissions.DEPENDENCIES)
        data.update(
            dependencies=with_late_days(data["page"].object_list),
            conflict_only=bool(self.values.get("conflict")),
            conflict_count=selectors.dependencies_visible_to(access=self.access, conflict=True).count(),
            can_manage=can_manage,
        )
        if can_manage:
            data["dependency_form"] = kwargs.get("form") or self.dependency_form()
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.access.can(permissions.DEPENDENCIES):
            raise PermissionDenied
        form = self.dependency_form(request.POST)
        if form.is_valid():
            try:
                services.dependency_create(
                    organization=self.organization,
                    actor=request.user,
                    upstream=form.cleaned_data["upstream"],
                    downstream=form.cleaned_data["downstream"],
                    note=form.cleaned_data["note"],
                )
            except services.ProjectsConflict as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Dependency added."))
                return redirect("dependency-list", org_slug=self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DependencyDeleteView(OrganizationViewMixin, TemplateView):
    capability = Capability.DEPENDENCIES_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        dependency: Dependency | None = (
            selectors.dependencies_visible_to(access=self.access).filter(pk=kwargs["dependency"]).first()
        )
        if dependency is None:
            raise Http404
        target = request.POST.get("next") or reverse("dependency-list", kwargs={"org_slug": self.organization.slug})
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("dependency-list", kwargs={"org_slug": self.organization.slug})
        try:
            services.dependency_delete(organization=self.organization, actor=request.user, dependency=dependency)
        except services.ProjectsConflict as exc:
            messages.error(request, str(exc))
            return redirect(target)
        messages.success(request, _("Dependency removed."))
        return redirect(target)


# --- Closure ---------------------------------------------------------------------------------------------------

EMPTY_LESSON_ROWS = 2


class ProjectClosureView(ProjectPageView):
    template_name = "projects/closure.html"
    tab = "closure"

    @cached_property
    def summary(self) -> selectors.ClosureSummary:
        return selectors.project_closure(project=self.project)

    def editable(self) -> bool:
        report = self.summary.report
        draftable = report is None or report.status in (ClosureReport.Status.DRAFT, ClosureReport.Status.RETURNED)
        return self.writable and draftable

    def closure_form(self, data: Any = None) -> forms.ClosureForm:
        report = self.summary.report
        existing = len(report.lessons) if report is not None else 0
        rows = max(existing + EMPTY_LESSON_ROWS, 3)
        if data is not None:
            posted = [k for k in data if k.startswith("lesson_title_")]
            rows = max(rows, len(posted))
        initial = forms.ClosureForm.initial_from(report) if report is not None else {}
        return forms.ClosureForm(data, initial=initial, lesson_rows=min(rows, services.MAX_LESSONS + 5))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        summary = self.summary
        report = summary.report
        lesson_articles: list[Any] = []
        if report is not None and report.status == ClosureReport.Status.APPROVED:
            from projects.knowledge.selectors import articles_visible_to

            lesson_articles = list(
                articles_visible_to(access=self.access)
                .filter(project=self.project, kind="lesson")
                .order_by("title", "pk")
            )
        is_pmo = self.access.can(permissions.CLOSURE_APPROVE)
        data.update(
            summary=summary,
            report=report,
            editable=self.editable(),
            can_submit=self.writable
            and report is not None
            and report.status in (ClosureReport.Status.DRAFT, ClosureReport.Status.RETURNED),
            can_decide=is_pmo and report is not None and report.status == ClosureReport.Status.SUBMITTED,
            lesson_articles=lesson_articles,
        )
        if data["editable"]:
            data["closure_form"] = form if isinstance(form, forms.ClosureForm) else self.closure_form()
        if data["can_decide"]:
            data["decision_form"] = form if isinstance(form, forms.ClosureDecisionForm) else forms.ClosureDecisionForm()
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        form = self.closure_form(request.POST)

        def run() -> None:
            values = {k: v for k, v in form.cleaned_data.items() if not k.startswith("lesson_")}
            services.closure_save_draft(
                organization=self.organization,
                actor=request.user,
                project=self.project,
                lessons=form.lessons(),
                **values,
            )

        return self.act(run, success=_("Closure report saved as a draft."), target=("closure", 0), form=form)


class ClosureActionView(ProjectClosureView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        verb = kwargs["verb"]
        if verb == "submit":
            self.require(self.can_change)
        elif verb in ("approve", "return"):
            self.require(self.access.can(permissions.CLOSURE_APPROVE))
        else:
            raise Http404
        report = self.summary.report
        form = forms.ClosureDecisionForm(request.POST)

        def run() -> None:
            if self.project.is_read_only:
                raise services.ProjectReadOnly(self.project)
            if report is None:
                raise ValidationError({"detail": [_("No closure report has been drafted for this project.")]})
            if verb == "submit":
                services.closure_submit(organization=self.organization, actor=request.user, report=report)
            elif verb == "approve":
                services.closure_approve(
                    organization=self.organization, actor=request.user, report=report, note=form.cleaned_data["note"]
                )
            else:
                services.closure_return(
                    organization=self.organization, actor=request.user, report=report, note=form.cleaned_data["note"]
                )

        success = {
            "submit": _("Closure report submitted to the PMO."),
            "approve": _("Closure approved: the project is closed and its lessons are in the knowledge base."),
            "return": _("Closure report returned to the manager."),
        }[verb]
        return self.act(run, success=success, target=("closure-decision", 0), form=form)


# --- Process templates -----------------------------------------------------------------------------------------


class TemplateListView(OrganizationViewMixin, TemplateView):
    nav_key = "templates"
    capability = Capability.TEMPLATES_MANAGE
    template_name = "projects/template_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data["templates"] = list(selectors.templates_list(access=self.access))
        return data


class TemplatePageView(OrganizationViewMixin, TemplateView):
    """The template page; its subclasses are the POST actions that edit it."""

    nav_key = "templates"
    capability = Capability.TEMPLATES_MANAGE
    template_name = "projects/template_detail.html"
    action_error: ActionError | None = None

    @cached_property
    def template(self) -> ProcessTemplate:
        return selectors.template_get(access=self.access, pk=self.kwargs["pk"])

    def url(self) -> str:
        return reverse("template-detail", kwargs={"org_slug": self.organization.slug, "pk": self.template.pk})

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        template = self.template
        editable = not template.is_builtin
        error = self.action_error
        for phase in template.phase_list:  # type: ignore[attr-defined]
            for kind, rows in (("deliverable", phase.deliverable_list), ("gate", phase.gate_list)):
                for row in rows:
                    if error is not None and error.target == (kind, row.pk):
                        row.action_error = error
            if error is not None and error.target == ("phase", phase.pk):
                phase.action_error = error
            if error is not None and error.target == ("phase-items", phase.pk):
                phase.items_error = error
        data.update(
            template=template,
            editable=editable,
            action_error=error,
            copy_form=form if isinstance(form, forms.TemplateCopyForm) else forms.TemplateCopyForm(),
            gate_kinds=GateKind.choices,
            deciders=DeciderRole.choices,
        )
        if editable:
            data["template_form"] = (
                form
                if isinstance(form, forms.TemplateForm)
                else forms.TemplateForm(
                    initial={"name": template.name, "description": template.description, "active": template.active}
                )
            )
        return data

    def act(
        self, run: Callable[[], Any], *, success: str, target: tuple[str, int] | None, form: django_forms.Form
    ) -> HttpResponse:
        if form.is_valid():
            try:
                result = run()
            except services.ProjectsConflict as exc:
                messages.error(self.request, str(exc))
                return self.render_to_response(self.get_context_data(), status=409)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(self.request, success)
                return redirect(result if isinstance(result, str) else self.url())
        self.action_error = ActionError(target, form_messages(form), self.request.POST)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TemplateCopyView(TemplatePageView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = forms.TemplateCopyForm(request.POST)

        def run() -> str:
            copy = services.template_copy(
                organization=self.organization,
                actor=request.user,
                template=self.template,
                name=form.cleaned_data["name"],
            )
            return reverse("template-detail", kwargs={"org_slug": self.organization.slug, "pk": copy.pk})

        return self.act(run, success=_("Template copied: edit the copy below."), target=("copy", 0), form=form)


class TemplateEditView(TemplatePageView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = forms.TemplateForm(request.POST)

        def run() -> None:
            services.template_update(
                organization=self.organization, actor=request.user, template=self.template, **form.cleaned_data
            )

        return self.act(run, success=_("Template saved."), target=("template", 0), form=form)


class TemplateItemMixin(TemplatePageView):
    http_method_names = ["post"]

    def phase_of_template(self, pk: Any) -> TemplatePhase:
        return get_object_or_404(
            TemplatePhase.objects.filter(organization=self.organization, template=self.template).select_related(
                "template"
            ),
            pk=int(pk) if str(pk).isdigit() else 0,
        )

    def deliverable_of_template(self, pk: Any) -> TemplateDeliverable:
        return get_object_or_404(
            TemplateDeliverable.objects.filter(organization=self.organization, phase__template=self.template)
            .select_related("phase__template"),
            pk=pk,
        )  # fmt: skip

    def gate_of_template(self, pk: Any) -> TemplateGate:
        return get_object_or_404(
            TemplateGate.objects.filter(organization=self.organization, phase__template=self.template)
            .select_related("phase__template"),
            pk=pk,
        )  # fmt: skip


class TemplatePhaseSaveView(TemplateItemMixin):
    """Add a phase (``templates/<pk>/phases/``) or change one (``…/phases/<item>/``)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = forms.TemplatePhaseForm(request.POST)
        phase = self.phase_of_template(kwargs["item"]) if "item" in kwargs else None

        def run() -> None:
            if phase is None:
                services.template_phase_create(
                    organization=self.organization, actor=request.user, template=self.template, **form.cleaned_data
                )
            else:
                services.template_phase_update(
                    organization=self.organization, actor=request.user, phase=phase, **form.cleaned_data
                )

        target = ("phase", phase.pk) if phase is not None else ("new-phase", 0)
        return self.act(run, success=_("Template saved."), target=target, form=form)


class TemplateDeliverableSaveView(TemplateItemMixin):
    """Add a deliverable to a phase (``phase`` in the form) or change one."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = forms.TemplateDeliverableForm(request.POST)
        if "item" in kwargs:
            deliverable = self.deliverable_of_template(kwargs["item"])

            def change() -> None:
                services.template_deliverable_update(
                    organization=self.organization, actor=request.user, deliverable=deliverable, **form.cleaned_data
                )

            return self.act(change, success=_("Template saved."), target=("deliverable", deliverable.pk), form=form)
        phase = self.phase_of_template(request.POST.get("phase"))

        def add() -> None:
            services.template_deliverable_create(
                organization=self.organization, actor=request.user, template=self.template, phase=phase,
                **form.cleaned_data,
            )  # fmt: skip

        return self.act(add, success=_("Template saved."), target=("phase-items", phase.pk), form=form)


class TemplateGateSaveView(TemplateItemMixin):
    """Add a gate to a phase (``phase`` in the form) or change one."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = forms.TemplateGateForm(request.POST)
        if "item" in kwargs:
            gate = self.gate_of_template(kwargs["item"])

            def change() -> None:
                services.template_gate_update(
                    organization=self.organization, actor=request.user, gate=gate, **form.cleaned_data
                )

            return self.act(change, success=_("Template saved."), target=("gate", gate.pk), form=form)
        phase = self.phase_of_template(request.POST.get("phase"))

        def add() -> None:
            services.template_gate_create(
                organization=self.organization, actor=request.user, template=self.template, phase=phase,
                **form.cleaned_data,
            )  # fmt: skip

        return self.act(add, success=_("Template saved."), target=("phase-items", phase.pk), form=form)


class TemplateItemDeleteView(TemplateItemMixin):
    """Remove a phase, deliverable or gate (``kind``) of a template."""

    kind = ""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        org, actor, pk = self.organization, request.user, kwargs["item"]
        run: Callable[[], None]
        if self.kind == "phase":
            phase = self.phase_of_template(pk)
            run = lambda: services.template_phase_delete(organization=org, actor=actor, phase=phase)  # noqa: E731
        elif self.kind == "deliverable":
            deliverable = self.deliverable_of_template(pk)
            run = lambda: services.template_deliverable_delete(organization=org, actor=actor, deliverable=deliverable)  # noqa: E731
        else:
            gate = self.gate_of_template(pk)
            run = lambda: services.template_gate_delete(organization=org, actor=actor, gate=gate)  # noqa: E731
        return self.act(run, success=_("Removed."), target=(self.kind, int(pk)), form=django_forms.Form({}))
