"""Celery tasks of the alerts, on the ``alerts`` queue (names start with ``alerts.``)."""

from __future__ import annotations

from pmo.celery import TenantTask, app
from pmo.tenancy.models import Organization
from reports.alerts.scan import alert_scan_organization


@app.task(name="alerts.scan_all", soft_time_limit=60, time_limit=90)
def scan_all() -> int:
    """Beat, every 15 minutes: enqueue one ``alerts.scan_organization`` per active organisation (not tenant-bound:
    organisations are not a tenant table). Returns how many were enqueued."""
    organization_ids = list(Organization.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for organization_id in organization_ids:
        scan_organization.delay(organization_id=organization_id)
    return len(organization_ids)


@app.task(base=TenantTask, name="alerts.scan_organization", soft_time_limit=120, time_limit=180)
def scan_organization(*, organization_id: int, trigger: str = "beat") -> dict[str, int]:
    """Scan one organisation (inside its tenant, set by ``TenantTask``). Idempotent: a re-delivered or repeated run
    with nothing changed opens, updates and resolves nothing. Returns the scan's counts."""
    organization = Organization.objects.get(pk=organization_id)
    scan = alert_scan_organization(organization=organization, trigger=trigger)
    return {
        "scan_id": scan.pk,
        "rules": scan.rules,
        "evaluated": scan.evaluated,
        "opened": scan.opened,
        "resolved": scan.resolved,
        "still_open": scan.still_open,
    }
