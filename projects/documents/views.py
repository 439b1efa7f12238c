"""The Documents tab of a project (placeholder until the tab is built)."""

from __future__ import annotations

from projects.views import ProjectPageView


class ProjectDocumentsView(ProjectPageView):
    tab = "documents"
    template_name = "projects/documents/list.html"
