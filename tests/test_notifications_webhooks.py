"""Webhooks against a real local HTTP server: the signed body and headers arrive, 5xx is retried with backoff until
it succeeds, 4xx fails at once, a delivered event is never sent twice, each format has its documented shape, and the
sweeper re-queues deliveries whose retry was lost."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from reports.models import Webhook, WebhookDelivery
from reports.notifications import webhooks
from reports.notifications.tasks import deliver_webhook, sweep_webhooks
from tests.conftest import OrgWorld
from tests.factories_notifications import WebhookFactory

ALERT_PAYLOAD = {
    "metric": "spi",
    "value": "0.81",
    "threshold": "0.9",
    "operator": "lt",
    "severity": "critical",
    "project_code": "ALPHA-0",
    "project_name": "Website",
    "rule_name": "SPI low",
    "url": "/o/alpha/alerts/7/",
}


@dataclass
class Receiver:
    """A local HTTP server: records each request and answers with the next status of ``answers`` (then 200)."""

    url: str
    answers: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def local_receiver() -> Iterator[Receiver]:
    """A stdlib HTTP server in a thread on 127.0.0.1, on a free port."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            code = state.answers.pop(0) if state.answers else 200
            self.send_response(code)
            self.end_headers()
            self.wfile.write(b"ok" if code < 400 else b"nope")

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with local_receiver() as state:
        yield state


def emit(world: OrgWorld, *, event_id: str = "alert:7:opened", kind: str = "alert") -> int:
    with world.ctx():
        return webhooks.webhook_emit(
            organization=world.organization, kind=kind, event="alert.opened", event_id=event_id, payload=ALERT_PAYLOAD
        )


