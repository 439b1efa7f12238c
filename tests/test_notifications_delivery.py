"""E-mail of notifications: immediately in the recipient's language, collected into one daily digest at the
organisation's hour, or not at all; idempotent re-runs; ``notify()`` de-duplicates; messages never crash on odd
params."""

from __future__ import annotations

import datetime as dt
import smtplib
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from reports.models import Delivery, Notification, NotificationKind, NotificationPreference, ReminderPolicy, Severity
from reports.notifications import delivery, services
from reports.notifications.messages import message_for_kind
from reports.notifications.tasks import deliver_notifications, send_digest, send_digests_all
from tests.conftest import OrgWorld

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def prefer(world: OrgWorld, user: Any, kind: str, value: str) -> None:
    with world.ctx():
        NotificationPreference.objects.create(organization=world.organization, user=user, kind=kind, delivery=value)


def notify(
    world: OrgWorld, users: list[Any], *, key: str = "k1", kind: str = NotificationKind.ALERT, **extra: Any
) -> list[int]:
    params = {
        "metric": "spi",
        "value": "0.8",
        "threshold": "0.9",
        "operator": "lt",
        "project_code": "ALPHA-0",
        "project_name": "Website",
        "rule_name": "SPI low",
    }
    with world.ctx():
        return services.notify(
            organization=world.organization,
            kind=kind,
            recipients=users,
            params=params,
            dedup_key=key,
            url=f"/o/{world.slug}/inbox/",
            severity=extra.get("severity", Severity.CRITICAL),
        )


def states(world: OrgWorld) -> dict[int, str]:
    with world.ctx():
        return dict(Notification.objects.values_list("pk", "email_state"))


