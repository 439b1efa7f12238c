"""``/api/v1/orgs/<org>/projects/``: who sees which projects, 404 for the rest, and a flat query count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from pmo.tenancy.permissions import object_permissions_grant
from projects import permissions as project_permissions
from projects.models import Project
from tests.conftest import ROLES, OrgWorld
from tests.factories import ProjectFactory

ApiClientFactory = Callable[[Any], APIClient]

# Which of projects[0..2] each role may read (conftest: 0 run by the manager and readable by the member,
# 1 shared with the viewer, 2 granted to nobody).
VISIBLE: dict[str, list[int]] = {
    "admin": [0, 1, 2],
    "pmo": [0, 1, 2],
    "executive": [0, 1, 2],
    "manager": [0],
    "member": [0],
    "viewer": [1],
}


def projects_url(world: OrgWorld, rest: str = "") -> str:
    return f"/api/v1/orgs/{world.slug}/projects/{rest}"


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_exactly_the_visible_projects(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, role: str
) -> None:
    response = api_client(org_a.users[role]).get(projects_url(org_a))

    assert response.status_code == 200
    body = response.json()
    expected = [org_a.projects[i] for i in VISIBLE[role]]
    assert body["count"] == len(expected)
    assert [p["id"] for p in body["results"]] == [p.pk for p in expected]
    assert all(p["code"].startswith("ALPHA-") for p in body["results"])


def test_list_output_fields(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    response = api_client(org_a.users["manager"]).get(projects_url(org_a))

    [project] = response.json()["results"]
    first = org_a.projects[0]
    assert project == {
        "id": first.pk,
        "code": "ALPHA-0",
        "name": "alpha project 0",
        "description": "",
        "status": "active",
        "portfolio": "alpha portfolio",
        "manager": "manager@alpha.test",
        "created_at": project["created_at"],
        "portfolio_id": first.portfolio_id,
        "programme": None,
        "programme_id": None,
        "manager_id": org_a.users["manager"].pk,
        "sponsor_id": None,
        "template": None,
        "template_id": None,
        "current_phase": None,
        "current_phase_id": None,
        "priority": 2,
        "objectives": "",
        "planned_start": None,
        "planned_finish": None,
        "budget_at_completion": "0.00",
        "tags": [],
        "version": 1,
        "closed_at": None,
        "is_read_only": False,
        "latest_rag": None,
        "latest_week": None,
        "latest_percent_complete": None,
    }


@pytest.mark.parametrize("role", ROLES)
def test_retrieve_matrix(org_a: OrgWorld, api_client: ApiClientFactory, role: str) -> None:
    client = api_client(org_a.users[role])

    for index, project in enumerate(org_a.projects):
        response = client.get(projects_url(org_a, f"{project.pk}/"))
        if index in VISIBLE[role]:
            assert response.status_code == 200, (role, index)
            assert response.json()["code"] == project.code
        else:
            assert response.status_code == 404, (role, index)


def test_invisible_project_is_404_like_a_missing_one(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    client = api_client(org_a.users["viewer"])

    invisible = client.get(projects_url(org_a, f"{org_a.projects[2].pk}/"))
    missing = client.get(projects_url(org_a, "999999999/"))

    assert invisible.status_code == missing.status_code == 404
    assert invisible.json() == missing.json()


@pytest.mark.parametrize("role", ROLES)
def test_another_orgs_project_is_404_through_my_org(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, role: str
) -> None:
    client = api_client(org_a.users[role])

    for project in org_b.projects:
        assert client.get(projects_url(org_a, f"{project.pk}/")).status_code == 404
    listed = {p["id"] for p in client.get(projects_url(org_a)).json()["results"]}
    assert listed.isdisjoint(p.pk for p in org_b.projects)


@pytest.mark.parametrize("role", ROLES)
def test_another_orgs_project_list_is_404(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, role: str
) -> None:
    client = api_client(org_b.users[role])

    assert client.get(projects_url(org_a)).status_code == 404
    assert client.get(projects_url(org_a, f"{org_a.projects[0].pk}/")).status_code == 404


def test_a_grant_in_another_org_does_not_show_a_project_here(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    """The member of alpha gets a grant on a beta project: it must not leak into alpha's list."""
    member = org_a.users["member"]
    with org_b.ctx():
        object_permissions_grant(
            organization=org_b.organization,
            obj=org_b.projects[2],
            user=member,
            codenames=[project_permissions.VIEW_CODENAME],
        )

    response = api_client(member).get(projects_url(org_a))

    assert [p["id"] for p in response.json()["results"]] == [org_a.projects[0].pk]


def test_projects_cannot_be_deleted_or_replaced(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    """Creating and changing projects is covered in test_projects_api.py; deleting and PUT stay unsupported."""
    client = api_client(org_a.users["admin"])
    project = org_a.projects[0]

    replaced = client.put(projects_url(org_a, f"{project.pk}/"), {"name": "Renamed"}, format="json")
    deleted = client.delete(projects_url(org_a, f"{project.pk}/"))

    assert (replaced.status_code, deleted.status_code) == (405, 405)
    with org_a.ctx():
        assert Project.objects.count() == 3
        assert Project.objects.get(pk=project.pk).name == "alpha project 0"


# --- Query counts


def add_projects(world: OrgWorld, count: int) -> None:
    """Add ``count`` projects, each with its own portfolio and a manager, visible to the member and viewer."""
    with world.ctx():
        for i in range(count):
            project = ProjectFactory(organization=world.organization, code=f"X-{i:03d}", manager=world.users["manager"])
            for role in ("member", "viewer"):
                object_permissions_grant(
                    organization=world.organization,
                    obj=project,
                    user=world.users[role],
                    codenames=[project_permissions.VIEW_CODENAME],
                )


@pytest.mark.parametrize("role", ["admin", "member"])
@pytest.mark.parametrize("extra", [0, 27])
def test_list_query_count_does_not_grow_with_rows(
    org_a: OrgWorld,
    api_client: ApiClientFactory,
    django_assert_max_num_queries: Any,
    role: str,
    extra: int,
) -> None:
    """The same bound at 3 and 30 projects (each with a distinct portfolio and a manager)."""
    add_projects(org_a, extra)
    client = api_client(org_a.users[role])
    client.get(projects_url(org_a))  # the token's first use is recorded once; measure a steady request

    with django_assert_max_num_queries(9):
        response = client.get(projects_url(org_a))

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == {"admin": 3, "member": 1}[role] + extra
    assert all(p["portfolio"] for p in results)
