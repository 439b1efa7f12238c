"""Importing a Microsoft Project plan into a project: what the file means for the project (``plan_build``, a preview
that writes nothing) and the import itself (``plan_apply``, one transaction).

The mapping:

- a summary task at outline level 1 is a **phase**: matched to one of the project's phases by the Microsoft Project
  UID it was imported from before, else by name (so a plan that follows the project's lifecycle template fills in
  the template's phases), and given the task's start and finish as planned dates; the pending gates of a matched
  phase are planned on its finish. Unmatched ones are added in the file's order, never before a phase that has
  already started; the project's phases that the file does not mention stay as they are.
- a milestone (flagged, or a task of zero duration) is a **milestone** in the phase it sits under, matched by UID
  then name: its finish is the forecast date, and a milestone 100 % complete gets it as its actual date (unless it
  lies in the future).
- every other task (work at lower levels, lower-level summaries) is not imported: the product plans phases and
  milestones, not tasks. Nor are predecessor links: dependencies here are between milestones of two projects.
- the **baseline**: a project without one gets baseline v1 from the file's baseline 0 (else its planned dates),
  with its phase and milestone dates, and its planned start and finish. A project with a baseline keeps it — a
  baseline is immutable, and re-baselining goes through a change request; the preview says how the file's baseline
  differs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pmo.tenancy.models import Organization
from projects import services as project_services
from projects.models import Baseline, GateReview, Milestone, PlanImport, Project, ProjectPhase
from projects.msproject.parser import MspProject, MsProjectError, MspTask, parse_mspdi
from projects.services import ProjectReadOnly, ProjectsConflict, _lock_project

PHASE_NAME_LIMIT = ProjectPhase._meta.get_field("name").max_length or 120
MILESTONE_NAME_LIMIT = Milestone._meta.get_field("name").max_length or 200
STARTED = (ProjectPhase.Status.ACTIVE, ProjectPhase.Status.COMPLETED)
# Unconfirmed previews are kept this long, then removed when the next file is uploaded.
PREVIEW_LIFETIME = dt.timedelta(days=1)


class PlanChanged(ProjectsConflict):
    def __init__(self) -> None:
        super().__init__(
            _("The project's plan changed since this preview was made. Look at the preview again before importing.")
        )


class AlreadyImported(ProjectsConflict):
    def __init__(self) -> None:
        super().__init__(_("This file has been imported already."))


# --- Notices: stored as a code and values, worded in the reader's language when shown ---------------------------


def _count_text(singular: str, plural: str) -> Callable[[dict[str, Any]], str]:
    return lambda p: ngettext(singular, plural, p["count"]) % p


NOTICE_TEXTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "blank_name": lambda p: _("Task %(id)s has no name and was left out.") % p,
    "inactive": _count_text(
        "%(count)d inactive task was left out.",
        "%(count)d inactive tasks were left out.",
    ),
    "truncated": lambda p: _("The name of task %(id)s was cut to %(limit)d characters.") % p,
    "duplicate_name": lambda p: _("Two milestones are named “%(name)s”: task %(id)s is imported as “%(new)s”.") % p,
    "future_done": lambda p: (
        _("Milestone “%(name)s” is marked complete but finishes on %(date)s, after today: it stays open.") % p
    ),
    "outline_gap": lambda p: _("Task %(id)s jumps to outline level %(level)d; it is read as level %(read)d.") % p,
    "no_phase": lambda p: _("Milestone “%(name)s” is not inside a phase (a summary task at level 1).") % p,
    "after_started": lambda p: (
        _("Phase “%(name)s” cannot come before “%(started)s”, which has started: it is added after it.") % p
    ),
    "phase_order": lambda p: (
        _("The file orders the phases %(file)s, the project %(project)s: the project keeps its order.") % p
    ),
    "kept_phases": lambda p: _("Not in the file, so left as they are: %(names)s.") % p,
    "no_file_baseline": lambda p: (
        _(
            "The file has no baseline (Microsoft Project's Baseline, or Baseline 0): baseline v1 is set from its "
            "planned dates."
        )
        % p
    ),
    "baseline_finish": lambda p: (
        _("The file's baseline finishes on %(file)s; the project's baseline v%(version)d finishes on %(project)s.") % p
    ),
}


@dataclass(frozen=True)
class Notice:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return NOTICE_TEXTS[self.code](self.params)


# --- The plan of an import ---------------------------------------------------------------------------------------


@dataclass
class PhasePlan:
    uid: int
    name: str
    action: str  # "create" | "update" | "unchanged"
    match: str  # "uid" | "name" | ""
    phase_id: int | None
    start: dt.date | None
    finish: dt.date | None
    baseline_start: dt.date | None
    baseline_finish: dt.date | None
    old_name: str = ""
    old_start: dt.date | None = None
    old_finish: dt.date | None = None
    external_ref: str = ""
    milestone_count: int = 0


@dataclass
class MilestonePlan:
    uid: int
    name: str
    action: str  # "create" | "update" | "unchanged"
    match: str  # "uid" | "name" | ""
    milestone_id: int | None
    phase_uid: int | None
    phase_name: str
    forecast: dt.date | None
    baseline: dt.date | None
    actual: dt.date | None
    old_name: str = ""
    old_forecast: dt.date | None = None
    old_baseline: dt.date | None = None
    old_actual: dt.date | None = None
    old_phase_name: str = ""
    external_ref: str = ""


@dataclass
class ImportPlan:
    """What importing the file would do to the project, as of now. ``errors`` block the import."""

    file_name: str
    plan_name: str
    start: dt.date | None
    finish: dt.date | None
    baseline_start: dt.date | None
    baseline_finish: dt.date | None
    phases: list[PhasePlan]
    milestones: list[MilestonePlan]
    task_count: int
    tasks_skipped: int
    links_skipped: int
    baseline_action: str  # "create": v1 from the file | "keep": the project's baseline stays
    baseline_version: int | None
    baseline_differences: int
    notices: list[Notice]
    errors: list[str]
    # Phase ids of the project in their order after the import (new phases as -uid), and how the lifecycle will
    # read: [(name, "new" | "started" | "planned")].
    phase_order: list[int]
    lifecycle: list[tuple[str, str]]
    gates_planned: int

    @property
    def counts(self) -> dict[str, int]:
        def count(rows: Sequence[PhasePlan | MilestonePlan], action: str) -> int:
            return sum(1 for row in rows if row.action == action)

        return {
            "phases_created": count(self.phases, "create"),
            "phases_updated": count(self.phases, "update"),
            "phases_unchanged": count(self.phases, "unchanged"),
            "milestones_created": count(self.milestones, "create"),
            "milestones_updated": count(self.milestones, "update"),
            "milestones_unchanged": count(self.milestones, "unchanged"),
            "tasks_skipped": self.tasks_skipped,
            "links_skipped": self.links_skipped,
            "gates_planned": self.gates_planned,
        }

    @property
    def changes(self) -> int:
        counts = self.counts
        changed = (
            counts["phases_created"]
            + counts["phases_updated"]
            + counts["milestones_created"]
            + counts["milestones_updated"]
        )
        return changed + (1 if self.baseline_action == "create" else 0)

    @property
    def digest(self) -> str:
        """Changes whenever the import would do something else (the project or the file changed)."""
        data = asdict(self)
        for key in ("notices", "errors", "file_name"):
            data.pop(key)
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _ref(parsed: MspProject, task: MspTask) -> str:
    """The task's identity across imports: the file's project GUID (kept by Microsoft Project across saves) and
    the task's UID."""
    guid = parsed.guid.strip("{}")[:40]
    return f"msp:{guid}:{task.uid}" if guid else f"msp:{task.uid}"


