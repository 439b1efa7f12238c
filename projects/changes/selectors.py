"""Reads of change control, always for an actor in an organisation: a project's change requests, the
organisation's queue (with "awaiting my decision"), and the baseline-change statistics, aggregated in SQL."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, DateField, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from pmo.core.listing import SortKey, sort_ordering
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.roles import Capability
from projects.changes.services import STEP_CAPABILITY, next_step
from projects.models import ApproverRole, Baseline, ChangeApproval, ChangeRequest, Project
from projects.selectors import projects_visible_to

Status = ChangeRequest.Status


def _with_details(queryset: QuerySet[ChangeRequest]) -> QuerySet[ChangeRequest]:
    return queryset.select_related("project", "raised_by", "assessed_by", "decided_by", "baseline").prefetch_related(
        Prefetch(
            "approvals",
            queryset=ChangeApproval.objects.select_related("decided_by").order_by("decided_at", "pk"),
        )
    )


def project_change_requests(
    *, project: Project, queryset: QuerySet[ChangeRequest] | None = None
) -> QuerySet[ChangeRequest]:
    """A project's change requests, newest number first, with their people, baseline and approvals."""
    if queryset is None:
        queryset = ChangeRequest.objects.all()
    return _with_details(queryset.filter(organization_id=project.organization_id, project=project)).order_by("-number")


def change_request_get(*, project: Project, number: Any) -> ChangeRequest:
    """One change request of a project (which the caller already may read) by its number; ``Http404`` otherwise."""
    found = project_change_requests(project=project).filter(number=number).first() if str(number).isdigit() else None
    if found is None:
        raise Http404
    return found


def next_step_is(step: str) -> Q:
    """SQL for "the next unsigned step is ``step``" (steps are signed in order: pmo before executive)."""
    signed_pmo = Exists(
        ChangeApproval.objects.filter(change_request=OuterRef("pk"), step=ApproverRole.PMO, decision="approved")
    )
    signed_executive = Exists(
        ChangeApproval.objects.filter(change_request=OuterRef("pk"), step=ApproverRole.EXECUTIVE, decision="approved")
    )
    if step == ApproverRole.PMO:
        return Q(approvals_required__contains=[ApproverRole.PMO.value]) & ~Q(signed_pmo)
    return (
        Q(approvals_required__contains=[ApproverRole.EXECUTIVE.value])
        & ~Q(signed_executive)
        & (~Q(approvals_required__contains=[ApproverRole.PMO.value]) | Q(signed_pmo))
    )


def awaiting_decision_of(*, access: OrgAccess) -> Q:
    """Requests that wait for this actor: submitted ones for an assessor; assessed ones whose next step the actor
    may sign, unless they raised the request or signed an earlier step."""
    user_id = access.membership.user_id
    condition = Q(pk__in=[])
    if access.can(Capability.CHANGES_ASSESS):
        condition |= Q(status=Status.SUBMITTED)
    signable = Q(pk__in=[])
    for step, capability in STEP_CAPABILITY.items():
        if access.can(capability):
            signable |= next_step_is(step)
    signed_by_me = Exists(ChangeApproval.objects.filter(change_request=OuterRef("pk"), decided_by_id=user_id))
    condition |= Q(status=Status.ASSESSED) & signable & ~Q(raised_by_id=user_id) & ~Q(signed_by_me)
    return condition


@dataclass(frozen=True)
class ChangeRequestFilters:
    status: str = ""
    change_type: str = ""
    project: int | None = None
    awaiting_me: bool = False
    portfolio: int | None = None
    # Words of the code ("CR-012" or "12"), title or project code/name.
    search: str = ""
    # Submitted on or after / on or before these days (in the active time zone, the organisation's).
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    # A key of ``CHANGE_REQUEST_SORTS`` or its reverse ("-cost"); empty: open ones first.
    sort: str = ""


CHANGE_REQUEST_SORTS = {
    "submitted": SortKey(_("Submitted"), ("submitted_at", "project__code", "number")),
    "project": SortKey(_("Project"), ("project__code", "number")),
    "title": SortKey(_("Title"), ("title",)),
    "type": SortKey(_("Type"), ("change_type", "project__code", "number")),
    "cost": SortKey(_("Cost Δ"), ("cost_delta", "project__code", "number")),
    "finish": SortKey(_("Finish Δ (days)"), ("finish_delta_days", "project__code", "number")),
    "status": SortKey(_("Status"), ("status", "project__code", "number")),
    "decided": SortKey(_("Decided"), ("decided_at", "project__code", "number")),
}


def change_request_search_q(text: str) -> Q:
    """Every word must match the request's title, its number (``CR-012``, ``12``) or its project's code or name."""
    condition = Q()
    for word in text.split():
        digits = word.upper().removeprefix("CR-").lstrip("0")
        match = Q(title__icontains=word) | Q(project__code__icontains=word) | Q(project__name__icontains=word)
        if digits.isdigit():
            match |= Q(number=int(digits))
        condition &= match
    return condition


