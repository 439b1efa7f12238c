"""The "API tokens" page (``/accounts/tokens/``): list, create (the secret shown once), revoke with confirmation."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pmo.accounts.models import ApiToken, ApiTokenEvent
from tests.conftest import OrgWorld
from tests.test_api_tokens import bearer, make_token, snapshot

PAGE = "/accounts/tokens/"


def signed_in(user: Any, **options: Any) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def raw_tokens_in(html: str) -> list[str]:
    return re.findall(r"pmo_[A-Za-z0-9_-]{30,}", html)


def create(client: Client, **fields: Any) -> Any:
    data = {"name": "Power BI", "scope": "read", "expires_in": "30", "expires_on": ""}
    data.update(fields)
    return client.post(PAGE, data)


# --- Access


def test_the_page_needs_a_signed_in_user(db: None) -> None:
    response = Client().get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_links_to_the_tokens_page(org_a: OrgWorld) -> None:
    html = signed_in(org_a.users["viewer"]).get("/accounts/profile/").content.decode()

    assert f'href="{PAGE}"' in html


@pytest.mark.parametrize("role", ["admin", "pmo", "executive", "manager", "member", "viewer"])
def test_every_role_manages_its_own_tokens(org_a: OrgWorld, role: str) -> None:
    user = org_a.users[role]
    client = signed_in(user)

    assert client.get(PAGE).status_code == 200
    assert create(client, name=f"{role} script").status_code == 201
    token = ApiToken.objects.get(user=user)
    assert client.post(f"{PAGE}{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_user_without_organisation_manages_tokens_too(django_user_model: Any) -> None:
    outsider = django_user_model.objects.create_user("outsider@nowhere.test", "pw-123456789")
    client = signed_in(outsider)

    assert create(client, name="personal").status_code == 201
    assert ApiToken.objects.filter(user=outsider).count() == 1


# --- Empty, create, list


def test_empty_page_invites_to_create_and_is_not_cached(org_a: OrgWorld) -> None:
    response = signed_in(org_a.users["member"]).get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert 'data-testid="tokens-empty"' in html
    assert 'data-testid="token-form"' in html
    assert 'data-testid="new-token"' not in html


def test_create_shows_the_secret_once(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    client = signed_in(user)

    response = create(client, name="Power BI", scope="read_write", expires_in="90")

    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    shown = raw_tokens_in(html)
    assert len(set(shown)) == 1
    raw = shown[0]
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert (token.name, token.scope) == ("Power BI", ApiToken.Scope.READ_WRITE)
    assert token.expires_at is not None
    assert timedelta(days=89, hours=23) < token.expires_at - timezone.now() <= timedelta(days=90)
    assert 'data-testid="new-token"' in html and 'data-testid="copy-token"' in html
    assert "shown only this once" in html
    assert f'data-testid="token-{token.pk}"' in html
    # Never again: not on the next visit, not in the session.
    again = client.get(PAGE).content.decode()
    assert raw not in again and raw_tokens_in(again) == []
    assert raw not in str(dict(client.session.items()))
    # And it works.
    assert bearer(raw).get("/api/v1/orgs/").status_code == 200


def test_create_with_a_date_expires_at_the_start_of_that_day(org_a: OrgWorld) -> None:
    user = org_a.users["pmo"]
    day = timezone.localdate() + timedelta(days=45)

    response = create(signed_in(user), name="quarterly", expires_in="date", expires_on=day.isoformat())

    assert response.status_code == 201
    token = ApiToken.objects.get(user=user)
    assert token.expires_at == timezone.make_aware(datetime.combine(day, time.min))


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 101}, "Ensure this value has at most 100 characters (it has 101)."),
        ({"scope": "admin"}, "Select a valid choice. admin is not one of the available choices."),
        ({"expires_in": "1000"}, "Select a valid choice. 1000 is not one of the available choices."),
        ({"expires_in": "date", "expires_on": ""}, "Choose the day the token expires."),
        ({"expires_in": "date", "expires_on": "yesterday"}, "Enter a valid date."),
        ({"expires_in": "date", "expires_on": 0}, "Choose a day after today."),
        ({"expires_in": "date", "expires_on": 366}, "Choose a day at most a year ahead."),
    ],
    ids=["blank", "long", "scope", "days", "no-date", "bad-date", "today", "too-far"],
)
def test_bad_input_is_shown_on_the_form_and_creates_nothing(
    org_a: OrgWorld, fields: dict[str, Any], error: str
) -> None:
    if isinstance(fields.get("expires_on"), int):  # days from today
        fields = {**fields, "expires_on": (timezone.localdate() + timedelta(days=fields["expires_on"])).isoformat()}
    user = org_a.users["member"]
    make_token(user, "existing")
    before = snapshot(user)

    response = create(signed_in(user), **fields)

    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert 'class="errorlist' in html
    assert 'data-testid="new-token"' not in html
    assert snapshot(user) == before


def test_duplicate_active_name_is_refused_on_the_name_field(org_a: OrgWorld) -> None:
    user = org_a.users["member"]
    make_token(user, "Power BI")
    before = snapshot(user)

    response = create(signed_in(user), name="power bi")

    assert response.status_code == 400
    html = response.content.decode()
    assert "You already have an active token with this name." in html
    assert snapshot(user) == before


def test_errors_come_in_chinese_for_a_chinese_user(org_a: OrgWorld) -> None:
    user = org_a.users["member"]
    user.language = "zh-hans"
    user.save(update_fields=["language"])

    response = create(signed_in(user), name="")

    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "该字段是必填项。" in html
    assert not ApiToken.objects.filter(user=user).exists()


def test_list_shows_state_scope_dates_and_last_use(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    now = timezone.now()
    active, _ = make_token(user, "active one", scope=ApiToken.Scope.READ, last_used_at=now - timedelta(hours=2))
    expired, _ = make_token(user, "expired one", expires_at=now - timedelta(days=1))
    revoked, _ = make_token(user, "revoked one", revoked_at=now - timedelta(hours=1))
    make_token(org_a.users["member"], "someone else's")

    html = signed_in(user).get(PAGE).content.decode()

    def row(token: ApiToken) -> str:
        match = re.search(rf'<tr data-testid="token-{token.pk}".*?</tr>', html, re.S)
        assert match, token.name
        return match.group(0)

    assert "someone else" not in html
    assert "Active" in row(active) and "Read only" in row(active) and f"{active.prefix}…" in row(active)
    assert timezone.localtime(active.last_used_at).strftime("%Y-%m-%d %H:%M") in row(active)
    assert f'href="{PAGE}{active.pk}/revoke/"' in row(active)
    assert "Expired" in row(expired) and "revoke/" not in row(expired)
    assert "Revoked" in row(revoked) and "revoke/" not in row(revoked)
    assert "Never" in row(expired)


# --- Revoke


def test_revoke_asks_first_then_revokes_on_post(org_a: OrgWorld) -> None:
    user = org_a.users["admin"]
    token, raw = make_token(user, "CI pipeline")
    client = signed_in(user)

    confirm = client.get(f"{PAGE}{token.pk}/revoke/")

    assert confirm.status_code == 200
    assert "no-store" in confirm["Cache-Control"]
    assert "CI pipeline" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None

    done = client.post(f"{PAGE}{token.pk}/revoke/", follow=True)

    token.refresh_from_db()
    assert token.revoked_at is not None
    html = done.content.decode()
    assert "The token “CI pipeline” is revoked" in html
    assert "Revoked" in html
    assert bearer(raw).get("/api/v1/orgs/").status_code == 401
    # A second POST (a double click) changes nothing and says nothing more.
    revoked_at = token.revoked_at
    client.post(f"{PAGE}{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at == revoked_at
    assert 'data-testid="already-revoked"' in client.get(f"{PAGE}{token.pk}/revoke/").content.decode()


def test_revoke_without_csrf_is_refused(org_a: OrgWorld) -> None:
    user = org_a.users["admin"]
    token, _ = make_token(user, "kept")
    before = snapshot(user)

    response = signed_in(user, enforce_csrf_checks=True).post(f"{PAGE}{token.pk}/revoke/")

    assert response.status_code == 403
    assert snapshot(user) == before


def test_create_without_csrf_is_refused(org_a: OrgWorld) -> None:
    user = org_a.users["admin"]

    response = create(signed_in(user, enforce_csrf_checks=True), name="forged")

    assert response.status_code == 403
    assert not ApiToken.objects.filter(user=user).exists()


def test_another_users_token_is_a_404_and_stays(org_a: OrgWorld, org_b: OrgWorld) -> None:
    victim = org_a.users["manager"]
    token, raw = make_token(victim, "victim's")
    before = snapshot(victim)

    for attacker in (org_a.users["admin"], org_b.users["manager"]):
        client = signed_in(attacker)
        assert client.get(f"{PAGE}{token.pk}/revoke/").status_code == 404
        assert client.post(f"{PAGE}{token.pk}/revoke/").status_code == 404
        assert "victim" not in client.get(PAGE).content.decode()

    assert snapshot(victim) == before
    assert not ApiTokenEvent.objects.filter(pgh_obj_id=token.pk, pgh_label="revoked").exists()
    assert bearer(raw).get("/api/v1/orgs/").status_code == 200


# --- Activity


def test_activity_lists_creations_and_revocations_with_their_origin(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    _, raw = make_token(user, "login")
    client = signed_in(user)
    create(client, name="from the page")
    token = ApiToken.objects.get(user=user, name="from the page")
    client.post(f"{PAGE}{token.pk}/revoke/")
    bearer(raw).post("/api/v1/auth/tokens/", {"name": "from the API"}, format="json")

    html = client.get(PAGE).content.decode()

    match = re.search(r'data-testid="token-activity".*?</section>', html, re.S)
    assert match
    items = [re.sub(r"<[^>]+>|\s+", " ", item).split() for item in re.findall(r"<li>(.*?)</li>", match.group(0), re.S)]
    lines = [" ".join(words[2:]) for words in items]  # without the date and time
    assert lines == [
        f"Created from the API {ApiToken.objects.get(name='from the API').prefix}… · API",
        f"Revoked from the page {token.prefix}… · Web page",
        f"Created from the page {token.prefix}… · Web page",
        f"Created login {ApiToken.objects.get(name='login').prefix}… · System",
    ]


def test_activity_survives_the_purge_of_dead_tokens(org_a: OrgWorld) -> None:
    from pmo.accounts.tasks import purge_dead_tokens

    user = org_a.users["manager"]
    make_token(user, "long gone", revoked_at=timezone.now() - timedelta(days=90))

    assert purge_dead_tokens() == 1
    html = signed_in(user).get(PAGE).content.decode()

    assert 'data-testid="tokens-empty"' in html
    assert "long gone" in html and "Revoked" in html


# --- Query counts


@pytest.mark.parametrize("extra", [2, 30])
def test_page_query_count_does_not_grow(org_a: OrgWorld, django_assert_max_num_queries: Any, extra: int) -> None:
    user = org_a.users["manager"]
    for index in range(extra):
        make_token(user, f"token {index}", revoked_at=timezone.now() if index % 2 else None)
    client = signed_in(user)

    with django_assert_max_num_queries(9):
        response = client.get(PAGE)

    assert response.content.decode().count('class="token-row') == extra
