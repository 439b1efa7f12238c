"""The project staffing matrix, hand-checked (role match case-insensitive, skill match, no hour counted twice,
unmatched allocation-weeks), its services' rules and who may write them, and the Staffing tab."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from projects.models import Project
from projects.services import ProjectReadOnly
from resources import selectors, services
from tests.conftest import OrgWorld
from tests.test_resources_people_support import (
    allocate,
    give_skill,
    person,
    require,
    resources_state,
    skill,
    week,
)


def test_the_matrix_by_hand(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    python = skill(org_a, "Python")
    ada, bob, cy, dee = person(org_a, "Ada"), person(org_a, "Bob"), person(org_a, "Cy"), person(org_a, "Dee")
    give_skill(org_a, cy, python, 4)
    developers = require(org_a, project, role="Developer", start=0, end=2, hours=40)  # W10–W12
    pythonistas = require(org_a, project, needs=python, start=1, end=3, hours=20)  # W11–W13
    allocate(org_a, ada, project, role="developer", start=0, end=1, hours=24)  # role, any case: W10–W11
    allocate(org_a, bob, project, role=" DEVELOPER ", start=1, end=2, hours=24)  # W11–W12
    allocate(org_a, cy, project, role="Analyst", start=2, end=3, hours=16)  # by skill: W12–W13
    allocate(org_a, dee, project, role="Tester", start=3, end=4, hours=8)  # nothing: W13–W14
    allocate(org_a, ada, org_a.projects[1], role="Developer", start=0, end=3, hours=16)  # another project

    with org_a.ctx():
        matrix = selectors.staffing_matrix(organization=org_a.organization, project=project)

    assert matrix.weeks == [week(i) for i in range(5)]
    dev, py = matrix.rows
    assert dev.requirement == developers and py.requirement == pythonistas

    def cells(row: selectors.RequirementRow) -> list[tuple[Any, ...] | None]:
        return [(c.required, c.filled, c.gap) if c else None for c in row.cell_list(matrix.weeks)]

    h = Decimal
    # W11: Ada 24 fills the developers first (16 still needed), then Bob's 24 also goes to them: 48 of 40.
    assert cells(dev) == [(h(40), h(24), h(16)), (h(40), h(48), h(-8)), (h(40), h(24), h(16)), None, None]
    # Cy holds Python: 16 h in W12 and W13; W11 nobody with Python is allocated.
    assert cells(py) == [None, (h(20), h(0), h(20)), (h(20), h(16), h(4)), (h(20), h(16), h(4)), None]
    assert (dev.required_total, dev.filled_total, dev.gap_total) == (h(120), h(96), h(32))
    assert [a.person.full_name for a in dev.filled_by] == ["Ada", "Bob"]
    assert [a.person.full_name for a in py.filled_by] == ["Cy"]
    assert [(row.allocation.person.full_name, sorted(row.hours.items())) for row in matrix.unmatched] == [
        ("Dee", [(week(3), h(8)), (week(4), h(8))])
    ]


def test_an_allocation_matching_two_requirements_fills_the_one_still_short(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    python = skill(org_a)
    ada, bob = person(org_a, "Ada"), person(org_a, "Bob")
    give_skill(org_a, ada, python)
    give_skill(org_a, bob, python)
    first = require(org_a, project, role="Dev", needs=python, hours=10)
    second = require(org_a, project, needs=python, hours=10)
    allocate(org_a, ada, project, role="Dev", hours=10)
    allocate(org_a, bob, project, role="Dev", hours=10)  # first is met: Bob's role match falls to the skill match
    with org_a.ctx():
        rows = selectors.staffing_matrix(organization=org_a.organization, project=project).rows
    assert [(r.requirement, r.cells[week(0)].filled) for r in rows] == [(first, 10), (second, 10)]


def test_requirement_rules(org_a: OrgWorld) -> None:
    org, pmo, project = org_a.organization, org_a.users["pmo"], org_a.projects[0]
    base: dict[str, Any] = {"start_week": week(0), "end_week": week(2), "hours_per_week": Decimal(20)}
    bad = [
        ({**base}, "role"),  # neither role nor skill
        ({**base, "role": "Dev", "start_week": week(0) + dt.timedelta(days=1)}, "start_week"),
        ({**base, "role": "Dev", "end_week": week(-1)}, "end_week"),
        ({**base, "role": "Dev", "hours_per_week": Decimal(0)}, "hours_per_week"),
        ({**base, "role": "Dev", "hours_per_week": Decimal(-5)}, "hours_per_week"),
    ]
    before = resources_state(org_a)
    for values, field in bad:
        with org_a.ctx(), pytest.raises(ValidationError) as refused:
            services.staffing_requirement_create(organization=org, actor=pmo, project=project, **values)
        assert field in refused.value.message_dict, values
    assert resources_state(org_a) == before


def test_who_may_plan_staffing(org_a: OrgWorld) -> None:
    org = org_a.organization
    values: dict[str, Any] = {"role": "Dev", "start_week": week(0), "end_week": week(0), "hours_per_week": 8}
    with org_a.ctx():
        # the manager changes projects[0] but not projects[2]; the PMO any project
        services.staffing_requirement_create(
            organization=org, actor=org_a.users["manager"], project=org_a.projects[0], **values
        )
        services.staffing_requirement_create(
            organization=org, actor=org_a.users["pmo"], project=org_a.projects[2], **values
        )
    before = resources_state(org_a)
    for role, project in [
        ("manager", org_a.projects[2]),
        ("executive", org_a.projects[0]),
        ("member", org_a.projects[0]),
    ]:
        with org_a.ctx(), pytest.raises(PermissionDenied):
            services.staffing_requirement_create(organization=org, actor=org_a.users[role], project=project, **values)
    with org_a.ctx():
        Project.objects.filter(pk=org_a.projects[0].pk).update(status=Project.Status.CLOSED)
    with org_a.ctx(), pytest.raises(ProjectReadOnly):
        services.staffing_requirement_create(
            organization=org, actor=org_a.users["pmo"], project=org_a.projects[0], **values
        )
    assert resources_state(org_a) == before


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_staffing_tab_shows_gaps_and_takes_requirements(org_a: OrgWorld, org_b: OrgWorld) -> None:
    project = org_a.projects[0]
    url = f"/o/{org_a.slug}/projects/{project.pk}/staffing/"
    ada = person(org_a, "Ada")
    require(org_a, project, role="Developer", start=0, end=1, hours=40)
    allocate(org_a, ada, project, role="Developer", start=0, end=0, hours=40)

    page = _login(org_a.users["member"]).get(url)  # may read the project, not change it
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="staffing-matrix"' in html and "gap-met" in html and "gap-empty" in html
    assert 'data-testid="requirement-form"' not in html

    manager = _login(org_a.users["manager"])
    added = manager.post(
        url, {"role": "Tester", "start_week": "2026-W10", "end_week": "2026-W11", "hours_per_week": "10"}
    )
    assert added.status_code == 302
    refused = manager.post(url, {"role": "", "start_week": "2026-W11", "end_week": "2026-W10", "hours_per_week": "1"})
    assert refused.status_code == 400
    before = resources_state(org_a)
    assert _login(org_a.users["member"]).post(url, {"role": "X"}).status_code == 403
    assert _login(org_b.users["pmo"]).get(url).status_code == 404
    assert _login(org_b.users["pmo"]).post(url, {"role": "X"}).status_code == 404
    assert _login(org_a.users["viewer"]).get(url).status_code == 404  # the viewer may not read projects[0]
    assert resources_state(org_a) == before
    with org_a.ctx():
        roles = [
            r.requirement.role for r in selectors.staffing_matrix(organization=org_a.organization, project=project).rows
        ]
    assert roles == ["Developer", "Tester"]


def test_staffing_tab_queries_do_not_grow(org_a: OrgWorld, django_assert_max_num_queries: Any) -> None:
    project = org_a.projects[0]
    python = skill(org_a)
    client = _login(org_a.users["pmo"])
    url = f"/o/{org_a.slug}/projects/{project.pk}/staffing/"

    def grow(n: int) -> None:
        for i in range(n):
            someone = person(org_a, f"P{n}-{i}")
            give_skill(org_a, someone, python)
            allocate(org_a, someone, project, role="Dev" if i % 2 else "", start=i % 4, end=6, hours=8)
            require(org_a, project, role="Dev", needs=python if i % 3 else None, start=i % 5, end=8, hours=12)

    grow(2)
    with django_assert_max_num_queries(60) as small:
        assert client.get(url).status_code == 200
    grow(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
