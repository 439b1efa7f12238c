"""Uploaded files (knowledge attachments, project documents) beyond what their own tests cover: no public URL reaches
MEDIA_ROOT, an anonymous caller is sent to log in (API: 401), content that a browser would run is refused whatever
its extension, a hostile file name cannot forge a header or leave the organisation's folder, and every download is
an attachment with ``nosniff``, a sandboxing CSP and no caching.

(The role matrices, another organisation's 404, the size limits and the allow-list of types are in
``test_knowledge_attachments.py``, ``test_documents_web.py`` and ``test_documents_api.py``.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import Resolver404, resolve
from rest_framework.test import APIClient

from projects.documents.models import ProjectDocument
from projects.documents.services import document_create
from projects.knowledge.models import Attachment
from projects.knowledge.services import attachment_create
from tests.conftest import OrgWorld
from tests.test_knowledge_support import PDF, PNG, Library, build_library, upload

ApiClientFactory = Callable[[Any], APIClient]

# Content a browser would render or run, under names the allow-list accepts or refuses.
HOSTILE = {
    "html-as.png": b"<html><script>alert(1)</script></html>",
    "svg-as.png": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "html-as.pdf": b"<!DOCTYPE html><script>alert(1)</script>%PDF-1.7",
    "html-as.jpg": b"<script>alert(1)</script>",
    "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "page.html": b"<script>alert(1)</script>",
    "page.htm": b"<script>alert(1)</script>",
    "page.xhtml": b"<script>alert(1)</script>",
    "script.js": b"alert(1)",
}


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def lib(org_a: OrgWorld, media: Path) -> Library:
    return build_library(org_a)


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file())


def attach(world: OrgWorld, article: Any, name: str = "report.pdf", content: bytes = PDF) -> Attachment:
    with world.ctx():
        return attachment_create(
            organization=world.organization, actor=world.users["pmo"], article=article, upload=upload(name, content)
        )


def add_document(world: OrgWorld, name: str = "plan.pdf", content: bytes = PDF) -> ProjectDocument:
    with world.ctx():
        return document_create(
            organization=world.organization,
            actor=world.users["manager"],
            project=world.projects[0],
            title="Plan",
            upload=upload(name, content),
        )


def urls(world: OrgWorld, lib: Library, attachment: Attachment, document: ProjectDocument) -> dict[str, str]:
    project = world.projects[0].pk
    return {
        "knowledge page": f"/o/{world.slug}/knowledge/{lib.standard.pk}/attachments/{attachment.pk}/",
        "knowledge api": f"/api/v1/orgs/{world.slug}/knowledge/{lib.standard.pk}/attachments/{attachment.pk}/download/",
        "document page": f"/o/{world.slug}/projects/{project}/documents/{document.pk}/download/",
        "document api": f"/api/v1/orgs/{world.slug}/projects/{project}/documents/{document.pk}/download/",
    }


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- No public URL ------------------------------------------------------------------------------------------------


def test_no_public_url_serves_media(org_a: OrgWorld, lib: Library, media: Path) -> None:
    """No ``static()`` media route, WhiteNoise serves only the collected static files, and the stored file's path
    under ``/media/`` (or anywhere else) answers 404 to its own organisation's admin and to anyone."""
    attachment = attach(org_a, lib.standard)
    stored = str(attachment.file.name)
    assert (media / stored).is_file()

    for prefix in ("/media/", "/static/", "/"):
        with pytest.raises(Resolver404):
            resolve(f"{prefix}{stored}")
        assert Client().get(f"{prefix}{stored}").status_code == 404
        assert logged_in(org_a.users["admin"]).get(f"{prefix}{stored}").status_code == 404
    static_root = Path(django_settings.STATIC_ROOT).resolve()
    media_root = Path(django_settings.MEDIA_ROOT).resolve()
    assert static_root != media_root and static_root not in media_root.parents and media_root not in static_root.parents
    assert getattr(django_settings, "WHITENOISE_ROOT", None) in (None, "")
    for folder in django_settings.STATICFILES_DIRS:
        assert Path(folder).resolve() != media_root


# --- Who may download ---------------------------------------------------------------------------------------------


def test_an_anonymous_caller_gets_the_login_page_or_401_and_no_bytes(org_a: OrgWorld, lib: Library) -> None:
    found = urls(org_a, lib, attach(org_a, lib.standard), add_document(org_a))

    for name, url in found.items():
        response = Client().get(url)
        if name.endswith("api"):
            assert response.status_code == 401, name
        else:
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), name
        assert PDF not in response.content, name


def test_a_role_that_cannot_read_gets_404_and_no_bytes(org_a: OrgWorld, org_b: OrgWorld, lib: Library) -> None:
    """The viewer may not read projects[0] (so not its documents) nor the draft article's files; another
    organisation's admin reads nothing of this one."""
    draft_file = attach(org_a, lib.draft)
    found = urls(org_a, lib, attach(org_a, lib.standard), add_document(org_a))
    draft = f"/o/{org_a.slug}/knowledge/{lib.draft.pk}/attachments/{draft_file.pk}/"

    viewer = logged_in(org_a.users["viewer"])
    for url in (found["document page"], draft):
        response = viewer.get(url)
        assert response.status_code == 404 and PDF not in response.content, url
    stranger = logged_in(org_b.users["admin"])
    for url in (*found.values(), draft):
        assert stranger.get(url).status_code == 404, url


