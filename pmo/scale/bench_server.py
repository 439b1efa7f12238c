"""gunicorn for the benchmark: the production server (``pmo.wsgi``, sync workers) on a free local port, with the
bench settings, pointed at the database the bench command itself uses; always stopped on the way out."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from pmo.scale.bench_http import BenchError

BENCH_SETTINGS = "pmo.settings.bench"
WORKERS = 2
START_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0
# What the bench server needs of Django's ``DATABASES['default']`` to reach the same database (not its pool or
# connection age: the bench settings keep persistent connections whatever the caller uses).
DATABASE_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_environment(settings_dict: dict[str, Any]) -> str:
    """``PMO_BENCH_DATABASE`` for the bench settings: the connection keys of ``settings_dict`` as JSON."""
    return json.dumps({key: settings_dict[key] for key in DATABASE_KEYS if key in settings_dict}, default=str)


class GunicornServer:
    """``with GunicornServer(...) as server:`` serves on ``server.port`` once ``/healthz`` answers."""

    def __init__(
        self, *, base_dir: Path, settings_dict: dict[str, Any], redis_url: str, log_path: Path, workers: int = WORKERS
    ) -> None:
        self.base_dir = base_dir
        self.settings_dict = settings_dict
        self.redis_url = redis_url
        self.log_path = log_path
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE=BENCH_SETTINGS,
            PMO_BENCH_DATABASE=database_environment(self.settings_dict),
            REDIS_URL=self.redis_url,
        )
        return env

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "pmo.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]

    def __enter__(self) -> GunicornServer:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                self.command(),
                cwd=self.base_dir,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited with code {self.process.returncode}: {self.log_tail()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
                connection.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer /healthz within {START_TIMEOUT:.0f} s: {self.log_tail()}")

    def stop(self) -> None:
        """Stop the arbiter and its workers (SIGTERM to the server's own process group, then SIGKILL)."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT)
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