def test_immediate_mail_goes_out_once_in_the_recipients_language(
    org_a: OrgWorld, django_capture_on_commit_callbacks: Any
) -> None:
    english, chinese = org_a.users["pmo"], org_a.users["manager"]
    chinese.language = "zh-hans"
    chinese.save(update_fields=["language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ids = notify(org_a, [english, chinese])
    assert len(ids) == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {english.email, chinese.email}
    zh, en = by_recipient[chinese.email], by_recipient[english.email]
    assert "紧急" in zh.subject and "Critical" not in zh.subject
    assert "Critical" in en.subject and "SPI" in en.subject and "ALPHA-0 Website" in en.subject
    assert f"{settings.PUBLIC_BASE_URL}/o/{org_a.slug}/inbox/" in en.body  # the link: public base URL + path
    assert f"{settings.PUBLIC_BASE_URL}/o/{org_a.slug}/inbox/preferences/" in en.body
    html, mimetype = zh.alternatives[0]
    assert mimetype == "text/html" and 'lang="zh-hans"' in html
    assert set(states(org_a).values()) == {Notification.EmailState.SENT}

    # Idempotent: the task run again (a redelivered message) sends nothing more.
    with org_a.ctx():
        assert deliver_notifications(organization_id=org_a.organization.pk, notification_ids=ids) == 0
    assert len(mail.outbox) == 2


def test_the_organisation_language_is_the_fallback(org_a: OrgWorld, django_capture_on_commit_callbacks: Any) -> None:
    org_a.organization.default_language = "zh-hans"
    org_a.organization.save(update_fields=["default_language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify(org_a, [org_a.users["pmo"]])
    assert "紧急" in mail.outbox[0].subject


def test_notify_twice_with_one_key_makes_one_row_and_one_mail(
    org_a: OrgWorld, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()
    user = org_a.users["pmo"]
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(org_a, [user, user])
        second = notify(org_a, [user])
    assert len(first) == 1 and second == []
    assert len(states(org_a)) == 1
    assert len(mail.outbox) == 1


def test_off_skips_and_digest_waits(org_a: OrgWorld, django_capture_on_commit_callbacks: Any) -> None:
    off, digest = org_a.users["pmo"], org_a.users["admin"]
    prefer(org_a, off, NotificationKind.ALERT, Delivery.OFF)
    prefer(org_a, digest, NotificationKind.ALERT, Delivery.DIGEST)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify(org_a, [off, digest])
    assert mail.outbox == []
    with org_a.ctx():
        rows = dict(Notification.objects.values_list("recipient_id", "email_state"))
    assert rows == {off.pk: Notification.EmailState.SKIPPED, digest.pk: Notification.EmailState.DIGEST}


def test_the_digest_collects_one_mail_per_user_at_the_hour_and_only_once(
    org_a: OrgWorld, django_capture_on_commit_callbacks: Any
) -> None:
    user, other = org_a.users["pmo"], org_a.users["executive"]
    for person in (user, other):
        prefer(org_a, person, NotificationKind.ALERT, Delivery.DIGEST)
        prefer(org_a, person, NotificationKind.STATUS_REMINDER, Delivery.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        notify(org_a, [user, other], key="a")
        notify(org_a, [user], key="b", kind=NotificationKind.STATUS_REMINDER)
        notify(org_a, [user], key="c")
    with org_a.ctx():
        ReminderPolicy.objects.create(organization=org_a.organization, digest_hour=9)
        Notification.objects.update(created_at=dt.datetime(2026, 3, 2, 7, 0, tzinfo=SHANGHAI))
    mail.outbox.clear()
    org = org_a.organization

    with org_a.ctx():
        # 08:30 in Shanghai is not the digest hour: nothing goes out.
        assert delivery.digest_send(organization=org, now=dt.datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI)) == 0
        assert mail.outbox == []
        at_nine = dt.datetime(2026, 3, 2, 9, 10, tzinfo=SHANGHAI)
        assert delivery.digest_send(organization=org, now=at_nine) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([user.email, other.email])
    mine = next(m for m in mail.outbox if m.to == [user.email])
    assert "3 notifications" in mine.subject
    assert mine.body.count("\n* ") == 3
    assert set(states(org_a).values()) == {Notification.EmailState.SENT}

    # The same hour again (a second beat, a redelivered task): nothing more.
    with org_a.ctx():
        assert delivery.digest_send(organization=org, now=at_nine + dt.timedelta(minutes=20)) == 0
    assert len(mail.outbox) == 2


def test_the_digest_task_fans_out_to_every_organisation(org_a: OrgWorld, org_b: OrgWorld) -> None:
    with mock.patch.object(send_digest, "delay") as delay:
        assert send_digests_all() >= 2
    called = {call.kwargs["organization_id"] for call in delay.call_args_list}
    assert {org_a.organization.pk, org_b.organization.pk} <= called


def test_a_mail_server_failure_before_anything_went_out_leaves_the_rows_pending(org_a: OrgWorld) -> None:
    ids = notify(org_a, [org_a.users["pmo"]])
    with (
        mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=smtplib.SMTPServerDisconnected("x")),
        org_a.ctx(),
        pytest.raises(smtplib.SMTPServerDisconnected),
    ):
        delivery.notifications_deliver(organization=org_a.organization, notification_ids=ids)
    assert set(states(org_a).values()) == {Notification.EmailState.PENDING}
    assert deliver_notifications.autoretry_for == delivery.MAIL_ERRORS
    assert deliver_notifications.max_retries


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("kind", [*NotificationKind.values, "unknown"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"value": "n/a", "threshold": None, "due": "not a date", "projects": "oops", "count": "x"},
        {"projects": [{"code": "P-1", "name": "One"}, "Two", {}], "count": 60, "week": "2026-W10"},
        {"people": ["Ann", "Bo"], "due": "2026-03-06T10:00:00+00:00", "person_name": "Ann"},
        {"project": {"code": "P-9", "name": "Nine"}, "report_kind": "weekly_pack", "period": "2026-W10"},
    ],
)
def test_messages_never_crash_on_odd_params(kind: str, params: dict[str, Any], language: str) -> None:
    with translation.override(language):
        message = message_for_kind(kind, params, "/x/")
    assert message.title and message.url == "/x/"


def test_messages_say_what_they_are_about() -> None:
    with translation.override("en"):
        alert = message_for_kind(
            "alert",
            {"metric": "spi", "value": "0.8123", "threshold": "0.9000", "operator": "lt", "subject_name": "P-1 Web"},
        )
        overdue = message_for_kind("status_overdue", {"projects": [f"P{i}" for i in range(50)], "count": 57})
        report = message_for_kind("report_ready", {"title": "Weekly pack 2026-W10", "report_kind": "weekly_pack"})
    assert alert.title == "spi < 0.9: P-1 Web" or alert.title.endswith("< 0.9: P-1 Web")
    assert "0.81" in alert.body
    assert overdue.title == "57 status reports overdue for this week"
    assert "and 47 more" in overdue.body
    assert report.title == "Report ready: Weekly pack 2026-W10"
    assert "Weekly integrated meeting pack" in report.body
