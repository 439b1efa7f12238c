"""Per-token throttling of the API.

One budget per bearer token (so a runaway script exhausts only its own token, never another token of the same
user) and one per user for browser sessions. The rate is ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api"]``,
``API_TOKEN_THROTTLE_RATE`` in the environment (``600/min`` by default), read on every request so that a test can
override it. Beyond it the API answers 429 with ``Retry-After``. The counters live in the default cache, which is
Redis (shared by every web process) whenever ``REDIS_URL`` is set. Anonymous requests are not counted here: they
are refused with 401 before throttling, and the password login has its own throttle (``LoginThrottle``).
"""

from __future__ import annotations

from typing import Any, cast

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from pmo.accounts.models import ApiToken


class ApiRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self) -> str | None:
        rates = cast(dict[str, str | None], api_settings.DEFAULT_THROTTLE_RATES)
        return rates.get(self.scope or "")

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}
