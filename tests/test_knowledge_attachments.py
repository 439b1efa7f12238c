"""Attachments: what is accepted (size, type, content), where it is stored, who uploads, downloads and deletes,
and that another organisation gets 404 with nothing changed — through the API and the article page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from projects.knowledge.models import Attachment
from projects.knowledge.services import attachment_create
from tests.conftest import ROLES, OrgWorld
from tests.test_knowledge_support import (
    JPG,
    PDF,
    PNG,
    VALID_FILES,
    Library,
    api_url,
    attachment_rows,
    build_library,
    knowledge_state,
    logged_in,
    make_article,
    office_file,
    page_url,
    upload,
)
from tests.test_knowledge_web import MANAGERS, may_change

ApiClientFactory = Callable[[Any], APIClient]
RANDOM_NAME = r"[0-9a-f]{32}"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def lib(org_a: OrgWorld, media: Path) -> Library:
    return build_library(org_a)


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file())


def attach(world: OrgWorld, article: Any, name: str = "report.pdf", content: bytes = PDF, role: str = "pmo") -> Any:
    with world.ctx():
        return attachment_create(
            organization=world.organization, actor=world.users[role], article=article, upload=upload(name, content)
        )


def files_url(world: OrgWorld, article: Any, rest: str = "") -> str:
    return api_url(world, f"{article.pk}/attachments/{rest}")


# --- What is accepted, and where it goes


@pytest.mark.parametrize("name", list(VALID_FILES))
def test_every_accepted_type_is_stored_under_the_org_with_a_random_name(
    lib: Library, media: Path, api_client: ApiClientFactory, name: str
) -> None:
    response = api_client(lib.world.users["pmo"]).post(
        files_url(lib.world, lib.standard), {"file": upload(name, VALID_FILES[name])}, format="multipart"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["size"]) == (name, len(VALID_FILES[name]))
    [stored] = stored_files(media)
    relative = stored.relative_to(media).as_posix()
    suffix = "." + name.rsplit(".", 1)[1]
    assert relative.startswith(f"org-{lib.world.organization.pk}/knowledge/")
    assert re.fullmatch(rf"org-\d+/knowledge/{RANDOM_NAME}{suffix}", relative)
    assert name.rsplit(".", 1)[0] not in relative
    assert stored.read_bytes() == VALID_FILES[name]
    with lib.world.ctx():
        row = Attachment.objects.get(pk=body["id"])
    assert (row.file.name, row.original_name, row.uploaded_by) == (relative, name, lib.world.users["pmo"])


def test_the_client_name_is_reduced_to_a_clean_file_name(lib: Library, api_client: ApiClientFactory) -> None:
    response = api_client(lib.world.users["pmo"]).post(
        files_url(lib.world, lib.standard), {"file": upload("..\\..\\etc/风险\x07 报告.pdf", PDF)}, format="multipart"
    )

    assert response.json()["name"] == "风险 报告.pdf"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("program.exe", b"MZ\x90\x00"),
        ("page.html", b"<script>alert(1)</script>"),
        ("drawing.svg", b"<svg onload='alert(1)'/>"),
        ("archive.zip", office_file("word/")),
        ("no-extension", PDF),
        ("fake.pdf", b"<html><script>alert(1)</script></html>"),
        ("fake.png", JPG),
        ("fake.jpg", PNG),
        ("not-office.docx", b"PK\x03\x04 but not really a zip"),
        ("wrong-app.xlsx", office_file("word/")),
        ("binary.txt", b"text\x00with a NUL"),
        ("empty.pdf", b""),
    ],
)
def test_refused_types_are_400_and_nothing_is_stored(
    lib: Library, media: Path, api_client: ApiClientFactory, name: str, content: bytes
) -> None:
    before = knowledge_state(lib.world)

    api = api_client(lib.world.users["pmo"]).post(
        files_url(lib.world, lib.standard), {"file": upload(name, content, "application/pdf")}, format="multipart"
    )
    page = logged_in(lib.world.users["pmo"]).post(
        page_url(lib.world, f"{lib.standard.pk}/attachments/"), {"file": upload(name, content)}
    )

    assert api.status_code == 400
    assert list(api.json()) == ["file"]
    assert page.status_code == 400
    assert page.context["attachment_form"].errors["file"]
    assert knowledge_state(lib.world) == before
    assert stored_files(media) == []


def test_a_file_over_the_size_limit_is_400_and_nothing_is_stored(
    lib: Library, media: Path, settings: Any, api_client: ApiClientFactory
) -> None:
    settings.KNOWLEDGE_MAX_ATTACHMENT_BYTES = 1024
    before = knowledge_state(lib.world)
    too_big = PDF + b"0" * (1025 - len(PDF))
    just_right = PDF + b"0" * (1024 - len(PDF))
    client = api_client(lib.world.users["pmo"])

    refused = client.post(files_url(lib.world, lib.standard), {"file": upload("big.pdf", too_big)}, format="multipart")
    page = logged_in(lib.world.users["pmo"]).post(
        page_url(lib.world, f"{lib.standard.pk}/attachments/"), {"file": upload("big.pdf", too_big)}
    )

    assert refused.status_code == page.status_code == 400
    assert refused.json() == {"file": ["The file is larger than the limit of 1.0\xa0KB."]}
    assert knowledge_state(lib.world) == before
    assert stored_files(media) == []
    accepted = client.post(
        files_url(lib.world, lib.standard), {"file": upload("ok.pdf", just_right)}, format="multipart"
    )
    assert accepted.status_code == 201


def test_the_default_limit_is_ten_megabytes(settings: Any) -> None:
    assert settings.KNOWLEDGE_MAX_ATTACHMENT_BYTES == 10 * 1024 * 1024


def test_a_request_without_a_file_is_400(lib: Library, api_client: ApiClientFactory) -> None:
    response = api_client(lib.world.users["pmo"]).post(files_url(lib.world, lib.standard), {}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()


# --- Who uploads


@pytest.mark.parametrize("role", ROLES)
def test_upload_matrix(lib: Library, media: Path, api_client: ApiClientFactory, role: str) -> None:
    client = api_client(lib.world.users[role])
    web = logged_in(lib.world.users[role])

    for article in (lib.standard, lib.lesson, lib.guide):
        before = attachment_rows(lib.world)
        api = client.post(files_url(lib.world, article), {"file": upload("a.pdf", PDF)}, format="multipart")
        page = web.post(page_url(lib.world, f"{article.pk}/attachments/"), {"file": upload("b.pdf", PDF)})
        if may_change(lib, role, article):
            assert (api.status_code, page.status_code) == (201, 302), (role, article.title)
            assert len(attachment_rows(lib.world)) == len(before) + 2
        else:
            assert (api.status_code, page.status_code) == (403, 403), (role, article.title)
            assert attachment_rows(lib.world) == before
    assert len(stored_files(media)) == len(attachment_rows(lib.world))


# --- Who downloads


@pytest.mark.parametrize("role", ROLES)
def test_download_matrix(lib: Library, api_client: ApiClientFactory, role: str) -> None:
    published = attach(lib.world, lib.standard, "风险 报告.pdf")
    draft = attach(lib.world, lib.draft, "draft.pdf", role="member")
    client = api_client(lib.world.users[role])
    web = logged_in(lib.world.users[role])

    api = client.get(files_url(lib.world, lib.standard, f"{published.pk}/download/"))
    page = web.get(page_url(lib.world, f"{lib.standard.pk}/attachments/{published.pk}/"))
    hidden_api = client.get(files_url(lib.world, lib.draft, f"{draft.pk}/download/"))
    hidden_page = web.get(page_url(lib.world, f"{lib.draft.pk}/attachments/{draft.pk}/"))

    for response in (api, page):
        assert response.status_code == 200
        assert response.getvalue() == PDF
        assert response["Content-Type"] == "application/pdf"
        assert (
            response["Content-Disposition"]
            == "attachment; filename*=utf-8''%E9%A3%8E%E9%99%A9%20%E6%8A%A5%E5%91%8A.pdf"
        )
        assert response["X-Content-Type-Options"] == "nosniff"
    may_read_draft = role in MANAGERS or role == "member"
    assert hidden_api.status_code == hidden_page.status_code == (200 if may_read_draft else 404)


def test_an_attachment_is_found_only_through_its_own_article(lib: Library, api_client: ApiClientFactory) -> None:
    on_draft = attach(lib.world, lib.draft, role="member")
    client = api_client(lib.world.users["viewer"])

    # The viewer may read the standard, but the file belongs to a draft they cannot see.
    assert client.get(files_url(lib.world, lib.standard, f"{on_draft.pk}/download/")).status_code == 404
    assert client.get(files_url(lib.world, lib.standard, f"{on_draft.pk}/")).status_code == 404
    web = logged_in(lib.world.users["viewer"])
    assert web.get(page_url(lib.world, f"{lib.standard.pk}/attachments/{on_draft.pk}/")).status_code == 404


def test_list_shows_the_articles_attachments(lib: Library, api_client: ApiClientFactory) -> None:
    first = attach(lib.world, lib.standard, "a.pdf")
    second = attach(lib.world, lib.standard, "b.png", PNG)
    attach(lib.world, lib.lesson, "other.pdf")

    response = api_client(lib.world.users["viewer"]).get(files_url(lib.world, lib.standard))
    by_name = api_client(lib.world.users["viewer"]).get(files_url(lib.world, lib.standard), {"ordering": "-name"})

    files = response.json()["results"]
    assert response.json()["count"] == 2
    assert [(f["id"], f["name"], f["content_type"]) for f in files] == [
        (first.pk, "a.pdf", "application/pdf"),
        (second.pk, "b.png", "image/png"),
    ]
    assert files[0]["download_url"] == files_url(lib.world, lib.standard, f"{first.pk}/download/")
    assert [f["name"] for f in by_name.json()["results"]] == ["b.png", "a.pdf"]
    detail = api_client(lib.world.users["viewer"]).get(api_url(lib.world, f"{lib.standard.pk}/")).json()
    assert [f["name"] for f in detail["attachments"]] == ["a.pdf", "b.png"]
    assert detail["attachment_count"] == 2


def test_a_missing_stored_file_is_404(lib: Library, media: Path, api_client: ApiClientFactory) -> None:
    attachment = attach(lib.world, lib.standard)
    (media / attachment.file.name).unlink()

    response = api_client(lib.world.users["viewer"]).get(
        files_url(lib.world, lib.standard, f"{attachment.pk}/download/")
    )

    assert response.status_code == 404


# --- Who deletes


@pytest.mark.parametrize("role", ROLES)
def test_delete_matrix(
    lib: Library, media: Path, api_client: ApiClientFactory, django_capture_on_commit_callbacks: Any, role: str
) -> None:
    client = api_client(lib.world.users[role])
    web = logged_in(lib.world.users[role])

    for article in (lib.standard, lib.lesson, lib.guide):
        by_api = attach(lib.world, article, "a.pdf")
        by_page = attach(lib.world, article, "b.pdf")
        before = attachment_rows(lib.world)
        with django_capture_on_commit_callbacks(execute=True):
            api = client.delete(files_url(lib.world, article, f"{by_api.pk}/"))
            page = web.post(page_url(lib.world, f"{article.pk}/attachments/{by_page.pk}/delete/"))
        if may_change(lib, role, article):
            assert (api.status_code, page.status_code) == (204, 302)
            assert {row[0] for row in attachment_rows(lib.world)}.isdisjoint({by_api.pk, by_page.pk})
            assert not (media / by_api.file.name).exists()
            assert not (media / by_page.file.name).exists()
        else:
            assert (api.status_code, page.status_code) == (403, 403)
            assert attachment_rows(lib.world) == before
            assert (media / by_api.file.name).exists()


def test_deleting_an_article_removes_its_files_after_commit(
    lib: Library, media: Path, api_client: ApiClientFactory, django_capture_on_commit_callbacks: Any
) -> None:
    kept = attach(lib.world, lib.standard)
    gone = [attach(lib.world, lib.guide, "a.pdf", role="member"), attach(lib.world, lib.guide, "b.png", PNG)]

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(lib.world.users["member"]).delete(api_url(lib.world, f"{lib.guide.pk}/"))

    assert response.status_code == 204
    assert [row[0] for row in attachment_rows(lib.world)] == [kept.pk]
    assert stored_files(media) == [media / kept.file.name]
    assert all(not (media / a.file.name).exists() for a in gone)


# --- Another organisation


@pytest.mark.parametrize("role", ROLES)
def test_every_attachment_endpoint_of_another_org_is_404_and_changes_nothing(
    lib: Library, org_b: OrgWorld, media: Path, api_client: ApiClientFactory, role: str
) -> None:
    a = lib.world
    attachment = attach(a, lib.standard)
    before = (knowledge_state(a, org_b), stored_files(media))
    client = api_client(org_b.users[role])
    web = logged_in(org_b.users[role])

    responses = [
        client.get(files_url(a, lib.standard)),
        client.get(files_url(a, lib.standard, f"{attachment.pk}/")),
        client.get(files_url(a, lib.standard, f"{attachment.pk}/download/")),
        client.post(files_url(a, lib.standard), {"file": upload("x.pdf", PDF)}, format="multipart"),
        client.delete(files_url(a, lib.standard, f"{attachment.pk}/")),
        web.get(page_url(a, f"{lib.standard.pk}/attachments/{attachment.pk}/")),
        web.post(page_url(a, f"{lib.standard.pk}/attachments/"), {"file": upload("x.pdf", PDF)}),
        web.post(page_url(a, f"{lib.standard.pk}/attachments/{attachment.pk}/delete/")),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert (knowledge_state(a, org_b), stored_files(media)) == before


def test_another_orgs_file_through_my_org_is_404(
    lib: Library, org_b: OrgWorld, media: Path, api_client: ApiClientFactory
) -> None:
    theirs = make_article(org_b, title="Beta standard")
    their_file = attach(org_b, theirs)
    before = (knowledge_state(lib.world, org_b), stored_files(media))
    client = api_client(lib.world.users["admin"])
    web = logged_in(lib.world.users["admin"])

    assert client.get(files_url(lib.world, theirs, f"{their_file.pk}/download/")).status_code == 404
    assert client.get(files_url(lib.world, lib.standard, f"{their_file.pk}/download/")).status_code == 404
    assert client.delete(files_url(lib.world, lib.standard, f"{their_file.pk}/")).status_code == 404
    assert web.get(page_url(lib.world, f"{theirs.pk}/attachments/{their_file.pk}/")).status_code == 404
    assert web.post(page_url(lib.world, f"{lib.standard.pk}/attachments/{their_file.pk}/delete/")).status_code == 404
    assert (knowledge_state(lib.world, org_b), stored_files(media)) == before
    assert their_file.file.name.startswith(f"org-{org_b.organization.pk}/knowledge/")
