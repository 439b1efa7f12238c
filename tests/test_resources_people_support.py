"""Helpers of the people, calendar and staffing tests: rows created directly in one organisation (inside its tenant
context, so RLS checks every insert) and a snapshot of everything those tests may change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

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
)
from tests.conftest import OrgWorld

MONDAY = dt.date(2026, 3, 2)  # ISO week 2026-W10


def week(n: int) -> dt.date:
    """The Monday ``n`` weeks after ``MONDAY``."""
    return MONDAY + dt.timedelta(weeks=n)


def department(world: OrgWorld, name: str = "Engineering") -> Department:
    with world.ctx():
        return Department.objects.create(organization=world.organization, name=name)


def skill(world: OrgWorld, name: str = "Python") -> Skill:
    with world.ctx():
        return Skill.objects.create(organization=world.organization, name=name)


def person(world: OrgWorld, name: str = "Ada Lovelace", **fields: Any) -> Person:
    fields.setdefault("weekly_capacity", Decimal(40))
    with world.ctx():
        return Person.objects.create(organization=world.organization, full_name=name, **fields)


def give_skill(world: OrgWorld, who: Person, what: Skill, level: int = 3) -> PersonSkill:
    with world.ctx():
        return PersonSkill.objects.create(organization=world.organization, person=who, skill=what, level=level)


def allocate(
    world: OrgWorld, who: Person, project: Project, *, role: str = "", start: int = 0, end: int = 0, hours: Any = 20
) -> Allocation:
    with world.ctx():
        return Allocation.objects.create(
            organization=world.organization,
            person=who,
            project=project,
            role=role,
            start_week=week(start),
            end_week=week(end),
            hours_per_week=Decimal(hours),
        )


def require(
    world: OrgWorld,
    project: Project,
    *,
    role: str = "",
    needs: Skill | None = None,
    start: int = 0,
    end: int = 0,
    hours: Any = 40,
) -> StaffingRequirement:
    with world.ctx():
        return StaffingRequirement.objects.create(
            organization=world.organization,
            project=project,
            role=role,
            skill=needs,
            start_week=week(start),
            end_week=week(end),
            hours_per_week=Decimal(hours),
        )


def calendar_day(world: OrgWorld, date: dt.date, kind: str, name: str = "") -> CalendarDay:
    with world.ctx():
        return CalendarDay.objects.create(organization=world.organization, date=date, kind=kind, name=name)


def time_off(world: OrgWorld, who: Person, start: dt.date, end: dt.date) -> TimeOff:
    with world.ctx():
        return TimeOff.objects.create(organization=world.organization, person=who, start=start, end=end)


def resources_state(world: OrgWorld) -> dict[str, Any]:
    """Every people-side row of the organisation, to assert that a refused write changed nothing."""
    org = world.organization
    with world.ctx():
        return {
            "people": list(Person.objects.filter(organization=org).order_by("pk").values()),
            "departments": list(Department.objects.filter(organization=org).order_by("pk").values()),
            "skills": list(Skill.objects.filter(organization=org).order_by("pk").values()),
            "person_skills": list(PersonSkill.objects.filter(organization=org).order_by("pk").values()),
            "calendar": list(CalendarDay.objects.filter(organization=org).order_by("pk").values()),
            "time_off": list(TimeOff.objects.filter(organization=org).order_by("pk").values()),
            "requirements": list(StaffingRequirement.objects.filter(organization=org).order_by("pk").values()),
        }
