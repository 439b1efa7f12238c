"""Writes for projects and their lifecycle. Every service names its organisation and actor, is atomic, and leaves
history through the audited tables (django-pghistory triggers).

Refusals: ``django.core.exceptions.ValidationError`` for bad input or a transition that is not allowed (API 400);
``ProjectsConflict`` and its subclasses for a write that the state of the data forbids — a closed or cancelled
project, a stale version, a duplicate, a built-in template (API 409).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from pmo.core.bulk import RowChecks, single
from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.permissions import (
    object_permissions_grant,
    object_permissions_grant_many,
    object_permissions_revoke,
)
from projects import permissions
from projects.knowledge.services import article_create
from projects.lifecycle_defaults import BUILTIN_TEMPLATES, pick
from projects.models import (
    Baseline,
    ClosureReport,
    DeciderRole,
    Dependency,
    GateDecision,
    GateKind,
    GateReview,
    Milestone,
    ProcessTemplate,
    Project,
    ProjectDeliverable,
    ProjectObjective,
    ProjectPhase,
    TailoringRequest,
    TemplateDeliverable,
    TemplateGate,
    TemplatePhase,
)


class ProjectsConflict(Exception):
    """The write conflicts with the state of the data (the API answers 409)."""


class ProjectReadOnly(ProjectsConflict):
    """The project is closed or cancelled: it is archived and nothing of it may change."""

    def __init__(self, project: Project) -> None:
        super().__init__(
            _("%(code)s is %(status)s: a closed or cancelled project is read-only.")
            % {"code": project.code, "status": project.get_status_display().lower()}
        )


class StaleVersion(ProjectsConflict):
    def __init__(self) -> None:
        super().__init__(_("Someone else changed this project in the meantime. Reload it and try again."))


class AlreadyExists(ProjectsConflict):
    pass


class TemplateReadOnly(ProjectsConflict):
    def __init__(self) -> None:
        super().__init__(_("Built-in templates are read-only. Copy the template to change it."))


class PhaseRequirementsUnmet(ValidationError):
    """The organisation enforces gates (controlling or directive PMO) and the current phase has open items."""

    def __init__(self, missing: list[dict[str, Any]]) -> None:
        self.missing = missing
        super().__init__(
            {
                "detail": [
                    _(
                        "The phase cannot be passed yet: every gate needs a recorded go and every required "
                        "deliverable must be done or waived (%(items)s)."
                    )
                    % {"items": "; ".join(describe_open_item(item) for item in missing)}
                ]
            }
        )


def describe_open_item(item: Mapping[str, Any]) -> str:
    """One open item of a phase (see ``open_items``) in words, in the active language."""
    if item["kind"] == "gate":
        state = dict(GateReview.Decision.choices).get(item["state"], item["state"])
        return _("gate %(code)s %(name)s is %(state)s") % {
            "code": item["code"],
            "name": item["name"],
            "state": str(state).lower(),
        }
    state = dict(ProjectDeliverable.Status.choices).get(item["state"], item["state"])
    return _("deliverable %(name)s is %(state)s") % {"name": item["name"], "state": str(state).lower()}


def organization_today(organization: Organization) -> dt.date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(organization.time_zone))


def _refuse_read_only(project: Project) -> Project:
    """``project`` unless it is closed or cancelled (``ProjectReadOnly``)."""
    if project.is_read_only:
        raise ProjectReadOnly(project)
    return project


def _lock_project(*, organization: Organization, project_id: int) -> Project:
    """Lock the project row for the rest of the transaction; refuse a closed or cancelled project."""
    return _refuse_read_only(Project.objects.select_for_update().get(organization=organization, pk=project_id))


def _lock_projects(*, organization: Organization, project_ids: Iterable[int]) -> dict[int, Project]:
    """Lock these project rows for the rest of the transaction, in one query and in id order (so two bulk writers
    cannot deadlock), by id. Closed or cancelled projects are returned too: a bulk service refuses them row by row
    (``_refuse_read_only``). ``Project.DoesNotExist`` when one is missing, as for ``_lock_project``."""
    wanted = sorted(set(project_ids))
    if not wanted:
        return {}
    rows = Project.objects.select_for_update().filter(organization=organization, pk__in=wanted).order_by("pk")
    locked = {project.pk: project for project in rows}
    if len(locked) != len(wanted):
        raise Project.DoesNotExist("Project matching query does not exist.")
    return locked


def _is_member(*, organization: Organization, user: Any) -> bool:
    return user is not None and Membership.objects.filter(organization=organization, user=user).exists()


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


def _code_number(code: str, prefix: str) -> int | None:
    """``7`` for ``PRJ-007`` (``prefix`` ``PRJ``); ``None`` for a code not numbered that way."""
    tail = code.rsplit("-", 1)[1] if code.startswith(f"{prefix}-") else ""
    return int(tail) if tail.isdigit() else None


def _last_code_number(*, organization: Organization, prefix: str) -> int:
    codes = Project.objects.filter(organization=organization, code__startswith=f"{prefix}-").values_list(
        "code", flat=True
    )
    return max((number for code in codes if (number := _code_number(code, prefix)) is not None), default=0)


def _lock_project_numbering(*, organization: Organization) -> None:
    """Serialise the numbering of new projects in one organisation until the transaction ends: two writers (two
    imports, an import and an intake approval) would otherwise both read the same last ``PRJ-NNN`` and one would fail
    on the unique code. A transaction-level advisory lock, so nothing is left held after a commit or a rollback."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended('pmo.project-code', %s))", [organization.pk])


def project_next_code(*, organization: Organization, prefix: str = "PRJ") -> str:
    """The next free code ``<prefix>-NNN`` in the organisation (codes are unique per organisation)."""
    return f"{prefix}-{_last_code_number(organization=organization, prefix=prefix) + 1:03d}"


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


