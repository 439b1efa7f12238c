"""Projects and their lifecycle, as the projects services would have left them after months of work.

Each project is created from one of the organisation's built-in templates (``projects.services.projects_create_many``
copies phases, deliverables and gates, puts one milestone at the end of each phase spread over the planned dates,
plans each gate on its phase's end, sets baseline v1 and grants the manager view and change permission); then its
history is played forward to today:

- milestones are achieved in order when their (possibly delayed) date has passed; the phase of an achieved
  milestone is completed, its deliverables done (a few waived, with a reason) and its gates decided *go* (a few
  recycled first), by the PMO or, for a DCP, an executive; the next phase is active and is the project's current
  phase; a project on hold has a gate on *hold*;
- change requests are numbered per project and signed as ``approvals_required`` asks for the organisation's PMO
  type and control policy; an approval adds the next baseline version (budget + cost delta, finish + finish delta,
  the milestones not achieved yet moved by the delta) linked both ways, and moves the project's BAC and finish;
- a troubled project's open milestones are forecast late (the slip the dashboards and alerts show);
- a closed project has every phase completed and an approved closure report; a cancelled one stopped midway.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import translation
from django.utils.translation import gettext as _

from pmo.scale.gen_context import Gen
from pmo.scale.gen_plan import (
    PROJECT_AREAS_EN,
    PROJECT_AREAS_ZH,
    PROJECT_DOMAINS_ZH,
    PROJECT_KINDS_ZH,
    PROJECT_SUFFIX_EN,
    PROJECT_SUFFIX_ZH,
    PROJECT_THINGS_EN,
    TAGS,
)
from pmo.tenancy.models import Organization
from pmo.tenancy.roles import Role
from portfolio.models import StrategicObjective
from projects import evm
from projects import permissions as project_permissions
from projects.models import (
    ApproverRole,
    Baseline,
    ChangeApproval,
    ChangeRequest,
    ClosureReport,
    DeciderRole,
    Dependency,
    GateDecision,
    GateReview,
    Milestone,
    ProcessTemplate,
    Project,
    ProjectDeliverable,
    ProjectObjective,
    ProjectPhase,
    ProjectUserObjectPermission,
    TailoringRequest,
    TemplatePhase,
)
from projects.monitoring_seed import CHANGES
from projects.services import _spread

Status = Project.Status
# How a project's months went; the weekly status follows it (``pmo.scale.gen_status``).
STORIES = ("healthy", "slipping", "overrun", "recovering")
STORY_WEIGHTS = (55, 20, 12, 13)
STATUS_WEIGHTS = {
    Status.ACTIVE: 75,
    Status.ON_HOLD: 5,
    Status.CLOSED: 12,
    Status.CANCELLED: 2,
    Status.PLANNING: 4,
    Status.PROPOSED: 2,
}
MONEY_STEP = Decimal(10_000)


@dataclass
class MilestoneRow:
    id: int
    phase_id: int
    order: int
    name: str
    original: dt.date  # its date in baseline v1
    baseline: dt.date  # its date in the current baseline
    forecast: dt.date
    actual: dt.date | None = None


@dataclass
class PhaseRow:
    id: int
    order: int
    key: str
    name: str
    optional: bool
    template_phase: TemplatePhase
    status: str = ProjectPhase.Status.NOT_STARTED
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None


@dataclass
class BaselineRow:
    id: int
    version: int
    budget: Decimal
    start: dt.date
    finish: dt.date
    milestone_dates: list[dict[str, Any]]
    approved_at: dt.datetime
    approved_by: int
    reason: str
    category: str
    change_request_id: int | None = None

    @property
    def curve(self) -> evm.PlanCurve:
        milestones = tuple(
            (dt.date.fromisoformat(item["date"]), int(item["weight"])) for item in self.milestone_dates if item["date"]
        )
        return evm.PlanCurve(self.budget, self.start, self.finish, milestones, self.version)


@dataclass
class ChangeRow:
    number: int
    raised: dt.datetime
    status: str
    change_type: str
    spec: Any
    cost_delta: Decimal
    finish_delta_days: int
    steps: list[str] = field(default_factory=list)
    id: int = 0


@dataclass
class ProjectRow:
    """One project as generated: what the later parts (status, risks, resources, alerts) need to know."""

    id: int
    number: int
    code: str
    name: str
    status: str
    kind: str
    story: str
    start: dt.date
    finish: dt.date  # current planned finish (moved by approved change requests)
    bac: Decimal  # current BAC (the latest baseline's budget)
    manager_id: int
    portfolio_id: int | None
    created_at: dt.datetime
    phases: list[PhaseRow] = field(default_factory=list)
    milestones: list[MilestoneRow] = field(default_factory=list)
    baselines: list[BaselineRow] = field(default_factory=list)
    changes: list[ChangeRow] = field(default_factory=list)
    closed_at: dt.datetime | None = None
    stopped: dt.date | None = None  # a closed project's actual finish, a cancelled one's cancellation day
    final_cost: Decimal | None = None
    slip_days: int = 0  # the largest milestone slip now

    @property
    def live(self) -> bool:
        return self.status in (Status.ACTIVE, Status.ON_HOLD, Status.PLANNING)

    @property
    def reporting(self) -> bool:
        """Whether it has weekly status: running now, or ran before it closed or was cancelled."""
        return self.status in (Status.ACTIVE, Status.ON_HOLD, Status.CLOSED, Status.CANCELLED)

    def baseline_at(self, moment: dt.datetime) -> BaselineRow:
        """The baseline in force at ``moment``: the latest approved by then, else the first."""
        approved = [b for b in self.baselines if b.approved_at <= moment]
        return approved[-1] if approved else self.baselines[0]


def _money(value: float) -> Decimal:
    return max(MONEY_STEP, (Decimal(value) / MONEY_STEP).quantize(Decimal(1)) * MONEY_STEP)


def _project_name(gen: Gen, used: set[str]) -> str:
    rng = gen.rng
    for _attempt in range(20):
        if gen.plan.chinese:
            name = (
                rng.choice(PROJECT_AREAS_ZH)
                + rng.choice(PROJECT_DOMAINS_ZH)
                + rng.choice(PROJECT_KINDS_ZH)
                + rng.choice(PROJECT_SUFFIX_ZH)
            )
        else:
            name = f"{rng.choice(PROJECT_AREAS_EN)} {rng.choice(PROJECT_THINGS_EN)}{rng.choice(PROJECT_SUFFIX_EN)}"
        if name not in used:
            break
    else:
        name = gen.t(f"{name} {len(used)}", f"{name}{len(used)}")
    used.add(name)
    return name


def approvals_required(organization: Organization, policy: Any, bac: Decimal, change: ChangeRow) -> list[str]:
    """As ``projects.changes.services.approvals_required`` decides at assessment (without reading the database)."""
    large = change.cost_delta > policy.cr_executive_cost_share * bac or (
        change.finish_delta_days > policy.cr_executive_finish_days
    )
    if organization.pmo_type == Organization.PmoType.DIRECTIVE:
        return [ApproverRole.PMO.value, ApproverRole.EXECUTIVE.value]
    if organization.pmo_type == Organization.PmoType.SUPPORTIVE:
        return [ApproverRole.EXECUTIVE.value] if large else [ApproverRole.PMO.value]
    return [ApproverRole.PMO.value, ApproverRole.EXECUTIVE.value] if large else [ApproverRole.PMO.value]


class ProjectsGenerator:
    def __init__(self, gen: Gen) -> None:
        self.gen = gen
        self.org = gen.organization
        self.rng = gen.rng
        self.w = gen.writer
        self.pmo_id = gen.users[Role.PMO].pk
        self.executive_id = gen.users[Role.EXECUTIVE].pk
        self.templates = {
            t.kind: t for t in ProcessTemplate.objects.filter(organization=self.org, is_builtin=True).order_by("pk")
        }
        self.template_phases: dict[int, list[TemplatePhase]] = defaultdict(list)
        for phase in (
            TemplatePhase.objects.filter(organization=self.org, template__in=list(self.templates.values()))
            .prefetch_related("deliverables", "gates")
            .order_by("template_id", "order")
        ):
            self.template_phases[phase.template_id].append(phase)
        self.objective_ids = list(
            StrategicObjective.objects.filter(organization=self.org).order_by("code").values_list("pk", flat=True)
        )
        with translation.override(self.org.default_language):
            self.initial_reason = _("Initial baseline at approval")
            self.milestone_names = {
                phase.pk: _("%(phase)s complete") % {"phase": phase.name}
                for phases in self.template_phases.values()
                for phase in phases
            }
        content_type = ContentType.objects.get_for_model(Project)
        by_codename = dict(
            Permission.objects.filter(
                content_type=content_type, codename__in=project_permissions.MANAGER_CODENAMES
            ).values_list("codename", "pk")
        )
        self.permission_ids = [by_codename[c] for c in project_permissions.MANAGER_CODENAMES]
        self.view_permission_id = by_codename[project_permissions.VIEW_CODENAME]
        # Rows of each table, written at the end in one INSERT per table.
        self.rows: dict[type, list[tuple[Any, ...]]] = defaultdict(list)

    def decider(self, decider: str) -> int:
        return self.executive_id if decider == DeciderRole.EXECUTIVE else self.pmo_id

    # --- the project's frame -----------------------------------------------------------------------------------

    def run(self) -> list[ProjectRow]:
        gen, rng = self.gen, self.rng
        count = gen.plan.projects
        statuses = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()), k=count)
        # The manager@ user manages a fair share; the others the rest in turn.
        managers = gen.managers
        names: set[str] = set()
        projects: list[ProjectRow] = []
        for number, status in enumerate(statuses, start=1):
            manager = managers[(number - 1) % len(managers)]
            projects.append(self.project(number, status, manager.pk, _project_name(gen, names)))
        gen.projects = projects
        self.write()
        return projects

    def project(self, number: int, status: str, manager_id: int, name: str) -> ProjectRow:
        gen, rng, today = self.gen, self.rng, self.gen.today
        kind = "ipd" if rng.random() < 0.3 else "standard"
        days = rng.randint(500, 1200) if kind == "ipd" else rng.randint(400, 1000)
        if status in (Status.ACTIVE, Status.ON_HOLD):
            start = today - dt.timedelta(days=max(21, round(days * rng.uniform(0.45, 0.95))))
        elif status == Status.PLANNING:
            start = today + dt.timedelta(days=rng.randint(-21, 45))
        elif status == Status.PROPOSED:
            start = today + dt.timedelta(days=rng.randint(30, 150))
        elif status == Status.CLOSED:
            start = today - dt.timedelta(days=days + rng.randint(14, 300))
        else:
            start = today - dt.timedelta(days=rng.randint(90, 420))
        story = rng.choices(STORIES, weights=STORY_WEIGHTS)[0] if status != Status.PROPOSED else "healthy"
        portfolio_id = rng.choice(gen.portfolio_ids) if rng.random() < 0.92 else None
        created_at = gen.local(start - dt.timedelta(days=rng.randint(7, 40)), 10)
        row = ProjectRow(
            id=self.w.next_id(Project),
            number=number,
            code=f"PRJ-{number:03d}",
            name=name,
            status=status,
            kind=kind,
            story=story,
            start=start,
            finish=start + dt.timedelta(days=days),
            bac=_money(rng.lognormvariate(14.2, 0.8)),
            manager_id=manager_id,
            portfolio_id=portfolio_id,
            created_at=min(created_at, gen.now - dt.timedelta(days=1)),
        )
        template = self.templates[kind]
        self.lifecycle(row, template)
        self.project_row(row, template)
        return row

    def project_row(self, p: ProjectRow, template: ProcessTemplate) -> None:
        gen, rng = self.gen, self.rng
        programmes = gen.programmes.get(p.portfolio_id or 0) or []
        tags = [gen.pick(tag) for tag in rng.sample(TAGS, rng.choice((0, 1, 1, 2)))]
        current = next((ph for ph in p.phases if ph.status == ProjectPhase.Status.ACTIVE), p.phases[-1])
        description = gen.t(
            f"{p.name}: replace manual work and legacy tools with one supported solution, rolled out in stages.",
            f"{p.name}：以统一的系统替代手工作业与旧工具，分阶段推广。",
        )
        approved_changes = sum(1 for c in p.changes if c.status == ChangeRequest.Status.APPROVED)
        self.rows[Project].append(
            (
                p.id,
                self.org.pk,
                p.code,
                p.name,
                description,
                gen.t("Deliver the agreed scope on time and on budget.", "按期、按预算交付约定范围。"),
                p.status,
                rng.choices((1, 2, 3, 4), weights=(15, 45, 30, 10))[0],
                p.portfolio_id,
                rng.choice(programmes) if programmes and rng.random() < 0.6 else None,
                template.pk,
                self.executive_id,
                p.manager_id,
                current.id,
                p.start,
                p.finish,
                p.bac,
                tags,
                p.closed_at,
                1 + approved_changes + (p.status != Status.PLANNING),
                p.created_at,
            )
        )
        for objective_id in rng.sample(self.objective_ids, rng.choice((1, 1, 2))):
            self.rows[ProjectObjective].append((self.w.next_id(ProjectObjective), self.org.pk, p.id, objective_id))

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def lifecycle(self, p: ProjectRow, template: ProcessTemplate) -> None:
        gen, rng, today = self.gen, self.rng, self.gen.today
        template_phases = self.template_phases[template.pk]
        dates = [d for d in _spread(p.start, p.finish, len(template_phases)) if d is not None]
        for tp, date in zip(template_phases, dates, strict=True):
            phase = PhaseRow(
                id=self.w.next_id(ProjectPhase),
                order=tp.order,
                key=tp.key,
                name=tp.name,
                optional=tp.optional,
                template_phase=tp,
            )
            p.phases.append(phase)
            p.milestones.append(
                MilestoneRow(
                    id=self.w.next_id(Milestone),
                    phase_id=phase.id,
                    order=len(p.milestones) + 1,
                    name=self.milestone_names[tp.pk],
                    original=date,
                    baseline=date,
                    forecast=date,
                )
            )
        p.baselines.append(
            BaselineRow(
                id=self.w.next_id(Baseline),
                version=1,
                budget=p.bac,
                start=p.start,
                finish=p.finish,
                milestone_dates=self.snapshot(p),
                approved_at=p.created_at,
                approved_by=self.pmo_id,
                reason=self.initial_reason,
                category=Baseline.ReasonCategory.INITIAL,
            )
        )
        if p.status == Status.CANCELLED:
            p.stopped = min(today - dt.timedelta(days=7), p.start + dt.timedelta(days=rng.randint(40, 200)))
        horizon = p.finish if p.status == Status.CLOSED else (p.stopped or today)
        if p.status in (Status.ACTIVE, Status.ON_HOLD, Status.CLOSED) and rng.random() < 0.35:
            self.plan_changes(p, horizon)
        self.achieve(p)
        if p.status == Status.CLOSED:
            p.stopped = max(m.actual or m.forecast for m in p.milestones)
            p.closed_at = gen.past(gen.local(p.stopped + dt.timedelta(days=5), 10), 60)
            p.final_cost = _money(float(p.bac) * rng.uniform(0.92, 1.18))
        elif p.status == Status.CANCELLED and p.stopped:
            p.closed_at = gen.local(p.stopped, 15)
        self.phases(p)
        self.changes(p)

    def snapshot(self, p: ProjectRow) -> list[dict[str, Any]]:
        return [{"milestone": m.id, "name": m.name, "date": m.baseline.isoformat(), "weight": 1} for m in p.milestones]

    def plan_changes(self, p: ProjectRow, horizon: dt.date) -> None:
        """One to three change requests raised over the project's life; the approved ones re-baseline it."""
        gen, rng = self.gen, self.rng
        first = p.start + dt.timedelta(weeks=3)
        last = horizon - dt.timedelta(days=3)
        if last <= first:
            return
        raised_days = sorted(rng.sample(range((last - first).days), min(rng.choice((1, 1, 2, 3)), (last - first).days)))
        for number, offset in enumerate(raised_days, start=1):
            day = first + dt.timedelta(days=offset)
            recent = (gen.today - day).days < 28 and p.status != Status.CLOSED
            if recent:
                status = rng.choice(("draft", "submitted", "submitted", "assessed", "assessed", "approved"))
            else:
                status = rng.choices(("approved", "rejected", "withdrawn"), weights=(60, 25, 15))[0]
            spec = rng.choice(CHANGES)
            change_type = (
                spec.change_type if rng.random() < 0.5 else rng.choice(("scope", "schedule", "cost", "resource"))
            )
            cost = _money(float(p.bac) * rng.uniform(0.01, 0.15)) if change_type != "schedule" else Decimal(0)
            delay = rng.randint(7, 60) if change_type in ("schedule", "resource", "scope") else 0
            change = ChangeRow(
                number=number,
                raised=gen.past(gen.local(day, 10), 120),
                status=status,
                change_type=change_type,
                spec=spec,
                cost_delta=cost,
                finish_delta_days=delay,
            )
            change.steps = approvals_required(self.org, gen.policy, p.bac, change)
            p.changes.append(change)
            if status == ChangeRequest.Status.APPROVED:
                self.rebaseline(p, change)

    def signed_at(self, change: ChangeRow, step: int) -> dt.datetime:
        return self.gen.past(change.raised + dt.timedelta(days=3 + 4 * step, hours=1), 30)

    def rebaseline(self, p: ProjectRow, change: ChangeRow) -> None:
        """As the change-control services do on the last signature: the next baseline version with the change."""
        change.id = self.w.next_id(ChangeRequest)
        steps = change.steps
        approved_at = self.signed_at(change, len(steps) - 1)
        delta = dt.timedelta(days=change.finish_delta_days)
        if change.finish_delta_days:
            for m in p.milestones:
                if m.baseline >= approved_at.date():
                    m.baseline += delta
                    m.forecast = m.baseline
            p.finish += delta
        p.bac += change.cost_delta
        previous = p.baselines[-1]
        p.baselines.append(
            BaselineRow(
                id=self.w.next_id(Baseline),
                version=previous.version + 1,
                budget=p.bac,
                start=previous.start,
                finish=p.finish,
                milestone_dates=self.snapshot(p),
                approved_at=approved_at,
                approved_by=self.executive_id if steps[-1] == ApproverRole.EXECUTIVE else self.pmo_id,
                reason=f"CR-{change.number:03d}: {self.gen.pick(change.spec.title)}. "
                f"{self.gen.pick(change.spec.justification)}",
                category=change.change_type,
                change_request_id=change.id,
            )
        )

    def achieve(self, p: ProjectRow) -> None:
        """Which milestones are achieved (in order, when their delayed date has passed) and the forecasts of the
        others: a slipping project forecasts its open milestones late."""
        rng, today = self.rng, self.gen.today
        if p.status in (Status.PLANNING, Status.PROPOSED):
            return
        limit = p.stopped or today
        slip = rng.randint(12, 60) if p.story == "slipping" else rng.randint(0, 6)
        open_from = None
        for index, m in enumerate(p.milestones):
            delay = rng.randint(0, slip) if p.story == "slipping" else rng.randint(-2, 4)
            reached = m.baseline + dt.timedelta(days=delay)
            if p.status == Status.CLOSED:
                reached = min(reached, today - dt.timedelta(days=3))
            if open_from is None and reached < limit:
                m.actual = m.forecast = reached
                continue
            open_from = index if open_from is None else open_from
            if p.status == Status.CANCELLED:
                continue
            m.forecast = m.baseline + dt.timedelta(days=slip if p.story == "slipping" else 0)
            if m.forecast <= today:
                m.forecast = today + dt.timedelta(days=rng.randint(3, 21))
        p.slip_days = max(0, *(((m.actual or m.forecast) - m.baseline).days for m in p.milestones))

    def phases(self, p: ProjectRow) -> None:
        """Phase states and times from the milestones; deliverables and gates of each phase as they stand."""
        gen = self.gen
        previous_end = gen.local(p.start, 9)
        active_found = False
        for phase, m in zip(p.phases, p.milestones, strict=True):
            if m.actual is not None:
                phase.status = ProjectPhase.Status.COMPLETED
                phase.started_at = previous_end
                phase.completed_at = gen.past(gen.local(m.actual, 17), 60)
                previous_end = phase.completed_at
            elif not active_found:
                phase.status = ProjectPhase.Status.ACTIVE
                phase.started_at = (
                    min(previous_end, gen.now) if p.status not in (Status.PLANNING, Status.PROPOSED) else p.created_at
                )
                active_found = True
            self.phase_content(p, phase, m)
        if not active_found and p.status != Status.CLOSED:
            # Every milestone reached but not closed yet: the last phase stays active (its closure is pending).
            last = p.phases[-1]
            last.status, last.completed_at = ProjectPhase.Status.ACTIVE, None
        for phase in p.phases:
            self.rows[ProjectPhase].append(
                (
                    phase.id,
                    self.org.pk,
                    p.id,
                    phase.order,
                    phase.key,
                    phase.name,
                    phase.optional,
                    phase.status,
                    phase.started_at,
                    phase.completed_at,
                    p.manager_id if phase.completed_at else None,
                    [],
                    "",
                )
            )
        for m in p.milestones:
            self.rows[Milestone].append(
                (m.id, self.org.pk, p.id, m.phase_id, m.name, m.order, m.baseline, m.forecast, m.actual, 1, "")
            )
        for b in p.baselines:
            self.rows[Baseline].append(
                (
                    b.id,
                    self.org.pk,
                    p.id,
                    b.version,
                    b.budget,
                    b.start,
                    b.finish,
                    b.milestone_dates,
                    [],
                    self.gen.t("Scope as approved in the project charter.", "范围以项目章程批准内容为准。"),
                    "",
                    b.reason,
                    b.category,
                    b.change_request_id,
                    b.approved_by,
                    b.approved_at,
                )
            )
        for codename_id in self.permission_ids:
            self.rows[ProjectUserObjectPermission].append(
                (self.w.next_id(ProjectUserObjectPermission), self.org.pk, p.manager_id, codename_id, p.id)
            )
        if p.status == Status.CLOSED:
            self.closure(p)
        self.tailoring(p)

    def phase_content(self, p: ProjectRow, phase: PhaseRow, m: MilestoneRow) -> None:
        gen, rng = self.gen, self.rng
        tp = phase.template_phase
        completed = phase.status == ProjectPhase.Status.COMPLETED
        progress = 0.0
        if (
            phase.status == ProjectPhase.Status.ACTIVE
            and phase.started_at
            and p.status not in (Status.PLANNING, Status.PROPOSED)
        ):
            span = max(1, (m.forecast - phase.started_at.date()).days)
            progress = min(0.9, max(0.0, (gen.today - phase.started_at.date()).days / span))
        checklist = []
        for td in tp.deliverables.all():
            did = self.w.next_id(ProjectDeliverable)
            status, note, updated = ProjectDeliverable.Status.PENDING, "", None
            if completed:
                if not td.required and rng.random() < 0.15:
                    status = ProjectDeliverable.Status.WAIVED
                    note = gen.t(
                        "Not needed at this project's size; agreed with the sponsor.",
                        "项目规模较小，经发起人同意豁免。",
                    )
                else:
                    status = ProjectDeliverable.Status.DONE
                updated = (phase.completed_at or gen.now) - dt.timedelta(days=rng.randint(2, 12))
            elif progress and rng.random() < progress:
                status = ProjectDeliverable.Status.DONE
                updated = gen.past((phase.started_at or gen.now) + dt.timedelta(days=rng.randint(3, 30)), 60)
            self.rows[ProjectDeliverable].append(
                (did, self.org.pk, phase.id, p.id, td.order, td.name, td.required, status, note,
                 p.manager_id if updated else None, updated)
            )  # fmt: skip
            checklist.append({"id": did, "name": td.name, "required": td.required, "status": status, "note": note})
        for tg in tp.gates.all():
            gid = self.w.next_id(GateReview)
            decision, decided_by, decided_at, conditions, note = GateReview.Decision.PENDING, None, None, "", ""
            if completed and phase.completed_at:
                decision = GateReview.Decision.GO
                decided_by = self.decider(tg.decider)
                decided_at = phase.completed_at - dt.timedelta(days=1)
                if tg.kind != "gate":
                    conditions = gen.t("Close the open review actions within two weeks.", "两周内关闭评审遗留问题。")
                if rng.random() < 0.05:
                    rework = gen.t("Rework the open findings and review again.", "整改遗留问题后重新评审。")
                    recycled = decided_at - dt.timedelta(days=12)
                    self.gate_decision(p, gid, "recycle", decided_by, recycled, checklist, note=rework)
                self.gate_decision(p, gid, "go", decided_by, decided_at, checklist, conditions=conditions)
            elif p.status == Status.ON_HOLD and phase.status == ProjectPhase.Status.ACTIVE and tg.order == 1:
                decision = GateReview.Decision.HOLD
                decided_by = self.decider(tg.decider)
                decided_at = gen.past(gen.local(gen.today - dt.timedelta(days=rng.randint(5, 60)), 11), 60)
                note = gen.t("On hold until next year's budget is confirmed.", "暂停，待明年预算确认后再评审。")
                self.gate_decision(p, gid, "hold", decided_by, decided_at, checklist, note=note)
            self.rows[GateReview].append(
                (gid, self.org.pk, p.id, phase.id, tg.order, tg.code, tg.name, tg.kind, tg.decider, m.original,
                 decision, conditions, note, checklist if decided_at else [], decided_by, decided_at)
            )  # fmt: skip

    def gate_decision(
        self,
        p: ProjectRow,
        gate_id: int,
        decision: str,
        decided_by: int,
        decided_at: dt.datetime,
        checklist: list[dict[str, Any]],
        *,
        conditions: str = "",
        note: str = "",
    ) -> None:
        self.rows[GateDecision].append(
            (self.w.next_id(GateDecision), self.org.pk, gate_id, p.id, decision, conditions, note, checklist,
             decided_by, decided_at)
        )  # fmt: skip

    def closure(self, p: ProjectRow) -> None:
        gen, rng = self.gen, self.rng
        assert p.closed_at is not None and p.stopped is not None and p.final_cost is not None
        outcome = rng.choices(
            (ClosureReport.Outcome.MET, ClosureReport.Outcome.PARTLY, ClosureReport.Outcome.NOT_MET),
            weights=(65, 28, 7),
        )[0]
        submitted = p.closed_at - dt.timedelta(days=2)
        self.rows[ClosureReport].append(
            (
                self.w.next_id(ClosureReport),
                self.org.pk,
                p.id,
                outcome,
                gen.t(
                    "The objectives of the charter were delivered; the evaluation notes what fell short.",
                    "项目章程中的目标已交付，未达预期之处见绩效评价。",
                ),
                p.final_cost,
                p.start,
                p.stopped,
                rng.choices((1, 2, 3, 4, 5), weights=(3, 7, 25, 40, 25))[0],
                gen.t("The team and the sponsor worked well together.", "团队与发起人协作良好。"),
                [],
                ClosureReport.Status.APPROVED,
                p.manager_id,
                submitted,
                self.pmo_id,
                p.closed_at,
                gen.t("Well documented. Closed.", "材料完整，同意结项。"),
                submitted - dt.timedelta(days=3),
            )
        )

    def tailoring(self, p: ProjectRow) -> None:
        """A few projects proposed to drop an optional deliverable of a later phase: pending, or approved."""
        gen, rng = self.gen, self.rng
        if p.status not in (Status.ACTIVE, Status.PLANNING) or rng.random() > 0.05:
            return
        later = {ph.id for ph in p.phases if ph.status == ProjectPhase.Status.NOT_STARTED}
        rows = self.rows[ProjectDeliverable]
        optional = []
        for i in range(len(rows) - 1, -1, -1):  # this project's deliverables are the last rows
            if rows[i][3] != p.id:
                break
            if rows[i][2] in later and not rows[i][6]:
                optional.append(i)
        if not optional:
            return
        index = rng.choice(optional)
        approved = rng.random() < 0.4
        if approved:
            row = list(rows[index])
            row[7] = ProjectDeliverable.Status.TAILORED_OUT
            rows[index] = tuple(row)
        proposed = gen.past(gen.local(gen.today - dt.timedelta(days=rng.randint(2, 30)), 11), 60)
        self.rows[TailoringRequest].append(
            (
                self.w.next_id(TailoringRequest),
                self.org.pk,
                p.id,
                gen.t(
                    "A small, well-understood scope: the sponsor agreed this item adds no value here.",
                    "范围小且明确，发起人同意此项在本项目中不产生价值。",
                ),
                [],
                [rows[index][0]],
                TailoringRequest.Status.APPROVED if approved else TailoringRequest.Status.PENDING,
                p.manager_id,
                proposed,
                self.pmo_id if approved else None,
                proposed + dt.timedelta(days=1) if approved else None,
                gen.t("Agreed.", "同意。") if approved else "",
            )
        )

    # --- change requests ---------------------------------------------------------------------------------------

    def changes(self, p: ProjectRow) -> None:
        gen = self.gen
        Cr = ChangeRequest.Status
        for change in p.changes:
            change.id = change.id or self.w.next_id(ChangeRequest)
            spec = change.spec
            steps = change.steps
            submitted = assessed = decided = None
            assessed_by = decided_by = None
            signed: list[tuple[str, str, int, dt.datetime]] = []
            if change.status != Cr.DRAFT:
                submitted = gen.past(change.raised + dt.timedelta(hours=6), 100)
            if change.status in (Cr.ASSESSED, Cr.APPROVED, Cr.REJECTED):
                assessed = gen.past(change.raised + dt.timedelta(days=2), 90)
                assessed_by = self.pmo_id
                count = len(steps) - 1 if change.status == Cr.ASSESSED else len(steps)
                for k in range(count):
                    refused = change.status == Cr.REJECTED and k == len(steps) - 1
                    signer = self.executive_id if steps[k] == ApproverRole.EXECUTIVE else self.pmo_id
                    signed.append((steps[k], "rejected" if refused else "approved", signer, self.signed_at(change, k)))
            if change.status in (Cr.APPROVED, Cr.REJECTED):
                decided_by, decided = signed[-1][2], signed[-1][3]
            elif change.status == Cr.WITHDRAWN:
                decided_by, decided = p.manager_id, gen.past(change.raised + dt.timedelta(days=5), 80)
            baseline_id = next((b.id for b in p.baselines if b.change_request_id == change.id), None)
            self.rows[ChangeRequest].append(
                (
                    change.id,
                    self.org.pk,
                    p.id,
                    change.number,
                    gen.pick(spec.title),
                    change.change_type,
                    gen.pick(spec.description),
                    gen.pick(spec.justification),
                    change.cost_delta,
                    change.finish_delta_days,
                    gen.pick(spec.scope_impact),
                    gen.pick(spec.risk_impact),
                    change.status,
                    p.manager_id,
                    change.raised,
                    submitted,
                    assessed_by,
                    assessed,
                    gen.pick(spec.assessment) if assessed else "",
                    steps if assessed else [],
                    decided_by,
                    decided,
                    gen.pick(spec.note) if decided else "",
                    baseline_id,
                    1
                    + (submitted is not None)
                    + (assessed is not None)
                    + len(signed)
                    + (change.status == Cr.WITHDRAWN),
                )
            )
            for step, decision, signer, at in signed:
                self.rows[ChangeApproval].append(
                    (self.w.next_id(ChangeApproval), self.org.pk, change.id, step, decision, "", signer, at)
                )

    # --- across projects ---------------------------------------------------------------------------------------

    def dependencies(self) -> None:
        """Finish-to-start links between live projects (always from an earlier project to a later one, so no
        cycle); some in conflict (the upstream forecast after the downstream one)."""
        gen, rng = self.gen, self.rng
        live = [p for p in gen.projects if p.status in (Status.ACTIVE, Status.PLANNING, Status.ON_HOLD)]
        seen: set[tuple[int, int]] = set()
        for _n in range(len(gen.projects) // 12):
            if len(live) < 2:
                return
            up, down = sorted(rng.sample(range(len(live)), 2))
            upstream, downstream = live[up], live[down]
            ups = [m for m in upstream.milestones if m.actual is None]
            downs = [m for m in downstream.milestones if m.actual is None]
            if not ups or not downs:
                continue
            a, b = rng.choice(ups), rng.choice(downs)
            if (a.id, b.id) in seen:
                continue
            seen.add((a.id, b.id))
            self.rows[Dependency].append(
                (
                    self.w.next_id(Dependency),
                    self.org.pk,
                    a.id,
                    b.id,
                    upstream.id,
                    downstream.id,
                    gen.t(
                        f"{downstream.code} needs {upstream.code}'s deliverable.",
                        f"{downstream.code}依赖{upstream.code}的交付物。",
                    ),
                    self.pmo_id,
                    gen.past(gen.local(gen.today - dt.timedelta(days=rng.randint(7, 120)), 14), 60),
                )
            )

    def readers(self) -> None:
        """The member may read a few of manager@'s projects, the viewer a few others (shared with them)."""
        gen, rng = self.gen, self.rng
        view_id = self.view_permission_id
        manager = gen.users[Role.MANAGER].pk
        mine = [p for p in gen.projects if p.manager_id == manager]
        others = [p for p in gen.projects if p.manager_id != manager]
        for role, pool in ((Role.MEMBER, mine), (Role.VIEWER, others or mine)):
            for p in rng.sample(pool, min(len(pool), max(1, len(pool) // 10))):
                self.rows[ProjectUserObjectPermission].append(
                    (self.w.next_id(ProjectUserObjectPermission), self.org.pk, gen.users[role].pk, view_id, p.id)
                )

    # --- writing -----------------------------------------------------------------------------------------------

    def write(self) -> None:
        self.dependencies()
        self.readers()
        w, rows = self.w, self.rows
        w.insert(Project, PROJECT_COLUMNS, rows[Project])
        w.insert(ProjectObjective, ("id", "organization_id", "project_id", "objective_id"), rows[ProjectObjective])
        w.insert(
            ProjectPhase,
            ("id", "organization_id", "project_id", "order", "key", "name", "optional", "status", "started_at",
             "completed_at", "completed_by_id", "exit_warnings", "external_ref"),
            rows[ProjectPhase],
        )  # fmt: skip
        w.insert(
            ProjectDeliverable,
            ("id", "organization_id", "phase_id", "project_id", "order", "name", "required", "status", "note",
             "updated_by_id", "updated_at"),
            rows[ProjectDeliverable],
        )  # fmt: skip
        w.insert(
            GateReview,
            ("id", "organization_id", "project_id", "phase_id", "order", "code", "name", "kind", "decider",
             "planned_date", "decision", "conditions", "note", "checklist", "decided_by_id", "decided_at"),
            rows[GateReview],
        )  # fmt: skip
        w.insert(
            GateDecision,
            ("id", "organization_id", "gate_id", "project_id", "decision", "conditions", "note", "checklist",
             "decided_by_id", "decided_at"),
            rows[GateDecision],
        )  # fmt: skip
        w.insert(
            Milestone,
            ("id", "organization_id", "project_id", "phase_id", "name", "order", "baseline_date", "forecast_date",
             "actual_date", "weight", "external_ref"),
            rows[Milestone],
        )  # fmt: skip
        w.insert(
            Baseline,
            ("id", "organization_id", "project_id", "version", "budget", "start_date", "finish_date",
             "milestone_dates", "phase_dates", "scope_statement", "quality_targets", "reason", "reason_category",
             "change_request_id", "approved_by_id", "approved_at"),
            rows[Baseline],
        )  # fmt: skip
        w.insert(
            ChangeRequest,
            ("id", "organization_id", "project_id", "number", "title", "change_type", "description", "justification",
             "cost_delta", "finish_delta_days", "scope_impact", "risk_impact", "status", "raised_by_id", "raised_at",
             "submitted_at", "assessed_by_id", "assessed_at", "assessment", "approvals_required", "decided_by_id",
             "decided_at", "decision_note", "baseline_id", "version"),
            rows[ChangeRequest],
        )  # fmt: skip
        w.insert(
            ChangeApproval,
            ("id", "organization_id", "change_request_id", "step", "decision", "note", "decided_by_id", "decided_at"),
            rows[ChangeApproval],
        )
        w.insert(
            ClosureReport,
            ("id", "organization_id", "project_id", "outcome", "outcome_summary", "final_cost", "actual_start",
             "actual_finish", "customer_satisfaction", "performance_evaluation", "lessons", "status",
             "submitted_by_id", "submitted_at", "decided_by_id", "decided_at", "decision_note", "created_at"),
            rows[ClosureReport],
        )  # fmt: skip
        w.insert(
            TailoringRequest,
            ("id", "organization_id", "project_id", "justification", "phases", "deliverables", "status",
             "proposed_by_id", "proposed_at", "decided_by_id", "decided_at", "decision_note"),
            rows[TailoringRequest],
        )  # fmt: skip
        w.insert(
            Dependency,
            ("id", "organization_id", "upstream_id", "downstream_id", "upstream_project_id", "downstream_project_id",
             "note", "created_by_id", "created_at"),
            rows[Dependency],
        )  # fmt: skip
        w.insert(
            ProjectUserObjectPermission,
            ("id", "organization_id", "user_id", "permission_id", "content_object_id"),
            rows[ProjectUserObjectPermission],
        )
        rows.clear()


PROJECT_COLUMNS = (
    "id", "organization_id", "code", "name", "description", "objectives", "status", "priority", "portfolio_id",
    "programme_id", "template_id", "sponsor_id", "manager_id", "current_phase_id", "planned_start", "planned_finish",
    "budget_at_completion", "tags", "closed_at", "version", "created_at",
)  # fmt: skip


def projects_generate(gen: Gen) -> list[ProjectRow]:
    return ProjectsGenerator(gen).run()
