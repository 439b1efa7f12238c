"""Periodic housekeeping of accounts (global, not per organisation: API tokens belong to users)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from pmo.accounts.models import ApiToken
from pmo.celery import app

# Expired and revoked tokens are kept this long for the audit of their last use, then deleted.
TOKEN_RETENTION = timedelta(days=30)


@app.task(name="accounts.purge_dead_tokens", acks_late=True, soft_time_limit=90, time_limit=120)
def purge_dead_tokens() -> int:
    """Delete tokens that expired or were revoked more than ``TOKEN_RETENTION`` ago. Idempotent."""
    cutoff = timezone.now() - TOKEN_RETENTION
    deleted, _ = ApiToken.objects.filter(expires_at__lt=cutoff).delete()
    revoked, _ = ApiToken.objects.filter(revoked_at__lt=cutoff).delete()
    return deleted + revoked
