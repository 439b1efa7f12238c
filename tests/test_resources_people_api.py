"""The people, departments, skills, time-off, calendar and staffing API: the permission matrix over every role
(allowed → success and a change; refused → 403 and nothing changed), every role of another organisation → 404 and
nothing changed, bad input → 400, stale versions and things in use → 409, and query counts at two sizes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from resources.models import CalendarDay, Skill
from tests.conftest import ROLES, OrgWorld
from tests.test_resources_people_support import (
    allocate,
    calendar_day,
    department,
    give_skill,
    person,
    require,
    resources_state,
    skill,
    time_off,
    week,
)

ApiClientFactory = Callable[[Any], APIClient]
ALL = frozenset(ROLES)
VIEWERS = frozenset({"admin", "pmo", "executive", "manager"})  # RESOURCES_VIEW
GOVERNANCE = frozenset({"admin", "pmo"})  # RESOURCES_MANAGE
PROJECT_READERS = frozenset({"admin", "pmo", "executive", "manager", "member"})  # of projects[0]; not the viewer
STAFFERS = frozenset({"admin", "pmo", "manager"})  # RESOURCES_MANAGE or may change projects[0]


@dataclass
class Scene:
    world: OrgWorld
    ids: dict[str, int]


@dataclass
class Endpoint:
    name: str
    method: str
    path: str  # under /api/v1/orgs/<slug>/; "{x}" placeholders from Scene.ids
    allowed: frozenset[str]
    ok: int = 200
    data: dict[str, Any] = field(default_factory=dict)


ENDPOINTS = [
    Endpoint("people list", "get", "people/", VIEWERS),
    Endpoint("person retrieve", "get", "people/{person}/", VIEWERS),
    Endpoint("person create", "post", "people/", GOVERNANCE, 201, {"full_name": "New One", "weekly_capacity": "32"}),
    Endpoint("person update", "patch", "people/{person}/", GOVERNANCE, data={"job_role": "Architect", "version": 1}),
    Endpoint("person delete", "delete", "people/{spare}/", GOVERNANCE, 204),
    Endpoint("person skills get", "get", "people/{person}/skills/", VIEWERS),
    Endpoint("person skills put", "put", "people/{person}/skills/", GOVERNANCE,
             data={"skills": [{"skill": "{skill}", "level": 5}]}),
    Endpoint("time off list", "get", "people/{person}/time-off/", VIEWERS),
    Endpoint("time off create", "post", "people/{person}/time-off/", GOVERNANCE, 201,
             data={"start": "2026-05-04", "end": "2026-05-05"}),
    Endpoint("time off delete", "delete", "people/{person}/time-off/{time_off}/", GOVERNANCE, 204),
    Endpoint("departments list", "get", "departments/", VIEWERS),
    Endpoint("department create", "post", "departments/", GOVERNANCE, 201, {"name": "Finance"}),
    Endpoint("department rename", "put", "departments/{department}/", GOVERNANCE, data={"name": "R&D"}),
    Endpoint("department delete", "delete", "departments/{empty_department}/", GOVERNANCE, 204),
    Endpoint("skills list", "get", "skills/", VIEWERS),
    Endpoint("skill create", "post", "skills/", GOVERNANCE, 201, {"name": "Go"}),
    Endpoint("skill rename", "patch", "skills/{skill}/", GOVERNANCE, data={"name": "Python 3"}),
    Endpoint("skill delete", "delete", "skills/{unused_skill}/", GOVERNANCE, 204),
    Endpoint("calendar list", "get", "calendar/?year=2026", VIEWERS),
    Endpoint("calendar create", "post", "calendar/", GOVERNANCE, 201, {"date": "2026-10-01", "kind": "holiday"}),
    Endpoint("calendar delete", "delete", "calendar/{day}/", GOVERNANCE, 204),
    Endpoint("calendar year", "put", "calendar/year/2026/", GOVERNANCE,
             data={"days": [{"date": "2026-10-10", "kind": "working", "name": "调休"}]}),
    Endpoint("staffing matrix", "get", "projects/{project}/staffing/", PROJECT_READERS),
    Endpoint("requirement retrieve", "get", "projects/{project}/staffing/{requirement}/", PROJECT_READERS),
    Endpoint("requirement create", "post", "projects/{project}/staffing/", STAFFERS, 201,
             {"role": "Tester", "start_week": "2026-W10", "end_week": "2026-W12", "hours_per_week": "20"}),
    Endpoint("requirement update", "patch", "projects/{project}/staffing/{requirement}/", STAFFERS,
             data={"hours_per_week": "30"}),
    Endpoint("requirement delete", "delete", "projects/{project}/staffing/{requirement}/", STAFFERS, 204),
]  # fmt: skip
BY_NAME = {e.name: e for e in ENDPOINTS}


def build(world: OrgWorld) -> Scene:
    eng, python = department(world, "Engineering"), skill(world, "Python")
    ada = person(world, department=eng, job_role="Developer")
    give_skill(world, ada, python, 3)
    allocate(world, ada, world.projects[0], role="Developer", start=0, end=2, hours=20)
    leave = time_off(world, ada, dt.date(2026, 4, 6), dt.date(2026, 4, 7))
    day = calendar_day(world, dt.date(2026, 5, 1), CalendarDay.Kind.HOLIDAY, "Labour Day")
    need = require(world, world.projects[0], role="Developer", start=0, end=3, hours=40)
    return Scene(
        world=world,
        ids={
            "person": ada.pk,
            "spare": person(world, "Spare Person").pk,
            "skill": python.pk,
            "unused_skill": skill(world, "Cobol").pk,
            "department": eng.pk,
            "empty_department": department(world, "Empty").pk,
            "time_off": leave.pk,
            "day": day.pk,
            "project": world.projects[0].pk,
            "requirement": need.pk,
        },
    )


@pytest.fixture
def scene(org_a: OrgWorld, org_b: OrgWorld) -> Scene:
    build(org_b)  # beta has rows of its own, which alpha's users must never reach
    return build(org_a)


def fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str):
        formatted = value.format(**ids)
        return int(formatted) if value.startswith("{") and formatted.isdigit() else formatted
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


def call(client: APIClient, endpoint: Endpoint, slug: str, ids: dict[str, int]) -> Any:
    url = f"/api/v1/orgs/{slug}/{endpoint.path.format(**ids)}"
    if endpoint.method in ("get", "delete"):
        return getattr(client, endpoint.method)(url)
    return getattr(client, endpoint.method)(url, fill(endpoint.data, ids), format="json")


@pytest.mark.parametrize("name", list(BY_NAME))
def test_role_matrix(scene: Scene, api_client: ApiClientFactory, name: str) -> None:
    endpoint = BY_NAME[name]
    world = scene.world
    for role in ROLES:
        with transaction.atomic():
            before = resources_state(world)
            response = call(api_client(world.users[role]), endpoint, world.slug, scene.ids)
            if role in endpoint.allowed:
                assert response.status_code == endpoint.ok, (name, role, response.content)
                if endpoint.method != "get":
                    assert resources_state(world) != before, (name, role)
            else:
                # the viewer may not read projects[0] at all: 404 for its staffing, as if it did not exist
                refused = 404 if role == "viewer" and "{project}" in endpoint.path else 403
                assert response.status_code == refused, (name, role, response.content)
                assert resources_state(world) == before, (name, role)
            transaction.set_rollback(True)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_every_role_of_another_organisation_gets_404_and_changes_nothing(
    scene: Scene, org_b: OrgWorld, api_client: ApiClientFactory, name: str
) -> None:
    endpoint = BY_NAME[name]
    before_a, before_b = resources_state(scene.world), resources_state(org_b)
    for role in ROLES:
        client = api_client(org_b.users[role])
        assert call(client, endpoint, scene.world.slug, scene.ids).status_code == 404, (name, role)
        # alpha's ids through beta's own URL: 404, or 403 before any lookup for a role without the capability
        through_beta = call(client, endpoint, org_b.slug, scene.ids).status_code
        if "{" in endpoint.path:
            assert through_beta == 404 or (through_beta == 403 and role not in endpoint.allowed), (name, role)
    assert resources_state(scene.world) == before_a
    if "{" in endpoint.path:
        assert resources_state(org_b) == before_b


def test_a_project_the_caller_cannot_see_is_404_for_its_staffing(scene: Scene, api_client: ApiClientFactory) -> None:
    world = scene.world
    hidden = world.projects[2]
    need = require(world, hidden, role="Developer")
    before = resources_state(world)
    base = f"/api/v1/orgs/{world.slug}/projects/{hidden.pk}/staffing/"
    for role in ("manager", "member", "viewer"):
        client = api_client(world.users[role])
        assert client.get(base).status_code == 404
        assert client.patch(f"{base}{need.pk}/", {"hours_per_week": "1"}, format="json").status_code == 404
        assert client.delete(f"{base}{need.pk}/").status_code == 404
        missing = client.get(f"/api/v1/orgs/{world.slug}/projects/999999/staffing/")
        assert missing.status_code == 404 and missing.json() == client.get(base).json()
    assert resources_state(world) == before


def test_person_output_filters_and_stale_version(scene: Scene, api_client: ApiClientFactory) -> None:
    world = scene.world
    pmo = api_client(world.users["pmo"])
    base = f"/api/v1/orgs/{world.slug}/people/"
    body = pmo.get(f"{base}{scene.ids['person']}/").json()
    assert body["department"] == {"id": scene.ids["department"], "name": "Engineering"}
    assert body["skills"] == [{"skill": scene.ids["skill"], "name": "Python", "level": 3}]
    assert (body["weekly_capacity"], body["version"], body["active"]) == ("40.00", 1, True)

    assert [p["full_name"] for p in pmo.get(f"{base}?skill={scene.ids['skill']}").json()["results"]] == ["Ada Lovelace"]
    assert [p["full_name"] for p in pmo.get(f"{base}?q=spare").json()["results"]] == ["Spare Person"]
    assert pmo.get(f"{base}?department={scene.ids['empty_department']}").json()["count"] == 0

    first = pmo.patch(f"{base}{scene.ids['person']}/", {"active": False, "version": 1}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    assert [p["full_name"] for p in pmo.get(f"{base}?active=true").json()["results"]] == ["Spare Person"]
    before = resources_state(world)
    stale = pmo.patch(f"{base}{scene.ids['person']}/", {"job_role": "Lost", "version": 1}, format="json")
    assert stale.status_code == 409 and "changed this person" in stale.json()["detail"]
    assert resources_state(world) == before


def test_bad_input_is_400_and_conflicts_409_and_nothing_changes(
    scene: Scene, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    world, ids = scene.world, scene.ids
    pmo = api_client(world.users["pmo"])
    base = f"/api/v1/orgs/{world.slug}/"
    with org_b.ctx():
        beta_skill = Skill.objects.get(organization=org_b.organization, name="Python").pk
    outsider = org_b.users["member"]
    cases = [
        ("post", "people/", {"full_name": " "}, 400, "full_name"),
        ("post", "people/", {"full_name": "X", "weekly_capacity": "200"}, 400, "weekly_capacity"),
        ("post", "people/", {"full_name": "X", "user": outsider.pk}, 400, "user"),
        ("post", "people/", {"full_name": "X", "department": 999_999}, 400, "department"),
        ("patch", f"people/{ids['spare']}/", {"user": world.users["member"].pk}, 200, None),
        ("patch", f"people/{ids['person']}/", {"user": world.users["member"].pk}, 400, "user"),
        ("put", f"people/{ids['person']}/skills/", {"skills": [{"skill": beta_skill, "level": 2}]}, 400, "skills"),
        ("put", f"people/{ids['person']}/skills/", {"skills": [{"skill": ids["skill"], "level": 6}]}, 400, "skills"),
        ("delete", f"people/{ids['person']}/", None, 409, "detail"),
        ("post", f"people/{ids['person']}/time-off/", {"start": "2026-05-05", "end": "2026-05-04"}, 400, "end"),
        ("post", "departments/", {"name": "engineering"}, 400, "name"),
        ("delete", f"departments/{ids['department']}/", None, 409, "detail"),
        ("delete", f"skills/{ids['skill']}/", None, 409, "detail"),
        ("post", "calendar/", {"date": "2026-10-03", "kind": "holiday"}, 400, "date"),
        ("post", "calendar/", {"date": "2026-05-01", "kind": "holiday"}, 409, "detail"),
        ("get", "calendar/?year=19", None, 400, "year"),
        ("post", f"projects/{ids['project']}/staffing/",
         {"start_week": "2026-W10", "end_week": "2026-W12", "hours_per_week": "20"}, 400, "role"),
        ("post", f"projects/{ids['project']}/staffing/",
         {"role": "Dev", "start_week": "2026-W12", "end_week": "2026-W10", "hours_per_week": "20"}, 400, "end_week"),
        ("post", f"projects/{ids['project']}/staffing/",
         {"role": "Dev", "start_week": "2026-03-02", "end_week": "2026-W10", "hours_per_week": "20"}, 400,
         "start_week"),
        ("patch", f"projects/{ids['project']}/staffing/{ids['requirement']}/", {"hours_per_week": "0"}, 400,
         "hours_per_week"),
    ]  # fmt: skip
    for method, path, data, code, key in cases:
        before = resources_state(world)
        url = base + path
        response = pmo.get(url) if method == "get" else getattr(pmo, method)(url, data, format="json")
        assert response.status_code == code, (method, path, response.content)
        if code == 200:
            continue
        assert key in response.json(), (path, response.json())
        assert resources_state(world) == before, path


def test_requirement_and_calendar_round_trip(scene: Scene, api_client: ApiClientFactory) -> None:
    world = scene.world
    manager = api_client(world.users["manager"])
    base = f"/api/v1/orgs/{world.slug}/projects/{scene.ids['project']}/staffing/"
    created = manager.post(
        base,
        {"skill": scene.ids["skill"], "start_week": "2026-W11", "end_week": "2026-W11", "hours_per_week": "8"},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["skill"] == {"id": scene.ids["skill"], "name": "Python"}
    assert (created.json()["start_week"], created.json()["hours_per_week"]) == ("2026-W11", "8.00")
    pmo = api_client(world.users["pmo"])
    days = pmo.get(f"/api/v1/orgs/{world.slug}/calendar/?year=2026").json()
    assert days["results"] == [
        {"id": scene.ids["day"], "date": "2026-05-01", "kind": "holiday", "name": "Labour Day", "weekday": 5}
    ]
    assert pmo.get(f"/api/v1/orgs/{world.slug}/calendar/?year=2027").json()["count"] == 0


def _grow(world: OrgWorld, n: int) -> None:
    eng, python = department(world, f"Dept {n}"), skill(world, f"Skill {n}")
    for i in range(n):
        someone = person(world, f"Person {n}-{i}", department=eng, job_role="Developer")
        give_skill(world, someone, python, 2)
        allocate(world, someone, world.projects[0], role="Developer" if i % 2 else "QA", start=0, end=3, hours=10)
        time_off(world, someone, week(1), week(1) + dt.timedelta(days=1))
        require(world, world.projects[0], role="QA", needs=python, start=i % 3, end=4, hours=Decimal(5))


@pytest.mark.parametrize("path", ["people/", "people/{person}/", "projects/{project}/staffing/"])
def test_query_counts_do_not_grow_with_rows(
    scene: Scene, api_client: ApiClientFactory, django_assert_max_num_queries: Any, path: str
) -> None:
    world = scene.world
    client = api_client(world.users["pmo"])
    url = f"/api/v1/orgs/{world.slug}/{path.format(**scene.ids)}"
    _grow(world, 2)
    with django_assert_max_num_queries(12) as small:
        assert client.get(url).status_code == 200
    _grow(world, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