class Later:
    """Stands in for ``deliver_webhook.apply_async``: messages with a countdown (retries) are recorded, not run;
    the first attempt (``delay``, no countdown) runs as usual (eagerly)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.original = deliver_webhook.apply_async

    def __call__(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        if "countdown" in options:
            self.calls.append({"kwargs": kwargs, **options})
            return None
        return self.original(args, kwargs, **options)


def deliveries(world: OrgWorld) -> list[WebhookDelivery]:
    with world.ctx():
        return list(WebhookDelivery.objects.order_by("pk"))


def verify(request: dict[str, Any], secret: str) -> bool:
    headers, body = request["headers"], request["body"]
    signed = headers["X-PMO-Timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-PMO-Signature"])


def test_a_signed_event_reaches_the_receiver(
    org_a: OrgWorld, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    hook = WebhookFactory(organization=org_a.organization, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        assert emit(org_a) == 1
    (request,) = receiver.requests
    (delivery,) = deliveries(org_a)
    body = json.loads(request["body"])
    assert body["event"] == "alert.opened" and body["id"] == "alert:7:opened"
    assert body["organization"] == org_a.slug and body["data"] == ALERT_PAYLOAD
    assert dt.datetime.fromisoformat(body["occurred_at"]).tzinfo is not None
    headers = request["headers"]
    assert headers["X-PMO-Event"] == "alert.opened"
    assert headers["X-PMO-Delivery"] == str(delivery.pk)
    assert headers["Content-Type"].startswith("application/json")
    assert abs(int(headers["X-PMO-Timestamp"]) - timezone.now().timestamp()) < 60
    assert verify(request, hook.secret)
    assert not verify(request, "another secret")
    assert delivery.state == WebhookDelivery.State.SUCCEEDED and delivery.attempts == 1
    assert delivery.last_status_code == 200 and delivery.delivered_at is not None and delivery.duration_ms is not None
    with org_a.ctx():
        hook.refresh_from_db()
    assert hook.last_success_at is not None and hook.consecutive_failures == 0

    # Emitting the same event again, or running the task again, sends nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert emit(org_a) == 0
    with org_a.ctx():
        assert deliver_webhook(organization_id=org_a.organization.pk, delivery_id=delivery.pk) == "succeeded"
    assert len(receiver.requests) == 1


def test_only_active_webhooks_of_the_kind_get_the_event(org_a: OrgWorld, org_b: OrgWorld) -> None:
    WebhookFactory(organization=org_a.organization, kinds=["alert"])
    WebhookFactory(organization=org_a.organization, kinds=[])
    WebhookFactory(organization=org_a.organization, kinds=["report_ready"])
    WebhookFactory(organization=org_a.organization, active=False)
    WebhookFactory(organization=org_b.organization)
    with mock.patch.object(deliver_webhook, "delay"):
        assert emit(org_a) == 2
    assert len(deliveries(org_b)) == 0


def test_a_server_error_is_retried_with_backoff_until_it_succeeds(
    org_a: OrgWorld, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    WebhookFactory(organization=org_a.organization, url=receiver.url)
    receiver.answers = [500, 503]
    later = Later()
    with mock.patch.object(deliver_webhook, "apply_async", later), django_capture_on_commit_callbacks(execute=True):
        emit(org_a)
    (delivery,) = deliveries(org_a)
    assert delivery.state == WebhookDelivery.State.RETRYING and delivery.attempts == 1
    assert delivery.last_status_code == 500 and "500" in delivery.last_error
    assert delivery.next_attempt_at is not None
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 50 < wait <= 60
    # The next attempt is queued with the backoff's countdown and its attempt number.
    (retry,) = later.calls
    assert retry["countdown"] == 60
    retry_kwargs = retry["kwargs"]
    assert retry_kwargs["attempt"] == 2

    # The queued retries run eagerly: 503 (second backoff 5 min), then 200.
    with django_capture_on_commit_callbacks() as callbacks, org_a.ctx():
        assert deliver_webhook(**retry_kwargs) == "retrying"
    assert len(callbacks) == 1
    (delivery,) = deliveries(org_a)
    assert delivery.attempts == 2 and delivery.last_status_code == 503
    assert 290 < (delivery.next_attempt_at - timezone.now()).total_seconds() <= 300  # type: ignore[operator]
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()  # apply_async is eager in tests: the third attempt runs now
    (delivery,) = deliveries(org_a)
    assert delivery.state == WebhookDelivery.State.SUCCEEDED and delivery.attempts == 3
    assert len(receiver.requests) == 3
    assert len({r["headers"]["X-PMO-Delivery"] for r in receiver.requests}) == 1

    # A stale retry message (attempt 2 again) does nothing.
    with org_a.ctx():
        assert deliver_webhook(**retry_kwargs) == "succeeded"
    assert len(receiver.requests) == 3


def test_a_client_error_fails_at_once(
    org_a: OrgWorld, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    hook = WebhookFactory(organization=org_a.organization, url=receiver.url)
    receiver.answers = [400]
    later = Later()
    with mock.patch.object(deliver_webhook, "apply_async", later), django_capture_on_commit_callbacks(execute=True):
        emit(org_a)
    assert later.calls == []
    (delivery,) = deliveries(org_a)
    assert delivery.state == WebhookDelivery.State.FAILED and delivery.attempts == 1
    assert delivery.last_status_code == 400 and delivery.next_attempt_at is None
    with org_a.ctx():
        hook.refresh_from_db()
        assert deliver_webhook(organization_id=org_a.organization.pk, delivery_id=delivery.pk) == "failed"
    assert hook.consecutive_failures == 1 and hook.last_failure_at is not None
    assert len(receiver.requests) == 1


def test_a_refused_connection_is_retried_and_the_last_attempt_fails(
    org_a: OrgWorld, django_capture_on_commit_callbacks: Any
) -> None:
    WebhookFactory(organization=org_a.organization, url="http://127.0.0.1:9/closed")
    with mock.patch.object(deliver_webhook, "apply_async", Later()), django_capture_on_commit_callbacks(execute=True):
        emit(org_a)
    (delivery,) = deliveries(org_a)
    assert delivery.state == WebhookDelivery.State.RETRYING and delivery.last_status_code is None
    assert delivery.last_error
    with org_a.ctx():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=webhooks.MAX_ATTEMPTS - 1)
    later = Later()
    with (
        mock.patch.object(deliver_webhook, "apply_async", later),
        django_capture_on_commit_callbacks(execute=True),
        org_a.ctx(),
    ):
        assert deliver_webhook(organization_id=org_a.organization.pk, delivery_id=delivery.pk) == "failed"
    assert later.calls == []
    assert [d.attempts for d in deliveries(org_a)] == [webhooks.MAX_ATTEMPTS]


def test_backoff_schedule() -> None:
    assert [webhooks.backoff_seconds(n) for n in range(1, 6)] == [60, 300, 1800, 7200, 21600]


def test_the_sweeper_requeues_only_overdue_deliveries(org_a: OrgWorld, django_capture_on_commit_callbacks: Any) -> None:
    hook = WebhookFactory(organization=org_a.organization)
    now = timezone.now()
    with org_a.ctx():
        lost = WebhookDelivery.objects.create(
            organization=org_a.organization,
            webhook=hook,
            event="e",
            event_id="lost",
            state="retrying",
            attempts=2,
            next_attempt_at=now - dt.timedelta(minutes=10),
        )
        WebhookDelivery.objects.create(
            organization=org_a.organization,
            webhook=hook,
            event="e",
            event_id="later",
            state="retrying",
            attempts=1,
            next_attempt_at=now + dt.timedelta(minutes=10),
        )
        WebhookDelivery.objects.create(
            organization=org_a.organization,
            webhook=hook,
            event="e",
            event_id="done",
            state="succeeded",
            attempts=1,
            next_attempt_at=None,
        )
    with (
        mock.patch.object(deliver_webhook, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
        org_a.ctx(),
    ):
        assert sweep_webhooks(organization_id=org_a.organization.pk) == 1
    delay.assert_called_once_with(organization_id=org_a.organization.pk, delivery_id=lost.pk, attempt=3)


FORMATS: dict[str, Any] = {
    Webhook.Format.GENERIC: lambda body: set(body) >= {"event", "id", "organization", "occurred_at", "data"},
    Webhook.Format.DINGTALK: lambda body: body["msgtype"] == "markdown" and set(body["markdown"]) == {"title", "text"},
    Webhook.Format.WECOM: lambda body: body["msgtype"] == "markdown" and set(body["markdown"]) == {"content"},
    Webhook.Format.SLACK: lambda body: (
        isinstance(body["text"], str)
        and body["blocks"][0]["type"] == "section"
        and body["blocks"][0]["text"]["type"] == "mrkdwn"
    ),
}


@pytest.mark.parametrize("webhook_format", list(FORMATS))
def test_each_format_has_its_documented_shape(
    webhook_format: str, org_a: OrgWorld, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    WebhookFactory(organization=org_a.organization, url=receiver.url, format=webhook_format)
    with django_capture_on_commit_callbacks(execute=True):
        emit(org_a)
    body = json.loads(receiver.requests[0]["body"])
    assert FORMATS[webhook_format](body), body
    if webhook_format != Webhook.Format.GENERIC:
        text = json.dumps(body, ensure_ascii=False)
        assert "ALPHA-0 Website" in text and "/o/alpha/alerts/7/" in text


def test_chat_text_is_in_the_organisations_language(org_a: OrgWorld) -> None:
    org_a.organization.default_language = "zh-hans"
    body = webhooks.format_payload(
        webhook_format=Webhook.Format.WECOM,
        organization=org_a.organization,
        kind="alert",
        event="alert.opened",
        event_id="x",
        payload={**ALERT_PAYLOAD, "severity": "critical"},
        occurred_at=timezone.now(),
    )
    assert "紧急" in body["markdown"]["content"]
