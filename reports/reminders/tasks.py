"""Celery tasks of the reminders. The beat starts ``reminders.status_all`` (every 15 minutes) and
``reminders.timesheets_all`` (twice an hour); each lists the active organisations and enqueues one per-organisation
task, which runs inside its organisation and calls the service. The services are idempotent (de-duplication keys),
so a late-acknowledged task that runs twice sends nothing twice."""

from __future__ import annotations

from pmo.celery import TenantTask, app
from pmo.tenancy.models import Organization
from reports.reminders import services


def _active_organization_ids() -> list[int]:
    # Organization is not a tenant table: the fan-out runs without a tenant.
    return list(Organization.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))


@app.task(base=TenantTask, name="reminders.status_organization", soft_time_limit=120, time_limit=180)
def status_organization(*, organization_id: int) -> int:
    """Send one organisation's status reminders and escalations that are due now; returns the notifications
    created."""
    organization = Organization.objects.get(pk=organization_id)
    return services.status_reminders_send(organization=organization).notifications


@app.task(base=TenantTask, name="reminders.timesheets_organization", soft_time_limit=120, time_limit=180)
def timesheets_organization(*, organization_id: int) -> int:
    """Send one organisation's timesheet reminders and escalations that are due now; returns the notifications
    created."""
    organization = Organization.objects.get(pk=organization_id)
    return services.timesheet_reminders_send(organization=organization).notifications


@app.task(name="reminders.status_all", acks_late=True, soft_time_limit=60, time_limit=90)
def status_all() -> int:
    """Fan out the status run to every active organisation; returns how many were enqueued."""
    ids = _active_organization_ids()
    for organization_id in ids:
        status_organization.delay(organization_id=organization_id)
    return len(ids)


@app.task(name="reminders.timesheets_all", acks_late=True, soft_time_limit=60, time_limit=90)
def timesheets_all() -> int:
    """Fan out the timesheet run to every active organisation; returns how many were enqueued."""
    ids = _active_organization_ids()
    for organization_id in ids:
        timesheets_organization.delay(organization_id=organization_id)
    return len(ids)