@dataclass(frozen=True)
class NewProject:
    """A project to create (``projects_create_many``): the arguments of ``project_create``."""

    name: str
    code: str | None = None
    template: ProcessTemplate | None = None
    manager: Any = None
    sponsor: Any = None
    portfolio: Any = None
    programme: Any = None
    description: str = ""
    objectives: str = ""
    objective_ids: Sequence[int] = ()
    priority: int = Project.Priority.MEDIUM
    planned_start: dt.date | None = None
    planned_finish: dt.date | None = None
    budget_at_completion: Decimal = Decimal(0)
    tags: Sequence[str] = ()
    milestones: Sequence[MilestoneSpec] | None = None
    scope_statement: str = ""
    quality_targets: str = ""
    status: str = Project.Status.PLANNING
    baseline_reason: str = ""


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
    active, milestones (given, or one at the end of each phase, spread over the planned dates, as are the gates'
    planned dates), baseline v1, and the manager granted view and change permission on it. A closed or cancelled
    project is refused (``ProjectReadOnly``).

    Used by intake approval and by the PMO creating a project directly.
    """
    new = NewProject(
        name=name,
        code=code,
        template=template,
        manager=manager,
        sponsor=sponsor,
        portfolio=portfolio,
        programme=programme,
        description=description,
        objectives=objectives,
        objective_ids=objective_ids,
        priority=priority,
        planned_start=planned_start,
        planned_finish=planned_finish,
        budget_at_completion=budget_at_completion,
        tags=tags,
        milestones=milestones,
        scope_statement=scope_statement,
        quality_targets=quality_targets,
        status=status,
        baseline_reason=baseline_reason,
    )
    return single(lambda: projects_create_many(organization=organization, actor=actor, projects=[new]))


@transaction.atomic
def projects_create_many(*, organization: Organization, actor: Any, projects: Sequence[NewProject]) -> list[Project]:
    """Create ``projects`` as ``project_create`` does, all or none, in a fixed number of statements whatever their
    number (the grant of each manager's permissions aside): one INSERT per table for all of them. A project without
    a code takes the next free ``PRJ-NNN`` in the order given (after the codes of earlier rows). A refused row
    raises ``RowRefused`` with its index and ``project_create``'s exception for it."""
    if not projects:
        return []
    checks = RowChecks(ProjectsConflict)
    if any(not new.code for new in projects):
        _lock_project_numbering(organization=organization)
    last = _last_code_number(organization=organization, prefix="PRJ")
    rows: list[Project] = []
    for index, new in enumerate(projects):
        code = new.code
        if code:
            last = max(last, _code_number(code, "PRJ") or 0)
        else:
            last += 1
            code = f"PRJ-{last:03d}"
        project = Project(
            organization=organization,
            code=code,
            name=new.name,
            description=new.description,
            objectives=new.objectives,
            status=new.status,
            priority=new.priority,
            portfolio=new.portfolio,
            programme=new.programme,
            template=new.template,
            sponsor=new.sponsor,
            manager=new.manager,
            planned_start=new.planned_start,
            planned_finish=new.planned_finish,
            budget_at_completion=new.budget_at_completion,
            tags=list(new.tags),
        )
        with checks.row(index):
            _refuse_read_only(project)
        rows.append(project)
    checks.raise_first()
    created = Project.objects.bulk_create(rows)
    ProjectObjective.objects.bulk_create(
        [
            ProjectObjective(organization=organization, project=project, objective_id=objective_id)
            for project, new in zip(created, projects, strict=True)
            for objective_id in new.objective_ids
        ]
    )
    phases = _instantiate_templates(
        organization=organization,
        projects=created,
        dated_gates={project.pk for project, new in zip(created, projects, strict=True) if new.milestones is None},
    )
    # Each new project's current phase is its first, the one phase inserted active (one UPDATE for all).
    Project.objects.filter(
        organization=organization, pk__in=[project.pk for project in created if project.current_phase]
    ).update(
        current_phase=Subquery(
            ProjectPhase.objects.filter(
                organization=organization, project=OuterRef("pk"), status=ProjectPhase.Status.ACTIVE
            ).values("pk")[:1]
        )
    )
    milestones: list[Milestone] = []
    for project, new in zip(created, projects, strict=True):
        specs = new.milestones
        if specs is None:
            with translation.override(organization.default_language):
                dates = _spread(new.planned_start, new.planned_finish, len(phases[project.pk]))
                specs = [
                    MilestoneSpec(_("%(phase)s complete") % {"phase": phase.name}, date, phase.key)
                    for phase, date in zip(phases[project.pk], dates, strict=True)
                ]
        phase_by_key = {phase.key: phase for phase in phases[project.pk]}
        milestones += [
            Milestone(
                organization=organization,
                project=project,
                phase=phase_by_key.get(spec.phase_key or ""),
                name=spec.name,
                order=order,
                baseline_date=spec.date,
                forecast_date=spec.date,
            )
            for order, spec in enumerate(specs, start=1)
        ]
    Milestone.objects.bulk_create(milestones)
    _initial_baselines(
        organization=organization, actor=actor, projects=projects, created=created, milestones=milestones
    )
    object_permissions_grant_many(
        organization=organization,
        grants=[(project, project.manager) for project in created if project.manager is not None],
        codenames=permissions.MANAGER_CODENAMES,
    )
    return created


def _instantiate_templates(
    *, organization: Organization, projects: Sequence[Project], dated_gates: Collection[int]
) -> dict[int, list[ProjectPhase]]:
    """Copy each project's template into it: phases (the first one active, and the project's current phase),
    deliverables and gates; the gates of the ``dated_gates`` projects are planned for the end of their phase (its
    share of the planned dates). The phases of each project by project id; the templates are read in three
    queries for all."""
    template_phases: dict[int, list[TemplatePhase]] = defaultdict(list)
    template_ids = {project.template_id for project in projects if project.template_id is not None}
    if template_ids:
        for template_phase in (
            TemplatePhase.objects.filter(organization=organization, template_id__in=template_ids)
            .prefetch_related("deliverables", "gates")
            .order_by("order")
        ):
            template_phases[template_phase.template_id].append(template_phase)
    now = timezone.now()
    pairs: list[tuple[Project, TemplatePhase, ProjectPhase]] = []
    for project in projects:
        for order, template_phase in enumerate(template_phases.get(project.template_id or 0, [])):
            phase = ProjectPhase(
                organization=organization,
                project=project,
                order=template_phase.order,
                key=template_phase.key,
                name=template_phase.name,
                optional=template_phase.optional,
            )
            if order == 0:
                phase.status, phase.started_at = ProjectPhase.Status.ACTIVE, now
            pairs.append((project, template_phase, phase))
    ProjectPhase.objects.bulk_create([phase for _project, _template_phase, phase in pairs])
    phases: dict[int, list[ProjectPhase]] = {project.pk: [] for project in projects}
    for project, _template_phase, phase in pairs:
        if not phases[project.pk]:
            project.current_phase = phase
        phases[project.pk].append(phase)
    gate_dates = {
        phase.pk: date
        for project in projects
        if project.pk in dated_gates
        for phase, date in zip(
            phases[project.pk],
            _spread(project.planned_start, project.planned_finish, len(phases[project.pk])),
            strict=True,
        )
    }
    deliverables: list[ProjectDeliverable] = []
    gates: list[GateReview] = []
    for project, template_phase, phase in pairs:
        deliverables += [
            ProjectDeliverable(
                organization=organization,
                project=project,
                phase=phase,
                order=td.order,
                name=td.name,
                required=td.required,
            )
            for td in template_phase.deliverables.all()
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
                planned_date=gate_dates.get(phase.pk),
            )
            for tg in template_phase.gates.all()
        ]
    ProjectDeliverable.objects.bulk_create(deliverables)
    GateReview.objects.bulk_create(gates)
    return phases


def _initial_baselines(
    *,
    organization: Organization,
    actor: Any,
    projects: Sequence[NewProject],
    created: Sequence[Project],
    milestones: Sequence[Milestone],
) -> list[Baseline]:
    """Baseline v1 of new projects (as ``baseline_create`` records it for a project's first version): the
    project's budget and planned dates, its milestones' dates."""
    milestone_dates: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for milestone in milestones:
        milestone_dates[milestone.project_id].append(
            {
                "milestone": milestone.pk,
                "name": milestone.name,
                "date": milestone.baseline_date.isoformat() if milestone.baseline_date else None,
                "weight": milestone.weight,
            }
        )
    with translation.override(organization.default_language):
        default_reason = _("Initial baseline at approval")
    now = timezone.now()
    return Baseline.objects.bulk_create(
        [
            Baseline(
                organization=organization,
                project=project,
                version=1,
                budget=project.budget_at_completion,
                start_date=project.planned_start,
                finish_date=project.planned_finish,
                milestone_dates=milestone_dates[project.pk],
                phase_dates=[],
                scope_statement=new.scope_statement or new.objectives or new.description,
                quality_targets=new.quality_targets,
                reason=new.baseline_reason or default_reason,
                reason_category=Baseline.ReasonCategory.INITIAL,
                approved_by=actor,
                approved_at=now,
            )
            for project, new in zip(created, projects, strict=True)
        ]
    )


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
    phases: Sequence[ProjectPhase] | None = None,
    change_request_id: int | None = None,
    approved_at: dt.datetime | None = None,
) -> Baseline:
    """Add the next immutable baseline version of ``project``. Values not given are carried over from the previous
    version (or, for v1, taken from the project and its milestones); each milestone's date is its ``baseline_date``,
    else its forecast, and is written back as the milestone's baseline date (the one place that sets it). Phase
    dates are recorded only when ``phases`` are given (each phase's ``baseline_start``/``baseline_finish``, else its
    planned dates, written back likewise); otherwise the previous version's phase dates carry over. The
    project row is locked, so two concurrent calls cannot take the same version number; a closed or cancelled
    project is refused (``ProjectReadOnly``). ``approved_at`` defaults to now (demo history passes past times)."""
    locked = _lock_project(organization=organization, project_id=project.pk)
    previous = Baseline.objects.filter(organization=organization, project=locked).order_by("-version").first()
    if milestones is None:
        milestones = list(Milestone.objects.filter(organization=organization, project=locked).order_by("order"))
    milestone_dates = []
    rebaselined = []
    for milestone in milestones:
        date = milestone.baseline_date or milestone.forecast_date
        milestone_dates.append(
            {
                "milestone": milestone.pk,
                "name": milestone.name,
                "date": date.isoformat() if date else None,
                "weight": milestone.weight,
            }
        )
        rebaselined.append(Milestone(pk=milestone.pk, baseline_date=date))
    Milestone.objects.bulk_update(rebaselined, ["baseline_date"])
    phase_dates = list(previous.phase_dates) if previous else []
    if phases is not None:
        phase_dates = []
        for phase in phases:
            start = phase.baseline_start or phase.planned_start
            finish = phase.baseline_finish or phase.planned_finish
            phase_dates.append(
                {
                    "phase": phase.pk,
                    "name": phase.name,
                    "start": start.isoformat() if start else None,
                    "finish": finish.isoformat() if finish else None,
                }
            )
            phase.baseline_start, phase.baseline_finish = start, finish
        ProjectPhase.objects.bulk_update(phases, ["baseline_start", "baseline_finish"])
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
        phase_dates=phase_dates,
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
        approved_at=approved_at or timezone.now(),
    )


