"""The planning API: permission matrix over the six roles, another organisation → 404 and nothing changed, bad
input → 400, stale version → 409, query counts of the capacity heat map at two sizes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from tests.conftest import ROLES, OrgWorld
from tests.test_resources_capacity_support import allocate, allocation_rows, department, person, week

ApiClientFactory = Callable[[Any], APIClient]
READERS = {"admin", "pmo", "executive", "manager"}


def base(world: OrgWorld) -> str:
    return f"/api/v1/orgs/{world.slug}/"


@pytest.mark.parametrize("path", ["allocations/", "overallocations/", "capacity/?by=skill", "utilization/"])
def test_reads_need_resources_view(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, path: str) -> None:
    for role in ROLES:
        status = api_client(org_a.users[role]).get(base(org_a) + path).status_code
        assert status == (200 if role in READERS else 403), (role, status)
        assert api_client(org_b.users[role]).get(base(org_a) + path).status_code == 404


def test_write_matrix_and_other_organisation(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    ann = person(org_a, "Ann")
    existing = allocate(org_a, ann, org_a.projects[0], week(10), week(11), 10)
    body = {"person": ann.pk, "project": org_a.projects[0].pk, "start_week": "2030-W20", "end_week": "2030-W21",
            "hours_per_week": "8"}  # fmt: skip
    allowed = {"admin", "pmo", "manager"}  # the manager runs projects[0]
    for role in ROLES:
        with transaction.atomic():
            before = allocation_rows(org_a)
            client = api_client(org_a.users[role])
            created = client.post(base(org_a) + "allocations/", body, format="json")
            patched = client.patch(base(org_a) + f"allocations/{existing.pk}/", {"hours_per_week": "12"}, format="json")
            deleted = client.delete(base(org_a) + f"allocations/{existing.pk}/")
            codes = (created.status_code, patched.status_code, deleted.status_code)
            assert codes == ((201, 200, 204) if role in allowed else (403, 403, 403)), (role, codes)
            if role not in allowed:
                assert allocation_rows(org_a) == before
            transaction.set_rollback(True)
    before = allocation_rows(org_a)
    for role in ROLES:
        client = api_client(org_b.users[role])
        assert client.post(base(org_a) + "allocations/", body, format="json").status_code == 404
        assert (
            client.patch(base(org_a) + f"allocations/{existing.pk}/", {"hours_per_week": 1}, format="json").status_code
            == 404
        )
        assert client.delete(base(org_a) + f"allocations/{existing.pk}/").status_code == 404
        # Through beta's own URL alpha's allocation does not exist.
        if role in READERS:
            assert client.delete(base(org_b) + f"allocations/{existing.pk}/").status_code == 404
    assert allocation_rows(org_a) == before


def test_bad_input_400_and_stale_409(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    ann = person(org_a, "Ann")
    existing = allocate(org_a, ann, org_a.projects[0], week(10), week(11), 10)
    client = api_client(org_a.users["pmo"])
    before = allocation_rows(org_a)
    overlap = {"person": ann.pk, "project": org_a.projects[0].pk, "start_week": "2030-W11", "end_week": "2030-W12",
               "hours_per_week": "8"}  # fmt: skip
    response = client.post(base(org_a) + "allocations/", overlap, format="json")
    assert response.status_code == 400 and "already allocated" in response.json()["start_week"][0]
    assert (
        client.post(base(org_a) + "allocations/", {**overlap, "start_week": "2030-11"}, format="json").status_code
        == 400
    )
    for query in ("capacity/?by=team", "capacity/?weeks=27", "capacity/?weeks=0", "capacity/?from=2030-W99",
                  "overallocations/?weeks=40", "utilization/?by=x", "capacity/drilldown/?group=1"):  # fmt: skip
        assert client.get(base(org_a) + query).status_code == 400, query
    assert (
        client.patch(
            base(org_a) + f"allocations/{existing.pk}/", {"hours_per_week": 5, "version": 1}, format="json"
        ).status_code
        == 200
    )
    stale = client.patch(
        base(org_a) + f"allocations/{existing.pk}/", {"hours_per_week": 7, "version": 1}, format="json"
    )
    assert stale.status_code == 409
    assert allocation_rows(org_a)[0][5:] == (5, 2)
    assert len(allocation_rows(org_a)) == len(before)


def test_capacity_and_drilldown_output(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    eng = department(org_a, "Engineering")
    ann = person(org_a, "Ann", dept=eng)
    allocate(org_a, ann, org_a.projects[0], week(10), week(10), 45)
    client = api_client(org_a.users["executive"])
    body = client.get(base(org_a) + "capacity/?from=2030-W10&weeks=2&by=department").json()
    assert body["weeks"] == ["2030-W10", "2030-W11"]
    assert body["groups"][0]["weeks"][0] == {
        "week": "2030-W10",
        "capacity": "40.00",
        "demand": "45.00",
        "ratio": "1.1250",
        "over": True,
    }
    drill = client.get(base(org_a) + f"capacity/drilldown/?by=department&group={eng.pk}&week=2030-W10").json()
    assert drill["people"][0]["free"] == "-5.00" and drill["projects"][0]["hours"] == "45.00"
    over = client.get(base(org_a) + "overallocations/?from=2030-W10&weeks=2").json()
    assert over["count"] == 1
    assert [(o["person"]["name"], o["week"], o["excess"]) for o in over["results"]] == [("Ann", "2030-W10", "5.00")]
    assert client.get(base(org_a) + "capacity/drilldown/?by=department&group=999999&week=2030-W10").status_code == 404


def grow(world: OrgWorld, n: int, tag: str) -> None:
    for i in range(n):
        dept = department(world, f"Dept {tag}{i}")
        for j in range(3):
            who = person(world, f"P{tag}{i}-{j}", dept=dept)
            allocate(world, who, world.projects[j], week(10), week(12), 30 + 5 * j)


def test_query_counts_do_not_grow(
    org_a: OrgWorld, api_client: ApiClientFactory, django_assert_max_num_queries: Any
) -> None:
    client = api_client(org_a.users["pmo"])
    client.get(base(org_a) + "allocations/")  # warm up: the first request of a token caches its lookup
    counts = []
    for size in (1, 5):
        grow(org_a, size, tag=str(size))
        for path in ("capacity/?from=2030-W10&weeks=12", "capacity/?from=2030-W10&by=skill",
                     "overallocations/?from=2030-W10", "utilization/?from=2030-W10", "allocations/"):  # fmt: skip
            with django_assert_max_num_queries(30) as captured:
                assert client.get(base(org_a) + path).status_code == 200
            counts.append((size, path, len(captured.captured_queries)))
    small = [c for s, p, c in counts if s == 1]
    large = [c for s, p, c in counts if s == 5]
    assert small == large, counts
