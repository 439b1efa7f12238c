"""Outgoing webhooks: events fanned out to an organisation's webhooks, signed, retried, logged.

An event becomes one ``WebhookDelivery`` per subscribed webhook (unique per webhook and event id), its body already
formatted for the webhook (generic JSON, DingTalk, WeCom or Slack) in the organisation's default language; the task
``notifications.deliver_webhook`` POSTs it.

Signing: each request carries ``X-PMO-Event``, ``X-PMO-Delivery`` (the delivery id, the same on every retry),
``X-PMO-Timestamp`` (Unix seconds) and ``X-PMO-Signature: sha256=<hex>``, the HMAC-SHA256 with the webhook's
secret of ``f"{timestamp}.".encode() + body`` (the exact body bytes). A receiver recomputes it, compares in
constant time and refuses old timestamps (replays).

Where a webhook may point: never at link-local (cloud metadata), multicast, reserved or unspecified addresses; at
loopback and private networks only when ``settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` is on (development and tests;
off in production unless the operator turns it on). The host is resolved and checked before each attempt; a
refused address fails the delivery at once.

Outcome of one attempt: 2xx delivered; 408, 429, 5xx, timeouts and connection errors retried after 1 min, 5 min,
30 min, 2 h and 6 h (six attempts in all); any other answer (4xx, redirects) fails at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pmo.tenancy.models import Organization
from reports.models import Severity, Webhook, WebhookDelivery
from reports.notifications.messages import message_for_kind

TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 6
# Seconds to wait after attempt n (1-based) failed and may be retried.
BACKOFF_SECONDS = (60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600)
RETRYABLE_STATUS = frozenset({408, 429})
ERROR_LENGTH = 1000
TEST_EVENT = "webhook.test"
USER_AGENT = "PMO-Webhook/1"


# --- Formats ---------------------------------------------------------------------------------------------------


def absolute_url(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.PUBLIC_BASE_URL.rstrip("/") + "/" + path.lstrip("/")


def _headline(*, kind: str, event: str, payload: Mapping[str, Any]) -> tuple[str, str, str]:
    """Title, body and link of an event, in the active language."""
    if event == TEST_EVENT:
        return (
            _("Test event from PMO"),
            _("The webhook “%(name)s” is connected.") % {"name": payload.get("webhook", "")},
            absolute_url(str(payload.get("url", ""))),
        )
    params = dict(payload)
    if event.endswith(".resolved"):
        params.setdefault("state", "resolved")
    message = message_for_kind(kind, params, str(payload.get("url", "")))
    title = message.title
    severity = str(payload.get("severity", ""))
    if severity in (Severity.WARNING, Severity.CRITICAL) and not event.endswith(".resolved"):
        title = f"{Severity(severity).label} · {title}"
    return title, message.body, absolute_url(message.url)


def format_payload(
    *,
    webhook_format: str,
    organization: Organization,
    kind: str,
    event: str,
    event_id: str,
    payload: Mapping[str, Any],
    occurred_at: dt.datetime,
) -> dict[str, Any]:
    """The JSON body for one webhook format; chat formats are written in the organisation's default language."""
    if webhook_format == Webhook.Format.GENERIC:
        return {
            "event": event,
            "id": event_id,
            "kind": kind,
            "organization": organization.slug,
            "occurred_at": occurred_at.isoformat(),
            "data": dict(payload),
        }
    with translation.override(organization.default_language):
        title, body, link = _headline(kind=kind, event=event, payload=payload)
        open_label = _("Open in PMO")
    if webhook_format in (Webhook.Format.DINGTALK, Webhook.Format.WECOM):
        title, body = _markdown_text(title), _markdown_text(body)
    if webhook_format == Webhook.Format.DINGTALK:
        text = f"#### {title}\n\n{body}" + (f"\n\n[{open_label}]({link})" if link else "")
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    if webhook_format == Webhook.Format.WECOM:
        content = f"**{title}**\n{body}" + (f"\n[{open_label}]({link})" if link else "")
        return {"msgtype": "markdown", "markdown": {"content": content}}
    # Slack reads <…> in any text as a link or a mention (<!channel>): a tenant's text is escaped, only our link is not.
    title, body = _slack_escape(title), _slack_escape(body)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*\n{body}"}},
    ]
    if link:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{link}|{open_label}>"}]})
    return {"text": f"{title}: {body}", "blocks": blocks}