# --- Projects --------------------------------------------------------------------------------------------------

PROJECT_EDITABLE_FIELDS = frozenset(
    {
        "name",
        "description",
        "objectives",
        "priority",
        "portfolio",
        "programme",
        "manager",
        "sponsor",
        "planned_start",
        "planned_finish",
        "tags",
        "status",
    }
)
_FOREIGN_KEYS = frozenset({"portfolio", "programme", "manager", "sponsor"})

# Where a project may go by editing it. CLOSED is reached only through an approved closure report.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Project.Status.PROPOSED: frozenset({Project.Status.PLANNING, Project.Status.ACTIVE, Project.Status.CANCELLED}),
    Project.Status.PLANNING: frozenset({Project.Status.ACTIVE, Project.Status.ON_HOLD, Project.Status.CANCELLED}),
    Project.Status.ACTIVE: frozenset({Project.Status.PLANNING, Project.Status.ON_HOLD, Project.Status.CANCELLED}),
    Project.Status.ON_HOLD: frozenset({Project.Status.PLANNING, Project.Status.ACTIVE, Project.Status.CANCELLED}),
}


def clean_tags(tags: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tag.strip()[:40] for tag in tags if tag and tag.strip()))


def _current_value(project: Project, field: str) -> Any:
    return getattr(project, f"{field}_id") if field in _FOREIGN_KEYS else getattr(project, field)


def _comparable(field: str, value: Any) -> Any:
    return (value.pk if value is not None else None) if field in _FOREIGN_KEYS else value


@transaction.atomic
def project_update(
    *, organization: Organization, actor: Any, project: Project, version: int | None = None, **fields: Any
) -> Project:
    """Change a project's editable fields (``PROJECT_EDITABLE_FIELDS``) and bump its version.

    ``version``, when given, must be the version the caller read (else ``StaleVersion``). Status changes follow
    ``STATUS_TRANSITIONS``; a new manager is granted view and change permission, the previous one keeps view only.
    """
    unknown = set(fields) - PROJECT_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    locked = _lock_project(organization=organization, project_id=project.pk)
    if version is not None and version != locked.version:
        raise StaleVersion()
    if "tags" in fields:
        fields["tags"] = clean_tags(fields["tags"])
    for text_field in ("name", "description", "objectives"):
        if text_field in fields:
            fields[text_field] = (fields[text_field] or "").strip()
    errors: dict[str, list[str]] = {}
    if "name" in fields and not fields["name"]:
        errors["name"] = [_("A project needs a name.")]
    status = fields.get("status", locked.status)
    if status != locked.status and status not in STATUS_TRANSITIONS.get(locked.status, frozenset()):
        if status == Project.Status.CLOSED:
            errors["status"] = [_("A project is closed by approving its closure report.")]
        else:
            errors["status"] = [
                _("A project cannot go from %(old)s to %(new)s.")
                % {"old": locked.get_status_display(), "new": dict(Project.Status.choices).get(status, status)}
            ]
    start = fields.get("planned_start", locked.planned_start)
    finish = fields.get("planned_finish", locked.planned_finish)
    if start and finish and finish < start:
        errors["planned_finish"] = [_("The planned finish cannot be before the planned start.")]
    portfolio_id = _comparable("portfolio", fields["portfolio"]) if "portfolio" in fields else locked.portfolio_id
    programme = fields.get("programme", locked.programme if locked.programme_id else None)
    if programme is not None and portfolio_id is not None and programme.portfolio_id != portfolio_id:
        errors["programme"] = [_("The programme belongs to another portfolio.")]
    for person in ("manager", "sponsor"):
        if fields.get(person) is not None and not _is_member(organization=organization, user=fields[person]):
            errors[person] = [_("Choose a member of this organisation.")]
    if errors:
        raise ValidationError(errors)
    changed = [f for f, value in fields.items() if _current_value(locked, f) != _comparable(f, value)]
    if not changed:
        return locked
    previous_manager = locked.manager
    for field in changed:
        setattr(locked, field, fields[field])
    update_fields = [*changed, "version"]
    if "status" in changed and locked.status == Project.Status.CANCELLED:
        locked.closed_at = timezone.now()
        update_fields.append("closed_at")
    locked.version += 1
    locked.save(update_fields=update_fields)
    if "manager" in changed:
        if previous_manager is not None:
            object_permissions_revoke(
                organization=organization, obj=locked, user=previous_manager, codenames=[permissions.CHANGE_CODENAME]
            )
        if locked.manager is not None:
            object_permissions_grant(
                organization=organization, obj=locked, user=locked.manager, codenames=permissions.MANAGER_CODENAMES
            )
    return locked


@transaction.atomic
def project_share(*, organization: Organization, actor: Any, project: Project, user: Any) -> None:
    """Let ``user`` (a member of the organisation) read ``project``: grants ``view_project``. Idempotent."""
    locked = _lock_project(organization=organization, project_id=project.pk)
    if not _is_member(organization=organization, user=user):
        raise ValidationError({"user": [_("Choose a member of this organisation.")]})
    object_permissions_grant(organization=organization, obj=locked, user=user, codenames=[permissions.VIEW_CODENAME])


@transaction.atomic
def project_unshare(*, organization: Organization, actor: Any, project: Project, user: Any) -> None:
    """Take back ``view_project`` (and ``change_project``) from ``user``; the project's manager keeps access."""
    locked = _lock_project(organization=organization, project_id=project.pk)
    if user is not None and locked.manager_id == user.pk:
        raise ValidationError({"user": [_("The project's manager keeps access; assign another manager first.")]})
    object_permissions_revoke(organization=organization, obj=locked, user=user, codenames=permissions.MANAGER_CODENAMES)


# --- Lifecycle: deliverables, gates, phases -------------------------------------------------------------------


def phase_checklist(deliverables: Iterable[ProjectDeliverable]) -> list[dict[str, Any]]:
    """The deliverable checklist of a phase as stored with a gate decision."""
    return [
        {"id": d.pk, "name": d.name, "required": d.required, "status": d.status, "note": d.note} for d in deliverables
    ]


def open_items(gates: Iterable[GateReview], deliverables: Iterable[ProjectDeliverable]) -> list[dict[str, Any]]:
    """What stands between a phase and the next one: gates without a recorded go, required deliverables neither
    done nor waived. Works on prefetched rows, so pages can show it without extra queries."""
    items: list[dict[str, Any]] = [
        {"kind": "gate", "id": g.pk, "code": g.code, "name": g.name, "state": g.decision}
        for g in gates
        if g.decision != GateReview.Decision.GO
    ]
    items += [
        {"kind": "deliverable", "id": d.pk, "name": d.name, "state": d.status}
        for d in deliverables
        if d.required and d.status == ProjectDeliverable.Status.PENDING
    ]
    return items


