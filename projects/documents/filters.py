"""The filters and sort keys of a project's documents in the API (django-filter): the parameters of the web list,
each checked (a wrong value is a 400 naming the parameter)."""

from __future__ import annotations

import django_filters as filters

from pmo.core.api_filters import scoped
from pmo.core.listing import SortKey
from projects.documents.models import ProjectDocument
from projects.documents.selectors import DOCUMENT_ORDERINGS
from projects.models import ProjectPhase

# The web list's sort keys (its orderings end with the primary key, which the API's ordering adds itself).
DOCUMENT_SORTS = {
    key: SortKey(key, tuple(name for name in fields if name != "pk")) for key, fields in DOCUMENT_ORDERINGS.items()
}


class DocumentFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ProjectDocument.Kind.choices)
    phase = filters.ModelChoiceFilter(queryset=scoped(ProjectPhase), help_text="a phase of this project")

    class Meta:
        model = ProjectDocument
        fields: list[str] = []
