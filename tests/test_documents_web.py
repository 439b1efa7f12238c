"""The Documents tab of a project: who reads, downloads, adds and deletes (every role, and another organisation:
404 with nothing changed), what is refused (type, size, content, file and link together or neither, a
``javascript:`` link: 400 next to the field, nothing stored), an archived project refuses writes (409), and the
list filters, sorts, pages and explains itself when empty."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from projects.documents.models import ProjectDocument
from projects.documents.services import document_create
from projects.models import Project, ProjectPhase
from tests.conftest import ROLES, OrgWorld
from tests.test_knowledge_support import PDF, PNG, upload

# projects[0] of a world: run by the manager, readable by the member; the viewer may not see it.
READERS = frozenset({"admin", "pmo", "executive", "manager", "member"})
WRITERS = frozenset({"admin", "pmo", "manager"})


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file())


def tab_url(world: OrgWorld, project: Project | None = None, rest: str = "") -> str:
    project = project or world.projects[0]
    return f"/o/{world.slug}/projects/{project.pk}/documents/{rest}"


def add_file(world: OrgWorld, title: str = "Project plan", name: str = "plan.pdf", **fields: Any) -> ProjectDocument:
    with world.ctx():
        return document_create(
            organization=world.organization,
            actor=world.users["manager"],
            project=world.projects[0],
            title=title,
            upload=upload(name, PDF),
            **fields,
        )


def add_link(world: OrgWorld, title: str = "Requirements wiki", **fields: Any) -> ProjectDocument:
    with world.ctx():
        return document_create(
            organization=world.organization,
            actor=world.users["pmo"],
            project=world.projects[0],
            title=title,
            url="https://wiki.example.com/req",
            **fields,
        )


def document_rows(*worlds: OrgWorld) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for world in worlds:
        with world.ctx():
            rows += list(ProjectDocument.objects.order_by("pk").values_list("pk", "project_id", "title", "file", "url"))
    return rows


def archive(world: OrgWorld, project: Project) -> None:
    with world.ctx():
        Project.objects.filter(organization=world.organization, pk=project.pk).update(status=Project.Status.CANCELLED)


# --- Reading ------------------------------------------------------------------------------------------------------


def test_who_reads_the_tab_and_downloads_a_file(org_a: OrgWorld, org_b: OrgWorld, media: Path) -> None:
    document = add_file(org_a)
    download = tab_url(org_a, rest=f"{document.pk}/download/")

    for role in ROLES:
        client = logged_in(org_a.users[role])
        page, file = client.get(tab_url(org_a)), client.get(download)
        expected = 200 if role in READERS else 404
        assert (page.status_code, file.status_code) == (expected, expected), role
        if role in READERS:
            assert "Project plan" in page.content.decode()
            assert b"".join(file.streaming_content) == PDF
            assert file["Content-Type"] == "application/pdf"
            assert file["Content-Disposition"].startswith("attachment;")
            assert file["X-Content-Type-Options"] == "nosniff"
    for role in ROLES:
        client = logged_in(org_b.users[role])
        assert client.get(tab_url(org_a)).status_code == 404, role
        assert client.get(download).status_code == 404, role


def test_a_document_of_another_project_or_organisation_is_404_through_this_project(
    org_a: OrgWorld, org_b: OrgWorld, media: Path
) -> None:
    document = add_file(org_a)
    with org_b.ctx():
        foreign = document_create(
            organization=org_b.organization,
            actor=org_b.users["pmo"],
            project=org_b.projects[0],
            title="Foreign",
            upload=upload("x.pdf", PDF),
        )
    client = logged_in(org_a.users["pmo"])

    assert client.get(tab_url(org_a, org_a.projects[1], f"{document.pk}/download/")).status_code == 404
    assert client.get(tab_url(org_a, rest=f"{foreign.pk}/download/")).status_code == 404
    assert client.get(tab_url(org_a, rest=f"{foreign.pk}/delete/")).status_code == 404


def test_a_link_has_nothing_to_download_and_opens_safely(org_a: OrgWorld, media: Path) -> None:
    link = add_link(org_a)
    client = logged_in(org_a.users["member"])

    page = client.get(tab_url(org_a)).content.decode()

    assert client.get(tab_url(org_a, rest=f"{link.pk}/download/")).status_code == 404
    assert 'href="https://wiki.example.com/req" rel="noopener noreferrer nofollow"' in page


def test_the_empty_tab_says_what_to_do(org_a: OrgWorld) -> None:
    manager = logged_in(org_a.users["manager"]).get(tab_url(org_a)).content.decode()
    member = logged_in(org_a.users["member"]).get(tab_url(org_a)).content.decode()

    assert "No documents yet." in manager and "Upload the project" in manager
    assert 'data-testid="document-form"' in manager
    assert "No documents yet." in member and "when the project team adds them" in member
    assert 'data-testid="document-form"' not in member


def test_the_list_filters_by_kind_and_phase_sorts_and_pages(
    org_a: OrgWorld, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with org_a.ctx():
        phase = ProjectPhase.objects.create(
            organization=org_a.organization, project=org_a.projects[0], order=1, key="plan", name="Planning"
        )
    add_file(org_a, "Beta plan", kind="plan", phase=phase)
    add_link(org_a, "Alpha contract", kind="contract")
    add_link(org_a, "Gamma minutes", kind="minutes")
    client = logged_in(org_a.users["member"])

    def titles(**query: Any) -> list[str]:
        response = client.get(tab_url(org_a), query)
        assert response.status_code == 200
        return [d.title for d in response.context["documents"]]

    assert titles() == ["Gamma minutes", "Alpha contract", "Beta plan"]  # newest first
    assert titles(sort="title") == ["Alpha contract", "Beta plan", "Gamma minutes"]
    assert titles(sort="-title") == ["Gamma minutes", "Beta plan", "Alpha contract"]
    assert titles(kind="contract") == ["Alpha contract"]
    assert titles(phase=phase.pk) == ["Beta plan"]
    assert titles(kind="nonsense", phase="x") == ["Gamma minutes", "Alpha contract", "Beta plan"]
    assert "No document matches these filters." in client.get(tab_url(org_a), {"kind": "design"}).content.decode()

    monkeypatch.setattr("projects.documents.views.PAGE_SIZE", 2)
    first, second = client.get(tab_url(org_a)), client.get(tab_url(org_a), {"page": 2})
    assert len(first.context["documents"]) == 2 and len(second.context["documents"]) == 1
    assert "Page 1 of 2" in first.content.decode()


# --- Writing ------------------------------------------------------------------------------------------------------


def test_who_adds_a_file_and_a_link(org_a: OrgWorld, org_b: OrgWorld, media: Path) -> None:
    for role in ROLES:
        before = document_rows(org_a, org_b)
        client = logged_in(org_a.users[role])
        file = client.post(tab_url(org_a), {"title": f"File {role}", "kind": "plan", "file": upload("a.pdf", PDF)})
        link = client.post(tab_url(org_a), {"title": f"Link {role}", "kind": "design", "url": "https://x.example/"})
        if role in WRITERS:
            assert (file.status_code, link.status_code) == (302, 302), role
            with org_a.ctx():
                added = ProjectDocument.objects.filter(title__in=[f"File {role}", f"Link {role}"])
                assert {(d.kind, d.uploaded_by_id, d.is_link) for d in added} == {
                    ("plan", org_a.users[role].pk, False),
                    ("design", org_a.users[role].pk, True),
                }
        else:
            assert (file.status_code, link.status_code) == ((403, 403) if role in READERS else (404, 404)), role
            assert document_rows(org_a, org_b) == before
    files_before = stored_files(media)
    before = document_rows(org_a, org_b)
    for role in ROLES:
        response = logged_in(org_b.users[role]).post(tab_url(org_a), {"title": "x", "file": upload("b.pdf", PDF)})
        assert response.status_code == 404, role
    assert document_rows(org_a, org_b) == before
    assert stored_files(media) == files_before


def test_the_file_is_stored_under_a_random_name_with_the_checked_type(org_a: OrgWorld, media: Path) -> None:
    response = logged_in(org_a.users["manager"]).post(
        tab_url(org_a), {"title": "Photo", "file": upload("../../evil.png", PNG, "text/html")}
    )

    assert response.status_code == 302, response.context["document_form"].errors
    with org_a.ctx():
        document = ProjectDocument.objects.get(title="Photo")
    assert document.original_name == "evil.png"
    assert document.content_type == "image/png"
    assert document.file.name.startswith(f"org-{org_a.organization.pk}/documents/")
    assert [p.name for p in stored_files(media)] == [Path(document.file.name).name]


BAD_INPUT = {
    "a type that is not accepted": ({"title": "x", "file": ("tool.exe", b"MZ\x90\x00")}, "file", "not accepted"),
    "content that is not its type": ({"title": "x", "file": ("fake.pdf", b"<html>")}, "file", "does not match"),
    "an empty file": ({"title": "x", "file": ("empty.pdf", b"")}, "file", "empty"),
    "a file too large": ({"title": "x", "file": ("big.pdf", PDF + b"0" * 200)}, "file", "larger than"),
    "both a file and a link": (
        {"title": "x", "file": ("a.pdf", PDF), "url": "https://x.example/"},
        "url",
        "not both",
    ),
    "neither a file nor a link": ({"title": "x"}, "file", "Upload a file or give a link"),
    "a javascript: link": ({"title": "x", "url": "javascript:alert(1)"}, "url", "http:// or https://"),
    "a data: link": ({"title": "x", "url": "data:text/html,<script>"}, "url", "http:// or https://"),
    "no title": ({"title": " ", "url": "https://x.example/"}, "title", ""),
}


def _post_data(values: dict[str, Any]) -> dict[str, Any]:
    data = dict(values)
    if "file" in data:
        name, content = data["file"]
        data["file"] = upload(name, content)
    return data


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_explained_next_to_the_field_and_stores_nothing(
    org_a: OrgWorld, media: Path, settings: Any, case: str
) -> None:
    settings.KNOWLEDGE_MAX_ATTACHMENT_BYTES = 100
    values, field, message = BAD_INPUT[case]
    before = document_rows(org_a)

    response = logged_in(org_a.users["manager"]).post(tab_url(org_a), _post_data(values))

    assert response.status_code == 400
    form = response.context["document_form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    assert document_rows(org_a) == before
    assert stored_files(media) == []


def test_delete_asks_first_then_removes_the_row_and_the_file(org_a: OrgWorld, media: Path) -> None:
    document = add_file(org_a)
    url = tab_url(org_a, rest=f"{document.pk}/delete/")
    manager = logged_in(org_a.users["manager"])

    confirm = manager.get(url)
    assert confirm.status_code == 200
    assert 'data-testid="document-delete-confirm"' in confirm.content.decode()
    assert len(stored_files(media)) == 1

    response = manager.post(url)

    assert response.status_code == 302
    assert response["Location"] == tab_url(org_a)
    assert document_rows(org_a) == []


@pytest.mark.django_db(transaction=True)
def test_the_file_goes_once_the_delete_commits(org_a: OrgWorld, media: Path) -> None:
    document = add_file(org_a)
    assert len(stored_files(media)) == 1

    logged_in(org_a.users["manager"]).post(tab_url(org_a, rest=f"{document.pk}/delete/"))

    assert stored_files(media) == []


def test_who_may_delete(org_a: OrgWorld, org_b: OrgWorld, media: Path) -> None:
    for role in ROLES:
        document = add_file(org_a, f"Doc {role}")
        before = document_rows(org_a, org_b)
        client = logged_in(org_a.users[role])
        confirm, delete = client.get(tab_url(org_a, rest=f"{document.pk}/delete/")), None
        for other in ROLES:
            other_client = logged_in(org_b.users[other])
            assert other_client.post(tab_url(org_a, rest=f"{document.pk}/delete/")).status_code == 404
            assert other_client.get(tab_url(org_a, rest=f"{document.pk}/delete/")).status_code == 404
        assert document_rows(org_a, org_b) == before
        delete = client.post(tab_url(org_a, rest=f"{document.pk}/delete/"))
        if role in WRITERS:
            assert (confirm.status_code, delete.status_code) == (200, 302), role
            assert document.pk not in [row[0] for row in document_rows(org_a)]
        else:
            expected = 403 if role in READERS else 404
            assert (confirm.status_code, delete.status_code) == (expected, expected), role
            assert document_rows(org_a, org_b) == before


def test_an_archived_project_lists_its_documents_but_refuses_changes(org_a: OrgWorld, media: Path) -> None:
    document = add_file(org_a)
    archive(org_a, org_a.projects[0])
    before = document_rows(org_a)
    pmo = logged_in(org_a.users["pmo"])

    page = pmo.get(tab_url(org_a))
    add = pmo.post(tab_url(org_a), {"title": "Late", "url": "https://x.example/"})
    delete = pmo.post(tab_url(org_a, rest=f"{document.pk}/delete/"))

    assert page.status_code == 200
    assert "Project plan" in page.content.decode()
    assert 'data-testid="document-form"' not in page.content.decode()
    assert 'data-testid="document-delete"' not in page.content.decode()
    assert (add.status_code, delete.status_code) == (409, 409)
    assert "read-only" in add.content.decode()
    assert document_rows(org_a) == before
    assert len(stored_files(media)) == 1