def gates_enforced(organization: Organization) -> bool:
    """A controlling or directive PMO makes gates mandatory; a supportive one records what was skipped."""
    return organization.pmo_type != Organization.PmoType.SUPPORTIVE


DELIVERABLE_SETTABLE = (
    ProjectDeliverable.Status.PENDING,
    ProjectDeliverable.Status.DONE,
    ProjectDeliverable.Status.WAIVED,
)


@transaction.atomic
def deliverable_set_status(
    *, organization: Organization, actor: Any, deliverable: ProjectDeliverable, status: str, note: str = ""
) -> ProjectDeliverable:
    """Mark a deliverable done, waive it (a reason is required) or reopen it (``pending``). A tailored-out
    deliverable stays out; setting the status it has already is refused."""
    _lock_project(organization=organization, project_id=deliverable.project_id)
    locked = ProjectDeliverable.objects.select_for_update().get(organization=organization, pk=deliverable.pk)
    note = (note or "").strip()
    if status not in DELIVERABLE_SETTABLE:
        raise ValidationError({"status": [_("Choose done, waived or pending.")]})
    if locked.status == ProjectDeliverable.Status.TAILORED_OUT:
        raise ValidationError({"detail": [_("This deliverable was tailored out of the project.")]})
    if locked.status == status:
        raise ValidationError(
            {"status": [_("The deliverable is %(status)s already.") % {"status": locked.get_status_display().lower()}]}
        )
    if status == ProjectDeliverable.Status.WAIVED and not note:
        raise ValidationError({"note": [_("Give the reason for the waiver.")]})
    if len(note) > 500:
        raise ValidationError({"note": [_("At most 500 characters.")]})
    locked.status = status
    locked.note = note
    locked.updated_by = actor
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "note", "updated_by", "updated_at"])
    return locked


GATE_DECISIONS = (
    GateReview.Decision.GO,
    GateReview.Decision.NO_GO,
    GateReview.Decision.RECYCLE,
    GateReview.Decision.HOLD,
)
_GATE_DECISION_FIELDS = ["decision", "conditions", "note", "checklist", "decided_by", "decided_at"]


def _gate_reset(queryset: Any) -> None:
    queryset.exclude(decision=GateReview.Decision.PENDING).update(
        decision=GateReview.Decision.PENDING, conditions="", note="", checklist=[], decided_by=None, decided_at=None
    )


def _phase_reopen(*, organization: Organization, project: Project, phase: ProjectPhase) -> None:
    """Make ``phase`` the current phase again: later phases (not tailored out) go back to not started and their
    gate decisions back to pending (the decision log keeps them)."""
    if phase.status == ProjectPhase.Status.COMPLETED:
        later = list(
            ProjectPhase.objects.filter(organization=organization, project=project, order__gt=phase.order)
            .exclude(status=ProjectPhase.Status.SKIPPED)
            .values_list("pk", flat=True)
        )
        ProjectPhase.objects.filter(organization=organization, pk__in=later).update(
            status=ProjectPhase.Status.NOT_STARTED,
            started_at=None,
            completed_at=None,
            completed_by=None,
            exit_warnings=[],
        )
        _gate_reset(GateReview.objects.filter(organization=organization, phase_id__in=later))
        phase.status = ProjectPhase.Status.ACTIVE
        phase.completed_at = None
        phase.completed_by = None
        phase.exit_warnings = []
        phase.save(update_fields=["status", "completed_at", "completed_by", "exit_warnings"])
    project.current_phase = phase


@transaction.atomic
def gate_decide(
    *,
    organization: Organization,
    actor: Any,
    gate: GateReview,
    decision: str,
    conditions: str = "",
    note: str = "",
) -> GateReview:
    """Record a gate decision with who, when and the phase's deliverable checklist as it stands.

    ``go`` passes the gate (with optional conditions); ``no_go`` stops it (the PMO then re-plans or cancels);
    ``hold`` also puts the project on hold; ``recycle`` sends the project back to the gate's phase and the gate to
    pending. No-go, hold and recycle need a note. Only gates of a started phase can be decided. Every decision is
    kept in ``GateDecision``. Who may decide is the caller's check (``permissions.gate_decider_capability``).
    """
    project = _lock_project(organization=organization, project_id=gate.project_id)
    locked = GateReview.objects.select_for_update().get(organization=organization, pk=gate.pk)
    phase = ProjectPhase.objects.get(organization=organization, pk=locked.phase_id)
    conditions, note = (conditions or "").strip(), (note or "").strip()
    if decision not in GATE_DECISIONS:
        raise ValidationError({"decision": [_("Choose go, no-go, recycle or hold.")]})
    if phase.status == ProjectPhase.Status.SKIPPED:
        raise ValidationError({"detail": [_("This gate's phase was tailored out.")]})
    if phase.status == ProjectPhase.Status.NOT_STARTED:
        raise ValidationError({"detail": [_("This gate's phase has not started yet.")]})
    if decision != GateReview.Decision.GO and not note:
        raise ValidationError({"note": [_("Explain a no-go, recycle or hold decision in the note.")]})
    now = timezone.now()
    checklist = phase_checklist(
        ProjectDeliverable.objects.filter(organization=organization, phase=phase).order_by("order", "pk")
    )
    GateDecision.objects.create(
        organization=organization,
        gate=locked,
        project=project,
        decision=decision,
        conditions=conditions,
        note=note,
        checklist=checklist,
        decided_by=actor,
        decided_at=now,
    )
    project_fields = ["version"]
    if decision == GateReview.Decision.RECYCLE:
        locked.decision = GateReview.Decision.PENDING
        locked.conditions, locked.note, locked.checklist = "", "", []
        locked.decided_by, locked.decided_at = None, None
        _phase_reopen(organization=organization, project=project, phase=phase)
        project_fields.append("current_phase")
    else:
        locked.decision, locked.conditions, locked.note, locked.checklist = decision, conditions, note, checklist
        locked.decided_by, locked.decided_at = actor, now
        if decision == GateReview.Decision.HOLD and project.status != Project.Status.ON_HOLD:
            project.status = Project.Status.ON_HOLD
            project_fields.append("status")
    locked.save(update_fields=_GATE_DECISION_FIELDS)
    project.version += 1
    project.save(update_fields=project_fields)
    return locked


@dataclass(frozen=True)
class PhaseAdvance:
    completed: ProjectPhase
    started: ProjectPhase
    # Open items the phase was passed with (only in a supportive organisation; see ``open_items``).
    warnings: list[dict[str, Any]]


