"""The resources API lists of issue 8: django-filter parameters (a wrong value or another organisation's id → 400
naming the parameter), ``?ordering=`` over the web list's sort keys (unknown → 400), pagination, list filters that
leave detail routes alone, the person's capacity strip, the timesheet approval queue (roles, another organisation →
404), and query counts that do not grow with the rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.conftest import ROLES, OrgWorld
from tests.test_resources_capacity_support import allocate, department, holiday, person, skill, time_off, week
from tests.test_timesheets_factories import allocate as book
from tests.test_timesheets_factories import person as linked_person
from tests.test_timesheets_factories import sheet, this_week, timesheet_state

pytestmark = pytest.mark.django_db
ApiClientFactory = Callable[[Any], APIClient]


def base(world: OrgWorld) -> str:
    return f"/api/v1/orgs/{world.slug}/"


def names(response: Any, key: str = "full_name") -> list[str]:
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


def test_people_filters_ordering_and_pagination(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    eng, ops = department(org_a, "Engineering"), department(org_a, "Operations")
    python = skill(org_a, "Python")
    person(org_a, "Ada", dept=eng, capacity=32, skills=(python,))
    person(org_a, "Brian", dept=ops, capacity=40)
    person(org_a, "Cleo", dept=eng, capacity=20, active=False)
    elsewhere = department(org_b, "Engineering")
    client = api_client(org_a.users["executive"])
    people = base(org_a) + "people/"

    assert names(client.get(people)) == ["Ada", "Brian", "Cleo"]
    assert names(client.get(people + f"?department={eng.pk}")) == ["Ada", "Cleo"]
    assert names(client.get(people + f"?skill={python.pk}")) == ["Ada"]
    assert names(client.get(people + "?active=false")) == ["Cleo"]
    assert names(client.get(people + "?q=bri")) == ["Brian"]
    assert names(client.get(people + "?ordering=-capacity")) == ["Brian", "Ada", "Cleo"]
    assert names(client.get(people + "?ordering=department,-name")) == ["Cleo", "Ada", "Brian"]
    page = client.get(people + "?page_size=2&page=2").json()
    assert (page["count"], [p["full_name"] for p in page["results"]]) == (3, ["Cleo"])

    for query, field in (
        (f"?department={elsewhere.pk}", "department"),
        ("?department=x", "department"),
        ("?active=maybe", "active"),
        ("?ordering=salary", "ordering"),
        ("?q=" + "x" * 101, "q"),
    ):
        response = client.get(people + query)
        assert response.status_code == 400 and field in response.json(), (query, response.content)
    assert "salary" in client.get(people + "?ordering=salary").json()["ordering"][0]


def test_list_filters_leave_detail_routes_alone(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    ada = person(org_a, "Ada")
    client = api_client(org_a.users["pmo"])
    assert client.get(base(org_a) + f"people/{ada.pk}/?active=false&ordering=-capacity").json()["full_name"] == "Ada"
    assert client.get(base(org_a) + f"people/{ada.pk}/skills/?q=nobody").status_code == 200


def test_departments_and_skills_search_and_sort(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    eng, ops = department(org_a, "Engineering"), department(org_a, "Operations")
    person(org_a, "Ada", dept=ops)
    person(org_a, "Brian", dept=ops)
    person(org_a, "Cleo", dept=eng)
    client = api_client(org_a.users["manager"])
    rows = client.get(base(org_a) + "departments/?ordering=-people").json()["results"]
    assert [(d["name"], d["people"]) for d in rows] == [("Operations", 2), ("Engineering", 1)]
    assert names(client.get(base(org_a) + "departments/?q=eng"), "name") == ["Engineering"]
    assert client.get(base(org_a) + "skills/?ordering=level").status_code == 400


def test_allocations_filter_by_department_weeks_and_sort(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    eng = department(org_a, "Engineering")
    ada, brian = person(org_a, "Ada", dept=eng), person(org_a, "Brian")
    allocate(org_a, ada, org_a.projects[0], week(10), week(12), 30)
    allocate(org_a, brian, org_a.projects[1], week(14), week(16), 10)
    allocate(org_a, brian, org_a.projects[2], week(10), week(11), 20)
    client = api_client(org_a.users["manager"])
    url = base(org_a) + "allocations/"

    def rows(query: str) -> list[tuple[str, str, str]]:
        response = client.get(url + query)
        assert response.status_code == 200, response.content
        return [(a["person"]["name"], a["project"]["code"], a["hours_per_week"]) for a in response.json()["results"]]

    assert rows(f"?department={eng.pk}") == [("Ada", "ALPHA-0", "30.00")]
    assert rows("?from=2030-W13") == [("Brian", "ALPHA-1", "10.00")]
    assert rows("?to=2030-W11&ordering=-hours") == [("Ada", "ALPHA-0", "30.00"), ("Brian", "ALPHA-2", "20.00")]
    assert rows(f"?person={brian.pk}&ordering=-start") == [("Brian", "ALPHA-1", "10.00"), ("Brian", "ALPHA-2", "20.00")]
    assert rows("?role=nobody") == []
    bad = client.get(url + "?from=2030-99&ordering=size")
    assert bad.status_code == 400 and set(bad.json()) >= {"from"}


def test_person_capacity_strip(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    ada = person(org_a, "Ada", capacity=40)
    allocate(org_a, ada, org_a.projects[0], week(10), week(11), 45)
    holiday(org_a, week(11))  # Monday of W11 off: 32 hours that week
    time_off(org_a, ada, week(12), week(12) + dt.timedelta(days=4))
    client = api_client(org_a.users["manager"])

    body = client.get(base(org_a) + f"people/{ada.pk}/capacity/?from=2030-W10&weeks=3").json()

    assert body["person"] == ada.pk
    assert [(w["week"], w["capacity"], w["allocated"], w["free"], w["over"]) for w in body["weeks"]] == [
        ("2030-W10", "40.00", "45.00", "-5.00", True),
        ("2030-W11", "32.00", "45.00", "-13.00", True),
        ("2030-W12", "0.00", "0.00", "0.00", False),
    ]
    assert client.get(base(org_a) + f"people/{ada.pk}/capacity/?weeks=27").status_code == 400
    assert client.get(base(org_a) + "people/999999/capacity/").status_code == 404


PLANNERS = {"admin", "pmo", "executive", "manager"}


@pytest.mark.parametrize("role", [*ROLES, "outsider"])
def test_planning_reads_by_role(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, role: str) -> None:
    eng = department(org_a, "Engineering")
    ada = person(org_a, "Ada", dept=eng)
    time_off(org_a, ada, week(10), week(10))
    user = org_b.users["pmo"] if role == "outsider" else org_a.users[role]
    client = api_client(user)
    checks: dict[str, Callable[[Any], Any]] = {
        f"people/{ada.pk}/capacity/?from=2030-W10&weeks=2": lambda body: body["person"] == ada.pk,
        f"people/{ada.pk}/time-off/": lambda body: body["results"][0]["start"] == "2030-03-04",
        f"capacity/drilldown/?group={eng.pk}&week=2030-W10": lambda body: body["people"][0]["person"]["name"] == "Ada",
    }
    for path, check in checks.items():
        response = client.get(base(org_a) + path)
        if role == "outsider":
            assert response.status_code == 404, path
        elif role in PLANNERS:
            assert response.status_code == 200 and check(response.json()), (path, response.content)
        else:
            assert response.status_code == 403, path


def approval_world(world: OrgWorld) -> dict[str, Any]:
    monday = this_week(world) - dt.timedelta(weeks=1)
    member = linked_person(world, "member")
    viewer = linked_person(world, "viewer")
    for who, project in ((member, 0), (member, 2), (viewer, 0), (viewer, 2)):
        book(world, who, world.projects[project], monday)
    own = sheet(world, member, monday, {world.projects[0]: 10}, stage="submitted")
    mixed = sheet(world, viewer, monday, {world.projects[0]: 5, world.projects[2]: 5}, stage="submitted")
    draft = sheet(world, member, monday - dt.timedelta(weeks=1), {world.projects[2]: 8})
    return {"own": own, "mixed": mixed, "draft": draft}


@pytest.mark.parametrize("role", [*ROLES, "outsider"])
def test_the_approval_queue_by_role(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, role: str) -> None:
    sheets = approval_world(org_a)
    before = timesheet_state(org_a)
    user = org_b.users["pmo"] if role == "outsider" else org_a.users[role]

    response = api_client(user).get(base(org_a) + "timesheets/approvals/")

    if role == "outsider":
        assert response.status_code == 404
    elif role in ("admin", "pmo"):
        rows = response.json()["results"]
        assert [(r["id"], r["blocked"]) for r in rows] == [(sheets["own"].pk, []), (sheets["mixed"].pk, [])]
    elif role == "manager":
        rows = response.json()["results"]
        assert [(r["id"], r["blocked"]) for r in rows] == [
            (sheets["own"].pk, []),
            (sheets["mixed"].pk, ["ALPHA-2"]),
        ]
    else:
        assert response.status_code == 403
    assert timesheet_state(org_a) == before


def test_the_approval_queue_filters(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    sheets = approval_world(org_a)
    client = api_client(org_a.users["pmo"])
    url = base(org_a) + "timesheets/approvals/"
    only_mixed = client.get(url + f"?project={org_a.projects[2].pk}").json()["results"]
    assert [r["id"] for r in only_mixed] == [sheets["mixed"].pk]
    by_person = client.get(url + "?ordering=-person").json()["results"]
    assert [r["person"]["name"] for r in by_person] == ["Viewer of alpha", "Member of alpha"]
    assert client.get(url + f"?project={org_b.projects[0].pk}").status_code == 400
    assert client.get(url + "?week=last").status_code == 400


def test_my_timesheets_without_filters_and_all_with_one(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    sheets = approval_world(org_a)
    client = api_client(org_a.users["member"])
    mine = client.get(base(org_a) + "timesheets/").json()["results"]
    assert [r["id"] for r in mine] == [sheets["own"].pk, sheets["draft"].pk]
    pmo = api_client(org_a.users["pmo"])
    submitted = pmo.get(base(org_a) + "timesheets/?state=submitted&ordering=person").json()["results"]
    assert [r["person"]["name"] for r in submitted] == ["Member of alpha", "Viewer of alpha"]
    # A detail route is not narrowed by the list's "own sheets" rule nor by its filters.
    assert pmo.get(base(org_a) + f"timesheets/{sheets['draft'].pk}/?state=approved").status_code == 200


def grow(world: OrgWorld, n: int, tag: str, anchor: Any) -> None:
    dept = department(world, f"Dept {tag}")
    python = skill(world, f"Skill {tag}")
    for i in range(n):
        someone = person(world, f"P{tag}-{i}", dept=dept, skills=(python,))
        allocate(world, someone, world.projects[i % 3], week(10), week(12), 10)
        time_off(world, someone, week(11), week(11))
        day = week(20 if tag == "a" else 30) + dt.timedelta(days=i)
        time_off(world, anchor, day, day)


def test_list_queries_do_not_grow_with_rows(
    org_a: OrgWorld, api_client: ApiClientFactory, django_assert_max_num_queries: Any
) -> None:
    approval_world(org_a)
    anchor = person(org_a, "Anchor")
    client = api_client(org_a.users["pmo"])
    paths = [
        f"people/{anchor.pk}/time-off/?ordering=-start",
        "people/?ordering=department",
        "departments/",
        "skills/?ordering=-holders",
        "allocations/?ordering=department",
        "overallocations/?from=2030-W10",
        "timesheets/approvals/",
        "calendar/?year=2030",
    ]
    client.get(base(org_a) + "people/")  # the first request of a token caches its lookup
    counts: dict[str, list[int]] = {path: [] for path in paths}
    for size, tag in ((2, "a"), (12, "b")):
        grow(org_a, size, tag, anchor)
        for path in paths:
            with django_assert_max_num_queries(20) as captured:
                assert client.get(base(org_a) + path).status_code == 200, path
            counts[path].append(len(captured.captured_queries))
    for path, (small, large) in counts.items():
        assert large == small, (path, small, large)
