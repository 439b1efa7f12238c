"""My work: the page (placeholder until the workspace is built)."""

from __future__ import annotations

from django.views.generic import TemplateView

from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from pmo.tenancy.workspaces import WorkspaceMixin


class MyWorkView(WorkspaceMixin, OrganizationViewMixin, TemplateView):
    capability = Capability.MY_WORK
    workspace_key = "mywork"
    template_name = "reports/mywork/page.html"
