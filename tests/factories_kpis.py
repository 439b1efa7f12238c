"""Rows for the KPI and monthly-review tests, written directly (the services' own tests cover how they come to be):
closures, baselines, weekly reports, change requests, people with allocations and timesheets."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from projects.models import Baseline, ChangeRequest, ClosureReport, Project, StatusReport
from projects.policy import control_policy_get, status_due_at
from resources.models import Allocation, Person, Timesheet, TimesheetEntry
from risks.models import Issue, Risk
from tests.conftest import OrgWorld
from tests.factories import ProjectFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """An aware datetime in the organisations' default time zone (Asia/Shanghai)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def project(world: OrgWorld, **fields: Any) -> Project:
    fields.setdefault("created_at", local(2026, 1, 1))
    created: Project = ProjectFactory.create(organization=world.organization, **fields)
    return created


def baseline(
    world: OrgWorld,
    on: Project,
    *,
    version: int = 1,
    budget: int = 100,
    finish: dt.date | None = None,
    approved_at: dt.datetime | None = None,
    category: str = Baseline.ReasonCategory.INITIAL,
) -> Baseline:
    with tenant_context(world.organization):
        return Baseline.objects.create(
            organization=world.organization,
            project=on,
            version=version,
            budget=Decimal(budget),
            finish_date=finish,
            reason="test",
            reason_category=category,
            approved_by=world.users["pmo"],
            approved_at=approved_at or local(2026, 1, 1),
        )


def closure(
    world: OrgWorld,
    on: Project,
    *,
    outcome: str,
    decided_at: dt.datetime,
    final_cost: int = 100,
    finish: dt.date = dt.date(2026, 9, 30),
    satisfaction: int = 4,
    status: str = ClosureReport.Status.APPROVED,
) -> ClosureReport:
    with tenant_context(world.organization):
        if status == ClosureReport.Status.APPROVED:
            Project.objects.filter(pk=on.pk).update(status=Project.Status.CLOSED, closed_at=decided_at)
        return ClosureReport.objects.create(
            organization=world.organization,
            project=on,
            outcome=outcome,
            outcome_summary="done",
            final_cost=Decimal(final_cost),
            actual_finish=finish,
            customer_satisfaction=satisfaction,
            status=status,
            decided_at=decided_at if status == ClosureReport.Status.APPROVED else None,
        )


def due(organization: Organization, week_start: dt.date) -> dt.datetime:
    with tenant_context(organization):
        policy = control_policy_get(organization=organization)
    return status_due_at(organization=organization, policy=policy, week_start=week_start)


def report(
    world: OrgWorld,
    on: Project,
    week_start: dt.date,
    *,
    late_hours: float | None = -24,
    rag: str = "green",
    state: str = StatusReport.State.SUBMITTED,
    **fields: Any,
) -> StatusReport:
    """A weekly report first submitted ``late_hours`` after its due time (negative: early; ``None``: never)."""
    due_at = due(world.organization, week_start)
    submitted = due_at + dt.timedelta(hours=late_hours) if late_hours is not None else None
    if submitted is None:
        state = StatusReport.State.DRAFT
    with tenant_context(world.organization):
        return StatusReport.objects.create(
            organization=world.organization,
            project=on,
            week_start=week_start,
            due_at=due_at,
            state=state,
            revision=0 if state == StatusReport.State.DRAFT else 1,
            first_submitted_at=submitted,
            submitted_at=submitted,
            rag_overall=rag,
            **fields,
        )


def change_request(
    world: OrgWorld,
    on: Project,
    number: int,
    *,
    status: str,
    submitted_at: dt.datetime | None,
    decided_at: dt.datetime | None,
    new_baseline: Baseline | None = None,
) -> ChangeRequest:
    with tenant_context(world.organization):
        return ChangeRequest.objects.create(
            organization=world.organization,
            project=on,
            number=number,
            title=f"CR {number}",
            change_type="cost",
            description="d",
            justification="j",
            status=status,
            raised_by=world.users["manager"],
            submitted_at=submitted_at,
            decided_at=decided_at,
            baseline=new_baseline,
        )


def person(world: OrgWorld, name: str, *, capacity: int = 40, active: bool = True) -> Person:
    with tenant_context(world.organization):
        return Person.objects.create(
            organization=world.organization, full_name=name, weekly_capacity=Decimal(capacity), active=active
        )


def allocate(world: OrgWorld, who: Person, on: Project, first: dt.date, last: dt.date, hours: int) -> Allocation:
    with tenant_context(world.organization):
        return Allocation.objects.create(
            organization=world.organization,
            person=who,
            project=on,
            start_week=first,
            end_week=last,
            hours_per_week=Decimal(hours),
        )


def timesheet(world: OrgWorld, who: Person, on: Project, week_start: dt.date, hours: int, *, state: str) -> Timesheet:
    with tenant_context(world.organization):
        sheet = Timesheet.objects.create(
            organization=world.organization, person=who, week_start=week_start, state=state
        )
        TimesheetEntry.objects.create(
            organization=world.organization, timesheet=sheet, project=on, hours=Decimal(hours)
        )
        return sheet


def risk(
    world: OrgWorld, on: Project, number: int, *, level: str, escalated_at: dt.datetime | None, **fields: Any
) -> Risk:
    fields.setdefault("probability", 4)
    fields.setdefault("impact", 4)
    with tenant_context(world.organization):
        return Risk.objects.create(
            organization=world.organization,
            project=on,
            number=number,
            title=f"Risk {number}",
            category="technical",
            strategy="mitigate",
            escalation_level=level,
            escalated_at=escalated_at,
            **fields,
        )


def issue(world: OrgWorld, on: Project, number: int, *, level: str, escalated_at: dt.datetime, status: str) -> Issue:
    with tenant_context(world.organization):
        return Issue.objects.create(
            organization=world.organization,
            project=on,
            number=number,
            title=f"Issue {number}",
            escalation_level=level,
            escalated_at=escalated_at,
            status=status,
        )
