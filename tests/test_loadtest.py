"""The load test's locustfile cannot rot: locust runs it headless for 30 seconds with 5 users against a live gunicorn
on the test database (two organisations of every role), and every request must succeed and every kind of request
must have been made at least once."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import build_world
from tests.factories import PASSWORD
from tests.fault_support import ARTIFACTS, PrivateRedis, Web, app_environment

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)
REDIS_PORT = 16394
EXPECTED = {
    "/accounts/login/",
    "/accounts/login/ [POST]",
    "/api/v1/auth/token/",
    "/o/[org]/dashboard/",
    "/o/[org]/cockpit/",
    "/o/[org]/projects/",
    "/o/[org]/projects/[id]/",
    "/o/[org]/risks/",
    "/o/[org]/inbox/",
    "/o/[org]/projects/[id]/status/",
    "/o/[org]/projects/[id]/status/[week]/start/",
    "/o/[org]/projects/[id]/status/[week]/save/",
    "/api/v1/orgs/[org]/projects/",
    "/api/v1/orgs/[org]/risks/",
    "/api/v1/orgs/[org]/status-reports/",
}


@pytest.fixture
def web() -> Iterator[Web]:
    redis = PrivateRedis(REDIS_PORT)
    redis.start()
    try:
        server = Web(app_environment(redis_url=redis.url, db_name=settings.DATABASES["default"]["NAME"]), name="load")
        try:
            yield server
        finally:
            server.close()
    finally:
        redis.close()


def test_the_locustfile_runs_every_task_without_a_failure(web: Web) -> None:
    build_world("loadone")
    build_world("loadtwo")
    prefix = ARTIFACTS / "loadtest-smoke"
    env = {
        **os.environ,
        "PMO_LOADTEST_ORGS": "loadone,loadtwo",
        "PMO_LOADTEST_PASSWORD": PASSWORD,
        "PMO_LOADTEST_EMAIL_DOMAIN": "test",
        # Short pauses: a short run still makes many requests (each person also does each task once on arrival).
        "PMO_LOADTEST_WAIT": "0.1,0.3",
    }
    command = [sys.executable, "-m", "locust", "-f", "loadtest/locustfile.py", "--headless", "--host", web.base]
    command += ["-u", "5", "-r", "5", "-t", "30s", "--only-summary", "--csv", str(prefix), "--exit-code-on-error", "1"]
    run = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    with Path(f"{prefix}_stats.csv").open() as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    aggregated = rows.pop("Aggregated")
    assert run.returncode == 0, run.stderr[-3000:]
    assert int(aggregated["Failure Count"]) == 0, run.stderr[-3000:]
    assert set(rows) == EXPECTED
    assert all(int(row["Request Count"]) > 0 for row in rows.values())
