"""The integrated weekly meeting (项目集成周会): for one ISO week, what changed in each project since the week
before, and the decisions the meeting must take, by whom.

``weekly_meeting`` returns frozen dataclasses only, so that the page, the API and the weekly PDF pack of the
reports app render one structure. It runs a fixed number of queries whatever the number of projects: each kind of
row is fetched once for every visible project and grouped in Python.

Rules (see projects/README.md, "Weekly meeting"):

- A project is listed when the actor may read it and it is planning, active or on hold, or when something of it
  happened in the week (a report, a re-baseline, a change request, a milestone slip): a project closed during the
  week still shows its last changes.
- The content of a week is its status report when submitted or accepted; a report the PMO returned counts with its
  latest submitted revision (the working copy may be half edited). Drafts never count.
- Changes compare the chosen week's content with the previous week's; with either missing there is nothing to
  compare, and the report's own state (missing, late, returned) is what the meeting sees.
- A milestone slipped when its actual (else forecast) date at the end of the week lies later than at its start
  (pghistory's ``MilestoneEvent`` rows, week boundaries in the organisation's time zone), or when its baseline date
  fell in the week and it was not achieved by the end of it.
- A weekly report is expected of active and on-hold projects (``projects.status.selectors.MONITORED_STATUSES``, as
  on the compliance page): missing means none submitted once the due time has passed; late means first submitted
  after the due time (a missing report is not counted late as well).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from pmo.tenancy.access import OrgAccess
from projects.models import (
    RAG_RANK,
    ApproverRole,
    Baseline,
    ChangeRequest,
    DeciderRole,
    Milestone,
    Project,
    Rag,
    StatusReport,
    StatusRevision,
)
from projects.policy import control_policy_get, organization_zone, status_due_at, week_label
from projects.selectors import gates_due, projects_visible_to
from projects.status.selectors import MONITORED_STATUSES

# pghistory's event model of Milestone (generated, so not importable by name): one row per insert and update.
MilestoneEvent: Any = Milestone.pgh_event_model  # type: ignore[attr-defined]

RUNNING = (Project.Status.PLANNING, Project.Status.ACTIVE, Project.Status.ON_HOLD)
COUNTED = (StatusReport.State.SUBMITTED, StatusReport.State.ACCEPTED)
DECIDED = (ChangeRequest.Status.APPROVED, ChangeRequest.Status.REJECTED, ChangeRequest.Status.WITHDRAWN)

# The overall RAG first, then the six dimensions in the order of the report form.
RAG_DIMENSIONS = ("overall", "schedule", "cost", "scope", "quality", "resources", "risk")


# --- The structure --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RagChange:
    dimension: str  # one of RAG_DIMENSIONS
    before: str
    after: str

    @property
    def better(self) -> bool:
        return RAG_RANK[Rag(self.after)] < RAG_RANK[Rag(self.before)]

    @property
    def direction(self) -> str:
        return "better" if self.better else "worse"


@dataclass(frozen=True)
class Escalation:
    title: str
    detail: str = ""
    decision_needed: bool = False
    decision_from: str = ""
    # For a changed escalation, what changed: "detail", "decision_needed", "decision_from".
    changed_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class EscalationChanges:
    new: tuple[Escalation, ...] = ()
    changed: tuple[Escalation, ...] = ()
    resolved: tuple[Escalation, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.new or self.changed or self.resolved)


@dataclass(frozen=True)
class SlippedMilestone:
    id: int
    name: str
    kind: str  # "moved": its date moved later during the week; "missed": baseline date in the week, not achieved
    baseline_date: dt.date | None
    before: dt.date | None  # actual, else forecast, at the start of the week
    after: dt.date | None  # actual, else forecast, at the end of the week
    moved_days: int  # how much later than at the start of the week (0 for "missed")
    late_days: int  # how far after its baseline date it now lies (for "missed": days overdue at the week's end)


@dataclass(frozen=True)
class BaselineChange:
    version: int
    reason: str
    category: str
    approved_at: dt.datetime
    change_request_id: int | None
    budget_delta: Decimal | None  # against the previous version; None for v1
    finish_delta_days: int | None


@dataclass(frozen=True)
class ChangeRequestEvent:
    id: int
    code: str
    title: str
    change_type: str
    status: str
    event: str  # "submitted", "approved", "rejected" or "withdrawn"
    at: dt.datetime
    cost_delta: Decimal
    finish_delta_days: int


@dataclass(frozen=True)
class ReportState:
    state: str  # a StatusReport state, or "none" when no report exists
    late: bool
    missing: bool
    returned: bool
    due_at: dt.datetime
    submitted_at: dt.datetime | None
    revision: int
    review_comment: str = ""


@dataclass(frozen=True)
class ProjectWeek:
    id: int
    code: str
    name: str
    status: str
    rag: str  # overall RAG of the week ("" when unknown: no report this week nor the week before)
    rag_carried: bool  # the RAG is last week's: no report counts this week
    rag_changes: tuple[RagChange, ...]
    escalations: EscalationChanges
    slipped_milestones: tuple[SlippedMilestone, ...]
    baseline_changes: tuple[BaselineChange, ...]
    change_requests: tuple[ChangeRequestEvent, ...]
    report: ReportState

    @property
    def changed(self) -> bool:
        return bool(
            self.rag_changes
            or self.escalations
            or self.slipped_milestones
            or self.baseline_changes
            or self.change_requests
            or self.report.missing
            or self.report.late
            or self.report.returned
        )


@dataclass(frozen=True)
class AgendaItem:
    kind: str  # "escalation", "change_request" or "gate"
    project_id: int
    project_code: str
    project_name: str
    title: str
    detail: str = ""
    object_id: int | None = None  # the change request or gate
    due: dt.date | None = None


@dataclass(frozen=True)
class AgendaGroup:
    by_whom: str
    items: tuple[AgendaItem, ...]


@dataclass(frozen=True)
class MeetingSummary:
    projects: int
    changed: int
    red: int
    amber: int
    green: int
    unknown: int
    missing_reports: int
    late_reports: int
    decisions_needed: int


@dataclass(frozen=True)
class WeeklyMeeting:
    week_start: dt.date
    previous_week_start: dt.date
    starts_at: dt.datetime  # the week's first instant in the organisation's time zone
    ends_at: dt.datetime  # exclusive
    summary: MeetingSummary
    projects: tuple[ProjectWeek, ...]
    agenda: tuple[AgendaGroup, ...]

    @property
    def week(self) -> str:
        return week_label(self.week_start)

    @property
    def previous_week(self) -> str:
        return week_label(self.previous_week_start)

    @property
    def next_week_start(self) -> dt.date:
        return self.week_start + dt.timedelta(days=7)

    @property
    def week_end(self) -> dt.date:
        """The week's Sunday."""
        return self.week_start + dt.timedelta(days=6)

    @property
    def changed_projects(self) -> tuple[ProjectWeek, ...]:
        return tuple(p for p in self.projects if p.changed)

    @property
    def unchanged_projects(self) -> tuple[ProjectWeek, ...]:
        return tuple(p for p in self.projects if not p.changed)


