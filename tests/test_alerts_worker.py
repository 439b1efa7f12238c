"""The alert scan through a real Celery worker consuming the ``alerts`` queue of a real Redis: the task sets its own
tenant, a repeated run changes nothing (same alerts, no duplicates, no new notifications), and the beat entry
``alerts.scan_all`` fans out to one scan per active organisation (none for an inactive one)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings

from pmo.celery import app
from pmo.tenancy.models import Organization
from reports.alerts.tasks import scan_all, scan_organization
from reports.models import Alert, AlertScan, Notification
from tests.celery_support import running_worker
from tests.conftest import OrgWorld, build_world
from tests.factories_alerts import age_projects, only_rule, spi_report

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alerts_worker(settings: Any) -> Iterator[None]:
    """A worker thread consuming only the ``alerts`` queue of a real Redis broker (started if none answers)."""
    with running_worker(settings, queues=["alerts"]):
        yield


def breaching_world(slug: str) -> OrgWorld:
    """An organisation whose one rule (SPI < 0.9) is breached by two of its three projects."""
    world = build_world(slug)
    age_projects(world)
    only_rule(world, "spi", "lt", "0.9")
    spi_report(world, world.projects[0], "0.8")
    spi_report(world, world.projects[1], "0.85")
    spi_report(world, world.projects[2], "0.97")
    return world


def state(world: OrgWorld) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The organisation's alerts and notifications, as rows."""
    with world.ctx():
        alerts = list(
            Alert.objects.filter(organization=world.organization)
            .order_by("pk")
            .values_list("pk", "project_id", "state", "value", "opened_at")
        )
        notifications = list(
            Notification.objects.filter(organization=world.organization)
            .order_by("pk")
            .values_list("pk", "recipient_id", "alert_id")
        )
    return alerts, notifications


def wait_for(check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_the_worker_scans_an_organisation_and_a_second_run_changes_nothing(alerts_worker: None) -> None:
    world = breaching_world("wscan")
    other = breaching_world("wother")

    first = scan_organization.apply_async(kwargs={"organization_id": world.organization.pk}).get(timeout=30)
    first.pop("scan_id")
    assert first == {"rules": 1, "evaluated": 3, "opened": 2, "resolved": 0, "still_open": 0}
    alerts, notifications = state(world)
    assert {(project, alert_state) for _, project, alert_state, _, _ in alerts} == {
        (world.projects[0].pk, "open"),
        (world.projects[1].pk, "open"),
    }
    assert {alert for _, _, alert in notifications} == {row[0] for row in alerts}

    again = scan_organization.apply_async(kwargs={"organization_id": world.organization.pk}).get(timeout=30)
    assert (again["opened"], again["resolved"], again["still_open"]) == (0, 0, 2)
    assert state(world) == (alerts, notifications)
    with world.ctx():
        assert AlertScan.objects.filter(organization=world.organization).count() == 2
    # The task ran in the organisation it named: the other organisation was neither scanned nor alerted.
    with other.ctx():
        assert not Alert.objects.filter(organization=other.organization).exists()
        assert not AlertScan.objects.filter(organization=other.organization).exists()


def test_scan_all_fans_out_one_scan_per_active_organisation(alerts_worker: None) -> None:
    assert app.amqp.router.route({}, scan_all.name)["queue"].name == "alerts"
    assert "alerts.scan_all" in {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    worlds = [breaching_world("wfirst"), breaching_world("wsecond")]
    dormant = breaching_world("wdormant")
    Organization.objects.filter(pk=dormant.organization.pk).update(is_active=False)
    active = Organization.objects.filter(is_active=True).count()

    assert scan_all.delay().get(timeout=30) == active

    def scanned() -> bool:
        for world in worlds:
            with world.ctx():
                if not AlertScan.objects.filter(organization=world.organization).exists():
                    return False
        return True

    wait_for(scanned)
    for world in worlds:
        with world.ctx():
            (scan,) = AlertScan.objects.filter(organization=world.organization)
            assert (scan.trigger, scan.opened) == ("beat", 2)
            assert Alert.objects.filter(organization=world.organization, state="open").count() == 2
    with dormant.ctx():
        assert not AlertScan.objects.filter(organization=dormant.organization).exists()
        assert not Alert.objects.filter(organization=dormant.organization).exists()
