"""Capacity arithmetic: the working calendar, time off, and hours per person and ISO week.

Rules (also in docs/resources.md):

- A working day is a Monday–Friday that is not an organisation holiday, or a weekend day marked as a make-up
  working day (调休).
- A person's daily capacity is their weekly capacity ÷ 5. Their capacity in a week is daily capacity × (the week's
  working days − their working days off that week); time-off periods that overlap count each day once.
- Allocated hours of a week are the sum of the person's allocations covering that week (an allocation covers every
  week from its start week to its end week inclusive); the services refuse two allocations of one person to one
  project in the same week, so nothing is counted twice. The database expands the allocations into weeks and sums
  them (one grouped query), so the cost follows the people and weeks asked for, not the length of the allocations.
- A person-week is over-allocated when allocated hours exceed its capacity.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from pmo.tenancy.models import Organization
from projects.policy import week_start_of
from resources.models import CalendarDay, Person, TimeOff

CENT = Decimal("0.01")
WORKDAYS_PER_WEEK = 5


def weeks_from(start: dt.date, count: int) -> list[dt.date]:
    """``count`` consecutive ISO weeks (their Mondays) from the week of ``start``."""
    first = week_start_of(start)
    return [first + dt.timedelta(weeks=i) for i in range(count)]


def weeks_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The Mondays from ``first``'s week to ``last``'s week, inclusive."""
    start, end = week_start_of(first), week_start_of(last)
    return [start + dt.timedelta(weeks=i) for i in range(((end - start).days // 7) + 1)] if end >= start else []


@dataclass(frozen=True)
class WorkingCalendar:
    """The organisation's exceptions to the Monday–Friday week."""

    holidays: frozenset[dt.date] = frozenset()
    working_weekend_days: frozenset[dt.date] = frozenset()

    def is_working(self, day: dt.date) -> bool:
        if day in self.working_weekend_days:
            return True
        return day.weekday() < WORKDAYS_PER_WEEK and day not in self.holidays

    def working_days(self, week_start: dt.date) -> int:
        return sum(1 for i in range(7) if self.is_working(week_start + dt.timedelta(days=i)))


def working_days_off(
    *, calendar: WorkingCalendar, week_start: dt.date, periods: Iterable[tuple[dt.date, dt.date]]
) -> int:
    """Working days of the week covered by any of ``periods`` (inclusive date ranges), each day once."""
    week_end = week_start + dt.timedelta(days=6)
    off: set[dt.date] = set()
    for start, end in periods:
        day = max(start, week_start)
        while day <= min(end, week_end):
            if calendar.is_working(day):
                off.add(day)
            day += dt.timedelta(days=1)
    return len(off)


def week_capacity(*, weekly_capacity: Decimal, working_days: int, days_off: int) -> Decimal:
    """Hours a person can work in a week: weekly capacity ÷ 5 per working day not taken off (never below 0)."""
    days = max(0, working_days - days_off)
    return (Decimal(weekly_capacity) * days / WORKDAYS_PER_WEEK).quantize(CENT, rounding=ROUND_HALF_UP)


def calendar_for(*, organization: Organization, first: dt.date, last: dt.date) -> WorkingCalendar:
    """The calendar exceptions between two dates (one query)."""
    holidays: set[dt.date] = set()
    working: set[dt.date] = set()
    for day, kind in CalendarDay.objects.filter(organization=organization, date__gte=first, date__lte=last).values_list(
        "date", "kind"
    ):
        (holidays if kind == CalendarDay.Kind.HOLIDAY else working).add(day)
    return WorkingCalendar(frozenset(holidays), frozenset(working))


@dataclass
class Grid:
    """Hours per (person id, week): capacity and allocated, for a list of people and weeks."""

    weeks: list[dt.date]
    capacity: dict[tuple[int, dt.date], Decimal] = field(default_factory=dict)
    allocated: dict[tuple[int, dt.date], Decimal] = field(default_factory=dict)

    def free(self, person_id: int, week: dt.date) -> Decimal:
        return self.capacity.get((person_id, week), Decimal(0)) - self.allocated.get((person_id, week), Decimal(0))

    def over(self) -> list[tuple[int, dt.date, Decimal, Decimal]]:
        """(person id, week, capacity, allocated) of every over-allocated person-week, by week then person."""
        capacity, zero = self.capacity, Decimal(0)
        rows = []
        for (person_id, week), hours in self.allocated.items():
            available = capacity.get((person_id, week), zero)
            if hours > available:
                rows.append((person_id, week, available, hours))
        return sorted(rows, key=lambda row: (row[1], row[0]))


# Each allocation joined to the asked weeks it covers, summed per person and week. An allocation covers the Monday
# ``week`` when the Monday of its start week is not after it (its start is not after that week's Sunday) and the
# Monday of its end week is not before it (its end is not before that Monday): plain date comparisons against the
# weeks' Mondays and Sundays, passed in. The range test on the raw columns narrows the rows first, from the index
# ``allocation_org_end_week_idx`` alone.
_ALLOCATED_SQL = """
    SELECT a.person_id, w.week, SUM(a.hours_per_week)
    FROM resources_allocation a
    JOIN unnest(%(weeks)s::date[], %(sundays)s::date[]) AS w(week, sunday)
      ON a.start_week <= w.sunday AND a.end_week >= w.week
    WHERE a.organization_id = %(org)s AND a.person_id = ANY(%(people)s::bigint[])
      AND a.start_week <= %(last)s AND a.end_week >= %(first)s
    GROUP BY a.person_id, w.week
"""


def allocated_hours(
    *, organization: Organization, person_ids: Sequence[int], weeks: Sequence[dt.date]
) -> dict[tuple[int, dt.date], Decimal]:
    """Allocated hours per (person id, week) of ``weeks`` (Mondays; any other day has none), for the person-weeks
    that have any: one grouped query, the expansion of allocations into weeks done by the database."""
    mondays = sorted({week for week in weeks if week.weekday() == 0})
    if not mondays or not person_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            _ALLOCATED_SQL,
            {
                "weeks": mondays,
                "sundays": [week + dt.timedelta(days=6) for week in mondays],
                "org": organization.pk,
                "people": list(person_ids),
                "first": min(weeks),
                "last": max(weeks),
            },
        )
        return {(person_id, week): hours for person_id, week, hours in cursor.fetchall()}


def capacity_grid(*, organization: Organization, people: Sequence[Person], weeks: Sequence[dt.date]) -> Grid:
    """Capacity and allocated hours of ``people`` in ``weeks`` (three queries however many people and weeks).

    Capacity is computed here from the calendar and the time off (people without time off in the window share one
    figure per weekly capacity and week); allocated hours come summed from the database (``allocated_hours``)."""
    grid = Grid(weeks=list(weeks))
    if not weeks or not people:
        return grid
    first, last = min(weeks), max(weeks) + dt.timedelta(days=6)
    calendar = calendar_for(organization=organization, first=first, last=last)
    ids = [person.pk for person in people]
    periods: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for person_id, start, end in TimeOff.objects.filter(
        organization=organization, person_id__in=ids, start__lte=last, end__gte=first
    ).values_list("person_id", "start", "end"):
        periods[person_id].append((start, end))
    working = {week: calendar.working_days(week) for week in weeks}
    figures: dict[tuple[Decimal, int, int], Decimal] = {}
    for person in people:
        taken = periods.get(person.pk)
        for week in weeks:
            days_off = working_days_off(calendar=calendar, week_start=week, periods=taken) if taken else 0
            key = (person.weekly_capacity, working[week], days_off)
            figure = figures.get(key)
            if figure is None:
                figure = figures[key] = week_capacity(
                    weekly_capacity=person.weekly_capacity, working_days=working[week], days_off=days_off
                )
            grid.capacity[(person.pk, week)] = figure
    grid.allocated = allocated_hours(organization=organization, person_ids=ids, weeks=weeks)
    return grid
