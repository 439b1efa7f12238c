"""The timesheet API: the permission matrix over every role (allowed → success and a change; refused → 403 or, for
a sheet the role may not read, 404 — and nothing changed), every role of another organisation → 404 and nothing
changed, errors (400 field errors, 409 duplicates, stale versions and decided sheets), the output, and query counts
at two sizes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from projects.policy import week_label
from resources.models import Person
from tests.conftest import ROLES, OrgWorld
from tests.test_timesheets_factories import allocate, last_week, person, sheet, this_week, timesheet_state

ApiClientFactory = Callable[[Any], APIClient]


@dataclass
class Endpoint:
    name: str
    method: str
    path: str  # under /api/v1/orgs/<slug>/, "{t}" is the member's sheet of last week
    expected: dict[str, int]  # role → status code
    stage: str | None = None  # the member's sheet brought to this stage first
    data: dict[str, Any] = field(default_factory=dict)


def codes(ok: int, allowed: set[str], hidden: set[str] = frozenset(), otherwise: int = 403) -> dict[str, int]:  # type: ignore[assignment]
    return {role: ok if role in allowed else 404 if role in hidden else otherwise for role in ROLES}


ENTERERS = {"admin", "pmo", "member"}
READERS = {"admin", "pmo", "manager", "member"}  # the manager may change projects[0], where the sheet has hours
ENDPOINTS = [
    Endpoint("list", "get", "timesheets/", codes(200, ROLES_WITH_SHEETS := set(ROLES) - {"viewer"})),
    Endpoint("queue filter", "get", "timesheets/?state=submitted", codes(200, ROLES_WITH_SHEETS), stage="submitted"),
    Endpoint("retrieve", "get", "timesheets/{t}/", codes(200, READERS, {"executive"}), stage="draft"),
    Endpoint("create", "post", "timesheets/", codes(201, ENTERERS), data={"week": "LAST", "person": "MEMBER"}),
    Endpoint("update", "patch", "timesheets/{t}/", codes(200, ENTERERS, {"executive"}), stage="draft",
             data={"version": 2, "entries": [{"project": "P0", "hours": "12.5", "note": "x"}]}),
    Endpoint("submit", "post", "timesheets/{t}/submit/", codes(200, ENTERERS, {"executive"}), stage="draft"),
    Endpoint("approve", "post", "timesheets/{t}/approve/", codes(200, {"admin", "pmo", "manager"}),
             stage="submitted"),
    Endpoint("return", "post", "timesheets/{t}/return/", codes(200, {"admin", "pmo", "manager"}),
             stage="submitted", data={"comment": "Split by task."}),
]  # fmt: skip
BY_NAME = {e.name: e for e in ENDPOINTS}


@pytest.fixture
def member(org_a: OrgWorld, org_b: OrgWorld) -> Person:
    return person(org_a, "member", cost_rate=50)


def resolve(value: Any, world: OrgWorld, member: Person) -> Any:
    if isinstance(value, dict):
        return {k: resolve(v, world, member) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, world, member) for v in value]
    return {"LAST": week_label(last_week(world)), "MEMBER": member.pk, "P0": world.projects[0].pk}.get(value, value)


def call(client: APIClient, endpoint: Endpoint, slug: str, world: OrgWorld, member: Person, pk: int | None) -> Any:
    url = f"/api/v1/orgs/{slug}/{endpoint.path.format(t=pk)}"
    if endpoint.method == "get":
        return client.get(url)
    return getattr(client, endpoint.method)(url, resolve(endpoint.data, world, member), format="json")


def prepare(world: OrgWorld, member: Person, endpoint: Endpoint) -> int | None:
    if endpoint.stage is None:
        return None
    return sheet(world, member, last_week(world), {world.projects[0]: 8}, stage=endpoint.stage).pk


@pytest.mark.parametrize("name", list(BY_NAME))
def test_role_matrix(org_a: OrgWorld, member: Person, api_client: ApiClientFactory, name: str) -> None:
    endpoint = BY_NAME[name]
    for role in ROLES:
        with transaction.atomic():
            pk = prepare(org_a, member, endpoint)
            before = timesheet_state(org_a)

            response = call(api_client(org_a.users[role]), endpoint, org_a.slug, org_a, member, pk)

            expected = endpoint.expected[role]
            assert response.status_code == expected, (name, role, response.content)
            if expected < 300 and endpoint.method != "get":
                assert timesheet_state(org_a) != before, (name, role)
            else:
                assert timesheet_state(org_a) == before, (name, role)
            transaction.set_rollback(True)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_another_organisations_users_get_404_and_change_nothing(
    org_a: OrgWorld, org_b: OrgWorld, member: Person, api_client: ApiClientFactory, name: str
) -> None:
    endpoint = BY_NAME[name]
    pk = prepare(org_a, member, endpoint) or sheet(org_a, member, this_week(org_a), {org_a.projects[0]: 8}).pk
    person(org_b, "member")  # beta's own member has a person too
    before = timesheet_state(org_a)
    for role in ROLES:
        through_alpha = call(api_client(org_b.users[role]), endpoint, org_a.slug, org_a, member, pk)
        assert through_alpha.status_code == 404, (name, role)
        if "{t}" in endpoint.path:  # alpha's sheet through beta's own URL answers exactly like a missing one
            through_beta = call(api_client(org_b.users[role]), endpoint, org_b.slug, org_a, member, pk)
            missing = call(api_client(org_b.users[role]), endpoint, org_b.slug, org_a, member, 10**9)
            assert through_beta.status_code == missing.status_code, (name, role)
            assert through_beta.status_code in (403, 404), (name, role)
    assert timesheet_state(org_a) == before


def test_the_output_and_the_list_filters(org_a: OrgWorld, member: Person, api_client: ApiClientFactory) -> None:
    week = last_week(org_a)
    other = person(org_a, None, name="Other")
    allocate(org_a, other, org_a.projects[0], week)
    mine = sheet(org_a, member, week, {org_a.projects[0]: "7.5"}, stage="approved", approver="manager")
    sheet(org_a, other, week, {org_a.projects[0]: 3}, stage="submitted")
    sheet(org_a, member, this_week(org_a), {org_a.projects[0]: 1})

    body = api_client(org_a.users["member"]).get(f"/api/v1/orgs/{org_a.slug}/timesheets/{mine.pk}/").json()
    assert body["week"] == week_label(week) and body["state"] == "approved" and body["total_hours"] == "7.50"
    assert body["entries"] == [
        {"project": {"id": org_a.projects[0].pk, "code": "ALPHA-0", "name": "alpha project 0"}, "hours": "7.50",
         "note": ""}
    ]  # fmt: skip
    assert body["cost_rate"] == "50.00" and body["decided_by"]["id"] == org_a.users["manager"].pk
    assert body["person"] == {"id": member.pk, "name": member.full_name}

    def listed(role: str, query: str = "") -> list[tuple[str, str]]:
        rows = api_client(org_a.users[role]).get(f"/api/v1/orgs/{org_a.slug}/timesheets/{query}").json()["results"]
        return [(row["person"]["name"], row["state"]) for row in rows]

    assert listed("member") == [(member.full_name, "draft"), (member.full_name, "approved")]  # mine, newest first
    assert listed("pmo") == []  # the PMO has no sheet of their own
    assert listed("pmo", "?state=submitted") == [("Other", "submitted")]
    assert listed("manager", f"?week={week_label(week)}") == [(member.full_name, "approved"), ("Other", "submitted")]
    assert listed("member", f"?person={other.pk}") == []  # not theirs to read
    assert listed("executive", "?state=submitted") == []
    bad = api_client(org_a.users["pmo"]).get(f"/api/v1/orgs/{org_a.slug}/timesheets/?week=2026-47&state=nope")
    assert bad.status_code == 400 and set(bad.json()) == {"week", "state"}


def test_conflicts_are_409_and_bad_input_400_with_nothing_changed(
    org_a: OrgWorld, member: Person, api_client: ApiClientFactory
) -> None:
    client = api_client(org_a.users["member"])
    base = f"/api/v1/orgs/{org_a.slug}/timesheets/"
    created = client.post(base, {"week": week_label(last_week(org_a))}, format="json")
    assert created.status_code == 201 and created.json()["person"]["id"] == member.pk
    pk = created.json()["id"]
    before = timesheet_state(org_a)

    refused = {
        "duplicate": client.post(base, {"week": week_label(last_week(org_a))}, format="json"),
        "stale": client.patch(f"{base}{pk}/", {"version": 7, "entries": []}, format="json"),
        "bad week": client.post(base, {"week": "2026-13"}, format="json"),
        "future": client.post(base, {"week": week_label(this_week(org_a) + dt.timedelta(weeks=1))}, format="json"),
        "too many hours": client.patch(
            f"{base}{pk}/", {"version": 1, "entries": [{"project": org_a.projects[0].pk, "hours": 200}]}, format="json"
        ),
        "no version": client.patch(f"{base}{pk}/", {"entries": []}, format="json"),
        "hidden project": client.patch(
            f"{base}{pk}/", {"version": 1, "entries": [{"project": org_a.projects[1].pk, "hours": 2}]}, format="json"
        ),
        "empty submit": client.post(f"{base}{pk}/submit/", {}, format="json"),
    }
    assert {k: r.status_code for k, r in refused.items()} == {
        "duplicate": 409, "stale": 409, "bad week": 400, "future": 400, "too many hours": 400, "no version": 400,
        "hidden project": 400, "empty submit": 400,
    }  # fmt: skip
    assert "already has a timesheet" in refused["duplicate"].json()["detail"]
    assert "Someone else changed this timesheet" in refused["stale"].json()["detail"]
    assert "ISO week" in refused["bad week"].json()["week"][0]
    assert "cannot book hours" in refused["hidden project"].json()["entries"][0]
    assert timesheet_state(org_a) == before

    unlinked = api_client(org_a.users["executive"]).post(base, {"week": week_label(last_week(org_a))}, format="json")
    assert unlinked.status_code == 400 and "No person is linked" in unlinked.json()["person"][0]


def test_the_approver_scope_and_segregation_through_the_api(
    org_a: OrgWorld, member: Person, api_client: ApiClientFactory
) -> None:
    week = last_week(org_a)
    allocate(org_a, member, org_a.projects[2], week)
    both = sheet(org_a, member, week, {org_a.projects[0]: 20, org_a.projects[2]: 20}, stage="submitted")
    manager_person = person(org_a, "manager")
    own = sheet(org_a, manager_person, week, {org_a.projects[0]: 40}, stage="submitted", actor="manager")
    before = timesheet_state(org_a)
    client = api_client(org_a.users["manager"])

    scope = client.post(f"/api/v1/orgs/{org_a.slug}/timesheets/{both.pk}/approve/", {}, format="json")
    segregation = client.post(f"/api/v1/orgs/{org_a.slug}/timesheets/{own.pk}/approve/", {}, format="json")

    assert scope.status_code == 403 and "ALPHA-2" in scope.json()["detail"]
    assert segregation.status_code == 403 and "your own timesheet" in segregation.json()["detail"]
    assert timesheet_state(org_a) == before
    done = api_client(org_a.users["pmo"]).post(f"/api/v1/orgs/{org_a.slug}/timesheets/{both.pk}/approve/", {})
    assert done.status_code == 200 and done.json()["state"] == "approved"
    again = client.post(f"/api/v1/orgs/{org_a.slug}/timesheets/{both.pk}/return/", {"comment": "x"}, format="json")
    assert again.status_code == 409


def grow(world: OrgWorld, n: int) -> None:
    week = last_week(world)
    for i in range(n):
        who = person(world, None, name=f"Person {i}")
        for project in world.projects:
            allocate(world, who, project, week)
        sheet(world, who, week, {world.projects[0]: 10, world.projects[2]: 5}, stage="submitted")
        sheet(world, who, week - dt.timedelta(weeks=1), {world.projects[1]: 8}, stage="approved")


@pytest.mark.parametrize("size", [1, 8])
def test_list_query_counts_do_not_grow(
    org_a: OrgWorld, api_client: ApiClientFactory, django_assert_max_num_queries: Any, size: int
) -> None:
    grow(org_a, size)
    week = week_label(last_week(org_a))
    for role, query, rows in (("pmo", "?state=submitted", size), ("manager", f"?week={week}", size)):
        client = api_client(org_a.users[role])
        with django_assert_max_num_queries(12):
            response = client.get(f"/api/v1/orgs/{org_a.slug}/timesheets/{query}")
        assert response.status_code == 200 and response.json()["count"] == rows, (role, response.content)
