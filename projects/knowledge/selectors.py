"""Reads of the knowledge base."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import QuerySet

from pmo.tenancy.models import Organization
from projects.knowledge.models import Article
from projects.knowledge.search import tokens


def article_search(*, organization: Organization, query: str = "", kind: str = "", tag: str = "") -> QuerySet[Article]:
    """Published articles of ``organization`` matching every token of ``query`` (Chinese or English), newest first.

    Uses the GIN index on ``to_tsvector('simple', search_document)``.
    """
    articles = Article.objects.filter(organization=organization, published=True)
    if kind:
        articles = articles.filter(kind=kind)
    if tag:
        articles = articles.filter(tags__contains=[tag])
    words = tokens(query)
    if words:
        raw = " & ".join("'" + word.replace("'", "''") + "'" for word in words)
        articles = articles.annotate(document=SearchVector("search_document", config="simple")).filter(
            document=SearchQuery(raw, config="simple", search_type="raw")
        )
    return articles.select_related("author", "project").order_by("-updated_at")
