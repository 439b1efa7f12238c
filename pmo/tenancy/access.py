"""Resolving the organisation at the edge: once per request, from the URL slug, 404 for non-members."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404

from pmo.tenancy import context
from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.roles import Capability, capabilities_of, role_can
from pmo.tenancy.selectors import memberships_of_user


@dataclass(frozen=True)
class OrgAccess:
    """Who is acting in which organisation, with which role: the one object views and services are given."""

    organization: Organization
    membership: Membership
    # Every active membership of the user, by organisation name (the organisation switcher), when the resolution
    # read them; empty otherwise (services and tasks build an OrgAccess without them).
    memberships: tuple[Membership, ...] = field(default=(), compare=False)

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

    Three statements: the user's id for RLS, every active membership of the user with its organisation (the one
    cross-organisation read RLS allows, ``memberships_of_user``; the switcher in the header shows the same rows,
    kept on ``OrgAccess.memberships``), then the organisation for RLS, the ORM and the audit trail. A non-member
    never has the organisation activated.
    """
    if user is None or not user.is_authenticated:
        raise Http404
    memberships = memberships_of_user(user=user)
    membership = next((m for m in memberships if m.organization.slug == org_slug), None)
    if membership is None:
        raise Http404
    context.activate(membership.organization_id)
    return OrgAccess(organization=membership.organization, membership=membership, memberships=tuple(memberships))
