"""The benchmark's query counter: installed first in ``MIDDLEWARE`` by ``pmo.settings.bench`` only.

Every statement a request runs on the default database through Django's cursor (including the session and the
tenant's ``set_config``) is counted with ``connection.execute_wrapper`` and answered in ``X-Query-Count``, with
the time spent waiting for them in ``X-Query-Ms``. The transaction's own ``BEGIN`` and ``COMMIT`` do not pass
through a cursor and are not counted. No other settings module installs it, so no other response carries the
headers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

QUERY_COUNT_HEADER = "X-Query-Count"
QUERY_TIME_HEADER = "X-Query-Ms"


class _Counter:
    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = _Counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response[QUERY_COUNT_HEADER] = str(counter.count)
        response[QUERY_TIME_HEADER] = f"{counter.seconds * 1000:.2f}"
        return response
