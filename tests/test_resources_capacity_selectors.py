"""Over-allocation, capacity vs demand (by department and by skill, with the drill-down) and utilisation,
hand-checked on a small organisation with a holiday week and time off; a property test of the grid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resources import allocations as services
from resources import planning
from tests.conftest import OrgWorld
from tests.test_resources_capacity_support import (
    allocate,
    department,
    holiday,
    person,
    requirement,
    skill,
    time_off,
    timesheet,
    week,
)

D = Decimal


@pytest.fixture
def scene(org_a: OrgWorld) -> dict[str, Any]:
    w = org_a
    eng, design = department(w, "Engineering"), department(w, "Design")
    python, sql = skill(w, "Python"), skill(w, "SQL")
    ann = person(w, "Ann", dept=eng, skills=(python, sql))
    bob = person(w, "Bob", dept=eng, skills=(python,))
    cai = person(w, "Cai", dept=design, capacity=20)
    holiday(w, week(10))  # Monday of W10: everyone loses a day
    time_off(w, ann, week(11) + dt.timedelta(days=1), week(11) + dt.timedelta(days=2))  # Tue–Wed of W11
    p0, p1, p2 = w.projects
    allocate(w, ann, p0, week(10), week(11), 20)
    ann_p1 = allocate(w, ann, p1, week(10), week(10), 16)
    allocate(w, bob, p0, week(10), week(12), 30)
    allocate(w, cai, p1, week(11), week(11), 24)
    requirement(w, p0, python, week(10), week(11), 50)
    requirement(w, p2, python, week(11), week(11), 30)
    requirement(w, p1, sql, week(10), week(10), 10)
    timesheet(w, ann, week(10), "approved", **{f"p{p0.pk}": 22, f"p{p1.pk}": 8})
    timesheet(w, ann, week(11), "submitted", **{f"p{p0.pk}": 10})
    return {"eng": eng, "design": design, "python": python, "sql": sql, "ann": ann, "bob": bob, "cai": cai,
            "ann_p1": ann_p1}  # fmt: skip


def test_over_allocation_honours_the_holiday_and_time_off_and_disappears_once_resolved(
    org_a: OrgWorld, scene: dict[str, Any]
) -> None:
    with org_a.ctx():
        rows = planning.over_allocations(organization=org_a.organization, start=week(10), weeks=3)
    # Ann W10: 4 working days × 8 h = 32 capacity, 20 + 16 allocated. Cai W11: 20 capacity, 24 allocated.
    # Ann W11 (two days off: 24 capacity, 20 allocated) and Bob (32/40 capacity, 30 allocated) are fine.
    assert [(r.person.full_name, r.week, r.capacity, r.allocated, r.excess) for r in rows] == [
        ("Ann", week(10), D(32), D(36), D(4)),
        ("Cai", week(11), D(20), D(24), D(4)),
    ]
    assert [a.project.code for a in rows[0].allocations] == [org_a.projects[0].code, org_a.projects[1].code]

    with org_a.ctx():
        services.allocation_update(
            organization=org_a.organization, actor=org_a.users["pmo"], allocation=scene["ann_p1"], hours_per_week=12
        )
        after = planning.over_allocations(organization=org_a.organization, start=week(10), weeks=3)
    assert [(r.person.full_name, r.week) for r in after] == [("Cai", week(11))]


def test_capacity_vs_demand_by_department(org_a: OrgWorld, scene: dict[str, Any]) -> None:
    with org_a.ctx():
        report = planning.capacity_demand(organization=org_a.organization, start=week(10), weeks=3, by="department")
    eng, design = scene["eng"], scene["design"]
    assert [g.name for g in report.groups] == ["Design", "Engineering"]
    cell = report.cells[(eng.pk, week(10))]
    assert (cell.capacity, cell.demand, cell.ratio, cell.over) == (D(64), D(66), D("1.0313"), True)
    cell = report.cells[(eng.pk, week(11))]
    assert (cell.capacity, cell.demand, cell.over) == (D(64), D(50), False)
    cell = report.cells[(design.pk, week(11))]
    assert (cell.capacity, cell.demand, cell.over) == (D(20), D(24), True)
    assert (report.cells[(design.pk, week(10))].capacity, report.cells[(design.pk, week(10))].demand) == (D(16), D(0))
    assert report.over_count == 2


def test_capacity_vs_demand_by_skill_counts_a_person_in_each_of_their_skills(
    org_a: OrgWorld, scene: dict[str, Any]
) -> None:
    with org_a.ctx():
        report = planning.capacity_demand(organization=org_a.organization, start=week(10), weeks=2, by="skill")
    python, sql = scene["python"], scene["sql"]
    assert [(c.capacity, c.demand, c.over) for c in report.row(planning.Group(python.pk, "Python"))] == [
        (D(64), D(50), False),
        (D(64), D(80), True),
    ]
    assert [(c.capacity, c.demand) for c in report.row(planning.Group(sql.pk, "SQL"))] == [
        (D(32), D(10)),
        (D(24), D(0)),
    ]


def test_drilldown_lists_people_and_projects(org_a: OrgWorld, scene: dict[str, Any]) -> None:
    with org_a.ctx():
        drill = planning.capacity_drilldown(
            organization=org_a.organization, by="department", group_id=scene["eng"].pk, week=week(10)
        )
        by_skill = planning.capacity_drilldown(
            organization=org_a.organization, by="skill", group_id=scene["python"].pk, week=week(11)
        )
    assert [(r.person.full_name, r.capacity, r.allocated, r.free, r.over) for r in drill.people] == [
        ("Ann", D(32), D(36), D(-4), True),
        ("Bob", D(32), D(30), D(2), False),
    ]
    p0, p1, p2 = org_a.projects
    assert [(r.project.pk, r.hours) for r in drill.projects] == [(p0.pk, D(50)), (p1.pk, D(16))]
    assert (drill.cell.capacity, drill.cell.demand) == (D(64), D(66))
    assert [(r.project.pk, r.hours) for r in by_skill.projects] == [(p0.pk, D(50)), (p2.pk, D(30))]
    assert by_skill.cell.demand == D(80)


def test_utilisation_planned_and_actual(org_a: OrgWorld, scene: dict[str, Any]) -> None:
    with org_a.ctx():
        report = planning.utilization(organization=org_a.organization, start=week(10), weeks=2)
    people = {r.name: r for r in report.people}
    # Ann: capacity 32 + 24, allocated 36 + 20, approved 30 h (the submitted W11 sheet does not count).
    assert (people["Ann"].capacity, people["Ann"].planned_hours, people["Ann"].actual_hours) == (D(56), D(56), D(30))
    assert (people["Ann"].planned, people["Ann"].actual) == (D(1), D("0.5357"))
    assert (people["Bob"].capacity, people["Bob"].planned_hours, people["Bob"].actual) == (D(72), D(60), D(0))
    departments = {r.name: r for r in report.departments}
    assert (departments["Engineering"].capacity, departments["Engineering"].planned_hours) == (D(128), D(116))
    assert (departments["Design"].capacity, departments["Design"].planned_hours) == (D(36), D(24))
    total = report.organization
    assert (total.capacity, total.planned_hours, total.actual_hours, total.people) == (D(164), D(140), D(30), 3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    spans=st.lists(
        st.tuples(st.integers(10, 14), st.integers(0, 3), st.integers(1, 30)),
        min_size=1,
        max_size=3,
        unique_by=lambda s: s[0],
    )
)
def test_grid_totals_and_the_over_flag_follow_the_allocations(
    org_a: OrgWorld, spans: list[tuple[int, int, int]]
) -> None:
    from django.db import transaction

    with transaction.atomic():
        who = person(org_a, "Prop", capacity=30)
        for index, (first, length, hours) in enumerate(spans):
            allocate(org_a, who, org_a.projects[index], week(first), week(first + length), hours)
        with org_a.ctx():
            rows = planning.over_allocations(organization=org_a.organization, start=week(10), weeks=8)
            util = planning.utilization(organization=org_a.organization, start=week(10), weeks=8)
        expected = {w: sum(h for f, n, h in spans if f <= w <= f + n) for w in range(10, 18)}
        assert util.people[-1].planned_hours == sum(expected.values())
        assert {r.week for r in rows if r.person.pk == who.pk} == {week(w) for w, h in expected.items() if h > 30}
        transaction.set_rollback(True)
