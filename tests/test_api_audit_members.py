"""The audit trail in the API and the member and invitation lists' filters (issue 8): who may read the trail (the
governance roles; 403 for the others, 404 for another organisation's users), its filters and order agreeing with
the page's, bad parameters (400 naming them), pages of a fixed number of queries; the members' role, text and
sort, the invitations' pending filter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from pmo.tenancy.models import Invitation, Membership
from tests.conftest import ROLES, OrgWorld
from tests.factories import InvitationFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db
ApiClientFactory = Callable[[Any], APIClient]
GOVERNANCE = {"admin", "pmo"}


def base(world: OrgWorld) -> str:
    return f"/api/v1/orgs/{world.slug}/"


@pytest.mark.parametrize("role", [*ROLES, "outsider"])
def test_who_reads_the_audit_trail(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, role: str) -> None:
    user = org_b.users["admin"] if role == "outsider" else org_a.users[role]
    response = api_client(user).get(base(org_a) + "audit/")
    if role == "outsider":
        assert response.status_code == 404
    elif role in GOVERNANCE:
        assert response.status_code == 200
        entries = response.json()["results"]
        assert entries and {entry["model"] for entry in entries} >= {"projects.Project"}
    else:
        assert response.status_code == 403


def test_the_trail_filters_and_orders(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    client = api_client(org_a.users["pmo"])
    renamed = client.patch(base(org_a) + "risk-settings/", {"review_period_days": 21}, format="json")
    assert renamed.status_code == 200, renamed.content
    url = base(org_a) + "audit/"

    updates = client.get(url + "?action=update&model=risks.risksettings").json()
    assert updates["count"] == 1
    change = updates["results"][0]
    assert change["action"] == "update" and change["diff"]["review_period_days"][1] == 21
    assert change["actor"]["email"] == "pmo@alpha.test"
    by_pmo = client.get(url + f"?actor={org_a.users['pmo'].pk}").json()
    assert {entry["actor"]["email"] for entry in by_pmo["results"]} == {"pmo@alpha.test"}
    newest = client.get(url).json()["results"]
    oldest = client.get(url + "?ordering=created").json()["results"]
    assert newest[0]["created_at"] >= newest[-1]["created_at"]
    assert oldest[0]["created_at"] <= newest[0]["created_at"]
    today = timezone.localdate()
    assert client.get(url + f"?since={today + dt.timedelta(days=2)}").json()["count"] == 0
    assert len(client.get(url + "?page_size=2").json()["results"]) == 2

    for query, field in (
        ("?model=projects.nothing", "model"),
        ("?action=rename", "action"),
        (f"?actor={org_b.users['pmo'].pk}", "actor"),
        ("?since=2026-05-02&until=2026-05-01", "until"),
        ("?ordering=size", "ordering"),
    ):
        response = client.get(url + query)
        assert response.status_code == 400 and field in response.json(), (query, response.content)
    # Another organisation's changes never show.
    assert all("beta" not in (entry["summary"] or "").lower() for entry in newest)


def test_a_page_of_the_trail_costs_the_same_at_two_sizes(
    org_a: OrgWorld, api_client: ApiClientFactory, django_assert_max_num_queries: Any
) -> None:
    client = api_client(org_a.users["admin"])
    client.get(base(org_a) + "audit/")
    counts = []
    for size in (3, 30):
        for i in range(size):
            ProjectFactory(organization=org_a.organization, code=f"N{size}-{i}", name=f"New {size} {i}")
        with django_assert_max_num_queries(15) as captured:
            assert client.get(base(org_a) + "audit/?page_size=20").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_members_filter_and_sort(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    client = api_client(org_a.users["manager"])
    url = base(org_a) + "members/"

    def emails(query: str) -> list[str]:
        response = client.get(url + query)
        assert response.status_code == 200, response.content
        return [row["email"] for row in response.json()["results"]]

    assert emails("?role=viewer") == ["viewer@alpha.test"]
    assert emails("?q=EXEC") == ["executive@alpha.test"]
    assert emails("?ordering=role")[:2] == ["admin@alpha.test", "pmo@alpha.test"]
    assert emails("?ordering=-email")[0] == "viewer@alpha.test"
    assert client.get(url + "?role=owner").status_code == 400
    assert client.get(url + "?ordering=salary").status_code == 400
    # A member's page is not narrowed by the list's filters.
    with org_a.ctx():
        manager = Membership.objects.get(user=org_a.users["manager"]).pk
    assert client.get(url + f"{manager}/?role=viewer").json()["email"] == "manager@alpha.test"


def test_invitations_pending_and_sorted(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    now = timezone.now()
    with org_a.ctx():
        InvitationFactory(organization=org_a.organization, email="new@x.test", expires_at=now + dt.timedelta(days=3))
        InvitationFactory(organization=org_a.organization, email="old@x.test", expires_at=now - dt.timedelta(days=1))
        InvitationFactory(
            organization=org_a.organization,
            email="gone@x.test",
            expires_at=now + dt.timedelta(days=3),
            revoked_at=now,
        )
        assert Invitation.objects.count() == 3
    client = api_client(org_a.users["admin"])
    url = base(org_a) + "invitations/"
    pending = client.get(url + "?pending=true").json()["results"]
    assert [row["email"] for row in pending] == ["new@x.test"]
    others = client.get(url + "?pending=false&ordering=email").json()["results"]
    assert [row["email"] for row in others] == ["gone@x.test", "old@x.test"]
    assert client.get(url + "?pending=soon").status_code == 400


def test_member_and_invitation_lists_cost_the_same_at_two_sizes(
    org_a: OrgWorld, api_client: ApiClientFactory, django_assert_max_num_queries: Any
) -> None:
    client = api_client(org_a.users["admin"])
    paths = ["members/?ordering=role&q=of", "invitations/?pending=true&ordering=email"]
    client.get(base(org_a) + "members/")
    counts: dict[str, list[int]] = {path: [] for path in paths}
    for size in (2, 12):
        with org_a.ctx():
            for i in range(size):
                user = UserFactory(email=f"extra{size}-{i}@alpha.test", full_name=f"Extra {i} of alpha")
                MembershipFactory(organization=org_a.organization, user=user, role="member")
                InvitationFactory(organization=org_a.organization, email=f"invitee{size}-{i}@x.test")
        for path in paths:
            with django_assert_max_num_queries(15) as captured:
                assert client.get(base(org_a) + path).status_code == 200
            counts[path].append(len(captured.captured_queries))
    assert all(small == large for small, large in counts.values()), counts
