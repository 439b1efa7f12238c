from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from pmo.tenancy.views_base import OrganizationViewMixin
from projects.models import Project
from projects.selectors import project_can_change, project_get_for_actor, projects_visible_to


class ProjectListView(OrganizationViewMixin, TemplateView):
    nav_key = "projects"
    template_name = "projects/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        projects = projects_visible_to(access=self.access).select_related("portfolio", "manager")
        if status in Project.Status.values:
            projects = projects.filter(status=status)
        data.update(projects=list(projects), status=status, statuses=Project.Status.choices)
        return data


class ProjectDetailView(OrganizationViewMixin, TemplateView):
    nav_key = "projects"
    template_name = "projects/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        project = project_get_for_actor(access=self.access, pk=kwargs["pk"])
        data.update(project=project, can_change=project_can_change(access=self.access, project=project))
        return data