def change_requests_visible_to(
    *,
    access: OrgAccess,
    filters: ChangeRequestFilters | None = None,
    queryset: QuerySet[ChangeRequest] | None = None,
) -> QuerySet[ChangeRequest]:
    """The organisation's change requests on projects the actor may read, filtered; open ones first (oldest
    submission first), then the decided ones, newest first."""
    filters = filters or ChangeRequestFilters()
    if queryset is None:
        queryset = ChangeRequest.objects.all()
    requests = queryset.filter(
        organization=access.organization, project__in=projects_visible_to(access=access).values("pk")
    )
    if filters.status:
        requests = requests.filter(status=filters.status)
    if filters.change_type:
        requests = requests.filter(change_type=filters.change_type)
    if filters.project is not None:
        requests = requests.filter(project_id=filters.project)
    if filters.awaiting_me:
        requests = requests.filter(awaiting_decision_of(access=access))
    if filters.portfolio is not None:
        requests = requests.filter(project__portfolio_id=filters.portfolio)
    if filters.search.strip():
        requests = requests.filter(change_request_search_q(filters.search))
    if filters.submitted_from is not None:
        requests = requests.filter(submitted_at__date__gte=filters.submitted_from)
    if filters.submitted_to is not None:
        requests = requests.filter(submitted_at__date__lte=filters.submitted_to)
    if filters.sort.removeprefix("-") in CHANGE_REQUEST_SORTS:
        ordering = sort_ordering(filters.sort, CHANGE_REQUEST_SORTS, default="project")
    else:
        ordering = [
            F("decided_at").desc(nulls_first=True),
            F("submitted_at").asc(nulls_last=True),
            F("project__code").asc(),
            F("number").asc(),
        ]
    return _with_details(requests.select_related("project__portfolio")).order_by(*ordering)


# --- What the actor may do with one request (pages and the API's "next step") ------------------------------------


@dataclass(frozen=True)
class ApprovalStep:
    step: str
    label: str
    approval: ChangeApproval | None


@dataclass
class ChangeRequestActions:
    steps: list[ApprovalStep]
    next_step: str | None
    can_edit: bool = False
    can_submit: bool = False
    can_withdraw: bool = False
    can_assess: bool = False
    can_sign: bool = False
    can_reject: bool = False
    sign_refusal: str = ""  # why the actor, who holds the step's right, may still not sign
    notes: list[str] = field(default_factory=list)


def approval_steps(change_request: ChangeRequest) -> tuple[list[ApprovalStep], str | None]:
    """Each required step with its decision (if any), and the next unsigned step. Uses the prefetched approvals."""
    by_step = {a.step: a for a in change_request.approvals.all()}
    steps = [
        ApprovalStep(step=step, label=str(ApproverRole(step).label), approval=by_step.get(step))
        for step in change_request.approvals_required
    ]
    signed = [a.step for a in by_step.values() if a.decision == ChangeApproval.Decision.APPROVED]
    upcoming = next_step(change_request, signed) if change_request.status == Status.ASSESSED else None
    return steps, upcoming


def change_request_actions(
    *, access: OrgAccess, change_request: ChangeRequest, can_change_project: bool
) -> ChangeRequestActions:
    """What ``access`` may do with the request now; the services check the same rules again when it is done."""
    steps, upcoming = approval_steps(change_request)
    actions = ChangeRequestActions(steps=steps, next_step=upcoming)
    if change_request.project.is_read_only:
        return actions
    user_id = access.membership.user_id
    owner = can_change_project or change_request.raised_by_id == user_id
    status = change_request.status
    actions.can_edit = actions.can_submit = owner and status == Status.DRAFT
    actions.can_withdraw = owner and change_request.is_open
    actions.can_assess = access.can(Capability.CHANGES_ASSESS) and status == Status.SUBMITTED
    if upcoming is not None and access.can(STEP_CAPABILITY[upcoming]):
        if change_request.raised_by_id == user_id:
            actions.sign_refusal = "raiser"
        elif any(a.decided_by_id == user_id for a in change_request.approvals.all()):
            actions.sign_refusal = "signed"
        else:
            actions.can_sign = True
    actions.can_reject = actions.can_assess or actions.can_sign
    return actions


# --- Baseline-change statistics -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    key: Any  # project id, month ("YYYY-MM") or reason category
    label: str
    count: int
    cost_delta: Decimal
    finish_delta_days: int


@dataclass
class BaselineChangeStats:
    by_project: list[ChangeRow]
    by_month: list[ChangeRow]
    by_category: list[ChangeRow]
    total: ChangeRow
    decided_requests: int
    cycle_time_days: Decimal | None  # average submitted → decided, over approved and rejected requests


