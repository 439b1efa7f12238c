"""``Authorization: Bearer <token>`` for the API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from pmo.accounts.models import ApiToken, User, hash_token
from pmo.accounts.services import api_token_touch
from pmo.audit.services import client_of


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header: expected 'Bearer <token>'."))
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
        if token is None or not token.is_usable() or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        api_token_touch(token=token, client=client_of(request))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


def token_scope_allows(auth: Any, method: str) -> bool:
    """Read-only tokens may only use safe methods."""
    if isinstance(auth, ApiToken) and auth.scope == ApiToken.Scope.READ:
        return method in ("GET", "HEAD", "OPTIONS")
    return True
