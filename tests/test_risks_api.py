"""The risks API: a permission matrix over the six roles for every endpoint (allowed → success and a change;
refused → 403/404 and nothing changed), every user of another organisation → 404 and nothing changed, bad input
→ 400, stale versions → 409, heat-map counts checked by hand, and query counts equal at two data sizes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from risks import services
from risks.models import Assumption, Issue, Risk, RiskAction, RiskSettings
from tests.conftest import ROLES, OrgWorld
from tests.test_risks_services import call, make_risk

ApiClientFactory = Callable[[Any], APIClient]
OK = {"admin", "pmo", "manager"}


def expect(ok: int, allowed: set[str], *, viewer: int = 404, **others: int) -> dict[str, int]:
    """Status per role: ``ok`` for ``allowed``; the viewer cannot read the manager's project (404 unless said)."""
    result = {role: (ok if role in allowed else 403) for role in ROLES}
    if "viewer" not in allowed:
        result["viewer"] = viewer
    result.update(others)
    return result


@dataclass
class Endpoint:
    name: str
    method: str
    path: str  # "{r}" the risk's id, "{p}" the manager's project, "{f}" its portfolio, "{a}" an action
    expected: dict[str, int]
    data: dict[str, Any] = field(default_factory=dict)
    stage: str = "project"  # the risk's escalation level before the call


RISK = {"title": "New risk", "category": "cost", "probability": 3, "impact": 3}
READ_ALL = dict.fromkeys(ROLES, 200)
READERS = {"admin", "pmo", "executive", "manager", "member"}
ENDPOINTS = [
    Endpoint("risk list", "get", "risks/", READ_ALL),
    Endpoint("risk retrieve", "get", "risks/{r}/", expect(200, READERS)),
    Endpoint("risk create", "post", "risks/", expect(201, OK, viewer=400), data={**RISK, "project": "{p}"}),
    Endpoint("risk update", "patch", "risks/{r}/", expect(200, OK), data={"title": "Renamed", "version": 1}),
    Endpoint("risk escalate to pmo", "post", "risks/{r}/escalate/", expect(200, OK), data={"note": "Why"}),
    Endpoint("risk escalate to executive", "post", "risks/{r}/escalate/", expect(200, {"admin", "pmo"}),
             data={"note": "Why"}, stage="pmo"),
    Endpoint("risk de-escalate", "post", "risks/{r}/de-escalate/", expect(200, {"admin", "pmo"}), stage="pmo"),
    Endpoint("risk review", "post", "risks/{r}/review/", expect(200, OK)),
    Endpoint("risk close", "post", "risks/{r}/close/", expect(200, OK)),
    Endpoint("risk to-issue", "post", "risks/{r}/to-issue/", expect(201, OK)),
    Endpoint("action list", "get", "risks/{r}/actions/", expect(200, READERS)),
    Endpoint("action create", "post", "risks/{r}/actions/", expect(201, OK), data={"title": "Call them"}),
    Endpoint("action done", "patch", "risks/{r}/actions/{a}/", expect(200, OK), data={"done": True}),
    Endpoint("action delete", "delete", "risks/{r}/actions/{a}/", expect(204, OK)),
    Endpoint("issue list", "get", "issues/", READ_ALL),
    Endpoint("issue create", "post", "issues/", expect(201, OK, viewer=400),
             data={"title": "Broken", "project": "{p}"}),
    Endpoint("heat map", "get", "risk-heatmap/", READ_ALL),
    Endpoint("portfolio heat map", "get", "risk-heatmap/?portfolio={f}",
             expect(200, {"admin", "pmo", "executive", "manager"}, member=404)),
    Endpoint("settings", "get", "risk-settings/", READ_ALL),
    Endpoint("settings update", "patch", "risk-settings/", expect(200, {"admin", "pmo"}, viewer=403),
             data={"review_period_days": 14, "version": 1}),
    Endpoint("assumption list", "get", "projects/{p}/assumptions/",
             expect(200, READERS)),
    Endpoint("assumption create", "post", "projects/{p}/assumptions/", expect(201, OK), data={"title": "Stable API"}),
]  # fmt: skip
BY_NAME = {e.name: e for e in ENDPOINTS}


