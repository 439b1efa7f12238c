"""A database or broker outage answers 503 with ``Retry-After``, not a 500 with a traceback.

While PostgreSQL restarts, or Redis is down, a request fails wherever it first touches the service: in the view, or
earlier, in a middleware that loads the session's user. Django turns an exception raised inside any middleware into a
500 response before an outer middleware sees it, so this middleware does not catch exceptions itself: a receiver of
``got_request_exception`` (sent for every uncaught exception, while it is being handled) marks the request with the
service that failed, and the middleware, placed outermost, replaces that request's 500 with a 503 page (HTML, or
``{"detail": …}`` under ``/api/``). Once the service is back, the next request succeeds: connections are checked
before reuse (``CONN_HEALTH_CHECKS``) and the broker connection is re-established by kombu.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

import kombu.exceptions
import redis.exceptions
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from pmo.core.views import is_api_request

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# The request attribute that names the failed service ("database" or "broker").
OUTAGE_ATTRIBUTE = "pmo_service_outage"

DATABASE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
# The broker and the shared cache are both Redis: a refused or dropped connection to either.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def outage_of(exc: BaseException | None) -> str | None:
    """The service whose outage ``exc`` (or an exception it was raised from) reports, else None."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, DATABASE_ERRORS):
            return "database"
        if isinstance(exc, BROKER_ERRORS):
            return "broker"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def _mark_outage(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    service = outage_of(sys.exc_info()[1])
    if request is not None and service is not None:
        setattr(request, OUTAGE_ATTRIBUTE, service)


got_request_exception.connect(_mark_outage, dispatch_uid="pmo.core.middleware.mark_outage")


def service_unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 answer: the service is unavailable for a moment, and when to try again (``Retry-After``). Which
    service failed is logged, not shown."""
    message = _("The service is temporarily unavailable. Please try again in a moment.")
    response: HttpResponse
    if is_api_request(request):
        response = JsonResponse({"detail": message}, status=503)
    else:
        title = escape(_("Temporarily unavailable"))
        body = (
            f'<!DOCTYPE html><html lang="{escape(get_language() or "en")}"><head><meta charset="utf-8">'
            '<link rel="icon" href="data:,">'
            f"<title>{title}</title></head>"
            '<body style="font-family:sans-serif;max-width:40rem;margin:4rem auto">'
            f"<h1>{title}</h1><p>{escape(message)}</p></body></html>"
        )
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class ServiceUnavailableMiddleware:
    """Outermost (after SecurityMiddleware): turns a 500 caused by a database or broker outage into a 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        service = getattr(request, OUTAGE_ATTRIBUTE, None)
        if service is None or response.status_code != 500:
            return response
        logger.warning("%s unavailable: %s %s answered 503", service, request.method, request.path)
        return service_unavailable_response(request)
