"""The RAID API lists of issue 8: the register's and the issue log's filters (text, escalated to me, overdue,
another organisation's ids → 400), ``?ordering=`` over the pages' sort keys, a risk's escalation history, the
paginated actions and assumptions, and query counts that do not grow with the rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from risks.models import Assumption, Risk, RiskAction
from tests.conftest import OrgWorld
from tests.factories_alerts import issue, risk

pytestmark = pytest.mark.django_db
ApiClientFactory = Callable[[Any], APIClient]


def base(world: OrgWorld) -> str:
    return f"/api/v1/orgs/{world.slug}/"


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def register(world: OrgWorld) -> dict[str, Risk]:
    return {
        "high": risk(world, world.projects[0], 1, probability=5, impact=5, cause="supplier insolvency"),
        "pmo": risk(world, world.projects[1], 2, probability=2, impact=2, escalation_level="pmo"),
        "exec": risk(world, world.projects[2], 3, probability=3, impact=4, escalation_level="executive"),
        "closed": risk(world, world.projects[0], 4, status="closed", escalation_level="pmo"),
    }


def test_the_register_filters_and_sorts(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    register(org_a)
    client = api_client(org_a.users["pmo"])
    url = base(org_a) + "risks/"

    assert codes(client.get(url)) == ["R-001", "R-003", "R-004", "R-002"]  # highest score first
    assert codes(client.get(url + "?q=insolvency")) == ["R-001"]
    assert codes(client.get(url + "?escalated_to_me=true")) == ["R-002"]  # open, at the PMO's level
    assert codes(client.get(url + "?escalation=pmo&status=closed")) == ["R-004"]
    assert codes(client.get(url + "?level=high")) == ["R-001", "R-003"]  # high from a score of 12
    assert codes(client.get(url + f"?project={org_a.projects[0].pk}&ordering=-code")) == ["R-004", "R-001"]
    assert codes(client.get(url + "?ordering=code&page_size=2")) == ["R-001", "R-002"]
    assert codes(api_client(org_a.users["executive"]).get(url + "?escalated_to_me=true")) == ["R-003"]

    for query, field in (
        (f"?project={org_b.projects[0].pk}", "project"),
        ("?probability=9", "probability"),
        ("?probability=1.5", "probability"),
        ("?stale=perhaps", "stale"),
        ("?level=extreme", "level"),
        ("?ordering=danger", "ordering"),
    ):
        response = client.get(url + query)
        assert response.status_code == 400 and field in response.json(), (query, response.content)


def test_the_issue_log_filters_and_sorts(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=2)
    issue(org_a, org_a.projects[0], 1, severity="low", due_date=yesterday, owner=org_a.users["manager"])
    issue(org_a, org_a.projects[0], 2, severity="critical", description="the database is down")
    issue(org_a, org_a.projects[1], 3, severity="high", due_date=yesterday, status="resolved")
    client = api_client(org_a.users["pmo"])
    url = base(org_a) + "issues/"

    assert codes(client.get(url)) == ["I-003", "I-002", "I-001"]  # newest first
    assert codes(client.get(url + "?ordering=severity")) == ["I-002", "I-003", "I-001"]
    assert codes(client.get(url + "?overdue=true")) == ["I-001"]
    assert codes(client.get(url + "?overdue=false")) == ["I-003", "I-002"]
    assert codes(client.get(url + "?q=database")) == ["I-002"]
    assert codes(client.get(url + f"?owner={org_a.users['manager'].pk}")) == ["I-001"]
    assert client.get(url + "?severity=apocalyptic").status_code == 400


def test_history_actions_and_assumptions(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    item = risk(org_a, org_a.projects[0], 1)
    client = api_client(org_a.users["manager"])
    escalated = client.post(base(org_a) + f"risks/{item.pk}/escalate/", {"note": "Needs the PMO"}, format="json")
    assert escalated.status_code == 200, escalated.content
    history = client.get(base(org_a) + f"risks/{item.pk}/history/").json()
    assert history["count"] == 1
    assert history["results"][0]["escalation_level"] == "pmo"
    assert (history["results"][0]["by"], history["results"][0]["note"]) == ("Manager of alpha", "Needs the PMO")

    with org_a.ctx():
        for n, due in enumerate((dt.date(2030, 5, 1), dt.date(2030, 3, 1), None)):
            RiskAction.objects.create(organization=org_a.organization, risk=item, title=f"Action {n}", due_date=due)
        Assumption.objects.create(organization=org_a.organization, project=org_a.projects[0], title="Budget holds")
    actions = client.get(base(org_a) + f"risks/{item.pk}/actions/?ordering=-due").json()
    assert [a["title"] for a in actions["results"]] == ["Action 0", "Action 1", "Action 2"]
    assert client.get(base(org_a) + f"risks/{item.pk}/actions/?done=true").json()["count"] == 0
    one = actions["results"][1]["id"]
    assert client.get(base(org_a) + f"risks/{item.pk}/actions/{one}/").json()["title"] == "Action 1"
    assumptions = client.get(base(org_a) + f"projects/{org_a.projects[0].pk}/assumptions/?status=open").json()
    assert [a["title"] for a in assumptions["results"]] == ["Budget holds"]


def test_another_organisation_cannot_read_the_history(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    item = risk(org_a, org_a.projects[0], 1)
    assert api_client(org_b.users["pmo"]).get(base(org_a) + f"risks/{item.pk}/history/").status_code == 404
    assert api_client(org_b.users["pmo"]).get(base(org_b) + f"risks/{item.pk}/history/").status_code == 404


def test_raid_list_queries_do_not_grow(
    org_a: OrgWorld, api_client: ApiClientFactory, django_assert_max_num_queries: Any
) -> None:
    client = api_client(org_a.users["pmo"])
    anchor = risk(org_a, org_a.projects[0], 999)
    paths = [
        "risks/?ordering=owner",
        "issues/?overdue=true&ordering=severity",
        "risks/?escalated_to_me=true",
        f"risks/{anchor.pk}/actions/?ordering=-due",
        f"projects/{org_a.projects[0].pk}/assumptions/?ordering=validate_by",
    ]
    client.get(base(org_a) + "risks/")
    counts: dict[str, list[int]] = {path: [] for path in paths}
    number = 0
    for size in (2, 10):
        for _ in range(size):
            number += 1
            risk(org_a, org_a.projects[number % 3], number, owner=org_a.users["manager"], escalation_level="pmo")
            issue(org_a, org_a.projects[number % 3], number, due_date=dt.date(2020, 1, 1))
            with org_a.ctx():
                RiskAction.objects.create(
                    organization=org_a.organization, risk=anchor, title=f"Act {number}", owner=org_a.users["member"]
                )
                Assumption.objects.create(
                    organization=org_a.organization, project=org_a.projects[0], title=f"Assume {number}"
                )
        for path in paths:
            with django_assert_max_num_queries(20) as captured:
                assert client.get(base(org_a) + path).status_code == 200
            counts[path].append(len(captured.captured_queries))
    assert all(small == large for small, large in counts.values()), counts
