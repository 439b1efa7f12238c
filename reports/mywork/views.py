"""My work: the landing page of managers and members. A manager's projects with their state, this week's status
(start, continue or view it), change requests, risks and actions due, and the team's allocations; a member's
allocations, timesheet and actions. One selector call (``reports.mywork.selectors.my_work``), a fixed number of
queries."""

from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from pmo.tenancy.workspaces import WorkspaceMixin
from projects.policy import week_label
from reports.mywork.selectors import NOT_STARTED, my_work


class MyWorkView(WorkspaceMixin, OrganizationViewMixin, TemplateView):
    capability = Capability.MY_WORK
    workspace_key = "mywork"
    template_name = "reports/mywork/page.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        work = my_work(access=self.access, user=self.request.user)
        data.update(
            work=work,
            week=week_label(work.week_start),
            not_started=NOT_STARTED,
            can_approve_timesheets=self.access.can(Capability.TIMESHEETS_APPROVE),
        )
        return data
