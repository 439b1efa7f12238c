"""Per-token throttling of the API (``pmo.accounts.throttling.ApiRateThrottle``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from pmo.accounts.models import ApiToken
from pmo.accounts.throttling import ApiRateThrottle
from tests.conftest import OrgWorld
from tests.factories import PASSWORD
from tests.test_api_tokens import bearer, make_token

RATE = 3


@pytest.fixture
def low_rate() -> Iterator[None]:
    """The API budget lowered to ``RATE`` requests a minute (the login keeps its own 20)."""
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "api": f"{RATE}/min"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        yield


def statuses(client: APIClient, url: str, count: int) -> list[int]:
    return [client.get(url).status_code for _ in range(count)]


def test_default_rate_is_a_sensible_figure() -> None:
    assert api_settings.DEFAULT_THROTTLE_RATES["api"] == "600/min"
    assert ApiRateThrottle in api_settings.DEFAULT_THROTTLE_CLASSES


def test_a_token_is_throttled_with_retry_after(org_a: OrgWorld, low_rate: None) -> None:
    _, raw = make_token(org_a.users["manager"], "burst")
    client = bearer(raw)

    assert statuses(client, f"/api/v1/orgs/{org_a.slug}/", RATE) == [200] * RATE
    response = client.get(f"/api/v1/orgs/{org_a.slug}/")

    assert response.status_code == 429
    assert set(response.json()) == {"detail"}
    assert 0 < int(response["Retry-After"]) <= 60


def test_one_tokens_burst_does_not_throttle_another_token_of_the_same_user(org_a: OrgWorld, low_rate: None) -> None:
    user = org_a.users["manager"]
    _, noisy = make_token(user, "noisy")
    _, quiet = make_token(user, "quiet")

    assert statuses(bearer(noisy), "/api/v1/orgs/", RATE + 2)[-2:] == [429, 429]

    assert statuses(bearer(quiet), "/api/v1/orgs/", RATE) == [200] * RATE
    assert bearer(quiet).get("/api/v1/orgs/").status_code == 429


def test_sessions_are_throttled_per_user_apart_from_tokens(org_a: OrgWorld, low_rate: None) -> None:
    user = org_a.users["pmo"]
    _, raw = make_token(user, "script")
    assert statuses(bearer(raw), "/api/v1/orgs/", RATE + 1)[-1] == 429
    browser = APIClient()
    browser.force_login(user)
    other_browser = APIClient()
    other_browser.force_login(org_a.users["viewer"])

    assert statuses(browser, "/api/v1/orgs/", RATE + 1) == [200] * RATE + [429]
    assert other_browser.get("/api/v1/orgs/").status_code == 200


def test_a_throttled_write_changes_nothing(org_a: OrgWorld, low_rate: None) -> None:
    user = org_a.users["admin"]
    _, raw = make_token(user, "writer")
    client = bearer(raw)
    statuses(client, "/api/v1/auth/tokens/", RATE)

    response = client.post("/api/v1/auth/tokens/", {"name": "one too many"}, format="json")

    assert response.status_code == 429
    assert not ApiToken.objects.filter(user=user, name="one too many").exists()


def test_the_login_keeps_its_own_budget(org_a: OrgWorld, low_rate: None) -> None:
    client = APIClient()
    user: Any = org_a.users["member"]

    answers = [
        client.post("/api/v1/auth/token/", {"username": user.email, "password": PASSWORD}, format="json").status_code
        for _ in range(RATE + 2)
    ]

    assert answers == [200] * (RATE + 2)
