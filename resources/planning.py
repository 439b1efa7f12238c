"""Reads of resource planning: allocations, over-allocation, capacity vs demand and utilisation.

Every selector runs a fixed number of queries however many people, projects and weeks there are: rows are read in
bulk (``resources.capacity.capacity_grid`` for capacity and allocated hours) and summed in one pass, or summed in
SQL (approved timesheet hours, staffing requirements).

Definitions (also on the pages):

- capacity of a group and week: the sum of the capacity of the group's active people (holidays and time off
  honoured). By skill, a person with several skills counts in each of them, so skill rows do not add up to the
  organisation.
- demand by department: the hours allocated to the department's active people; by skill: the hours per week of
  the staffing requirements that ask for the skill (projects not closed or cancelled). Ratio = demand ÷ capacity;
  over when demand exceeds capacity.
- utilisation: planned = allocated ÷ capacity, actual = approved timesheet hours ÷ capacity, over the period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from django.db.models import QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmo.core.listing import SortKey, sort_ordering
from pmo.tenancy.models import Organization
from projects.models import Project
from resources.capacity import Grid, capacity_grid, weeks_from
from resources.models import (
    Allocation,
    Department,
    Person,
    PersonSkill,
    Skill,
    StaffingRequirement,
    Timesheet,
    TimesheetEntry,
)

GroupBy = Literal["department", "skill"]
GROUP_BYS: tuple[str, ...] = ("department", "skill")
MIN_WEEKS, MAX_WEEKS = 1, 26
NO_DEPARTMENT = 0  # the group id of active people without a department
ZERO = Decimal(0)
ARCHIVED = (Project.Status.CLOSED, Project.Status.CANCELLED)


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` ÷ ``whole`` to four places; ``None`` when there is nothing to divide by."""
    return (part / whole).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) if whole > 0 else None


# --- Allocations ------------------------------------------------------------------------------------------------


ALLOCATION_SORTS: dict[str, SortKey] = {
    "person": SortKey(gettext_lazy("Person"), ("person__full_name", "start_week")),
    "project": SortKey(gettext_lazy("Project"), ("project__code", "person__full_name", "start_week")),
    "department": SortKey(gettext_lazy("Department"), ("person__department__name", "person__full_name", "start_week")),
    "hours": SortKey(gettext_lazy("Hours per week"), ("hours_per_week", "person__full_name")),
    "start": SortKey(gettext_lazy("From week"), ("start_week", "person__full_name")),
    "end": SortKey(gettext_lazy("To week"), ("end_week", "person__full_name")),
}


def allocations_list(
    *,
    organization: Organization,
    person: int | None = None,
    project: int | None = None,
    department: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    sort: str = "person",
    queryset: QuerySet[Allocation] | None = None,
) -> QuerySet[Allocation]:
    """The organisation's allocations with person, department and project joined; ``since``/``until`` keep those
    that cover any week of that range; sorted by a key of ``ALLOCATION_SORTS`` (by person by default)."""
    rows = (queryset if queryset is not None else Allocation.objects.all()).filter(organization=organization)
    if person is not None:
        rows = rows.filter(person_id=person)
    if project is not None:
        rows = rows.filter(project_id=project)
    if department is not None:
        rows = rows.filter(person__department_id=department)
    if since is not None:
        rows = rows.filter(end_week__gte=since)
    if until is not None:
        rows = rows.filter(start_week__lte=until)
    return rows.select_related("person__department", "project").order_by(
        *sort_ordering(sort, ALLOCATION_SORTS, default="person")
    )


def allocation_get(*, organization: Organization, pk: int | str) -> Allocation:
    allocation = allocations_list(organization=organization).filter(pk=pk).first() if str(pk).isdigit() else None
    if allocation is None:
        raise Http404
    return allocation


# --- Over-allocation --------------------------------------------------------------------------------------------


@dataclass
class OverAllocation:
    person: Person
    week: dt.date
    capacity: Decimal
    allocated: Decimal
    allocations: list[Allocation] = field(default_factory=list)

    @property
    def excess(self) -> Decimal:
        return self.allocated - self.capacity


def over_allocations(*, organization: Organization, start: dt.date, weeks: int) -> list[OverAllocation]:
    """Every person-week of ``weeks`` weeks from ``start`` whose allocated hours exceed its capacity, with the
    allocations involved (project joined), by week then person. Active people only; five queries."""
    window = weeks_from(start, weeks)
    grid = capacity_grid(organization=organization, people=_active_people(organization), weeks=window)
    return _over_rows(organization, grid.over())


