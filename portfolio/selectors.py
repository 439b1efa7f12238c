from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from pmo.tenancy.models import Organization
from portfolio.models import Portfolio


def portfolios_with_counts(*, organization: Organization) -> QuerySet[Portfolio]:
    """Portfolios with their project counts, aggregated in SQL (one query)."""
    from projects.models import Project

    active = Project.Status.ACTIVE
    return (
        Portfolio.objects.filter(organization=organization)
        .select_related("owner")
        .annotate(
            project_count=Count("projects"),
            active_count=Count("projects", filter=Q(projects__status=active)),
        )
        .order_by("name")
    )
