"""Writes for projects and their lifecycle. Every service names its organisation and actor, is atomic, and leaves
history through the audited tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pmo.tenancy.models import Organization
from pmo.tenancy.permissions import object_permissions_grant
from projects import permissions
from projects.lifecycle_defaults import BUILTIN_TEMPLATES, pick
from projects.models import (
    Baseline,
    GateReview,
    Milestone,
    ProcessTemplate,
    Project,
    ProjectDeliverable,
    ProjectObjective,
    ProjectPhase,
    TemplateDeliverable,
    TemplateGate,
    TemplatePhase,
)


@transaction.atomic
def templates_install_builtin(*, organization: Organization) -> list[ProcessTemplate]:
    """Give ``organization`` the built-in standard and IPD templates, in its default language. Idempotent: a
    built-in template of a kind the organisation already has is left as it is (the organisation may have edited
    it)."""
    language = organization.default_language
    installed = []
    for definition in BUILTIN_TEMPLATES:
        existing = ProcessTemplate.objects.filter(
            organization=organization, is_builtin=True, kind=definition.kind
        ).first()
        if existing is not None:
            installed.append(existing)
            continue
        template = ProcessTemplate.objects.create(
            organization=organization,
            name=pick(definition.name, language),
            kind=definition.kind,
            description=pick(definition.description, language),
            is_builtin=True,
        )
        for order, phase_def in enumerate(definition.phases, start=1):
            phase = TemplatePhase.objects.create(
                organization=organization,
                template=template,
                order=order,
                key=phase_def.key,
                name=pick(phase_def.name, language),
                optional=phase_def.optional,
            )
            TemplateDeliverable.objects.bulk_create(
                [
                    TemplateDeliverable(
                        organization=organization,
                        phase=phase,
                        order=i,
                        name=pick(d.name, language),
                        required=d.required,
                    )
                    for i, d in enumerate(phase_def.deliverables, start=1)
                ]
            )
            TemplateGate.objects.bulk_create(
                [
                    TemplateGate(
                        organization=organization,
                        phase=phase,
                        order=i,
                        code=g.code,
                        name=pick(g.name, language),
                        kind=g.kind,
                        decider=g.decider,
                    )
                    for i, g in enumerate(phase_def.gates, start=1)
                ]
            )
        installed.append(template)
    return installed


def project_next_code(*, organization: Organization, prefix: str = "PRJ") -> str:
    """The next free code ``<prefix>-NNN`` in the organisation (codes are unique per organisation)."""
    codes = Project.objects.filter(organization=organization, code__startswith=f"{prefix}-").values_list(
        "code", flat=True
    )
    numbers = [int(code.rsplit("-", 1)[1]) for code in codes if code.rsplit("-", 1)[1].isdigit()]
    return f"{prefix}-{max(numbers, default=0) + 1:03d}"


@dataclass(frozen=True)
class MilestoneSpec:
    name: str
    date: dt.date | None
    phase_key: str | None = None


def _spread(start: dt.date | None, finish: dt.date | None, parts: int) -> list[dt.date | None]:
    """``parts`` dates evenly spaced after ``start``, the last one on ``finish``."""
    if not start or not finish or parts <= 0:
        return [None] * parts
    span = (finish - start).days
    return [start + dt.timedelta(days=round(span * i / parts)) for i in range(1, parts + 1)]


@transaction.atomic
def project_create(
    *,
    organization: Organization,
    actor: Any,
    name: str,
    code: str | None = None,
    template: ProcessTemplate | None = None,
    manager: Any = None,
    sponsor: Any = None,
    portfolio: Any = None,
    programme: Any = None,
    description: str = "",
    objectives: str = "",
    objective_ids: Sequence[int] = (),
    priority: int = Project.Priority.MEDIUM,
    planned_start: dt.date | None = None,
    planned_finish: dt.date | None = None,
    budget_at_completion: Decimal = Decimal(0),
    tags: Sequence[str] = (),
    milestones: Sequence[MilestoneSpec] | None = None,
    scope_statement: str = "",
    quality_targets: str = "",
    status: str = Project.Status.PLANNING,
    baseline_reason: str = "",
) -> Project:
    """Create a project ready to run: phases, deliverables and gates copied from ``template``, its first phase
    active, milestones (given, or one at the end of each phase, spread over the planned dates), baseline v1, and
    the manager granted view and change permission on it.

    Used by intake approval and by the PMO creating a project directly.
    """
    project = Project.objects.create(
        organization=organization,
        code=code or project_next_code(organization=organization),
        name=name,
        description=description,
        objectives=objectives,
        status=status,
        priority=priority,
        portfolio=portfolio,
        programme=programme,
        template=template,
        sponsor=sponsor,
        manager=manager,
        planned_start=planned_start,
        planned_finish=planned_finish,
        budget_at_completion=budget_at_completion,
        tags=list(tags),
    )
    ProjectObjective.objects.bulk_create(
        [ProjectObjective(organization=organization, project=project, objective_id=oid) for oid in objective_ids]
    )
    phases = _instantiate_template(organization=organization, project=project, template=template)
    if phases:
        first = phases[0]
        first.status = ProjectPhase.Status.ACTIVE
        first.started_at = timezone.now()
        first.save(update_fields=["status", "started_at"])
        project.current_phase = first
        project.save(update_fields=["current_phase"])
    phase_by_key = {phase.key: phase for phase in phases}
    if milestones is None:
        with translation.override(organization.default_language):
            dates = _spread(planned_start, planned_finish, len(phases))
            milestones = [
                MilestoneSpec(_("%(phase)s complete") % {"phase": phase.name}, date, phase.key)
                for phase, date in zip(phases, dates, strict=True)
            ]
        gate_dates = {phase.pk: date for phase, date in zip(phases, dates, strict=True)}
        for gate in GateReview.objects.filter(organization=organization, project=project):
            gate.planned_date = gate_dates.get(gate.phase_id)
            gate.save(update_fields=["planned_date"])
    created = Milestone.objects.bulk_create(
        [
            Milestone(
                organization=organization,
                project=project,
                phase=phase_by_key.get(spec.phase_key or ""),
                name=spec.name,
                order=i,
                baseline_date=spec.date,
                forecast_date=spec.date,
            )
            for i, spec in enumerate(milestones, start=1)
        ]
    )
    with translation.override(organization.default_language):
        reason = baseline_reason or _("Initial baseline at approval")
    baseline_create(
        organization=organization,
        actor=actor,
        project=project,
        reason=reason,
        reason_category=Baseline.ReasonCategory.INITIAL,
        scope_statement=scope_statement or objectives or description,
        quality_targets=quality_targets,
        milestones=created,
    )
    if manager is not None:
        object_permissions_grant(
            organization=organization, obj=project, user=manager, codenames=permissions.MANAGER_CODENAMES
        )
    return project


def _instantiate_template(
    *, organization: Organization, project: Project, template: ProcessTemplate | None
) -> list[ProjectPhase]:
    if template is None:
        return []
    template_phases = list(
        TemplatePhase.objects.filter(organization=organization, template=template)
        .prefetch_related("deliverables", "gates")
        .order_by("order")
    )
    phases = ProjectPhase.objects.bulk_create(
        [
            ProjectPhase(
                organization=organization,
                project=project,
                order=tp.order,
                key=tp.key,
                name=tp.name,
                optional=tp.optional,
            )
            for tp in template_phases
        ]
    )
    deliverables = []
    gates = []
    for tp, phase in zip(template_phases, phases, strict=True):
        deliverables += [
            ProjectDeliverable(
                organization=organization,
                project=project,
                phase=phase,
                order=td.order,
                name=td.name,
                required=td.required,
            )
            for td in tp.deliverables.all()
        ]
        gates += [
            GateReview(
                organization=organization,
                project=project,
                phase=phase,
                order=tg.order,
                code=tg.code,
                name=tg.name,
                kind=tg.kind,
                decider=tg.decider,
            )
            for tg in tp.gates.all()
        ]
    ProjectDeliverable.objects.bulk_create(deliverables)
    GateReview.objects.bulk_create(gates)
    return phases


@transaction.atomic
def baseline_create(
    *,
    organization: Organization,
    actor: Any,
    project: Project,
    reason: str,
    reason_category: str,
    budget: Decimal | None = None,
    start_date: dt.date | None = None,
    finish_date: dt.date | None = None,
    scope_statement: str | None = None,
    quality_targets: str | None = None,
    milestones: Sequence[Milestone] | None = None,
    change_request_id: int | None = None,
) -> Baseline:
    """Add the next immutable baseline version of ``project``. Values not given are carried over from the previous
    version (or, for v1, taken from the project and its milestones). The project row is locked, so two concurrent
    calls cannot take the same version number."""
    locked = Project.objects.select_for_update().get(organization=organization, pk=project.pk)
    previous = Baseline.objects.filter(organization=organization, project=locked).order_by("-version").first()
    if milestones is None:
        milestones = list(Milestone.objects.filter(organization=organization, project=locked).order_by("order"))
    milestone_dates = []
    for milestone in milestones:
        date = milestone.baseline_date or milestone.forecast_date
        milestone_dates.append(
            {"milestone": milestone.pk, "name": milestone.name, "date": date.isoformat() if date else None}
        )
    version = (
        Baseline.objects.filter(organization=organization, project=locked).aggregate(v=Max("version"))["v"] or 0
    ) + 1
    return Baseline.objects.create(
        organization=organization,
        project=locked,
        version=version,
        budget=budget if budget is not None else (previous.budget if previous else locked.budget_at_completion),
        start_date=start_date or (previous.start_date if previous else locked.planned_start),
        finish_date=finish_date or (previous.finish_date if previous else locked.planned_finish),
        milestone_dates=milestone_dates,
        scope_statement=scope_statement
        if scope_statement is not None
        else (previous.scope_statement if previous else ""),
        quality_targets=quality_targets
        if quality_targets is not None
        else (previous.quality_targets if previous else ""),
        reason=reason,
        reason_category=reason_category,
        change_request_id=change_request_id,
        approved_by=actor,
    )