def _over_rows(
    organization: Organization, over: Sequence[tuple[int, dt.date, Decimal, Decimal]]
) -> list[OverAllocation]:
    """``OverAllocation`` rows for the grid's over-allocated (person id, week, capacity, allocated), with their
    person (department joined) and the allocations covering each week (project joined): one query, reading only
    those people's allocations in those weeks."""
    if not over:
        return []
    weeks = [week for _person_id, week, _capacity, _allocated in over]
    rows = allocations_list(organization=organization, since=min(weeks), until=max(weeks)).filter(
        person_id__in={person_id for person_id, _week, _capacity, _allocated in over}
    )
    people: dict[int, Person] = {}
    mine: dict[int, list[Allocation]] = defaultdict(list)
    for row in rows:
        people[row.person_id] = row.person
        mine[row.person_id].append(row)
    return [
        OverAllocation(
            person=people[person_id],
            week=week,
            capacity=capacity,
            allocated=allocated,
            allocations=sorted(
                (row for row in mine[person_id] if row.start_week <= week <= row.end_week),
                key=lambda a: (a.project.code, a.pk),
            ),
        )
        for person_id, week, capacity, allocated in over
    ]


@dataclass(frozen=True)
class OverAllocationCount:
    person_weeks: int
    people: int


# --- Capacity vs demand -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    id: int
    name: str


@dataclass
class Cell:
    capacity: Decimal = ZERO
    demand: Decimal = ZERO

    @property
    def ratio(self) -> Decimal | None:
        return ratio(self.demand, self.capacity)

    @property
    def free(self) -> Decimal:
        return self.capacity - self.demand

    @property
    def over(self) -> bool:
        return self.demand > self.capacity


@dataclass
class CapacityDemand:
    by: str
    weeks: list[dt.date]
    groups: list[Group]
    cells: dict[tuple[int, dt.date], Cell]

    def row(self, group: Group) -> list[Cell]:
        return [self.cells[(group.id, week)] for week in self.weeks]

    @property
    def over_count(self) -> int:
        return sum(1 for cell in self.cells.values() if cell.over)


def _active_people(organization: Organization) -> list[Person]:
    """The active people with what capacity vs demand reads of them (a thousand in a large organisation)."""
    return list(
        Person.objects.filter(organization=organization, active=True)
        .only("department", "weekly_capacity")
        .order_by("full_name", "pk")
    )


def _skill_holders(organization: Organization, people: Sequence[Person]) -> dict[int, list[int]]:
    """skill id → ids of the given people holding it (one query)."""
    holders: dict[int, list[int]] = defaultdict(list)
    for skill_id, person_id in PersonSkill.objects.filter(
        organization=organization, person_id__in=[p.pk for p in people]
    ).values_list("skill_id", "person_id"):
        holders[skill_id].append(person_id)
    return holders


def _requirements(organization: Organization, window: Sequence[dt.date]) -> QuerySet[StaffingRequirement]:
    return StaffingRequirement.objects.filter(
        organization=organization,
        skill__isnull=False,
        start_week__lte=window[-1],
        end_week__gte=window[0],
    ).exclude(project__status__in=ARCHIVED)


def _department_groups(organization: Organization, people: Sequence[Person]) -> list[Group]:
    groups = [Group(d.pk, d.name) for d in Department.objects.filter(organization=organization).order_by("name")]
    if any(person.department_id is None for person in people):
        groups.append(Group(NO_DEPARTMENT, _("No department")))
    return groups


def capacity_demand(*, organization: Organization, start: dt.date, weeks: int, by: str) -> CapacityDemand:
    """Capacity, demand, ratio and the over flag per group (department or skill) and week (see the module's
    definitions). Six queries by department, seven by skill."""
    if by not in GROUP_BYS:
        raise ValueError(by)
    window = weeks_from(start, weeks)
    people = _active_people(organization)
    grid = capacity_grid(organization=organization, people=people, weeks=window)
    return _capacity_demand_of(organization, people, grid, window, by)