@dataclass
class _Structure:
    phases: list[MspTask]
    milestones: list[tuple[MspTask, MspTask | None]]  # with the phase task they sit under
    tasks_skipped: int
    notices: list[Notice]


def _read_outline(parsed: MspProject) -> _Structure:
    """Phases, milestones and the rest, from the outline levels in file order."""
    tasks = parsed.tasks
    phases: list[MspTask] = []
    milestones: list[tuple[MspTask, MspTask | None]] = []
    notices: list[Notice] = []
    skipped = inactive = 0
    ancestors: list[MspTask] = []  # ancestors[i]: the open task at outline level i + 1
    inactive_below: int | None = None
    for index, task in enumerate(tasks):
        level = task.outline_level
        if level > len(ancestors) + 1:
            notices.append(
                Notice("outline_gap", {"id": task.id or task.uid, "level": level, "read": len(ancestors) + 1})
            )
            level = len(ancestors) + 1
        del ancestors[level - 1 :]
        ancestors.append(task)
        if inactive_below is not None and level > inactive_below:
            inactive += 1
            continue
        inactive_below = None
        if not task.active:
            inactive += 1
            inactive_below = level
            continue
        has_children = index + 1 < len(tasks) and tasks[index + 1].outline_level > task.outline_level
        if not task.name:
            if level == 1 or task.is_milestone:
                notices.append(Notice("blank_name", {"id": task.id or task.uid}))
            skipped += 1
            continue
        if level == 1 and (task.summary or has_children):
            phases.append(task)
        elif task.is_milestone and not task.summary and not has_children:
            phase = ancestors[0] if level > 1 and ancestors[0] in phases else None
            milestones.append((task, phase))
        else:
            skipped += 1
    if inactive:
        notices.append(Notice("inactive", {"count": inactive}))
    return _Structure(phases=phases, milestones=milestones, tasks_skipped=skipped, notices=notices)


