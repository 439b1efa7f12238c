"""Writes for accounts: API tokens and the language preference."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from pmo.accounts.models import ApiToken, User, hash_token
from pmo.accounts.selectors import api_tokens_of
from pmo.audit.models import SecurityEventKind
from pmo.audit.services import Client, security_event_record

TOKEN_PREFIX = "pmo_"  # noqa: S105 - a public marker, not a secret
# A personal access token always expires, at most this far ahead: a forgotten token must die on its own. There is
# no setting for tokens without expiry on purpose.
MAX_TOKEN_LIFETIME = timedelta(days=365)


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str = "login",
    scope: str = ApiToken.Scope.READ_WRITE,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the raw token, which is never stored nor shown again.

    Without ``expires_at`` the token lives ``API_TOKEN_TTL_DAYS`` (the password login's token). No validation: the
    user's own tokens go through ``personal_token_create``."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        key_hash=hash_token(raw),
        expires_at=expires_at or timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    return token, raw


@transaction.atomic
def personal_token_create(
    *,
    actor: User,
    name: str,
    scope: str,
    expires_at: datetime | None,
    via_token: ApiToken | None = None,
    client: Client | None = None,
) -> tuple[ApiToken, str]:
    """Create a personal access token of ``actor`` (the web page and ``POST /api/v1/auth/tokens/``).

    Without ``expires_at`` the token lives ``API_TOKEN_TTL_DAYS``, or as long as ``via_token`` if that is sooner.

    Refused with a ``ValidationError`` naming the field when: the name is blank or already names one of the actor's
    active tokens (case-insensitively; revoked and expired tokens free their name); the scope is unknown; the expiry
    is not in the future or more than ``MAX_TOKEN_LIFETIME`` ahead. A token created with another token
    (``via_token``) may not widen its scope nor outlive it, so a stolen short-lived token cannot mint a long-lived
    one. The actor's row is locked first, so two concurrent requests cannot both take a name. Creation is recorded
    in ``ApiTokenEvent`` by a trigger, with the acting user and the request's URL."""
    User.objects.select_for_update().only("pk").get(pk=actor.pk)
    name = name.strip()
    now = timezone.now()
    if expires_at is None:
        expires_at = now + timedelta(days=settings.API_TOKEN_TTL_DAYS)
        if via_token is not None and via_token.expires_at is not None:
            expires_at = min(expires_at, via_token.expires_at)
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the token a name.")]
    elif api_tokens_of(user=actor, state=ApiToken.State.ACTIVE).filter(name__iexact=name).exists():
        errors["name"] = [_("You already have an active token with this name.")]
    if scope not in ApiToken.Scope.values:
        errors["scope"] = [_("Choose read only or read and write.")]
    elif via_token is not None and via_token.scope == ApiToken.Scope.READ and scope != ApiToken.Scope.READ:
        errors["scope"] = [_("A read-only token cannot create a token that writes.")]
    if expires_at <= now:
        errors["expires_at"] = [_("The expiry must be in the future.")]
    elif expires_at > now + MAX_TOKEN_LIFETIME:
        errors["expires_at"] = [
            _("A token lives at most %(days)s days.") % {"days": MAX_TOKEN_LIFETIME.days},
        ]
    elif via_token is not None and via_token.expires_at is not None and expires_at > via_token.expires_at:
        errors["expires_at"] = [
            _("A token cannot outlive the token that creates it (that one expires at %(when)s).")
            % {"when": formats.date_format(timezone.localtime(via_token.expires_at), "DATETIME_FORMAT")}
        ]
    if errors:
        raise ValidationError(errors)
    token, raw = api_token_create(user=actor, name=name, scope=scope, expires_at=expires_at)
    detail = {**_token_detail(token), "expires_at": token.expires_at.isoformat() if token.expires_at else None}
    if via_token is not None:
        detail["via_token"] = via_token.pk
    security_event_record(kind=SecurityEventKind.TOKEN_CREATED, user=actor, client=client, detail=detail)
    return token, raw


def _token_detail(token: ApiToken) -> dict[str, object]:
    """What a security event says about a token: never its secret, only what the token list shows."""
    return {"token_id": token.pk, "token_name": token.name, "token_prefix": token.prefix, "scope": token.scope}


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken, client: Client | None = None) -> ApiToken:
    """Revoke one of ``actor``'s tokens: it is refused from the next request on. Idempotent: a revoked token keeps
    its first revocation time. Another user's token raises ``ApiToken.DoesNotExist`` (a 404 for the callers).
    The revocation is recorded in ``ApiTokenEvent`` by a trigger; the row stays (listed as revoked) until the
    nightly purge. The first revocation is also a security event (``token_revoked``)."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk, user=actor)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        security_event_record(
            kind=SecurityEventKind.TOKEN_REVOKED, user=actor, client=client, detail=_token_detail(locked)
        )
    return locked


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def api_token_touch(*, token: ApiToken, client: Client | None = None) -> bool:
    """Record use at most once a minute, so that authentication does not write on every request; the first use in
    each clock hour is also a security event (``token_used``), so the events show when a token was active without a
    row per request. Returns whether that event is to be recorded (once the request's transaction commits)."""
    now = timezone.now()
    last = token.last_used_at
    first_this_hour = last is None or _hour(last) != _hour(now)
    if first_this_hour or now - last > timedelta(minutes=1):  # type: ignore[operator]
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    if first_this_hour:
        # After the request's transaction commits (with the last-use time it wrote), in its own transaction.
        transaction.on_commit(
            partial(
                security_event_record,
                kind=SecurityEventKind.TOKEN_USED,
                user=token.user,
                client=client,
                detail=_token_detail(token),
            )
        )
    return first_this_hour


def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES) and language != "":
        raise ValueError(f"unsupported language {language!r}")
    user.language = language
    user.save(update_fields=["language"])
