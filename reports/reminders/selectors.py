"""Reads of the reminders: this week's schedule (when status and timesheets are due, when reminders and escalations
go out) and the plan of what is due to be sent at a moment — the same plan the reminder services send and the
policy page previews. Each plan is a constant number of queries, whatever the number of projects and people.

Windows. For a week W with due time ``due``: the reminder window is ``[due − lead hours, due)``; the escalation
moment is ``due + escalate hours``. At any moment at most one week is in its reminder window (lead ≤ one week),
and the week escalated is the latest whose escalation moment has passed (escalation ≤ two weeks, so the weeks from
three before the current one to the next one cover every case). De-duplication keys make each message go out once.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pmo.tenancy.models import Membership, Organization
from projects.models import ControlPolicy, Project, StatusReport
from projects.policy import control_policy_get, current_week_start, organization_zone, status_due_at, week_label
from projects.status.selectors import MONITORED_STATUSES
from reports.models import NotificationKind, ReminderPolicy, Severity
from reports.notifications.services import recipients_with_roles
from resources.models import Allocation, Person, Timesheet

# What counts as handed in: a returned report or sheet is missing again until it is resubmitted.
STATUS_HANDED_IN = (StatusReport.State.SUBMITTED, StatusReport.State.ACCEPTED)
TIMESHEET_HANDED_IN = (Timesheet.State.SUBMITTED, Timesheet.State.APPROVED)
# Projects that no longer take hours need no timesheet.
FINISHED_PROJECTS = (Project.Status.CLOSED, Project.Status.CANCELLED)
# The PMO's and approvers' summaries name at most this many items (and give the full count).
LIST_CAP = 50


def parse_moment(raw: str, *, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """``2026-11-20T17:30`` (local to ``zone``) or an ISO date-time with an offset → an aware datetime; ``None``
    when ``raw`` is not a date and time."""
    try:
        moment = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


# --- Schedules ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One week's due time with its reminder window and escalation moment (UTC; shown in the organisation's zone)."""

    week_start: dt.date
    due_at: dt.datetime
    remind_from: dt.datetime
    escalate_at: dt.datetime

    @property
    def week(self) -> str:
        return week_label(self.week_start)

    def reminding(self, now: dt.datetime) -> bool:
        return self.remind_from <= now < self.due_at

    def escalated(self, now: dt.datetime) -> bool:
        return now >= self.escalate_at


def timesheet_due_at(*, organization: Organization, policy: ReminderPolicy, week_start: dt.date) -> dt.datetime:
    """When the timesheet of the week starting ``week_start`` is due (organisation time zone, returned in UTC)."""
    day = week_start + dt.timedelta(days=policy.timesheet_due_weekday)
    local = dt.datetime.combine(day, policy.timesheet_due_time, tzinfo=organization_zone(organization))
    return local.astimezone(dt.UTC)


def _window(due_at: dt.datetime, week_start: dt.date, lead_hours: int, escalate_hours: int) -> Window:
    return Window(
        week_start=week_start,
        due_at=due_at,
        remind_from=due_at - dt.timedelta(hours=lead_hours),
        escalate_at=due_at + dt.timedelta(hours=escalate_hours),
    )


def status_window(
    *, organization: Organization, control: ControlPolicy, policy: ReminderPolicy, week_start: dt.date
) -> Window:
    due = status_due_at(organization=organization, policy=control, week_start=week_start)
    return _window(due, week_start, policy.status_lead_hours, policy.status_escalate_hours)


def timesheet_window(*, organization: Organization, policy: ReminderPolicy, week_start: dt.date) -> Window:
    due = timesheet_due_at(organization=organization, policy=policy, week_start=week_start)
    return _window(due, week_start, policy.timesheet_lead_hours, policy.timesheet_escalate_hours)


@dataclass(frozen=True)
class Phases:
    """The week whose reminders are due now (if any) and the latest week whose escalation has passed."""

    reminder: Window | None
    escalation: Window | None


