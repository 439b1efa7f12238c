"""The change-control API: the permission matrix over every role (allowed → success and a change; refused → 403 and
nothing changed), every role of another organisation → 404 and nothing changed, hidden projects → 404, errors
(400 field errors, 409 for state and stale versions), the output, and query counts at two sizes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from projects.models import ChangeRequest, Project
from tests.conftest import ROLES, OrgWorld
from tests.test_changes_factories import bring_to, change_state, cr_project, raise_cr

ApiClientFactory = Callable[[Any], APIClient]
ALL = frozenset(ROLES)
CHANGERS = frozenset({"admin", "pmo", "manager"})
GOVERNANCE = frozenset({"admin", "pmo"})


@dataclass
class Scene:
    world: OrgWorld
    project: Project  # the manager's; member and viewer may read it
    hidden: Project  # granted to nobody below leadership


@dataclass
class Endpoint:
    name: str
    method: str
    path: str  # under /api/v1/orgs/<slug>/, "{p}" is the project
    allowed: frozenset[str]
    ok: int = 200
    stage: str | None = None  # a change request CR-001 raised by the manager, brought to this stage first
    data: dict[str, Any] = field(default_factory=dict)
    raiser: str = "manager"


BODY = {"title": "New CR", "change_type": "scope", "description": "d", "justification": "j", "cost_delta": "10.00"}
ENDPOINTS = [
    Endpoint("list", "get", "projects/{p}/change-requests/", ALL, stage="draft"),
    Endpoint("retrieve", "get", "projects/{p}/change-requests/1/", ALL, stage="draft"),
    Endpoint("queue", "get", "change-requests/", ALL, stage="submitted"),
    Endpoint("statistics", "get", "baseline-changes/", ALL),
    Endpoint("create", "post", "projects/{p}/change-requests/", CHANGERS, ok=201, data=BODY),
    Endpoint("update", "patch", "projects/{p}/change-requests/1/", CHANGERS, stage="draft", data={"title": "Renamed"}),
    Endpoint("submit", "post", "projects/{p}/change-requests/1/submit/", CHANGERS, stage="draft"),
    Endpoint("withdraw", "post", "projects/{p}/change-requests/1/withdraw/", CHANGERS, stage="submitted"),
    Endpoint("assess", "post", "projects/{p}/change-requests/1/assess/", GOVERNANCE, stage="submitted",
             data={"assessment": "Fine."}),
    Endpoint("approve (pmo step)", "post", "projects/{p}/change-requests/1/approve/", GOVERNANCE, stage="assessed"),
    Endpoint("reject at submitted", "post", "projects/{p}/change-requests/1/reject/", GOVERNANCE,
             stage="submitted", data={"note": "No."}),
    Endpoint("reject at assessed", "post", "projects/{p}/change-requests/1/reject/", GOVERNANCE,
             stage="assessed", data={"note": "No."}),
]  # fmt: skip
BY_NAME = {e.name: e for e in ENDPOINTS}


@pytest.fixture
def scene(org_a: OrgWorld, org_b: OrgWorld) -> Scene:
    project = cr_project(org_a, code="API-1")
    return Scene(world=org_a, project=project, hidden=org_a.projects[2])


def prepare(scene: Scene, endpoint: Endpoint) -> None:
    if endpoint.stage is not None:
        bring_to(scene.world, raise_cr(scene.world, scene.project, actor=endpoint.raiser), endpoint.stage)


def call(client: APIClient, endpoint: Endpoint, slug: str, project: Project) -> Any:
    url = f"/api/v1/orgs/{slug}/{endpoint.path.format(p=project.pk)}"
    if endpoint.method == "get":
        return client.get(url)
    return getattr(client, endpoint.method)(url, endpoint.data, format="json")


def state(scene: Scene) -> Any:
    return change_state(scene.world, scene.project, scene.hidden)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_role_matrix(scene: Scene, api_client: ApiClientFactory, name: str) -> None:
    endpoint = BY_NAME[name]
    for role in ROLES:
        with transaction.atomic():
            prepare(scene, endpoint)
            before = state(scene)

            response = call(api_client(scene.world.users[role]), endpoint, scene.world.slug, scene.project)

            if role in endpoint.allowed:
                assert response.status_code == endpoint.ok, (name, role, response.content)
                if endpoint.method != "get":
                    assert state(scene) != before, (name, role)
            else:
                assert response.status_code == 403, (name, role, response.content)
                assert state(scene) == before, (name, role)
            transaction.set_rollback(True)


def test_the_executive_step_is_the_executives(scene: Scene, api_client: ApiClientFactory) -> None:
    world = scene.world
    cr = bring_to(world, raise_cr(world, scene.project, cost=50_000), "assessed")
    url = f"/api/v1/orgs/{world.slug}/projects/{scene.project.pk}/change-requests/1/approve/"
    assert api_client(world.users["admin"]).post(url, {}, format="json").status_code == 200  # the PMO step
    before = state(scene)

    refused = {role: api_client(world.users[role]).post(url, {}, format="json") for role in ("admin", "pmo", "manager")}
    assert {role: r.status_code for role, r in refused.items()} == {"admin": 403, "pmo": 403, "manager": 403}
    assert "signed an earlier step" in refused["admin"].json()["detail"]
    assert "Executive step must be decided" in refused["pmo"].json()["detail"]
    assert state(scene) == before

    approved = api_client(world.users["executive"]).post(url, {"note": "Go."}, format="json")
    assert approved.status_code == 200
    body = approved.json()
    assert (body["status"], body["baseline_version"], body["next_step"]) == ("approved", 2, None)
    assert [(a["step"], a["decision"]) for a in body["approvals"]] == [("pmo", "approved"), ("executive", "approved")]
    assert cr.pk == body["id"]


@pytest.mark.parametrize("name", list(BY_NAME))
def test_every_role_of_another_organisation_gets_404_and_changes_nothing(
    scene: Scene, org_b: OrgWorld, api_client: ApiClientFactory, name: str
) -> None:
    endpoint = BY_NAME[name]
    prepare(scene, endpoint)
    before = state(scene)

    for role in ROLES:
        client = api_client(org_b.users[role])
        assert call(client, endpoint, scene.world.slug, scene.project).status_code == 404, (name, role)
        if "{p}" in endpoint.path:  # alpha's project through beta's own URL: 404, or 403 before any lookup
            through_beta = call(client, endpoint, org_b.slug, scene.project).status_code
            assert through_beta == 404 or (through_beta == 403 and role not in endpoint.allowed), (name, role)

    assert state(scene) == before


@pytest.mark.parametrize("name", [e.name for e in ENDPOINTS if "{p}" in e.path])
def test_a_project_the_caller_cannot_see_is_404(scene: Scene, api_client: ApiClientFactory, name: str) -> None:
    endpoint = BY_NAME[name]
    world = scene.world
    if endpoint.stage is not None:
        bring_to(world, raise_cr(world, scene.hidden, actor="admin"), endpoint.stage, submitter="admin")
    before = state(scene)

    for role in ("manager", "member", "viewer"):
        client = api_client(world.users[role])
        response = call(client, endpoint, world.slug, scene.hidden)
        missing = call(client, endpoint, world.slug, Project(pk=999_999))
        if response.status_code == 403:  # refused by capability before the project is looked up
            assert role not in endpoint.allowed and missing.status_code == 403, (name, role)
            continue
        assert response.status_code == missing.status_code == 404, (name, role, response.content)
        assert response.json() == missing.json()

    assert state(scene) == before


def test_output_and_the_whole_workflow(scene: Scene, api_client: ApiClientFactory) -> None:
    world = scene.world
    base = f"/api/v1/orgs/{world.slug}/projects/{scene.project.pk}/change-requests/"
    manager, pmo = api_client(world.users["manager"]), api_client(world.users["pmo"])

    created = manager.post(base, {**BODY, "change_type": "cost", "cost_delta": "2500.5"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["code"], body["number"], body["status"], body["cost_delta"]) == ("CR-001", 1, "draft", "2500.50")
    assert (body["approvals_required"], body["next_step"], body["baseline_version"]) == ([], None, None)
    assert manager.post(f"{base}1/submit/").json()["status"] == "submitted"
    assessed = pmo.post(f"{base}1/assess/", {"assessment": "OK"}, format="json").json()
    assert (assessed["approvals_required"], assessed["next_step"]) == (["pmo"], "pmo")
    approved = api_client(world.users["admin"]).post(f"{base}1/approve/", {"note": "fine"}, format="json").json()
    assert (approved["status"], approved["baseline_version"], approved["decided_by"]["id"]) == (
        "approved",
        2,
        world.users["admin"].pk,
    )
    queue = pmo.get(f"/api/v1/orgs/{world.slug}/change-requests/?status=approved&type=cost").json()
    assert [r["code"] for r in queue["results"]] == ["CR-001"]
    assert pmo.get(f"/api/v1/orgs/{world.slug}/change-requests/?awaiting=me").json()["results"] == []
    stats = pmo.get(f"/api/v1/orgs/{world.slug}/baseline-changes/").json()
    assert stats["total"] == {"count": 1, "cost_delta": "2500.50", "finish_delta_days": 0}
    assert stats["by_project"][0]["project"] == scene.project.pk
    assert stats["by_category"][0]["key"] == "cost"


def test_bad_input_is_400_with_field_errors_and_nothing_changes(scene: Scene, api_client: ApiClientFactory) -> None:
    world = scene.world
    bring_to(world, raise_cr(world, scene.project), "submitted")
    before = state(scene)
    base = f"/api/v1/orgs/{world.slug}/"
    pmo = api_client(world.users["pmo"])

    responses = {
        "create": pmo.post(
            f"{base}projects/{scene.project.pk}/change-requests/",
            {"title": "", "change_type": "budget", "finish_delta_days": "x"},
            format="json",
        ),
        "assess": pmo.post(
            f"{base}projects/{scene.project.pk}/change-requests/1/assess/", {"assessment": " "}, format="json"
        ),
        "reject": pmo.post(f"{base}projects/{scene.project.pk}/change-requests/1/reject/", {}, format="json"),
        "queue": pmo.get(f"{base}change-requests/?status=nope"),
        "stats": pmo.get(f"{base}baseline-changes/?from=2026-13"),
        "stats order": pmo.get(f"{base}baseline-changes/?from=2026-05&to=2026-01"),
    }

    assert {k: r.status_code for k, r in responses.items()} == dict.fromkeys(responses, 400)
    assert set(responses["create"].json()) >= {"title", "change_type", "description", "justification"}
    assert set(responses["assess"].json()) == {"assessment"}
    assert set(responses["reject"].json()) == {"note"}
    assert set(responses["stats"].json()) == {"from"}
    assert set(responses["stats order"].json()) == {"to"}
    assert state(scene) == before


def test_state_and_stale_version_conflicts_are_409_and_lose_nothing(scene: Scene, api_client: ApiClientFactory) -> None:
    world = scene.world
    raise_cr(world, scene.project, title="Original")
    url = f"/api/v1/orgs/{world.slug}/projects/{scene.project.pk}/change-requests/1/"
    manager = api_client(world.users["manager"])
    assert manager.patch(url, {"title": "Edited", "version": 1}, format="json").json()["version"] == 2
    before = state(scene)

    stale = api_client(world.users["pmo"]).patch(url, {"title": "Lost?", "version": 1}, format="json")
    assert stale.status_code == 409
    assert state(scene) == before

    bring_to(world, _cr(scene), "approved")
    before = state(scene)
    again = [
        api_client(world.users["admin"]).post(f"{url}approve/", {}, format="json"),
        manager.post(f"{url}withdraw/"),
        manager.patch(url, {"title": "Late"}, format="json"),
    ]
    assert [r.status_code for r in again] == [409, 409, 409]
    assert "CR-001 is approved" in again[0].json()["detail"]
    assert state(scene) == before


def test_a_withdrawal_keeps_its_reason(scene: Scene, api_client: ApiClientFactory) -> None:
    world = scene.world
    raise_cr(world, scene.project)
    url = f"/api/v1/orgs/{world.slug}/projects/{scene.project.pk}/change-requests/1/withdraw/"

    response = api_client(world.users["manager"]).post(url, {"note": "Covered by the next release."}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    withdrawn = _cr(scene)
    assert (withdrawn.status, withdrawn.decision_note) == ("withdrawn", "Covered by the next release.")
    assert withdrawn.decided_by == world.users["manager"]


def _cr(scene: Scene) -> ChangeRequest:
    with scene.world.ctx():
        return ChangeRequest.objects.get(project=scene.project, number=1)


# --- Query counts -------------------------------------------------------------------------------------------------


def grow(world: OrgWorld, project: Project, n: int) -> None:
    for i in range(n):
        other = cr_project(world, code=f"G-{i}")
        for target in (project, other):
            cr = raise_cr(world, target, title=f"Change {i}", cost=50_000)
            bring_to(world, cr, ("draft", "submitted", "assessed", "approved")[i % 4])


API = {
    "list": ("projects/{p}/change-requests/", 11),
    "retrieve": ("projects/{p}/change-requests/1/", 10),
    "queue": ("change-requests/", 10),
    "awaiting": ("change-requests/?awaiting=me", 10),
    "statistics": ("baseline-changes/", 10),
}


@pytest.mark.parametrize("size", [1, 8])
@pytest.mark.parametrize("name", list(API))
def test_api_query_counts_do_not_grow(
    scene: Scene, api_client: ApiClientFactory, django_assert_max_num_queries: Any, name: str, size: int
) -> None:
    grow(scene.world, scene.project, size)
    path, bound = API[name]
    for role in ("pmo", "manager"):
        client = api_client(scene.world.users[role])
        url = f"/api/v1/orgs/{scene.world.slug}/{path.format(p=scene.project.pk)}"
        client.get(url)  # the token's first use is recorded once; measure a steady request
        with django_assert_max_num_queries(bound):
            response = client.get(url)
        assert response.status_code == 200, (name, role)
