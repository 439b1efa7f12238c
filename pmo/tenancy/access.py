"""Resolving the organisation at the edge: once per request, from the URL slug, 404 for non-members."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from pmo.tenancy import context
from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.roles import Capability, capabilities_of, role_can


@dataclass(frozen=True)
class OrgAccess:
    """Who is acting in which organisation, with which role: the one object views and services are given."""

    organization: Organization
    membership: Membership

    @property
    def role(self) -> str:
        return self.membership.role

    def can(self, capability: Capability) -> bool:
        return role_can(self.membership.role, capability)

    @property
    def capabilities(self) -> frozenset[Capability]:
        return capabilities_of(self.membership.role)


def resolve_organization(*, user: Any, org_slug: str) -> OrgAccess:
    """Activate the organisation named by ``org_slug`` for ``user`` in the current transaction.

    Raises ``Http404`` alike for an unknown slug, an inactive organisation and a non-member, so that the answer never
    reveals whether an organisation exists.
    """
    if user is None or not user.is_authenticated:
        raise Http404
    organization = Organization.objects.filter(slug=org_slug, is_active=True).first()
    if organization is None:
        raise Http404
    context.activate(organization.pk, user_id=user.pk)
    membership = Membership.objects.filter(user_id=user.pk).first()
    if membership is None:
        context.activate(None)
        raise Http404
    membership.organization = organization
    return OrgAccess(organization=organization, membership=membership)
