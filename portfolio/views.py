from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from portfolio.selectors import portfolios_with_counts


class PortfolioListView(OrganizationViewMixin, TemplateView):
    nav_key = "portfolios"
    capability = Capability.PORTFOLIO_VIEW
    template_name = "portfolio/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data["portfolios"] = list(portfolios_with_counts(organization=self.organization))
        return data
