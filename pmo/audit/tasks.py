"""Retention of security events: beat runs ``audit.purge_security_events`` daily; it purges the site table and
hands each organisation to its own task (which sets that tenant)."""

from __future__ import annotations

from django.conf import settings

from pmo.audit.services import security_events_purge
from pmo.celery import app
from pmo.tenancy.models import Organization

DEFAULT_RETENTION_DAYS = 365


def _retention_days() -> int:
    return int(getattr(settings, "SECURITY_EVENT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


@app.task(name="audit.purge_security_events", acks_late=True, soft_time_limit=90, time_limit=120)
def purge_security_events() -> int:
    """Purge the site table and enqueue one purge per organisation. Idempotent."""
    deleted = security_events_purge(organization=None, days=_retention_days())
    for organization_id in Organization.objects.values_list("pk", flat=True):
        purge_security_events_of.delay(organization_id=organization_id)
    return deleted


@app.task(name="audit.purge_security_events_of", acks_late=True, soft_time_limit=90, time_limit=120)
def purge_security_events_of(*, organization_id: int) -> int:
    """Delete ``organization_id``'s security events older than ``SECURITY_EVENT_RETENTION_DAYS``. Idempotent."""
    organization = Organization.objects.get(pk=organization_id)
    return security_events_purge(organization=organization, days=_retention_days())
