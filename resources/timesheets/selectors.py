"""Reads of weekly timesheets: my week (pre-filled from my allocations), the sheets an actor may see, the approval
queue, and a project's approved hours and labour cost (in SQL). Another app reads labour cost through
``project_labour_cost`` (the weekly status uses it as the floor of actual cost)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy

from pmo.core.listing import SortKey, sort_ordering
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.roles import Capability
from projects import permissions as project_permissions
from projects.models import Project, ProjectUserObjectPermission
from projects.policy import week_label
from projects.selectors import projects_visible_to
from resources.models import Allocation, Person, Timesheet, TimesheetEntry

ZERO = Decimal(0)
MONEY = DecimalField(max_digits=18, decimal_places=2)
HOURS = DecimalField(max_digits=10, decimal_places=2)


def person_for_user(*, organization: Organization, user: Any) -> Person | None:
    """The person linked to ``user`` in ``organization`` (at most one: a unique constraint)."""
    if user is None or getattr(user, "pk", None) is None:
        return None
    return Person.objects.filter(organization=organization, user_id=user.pk).select_related("department").first()


def person_get(*, organization: Organization, pk: Any) -> Person | None:
    if not str(pk).isdigit():
        return None
    return Person.objects.filter(organization=organization, pk=pk).first()


def people_for_entry(*, access: OrgAccess) -> QuerySet[Person]:
    """Whose sheets ``access`` may enter: everybody active for the PMO, else the actor's own person."""
    people = Person.objects.filter(organization=access.organization, active=True)
    if access.can(Capability.RESOURCES_MANAGE):
        return people.order_by("full_name", "pk")
    return people.filter(user_id=access.membership.user_id)


# --- Which projects a sheet may book --------------------------------------------------------------------------


def allocations_in_week(*, organization: Organization, person: Person, week_start: dt.date) -> QuerySet[Allocation]:
    return Allocation.objects.filter(
        organization=organization, person=person, start_week__lte=week_start, end_week__gte=week_start
    )


def bookable_projects(*, organization: Organization, person: Person, week_start: dt.date) -> set[int]:
    """Ids of the projects ``person`` may book in the week: those they are allocated to that week, and those their
    user may read (two queries)."""
    ids = set(
        allocations_in_week(organization=organization, person=person, week_start=week_start).values_list(
            "project_id", flat=True
        )
    )
    if person.user_id is not None:
        membership = Membership.objects.filter(organization=organization, user_id=person.user_id).first()
        if membership is not None:
            access = OrgAccess(organization=organization, membership=membership)
            ids |= set(projects_visible_to(access=access).values_list("pk", flat=True))
    return ids


# --- My week ------------------------------------------------------------------------------------------------------


def _number(value: Any) -> Decimal:
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except ArithmeticError:
        return ZERO
    return number if number.is_finite() else ZERO


@dataclass
class WeekRow:
    project: Project
    hours: Decimal | str | None = None
    note: str = ""
    allocated: Decimal | None = None


@dataclass
class MyWeek:
    person: Person
    week_start: dt.date
    timesheet: Timesheet | None
    rows: list[WeekRow] = field(default_factory=list)
    # Projects the person may add to the sheet beyond the pre-filled rows.
    others: list[Project] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        """The hours of the rows; input that is not a number (a refused form shown again) counts as 0."""
        return sum((_number(row.hours) for row in self.rows), ZERO)

    @property
    def allocated_total(self) -> Decimal:
        return sum((row.allocated or ZERO for row in self.rows), ZERO)


