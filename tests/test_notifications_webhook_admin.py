"""Managing webhooks, API and pages: admin and PMO only (others 403, another organisation 404, nothing changed), the
secret shown once (create, rotate), http(s) only, stale edits 409, test events and resends queued, and the lists
cost the same number of queries at two sizes."""

from __future__ import annotations

from typing import Any, cast
from unittest import mock

import pytest
from django.test import Client

from reports.models import Webhook, WebhookDelivery
from reports.notifications.tasks import deliver_webhook
from tests.conftest import ROLES, OrgWorld
from tests.factories import PASSWORD
from tests.factories_notifications import WebhookDeliveryFactory, WebhookFactory

ALLOWED = {"admin", "pmo"}


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def snapshot(world: OrgWorld) -> list[tuple[Any, ...]]:
    with world.ctx():
        hooks = list(Webhook.objects.order_by("pk").values_list("pk", "name", "url", "secret", "active", "version"))
        logs = list(WebhookDelivery.objects.order_by("pk").values_list("pk", "state", "attempts"))
    return [*hooks, *logs]


@pytest.fixture
def hook(org_a: OrgWorld) -> Webhook:
    webhook = cast(Webhook, WebhookFactory(organization=org_a.organization, name="Chat"))
    WebhookDeliveryFactory(webhook=webhook, state=WebhookDelivery.State.FAILED, attempts=6)
    return webhook


def api_calls(world: OrgWorld, hook: Webhook) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"/api/v1/orgs/{world.slug}/webhooks/"
    with world.ctx():
        delivery = WebhookDelivery.objects.get(webhook=hook)
    return [
        ("get", base, None),
        ("post", base, {"name": "New", "url": "https://example.com/hook"}),
        ("get", f"{base}{hook.pk}/", None),
        ("patch", f"{base}{hook.pk}/", {"name": "Renamed"}),
        ("post", f"{base}{hook.pk}/rotate-secret/", None),
        ("post", f"{base}{hook.pk}/test/", None),
        ("get", f"{base}{hook.pk}/deliveries/", None),
        ("post", f"{base}{hook.pk}/deliveries/{delivery.pk}/resend/", None),
        ("delete", f"{base}{hook.pk}/", None),
    ]