def _cut(name: str, limit: int, task: MspTask, notices: list[Notice]) -> str:
    name = " ".join(name.split())
    if len(name) > limit:
        notices.append(Notice("truncated", {"id": task.id or task.uid, "limit": limit}))
        return name[:limit].rstrip()
    return name


def _match(
    items: Sequence[tuple[str, str]], existing: Sequence[Any], *, ref_of: Callable[[Any], str]
) -> list[tuple[Any | None, str]]:
    """For each (ref, name): the existing row it updates and how it was found, by reference first, then by name;
    a row is matched at most once."""
    by_ref = {ref_of(row): row for row in existing if ref_of(row)}
    claimed: set[int] = set()
    found: list[tuple[Any | None, str]] = []
    for ref, _name in items:
        row = by_ref.get(ref)
        if row is not None:
            claimed.add(row.pk)
            found.append((row, "uid"))
        else:
            found.append((None, ""))
    by_name: dict[str, list[Any]] = {}
    for row in existing:
        if row.pk not in claimed:
            by_name.setdefault(_key(row.name), []).append(row)
    for i, (_ref_value, name) in enumerate(items):
        if found[i][0] is None:
            candidates = by_name.get(_key(name))
            if candidates:
                found[i] = (candidates.pop(0), "name")
    return found


def _phase_order(existing: Sequence[ProjectPhase], plans: Sequence[PhasePlan], notices: list[Notice]) -> list[int]:
    """The project's phases in order after the import, existing ones by id and new ones as ``-uid``: each new phase
    right after the phase the file puts before it (before the first matched one when it leads), never before a
    phase that has started."""
    order: list[int] = [phase.pk for phase in existing]
    started = {phase.pk for phase in existing if phase.status in STARTED}
    names = {phase.pk: phase.name for phase in existing}
    slots = [plan.phase_id if plan.phase_id is not None else -plan.uid for plan in plans]
    for i, plan in enumerate(plans):
        if plan.phase_id is not None:
            continue
        if i > 0:
            position = order.index(slots[i - 1]) + 1
        else:
            following = next((slot for slot in slots if slot > 0), None)
            position = order.index(following) if following is not None else len(order)
        last_started = max((k for k, slot in enumerate(order) if slot in started), default=-1)
        if position <= last_started:
            notices.append(Notice("after_started", {"name": plan.name, "started": names[order[last_started]]}))
            position = last_started + 1
        order.insert(position, slots[i])
    return order


