"""``ServiceUnavailableMiddleware`` through Django's own exception handling: an outage of the database or the broker,
raised in a view or in an inner middleware, answers 503 with ``Retry-After`` (HTML, or JSON under ``/api/``); any
other error stays a 500. (``tests/test_faults.py`` proves the same against real outages.)"""

from __future__ import annotations

import json
from collections.abc import Callable

import kombu.exceptions
import pytest
import redis.exceptions
from django.core.handlers.exception import convert_exception_to_response
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import translation

from pmo.core.middleware import ServiceUnavailableMiddleware, outage_of


def failing(error: BaseException) -> Callable[[HttpRequest], HttpResponse]:
    def view(request: HttpRequest) -> HttpResponse:
        raise error

    return view


def serve(path: str, error: BaseException, *, inner_middleware: bool = False) -> HttpResponse:
    """The request through the middleware and Django's exception conversion, as the handler chains them."""
    handler = convert_exception_to_response(failing(error))
    if inner_middleware:
        # The error raised by a middleware inside this one (a session or user load) is converted to a 500 there.
        handler = convert_exception_to_response(lambda request: failing(error)(request))
    response = convert_exception_to_response(ServiceUnavailableMiddleware(handler))(RequestFactory().get(path))
    assert isinstance(response, HttpResponse)
    return response


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("connection refused"),
        InterfaceError("connection already closed"),
        kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379"),
        redis.exceptions.ConnectionError("Connection refused"),
    ],
)
@pytest.mark.parametrize("inner_middleware", [False, True])
def test_an_outage_answers_503_with_retry_after(error: BaseException, inner_middleware: bool) -> None:
    with translation.override("en"):
        page = serve("/o/acme/projects/", error, inner_middleware=inner_middleware)
        api = serve("/api/v1/orgs/acme/projects/", error, inner_middleware=inner_middleware)
    assert page.status_code == 503 and page["Retry-After"] == "30" and page["Cache-Control"] == "no-store"
    assert page["Content-Type"] == "text/html; charset=utf-8"
    assert b"<h1>Temporarily unavailable</h1>" in page.content and b"Traceback" not in page.content
    assert api.status_code == 503 and api["Retry-After"] == "30"
    message = "The service is temporarily unavailable. Please try again in a moment."
    assert json.loads(api.content) == {"detail": message}


def test_any_other_error_stays_a_500() -> None:
    response = serve("/o/acme/projects/", ValueError("a bug"))
    assert response.status_code == 500
    assert not response.has_header("Retry-After")


def test_an_outage_is_recognised_through_the_exception_chain() -> None:
    try:
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError as exc:
            raise RuntimeError("while rendering") from exc
    except RuntimeError as wrapped:
        assert outage_of(wrapped) == "database"
    assert outage_of(ValueError("no")) is None
    assert outage_of(None) is None