# --- Building it ----------------------------------------------------------------------------------------------


def _later_reference(actual: dt.date | None, forecast: dt.date | None) -> dt.date | None:
    return actual or forecast


def _content(report: StatusReport | None, revisions: Mapping[int, StatusRevision]) -> Any:
    """What a report says for the meeting: its own fields when submitted or accepted, its latest submitted
    revision when returned, nothing for a draft or no report."""
    if report is None:
        return None
    if report.state in COUNTED:
        return report
    return revisions.get(report.pk)


def _escalation(raw: Any) -> Escalation | None:
    if not isinstance(raw, dict):
        return None
    title = str(raw.get("title") or "").strip()
    if not title:
        return None
    return Escalation(
        title=title,
        detail=str(raw.get("detail") or "").strip(),
        decision_needed=bool(raw.get("decision_needed")),
        decision_from=str(raw.get("decision_from") or "").strip(),
    )


def _open_escalations(content: Any) -> dict[str, Escalation]:
    """Unresolved escalations by title (the first of a repeated title wins)."""
    result: dict[str, Escalation] = {}
    for raw in (content.escalations or []) if content is not None else []:
        item = _escalation(raw)
        if item is not None and not raw.get("resolved") and item.title not in result:
            result[item.title] = item
    return result


def _escalation_changes(current: Any, previous: Any) -> EscalationChanges:
    if current is None or previous is None:
        return EscalationChanges()
    now, before = _open_escalations(current), _open_escalations(previous)
    new = tuple(item for title, item in now.items() if title not in before)
    changed = []
    for title, item in now.items():
        old = before.get(title)
        if old is None:
            continue
        fields = tuple(
            name for name in ("detail", "decision_needed", "decision_from") if getattr(item, name) != getattr(old, name)
        )
        if fields:
            changed.append(
                Escalation(
                    title=item.title,
                    detail=item.detail,
                    decision_needed=item.decision_needed,
                    decision_from=item.decision_from,
                    changed_fields=fields,
                )
            )
    resolved = tuple(item for title, item in before.items() if title not in now)
    return EscalationChanges(new=new, changed=tuple(changed), resolved=resolved)


