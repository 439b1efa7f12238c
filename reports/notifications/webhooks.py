"""Outgoing webhooks: events fanned out to an organisation's webhooks, signed, retried, logged."""

from __future__ import annotations

from typing import Any

from pmo.tenancy.models import Organization


def webhook_emit(*, organization: Organization, kind: str, event: str, event_id: str, payload: dict[str, Any]) -> int:
    """Queue ``event`` (e.g. ``"alert.opened"``) for every active webhook of the organisation subscribed to
    ``kind`` (a ``NotificationKind``); idempotent per webhook and ``event_id``. Returns the deliveries created.
    Placeholder until webhooks land."""
    return 0
