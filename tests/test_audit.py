"""The audit trail: trigger-written history of inserts, updates (bulk ones too) and deletes, with the acting user
of the web request, shown on the audit page per organisation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Invitation, InvitationEvent, Membership, MembershipEvent
from projects.models import Project, ProjectEvent
from tests.conftest import OrgWorld
from tests.factories import ProjectFactory

ApiClientFactory = Callable[[Any], APIClient]


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def audit_url(world: OrgWorld, query: str = "") -> str:
    return f"/o/{world.slug}/audit/{query}"


def membership_pk(world: OrgWorld, role: str) -> int:
    with world.ctx():
        return Membership.objects.get(user=world.users[role]).pk


# --- What is recorded


def test_web_insert_records_the_acting_user(org_a: OrgWorld) -> None:
    admin = org_a.users["admin"]

    response = logged_in(admin).post(f"/o/{org_a.slug}/members/", {"email": "new@example.test", "role": "pmo"})

    assert response.status_code == 302
    with org_a.ctx():
        invitation = Invitation.objects.get(email="new@example.test")
        [event] = InvitationEvent.objects.filter(pgh_obj_id=invitation.pk)
    assert event.pgh_label == "insert"
    assert event.pgh_context["user"] == admin.pk
    assert event.pgh_context["url"] == f"/o/{org_a.slug}/members/"
    assert event.pgh_context["organization_id"] == org_a.organization.pk
    assert event.organization_id == org_a.organization.pk
    assert (event.email, event.role) == ("new@example.test", "pmo")


def test_web_update_records_the_acting_user_and_the_change(org_a: OrgWorld) -> None:
    admin = org_a.users["admin"]
    pk = membership_pk(org_a, "member")

    logged_in(admin).post(f"/o/{org_a.slug}/members/{pk}/role/", {"role": "executive"})

    with org_a.ctx():
        events = list(MembershipEvent.objects.filter(pgh_obj_id=pk).order_by("pgh_id"))
    assert [e.pgh_label for e in events] == ["insert", "update"]
    assert events[0].pgh_context.get("user") is None  # created by the fixtures, outside any request
    assert events[1].pgh_context["user"] == admin.pk
    assert (events[0].role, events[1].role) == ("member", "executive")


def test_web_delete_records_the_acting_user(org_a: OrgWorld) -> None:
    admin = org_a.users["admin"]
    pk = membership_pk(org_a, "viewer")

    logged_in(admin).post(f"/o/{org_a.slug}/members/{pk}/remove/")

    with org_a.ctx():
        assert not Membership.objects.filter(pk=pk).exists()
        delete = MembershipEvent.objects.get(pgh_obj_id=pk, pgh_label="delete")
    assert delete.pgh_context["user"] == admin.pk
    assert delete.user_id == org_a.users["viewer"].pk


def test_api_write_records_the_token_user(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    admin = org_a.users["admin"]
    pk = membership_pk(org_a, "member")

    response = api_client(admin).patch(f"/api/v1/orgs/{org_a.slug}/members/{pk}/", {"role": "viewer"}, format="json")

    assert response.status_code == 200
    with org_a.ctx():
        update = MembershipEvent.objects.get(pgh_obj_id=pk, pgh_label="update")
    assert update.pgh_context["user"] == admin.pk


def test_bulk_update_records_one_event_per_row(org_a: OrgWorld) -> None:
    pmo = org_a.users["pmo"]
    codes = ["ALPHA-0", "ALPHA-1"]

    with tenant_context(org_a.organization, user_id=pmo.pk):
        changed = Project.objects.filter(code__in=codes).update(status=Project.Status.ON_HOLD)
    with org_a.ctx():
        untouched = Project.objects.filter(code="ALPHA-2").update(description="")
        updates = list(ProjectEvent.objects.filter(pgh_label="update").order_by("code"))

    assert changed == 2
    assert untouched == 1
    assert [(e.code, e.status) for e in updates] == [("ALPHA-0", "on_hold"), ("ALPHA-1", "on_hold")]
    assert all(e.pgh_context["user"] == pmo.pk for e in updates)
    assert all(e.organization_id == org_a.organization.pk for e in updates)


def test_events_of_another_org_are_invisible_in_its_context(org_a: OrgWorld, org_b: OrgWorld) -> None:
    with org_b.ctx():
        Project.objects.update(status=Project.Status.CLOSED)
    with org_a.ctx():
        assert ProjectEvent.objects.filter(organization_id=org_b.organization.pk).count() == 0
        assert set(ProjectEvent.objects.values_list("organization_id", flat=True)) == {org_a.organization.pk}
    with org_b.ctx():
        assert ProjectEvent.objects.filter(pgh_label="update").count() == 3


# --- The audit page


def test_audit_page_shows_inserts_updates_and_deletes_with_the_actor(org_a: OrgWorld) -> None:
    admin = org_a.users["admin"]
    client = logged_in(admin)
    client.post(f"/o/{org_a.slug}/members/", {"email": "new@example.test", "role": "pmo"})
    client.post(f"/o/{org_a.slug}/members/{membership_pk(org_a, 'member')}/role/", {"role": "executive"})
    client.post(f"/o/{org_a.slug}/members/{membership_pk(org_a, 'viewer')}/remove/")
    with org_a.ctx():
        Project.objects.filter(code="ALPHA-2").update(name="Renamed in bulk")

    response = client.get(audit_url(org_a))

    assert response.status_code == 200
    # All events of one test share the transaction's timestamp, so they are matched, not ordered, across tables.
    entries = {(e.model, e.action, e.object_id): e for e in response.context["entries"]}
    renamed = entries[("projects.Project", "update", str(org_a.projects[2].pk))]
    invited = next(
        e for (model, action, _), e in entries.items() if (model, action) == ("tenancy.Invitation", "insert")
    )
    changed = entries[("tenancy.Membership", "update", str(membership_pk(org_a, "member")))]
    removed = next(
        e for (model, action, _), e in entries.items() if (model, action) == ("tenancy.Membership", "delete")
    )
    assert (renamed.actor, invited.actor, changed.actor, removed.actor) == (None, admin, admin, admin)
    assert renamed.diff == {"name": ["alpha project 2", "Renamed in bulk"]}
    assert changed.diff == {"role": ["member", "executive"]}
    assert invited.url == f"/o/{org_a.slug}/members/"
    assert removed.data["user_id"] == org_a.users["viewer"].pk
    html = response.content.decode()
    assert "Renamed in bulk" in html
    assert "Admin of alpha" in html
    assert "new@example.test" in html
    assert {"action-insert", "action-update", "action-delete"} <= set(re.findall(r"action-\w+", html))


def test_audit_page_filters_by_model(org_a: OrgWorld) -> None:
    with org_a.ctx():
        Project.objects.update(status=Project.Status.PLANNING)
    client = logged_in(org_a.users["pmo"])

    projects = client.get(audit_url(org_a, "?model=projects.project")).context
    memberships = client.get(audit_url(org_a, "?model=tenancy.membership")).context
    everything = client.get(audit_url(org_a, "?model=not.a_model")).context

    assert projects["filter_form"].cleaned_data["model"] == "projects.project"
    assert [(e.model, e.action) for e in projects["entries"]] == [("projects.Project", "update")] * 3 + [
        ("projects.Project", "insert")
    ] * 3
    assert {e.model for e in memberships["entries"]} == {"tenancy.Membership"}
    assert len(memberships["entries"]) == 6
    assert "model" in everything["filter_form"].errors  # an unknown type is said, and the trail is unfiltered
    assert {e.model for e in everything["entries"]} == {"projects.Project", "tenancy.Membership", "portfolio.Portfolio"}


@pytest.mark.parametrize("query", ["", "?model=projects.project", "?model=tenancy.membership"])
def test_another_orgs_events_never_appear(org_a: OrgWorld, org_b: OrgWorld, query: str) -> None:
    with org_b.ctx():
        Project.objects.update(name="Beta secret")
    logged_in(org_b.users["admin"]).post(f"/o/{org_b.slug}/members/{membership_pk(org_b, 'member')}/remove/")

    response = logged_in(org_a.users["admin"]).get(audit_url(org_a, query))

    assert response.status_code == 200
    entries = response.context["entries"]
    assert entries
    assert all(e.data["organization_id"] == org_a.organization.pk for e in entries)
    html = response.content.decode()
    assert "Beta secret" not in html
    assert "beta" not in html.lower()


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("pmo", 200), ("executive", 403), ("viewer", 403)])
def test_audit_page_is_for_governance_roles(org_a: OrgWorld, org_b: OrgWorld, role: str, status: int) -> None:
    assert logged_in(org_a.users[role]).get(audit_url(org_a)).status_code == status
    assert logged_in(org_b.users[role]).get(audit_url(org_a)).status_code == 404


def test_audit_page_pages_and_keeps_a_flat_query_count(org_a: OrgWorld, django_assert_max_num_queries: Any) -> None:
    with org_a.ctx():
        for i in range(20):
            ProjectFactory(organization=org_a.organization, code=f"X-{i:02d}")
        Project.objects.update(status=Project.Status.CLOSED)
    client = logged_in(org_a.users["admin"])

    # The pager's count, the "Who" filter's choices and the page's keys are one query each.
    with django_assert_max_num_queries(15):
        first = client.get(audit_url(org_a, "?model=projects.project"))
    second = client.get(audit_url(org_a, "?model=projects.project&page=2"))

    # 23 inserts (the fixture's 3 and 20) and 23 updates: 46 project events, one page (asking for page 2 shows it).
    assert len(first.context["entries"]) == 46
    assert first.context["page"].has_next() is False
    assert second.context["entries"] == first.context["entries"]
    with django_assert_max_num_queries(15):
        everything = client.get(audit_url(org_a))
    assert len(everything.context["entries"]) == 50
    assert everything.context["page"].has_next() is True
    older = client.get(audit_url(org_a, "?page=2")).context["entries"]
    assert older and older[0] not in everything.context["entries"]
    seen = {(e.model, e.object_id, e.action, e.created_at) for e in everything.context["entries"]}
    assert seen.isdisjoint((e.model, e.object_id, e.action, e.created_at) for e in older)
