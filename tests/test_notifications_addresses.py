"""Where webhooks may point: never link-local (cloud metadata) or other non-routable addresses; loopback and private
networks only when the installation allows them."""

from __future__ import annotations

from typing import Any

import pytest

from reports.notifications import webhooks
from tests.test_notifications_webhooks import local_receiver


@pytest.mark.parametrize(
    ("address", "private_allowed", "private_refused"),
    [
        ("8.8.8.8", True, True),
        ("2001:4860:4860::8888", True, True),
        ("127.0.0.1", True, False),
        ("::1", True, False),
        ("10.1.2.3", True, False),
        ("192.168.0.10", True, False),
        ("169.254.169.254", False, False),
        ("::ffff:169.254.169.254", False, False),
        ("fe80::1", False, False),
        ("224.0.0.1", False, False),
        ("0.0.0.0", False, False),  # noqa: S104 - the address under test, not a bind
    ],
)
def test_address_policy(address: str, private_allowed: bool, private_refused: bool) -> None:
    assert webhooks.address_allowed(address, allow_private=True) is private_allowed
    assert webhooks.address_allowed(address, allow_private=False) is private_refused


def test_cloud_metadata_is_refused_without_a_connection_and_not_retried() -> None:
    result = webhooks.post(
        url="http://169.254.169.254/latest/meta-data/", secret="s", event="webhook.test", delivery_id=1, payload={}
    )
    assert result.refused
    assert result.status_code is None
    assert not result.retryable
    assert "169.254.169.254" in result.error


def test_a_local_receiver_is_reached_only_when_private_addresses_are_allowed(settings: Any) -> None:
    with local_receiver() as receiver:
        settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
        refused = webhooks.post(url=receiver.url, secret="s", event="webhook.test", delivery_id=1, payload={"a": 1})
        assert refused.refused and not refused.retryable
        assert receiver.requests == []

        settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
        sent = webhooks.post(url=receiver.url, secret="s", event="webhook.test", delivery_id=2, payload={"a": 1})
        assert sent.succeeded
        assert len(receiver.requests) == 1