class _PlanBuilder:
    """Builds an ``ImportPlan`` step by step (phases, milestones, baseline), collecting notices and errors."""

    def __init__(self, *, organization: Organization, project: Project, parsed: MspProject) -> None:
        self.organization = organization
        self.parsed = parsed
        self.structure = _read_outline(parsed)
        self.notices = list(self.structure.notices)
        self.errors: list[str] = []
        self.phases = list(ProjectPhase.objects.filter(organization=organization, project=project).order_by("order"))
        self.milestones = list(
            Milestone.objects.filter(organization=organization, project=project).order_by("order", "pk")
        )
        self.baseline = (
            Baseline.objects.filter(organization=organization, project=project)
            .order_by("-version")
            .only("version", "start_date", "finish_date")
            .first()
        )

    def phase_plans(self) -> list[PhasePlan]:
        tasks = self.structure.phases
        names = [_cut(task.name, PHASE_NAME_LIMIT, task, self.notices) for task in tasks]
        refs = [_ref(self.parsed, task) for task in tasks]
        matches = _match(list(zip(refs, names, strict=True)), self.phases, ref_of=lambda p: p.external_ref)
        plans = []
        for task, name, ref, (phase, how) in zip(tasks, names, refs, matches, strict=True):
            plan = PhasePlan(
                uid=task.uid,
                name=name,
                action="create",
                match=how,
                phase_id=phase.pk if phase else None,
                start=_day(task.start),
                finish=_day(task.finish),
                baseline_start=_day(task.baseline_start),
                baseline_finish=_day(task.baseline_finish),
                external_ref=ref,
            )
            if phase is not None:
                plan.old_name, plan.old_start, plan.old_finish = phase.name, phase.planned_start, phase.planned_finish
                now = (phase.name, phase.planned_start, phase.planned_finish, phase.external_ref)
                plan.action = "unchanged" if now == (name, plan.start, plan.finish, ref) else "update"
            plans.append(plan)
        matched = [plan.phase_id for plan in plans if plan.phase_id is not None]
        in_project_order = [phase.pk for phase in self.phases if phase.pk in matched]
        names_by_id = {phase.pk: phase.name for phase in self.phases}
        if matched != in_project_order:
            self.notices.append(
                Notice(
                    "phase_order",
                    {
                        "file": " → ".join(names_by_id[pk] for pk in matched),
                        "project": " → ".join(names_by_id[pk] for pk in in_project_order),
                    },
                )
            )
        untouched = [phase.name for phase in self.phases if phase.pk not in matched]
        if untouched and plans:
            self.notices.append(Notice("kept_phases", {"names": ", ".join(untouched)}))
        return plans

    def milestone_names(self) -> list[str]:
        """Each milestone's name, made unique within the file (a project has a name once)."""
        seen: set[str] = set()
        names = []
        for task, _phase in self.structure.milestones:
            name = _cut(task.name, MILESTONE_NAME_LIMIT, task, self.notices)
            if _key(name) in seen:
                new = f"{name[: MILESTONE_NAME_LIMIT - 12]} ({task.id or task.uid})"
                self.notices.append(Notice("duplicate_name", {"name": name, "id": task.id or task.uid, "new": new}))
                name = new
            seen.add(_key(name))
            names.append(name)
        return names

    def milestone_plans(self, phase_plans: list[PhasePlan]) -> list[MilestonePlan]:
        today = project_services.organization_today(self.organization)
        by_uid = {plan.uid: plan for plan in phase_plans}
        phase_names = {phase.pk: phase.name for phase in self.phases}
        names = self.milestone_names()
        refs = [_ref(self.parsed, task) for task, _phase in self.structure.milestones]
        matches = _match(list(zip(refs, names, strict=True)), self.milestones, ref_of=lambda m: m.external_ref)
        plans = []
        for (task, phase_task), name, ref, (milestone, how) in zip(
            self.structure.milestones, names, refs, matches, strict=True
        ):
            phase_plan = by_uid.get(phase_task.uid) if phase_task else None
            if phase_plan is not None:
                phase_plan.milestone_count += 1
            elif phase_task is None:
                self.notices.append(Notice("no_phase", {"name": name}))
            forecast = _day(task.finish or task.start)
            actual = None
            if task.percent_complete == 100 and forecast:
                if forecast <= today:
                    actual = forecast
                else:
                    self.notices.append(Notice("future_done", {"name": name, "date": forecast.isoformat()}))
            plan = MilestonePlan(
                uid=task.uid,
                name=name,
                action="create",
                match=how,
                milestone_id=milestone.pk if milestone else None,
                phase_uid=phase_plan.uid if phase_plan else None,
                phase_name=phase_plan.name if phase_plan else "",
                forecast=forecast,
                baseline=_day(task.baseline_finish or task.baseline_start),
                actual=actual,
                external_ref=ref,
            )
            if milestone is not None:
                plan.old_name, plan.old_forecast = milestone.name, milestone.forecast_date
                plan.old_baseline, plan.old_actual = milestone.baseline_date, milestone.actual_date
                plan.old_phase_name = phase_names.get(milestone.phase_id or 0, "")
                # An actual date recorded here stays when the file does not mark the milestone complete.
                plan.actual = actual or milestone.actual_date
                moves_phase = (phase_plan.phase_id if phase_plan else None) != milestone.phase_id or (
                    phase_plan is not None and phase_plan.phase_id is None
                )
                now = (milestone.name, milestone.forecast_date, milestone.actual_date, milestone.external_ref)
                same = now == (name, plan.forecast, plan.actual, ref) and not moves_phase
                plan.action = "unchanged" if same else "update"
            plans.append(plan)
        self.check_names(plans)
        return plans

    def check_names(self, plans: list[MilestonePlan]) -> None:
        """A name may not clash with a milestone of the project that the file does not mention."""
        imported = {plan.milestone_id for plan in plans if plan.milestone_id}
        others = {milestone.name for milestone in self.milestones if milestone.pk not in imported}
        for plan in plans:
            if plan.name in others:
                self.errors.append(
                    _("The project has another milestone named “%(name)s”; rename one of them first.")
                    % {"name": plan.name}
                )

    def baseline_dates(self) -> tuple[bool, dt.date | None, dt.date | None]:
        """Whether the file has a baseline 0, and its start and finish (the project summary task's, else the
        earliest and latest of its tasks')."""
        summary, tasks = self.parsed.summary, self.parsed.tasks
        has_baseline = any(t.baseline_start or t.baseline_finish for t in (*tasks, *([summary] if summary else [])))
        start = _day(summary.baseline_start if summary else None) or min(
            (d for d in (_day(t.baseline_start) for t in tasks) if d), default=None
        )
        finish = _day(summary.baseline_finish if summary else None) or max(
            (d for d in (_day(t.baseline_finish) for t in tasks) if d), default=None
        )
        return has_baseline, start, finish

    def baseline_differences(self, milestones: list[MilestonePlan], finish: dt.date | None) -> int:
        """How many dates of the file's baseline differ from the project's (a new milestone's counts)."""
        assert self.baseline is not None
        differences = sum(1 for plan in milestones if plan.baseline and plan.baseline != plan.old_baseline)
        if finish and self.baseline.finish_date and finish != self.baseline.finish_date:
            differences += 1
            self.notices.append(
                Notice(
                    "baseline_finish",
                    {
                        "file": finish.isoformat(),
                        "version": self.baseline.version,
                        "project": self.baseline.finish_date.isoformat(),
                    },
                )
            )
        return differences

    def gates_to_plan(self, phase_plans: list[PhasePlan]) -> int:
        finishes = {plan.phase_id: plan.finish for plan in phase_plans if plan.phase_id and plan.finish}
        if not finishes:
            return 0
        gates = GateReview.objects.filter(
            organization=self.organization, phase_id__in=list(finishes), decision=GateReview.Decision.PENDING
        ).only("phase_id", "planned_date")
        return sum(1 for gate in gates if gate.planned_date != finishes[gate.phase_id])

    def lifecycle(self, order: list[int], plans: list[PhasePlan]) -> list[tuple[str, str]]:
        existing = {phase.pk: phase for phase in self.phases}
        names = {plan.phase_id: plan.name for plan in plans if plan.phase_id}
        new = {-plan.uid: plan.name for plan in plans if plan.phase_id is None}
        return [
            (new[slot], "new")
            if slot < 0
            else (names.get(slot, existing[slot].name), "started" if existing[slot].status in STARTED else "planned")
            for slot in order
        ]

    def build(self, file_name: str) -> ImportPlan:
        phases = self.phase_plans()
        order = _phase_order(self.phases, phases, self.notices)
        milestones = self.milestone_plans(phases)
        if not phases and not milestones:
            self.errors.append(
                _(
                    "The file has no summary task at outline level 1 and no milestone: there is nothing to import. "
                    "(Its tasks are not imported: the product plans phases and milestones.)"
                )
            )
        has_baseline, baseline_start, baseline_finish = self.baseline_dates()
        start = _day(self.parsed.start) or min((p.start for p in phases if p.start), default=None)
        finish = _day(self.parsed.finish) or max((p.finish for p in phases if p.finish), default=None)
        differences = 0
        if self.baseline is not None:
            differences = self.baseline_differences(milestones, baseline_finish)
        elif not has_baseline and (phases or milestones):
            self.notices.append(Notice("no_file_baseline"))
        return ImportPlan(
            file_name=file_name,
            plan_name=self.parsed.name,
            start=start,
            finish=finish,
            baseline_start=baseline_start if has_baseline else start,
            baseline_finish=baseline_finish if has_baseline else finish,
            phases=phases,
            milestones=milestones,
            task_count=len(self.parsed.tasks),
            tasks_skipped=self.structure.tasks_skipped,
            links_skipped=sum(len(task.predecessors) for task in self.parsed.tasks),
            baseline_action="create" if self.baseline is None else "keep",
            baseline_version=self.baseline.version if self.baseline else None,
            baseline_differences=differences,
            notices=self.notices,
            errors=self.errors,
            phase_order=order,
            lifecycle=self.lifecycle(order, phases),
            gates_planned=self.gates_to_plan(phases),
        )


