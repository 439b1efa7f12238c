"""E-mail of notifications: one mail per notification for "immediately", one daily mail per user for "daily
digest", none for "off" (the inbox keeps every notification either way).

Mails are written in the recipient's language (their own, else the organisation's default) and times in the
organisation's time zone. Each notification is mailed at most once per successful send: rows are locked
(``skip_locked``, so a second worker passes over them) and their ``email_state`` guards every step. A failure of the
mail server before anything went out raises (the task retries with backoff and nothing was marked); a failure after
some mails went out keeps those marked sent and queues the rest again.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from pmo.tenancy.models import Organization
from reports.models import Delivery, Notification, ReminderPolicy
from reports.notifications.messages import message_for
from reports.notifications.selectors import deliveries_of
from reports.notifications.services import DEFAULT_DELIVERY
from reports.notifications.webhooks import absolute_url

MAIL_ERRORS = (smtplib.SMTPException, OSError)
DEFAULT_DIGEST_HOUR = 8
RESEND_AFTER_SECONDS = 60


def recipient_language(user: Any, organization: Organization) -> str:
    return getattr(user, "language", "") or organization.default_language


def _zone(organization: Organization) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(organization.time_zone)


def _render(name: str, context: dict[str, Any]) -> tuple[str, str, str]:
    subject = " ".join(render_to_string(f"emails/notifications/{name}_subject.txt", context).split())
    text = render_to_string(f"emails/notifications/{name}.txt", context)
    html = render_to_string(f"emails/notifications/{name}.html", context)
    return subject, text, html


def _mail(*, to: str, subject: str, text: str, html: str, connection: Any) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to], connection=connection)
    message.attach_alternative(html, "text/html")
    return message


def _common(organization: Organization) -> dict[str, Any]:
    slug = organization.slug
    return {
        "organization": organization,
        "inbox_url": absolute_url(reverse("inbox", kwargs={"org_slug": slug})),
        "preferences_url": absolute_url(reverse("notification-preferences", kwargs={"org_slug": slug})),
    }


def notification_email(*, notification: Notification, organization: Organization, connection: Any = None) -> Any:
    """The mail of one notification, in its recipient's language."""
    user = notification.recipient
    with translation.override(recipient_language(user, organization)), timezone.override(_zone(organization)):
        message = message_for(notification)
        context = {
            **_common(organization),
            "message": message,
            "notification": notification,
            "link": absolute_url(message.url),
            "user": user,
        }
        subject, text, html = _render("message", context)
    return _mail(to=user.email, subject=subject, text=text, html=html, connection=connection)


def digest_email(
    *, user: Any, notifications: Sequence[Notification], organization: Organization, connection: Any = None
) -> Any:
    """The daily digest mail of one user listing ``notifications``, in the user's language."""
    with translation.override(recipient_language(user, organization)), timezone.override(_zone(organization)):
        items = [(notification, message_for(notification)) for notification in notifications]
        context = {
            **_common(organization),
            "items": [
                {"notification": n, "message": m, "link": absolute_url(m.url), "severity": n.get_severity_display()}
                for n, m in items
            ],
            "user": user,
        }
        subject, text, html = _render("digest", context)
    return _mail(to=user.email, subject=subject, text=text, html=html, connection=connection)


def _requeue_later(organization: Organization, notification_ids: list[int]) -> None:
    from reports.notifications.tasks import deliver_notifications

    transaction.on_commit(
        lambda: deliver_notifications.apply_async(
            kwargs={"organization_id": organization.pk, "notification_ids": notification_ids},
            countdown=RESEND_AFTER_SECONDS,
        )
    )