def _markdown_text(text: str) -> str:
    """A tenant's text inside a chat robot's Markdown: ``[label](url)`` and ``![](url)`` must not become a link or an
    image (a phishing link or a tracker in the PMO's name); a zero-width space between ``]`` and ``(`` keeps the text
    readable and breaks the syntax, which the robots' Markdown subsets have no escape for."""
    return str(text).replace("](", "]\u200b(")


def _slack_escape(text: str) -> str:
    """The three characters Slack asks to escape in message text."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- Signing ---------------------------------------------------------------------------------------------------


def body_bytes(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of ``f"{timestamp}.{body}"`` keyed with ``secret``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


# --- Emitting --------------------------------------------------------------------------------------------------


def _enqueue_on_commit(organization_id: int, delivery_ids: list[int]) -> None:
    from reports.notifications.tasks import deliver_webhook

    def enqueue() -> None:
        for delivery_id in delivery_ids:
            deliver_webhook.delay(organization_id=organization_id, delivery_id=delivery_id, attempt=1)

    transaction.on_commit(enqueue)


@dataclass(frozen=True)
class Event:
    """One event for the webhooks: its name (``"alert.opened"``), its id (idempotency per webhook) and its data."""

    event: str
    event_id: str
    payload: Mapping[str, Any]


def deliveries_create(
    *,
    organization: Organization,
    webhooks: list[Webhook],
    kind: str,
    event: str,
    event_id: str,
    payload: Mapping[str, Any],
) -> list[int]:
    """One delivery per webhook for the event (existing ones are left alone); the new ones are sent on commit."""
    return deliveries_create_many(
        organization=organization, webhooks=webhooks, kind=kind, events=[Event(event, event_id, payload)]
    )


@transaction.atomic
def deliveries_create_many(
    *, organization: Organization, webhooks: list[Webhook], kind: str, events: Iterable[Event]
) -> list[int]:
    """One delivery per webhook and event, in a fixed number of queries; existing ones are left alone and the new
    ones are sent on commit."""
    events = list(events)
    if not webhooks or not events:
        return []
    now = timezone.now()
    rows = [
        WebhookDelivery(
            organization=organization,
            webhook=webhook,
            event=item.event[:40],
            event_id=item.event_id[:100],
            payload=format_payload(
                webhook_format=webhook.format,
                organization=organization,
                kind=kind,
                event=item.event,
                event_id=item.event_id,
                payload=item.payload,
                occurred_at=now,
            ),
            next_attempt_at=now,
            created_at=now,
        )
        for item in events
        for webhook in webhooks
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    # ignore_conflicts leaves the keys unset: read back the ones never attempted (new, or left by a racing call).
    delivery_ids = list(
        WebhookDelivery.objects.filter(
            organization=organization,
            webhook__in=webhooks,
            event_id__in={item.event_id[:100] for item in events},
            state=WebhookDelivery.State.PENDING,
            attempts=0,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if delivery_ids:
        _enqueue_on_commit(organization.pk, delivery_ids)
    return delivery_ids


def webhook_emit(*, organization: Organization, kind: str, event: str, event_id: str, payload: dict[str, Any]) -> int:
    """Queue ``event`` (e.g. ``"alert.opened"``) for every active webhook of the organisation subscribed to
    ``kind`` (a ``NotificationKind``; a webhook with no kinds takes all); idempotent per webhook and ``event_id``.

    ``payload`` is the event's JSON data: the generic format sends it as ``data``; the chat formats render their
    text from it like a notification of ``kind`` (so pass the same keys as to ``notify()``'s ``params``, plus
    ``url``, a path in the app). Returns the number of deliveries queued; they are sent after the commit.
    """
    return webhook_emit_many(organization=organization, kind=kind, events=[Event(event, event_id, payload)])


def webhook_emit_many(*, organization: Organization, kind: str, events: Iterable[Event]) -> int:
    """``webhook_emit`` for a batch of events of one kind, in a fixed number of queries."""
    webhooks = [
        webhook
        for webhook in Webhook.objects.filter(organization=organization, active=True).order_by("pk")
        if not webhook.kinds or kind in webhook.kinds
    ]
    return len(deliveries_create_many(organization=organization, webhooks=webhooks, kind=kind, events=events))


# --- Sending ---------------------------------------------------------------------------------------------------


class AddressRefused(ValueError):
    """The webhook's host resolves to an address that webhooks may not reach."""