@transaction.atomic
def phase_advance(*, organization: Organization, actor: Any, project: Project) -> PhaseAdvance:
    """Complete the current phase and start the next one that was not tailored out.

    A controlling or directive organisation refuses (``PhaseRequirementsUnmet``) while a gate of the phase has no
    recorded go or a required deliverable is neither done nor waived. A supportive one lets it pass and records the
    open items on the completed phase (``exit_warnings``). The last phase ends with the closure report instead.
    """
    locked = _lock_project(organization=organization, project_id=project.pk)
    if locked.status not in (Project.Status.PLANNING, Project.Status.ACTIVE):
        raise ValidationError(
            {
                "detail": [
                    _("Only a project in planning or active moves to its next phase; this one is %(status)s.")
                    % {"status": locked.get_status_display().lower()}
                ]
            }
        )
    if locked.current_phase_id is None:
        raise ValidationError({"detail": [_("This project has no lifecycle phases.")]})
    current = ProjectPhase.objects.select_for_update().get(organization=organization, pk=locked.current_phase_id)
    following = (
        ProjectPhase.objects.select_for_update()
        .filter(organization=organization, project=locked, order__gt=current.order)
        .exclude(status=ProjectPhase.Status.SKIPPED)
        .order_by("order")
        .first()
    )
    if following is None:
        raise ValidationError({"detail": [_("This is the last phase: the project ends with its closure report.")]})
    missing = open_items(
        GateReview.objects.filter(organization=organization, phase=current).order_by("order"),
        ProjectDeliverable.objects.filter(organization=organization, phase=current).order_by("order"),
    )
    if missing and gates_enforced(organization):
        raise PhaseRequirementsUnmet(missing)
    now = timezone.now()
    current.status = ProjectPhase.Status.COMPLETED
    current.completed_at, current.completed_by, current.exit_warnings = now, actor, missing
    current.save(update_fields=["status", "completed_at", "completed_by", "exit_warnings"])
    following.status = ProjectPhase.Status.ACTIVE
    following.started_at = now
    following.save(update_fields=["status", "started_at"])
    locked.current_phase = following
    locked.version += 1
    locked.save(update_fields=["current_phase", "version"])
    return PhaseAdvance(completed=current, started=following, warnings=missing)


# --- Tailoring -------------------------------------------------------------------------------------------------


def _tailoring_items(
    *, organization: Organization, project: Project, phase_ids: Iterable[int], deliverable_ids: Iterable[int]
) -> tuple[list[ProjectPhase], list[ProjectDeliverable]]:
    """The phases and deliverables a tailoring request may drop: optional, of this project, not yet started or
    done. Anything else is refused with the reason."""
    wanted_phases, wanted_deliverables = sorted(set(phase_ids)), sorted(set(deliverable_ids))
    errors: dict[str, list[str]] = defaultdict(list)
    if not wanted_phases and not wanted_deliverables:
        raise ValidationError({"detail": [_("Choose at least one optional phase or deliverable to tailor out.")]})
    phases = list(
        ProjectPhase.objects.filter(organization=organization, project=project, pk__in=wanted_phases).order_by("order")
    )
    if len(phases) != len(wanted_phases):
        errors["phases"].append(_("Choose phases of this project."))
    for phase in phases:
        if not phase.optional:
            errors["phases"].append(
                _("%(name)s is a required phase and cannot be tailored out.") % {"name": phase.name}
            )
        elif phase.status != ProjectPhase.Status.NOT_STARTED:
            errors["phases"].append(_("%(name)s has started already.") % {"name": phase.name})
    deliverables = list(
        ProjectDeliverable.objects.filter(organization=organization, project=project, pk__in=wanted_deliverables)
        .select_related("phase")
        .order_by("phase__order", "order")
    )
    if len(deliverables) != len(wanted_deliverables):
        errors["deliverables"].append(_("Choose deliverables of this project."))
    for deliverable in deliverables:
        if deliverable.required:
            errors["deliverables"].append(
                _("%(name)s is a required deliverable and cannot be tailored out.") % {"name": deliverable.name}
            )
        elif deliverable.status != ProjectDeliverable.Status.PENDING:
            errors["deliverables"].append(
                _("%(name)s is %(status)s already.")
                % {"name": deliverable.name, "status": deliverable.get_status_display().lower()}
            )
    if errors:
        raise ValidationError(dict(errors))
    return phases, deliverables


def _tailoring_apply(
    *,
    organization: Organization,
    actor: Any,
    project: Project,
    phases: Sequence[ProjectPhase],
    deliverables: Sequence[ProjectDeliverable],
) -> None:
    phase_ids = [p.pk for p in phases]
    ProjectPhase.objects.filter(organization=organization, pk__in=phase_ids).update(status=ProjectPhase.Status.SKIPPED)
    ProjectDeliverable.objects.filter(organization=organization, project=project).filter(
        Q(pk__in=[d.pk for d in deliverables]) | Q(phase_id__in=phase_ids, status=ProjectDeliverable.Status.PENDING)
    ).update(status=ProjectDeliverable.Status.TAILORED_OUT, updated_by=actor, updated_at=timezone.now())


@transaction.atomic
def tailoring_propose(
    *,
    organization: Organization,
    actor: Any,
    project: Project,
    justification: str,
    phase_ids: Iterable[int] = (),
    deliverable_ids: Iterable[int] = (),
) -> TailoringRequest:
    """Propose dropping optional phases and deliverables, with a justification. A supportive organisation records
    and applies it at once (status ``recorded``); otherwise it waits for the PMO (``pending``). Required items are
    refused."""
    locked = _lock_project(organization=organization, project_id=project.pk)
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": [_("Explain why the project can do without these items.")]})
    phases, deliverables = _tailoring_items(
        organization=organization, project=locked, phase_ids=phase_ids, deliverable_ids=deliverable_ids
    )
    applied_now = not gates_enforced(organization)
    request = TailoringRequest.objects.create(
        organization=organization,
        project=locked,
        justification=justification,
        phases=[p.pk for p in phases],
        deliverables=[d.pk for d in deliverables],
        status=TailoringRequest.Status.RECORDED if applied_now else TailoringRequest.Status.PENDING,
        proposed_by=actor,
        decided_by=actor if applied_now else None,
        decided_at=timezone.now() if applied_now else None,
    )
    if applied_now:
        _tailoring_apply(
            organization=organization, actor=actor, project=locked, phases=phases, deliverables=deliverables
        )
    return request


@transaction.atomic
def tailoring_decide(
    *, organization: Organization, actor: Any, tailoring: TailoringRequest, approve: bool, note: str = ""
) -> TailoringRequest:
    """The PMO approves (the items are tailored out, if they still may be) or rejects (a note is required) a
    pending request."""
    project = _lock_project(organization=organization, project_id=tailoring.project_id)
    locked = TailoringRequest.objects.select_for_update().get(organization=organization, pk=tailoring.pk)
    note = (note or "").strip()
    if locked.status != TailoringRequest.Status.PENDING:
        raise ValidationError({"detail": [_("This tailoring request was decided already.")]})
    if not approve and not note:
        raise ValidationError({"note": [_("Say why the request is rejected.")]})
    if approve:
        phases, deliverables = _tailoring_items(
            organization=organization, project=project, phase_ids=locked.phases, deliverable_ids=locked.deliverables
        )
        _tailoring_apply(
            organization=organization, actor=actor, project=project, phases=phases, deliverables=deliverables
        )
    locked.status = TailoringRequest.Status.APPROVED if approve else TailoringRequest.Status.REJECTED
    locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return locked


# --- Milestones ------------------------------------------------------------------------------------------------

MILESTONE_EDITABLE_FIELDS = frozenset({"name", "forecast_date", "actual_date", "phase", "weight", "order"})


def _milestone_validate(
    *,
    organization: Organization,
    project: Project,
    fields: Mapping[str, Any],
    exclude_pk: int | None = None,
    names: Collection[str] | None = None,
) -> None:
    """``names``: the names the project's milestones have, when the caller loaded them for a batch; else the name is
    looked up."""
    errors: dict[str, list[str]] = {}
    if "name" in fields:
        if not fields["name"]:
            errors["name"] = [_("A milestone needs a name.")]
        elif (
            fields["name"] in names
            if names is not None
            else Milestone.objects.filter(organization=organization, project=project, name=fields["name"])
            .exclude(pk=exclude_pk)
            .exists()
        ):
            errors["name"] = [_("This project has a milestone of that name already.")]
    actual = fields.get("actual_date")
    if actual is not None and actual > organization_today(organization):
        errors["actual_date"] = [_("An actual date cannot lie in the future.")]
    phase = fields.get("phase")
    if phase is not None and phase.project_id != project.pk:
        errors["phase"] = [_("Choose a phase of this project.")]
    weight = fields.get("weight")
    if weight is not None and not 1 <= weight <= 100:
        errors["weight"] = [_("A weight between 1 and 100.")]
    if errors:
        raise ValidationError(errors)


