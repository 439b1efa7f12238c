"""Factories of the notifications: inbox rows, webhooks and their deliveries, each inside its organisation."""

from __future__ import annotations

import secrets

import factory

from reports.models import Notification, NotificationKind, Severity, Webhook, WebhookDelivery
from tests.factories import OrganizationFactory, TenantFactory, UserFactory


class NotificationFactory(TenantFactory):
    class Meta:
        model = Notification

    organization = factory.SubFactory(OrganizationFactory)
    recipient = factory.SubFactory(UserFactory)
    kind = NotificationKind.ALERT
    severity = Severity.WARNING
    params = factory.LazyFunction(
        lambda: {
            "metric": "spi",
            "value": "0.8123",
            "threshold": "0.9",
            "operator": "lt",
            "severity": "warning",
            "project_code": "P-1",
            "project_name": "Website",
            "rule_name": "SPI below 0.9",
        }
    )
    url = "/o/x/alerts/1/"
    dedup_key = factory.Sequence(lambda n: f"test:{n}")


class WebhookFactory(TenantFactory):
    class Meta:
        model = Webhook

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Hook {n}")
    url = "http://127.0.0.1:9/hook"
    format = Webhook.Format.GENERIC
    secret = factory.LazyFunction(lambda: secrets.token_hex(32))


class WebhookDeliveryFactory(TenantFactory):
    class Meta:
        model = WebhookDelivery

    organization = factory.SelfAttribute("webhook.organization")  # type: ignore[assignment]
    webhook = factory.SubFactory(WebhookFactory)
    event = "alert.opened"
    event_id = factory.Sequence(lambda n: f"evt:{n}")
    payload = factory.LazyFunction(lambda: {"event": "alert.opened", "data": {}})
