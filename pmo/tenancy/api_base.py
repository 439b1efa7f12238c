"""The base of every API view under ``/api/v1/orgs/<org_slug>/``.

Subclasses never write ``get_queryset``: they name a ``model`` and may narrow the organisation's rows in
``restrict_queryset`` (for example to the projects the actor may see). The base scopes to the organisation first, so
a view that forgets cannot widen it. With ``TENANCY_ORM_SCOPING`` off (the RLS-only test mode) that filter is left out
and PostgreSQL's Row-Level Security alone keeps the organisations apart.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import exceptions, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from pmo.tenancy.access import OrgAccess, resolve_organization
from pmo.tenancy.models import Organization, TenantModel, orm_scoping_enabled
from pmo.tenancy.roles import Capability


class OrganizationAPIMixin:
    """Resolve the organisation after authentication; 404 for non-members; 403 without the action's capability.

    ``capabilities`` maps a viewset action (``list``, ``create``, a custom action …) or an HTTP method (``GET`` …)
    to the capability it needs; ``"*"`` is the fallback. Unlisted actions need ``Capability.ORG_VIEW``.
    """

    capabilities: dict[str, Capability] = {}
    access: OrgAccess
    organization: Organization

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self.access = resolve_organization(user=request.user, org_slug=kwargs["org_slug"])
        self.organization = self.access.organization
        if not self.access.can(self.required_capability(request)):
            raise exceptions.PermissionDenied()

    def required_capability(self, request: Request) -> Capability:
        action = getattr(self, "action", None)
        for key in (action, request.method, "*"):
            if key and key in self.capabilities:
                return self.capabilities[key]
        return Capability.ORG_VIEW


class OrganizationAPIView(OrganizationAPIMixin, APIView):
    pass


class OrganizationViewSet(OrganizationAPIMixin, viewsets.GenericViewSet):
    model: type[TenantModel]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must not override get_queryset(); override restrict_queryset().")

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.model.dangerously_unscoped.none()
        queryset = self.model.objects.all()
        if orm_scoping_enabled():
            # Row-Level Security keeps other organisations out either way; the filter is left out only in the
            # RLS-only test mode (``TENANCY_ORM_SCOPING`` off), which proves that.
            queryset = queryset.filter(organization=self.organization)
        return self.restrict_queryset(queryset)

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset
