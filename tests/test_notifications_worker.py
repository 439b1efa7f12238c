"""A real Celery worker and Redis deliver a webhook to a local HTTP server, and a notification's e-mail: the tasks
set their own tenant from ``organization_id`` and run after the emitting transaction commits."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail

from reports.models import Notification, WebhookDelivery
from reports.notifications import services, webhooks
from tests.celery_support import running_worker
from tests.conftest import build_world
from tests.factories_notifications import WebhookFactory
from tests.test_notifications_webhooks import ALERT_PAYLOAD, Receiver, local_receiver, verify

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker(settings: Any) -> Iterator[None]:
    with running_worker(settings, queues=["default"]):
        yield


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with local_receiver() as state:
        yield state


def wait_for(check: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_worker_delivers_the_webhook_and_the_mail(real_worker: None, receiver: Receiver) -> None:
    world = build_world("whook")
    hook = WebhookFactory(organization=world.organization, url=receiver.url)
    mail.outbox.clear()
    with world.ctx():
        assert (
            webhooks.webhook_emit(
                organization=world.organization,
                kind="alert",
                event="alert.opened",
                event_id="alert:1:opened",
                payload=ALERT_PAYLOAD,
            )
            == 1
        )
        services.notify(
            organization=world.organization,
            kind="alert",
            recipients=[world.users["pmo"]],
            params=ALERT_PAYLOAD,
            dedup_key="alert:1",
            url="/o/whook/inbox/",
        )

    def done() -> bool:
        with world.ctx():
            return (
                WebhookDelivery.objects.filter(state="succeeded").exists()
                and Notification.objects.filter(email_state="sent").exists()
            )

    wait_for(done)
    (request,) = receiver.requests
    assert verify(request, hook.secret)
    assert json.loads(request["body"])["organization"] == "whook"
    assert [m.to for m in mail.outbox] == [[world.users["pmo"].email]]