def my_week(*, organization: Organization, person: Person, week_start: dt.date) -> MyWeek:
    """The person's sheet of the week (if started) as rows: every project they are allocated to that week (with
    the allocated hours as a hint) and every project already on the sheet; plus the other bookable, open projects
    (a fixed number of queries)."""
    timesheet = (
        Timesheet.objects.filter(organization=organization, person=person, week_start=week_start)
        .select_related("decided_by")
        .first()
    )
    rows: dict[int, WeekRow] = {}
    for allocation in (
        allocations_in_week(organization=organization, person=person, week_start=week_start)
        .order_by("project__code")
        .select_related("project")
    ):
        row = rows.setdefault(allocation.project_id, WeekRow(project=allocation.project, allocated=ZERO))
        row.allocated = (row.allocated or ZERO) + allocation.hours_per_week
    if timesheet is not None:
        for entry in TimesheetEntry.objects.filter(organization=organization, timesheet=timesheet).select_related(
            "project"
        ):
            row = rows.setdefault(entry.project_id, WeekRow(project=entry.project))
            row.hours, row.note = entry.hours, entry.note
    bookable = bookable_projects(organization=organization, person=person, week_start=week_start)
    others = list(
        Project.objects.filter(organization=organization, pk__in=bookable - set(rows))
        .exclude(status__in=[Project.Status.CLOSED, Project.Status.CANCELLED])
        .order_by("code")
    )
    ordered = sorted(rows.values(), key=lambda row: (row.allocated is None, row.project.code))
    return MyWeek(person=person, week_start=week_start, timesheet=timesheet, rows=ordered, others=others)


# --- Sheets an actor may see ----------------------------------------------------------------------------------


def changeable_project_ids(*, access: OrgAccess) -> set[int] | None:
    """The projects ``access`` may change (``None``: all of them), in one query."""
    if access.can(project_permissions.CHANGE_ALL):
        return None
    return set(
        ProjectUserObjectPermission.objects.filter(
            organization=access.organization,
            user_id=access.membership.user_id,
            permission__codename=project_permissions.CHANGE_CODENAME,
        ).values_list("content_object_id", flat=True)
    )


def _on_changeable_projects(access: OrgAccess) -> Q:
    """Sheets with hours on a project ``access`` may change."""
    granted = ProjectUserObjectPermission.objects.filter(
        organization=access.organization,
        user_id=access.membership.user_id,
        permission__codename=project_permissions.CHANGE_CODENAME,
        content_object_id=OuterRef("project_id"),
    )
    entries = TimesheetEntry.objects.filter(organization=access.organization, timesheet_id=OuterRef("pk")).filter(
        Exists(granted)
    )
    return Q(Exists(entries))


def _with_totals(queryset: QuerySet[Timesheet]) -> QuerySet[Timesheet]:
    return (
        queryset.select_related("person", "person__department", "decided_by")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=TimesheetEntry.objects.select_related("project").order_by("project__code"),
            )
        )
        .annotate(total_hours=Coalesce(Sum("entries__hours"), Value(ZERO), output_field=HOURS))
    )


def timesheets_visible_to(*, access: OrgAccess, queryset: QuerySet[Timesheet] | None = None) -> QuerySet[Timesheet]:
    """The sheets ``access`` may read: every sheet for the PMO (``RESOURCES_MANAGE``); for approvers their own and
    those with hours on a project they may change; for everyone else their own. Totals and entries joined in."""
    if queryset is None:
        queryset = Timesheet.objects.all()
    queryset = queryset.filter(organization=access.organization)
    if not access.can(Capability.RESOURCES_MANAGE):
        own = Q(person__user_id=access.membership.user_id)
        if access.can(Capability.TIMESHEETS_APPROVE):
            queryset = queryset.filter(own | _on_changeable_projects(access))
        else:
            queryset = queryset.filter(own)
    return _with_totals(queryset)


def timesheet_get_for_actor(*, access: OrgAccess, pk: Any) -> Timesheet:
    """One sheet ``access`` may read; ``Http404`` alike when missing, elsewhere or not visible."""
    sheet = timesheets_visible_to(access=access).filter(pk=pk).first() if str(pk).isdigit() else None
    if sheet is None:
        raise Http404
    return sheet


@dataclass
class QueueRow:
    timesheet: Timesheet
    # Codes of projects on the sheet that the approver may not change (they cannot approve it).
    blocked: list[str]

    @property
    def can_decide(self) -> bool:
        return not self.blocked

    @property
    def week_label(self) -> str:
        return week_label(self.timesheet.week_start)


