"""Recording security events (the only writer of ``SecurityEvent`` and ``SiteSecurityEvent``).

An event about a known user is written once in each organisation the user belongs to, each inside its own tenant
context (RLS checks every row's ``organization_id``); one about nobody known, or a user of no organisation, goes to
the site table. Callers never pass a password: the detail holds only facts about the request.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.settings import api_settings

from pmo.audit.models import USER_AGENT_MAX, USERNAME_MAX, SecurityEvent, SecurityEventKind, SiteSecurityEvent
from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from pmo.tenancy.selectors import memberships_of_user


@dataclass(frozen=True)
class Client:
    """Who sent a request: the client address (``None`` when unknown or not an IP address) and its user agent."""

    ip: str | None = None
    user_agent: str = ""


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, unless the deployment trusts ``NUM_PROXIES`` reverse proxies
    (``REST_FRAMEWORK["NUM_PROXIES"]``, env ``NUM_PROXIES``), in which case the address the outermost trusted proxy
    saw, taken from the right of ``X-Forwarded-For`` (the same rule as DRF's throttles). Entries left of it are
    whatever the client claimed and are never trusted."""
    address = request.META.get("REMOTE_ADDR", "")
    num_proxies = api_settings.NUM_PROXIES or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if num_proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            address = hops[-min(num_proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_of(request: HttpRequest) -> Client:
    return Client(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX])


def _fields(
    *, kind: SecurityEventKind, user: Any, username: str, client: Client | None, detail: dict[str, Any] | None
) -> dict[str, Any]:
    client = client or Client()
    return {
        "kind": kind,
        "created_at": timezone.now(),
        "user": user,
        "username": (username or "")[:USERNAME_MAX],
        "ip_address": client.ip,
        "user_agent": client.user_agent[:USER_AGENT_MAX],
        "detail": detail or {},
    }


def security_event_record(
    *,
    kind: SecurityEventKind,
    user: Any = None,
    username: str = "",
    client: Client | None = None,
    detail: dict[str, Any] | None = None,
    organization_id: int | None = None,
) -> int:
    """Record one security event and return how many rows were written.

    With ``organization_id``: in that organisation only (a denial inside it). Otherwise, with a ``user``: once in
    each active organisation the user belongs to; else (or for a user of no organisation) in the site table.
    Atomic; runs in its own transaction (a savepoint inside the request's).
    """
    fields = _fields(kind=kind, user=user, username=username, client=client, detail=detail)
    with transaction.atomic():
        if organization_id is not None:
            organizations = [organization_id]
        elif user is not None and user.pk is not None:
            organizations = [membership.organization_id for membership in memberships_of_user(user=user)]
        else:
            organizations = []
        if not organizations:
            SiteSecurityEvent.objects.create(**fields)
            return 1
        for organization in organizations:
            with tenant_context(organization):
                SecurityEvent.objects.create(organization_id=organization, **fields)
        return len(organizations)


def security_events_purge(*, organization: Organization | None, days: int) -> int:
    """Delete the events older than ``days`` days: of ``organization`` (inside its tenant context), or of the site
    table when ``organization`` is ``None``. Idempotent; returns the number deleted."""
    cutoff = timezone.now() - timedelta(days=days)
    if organization is None:
        deleted, _ = SiteSecurityEvent.objects.filter(created_at__lt=cutoff).delete()
        return deleted
    with tenant_context(organization):
        deleted, _ = SecurityEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted
