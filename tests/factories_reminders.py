"""Helpers of the reminder tests: moments in the organisation's time zone (Asia/Shanghai) around ISO week
2026-W47, status reports, people, allocations and timesheets in one organisation, and the notifications sent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from projects.models import Project, StatusReport
from reports.models import Notification, ReminderPolicy
from resources.models import Allocation, Person, Timesheet
from tests.conftest import OrgWorld

ZONE = ZoneInfo("Asia/Shanghai")
WEEK = dt.date(2026, 11, 16)  # Monday of 2026-W47; status (Friday 18:00) and timesheets (Friday 18:00) due 11-20
LABEL = "2026-W47"


def at(day: int, hour: int, minute: int = 0, *, week: dt.date = WEEK) -> dt.datetime:
    """``day`` days after ``week``'s Monday, at ``hour:minute`` in Shanghai."""
    return dt.datetime.combine(week + dt.timedelta(days=day), dt.time(hour, minute), tzinfo=ZONE)


def settle(world: OrgWorld) -> None:
    """Make the world's projects start in W47 (created on its Monday), so the week before has nothing overdue."""
    with world.ctx():
        Project.objects.all().update(created_at=at(0, 8))


def status_report(world: OrgWorld, project: Project, state: str, *, week: dt.date = WEEK) -> StatusReport:
    submitted = state != StatusReport.State.DRAFT
    moment = at(3, 12, week=week) if submitted else None
    with world.ctx():
        return StatusReport.dangerously_unscoped.create(
            organization=world.organization,
            project=project,
            week_start=week,
            state=state,
            revision=1 if submitted else 0,
            due_at=at(4, 18, week=week),
            first_submitted_at=moment,
            submitted_at=moment,
        )


def person(world: OrgWorld, role: str | None, name: str = "") -> Person:
    user = world.users[role] if role else None
    with world.ctx():
        return Person.dangerously_unscoped.create(
            organization=world.organization, user=user, full_name=name or (user.get_full_name() if user else "Nobody")
        )


def allocate(world: OrgWorld, who: Person, project: Project, *, weeks: int = 1) -> Allocation:
    with world.ctx():
        return Allocation.dangerously_unscoped.create(
            organization=world.organization,
            person=who,
            project=project,
            start_week=WEEK,
            end_week=WEEK + dt.timedelta(weeks=weeks - 1),
            hours_per_week=Decimal(20),
        )


def timesheet(world: OrgWorld, who: Person, state: str, *, week: dt.date = WEEK) -> Timesheet:
    with world.ctx():
        return Timesheet.dangerously_unscoped.create(
            organization=world.organization,
            person=who,
            week_start=week,
            state=state,
            submitted_at=None if state == Timesheet.State.DRAFT else timezone.now(),
        )


def set_policy(world: OrgWorld, **fields: Any) -> None:
    from reports.reminders.services import reminder_policy_get

    with world.ctx():
        policy = reminder_policy_get(organization=world.organization)
        ReminderPolicy.objects.filter(pk=policy.pk).update(**fields)


def sent(world: OrgWorld) -> list[tuple[str, str, str]]:
    """(recipient e-mail, kind, de-duplication key) of every notification of the organisation."""
    with world.ctx():
        return sorted(
            Notification.objects.values_list("recipient__email", "kind", "dedup_key").order_by("recipient__email")
        )


def notification(world: OrgWorld, email: str, dedup_key: str) -> Notification:
    with world.ctx():
        return Notification.objects.get(recipient__email=email, dedup_key=dedup_key)
