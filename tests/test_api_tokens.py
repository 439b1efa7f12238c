"""Personal access tokens through the API: ``/api/v1/auth/tokens/`` (list, create, retrieve, revoke)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from pmo.accounts.models import ApiToken, ApiTokenEvent
from pmo.accounts.services import api_token_create, personal_token_create
from pmo.tenancy.models import Organization
from tests.conftest import OrgWorld
from tests.factories import MembershipFactory

TOKENS_URL = "/api/v1/auth/tokens/"
ApiClientFactory = Callable[[Any], APIClient]


def bearer(raw: str, **client_options: Any) -> APIClient:
    client = APIClient(**client_options)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def make_token(user: Any, name: str = "script", **fields: Any) -> tuple[ApiToken, str]:
    """A token of ``user``; ``fields`` (scope, expires_at, revoked_at, last_used_at …) are set after creation."""
    token, raw = api_token_create(user=user, name=name, scope=fields.pop("scope", ApiToken.Scope.READ_WRITE))
    if fields:
        for key, value in fields.items():
            setattr(token, key, value)
        token.save(update_fields=list(fields))
    return token, raw


def snapshot(user: Any) -> list[tuple[Any, ...]]:
    return list(
        ApiToken.objects.filter(user=user)
        .order_by("pk")
        .values_list("pk", "name", "scope", "expires_at", "revoked_at", "key_hash")
    )


# --- Create


def test_create_answers_the_raw_token_once_and_stores_only_its_hash(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    _, login_raw = make_token(user, "login")
    before = timezone.now()

    response = bearer(login_raw).post(
        TOKENS_URL, {"name": "Power BI", "scope": "read", "expires_in_days": 7}, format="json"
    )

    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {
        "id",
        "name",
        "prefix",
        "scope",
        "state",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "token",
    }
    assert (body["name"], body["scope"], body["state"]) == ("Power BI", "read", "active")
    raw = body["token"]
    assert raw.startswith("pmo_") and raw.startswith(body["prefix"])
    token = ApiToken.objects.get(pk=body["id"], user=user)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert all(raw not in str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values())
    expires_at = parse_datetime(body["expires_at"])
    assert expires_at is not None
    assert before + timedelta(days=7) <= expires_at <= timezone.now() + timedelta(days=7)
    # The new token works, read-only, and its secret is never answered again.
    assert bearer(raw).get(f"/api/v1/orgs/{org_a.slug}/").status_code == 200
    assert bearer(raw).patch(f"/api/v1/orgs/{org_a.slug}/", {"name": "X"}, format="json").status_code == 403
    detail = bearer(login_raw).get(f"{TOKENS_URL}{token.pk}/").json()
    assert "token" not in detail and raw not in str(detail)


def test_create_defaults_to_read_only_and_thirty_days(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    response = api_client(org_a.users["member"]).post(TOKENS_URL, {"name": "nightly export"}, format="json")

    assert response.status_code == 201
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.scope == ApiToken.Scope.READ
    assert token.expires_at is not None
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)


def test_create_with_an_expiry_date(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    when = (timezone.now() + timedelta(days=10)).replace(microsecond=0)

    response = api_client(org_a.users["pmo"]).post(
        TOKENS_URL, {"name": "sync", "scope": "read_write", "expires_at": when.isoformat()}, format="json"
    )

    assert response.status_code == 201
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert (token.expires_at, token.scope) == (when, ApiToken.Scope.READ_WRITE)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "scope": "admin"}, "scope"),
        ({"name": "ok", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "ok", "expires_in_days": 366}, "expires_in_days"),
        ({"name": "ok", "expires_in_days": "soon"}, "expires_in_days"),
        ({"name": "ok", "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "ok", "expires_at": "not a date"}, "expires_at"),
        ({"name": "ok", "expires_in_days": 7, "expires_at": "2099-01-01T00:00:00Z"}, "expires_at"),
    ],
    ids=[
        "blank",
        "spaces",
        "missing",
        "too-long",
        "scope",
        "zero-days",
        "over-a-year",
        "days-not-a-number",
        "past",
        "bad-date",
        "both",
    ],
)
def test_bad_input_is_a_field_error_and_creates_nothing(org_a: OrgWorld, payload: dict[str, Any], field: str) -> None:
    user = org_a.users["manager"]
    _, raw = make_token(user, "login")
    before = snapshot(user)

    response = bearer(raw).post(TOKENS_URL, payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert field in body
    assert isinstance(body[field], list) and all(isinstance(message, str) and message for message in body[field])
    assert snapshot(user) == before


def test_expiry_more_than_a_year_ahead_is_refused(org_a: OrgWorld) -> None:
    user = org_a.users["admin"]
    _, raw = make_token(user, "login", expires_at=timezone.now() + timedelta(days=400))
    before = snapshot(user)
    when = timezone.now() + timedelta(days=366)

    response = bearer(raw).post(TOKENS_URL, {"name": "long", "expires_at": when.isoformat()}, format="json")

    assert response.status_code == 400
    assert "365" in response.json()["expires_at"][0]
    assert snapshot(user) == before


def test_a_token_cannot_create_one_that_outlives_it(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    _, raw = make_token(user, "short", expires_at=timezone.now() + timedelta(days=3))
    before = snapshot(user)

    refused = bearer(raw).post(TOKENS_URL, {"name": "longer", "expires_in_days": 30}, format="json")
    allowed = bearer(raw).post(TOKENS_URL, {"name": "shorter", "expires_in_days": 2}, format="json")

    assert refused.status_code == 400
    assert set(refused.json()) == {"expires_at"}
    assert allowed.status_code == 201
    assert len(snapshot(user)) == len(before) + 1


def test_names_are_unique_among_active_tokens_only(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    user = org_a.users["manager"]
    make_token(user, "Reporting")
    make_token(user, "old", revoked_at=timezone.now())
    make_token(user, "stale", expires_at=timezone.now() - timedelta(days=1))
    client = api_client(user)
    before = snapshot(user)

    duplicate = client.post(TOKENS_URL, {"name": " reporting "}, format="json")

    assert duplicate.status_code == 400
    assert list(duplicate.json()) == ["name"]
    assert snapshot(user) == before
    assert client.post(TOKENS_URL, {"name": "old"}, format="json").status_code == 201
    assert client.post(TOKENS_URL, {"name": "stale"}, format="json").status_code == 201
    # Another user may use the same name.
    assert api_client(org_a.users["member"]).post(TOKENS_URL, {"name": "Reporting"}, format="json").status_code == 201


def test_errors_come_in_the_users_language(org_a: OrgWorld) -> None:
    _, raw = make_token(org_a.users["manager"], "login")

    response = bearer(raw).post(TOKENS_URL, {"name": ""}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 400
    assert response.json() == {"name": ["该字段不能为空。"]}


def test_read_only_token_cannot_create_nor_revoke_tokens(org_a: OrgWorld) -> None:
    user = org_a.users["admin"]
    _, raw = make_token(user, "reader", scope=ApiToken.Scope.READ)
    other, _ = make_token(user, "other")
    before = snapshot(user)
    client = bearer(raw)

    listed = client.get(TOKENS_URL)
    created = client.post(TOKENS_URL, {"name": "escalated", "scope": "read_write"}, format="json")
    revoked = client.post(f"{TOKENS_URL}{other.pk}/revoke/")

    assert listed.status_code == 200
    assert created.status_code == 403
    assert revoked.status_code == 403
    assert created.json() == {"detail": "This token is read-only."}
    assert snapshot(user) == before


# --- List and retrieve


def test_list_shows_my_tokens_newest_first_without_secrets(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    make_token(user, "first", created_at=timezone.now() - timedelta(days=2))
    make_token(user, "revoked", created_at=timezone.now() - timedelta(days=1), revoked_at=timezone.now())
    _, raw = make_token(user, "login")
    make_token(org_a.users["member"], "someone else's")

    response = bearer(raw).get(TOKENS_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["name"] for row in body["results"]] == ["login", "revoked", "first"]
    assert [row["state"] for row in body["results"]] == ["active", "revoked", "active"]
    for row in body["results"]:
        assert "token" not in row and "key_hash" not in row
        assert row["prefix"].startswith("pmo_") and len(row["prefix"]) == 10


def test_list_filters_by_state_and_scope_and_orders(org_a: OrgWorld) -> None:
    user = org_a.users["pmo"]
    make_token(user, "b-expired", expires_at=timezone.now() - timedelta(minutes=1))
    make_token(user, "c-revoked", revoked_at=timezone.now(), expires_at=timezone.now() - timedelta(minutes=1))
    make_token(user, "a-reader", scope=ApiToken.Scope.READ)
    _, raw = make_token(user, "d-login")
    client = bearer(raw)

    def names(query: str) -> list[str]:
        response = client.get(f"{TOKENS_URL}?{query}")
        assert response.status_code == 200, response.content
        return [row["name"] for row in response.json()["results"]]

    assert names("state=active&ordering=name") == ["a-reader", "d-login"]
    assert names("state=expired") == ["b-expired"]
    assert names("state=revoked") == ["c-revoked"]
    assert names("scope=read") == ["a-reader"]
    assert names("ordering=-name") == ["d-login", "c-revoked", "b-expired", "a-reader"]
    assert names("page_size=2&page=2&ordering=name") == ["c-revoked", "d-login"]
    assert client.get(f"{TOKENS_URL}?state=lost").status_code == 400
    unknown = client.get(f"{TOKENS_URL}?ordering=key_hash")
    assert unknown.status_code == 400
    assert "ordering" in unknown.json()


def test_retrieve_mine_and_404_for_anything_else(org_a: OrgWorld) -> None:
    user = org_a.users["viewer"]
    mine, raw = make_token(user, "mine")
    others, _ = make_token(org_a.users["manager"], "theirs")
    client = bearer(raw)

    response = client.get(f"{TOKENS_URL}{mine.pk}/")

    assert response.status_code == 200
    assert response.json()["name"] == "mine"
    assert response.json()["last_used_at"] is not None
    for path in (f"{others.pk}/", "999999/", "abc/"):
        missing = client.get(f"{TOKENS_URL}{path}")
        assert missing.status_code == 404, path
        assert set(missing.json()) == {"detail"}


# --- Revoke


def test_revoke_refuses_the_token_from_the_next_request(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    target, target_raw = make_token(user, "ci")
    _, raw = make_token(user, "login")
    assert bearer(target_raw).get("/api/v1/orgs/").status_code == 200

    response = bearer(raw).post(f"{TOKENS_URL}{target.pk}/revoke/")

    assert response.status_code == 200
    assert response.json()["state"] == "revoked"
    target.refresh_from_db()
    assert target.revoked_at is not None
    refused = bearer(target_raw).get("/api/v1/orgs/")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == 'Bearer realm="api"'
    # Revoking again changes nothing.
    first_revocation = target.revoked_at
    again = bearer(raw).post(f"{TOKENS_URL}{target.pk}/revoke/")
    assert again.status_code == 200
    target.refresh_from_db()
    assert target.revoked_at == first_revocation
    assert ApiTokenEvent.objects.filter(pgh_obj_id=target.pk, pgh_label="revoked").count() == 1


def test_a_token_may_revoke_itself(org_a: OrgWorld) -> None:
    token, raw = make_token(org_a.users["member"], "leaked")

    assert bearer(raw).post(f"{TOKENS_URL}{token.pk}/revoke/").status_code == 200
    assert bearer(raw).get(TOKENS_URL).status_code == 401


def test_another_users_token_cannot_be_seen_nor_revoked(org_a: OrgWorld, org_b: OrgWorld) -> None:
    victim = org_a.users["admin"]
    target, target_raw = make_token(victim, "victim's")
    before = snapshot(victim)
    events = ApiTokenEvent.objects.count()
    for attacker in (org_a.users["member"], org_b.users["admin"]):
        _, raw = make_token(attacker, "attacker")
        client = bearer(raw)

        assert client.get(f"{TOKENS_URL}{target.pk}/").status_code == 404
        assert client.post(f"{TOKENS_URL}{target.pk}/revoke/").status_code == 404
        assert target.pk not in [row["id"] for row in client.get(TOKENS_URL).json()["results"]]

    assert snapshot(victim) == before
    assert ApiTokenEvent.objects.count() == events + 2  # the attackers' own tokens only
    assert bearer(target_raw).get("/api/v1/orgs/").status_code == 200


# --- Expired, wrong and unauthenticated


def test_expired_token_is_refused_with_www_authenticate(org_a: OrgWorld) -> None:
    _, raw = make_token(org_a.users["admin"], "old", expires_at=timezone.now() - timedelta(seconds=1))

    response = bearer(raw).get(TOKENS_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize("method", ["get", "post"])
def test_unauthenticated_or_wrong_token_is_refused(org_a: OrgWorld, method: str) -> None:
    make_token(org_a.users["admin"], "existing")
    before = ApiToken.objects.count()

    for client in (APIClient(), bearer("pmo_wrongwrongwrongwrongwrongwrongwrongwrong123")):
        response = getattr(client, method)(TOKENS_URL, {"name": "x"} if method == "post" else None, format="json")
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")

    assert ApiToken.objects.count() == before


# --- Tokens are per user, organisations come from the URL


def test_a_token_acts_in_every_organisation_of_its_user_and_404_elsewhere(org_a: OrgWorld, org_b: OrgWorld) -> None:
    user = org_a.users["pmo"]
    _, raw = make_token(user, "everywhere")
    client = bearer(raw)

    assert client.get(f"/api/v1/orgs/{org_b.slug}/projects/").status_code == 404
    MembershipFactory(organization=org_b.organization, user=user, role="viewer")

    assert client.get(f"/api/v1/orgs/{org_a.slug}/").json()["role"] == "pmo"
    assert client.get(f"/api/v1/orgs/{org_b.slug}/").json()["role"] == "viewer"
    refused = client.patch(f"/api/v1/orgs/{org_b.slug}/", {"name": "Renamed"}, format="json")
    assert refused.status_code == 403
    assert Organization.objects.get(pk=org_b.organization.pk).name == "Beta Ltd"


# --- Last use


def test_last_used_is_recorded_at_most_once_a_minute(org_a: OrgWorld) -> None:
    token, raw = make_token(org_a.users["member"], "poller")
    assert token.last_used_at is None

    bearer(raw).get("/api/v1/orgs/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    bearer(raw).get("/api/v1/orgs/")
    token.refresh_from_db()
    assert token.last_used_at == first

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    bearer(raw).get("/api/v1/orgs/")
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > first - timedelta(seconds=1)
    # The use of a token is not an audit event; only its creation is.
    assert list(ApiTokenEvent.objects.filter(pgh_obj_id=token.pk).values_list("pgh_label", flat=True)) == ["created"]


# --- CSRF: the browser's session needs it, a bearer token does not


def test_session_post_needs_the_csrf_token(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)

    refused = client.post(TOKENS_URL, {"name": "from the browser"}, format="json")

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not ApiToken.objects.filter(user=user).exists()

    page = client.get("/accounts/tokens/")
    csrf = page.cookies["csrftoken"].value
    accepted = client.post(TOKENS_URL, {"name": "from the browser"}, format="json", HTTP_X_CSRFTOKEN=csrf)

    assert accepted.status_code == 201
    assert ApiToken.objects.filter(user=user).values_list("name", flat=True).get() == "from the browser"


def test_bearer_post_needs_no_csrf_token(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    _, raw = make_token(user, "login")

    response = bearer(raw, enforce_csrf_checks=True).post(TOKENS_URL, {"name": "headless"}, format="json")

    assert response.status_code == 201
    assert ApiToken.objects.filter(user=user, name="headless").exists()


# --- Audit trail


def test_creation_and_revocation_leave_events_with_their_origin(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    _, raw = make_token(user, "login")
    created = bearer(raw).post(TOKENS_URL, {"name": "etl"}, format="json").json()

    bearer(raw).post(f"{TOKENS_URL}{created['id']}/revoke/")

    events = list(ApiTokenEvent.objects.filter(pgh_obj_id=created["id"]).order_by("pgh_id"))
    assert [event.pgh_label for event in events] == ["created", "revoked"]
    assert all(event.user_id == user.pk and event.name == "etl" for event in events)
    assert events[0].pgh_context["url"] == TOKENS_URL
    assert events[1].pgh_context["url"] == f"{TOKENS_URL}{created['id']}/revoke/"
    assert all(event.pgh_context["user"] == user.pk for event in events)
    assert events[1].revoked_at is not None


# --- Query counts


@pytest.mark.parametrize("extra", [2, 25])
def test_list_query_count_does_not_grow(org_a: OrgWorld, django_assert_max_num_queries: Any, extra: int) -> None:
    user = org_a.users["manager"]
    for index in range(extra):
        make_token(user, f"token {index}", revoked_at=timezone.now() if index % 3 == 0 else None)
    _, raw = make_token(user, "login")
    client = bearer(raw)
    client.get(TOKENS_URL)  # records last use, so the counted request does not write

    with django_assert_max_num_queries(5):
        response = client.get(f"{TOKENS_URL}?page_size=100")

    assert response.json()["count"] == extra + 1


# --- Concurrency


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_creations_of_one_name_cannot_both_pass(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                personal_token_create(
                    actor=user, name="nightly", scope=ApiToken.Scope.READ, expires_at=None, via_token=None
                )
                time.sleep(0.2)  # hold the lock while the other thread checks the name
            outcomes.append("created")
        except ValidationError as exc:
            outcomes.append(f"refused:{','.join(exc.message_dict)}")
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "refused:name"]
    assert ApiToken.objects.filter(user=user, name="nightly").count() == 1
