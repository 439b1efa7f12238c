"""The role workspaces in the API (issue 8): the executive dashboard and its figure drill-down, the PMO cockpit with
its remind action and its two lists, and "my work" — who may read each (403 for the other roles, 404 and nothing
changed for another organisation's users), what they answer, bad parameters (400 naming them), and query counts
that stay the same at two sizes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from reports.models import Notification
from tests.conftest import ROLES, OrgWorld
from tests.test_cockpit_pages import populate

pytestmark = pytest.mark.django_db
ApiClientFactory = Callable[[Any], APIClient]

LEADERSHIP = {"admin", "pmo", "executive"}
GOVERNANCE = {"admin", "pmo"}
WORKERS = set(ROLES) - {"viewer"}
READS = [
    ("dashboard/", LEADERSHIP),
    ("dashboard/projects/?figure=all", LEADERSHIP),
    ("cockpit/", GOVERNANCE),
    ("cockpit/quality/?check=no_baseline", GOVERNANCE),
    ("cockpit/queue/?queue=gates", GOVERNANCE),
    ("my-work/", WORKERS),
]


def base(world: OrgWorld) -> str:
    return f"/api/v1/orgs/{world.slug}/"


def notifications(world: OrgWorld) -> list[tuple[Any, ...]]:
    with world.ctx():
        return list(Notification.objects.order_by("pk").values_list("pk", "kind", "recipient_id", "read_at"))


@pytest.mark.parametrize("role", [*ROLES, "outsider"])
@pytest.mark.parametrize(("path", "allowed"), READS, ids=[path for path, _ in READS])
def test_who_reads_the_workspaces(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, role: str, path: str, allowed: set[str]
) -> None:
    populate(org_a, 1)
    before = notifications(org_a)
    user = org_b.users["admin"] if role == "outsider" else org_a.users[role]

    response = api_client(user).get(base(org_a) + path)

    if role == "outsider":
        assert response.status_code == 404
    elif role in allowed:
        assert response.status_code == 200, response.content
        assert response.json()
    else:
        assert response.status_code == 403
    assert notifications(org_a) == before


@pytest.mark.parametrize("role", [*ROLES, "outsider"])
def test_sending_the_reminders_now(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, role: str) -> None:
    populate(org_a, 2)
    before = notifications(org_a)
    user = org_b.users["pmo"] if role == "outsider" else org_a.users[role]
    client = api_client(user)

    response = client.post(base(org_a) + "cockpit/remind/")

    if role in GOVERNANCE:
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"notifications", "planned"}
        assert len(notifications(org_a)) == len(before) + body["notifications"]
        assert client.post(base(org_a) + "cockpit/remind/").json()["notifications"] == 0  # nothing twice
    else:
        assert response.status_code == (404 if role == "outsider" else 403)
        assert notifications(org_a) == before


def test_the_cockpit_answers_what_the_page_shows(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    populate(org_a, 2)
    populate(org_b, 1, tag="OTHER")
    client = api_client(org_a.users["pmo"])

    body = client.get(base(org_a) + "cockpit/").json()

    queues = {queue["key"]: queue for queue in body["queues"]}
    assert {key: queue["count"] for key, queue in queues.items()} == {
        "intake": 2,
        "changes": 2,
        "gates": 2,
        "returned": 2,
        "tailoring": 2,
    }
    # Planned six days ago by the server's date: six or seven days in Shanghai, depending on the hour.
    assert queues["gates"]["items"][0]["age_days"] in (6, 7)
    assert all("OTHER" not in item["label"] for queue in body["queues"] for item in queue["items"])
    assert body["escalated"]["counts"] == {"pmo": 2, "executive": 0}
    assert body["quality"]["no_baseline"] >= 2
    assert {row["person"]["name"] for row in body["over"]["people"]} == {"Q person 0", "Q person 1"}
    assert body["alerts"]["counts"]["total"] == 2

    gates = client.get(base(org_a) + "cockpit/queue/?queue=gates&ordering=code").json()
    assert gates["count"] == 2
    assert [row["label"] for row in gates["results"]] == ["G1 Q gate 0", "G1 Q gate 1"]
    assert gates["results"][0]["who"]["name"] == "Manager of alpha"
    returned = client.get(base(org_a) + "cockpit/queue/?queue=returned").json()["results"]
    assert returned[0]["detail"] == "Q fix the forecast"
    quality = client.get(base(org_a) + "cockpit/quality/?check=no_baseline&ordering=-code").json()
    assert [row["code"] for row in quality["results"]][:2] == ["Q-001", "Q-000"]
    assert quality["results"][0]["baseline_count"] == 0

    for query, field in (
        ("cockpit/quality/?check=everything", "check"),
        ("cockpit/quality/?check=no_baseline&ordering=age", "ordering"),
        ("cockpit/queue/?queue=intake", "queue"),
        ("cockpit/queue/", "queue"),
    ):
        response = client.get(base(org_a) + query)
        assert response.status_code == 400 and field in response.json(), (query, response.content)


def test_the_dashboard_and_its_drill_down(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    populate(org_a, 2)
    client = api_client(org_a.users["executive"])

    body = client.get(base(org_a) + "dashboard/?status=all").json()

    assert body["filters"] == {"portfolio": None, "programme": None, "manager": None, "status": "all"}
    assert body["counts"]["all"] == 5  # the three projects of the world and the two of the scene
    assert len(body["rag_weeks"]) == 12
    assert body["heat_map"]["scale"] == 5
    assert {risk["title"] for risk in body["top_risks"]} == {"Q escalated risk 0", "Q escalated risk 1"}
    assert body["kpis"]["status"]["expected"] >= 0

    listed = client.get(base(org_a) + "dashboard/projects/?figure=all&status=all&ordering=-code&page_size=2").json()
    assert listed["count"] == 5
    assert [row["code"] for row in listed["results"]] == ["Q-001", "Q-000"]
    managed = client.get(
        base(org_a) + f"dashboard/projects/?figure=all&status=all&manager={org_a.users['manager'].pk}"
    ).json()
    assert {row["code"] for row in managed["results"]} == {"ALPHA-0", "Q-000", "Q-001"}

    for query, field in (
        ("dashboard/?status=forgotten", "status"),
        (f"dashboard/?portfolio={org_b.projects[0].portfolio_id}", "portfolio"),
        ("dashboard/projects/?figure=wishful", "figure"),
        ("dashboard/projects/", "figure"),
        ("dashboard/projects/?figure=all&ordering=luck", "ordering"),
    ):
        response = client.get(base(org_a) + query)
        assert response.status_code == 400 and field in response.json(), (query, response.content)


def test_my_work_parts(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    manager = api_client(org_a.users["manager"]).get(base(org_a) + "my-work/").json()
    assert [row["project"]["code"] for row in manager["manager"]["projects"]] == ["ALPHA-0"]
    assert manager["manager"]["projects"][0]["week_state"] == "not_started"
    assert len(manager["manager"]["team_weeks"]) == 8
    member = api_client(org_a.users["member"]).get(base(org_a) + "my-work/").json()
    assert member["manager"] is None
    assert member["member"]["person"] is None and member["member"]["timesheets"] is None
    assert member["actions"] == {"rows": [], "total": 0, "overdue": 0}


@pytest.mark.parametrize(
    "path",
    [
        "dashboard/",
        "dashboard/projects/?figure=all&status=all",
        "cockpit/",
        "cockpit/queue/?queue=returned",
        "cockpit/quality/?check=stale_risks",
        "my-work/",
    ],
)
def test_workspace_queries_do_not_grow(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, django_assert_max_num_queries: Any, path: str
) -> None:
    """The same organisation shape at 2 and at 8 items of every kind (in two organisations: a scene's numbers are
    unique per organisation) costs the same queries."""
    role = "manager" if path == "my-work/" else "pmo"
    counts = []
    for world, size in ((org_a, 2), (org_b, 8)):
        populate(world, size)
        client = api_client(world.users[role])
        client.get(base(world) + "my-work/")  # the first request of a token caches its lookup
        with django_assert_max_num_queries(80) as captured:
            assert client.get(base(world) + path).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts
