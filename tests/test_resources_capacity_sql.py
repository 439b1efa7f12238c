"""The capacity grid's allocated hours are expanded into weeks and summed by the database: the same figures as the
allocations expanded week by week, a fixed number of queries however many and however long the allocations are,
and the heat map page's over-allocation count equal to the over-allocation list it summarises."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from resources import capacity, planning
from resources.capacity import capacity_grid, weeks_between, weeks_from
from resources.models import Allocation, Person
from tests.conftest import OrgWorld
from tests.test_resources_capacity_support import allocate, holiday, person, time_off, week


def expanded_week_by_week(world: OrgWorld, people: list[Person], weeks: list[dt.date]) -> dict[Any, Decimal]:
    """The reference: every allocation walked week by week in Python (what the grid did before)."""
    wanted = set(weeks)
    result: dict[Any, Decimal] = {}
    with world.ctx():
        rows = Allocation.objects.filter(organization=world.organization, person__in=people)
        for allocation in rows:
            for monday in weeks_between(allocation.start_week, allocation.end_week):
                if monday in wanted:
                    key = (allocation.person_id, monday)
                    result[key] = result.get(key, Decimal(0)) + allocation.hours_per_week
    return result


def test_allocated_hours_are_the_allocations_expanded_week_by_week(org_a: OrgWorld) -> None:
    rng = random.Random(9)
    people = [person(org_a, f"Grid {i}", capacity=rng.choice([20, 32, 40])) for i in range(4)]
    for who in people:
        for project in org_a.projects[:3]:
            first = week(rng.randint(2, 20)) + dt.timedelta(days=rng.choice([0, 0, 2]))  # some start mid-week
            last = first + dt.timedelta(weeks=rng.randint(0, 30))
            allocate(org_a, who, project, first, last, rng.randint(1, 30))
    weeks = weeks_from(week(8), 16)

    with org_a.ctx():
        grid = capacity_grid(organization=org_a.organization, people=people, weeks=weeks)

    expected = expanded_week_by_week(org_a, people, weeks)
    assert expected  # the scene has allocated weeks in the window
    assert grid.allocated == expected


def test_a_day_that_is_not_a_monday_has_no_allocated_hours(org_a: OrgWorld) -> None:
    who = person(org_a, "Midweek")
    allocate(org_a, who, org_a.projects[0], week(10), week(12), 10)

    with org_a.ctx():
        grid = capacity_grid(
            organization=org_a.organization, people=[who], weeks=[week(10), week(11) + dt.timedelta(days=2)]
        )

    assert grid.allocated == {(who.pk, week(10)): Decimal(10)}


def test_the_grid_costs_three_queries_however_many_and_long_the_allocations(org_a: OrgWorld) -> None:
    counts = []
    for size in (1, 12):
        people = [person(org_a, f"Q{size}-{i}") for i in range(size)]
        for who in people:
            for project in org_a.projects[:2]:
                allocate(org_a, who, project, week(1), week(1) + dt.timedelta(weeks=20 + size * 8), 4)
        with org_a.ctx(), CaptureQueriesContext(connection) as captured:
            grid = capacity_grid(organization=org_a.organization, people=people, weeks=weeks_from(week(10), 12))
        counts.append(len(captured.captured_queries))
        assert all(grid.allocated[(who.pk, week(10))] == Decimal(8) for who in people)
    assert counts == [3, 3]


def test_the_heat_map_page_counts_the_over_allocations_it_links_to_from_the_same_grid(org_a: OrgWorld) -> None:
    ann, bob, cai = (person(org_a, name, capacity=cap) for name, cap in (("Ann", 40), ("Bob", 30), ("Cai", 20)))
    gone = person(org_a, "Gone", active=False)
    holiday(org_a, week(10))  # Ann W10: 32 h capacity
    time_off(org_a, cai, week(11), week(11) + dt.timedelta(days=1))  # Cai W11: 12 h capacity
    allocate(org_a, ann, org_a.projects[0], week(10), week(11), 36)  # over in W10 only
    allocate(org_a, bob, org_a.projects[0], week(10), week(12), 20)
    allocate(org_a, bob, org_a.projects[1], week(12), week(12), 20)  # over in W12
    allocate(org_a, cai, org_a.projects[1], week(10), week(13), 16)  # over in W11 only
    allocate(org_a, gone, org_a.projects[1], week(10), week(13), 60)  # inactive: not counted

    with org_a.ctx():
        listed = planning.over_allocations(organization=org_a.organization, start=week(10), weeks=4)
        overview = planning.capacity_overview(
            organization=org_a.organization, start=week(11), weeks=2, by="department", over_start=week(10), over_weeks=4
        )
        alone = planning.capacity_demand(organization=org_a.organization, start=week(11), weeks=2, by="department")

    assert [(row.person.full_name, row.week) for row in listed] == [
        ("Ann", week(10)),
        ("Cai", week(11)),
        ("Bob", week(12)),
    ]
    assert (overview.over.person_weeks, overview.over.people) == (3, 3)
    # The heat map of its own window, as capacity_demand reads it alone.
    assert overview.demand.weeks == alone.weeks == [week(11), week(12)]
    assert overview.demand.cells == alone.cells


def test_the_allocated_hours_are_read_from_the_end_week_index(org_a: OrgWorld) -> None:
    """The grid's query finds the window's allocations through ``allocation_org_end_week_idx`` (on a vacuumed table,
    from the index alone). Its people go as bigint[]: a smallint array made PostgreSQL probe the person index once
    per person instead, reading every allocation of those people."""
    people = [person(org_a, f"Idx {i}") for i in range(30)]
    for i, who in enumerate(people):
        for n in range(10):
            first = week(1) + dt.timedelta(weeks=5 * n + i % 3)
            allocate(org_a, who, org_a.projects[n % 3], first, first + dt.timedelta(weeks=2), 4)
    weeks = weeks_from(week(45), 8)  # the latest allocations only: most of them ended before
    params = {
        "weeks": weeks,
        "sundays": [monday + dt.timedelta(days=6) for monday in weeks],
        "org": org_a.organization.pk,
        "people": [who.pk for who in people],
        "first": weeks[0],
        "last": weeks[-1],
    }
    with org_a.ctx(), connection.cursor() as cursor:
        cursor.execute("ANALYZE resources_allocation")
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test's table is too small to need an index
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + capacity._ALLOCATED_SQL, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "using allocation_org_end_week_idx" in plan, plan
    assert "Index Cond: ((organization_id = " in plan and "end_week >= " in plan, plan
