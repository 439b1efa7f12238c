"""Real processes for the fault and load tests: a private Redis, a private PostgreSQL cluster, gunicorn and a Celery
worker on ``tests.fault_settings``, and a small HTTP client that reports a refused connection instead of raising.

Every process is started by the test that uses it and stopped by it; nothing here touches the machine's own Redis or
PostgreSQL servers except to read the test database (``pg_dump``)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pgserver
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
ARTIFACTS = BASE_DIR / "test-artifacts"
PG_BIN = Path(pgserver.__file__).parent / "pginstall" / "bin"
# A CSRF secret of the length Django accepts unmasked: sent as the cookie and as the X-CSRFToken header.
CSRF_SECRET = "faultsfaultsfaultsfaultsfaults12"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.2) -> Any:
    """Poll ``condition`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def stop_process(process: subprocess.Popen[bytes], *, timeout: float = 15) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def log_file(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to assert on, not to follow."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Http:
    """Requests to one server with a session cookie (and the CSRF pair for writes). ``None`` = connection refused."""

    base: str
    session: str = ""
    token: str = ""
    language: str = "en"
    timeouts: list[str] = field(default_factory=list)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
        timeout: float = 20,
    ) -> Answer | None:
        headers = {"Accept-Language": self.language, "X-CSRFToken": CSRF_SECRET}
        cookies = [f"csrftoken={CSRF_SECRET}"]
        if self.session:
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={self.session}")
        headers["Cookie"] = "; ".join(cookies)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with _OPENER.open(request, timeout=timeout) as response:
                return Answer(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read().decode())
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            self.timeouts.append(f"{method} {path}: {error}")
            return None

    def get(self, path: str) -> Answer | None:
        return self.request("GET", path)

    def post(self, path: str, body: dict[str, Any]) -> Answer | None:
        return self.request("POST", path, body=body)

    def submit(self, path: str, form: dict[str, str]) -> Answer | None:
        return self.request("POST", path, form=form)

    def status(self, path: str) -> int | None:
        answer = self.get(path)
        return None if answer is None else answer.status


class PrivateRedis:
    """A redis-server of this test on its own port, append-only (as the broker should run in production: queued
    messages survive a restart), in a temporary directory."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.directory = Path(tempfile.mkdtemp(prefix=f"pmo-fault-redis-{port}-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed on PATH"
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)]
        command += ["--save", "", "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "no"]
        with log_file(f"fault-redis-{self.port}.log").open("ab") as output:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        wait_for(self.answers, timeout=15, what=f"redis on {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM: Redis flushes its append-only file and exits."""
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def app_environment(*, redis_url: str, database_url: str | None = None, db_name: str | None = None) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.fault_settings", "PMO_FAULT_REDIS": redis_url}
    env.pop("PMO_FAULT_DB_NAME", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    if db_name:
        env["PMO_FAULT_DB_NAME"] = db_name
    return env


class Web:
    """gunicorn (two sync workers, as on a two-core host) serving the project on ``tests.fault_settings``."""

    def __init__(self, env: dict[str, str], *, name: str, workers: int = 2) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "gunicorn", "pmo.wsgi:application", "-b", f"127.0.0.1:{self.port}"]
        command += ["-w", str(workers), "--timeout", "60", "--graceful-timeout", "5"]
        with log_file(f"fault-web-{name}.log").open("wb") as output:
            self.process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        wait_for(lambda: Http(self.base).status("/healthz") == 200, timeout=60, what="gunicorn to answer")

    def close(self) -> None:
        stop_process(self.process)


class Worker:
    """A Celery worker process (solo pool) of the project's app on ``tests.fault_settings``, every queue."""

    def __init__(self, env: dict[str, str], *, name: str) -> None:
        command = [sys.executable, "-m", "celery", "-A", "pmo.celery", "worker", "-Q", "default,reports,alerts"]
        command += ["-P", "solo", "-c", "1", "-n", f"fault-{name}@%h", "-l", "info"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.log = log_file(f"fault-worker-{name}.log")
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def close(self) -> None:
        stop_process(self.process)


class PrivateCluster:
    """A PostgreSQL cluster of this test (the ``pgserver`` package's binaries) on its own port, restartable. As
    root, PostgreSQL refuses to run: the cluster then belongs to the ``pgserver`` system user (created by pgserver
    if missing), as the embedded default does."""

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="pmo-fault-pg-"))
        self.data = self.root / "data"
        self.user: str | None = None
        if os.geteuid() == 0:
            from pgserver.utils import ensure_user_exists

            self.user = "pgserver"
            ensure_user_exists(self.user)
            shutil.chown(self.root, user=self.user)
        self.log = log_file("fault-postgres.log")

    def run(self, *args: str) -> None:
        subprocess.run(list(args), check=True, capture_output=True, user=self.user, cwd=self.root)

    def init(self) -> None:
        self.run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.root} -c fsync=off -c full_page_writes=off"
        self.run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self) -> None:
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def psql(self, sql: str, *, database: str = "postgres") -> None:
        command = [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database]
        subprocess.run([*command, "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True)

    def close(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop()
        finally:
            server_log = self.root / "server.log"
            if server_log.exists():
                self.log.write_bytes(server_log.read_bytes())
            shutil.rmtree(self.root, ignore_errors=True)
