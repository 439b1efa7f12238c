"""Every projects endpoint of the API over the six roles, a user of another organisation, and a project the caller
may not see: the allowed roles succeed, the others get 403 (404 when they may not see the project), and a refused
request changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from pmo.tenancy.roles import Role
from projects import services
from projects.models import ClosureReport, Dependency, ProcessTemplate, Project, TailoringRequest
from tests.conftest import ROLES, OrgWorld
from tests.factories_projects import (
    Scene,
    build_scene,
    draft_closure,
    project_state,
    template_state,
)

ApiClientFactory = Callable[[Any], APIClient]
ALL = frozenset(ROLES)
GOVERNANCE = frozenset({"admin", "pmo"})
CHANGERS = GOVERNANCE | {"manager"}


@dataclass
class Endpoint:
    name: str
    method: str
    path: Callable[[Scene, dict[str, Any]], str]  # under /api/v1/orgs/<slug>/
    allowed: frozenset[str]
    ok: int = 200
    data: Callable[[Scene, dict[str, Any]], dict[str, Any]] = field(default=lambda s, c: {})
    prepare: Callable[[Scene], dict[str, Any]] = field(default=lambda s: {})
    # The same request aimed at a project the caller may not see (None: not project-scoped).
    hidden_path: Callable[[Scene, dict[str, Any]], str] | None = None


def p(scene: Scene) -> int:
    return scene.project.pk


def nested(rest: str) -> tuple[Callable[[Scene, dict[str, Any]], str], Callable[[Scene, dict[str, Any]], str]]:
    """The path under the visible project and the same under the hidden one."""
    return (
        lambda s, c: f"projects/{s.project.pk}/{rest.format(**c)}",
        lambda s, c: f"projects/{s.hidden.pk}/{rest.format(**c)}",
    )


def pass_requirements(scene: Scene) -> dict[str, Any]:
    """Everything the current phase needs, without moving on."""
    world = scene.world
    with world.ctx():
        for deliverable in scene.project.deliverables.filter(phase__order=1):
            services.deliverable_set_status(
                organization=world.organization, actor=world.users["pmo"], deliverable=deliverable, status="done"
            )
        services.gate_decide(
            organization=world.organization, actor=world.users["pmo"], gate=scene.tr_gate, decision="go"
        )
        services.gate_decide(
            organization=world.organization, actor=world.users["executive"], gate=scene.dcp_gate, decision="go"
        )
    return {}


def pending_tailoring(scene: Scene) -> dict[str, Any]:
    world = scene.world
    with world.ctx():
        request = services.tailoring_propose(
            organization=world.organization,
            actor=world.users["manager"],
            project=scene.project,
            justification="Not needed here.",
            deliverable_ids=[scene.optional_deliverable.pk],
        )
    assert request.status == TailoringRequest.Status.PENDING
    return {"tailoring": request.pk}


def drafted(scene: Scene) -> dict[str, Any]:
    draft_closure(scene.world, scene.project)
    return {}


def submitted(scene: Scene) -> dict[str, Any]:
    world = scene.world
    report = draft_closure(world, scene.project)
    with world.ctx():
        services.closure_submit(organization=world.organization, actor=world.users["manager"], report=report)
    return {}


def a_dependency(scene: Scene) -> dict[str, Any]:
    world = scene.world
    with world.ctx():
        dependency = services.dependency_create(
            organization=world.organization,
            actor=world.users["pmo"],
            upstream=scene.other_milestone,
            downstream=scene.milestone,
        )
    return {"dependency": dependency.pk}


def a_copy(scene: Scene) -> dict[str, Any]:
    world = scene.world
    with world.ctx():
        builtin = ProcessTemplate.objects.get(is_builtin=True, kind="standard")
        copy = services.template_copy(
            organization=world.organization, actor=world.users["pmo"], template=builtin, name="Copy"
        )
        phase = copy.phases.order_by("order")[0]
        return {
            "builtin": builtin.pk,
            "copy": copy.pk,
            "phase": phase.pk,
            "deliverable": phase.deliverables.all()[0].pk,
            "gate": phase.gates.all()[0].pk,
        }


def builtin(scene: Scene) -> dict[str, Any]:
    with scene.world.ctx():
        return {"builtin": ProcessTemplate.objects.get(is_builtin=True, kind="ipd").pk}


def closure_body(scene: Scene, context: dict[str, Any]) -> dict[str, Any]:
    return {
        "outcome": "met",
        "outcome_summary": "Done.",
        "final_cost": "1000.00",
        "actual_finish": "2020-01-31",
        "customer_satisfaction": 4,
        "lessons": [{"title": "Plan early", "text": "It helps."}],
    }


ENDPOINTS = [
    # Reads: every member who can see the project.
    Endpoint("project list", "get", lambda s, c: "projects/", ALL),
    Endpoint("project detail", "get", lambda s, c: f"projects/{p(s)}/", ALL,
             hidden_path=lambda s, c: f"projects/{s.hidden.pk}/"),
    Endpoint("milestones", "get", nested("milestones/")[0], ALL, hidden_path=nested("milestones/")[1]),
    Endpoint("milestone", "get", lambda s, c: f"projects/{p(s)}/milestones/{s.milestone.pk}/", ALL),
    Endpoint("phases", "get", nested("phases/")[0], ALL, hidden_path=nested("phases/")[1]),
    Endpoint("deliverables", "get", nested("deliverables/")[0], ALL, hidden_path=nested("deliverables/")[1]),
    Endpoint("gates", "get", nested("gates/")[0], ALL, hidden_path=nested("gates/")[1]),
    Endpoint("tailoring", "get", nested("tailoring/")[0], ALL, hidden_path=nested("tailoring/")[1]),
    Endpoint("baselines", "get", nested("baselines/")[0], ALL, hidden_path=nested("baselines/")[1]),
    Endpoint("baseline", "get", nested("baselines/1/")[0], ALL, hidden_path=nested("baselines/1/")[1]),
    Endpoint("compare", "get", nested("baselines/compare/?a=1&b=1")[0], ALL,
             hidden_path=nested("baselines/compare/?a=1&b=1")[1]),
    Endpoint("closure", "get", nested("closure/")[0], ALL, prepare=drafted, hidden_path=nested("closure/")[1]),
    Endpoint("dependencies", "get", lambda s, c: "dependencies/", ALL),
    Endpoint("shares", "get", lambda s, c: f"projects/{p(s)}/shares/", GOVERNANCE),
    # Projects
    Endpoint("create project", "post", lambda s, c: "projects/", GOVERNANCE, ok=201,
             data=lambda s, c: {"name": "New one", "code": "NEW-1"}),
    Endpoint("edit project", "patch", lambda s, c: f"projects/{p(s)}/", CHANGERS,
             data=lambda s, c: {"name": "Renamed"}, hidden_path=lambda s, c: f"projects/{s.hidden.pk}/"),
    Endpoint("share project", "post", lambda s, c: f"projects/{p(s)}/share/", GOVERNANCE,
             data=lambda s, c: {"user": s.world.users["admin"].pk},
             hidden_path=lambda s, c: f"projects/{s.hidden.pk}/share/"),
    # Lifecycle
    Endpoint("add milestone", "post", nested("milestones/")[0], CHANGERS, ok=201,
             data=lambda s, c: {"name": "Extra", "forecast_date": "2031-01-01"}, hidden_path=nested("milestones/")[1]),
    Endpoint("edit milestone", "patch", lambda s, c: f"projects/{p(s)}/milestones/{s.milestone.pk}/", CHANGERS,
             data=lambda s, c: {"forecast_date": "2031-01-01"}),
    Endpoint("mark deliverable", "patch", lambda s, c: f"projects/{p(s)}/deliverables/{s.deliverable.pk}/", CHANGERS,
             data=lambda s, c: {"status": "done"}),
    Endpoint("decide TR", "post", lambda s, c: f"projects/{p(s)}/gates/{s.tr_gate.pk}/decide/", GOVERNANCE,
             data=lambda s, c: {"decision": "go"}),
    Endpoint("decide DCP", "post", lambda s, c: f"projects/{p(s)}/gates/{s.dcp_gate.pk}/decide/",
             frozenset({"admin", "executive"}), data=lambda s, c: {"decision": "go"}),
    Endpoint("advance", "post", nested("phases/advance/")[0], CHANGERS, prepare=pass_requirements,
             hidden_path=nested("phases/advance/")[1]),
    Endpoint("propose tailoring", "post", nested("tailoring/")[0], CHANGERS, ok=201,
             data=lambda s, c: {"justification": "Small scope.", "deliverables": [s.optional_deliverable.pk]},
             hidden_path=nested("tailoring/")[1]),
    Endpoint("approve tailoring", "post", nested("tailoring/{tailoring}/approve/")[0], GOVERNANCE,
             prepare=pending_tailoring),
    Endpoint("reject tailoring", "post", nested("tailoring/{tailoring}/reject/")[0], GOVERNANCE,
             prepare=pending_tailoring, data=lambda s, c: {"note": "Keep it."}),
    # Closure
    Endpoint("draft closure", "put", nested("closure/")[0], CHANGERS, ok=201, data=closure_body,
             hidden_path=nested("closure/")[1]),
    Endpoint("submit closure", "post", nested("closure/submit/")[0], CHANGERS, prepare=drafted,
             hidden_path=nested("closure/submit/")[1]),
    Endpoint("approve closure", "post", nested("closure/approve/")[0], GOVERNANCE, prepare=submitted),
    Endpoint("return closure", "post", nested("closure/return/")[0], GOVERNANCE, prepare=submitted,
             data=lambda s, c: {"note": "Add the final cost breakdown."}),
    # Dependencies
    Endpoint("add dependency", "post", lambda s, c: "dependencies/", CHANGERS, ok=201,
             data=lambda s, c: {"upstream": s.other_milestone.pk, "downstream": s.milestone.pk}),
    Endpoint("remove dependency", "delete", lambda s, c: f"dependencies/{c['dependency']}/", CHANGERS, ok=204,
             prepare=a_dependency),
    # Templates
    Endpoint("templates", "get", lambda s, c: "templates/", GOVERNANCE),
    Endpoint("template", "get", lambda s, c: f"templates/{c['builtin']}/", GOVERNANCE, prepare=builtin),
    Endpoint("copy template", "post", lambda s, c: f"templates/{c['builtin']}/copy/", GOVERNANCE, ok=201,
             prepare=builtin, data=lambda s, c: {"name": "Mine"}),
    Endpoint("edit template", "patch", lambda s, c: f"templates/{c['copy']}/", GOVERNANCE, prepare=a_copy,
             data=lambda s, c: {"name": "Renamed copy"}),
    Endpoint("add template phase", "post", lambda s, c: f"templates/{c['copy']}/phases/", GOVERNANCE, ok=201,
             prepare=a_copy, data=lambda s, c: {"name": "Pilot", "optional": True, "order": 2}),
    Endpoint("edit template phase", "patch", lambda s, c: f"templates/{c['copy']}/phases/{c['phase']}/",
             GOVERNANCE, prepare=a_copy, data=lambda s, c: {"optional": True}),
    Endpoint("remove template phase", "delete", lambda s, c: f"templates/{c['copy']}/phases/{c['phase']}/",
             GOVERNANCE, ok=204, prepare=a_copy),
    Endpoint("add template deliverable", "post", lambda s, c: f"templates/{c['copy']}/deliverables/", GOVERNANCE,
             ok=201, prepare=a_copy, data=lambda s, c: {"phase": c["phase"], "name": "Pilot report"}),
    Endpoint("edit template deliverable", "patch",
             lambda s, c: f"templates/{c['copy']}/deliverables/{c['deliverable']}/", GOVERNANCE, prepare=a_copy,
             data=lambda s, c: {"required": False}),
    Endpoint("remove template deliverable", "delete",
             lambda s, c: f"templates/{c['copy']}/deliverables/{c['deliverable']}/", GOVERNANCE, ok=204,
             prepare=a_copy),
    Endpoint("add template gate", "post", lambda s, c: f"templates/{c['copy']}/gates/", GOVERNANCE, ok=201,
             prepare=a_copy, data=lambda s, c: {"phase": c["phase"], "code": "G9", "name": "Extra", "kind": "tr",
                                                "decider": "technical"}),
    Endpoint("edit template gate", "patch", lambda s, c: f"templates/{c['copy']}/gates/{c['gate']}/", GOVERNANCE,
             prepare=a_copy, data=lambda s, c: {"decider": "executive", "kind": "dcp"}),
    Endpoint("remove template gate", "delete", lambda s, c: f"templates/{c['copy']}/gates/{c['gate']}/",
             GOVERNANCE, ok=204, prepare=a_copy),
]  # fmt: skip
BY_NAME = {e.name: e for e in ENDPOINTS}


def state(scene: Scene) -> Any:
    world = scene.world
    with world.ctx():
        every_project = list(Project.objects.order_by("pk").values_list("pk", "code"))
    return (project_state(world, scene.project, scene.other, scene.hidden), template_state(world), every_project)


def call(client: APIClient, endpoint: Endpoint, world: OrgWorld, path: str, data: dict[str, Any]) -> Any:
    url = f"/api/v1/orgs/{world.slug}/{path}"
    if endpoint.method == "get":
        return client.get(url)
    return getattr(client, endpoint.method)(url, data, format="json")


@pytest.fixture
def scene(org_a: OrgWorld, org_b: OrgWorld) -> Scene:
    return build_scene(org_a)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_role_matrix(scene: Scene, api_client: ApiClientFactory, name: str) -> None:
    """Each role in turn, each on the same starting data (a savepoint is rolled back after each)."""
    endpoint = BY_NAME[name]
    for role in ROLES:
        with transaction.atomic():
            context = endpoint.prepare(scene)
            before = state(scene)

            response = call(
                api_client(scene.world.users[role]),
                endpoint,
                scene.world,
                endpoint.path(scene, context),
                endpoint.data(scene, context),
            )

            if role in endpoint.allowed:
                assert response.status_code == endpoint.ok, (name, role, response.content)
                if endpoint.method != "get":
                    assert state(scene) != before, (name, role)
            else:
                assert response.status_code == 403, (name, role, response.content)
                assert response.json() == {"detail": "You do not have permission to perform this action."}
                assert state(scene) == before, (name, role)
            transaction.set_rollback(True)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_every_role_of_another_organisation_gets_404_and_changes_nothing(
    scene: Scene, org_b: OrgWorld, api_client: ApiClientFactory, name: str
) -> None:
    endpoint = BY_NAME[name]
    context = endpoint.prepare(scene)
    before = state(scene)

    for role in ROLES:
        response = call(
            api_client(org_b.users[role]),
            endpoint,
            scene.world,
            endpoint.path(scene, context),
            endpoint.data(scene, context),
        )
        assert response.status_code == 404, (name, role, response.content)

    assert state(scene) == before


@pytest.mark.parametrize("name", [e.name for e in ENDPOINTS if e.hidden_path is not None])
def test_a_project_the_caller_cannot_see_is_404_like_a_missing_one(
    scene: Scene, api_client: ApiClientFactory, name: str
) -> None:
    """The manager and the member cannot see conftest's projects[2]: everything under it is 404, not 403."""
    endpoint = BY_NAME[name]
    context = endpoint.prepare(scene)
    assert endpoint.hidden_path is not None
    before = state(scene)

    for role in ("manager", "member", "viewer"):
        client = api_client(scene.world.users[role])
        hidden = call(
            client, endpoint, scene.world, endpoint.hidden_path(scene, context), endpoint.data(scene, context)
        )
        missing_path = endpoint.hidden_path(scene, context).replace(f"projects/{scene.hidden.pk}/", "projects/999999/")
        missing = call(client, endpoint, scene.world, missing_path, endpoint.data(scene, context))
        if hidden.status_code == 403:
            # A member without the capability is refused before the project is looked up; never a 200.
            assert role not in endpoint.allowed and missing.status_code == 403, (name, role)
            continue
        assert hidden.status_code == missing.status_code == 404, (name, role, hidden.content)
        assert hidden.json() == missing.json()

    assert state(scene) == before


