"""The header's inbox badge: the signed-in user's unread notifications in the current organisation."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from reports.notifications.selectors import unread_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    """``inbox_unread`` (one COUNT query) on organisation pages only; nothing elsewhere."""
    access = getattr(request, "org_access", None)
    user = getattr(request, "user", None)
    if access is None or user is None or not user.is_authenticated:
        return {}
    with transaction.atomic(savepoint=False):
        return {"inbox_unread": unread_count(organization=access.organization, user=user)}
