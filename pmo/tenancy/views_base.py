"""The base of every organisation page: resolves the tenant once, checks the capability, renders inside the
request's transaction (so that lazy template queries still see the tenant setting)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone, translation

from pmo.tenancy.access import OrgAccess, resolve_organization
from pmo.tenancy.models import Organization
from pmo.tenancy.roles import Capability


class OrganizationViewMixin(LoginRequiredMixin):
    """Use first in the bases of a class-based view under ``/o/<org_slug>/``.

    Sets ``self.access`` and ``self.organization``; non-members get 404, members without ``capability`` get 403.
    """

    capability: Capability | None = Capability.ORG_VIEW
    nav_key: str = ""
    access: OrgAccess
    organization: Organization

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        # The home page hands the request to the landing workspace: the organisation it resolved is reused.
        resolved = getattr(request, "org_access", None)
        if (
            resolved is not None
            and resolved.organization.slug == kwargs["org_slug"]
            and resolved.membership.user_id == request.user.pk
        ):
            self.access = resolved
        else:
            self.access = resolve_organization(user=request.user, org_slug=kwargs["org_slug"])
        self.organization = self.access.organization
        request.org_access = self.access  # type: ignore[attr-defined]
        if self.capability is not None and not self.access.can(self.capability):
            raise PermissionDenied
        # Dates and times on organisation pages read in the organisation's time zone (stored in UTC).
        timezone.activate(zoneinfo.ZoneInfo(self.organization.time_zone))
        if not getattr(request.user, "language", "") and not request.COOKIES.get("django_language"):
            translation.activate(self.organization.default_language)
            request.LANGUAGE_CODE = translation.get_language()
        response = super().dispatch(request, *args, **kwargs)
        render = getattr(response, "render", None)
        if callable(render) and not getattr(response, "is_rendered", True):
            render()
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        data.update(organization=self.organization, access=self.access, nav_active=self.nav_key)
        return data