def plan_build(*, organization: Organization, project: Project, parsed: MspProject, file_name: str = "") -> ImportPlan:
    """What importing ``parsed`` into ``project`` would do, computed from the project as it is now. Writes
    nothing; reads the project's phases, milestones, latest baseline and pending gates (a query each)."""
    return _PlanBuilder(organization=organization, project=project, parsed=parsed).build(file_name)


# --- Writes -----------------------------------------------------------------------------------------------------


def read_upload(data: bytes) -> MspProject:
    """Parse an uploaded file; a file we cannot read is a ``ValidationError`` on ``file`` with the reason."""
    try:
        return parse_mspdi(data)
    except MsProjectError as exc:
        raise ValidationError({"file": [str(exc)]}) from None


@transaction.atomic
def plan_import_create(
    *, organization: Organization, actor: Any, project: Project, file_name: str, data: bytes
) -> PlanImport:
    """Keep an uploaded plan for its preview and confirmation (the parsed file, not the upload). Refuses a file
    that is not Microsoft Project XML (``ValidationError``) and a closed or cancelled project
    (``ProjectReadOnly``). Previews of the project older than a day that nobody confirmed are removed."""
    if project.is_read_only:
        raise ProjectReadOnly(project)
    parsed = read_upload(data)
    PlanImport.objects.filter(
        organization=organization,
        project=project,
        status=PlanImport.Status.PREVIEWED,
        created_at__lt=timezone.now() - PREVIEW_LIFETIME,
    ).delete()
    return PlanImport.objects.create(
        organization=organization,
        project=project,
        file_name=file_name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        plan=parsed.to_json(),
        created_by=actor,
    )