@dataclass
class Scene:
    world: OrgWorld
    risk: Risk
    action: RiskAction


def prepare(world: OrgWorld, endpoint: Endpoint) -> Scene:
    risk = make_risk(world)
    action = call(world, services.risk_action_add, "manager", risk=risk, title="First step")
    if endpoint.stage == "pmo":
        risk = call(world, services.risk_escalate, "manager", risk=risk, note="n")
    return Scene(world, risk, action)


def state(world: OrgWorld) -> Any:
    with world.ctx():
        return (
            list(Risk.objects.order_by("pk").values_list("pk", "title", "status", "escalation_level", "version")),
            list(Risk.objects.values_list("last_reviewed_at", flat=True)),
            list(RiskAction.objects.order_by("pk").values_list("pk", "done_at")),
            list(Issue.objects.values_list("pk", "status")),
            list(Assumption.objects.values_list("pk", "title")),
            list(RiskSettings.objects.values_list("review_period_days", "version")),
        )


def fill(value: Any, scene: Scene) -> Any:
    if isinstance(value, str):
        project = scene.world.projects[0]
        return value.format(r=scene.risk.pk, p=project.pk, f=project.portfolio_id, a=scene.action.pk)
    return value


def send(client: APIClient, endpoint: Endpoint, slug: str, scene: Scene) -> Any:
    url = f"/api/v1/orgs/{slug}/{fill(endpoint.path, scene)}"
    if endpoint.method in ("get", "delete"):
        return getattr(client, endpoint.method)(url)
    data = {key: (int(fill(v, scene)) if v in ("{p}",) else v) for key, v in endpoint.data.items()}
    return getattr(client, endpoint.method)(url, data, format="json")


@pytest.mark.parametrize("name", list(BY_NAME))
def test_role_matrix(org_a: OrgWorld, api_client: ApiClientFactory, name: str) -> None:
    endpoint = BY_NAME[name]
    with org_a.ctx():
        RiskSettings.objects.get_or_create(organization=org_a.organization)
    for role in ROLES:
        with transaction.atomic():
            scene = prepare(org_a, endpoint)
            before = state(org_a)

            response = send(api_client(org_a.users[role]), endpoint, org_a.slug, scene)

            expected = endpoint.expected[role]
            assert response.status_code == expected, (name, role, response.content)
            if expected < 300 and endpoint.method != "get":
                assert state(org_a) != before, (name, role)
            elif expected >= 400:
                assert state(org_a) == before, (name, role)
            transaction.set_rollback(True)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_every_user_of_another_organisation_gets_404_and_changes_nothing(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, name: str
) -> None:
    endpoint = BY_NAME[name]
    scene = prepare(org_a, endpoint)
    before = state(org_a)

    for role in ROLES:
        client = api_client(org_b.users[role])
        assert send(client, endpoint, org_a.slug, scene).status_code == 404, (name, role)
        if "{r}" in endpoint.path or "{p}" in endpoint.path:  # alpha's ids through beta's own URL
            assert send(client, endpoint, org_b.slug, scene).status_code in (403, 404), (name, role)

    assert state(org_a) == before


