"""Reads of a project's documents (the caller has resolved a project the actor may read)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet
from django.http import Http404

from projects.documents.models import ProjectDocument
from projects.models import Project

# Sort keys of the list: key → ordering (a leading "-" on the key reverses the first column).
DOCUMENT_ORDERINGS: dict[str, tuple[str, ...]] = {
    "added": ("uploaded_at", "pk"),
    "title": ("title", "pk"),
    "kind": ("kind", "title", "pk"),
    "phase": ("phase__order", "title", "pk"),
}
DEFAULT_SORT = "-added"


@dataclass(frozen=True)
class DocumentFilters:
    kind: str = ""
    phase: int | None = None
    sort: str = DEFAULT_SORT


def _ordering(sort: str) -> list[Any]:
    key = sort.lstrip("-")
    if key not in DOCUMENT_ORDERINGS:
        key, sort = DEFAULT_SORT.lstrip("-"), DEFAULT_SORT
    first, *rest = DOCUMENT_ORDERINGS[key]
    head = F(first).desc(nulls_last=True) if sort.startswith("-") else F(first).asc(nulls_last=True)
    return [head, *(F(name).asc() for name in rest)]


def project_documents(
    *,
    project: Project,
    filters: DocumentFilters | None = None,
    queryset: QuerySet[ProjectDocument] | None = None,
) -> QuerySet[ProjectDocument]:
    """The project's documents, filtered and sorted, with who added them and their phase joined in (one query).
    ``queryset`` narrows further."""
    filters = filters or DocumentFilters()
    documents = (ProjectDocument.objects.all() if queryset is None else queryset).filter(
        organization_id=project.organization_id, project=project
    )
    if filters.kind:
        documents = documents.filter(kind=filters.kind)
    if filters.phase is not None:
        documents = documents.filter(phase_id=filters.phase)
    return documents.select_related("uploaded_by", "phase", "project").order_by(*_ordering(filters.sort))


def document_get(*, project: Project, pk: Any) -> ProjectDocument:
    """One document of ``project``; ``Http404`` when it is missing or belongs elsewhere."""
    document = project_documents(project=project).filter(pk=pk).first() if str(pk).isdigit() else None
    if document is None:
        raise Http404
    return document
