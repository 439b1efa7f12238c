from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the cookie and the browser's Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


# The session key holding the time (epoch seconds) of the signed-in user's last request.
LAST_ACTIVITY_KEY = "_pmo_last_activity"
# The last-activity time is saved at most this often (seconds), so that a page's many requests do not each
# rewrite the session; the idle timeout is therefore exact to within this much.
ACTIVITY_RESOLUTION = 60
DEFAULT_IDLE_TIMEOUT = 2 * 60 * 60


def session_activity_start(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """At sign-in (``user_logged_in``, connected in ``AccountsConfig.ready``): the idle clock starts, so the first
    request after signing in need not write the session again."""
    if hasattr(request, "session"):
        request.session[LAST_ACTIVITY_KEY] = int(time.time())


class IdleSessionTimeoutMiddleware:
    """Sign out a browser session idle for longer than ``SESSION_IDLE_TIMEOUT`` seconds (default two hours), on top
    of the absolute ``SESSION_COOKIE_AGE``. Put it after ``AuthenticationMiddleware``. Bearer-token API requests
    carry no session and are not affected. ``SESSION_IDLE_TIMEOUT = 0`` turns it off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = int(getattr(settings, "SESSION_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT))
        user = getattr(request, "user", None)
        if timeout > 0 and user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if isinstance(last, int) and now - last > timeout:
                logout(request)
            elif not isinstance(last, int) or now - last >= ACTIVITY_RESOLUTION:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)
