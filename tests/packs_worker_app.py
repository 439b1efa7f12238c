"""The Celery app of the report-pack reliability tests' worker subprocesses (``python -m celery -A
tests.packs_worker_app worker …``): the project's own app and tasks, pointed at the test database, at a private key
prefix of the broker, and with a short Redis visibility timeout so that a message held by a killed worker is
delivered again within seconds instead of an hour.

Test seam: the PDF renderer is replaced by one that waits ``PMO_TEST_RENDER_DELAY`` seconds and returns a small
PDF, so that a test can kill the worker while a report is rendering. Production code has no such hook.

Environment: ``PMO_WORKER_DB_NAME`` (the test database), ``PMO_WORKER_BROKER`` (a Redis URL),
``PMO_WORKER_TRANSPORT_OPTIONS`` (JSON: the visibility timeout and a key prefix unique per test),
``PMO_TEST_RENDER_DELAY`` (seconds).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmo.settings.test")

# The database is chosen before Django connects.
from django.conf import settings

settings.DATABASES["default"]["NAME"] = os.environ["PMO_WORKER_DB_NAME"]

import django  # noqa: E402

django.setup()

import reports.packs.tasks  # noqa: E402 - autodiscovery only finds <app>.tasks, not reports.packs.tasks
import reports.pdf  # noqa: E402
from pmo.celery import app  # noqa: E402

app.conf.update(
    broker_url=os.environ["PMO_WORKER_BROKER"],
    result_backend=None,
    task_ignore_result=True,
    task_always_eager=False,
    broker_transport_options=json.loads(os.environ["PMO_WORKER_TRANSPORT_OPTIONS"]),
    worker_hijack_root_logger=False,
)


def slow_render(**kwargs: Any) -> reports.pdf.RenderedPdf:
    time.sleep(float(os.environ.get("PMO_TEST_RENDER_DELAY", "0")))
    label = f"{kwargs['kind']} {kwargs['period']}"
    pdf = b"%PDF-1.7\n% rendered by the test worker: " + label.encode() + b"\n%%EOF\n"
    return reports.pdf.RenderedPdf(pdf=pdf, pages=1, title=label)


reports.pdf.render_report = slow_render
