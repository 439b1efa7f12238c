from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from pmo.tenancy import context


class TenantContextResetMiddleware:
    """Start and end every request with no organisation active in this thread's context.

    The database setting is transaction-local and dies with the request's transaction; the context variable would
    otherwise survive in a reused worker thread.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context.deactivate()
        try:
            return self.get_response(request)
        finally:
            context.deactivate()
            timezone.deactivate()
