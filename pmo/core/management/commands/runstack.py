"""``python manage.py runstack``: serve the web app with a Celery worker and beat; Ctrl-C stops them all.

With ``REDIS_URL`` unset it first starts the embedded Redis (``pmo.embedded.ensure_redis``); with
``DATABASE_URL`` unset the settings have already started the embedded PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from pmo import embedded

# Periodic tasks sent once when the stack starts (beat sends them again on their schedule).
CATCH_UP_TASKS = ("reports.dispatch_scheduled", "alerts.scan_all")


class Command(BaseCommand):
    help = "Run web (runserver), a Celery worker and Celery beat together; stop all on Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--no-beat", action="store_true", help="Do not start Celery beat.")

    def handle(self, *args: Any, **options: Any) -> None:
        env = os.environ.copy()
        if not os.environ.get("REDIS_URL"):
            env["REDIS_URL"] = embedded.ensure_redis(settings.BASE_DIR)
            self.stdout.write(f"Embedded Redis at {env['REDIS_URL']}")
        python = sys.executable
        manage = str(settings.BASE_DIR / "manage.py")
        local = embedded.local_dir(settings.BASE_DIR)
        commands = {
            "web": [python, manage, "runserver", f"{options['host']}:{options['port']}", "--noreload"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "pmo",
                "worker",
                "-Q",
                "default,reports,alerts",
                "-l",
                "info",
                "--concurrency",
                "2",
                "-n",
                "pmo-worker@%h",
            ],
        }
        if not options["no_beat"]:
            commands["beat"] = [
                python,
                "-m",
                "celery",
                "-A",
                "pmo",
                "beat",
                "-l",
                "info",
                "-s",
                str(local / "celerybeat-schedule"),
            ]
        processes: dict[str, subprocess.Popen[bytes]] = {}
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, command in commands.items():
            processes[name] = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env)
        # Catch up at start instead of at the next quarter hour: packs whose schedule passed while the app was down
        # (a fresh demo gets last week's pack and last month's review at once) and a first alert scan.
        for task in CATCH_UP_TASKS:
            subprocess.run(
                [python, "-m", "celery", "-A", "pmo", "call", task],
                cwd=settings.BASE_DIR,
                env=env,
                check=False,
                stdout=subprocess.DEVNULL,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"PMO is serving on http://{options['host']}:{options['port']}/ with "
                + ", ".join(processes)
                + ". Press Ctrl-C to stop."
            )
        )
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with code {process.returncode}; stopping the others.")
                        stopping = True
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            deadline = time.monotonic() + 15
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
            self.stdout.write("Stopped.")
