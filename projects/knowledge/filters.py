"""The filters of the knowledge-base API list (django-filter): the parameters of the web list, each checked (a
wrong value is a 400 naming the parameter)."""

from __future__ import annotations

import django_filters as filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pmo.core.listing import SortKey
from projects.filters import SEARCH_MAX, visible_projects
from projects.knowledge import selectors
from projects.knowledge.models import Article

ATTACHMENT_SORTS = {
    "uploaded": SortKey(_("Uploaded"), ("uploaded_at",)),
    "name": SortKey(_("Name"), ("original_name",)),
    "size": SortKey(_("Size"), ("size",)),
}


class ArticleFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_search", max_length=SEARCH_MAX, help_text="words, Chinese or English; best match first"
    )
    kind = filters.ChoiceFilter(choices=Article.Kind.choices)
    tag = filters.CharFilter(field_name="tags", method="filter_tag", max_length=40)
    category = filters.CharFilter(max_length=80)
    project = filters.ModelChoiceFilter(queryset=visible_projects, help_text="a project you may read")

    class Meta:
        model = Article
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Article], name: str, value: str) -> QuerySet[Article]:
        return selectors.articles_matching(queryset, value)

    def filter_tag(self, queryset: QuerySet[Article], name: str, value: str) -> QuerySet[Article]:
        return queryset.filter(tags__contains=[value])