def _rag_changes(current: Any, previous: Any) -> tuple[RagChange, ...]:
    if current is None or previous is None:
        return ()
    return tuple(
        RagChange(dimension=name, before=getattr(previous, f"rag_{name}"), after=getattr(current, f"rag_{name}"))
        for name in RAG_DIMENSIONS
        if getattr(previous, f"rag_{name}") != getattr(current, f"rag_{name}")
    )


def _report_state(
    *, report: StatusReport | None, project: Project, due_at: dt.datetime, now: dt.datetime
) -> ReportState:
    expected = project.status in MONITORED_STATUSES
    if report is None:
        return ReportState(
            state="none",
            late=False,
            missing=expected and now > due_at,
            returned=False,
            due_at=due_at,
            submitted_at=None,
            revision=0,
        )
    submitted = report.first_submitted_at is not None or report.revision >= 1
    return ReportState(
        state=report.state,
        late=submitted and report.first_submitted_at is not None and report.first_submitted_at > report.due_at,
        missing=expected and not submitted and now > report.due_at,
        returned=report.state == StatusReport.State.RETURNED,
        due_at=report.due_at,
        submitted_at=report.submitted_at,
        revision=report.revision,
        review_comment=report.review_comment if report.state == StatusReport.State.RETURNED else "",
    )


def _milestone_slips(
    *, in_week: Iterable[Any], at_start: Mapping[int, Any], missed: Iterable[Milestone], week_end: dt.date
) -> dict[int, list[SlippedMilestone]]:
    """Per project: milestones whose date moved later during the week, then those missed in it."""
    last_in_week: dict[int, Any] = {}
    for event in in_week:  # ordered by time: the last one is the state at the end of the week
        last_in_week[event.pgh_obj_id] = event
    by_project: dict[int, list[SlippedMilestone]] = defaultdict(list)
    moved_ids = set()
    for milestone_id, end in last_in_week.items():
        start = at_start.get(milestone_id)
        if start is None:
            continue  # created during the week: nothing to compare
        before = _later_reference(start.actual_date, start.forecast_date)
        after = _later_reference(end.actual_date, end.forecast_date)
        if before is None or after is None or after <= before:
            continue
        moved_ids.add(milestone_id)
        by_project[end.project_id].append(
            SlippedMilestone(
                id=milestone_id,
                name=end.name,
                kind="moved",
                baseline_date=end.baseline_date,
                before=before,
                after=after,
                moved_days=(after - before).days,
                late_days=max(0, (after - end.baseline_date).days) if end.baseline_date else 0,
            )
        )
    for milestone in missed:
        if milestone.pk in moved_ids or milestone.baseline_date is None:
            continue
        after = _later_reference(milestone.actual_date, milestone.forecast_date)
        by_project[milestone.project_id].append(
            SlippedMilestone(
                id=milestone.pk,
                name=milestone.name,
                kind="missed",
                baseline_date=milestone.baseline_date,
                before=None,
                after=after,
                moved_days=0,
                late_days=(week_end - milestone.baseline_date).days + 1,
            )
        )
    for slips in by_project.values():
        slips.sort(key=lambda s: (s.kind != "moved", s.baseline_date or dt.date.max, s.name))
    return by_project


