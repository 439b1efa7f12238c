"""Shared pieces of the knowledge-base tests (no tests here): a small library of articles per organisation,
database snapshots for "nothing changed" checks, and sample files of every accepted type."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from projects.knowledge.models import Article, Attachment
from projects.knowledge.services import article_create
from tests.conftest import OrgWorld


@dataclass
class Library:
    """``standard`` and ``lesson`` are published (by the PMO and the manager), ``guide`` is the member's published
    guide, ``draft`` the member's unpublished guide, ``pmo_draft`` the PMO's unpublished standard."""

    world: OrgWorld
    standard: Article
    lesson: Article
    guide: Article
    draft: Article
    pmo_draft: Article

    @property
    def all(self) -> list[Article]:
        return [self.standard, self.lesson, self.guide, self.draft, self.pmo_draft]


def make_article(world: OrgWorld, role: str = "pmo", **fields: Any) -> Article:
    fields.setdefault("title", "An article")
    with world.ctx():
        return article_create(organization=world.organization, actor=world.users[role], **fields)


def build_library(world: OrgWorld) -> Library:
    return Library(
        world=world,
        standard=make_article(
            world,
            "pmo",
            kind="standard",
            title="Gate review checklist",
            summary="Evidence for every gate.",
            body="## Checklist\n\n- deliverables\n- baseline",
            category="Governance",
            tags=["gate review", "checklist"],
        ),
        lesson=make_article(
            world,
            "manager",
            kind="lesson",
            title="Freeze the migration scope early",
            body="Two extra rehearsals.",
            category="Lessons learned",
            tags=["data migration"],
            project=world.projects[0],
        ),
        guide=make_article(world, "member", kind="guide", title="How we run stand-ups", tags=["meetings"]),
        draft=make_article(world, "member", kind="guide", title="Retrospective draft", published=False),
        pmo_draft=make_article(world, "pmo", kind="standard", title="Unreleased standard", published=False),
    )


def article_rows(world: OrgWorld) -> list[tuple[Any, ...]]:
    with world.ctx():
        return list(
            Article.objects.order_by("pk").values_list(
                "pk", "kind", "title", "summary", "body", "category", "tags", "project_id", "published", "updated_at"
            )
        )


def attachment_rows(world: OrgWorld) -> list[tuple[Any, ...]]:
    with world.ctx():
        return list(Attachment.objects.order_by("pk").values_list("pk", "article_id", "file", "original_name", "size"))


def knowledge_state(*worlds: OrgWorld) -> list[Any]:
    return [(article_rows(w), attachment_rows(w)) for w in worlds]


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_url(world: OrgWorld, rest: str = "") -> str:
    return f"/o/{world.slug}/knowledge/{rest}"


def api_url(world: OrgWorld, rest: str = "") -> str:
    return f"/api/v1/orgs/{world.slug}/knowledge/{rest}"


# --- Sample files

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20


def office_file(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(f"{folder}document.xml", "<document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


VALID_FILES: dict[str, bytes] = {
    "report.pdf": PDF,
    "plan.docx": office_file("word/"),
    "budget.xlsx": office_file("xl/"),
    "deck.pptx": office_file("ppt/"),
    "chart.png": PNG,
    "photo.jpg": JPG,
    "notes.txt": "Notes 笔记\n".encode(),
    "readme.md": b"# Title\n",
    "data.csv": "项目,成本\nA,1\n".encode("gb18030"),
}
