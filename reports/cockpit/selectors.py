"""Reads of the PMO cockpit: what waits for the PMO, gathered from the other apps' selectors in a constant number of
queries whatever the number of projects (each queue is one short list with its total as a window count; data quality
is one aggregate; over-allocations one capacity grid).

Definitions:

- *Status this week*: ``projects.status.selectors.status_compliance`` of the current ISO week (organisation time
  zone); a report is *in* while submitted or accepted; a draft or a returned one is not in, so *in* + *not in* is
  every monitored project. *Late* counts the reports not in whose due time has passed (a returned report included);
  *missing* the late ones never submitted at all. The latest reminder is the newest status reminder or overdue
  notice sent about the project for the week (``reports.reminders`` keys).
- *Queues*: intake requests submitted and not yet scored; change requests awaiting the actor's decision
  (``projects.changes.selectors.awaiting_decision_of``); pending gates whose planned date has come
  (``projects.selectors.gates_due``); status reports returned by the PMO and not resubmitted; tailoring requests
  pending PMO approval. Ages are whole days in the organisation's time zone since the item started waiting.
- *Data quality* over the active and on-hold projects: no baseline; no manager (or a manager who left the
  organisation); no status report submitted for a week starting in the last ``RECENT_STATUS_DAYS`` days (a project
  created within that period is not counted yet); at least one open risk whose review is overdue per the risk
  settings' review period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Membership, Organization
from portfolio.models import ProjectRequest
from portfolio.selectors import request_status_counts, requests_visible_to
from projects.changes.selectors import ChangeRequestFilters, change_requests_visible_to
from projects.models import Baseline, ChangeRequest, GateReview, Project, StatusReport, TailoringRequest
from projects.policy import current_week_start, organization_zone
from projects.selectors import gates_due, projects_visible_to
from projects.status.selectors import MONITORED_STATUSES, Compliance, ComplianceRow, status_compliance
from reports.alerts.selectors import ACTIVE, AlertFilters, alert_counts, alert_list
from reports.models import Alert, Notification, ReminderPolicy
from reports.reminders import selectors as reminder_selectors
from reports.reminders.services import reminder_policy_get
from resources.capacity import calendar_for, week_capacity, weeks_from, working_days_off
from resources.models import Person, TimeOff
from resources.planning import OverAllocation
from risks.models import EscalationLevel, Risk, RiskSettings
from risks.scoring import risk_settings_get, stale_cutoff
from risks.selectors import RiskFilters, risks_visible_to

# How many of the oldest (or newest) items each card lists; the count and the link give the rest.
SHOWN = 5
RECENT_STATUS_DAYS = 14
OVERALLOCATION_WEEKS = 5  # this week and the next four
ESCALATED_LEVELS = (EscalationLevel.PMO, EscalationLevel.EXECUTIVE)
NOT_IN_STATES = (StatusReport.State.DRAFT, StatusReport.State.RETURNED)


def age_days(moment: dt.datetime | dt.date | None, *, today: dt.date, zone: Any) -> int | None:
    """Whole days from ``moment`` (a date, or a datetime read in ``zone``) to ``today``; never negative."""
    if moment is None:
        return None
    day = moment.astimezone(zone).date() if isinstance(moment, dt.datetime) else moment
    return max(0, (today - day).days)


# --- Status compliance this week ----------------------------------------------------------------------------------


@dataclass
class NotIn:
    """A project whose report of the week is not in: its row, how late it is (whole hours past due, at least 1 once
    the due time has passed, 0 before it) and when its manager was last reminded about the week (``None`` if never)."""

    row: ComplianceRow
    hours_late: int
    last_reminded_at: dt.datetime | None

    @property
    def late(self) -> bool:
        return self.hours_late > 0

    @property
    def project(self) -> Project:
        return self.row.project


@dataclass
class StatusWeek:
    """The week's tiles add up: ``submitted`` + ``len(not_in)`` == ``total``; ``late`` counts the ``not_in`` rows
    past due and ``missing`` the late ones never submitted (so missing <= late <= not in)."""

    compliance: Compliance
    submitted: int
    late: int
    missing: int
    not_in: list[NotIn]
    # Messages the reminder run would send now and that have not gone out yet (0 when the policy is off): to the
    # managers (one per project, ``reminded_managers`` distinct people) and the overdue summaries to PMO staff.
    reminders_to_managers: int
    reminded_managers: int
    reminders_to_pmo: int
    reminders_enabled: bool

    @property
    def reminders_pending(self) -> int:
        return self.reminders_to_managers + self.reminders_to_pmo

    @property
    def total(self) -> int:
        return len(self.compliance.rows)

    @property
    def week_start(self) -> dt.date:
        return self.compliance.week_start


def _reminder_keys(project_id: int, week: str) -> tuple[str, str]:
    # The de-duplication keys of ``reports.reminders.selectors.status_plan`` for one project and week.
    return f"status-reminder:{project_id}:{week}", f"status-overdue:{project_id}:{week}"


def status_week(*, access: OrgAccess, now: dt.datetime, policy: ReminderPolicy | None = None) -> StatusWeek:
    """This week's compliance with the projects whose report is not in (most overdue first, then by code), the last
    reminder of each, and how many reminders are due to go out now."""
    organization = access.organization
    week_start = current_week_start(organization=organization, now=now)
    compliance = status_compliance(access=access, week_start=week_start, now=now)
    counts = compliance.counts
    pending_rows = [row for row in compliance.rows if row.report is None or row.report.state in NOT_IN_STATES]
    week = _week(week_start)
    keys = [key for row in pending_rows for key in _reminder_keys(row.project.pk, week)]
    reminded: dict[str, dt.datetime] = {}
    if keys:
        reminded = dict(
            Notification.objects.filter(organization=organization, dedup_key__in=keys)
            .values("dedup_key")
            .annotate(last=Max("created_at"))
            .values_list("dedup_key", "last")
        )
    not_in = []
    for row in pending_rows:
        moments = [reminded[key] for key in _reminder_keys(row.project.pk, week) if key in reminded]
        late = max(1, int((now - row.due_at).total_seconds() // 3600)) if now > row.due_at else 0
        not_in.append(NotIn(row=row, hours_late=late, last_reminded_at=max(moments) if moments else None))
    not_in.sort(key=lambda item: (-item.hours_late, item.project.code))
    policy = policy or reminder_policy_get(organization=organization)
    to_managers: list[Any] = []
    to_pmo = 0
    if policy.enabled:
        schedule = reminder_selectors.reminder_schedule(organization=organization, policy=policy, now=now)
        planned, _escalated = reminder_selectors.status_plan(
            organization=organization, policy=policy, schedule=schedule
        )
        reminder_selectors.mark_sent(organization=organization, planned=planned)
        for item in planned:
            if item.audience == "manager":
                to_managers.extend(item.pending)
            else:
                to_pmo += len(item.pending)
    return StatusWeek(
        compliance=compliance,
        submitted=len(compliance.rows) - len(not_in),
        late=sum(1 for item in not_in if item.late),
        missing=counts["missing"],
        not_in=not_in,
        reminders_to_managers=len(to_managers),
        reminded_managers=len({user.pk for user in to_managers}),
        reminders_to_pmo=to_pmo,
        reminders_enabled=policy.enabled,
    )


def _week(week_start: dt.date) -> str:
    iso = week_start.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


# --- Queues waiting for the PMO -----------------------------------------------------------------------------------


@dataclass
class Queue:
    """One queue: how many items wait, the first few (oldest first) and, for intake, the scored ones awaiting a
    decision."""

    key: str
    count: int
    items: list[Any] = field(default_factory=list)
    extra: int = 0


QUEUE_INTAKE = "intake"
QUEUE_CHANGES = "changes"
QUEUE_GATES = "gates"
QUEUE_RETURNED = "returned"
QUEUE_TAILORING = "tailoring"
# The queues listed in full on the cockpit's own list page (the others link to their app's filtered list).
LISTED_QUEUES = (QUEUE_GATES, QUEUE_RETURNED, QUEUE_TAILORING)


def intake_to_review(*, access: OrgAccess) -> QuerySet[ProjectRequest]:
    """Submitted requests not yet scored by the PMO, longest waiting first."""
    return (
        requests_visible_to(access=access)
        .filter(status=ProjectRequest.Status.SUBMITTED)
        .select_related("sponsor", "portfolio")
        .order_by(F("submitted_at").asc(nulls_last=True), "number")
    )


def changes_awaiting(*, access: OrgAccess) -> QuerySet[ChangeRequest]:
    """Change requests waiting for the actor (to assess, or to sign the step the actor signs), oldest first; without
    their approvals, which the cockpit does not show (and whose read would come and go with the queue's items)."""
    return change_requests_visible_to(access=access, filters=ChangeRequestFilters(awaiting_me=True)).prefetch_related(
        None
    )


def gates_waiting(*, access: OrgAccess, today: dt.date) -> QuerySet[GateReview]:
    return gates_due(access=access, on=today).select_related("project__manager")


def reports_returned(*, access: OrgAccess) -> QuerySet[StatusReport]:
    """Reports the PMO returned that are not resubmitted yet, returned longest ago first."""
    return (
        StatusReport.objects.filter(
            organization=access.organization,
            state=StatusReport.State.RETURNED,
            project__in=projects_visible_to(access=access).values("pk"),
        )
        .select_related("project", "project__manager", "reviewed_by")
        .order_by(F("reviewed_at").asc(nulls_last=True), "week_start", "pk")
    )


def tailoring_pending(*, access: OrgAccess) -> QuerySet[TailoringRequest]:
    """Tailoring requests pending PMO approval, proposed longest ago first."""
    return (
        TailoringRequest.objects.filter(
            organization=access.organization,
            status=TailoringRequest.Status.PENDING,
            project__in=projects_visible_to(access=access).values("pk"),
        )
        .select_related("project", "proposed_by")
        .order_by("proposed_at", "pk")
    )


def queue_rows(*, access: OrgAccess, key: str, today: dt.date) -> QuerySet[Any]:
    """The full list of one of ``LISTED_QUEUES`` (``KeyError`` for any other key)."""
    readers = {
        QUEUE_GATES: lambda: gates_waiting(access=access, today=today),
        QUEUE_RETURNED: lambda: reports_returned(access=access),
        QUEUE_TAILORING: lambda: tailoring_pending(access=access),
    }
    return readers[key]()


def _queue(key: str, rows: QuerySet[Any]) -> Queue:
    """The first ``SHOWN`` rows and, in the same statement, how many there are (a window count over every row)."""
    items = list(rows.annotate(queue_total=Window(Count("pk")))[:SHOWN])
    return Queue(key=key, count=items[0].queue_total if items else 0, items=items)


def queues(*, access: OrgAccess, today: dt.date) -> list[Queue]:
    intake = _queue(QUEUE_INTAKE, intake_to_review(access=access))
    intake.extra = request_status_counts(access=access)[ProjectRequest.Status.IN_REVIEW]
    return [
        intake,
        _queue(QUEUE_CHANGES, changes_awaiting(access=access)),
        _queue(QUEUE_GATES, gates_waiting(access=access, today=today)),
        _queue(QUEUE_RETURNED, reports_returned(access=access)),
        _queue(QUEUE_TAILORING, tailoring_pending(access=access)),
    ]


# --- Alerts, over-allocations, escalated risks --------------------------------------------------------------------


@dataclass
class Alerts:
    counts: dict[str, int]
    newest: list[Alert]


def open_alerts(*, access: OrgAccess) -> Alerts:
    newest = list(alert_list(access=access, filters=AlertFilters(state=ACTIVE, ordering="-opened"))[:SHOWN])
    return Alerts(counts=alert_counts(access=access), newest=newest)


@dataclass
class OverAllocated:
    """A person over capacity in at least one week of the window: the weeks, the worst week's figures."""

    person: Any
    weeks: list[dt.date]
    peak: OverAllocation

    @property
    def peak_percent(self) -> Decimal | None:
        if not self.peak.capacity:
            return None
        return (self.peak.allocated / self.peak.capacity * 100).quantize(Decimal(1))


@dataclass
class OverAllocations:
    start: dt.date
    weeks: int
    people: list[OverAllocated]


# The active people's allocated hours per week (an allocation counts in each week it overlaps, as in
# ``resources.capacity.allocated_hours``), kept where they may exceed the week's capacity: above what a person
# without time off can work (weekly capacity × the week's working days ÷ 5, a cent lower so that no rounding drops
# a case), or for anybody with time off in the weeks. Python then applies the exact capacity rule to these few rows.
_OVER_SQL = """
WITH weeks AS (
    SELECT * FROM unnest(%(weeks)s::date[], %(sundays)s::date[], %(working)s::int[]) AS w(week, sunday, working)
),
allocated AS (
    SELECT a.person_id, w.week, w.working, sum(a.hours_per_week) AS hours
    FROM resources_allocation a
    JOIN weeks w ON a.start_week <= w.sunday AND a.end_week >= w.week
    WHERE a.organization_id = %(org)s AND a.start_week <= %(last)s AND a.end_week >= %(first)s
    GROUP BY a.person_id, w.week, w.working
)
SELECT al.person_id, p.full_name, p.weekly_capacity, al.week, al.hours
FROM allocated al
JOIN resources_person p ON p.organization_id = %(org)s AND p.id = al.person_id AND p.active
WHERE al.hours > p.weekly_capacity * al.working / 5.0 - 0.01 OR al.person_id = ANY(%(away)s::bigint[])
ORDER BY al.week, al.person_id
"""


def people_over_capacity(*, organization: Organization, start: dt.date) -> OverAllocations:
    """People over capacity in this and the next four weeks, the largest excess first: the person-weeks of
    ``resources.planning.over_allocations`` (an active person's allocated hours above their capacity, by
    ``resources.capacity``'s rule), in three queries whatever the number of people: the calendar, the time off, and
    the person-weeks that may be over (``_OVER_SQL``). Neither the allocations (``peak.allocations`` is left empty:
    the cockpit lists none) nor every person-week (a large organisation has ten thousand people) is loaded."""
    window = weeks_from(start, OVERALLOCATION_WEEKS)
    last_day = window[-1] + dt.timedelta(days=6)
    calendar = calendar_for(organization=organization, first=window[0], last=last_day)
    working = {week: calendar.working_days(week) for week in window}
    periods: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for person_id, first, last in TimeOff.objects.filter(
        organization=organization, person__active=True, start__lte=last_day, end__gte=window[0]
    ).values_list("person_id", "start", "end"):
        periods[person_id].append((first, last))
    params: dict[str, Any] = {
        "org": organization.pk,
        "weeks": window,
        "sundays": [week + dt.timedelta(days=6) for week in window],
        "working": [working[week] for week in window],
        "first": window[0],
        "last": window[-1],
        "away": list(periods),
    }
    with connection.cursor() as cursor:
        cursor.execute(_OVER_SQL, params)
        rows = cursor.fetchall()
    people: dict[int, Person] = {}
    by_person: dict[int, OverAllocated] = {}
    for person_id, full_name, weekly_capacity, week, allocated in rows:
        taken = periods.get(person_id)
        days_off = working_days_off(calendar=calendar, week_start=week, periods=taken) if taken else 0
        capacity = week_capacity(weekly_capacity=weekly_capacity, working_days=working[week], days_off=days_off)
        if allocated <= capacity:
            continue
        person = people.setdefault(
            person_id,
            Person(pk=person_id, organization=organization, full_name=full_name, weekly_capacity=weekly_capacity),
        )
        row = OverAllocation(person=person, week=week, capacity=capacity, allocated=allocated)
        found = by_person.get(person_id)
        if found is None:
            by_person[person_id] = OverAllocated(person=person, weeks=[week], peak=row)
            continue
        found.weeks.append(week)
        if row.excess > found.peak.excess:
            found.peak = row
    ranked = sorted(by_person.values(), key=lambda item: (-item.peak.excess, item.person.full_name))
    return OverAllocations(start=start, weeks=OVERALLOCATION_WEEKS, people=ranked)


@dataclass
class Escalated:
    counts: dict[str, int]
    risks: list[Risk]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def escalated_risks(*, access: OrgAccess, settings: RiskSettings) -> Escalated:
    """Open risks escalated to the PMO or the executives: the count per level and the highest scores."""
    risks = risks_visible_to(access=access, settings=settings, filters=RiskFilters(status=Risk.Status.OPEN)).filter(
        escalation_level__in=ESCALATED_LEVELS
    )
    grouped = dict(
        risks.order_by().values("escalation_level").annotate(n=Count("pk")).values_list("escalation_level", "n")
    )
    top = list(
        risks.prefetch_related(None).order_by("-score", F("escalated_at").asc(nulls_last=True), "number")[:SHOWN]
    )
    return Escalated(counts={level.value: int(grouped.get(level.value, 0)) for level in ESCALATED_LEVELS}, risks=top)


# --- Data quality ---------------------------------------------------------------------------------------------------

CHECK_NO_BASELINE = "no_baseline"
CHECK_NO_MANAGER = "no_manager"
CHECK_NO_RECENT_STATUS = "no_recent_status"
CHECK_STALE_RISKS = "stale_risks"
QUALITY_CHECKS = (CHECK_NO_BASELINE, CHECK_NO_MANAGER, CHECK_NO_RECENT_STATUS, CHECK_STALE_RISKS)


def _quality_projects(*, access: OrgAccess, settings: RiskSettings, now: dt.datetime) -> QuerySet[Project]:
    """The monitored projects with one boolean per check (``q_<check>``), all in SQL."""
    organization = access.organization
    today = now.astimezone(organization_zone(organization)).date()
    recent_week = current_week_start(organization=organization, now=now) - dt.timedelta(days=RECENT_STATUS_DAYS)
    new_since = now - dt.timedelta(days=RECENT_STATUS_DAYS)
    baselines = Baseline.objects.filter(organization=organization, project=OuterRef("pk"))
    manager_member = Membership.objects.filter(organization=organization, user_id=OuterRef("manager_id"))
    recent = StatusReport.objects.filter(
        organization=organization,
        project=OuterRef("pk"),
        week_start__gte=recent_week,
        week_start__lte=today,
        first_submitted_at__isnull=False,
    )
    stale = Risk.objects.filter(
        organization=organization,
        project=OuterRef("pk"),
        status=Risk.Status.OPEN,
        last_reviewed_at__lt=stale_cutoff(settings, now=now),
    )
    return (
        projects_visible_to(access=access)
        .filter(status__in=MONITORED_STATUSES)
        .annotate(
            q_no_baseline=~Exists(baselines),
            q_no_manager=Q(manager__isnull=True) | ~Exists(manager_member),
            q_no_recent_status=~Exists(recent) & Q(created_at__lte=new_since),
            q_stale_risks=Exists(stale),
        )
    )


def quality_counts(*, access: OrgAccess, settings: RiskSettings, now: dt.datetime) -> dict[str, int]:
    """How many monitored projects fail each check (one query)."""
    counted = (
        _quality_projects(access=access, settings=settings, now=now)
        .order_by()
        .aggregate(**{check: Count("pk", filter=Q(**{f"q_{check}": True})) for check in QUALITY_CHECKS})
    )
    return {check: int(counted[check] or 0) for check in QUALITY_CHECKS}


# Sort keys of the data-quality list (``key`` or ``-key``): the first field follows the direction, blanks last.
QUALITY_ORDERINGS: dict[str, tuple[str, ...]] = {
    "code": ("code",),
    "name": ("name", "code"),
    "manager": ("manager__full_name", "code"),
    "last_report": ("last_report_week", "code"),
}


def _ordering(sort: str) -> list[Any]:
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in QUALITY_ORDERINGS:
        key, descending = "code", False
    first, *rest = QUALITY_ORDERINGS[key]
    return [
        F(first).desc(nulls_last=True) if descending else F(first).asc(nulls_last=True),
        *(F(name).asc() for name in rest),
        "pk",
    ]


def quality_projects(
    *,
    access: OrgAccess,
    check: str,
    now: dt.datetime | None = None,
    sort: str = "code",
    settings: RiskSettings | None = None,
) -> QuerySet[Project]:
    """The monitored projects that fail ``check`` (``KeyError`` for an unknown one) in the order of ``sort`` (a key
    of ``QUALITY_ORDERINGS``, ``-`` first to reverse), each with its manager,
    portfolio, ``last_report_week`` (the latest week with a submitted report), ``stale_risk_count`` and
    ``baseline_count``. One query."""
    if check not in QUALITY_CHECKS:
        raise KeyError(check)
    now = now or timezone.now()
    organization = access.organization
    settings = settings or risk_settings_get(organization=organization)
    last_week = (
        StatusReport.objects.filter(organization=organization, project=OuterRef("pk"), first_submitted_at__isnull=False)
        .order_by("-week_start")
        .values("week_start")[:1]
    )
    stale_count = (
        Risk.objects.filter(
            organization=organization,
            project=OuterRef("pk"),
            status=Risk.Status.OPEN,
            last_reviewed_at__lt=stale_cutoff(settings, now=now),
        )
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    baseline_count = (
        Baseline.objects.filter(organization=organization, project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        _quality_projects(access=access, settings=settings, now=now)
        .filter(**{f"q_{check}": True})
        .annotate(
            last_report_week=Subquery(last_week),
            stale_risk_count=Coalesce(Subquery(stale_count), 0),
            baseline_count=Coalesce(Subquery(baseline_count), 0),
        )
        .select_related("manager", "portfolio")
        .order_by(*_ordering(sort))
    )


# --- The whole cockpit ------------------------------------------------------------------------------------------------


@dataclass
class Cockpit:
    now: dt.datetime
    today: dt.date
    status: StatusWeek
    queues: list[Queue]
    alerts: Alerts
    over: OverAllocations
    escalated: Escalated
    quality: dict[str, int]

    def queue(self, key: str) -> Queue:
        return next(queue for queue in self.queues if queue.key == key)

    @property
    def waiting(self) -> int:
        """Items waiting in the queues, for the page's summary line."""
        return sum(queue.count for queue in self.queues)


def cockpit(*, access: OrgAccess, now: dt.datetime | None = None) -> Cockpit:
    """Everything the cockpit shows, for an actor with the cockpit capability; a constant number of queries."""
    now = now or timezone.now()
    organization = access.organization
    zone = organization_zone(organization)
    today = now.astimezone(zone).date()
    settings = risk_settings_get(organization=organization)
    return Cockpit(
        now=now,
        today=today,
        status=status_week(access=access, now=now),
        queues=queues(access=access, today=today),
        alerts=open_alerts(access=access),
        over=people_over_capacity(
            organization=organization, start=current_week_start(organization=organization, now=now)
        ),
        escalated=escalated_risks(access=access, settings=settings),
        quality=quality_counts(access=access, settings=settings, now=now),
    )


def queue_waiting_since(item: Any) -> dt.datetime | dt.date | None:
    """When an item of a queue started waiting: the moment it reached the queue (a gate: its planned date)."""
    if isinstance(item, ProjectRequest):
        return item.submitted_at
    if isinstance(item, ChangeRequest):
        return item.assessed_at if item.status == ChangeRequest.Status.ASSESSED else item.submitted_at
    if isinstance(item, GateReview):
        return item.planned_date
    if isinstance(item, StatusReport):
        return item.reviewed_at
    if isinstance(item, TailoringRequest):
        return item.proposed_at
    return None
