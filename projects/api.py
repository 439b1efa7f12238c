from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from pmo.tenancy.api_base import OrganizationViewSet
from projects.models import Project
from projects.selectors import projects_visible_to


class ProjectOutput(serializers.ModelSerializer):
    portfolio = serializers.CharField(source="portfolio.name", read_only=True, default=None)
    manager = serializers.EmailField(source="manager.email", read_only=True, default=None)

    class Meta:
        model = Project
        fields = ["id", "code", "name", "description", "status", "portfolio", "manager", "created_at"]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(tags=["projects"]), retrieve=extend_schema(tags=["projects"]))
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Projects the caller may read (all for admin, PMO and executives; granted ones for everyone else)."""

    model = Project
    serializer_class = ProjectOutput

    def restrict_queryset(self, queryset: Any) -> Any:
        return projects_visible_to(access=self.access, queryset=queryset).select_related("portfolio", "manager")
