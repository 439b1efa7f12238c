"""The demo's documents (``projects.documents.seed``): each running project gets its charter, requirements and
steering-committee minutes as links, in the organisation's language; archived projects get none; a second run adds
nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from projects.documents.models import ProjectDocument
from projects.documents.seed import seed_demo
from tests.conftest import OrgWorld

pytestmark = pytest.mark.django_db


def demo_of(world: OrgWorld, language: str) -> SimpleNamespace:
    return SimpleNamespace(
        organization=world.organization,
        users=world.users,
        text=lambda english, chinese: chinese if language.startswith("zh") else english,
    )


def titles(world: OrgWorld) -> dict[str, list[str]]:
    with world.ctx():
        rows = ProjectDocument.objects.filter(organization=world.organization).order_by("project__code", "kind")
        result: dict[str, list[str]] = {}
        for document in rows.select_related("project"):
            result.setdefault(document.project.code, []).append(document.title)
    return result


def test_running_projects_get_three_links_once_in_the_organisations_language(org_a: OrgWorld, org_b: OrgWorld) -> None:
    with org_a.ctx():
        type(org_a.projects[2]).objects.filter(pk=org_a.projects[2].pk).update(status="closed")
        for project in org_a.projects[:2]:
            type(project).objects.filter(pk=project.pk).update(status="active")
        seed_demo(demo_of(org_a, "zh-hans"))
        seed_demo(demo_of(org_a, "zh-hans"))
        links = list(ProjectDocument.objects.filter(organization=org_a.organization).values_list("url", "file"))

    seeded = titles(org_a)
    assert set(seeded) == {org_a.projects[0].code, org_a.projects[1].code}  # not the closed one
    expected = sorted(["项目章程", "需求规格说明书", "指导委员会会议纪要"])
    assert all(sorted(found) == expected for found in seeded.values())
    assert all(url.startswith("https://") and not file for url, file in links)
    assert titles(org_b) == {}  # never another organisation's
