"""Celery tasks of the notifications: e-mail delivery, daily digests, webhook deliveries."""

from __future__ import annotations

from pmo.celery import TenantTask, app


@app.task(base=TenantTask, name="notifications.deliver", soft_time_limit=60, time_limit=90)
def deliver_notifications(*, organization_id: int, notification_ids: list[int]) -> int:
    """E-mail the given notifications according to each recipient's preference. Placeholder until delivery lands."""
    return 0
