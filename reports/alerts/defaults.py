"""The default alert rules installed with each organisation."""

from __future__ import annotations

from pmo.tenancy.models import Organization


def alert_rules_install_defaults(*, organization: Organization) -> int:
    """Setup hook of a new organisation (``ORGANIZATION_SETUP_HOOKS``); idempotent. Placeholder until rules land."""
    return 0
