"""What every sign-in does besides checking the password, for the web form and the API token endpoint alike:
the lockout (``pmo.accounts.lockout``) and the security events (``pmo.audit.services``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import ngettext

from pmo.accounts import lockout
from pmo.accounts.models import User
from pmo.audit.models import SecurityEventKind
from pmo.audit.services import Client, security_event_record


def signin_seconds_locked(*, username: str, client: Client) -> int:
    return lockout.seconds_locked(username=username, ip=client.ip)


def signin_failed(*, username: str, client: Client, channel: str) -> int:
    """Count the failure, record it (and a lockout it causes); return how long sign-in is now locked (0: not).

    The event goes to each organisation of the account the e-mail address names, or to the site table when it
    names none. The password tried is never recorded."""
    locked = lockout.failure_register(username=username, ip=client.ip)
    user = User.objects.filter(email__iexact=username.strip()).first()
    detail: dict[str, Any] = {"channel": channel}
    security_event_record(
        kind=SecurityEventKind.LOGIN_FAILED, user=user, username=username, client=client, detail=detail
    )
    policy = lockout.LockoutPolicy.current()
    for scope in locked:
        security_event_record(
            kind=SecurityEventKind.LOCKOUT,
            user=user if scope == "account" else None,
            username=username,
            client=client,
            detail={**detail, "scope": scope, "seconds": policy.duration},
        )
    return lockout.seconds_locked(username=username, ip=client.ip) if locked else 0


def signin_succeeded(*, user: User, client: Client, channel: str) -> None:
    lockout.account_clear(username=user.email)
    security_event_record(kind=SecurityEventKind.LOGIN_SUCCEEDED, user=user, client=client, detail={"channel": channel})


def locked_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext(
        "Too many failed sign-in attempts. Sign-in is locked for %(minutes)d minute; try again later.",
        "Too many failed sign-in attempts. Sign-in is locked for %(minutes)d minutes; try again later.",
        minutes,
    ) % {"minutes": minutes}
