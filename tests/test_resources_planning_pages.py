"""The planning pages (capacity heat map, drill-down, over-allocation, allocations, utilisation): who opens them,
another organisation 404, the chart and the drill-down links, and query counts that do not grow with the data."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import ROLES, OrgWorld
from tests.test_resources_capacity_support import allocate, department, person, week

READERS = {"admin", "pmo", "executive", "manager"}
PAGES = [
    "resources/?start=2030-W10&weeks=12",
    "resources/?start=2030-W10&by=skill",
    "resources/overallocations/?start=2030-W10",
    "resources/allocations/",
    "resources/utilization/?start=2030-W10",
]


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def grow(world: OrgWorld, size: int, tag: str) -> None:
    for i in range(size):
        dept = department(world, f"Dept {tag}{i}")
        for j in range(3):
            who = person(world, f"P{tag}{i}-{j}", dept=dept)
            allocate(world, who, world.projects[j], week(10), week(12), 30 + 5 * j)


@pytest.mark.parametrize("path", PAGES)
def test_who_opens_the_planning_pages(org_a: OrgWorld, org_b: OrgWorld, path: str) -> None:
    for role in ROLES:
        assert login(org_a.users[role]).get(f"/o/{org_a.slug}/{path}").status_code == (
            200 if role in READERS else 403
        ), role
        assert login(org_b.users[role]).get(f"/o/{org_a.slug}/{path}").status_code == 404, role


def test_heat_map_cells_link_to_their_drill_down(org_a: OrgWorld) -> None:
    grow(org_a, 1, "x")
    content = login(org_a.users["pmo"]).get(f"/o/{org_a.slug}/resources/?start=2030-W10&weeks=4").content.decode()

    assert "<svg" in content
    assert f"/o/{org_a.slug}/resources/capacity/department/" in content
    assert "2030-W10" in content


def test_page_query_counts_do_not_grow(org_a: OrgWorld, django_assert_max_num_queries: Any) -> None:
    client = login(org_a.users["pmo"])
    client.get(f"/o/{org_a.slug}/resources/")  # warm up the session
    counts: dict[str, list[int]] = {path: [] for path in PAGES}
    for size in (1, 5):
        grow(org_a, size, tag=str(size))
        for path in PAGES:
            with django_assert_max_num_queries(40) as captured:
                assert client.get(f"/o/{org_a.slug}/{path}").status_code == 200
            counts[path].append(len(captured.captured_queries))
    assert all(small == large for small, large in counts.values()), counts
