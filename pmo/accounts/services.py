"""Writes for accounts: API tokens and the language preference."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pmo.accounts.models import ApiToken, User, hash_token

TOKEN_PREFIX = "pmo_"  # noqa: S105 - a public marker, not a secret


@transaction.atomic
def api_token_create(
    *, user: User, name: str = "login", scope: str = ApiToken.Scope.READ_WRITE
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the raw token, which is never stored nor shown again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    return token, raw


def api_token_touch(*, token: ApiToken) -> None:
    """Record use at most once a minute, so that authentication does not write on every request."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES) and language != "":
        raise ValueError(f"unsupported language {language!r}")
    user.language = language
    user.save(update_fields=["language"])