def phases_at(*, organization: Organization, now: dt.datetime, window_of: Callable[[dt.date], Window]) -> Phases:
    current = current_week_start(organization=organization, now=now)
    windows = [window_of(current + dt.timedelta(weeks=n)) for n in range(1, -4, -1)]  # next week … three back
    return Phases(
        reminder=next((w for w in windows if w.reminding(now)), None),
        escalation=next((w for w in windows if w.escalated(now)), None),
    )


@dataclass(frozen=True)
class Schedule:
    """This week's status and timesheet windows, for the policy page and the preview."""

    now: dt.datetime
    status: Window
    timesheet: Window
    status_phases: Phases
    timesheet_phases: Phases


def reminder_schedule(
    *, organization: Organization, policy: ReminderPolicy, now: dt.datetime | None = None
) -> Schedule:
    now = now or timezone.now()
    control = control_policy_get(organization=organization)
    week = current_week_start(organization=organization, now=now)

    def status_of(week_start: dt.date) -> Window:
        return status_window(organization=organization, control=control, policy=policy, week_start=week_start)

    def timesheet_of(week_start: dt.date) -> Window:
        return timesheet_window(organization=organization, policy=policy, week_start=week_start)

    return Schedule(
        now=now,
        status=status_of(week),
        timesheet=timesheet_of(week),
        status_phases=phases_at(organization=organization, now=now, window_of=status_of),
        timesheet_phases=phases_at(organization=organization, now=now, window_of=timesheet_of),
    )


# --- Who is missing -----------------------------------------------------------------------------------------------


def _is_member(organization: Organization, user_field: str) -> Exists:
    return Exists(Membership.objects.filter(organization=organization, user_id=OuterRef(user_field)))


def projects_missing_status(
    *, organization: Organization, week_start: dt.date, created_by: dt.datetime | None = None
) -> QuerySet[Project]:
    """Active and on-hold projects without a submitted (or accepted) report for the week — none, a draft or a
    returned one — each with its ``manager`` and ``manager_is_member`` (a manager who left the organisation is not
    told). ``created_by`` leaves out projects created after that moment that have no report of the week or an
    earlier one (a new project is not chased for a week that was due before it existed; one imported with its
    history is). One query."""
    handed_in = StatusReport.objects.filter(
        organization=organization, project=OuterRef("pk"), week_start=week_start, state__in=STATUS_HANDED_IN
    )
    projects = Project.objects.filter(organization=organization, status__in=MONITORED_STATUSES)
    if created_by is not None:
        reporting = StatusReport.objects.filter(
            organization=organization, project=OuterRef("pk"), week_start__lte=week_start
        )
        projects = projects.filter(Q(created_at__lte=created_by) | Exists(reporting))
    return (
        projects.exclude(Exists(handed_in))
        .annotate(manager_is_member=_is_member(organization, "manager_id"))
        .select_related("manager")
        .order_by("code", "pk")
    )


def people_missing_timesheet(*, organization: Organization, week_start: dt.date) -> QuerySet[Person]:
    """Active people with an active user account in the organisation, allocated to a running project in the week,
    without a submitted (or approved) timesheet for it — none, a draft or a returned one. One query."""
    allocated = Allocation.objects.filter(
        organization=organization,
        person=OuterRef("pk"),
        start_week__lte=week_start,
        end_week__gte=week_start,
    ).exclude(project__status__in=FINISHED_PROJECTS)
    handed_in = Timesheet.objects.filter(
        organization=organization, person=OuterRef("pk"), week_start=week_start, state__in=TIMESHEET_HANDED_IN
    )
    return (
        Person.objects.filter(organization=organization, active=True, user__isnull=False, user__is_active=True)
        .filter(Exists(allocated), _is_member(organization, "user_id"))
        .exclude(Exists(handed_in))
        .select_related("user")
        .order_by("full_name", "pk")
    )