# --- What is accepted ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(HOSTILE))
def test_content_a_browser_would_run_is_refused_whatever_its_name(
    org_a: OrgWorld, lib: Library, media: Path, api_client: ApiClientFactory, name: str
) -> None:
    content = HOSTILE[name]
    project = org_a.projects[0].pk
    manager = api_client(org_a.users["manager"])

    knowledge = api_client(org_a.users["pmo"]).post(
        f"/api/v1/orgs/{org_a.slug}/knowledge/{lib.standard.pk}/attachments/",
        {"file": upload(name, content, "image/png")},
        format="multipart",
    )
    document = manager.post(
        f"/api/v1/orgs/{org_a.slug}/projects/{project}/documents/",
        {"title": "Drawing", "file": upload(name, content, "image/png")},
        format="multipart",
    )
    page = logged_in(org_a.users["manager"]).post(
        f"/o/{org_a.slug}/projects/{project}/documents/",
        {"title": "Drawing", "file": upload(name, content, "image/png")},
    )

    for response in (knowledge, document):
        assert response.status_code == 400, response.content
        assert "file" in response.json()
    assert page.status_code == 400 and "file" in page.context["document_form"].errors
    assert stored_files(media) == []
    with org_a.ctx():
        assert not Attachment.objects.exists() and not ProjectDocument.objects.exists()


# --- Names and headers --------------------------------------------------------------------------------------------

EVIL_NAME = '../../../etc/r"e\r\nX-Evil: 1;\u202egnp.pdf'


def test_a_hostile_file_name_stays_in_the_organisations_folder_and_forges_no_header(
    org_a: OrgWorld, lib: Library, media: Path
) -> None:
    attachment = attach(org_a, lib.standard, EVIL_NAME)
    document = add_document(org_a, EVIL_NAME)

    org_folder = media / f"org-{org_a.organization.pk}"
    assert re.fullmatch(rf"org-{org_a.organization.pk}/knowledge/[0-9a-f]{{32}}\.pdf", attachment.file.name)
    assert re.fullmatch(rf"org-{org_a.organization.pk}/documents/[0-9a-f]{{32}}\.pdf", document.file.name)
    assert [p.parent.parent for p in stored_files(media)] == [org_folder, org_folder]
    for row in (attachment, document):
        assert "/" not in row.original_name and "\r" not in row.original_name and "\n" not in row.original_name
        assert "\u202e" not in row.original_name  # no bidi override to disguise the extension
    found = urls(org_a, lib, attachment, document)
    client = logged_in(org_a.users["admin"])
    for name, url in found.items():
        response = client.get(url) if name.endswith("page") else client.get(url, HTTP_ACCEPT="*/*")
        assert response.status_code == 200, name
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;") and "\r" not in disposition and "\n" not in disposition
        assert not response.has_header("X-Evil")


def test_every_download_is_an_attachment_never_sniffed_sandboxed_and_not_cached(org_a: OrgWorld, lib: Library) -> None:
    """Even an image or a PDF, which a browser could show inline, is sent as an attachment."""
    client = logged_in(org_a.users["admin"])
    for name, content, kind in (("chart.png", PNG, "image/png"), ("plan.pdf", PDF, "application/pdf")):
        found = urls(org_a, lib, attach(org_a, lib.standard, name, content), add_document(org_a, name, content))
        for label, url in found.items():
            response = client.get(url)
            assert response.status_code == 200, label
            assert b"".join(response.streaming_content) == content
            assert response["Content-Type"] == kind
            assert response["Content-Disposition"].startswith("attachment;")
            assert response["X-Content-Type-Options"] == "nosniff"
            assert "sandbox" in response["Content-Security-Policy"]
            assert "default-src 'none'" in response["Content-Security-Policy"]
            assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


# --- The size of a whole request ----------------------------------------------------------------------------------

LIMITED_HANDLERS = [
    "projects.knowledge.uploads.RequestSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]


def test_a_request_over_the_upload_limit_is_refused_before_it_is_stored(
    org_a: OrgWorld, lib: Library, media: Path, settings: Any, api_client: ApiClientFactory
) -> None:
    """Each form checks its file's size once the file has arrived; the handler stops a larger request while it
    arrives (400), so that a huge body never reaches a temporary file, let alone storage."""
    settings.FILE_UPLOAD_HANDLERS = LIMITED_HANDLERS
    settings.UPLOAD_MAX_REQUEST_BYTES = 64 * 1024
    settings.KNOWLEDGE_MAX_ATTACHMENT_BYTES = 1024 * 1024
    url = f"/api/v1/orgs/{org_a.slug}/knowledge/{lib.standard.pk}/attachments/"
    pmo = api_client(org_a.users["pmo"])
    page = logged_in(org_a.users["manager"])
    big = PDF + b"0" * (80 * 1024)
    small = PDF + b"0" * (32 * 1024)

    refused_api = pmo.post(url, {"file": upload("big.pdf", big)}, format="multipart")
    refused_page = page.post(
        f"/o/{org_a.slug}/projects/{org_a.projects[0].pk}/documents/", {"title": "Big", "file": upload("b.pdf", big)}
    )
    two_halves = pmo.post(
        url, {"file": upload("a.pdf", small), "other": upload("b.pdf", small + b"0" * 4096)}, format="multipart"
    )

    assert refused_api.status_code == refused_page.status_code == two_halves.status_code == 400
    assert stored_files(media) == []
    with org_a.ctx():
        assert not Attachment.objects.exists() and not ProjectDocument.objects.exists()
    accepted = pmo.post(url, {"file": upload("ok.pdf", small)}, format="multipart")
    assert accepted.status_code == 201, accepted.content
    assert len(stored_files(media)) == 1
