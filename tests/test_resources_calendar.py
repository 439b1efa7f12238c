"""The working calendar and time off: their services (weekday holidays, weekend make-up days, one entry per date,
the year replaced at once) and capacity through the selectors — holidays, make-up days and time off honoured."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from resources import selectors, services
from resources.models import Allocation, CalendarDay, Person
from resources.services import CalendarEntry, ResourcesConflict
from tests.conftest import OrgWorld
from tests.test_resources_people_support import allocate, calendar_day, person, resources_state, time_off

HOLIDAY, WORKING = CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.WORKING
W = dt.date(2026, 9, 28)  # Monday of 2026-W40


def capacity(world: OrgWorld, who: Person, weeks: list[dt.date]) -> list[Decimal]:
    with world.ctx():
        rows = selectors.people_capacity(organization=world.organization, people=[who], weeks=weeks)
    return [row.capacity for row in rows[who.pk]]


def test_a_weekday_holiday_takes_a_fifth_of_the_week(org_a: OrgWorld) -> None:
    ada = person(org_a)
    calendar_day(org_a, W + dt.timedelta(days=2), HOLIDAY, "Mid-week holiday")
    assert capacity(org_a, ada, [W, W + dt.timedelta(weeks=1)]) == [Decimal("32.00"), Decimal("40.00")]


def test_a_make_up_saturday_balances_a_monday_holiday(org_a: OrgWorld) -> None:
    ada = person(org_a)
    calendar_day(org_a, W, HOLIDAY)
    calendar_day(org_a, W + dt.timedelta(days=5), WORKING, "调休")
    assert capacity(org_a, ada, [W]) == [Decimal("40.00")]


def test_a_week_fully_off_has_no_capacity_and_overlapping_leave_counts_each_day_once(org_a: OrgWorld) -> None:
    ada, bob = person(org_a), person(org_a, "Bob", weekly_capacity=Decimal(30))
    time_off(org_a, ada, W - dt.timedelta(days=2), W + dt.timedelta(days=4))  # Saturday before to Friday
    time_off(org_a, bob, W, W + dt.timedelta(days=1))
    time_off(org_a, bob, W + dt.timedelta(days=1), W + dt.timedelta(days=2))  # Tuesday twice
    calendar_day(org_a, W + dt.timedelta(days=3), HOLIDAY)  # Thursday: a holiday, not a day of leave
    assert capacity(org_a, ada, [W]) == [Decimal("0.00")]
    assert capacity(org_a, bob, [W]) == [Decimal("6.00")]  # 30 / 5 × (4 working days − 3 days off)


def test_person_detail_shows_twelve_weeks_of_capacity_with_allocations(org_a: OrgWorld) -> None:
    ada = person(org_a)
    calendar_day(org_a, W + dt.timedelta(weeks=1, days=4), HOLIDAY)
    allocate(org_a, ada, org_a.projects[0], start=0, end=0, hours=10)
    with org_a.ctx():
        Allocation.objects.filter(person=ada).update(start_week=W, end_week=W + dt.timedelta(weeks=1))
        detail = selectors.person_detail(organization=org_a.organization, pk=ada.pk, today=W + dt.timedelta(days=3))
    assert [c.week for c in detail.capacity] == [W + dt.timedelta(weeks=i) for i in range(12)]
    assert [(c.capacity, c.allocated) for c in detail.capacity[:3]] == [
        (Decimal("40.00"), Decimal(10)),
        (Decimal("32.00"), Decimal(10)),
        (Decimal("40.00"), Decimal(0)),
    ]
    assert detail.capacity[1].free == Decimal("22.00") and detail.capacity[1].load == 31


@pytest.mark.parametrize(
    ("day", "kind", "message"),
    [
        (dt.date(2026, 10, 3), HOLIDAY, "a holiday can only fall on a weekday"),
        (dt.date(2026, 10, 1), WORKING, "a make-up working day can only fall on a weekend"),
    ],
)
def test_calendar_day_kind_must_fit_the_weekday(org_a: OrgWorld, day: dt.date, kind: str, message: str) -> None:
    before = resources_state(org_a)
    with org_a.ctx(), pytest.raises(ValidationError) as refused:
        services.calendar_day_create(organization=org_a.organization, actor=org_a.users["pmo"], date=day, kind=kind)
    assert message in " ".join(refused.value.message_dict["date"])
    assert resources_state(org_a) == before


def test_one_calendar_entry_per_date_and_only_the_pmo_keeps_it(org_a: OrgWorld) -> None:
    org, day = org_a.organization, dt.date(2026, 10, 1)
    with org_a.ctx():
        created = services.calendar_day_create(
            organization=org, actor=org_a.users["pmo"], date=day, kind=HOLIDAY, name=" National Day "
        )
        assert (created.kind, created.name) == ("holiday", "National Day")
    before = resources_state(org_a)
    with org_a.ctx(), pytest.raises(ResourcesConflict, match="in the calendar already"):
        services.calendar_day_create(organization=org, actor=org_a.users["admin"], date=day, kind=HOLIDAY)
    for role in ("executive", "manager", "member", "viewer"):
        with org_a.ctx(), pytest.raises(PermissionDenied):
            services.calendar_day_create(
                organization=org, actor=org_a.users[role], date=dt.date(2026, 10, 2), kind=HOLIDAY
            )
    assert resources_state(org_a) == before


def test_a_year_is_replaced_whole_or_not_at_all(org_a: OrgWorld) -> None:
    org, pmo = org_a.organization, org_a.users["pmo"]
    calendar_day(org_a, dt.date(2026, 1, 1), HOLIDAY, "New Year")
    calendar_day(org_a, dt.date(2027, 1, 1), HOLIDAY, "next year stays")
    good = [
        CalendarEntry(dt.date(2026, 10, 1), HOLIDAY, "国庆节"),
        CalendarEntry(dt.date(2026, 10, 2), HOLIDAY, "国庆节"),
        CalendarEntry(dt.date(2026, 10, 10), WORKING, "调休"),
    ]
    bad_sets = [
        [*good, CalendarEntry(dt.date(2026, 10, 11), HOLIDAY)],  # a Sunday holiday
        [*good, CalendarEntry(dt.date(2027, 1, 4), HOLIDAY)],  # another year
        [*good, CalendarEntry(dt.date(2026, 10, 1), HOLIDAY)],  # twice
    ]
    for entries in bad_sets:
        before = resources_state(org_a)
        with org_a.ctx(), pytest.raises(ValidationError):
            services.calendar_year_replace(organization=org, actor=pmo, year=2026, entries=entries)
        assert resources_state(org_a) == before

    with org_a.ctx():
        days = services.calendar_year_replace(organization=org, actor=pmo, year=2026, entries=good)
        assert [(d.date.day, d.kind) for d in days] == [(1, "holiday"), (2, "holiday"), (10, "working")]
        assert [d.name for d in selectors.calendar_days(organization=org, year=2027)] == ["next year stays"]


def test_time_off_needs_ordered_dates(org_a: OrgWorld) -> None:
    ada = person(org_a)
    before = resources_state(org_a)
    with org_a.ctx(), pytest.raises(ValidationError) as refused:
        services.time_off_add(
            organization=org_a.organization, actor=org_a.users["pmo"], person=ada, start=W, end=W - dt.timedelta(1)
        )
    assert "end" in refused.value.message_dict
    assert resources_state(org_a) == before
    with org_a.ctx():
        added = services.time_off_add(
            organization=org_a.organization, actor=org_a.users["pmo"], person=ada, start=W, end=W, note="dentist"
        )
        services.time_off_delete(organization=org_a.organization, actor=org_a.users["pmo"], time_off=added)
    assert resources_state(org_a) == before
