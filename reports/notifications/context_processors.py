"""The header's inbox badge: the signed-in user's unread notifications in the current organisation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def inbox(request: HttpRequest) -> dict[str, Any]:
    """Placeholder until the inbox lands."""
    return {}