def approvers_of(*, organization: Organization, week_start: dt.date, people: Iterable[Person]) -> dict[int, list[Any]]:
    """Person id → the managers (users, members of the organisation) of the running projects the person is
    allocated to in the week, the person themself excluded (nobody approves their own sheet). One query."""
    by_id = {person.pk: person for person in people}
    if not by_id:
        return {}
    allocations = (
        Allocation.objects.filter(
            organization=organization,
            person_id__in=list(by_id),
            start_week__lte=week_start,
            end_week__gte=week_start,
            project__manager__isnull=False,
            project__manager__is_active=True,
        )
        .exclude(project__status__in=FINISHED_PROJECTS)
        .filter(_is_member(organization, "project__manager_id"))
        .select_related("project__manager")
        .order_by("person_id", "project__manager_id")
    )
    result: dict[int, list[Any]] = {}
    for allocation in allocations:
        manager = allocation.project.manager
        if manager is None or manager.pk == by_id[allocation.person_id].user_id:
            continue
        managers = result.setdefault(allocation.person_id, [])
        if all(existing.pk != manager.pk for existing in managers):
            managers.append(manager)
    return result


# --- The plan -----------------------------------------------------------------------------------------------------


KIND_LABELS: dict[str, Any] = {
    NotificationKind.STATUS_REMINDER: _("Status reminder"),
    NotificationKind.STATUS_OVERDUE: _("Status overdue"),
    NotificationKind.TIMESHEET_REMINDER: _("Timesheet reminder"),
    NotificationKind.TIMESHEET_OVERDUE: _("Timesheet overdue"),
}
AUDIENCE_LABELS: dict[str, Any] = {
    "manager": _("Project manager"),
    "pmo": _("PMO"),
    "person": _("Person"),
    "approver": _("Approver"),
}


@dataclass
class Planned:
    """One message due to go out: its kind, its de-duplication key, its recipients (users) and its parameters.
    ``subject`` names what it is about (a project's code and name, a person's name, or a count) for the preview;
    ``sent_to`` holds the recipients who already have it (filled by ``mark_sent``)."""

    kind: str
    audience: str  # manager | pmo | person | approver
    week: str
    subject: str
    dedup_key: str
    recipients: list[Any]
    params: dict[str, Any]
    url: str
    severity: str = Severity.INFO
    sent_to: set[int] = field(default_factory=set)

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def audience_label(self) -> str:
        return str(AUDIENCE_LABELS[self.audience])

    @property
    def pending(self) -> list[Any]:
        """The recipients who do not have it yet."""
        return [user for user in self.recipients if user.pk not in self.sent_to]


def mark_sent(*, organization: Organization, planned: list[Planned]) -> list[Planned]:
    """Fill ``sent_to`` of every item from the notifications that exist already (one query)."""
    from reports.models import Notification

    keys = {item.dedup_key for item in planned}
    if not keys:
        return planned
    existing: dict[str, set[int]] = {}
    rows = Notification.objects.filter(organization=organization, dedup_key__in=keys).values_list(
        "dedup_key", "recipient_id"
    )
    for key, recipient_id in rows:
        existing.setdefault(key, set()).add(recipient_id)
    for item in planned:
        item.sent_to = existing.get(item.dedup_key, set()) & {user.pk for user in item.recipients}
    return planned


def _url(organization: Organization, name: str, query: str = "", **kwargs: Any) -> str:
    path = reverse(name, kwargs={"org_slug": organization.slug, **kwargs})
    return f"{path}?{query}" if query else path


def _project_ref(project: Project) -> dict[str, Any]:
    manager = project.manager if project.manager_is_member else None  # type: ignore[attr-defined]
    return {
        "id": project.pk,
        "code": project.code,
        "name": project.name,
        "manager": manager.get_full_name() if manager is not None else "",
    }


