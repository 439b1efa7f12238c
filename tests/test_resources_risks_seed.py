"""The demo data of resources and risks (``resources.seed``, ``risks.seed``) through ``seed_demo``: 40+ people across
departments and skills, China's 2026 calendar, allocations that never overlap per person and project with a few real
over-allocations (one caused by a holiday week) and a department over capacity, timesheets of recent weeks with
frozen cost rates, 100+ risks numbered without gaps with actions, stale and escalated ones, issues and assumptions;
a second run creates nothing, and the command stays fast."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.utils import timezone

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.roles import Role
from projects.models import Project
from projects.policy import current_week_start
from resources.capacity import calendar_for, capacity_grid, weeks_between
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
from risks.models import Assumption, Issue, Risk, RiskAction, RiskSettings

MODELS: list[Any] = [
    Department,
    Skill,
    Person,
    PersonSkill,
    CalendarDay,
    TimeOff,
    Allocation,
    StaffingRequirement,
    Timesheet,
    TimesheetEntry,
    RiskSettings,
    Risk,
    RiskAction,
    Issue,
    Assumption,
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def snapshot(organization: Organization) -> dict[str, Any]:
    with tenant_context(organization):
        return {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in MODELS}


def seed() -> float:
    started = time.monotonic()
    call_command("seed_demo", stdout=StringIO())
    return time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_demo_resources_and_risks_are_complete_consistent_and_idempotent() -> None:
    first_run = seed()
    organizations = {o.slug: o for o in Organization.objects.filter(slug__in=["acme", "globex"])}
    assert set(organizations) == {"acme", "globex"}
    first = {slug: snapshot(org) for slug, org in organizations.items()}

    second_run = seed()

    assert {slug: snapshot(org) for slug, org in organizations.items()} == first
    assert first_run < 45 and second_run < 45, (first_run, second_run)
    for slug, organization in organizations.items():
        with tenant_context(organization):
            check_people(organization)
            check_calendar(organization)
            check_allocations(organization)
            check_timesheets(organization)
            check_risks(organization)
            check_issues_and_assumptions(organization)
            check_language(organization, chinese=slug == "globex")


def check_people(organization: Organization) -> None:
    people = Person.objects.filter(active=True)
    assert people.count() >= 40
    assert 6 <= Department.objects.count() <= 8
    assert 15 <= Skill.objects.count() <= 20
    skills = dict(people.annotate(n=Count("skills")).values_list("pk", "n"))
    assert set(skills.values()) <= {1, 2, 3, 4} and len(set(skills.values())) >= 3
    assert set(PersonSkill.objects.values_list("level", flat=True)) >= {2, 3, 4, 5}
    per_department = people.values("department").annotate(n=Count("pk"))
    assert len(per_department) >= 6 and all(row["n"] >= 3 for row in per_department)
    assert people.filter(weekly_capacity__gte=20, weekly_capacity__lte=32).count() >= 3
    assert not people.filter(cost_rate__lte=0).exists()
    for role in (Role.MANAGER, Role.MEMBER):
        user = Membership.objects.get(organization=organization, role=role).user
        assert Person.objects.filter(user=user, email=user.email).exists(), role


def check_calendar(organization: Organization) -> None:
    days = dict(CalendarDay.objects.values_list("date", "kind"))
    for holiday in ("2026-01-01", "2026-02-16", "2026-02-23", "2026-04-06", "2026-05-05", "2026-10-01", "2026-10-07"):
        assert days[dt.date.fromisoformat(holiday)] == CalendarDay.Kind.HOLIDAY, holiday
    for makeup in ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"):
        assert days[dt.date.fromisoformat(makeup)] == CalendarDay.Kind.WORKING, makeup
    # Holidays are weekdays, make-up days weekends: each row changes the Monday–Friday week.
    assert all((day.weekday() < 5) == (kind == CalendarDay.Kind.HOLIDAY) for day, kind in days.items())
    calendar = calendar_for(organization=organization, first=dt.date(2026, 1, 1), last=dt.date(2026, 12, 31))
    assert calendar.working_days(dt.date(2026, 2, 16)) == 0  # Spring Festival
    assert calendar.working_days(dt.date(2026, 10, 5)) == 3  # National Day, Saturday 10 October worked
    assert calendar.working_days(dt.date(2026, 9, 14)) == 6  # Sunday 20 September worked
    assert TimeOff.objects.count() >= 5


def check_allocations(organization: Organization) -> None:
    current = current_week_start(organization=organization)
    rows = list(Allocation.objects.values_list("person_id", "project_id", "start_week", "end_week", "hours_per_week"))
    assert len(rows) >= 80
    weeks_of: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
    for person_id, project_id, start, end, _hours in rows:
        assert start.weekday() == 0 and end.weekday() == 0 and start <= end
        weeks_of[(person_id, project_id)] += weeks_between(start, end)
    for key, weeks in weeks_of.items():
        assert len(weeks) == len(set(weeks)), f"overlapping allocations of person and project {key}"
    statuses = set(Allocation.objects.values_list("project__status", flat=True))
    assert statuses == {Project.Status.ACTIVE, Project.Status.PLANNING, Project.Status.ON_HOLD}
    assert min(r[2] for r in rows) <= current - dt.timedelta(weeks=8)
    assert max(r[3] for r in rows) >= current + dt.timedelta(weeks=16)

    people = list(Person.objects.all())
    weeks = weeks_between(current - dt.timedelta(weeks=8), current + dt.timedelta(weeks=16))
    grid = capacity_grid(organization=organization, people=people, weeks=weeks)
    over = grid.over()
    assert 3 <= len(over) <= 15, over
    assert len({person_id for person_id, *_ in over}) >= 3
    calendar = calendar_for(organization=organization, first=weeks[0], last=weeks[-1] + dt.timedelta(days=6))
    holiday_weeks = {week for week in weeks if calendar.working_days(week) < 5}
    # A holiday week cuts a full-timer's capacity, and some over-allocation is caused by one.
    full_timer = next(p for p in people if p.weekly_capacity == 40 and not TimeOff.objects.filter(person=p).exists())
    assert any(grid.capacity[(full_timer.pk, week)] < 40 for week in holiday_weeks)
    assert any(week in holiday_weeks and allocated <= Decimal(40) for _p, week, _c, allocated in over)
    assert any(week > current for _p, week, *_ in over) and any(week < current for _p, week, *_ in over)
    # Some department is over capacity in an upcoming week.
    department = {p.pk: p.department_id for p in people}
    totals: dict[tuple[int | None, dt.date], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for (person_id, week), capacity in grid.capacity.items():
        totals[(department[person_id], week)][0] += capacity
        totals[(department[person_id], week)][1] += grid.allocated.get((person_id, week), Decimal(0))
    assert any(week > current and allocated > capacity for (_d, week), (capacity, allocated) in totals.items())

    active = Project.objects.filter(status=Project.Status.ACTIVE, allocations__isnull=False).distinct()
    assert active.count() >= 3
    for project in active:
        requirements = list(StaffingRequirement.objects.filter(project=project))
        assert len(requirements) >= 3, project.code
        roles = set(Allocation.objects.filter(project=project).values_list("role", flat=True))
        assert any(r.role not in roles for r in requirements), f"{project.code} has no staffing gap"


def check_timesheets(organization: Organization) -> None:
    current = current_week_start(organization=organization)
    sheets = list(Timesheet.objects.select_related("person"))
    weeks = {sheet.week_start for sheet in sheets}
    assert 4 <= len(weeks) <= 6 and all(w.weekday() == 0 and w < current for w in weeks)
    states = [sheet.state for sheet in sheets]
    assert states.count(Timesheet.State.APPROVED) >= 100
    assert states.count(Timesheet.State.SUBMITTED) >= 3
    assert states.count(Timesheet.State.RETURNED) == 1
    deciders = {
        Membership.objects.get(organization=organization, role=role).user_id for role in (Role.MANAGER, Role.PMO)
    }
    for sheet in sheets:
        if sheet.state == Timesheet.State.APPROVED:
            assert sheet.cost_rate == sheet.person.cost_rate and sheet.cost_rate > 0
            assert sheet.decided_by_id in deciders and sheet.decided_by_id != sheet.person.user_id
            assert sheet.decided_at and sheet.submitted_at and sheet.submitted_at < sheet.decided_at
            assert sheet.decided_at <= timezone.now()
        else:
            assert sheet.cost_rate is None
    assert not TimesheetEntry.objects.filter(hours__gt=168).exists()
    # Hours follow the plan: no week's actual hours exceed the planned hours by more than 10 %.
    planned: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
    for person_id, start, end, hours in Allocation.objects.values_list(
        "person_id", "start_week", "end_week", "hours_per_week"
    ):
        for week in weeks_between(start, end):
            planned[(person_id, week)] += hours
    for person_id, week, total in Timesheet.objects.annotate(total=Sum("entries__hours")).values_list(
        "person_id", "week_start", "total"
    ):
        assert Decimal(0) < total <= planned[(person_id, week)] * Decimal("1.1") + 1
    # A couple of people planned last week have not entered it.
    last_week = current - dt.timedelta(weeks=1)
    planned_last_week = {person_id for person_id, week in planned if week == last_week}
    entered = set(Timesheet.objects.filter(week_start=last_week).values_list("person_id", flat=True))
    assert 1 <= len(planned_last_week - entered) <= 4


def check_risks(organization: Organization) -> None:
    settings = RiskSettings.objects.get()
    assert (settings.scale, settings.review_period_days) == (5, 30)
    risks = Risk.objects.all()
    numbers = sorted(risks.values_list("number", flat=True))
    assert len(numbers) >= 100 and numbers == list(range(1, len(numbers) + 1))
    cells = set(risks.values_list("probability", "impact"))
    assert len(cells) >= 20 and all(1 <= p <= 5 and 1 <= i <= 5 for p, i in cells)
    assert risks.filter(project=None, portfolio__isnull=False).count() >= 3
    per_project = dict(risks.exclude(project=None).values_list("project__status").annotate(n=Count("pk")))
    assert per_project[Project.Status.ACTIVE] > sum(n for s, n in per_project.items() if s != Project.Status.ACTIVE)
    assert not risks.filter(owner=None).exists() and not risks.filter(response_plan="").exists()
    actions = dict(risks.annotate(n=Count("actions")).values_list("pk", "n"))
    assert set(actions.values()) <= {1, 2, 3} and len(set(actions.values())) == 3
    today = timezone.localdate()
    assert RiskAction.objects.filter(done_at=None, due_date__lt=today, risk__status="open").exists()
    assert RiskAction.objects.filter(done_at__isnull=False).exists()
    stale = risks.filter(status="open", last_reviewed_at__lt=timezone.now() - dt.timedelta(days=30))
    assert stale.count() >= 10
    for level, least in (("pmo", 3), ("executive", 2)):
        escalated = risks.filter(escalation_level=level)
        assert escalated.count() >= least, level
        assert not escalated.filter(escalated_at=None).exists() and not escalated.filter(escalated_by=None).exists()
        assert not escalated.filter(escalation_note="").exists()
    assert not risks.filter(escalation_level="project", escalated_at__isnull=False).exists()
    assert risks.filter(status="closed").count() >= 5
    occurred = risks.filter(status="occurred")
    assert occurred.count() >= 2 and not occurred.filter(issue=None).exists()


def check_issues_and_assumptions(organization: Organization) -> None:
    issues = Issue.objects.all()
    numbers = sorted(issues.values_list("number", flat=True))
    assert len(numbers) >= 15 and numbers == list(range(1, len(numbers) + 1))
    assert len(set(issues.values_list("severity", flat=True))) >= 3
    assert len(set(issues.values_list("status", flat=True))) >= 3
    assert issues.exclude(escalation_level="project").filter(escalated_at__isnull=False).count() >= 2
    assert not issues.filter(status__in=["resolved", "closed"], resolved_at=None).exists()
    assert not issues.filter(owner=None).exists() and not issues.filter(due_date=None).exists()
    for project in Project.objects.filter(status=Project.Status.ACTIVE, allocations__isnull=False).distinct():
        assert Assumption.objects.filter(project=project).count() >= 2, project.code


def check_language(organization: Organization, *, chinese: bool) -> None:
    texts = [
        *Person.objects.filter(user=None).values_list("full_name", flat=True),
        *Department.objects.values_list("name", flat=True),
        *Risk.objects.values_list("title", flat=True),
        *Issue.objects.values_list("title", flat=True),
    ]
    assert all(bool(CJK.search(text)) == chinese for text in texts), organization.slug
