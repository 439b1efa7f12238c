"""Hand-built data for the alert tests: status reports, milestones, risks, people and allocations, each created in
its organisation's tenant context, and a fixed moment to evaluate at."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from projects.models import Dependency, Milestone, Project, StatusReport
from projects.policy import control_policy_get, status_due_at
from reports.alerts.defaults import alert_rules_install_defaults
from reports.models import AlertRule
from resources.models import Allocation, Person, Timesheet
from risks.models import Issue, Risk
from tests.conftest import OrgWorld

# Thursday 12 March 2026, 12:00 in Shanghai: the status of the week of 2 March (due Friday 6 March 18:00) is the
# latest one due; the current ISO week starts on 9 March.
NOW = dt.datetime(2026, 3, 12, 4, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 12)
THIS_WEEK = dt.date(2026, 3, 9)
DUE_WEEK = dt.date(2026, 3, 2)
LONG_AGO = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def age_projects(world: OrgWorld) -> None:
    """The world's projects exist since long before ``NOW`` (their status is due)."""
    with world.ctx():
        Project.objects.filter(organization=world.organization).update(created_at=LONG_AGO)


def due(world: OrgWorld, week_start: dt.date) -> dt.datetime:
    with world.ctx():
        policy = control_policy_get(organization=world.organization)
        return status_due_at(organization=world.organization, policy=policy, week_start=week_start)


def report(
    world: OrgWorld, project: Project, week_start: dt.date, *, submitted: dt.datetime | None = None, **fields: Any
) -> StatusReport:
    """A weekly report; submitted at ``submitted`` (or a draft when ``None``)."""
    state = fields.pop("state", StatusReport.State.SUBMITTED if submitted else StatusReport.State.DRAFT)
    with world.ctx():
        return StatusReport.objects.create(
            organization=world.organization,
            project=project,
            week_start=week_start,
            due_at=due(world, week_start),
            state=state,
            revision=0 if state == StatusReport.State.DRAFT else 1,
            first_submitted_at=submitted,
            submitted_at=submitted,
            **fields,
        )


def milestone(world: OrgWorld, project: Project, name: str, **dates: Any) -> Milestone:
    with world.ctx():
        return Milestone.objects.create(organization=world.organization, project=project, name=name, **dates)


def dependency(world: OrgWorld, upstream: Milestone, downstream: Milestone) -> Dependency:
    with world.ctx():
        return Dependency.objects.create(
            organization=world.organization,
            upstream=upstream,
            downstream=downstream,
            upstream_project=upstream.project,
            downstream_project=downstream.project,
            created_by=world.users["pmo"],
        )


def risk(world: OrgWorld, project: Project, number: int, **fields: Any) -> Risk:
    fields.setdefault("probability", 3)
    fields.setdefault("impact", 3)
    with world.ctx():
        return Risk.objects.create(
            organization=world.organization,
            project=project,
            number=number,
            title=f"Risk {number}",
            category="technical",
            strategy="mitigate",
            **fields,
        )


def issue(world: OrgWorld, project: Project, number: int, **fields: Any) -> Issue:
    with world.ctx():
        return Issue.objects.create(
            organization=world.organization, project=project, number=number, title=f"Issue {number}", **fields
        )


def person(world: OrgWorld, name: str, *, capacity: int = 40, active: bool = True, user: Any = None) -> Person:
    with world.ctx():
        return Person.objects.create(
            organization=world.organization,
            full_name=name,
            weekly_capacity=Decimal(capacity),
            active=active,
            user=user,
        )


def allocate(world: OrgWorld, who: Person, project: Project, first: dt.date, last: dt.date, hours: int) -> Allocation:
    with world.ctx():
        return Allocation.objects.create(
            organization=world.organization,
            person=who,
            project=project,
            start_week=first,
            end_week=last,
            hours_per_week=Decimal(hours),
        )


def timesheet(world: OrgWorld, who: Person, week_start: dt.date, state: str) -> Timesheet:
    with world.ctx():
        return Timesheet.objects.create(organization=world.organization, person=who, week_start=week_start, state=state)


def install_rules(world: OrgWorld) -> None:
    with world.ctx():
        alert_rules_install_defaults(organization=world.organization)


def only_rule(world: OrgWorld, metric: str, operator: str, threshold: str, **fields: Any) -> AlertRule:
    """The organisation's only rule (any other is deleted)."""
    fields.setdefault("severity", "warning")
    fields.setdefault("notify_roles", ["pmo"])
    with world.ctx():
        AlertRule.objects.filter(organization=world.organization).delete()
        return AlertRule.objects.create(
            organization=world.organization,
            name=f"{metric} {operator} {threshold}",
            metric=metric,
            operator=operator,
            threshold=Decimal(threshold),
            **fields,
        )


def spi_report(world: OrgWorld, project: Project, spi: str | None, week_start: dt.date = DUE_WEEK) -> StatusReport:
    """A report submitted on time for ``week_start`` with the given SPI (frozen EVM figure)."""
    return report(
        world,
        project,
        week_start,
        submitted=due(world, week_start) - dt.timedelta(hours=2),
        spi=None if spi is None else Decimal(spi),
    )


def set_spi(world: OrgWorld, project: Project, spi: str, week_start: dt.date = DUE_WEEK) -> None:
    with world.ctx():
        StatusReport.objects.filter(organization=world.organization, project=project, week_start=week_start).update(
            spi=Decimal(spi), updated_at=timezone.now()
        )