@transaction.atomic
def notifications_deliver(*, organization: Organization, notification_ids: Sequence[int]) -> int:
    """E-mail the given notifications still pending, per their recipients' preferences; returns the mails sent.

    immediately → one mail, ``sent``; daily digest → ``digest`` (the digest mails it); off, an inactive user or no
    address → ``skipped``. Rows already handled (or locked by another worker) are left alone.
    """
    rows = list(
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(organization=organization, pk__in=list(notification_ids), email_state=Notification.EmailState.PENDING)
        .select_related("recipient")
        .order_by("pk")
    )
    if not rows:
        return 0
    preferences = deliveries_of(organization=organization, user_ids={row.recipient_id for row in rows})
    by_state: dict[str, list[int]] = defaultdict(list)
    immediate: list[Notification] = []
    for row in rows:
        delivery = preferences.get((row.recipient_id, row.kind), DEFAULT_DELIVERY.get(row.kind, Delivery.IMMEDIATE))
        if delivery == Delivery.OFF or not row.recipient.is_active or not row.recipient.email:
            by_state[Notification.EmailState.SKIPPED].append(row.pk)
        elif delivery == Delivery.DIGEST:
            by_state[Notification.EmailState.DIGEST].append(row.pk)
        else:
            immediate.append(row)
    sent: list[int] = []
    connection = get_connection()
    try:
        for row in immediate:
            notification_email(notification=row, organization=organization, connection=connection).send()
            sent.append(row.pk)
    except MAIL_ERRORS:
        if not sent:
            raise
        _requeue_later(organization, [row.pk for row in immediate if row.pk not in set(sent)])
    finally:
        connection.close()
    for state, ids in by_state.items():
        Notification.objects.filter(organization=organization, pk__in=ids).update(email_state=state)
    if sent:
        Notification.objects.filter(organization=organization, pk__in=sent).update(
            email_state=Notification.EmailState.SENT, emailed_at=timezone.now()
        )
    return len(sent)


def digest_hour_of(organization: Organization) -> int:
    policy = ReminderPolicy.objects.filter(organization=organization).first()
    return policy.digest_hour if policy is not None else DEFAULT_DIGEST_HOUR


@transaction.atomic
def digest_send(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """At the organisation's digest hour (local time), mail each user one digest of their notifications waiting for
    it that were created before the hour began, and mark them sent; returns the mails sent.

    Outside the hour nothing happens. A second run in the same hour sends nothing: what the first run collected is
    marked sent, and what arrived after the hour began waits for the next day's digest.
    """
    now = now or timezone.now()
    local = now.astimezone(_zone(organization))
    if local.hour != digest_hour_of(organization):
        return 0
    hour_began = local.replace(minute=0, second=0, microsecond=0)
    rows = list(
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            organization=organization,
            email_state=Notification.EmailState.DIGEST,
            created_at__lt=hour_began,
        )
        .select_related("recipient")
        .order_by("recipient_id", "-created_at", "-id")
    )
    per_user: dict[int, list[Notification]] = defaultdict(list)
    for row in rows:
        per_user[row.recipient_id].append(row)
    sent_ids: list[int] = []
    skipped_ids: list[int] = []
    mails = 0
    connection = get_connection()
    try:
        for items in per_user.values():
            user = items[0].recipient
            if not user.is_active or not user.email:
                skipped_ids.extend(row.pk for row in items)
                continue
            digest_email(user=user, notifications=items, organization=organization, connection=connection).send()
            sent_ids.extend(row.pk for row in items)
            mails += 1
    except MAIL_ERRORS:
        if not mails:
            raise
        from reports.notifications.tasks import send_digest

        at = now.isoformat()
        transaction.on_commit(
            lambda: send_digest.apply_async(
                kwargs={"organization_id": organization.pk, "at": at}, countdown=RESEND_AFTER_SECONDS
            )
        )
    finally:
        connection.close()
    if skipped_ids:
        Notification.objects.filter(organization=organization, pk__in=skipped_ids).update(
            email_state=Notification.EmailState.SKIPPED
        )
    if sent_ids:
        Notification.objects.filter(organization=organization, pk__in=sent_ids).update(
            email_state=Notification.EmailState.SENT, emailed_at=now
        )
    return mails
