"""Reminder policy and reminders."""

from __future__ import annotations

from pmo.tenancy.models import Organization


def reminder_policy_install_default(*, organization: Organization) -> None:
    """Setup hook of a new organisation (``ORGANIZATION_SETUP_HOOKS``); idempotent. Placeholder until reminders
    land."""