def _capped(key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """``{key: the first LIST_CAP items, "count": all}`` (the shape ``reports.notifications.messages`` reads)."""
    return {key: items[:LIST_CAP], "count": len(items)}


def status_plan(
    *, organization: Organization, policy: ReminderPolicy, schedule: Schedule
) -> tuple[list[Planned], Window | None]:
    """The status messages due at ``now`` (already-sent ones included; see ``mark_sent``) and the week escalated
    (``None`` when none is): reminders to the managers of projects without a submitted report while their week is
    in its reminder window; after the escalation moment, one message per PMO user per week listing every overdue
    project, and one per project to its manager. Nothing when the policy is disabled. Constant queries."""
    if not policy.enabled:
        return [], None
    plan: list[Planned] = []
    window = schedule.status_phases.reminder
    if window is not None:
        for project in projects_missing_status(organization=organization, week_start=window.week_start):
            if project.manager is None or not project.manager_is_member:  # type: ignore[attr-defined]
                continue
            plan.append(
                Planned(
                    kind=NotificationKind.STATUS_REMINDER,
                    audience="manager",
                    week=window.week,
                    subject=f"{project.code} {project.name}",
                    dedup_key=f"status-reminder:{project.pk}:{window.week}",
                    recipients=[project.manager],
                    params=_status_params(project, window),
                    url=_url(organization, "project-status", pk=project.pk),
                )
            )
    escalation = schedule.status_phases.escalation
    if escalation is not None:
        overdue = list(
            projects_missing_status(
                organization=organization, week_start=escalation.week_start, created_by=escalation.due_at
            )
        )
        for project in overdue:
            if project.manager is None or not project.manager_is_member:  # type: ignore[attr-defined]
                continue
            plan.append(
                Planned(
                    kind=NotificationKind.STATUS_OVERDUE,
                    audience="manager",
                    week=escalation.week,
                    subject=f"{project.code} {project.name}",
                    dedup_key=f"status-overdue:{project.pk}:{escalation.week}",
                    recipients=[project.manager],
                    params=_status_params(project, escalation),
                    url=_url(organization, "project-status", pk=project.pk),
                    severity=Severity.WARNING,
                )
            )
        if overdue:
            plan.append(
                Planned(
                    kind=NotificationKind.STATUS_OVERDUE,
                    audience="pmo",
                    week=escalation.week,
                    subject=ngettext("%(count)d overdue project", "%(count)d overdue projects", len(overdue))
                    % {"count": len(overdue)},
                    dedup_key=f"status-overdue:{escalation.week}",
                    recipients=recipients_with_roles(organization=organization, roles=["pmo"]),
                    params={
                        "audience": "pmo",
                        "week": escalation.week,
                        "due": escalation.due_at.isoformat(),
                        **_capped("projects", [_project_ref(project) for project in overdue]),
                    },
                    url=_url(organization, "status-list", query=f"week={escalation.week}"),
                    severity=Severity.WARNING,
                )
            )
    return plan, escalation


def _status_params(project: Project, window: Window) -> dict[str, Any]:
    return {
        "audience": "manager",
        "project_id": project.pk,
        "project_code": project.code,
        "project_name": project.name,
        "week": window.week,
        "due": window.due_at.isoformat(),
    }


def _person_params(person: Person, window: Window) -> dict[str, Any]:
    return {
        "audience": "person",
        "person_id": person.pk,
        "person_name": person.full_name,
        "week": window.week,
        "due": window.due_at.isoformat(),
    }


def timesheet_plan(*, organization: Organization, policy: ReminderPolicy, schedule: Schedule) -> list[Planned]:
    """The timesheet messages due at ``now`` (already-sent ones included): reminders to people allocated in a week
    in its reminder window without a submitted sheet; after the escalation moment, an overdue message to each such
    person and one per approver per week listing their overdue people (approvers are the managers of the projects
    the person is allocated to; people without one are listed to the PMO). Constant queries."""
    if not policy.enabled:
        return []
    plan: list[Planned] = []
    window = schedule.timesheet_phases.reminder
    if window is not None:
        url = _url(organization, "timesheet-mine", query=f"week={window.week}")
        for person in people_missing_timesheet(organization=organization, week_start=window.week_start):
            plan.append(
                Planned(
                    kind=NotificationKind.TIMESHEET_REMINDER,
                    audience="person",
                    week=window.week,
                    subject=person.full_name,
                    dedup_key=f"timesheet-reminder:{person.pk}:{window.week}",
                    recipients=[person.user],
                    params=_person_params(person, window),
                    url=url,
                )
            )
    escalation = schedule.timesheet_phases.escalation
    if escalation is not None:
        overdue = list(people_missing_timesheet(organization=organization, week_start=escalation.week_start))
        url = _url(organization, "timesheet-mine", query=f"week={escalation.week}")
        for person in overdue:
            plan.append(
                Planned(
                    kind=NotificationKind.TIMESHEET_OVERDUE,
                    audience="person",
                    week=escalation.week,
                    subject=person.full_name,
                    dedup_key=f"timesheet-overdue:{person.pk}:{escalation.week}",
                    recipients=[person.user],
                    params=_person_params(person, escalation),
                    url=url,
                    severity=Severity.WARNING,
                )
            )
        plan.extend(_approver_plan(organization=organization, window=escalation, overdue=overdue))
    return plan


def _approver_plan(*, organization: Organization, window: Window, overdue: list[Person]) -> list[Planned]:
    if not overdue:
        return []
    approvers = approvers_of(organization=organization, week_start=window.week_start, people=overdue)
    teams: dict[int, tuple[Any, list[Person]]] = {}
    unassigned = [person for person in overdue if not approvers.get(person.pk)]
    for person in overdue:
        for manager in approvers.get(person.pk, []):
            teams.setdefault(manager.pk, (manager, []))[1].append(person)
    if unassigned:
        for user in recipients_with_roles(organization=organization, roles=["pmo"]):
            team = teams.setdefault(user.pk, (user, []))[1]
            team.extend(person for person in unassigned if person.user_id != user.pk and person not in team)
    url = _url(organization, "timesheet-approvals")
    plan = []
    for user, people in teams.values():
        if not people:
            continue
        plan.append(
            Planned(
                kind=NotificationKind.TIMESHEET_OVERDUE,
                audience="approver",
                week=window.week,
                subject=ngettext("%(count)d overdue timesheet", "%(count)d overdue timesheets", len(people))
                % {"count": len(people)},
                dedup_key=f"timesheet-overdue:team:{window.week}",
                recipients=[user],
                params={
                    "audience": "approver",
                    "week": window.week,
                    "due": window.due_at.isoformat(),
                    **_capped("people", [{"id": person.pk, "name": person.full_name} for person in people]),
                },
                url=url,
                severity=Severity.WARNING,
            )
        )
    return plan


@dataclass
class Preview:
    """What the reminder runs would send at ``schedule.now``: every planned message with who already has it."""

    policy: ReminderPolicy
    schedule: Schedule
    status: list[Planned]
    timesheets: list[Planned]

    @property
    def items(self) -> list[Planned]:
        return [*self.status, *self.timesheets]

    @property
    def pending_count(self) -> int:
        return sum(len(item.pending) for item in self.items)


def reminder_preview(*, organization: Organization, policy: ReminderPolicy, now: dt.datetime | None = None) -> Preview:
    """The dry run of both reminder runs at ``now`` (default: now) under ``policy``. Constant queries."""
    schedule = reminder_schedule(organization=organization, policy=policy, now=now)
    status, _escalated = status_plan(organization=organization, policy=policy, schedule=schedule)
    timesheets = timesheet_plan(organization=organization, policy=policy, schedule=schedule)
    mark_sent(organization=organization, planned=[*status, *timesheets])
    return Preview(policy=policy, schedule=schedule, status=status, timesheets=timesheets)
