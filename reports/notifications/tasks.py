"""Celery tasks of the notifications: e-mail delivery, daily digests, webhook deliveries, and the webhook sweeper.

Per-organisation tasks are ``TenantTask``s (they take ``organization_id`` and run inside it, in one transaction);
the beat's ``*_all`` tasks are not tenant-bound: they list the active organisations and enqueue one each.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pmo.celery import TenantTask, app
from pmo.tenancy.models import Organization
from reports.models import WebhookDelivery
from reports.notifications import delivery, webhooks

# A delivery whose retry is this late was lost (worker gone, broker flushed): the sweeper queues it again.
SWEEP_GRACE = dt.timedelta(minutes=2)
SWEEP_BATCH = 500


def _active_organization_ids() -> list[int]:
    # Organization is not a tenant table: the fan-out runs without a tenant.
    return list(Organization.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))


@app.task(
    base=TenantTask,
    name="notifications.deliver",
    autoretry_for=delivery.MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=6,
    soft_time_limit=60,
    time_limit=90,
)
def deliver_notifications(*, organization_id: int, notification_ids: list[int]) -> int:
    """E-mail the given notifications according to each recipient's preference; returns the mails sent.
    Idempotent: notifications no longer pending are skipped."""
    organization = Organization.objects.get(pk=organization_id)
    return delivery.notifications_deliver(organization=organization, notification_ids=notification_ids)


@app.task(
    base=TenantTask,
    name="notifications.send_digest",
    autoretry_for=delivery.MAIL_ERRORS,
    retry_backoff=60,
    max_retries=5,
    soft_time_limit=300,
    time_limit=360,
)
def send_digest(*, organization_id: int, at: str | None = None) -> int:
    """Send the organisation's daily digests if ``at`` (ISO, default now: when the beat fired) falls in its digest
    hour; returns the mails sent. Idempotent within the hour."""
    organization = Organization.objects.get(pk=organization_id)
    now = dt.datetime.fromisoformat(at) if at else timezone.now()
    return delivery.digest_send(organization=organization, now=now)


@app.task(name="notifications.send_digests_all", acks_late=True, soft_time_limit=60, time_limit=90)
def send_digests_all() -> int:
    """Hourly: let every active organisation send the digests due in its own time zone; returns the organisations."""
    at = timezone.now().isoformat()
    ids = _active_organization_ids()
    for organization_id in ids:
        send_digest.delay(organization_id=organization_id, at=at)
    return len(ids)


@app.task(base=TenantTask, name="notifications.deliver_webhook", soft_time_limit=30, time_limit=45)
def deliver_webhook(*, organization_id: int, delivery_id: int, attempt: int | None = None) -> str:
    """Make attempt number ``attempt`` of one webhook delivery; returns the delivery's state afterwards.

    Idempotent: a finished delivery (delivered or failed) is never sent again, and a message whose ``attempt`` is
    not the next one (a duplicate of a retry, a sweep racing the retry) does nothing. A retryable failure stores
    ``next_attempt_at`` and, after the commit, queues the next attempt with that countdown. (Not ``self.retry()``:
    its exception would roll back the transaction this task runs in, and with it the attempt just recorded.)
    """
    row = (
        WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("webhook")
        .filter(pk=delivery_id)
        .first()
    )
    if row is None:
        return "locked-or-missing"
    if row.state in (WebhookDelivery.State.SUCCEEDED, WebhookDelivery.State.FAILED):
        return str(row.state)
    if attempt is not None and attempt != row.attempts + 1:
        return "stale"
    outcome = webhooks.delivery_attempt(delivery=row)
    retry_in = outcome.retry_in
    if retry_in is not None:
        next_attempt = row.attempts + 1
        transaction.on_commit(
            lambda: deliver_webhook.apply_async(
                kwargs={"organization_id": organization_id, "delivery_id": delivery_id, "attempt": next_attempt},
                countdown=retry_in,
            )
        )
    return outcome.state


@app.task(base=TenantTask, name="notifications.sweep_webhooks", soft_time_limit=60, time_limit=90)
def sweep_webhooks(*, organization_id: int) -> int:
    """Queue again the organisation's deliveries whose attempt is overdue (their retry message was lost); returns
    how many. Each is queued with its next attempt number, so a retry that arrives after all does nothing twice."""
    overdue = timezone.now() - SWEEP_GRACE
    waiting = list(
        WebhookDelivery.objects.filter(
            organization_id=organization_id,
            state__in=[WebhookDelivery.State.PENDING, WebhookDelivery.State.RETRYING],
        )
        .filter(Q(next_attempt_at__lte=overdue) | Q(next_attempt_at__isnull=True, created_at__lte=overdue))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "attempts")[:SWEEP_BATCH]
    )

    def enqueue() -> None:
        for delivery_id, attempts in waiting:
            deliver_webhook.delay(organization_id=organization_id, delivery_id=delivery_id, attempt=attempts + 1)

    transaction.on_commit(enqueue)
    return len(waiting)


@app.task(name="notifications.sweep_webhooks_all", acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_webhooks_all() -> int:
    """Every five minutes: sweep each active organisation's overdue webhook deliveries; returns the organisations."""
    ids = _active_organization_ids()
    for organization_id in ids:
        sweep_webhooks.delay(organization_id=organization_id)
    return len(ids)
