"""``/api/v1/orgs/<org>/projects/<id>/documents/``: the permission matrix over the six roles, another organisation
(404, nothing changed), bad input (400, nothing stored), an archived project (409), and the same number of queries
with few or many documents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.conftest import ROLES, OrgWorld
from tests.test_documents_web import (
    READERS,
    WRITERS,
    add_file,
    add_link,
    archive,
    document_rows,
    stored_files,
)
from tests.test_knowledge_support import PDF, upload

ApiClientFactory = Callable[[Any], APIClient]


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def api_url(world: OrgWorld, rest: str = "", project: Any = None) -> str:
    project = project or world.projects[0]
    return f"/api/v1/orgs/{world.slug}/projects/{project.pk}/documents/{rest}"


def test_who_lists_reads_and_downloads(
    org_a: OrgWorld, org_b: OrgWorld, media: Path, api_client: ApiClientFactory
) -> None:
    document, link = add_file(org_a), add_link(org_a)

    for role in ROLES:
        client = api_client(org_a.users[role])
        listing = client.get(api_url(org_a))
        one = client.get(api_url(org_a, f"{document.pk}/"))
        file = client.get(api_url(org_a, f"{document.pk}/download/"))
        expected = 200 if role in READERS else 404
        assert (listing.status_code, one.status_code, file.status_code) == (expected,) * 3, role
        if role in READERS:
            rows = {row["id"]: row for row in listing.json()["results"]}
            assert rows[link.pk]["is_link"] and rows[link.pk]["download_url"] is None
            assert rows[document.pk]["download_url"].endswith(f"/documents/{document.pk}/download/")
            assert rows[document.pk]["file_name"] == "plan.pdf"
            assert b"".join(file.streaming_content) == PDF
        assert client.get(api_url(org_a, f"{link.pk}/download/")).status_code == 404
    for role in ROLES:
        client = api_client(org_b.users[role])
        assert client.get(api_url(org_a)).status_code == 404
        assert client.get(api_url(org_a, f"{document.pk}/download/")).status_code == 404


def test_the_list_filters_and_sorts(org_a: OrgWorld, media: Path, api_client: ApiClientFactory) -> None:
    add_file(org_a, "B plan", kind="plan")
    add_link(org_a, "A contract", kind="contract")
    client = api_client(org_a.users["member"])

    by_title = client.get(api_url(org_a), {"ordering": "title"}).json()["results"]
    newest = client.get(api_url(org_a)).json()["results"]
    contracts = client.get(api_url(org_a), {"kind": "contract"}).json()["results"]
    wrong_kind = client.get(api_url(org_a), {"kind": "nope"})
    wrong_sort = client.get(api_url(org_a), {"ordering": "size"})

    assert [d["title"] for d in by_title] == ["A contract", "B plan"]
    assert [d["title"] for d in newest] == ["A contract", "B plan"]  # the newest first
    assert [d["title"] for d in contracts] == ["A contract"]
    assert wrong_kind.status_code == 400 and set(wrong_kind.json()) == {"kind"}
    assert wrong_sort.status_code == 400 and set(wrong_sort.json()) == {"ordering"}


def test_who_adds_and_deletes(org_a: OrgWorld, org_b: OrgWorld, media: Path, api_client: ApiClientFactory) -> None:
    for role in ROLES:
        client = api_client(org_a.users[role])
        before = document_rows(org_a, org_b)
        created = client.post(api_url(org_a), {"title": f"T {role}", "url": "https://x.example/a"}, format="json")
        uploaded = client.post(
            api_url(org_a), {"title": f"F {role}", "kind": "plan", "file": upload("a.pdf", PDF)}, format="multipart"
        )
        if role in WRITERS:
            assert (created.status_code, uploaded.status_code) == (201, 201), role
            assert uploaded.json()["kind"] == "plan" and uploaded.json()["uploaded_by"]["id"] == org_a.users[role].pk
            deleted = client.delete(api_url(org_a, f"{created.json()['id']}/"))
            assert deleted.status_code == 204
        else:
            expected = 403 if role in READERS else 404
            assert (created.status_code, uploaded.status_code) == (expected, expected), role
            assert document_rows(org_a, org_b) == before
    document = add_file(org_a, "Keep")
    before, files = document_rows(org_a, org_b), stored_files(media)
    for role in ROLES:
        client = api_client(org_b.users[role])
        assert (
            client.post(api_url(org_a), {"title": "x", "url": "https://x.example/"}, format="json").status_code == 404
        )
        assert client.delete(api_url(org_a, f"{document.pk}/")).status_code == 404
    for role in ("executive", "member"):
        assert api_client(org_a.users[role]).delete(api_url(org_a, f"{document.pk}/")).status_code == 403
    assert document_rows(org_a, org_b) == before
    assert stored_files(media) == files


BAD: dict[str, tuple[dict[str, Any], str]] = {
    "type": ({"title": "x", "file": ("tool.exe", b"MZ")}, "file"),
    "size": ({"title": "x", "file": ("big.pdf", PDF + b"0" * 200)}, "file"),
    "content": ({"title": "x", "file": ("fake.pdf", b"<html>")}, "file"),
    "both": ({"title": "x", "file": ("a.pdf", PDF), "url": "https://x.example/"}, "file"),
    "neither": ({"title": "x"}, "file"),
    "javascript": ({"title": "x", "url": "javascript:alert(1)"}, "url"),
    "ftp": ({"title": "x", "url": "ftp://x.example/a"}, "url"),
    "phase of another project": ({"title": "x", "url": "https://x.example/", "phase": 999999}, "phase"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_400_and_stores_nothing(
    org_a: OrgWorld, media: Path, settings: Any, api_client: ApiClientFactory, case: str
) -> None:
    settings.KNOWLEDGE_MAX_ATTACHMENT_BYTES = 100
    values, field = BAD[case]
    data = dict(values)
    if "file" in data:
        name, content = data["file"]
        data["file"] = upload(name, content)

    response = api_client(org_a.users["manager"]).post(api_url(org_a), data, format="multipart")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert document_rows(org_a) == []
    assert stored_files(media) == []


def test_an_archived_project_refuses_writes_with_409(
    org_a: OrgWorld, media: Path, api_client: ApiClientFactory
) -> None:
    document = add_file(org_a)
    archive(org_a, org_a.projects[0])
    before = document_rows(org_a)
    client = api_client(org_a.users["pmo"])

    created = client.post(api_url(org_a), {"title": "x", "url": "https://x.example/"}, format="json")
    deleted = client.delete(api_url(org_a, f"{document.pk}/"))

    assert (created.status_code, deleted.status_code) == (409, 409)
    assert "read-only" in created.json()["detail"]
    assert client.get(api_url(org_a)).status_code == 200
    assert document_rows(org_a) == before


@pytest.mark.parametrize("count", [1, 15])
def test_the_list_runs_the_same_queries_with_few_or_many(
    org_a: OrgWorld, media: Path, api_client: ApiClientFactory, django_assert_max_num_queries: Any, count: int
) -> None:
    for i in range(count):
        add_link(org_a, f"Doc {i}")
    client = api_client(org_a.users["manager"])
    client.get(api_url(org_a))

    with django_assert_max_num_queries(10):
        response = client.get(api_url(org_a))

    assert len(response.json()["results"]) == count
