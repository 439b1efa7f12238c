"""The audit trail and the members list as lists: filtered, sorted, 50 a page, exported to CSV and XLSX (the same
rows as the filtered list, every page) at a constant number of queries; the files only for those who may read the
page (the trail: the governance roles; the members: everyone but viewers), never another organisation's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pmo.audit.views import action_label
from pmo.tenancy.models import Membership
from pmo.tenancy.roles import Role
from projects.models import Project
from tests.conftest import ROLES, OrgWorld
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.lists_support import (
    ListContract,
    ListSpec,
    client_for,
    csv_rows,
    key_column,
    page_rows,
)

pytestmark = pytest.mark.django_db


def add_projects(world: OrgWorld, size: int) -> None:
    """``size`` new projects (one insert each in the trail), named after the organisation."""
    for index in range(size):
        ProjectFactory(organization=world.organization, code=f"AU-{index:03d}", name=f"{world.slug} audited {index}")


def add_members(world: OrgWorld, size: int) -> None:
    """``size`` more members named after the organisation, roles cycling."""
    roles = list(Role.values)
    for index in range(size):
        user = UserFactory(email=f"m{index:03d}@{world.slug}.test", full_name=f"{world.slug} member {index:03d}")
        MembershipFactory(organization=world.organization, user=user, role=roles[index % len(roles)])


GOVERNANCE = {**dict.fromkeys(ROLES, 403), "admin": 200, "pmo": 200}

SPECS = {
    "audit": ListSpec(
        path="audit/",
        populate=add_projects,
        page_key=lambda entry: f"{entry.object_id} {action_label(entry.action)}",
        file_key=lambda cells: f"{cells[4]} {cells[5]}",
        headers=["When", "Who", "E-mail", "Object type", "Object ID", "Action"],
        role="admin",
        filtered_query="model=projects.project&action=insert&sort=oldest",
        page_bound=15,
        export_bound=11,
        statuses=GOVERNANCE,
    ),
    "members": ListSpec(
        path="members/",
        populate=add_members,
        page_key=lambda membership: membership.user.email,
        file_key=lambda cells: cells[1],
        headers=["Name", "E-mail", "Role", "Joined"],
        role="admin",
        filtered_query="q=member&sort=-email",
        page_bound=14,
        export_bound=9,
        statuses={**dict.fromkeys(ROLES, 200), "viewer": 403},
    ),
}


class TestAuditAndMemberLists(ListContract):
    specs = SPECS
    translated = ("audit",)


def test_audit_filters_by_action_who_and_dates(org_a: OrgWorld) -> None:
    admin = org_a.users["admin"]
    client = client_for(admin)
    client.post(f"/o/{org_a.slug}/members/", {"email": "new@example.test", "role": "pmo"})
    with org_a.ctx():
        Project.objects.filter(organization=org_a.organization).update(name="Renamed")
    url = f"/o/{org_a.slug}/audit/"
    updates = page_rows(client.get(url + "?action=update"))
    assert {e.action for e in updates} == {"update"} and len(updates) == 3
    by_admin = csv_rows(client.get(f"{url}?actor={admin.pk}&format=csv"))
    assert key_column(by_admin, "Who") == [admin.get_full_name()]
    assert client.get(f"{url}?actor={admin.pk}").context["page"].paginator.count == 1  # the pager counts alike
    assert key_column(by_admin, "Object type") == ["Invitation"]
    assert key_column(by_admin, "Action") == ["created"]
    today = timezone.localdate()
    assert page_rows(client.get(f"{url}?until={today - dt.timedelta(days=7)}")) == []
    changes = csv_rows(client.get(url + "?action=update&format=csv"))
    assert set(key_column(changes, "Changes")) == {f"name: {project.name} → Renamed" for project in org_a.projects}
    newest = page_rows(client.get(url))
    oldest = page_rows(client.get(url + "?sort=oldest"))
    assert newest[0].created_at >= newest[-1].created_at and oldest[0].created_at <= oldest[-1].created_at
    backwards = client.get(f"{url}?since={today}&until={today - dt.timedelta(days=1)}")
    assert "until" in backwards.context["filter_form"].errors


def test_members_filter_and_sort(org_a: OrgWorld) -> None:
    add_members(org_a, 6)
    client = client_for(org_a.users["manager"])
    url = f"/o/{org_a.slug}/members/"
    pmos = page_rows(client.get(url + "?role=pmo"))
    assert {m.role for m in pmos} == {"pmo"} and len(pmos) == 2  # the world's and one added
    by_role = [m.role for m in page_rows(client.get(url + "?sort=role"))]
    assert by_role == sorted(by_role, key=list(Role.values).index)  # administrators first, not alphabetical
    table = csv_rows(client.get(url + "?q=member 00&sort=-name&format=csv"))
    assert key_column(table, "E-mail") == [f"m{index:03d}@{org_a.slug}.test" for index in range(5, -1, -1)]
    assert key_column(table, "Role")[:2] == ["Viewer", "Team member"]  # labels, not the stored values
    with org_a.ctx():
        assert Membership.objects.filter(organization=org_a.organization).count() == 12
