"""Health probes and the landing redirect."""

from __future__ import annotations

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found
from django.views.defaults import server_error as default_server_error

from pmo.tenancy.selectors import memberships_of_user


# Neither probe runs inside ATOMIC_REQUESTS' transaction: opening it needs the database, so /healthz would fail while
# the database is down, and /readyz could not say that it is.
@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up. Touches nothing else."""
    return JsonResponse({"status": "ok"})


@transaction.non_atomic_requests
@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """200 only when the database and the broker both answer; 503 naming what is down otherwise."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
        checks["broker"] = "ok"
    except redis.RedisError as exc:
        checks["broker"] = f"error: {type(exc).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Go straight to the only organisation; otherwise let the user choose."""
    memberships = memberships_of_user(user=request.user)
    if len(memberships) == 1:
        return redirect("org-home", org_slug=memberships[0].organization.slug)
    return render(request, "core/choose_organization.html", {"memberships": memberships})


def is_api_request(request: HttpRequest) -> bool:
    """Whether the request is the API's, which answers errors as JSON ``{"detail": …}`` (also the outage 503)."""
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 for every path that matches no route: JSON ``{"detail": …}`` under ``/api/`` (the API's error contract),
    the site's page elsewhere."""
    if is_api_request(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception or Http404())


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON under ``/api/``, the site's page elsewhere. Nothing of the error is shown to the client."""
    if is_api_request(request):
        return JsonResponse({"detail": _("A server error occurred.")}, status=500)
    return default_server_error(request)
