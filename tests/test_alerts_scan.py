"""The scan: opens one alert per rule and subject, updates it while breached, resolves it on recovery (also when
acknowledged, when the rule is disabled or the project closes), opens a new one after resolution, notifies only
for new alerts, never reads another organisation, and costs the same number of queries at 3 and 30 projects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from projects.models import Project
from projects.policy import control_policy_get
from reports.alerts import services
from reports.alerts.defaults import DEFAULT_RULES, alert_rules_install_defaults
from reports.alerts.scan import alert_scan_organization
from reports.models import Alert, AlertRule, AlertScan, Notification, WebhookDelivery
from tests.conftest import OrgWorld
from tests.factories import ProjectFactory
from tests.factories_alerts import NOW, age_projects, only_rule, set_spi, spi_report

pytestmark = pytest.mark.django_db


def scan(world: OrgWorld, now: dt.datetime = NOW) -> AlertScan:
    with world.ctx():
        return alert_scan_organization(organization=world.organization, now=now)


def alerts(world: OrgWorld) -> list[Alert]:
    with world.ctx():
        return list(Alert.objects.filter(organization=world.organization).order_by("pk"))


def notified(world: OrgWorld) -> set[tuple[str, int | None]]:
    with world.ctx():
        return {
            (n.recipient.email, n.alert_id)
            for n in Notification.objects.filter(organization=world.organization).select_related("recipient")
        }


@pytest.fixture
def world(org_a: OrgWorld) -> OrgWorld:
    age_projects(org_a)
    return org_a


def test_defaults_install_once(world: OrgWorld) -> None:
    with world.ctx():
        assert alert_rules_install_defaults(organization=world.organization) == len(DEFAULT_RULES)
        assert alert_rules_install_defaults(organization=world.organization) == 0
        rules = AlertRule.objects.filter(organization=world.organization)
        assert rules.count() == len(DEFAULT_RULES)
        critical = rules.get(default_key="spi_critical")
        assert critical.notify_roles == ["pmo", "executive"] and critical.notify_owner
        assert rules.get(default_key="spi_warning").notify_roles == ["pmo"]


def test_open_update_resolve_and_reopen(world: OrgWorld) -> None:
    p0, p1, _p2 = world.projects
    only_rule(world, "spi", "lt", "0.9")
    spi_report(world, p0, "0.8")
    spi_report(world, p1, "0.95")

    first = scan(world)
    [alert] = alerts(world)
    assert (alert.project_id, alert.state, alert.value, alert.threshold) == (
        p0.pk,
        "open",
        Decimal("0.8"),
        Decimal("0.9"),
    )
    assert (first.opened, first.resolved, first.still_open) == (1, 0, 0)

    # Still breached, new value: the same alert, updated; nothing new opened.
    set_spi(world, p0, "0.7")
    second = scan(world, NOW + dt.timedelta(minutes=15))
    [same] = alerts(world)
    assert same.pk == alert.pk and same.value == Decimal("0.7") and same.state == "open"
    assert (second.opened, second.resolved, second.still_open) == (0, 0, 1)

    # Idempotent: nothing changed, nothing written (no new history row either).
    with world.ctx():
        events = Alert.pgh_event_model.objects.filter(pgh_obj_id=alert.pk).count()
    scan(world, NOW + dt.timedelta(minutes=30))
    with world.ctx():
        assert Alert.pgh_event_model.objects.filter(pgh_obj_id=alert.pk).count() == events

    # Acknowledged, then recovered: it resolves itself with the recovered value.
    with world.ctx():
        services.alert_acknowledge(organization=world.organization, actor=world.users["pmo"], alert=same, note="on it")
    set_spi(world, p0, "0.95")
    third = scan(world, NOW + dt.timedelta(hours=1))
    [resolved] = alerts(world)
    assert (resolved.state, resolved.resolved_value, third.resolved) == ("resolved", Decimal("0.95"), 1)
    assert resolved.acknowledged_by == world.users["pmo"]

    # Breached again: a NEW alert, the old one stays as history.
    set_spi(world, p0, "0.5")
    scan(world, NOW + dt.timedelta(hours=2))
    old, new = alerts(world)
    assert old.pk == alert.pk and old.state == "resolved"
    assert new.state == "open" and new.value == Decimal("0.5")


def test_disabled_rule_and_closed_project_resolve(world: OrgWorld) -> None:
    p0, p1, _p2 = world.projects
    rule = only_rule(world, "spi", "lt", "0.9")
    spi_report(world, p0, "0.8")
    spi_report(world, p1, "0.8")
    scan(world)
    assert {a.state for a in alerts(world)} == {"open"}
    with world.ctx():
        Project.objects.filter(pk=p1.pk).update(status=Project.Status.CLOSED)
    scan(world, NOW + dt.timedelta(minutes=15))
    by_project = {a.project_id: a for a in alerts(world)}
    assert by_project[p1.pk].state == "resolved" and by_project[p1.pk].resolved_value is None
    assert by_project[p0.pk].state == "open"
    with world.ctx():
        services.alert_rule_set_enabled(
            organization=world.organization, actor=world.users["pmo"], rule=rule, enabled=False
        )
    scan(world, NOW + dt.timedelta(minutes=30))
    assert {a.state for a in alerts(world)} == {"resolved"}


def test_scope_narrows_subjects(world: OrgWorld) -> None:
    p0, p1, _p2 = world.projects
    spi_report(world, p0, "0.8")
    spi_report(world, p1, "0.8")
    only_rule(world, "spi", "lt", "0.9", scope="project", project=p1)
    scan(world)
    assert [a.project_id for a in alerts(world)] == [p1.pk]
    other = ProjectFactory(organization=world.organization, code="SOLO")
    spi_report(world, other, "0.1")
    with world.ctx():
        AlertRule.objects.filter(organization=world.organization).update(
            scope="portfolio", project=None, portfolio=p0.portfolio_id
        )
    scan(world, NOW + dt.timedelta(minutes=15))
    open_projects = {a.project_id for a in alerts(world) if a.state == "open"}
    assert open_projects == {p0.pk, p1.pk}  # "SOLO" is in no portfolio


def test_duplicate_open_alert_is_refused_by_the_database(world: OrgWorld) -> None:
    only_rule(world, "spi", "lt", "0.9")
    spi_report(world, world.projects[0], "0.8")
    scan(world)
    [alert] = alerts(world)
    with world.ctx(), pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            organization=world.organization,
            rule_id=alert.rule_id,
            metric="spi",
            subject_type="project",
            subject_id=alert.subject_id,
            project_id=alert.project_id,
            severity="warning",
            value=Decimal("0.1"),
            threshold=Decimal("0.9"),
        )


def test_notifies_roles_and_owner_only_for_new_alerts(world: OrgWorld) -> None:
    p0, p1, _p2 = world.projects  # p0 is run by the manager; p1 has no manager
    only_rule(world, "spi", "lt", "0.9", severity="critical", notify_roles=["pmo", "executive"])
    spi_report(world, p0, "0.8")
    spi_report(world, p1, "0.8")
    scan(world)
    by_project = {a.project_id: a.pk for a in alerts(world)}
    assert notified(world) == {
        ("pmo@alpha.test", by_project[p0.pk]),
        ("executive@alpha.test", by_project[p0.pk]),
        ("manager@alpha.test", by_project[p0.pk]),
        ("pmo@alpha.test", by_project[p1.pk]),
        ("executive@alpha.test", by_project[p1.pk]),
    }
    with world.ctx():
        notification = Notification.objects.filter(organization=world.organization, alert_id=by_project[p0.pk]).first()
        assert notification is not None
        assert notification.kind == "alert" and notification.severity == "critical"
        assert notification.params["metric"] == "spi" and notification.params["value"] == "0.8"
        assert notification.params["project_code"] == p0.code
        assert notification.url.endswith(f"/alerts/{by_project[p0.pk]}/")
    # A rescan with the alerts still open tells nobody again.
    set_spi(world, p0, "0.7")
    scan(world, NOW + dt.timedelta(minutes=15))
    with world.ctx():
        assert Notification.objects.filter(organization=world.organization).count() == 5


def test_other_organisation_is_never_read(org_a: OrgWorld, org_b: OrgWorld) -> None:
    for world in (org_a, org_b):
        age_projects(world)
        only_rule(world, "spi", "lt", "0.9")
        spi_report(world, world.projects[0], "0.5")
    scan(org_a)
    assert len(alerts(org_a)) == 1
    assert alerts(org_b) == []
    with org_b.ctx():
        assert not Notification.objects.filter(organization=org_b.organization).exists()
        assert not AlertScan.objects.filter(organization=org_b.organization).exists()


def _grow(world: OrgWorld, size: int) -> None:
    portfolio = world.projects[0].portfolio
    for i in range(size):
        project = ProjectFactory(organization=world.organization, code=f"G-{size}-{i}", portfolio=portfolio)
        spi_report(world, project, "0.95")
    age_projects(world)


def _measure(world: OrgWorld) -> tuple[int, int]:
    """Queries of a scan that opens the alerts of one breaching project, then of a rescan with nothing new."""
    with world.ctx():
        Notification.objects.filter(organization=world.organization).delete()
        Alert.objects.filter(organization=world.organization).delete()
    with CaptureQueriesContext(connection) as first:
        scan(world)
    with CaptureQueriesContext(connection) as again:
        scan(world, NOW + dt.timedelta(minutes=15))
    return len(first), len(again)


def test_scan_queries_do_not_grow_with_projects(world: OrgWorld) -> None:
    with world.ctx():
        alert_rules_install_defaults(organization=world.organization)
        control_policy_get(organization=world.organization)
    spi_report(world, world.projects[0], "0.5")  # breaches both SPI rules at both sizes
    for project in world.projects[1:]:
        spi_report(world, project, "0.95")
    small = _measure(world)
    assert len(alerts(world)) == 2
    _grow(world, 27)
    assert _measure(world) == small
    assert len(alerts(world)) == 2


def test_a_first_scan_costs_the_same_for_one_new_alert_and_for_many(world: OrgWorld) -> None:
    """Opening alerts, telling people and queueing webhook deliveries is done in batches: the queries of a scan
    depend on the rules, not on how many alerts it opens."""
    from tests.factories_notifications import WebhookFactory

    only_rule(world, "spi", "lt", "0.9")
    with world.ctx():
        control_policy_get(organization=world.organization)
    WebhookFactory(organization=world.organization)
    spi_report(world, world.projects[0], "0.5")
    for project in world.projects[1:]:
        spi_report(world, project, "0.95")
    one_new, _ = _measure(world)
    assert len(alerts(world)) == 1

    portfolio = world.projects[0].portfolio
    for i in range(12):
        breaching = ProjectFactory(organization=world.organization, code=f"B-{i}", portfolio=portfolio)
        spi_report(world, breaching, "0.5")
    age_projects(world)
    with world.ctx():
        WebhookDelivery.objects.filter(organization=world.organization).delete()
    many_new, _ = _measure(world)
    assert len(alerts(world)) == 13
    assert many_new == one_new
    with world.ctx():
        assert Notification.objects.filter(organization=world.organization, alert__isnull=False).count() >= 13
        assert WebhookDelivery.objects.filter(organization=world.organization, event="alert.opened").count() == 13
