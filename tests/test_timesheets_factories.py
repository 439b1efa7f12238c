"""Builders for the timesheet tests (no tests here): people linked to the world's users, allocations, sheets
brought to a state through the services, and a snapshot of everything timesheets store, for "nothing changed"
assertions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from projects.models import Project
from projects.policy import current_week_start
from resources.models import Allocation, Person, Timesheet, TimesheetEntry
from resources.timesheets import services
from tests.conftest import OrgWorld

__test__ = False


def this_week(world: OrgWorld) -> dt.date:
    return current_week_start(organization=world.organization)


def last_week(world: OrgWorld) -> dt.date:
    return this_week(world) - dt.timedelta(weeks=1)


def person(
    world: OrgWorld, role: str | None = "member", *, name: str | None = None, cost_rate: int | str = 50
) -> Person:
    """A person of the world, linked to the user of ``role`` (``None``: not linked)."""
    user = world.users[role] if role else None
    with world.ctx():
        return Person.objects.create(
            organization=world.organization,
            user=user,
            full_name=name or (user.full_name if user else "Unlinked person"),
            cost_rate=Decimal(cost_rate),
        )


def allocate(world: OrgWorld, who: Person, project: Project, week: dt.date, hours: int | str = 20) -> Allocation:
    with world.ctx():
        return Allocation.objects.create(
            organization=world.organization,
            person=who,
            project=project,
            start_week=week - dt.timedelta(weeks=2),
            end_week=week + dt.timedelta(weeks=2),
            hours_per_week=Decimal(hours),
        )


def sheet(
    world: OrgWorld,
    who: Person,
    week: dt.date,
    hours: dict[Project, int | str],
    *,
    stage: str = "draft",
    actor: str = "pmo",
    approver: str = "pmo",
) -> Timesheet:
    """``who``'s sheet of ``week`` with ``hours`` per project, brought to ``stage`` (draft, submitted, approved or
    returned) through the services."""
    org = world.organization
    with world.ctx():
        timesheet = services.timesheet_create(organization=org, actor=world.users[actor], person=who, week_start=week)
        timesheet = services.timesheet_save(
            organization=org,
            actor=world.users[actor],
            timesheet=timesheet,
            entries=[{"project": p.pk, "hours": h} for p, h in hours.items()],
            version=timesheet.version,
        )
        if stage in ("submitted", "approved", "returned"):
            timesheet = services.timesheet_submit(
                organization=org, actor=world.users[actor], timesheet=timesheet, at=timezone.now()
            )
        if stage == "approved":
            timesheet = services.timesheet_approve(organization=org, actor=world.users[approver], timesheet=timesheet)
        if stage == "returned":
            timesheet = services.timesheet_return(
                organization=org, actor=world.users[approver], timesheet=timesheet, comment="Check the hours."
            )
        return timesheet


def timesheet_state(world: OrgWorld) -> dict[str, Any]:
    with world.ctx():
        return {
            "sheets": list(Timesheet.objects.order_by("pk").values()),
            "entries": list(TimesheetEntry.objects.order_by("pk").values()),
        }
