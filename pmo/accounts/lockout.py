"""Sign-in lockout, shared by the web form and ``POST /api/v1/auth/token/``.

Failures are counted in the default cache (Redis in production, so every web process shares the counts), per
account (the e-mail address tried, normalised) and per client address (``client_ip``). When an account reaches
``LOGIN_LOCKOUT_ATTEMPTS`` failures within ``LOGIN_LOCKOUT_WINDOW`` seconds, or an address reaches
``LOGIN_LOCKOUT_IP_ATTEMPTS``, it is locked for ``LOGIN_LOCKOUT_DURATION`` seconds: every sign-in for it is refused
without checking the password, even the right one (so a guesser learns nothing during the lock). A successful
sign-in clears the account's count. The window starts at the first failure (a fixed window, one counter per key).

The cache keys hold a hash of the e-mail address, never the address itself, and never anything about the password.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

DEFAULT_ATTEMPTS = 5
DEFAULT_IP_ATTEMPTS = 30
DEFAULT_WINDOW = 15 * 60
DEFAULT_DURATION = 15 * 60
PREFIX = "login-lockout"


@dataclass(frozen=True)
class LockoutPolicy:
    attempts: int
    ip_attempts: int
    window: int
    duration: int

    @classmethod
    def current(cls) -> LockoutPolicy:
        return cls(
            attempts=getattr(settings, "LOGIN_LOCKOUT_ATTEMPTS", DEFAULT_ATTEMPTS),
            ip_attempts=getattr(settings, "LOGIN_LOCKOUT_IP_ATTEMPTS", DEFAULT_IP_ATTEMPTS),
            window=getattr(settings, "LOGIN_LOCKOUT_WINDOW", DEFAULT_WINDOW),
            duration=getattr(settings, "LOGIN_LOCKOUT_DURATION", DEFAULT_DURATION),
        )


def _account_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return f"{PREFIX}:account:{digest}"


def _ip_key(ip: str | None) -> str | None:
    return f"{PREFIX}:ip:{ip}" if ip else None


def _keys(username: str, ip: str | None) -> list[tuple[str, str]]:
    """(scope, key) of the account and, when known, of the address."""
    keys = [("account", _account_key(username))]
    ip_key = _ip_key(ip)
    if ip_key:
        keys.append(("ip", ip_key))
    return keys


def seconds_locked(*, username: str, ip: str | None) -> int:
    """How long the account or the address stays locked (whole seconds, at least 1 while locked); 0 if neither is.
    One cache read."""
    until = cache.get_many([f"{key}:until" for _scope, key in _keys(username, ip)])
    now = time.time()
    remaining = max((float(value) - now for value in until.values()), default=0.0)
    return max(math.ceil(remaining), 1) if remaining > 0 else 0


def _count(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def failure_register(*, username: str, ip: str | None) -> list[str]:
    """Count one failed sign-in; return the scopes (``"account"``, ``"ip"``) that this failure locked."""
    policy = LockoutPolicy.current()
    locked = []
    for scope, key in _keys(username, ip):
        limit = policy.attempts if scope == "account" else policy.ip_attempts
        if _count(f"{key}:count", policy.window) >= limit:
            cache.set(f"{key}:until", time.time() + policy.duration, timeout=policy.duration)
            cache.delete(f"{key}:count")
            locked.append(scope)
    return locked


def account_clear(*, username: str) -> None:
    """Forget the account's failures (after a successful sign-in). The address keeps its count."""
    cache.delete(f"{_account_key(username)}:count")
