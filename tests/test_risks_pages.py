"""Risk pages: who sees which page and form, another organisation's users get 404, a refused or bad post renders
the page again with the reason and changes nothing, and the register, the RAID tab and the portfolio heat map cost
the same number of queries at two data sizes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from risks import services
from risks.models import Risk
from tests.conftest import ROLES, OrgWorld
from tests.factories import PASSWORD
from tests.test_risks_api import grow, state
from tests.test_risks_services import call, make_risk


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def pages(world: OrgWorld, risk: Risk) -> dict[str, str]:
    base = f"/o/{world.slug}"
    project = world.projects[0]
    return {
        "register": f"{base}/risks/",
        "risk": f"{base}/risks/{risk.number}/",
        "new": f"{base}/risks/new/",
        "issues": f"{base}/issues/",
        "settings": f"{base}/risks/settings/",
        "portfolio": f"{base}/risks/portfolio/{project.portfolio_id}/",
        "raid": f"{base}/projects/{project.pk}/raid/",
    }


EXPECTED = {
    "register": dict.fromkeys(ROLES, 200),
    "issues": dict.fromkeys(ROLES, 200),
    "risk": {**dict.fromkeys(ROLES, 200), "viewer": 404},
    "raid": {**dict.fromkeys(ROLES, 200), "viewer": 404},
    "new": dict.fromkeys(ROLES, 200),
    "settings": {**dict.fromkeys(ROLES, 403), "admin": 200, "pmo": 200},
    "portfolio": {**dict.fromkeys(ROLES, 403), "admin": 200, "pmo": 200, "executive": 200, "manager": 200},
}


def test_who_sees_which_page_and_another_organisation_gets_404(org_a: OrgWorld, org_b: OrgWorld) -> None:
    risk = make_risk(org_a)
    for name, url in pages(org_a, risk).items():
        for role in ROLES:
            assert client_for(org_a.users[role]).get(url).status_code == EXPECTED[name][role], (name, role)
            assert client_for(org_b.users[role]).get(url).status_code == 404, (name, role)


def test_forms_are_shown_to_whoever_may_act(org_a: OrgWorld) -> None:
    risk = make_risk(org_a)
    url = pages(org_a, risk)["risk"]
    manager = client_for(org_a.users["manager"]).get(url).content.decode()
    member = client_for(org_a.users["member"]).get(url).content.decode()
    assert 'data-testid="escalate-form"' in manager and 'data-testid="edit-form"' in manager
    assert 'data-testid="escalate-form"' not in member and 'data-testid="edit-form"' not in member
    raid = client_for(org_a.users["member"]).get(pages(org_a, risk)["raid"]).content.decode()
    assert 'data-testid="raid-risk-form"' not in raid


def test_refused_and_bad_posts_change_nothing(org_a: OrgWorld, org_b: OrgWorld) -> None:
    risk = make_risk(org_a)
    url = pages(org_a, risk)["risk"]
    before = state(org_a)

    refused = client_for(org_a.users["member"]).post(f"{url}escalate/", {"note": "please"})
    assert refused.status_code == 403
    silent = client_for(org_a.users["manager"]).post(f"{url}escalate/", {"note": ""})
    assert silent.status_code == 400
    off_scale = client_for(org_a.users["manager"]).post(
        pages(org_a, risk)["raid"], {"kind": "risk", "title": "x", "category": "cost", "probability": 9, "impact": 1}
    )
    assert off_scale.status_code == 400
    assert client_for(org_b.users["pmo"]).post(f"{url}close/").status_code == 404
    assert state(org_a) == before

    escalated = client_for(org_a.users["manager"]).post(f"{url}escalate/", {"note": "Budget"})
    assert escalated.status_code == 302
    call(org_a, services.risk_close, "pmo", risk=risk)
    late = client_for(org_a.users["pmo"]).post(f"{url}escalate/", {"note": "again"})
    assert late.status_code == 409 and "closed" in late.content.decode()


@pytest.mark.parametrize("name", ["register", "raid", "portfolio", "issues", "risk"])
def test_page_query_counts_do_not_grow(org_a: OrgWorld, name: str) -> None:
    first = make_risk(org_a, title="first")
    counts = []
    for size in (1, 8):
        grow(org_a, size)
        client = client_for(org_a.users["pmo"])
        url = pages(org_a, first)[name]
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], (name, counts)