# Every baseline from v2 on, with its deltas against the version before (LAG over each project's versions), so a
# re-baseline made without a change request counts as well; then the three groupings in one pass (GROUPING SETS).
_STATS_SQL = """
WITH changes AS (
    SELECT b.project_id,
           b.version,
           b.reason_category,
           date_trunc('month', b.approved_at AT TIME ZONE %(zone)s)::date AS month,
           b.budget - LAG(b.budget) OVER w AS cost_delta,
           b.finish_date - LAG(b.finish_date) OVER w AS finish_delta
    FROM {baseline} b
    WHERE b.organization_id = %(org)s AND b.project_id IN ({visible})
    WINDOW w AS (PARTITION BY b.project_id ORDER BY b.version)
)
SELECT GROUPING(c.project_id) = 0 AS by_project,
       GROUPING(c.month) = 0 AS by_month,
       GROUPING(c.reason_category) = 0 AS by_category,
       c.project_id, c.month, c.reason_category,
       COUNT(*), COALESCE(SUM(c.cost_delta), 0), COALESCE(SUM(c.finish_delta), 0)
FROM changes c
WHERE c.version >= 2
  AND (%(since)s::date IS NULL OR c.month >= %(since)s::date)
  AND (%(until)s::date IS NULL OR c.month <= %(until)s::date)
GROUP BY GROUPING SETS ((c.project_id), (c.month), (c.reason_category), ())
"""


def baseline_change_stats(
    *, access: OrgAccess, since: dt.date | None = None, until: dt.date | None = None
) -> BaselineChangeStats:
    """Baseline changes (v2 and later) of the projects the actor may read, per project, per month (organisation
    time zone, by approval time) and per reason category: count, total cost delta and total finish-date delta in
    days against the previous version. ``since`` and ``until`` are first days of months (inclusive). Also the
    average change-request cycle time (submitted → decided) of requests decided in that period. Three queries
    whatever the number of rows."""
    organization = access.organization
    visible = projects_visible_to(access=access).values("pk")
    visible_sql, visible_params = visible.query.sql_with_params()
    sql = _STATS_SQL.format(baseline=Baseline._meta.db_table, visible=visible_sql)
    params: dict[str, Any] = {
        "zone": organization.time_zone,
        "org": organization.pk,
        "since": since,
        "until": until,
    }
    # The visible-projects subquery uses positional placeholders; turn them into named ones for one param style.
    for i, value in enumerate(visible_params):
        sql = sql.replace("%s", f"%(v{i})s", 1)
        params[f"v{i}"] = value
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    by_project: list[tuple[int, int, Decimal, int]] = []
    by_month: list[ChangeRow] = []
    by_category: list[ChangeRow] = []
    total = ChangeRow(key=None, label="", count=0, cost_delta=Decimal(0), finish_delta_days=0)
    categories = dict(Baseline.ReasonCategory.choices)
    for is_project, is_month, is_category, project_id, month, category, count, cost, days in rows:
        cost, days = Decimal(cost), int(days)
        if is_project:
            by_project.append((project_id, count, cost, days))
        elif is_month:
            by_month.append(ChangeRow(f"{month:%Y-%m}", f"{month:%Y-%m}", count, cost, days))
        elif is_category:
            by_category.append(ChangeRow(category, str(categories.get(category, category)), count, cost, days))
        else:
            total = ChangeRow(None, "", count, cost, days)
    names = {
        pk: f"{code} {name}"
        for pk, code, name in Project.objects.filter(
            organization=organization, pk__in=[row[0] for row in by_project]
        ).values_list("pk", "code", "name")
    }
    project_rows = [ChangeRow(pk, names.get(pk, str(pk)), count, cost, days) for pk, count, cost, days in by_project]
    project_rows.sort(key=lambda row: row.label)
    by_month.sort(key=lambda row: row.key)
    by_category.sort(key=lambda row: row.label)

    decided = ChangeRequest.objects.filter(
        organization=organization,
        project__in=visible,
        status__in=[Status.APPROVED, Status.REJECTED],
        submitted_at__isnull=False,
        decided_at__isnull=False,
    )
    if since is not None or until is not None:
        decided = decided.annotate(month=_local_month(organization.time_zone))
        if since is not None:
            decided = decided.filter(month__gte=since)
        if until is not None:
            decided = decided.filter(month__lte=until)
    cycle = decided.aggregate(n=Count("pk"), avg=Avg(F("decided_at") - F("submitted_at")))
    average = cycle["avg"]
    cycle_days = (
        (Decimal(average.total_seconds()) / Decimal(86400)).quantize(Decimal("0.1")) if average is not None else None
    )
    return BaselineChangeStats(
        by_project=project_rows,
        by_month=by_month,
        by_category=by_category,
        total=total,
        decided_requests=cycle["n"],
        cycle_time_days=cycle_days,
    )


def _local_month(zone: str) -> TruncMonth:
    return TruncMonth("decided_at", output_field=DateField(), tzinfo=zoneinfo.ZoneInfo(zone))
