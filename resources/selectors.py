"""Reads of the people side of resources, always within one organisation: the people list, one person with their
skills, time off, allocations and capacity, the working calendar of a year, and a project's staffing matrix
(required vs filled per week). Each runs a fixed number of queries however many rows there are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy

from pmo.core.listing import SortKey, sort_ordering
from pmo.tenancy.models import Organization
from projects.models import Project
from resources.capacity import Grid, capacity_grid, weeks_between, weeks_from
from resources.models import (
    Allocation,
    CalendarDay,
    Department,
    Person,
    PersonSkill,
    Skill,
    StaffingRequirement,
    TimeOff,
)

CAPACITY_WEEKS = 12
MAX_MATRIX_WEEKS = 52
ZERO = Decimal(0)

# --- People ------------------------------------------------------------------------------------------------------


def _skills_prefetch() -> Prefetch:
    return Prefetch("skills", queryset=PersonSkill.objects.select_related("skill").order_by("skill__name"))


PEOPLE_SORTS: dict[str, SortKey] = {
    "name": SortKey(gettext_lazy("Name"), ("full_name",)),
    "department": SortKey(gettext_lazy("Department"), ("department__name", "full_name")),
    "role": SortKey(gettext_lazy("Job role"), ("job_role", "full_name")),
    "capacity": SortKey(gettext_lazy("Capacity (h/week)"), ("weekly_capacity", "full_name")),
    "added": SortKey(gettext_lazy("Added"), ("created_at", "full_name")),
}


@dataclass(frozen=True)
class PeopleFilters:
    department: int | None = None
    skill: int | None = None
    active: bool | None = None
    search: str = ""
    sort: str = "name"


def person_search_q(text: str) -> Q:
    """People whose name, e-mail or job role contains ``text`` (the list's search box)."""
    return Q(full_name__icontains=text) | Q(email__icontains=text) | Q(job_role__icontains=text)


def people_list(
    *, organization: Organization, filters: PeopleFilters | None = None, queryset: QuerySet[Person] | None = None
) -> QuerySet[Person]:
    """The organisation's people by name, filtered, with department, user and skills (with levels) loaded."""
    filters = filters or PeopleFilters()
    if queryset is None:
        queryset = Person.objects.all()
    people = queryset.filter(organization=organization)
    if filters.department is not None:
        people = people.filter(department_id=filters.department)
    if filters.skill is not None:
        people = people.filter(
            pk__in=PersonSkill.objects.filter(organization=organization, skill_id=filters.skill).values("person_id")
        )
    if filters.active is not None:
        people = people.filter(active=filters.active)
    if filters.search:
        people = people.filter(person_search_q(filters.search))
    return (
        people.select_related("department", "user")
        .prefetch_related(_skills_prefetch())
        .order_by(*sort_ordering(filters.sort, PEOPLE_SORTS, default="name"))
    )


def person_get(*, organization: Organization, pk: Any) -> Person:
    """One person of the organisation; ``Http404`` when missing or another organisation's."""
    person = people_list(organization=organization).filter(pk=pk).first() if str(pk).isdigit() else None
    if person is None:
        raise Http404
    return person


def departments(*, organization: Organization) -> QuerySet[Department]:
    return Department.objects.filter(organization=organization).order_by("name")


def skills(*, organization: Organization) -> QuerySet[Skill]:
    return Skill.objects.filter(organization=organization).order_by("name")


def departments_with_counts(*, organization: Organization) -> QuerySet[Department]:
    """Departments with ``people_count`` (active people), counted in SQL."""
    return departments(organization=organization).annotate(
        people_count=Count("people", filter=Q(people__active=True), distinct=True)
    )


def skills_with_counts(*, organization: Organization) -> QuerySet[Skill]:
    """Skills with ``holder_count`` (active people holding them) and ``requirement_count``, counted in SQL."""
    return skills(organization=organization).annotate(
        holder_count=Count("holders", filter=Q(holders__person__active=True), distinct=True),
        requirement_count=Count("requirements", distinct=True),
    )


@dataclass(frozen=True)
class CapacityWeek:
    week: dt.date
    capacity: Decimal
    allocated: Decimal

    @property
    def free(self) -> Decimal:
        return self.capacity - self.allocated

    @property
    def over(self) -> bool:
        return self.allocated > self.capacity

    @property
    def load(self) -> int | None:
        """Allocated as a whole percentage of capacity (``None`` without capacity)."""
        return int(self.allocated * 100 / self.capacity) if self.capacity else None


def capacity_weeks(*, grid: Grid, person: Person) -> list[CapacityWeek]:
    return [
        CapacityWeek(
            week=week,
            capacity=grid.capacity.get((person.pk, week), ZERO),
            allocated=grid.allocated.get((person.pk, week), ZERO),
        )
        for week in grid.weeks
    ]


def people_capacity(
    *, organization: Organization, people: list[Person], weeks: list[dt.date]
) -> dict[int, list[CapacityWeek]]:
    """Capacity and allocated hours per person over ``weeks`` (three queries: calendar, time off, allocations)."""
    grid = capacity_grid(organization=organization, people=people, weeks=weeks)
    return {person.pk: capacity_weeks(grid=grid, person=person) for person in people}


@dataclass
class PersonDetail:
    person: Person
    skills: list[PersonSkill]
    time_off: list[TimeOff]
    allocations: list[Allocation]
    capacity: list[CapacityWeek]


def person_detail(*, organization: Organization, pk: Any, today: dt.date, weeks: int = CAPACITY_WEEKS) -> PersonDetail:
    """A person with their skills, time off (latest first), allocations (latest first, with their project) and
    their capacity for ``weeks`` weeks from ``today``'s week (holidays, make-up days and time off honoured)."""
    person = person_get(organization=organization, pk=pk)
    time_off = list(TimeOff.objects.filter(organization=organization, person=person).order_by("-start", "-pk"))
    allocations = list(
        Allocation.objects.filter(organization=organization, person=person)
        .select_related("project")
        .order_by("-start_week", "project__code")
    )
    grid = capacity_grid(organization=organization, people=[person], weeks=weeks_from(today, weeks))
    return PersonDetail(
        person=person,
        skills=list(person.skills.all()),
        time_off=time_off,
        allocations=allocations,
        capacity=capacity_weeks(grid=grid, person=person),
    )


def person_time_off(*, organization: Organization, person: Person) -> QuerySet[TimeOff]:
    return TimeOff.objects.filter(organization=organization, person=person).order_by("start", "pk")


# --- Working calendar --------------------------------------------------------------------------------------------


def calendar_days(*, organization: Organization, year: int) -> QuerySet[CalendarDay]:
    """The year's holidays and make-up working days by date."""
    return CalendarDay.objects.filter(organization=organization, date__year=year).order_by("date")


# --- Staffing matrix ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffingCell:
    week: dt.date
    required: Decimal
    filled: Decimal

    @property
    def gap(self) -> Decimal:
        """Hours still missing (negative: more allocated than required)."""
        return self.required - self.filled


@dataclass
class RequirementRow:
    requirement: StaffingRequirement
    cells: dict[dt.date, StaffingCell] = field(default_factory=dict)
    # Allocations that fill this requirement in at least one week.
    filled_by: list[Allocation] = field(default_factory=list)

    def cell_list(self, weeks: list[dt.date]) -> list[StaffingCell | None]:
        return [self.cells.get(week) for week in weeks]

    @property
    def people(self) -> list[Any]:
        """The people filling this requirement, each once (a person may fill it through several allocations)."""
        return list({allocation.person_id: allocation.person for allocation in self.filled_by}.values())

    @property
    def required_total(self) -> Decimal:
        return sum((cell.required for cell in self.cells.values()), ZERO)

    @property
    def filled_total(self) -> Decimal:
        return sum((cell.filled for cell in self.cells.values()), ZERO)

    @property
    def gap_total(self) -> Decimal:
        return sum((max(cell.gap, ZERO) for cell in self.cells.values()), ZERO)


@dataclass
class UnmatchedRow:
    """An allocation on the project, with the hours of each week that fill no requirement."""

    allocation: Allocation
    hours: dict[dt.date, Decimal] = field(default_factory=dict)

    def cell_list(self, weeks: list[dt.date]) -> list[Decimal | None]:
        return [self.hours.get(week) for week in weeks]


@dataclass
class StaffingMatrix:
    project: Project
    weeks: list[dt.date]
    rows: list[RequirementRow]
    unmatched: list[UnmatchedRow]
    allocations: list[Allocation]


def _covers(start: dt.date, end: dt.date, week: dt.date) -> bool:
    return start <= week <= end


def staffing_matrix(*, organization: Organization, project: Project) -> StaffingMatrix:
    """A project's staffing: for each requirement and each week of its span, required vs filled hours and the gap,
    and the allocations (or weeks of them) that fill no requirement. Three queries.

    Matching, week by week: an allocation of the project fills a requirement whose role equals the allocation's
    role (case-insensitive), else one whose skill the allocated person holds. Each allocation-week fills exactly
    one requirement — the first role match that still needs hours, else the first skill match that does, else the
    first match of all — so no hour is counted twice; an allocation-week that matches nothing is unmatched.
    """
    requirements = list(
        StaffingRequirement.objects.filter(organization=organization, project=project)
        .select_related("skill")
        .order_by("start_week", "pk")
    )
    allocations = list(
        Allocation.objects.filter(organization=organization, project=project)
        .select_related("person")
        .order_by("start_week", "person__full_name", "pk")
    )
    wanted_skills = {r.skill_id for r in requirements if r.skill_id is not None}
    held: set[tuple[int, int]] = set()
    if wanted_skills and allocations:
        held = set(
            PersonSkill.objects.filter(
                organization=organization,
                person_id__in={a.person_id for a in allocations},
                skill_id__in=wanted_skills,
            ).values_list("person_id", "skill_id")
        )
    spans = [(r.start_week, r.end_week) for r in requirements] + [(a.start_week, a.end_week) for a in allocations]
    weeks: list[dt.date] = []
    if spans:
        first = min(start for start, _end in spans)
        weeks = weeks_between(first, max(end for _start, end in spans))[:MAX_MATRIX_WEEKS]
    rows = [RequirementRow(requirement=r) for r in requirements]
    unmatched = {a.pk: UnmatchedRow(allocation=a) for a in allocations}
    for week in weeks:
        active = [row for row in rows if _covers(row.requirement.start_week, row.requirement.end_week, week)]
        for row in active:
            row.cells[week] = StaffingCell(week=week, required=row.requirement.hours_per_week, filled=ZERO)
        for allocation in allocations:
            if not _covers(allocation.start_week, allocation.end_week, week):
                continue
            role = allocation.role.strip().casefold()
            by_role = [r for r in active if role and r.requirement.role.strip().casefold() == role]
            by_skill = [
                r for r in active if r not in by_role and (allocation.person_id, r.requirement.skill_id) in held
            ]
            candidates = by_role + by_skill
            if not candidates:
                unmatched[allocation.pk].hours[week] = allocation.hours_per_week
                continue
            target = next((r for r in candidates if r.cells[week].gap > 0), candidates[0])
            cell = target.cells[week]
            target.cells[week] = StaffingCell(
                week=week, required=cell.required, filled=cell.filled + allocation.hours_per_week
            )
            if allocation not in target.filled_by:
                target.filled_by.append(allocation)
    return StaffingMatrix(
        project=project,
        weeks=weeks,
        rows=rows,
        unmatched=[row for row in unmatched.values() if row.hours],
        allocations=allocations,
    )


def staffing_requirement_get(*, organization: Organization, project: Project, pk: Any) -> StaffingRequirement:
    found = (
        StaffingRequirement.objects.filter(organization=organization, project=project, pk=pk)
        .select_related("skill")
        .first()
        if str(pk).isdigit()
        else None
    )
    if found is None:
        raise Http404
    return found