def _change_request_events(
    change_requests: Iterable[ChangeRequest], starts_at: dt.datetime, ends_at: dt.datetime
) -> dict[int, list[ChangeRequestEvent]]:
    by_project: dict[int, list[ChangeRequestEvent]] = defaultdict(list)

    def add(cr: ChangeRequest, event: str, at: dt.datetime) -> None:
        by_project[cr.project_id].append(
            ChangeRequestEvent(
                id=cr.pk,
                code=cr.code,
                title=cr.title,
                change_type=cr.change_type,
                status=cr.status,
                event=event,
                at=at,
                cost_delta=cr.cost_delta,
                finish_delta_days=cr.finish_delta_days,
            )
        )

    for cr in change_requests:
        if cr.submitted_at and starts_at <= cr.submitted_at < ends_at:
            add(cr, "submitted", cr.submitted_at)
        if cr.status in DECIDED and cr.decided_at and starts_at <= cr.decided_at < ends_at:
            add(cr, cr.status, cr.decided_at)
    for events in by_project.values():
        events.sort(key=lambda e: (e.at, e.id))
    return by_project


class _Agenda:
    """Decisions needed, grouped by whom. Roles named in free text ("pmo", "PMO", "Executive") join the group of
    that role, so an escalation to the PMO and a change request awaiting the PMO's signature sit together."""

    def __init__(self) -> None:
        self.groups: dict[str, tuple[str, list[AgendaItem]]] = {}
        self.aliases: dict[str, str] = {}
        for role, label in [*ApproverRole.choices, *DeciderRole.choices]:
            for name in (role, str(label)):
                self.aliases.setdefault(name.casefold(), role)
        self.aliases.setdefault("executives", ApproverRole.EXECUTIVE)

    def label(self, key: str) -> str:
        if key in ApproverRole.values:
            return str(ApproverRole(key).label)
        if key in DeciderRole.values:
            return str(DeciderRole(key).label)
        return key

    def add(self, by_whom: str, item: AgendaItem) -> None:
        text = by_whom.strip()
        key = self.aliases.get(text.casefold(), text.casefold()) if text else ""
        if key not in self.groups:
            label = self.label(key) if key in self.aliases.values() else (text or _("Not named"))
            self.groups[key] = (label, [])
        self.groups[key][1].append(item)

    def result(self) -> tuple[AgendaGroup, ...]:
        ordered = sorted(self.groups.items(), key=lambda kv: (kv[0] == "", kv[1][0].casefold()))
        return tuple(
            AgendaGroup(
                by_whom=label,
                items=tuple(sorted(items, key=lambda i: (i.project_code, i.kind, i.due or dt.date.max, i.title))),
            )
            for _key, (label, items) in ordered
        )


