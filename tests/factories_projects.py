"""Builders for the projects tests. A lifecycle project is created through ``projects.services.project_create``,
exactly as intake approval creates one: phases, deliverables, gates and milestones from a built-in template,
its first phase started, baseline v1, its manager granted view and change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import factory
from django.db.models import Q
from django.utils import timezone

from pmo.tenancy.models import Organization
from pmo.tenancy.permissions import object_permissions_grant
from projects import permissions as project_permissions
from projects import services
from projects.models import (
    Baseline,
    ClosureReport,
    Dependency,
    GateDecision,
    GateReview,
    Milestone,
    ProcessTemplate,
    Project,
    ProjectDeliverable,
    ProjectPhase,
    ProjectUserObjectPermission,
    TailoringRequest,
    TemplateDeliverable,
    TemplateGate,
    TemplatePhase,
)
from tests.conftest import OrgWorld
from tests.factories import TenantFactory


def set_pmo_type(world: OrgWorld, pmo_type: str) -> None:
    Organization.objects.filter(pk=world.organization.pk).update(pmo_type=pmo_type)
    world.organization.refresh_from_db()


def builtin_template(world: OrgWorld, kind: str = "standard") -> ProcessTemplate:
    with world.ctx():
        return {t.kind: t for t in services.templates_install_builtin(organization=world.organization)}[kind]


def lifecycle_project(
    world: OrgWorld,
    *,
    kind: str = "standard",
    code: str = "LC-1",
    name: str | None = None,
    status: str = Project.Status.ACTIVE,
    readers: tuple[str, ...] = ("member", "viewer"),
    start: dt.date | None = None,
    days: int = 360,
    budget: int = 100_000,
) -> Project:
    """A project on a built-in template, run by the world's manager and readable by ``readers``."""
    template = builtin_template(world, kind)
    planned_start = start or timezone.localdate() - dt.timedelta(days=30)
    with world.ctx():
        project = services.project_create(
            organization=world.organization,
            actor=world.users["pmo"],
            name=name or f"{world.slug} lifecycle {code}",
            code=code,
            template=template,
            manager=world.users["manager"],
            sponsor=world.users["executive"],
            planned_start=planned_start,
            planned_finish=planned_start + dt.timedelta(days=days),
            budget_at_completion=Decimal(budget),
            status=status,
            tags=["core"],
        )
        for role in readers:
            object_permissions_grant(
                organization=world.organization,
                obj=project,
                user=world.users[role],
                codenames=[project_permissions.VIEW_CODENAME],
            )
        return Project.objects.get(pk=project.pk)


def current_phase(world: OrgWorld, project: Project) -> ProjectPhase:
    with world.ctx():
        return ProjectPhase.objects.get(pk=Project.objects.get(pk=project.pk).current_phase_id)


def pass_current_phase(world: OrgWorld, project: Project) -> services.PhaseAdvance:
    """Do everything the current phase needs (deliverables done, every gate go) and advance."""
    with world.ctx():
        phase = current_phase(world, project)
        pmo, executive = world.users["pmo"], world.users["executive"]
        for deliverable in ProjectDeliverable.objects.filter(phase=phase, status=ProjectDeliverable.Status.PENDING):
            services.deliverable_set_status(
                organization=world.organization, actor=pmo, deliverable=deliverable, status="done"
            )
        for gate in GateReview.objects.filter(phase=phase).exclude(decision=GateReview.Decision.GO):
            decider = executive if gate.decider == "executive" else pmo
            services.gate_decide(organization=world.organization, actor=decider, gate=gate, decision="go")
        return services.phase_advance(organization=world.organization, actor=pmo, project=project)


def draft_closure(world: OrgWorld, project: Project, *, lessons: int = 1, final_cost: int = 110_000) -> ClosureReport:
    with world.ctx():
        return services.closure_save_draft(
            organization=world.organization,
            actor=world.users["manager"],
            project=project,
            outcome="met",
            outcome_summary="Delivered what the charter promised.",
            final_cost=Decimal(final_cost),
            actual_start=project.planned_start,
            actual_finish=timezone.localdate(),
            customer_satisfaction=4,
            performance_evaluation="Good team work.",
            lessons=[{"title": f"Lesson {i}", "text": f"What we learned, part {i}."} for i in range(1, lessons + 1)],
        )