@dataclass(frozen=True)
class NewMilestone:
    """A milestone to add (``milestones_create_many``): the arguments of ``milestone_create``."""

    project: Project
    name: str
    forecast_date: dt.date | None = None
    actual_date: dt.date | None = None
    phase: ProjectPhase | None = None
    weight: int = 1


@transaction.atomic
def milestone_create(
    *,
    organization: Organization,
    actor: Any,
    project: Project,
    name: str,
    forecast_date: dt.date | None = None,
    actual_date: dt.date | None = None,
    phase: ProjectPhase | None = None,
    weight: int = 1,
) -> Milestone:
    """Add a milestone at the end of the project's list. It has no baseline date until the next baseline."""
    new = NewMilestone(
        project=project, name=name, forecast_date=forecast_date, actual_date=actual_date, phase=phase, weight=weight
    )
    return single(lambda: milestones_create_many(organization=organization, actor=actor, milestones=[new]))


@transaction.atomic
def milestones_create_many(
    *, organization: Organization, actor: Any, milestones: Sequence[NewMilestone]
) -> list[Milestone]:
    """Add ``milestones`` in one go, with the rules and refusals of ``milestone_create``, all or none: each at the
    end of its project's list, in the order given. Each distinct project is locked once (in id order) and its
    milestone names and last position read in one query for all; one INSERT for all. A refused row raises
    ``RowRefused`` with its index and ``milestone_create``'s exception for it."""
    if not milestones:
        return []
    checks = RowChecks(ProjectsConflict)
    projects = _lock_projects(organization=organization, project_ids=[new.project.pk for new in milestones])
    for index, new in checks.pending(milestones):
        with checks.row(index):
            _refuse_read_only(projects[new.project.pk])
    names: dict[int, set[str]] = defaultdict(set)
    last: dict[int, int] = defaultdict(int)
    existing = Milestone.objects.filter(organization=organization, project_id__in=list(projects))
    for project_id, name, order in existing.values_list("project_id", "name", "order"):
        names[project_id].add(name)
        last[project_id] = max(last[project_id], order)
    rows: list[Milestone] = []
    for index, new in checks.pending(milestones):
        project = projects[new.project.pk]
        name = (new.name or "").strip()
        with checks.row(index):
            fields = {"name": name, "actual_date": new.actual_date, "phase": new.phase, "weight": new.weight}
            _milestone_validate(organization=organization, project=project, fields=fields, names=names[project.pk])
        names[project.pk].add(name)
        last[project.pk] += 1
        rows.append(
            Milestone(
                organization=organization,
                project=project,
                name=name,
                order=last[project.pk],
                forecast_date=new.forecast_date,
                actual_date=new.actual_date,
                phase=new.phase,
                weight=new.weight,
            )
        )
    checks.raise_first()
    return Milestone.objects.bulk_create(rows)


@transaction.atomic
def milestone_update(*, organization: Organization, actor: Any, milestone: Milestone, **fields: Any) -> Milestone:
    """Change a milestone's name, forecast or actual date, phase, weight or order. Its baseline date is set only by
    baselines (``baseline_create``)."""
    unknown = set(fields) - MILESTONE_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    project = _lock_project(organization=organization, project_id=milestone.project_id)
    locked = Milestone.objects.select_for_update().get(organization=organization, pk=milestone.pk)
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
    _milestone_validate(organization=organization, project=project, fields=fields, exclude_pk=locked.pk)
    for field, value in fields.items():
        setattr(locked, field, value)
    if fields:
        locked.save(update_fields=list(fields))
    return locked


# --- Dependencies ----------------------------------------------------------------------------------------------


def _reaches(edges: Iterable[tuple[int, int]], start: int, goal: int) -> bool:
    graph: dict[int, list[int]] = defaultdict(list)
    for up, down in edges:
        graph[up].append(down)
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in graph[node]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


@transaction.atomic
def dependency_create(
    *, organization: Organization, actor: Any, upstream: Milestone, downstream: Milestone, note: str = ""
) -> Dependency:
    """``downstream`` (a milestone of one project) needs ``upstream`` (a milestone of another). Refuses the same
    project, a duplicate (``AlreadyExists``), a cycle, and closed or cancelled projects. Whether the actor may see
    both projects is the caller's check."""
    if upstream.project_id == downstream.project_id:
        raise ValidationError({"downstream": [_("A dependency links milestones of two different projects.")]})
    for project_id in sorted({upstream.project_id, downstream.project_id}):
        _lock_project(organization=organization, project_id=project_id)
    if Dependency.objects.filter(organization=organization, upstream=upstream, downstream=downstream).exists():
        raise AlreadyExists(_("This dependency exists already."))
    edges = Dependency.objects.filter(organization=organization).values_list("upstream_id", "downstream_id")
    if _reaches(edges, downstream.pk, upstream.pk):
        raise ValidationError({"detail": [_("This dependency would close a cycle.")]})
    return Dependency.objects.create(
        organization=organization,
        upstream=upstream,
        downstream=downstream,
        upstream_project_id=upstream.project_id,
        downstream_project_id=downstream.project_id,
        note=(note or "").strip()[:500],
        created_by=actor,
    )


@transaction.atomic
def dependency_delete(*, organization: Organization, actor: Any, dependency: Dependency) -> None:
    for project_id in sorted({dependency.upstream_project_id, dependency.downstream_project_id}):
        _lock_project(organization=organization, project_id=project_id)
    Dependency.objects.filter(organization=organization, pk=dependency.pk).delete()


# --- Closure ---------------------------------------------------------------------------------------------------

MAX_LESSONS = 20