def address_allowed(address: str, *, allow_private: bool) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:  # before "reserved": ::1 lies in the reserved ::/8
        return allow_private
    if ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return False
    if ip.is_private or not ip.is_global:
        return allow_private
    return True


def host_check(host: str, port: int | None) -> None:
    """Resolve ``host`` and refuse it when any of its addresses is off limits (see the module docstring)."""
    allow_private = getattr(settings, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        address = str(info[4][0])
        if not address_allowed(address, allow_private=allow_private):
            raise AddressRefused(f"{host} resolves to {address}, which webhooks may not reach")


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    error: str
    duration_ms: int
    refused: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        if self.refused:
            return False
        if self.status_code is None:
            return True  # connection refused, timeout, DNS
        return self.status_code in RETRYABLE_STATUS or self.status_code >= 500


def _connection(url: str) -> tuple[http.client.HTTPConnection, str]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host_check(parts.hostname, parts.port)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    if parts.scheme == "https":
        return (
            http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
            ),
            path,
        )
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT_SECONDS), path


def post(*, url: str, secret: str, event: str, delivery_id: int, payload: Mapping[str, Any]) -> AttemptResult:
    """POST the signed body once (redirects are not followed: the body goes only where configured); never raises
    for network trouble, which is part of the result."""
    body = body_bytes(payload)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-PMO-Event": event,
        "X-PMO-Delivery": str(delivery_id),
        "X-PMO-Timestamp": timestamp,
        "X-PMO-Signature": sign(secret=secret, timestamp=timestamp, body=body),
    }
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    refused = False
    connection: http.client.HTTPConnection | None = None
    try:
        connection, path = _connection(url)
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        status_code = response.status
        answer = response.read(500).decode(errors="replace").strip()
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code} {response.reason}: {answer}".strip()
    except AddressRefused as exc:
        error, refused = str(exc), True
    except (OSError, http.client.HTTPException, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    finally:
        if connection is not None:
            connection.close()
    duration_ms = int((time.monotonic() - started) * 1000)
    return AttemptResult(status_code=status_code, error=error[:ERROR_LENGTH], duration_ms=duration_ms, refused=refused)


def backoff_seconds(attempts: int) -> int:
    """The wait after ``attempts`` failed attempts (1-based)."""
    return BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1]


@dataclass(frozen=True)
class AttemptOutcome:
    state: str
    retry_in: int | None = None


def delivery_attempt(*, delivery: WebhookDelivery, now: dt.datetime | None = None) -> AttemptOutcome:
    """Send a locked, not yet finished delivery once and record the outcome on it and its webhook.

    The caller holds the row lock. Returns the new state and, when it will be retried, after how many seconds
    (``next_attempt_at`` is stored too, for the sweeper).
    """
    webhook = delivery.webhook
    result = post(
        url=webhook.url,
        secret=webhook.secret,
        event=delivery.event,
        delivery_id=delivery.pk,
        payload=delivery.payload,
    )
    now = now or timezone.now()
    delivery.attempts += 1
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error
    delivery.duration_ms = result.duration_ms
    retry_in: int | None = None
    if result.succeeded:
        delivery.state = WebhookDelivery.State.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
        Webhook.objects.filter(pk=webhook.pk).update(last_success_at=now, consecutive_failures=0)
    else:
        if result.retryable and delivery.attempts < MAX_ATTEMPTS:
            retry_in = backoff_seconds(delivery.attempts)
            delivery.state = WebhookDelivery.State.RETRYING
            delivery.next_attempt_at = now + dt.timedelta(seconds=retry_in)
        else:
            delivery.state = WebhookDelivery.State.FAILED
            delivery.next_attempt_at = None
        Webhook.objects.filter(pk=webhook.pk).update(
            last_failure_at=now, consecutive_failures=F("consecutive_failures") + 1
        )
    delivery.save(
        update_fields=[
            "attempts",
            "last_status_code",
            "last_error",
            "duration_ms",
            "state",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    return AttemptOutcome(state=delivery.state, retry_in=retry_in)