def weekly_meeting(*, access: OrgAccess, week_start: dt.date, now: dt.datetime | None = None) -> WeeklyMeeting:
    """The meeting of the ISO week starting on ``week_start`` (a Monday) for what ``access`` may read. ``now``
    (default: the current time) decides whether a report not yet submitted is missing."""
    organization = access.organization
    now = now or timezone.now()
    zone = organization_zone(organization)
    previous_start = week_start - dt.timedelta(days=7)
    next_start = week_start + dt.timedelta(days=7)
    starts_at = dt.datetime.combine(week_start, dt.time.min, tzinfo=zone)
    ends_at = dt.datetime.combine(next_start, dt.time.min, tzinfo=zone)
    week_end = week_start + dt.timedelta(days=6)
    policy = control_policy_get(organization=organization)
    visible = projects_visible_to(access=access).values("pk")

    reports = list(
        StatusReport.objects.filter(
            organization=organization, project__in=visible, week_start__in=[week_start, previous_start]
        )
    )
    revisions: dict[int, StatusRevision] = {}
    for revision in StatusRevision.objects.filter(
        organization=organization,
        project__in=visible,
        report__week_start__in=[week_start, previous_start],
        report__state__in=[StatusReport.State.RETURNED, StatusReport.State.DRAFT],
    ).order_by("report_id", "number"):
        revisions[revision.report_id] = revision  # the latest wins

    week_events = MilestoneEvent.objects.filter(
        organization=organization, project__in=visible, pgh_created_at__gte=starts_at, pgh_created_at__lt=ends_at
    )
    events_in_week = list(week_events.order_by("pgh_created_at", "pgh_id"))
    # Each milestone changed in the week as it stood when the week began: its last event before then.
    at_start = {
        event.pgh_obj_id: event
        for event in MilestoneEvent.objects.filter(
            organization=organization,
            pgh_obj_id__in=week_events.values("pgh_obj_id"),
            pgh_created_at__lt=starts_at,
        )
        .order_by("pgh_obj_id", "-pgh_created_at", "-pgh_id")
        .distinct("pgh_obj_id")
    }
    missed = list(
        Milestone.objects.filter(
            organization=organization,
            project__in=visible,
            baseline_date__gte=week_start,
            baseline_date__lte=week_end,
        )
        .filter(Q(actual_date__isnull=True) | Q(actual_date__gt=week_end))
        .order_by("baseline_date", "pk")
    )
    slips = _milestone_slips(in_week=events_in_week, at_start=at_start, missed=missed, week_end=week_end)

    previous_baseline = Baseline.objects.filter(
        organization=organization, project=OuterRef("project"), version=OuterRef("version") - 1
    )
    baselines: dict[int, list[BaselineChange]] = defaultdict(list)
    for baseline in (
        # A re-baseline (v2 on), as in the baseline-change statistics; v1 is a new project's plan, not a change.
        Baseline.objects.filter(
            organization=organization,
            project__in=visible,
            version__gte=2,
            approved_at__gte=starts_at,
            approved_at__lt=ends_at,
        )
        .annotate(
            previous_budget=Subquery(previous_baseline.values("budget")[:1]),
            previous_finish=Subquery(previous_baseline.values("finish_date")[:1]),
        )
        .order_by("project_id", "version")
    ):
        has_previous = baseline.version > 1 and baseline.previous_budget is not None
        baselines[baseline.project_id].append(
            BaselineChange(
                version=baseline.version,
                reason=baseline.reason,
                category=baseline.reason_category,
                approved_at=baseline.approved_at,
                change_request_id=baseline.change_request_id,
                budget_delta=baseline.budget - baseline.previous_budget if has_previous else None,
                finish_delta_days=(baseline.finish_date - baseline.previous_finish).days
                if has_previous and baseline.finish_date and baseline.previous_finish
                else None,
            )
        )

    change_requests = list(
        ChangeRequest.objects.filter(organization=organization, project__in=visible)
        .filter(
            Q(submitted_at__gte=starts_at, submitted_at__lt=ends_at)
            | Q(status__in=DECIDED, decided_at__gte=starts_at, decided_at__lt=ends_at)
            | Q(status=ChangeRequest.Status.ASSESSED)
        )
        .prefetch_related("approvals")
        .order_by("project_id", "number")
    )
    cr_events = _change_request_events(change_requests, starts_at, ends_at)
    gates = list(gates_due(access=access, on=week_end))

    active_ids = (
        {r.project_id for r in reports if r.week_start == week_start}
        | {project_id for project_id, slipped in slips.items() if slipped}
        | set(baselines)
        | set(cr_events)
    )
    projects = list(
        projects_visible_to(access=access)
        .filter(Q(status__in=RUNNING) | Q(pk__in=active_ids))
        .only("pk", "code", "name", "status", "organization_id")
        .order_by("code", "pk")
    )
    listed = {p.pk for p in projects}
    report_of = {(r.project_id, r.week_start): r for r in reports}
    due_at = status_due_at(organization=organization, policy=policy, week_start=week_start)
    agenda = _Agenda()

    rows = []
    for project in projects:
        report = report_of.get((project.pk, week_start))
        current = _content(report, revisions)
        previous = _content(report_of.get((project.pk, previous_start)), revisions)
        known = current if current is not None else previous
        rows.append(
            ProjectWeek(
                id=project.pk,
                code=project.code,
                name=project.name,
                status=project.status,
                rag=known.rag_overall if known is not None else "",
                rag_carried=current is None and previous is not None,
                rag_changes=_rag_changes(current, previous),
                escalations=_escalation_changes(current, previous),
                slipped_milestones=tuple(slips.get(project.pk, ())),
                baseline_changes=tuple(baselines.get(project.pk, ())),
                change_requests=tuple(cr_events.get(project.pk, ())),
                report=_report_state(report=report, project=project, due_at=due_at, now=now),
            )
        )
        for item in _open_escalations(known).values():
            if item.decision_needed:
                agenda.add(
                    item.decision_from,
                    AgendaItem(
                        kind="escalation",
                        project_id=project.pk,
                        project_code=project.code,
                        project_name=project.name,
                        title=item.title,
                        detail=item.detail,
                    ),
                )
    codes = {p.pk: (p.code, p.name) for p in projects}
    for cr in change_requests:
        if cr.status != ChangeRequest.Status.ASSESSED or cr.project_id not in listed:
            continue
        signed = {a.step for a in cr.approvals.all() if a.decision == "approved"}
        waiting = [step for step in cr.approvals_required if step not in signed]
        if not waiting:
            continue
        code, name = codes[cr.project_id]
        agenda.add(
            waiting[0],
            AgendaItem(
                kind="change_request",
                project_id=cr.project_id,
                project_code=code,
                project_name=name,
                title=f"{cr.code} {cr.title}",
                detail=cr.description,
                object_id=cr.pk,
            ),
        )
    for gate in gates:
        agenda.add(
            gate.decider,
            AgendaItem(
                kind="gate",
                project_id=gate.project_id,
                project_code=gate.project.code,
                project_name=gate.project.name,
                title=f"{gate.code} {gate.name}",
                detail=gate.phase.name,
                object_id=gate.pk,
                due=gate.planned_date,
            ),
        )

    groups = agenda.result()
    summary = MeetingSummary(
        projects=len(rows),
        changed=sum(1 for row in rows if row.changed),
        red=sum(1 for row in rows if row.rag == Rag.RED),
        amber=sum(1 for row in rows if row.rag == Rag.AMBER),
        green=sum(1 for row in rows if row.rag == Rag.GREEN),
        unknown=sum(1 for row in rows if not row.rag),
        missing_reports=sum(1 for row in rows if row.report.missing),
        late_reports=sum(1 for row in rows if row.report.late),
        decisions_needed=sum(len(group.items) for group in groups),
    )
    return WeeklyMeeting(
        week_start=week_start,
        previous_week_start=previous_start,
        starts_at=starts_at,
        ends_at=ends_at,
        summary=summary,
        projects=tuple(rows),
        agenda=groups,
    )