def _clean_lessons(lessons: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    cleaned = []
    for lesson in lessons:
        title = str(lesson.get("title") or "").strip()
        text = str(lesson.get("text") or "").strip()
        if not title and not text:
            continue
        if not title or not text:
            raise ValidationError({"lessons": [_("Each lesson learned needs a title and a text.")]})
        if len(title) > 250:
            raise ValidationError({"lessons": [_("A lesson's title has at most 250 characters.")]})
        cleaned.append({"title": title, "text": text})
    if len(cleaned) > MAX_LESSONS:
        raise ValidationError({"lessons": [_("At most %(n)d lessons learned.") % {"n": MAX_LESSONS}]})
    return cleaned


@transaction.atomic
def closure_save_draft(
    *,
    organization: Organization,
    actor: Any,
    project: Project,
    outcome: str,
    outcome_summary: str,
    final_cost: Decimal,
    actual_finish: dt.date,
    customer_satisfaction: int,
    actual_start: dt.date | None = None,
    performance_evaluation: str = "",
    lessons: Iterable[Mapping[str, Any]] = (),
) -> ClosureReport:
    """Create or rewrite the project's closure report as a draft (also after the PMO returned it). A submitted
    report waits for the PMO's decision and cannot be changed."""
    locked = _lock_project(organization=organization, project_id=project.pk)
    report = ClosureReport.objects.select_for_update().filter(organization=organization, project=locked).first()
    if report is not None and report.status not in (ClosureReport.Status.DRAFT, ClosureReport.Status.RETURNED):
        raise ValidationError({"detail": [_("The closure report is submitted: the PMO decides on it first.")]})
    outcome_summary = (outcome_summary or "").strip()
    errors: dict[str, list[str]] = {}
    if outcome not in ClosureReport.Outcome.values:
        errors["outcome"] = [_("Choose met, partly met or not met.")]
    if not outcome_summary:
        errors["outcome_summary"] = [_("Describe the outcome against the objectives.")]
    if final_cost is None or final_cost < 0:
        errors["final_cost"] = [_("The final cost cannot be negative.")]
    if customer_satisfaction is None or not 1 <= customer_satisfaction <= 5:
        errors["customer_satisfaction"] = [_("Rate customer satisfaction from 1 to 5.")]
    if actual_finish is None:
        errors["actual_finish"] = [_("Give the actual finish date.")]
    elif actual_finish > organization_today(organization):
        errors["actual_finish"] = [_("An actual date cannot lie in the future.")]
    elif actual_start and actual_finish < actual_start:
        errors["actual_finish"] = [_("The actual finish cannot be before the actual start.")]
    if errors:
        raise ValidationError(errors)
    values = {
        "outcome": outcome,
        "outcome_summary": outcome_summary,
        "final_cost": final_cost,
        "actual_start": actual_start,
        "actual_finish": actual_finish,
        "customer_satisfaction": customer_satisfaction,
        "performance_evaluation": (performance_evaluation or "").strip(),
        "lessons": _clean_lessons(lessons),
    }
    if report is None:
        return ClosureReport.objects.create(
            organization=organization, project=locked, status=ClosureReport.Status.DRAFT, **values
        )
    for field, value in values.items():
        setattr(report, field, value)
    report.status = ClosureReport.Status.DRAFT
    report.save(update_fields=[*values, "status"])
    return report


def _lock_report(*, organization: Organization, report: ClosureReport, expected: Sequence[str]) -> ClosureReport:
    locked = ClosureReport.objects.select_for_update().get(organization=organization, pk=report.pk)
    if locked.status not in expected:
        raise ValidationError(
            {
                "detail": [
                    _("Not possible while the closure report is %(status)s.")
                    % {"status": locked.get_status_display().lower()}
                ]
            }
        )
    return locked


@transaction.atomic
def closure_submit(*, organization: Organization, actor: Any, report: ClosureReport) -> ClosureReport:
    """Hand a draft (or returned) closure report to the PMO; it needs at least one lesson learned."""
    _lock_project(organization=organization, project_id=report.project_id)
    locked = _lock_report(
        organization=organization, report=report, expected=(ClosureReport.Status.DRAFT, ClosureReport.Status.RETURNED)
    )
    if not locked.lessons:
        raise ValidationError({"lessons": [_("Add at least one lesson learned before submitting.")]})
    locked.status = ClosureReport.Status.SUBMITTED
    locked.submitted_by, locked.submitted_at = actor, timezone.now()
    locked.save(update_fields=["status", "submitted_by", "submitted_at"])
    return locked


@transaction.atomic
def closure_approve(*, organization: Organization, actor: Any, report: ClosureReport, note: str = "") -> ClosureReport:
    """The PMO approves a submitted closure report: the project is closed (read-only from now on), its current
    phase completed, and each lesson learned becomes a knowledge-base article of kind ``lesson``."""
    project = _lock_project(organization=organization, project_id=report.project_id)
    locked = _lock_report(organization=organization, report=report, expected=(ClosureReport.Status.SUBMITTED,))
    now = timezone.now()
    author = locked.submitted_by or actor
    with translation.override(organization.default_language):
        category = _("Lessons learned")
        summary = _("Lesson learned in %(project)s") % {"project": f"{project.code} {project.name}"}
    for lesson in locked.lessons:
        article_create(
            organization=organization,
            actor=author,
            kind="lesson",
            title=lesson["title"],
            body=lesson["text"],
            summary=summary[:500],
            category=category,
            tags=[project.code],
            project=project,
        )
    if project.current_phase_id is not None:
        ProjectPhase.objects.filter(organization=organization, pk=project.current_phase_id).update(
            status=ProjectPhase.Status.COMPLETED, completed_at=now, completed_by=actor
        )
    project.status, project.closed_at = Project.Status.CLOSED, now
    project.version += 1
    project.save(update_fields=["status", "closed_at", "version"])
    locked.status = ClosureReport.Status.APPROVED
    locked.decided_by, locked.decided_at, locked.decision_note = actor, now, (note or "").strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return locked


@transaction.atomic
def closure_return(*, organization: Organization, actor: Any, report: ClosureReport, note: str) -> ClosureReport:
    """The PMO sends a submitted closure report back to the manager, saying what to change."""
    _lock_project(organization=organization, project_id=report.project_id)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say what the manager should change.")]})
    locked = _lock_report(organization=organization, report=report, expected=(ClosureReport.Status.SUBMITTED,))
    locked.status = ClosureReport.Status.RETURNED
    locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return locked


# --- Process templates -----------------------------------------------------------------------------------------


def _lock_template(*, organization: Organization, template: ProcessTemplate) -> ProcessTemplate:
    locked = ProcessTemplate.objects.select_for_update().get(organization=organization, pk=template.pk)
    if locked.is_builtin:
        raise TemplateReadOnly()
    return locked


def _template_name_free(*, organization: Organization, name: str, exclude_pk: int | None = None) -> None:
    if not name:
        raise ValidationError({"name": [_("A template needs a name.")]})
    if len(name) > 200:
        raise ValidationError({"name": [_("At most 200 characters.")]})
    if ProcessTemplate.objects.filter(organization=organization, name=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": [_("A template of that name exists already.")]})


@transaction.atomic
def template_copy(*, organization: Organization, actor: Any, template: ProcessTemplate, name: str) -> ProcessTemplate:
    """Copy a template (built-in or not) with its phases, deliverables and gates, under a new name. The copy is
    editable; projects keep the phases they were created with."""
    name = (name or "").strip()
    _template_name_free(organization=organization, name=name)
    copy = ProcessTemplate.objects.create(
        organization=organization,
        name=name,
        kind=template.kind,
        description=template.description,
        copied_from=template,
    )
    for source in TemplatePhase.objects.filter(organization=organization, template=template).prefetch_related(
        "deliverables", "gates"
    ):
        phase = TemplatePhase.objects.create(
            organization=organization,
            template=copy,
            order=source.order,
            key=source.key,
            name=source.name,
            optional=source.optional,
        )
        TemplateDeliverable.objects.bulk_create(
            [
                TemplateDeliverable(
                    organization=organization, phase=phase, order=d.order, name=d.name, required=d.required
                )
                for d in source.deliverables.all()
            ]
        )
        TemplateGate.objects.bulk_create(
            [
                TemplateGate(
                    organization=organization,
                    phase=phase,
                    order=g.order,
                    code=g.code,
                    name=g.name,
                    kind=g.kind,
                    decider=g.decider,
                )
                for g in source.gates.all()
            ]
        )
    return copy


@transaction.atomic
def template_update(
    *,
    organization: Organization,
    actor: Any,
    template: ProcessTemplate,
    name: str | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> ProcessTemplate:
    """Rename, describe, or (de)activate a template of the organisation's own; an inactive one is not offered for
    new projects."""
    locked = _lock_template(organization=organization, template=template)
    update_fields = []
    if name is not None:
        name = name.strip()
        _template_name_free(organization=organization, name=name, exclude_pk=locked.pk)
        locked.name = name
        update_fields.append("name")
    if description is not None:
        locked.description = description.strip()
        update_fields.append("description")
    if active is not None:
        locked.active = active
        update_fields.append("active")
    if update_fields:
        locked.save(update_fields=update_fields)
    return locked


def _renumber(model: Any, *, organization: Organization, ordered: Sequence[Any]) -> None:
    """Give ``ordered`` (all rows of one template or phase) the orders 1, 2, 3 …; shifted out of the way first,
    so that a unique (…, order) constraint never sees two rows on one number."""
    pks = [row.pk for row in ordered]
    model.objects.filter(organization=organization, pk__in=pks).update(order=F("order") + 10000)
    for position, row in enumerate(ordered, start=1):
        model.objects.filter(organization=organization, pk=row.pk).update(order=position)
        row.order = position


def _insert_at(rows: list[Any], row: Any, order: int | None) -> list[Any]:
    rows = [r for r in rows if r.pk != row.pk]
    position = len(rows) if order is None else max(0, min(len(rows), order - 1))
    rows.insert(position, row)
    return rows


def _template_phase_key(
    *, organization: Organization, template: ProcessTemplate, name: str, exclude_pk: int | None
) -> str:
    taken = set(
        TemplatePhase.objects.filter(organization=organization, template=template)
        .exclude(pk=exclude_pk)
        .values_list("key", flat=True)
    )
    base = slugify(name)[:30] or "phase"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def _template_phase_validate(name: str) -> None:
    if not name:
        raise ValidationError({"name": [_("A phase needs a name.")]})
    if len(name) > 120:
        raise ValidationError({"name": [_("At most 120 characters.")]})


@transaction.atomic
def template_phase_create(
    *,
    organization: Organization,
    actor: Any,
    template: ProcessTemplate,
    name: str,
    optional: bool = False,
    order: int | None = None,
) -> TemplatePhase:
    """Add a phase at position ``order`` (1-based; default: last)."""
    locked = _lock_template(organization=organization, template=template)
    name = (name or "").strip()
    _template_phase_validate(name)
    phases = list(TemplatePhase.objects.filter(organization=organization, template=locked).order_by("order"))
    last = phases[-1].order if phases else 0
    phase = TemplatePhase.objects.create(
        organization=organization,
        template=locked,
        order=last + 10001,
        key=_template_phase_key(organization=organization, template=locked, name=name, exclude_pk=None),
        name=name,
        optional=optional,
    )
    _renumber(TemplatePhase, organization=organization, ordered=_insert_at(phases, phase, order))
    return phase


@transaction.atomic
def template_phase_update(
    *,
    organization: Organization,
    actor: Any,
    phase: TemplatePhase,
    name: str | None = None,
    optional: bool | None = None,
    order: int | None = None,
) -> TemplatePhase:
    """Rename a phase, make it optional or required, or move it to position ``order``."""
    locked_template = _lock_template(organization=organization, template=phase.template)
    locked = TemplatePhase.objects.get(organization=organization, pk=phase.pk)
    update_fields = []
    if name is not None:
        name = name.strip()
        _template_phase_validate(name)
        locked.name = name
        update_fields.append("name")
    if optional is not None:
        locked.optional = optional
        update_fields.append("optional")
    if update_fields:
        locked.save(update_fields=update_fields)
    if order is not None:
        phases = list(
            TemplatePhase.objects.filter(organization=organization, template=locked_template).order_by("order")
        )
        _renumber(TemplatePhase, organization=organization, ordered=_insert_at(phases, locked, order))
        locked.refresh_from_db(fields=["order"])
    return locked


@transaction.atomic
def template_phase_delete(*, organization: Organization, actor: Any, phase: TemplatePhase) -> None:
    """Remove a phase with its deliverables and gates; a template keeps at least one phase."""
    locked_template = _lock_template(organization=organization, template=phase.template)
    phases = list(TemplatePhase.objects.filter(organization=organization, template=locked_template).order_by("order"))
    if len(phases) <= 1:
        raise ValidationError({"detail": [_("A template keeps at least one phase.")]})
    TemplatePhase.objects.filter(organization=organization, pk=phase.pk).delete()
    _renumber(TemplatePhase, organization=organization, ordered=[p for p in phases if p.pk != phase.pk])


def _template_item_phase(*, organization: Organization, template: ProcessTemplate, phase: TemplatePhase) -> None:
    if phase.template_id != template.pk or phase.organization_id != organization.pk:
        raise ValidationError({"phase": [_("Choose a phase of this template.")]})


def _item_name(name: str, limit: int = 200) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("A name is required.")]})
    if len(name) > limit:
        raise ValidationError({"name": [_("At most %(n)d characters.") % {"n": limit}]})
    return name


