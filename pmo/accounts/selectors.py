"""Reads for accounts: a user's API tokens and their history. Every read is scoped to the user: another user's
token is missing (404), never forbidden."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pmo.accounts.models import ApiToken, ApiTokenEvent, User

LOGIN_URL_PATH = "/api/v1/auth/token/"


def api_tokens_in_state(rows: QuerySet[ApiToken], state: str) -> QuerySet[ApiToken]:
    """``rows`` narrowed in SQL to one ``ApiToken.State`` (as ``ApiToken.state()`` tells it); any other value
    leaves them alone."""
    if state == ApiToken.State.ACTIVE:
        return rows.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()), revoked_at__isnull=True)
    if state == ApiToken.State.EXPIRED:
        return rows.filter(revoked_at__isnull=True, expires_at__lte=timezone.now())
    if state == ApiToken.State.REVOKED:
        return rows.filter(revoked_at__isnull=False)
    return rows


def api_tokens_of(*, user: User, state: str = "") -> QuerySet[ApiToken]:
    """``user``'s tokens, newest first; ``state`` (active, expired or revoked) narrows them."""
    return api_tokens_in_state(ApiToken.objects.filter(user=user), state).order_by("-created_at", "-pk")


def api_token_get_for_user(*, user: User, pk: Any) -> ApiToken:
    """One of ``user``'s tokens; ``Http404`` when it does not exist or is another user's."""
    try:
        return ApiToken.objects.get(user=user, pk=int(pk))
    except (ApiToken.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class TokenActivity:
    at: datetime
    action: str  # created | revoked
    action_label: str | Promise
    name: str
    prefix: str
    via: str | Promise


ACTION_LABELS = {
    "created": pgettext_lazy("token activity", "Created"),
    "revoked": pgettext_lazy("token activity", "Revoked"),
}


def _via(url: str) -> str | Promise:
    """Where a token event came from, told by the request's URL recorded with the event."""
    if url == LOGIN_URL_PATH:
        return _("Password login (API)")
    if url.startswith("/api/"):
        return _("API")
    if url:
        return _("Web page")
    return _("System")


def api_token_activity(*, user: User, limit: int = 20) -> list[TokenActivity]:
    """The latest creations and revocations of ``user``'s tokens, newest first, in one query. The events outlive
    the purge of dead tokens, so this is the user's trace of what happened to them."""
    events = ApiTokenEvent.objects.filter(user_id=user.pk).order_by("-pgh_created_at", "-pgh_id")[:limit]
    return [
        TokenActivity(
            at=event.pgh_created_at,
            action=event.pgh_label,
            action_label=ACTION_LABELS.get(event.pgh_label, event.pgh_label),
            name=event.name,
            prefix=event.prefix,
            via=_via((event.pgh_context or {}).get("url", "")),
        )
        for event in events
    ]