def _renumber_phases(
    *, organization: Organization, existing: dict[int, ProjectPhase], order: Sequence[int], created: dict[int, Any]
) -> list[ProjectPhase]:
    """Give every phase its place in ``order`` (ids, new ones as -uid). Moved rows first step aside (the order is
    unique per project and checked row by row)."""
    moved = []
    for position, slot in enumerate(order, start=1):
        if slot > 0:
            if existing[slot].order != position:
                existing[slot].order = position
                moved.append(existing[slot])
        else:
            created[-slot].order = position
    if moved:
        ProjectPhase.objects.filter(organization=organization, pk__in=[p.pk for p in moved]).update(
            order=F("order") + 10000
        )
        ProjectPhase.objects.bulk_update(moved, ["order"])
    return moved


def _new_key(name: str, uid: int, taken: set[str]) -> str:
    key = slugify(name)[:40] or f"phase-{uid}"
    if key in taken:
        key = f"{key[:30]}-{uid}"
    taken.add(key)
    return key


@transaction.atomic
def plan_apply(
    *,
    organization: Organization,
    actor: Any,
    project: Project,
    parsed: MspProject,
    file_name: str = "",
    digest: str | None = None,
    plan_import: PlanImport | None = None,
) -> ImportPlan:
    """Import ``parsed`` into ``project`` as ``plan_build`` describes it, all or nothing, and return that plan.

    The project row is locked and the plan is built again under the lock; ``digest``, when given (the preview's),
    must still match (else ``PlanChanged``: someone changed the plan meanwhile). ``plan_import``, when given, is
    marked imported and cannot be imported twice (``AlreadyImported``). Refusals: a closed or cancelled project
    (``ProjectReadOnly``), a file with nothing to import or a milestone name clash (``ValidationError``).
    History is kept by the audited tables; baseline v1, when the project had none, by ``baseline_create``."""
    locked = _lock_project(organization=organization, project_id=project.pk)
    stored = None
    if plan_import is not None:
        stored = PlanImport.objects.select_for_update().get(
            organization=organization, project=locked, pk=plan_import.pk
        )
        if stored.status == PlanImport.Status.APPLIED:
            raise AlreadyImported()
    plan = plan_build(organization=organization, project=locked, parsed=parsed, file_name=file_name)
    if plan.errors:
        raise ValidationError({"file": plan.errors})
    if digest is not None and digest != plan.digest:
        raise PlanChanged()
    now = timezone.now()
    phases = _apply_phases(organization=organization, project=locked, plan=plan, now=now)
    _apply_milestones(organization=organization, project=locked, plan=plan, phases=phases)
    baseline_version = plan.baseline_version
    if plan.baseline_action == "create":
        baseline_version = _baseline_from_file(
            organization=organization, actor=actor, project=locked, plan=plan
        ).version
    if stored is not None:
        stored.status, stored.applied_by, stored.applied_at = PlanImport.Status.APPLIED, actor, now
        stored.result = {
            **plan.counts,
            "baseline_action": plan.baseline_action,
            "baseline_version": baseline_version,
            "baseline_differences": plan.baseline_differences,
        }
        stored.save(update_fields=["status", "applied_by", "applied_at", "result"])
    return plan