def close_project(world: OrgWorld, project: Project) -> ClosureReport:
    """Draft, submit and approve a closure report: the project ends closed."""
    report = draft_closure(world, project)
    with world.ctx():
        report = services.closure_submit(organization=world.organization, actor=world.users["manager"], report=report)
        return services.closure_approve(organization=world.organization, actor=world.users["pmo"], report=report)


def project_state(world: OrgWorld, *projects: Project) -> dict[str, Any]:
    """Everything the projects app stores about ``projects`` (for "nothing changed" assertions)."""
    ids = [p.pk for p in projects]
    with world.ctx():
        return {
            "projects": list(Project.objects.filter(pk__in=ids).order_by("pk").values()),
            "phases": list(ProjectPhase.objects.filter(project__in=ids).order_by("pk").values()),
            "deliverables": list(ProjectDeliverable.objects.filter(project__in=ids).order_by("pk").values()),
            "gates": list(GateReview.objects.filter(project__in=ids).order_by("pk").values()),
            "decisions": list(GateDecision.objects.filter(project__in=ids).order_by("pk").values()),
            "tailoring": list(TailoringRequest.objects.filter(project__in=ids).order_by("pk").values()),
            "milestones": list(Milestone.objects.filter(project__in=ids).order_by("pk").values()),
            "baselines": list(Baseline.objects.filter(project__in=ids).order_by("pk").values()),
            "dependencies": list(
                Dependency.objects.filter(Q(upstream_project__in=ids) | Q(downstream_project__in=ids))
                .order_by("pk")
                .values()
            ),
            "closure": list(ClosureReport.objects.filter(project__in=ids).order_by("pk").values()),
            "grants": list(
                ProjectUserObjectPermission.objects.filter(content_object__in=ids)
                .order_by("pk")
                .values("user_id", "permission__codename", "content_object_id")
            ),
        }


def template_state(world: OrgWorld) -> dict[str, Any]:
    with world.ctx():
        return {
            "templates": list(ProcessTemplate.objects.order_by("pk").values()),
            "phases": list(TemplatePhase.objects.order_by("pk").values()),
            "deliverables": list(TemplateDeliverable.objects.order_by("pk").values()),
            "gates": list(TemplateGate.objects.order_by("pk").values()),
        }


class MilestoneFactory(TenantFactory):
    class Meta:
        model = Milestone

    name = factory.Sequence(lambda n: f"Milestone {n}")
    order = factory.Sequence(lambda n: n + 100)


def dependency(world: OrgWorld, upstream: Milestone, downstream: Milestone) -> Dependency:
    with world.ctx():
        return services.dependency_create(
            organization=world.organization, actor=world.users["pmo"], upstream=upstream, downstream=downstream
        )


@dataclass
class Scene:
    """One organisation's lifecycle setting: ``project`` (IPD, active, run by the manager, readable by the member
    and the viewer), ``other`` (conftest's projects[0], the manager's, with one milestone) and ``hidden``
    (conftest's projects[2], granted to nobody)."""

    world: OrgWorld
    project: Project
    other: Project
    hidden: Project
    milestone: Milestone
    other_milestone: Milestone
    deliverable: ProjectDeliverable  # required, pending, in the current phase
    optional_deliverable: ProjectDeliverable  # optional, pending, in a later phase
    tr_gate: GateReview  # TR1, decided by the PMO
    dcp_gate: GateReview  # CDCP, decided by executives


def build_scene(world: OrgWorld, *, code: str = "LC-1") -> Scene:
    project = lifecycle_project(world, kind="ipd", code=code)
    other, hidden = world.projects[0], world.projects[2]
    with world.ctx():
        other_milestone = MilestoneFactory(
            organization=world.organization, project=other, name="Other go-live", forecast_date=timezone.localdate()
        )
        return Scene(
            world=world,
            project=project,
            other=other,
            hidden=hidden,
            milestone=Milestone.objects.filter(project=project).order_by("order").first(),
            other_milestone=other_milestone,
            deliverable=ProjectDeliverable.objects.filter(project=project, phase__order=1).order_by("order").first(),
            optional_deliverable=ProjectDeliverable.objects.get(project=project, required=False, phase__order=5),
            tr_gate=GateReview.objects.get(project=project, code="TR1"),
            dcp_gate=GateReview.objects.get(project=project, code="CDCP"),
        )
