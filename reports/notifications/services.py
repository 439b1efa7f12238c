"""Notifications and webhooks, the writes: creating notifications (one row per recipient, idempotent on the
de-duplication key; e-mail follows after the commit), reading them, each user's e-mail preferences, and the
organisation's webhooks (WEBHOOKS_MANAGE: create, edit with ``version``, delete, rotate the secret, send a test
event, resend a delivery).

E-mail preference when a user has none for a kind: ``DEFAULT_DELIVERY`` — immediately, for every kind (an alert or
a reminder is only useful on time; whoever wants fewer mails picks the digest or off on the preferences page).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.roles import Capability
from projects.changes.services import actor_access
from projects.services import ProjectsConflict, StaleVersion
from reports.models import (
    Alert,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    Report,
    Severity,
    Webhook,
    WebhookDelivery,
)
from reports.notifications import webhooks as webhook_delivery

DEFAULT_DELIVERY: dict[str, str] = dict.fromkeys(NotificationKind.values, Delivery.IMMEDIATE)
URL_SCHEMES = ("http", "https")


def recipients_with_roles(*, organization: Organization, roles: Iterable[str]) -> list[Any]:
    """The active users holding any of ``roles`` in the organisation (one query)."""
    wanted = list(roles)
    if not wanted:
        return []
    user_ids = Membership.objects.filter(organization=organization, role__in=wanted).values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


@dataclass(frozen=True)
class Message:
    """One thing to tell some users (see ``notify``); ``notify_many`` takes a batch of them."""

    kind: str
    recipients: tuple[Any, ...]
    params: dict[str, Any]
    dedup_key: str
    url: str = ""
    severity: str = Severity.INFO
    alert: Alert | None = None
    report: Report | None = None


@transaction.atomic
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
    message = Message(kind, tuple(recipients), params, dedup_key, url, severity, alert, report)
    return notify_many(organization=organization, messages=[message])


@transaction.atomic
def notify_many(*, organization: Organization, messages: Iterable[Message]) -> list[int]:
    """``notify`` for a batch, in a fixed number of queries whatever its size (the alert scan tells of every new
    alert at once). Returns the ids of the notifications created; one delivery task is queued on commit."""
    wanted: dict[tuple[int, str], Notification] = {}
    for message in messages:
        for user in message.recipients:
            if user is None or not user.is_active or (user.pk, message.dedup_key) in wanted:
                continue
            wanted[(user.pk, message.dedup_key)] = Notification(
                organization=organization,
                recipient_id=user.pk,
                kind=message.kind,
                severity=message.severity,
                params=message.params,
                url=message.url,
                alert=message.alert,
                report=message.report,
                dedup_key=message.dedup_key,
            )
    if not wanted:
        return []
    keys = {key for _user, key in wanted}
    users = {user for user, _key in wanted}
    already = set(
        Notification.objects.filter(organization=organization, dedup_key__in=keys, recipient_id__in=users).values_list(
            "recipient_id", "dedup_key"
        )
    )
    fresh = {pair: row for pair, row in wanted.items() if pair not in already}
    if not fresh:
        return []
    # A racing call may have created some meanwhile: the unique constraint keeps one row per recipient and key, and
    # ignore_conflicts leaves the keys unset, so read back the rows of these pairs that wait for their e-mail
    # (delivery is idempotent: a row enqueued twice is mailed once).
    Notification.objects.bulk_create(list(fresh.values()), ignore_conflicts=True)
    created = [
        pk
        for pk, recipient_id, dedup_key in Notification.objects.filter(
            organization=organization,
            dedup_key__in={key for _user, key in fresh},
            recipient_id__in={user for user, _key in fresh},
            email_state=Notification.EmailState.PENDING,
        ).values_list("pk", "recipient_id", "dedup_key")
        if (recipient_id, dedup_key) in fresh
    ]
    if created:
        from reports.notifications.tasks import deliver_notifications

        transaction.on_commit(
            lambda: deliver_notifications.delay(organization_id=organization.pk, notification_ids=sorted(created))
        )
    return sorted(created)


# --- Reading --------------------------------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, organization: Organization, actor: Any, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (already read: unchanged). Another user's → ``PermissionDenied``
    (the views look notifications up among the actor's own, so they answer 404 before this)."""
    if notification.recipient_id != actor.pk or notification.organization_id != organization.pk:
        raise PermissionDenied(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(organization=organization, pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


@transaction.atomic
def notifications_mark_all_read(*, organization: Organization, actor: Any, kind: str = "") -> int:
    """Mark all the actor's unread notifications in the organisation read (of one ``kind`` if given); returns
    how many changed."""
    unread = Notification.objects.filter(organization=organization, recipient_id=actor.pk, read_at__isnull=True)
    if kind:
        unread = unread.filter(kind=kind)
    return unread.update(read_at=timezone.now())


# --- Preferences ----------------------------------------------------------------------------------------------


def _validate_deliveries(deliveries: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for kind, delivery in deliveries.items():
        if kind not in NotificationKind.values:
            errors[str(kind)] = [_("Unknown kind of notification.")]
        elif delivery not in Delivery.values:
            errors[str(kind)] = [_("Choose immediately, daily digest or off.")]
        else:
            clean[kind] = str(delivery)
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def notification_preferences_set(
    *, organization: Organization, actor: Any, deliveries: Mapping[str, Any]
) -> dict[str, str]:
    """Set how the actor gets each named kind by e-mail (``{"alert": "digest", …}``; kinds left out are unchanged).

    Unknown kinds or deliveries → ``ValidationError`` per kind and nothing changes. Returns every kind's delivery.
    """
    actor_access(organization=organization, actor=actor)
    clean = _validate_deliveries(deliveries)
    if clean:
        NotificationPreference.objects.bulk_create(
            [
                NotificationPreference(organization=organization, user_id=actor.pk, kind=kind, delivery=delivery)
                for kind, delivery in clean.items()
            ],
            update_conflicts=True,
            unique_fields=["organization", "user", "kind"],
            update_fields=["delivery"],
        )
    from reports.notifications.selectors import notification_preferences_of

    return notification_preferences_of(organization=organization, user=actor)


# --- Webhooks -------------------------------------------------------------------------------------------------


class WebhookConflict(ProjectsConflict):
    """The delivery is not in a state that allows this step (the API answers 409)."""


class WebhookStale(StaleVersion):
    def __init__(self, webhook: Webhook) -> None:
        super(StaleVersion, self).__init__(
            _("Someone else changed the webhook “%(name)s” in the meantime. Reload it and try again.")
            % {"name": webhook.name}
        )


def _require_manage(organization: Organization, actor: Any) -> OrgAccess:
    access = actor_access(organization=organization, actor=actor)
    if not access.can(Capability.WEBHOOKS_MANAGE):
        raise PermissionDenied(_("Only administrators and the PMO manage webhooks."))
    return access


def _clean_webhook(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the editable fields present in ``values``; ``ValidationError`` per field."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if "name" in values:
        name = str(values["name"] or "").strip()
        if not name:
            errors["name"] = [_("Give the webhook a name.")]
        elif len(name) > 200:
            errors["name"] = [_("Keep the name under 200 characters.")]
        clean["name"] = name
    if "url" in values:
        url = str(values["url"] or "").strip()
        try:
            URLValidator(schemes=list(URL_SCHEMES))(url)
        except ValidationError:
            errors["url"] = [_("Enter an http:// or https:// address.")]
        if len(url) > 500:
            errors["url"] = [_("Keep the address under 500 characters.")]
        clean["url"] = url
    if "format" in values:
        if values["format"] not in Webhook.Format.values:
            errors["format"] = [_("Choose one of the formats.")]
        clean["format"] = values["format"]
    if "kinds" in values:
        kinds = list(values["kinds"] or [])
        unknown = [kind for kind in kinds if kind not in NotificationKind.values]
        if unknown:
            errors["kinds"] = [_("Unknown kinds: %(kinds)s.") % {"kinds": ", ".join(map(str, unknown))}]
        clean["kinds"] = [kind for kind in NotificationKind.values if kind in kinds]
    if "active" in values:
        clean["active"] = bool(values["active"])
    if errors:
        raise ValidationError(errors)
    return clean


def _lock_webhook(*, organization: Organization, webhook: Webhook) -> Webhook:
    return Webhook.objects.select_for_update().get(organization=organization, pk=webhook.pk)


@transaction.atomic
def webhook_create(
    *,
    organization: Organization,
    actor: Any,
    name: str,
    url: str,
    format: str = Webhook.Format.GENERIC,
    kinds: Iterable[str] = (),
    active: bool = True,
) -> tuple[Webhook, str]:
    """Add a webhook with a fresh secret; returns it and the secret, which is shown this once."""
    _require_manage(organization, actor)
    values = _clean_webhook({"name": name, "url": url, "format": format, "kinds": list(kinds), "active": active})
    secret = secrets.token_hex(32)
    webhook = Webhook.objects.create(organization=organization, created_by=actor, secret=secret, **values)
    return webhook, secret


@transaction.atomic
def webhook_update(
    *, organization: Organization, actor: Any, webhook: Webhook, version: int | None = None, **values: Any
) -> Webhook:
    """Change name, url, format, kinds or active. ``version`` (the one the caller read) must still be current,
    else ``WebhookStale`` (409) and nothing changes."""
    _require_manage(organization, actor)
    clean = _clean_webhook(values)
    locked = _lock_webhook(organization=organization, webhook=webhook)
    if version is not None and version != locked.version:
        raise WebhookStale(locked)
    changed = [field for field, value in clean.items() if getattr(locked, field) != value]
    if changed:
        for field in changed:
            setattr(locked, field, clean[field])
        locked.version += 1
        locked.save(update_fields=[*changed, "version"])
    return locked


@transaction.atomic
def webhook_delete(*, organization: Organization, actor: Any, webhook: Webhook) -> None:
    """Remove the webhook and its delivery log."""
    _require_manage(organization, actor)
    _lock_webhook(organization=organization, webhook=webhook).delete()


@transaction.atomic
def webhook_rotate_secret(*, organization: Organization, actor: Any, webhook: Webhook) -> tuple[Webhook, str]:
    """Replace the secret (the old one stops verifying at once); returns the new one, shown this once."""
    _require_manage(organization, actor)
    locked = _lock_webhook(organization=organization, webhook=webhook)
    locked.secret = secrets.token_hex(32)
    locked.version += 1
    locked.save(update_fields=["secret", "version"])
    return locked, locked.secret


@transaction.atomic
def webhook_send_test(*, organization: Organization, actor: Any, webhook: Webhook) -> WebhookDelivery:
    """Queue a test event to this webhook (active or not, whatever its kinds); sent after the commit."""
    _require_manage(organization, actor)
    locked = _lock_webhook(organization=organization, webhook=webhook)
    event_id = f"test:{uuid.uuid4().hex}"
    (delivery_id,) = webhook_delivery.deliveries_create(
        organization=organization,
        webhooks=[locked],
        kind="",
        event=webhook_delivery.TEST_EVENT,
        event_id=event_id,
        payload={"webhook": locked.name, "message": "PMO webhook test", "url": f"/o/{organization.slug}/inbox/"},
    )
    return WebhookDelivery.objects.get(organization=organization, pk=delivery_id)


@transaction.atomic
def webhook_delivery_resend(*, organization: Organization, actor: Any, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a failed (or waiting) delivery again now: one more attempt, with retries if it is retryable and the
    attempts are not used up. A delivered one is never sent again (``WebhookConflict``)."""
    _require_manage(organization, actor)
    locked = (
        WebhookDelivery.objects.select_for_update()
        .select_related("webhook")
        .get(organization=organization, pk=delivery.pk)
    )
    if locked.state == WebhookDelivery.State.SUCCEEDED:
        raise WebhookConflict(_("This event was delivered; it is not sent twice."))
    locked.state = WebhookDelivery.State.PENDING
    locked.next_attempt_at = timezone.now()
    locked.save(update_fields=["state", "next_attempt_at"])
    from reports.notifications.tasks import deliver_webhook

    attempt = locked.attempts + 1
    transaction.on_commit(
        lambda: deliver_webhook.delay(organization_id=organization.pk, delivery_id=locked.pk, attempt=attempt)
    )
    return locked
