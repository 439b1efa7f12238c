"""Paths that match no route, and server errors: JSON under ``/api/`` (the API's error contract), pages elsewhere."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import path

from pmo.urls import urlpatterns as project_urlpatterns

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/v1/no-such-thing/", "/api/v1/orgs/acme/nothing-here/", "/api/elsewhere"])
def test_unmatched_api_paths_answer_json_404(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_unmatched_api_paths_answer_in_the_requested_language(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert response.json()["detail"] != "Not found."


def test_unmatched_site_paths_answer_the_site_page(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"<html" in response.content


def _boom(request: object) -> None:
    raise RuntimeError("secret detail that must not reach the client")


urlpatterns = [
    path("api/v1/boom/", _boom),
    path("boom/", _boom),
    *project_urlpatterns,
]
handler404 = "pmo.core.views.not_found"
handler500 = "pmo.core.views.server_error"


@pytest.mark.urls("tests.test_error_pages")
def test_server_errors_answer_json_under_the_api_and_reveal_nothing() -> None:
    client = Client(raise_request_exception=False)
    api = client.get("/api/v1/boom/")
    assert api.status_code == 500
    assert api.json() == {"detail": "A server error occurred."}
    page = client.get("/boom/")
    assert page.status_code == 500
    assert b"secret detail" not in page.content and b"secret detail" not in api.content
    assert page["Content-Type"].startswith("text/html")
