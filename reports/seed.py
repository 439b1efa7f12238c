"""Demo content of alerts, notifications and report packs: the demo opens with the alerts its data breaches (and
their inbox notifications), one of them acknowledged by the PMO with a note, the executive and the PMO subscribed to
the weekly pack and the monthly review, and the PMO's two oldest notifications read.

Runs last (it reads what every other seeder made) through the services, so it keeps their rules. Idempotent: each
step is done only when not done before — the organisation has never been scanned (afterwards the beat scans every
15 minutes, and the run command once at start), the PMO has acknowledged no alert and read no notification yet, and
a subscription exists once — so a second run creates nothing, not even a scan record.
"""

from __future__ import annotations

from typing import Any

from pmo.tenancy.roles import Role
from reports.alerts import services as alert_services
from reports.alerts.scan import alert_scan_organization
from reports.alerts.selectors import severity_rank
from reports.models import ORGANIZATION_REPORT_KINDS, Alert, AlertScan, Notification, SubjectType
from reports.notifications.services import notification_mark_read
from reports.packs.services import report_subscribe

READ_NOTIFICATIONS = 2


def seed_demo(demo: Any) -> None:
    organization = demo.organization
    pmo = demo.users[Role.PMO]
    if not AlertScan.objects.filter(organization=organization).exists():
        alert_scan_organization(organization=organization, trigger="manual")
    _acknowledge_one(demo, pmo)
    for role in (Role.EXECUTIVE, Role.PMO):
        for kind in ORGANIZATION_REPORT_KINDS:
            report_subscribe(organization=organization, actor=demo.users[role], kind=kind)
    _read_oldest(demo, pmo)


def _acknowledge_one(demo: Any, pmo: Any) -> None:
    """The PMO takes up the most severe open project alert (then the oldest, the lowest project code)."""
    organization = demo.organization
    if Alert.objects.filter(organization=organization, acknowledged_by=pmo).exists():
        return
    alert = (
        Alert.objects.filter(organization=organization, state=Alert.State.OPEN, subject_type=SubjectType.PROJECT)
        .annotate(rank=severity_rank())
        .order_by("rank", "opened_at", "project__code", "pk")
        .first()
    )
    if alert is None:
        return
    alert_services.alert_acknowledge(
        organization=organization,
        actor=pmo,
        alert=alert,
        note=demo.text(
            "Raised with the project manager; a recovery plan is due at the weekly meeting.",
            "已与项目经理沟通，恢复计划将在周例会上提交。",
        ),
    )


def _read_oldest(demo: Any, pmo: Any) -> None:
    """The PMO has read their two oldest notifications (only while they have read none)."""
    organization = demo.organization
    inbox = Notification.objects.filter(organization=organization, recipient=pmo)
    if inbox.filter(read_at__isnull=False).exists():
        return
    for notification in inbox.order_by("created_at", "pk")[:READ_NOTIFICATIONS]:
        notification_mark_read(organization=organization, actor=pmo, notification=notification)
