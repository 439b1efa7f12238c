from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from pmo.audit.selectors import audit_entries, audit_model_choices
from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin

PAGE_SIZE = 50


class AuditLogView(OrganizationViewMixin, TemplateView):
    nav_key = "audit"
    capability = Capability.AUDIT_VIEW
    template_name = "audit/log.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        choices = audit_model_choices()
        model = self.request.GET.get("model") or None
        if model not in {value for value, _ in choices}:
            model = None
        try:
            page = max(1, int(self.request.GET.get("page", "1")))
        except ValueError:
            page = 1
        entries = audit_entries(
            organization=self.organization, model=model, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
        )
        data.update(
            entries=entries[:PAGE_SIZE],
            has_next=len(entries) > PAGE_SIZE,
            page=page,
            model=model or "",
            model_choices=choices,
        )
        return data
