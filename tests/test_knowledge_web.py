"""Knowledge-base pages: every page for every role, writing (kinds, authorship), safe Markdown, another
organisation (404, nothing changed), the project link, and a flat query count of the list."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from pmo.tenancy.permissions import object_permissions_grant
from pmo.tenancy.roles import CAPABILITIES, Capability
from projects import permissions as project_permissions
from projects.knowledge import permissions
from projects.knowledge.models import Article
from tests.conftest import ROLES, OrgWorld
from tests.factories import ProjectFactory
from tests.test_knowledge_support import (
    Library,
    article_rows,
    build_library,
    knowledge_state,
    logged_in,
    make_article,
    page_url,
)

ALL = set(ROLES)
WRITERS = ALL - {"viewer"}
MANAGERS = {"admin", "pmo"}

XSS_BODY = """# Heading

<script>alert("body")</script>
<img src="x" onerror="alert('img')">
<img src="https://evil.example/track.png" alt="remote">
<img src="/static/css/diagram.png" alt="local">
[click me](javascript:alert('link'))
<a href="JaVaScRiPt:alert(1)" onclick="steal()">mixed case</a>
<iframe src="https://evil.example/"></iframe>
<svg onload="alert('svg')"></svg>
<p style="position:fixed" onmouseover="alert(1)">styled</p>
[safe link](https://example.com/page)
"""


@pytest.fixture
def lib(org_a: OrgWorld) -> Library:
    return build_library(org_a)


def may_change(lib: Library, role: str, article: Article) -> bool:
    """Written out: managers change everything; the manager wrote the lesson, the member the guide and draft."""
    own = {"manager": [lib.lesson], "member": [lib.guide, lib.draft]}.get(role, [])
    return role in MANAGERS or article in own


def test_the_role_sets_follow_the_capability_map() -> None:
    assert {str(r) for r in CAPABILITIES[Capability.KNOWLEDGE_VIEW]} == ALL
    assert {str(r) for r in CAPABILITIES[Capability.KNOWLEDGE_WRITE]} == WRITERS
    assert {str(r) for r in CAPABILITIES[Capability.KNOWLEDGE_MANAGE]} == MANAGERS
    assert set(permissions.WRITER_KINDS) == {"lesson", "guide"}


# --- Reading


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_published_articles_and_own_drafts(lib: Library, org_b: OrgWorld, role: str) -> None:
    make_article(org_b, title="Beta secret standard")

    response = logged_in(lib.world.users[role]).get(page_url(lib.world))

    assert response.status_code == 200
    listed = {a.pk for a in response.context["articles"]}
    expected = {lib.standard.pk, lib.lesson.pk, lib.guide.pk}
    if role == "member":
        expected.add(lib.draft.pk)
    if role in MANAGERS:
        expected |= {lib.draft.pk, lib.pmo_draft.pk}
    assert listed == expected
    assert response.context["total"] == len(expected)
    assert "Beta secret standard" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_detail_matrix(lib: Library, role: str) -> None:
    client = logged_in(lib.world.users[role])

    for article in lib.all:
        readable = article.published or role in MANAGERS or (role == "member" and article == lib.draft)
        response = client.get(page_url(lib.world, f"{article.pk}/"))
        assert response.status_code == (200 if readable else 404), (role, article.title)
        if readable:
            assert response.context["article"] == article
            assert response.context["can_change"] == may_change(lib, role, article)


@pytest.mark.parametrize("role", ROLES)
def test_the_project_link_shows_only_to_readers_of_the_project(lib: Library, role: str) -> None:
    response = logged_in(lib.world.users[role]).get(page_url(lib.world, f"{lib.lesson.pk}/"))

    can_read_project = role in {"admin", "pmo", "executive", "manager", "member"}
    content = response.content.decode()
    assert response.context["project_visible"] is can_read_project
    assert ('data-testid="knowledge-project"' in content) is can_read_project
    assert (lib.world.projects[0].name in content) is can_read_project


def test_the_list_links_lessons_to_their_project(lib: Library) -> None:
    response = logged_in(lib.world.users["member"]).get(page_url(lib.world), {"project": lib.world.projects[0].pk})

    assert [a.pk for a in response.context["articles"]] == [lib.lesson.pk]
    assert response.context["filter_project"] == lib.world.projects[0]
    assert f'/o/alpha/projects/{lib.world.projects[0].pk}/"' in response.content.decode()


def test_filters_by_kind_category_and_tag_with_counts(lib: Library) -> None:
    client = logged_in(lib.world.users["viewer"])

    by_kind = client.get(page_url(lib.world), {"kind": "lesson"})
    by_category = client.get(page_url(lib.world), {"category": "Governance"})
    by_tag = client.get(page_url(lib.world), {"tag": "meetings"})

    assert [a.pk for a in by_kind.context["articles"]] == [lib.lesson.pk]
    assert {value: n for value, _, n in by_kind.context["kind_tabs"]} == {
        "lesson": 1, "standard": 1, "template": 0, "training": 0, "guide": 1,
    }  # fmt: skip
    assert [a.pk for a in by_category.context["articles"]] == [lib.standard.pk]
    assert [a.pk for a in by_tag.context["articles"]] == [lib.guide.pk]
    assert ("gate review", 1) in by_tag.context["facets"].tags


def test_the_list_paginates(org_a: OrgWorld) -> None:
    for i in range(53):
        make_article(org_a, title=f"Guide {i:02d}")
    client = logged_in(org_a.users["viewer"])

    first = client.get(page_url(org_a), {"sort": "title"})
    second = client.get(page_url(org_a), {"sort": "title", "page": 2})

    assert (len(first.context["articles"]), len(second.context["articles"])) == (50, 3)
    assert first.context["total"] == second.context["total"] == 53
    assert "Page 1 of 2" in first.content.decode()
    assert "sort=title&amp;page=2" in first.content.decode()  # the next page keeps the sort
    assert [a.title for a in second.context["articles"]] == ["Guide 50", "Guide 51", "Guide 52"]


# --- Safe Markdown


def body_block(response: Any) -> str:
    match = re.search(r'data-testid="knowledge-body">(.*?)</article>', response.content.decode(), re.S)
    assert match is not None
    return match.group(1)


def test_markdown_is_rendered_and_sanitised_on_the_page(org_a: OrgWorld) -> None:
    article = make_article(org_a, title="<script>alert('title')</script>", body=XSS_BODY)

    response = logged_in(org_a.users["viewer"]).get(page_url(org_a, f"{article.pk}/"))

    body = body_block(response).lower()
    assert "<h1>heading</h1>" in body
    assert '<a href="https://example.com/page" rel="noopener noreferrer nofollow">safe link</a>' in body
    assert '<img src="/static/css/diagram.png" alt="local">' in body
    for forbidden in ("<script", "onerror", "onclick", "onload", "onmouseover", "javascript:", "<iframe", "<svg",
                      "evil.example", "style="):  # fmt: skip
        assert forbidden not in body, forbidden
    assert "<script>alert(&#x27;title&#x27;)</script>" not in response.content.decode()


# --- Writing


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {"title": "New guide", "kind": "guide", "summary": "", "category": "Guides", "tags": "a, b，c",
            "project": "", "body": "Text", "published": "on"}  # fmt: skip
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", [k.value for k in Article.Kind])
def test_create_matrix(org_a: OrgWorld, org_b: OrgWorld, role: str, kind: str) -> None:
    before = knowledge_state(org_a, org_b)
    client = logged_in(org_a.users[role])

    response = client.post(page_url(org_a, "new/"), form_data(kind=kind, title=f"{kind} by {role}"))

    allowed = role in MANAGERS or (role in WRITERS and kind in {"lesson", "guide"})
    if allowed:
        assert response.status_code == 302
        with org_a.ctx():
            article = Article.objects.get(title=f"{kind} by {role}")
        assert response["Location"] == page_url(org_a, f"{article.pk}/")
        assert (article.kind, article.author, article.tags) == (kind, org_a.users[role], ["a", "b", "c"])
    else:
        assert response.status_code == (403 if role == "viewer" else 400)
        assert knowledge_state(org_a, org_b) == before


@pytest.mark.parametrize("role", ROLES)
def test_the_create_form_offers_only_writable_kinds(org_a: OrgWorld, role: str) -> None:
    response = logged_in(org_a.users[role]).get(page_url(org_a, "new/"))

    if role == "viewer":
        assert response.status_code == 403
        return
    offered = [value for value, _ in response.context["form"].fields["kind"].choices]
    assert offered == (list(Article.Kind.values) if role in MANAGERS else ["lesson", "guide"])


def test_a_project_the_writer_cannot_see_is_refused(org_a: OrgWorld, org_b: OrgWorld) -> None:
    before = knowledge_state(org_a, org_b)
    client = logged_in(org_a.users["member"])

    hidden = client.post(page_url(org_a, "new/"), form_data(project=org_a.projects[2].pk))
    foreign = client.post(page_url(org_a, "new/"), form_data(project=org_b.projects[0].pk))
    missing_title = client.post(page_url(org_a, "new/"), form_data(title=""))

    assert (hidden.status_code, foreign.status_code, missing_title.status_code) == (400, 400, 400)
    assert "project" in hidden.context["form"].errors
    assert "title" in missing_title.context["form"].errors
    assert knowledge_state(org_a, org_b) == before


@pytest.mark.parametrize("role", ROLES)
def test_edit_and_delete_matrix(lib: Library, role: str) -> None:
    client = logged_in(lib.world.users[role])

    for article in (lib.standard, lib.lesson, lib.guide):
        allowed = may_change(lib, role, article)
        before = article_rows(lib.world)
        edit_page = client.get(page_url(lib.world, f"{article.pk}/edit/"))
        edited = client.post(page_url(lib.world, f"{article.pk}/edit/"), form_data(kind=article.kind, title="Edited"))
        delete_page = client.get(page_url(lib.world, f"{article.pk}/delete/"))
        if allowed:
            assert (edit_page.status_code, edited.status_code, delete_page.status_code) == (200, 302, 200)
            with lib.world.ctx():
                assert Article.objects.get(pk=article.pk).title == "Edited"
        else:
            assert (edit_page.status_code, edited.status_code, delete_page.status_code) == (403, 403, 403)
            assert client.post(page_url(lib.world, f"{article.pk}/delete/")).status_code == 403
            assert article_rows(lib.world) == before


def test_the_author_deletes_their_guide(lib: Library) -> None:
    response = logged_in(lib.world.users["member"]).post(page_url(lib.world, f"{lib.guide.pk}/delete/"))

    assert response.status_code == 302
    assert response["Location"] == page_url(lib.world)
    with lib.world.ctx():
        assert not Article.objects.filter(pk=lib.guide.pk).exists()
        assert Article.objects.count() == 4


def test_a_writer_cannot_turn_their_guide_into_a_standard(lib: Library) -> None:
    before = article_rows(lib.world)

    response = logged_in(lib.world.users["member"]).post(
        page_url(lib.world, f"{lib.guide.pk}/edit/"), form_data(kind="standard")
    )

    assert response.status_code == 400
    assert "kind" in response.context["form"].errors
    assert article_rows(lib.world) == before


def test_someone_elses_draft_is_404_for_writing_too(lib: Library) -> None:
    before = article_rows(lib.world)
    client = logged_in(lib.world.users["manager"])

    assert client.get(page_url(lib.world, f"{lib.draft.pk}/edit/")).status_code == 404
    assert client.post(page_url(lib.world, f"{lib.draft.pk}/edit/"), form_data()).status_code == 404
    assert client.post(page_url(lib.world, f"{lib.draft.pk}/delete/")).status_code == 404
    assert article_rows(lib.world) == before


# --- Another organisation


def test_every_page_and_action_of_another_org_is_404_and_changes_nothing(lib: Library, org_b: OrgWorld) -> None:
    a = lib.world
    gets = ["", "new/", f"{lib.standard.pk}/", f"{lib.guide.pk}/edit/", f"{lib.guide.pk}/delete/"]
    posts = [("new/", form_data()), (f"{lib.guide.pk}/edit/", form_data()), (f"{lib.guide.pk}/delete/", {})]
    before = knowledge_state(a, org_b)

    for role in ROLES:
        client = logged_in(org_b.users[role])
        for page in gets:
            assert client.get(page_url(a, page)).status_code == 404, (role, page)
        for page, data in posts:
            assert client.post(page_url(a, page), data).status_code == 404, (role, page)

    assert knowledge_state(a, org_b) == before


def test_another_orgs_article_through_my_org_is_404(lib: Library, org_b: OrgWorld) -> None:
    theirs = make_article(org_b, "member", title="Beta guide")
    before = knowledge_state(lib.world, org_b)
    client = logged_in(lib.world.users["admin"])

    assert client.get(page_url(lib.world, f"{theirs.pk}/")).status_code == 404
    assert client.post(page_url(lib.world, f"{theirs.pk}/edit/"), form_data()).status_code == 404
    assert client.post(page_url(lib.world, f"{theirs.pk}/delete/")).status_code == 404
    assert knowledge_state(lib.world, org_b) == before


@pytest.mark.parametrize("page", ["", "new/", "1/", "1/edit/"])
def test_anonymous_is_sent_to_login(org_a: OrgWorld, page: str) -> None:
    response = Client().get(page_url(org_a, page))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_navigation_has_the_knowledge_entry_before_members(org_a: OrgWorld) -> None:
    content = logged_in(org_a.users["viewer"]).get(page_url(org_a)).content.decode()
    keys = re.findall(r'data-testid="nav-(\w+)"', content)

    assert "knowledge" in keys
    assert 'class="active" data-testid="nav-knowledge"' in content
    member_keys = re.findall(
        r'data-testid="nav-(\w+)"', logged_in(org_a.users["member"]).get(page_url(org_a)).content.decode()
    )
    assert member_keys.index("knowledge") == member_keys.index("members") - 1


# --- Query counts


def add_articles(world: OrgWorld, count: int) -> None:
    """``count`` published lessons, each linked to its own project (readable by the member) with tags."""
    for i in range(count):
        project = ProjectFactory(organization=world.organization, code=f"K-{i:03d}")
        with world.ctx():
            object_permissions_grant(
                organization=world.organization,
                obj=project,
                user=world.users["member"],
                codenames=[project_permissions.VIEW_CODENAME],
            )
        make_article(world, "manager", kind="lesson", title=f"Lesson {i}", tags=[f"t{i}", "common"], project=project)


@pytest.mark.parametrize("role", ["admin", "member"])
@pytest.mark.parametrize("extra", [0, 15])
@pytest.mark.parametrize("params", [{}, {"q": "lesson"}])
def test_list_query_count_does_not_grow_with_rows(
    lib: Library, django_assert_max_num_queries: Any, role: str, extra: int, params: dict[str, str]
) -> None:
    add_articles(lib.world, extra)
    client = logged_in(lib.world.users[role])

    # 10 for the session, tenant and navigation; 6 for the page: count, rows, kinds, categories, tags, projects.
    with django_assert_max_num_queries(17):
        response = client.get(page_url(lib.world), params)

    assert response.status_code == 200
    rows = response.context["articles"]
    assert len(rows) >= extra
    assert len(response.context["visible_projects"]) == extra + 1