APPROVAL_SORTS: dict[str, SortKey] = {
    "week": SortKey(gettext_lazy("Week"), ("week_start", "person__full_name")),
    "person": SortKey(gettext_lazy("Person"), ("person__full_name", "week_start")),
    "department": SortKey(gettext_lazy("Department"), ("person__department__name", "person__full_name")),
    "total": SortKey(gettext_lazy("Total hours"), ("total_hours", "week_start")),
    "submitted": SortKey(gettext_lazy("Submitted"), ("submitted_at", "week_start")),
}


@dataclass(frozen=True)
class ApprovalFilters:
    person: int | None = None
    department: int | None = None
    week_start: dt.date | None = None
    project: int | None = None
    sort: str = "week"


def approval_queue(*, access: OrgAccess, filters: ApprovalFilters | None = None) -> list[QueueRow]:
    """Submitted sheets awaiting ``access``: for the PMO every one, for a manager those with hours on a project they
    may change; never the approver's own; narrowed by ``filters`` (a project: sheets with hours on it), oldest week
    first unless sorted otherwise. Each row says which projects keep the approver from deciding (a fixed number of
    queries, however many sheets)."""
    filters = filters or ApprovalFilters()
    sheets = approval_sheets(access=access)
    if filters.person is not None:
        sheets = sheets.filter(person_id=filters.person)
    if filters.department is not None:
        sheets = sheets.filter(person__department_id=filters.department)
    if filters.week_start is not None:
        sheets = sheets.filter(week_start=filters.week_start)
    if filters.project is not None:
        sheets = with_hours_on(sheets, project=filters.project)
    changeable = changeable_project_ids(access=access)
    sheets = sheets.order_by(*sort_ordering(filters.sort, APPROVAL_SORTS, default="week"))
    return [QueueRow(timesheet=sheet, blocked=blocked_projects(sheet, changeable=changeable)) for sheet in sheets]


def approval_sheets(*, access: OrgAccess) -> QuerySet[Timesheet]:
    """The submitted sheets awaiting ``access`` (see ``approval_queue``), unsorted and unfiltered."""
    sheets = (
        timesheets_visible_to(access=access)
        .filter(state=Timesheet.State.SUBMITTED)
        .exclude(person__user_id=access.membership.user_id)
    )
    if not access.can(Capability.RESOURCES_MANAGE):
        sheets = sheets.filter(_on_changeable_projects(access))
    return sheets


def with_hours_on(sheets: QuerySet[Timesheet], *, project: Project | int) -> QuerySet[Timesheet]:
    """The sheets of ``sheets`` with hours booked on ``project``."""
    project_id = project if isinstance(project, int) else project.pk
    on_project = TimesheetEntry.objects.filter(
        organization_id=OuterRef("organization_id"), timesheet=OuterRef("pk"), project_id=project_id
    )
    return sheets.filter(Exists(on_project))


def blocked_projects(sheet: Timesheet, *, changeable: AbstractSet[int] | None) -> list[str]:
    """Codes of the projects on ``sheet`` (entries prefetched) that keep an approver who may change only
    ``changeable`` (``None``: every project) from deciding it."""
    if changeable is None:
        return []
    return [entry.project.code for entry in sheet.entries.all() if entry.project_id not in changeable]


# --- Labour cost --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabourCost:
    hours: Decimal
    cost: Decimal


def project_labour_cost(*, organization: Organization, project: Project, until: dt.date) -> LabourCost:
    """A project's approved hours and labour cost (Σ hours × the cost rate frozen on each approved sheet) of the
    weeks starting on or before ``until``, in one SQL aggregate. Sheets not approved do not count."""
    totals = TimesheetEntry.objects.filter(
        organization=organization,
        project=project,
        timesheet__state=Timesheet.State.APPROVED,
        timesheet__week_start__lte=until,
    ).aggregate(
        total_hours=Coalesce(Sum("hours"), Value(ZERO), output_field=HOURS),
        total_cost=Coalesce(
            Sum(ExpressionWrapper(F("hours") * Coalesce(F("timesheet__cost_rate"), Value(ZERO)), output_field=MONEY)),
            Value(ZERO),
            output_field=MONEY,
        ),
    )
    return LabourCost(hours=totals["total_hours"], cost=totals["total_cost"].quantize(Decimal("0.01")))