def test_bad_input_is_400_with_reasons_and_a_stale_version_409(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    risk = make_risk(org_a)
    client = api_client(org_a.users["manager"])
    base = f"/api/v1/orgs/{org_a.slug}"
    before = state(org_a)

    bad = client.post(f"{base}/risks/", {**RISK, "project": org_a.projects[0].pk, "probability": 6}, format="json")
    assert bad.status_code == 400 and "1 to 5" in bad.json()["probability"][0]
    nowhere = client.post(f"{base}/risks/", RISK, format="json")
    assert nowhere.status_code == 400 and "project" in nowhere.json()
    silent = client.post(f"{base}/risks/{risk.pk}/escalate/", {"note": ""}, format="json")
    assert silent.status_code == 400 and "note" in silent.json()
    bad_filter = client.get(f"{base}/risks/?level=extreme")
    assert bad_filter.status_code == 400 and "level" in bad_filter.json()
    assert state(org_a) == before

    assert client.patch(f"{base}/risks/{risk.pk}/", {"title": "A", "version": 1}, format="json").status_code == 200
    stale = client.patch(f"{base}/risks/{risk.pk}/", {"title": "B", "version": 1}, format="json")
    assert stale.status_code == 409 and "Reload" in stale.json()["detail"]
    pmo = api_client(org_a.users["pmo"])
    shrink = pmo.patch(f"{base}/risk-settings/", {"scale": 3, "medium_from": 3, "high_from": 6}, format="json")
    assert shrink.status_code == 400 and "scale" in shrink.json()
    with org_a.ctx():
        assert Risk.objects.get().title == "A"
        assert RiskSettings.objects.get().scale == 5


def test_heat_map_counts_by_hand(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    p0, p1 = org_a.projects[0], org_a.projects[1]
    make_risk(org_a, probability=4, impact=5)
    make_risk(org_a, probability=4, impact=5)
    make_risk(org_a, project=p1, actor="pmo", probability=1, impact=2)
    closed = make_risk(org_a, probability=3, impact=3)
    call(org_a, services.risk_close, "manager", risk=closed)
    assert p0.portfolio is not None
    make_risk(org_a, portfolio=p0.portfolio, actor="pmo", probability=2, impact=3)
    base = f"/api/v1/orgs/{org_a.slug}/risk-heatmap/"

    def cells(client: APIClient, query: str = "") -> dict[tuple[int, int], tuple[int, str]]:
        body = client.get(base + query).json()
        assert body["scale"] == 5 and len(body["cells"]) == 25
        return {(c["probability"], c["impact"]): (c["count"], c["level"]) for c in body["cells"] if c["count"]}

    executive = api_client(org_a.users["executive"])
    assert cells(executive) == {(4, 5): (2, "high"), (1, 2): (1, "low"), (2, 3): (1, "medium")}
    assert cells(executive, f"?project={p1.pk}") == {(1, 2): (1, "low")}
    assert cells(executive, f"?portfolio={p0.portfolio_id}") == {
        (4, 5): (2, "high"),
        (1, 2): (1, "low"),
        (2, 3): (1, "medium"),
    }
    # The member reads only the manager's project; portfolio-level risks need PORTFOLIO_VIEW.
    assert cells(api_client(org_a.users["member"])) == {(4, 5): (2, "high")}
    assert api_client(org_a.users["member"]).get(f"{base}?project={p1.pk}").status_code == 404


def grow(world: OrgWorld, size: int) -> None:
    for i in range(size):
        risk = make_risk(world, title=f"Risk {i}", probability=1 + i % 5, impact=1 + (i * 2) % 5)
        call(world, services.risk_action_add, "manager", risk=risk, title="Step", owner=world.users["member"])
        call(world, services.risk_escalate, "manager", risk=risk, note="n")
        call(world, services.issue_create, "manager", project=world.projects[0], title=f"Issue {i}")


@pytest.mark.parametrize(
    "path", ["risks/", "issues/", "risk-heatmap/", "risk-heatmap/?portfolio={f}", "risks/?stale=true"]
)
def test_api_query_counts_do_not_grow(org_a: OrgWorld, api_client: ApiClientFactory, path: str) -> None:
    counts = []
    for size in (1, 8):
        grow(org_a, size)
        client = api_client(org_a.users["manager"])
        url = f"/api/v1/orgs/{org_a.slug}/{path.format(f=org_a.projects[0].portfolio_id)}"
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], (path, counts)
