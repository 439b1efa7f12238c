"""Hardening (issue 10): the Content-Security-Policy and the other security headers, the sign-in lockout on the
shared cache for the web form and the API token endpoint alike, the client address behind trusted proxies, the idle
session timeout, and the password validators on every form that sets a password."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.test import Client, RequestFactory
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from pmo.accounts.middleware import LAST_ACTIVITY_KEY
from pmo.audit.services import client_ip
from pmo.tenancy.services import invitation_token
from tests.conftest import OrgWorld
from tests.factories import PASSWORD, InvitationFactory, UserFactory
from tests.security_support import apply_security_settings

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
WRONG = "not-the-password-1"


@pytest.fixture(autouse=True)
def _security_settings(settings: Any) -> None:
    apply_security_settings(settings)
    settings.LOGIN_LOCKOUT_ATTEMPTS = 5
    settings.LOGIN_LOCKOUT_IP_ATTEMPTS = 30
    settings.LOGIN_LOCKOUT_WINDOW = 900
    settings.LOGIN_LOCKOUT_DURATION = 900
    settings.SESSION_IDLE_TIMEOUT = 7200


def web_login(email: str, password: str, *, client: Client | None = None, ip: str = "10.0.0.1") -> Any:
    return (client or Client()).post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def api_login(email: str, password: str, *, ip: str = "10.0.0.1") -> Any:
    return APIClient().post(TOKEN, {"username": email, "password": password}, format="json", REMOTE_ADDR=ip)


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


# --- Headers ------------------------------------------------------------------------------------------------


def test_pages_carry_the_content_security_policy(org_a: OrgWorld) -> None:
    signed_in = Client()
    signed_in.force_login(org_a.users["admin"])
    for client, url in ((Client(), LOGIN), (signed_in, f"/o/{org_a.slug}/"), (signed_in, "/accounts/tokens/")):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert policy["form-action"] == ["'self'"]
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_an_inline_script_carries_the_nonce_of_its_own_response(org_a: OrgWorld) -> None:
    client = Client()
    client.force_login(org_a.users["admin"])
    nonces = []
    for _ in range(2):
        response = client.get("/accounts/tokens/")
        header_nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
        assert header_nonce is not None
        scripts = re.findall(r"<script([^>]*)>", response.content.decode())
        assert scripts and all(f'nonce="{header_nonce.group(1)}"' in attrs for attrs in scripts)
        nonces.append(header_nonce.group(1))
    assert nonces[0] != nonces[1]


def test_the_password_validators_are_the_issues(settings: Any) -> None:
    validators = {
        entry["NAME"].rsplit(".", 1)[1]: entry.get("OPTIONS", {}) for entry in settings.AUTH_PASSWORD_VALIDATORS
    }
    assert set(validators) >= {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }
    assert validators["MinimumLengthValidator"].get("min_length", 8) >= 10
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY is True


# --- Lockout ------------------------------------------------------------------------------------------------


def test_the_web_form_locks_an_account_after_five_failures_even_for_the_right_password(org_a: OrgWorld) -> None:
    email = org_a.users["member"].email
    for _ in range(4):
        response = web_login(email, WRONG)
        assert response.status_code == 200
        assert b"locked" not in response.content
    fifth = web_login(email, WRONG)
    assert fifth.status_code == 429
    assert "Too many failed sign-in attempts" in fifth.content.decode()

    client = Client()
    right = web_login(email, PASSWORD, client=client)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another account from the same address still signs in.
    other = web_login(org_a.users["viewer"].email, PASSWORD)
    assert other.status_code == 302


def test_the_api_answers_429_with_retry_after_during_a_lock_shared_with_the_web(org_a: OrgWorld) -> None:
    email = org_a.users["manager"].email
    for _ in range(3):
        assert web_login(email, WRONG).status_code == 200
    assert api_login(email, WRONG).status_code == 400
    locked = api_login(email, WRONG)
    assert locked.status_code == 429
    assert 850 <= int(locked["Retry-After"]) <= 900
    assert "Too many failed sign-in attempts" in locked.json()["detail"]

    right = api_login(email, PASSWORD)
    assert right.status_code == 429 and "token" not in right.json()
    # The address is case-insensitive: the lock holds for the same account written otherwise.
    assert api_login(email.upper(), PASSWORD).status_code == 429


def test_a_success_clears_the_accounts_count(org_a: OrgWorld) -> None:
    email = org_a.users["pmo"].email
    for _ in range(4):
        assert api_login(email, WRONG).status_code == 400
    assert api_login(email, PASSWORD).status_code == 200
    for _ in range(4):
        assert api_login(email, WRONG).status_code == 400
    assert api_login(email, PASSWORD).status_code == 200


def test_the_lock_ends_after_its_duration(org_a: OrgWorld, settings: Any) -> None:
    settings.LOGIN_LOCKOUT_ATTEMPTS = 2
    settings.LOGIN_LOCKOUT_DURATION = 1
    email = org_a.users["executive"].email
    api_login(email, WRONG)
    assert api_login(email, WRONG).status_code == 429
    assert api_login(email, PASSWORD).status_code == 429
    time.sleep(1.2)
    assert api_login(email, PASSWORD).status_code == 200


def test_one_address_trying_many_accounts_is_locked_and_others_are_not(org_a: OrgWorld, settings: Any) -> None:
    settings.LOGIN_LOCKOUT_IP_ATTEMPTS = 3
    attacker = "203.0.113.9"
    for name in ("nobody1@x.test", "nobody2@x.test"):
        assert api_login(name, WRONG, ip=attacker).status_code == 400
    assert api_login("nobody3@x.test", WRONG, ip=attacker).status_code == 429
    # Locked for every account from that address, the right password included ...
    assert api_login(org_a.users["admin"].email, PASSWORD, ip=attacker).status_code == 429
    assert web_login(org_a.users["admin"].email, PASSWORD, ip=attacker).status_code == 429
    # ... but not for the account itself from elsewhere.
    assert api_login(org_a.users["admin"].email, PASSWORD, ip="198.51.100.4").status_code == 200


def test_the_client_address_trusts_forwarded_for_only_behind_declared_proxies(settings: Any) -> None:
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    assert client_ip(request) == "10.1.1.1"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # The proxy's own view of its client; the client-supplied 6.6.6.6 is never trusted.
    assert client_ip(request) == "192.0.2.7"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 2}
    assert client_ip(request) == "6.6.6.6"
    bad = factory.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(bad) is None


def test_a_spoofed_forwarded_for_does_not_escape_the_lock(org_a: OrgWorld, settings: Any) -> None:
    settings.LOGIN_LOCKOUT_IP_ATTEMPTS = 2
    client = APIClient()
    for n in range(3):
        response = client.post(
            TOKEN,
            {"username": f"nobody{n}@x.test", "password": WRONG},
            format="json",
            REMOTE_ADDR="203.0.113.50",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    assert response.status_code == 429


# --- Sessions -----------------------------------------------------------------------------------------------


def test_an_idle_session_is_signed_out(org_a: OrgWorld) -> None:
    client = Client()
    assert web_login(org_a.users["admin"].email, PASSWORD, client=client).status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    session = client.session
    assert isinstance(session[LAST_ACTIVITY_KEY], int)
    session[LAST_ACTIVITY_KEY] = int(time.time()) - 7200 - 5
    session.save()

    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_an_active_session_stays(org_a: OrgWorld) -> None:
    client = Client()
    web_login(org_a.users["admin"].email, PASSWORD, client=client)
    client.get("/accounts/profile/")
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - 7200 + 60
    session.save()
    assert client.get("/accounts/profile/").status_code == 200
    # The request refreshed the activity time (it was older than the one-minute resolution).
    assert client.session[LAST_ACTIVITY_KEY] >= int(time.time()) - 5


# --- Password validators on every form that sets a password -------------------------------------------------

WEAK = {
    "too short": "Xq7#kP2m",
    "common": "password1234",
    "numeric": "4815162342108",
    "like the e-mail": "member@alpha.test",
}


@pytest.mark.parametrize("weak", WEAK.values(), ids=WEAK.keys())
def test_the_password_change_form_refuses_a_weak_password(org_a: OrgWorld, weak: str) -> None:
    user = org_a.users["member"]
    client = Client()
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("weak", WEAK.values(), ids=WEAK.keys())
def test_the_password_reset_form_refuses_a_weak_password(org_a: OrgWorld, weak: str) -> None:
    user = org_a.users["member"]
    client = Client()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = f"/accounts/password/reset/{uid}/{default_token_generator.make_token(user)}/"
    form_url = client.get(url)["Location"]  # Django swaps the token for a session marker first
    response = client.post(form_url, {"new_password1": weak, "new_password2": weak})
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_strong_password_is_accepted_by_the_change_form(org_a: OrgWorld) -> None:
    user = org_a.users["member"]
    client = Client()
    client.force_login(user)
    strong = "Correct-Horse-Battery-42"
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(strong)


@pytest.mark.parametrize("weak", ["Xq7#kP2m", "password1234", "4815162342108"], ids=["short", "common", "numeric"])
def test_accepting_an_invitation_refuses_a_weak_password(org_a: OrgWorld, weak: str) -> None:
    invitation = InvitationFactory(organization=org_a.organization, email="newcomer@example.test")
    url = f"/invitations/{invitation_token(invitation)}/"
    response = Client().post(url, {"full_name": "New Comer", "password1": weak, "password2": weak})
    assert response.status_code == 400
    assert not get_user_model().objects.filter(email="newcomer@example.test").exists()


def test_a_user_created_by_the_factory_is_not_locked_by_default() -> None:
    user = UserFactory()
    assert api_login(user.email, PASSWORD).status_code == 200


def test_the_lock_lives_in_the_shared_redis_cache(org_a: OrgWorld, settings: Any) -> None:
    """Production counts in Redis: a lock set through one connection is seen by another (another web process)."""
    import uuid

    import redis
    from django.core.cache import caches

    from pmo import embedded

    # The Redis of this run: REDIS_URL's, or the embedded one that `make test` starts when it is unset.
    url = settings.CELERY_BROKER_URL
    if url == embedded.embedded_redis_url():
        embedded.ensure_redis(settings.BASE_DIR)
    prefix = f"pmo-test-lockout-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}
    }
    settings.LOGIN_LOCKOUT_ATTEMPTS = 2
    other_process = redis.Redis.from_url(url)
    try:
        email = org_a.users["admin"].email
        assert api_login(email, WRONG).status_code == 400
        assert api_login(email, WRONG).status_code == 429
        keys = [key.decode() for key in other_process.scan_iter(f"{prefix}:*")]
        assert any(":login-lockout:account:" in key and key.endswith(":until") for key in keys), keys
        assert not any(email in key for key in keys)  # the address is hashed
        caches["default"].close()
        assert web_login(email, PASSWORD).status_code == 429
    finally:
        for key in other_process.scan_iter(f"{prefix}:*"):
            other_process.delete(key)
        other_process.close()
