"""The register's page is read in two steps (the page's ids in the register's order, then those risks with what the
rows show): the same risks in the same order as the page sliced in one query, for every sort and on any page, with
one query more whatever the register's length."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from risks import selectors, services
from risks.models import Risk
from tests.conftest import OrgWorld
from tests.test_risks_services import make_risk


def fill(world: OrgWorld, count: int) -> None:
    for i in range(count):
        make_risk(
            world,
            project=world.projects[i % 2],
            title=f"Risk {(i * 7) % count:03d}",
            probability=1 + i % 5,
            impact=1 + (i * 3) % 5,
            actor="pmo",
        )


@pytest.mark.parametrize("sort", [*selectors.RISK_SORTS, *(f"-{key}" for key in selectors.RISK_SORTS)])
def test_a_page_holds_the_rows_of_the_sliced_register(org_a: OrgWorld, sort: str) -> None:
    fill(org_a, 23)
    with org_a.ctx():
        access = services._access(org_a.organization, org_a.users["pmo"])
        register = selectors.risk_register(access=access, sort=sort)
        for start, stop in ((0, 10), (10, 20), (20, 30), (30, 40)):
            expected = list(register[start:stop])
            got = selectors.rows_in_two_steps(register, start, stop)
            assert [risk.pk for risk in got] == [risk.pk for risk in expected], (sort, start)
            assert [(risk.level, risk.stale) for risk in got] == [(risk.level, risk.stale) for risk in expected]


def test_the_second_page_of_the_web_register(org_a: OrgWorld) -> None:
    fill(org_a, 55)
    client = Client()
    client.force_login(org_a.users["pmo"])

    content = client.get(f"/o/{org_a.slug}/risks/?sort=title&page=2").content.decode()

    titles = re.findall(r'<td><a href="[^"]+">(Risk \d{3})</a>', content)
    assert titles == [f"Risk {i:03d}" for i in range(50, 55)]


def test_an_empty_register_reads_no_rows(org_a: OrgWorld) -> None:
    with org_a.ctx():
        access = services._access(org_a.organization, org_a.users["pmo"])
        register = selectors.risk_register(access=access)
        with CaptureQueriesContext(connection) as queries:
            assert selectors.rows_in_two_steps(register, 0, 50) == []
        assert not Risk.objects.exists()
    assert len(queries) == 1
