"""``/api/v1/orgs/<org>/knowledge/``: the permission matrix over roles, sanitised ``body_html``, validation,
another organisation (404, nothing changed) and a flat query count of the list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from pmo.tenancy.permissions import object_permissions_grant
from projects import permissions as project_permissions
from projects.knowledge.models import Article
from tests.conftest import ROLES, OrgWorld
from tests.factories import ProjectFactory
from tests.test_knowledge_support import Library, article_rows, build_library, knowledge_state, make_article
from tests.test_knowledge_support import api_url as url
from tests.test_knowledge_web import MANAGERS, WRITERS, XSS_BODY, may_change

ApiClientFactory = Callable[[Any], APIClient]


@pytest.fixture
def lib(org_a: OrgWorld) -> Library:
    return build_library(org_a)


def readable(lib: Library, role: str) -> set[int]:
    ids = {lib.standard.pk, lib.lesson.pk, lib.guide.pk}
    if role == "member":
        ids.add(lib.draft.pk)
    if role in MANAGERS:
        ids |= {lib.draft.pk, lib.pmo_draft.pk}
    return ids


# --- Reading


@pytest.mark.parametrize("role", ROLES)
def test_list_and_retrieve_matrix(lib: Library, api_client: ApiClientFactory, role: str) -> None:
    client = api_client(lib.world.users[role])

    listed = client.get(url(lib.world)).json()

    assert {a["id"] for a in listed["results"]} == readable(lib, role)
    assert listed["count"] == len(readable(lib, role))
    for article in lib.all:
        response = client.get(url(lib.world, f"{article.pk}/"))
        if article.pk in readable(lib, role):
            assert response.status_code == 200, (role, article.title)
            assert response.json()["can_edit"] is may_change(lib, role, article)
        else:
            assert response.status_code == 404, (role, article.title)
            assert list(response.json()) == ["detail"]


def test_output_fields(lib: Library, api_client: ApiClientFactory) -> None:
    response = api_client(lib.world.users["member"]).get(url(lib.world, f"{lib.lesson.pk}/"))

    body = response.json()
    assert body == {
        "id": lib.lesson.pk,
        "kind": "lesson",
        "title": "Freeze the migration scope early",
        "summary": "",
        "category": "Lessons learned",
        "tags": ["data migration"],
        "project": {"id": lib.world.projects[0].pk, "code": "ALPHA-0", "name": "alpha project 0"},
        "author": {"id": lib.world.users["manager"].pk, "name": "Manager of alpha"},
        "published": True,
        "attachment_count": 0,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
        "body": "Two extra rehearsals.",
        "body_html": "<p>Two extra rehearsals.</p>",
        "attachments": [],
        "can_edit": False,
    }


def test_the_project_is_hidden_from_those_who_cannot_read_it(lib: Library, api_client: ApiClientFactory) -> None:
    client = api_client(lib.world.users["viewer"])

    detail = client.get(url(lib.world, f"{lib.lesson.pk}/")).json()
    listed = {a["id"]: a for a in client.get(url(lib.world)).json()["results"]}

    assert detail["project"] is None
    assert listed[lib.lesson.pk]["project"] is None


def test_body_html_is_sanitised(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    article = make_article(org_a, body=XSS_BODY)

    html = api_client(org_a.users["viewer"]).get(url(org_a, f"{article.pk}/")).json()["body_html"].lower()

    assert "<h1>heading</h1>" in html
    assert 'rel="noopener noreferrer nofollow"' in html
    for forbidden in ("<script", "onerror", "onclick", "onload", "javascript:", "<iframe", "<svg", "evil.example"):
        assert forbidden not in html, forbidden


def test_list_filters(lib: Library, api_client: ApiClientFactory) -> None:
    client = api_client(lib.world.users["viewer"])

    def ids(**params: Any) -> list[int]:
        return [a["id"] for a in client.get(url(lib.world), params).json()["results"]]

    assert ids(kind="lesson") == [lib.lesson.pk]
    assert ids(tag="checklist") == [lib.standard.pk]
    assert ids(category="Governance") == [lib.standard.pk]
    assert ids(q="GATE review") == [lib.standard.pk]
    member = api_client(lib.world.users["member"])  # the member may read projects[0]; the viewer may not
    of_project = member.get(url(lib.world), {"project": lib.world.projects[0].pk})
    assert [a["id"] for a in of_project.json()["results"]] == [lib.lesson.pk]
    hidden = client.get(url(lib.world), {"project": lib.world.projects[0].pk})
    assert hidden.status_code == 400 and set(hidden.json()) == {"project"}
    bad = client.get(url(lib.world), {"kind": "poem"})
    assert bad.status_code == 400
    assert "kind" in bad.json()


# --- Writing


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", [k.value for k in Article.Kind])
def test_create_matrix(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, role: str, kind: str) -> None:
    before = knowledge_state(org_a, org_b)
    payload = {"kind": kind, "title": f"{kind} by {role}", "tags": ["x", " x ", "y"], "body": "**bold**"}

    response = api_client(org_a.users[role]).post(url(org_a), payload, format="json")

    if role in MANAGERS or (role in WRITERS and kind in {"lesson", "guide"}):
        assert response.status_code == 201
        body = response.json()
        assert (body["kind"], body["tags"], body["body_html"]) == (kind, ["x", "y"], "<p><strong>bold</strong></p>")
        with org_a.ctx():
            assert Article.objects.get(pk=body["id"]).author == org_a.users[role]
    else:
        assert response.status_code == 403
        assert "detail" in response.json()
        assert knowledge_state(org_a, org_b) == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 251}, "title"),
        ({"title": "Ok", "kind": "poem"}, "kind"),
        ({"title": "Ok", "tags": ["t" * 41]}, "tags"),
        ({"title": "Ok", "tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"title": "Ok", "project": 999999999}, "project"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(
    org_a: OrgWorld, api_client: ApiClientFactory, payload: dict[str, Any], field: str
) -> None:
    before = article_rows(org_a)

    response = api_client(org_a.users["pmo"]).post(url(org_a), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert article_rows(org_a) == before


def test_a_project_the_caller_cannot_read_is_refused(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    before = knowledge_state(org_a, org_b)
    client = api_client(org_a.users["member"])

    hidden = client.post(url(org_a), {"title": "x", "kind": "lesson", "project": org_a.projects[2].pk}, format="json")
    foreign = client.post(url(org_a), {"title": "x", "kind": "lesson", "project": org_b.projects[0].pk}, format="json")

    assert hidden.status_code == foreign.status_code == 400
    assert hidden.json() == foreign.json() == {"project": ["Choose a valid project."]}
    assert knowledge_state(org_a, org_b) == before


@pytest.mark.parametrize("role", ROLES)
def test_update_and_delete_matrix(lib: Library, api_client: ApiClientFactory, role: str) -> None:
    client = api_client(lib.world.users[role])

    for article in (lib.standard, lib.lesson, lib.guide):
        before = article_rows(lib.world)
        patched = client.patch(url(lib.world, f"{article.pk}/"), {"title": "Patched", "tags": ["new"]}, format="json")
        if may_change(lib, role, article):
            assert patched.status_code == 200
            assert (patched.json()["title"], patched.json()["tags"]) == ("Patched", ["new"])
        else:
            assert patched.status_code == 403
            assert client.delete(url(lib.world, f"{article.pk}/")).status_code == 403
            assert article_rows(lib.world) == before
    if role in MANAGERS:
        assert client.delete(url(lib.world, f"{lib.standard.pk}/")).status_code == 204
        with lib.world.ctx():
            assert not Article.objects.filter(pk=lib.standard.pk).exists()


def test_a_writer_cannot_patch_their_guide_into_a_standard(lib: Library, api_client: ApiClientFactory) -> None:
    before = article_rows(lib.world)

    response = api_client(lib.world.users["member"]).patch(
        url(lib.world, f"{lib.guide.pk}/"), {"kind": "standard"}, format="json"
    )

    assert response.status_code == 403
    assert article_rows(lib.world) == before


def test_the_author_deletes_their_guide(lib: Library, api_client: ApiClientFactory) -> None:
    response = api_client(lib.world.users["member"]).delete(url(lib.world, f"{lib.guide.pk}/"))

    assert response.status_code == 204
    with lib.world.ctx():
        assert set(Article.objects.values_list("pk", flat=True)) == {a.pk for a in lib.all} - {lib.guide.pk}


def test_put_is_not_allowed(lib: Library, api_client: ApiClientFactory) -> None:
    before = article_rows(lib.world)

    response = api_client(lib.world.users["admin"]).put(url(lib.world, f"{lib.guide.pk}/"), {"title": "x"})

    assert response.status_code == 405
    assert article_rows(lib.world) == before


def test_someone_elses_draft_is_404_for_writes(lib: Library, api_client: ApiClientFactory) -> None:
    before = article_rows(lib.world)
    client = api_client(lib.world.users["manager"])

    assert client.patch(url(lib.world, f"{lib.draft.pk}/"), {"title": "x"}, format="json").status_code == 404
    assert client.delete(url(lib.world, f"{lib.draft.pk}/")).status_code == 404
    assert article_rows(lib.world) == before


# --- Another organisation


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_of_another_org_is_404_and_changes_nothing(
    lib: Library, org_b: OrgWorld, api_client: ApiClientFactory, role: str
) -> None:
    a = lib.world
    before = knowledge_state(a, org_b)
    client = api_client(org_b.users[role])

    responses = [
        client.get(url(a)),
        client.get(url(a, f"{lib.standard.pk}/")),
        client.post(url(a), {"title": "Intruder", "kind": "guide"}, format="json"),
        client.patch(url(a, f"{lib.guide.pk}/"), {"title": "Hijacked"}, format="json"),
        client.delete(url(a, f"{lib.guide.pk}/")),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    assert knowledge_state(a, org_b) == before


def test_another_orgs_article_through_my_org_is_404(
    lib: Library, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    theirs = make_article(org_b, title="Beta standard")
    before = knowledge_state(lib.world, org_b)
    client = api_client(lib.world.users["admin"])

    assert client.get(url(lib.world, f"{theirs.pk}/")).status_code == 404
    assert client.patch(url(lib.world, f"{theirs.pk}/"), {"title": "x"}, format="json").status_code == 404
    assert client.delete(url(lib.world, f"{theirs.pk}/")).status_code == 404
    assert theirs.pk not in {a["id"] for a in client.get(url(lib.world)).json()["results"]}
    assert knowledge_state(lib.world, org_b) == before


def test_unauthenticated_is_401(lib: Library, api_client: ApiClientFactory) -> None:
    assert api_client(None).get(url(lib.world)).status_code == 401


# --- Query counts


def add_articles(world: OrgWorld, count: int) -> None:
    for i in range(count):
        project = ProjectFactory(organization=world.organization, code=f"Q-{i:03d}")
        with world.ctx():
            object_permissions_grant(
                organization=world.organization,
                obj=project,
                user=world.users["member"],
                codenames=[project_permissions.VIEW_CODENAME],
            )
        make_article(world, "manager", kind="lesson", title=f"Lesson {i}", tags=["common"], project=project)


@pytest.mark.parametrize("role", ["admin", "member"])
@pytest.mark.parametrize("extra", [0, 15])
@pytest.mark.parametrize("params", [{}, {"q": "lesson", "tag": "common"}])
def test_list_query_count_does_not_grow_with_rows(
    lib: Library,
    api_client: ApiClientFactory,
    django_assert_max_num_queries: Any,
    role: str,
    extra: int,
    params: dict[str, str],
) -> None:
    add_articles(lib.world, extra)
    client = api_client(lib.world.users[role])
    client.get(url(lib.world))  # the token's first use is recorded once; measure a steady request

    # Token, user, tenant and membership; then count, rows (with attachment counts) and the readable projects.
    with django_assert_max_num_queries(10):
        response = client.get(url(lib.world), params)

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) >= extra
    assert sum(1 for a in results if a["project"]) == extra + (0 if params else 1)
