"""PMO cockpit: the page (placeholder until the workspace is built)."""

from __future__ import annotations

from django.views.generic import TemplateView

from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from pmo.tenancy.workspaces import WorkspaceMixin


class CockpitView(WorkspaceMixin, OrganizationViewMixin, TemplateView):
    capability = Capability.COCKPIT_VIEW
    workspace_key = "cockpit"
    template_name = "reports/cockpit/page.html"