def test_another_organisations_objects_through_my_organisation_are_404(
    scene: Scene, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    """The admin of beta aims beta's URL at alpha's project, milestones, gates and dependency: all 404."""
    context = a_dependency(scene)
    before = state(scene)
    client = api_client(org_b.users[Role.ADMIN])
    base = f"/api/v1/orgs/{org_b.slug}/"
    pk = scene.project.pk

    responses = [
        client.get(f"{base}projects/{pk}/"),
        client.patch(f"{base}projects/{pk}/", {"name": "x"}, format="json"),
        client.get(f"{base}projects/{pk}/milestones/"),
        client.post(f"{base}projects/{pk}/gates/{scene.tr_gate.pk}/decide/", {"decision": "go"}, format="json"),
        client.post(f"{base}projects/{pk}/phases/advance/"),
        client.put(f"{base}projects/{pk}/closure/", closure_body(scene, {}), format="json"),
        client.delete(f"{base}dependencies/{context['dependency']}/"),
        client.post(
            f"{base}dependencies/",
            {"upstream": scene.other_milestone.pk, "downstream": scene.milestone.pk},
            format="json",
        ),
    ]

    assert [r.status_code for r in responses] == [404] * 7 + [400]
    assert set(responses[-1].json()) == {"upstream"}
    assert state(scene) == before


def test_nothing_of_the_other_organisation_is_listed(
    scene: Scene, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    client = api_client(scene.world.users["admin"])
    base = f"/api/v1/orgs/{scene.world.slug}/"

    projects = client.get(f"{base}projects/").json()["results"]
    templates = client.get(f"{base}templates/").json()["results"]

    assert {p["code"] for p in projects} == {"ALPHA-0", "ALPHA-1", "ALPHA-2", "LC-1"}
    with org_b.ctx():
        beta_templates = set(ProcessTemplate.objects.values_list("pk", flat=True))
    assert {t["id"] for t in templates}.isdisjoint(beta_templates)
    with scene.world.ctx():
        assert not Dependency.objects.exists()
        assert not ClosureReport.objects.exists()
