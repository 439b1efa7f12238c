"""Executive dashboard: the page (placeholder until the workspace is built)."""

from __future__ import annotations

from django.views.generic import TemplateView

from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from pmo.tenancy.workspaces import WorkspaceMixin


class DashboardView(WorkspaceMixin, OrganizationViewMixin, TemplateView):
    capability = Capability.DASHBOARD_VIEW
    workspace_key = "dashboard"
    template_name = "reports/dashboard/page.html"