def _capacity_demand_of(
    organization: Organization, people: Sequence[Person], grid: Grid, window: list[dt.date], by: str
) -> CapacityDemand:
    """``capacity_demand`` from the grid of the active ``people`` (covering at least ``window``)."""
    cells: dict[tuple[int, dt.date], Cell] = {}
    if by == "department":
        groups = _department_groups(organization, people)
        for group in groups:
            for week in window:
                cells[(group.id, week)] = Cell()
        capacity, allocated = grid.capacity, grid.allocated
        for person in people:
            group_id, person_id = person.department_id or NO_DEPARTMENT, person.pk
            for week in window:
                cell = cells[(group_id, week)]
                cell.capacity += capacity.get((person_id, week), ZERO)
                cell.demand += allocated.get((person_id, week), ZERO)
    else:
        groups = [Group(s.pk, s.name) for s in Skill.objects.filter(organization=organization).order_by("name")]
        holders = _skill_holders(organization, people)
        for group in groups:
            for week in window:
                cells[(group.id, week)] = Cell(
                    capacity=sum((grid.capacity.get((pid, week), ZERO) for pid in holders.get(group.id, ())), ZERO)
                )
        for skill_id, first, last, hours in _requirements(organization, window).values_list(
            "skill_id", "start_week", "end_week", "hours_per_week"
        ):
            for week in window:
                if first <= week <= last and (skill_id, week) in cells:
                    cells[(skill_id, week)].demand += hours
    return CapacityDemand(by=by, weeks=window, groups=groups, cells=cells)


@dataclass(frozen=True)
class CapacityOverview:
    demand: CapacityDemand
    over: OverAllocationCount
    # The first ``over_rows`` rows of ``over_allocations`` for the over-allocation window (none unless asked).
    first_over: list[OverAllocation] = field(default_factory=list)


def capacity_overview(
    *,
    organization: Organization,
    start: dt.date,
    weeks: int,
    by: str,
    over_start: dt.date,
    over_weeks: int,
    over_rows: int = 0,
) -> CapacityOverview:
    """``capacity_demand`` of ``weeks`` weeks from ``start``, and how many person-weeks (of how many people)
    ``over_allocations`` lists for ``over_weeks`` weeks from ``over_start`` with its first ``over_rows`` rows, read
    in one pass: the active people once, one grid over both windows, the allocations of those first rows only (the
    capacity heat map page and the monthly review). Six queries by department, seven by skill, one more for rows."""
    if by not in GROUP_BYS:
        raise ValueError(by)
    window = weeks_from(start, weeks)
    over_window = weeks_from(over_start, over_weeks)
    people = _active_people(organization)
    grid = capacity_grid(organization=organization, people=people, weeks=sorted({*window, *over_window}))
    wanted = set(over_window)
    over = [row for row in grid.over() if row[1] in wanted]
    return CapacityOverview(
        demand=_capacity_demand_of(organization, people, grid, window, by),
        over=OverAllocationCount(person_weeks=len(over), people=len({person_id for person_id, *_rest in over})),
        first_over=_over_rows(organization, over[:over_rows]) if over_rows > 0 else [],
    )


@dataclass
class PersonWeek:
    person: Person
    capacity: Decimal
    allocated: Decimal

    @property
    def free(self) -> Decimal:
        return self.capacity - self.allocated

    @property
    def over(self) -> bool:
        return self.allocated > self.capacity


@dataclass
class ProjectHours:
    project: Project
    hours: Decimal


@dataclass
class DrillDown:
    by: str
    group: Group
    week: dt.date
    cell: Cell
    people: list[PersonWeek]
    projects: list[ProjectHours]


