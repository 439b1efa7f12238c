"""Reads for organisations, memberships and invitations."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from pmo.tenancy import context
from pmo.tenancy.models import Invitation, Membership, Organization


def memberships_of_user(*, user: Any) -> list[Membership]:
    """Every membership of ``user`` across organisations, for the organisation switcher and ``GET /api/v1/orgs/``.

    The one deliberate cross-tenant read: RLS lets a user read their own membership rows (policy ``own_memberships``,
    keyed on ``app.user_id``), nothing else of other organisations.
    """
    context.set_db_user(user.pk)
    return list(
        Membership.dangerously_unscoped.filter(user_id=user.pk, organization__is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    )


def organization_members(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user").order_by("user__email")


def organization_invitations(*, organization: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organization=organization).select_related("invited_by").order_by("-created_at")
