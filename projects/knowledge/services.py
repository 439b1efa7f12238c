"""Writes for the knowledge base."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from pmo.tenancy.models import Organization
from projects.knowledge.models import Article
from projects.knowledge.search import search_document


def _clean_tags(tags: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(tag.strip()[:40] for tag in tags if tag and tag.strip()))


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
    clean_tags = _clean_tags(tags)
    return Article.objects.create(
        organization=organization,
        kind=kind,
        title=title,
        summary=summary,
        body=body,
        category=category,
        tags=clean_tags,
        project=project,
        author=actor,
        published=published,
        search_document=search_document(title, summary, body, category, clean_tags),
    )


@transaction.atomic
def article_update(*, organization: Organization, actor: Any, article: Article, **fields: Any) -> Article:
    """Change an article's editable fields and refresh its search document."""
    locked = Article.objects.select_for_update().get(organization=organization, pk=article.pk)
    allowed = {"title", "body", "kind", "summary", "category", "tags", "project", "published"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if "tags" in fields:
        fields["tags"] = _clean_tags(fields["tags"])
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.search_document = search_document(locked.title, locked.summary, locked.body, locked.category, locked.tags)
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*fields, "search_document", "updated_at"])
    return locked
