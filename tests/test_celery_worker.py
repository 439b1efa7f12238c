"""A real Celery worker against a real Redis: tasks set their own tenant from ``organization_id``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core import mail

from pmo.celery import app
from pmo.tenancy.models import Invitation
from pmo.tenancy.tasks import send_invitation_email
from tests.celery_support import running_worker
from tests.conftest import build_world
from tests.factories import InvitationFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker(settings: Any) -> Iterator[None]:
    """A worker thread consuming the default queue of a real Redis broker (started if none answers)."""
    with running_worker(settings, queues=["default"]):
        yield


def test_task_runs_in_the_organisation_it_names(real_worker: None) -> None:
    alpha, beta = build_world("walpha"), build_world("wbeta")
    invitation = InvitationFactory(organization=alpha.organization, email="new.person@example.test")
    mail.outbox.clear()

    # Named with the wrong organisation, the task cannot even see the invitation: RLS and the ORM scope hide it.
    wrong = send_invitation_email.apply_async(
        kwargs={"organization_id": beta.organization.pk, "invitation_id": invitation.pk}
    )
    assert wrong.get(timeout=30) is False
    assert mail.outbox == []

    right = send_invitation_email.apply_async(
        kwargs={"organization_id": alpha.organization.pk, "invitation_id": invitation.pk}
    )
    assert right.get(timeout=30) is True
    assert [m.to for m in mail.outbox] == [["new.person@example.test"]]
    assert alpha.organization.name in mail.outbox[0].subject
    assert "/invitations/" in mail.outbox[0].body

    # Idempotent: a second delivery of the same task sends nothing more.
    again = send_invitation_email.apply_async(
        kwargs={"organization_id": alpha.organization.pk, "invitation_id": invitation.pk}
    )
    assert again.get(timeout=30) is False
    assert len(mail.outbox) == 1
    with alpha.ctx():
        assert Invitation.objects.get(pk=invitation.pk).sent_at is not None


def test_task_refuses_to_run_without_an_organisation(real_worker: None) -> None:
    with pytest.raises(TypeError, match="organization_id"):
        send_invitation_email.apply_async(kwargs={"invitation_id": 1})
    # Past the caller's signature check, the worker itself refuses a tenant that is not an id.
    result = send_invitation_email.apply_async(kwargs={"organization_id": "1", "invitation_id": 1})
    with pytest.raises(TypeError, match="integer organization_id"):
        result.get(timeout=30)


def test_the_broker_is_redis() -> None:
    assert settings.CELERY_BROKER_URL.startswith("redis://")


def test_each_queue_has_its_own_routing_key() -> None:
    """Bound to one exchange and key, a message for one queue would be copied into all three."""
    queues = app.amqp.queues
    assert set(queues) == {"default", "reports", "alerts"}
    for name, queue in queues.items():
        assert (queue.exchange.name, queue.routing_key) == (name, name)


def test_every_beat_entry_names_a_task_the_worker_registers() -> None:
    """A worker imports the tasks of sub-packages too: beat must never send a name nobody consumes."""
    app.loader.import_default_modules()
    missing = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] not in app.tasks]
    assert missing == []


def test_alert_and_report_tasks_go_to_their_own_queues() -> None:
    app.loader.import_default_modules()
    router = app.amqp.router
    assert router.route({}, "alerts.scan_organization")["queue"].name == "alerts"
    assert router.route({}, "reports.render")["queue"].name == "reports"
    assert router.route({}, "notifications.deliver")["queue"].name == "default"
