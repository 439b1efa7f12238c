"""Helpers of the resource-planning tests (no tests here): people, departments, skills, allocations, time off and
calendar days created inside their organisation's tenant context."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pmo.tenancy.context import tenant_context
from projects.models import Project
from resources.models import (
    Allocation,
    CalendarDay,
    Department,
    Person,
    PersonSkill,
    Skill,
    StaffingRequirement,
    TimeOff,
    Timesheet,
    TimesheetEntry,
)
from tests.conftest import OrgWorld

# A quiet ISO week far from today (Monday 2030-03-04 is 2030-W10), so "now" never matters.
W10 = dt.date(2030, 3, 4)


def week(n: int) -> dt.date:
    """Monday of 2030-W<n>."""
    return dt.date.fromisocalendar(2030, n, 1)


def department(world: OrgWorld, name: str) -> Department:
    with world.ctx():
        return Department.objects.create(organization=world.organization, name=name)


def skill(world: OrgWorld, name: str) -> Skill:
    with world.ctx():
        return Skill.objects.create(organization=world.organization, name=name)


def person(
    world: OrgWorld,
    name: str,
    *,
    dept: Department | None = None,
    capacity: int | str = 40,
    skills: tuple[Skill, ...] = (),
    active: bool = True,
) -> Person:
    with world.ctx():
        created = Person.objects.create(
            organization=world.organization,
            full_name=name,
            department=dept,
            weekly_capacity=Decimal(capacity),
            active=active,
        )
        for item in skills:
            PersonSkill.objects.create(organization=world.organization, person=created, skill=item)
        return created


def allocate(
    world: OrgWorld, who: Person, project: Project, first: dt.date, last: dt.date, hours: int | str
) -> Allocation:
    """Stored directly (the services are tested on their own)."""
    with world.ctx():
        return Allocation.objects.create(
            organization=world.organization,
            person=who,
            project=project,
            start_week=first,
            end_week=last,
            hours_per_week=Decimal(hours),
        )


def holiday(world: OrgWorld, day: dt.date, kind: str = CalendarDay.Kind.HOLIDAY) -> None:
    with world.ctx():
        CalendarDay.objects.create(organization=world.organization, date=day, kind=kind)


def time_off(world: OrgWorld, who: Person, start: dt.date, end: dt.date) -> None:
    with world.ctx():
        TimeOff.objects.create(organization=world.organization, person=who, start=start, end=end)


def requirement(
    world: OrgWorld, project: Project, wanted: Skill, first: dt.date, last: dt.date, hours: int | str
) -> StaffingRequirement:
    with world.ctx():
        return StaffingRequirement.objects.create(
            organization=world.organization,
            project=project,
            skill=wanted,
            start_week=first,
            end_week=last,
            hours_per_week=Decimal(hours),
        )


def timesheet(world: OrgWorld, who: Person, monday: dt.date, state: str, **hours: Any) -> Timesheet:
    """``hours`` maps project ids (as ``p<id>``) to hours."""
    with world.ctx():
        sheet = Timesheet.objects.create(organization=world.organization, person=who, week_start=monday, state=state)
        for key, value in hours.items():
            TimesheetEntry.objects.create(
                organization=world.organization, timesheet=sheet, project_id=int(key[1:]), hours=Decimal(value)
            )
        return sheet


def allocation_rows(world: OrgWorld) -> list[tuple[Any, ...]]:
    """Every allocation of the organisation, as comparable tuples (for 'nothing changed' assertions)."""
    with tenant_context(world.organization):
        return list(
            Allocation.objects.order_by("pk").values_list(
                "pk", "person_id", "project_id", "start_week", "end_week", "hours_per_week", "version"
            )
        )
