"""Notifications and webhooks, the reads: a user's inbox (only their own, in one organisation), the unread count,
e-mail preferences, and the organisation's webhooks with their delivery logs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q, QuerySet
from django.http import Http404

from pmo.tenancy.models import Organization
from reports.models import Notification, NotificationKind, NotificationPreference, Webhook, WebhookDelivery


def inbox_of(
    *,
    organization: Organization,
    user: Any,
    unread_only: bool = False,
    kind: str = "",
    queryset: QuerySet[Any] | None = None,
) -> QuerySet[Any]:
    """The user's notifications in the organisation: unread first, then newest first (narrowing ``queryset`` when
    given, e.g. the API base's)."""
    base = Notification.objects.all() if queryset is None else queryset
    rows = base.filter(organization=organization, recipient_id=user.pk)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.annotate(unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())).order_by(
        "-unread", "-created_at", "-id"
    )


def unread_count(*, organization: Organization, user: Any) -> int:
    return Notification.objects.filter(organization=organization, recipient_id=user.pk, read_at__isnull=True).count()


def notification_get_for_user(*, organization: Organization, user: Any, pk: int) -> Notification:
    """One of the user's own notifications; another user's, another organisation's or a missing one → 404."""
    notification = Notification.objects.filter(organization=organization, recipient_id=user.pk, pk=pk).first()
    if notification is None:
        raise Http404
    return notification


def deliveries_of(*, organization: Organization, user_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """``{(user_id, kind): delivery}`` of the stored preferences of ``user_ids`` (one query)."""
    rows = NotificationPreference.objects.filter(organization=organization, user_id__in=list(user_ids))
    return {(row.user_id, row.kind): row.delivery for row in rows}


def notification_preferences_of(*, organization: Organization, user: Any) -> dict[str, str]:
    """Every kind's e-mail delivery for the user, the default where none is stored (kinds in declaration order)."""
    from reports.notifications.services import DEFAULT_DELIVERY

    stored = deliveries_of(organization=organization, user_ids=[user.pk])
    return {kind: stored.get((user.pk, kind), DEFAULT_DELIVERY[kind]) for kind in NotificationKind.values}


def webhooks_of(*, organization: Organization) -> QuerySet[Any]:
    """The organisation's webhooks with their delivery counts per state and last delivery (one query)."""
    states = WebhookDelivery.State
    return (
        Webhook.objects.filter(organization=organization)
        .annotate(
            deliveries_total=Count("deliveries"),
            deliveries_failed=Count("deliveries", filter=Q(deliveries__state=states.FAILED)),
            deliveries_waiting=Count("deliveries", filter=Q(deliveries__state__in=[states.PENDING, states.RETRYING])),
            last_delivery_at=Max("deliveries__created_at"),
        )
        .order_by("name", "pk")
    )


def webhook_get(*, organization: Organization, pk: int) -> Webhook:
    webhook = Webhook.objects.filter(organization=organization, pk=pk).first()
    if webhook is None:
        raise Http404
    return webhook


def deliveries_of_webhook(*, organization: Organization, webhook: Webhook, state: str = "") -> QuerySet[Any]:
    """The webhook's delivery log, newest first."""
    rows = WebhookDelivery.objects.filter(organization=organization, webhook=webhook)
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-created_at", "-id")


def delivery_get(*, organization: Organization, webhook: Webhook, pk: int) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.filter(organization=organization, webhook=webhook, pk=pk).first()
    if delivery is None:
        raise Http404
    return delivery
