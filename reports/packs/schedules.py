"""Report schedules per organisation."""

from __future__ import annotations

from pmo.tenancy.models import Organization


def report_schedules_install_defaults(*, organization: Organization) -> None:
    """Setup hook of a new organisation (``ORGANIZATION_SETUP_HOOKS``); idempotent. Placeholder until packs land."""
