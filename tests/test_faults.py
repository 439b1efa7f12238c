"""Faults survived, with real processes and no mocks: Redis (broker and shared cache) stopped and restarted under a
running gunicorn, and PostgreSQL stopped and started under gunicorn and a Celery worker. The web keeps answering
what it can, ``/readyz`` names what is down, pages that need the missing service answer 503 with ``Retry-After``
(never a 500), and the work queued or attempted during the outage completes once the service is back, once.

A worker killed mid-task is proven by ``tests/test_packs_worker.py`` (a render killed mid-way is re-delivered and
stored once); here ``test_tasks_that_must_survive_a_lost_worker_are_acknowledged_late`` checks that every tenant task
is set up the same way, and that the broker's visibility timeout outlasts the longest task.

Each test starts its own processes (``tests/fault_support.py``): a private Redis, gunicorn and a worker on
``tests.fault_settings``; the database test restores this test's organisation into a private PostgreSQL cluster
that it can restart without touching the shared server. The run takes about two minutes."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from celery.exceptions import AlwaysEagerIgnored
from django.conf import settings
from django.test import Client

from pmo.celery import TenantTask, app
from reports.alerts.tasks import scan_organization
from reports.models import Report
from tests.conftest import OrgWorld, build_world
from tests.factories import PASSWORD
from tests.factories_alerts import age_projects, only_rule, spi_report
from tests.fault_support import (
    PG_BIN,
    Answer,
    Http,
    PrivateCluster,
    PrivateRedis,
    Web,
    Worker,
    app_environment,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REDIS_PORT_FOR_BROKER_TEST = 16392
REDIS_PORT_FOR_DATABASE_TEST = 16393
COLUMN_OPTION = re.compile(r"^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(")


@pytest.fixture
def closers() -> Iterator[list[Callable[[], None]]]:
    """What a test started, stopped in reverse order whatever happens."""
    started: list[Callable[[], None]] = []
    yield started
    for close in reversed(started):
        close()


def session_of(user: Any) -> str:
    """A signed-in session (stored in the database) for ``user``, as the cookie value."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def pages_of(world: OrgWorld) -> list[str]:
    org = world.organization.slug
    return [
        f"/o/{org}/projects/",
        f"/o/{org}/projects/{world.projects[0].pk}/",
        f"/o/{org}/dashboard/",
        f"/o/{org}/risks/",
        f"/o/{org}/inbox/",
    ]


def assert_unavailable(answer: Answer | None, *, api: bool = False) -> None:
    assert answer is not None, "the web process stopped answering"
    assert answer.status == 503, (answer.status, answer.body[:300])
    assert answer.headers.get("Retry-After") == "30"
    assert "Traceback" not in answer.body
    if api:
        assert answer.json() == {"detail": "The service is temporarily unavailable. Please try again in a moment."}
    else:
        assert "Temporarily unavailable" in answer.body


def reports_of(world: OrgWorld) -> list[tuple[str, str, str, int]]:
    with world.ctx():
        return sorted(Report.objects.values_list("kind", "period", "state", "generation"))


def test_tasks_that_must_survive_a_lost_worker_are_acknowledged_late() -> None:
    app.loader.import_default_modules()
    tenant_tasks = {name: task for name, task in app.tasks.items() if isinstance(task, TenantTask)}
    assert {"alerts.scan_organization", "reports.render", "notifications.deliver"} <= set(tenant_tasks)
    for name, task in tenant_tasks.items():
        assert task.acks_late and task.reject_on_worker_lost, name
    # A message acknowledged late is handed to another worker after the visibility timeout: it must outlast the
    # longest such task, or a task still running would be started a second time.
    late = [task for name, task in app.tasks.items() if "." in name and task.acks_late]
    limits = [task.time_limit or app.conf.task_time_limit for task in late]
    assert len(late) > len(tenant_tasks) and all(limits)
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > max(limits)