def test_api_matrix_admin_and_pmo_only(org_a: OrgWorld, org_b: OrgWorld, hook: Webhook, api_client: Any) -> None:
    for role in ROLES:
        if role in ALLOWED:
            continue
        before = snapshot(org_a)
        for method, url, body in api_calls(org_a, hook):
            answer = getattr(api_client(org_a.users[role]), method)(url, body, format="json")
            assert answer.status_code == 403, (role, method, url)
            outsider = getattr(api_client(org_b.users[role]), method)(url, body, format="json")
            assert outsider.status_code == 404, (role, method, url)
        assert snapshot(org_a) == before, role
    before = snapshot(org_a)
    for method, url, body in api_calls(org_a, hook):
        assert getattr(api_client(org_b.users["admin"]), method)(url, body, format="json").status_code == 404
    assert snapshot(org_a) == before


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_api_lifecycle(role: str, org_a: OrgWorld, hook: Webhook, api_client: Any) -> None:
    api = api_client(org_a.users[role])
    base = f"/api/v1/orgs/{org_a.slug}/webhooks/"
    for bad in (
        {"name": "x", "url": "ftp://example.com/x"},
        {"name": "x", "url": "file:///etc/passwd"},
        {"name": "x", "url": "not a url"},
        {"name": "", "url": "https://example.com/"},
        {"name": "x", "url": "https://example.com/", "kinds": ["nope"]},
        {"name": "x", "url": "https://example.com/", "format": "teams"},
    ):
        before = snapshot(org_a)
        assert api.post(base, bad, format="json").status_code == 400, bad
        assert snapshot(org_a) == before
    created = api.post(
        base,
        {"name": "Local", "url": "http://127.0.0.1:8123/hook", "format": "slack", "kinds": ["alert"]},
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert len(body["secret"]) == 64 and body["kinds"] == ["alert"]
    detail = api.get(f"{base}{body['id']}/").json()
    assert "secret" not in detail and detail["version"] == 1
    assert all("secret" not in row for row in api.get(base).json()["results"])

    assert api.patch(f"{base}{body['id']}/", {"url": "javascript:alert(1)"}, format="json").status_code == 400
    renamed = api.patch(f"{base}{body['id']}/", {"name": "Renamed", "version": 1}, format="json")
    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    stale = api.patch(f"{base}{body['id']}/", {"name": "Again", "version": 1}, format="json")
    assert stale.status_code == 409
    assert api.get(f"{base}{body['id']}/").json()["name"] == "Renamed"

    rotated = api.post(f"{base}{body['id']}/rotate-secret/").json()
    assert len(rotated["secret"]) == 64 and rotated["secret"] != body["secret"]

    with mock.patch.object(deliver_webhook, "delay"):
        tested = api.post(f"{base}{body['id']}/test/")
    assert tested.status_code == 202 and tested.json()["event"] == "webhook.test"
    assert tested.json()["payload"]["blocks"]  # Slack format

    with org_a.ctx():
        failed = WebhookDelivery.objects.get(webhook=hook)
    with mock.patch.object(deliver_webhook, "delay"):
        resent = api.post(f"{base}{hook.pk}/deliveries/{failed.pk}/resend/")
    assert resent.status_code == 202 and resent.json()["state"] == "pending"
    with org_a.ctx():
        WebhookDelivery.objects.filter(pk=failed.pk).update(state="succeeded")
    assert api.post(f"{base}{hook.pk}/deliveries/{failed.pk}/resend/").status_code == 409
    log = api.get(f"{base}{hook.pk}/deliveries/").json()
    assert [row["id"] for row in log["results"]] == [failed.pk]

    assert api.delete(f"{base}{body['id']}/").status_code == 204
    assert api.get(f"{base}{body['id']}/").status_code == 404


def pages(world: OrgWorld, hook: Webhook) -> dict[str, str]:
    base = f"/o/{world.slug}/webhooks"
    return {
        "list": f"{base}/",
        "new": f"{base}/new/",
        "detail": f"{base}/{hook.pk}/",
        "edit": f"{base}/{hook.pk}/edit/",
        "delete": f"{base}/{hook.pk}/delete/",
    }


def test_pages_matrix(org_a: OrgWorld, org_b: OrgWorld, hook: Webhook) -> None:
    with org_a.ctx():
        delivery = WebhookDelivery.objects.get(webhook=hook)
    base = f"/o/{org_a.slug}/webhooks/{hook.pk}"
    posts = [
        f"{base}/rotate-secret/",
        f"{base}/test/",
        f"{base}/delete/",
        f"{base}/edit/",
        f"{base}/deliveries/{delivery.pk}/resend/",
        f"/o/{org_a.slug}/webhooks/new/",
    ]
    for role in ROLES:
        inside, outside = client_for(org_a.users[role]), client_for(org_b.users[role])
        for name, url in pages(org_a, hook).items():
            assert inside.get(url).status_code == (200 if role in ALLOWED else 403), (role, name)
            assert outside.get(url).status_code == 404, (role, name)
        before = snapshot(org_a)
        for url in posts:
            assert outside.post(url, {"name": "x", "url": "https://x.example/"}).status_code == 404, (role, url)
            if role not in ALLOWED:
                assert inside.post(url, {"name": "x", "url": "https://x.example/"}).status_code == 403, (role, url)
        assert snapshot(org_a) == before, role


def test_pages_create_shows_the_secret_once_then_edit_and_delete(org_a: OrgWorld, hook: Webhook) -> None:
    client = client_for(org_a.users["pmo"])
    base = f"/o/{org_a.slug}/webhooks"
    bad = client.post(f"{base}/new/", {"name": "Hook", "url": "ftp://example.com/", "format": "generic"})
    assert bad.status_code == 400 and "http://" in bad.content.decode()
    made = client.post(
        f"{base}/new/", {"name": "Hook", "url": "https://example.com/in", "format": "dingtalk", "active": "on"}
    )
    assert made.status_code == 302
    with org_a.ctx():
        webhook = Webhook.objects.get(name="Hook")
    first = client.get(made.url).content.decode()
    assert webhook.secret in first and 'data-testid="webhook-secret"' in first
    assert webhook.secret not in client.get(made.url).content.decode()

    edit = f"{base}/{webhook.pk}/edit/"
    form = {"name": "Hook 2", "url": "https://example.com/in", "format": "dingtalk", "kinds": ["alert"], "version": 1}
    assert client.post(edit, form).status_code == 302
    stale = client.post(edit, {**form, "name": "Hook 3"})
    assert stale.status_code == 409
    with org_a.ctx():
        webhook.refresh_from_db()
    assert webhook.name == "Hook 2" and webhook.kinds == ["alert"] and webhook.version == 2

    with mock.patch.object(deliver_webhook, "delay"):
        assert client.post(f"{base}/{webhook.pk}/test/").status_code == 302
    with org_a.ctx():
        assert WebhookDelivery.objects.filter(webhook=webhook, event="webhook.test").count() == 1
    assert "webhook.test" in client.get(f"{base}/{webhook.pk}/").content.decode()

    assert client.post(f"{base}/{webhook.pk}/delete/").status_code == 302
    with org_a.ctx():
        assert not Webhook.objects.filter(pk=webhook.pk).exists()


def test_list_and_log_queries_do_not_grow(
    org_a: OrgWorld, hook: Webhook, api_client: Any, django_assert_max_num_queries: Any
) -> None:
    client, api = client_for(org_a.users["admin"]), api_client(org_a.users["admin"])
    urls = [f"/o/{org_a.slug}/webhooks/", f"/o/{org_a.slug}/webhooks/{hook.pk}/"]
    api_urls = [f"/api/v1/orgs/{org_a.slug}/webhooks/", f"/api/v1/orgs/{org_a.slug}/webhooks/{hook.pk}/deliveries/"]
    counts = {}
    for url in urls:
        client.get(url)
        with django_assert_max_num_queries(20) as captured:
            client.get(url)
        counts[url] = len(captured.captured_queries)
    for url in api_urls:
        api.get(url)
        with django_assert_max_num_queries(20) as captured:
            api.get(url)
        counts[url] = len(captured.captured_queries)
    for _ in range(6):
        extra = WebhookFactory(organization=org_a.organization)
        WebhookDeliveryFactory(webhook=extra)
        WebhookDeliveryFactory(webhook=hook)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            client.get(url)
    for url in api_urls:
        with django_assert_max_num_queries(counts[url]):
            api.get(url)