@transaction.atomic
def template_deliverable_create(
    *,
    organization: Organization,
    actor: Any,
    template: ProcessTemplate,
    phase: TemplatePhase,
    name: str,
    required: bool = True,
) -> TemplateDeliverable:
    locked = _lock_template(organization=organization, template=template)
    _template_item_phase(organization=organization, template=locked, phase=phase)
    last = TemplateDeliverable.objects.filter(organization=organization, phase=phase).aggregate(m=Max("order"))["m"]
    return TemplateDeliverable.objects.create(
        organization=organization, phase=phase, order=(last or 0) + 1, name=_item_name(name), required=required
    )


@transaction.atomic
def template_deliverable_update(
    *,
    organization: Organization,
    actor: Any,
    deliverable: TemplateDeliverable,
    name: str | None = None,
    required: bool | None = None,
) -> TemplateDeliverable:
    _lock_template(organization=organization, template=deliverable.phase.template)
    update_fields = []
    if name is not None:
        deliverable.name = _item_name(name)
        update_fields.append("name")
    if required is not None:
        deliverable.required = required
        update_fields.append("required")
    if update_fields:
        deliverable.save(update_fields=update_fields)
    return deliverable


@transaction.atomic
def template_deliverable_delete(*, organization: Organization, actor: Any, deliverable: TemplateDeliverable) -> None:
    _lock_template(organization=organization, template=deliverable.phase.template)
    TemplateDeliverable.objects.filter(organization=organization, pk=deliverable.pk).delete()


def _gate_validate(
    *, organization: Organization, template: ProcessTemplate, fields: Mapping[str, Any], exclude_pk: int | None
) -> None:
    errors: dict[str, list[str]] = {}
    if "code" in fields:
        code = fields["code"]
        if not code:
            errors["code"] = [_("A gate needs a code, e.g. G1, TR2 or PDCP.")]
        elif len(code) > 20:
            errors["code"] = [_("At most 20 characters.")]
        elif (
            TemplateGate.objects.filter(organization=organization, phase__template=template, code__iexact=code)
            .exclude(pk=exclude_pk)
            .exists()
        ):
            errors["code"] = [_("Another gate of this template has that code.")]
    if "kind" in fields and fields["kind"] not in GateKind.values:
        errors["kind"] = [_("Choose gate, TR or DCP.")]
    if "decider" in fields and fields["decider"] not in DeciderRole.values:
        errors["decider"] = [_("Choose PMO, executives or technical reviewers.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def template_gate_create(
    *,
    organization: Organization,
    actor: Any,
    template: ProcessTemplate,
    phase: TemplatePhase,
    code: str,
    name: str,
    kind: str = GateKind.GATE,
    decider: str = DeciderRole.PMO,
) -> TemplateGate:
    """Add a gate at the end of ``phase``. Codes are unique in the template (a project's gates are keyed by them)."""
    locked = _lock_template(organization=organization, template=template)
    _template_item_phase(organization=organization, template=locked, phase=phase)
    code = (code or "").strip().upper()
    _gate_validate(
        organization=organization,
        template=locked,
        fields={"code": code, "kind": kind, "decider": decider},
        exclude_pk=None,
    )
    last = TemplateGate.objects.filter(organization=organization, phase=phase).aggregate(m=Max("order"))["m"]
    return TemplateGate.objects.create(
        organization=organization,
        phase=phase,
        order=(last or 0) + 1,
        code=code,
        name=_item_name(name),
        kind=kind,
        decider=decider,
    )


@transaction.atomic
def template_gate_update(*, organization: Organization, actor: Any, gate: TemplateGate, **fields: Any) -> TemplateGate:
    """Change a gate's code, name, kind (gate / TR / DCP) or decider (PMO / executives / technical reviewers)."""
    unknown = set(fields) - {"code", "name", "kind", "decider"}
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    template = _lock_template(organization=organization, template=gate.phase.template)
    if "code" in fields:
        fields["code"] = (fields["code"] or "").strip().upper()
    if "name" in fields:
        fields["name"] = _item_name(fields["name"])
    _gate_validate(organization=organization, template=template, fields=fields, exclude_pk=gate.pk)
    for field, value in fields.items():
        setattr(gate, field, value)
    if fields:
        gate.save(update_fields=list(fields))
    return gate


@transaction.atomic
def template_gate_delete(*, organization: Organization, actor: Any, gate: TemplateGate) -> None:
    _lock_template(organization=organization, template=gate.phase.template)
    TemplateGate.objects.filter(organization=organization, pk=gate.pk).delete()
