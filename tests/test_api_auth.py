"""``POST /api/v1/auth/token/`` and bearer-token authentication of the API."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from pmo.accounts.models import ApiToken
from pmo.accounts.services import api_token_create
from pmo.tenancy.models import Invitation, Membership, Organization
from tests.conftest import OrgWorld
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
ApiClientFactory = Callable[[Any], APIClient]


@pytest.fixture(autouse=True)
def _fresh_login_throttle() -> Iterator[None]:
    """The login throttle counts in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def org_endpoints(slug: str) -> list[str]:
    return [
        "/api/v1/orgs/",
        f"/api/v1/orgs/{slug}/",
        f"/api/v1/orgs/{slug}/members/",
        f"/api/v1/orgs/{slug}/invitations/",
        f"/api/v1/orgs/{slug}/projects/",
    ]


# --- Obtaining a token


def test_good_credentials_give_a_token_that_expires(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    before = timezone.now()

    response = APIClient().post(TOKEN_URL, {"username": user.email, "password": PASSWORD}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert body["token"].startswith("pmo_")
    expires_at = parse_datetime(body["expires_at"])
    assert expires_at is not None
    assert expires_at > before + timedelta(days=1)
    token = ApiToken.objects.get(user=user)
    assert token.expires_at == expires_at
    assert token.scope == ApiToken.Scope.READ_WRITE


def test_username_is_the_email_in_any_case(org_a: OrgWorld) -> None:
    user = org_a.users["pmo"]

    response = APIClient().post(TOKEN_URL, {"username": user.email.upper(), "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert ApiToken.objects.filter(user=user).count() == 1


def test_raw_token_is_not_stored_only_its_sha256(org_a: OrgWorld) -> None:
    user = org_a.users["member"]

    raw = APIClient().post(TOKEN_URL, {"username": user.email, "password": PASSWORD}, format="json").json()["token"]

    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert all(raw not in value for value in stored)
    assert token.prefix == raw[: len(token.prefix)]
    assert len(token.prefix) < len(raw) // 2


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "manager@alpha.test", "password": "wrong-password"},
        {"username": "nobody@alpha.test", "password": PASSWORD},
    ],
    ids=["wrong-password", "unknown-user"],
)
def test_bad_credentials_are_refused_with_detail(org_a: OrgWorld, credentials: dict[str, str]) -> None:
    response = APIClient().post(TOKEN_URL, credentials, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_token(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = APIClient().post(TOKEN_URL, {"username": user.email, "password": PASSWORD}, format="json")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("payload", "missing"),
    [
        ({}, {"username", "password"}),
        ({"username": "admin@alpha.test"}, {"password"}),
        ({"password": "x"}, {"username"}),
    ],
)
def test_missing_fields_give_field_errors(org_a: OrgWorld, payload: dict[str, str], missing: set[str]) -> None:
    response = APIClient().post(TOKEN_URL, payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert set(body) == missing
    assert all(isinstance(body[field], list) and body[field] for field in missing)
    assert not ApiToken.objects.exists()


def test_login_is_throttled(org_a: OrgWorld) -> None:
    # A different account each time: one account alone is locked after five failures (tests/test_security_hardening.py).
    client = APIClient()
    statuses = [
        client.post(TOKEN_URL, {"username": f"guess{n}@alpha.test", "password": "wrong"}, format="json").status_code
        for n in range(21)
    ]

    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


# --- Using a token


def test_token_from_login_works_as_bearer(org_a: OrgWorld) -> None:
    user = org_a.users["viewer"]
    raw = APIClient().post(TOKEN_URL, {"username": user.email, "password": PASSWORD}, format="json").json()["token"]

    response = bearer(raw).get(f"/api/v1/orgs/{org_a.slug}/")

    assert response.status_code == 200
    assert response.json()["role"] == "viewer"
    assert ApiToken.objects.get(user=user).last_used_at is not None


def test_revoked_token_is_refused(org_a: OrgWorld) -> None:
    token, raw = api_token_create(user=org_a.users["admin"])
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])

    response = bearer(raw).get("/api/v1/orgs/")

    assert response.status_code == 401
    assert "detail" in response.json()
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_refused(org_a: OrgWorld) -> None:
    token, raw = api_token_create(user=org_a.users["admin"])
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save(update_fields=["expires_at"])

    assert bearer(raw).get("/api/v1/orgs/").status_code == 401


def test_token_of_a_deactivated_user_is_refused(org_a: OrgWorld) -> None:
    user = org_a.users["admin"]
    _, raw = api_token_create(user=user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert bearer(raw).get("/api/v1/orgs/").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer not-a-token", "Bearer two parts", "Bearer pmo_unknownunknownunknown"],
)
def test_malformed_or_unknown_bearer_is_refused(org_a: OrgWorld, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    assert client.get(f"/api/v1/orgs/{org_a.slug}/").status_code == 401


def test_read_only_token_reads_but_cannot_write(org_a: OrgWorld) -> None:
    admin = org_a.users["admin"]
    _, raw = api_token_create(user=admin, name="reporting", scope=ApiToken.Scope.READ)
    client = bearer(raw)
    member = org_a.users["member"]

    assert client.get(f"/api/v1/orgs/{org_a.slug}/").status_code == 200
    patch = client.patch(f"/api/v1/orgs/{org_a.slug}/", {"name": "Renamed"}, format="json")
    invite = client.post(
        f"/api/v1/orgs/{org_a.slug}/invitations/",
        {"email": "new@alpha.test", "role": "member"},
        format="json",
    )

    assert patch.status_code == 403
    assert invite.status_code == 403
    assert Organization.objects.get(pk=org_a.organization.pk).name == "Alpha Ltd"
    with org_a.ctx():
        assert not Invitation.objects.exists()
        assert Membership.objects.get(user=member).role == "member"


def test_read_write_token_can_write(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    response = api_client(org_a.users["admin"]).patch(f"/api/v1/orgs/{org_a.slug}/", {"name": "Renamed"}, format="json")

    assert response.status_code == 200
    assert Organization.objects.get(pk=org_a.organization.pk).name == "Renamed"


# --- Unauthenticated


def test_unauthenticated_calls_get_401(org_a: OrgWorld) -> None:
    client = APIClient()
    for url in org_endpoints(org_a.slug):
        response = client.get(url)
        assert response.status_code == 401, url
        assert "detail" in response.json()
    unknown = client.get("/api/v1/orgs/no-such-org/members/")
    assert unknown.status_code == 401


def test_unauthenticated_writes_get_401_and_change_nothing(org_a: OrgWorld) -> None:
    client = APIClient()
    member = org_a.users["member"]
    with org_a.ctx():
        membership_pk = Membership.objects.get(user=member).pk

    responses = [
        client.patch(f"/api/v1/orgs/{org_a.slug}/", {"name": "Hacked"}, format="json"),
        client.patch(f"/api/v1/orgs/{org_a.slug}/members/{membership_pk}/", {"role": "admin"}, format="json"),
        client.delete(f"/api/v1/orgs/{org_a.slug}/members/{membership_pk}/"),
        client.post(f"/api/v1/orgs/{org_a.slug}/invitations/", {"email": "x@alpha.test", "role": "admin"}),
    ]

    assert [r.status_code for r in responses] == [401] * 4
    assert Organization.objects.get(pk=org_a.organization.pk).name == "Alpha Ltd"
    with org_a.ctx():
        assert Membership.objects.get(pk=membership_pk).role == "member"
        assert not Invitation.objects.exists()


def test_session_write_needs_csrf(org_a: OrgWorld) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(org_a.users["admin"])

    assert client.get(f"/api/v1/orgs/{org_a.slug}/").status_code == 200
    response = client.patch(f"/api/v1/orgs/{org_a.slug}/", {"name": "Renamed"}, format="json")

    assert response.status_code == 403
    assert Organization.objects.get(pk=org_a.organization.pk).name == "Alpha Ltd"
