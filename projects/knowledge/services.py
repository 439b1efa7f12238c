"""Writes for the knowledge base. Callers check permissions (``projects.knowledge.permissions``); services validate
data, keep the search document current and remove stored files once the deleting transaction commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmo.tenancy.models import Organization
from projects.knowledge.models import Article, Attachment
from projects.knowledge.search import search_document
from projects.knowledge.uploads import check_upload

EDITABLE_FIELDS = frozenset({"title", "body", "kind", "summary", "category", "tags", "project", "published"})


def _clean_tags(tags: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(tag.strip()[:40] for tag in tags if tag and tag.strip()))


def _validate(*, organization: Organization, kind: str, title: str, project: Any) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in Article.Kind.values:
        errors["kind"] = [_("Choose a valid kind.")]
    if not title.strip():
        errors["title"] = [_("Give the article a title.")]
    if project is not None and project.organization_id != organization.pk:
        errors["project"] = [_("Choose a valid project.")]
    if errors:
        raise ValidationError(errors)


def _delete_files_on_commit(names: list[str]) -> None:
    """Stored files go only when the rows are gone for good (a rolled-back delete keeps them)."""

    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    if names:
        transaction.on_commit(delete)


@transaction.atomic
def article_create(
    *,
    organization: Organization,
    actor: Any,
    title: str,
    body: str = "",
    kind: str = Article.Kind.GUIDE,
    summary: str = "",
    category: str = "",
    tags: Sequence[str] = (),
    project: Any = None,
    published: bool = True,
) -> Article:
    """Create an article (a lesson learned when ``kind`` is ``lesson``), with its search document."""
    _validate(organization=organization, kind=kind, title=title, project=project)
    clean_tags = _clean_tags(tags)
    return Article.objects.create(
        organization=organization,
        kind=kind,
        title=title.strip(),
        summary=summary.strip(),
        body=body,
        category=category.strip(),
        tags=clean_tags,
        project=project,
        author=actor,
        published=published,
        search_document=search_document(title, summary, body, category, clean_tags),
    )


@transaction.atomic
def article_update(*, organization: Organization, actor: Any, article: Article, **fields: Any) -> Article:
    """Change an article's editable fields and refresh its search document."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    locked = Article.objects.select_for_update().get(organization=organization, pk=article.pk)
    _validate(
        organization=organization,
        kind=fields.get("kind", locked.kind),
        title=fields.get("title", locked.title),
        project=fields.get("project"),
    )
    if "tags" in fields:
        fields["tags"] = _clean_tags(fields["tags"])
    for name in ("title", "summary", "category"):
        if name in fields:
            fields[name] = fields[name].strip()
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.search_document = search_document(locked.title, locked.summary, locked.body, locked.category, locked.tags)
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*fields, "search_document", "updated_at"])
    return locked


@transaction.atomic
def article_delete(*, organization: Organization, actor: Any, article: Article) -> None:
    """Delete an article with its attachments; their files are removed after commit."""
    locked = Article.objects.select_for_update().get(organization=organization, pk=article.pk)
    names = [
        name
        for name in Attachment.objects.filter(organization=organization, article=locked).values_list("file", flat=True)
        if name
    ]
    locked.delete()
    _delete_files_on_commit(names)


@transaction.atomic
def attachment_create(*, organization: Organization, actor: Any, article: Article, upload: Any) -> Attachment:
    """Check ``upload`` (size, type, content; ``ValidationError`` on ``file`` otherwise, nothing stored) and store
    it under ``org-<id>/knowledge/<random name>``."""
    if article.organization_id != organization.pk:
        raise ValidationError({"detail": [_("Not found.")]})
    checked = check_upload(upload)
    attachment = Attachment(
        organization=organization,
        article=article,
        original_name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        uploaded_by=actor,
    )
    attachment.file.save(f"upload{checked.suffix}", upload, save=False)
    saved = False
    try:
        with transaction.atomic():
            attachment.save()
        saved = True
    finally:
        if not saved and attachment.file.name:
            default_storage.delete(attachment.file.name)
    return attachment


@transaction.atomic
def attachment_delete(*, organization: Organization, actor: Any, attachment: Attachment) -> None:
    """Delete an attachment; its file is removed after commit."""
    name = attachment.file.name or ""
    deleted, _rows = Attachment.objects.filter(organization=organization, pk=attachment.pk).delete()
    if deleted and name:
        _delete_files_on_commit([name])
