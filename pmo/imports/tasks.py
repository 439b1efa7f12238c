"""Housekeeping of imports: batches are working files, deleted a day after their upload (what they imported
stays, with its own history)."""

from __future__ import annotations

from pmo.celery import TenantTask, app
from pmo.imports import services
from pmo.tenancy.models import Organization


@app.task(name="imports.purge_batches", soft_time_limit=60, time_limit=90)
def purge_batches() -> int:
    """Beat, daily: enqueue one ``imports.purge_organization_batches`` per active organisation (organisations are
    not a tenant table). Returns how many were enqueued."""
    organization_ids = list(Organization.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for organization_id in organization_ids:
        purge_organization_batches.delay(organization_id=organization_id)
    return len(organization_ids)


@app.task(base=TenantTask, name="imports.purge_organization_batches", soft_time_limit=120, time_limit=180)
def purge_organization_batches(*, organization_id: int) -> int:
    """Delete one organisation's batches older than a day (inside its tenant, set by ``TenantTask``). Idempotent."""
    organization = Organization.objects.get(pk=organization_id)
    return services.batches_purge(organization=organization)
