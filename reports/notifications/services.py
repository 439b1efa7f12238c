"""Creating notifications: one row per recipient, idempotent on the de-duplication key; e-mail and webhooks follow
after the transaction commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from pmo.tenancy.models import Membership, Organization
from reports.models import Alert, Notification, Report, Severity


def recipients_with_roles(*, organization: Organization, roles: Iterable[str]) -> list[Any]:
    """The active users holding any of ``roles`` in the organisation (one query)."""
    wanted = list(roles)
    if not wanted:
        return []
    user_ids = Membership.objects.filter(organization=organization, role__in=wanted).values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def notify(
    *,
    organization: Organization,
    kind: str,
    recipients: Iterable[Any],
    params: dict[str, Any],
    dedup_key: str,
    url: str = "",
    severity: str = Severity.INFO,
    alert: Alert | None = None,
    report: Report | None = None,
) -> list[int]:
    """Tell each of ``recipients`` (users; duplicates and inactive users are dropped) about one thing.

    ``params`` must be JSON and hold what the message text needs (names, values); the text itself is rendered in
    the reader's language (``reports.notifications.messages``). A recipient who already has ``dedup_key`` gets
    nothing new. Returns the ids of the notifications created; their e-mail is queued on commit.
    """
    users = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not users:
        return []
    rows = [
        Notification(
            organization=organization,
            recipient_id=user_id,
            kind=kind,
            severity=severity,
            params=params,
            url=url,
            alert=alert,
            report=report,
            dedup_key=dedup_key,
        )
        for user_id in sorted(users)
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    # ignore_conflicts leaves the primary keys unset: read back the rows that this call (or a racing one) created
    # and that still wait for their e-mail; delivery is idempotent, so a duplicate enqueue sends nothing twice.
    created = list(
        Notification.objects.filter(
            organization=organization,
            recipient_id__in=list(users),
            dedup_key=dedup_key,
            email_state=Notification.EmailState.PENDING,
        ).values_list("pk", flat=True)
    )
    if created:
        from reports.notifications.tasks import deliver_notifications

        transaction.on_commit(
            lambda: deliver_notifications.delay(organization_id=organization.pk, notification_ids=created)
        )
    return created