def test_redis_down_the_web_answers_what_it_can_and_queued_work_completes_once_after_restart(
    closers: list[Callable[[], None]],
) -> None:
    world = build_world("redisdown")
    redis = PrivateRedis(REDIS_PORT_FOR_BROKER_TEST)
    closers.append(redis.close)
    redis.start()
    env = app_environment(redis_url=redis.url, db_name=settings.DATABASES["default"]["NAME"])
    web = Web(env, name="broker")
    closers.append(web.close)
    http = Http(web.base, session=session_of(world.users["pmo"]))
    probe = Http(web.base)  # as a load balancer probes: no cookies
    org = world.organization.slug
    reports_page = f"/o/{org}/reports/"

    assert probe.status("/readyz") == 200
    assert {page: http.status(page) for page in pages_of(world)} == dict.fromkeys(pages_of(world), 200)
    # Queued while Redis is up but no worker runs: the message waits in the broker, across the restart.
    queued = http.submit(reports_page, {"action": "generate", "kind": "weekly_pack", "period": "2025-W30"})
    assert queued is not None and queued.status == 302
    assert reports_of(world) == [("weekly_pack", "2025-W30", "pending", 1)]

    redis.stop()
    assert probe.status("/healthz") == 200
    ready = probe.get("/readyz")
    assert ready is not None and ready.status == 503
    assert ready.json() == {"status": "unavailable", "checks": {"database": "ok", "broker": "error: ConnectionError"}}
    # Pages read the database only (the data cache is skipped while Redis is away); sessions live in the database.
    assert {page: http.status(page) for page in pages_of(world)} == dict.fromkeys(pages_of(world), 200)
    # The API counts every request in the shared cache: it asks the client to come back.
    assert_unavailable(http.get(f"/api/v1/orgs/{org}/projects/"), api=True)
    # Signing in counts failures in the same cache: refused for now, clearly (signed-in users are not affected).
    sign_in = {"username": world.users["pmo"].email, "password": PASSWORD}
    assert_unavailable(probe.submit("/accounts/login/", sign_in))
    # A page that queues work: the request is refused with a clear answer, and the report waits, queued.
    refused = http.submit(reports_page, {"action": "generate", "kind": "monthly_review", "period": "2025-07"})
    assert_unavailable(refused)
    assert reports_of(world) == [("monthly_review", "2025-07", "pending", 1), ("weekly_pack", "2025-W30", "pending", 1)]

    redis.start()
    wait_for(lambda: probe.status("/readyz") == 200, timeout=30, what="/readyz after the restart")
    assert http.status(f"/api/v1/orgs/{org}/projects/") == 200
    # Asking again queues the refused report (same row, next generation); the worker then renders both.
    again = http.submit(reports_page, {"action": "generate", "kind": "monthly_review", "period": "2025-07"})
    assert again is not None and again.status == 302
    worker = Worker(env, name="broker")
    closers.append(worker.close)

    def all_ready() -> bool:
        return {state for _, _, state, _ in reports_of(world)} == {"ready"}

    wait_for(all_ready, timeout=120, what=f"both reports rendered; worker log:\n{worker.output()[-2000:]}", interval=1)
    assert reports_of(world) == [("monthly_review", "2025-07", "ready", 2), ("weekly_pack", "2025-W30", "ready", 1)]
    with world.ctx():
        assert Report.objects.count() == 2


def breaching_world(slug: str) -> OrgWorld:
    """An organisation whose only alert rule (SPI < 0.9, notify the PMO) is breached by two of its projects."""
    world = build_world(slug)
    age_projects(world)
    only_rule(world, "spi", "lt", "0.9")
    spi_report(world, world.projects[0], "0.8")
    spi_report(world, world.projects[1], "0.85")
    spi_report(world, world.projects[2], "0.97")
    return world


