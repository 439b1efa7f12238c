"""Security events (issue 10): what is recorded (sign-ins failed and succeeded, lockouts, permission denials on the
web and in the API, the first use of an API token each hour, tokens created and revoked), where (each organisation
of the account, with RLS; the site table for unknown accounts), never a password; the audit page's "Security events"
view and ``GET /api/v1/orgs/<org>/security-events/`` (governance roles; 403 for others; 404 for outsiders), their
filters, export and query counts; and the retention purge."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from pmo.accounts.services import api_token_create
from pmo.audit.models import SecurityEvent, SecurityEventKind, SiteSecurityEvent
from pmo.audit.services import Client as EventClient
from pmo.audit.services import security_event_record
from pmo.audit.tasks import purge_security_events
from pmo.tenancy.context import tenant_context
from tests.conftest import ROLES, OrgWorld
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.security_support import apply_security_settings

pytestmark = pytest.mark.django_db
ApiClientFactory = Callable[[Any], APIClient]
GOVERNANCE = {"admin", "pmo"}
WRONG = "Secret-Guess-Never-Stored-77"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0 " + "x" * 400


@pytest.fixture(autouse=True)
def _security_settings(settings: Any) -> None:
    apply_security_settings(settings)
    settings.LOGIN_LOCKOUT_ATTEMPTS = 5
    settings.LOGIN_LOCKOUT_IP_ATTEMPTS = 30


def events(world: OrgWorld, **filters: Any) -> list[SecurityEvent]:
    with world.ctx():
        return list(SecurityEvent.objects.filter(**filters).order_by("created_at", "id"))


def api_login(email: str, password: str, ip: str = "192.0.2.10") -> Any:
    return APIClient().post(
        "/api/v1/auth/token/",
        {"username": email, "password": password},
        format="json",
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT=BROWSER,
    )


# --- What is recorded, and where ------------------------------------------------------------------------------


def test_a_failed_sign_in_is_recorded_in_each_organisation_of_the_account(org_a: OrgWorld, org_b: OrgWorld) -> None:
    member = org_a.users["member"]
    MembershipFactory(organization=org_b.organization, user=member, role="viewer")

    Client().post(
        "/accounts/login/",
        {"username": member.email, "password": WRONG},
        REMOTE_ADDR="192.0.2.33",
        HTTP_USER_AGENT=BROWSER,
    )

    for world in (org_a, org_b):
        (event,) = events(world, kind=SecurityEventKind.LOGIN_FAILED)
        assert event.user_id == member.pk and event.username == member.email
        assert event.ip_address == "192.0.2.33"
        assert event.user_agent == BROWSER[:255]
        assert event.detail == {"channel": "web"}
    # Another organisation's admins see nothing of it, and nothing anywhere holds the password tried.
    assert not events(org_b, user=org_a.users["admin"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_sitesecurityevent")
        assert cursor.fetchone()[0] == 0
    with org_a.ctx(), connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(e)::text FROM audit_securityevent e")
        rows = [row[0] for row in cursor.fetchall()]
    assert rows and not any(WRONG in row for row in rows)


def test_a_failed_sign_in_for_an_unknown_address_goes_to_the_site_table(org_a: OrgWorld) -> None:
    assert api_login("nobody@nowhere.test", WRONG).status_code == 400

    (event,) = SiteSecurityEvent.objects.all()
    assert event.kind == SecurityEventKind.LOGIN_FAILED
    assert event.username == "nobody@nowhere.test" and event.user is None
    assert event.detail == {"channel": "api"} and WRONG not in str(event.__dict__)
    assert not events(org_a)


def test_a_successful_sign_in_and_a_lockout_are_recorded(org_a: OrgWorld) -> None:
    pmo = org_a.users["pmo"]
    assert api_login(pmo.email, PASSWORD).status_code == 200
    (succeeded,) = events(org_a, kind=SecurityEventKind.LOGIN_SUCCEEDED)
    assert succeeded.user_id == pmo.pk and succeeded.detail == {"channel": "api"}

    for _ in range(5):
        last = api_login(pmo.email, WRONG)
    assert last.status_code == 429
    assert len(events(org_a, kind=SecurityEventKind.LOGIN_FAILED)) == 5
    (lockout,) = events(org_a, kind=SecurityEventKind.LOCKOUT)
    assert lockout.user_id == pmo.pk and lockout.detail["scope"] == "account"
    # Attempts during the lock are refused before the password is checked, and not recorded again.
    assert api_login(pmo.email, PASSWORD).status_code == 429
    assert len(events(org_a, kind=SecurityEventKind.LOGIN_FAILED)) == 5


def test_permission_denials_are_recorded_for_the_web_and_the_api(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    member = org_a.users["member"]
    web = Client()
    web.force_login(member)
    assert web.get(f"/o/{org_a.slug}/audit/", REMOTE_ADDR="192.0.2.1").status_code == 403
    assert api_client(member).get(f"/api/v1/orgs/{org_a.slug}/audit/").status_code == 403

    denied = events(org_a, kind=SecurityEventKind.PERMISSION_DENIED)
    assert [(e.user_id, e.detail["method"], e.detail["path"]) for e in denied] == [
        (member.pk, "GET", f"/o/{org_a.slug}/audit/"),
        (member.pk, "GET", f"/api/v1/orgs/{org_a.slug}/audit/"),
    ]
    assert denied[0].ip_address == "192.0.2.1"
    # An outsider gets 404 (the organisation is not revealed) and nothing is recorded anywhere.
    outsider = Client()
    outsider.force_login(org_b.users["admin"])
    assert outsider.get(f"/o/{org_a.slug}/audit/").status_code == 404
    assert len(events(org_a, kind=SecurityEventKind.PERMISSION_DENIED)) == 2
    assert not events(org_b, kind=SecurityEventKind.PERMISSION_DENIED)


def test_a_token_is_recorded_at_its_first_use_each_hour_only(
    org_a: OrgWorld, django_capture_on_commit_callbacks: Any
) -> None:
    admin = org_a.users["admin"]
    token, raw = api_token_create(user=admin, name="report script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.get(f"/api/v1/orgs/{org_a.slug}/projects/").status_code == 200

    (used,) = events(org_a, kind=SecurityEventKind.TOKEN_USED)
    assert used.user_id == admin.pk
    assert used.detail["token_id"] == token.pk and used.detail["token_prefix"] == token.prefix
    assert raw not in str(used.detail)

    # The next clock hour: recorded again, once.
    token.refresh_from_db()
    assert token.last_used_at is not None
    token.last_used_at -= timedelta(hours=1)
    token.save(update_fields=["last_used_at"])
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.get(f"/api/v1/orgs/{org_a.slug}/projects/")
    assert len(events(org_a, kind=SecurityEventKind.TOKEN_USED)) == 2


def test_tokens_created_and_revoked_are_recorded(org_a: OrgWorld) -> None:
    admin = org_a.users["admin"]
    client = Client()
    client.force_login(admin)
    created = client.post("/accounts/tokens/", {"name": "BI refresh", "scope": "read", "expires_in": "30"})
    assert created.status_code == 201
    (event,) = events(org_a, kind=SecurityEventKind.TOKEN_CREATED)
    assert event.detail["token_name"] == "BI refresh" and event.detail["scope"] == "read"
    token_id = event.detail["token_id"]
    assert client.post(f"/accounts/tokens/{token_id}/revoke/").status_code == 302
    assert client.post(f"/accounts/tokens/{token_id}/revoke/").status_code == 302  # twice: one event
    (revoked,) = events(org_a, kind=SecurityEventKind.TOKEN_REVOKED)
    assert revoked.detail["token_id"] == token_id and revoked.user_id == admin.pk


def test_row_level_security_keeps_the_events_of_each_organisation_apart(org_a: OrgWorld, org_b: OrgWorld) -> None:
    security_event_record(kind=SecurityEventKind.LOGIN_SUCCEEDED, user=org_a.users["admin"])
    with org_b.ctx():
        assert SecurityEvent.dangerously_unscoped.count() == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audit_securityevent")
            assert cursor.fetchone()[0] == 0
    with org_a.ctx():
        assert SecurityEvent.dangerously_unscoped.count() == 1
    # Writing another organisation's row under this one's context is refused by the policy's WITH CHECK.
    from django.db import DatabaseError, transaction

    with org_b.ctx(), pytest.raises(DatabaseError), transaction.atomic():
        SecurityEvent.dangerously_unscoped.create(
            organization_id=org_a.organization.pk, kind=SecurityEventKind.LOGIN_FAILED
        )


# --- The page -------------------------------------------------------------------------------------------------


def page_url(world: OrgWorld) -> str:
    return f"/o/{world.slug}/audit/security/"


@pytest.mark.parametrize("role", [*ROLES, "outsider"])
def test_who_sees_the_security_events_page(org_a: OrgWorld, org_b: OrgWorld, role: str) -> None:
    security_event_record(kind=SecurityEventKind.LOGIN_SUCCEEDED, user=org_a.users["member"])
    client = Client()
    client.force_login(org_b.users["admin"] if role == "outsider" else org_a.users[role])
    response = client.get(page_url(org_a))
    if role == "outsider":
        assert response.status_code == 404
    elif role in GOVERNANCE:
        assert response.status_code == 200
        assert b'data-testid="security-table"' in response.content
        assert "Member of alpha" in response.content.decode()
    else:
        assert response.status_code == 403
        assert b"Member of alpha" not in response.content


def record_many(world: OrgWorld, count: int) -> None:
    users = [world.users[role] for role in ROLES]
    for n in range(count):
        kind = SecurityEventKind.LOGIN_FAILED if n % 2 else SecurityEventKind.PERMISSION_DENIED
        security_event_record(
            kind=kind,
            user=users[n % len(users)],
            client=EventClient(ip=f"192.0.2.{n % 250}", user_agent="agent"),
            organization_id=world.organization.pk,
            detail={"n": n},
        )


def test_the_page_filters_by_kind_user_and_dates(org_a: OrgWorld) -> None:
    record_many(org_a, 12)
    with org_a.ctx():
        old = SecurityEvent.objects.order_by("id").first()
        assert old is not None
        SecurityEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    client = Client()
    client.force_login(org_a.users["pmo"])
    url = page_url(org_a)

    failed = client.get(url, {"kind": "login_failed"})
    assert failed.context["page"].paginator.count == 6
    assert {e.kind for e in failed.context["events"]} == {"login_failed"}
    by_viewer = client.get(url, {"user": org_a.users["viewer"].pk})
    assert {e.user_id for e in by_viewer.context["events"]} == {org_a.users["viewer"].pk}
    today = timezone.localdate(timezone=ZoneInfo(org_a.organization.time_zone)).isoformat()
    recent = client.get(url, {"since": today, "until": today})
    assert recent.context["page"].paginator.count == 11
    bad = client.get(url, {"since": today, "until": "2000-01-01"})
    assert bad.context["filter_form"].errors["until"]
    wrong_kind = client.get(url, {"kind": "nonsense"})
    assert wrong_kind.context["filter_form"].errors["kind"]


def test_the_page_exports_csv(org_a: OrgWorld) -> None:
    record_many(org_a, 3)
    client = Client()
    client.force_login(org_a.users["admin"])
    response = client.get(page_url(org_a), {"format": "csv", "kind": "login_failed"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, *body = rows
    assert header[:3] == ["When", "Event", "Who"]
    assert len(body) == 1 and body[0][1] == "Sign-in failed" and body[0][4] == "192.0.2.1"
    refused = client.get(page_url(org_a), {"format": "csv", "kind": "nonsense"})
    assert refused.status_code == 400


@pytest.mark.parametrize("size", [5, 60])
def test_the_page_reads_a_fixed_number_of_queries(
    org_a: OrgWorld, size: int, django_assert_max_num_queries: Any
) -> None:
    record_many(org_a, size)
    client = Client()
    client.force_login(org_a.users["admin"])
    client.get(page_url(org_a))
    with django_assert_max_num_queries(14):
        response = client.get(page_url(org_a))
    assert len(response.context["events"]) == min(size, 50)


# --- The API --------------------------------------------------------------------------------------------------


def api_url(world: OrgWorld) -> str:
    return f"/api/v1/orgs/{world.slug}/security-events/"


@pytest.mark.parametrize("role", [*ROLES, "outsider"])
def test_who_reads_the_security_events_api(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, role: str
) -> None:
    security_event_record(kind=SecurityEventKind.LOGIN_SUCCEEDED, user=org_a.users["member"])
    user = org_b.users["admin"] if role == "outsider" else org_a.users[role]
    response = api_client(user).get(api_url(org_a))
    if role == "outsider":
        assert response.status_code == 404
    elif role in GOVERNANCE:
        assert response.status_code == 200
        kinds = [(e["kind"], e["user"]["email"] if e["user"] else None) for e in response.json()["results"]]
        assert ("login_succeeded", "member@alpha.test") in kinds
    else:
        assert response.status_code == 403
        assert "results" not in response.json()


def test_the_api_filters_and_refuses_bad_parameters(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    record_many(org_a, 8)
    client = api_client(org_a.users["admin"])
    url = api_url(org_a)
    denied = client.get(url, {"kind": "permission_denied"}).json()
    assert denied["count"] == 4 and {e["kind"] for e in denied["results"]} == {"permission_denied"}
    first = denied["results"][0]
    assert first["kind_label"] == "Permission denied" and first["ip_address"].startswith("192.0.2.")
    assert first["created_at"] >= denied["results"][-1]["created_at"]
    by_user = client.get(url, {"user": org_a.users["pmo"].pk}).json()
    assert by_user["count"] >= 1 and {e["user"]["id"] for e in by_user["results"]} == {org_a.users["pmo"].pk}
    assert client.get(url, {"kind": "nonsense"}).json().keys() == {"kind"}
    # A user of another organisation is not a valid filter value.
    assert client.get(url, {"user": org_b.users["admin"].pk}).status_code == 400
    assert client.get(url, {"since": "2026-02-01", "until": "2026-01-01"}).json().keys() == {"until"}


@pytest.mark.parametrize("size", [5, 60])
def test_the_api_reads_a_fixed_number_of_queries(
    org_a: OrgWorld, api_client: ApiClientFactory, size: int, django_assert_max_num_queries: Any
) -> None:
    record_many(org_a, size)
    client = api_client(org_a.users["admin"])
    client.get(api_url(org_a))  # the token's first use is recorded once
    with django_assert_max_num_queries(10):
        response = client.get(api_url(org_a))
    assert len(response.json()["results"]) == min(size, 50)


# --- Retention ------------------------------------------------------------------------------------------------


def test_the_purge_deletes_only_events_older_than_the_retention(
    org_a: OrgWorld, org_b: OrgWorld, settings: Any
) -> None:
    settings.SECURITY_EVENT_RETENTION_DAYS = 30
    for world in (org_a, org_b):
        security_event_record(kind=SecurityEventKind.LOGIN_FAILED, user=world.users["admin"])
        security_event_record(kind=SecurityEventKind.LOGIN_SUCCEEDED, user=world.users["admin"])
        with world.ctx():
            SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN_FAILED).update(
                created_at=timezone.now() - timedelta(days=31)
            )
    security_event_record(kind=SecurityEventKind.LOGIN_FAILED, username="ghost@x.test")
    security_event_record(kind=SecurityEventKind.LOGIN_FAILED, username="old-ghost@x.test")
    SiteSecurityEvent.objects.filter(username="old-ghost@x.test").update(created_at=timezone.now() - timedelta(days=31))

    purge_security_events.delay()

    for world in (org_a, org_b):
        assert [e.kind for e in events(world)] == [SecurityEventKind.LOGIN_SUCCEEDED]
    assert list(SiteSecurityEvent.objects.values_list("username", flat=True)) == ["ghost@x.test"]
    purge_security_events.delay()  # idempotent
    assert len(events(org_a)) == 1


def test_recording_needs_no_tenant_and_leaves_none_active(org_a: OrgWorld) -> None:
    from pmo.tenancy.context import current_organization_id

    assert security_event_record(kind=SecurityEventKind.LOGIN_SUCCEEDED, user=org_a.users["admin"]) == 1
    assert current_organization_id() is None
    with tenant_context(org_a.organization):
        security_event_record(kind=SecurityEventKind.LOGIN_SUCCEEDED, user=org_a.users["viewer"])
        assert current_organization_id() == org_a.organization.pk


def test_only_staff_read_the_site_events_in_the_django_admin(org_a: OrgWorld) -> None:
    security_event_record(kind=SecurityEventKind.LOGIN_FAILED, username="stranger@nowhere.test")
    url = "/platform-admin/audit/sitesecurityevent/"
    org_admin = Client()
    org_admin.force_login(org_a.users["admin"])
    assert org_admin.get(url).status_code == 302  # to the admin's login: not staff
    staff = UserFactory(email="ops@example.test", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200 and "stranger@nowhere.test" in response.content.decode()
    event = SiteSecurityEvent.objects.get()
    assert client.get(f"{url}{event.pk}/change/").status_code == 200  # read-only view
    assert client.post(f"{url}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SiteSecurityEvent.objects.count() == 1
