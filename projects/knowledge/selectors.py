"""Reads of the knowledge base, for an actor in an organisation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import CharField, Count, F, Func, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from pmo.core.listing import SortKey, sort_ordering
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Organization
from projects.knowledge import permissions
from projects.knowledge.models import Article, Attachment
from projects.knowledge.search import tokens
from projects.models import Project
from projects.selectors import projects_visible_to


def _search_query(query: str) -> SearchQuery | None:
    """Every token of ``query`` must match, each as a prefix (``manag`` finds "management", ``风`` finds "风险").

    Tokens are words or CJK bigrams (letters and digits only), quoted for ``to_tsquery`` all the same."""
    words = tokens(query)
    if not words:
        return None
    raw = " & ".join("'" + word.replace("\\", "").replace("'", "''") + "':*" for word in words)
    return SearchQuery(raw, config="simple", search_type="raw")


ARTICLE_SORTS = {
    "updated": SortKey(_("Updated"), ("updated_at",)),
    "title": SortKey(_("Title"), ("title",)),
    "kind": SortKey(_("Kind"), ("kind", "-updated_at")),
    "category": SortKey(_("Category"), ("category", "-updated_at")),
    "project": SortKey(_("Project"), ("project__code", "-updated_at")),
}


def _filter(
    articles: QuerySet[Article], *, query: str, kind: str, tag: str, category: str, project_id: int | None
) -> QuerySet[Article]:
    if kind:
        articles = articles.filter(kind=kind)
    if tag:
        articles = articles.filter(tags__contains=[tag])
    if category:
        articles = articles.filter(category=category)
    if project_id is not None:
        articles = articles.filter(project_id=project_id)
    return articles_matching(articles, query)


def articles_matching(articles: QuerySet[Article], query: str) -> QuerySet[Article]:
    """The articles matching every token of ``query``, best match first; all of them, newest first, without one."""
    search = _search_query(query)
    if search is None:
        return articles.order_by("-updated_at", "-pk")
    # The same expression as the GIN index ``article_search_gin``, so the index serves the match.
    vector = SearchVector("search_document", config="simple")
    return (
        articles.annotate(document=vector, rank=SearchRank(vector, search))
        .filter(document=search)
        .order_by("-rank", "-updated_at", "-pk")
    )


def articles_visible_to(*, access: OrgAccess, queryset: QuerySet[Article] | None = None) -> QuerySet[Article]:
    """The organisation's articles ``access`` may read: published ones, plus their own drafts (all drafts for
    knowledge managers); none without ``knowledge.view``."""
    if queryset is None:
        queryset = Article.objects.all()
    queryset = queryset.filter(organization=access.organization)
    if not access.can(permissions.VIEW):
        return queryset.none()
    if access.can(permissions.MANAGE):
        return queryset
    return queryset.filter(Q(published=True) | Q(author_id=access.membership.user_id))


def article_list(
    *,
    access: OrgAccess,
    queryset: QuerySet[Article] | None = None,
    query: str = "",
    kind: str = "",
    tag: str = "",
    category: str = "",
    project_id: int | None = None,
    sort: str = "",
) -> QuerySet[Article]:
    """Readable articles matching every filter (and every token of ``query``, Chinese or English), best match
    first when searching, otherwise newest first, unless ``sort`` names a key of ``ARTICLE_SORTS`` (or its
    reverse); with author, project and the number of attachments."""
    articles = _filter(
        articles_visible_to(access=access, queryset=queryset),
        query=query,
        kind=kind,
        tag=tag,
        category=category,
        project_id=project_id,
    )
    if sort.removeprefix("-") in ARTICLE_SORTS:
        articles = articles.order_by(*sort_ordering(sort, ARTICLE_SORTS, default="-updated"))
    return with_list_details(articles)


def with_list_details(articles: QuerySet[Article]) -> QuerySet[Article]:
    """What a list row shows: the author, the project and the number of attachments, in the same query."""
    return articles.select_related("author", "project").annotate(attachment_count=Count("attachments"))


def article_search(*, organization: Organization, query: str = "", kind: str = "", tag: str = "") -> QuerySet[Article]:
    """Published articles of ``organization`` matching every token of ``query`` (Chinese or English).

    Uses the GIN index on ``to_tsvector('simple', search_document)``.
    """
    articles = Article.objects.filter(organization=organization, published=True)
    return _filter(articles, query=query, kind=kind, tag=tag, category="", project_id=None).select_related(
        "author", "project"
    )


def article_get_for_actor(*, access: OrgAccess, pk: Any) -> Article:
    """One article the actor may read; ``Http404`` alike when it is missing, elsewhere or a draft of someone else."""
    article = (
        articles_visible_to(access=access).select_related("author", "project").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if article is None:
        raise Http404
    return article


@dataclass(frozen=True)
class Facets:
    kinds: dict[str, int]
    categories: list[str]
    tags: list[tuple[str, int]]


def article_facets(
    *, access: OrgAccess, query: str = "", tag: str = "", category: str = "", project_id: int | None = None
) -> Facets:
    """Counts per kind of the current search (whatever kind is chosen), and the categories and most used tags of
    every readable article; three queries."""
    readable = articles_visible_to(access=access)
    matching = _filter(readable, query=query, kind="", tag=tag, category=category, project_id=project_id)
    kinds = dict(matching.order_by().values_list("kind").annotate(n=Count("id")))
    categories = list(readable.exclude(category="").order_by("category").values_list("category", flat=True).distinct())
    tag_rows = (
        readable.annotate(tag=Func(F("tags"), function="unnest", output_field=CharField()))
        .values_list("tag")
        .annotate(n=Count("*"))
        .order_by("-n", "tag")[:30]
    )
    return Facets(kinds=kinds, categories=categories, tags=[(name, n) for name, n in tag_rows])


def visible_project_ids(*, access: OrgAccess, articles: Iterable[Article]) -> set[int]:
    """Of the projects the ``articles`` are linked to, those the actor may open; one query."""
    ids = {article.project_id for article in articles if article.project_id}
    if not ids:
        return set()
    return set(projects_visible_to(access=access).filter(pk__in=ids).values_list("pk", flat=True))


def project_for_filter(*, access: OrgAccess, project_id: int | None) -> Project | None:
    """The project named in a "lessons from project X" filter, if the actor may see it."""
    if project_id is None:
        return None
    return projects_visible_to(access=access).filter(pk=project_id).first()


def related_articles(*, access: OrgAccess, article: Article, limit: int = 5) -> list[Article]:
    """Other readable articles from the same project or sharing a tag, newest first."""
    match = Q(tags__overlap=article.tags) if article.tags else Q(pk__in=[])
    if article.project_id:
        match |= Q(project_id=article.project_id)
    return list(
        articles_visible_to(access=access)
        .filter(match)
        .exclude(pk=article.pk)
        .select_related("project")
        .order_by("-updated_at", "-pk")[:limit]
    )


def article_attachments(*, article: Article) -> QuerySet[Attachment]:
    return Attachment.objects.filter(organization_id=article.organization_id, article=article).select_related(
        "uploaded_by"
    )
