"""A real Celery worker for integration tests: a thread of the test process consuming named queues of a real Redis
(the embedded one is started if the settings name it). Tasks then run outside the test's transaction, so tests
that use it need ``django_db(transaction=True)``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery.contrib.testing.worker import start_worker

from pmo import embedded
from pmo.celery import app


@contextmanager
def running_worker(settings: Any, *, queues: list[str]) -> Iterator[None]:
    broker = settings.CELERY_BROKER_URL
    if broker == embedded.embedded_redis_url():
        embedded.ensure_redis(settings.BASE_DIR)
    app.conf.update(task_always_eager=False, broker_url=broker, result_backend=broker)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=queues, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(task_always_eager=True)
