"""Permission classes used by every API view (kept free of ``rest_framework.views`` to avoid import cycles)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from pmo.accounts.authentication import token_scope_allows


class TokenScope(permissions.BasePermission):
    message = _("This token is read-only.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return token_scope_allows(request.auth, request.method or "GET")