def _apply_phases(
    *, organization: Organization, project: Project, plan: ImportPlan, now: dt.datetime
) -> dict[int, ProjectPhase]:
    """Create, place and update the phases, plan the pending gates on their phase's finish; a project that had no
    phases starts the first one. Returns each imported phase by its task UID."""
    existing = {p.pk: p for p in ProjectPhase.objects.filter(organization=organization, project=project)}
    taken = {p.key for p in existing.values()}
    created = {
        row.uid: ProjectPhase(
            organization=organization,
            project=project,
            order=0,
            key=_new_key(row.name, row.uid, taken),
            name=row.name,
            planned_start=row.start,
            planned_finish=row.finish,
            external_ref=row.external_ref,
        )
        for row in plan.phases
        if row.phase_id is None
    }
    if created:
        _renumber_phases(organization=organization, existing=existing, order=plan.phase_order, created=created)
        ProjectPhase.objects.bulk_create(list(created.values()))
    updated = []
    for row in plan.phases:
        if row.action == "update" and row.phase_id is not None:
            phase = existing[row.phase_id]
            phase.name, phase.planned_start, phase.planned_finish = row.name, row.start, row.finish
            phase.external_ref = row.external_ref
            updated.append(phase)
    ProjectPhase.objects.bulk_update(updated, ["name", "planned_start", "planned_finish", "external_ref"])
    finishes = {row.phase_id: row.finish for row in plan.phases if row.phase_id and row.finish}
    gates = GateReview.objects.filter(
        organization=organization, phase_id__in=list(finishes), decision=GateReview.Decision.PENDING
    )
    moved = [gate for gate in gates if gate.planned_date != finishes[gate.phase_id]]
    for gate in moved:
        gate.planned_date = finishes[gate.phase_id]
    GateReview.objects.bulk_update(moved, ["planned_date"])
    if created and not existing:
        first = min(created.values(), key=lambda p: p.order)
        first.status, first.started_at = ProjectPhase.Status.ACTIVE, now
        first.save(update_fields=["status", "started_at"])
        project.current_phase = first
        project.version += 1
        project.save(update_fields=["current_phase", "version"])
    return {row.uid: existing[row.phase_id] if row.phase_id is not None else created[row.uid] for row in plan.phases}