def capacity_drilldown(*, organization: Organization, by: str, group_id: int, week: dt.date) -> DrillDown:
    """One group and week: its people (capacity, allocated, free) and its projects — by department the hours
    allocated to the department's people per project, by skill the hours the projects' requirements ask for.
    ``Http404`` for a group that is not the organisation's."""
    if by not in GROUP_BYS:
        raise Http404
    people_rows = Person.objects.filter(organization=organization, active=True).select_related("department")
    if by == "department":
        if group_id == NO_DEPARTMENT:
            group = Group(NO_DEPARTMENT, _("No department"))
            people_rows = people_rows.filter(department__isnull=True)
        else:
            department = Department.objects.filter(organization=organization, pk=group_id).first()
            if department is None:
                raise Http404
            group = Group(department.pk, department.name)
            people_rows = people_rows.filter(department=department)
    else:
        skill = Skill.objects.filter(organization=organization, pk=group_id).first()
        if skill is None:
            raise Http404
        group = Group(skill.pk, skill.name)
        people_rows = people_rows.filter(skills__skill=skill)
    people = list(people_rows.order_by("full_name", "pk"))
    grid = capacity_grid(organization=organization, people=people, weeks=[week])
    rows = [
        PersonWeek(
            person=p, capacity=grid.capacity.get((p.pk, week), ZERO), allocated=grid.allocated.get((p.pk, week), ZERO)
        )
        for p in people
    ]
    rows.sort(key=lambda r: (-(r.allocated - r.capacity), r.person.full_name))
    if by == "department":
        totals = (
            Allocation.objects.filter(
                organization=organization, person__in=[p.pk for p in people], start_week__lte=week, end_week__gte=week
            )
            .values("project_id")
            .annotate(hours=Sum("hours_per_week"))
        )
        demand = sum((r.allocated for r in rows), ZERO)
    else:
        totals = (
            _requirements(organization, [week])
            .filter(skill_id=group.id)
            .values("project_id")
            .annotate(hours=Sum("hours_per_week"))
        )
        demand = ZERO
    hours_by_project = {row["project_id"]: row["hours"] for row in totals}
    projects = [
        ProjectHours(project=project, hours=hours_by_project[project.pk])
        for project in Project.objects.filter(organization=organization, pk__in=list(hours_by_project))
    ]
    projects.sort(key=lambda p: (-p.hours, p.project.code))
    if by == "skill":
        demand = sum((p.hours for p in projects), ZERO)
    cell = Cell(capacity=sum((r.capacity for r in rows), ZERO), demand=demand)
    return DrillDown(by=by, group=group, week=week, cell=cell, people=rows, projects=projects)


# --- Utilisation ------------------------------------------------------------------------------------------------


@dataclass
class Utilisation:
    key: int
    name: str
    capacity: Decimal = ZERO
    planned_hours: Decimal = ZERO
    actual_hours: Decimal = ZERO
    people: int = 0

    @property
    def planned(self) -> Decimal | None:
        return ratio(self.planned_hours, self.capacity)

    @property
    def actual(self) -> Decimal | None:
        return ratio(self.actual_hours, self.capacity)

    def add(self, other: Utilisation) -> None:
        self.capacity += other.capacity
        self.planned_hours += other.planned_hours
        self.actual_hours += other.actual_hours
        self.people += other.people


@dataclass
class UtilisationReport:
    weeks: list[dt.date]
    people: list[Utilisation]
    departments: list[Utilisation]
    organization: Utilisation


def utilization(*, organization: Organization, start: dt.date, weeks: int) -> UtilisationReport:
    """Planned (allocated ÷ capacity) and actual (approved timesheet hours ÷ capacity) utilisation of the active
    people over ``weeks`` weeks from ``start``: per person, per department and for the organisation. Six queries."""
    window = weeks_from(start, weeks)
    people = list(
        Person.objects.filter(organization=organization, active=True)
        .select_related("department")
        .order_by("full_name", "pk")
    )
    grid = capacity_grid(organization=organization, people=people, weeks=window)
    actual = dict(
        TimesheetEntry.objects.filter(
            organization=organization,
            timesheet__state=Timesheet.State.APPROVED,
            timesheet__week_start__gte=window[0],
            timesheet__week_start__lte=window[-1],
            timesheet__person__in=[p.pk for p in people],
        )
        .values("timesheet__person_id")
        .annotate(hours=Sum("hours"))
        .values_list("timesheet__person_id", "hours")
    )
    per_person = []
    departments: dict[int, Utilisation] = {}
    total = Utilisation(key=organization.pk, name=organization.name)
    for person in people:
        row = Utilisation(
            key=person.pk,
            name=person.full_name,
            capacity=sum((grid.capacity.get((person.pk, w), ZERO) for w in window), ZERO),
            planned_hours=sum((grid.allocated.get((person.pk, w), ZERO) for w in window), ZERO),
            actual_hours=actual.get(person.pk) or ZERO,
            people=1,
        )
        per_person.append(row)
        department_id = person.department_id or NO_DEPARTMENT
        if department_id not in departments:
            name = person.department.name if person.department else _("No department")
            departments[department_id] = Utilisation(key=department_id, name=name)
        departments[department_id].add(row)
        total.add(row)
    return UtilisationReport(
        weeks=window,
        people=per_person,
        departments=sorted(departments.values(), key=lambda d: (d.key == NO_DEPARTMENT, d.name)),
        organization=total,
    )
