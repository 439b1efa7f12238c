"""The Celery application: Redis broker, JSON only, three queues, and a base task that owns its tenant."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, Task
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmo.settings.local")

app = Celery("pmo")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each queue gets its own exchange and routing key: left unset, Celery binds all three to the default exchange
# with one key, and a message routed to one queue would be delivered to every queue.
QUEUES = ("default", "reports", "alerts")
app.conf.task_queues = tuple(Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES)
app.conf.task_default_queue = "default"
app.conf.task_routes = {"reports.*": {"queue": "reports"}, "alerts.*": {"queue": "alerts"}}
app.autodiscover_tasks()
# Tasks in sub-packages of an app are not found by the default discovery (it imports ``<app>.tasks`` only).
app.autodiscover_tasks(["reports.alerts", "reports.notifications", "reports.reminders", "reports.packs"])


class TenantTask(Task):
    """A task that runs inside one organisation, named by its ``organization_id`` keyword argument.

    A task never inherits a tenant from whoever enqueued it: it sets the ORM scope and the RLS setting itself, in a
    transaction of its own. Tasks built on it acknowledge late (they must be idempotent) and are re-queued if the
    worker dies mid-task.
    """

    acks_late = True
    reject_on_worker_lost = True
    typing = True
    # A database restart (connection refused, or dropped mid-transaction) rolls the task's transaction back and is
    # retried with backoff (2, 4, 8, 16, 30 s) instead of losing the task.
    database_max_retries = 5

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from django.db import InterfaceError, OperationalError

        from pmo.tenancy.context import tenant_context

        organization_id = kwargs.get("organization_id")
        if not isinstance(organization_id, int):
            raise TypeError(f"{self.name} needs an integer organization_id keyword argument")
        try:
            with tenant_context(organization_id):
                return super().__call__(*args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            retries = self.request.retries
            if self.request.called_directly or self.request.is_eager or retries >= self.database_max_retries:
                raise
            countdown = min(30, 2 ** (retries + 1))
            raise self.retry(exc=exc, countdown=countdown, max_retries=self.database_max_retries) from exc
