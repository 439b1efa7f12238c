"""The people list, the allocations list (50 a page, no longer cut at 200) and the timesheet approval queue as lists:
filtered, sorted, exported to CSV and XLSX (the same rows as the filtered list, every page), at a constant number of
queries, scoped to the organisation, refused to the roles that may not see them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from projects.policy import week_label
from resources.models import Allocation, Department, Person, Timesheet, TimesheetEntry
from tests.conftest import ROLES, OrgWorld
from tests.lists_support import (
    ListContract,
    ListSpec,
    client_for,
    csv_rows,
    key_column,
    page_rows,
)

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 2)


def add_people(world: OrgWorld, size: int) -> list[Person]:
    """``size`` people named after the organisation in two departments (the last one inactive), capacities
    20–40 hours."""
    with world.ctx():
        departments = [
            Department.objects.get_or_create(organization=world.organization, name=name)[0]
            for name in ("Delivery", "Engineering")
        ]
        return Person.objects.bulk_create(
            Person(
                organization=world.organization,
                full_name=f"{world.slug} person {index:03d}",
                email=f"p{index}@{world.slug}.test",
                department=departments[index % 2],
                job_role="Engineer" if index % 3 else "Analyst",
                weekly_capacity=Decimal(20 + index % 21),
                active=index != size - 1,
            )
            for index in range(size)
        )


def add_allocations(world: OrgWorld, size: int) -> None:
    """One allocation per person on the manager's project, starting on successive weeks."""
    people = add_people(world, size)
    with world.ctx():
        Allocation.objects.bulk_create(
            Allocation(
                organization=world.organization,
                person=person,
                project=world.projects[index % 2],
                role="Developer",
                start_week=MONDAY + dt.timedelta(weeks=index % 7),
                end_week=MONDAY + dt.timedelta(weeks=index % 7 + 3),
                hours_per_week=Decimal(8 + index % 5),
            )
            for index, person in enumerate(people)
        )


def add_submitted_sheets(world: OrgWorld, size: int) -> None:
    """One submitted sheet per person with hours on the manager's project (which the manager may approve)."""
    people = add_people(world, size)
    with world.ctx():
        sheets = Timesheet.objects.bulk_create(
            Timesheet(
                organization=world.organization,
                person=person,
                week_start=MONDAY - dt.timedelta(weeks=index % 4),
                state=Timesheet.State.SUBMITTED,
                submitted_at=dt.datetime(2026, 3, 6, 9, tzinfo=dt.UTC) + dt.timedelta(minutes=index),
            )
            for index, person in enumerate(people)
        )
        TimesheetEntry.objects.bulk_create(
            TimesheetEntry(
                organization=world.organization, timesheet=sheet, project=world.projects[0], hours=Decimal(10 + i % 30)
            )
            for i, sheet in enumerate(sheets)
        )


RESOURCE_READERS = {**dict.fromkeys(ROLES, 403), "admin": 200, "pmo": 200, "executive": 200, "manager": 200}
APPROVERS = {**dict.fromkeys(ROLES, 403), "admin": 200, "pmo": 200, "manager": 200}

SPECS = {
    "people": ListSpec(
        path="resources/people/",
        populate=add_people,
        page_key=lambda person: person.full_name,
        file_key=lambda cells: cells[0],
        headers=["Name", "E-mail", "Department", "Job role"],
        filtered_query="active=yes&sort=-name",
        page_bound=19,
        export_bound=13,
        statuses=RESOURCE_READERS,
    ),
    "allocations": ListSpec(
        path="resources/allocations/",
        populate=add_allocations,
        page_key=lambda a: f"{a.person.full_name} {a.project.code}",
        file_key=lambda cells: f"{cells[0]} {cells[2]}",
        headers=["Person", "Department", "Project code", "Project"],
        filtered_query="start=2026-W01&sort=-hours",
        page_bound=18,
        export_bound=9,
        statuses=RESOURCE_READERS,
    ),
    "approvals": ListSpec(
        path="timesheets/approvals/",
        populate=add_submitted_sheets,
        page_key=lambda row: row.timesheet.person.full_name,
        file_key=lambda cells: cells[0],
        headers=["Person", "Department", "Week", "Total hours"],
        filtered_query="project=__project__&sort=person",
        page_bound=16,
        export_bound=10,
        statuses=APPROVERS,
    ),
}


class TestResourceLists(ListContract):
    specs = SPECS


def test_people_filter_and_sort(org_a: OrgWorld) -> None:
    add_people(org_a, 6)
    client = client_for(org_a.users["pmo"])
    url = f"/o/{org_a.slug}/resources/people/"
    names = [person.full_name for person in page_rows(client.get(url))]
    assert names == sorted(names)
    by_capacity = [person.weekly_capacity for person in page_rows(client.get(url + "?sort=-capacity"))]
    assert by_capacity == sorted(by_capacity, reverse=True)
    with org_a.ctx():
        engineering = Department.objects.get(organization=org_a.organization, name="Engineering")
    table = csv_rows(client.get(f"{url}?department={engineering.pk}&active=yes&format=csv"))
    assert key_column(table, "Name") == [f"{org_a.slug} person 001", f"{org_a.slug} person 003"]
    assert key_column(table, "Status") == ["Active", "Active"]


def test_allocations_paginate_past_200_and_filter(org_a: OrgWorld) -> None:
    add_allocations(org_a, 210)
    client = client_for(org_a.users["pmo"])
    url = f"/o/{org_a.slug}/resources/allocations/"
    response = client.get(url + "?page=5")
    assert response.context["page"].paginator.count == 210 and len(page_rows(response)) == 10
    assert len(csv_rows(client.get(url + "?format=csv"))) == 211  # every row, not the first 200
    project = org_a.projects[0]
    table = csv_rows(client.get(f"{url}?project={project.pk}&end=2026-W10&sort=start&format=csv"))
    # Allocations on the manager's project starting by week 10 (index % 7 in 0..0: week 10 is 2026-03-02).
    assert set(key_column(table, "Project code")) == {project.code}
    starts = key_column(table, "From week")
    assert starts == sorted(starts) and set(starts) == {week_label(MONDAY)}
    assert key_column(table, "Weeks") == ["4"] * len(starts)


def test_approval_queue_filters_sorts_and_exports(org_a: OrgWorld) -> None:
    add_submitted_sheets(org_a, 8)
    client = client_for(org_a.users["manager"])
    url = f"/o/{org_a.slug}/timesheets/approvals/"
    weeks = [row.timesheet.week_start for row in page_rows(client.get(url))]
    assert weeks == sorted(weeks)  # oldest week first
    totals = [row.timesheet.total_hours for row in page_rows(client.get(url + "?sort=-total"))]
    assert totals == sorted(totals, reverse=True)
    table = csv_rows(client.get(f"{url}?week={week_label(MONDAY)}&format=csv"))
    assert key_column(table, "Person") == [f"{org_a.slug} person 000", f"{org_a.slug} person 004"]
    assert key_column(table, "Who decides") == ["You", "You"]
    bad = client.get(url + "?week=next-tuesday")
    assert bad.status_code == 200 and "ISO week" in bad.content.decode()  # the reason next to the field
    assert bad.context["page"].paginator.count == 8  # the bad filter is not applied
