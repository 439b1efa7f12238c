"""The departments-and-skills page: who sees it and who changes it, counts per row, refusals that change nothing,
another organisation 404, and a query count that does not grow with the rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from resources import selectors
from resources.models import Department, Skill
from tests.conftest import ROLES, OrgWorld
from tests.test_resources_people_support import department, give_skill, person, resources_state, skill

VIEWERS = {"admin", "pmo", "executive", "manager"}
MANAGERS = {"admin", "pmo"}


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(world: OrgWorld) -> str:
    return f"/o/{world.slug}/resources/catalogue/"


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_and_who_changes(org_a: OrgWorld, role: str) -> None:
    client = login(org_a.users[role])

    page = client.get(url(org_a))
    added = client.post(url(org_a), {"kind": "skill", "verb": "add", "name": "Kotlin"})

    assert page.status_code == (200 if role in VIEWERS else 403)
    if role in VIEWERS:
        assert ('data-testid="add-skill"' in page.content.decode()) == (role in MANAGERS)
    assert added.status_code == (302 if role in MANAGERS else 403)
    with org_a.ctx():
        assert Skill.objects.filter(name="Kotlin").exists() == (role in MANAGERS)


def test_rows_count_people_and_holders(org_a: OrgWorld) -> None:
    qa = department(org_a, "Quality Assurance")
    python = skill(org_a, "Python")
    ada = person(org_a, department=qa)
    person(org_a, "Grace Hopper", department=qa, active=False)
    give_skill(org_a, ada, python)

    content = login(org_a.users["pmo"]).get(url(org_a)).content.decode()

    assert "Quality Assurance" in content
    with org_a.ctx():
        counts = {d.name: d.people_count for d in selectors.departments_with_counts(organization=org_a.organization)}
        holders = {s.name: s.holder_count for s in selectors.skills_with_counts(organization=org_a.organization)}
    assert counts == {"Quality Assurance": 1}  # the inactive person does not count
    assert holders == {"Python": 1}


def test_rename_and_refusals_change_nothing(org_a: OrgWorld) -> None:
    qa = department(org_a, "QA")
    department(org_a, "Engineering")
    person(org_a, department=qa)
    client = login(org_a.users["pmo"])

    renamed = client.post(url(org_a), {"kind": "department", "verb": "rename", "id": qa.pk, "name": "Quality"})
    assert renamed.status_code == 302
    before = resources_state(org_a)

    in_use = client.post(url(org_a), {"kind": "department", "verb": "delete", "id": qa.pk})
    duplicate = client.post(url(org_a), {"kind": "department", "verb": "rename", "id": qa.pk, "name": "Engineering"})
    blank = client.post(url(org_a), {"kind": "skill", "verb": "add", "name": "  "})

    assert [r.status_code for r in (in_use, duplicate, blank)] == [302, 302, 302]  # back to the page with the reason
    assert resources_state(org_a) == before
    with org_a.ctx():
        assert Department.objects.get(pk=qa.pk).name == "Quality"


def test_another_organisation_gets_404_and_changes_nothing(org_a: OrgWorld, org_b: OrgWorld) -> None:
    qa = department(org_a, "QA")
    before = resources_state(org_a)
    for role in ROLES:
        client = login(org_b.users[role])
        assert client.get(url(org_a)).status_code == 404
        assert client.post(url(org_a), {"kind": "department", "verb": "delete", "id": qa.pk}).status_code == 404
        # Through their own organisation, a foreign id is missing too.
        if role in MANAGERS:
            response = client.post(url(org_b), {"kind": "department", "verb": "delete", "id": qa.pk})
            assert response.status_code == 404
    assert resources_state(org_a) == before


def test_query_count_does_not_grow_with_rows(org_a: OrgWorld, django_assert_max_num_queries: Any) -> None:
    client = login(org_a.users["pmo"])
    department(org_a, "D0")
    skill(org_a, "S0")
    client.get(url(org_a))
    with django_assert_max_num_queries(20) as small:
        client.get(url(org_a))
    for i in range(1, 9):
        department(org_a, f"D{i}")
        skill(org_a, f"S{i}")
    with django_assert_max_num_queries(20) as large:
        client.get(url(org_a))
    assert len(large.captured_queries) == len(small.captured_queries)