def restore_into(cluster: PrivateCluster, world: OrgWorld, *, database: str) -> str:
    """Copy ``world`` (its organisation's rows, and the shared tables: users, sessions…) from the test database into
    ``database`` of the private cluster, owned by the same non-superuser role. Returns the app's DATABASE_URL."""
    source = settings.DATABASES["default"]
    role = source["USER"]
    cluster.psql(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS')
    cluster.psql(f'CREATE DATABASE "{database}" OWNER "{role}"')
    # The app role is subject to row-level security: with it on and the organisation set, it dumps that tenant's rows.
    env = {**os.environ, "PGOPTIONS": f"-c app.organization_id={world.organization.pk}"}
    if source.get("PASSWORD"):
        env["PGPASSWORD"] = source["PASSWORD"]
    command = [str(PG_BIN / "pg_dump"), "--enable-row-security", "--no-comments"]
    command += ["-h", source["HOST"], "-p", str(source["PORT"] or 5432), "-U", role, source["NAME"]]
    dump = subprocess.run(command, check=True, capture_output=True, env=env, text=True).stdout
    # Per-column planner options (``ALTER COLUMN … SET (…)``) are left out: a server may carry options that
    # another build does not know, and they change no data.
    script = "\n".join(line for line in dump.splitlines() if not COLUMN_OPTION.match(line))
    restore = [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-d", database]
    subprocess.run([*restore, "-q", "-v", "ON_ERROR_STOP=1"], input=script, check=True, capture_output=True, text=True)
    return f"postgres://{role}@127.0.0.1:{cluster.port}/{database}"


def count_rows(cluster: PrivateCluster, database: str, sql: str, params: tuple[Any, ...] = ()) -> int:
    """As the cluster's superuser (not subject to row-level security)."""
    with psycopg.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname=database) as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None
    return int(row[0])


class Traffic(threading.Thread):
    """Requests the pages in a loop until stopped, counting the answers (None: the server did not answer)."""

    def __init__(self, http: Http, pages: list[str]) -> None:
        super().__init__(daemon=True)
        self.http = Http(http.base, session=http.session)
        self.pages = pages
        self.answers: Counter[tuple[int | None, str | None]] = Counter()
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            for page in self.pages:
                answer = self.http.get(page)
                key = (None, None) if answer is None else (answer.status, answer.headers.get("Retry-After"))
                self.answers[key] += 1

    def stop(self) -> Counter[tuple[int | None, str | None]]:
        self.halt.set()
        self.join(30)
        return self.answers


def test_database_restart_pages_answer_503_then_recover_without_restarting_and_a_task_retries(
    closers: list[Callable[[], None]],
) -> None:
    world = breaching_world("dbrestart")
    session = session_of(world.users["pmo"])
    cluster = PrivateCluster()
    closers.append(cluster.close)
    cluster.init()
    cluster.start()
    database = "pmo_fault"
    database_url = restore_into(cluster, world, database=database)
    redis = PrivateRedis(REDIS_PORT_FOR_DATABASE_TEST)
    closers.append(redis.close)
    redis.start()
    env = app_environment(redis_url=redis.url, database_url=database_url)
    web = Web(env, name="database")
    closers.append(web.close)
    worker = Worker(env, name="database")
    closers.append(worker.close)
    http = Http(web.base, session=session)
    probe = Http(web.base)  # as a load balancer probes: no cookies
    pages = pages_of(world)
    assert probe.status("/readyz") == 200
    assert {page: http.status(page) for page in pages} == dict.fromkeys(pages, 200)

    traffic = Traffic(http, pages)
    traffic.start()
    cluster.stop()
    assert probe.status("/healthz") == 200
    ready = probe.get("/readyz")
    assert ready is not None and ready.status == 503
    assert ready.json()["checks"] == {"database": "error: OperationalError", "broker": "ok"}
    for page in pages:
        assert_unavailable(http.get(page))
    assert_unavailable(http.get(f"/api/v1/orgs/{world.organization.slug}/projects/"), api=True)
    # A scan queued while the database is down fails to start, and is retried with backoff rather than lost.
    with app.connection_for_write(url=redis.url) as connection, warnings.catch_warnings():
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        app.send_task(
            scan_organization.name,
            kwargs={"organization_id": world.organization.pk, "trigger": "manual"},
            connection=connection,
        )
    wait_for(lambda: "Retry in" in worker.output(), timeout=60, what="the scan to be retried")

    cluster.start()
    wait_for(lambda: probe.status("/readyz") == 200, timeout=30, what="/readyz after the restart")
    answers = traffic.stop()
    # Every request had an answer: 200 before and after, 503 with Retry-After while the database was away.
    assert set(answers) <= {(200, None), (503, "30")}, answers
    assert answers[(503, "30")] > 0 and answers[(200, None)] > 0
    # The same gunicorn processes serve every page again (each worker's connection is checked before reuse).
    for _round in range(3):
        assert {page: http.status(page) for page in pages} == dict.fromkeys(pages, 200)
    assert web.process.poll() is None

    def scanned() -> bool:
        return count_rows(cluster, database, "SELECT count(*) FROM reports_alertscan") == 1

    wait_for(scanned, timeout=60, what=f"the retried scan; worker log:\n{worker.output()[-2000:]}", interval=1)
    assert count_rows(cluster, database, "SELECT count(*) FROM reports_alert WHERE state = 'open'") == 2
    # One notification per alert and recipient, none twice (the PMO member is told of both alerts).
    duplicates = (
        "SELECT count(*) - count(DISTINCT (alert_id, recipient_id)) FROM reports_notification"
        " WHERE alert_id IS NOT NULL"
    )
    assert count_rows(cluster, database, duplicates) == 0
    told = "SELECT count(*) FROM reports_notification WHERE alert_id IS NOT NULL AND recipient_id = %s"
    pmo = (world.users["pmo"].pk,)
    assert count_rows(cluster, database, told, pmo) == 2

    # A write after the recovery is stored: the PMO member's unread notifications are marked read.
    unread = "SELECT count(*) FROM reports_notification WHERE recipient_id = %s AND read_at IS NULL"
    assert count_rows(cluster, database, unread, pmo) >= 2
    marked = http.submit(f"/o/{world.organization.slug}/inbox/read-all/", {})
    assert marked is not None and marked.status == 302
    assert count_rows(cluster, database, unread, pmo) == 0
    assert count_rows(cluster, database, "SELECT count(*) FROM reports_alertscan") == 1