def _apply_milestones(
    *, organization: Organization, project: Project, plan: ImportPlan, phases: dict[int, ProjectPhase]
) -> None:
    """Update the matched milestones, add the new ones after the project's last (in the file's order)."""
    milestones = {m.pk: m for m in Milestone.objects.filter(organization=organization, project=project)}
    renamed = [
        milestones[row.milestone_id]
        for row in plan.milestones
        if row.milestone_id and row.action == "update" and milestones[row.milestone_id].name != row.name
    ]
    if renamed:
        # Names are unique per project and checked row by row: renamed rows step aside first.
        for milestone in renamed:
            milestone.name = f"~{milestone.pk}~"
        Milestone.objects.bulk_update(renamed, ["name"])
    changed = []
    added = []
    last = max((m.order for m in milestones.values()), default=0)
    for row in plan.milestones:
        phase = phases[row.phase_uid] if row.phase_uid is not None else None
        if row.milestone_id is None:
            last += 1
            added.append(
                Milestone(
                    organization=organization,
                    project=project,
                    phase=phase,
                    name=row.name,
                    order=last,
                    forecast_date=row.forecast,
                    actual_date=row.actual,
                    external_ref=row.external_ref,
                )
            )
        elif row.action == "update":
            milestone = milestones[row.milestone_id]
            milestone.name, milestone.forecast_date, milestone.actual_date = row.name, row.forecast, row.actual
            milestone.phase, milestone.external_ref = phase, row.external_ref
            changed.append(milestone)
    Milestone.objects.bulk_update(changed, ["name", "forecast_date", "actual_date", "phase", "external_ref"])
    Milestone.objects.bulk_create(added)


def _baseline_from_file(*, organization: Organization, actor: Any, project: Project, plan: ImportPlan) -> Baseline:
    """Baseline v1 from the file: its baseline 0 dates (else its planned dates) for the project, the imported phases
    and milestones; the project's other milestones and phases as they are. The project's planned start and
    finish follow."""
    by_ref_phase = {row.external_ref: row for row in plan.phases}
    by_ref_milestone = {row.external_ref: row for row in plan.milestones}
    phases = list(ProjectPhase.objects.filter(organization=organization, project=project).order_by("order"))
    for phase in phases:
        row = by_ref_phase.get(phase.external_ref) if phase.external_ref else None
        if row is not None:
            phase.baseline_start = row.baseline_start or row.start
            phase.baseline_finish = row.baseline_finish or row.finish
    milestones = list(Milestone.objects.filter(organization=organization, project=project).order_by("order", "pk"))
    for milestone in milestones:
        mrow = by_ref_milestone.get(milestone.external_ref) if milestone.external_ref else None
        if mrow is not None:
            milestone.baseline_date = mrow.baseline or mrow.forecast
    with translation.override(organization.default_language):
        reason = _("Initial baseline from the Microsoft Project plan “%(file)s”") % {
            "file": plan.file_name or plan.plan_name
        }
    baseline = project_services.baseline_create(
        organization=organization,
        actor=actor,
        project=project,
        reason=reason,
        reason_category=Baseline.ReasonCategory.INITIAL,
        start_date=plan.baseline_start,
        finish_date=plan.baseline_finish,
        milestones=milestones,
        phases=phases,
    )
    dates: dict[str, Any] = {}
    if plan.baseline_start:
        dates["planned_start"] = plan.baseline_start
    if plan.baseline_finish:
        dates["planned_finish"] = plan.baseline_finish
    if dates:
        project_services.project_update(organization=organization, actor=actor, project=project, **dates)
    return baseline
