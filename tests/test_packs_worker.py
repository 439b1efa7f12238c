"""Report packs on real Celery workers (subprocesses) and a real Redis: a worker killed mid-render leaves exactly one
report for the period, rendered by the next worker after the broker delivers the message again; two beats
dispatching at once produce one report and one render per period.

The workers run ``tests.packs_worker_app`` (the project's app on the test database, a private Redis key prefix, a
short visibility timeout and a slow fake renderer)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import redis
from celery.exceptions import AlwaysEagerIgnored
from django.conf import settings

from pmo import embedded
from pmo.celery import app
from reports.models import Report, ReportKind
from reports.packs import services
from reports.packs.schedules import report_schedules_install_defaults
from reports.packs.tasks import dispatch_scheduled, render_report_task
from tests.conftest import OrgWorld, build_world

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)
RENDER_DELAY = 4.0
VISIBILITY_TIMEOUT = 3


class Broker:
    """A private corner of the test Redis (its own key prefix) shared by this test and its workers."""

    def __init__(self) -> None:
        url = settings.CELERY_BROKER_URL
        if url == embedded.embedded_redis_url():
            embedded.ensure_redis(settings.BASE_DIR)
        self.url = url.rsplit("/", 1)[0] + "/13"
        self.prefix = f"pmo-packs-test-{uuid.uuid4().hex[:8]}:"
        self.workers: list[subprocess.Popen[bytes]] = []
        self.visibility_timeout = VISIBILITY_TIMEOUT

    @property
    def options(self) -> dict[str, Any]:
        """A visibility timeout of seconds (a killed worker's message comes back quickly), swept every second."""
        return {
            "visibility_timeout": self.visibility_timeout,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
            "global_keyprefix": self.prefix,
        }

    def publish(self, task: Any, **kwargs: Any) -> None:
        """Send ``task`` to this broker (routed like in production) although the test settings run tasks eagerly."""
        with (
            app.connection_for_write(url=self.url, transport_options=self.options) as connection,
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore", AlwaysEagerIgnored)
            app.send_task(task.name, kwargs=kwargs, connection=connection)

    def start_worker(self, name: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "pmo.settings.test",
            "PMO_WORKER_DB_NAME": settings.DATABASES["default"]["NAME"],
            "PMO_WORKER_BROKER": self.url,
            "PMO_WORKER_TRANSPORT_OPTIONS": json.dumps(self.options),
            "PMO_TEST_RENDER_DELAY": str(RENDER_DELAY),
        }
        command = [sys.executable, "-m", "celery", "-A", "tests.packs_worker_app", "worker", "-Q", "reports"]
        command += ["-P", "solo", "--concurrency", "1", "-n", f"{name}@%h", "-l", "warning"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        log = (BASE_DIR / "test-artifacts").joinpath(f"packs-worker-{name}.log")
        log.parent.mkdir(exist_ok=True)
        with log.open("wb") as output:
            worker = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)
        self.workers.append(worker)
        return worker

    def close(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(10)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait(5)
        client = redis.Redis.from_url(self.url)
        keys = list(client.scan_iter(f"{self.prefix}*"))
        if keys:
            client.delete(*keys)


@pytest.fixture
def broker() -> Iterator[Broker]:
    corner = Broker()
    try:
        yield corner
    finally:
        corner.close()


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def report_state(world: OrgWorld, pk: int) -> tuple[str, int, int]:
    with world.ctx():
        report = Report.objects.defer("pdf").get(pk=pk)
        return report.state, report.attempts, report.generation


def test_a_worker_killed_mid_render_leaves_one_report_rendered_by_the_next(broker: Broker) -> None:
    world = build_world("crash")
    with mock.patch.object(render_report_task, "delay") as queued, world.ctx():
        report = services.report_request(
            organization=world.organization, actor=world.users["pmo"], kind=ReportKind.WEEKLY_PACK, period="2025-W30"
        )
    # The request queued its render on commit; hand that very message to the real broker.
    broker.publish(render_report_task, **queued.call_args.kwargs)

    first = broker.start_worker("first")
    wait_for(lambda: report_state(world, report.pk)[0] == "rendering", timeout=60, what="the first render")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert report_state(world, report.pk) == ("rendering", 1, 1)  # died mid-render: nothing stored

    broker.start_worker("second")
    wait_for(lambda: report_state(world, report.pk)[0] == "ready", timeout=90, what="the render after the crash")
    _state, attempts, generation = report_state(world, report.pk)
    assert attempts >= 2 and generation == 1
    with world.ctx():
        rows = list(Report.objects.filter(kind=ReportKind.WEEKLY_PACK, period="2025-W30"))
    assert len(rows) == 1 and rows[0].pk == report.pk
    assert bytes(rows[0].pdf).startswith(b"%PDF") and rows[0].title == "weekly_pack 2025-W30"


def test_two_beats_at_once_produce_one_report_and_one_render_per_period(broker: Broker) -> None:
    # No worker dies here: a visibility timeout shorter than a render (RENDER_DELAY) would hand a message still being
    # rendered to the idle worker, a second attempt that the test would count as a second render.
    broker.visibility_timeout = 60
    world = build_world("twobeats")
    with world.ctx():
        report_schedules_install_defaults(organization=world.organization)
    # Two beats fire the same tick; two workers take the per-organisation dispatches at the same time.
    broker.publish(dispatch_scheduled)
    broker.publish(dispatch_scheduled)
    workers = [broker.start_worker("left"), broker.start_worker("right")]

    def all_ready() -> bool:
        with world.ctx():
            states = list(Report.objects.values_list("state", flat=True))
        return len(states) == 2 and set(states) == {"ready"}

    wait_for(all_ready, timeout=90, what="both scheduled packs")
    time.sleep(RENDER_DELAY + 1)  # a second render, if there were one, would show by now
    with world.ctx():
        rows = sorted(Report.objects.values_list("kind", "trigger", "generation", "attempts"))
    assert rows == [("monthly_review", "schedule", 1, 1), ("weekly_pack", "schedule", 1, 1)]
    assert all(worker.poll() is None for worker in workers)
