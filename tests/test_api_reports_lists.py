"""The reports API lists of issue 8: alerts (state, severity, project, rule — another organisation's ids → 400 — and
the page's sorts), an alert's timeline, alert rules, the inbox, webhooks and their delivery log, report packs,
subscriptions and schedules, the metric registry: filters, ``?ordering=`` (unknown → 400), pagination, and query
counts that do not grow with the rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from reports.models import Alert, AlertRule, Notification, SubjectType
from tests.conftest import OrgWorld
from tests.factories_alerts import only_rule
from tests.factories_notifications import NotificationFactory, WebhookDeliveryFactory, WebhookFactory

pytestmark = pytest.mark.django_db
ApiClientFactory = Callable[[Any], APIClient]


def base(world: OrgWorld) -> str:
    return f"/api/v1/orgs/{world.slug}/"


def alert(world: OrgWorld, rule: AlertRule, index: int, **fields: Any) -> Alert:
    fields.setdefault("severity", "warning")
    with world.ctx():
        return Alert.objects.create(
            organization=world.organization,
            rule=rule,
            metric=rule.metric,
            subject_type=SubjectType.PROJECT,
            subject_id=world.projects[index].pk,
            project=world.projects[index],
            value=Decimal("0.7"),
            threshold=Decimal("0.9"),
            opened_at=timezone.now() - dt.timedelta(days=10 - index),
            **fields,
        )


def test_alerts_filter_and_sort(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    rule = only_rule(org_a, "spi", "lt", "0.9")
    first = alert(org_a, rule, 0, severity="info")
    second = alert(org_a, rule, 1, severity="critical")
    third = alert(org_a, rule, 2, state="resolved", resolved_at=timezone.now())
    other_rule = only_rule(org_b, "spi", "lt", "0.9")
    client = api_client(org_a.users["pmo"])
    url = base(org_a) + "alerts/"

    def ids(query: str) -> list[int]:
        response = client.get(url + query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [second.pk, third.pk, first.pk]  # most severe first
    assert ids("?state=active") == [second.pk, first.pk]
    assert ids("?state=resolved&ordering=-resolved") == [third.pk]
    assert ids("?ordering=-opened") == [third.pk, second.pk, first.pk]
    assert ids("?ordering=opened&severity=info") == [first.pk]
    assert ids(f"?project={org_a.projects[1].pk}&rule={rule.pk}") == [second.pk]
    for query, field in (
        (f"?rule={other_rule.pk}", "rule"),
        (f"?project={org_b.projects[0].pk}", "project"),
        ("?state=sleeping", "state"),
        ("?ordering=colour", "ordering"),
    ):
        response = client.get(url + query)
        assert response.status_code == 400 and field in response.json(), (query, response.content)


def test_an_alert_timeline(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    rule = only_rule(org_a, "spi", "lt", "0.9")
    opened = alert(org_a, rule, 0)
    with org_a.ctx():
        NotificationFactory(
            organization=org_a.organization, recipient=org_a.users["pmo"], alert=opened, dedup_key="alert:1"
        )
    client = api_client(org_a.users["pmo"])
    acknowledged = client.post(base(org_a) + f"alerts/{opened.pk}/acknowledge/", {"note": "On it"}, format="json")
    assert acknowledged.status_code == 200, acknowledged.content

    body = client.get(base(org_a) + f"alerts/{opened.pk}/timeline/").json()

    assert [(event["kind"], event["note"]) for event in body["events"]] == [("opened", ""), ("acknowledged", "On it")]
    assert body["events"][1]["by"] == "Pmo of alpha"
    assert [row["user"]["name"] for row in body["notified"]] == ["Pmo of alpha"]
    assert api_client(org_b.users["pmo"]).get(base(org_a) + f"alerts/{opened.pk}/timeline/").status_code == 404
    assert api_client(org_a.users["viewer"]).get(base(org_a) + f"alerts/{opened.pk}/timeline/").status_code == 403


def test_alert_rules_filter_and_sort(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    rule = only_rule(org_a, "spi", "lt", "0.9")  # named "spi lt 0.9"
    alert(org_a, rule, 0)
    with org_a.ctx():
        AlertRule.objects.create(
            organization=org_a.organization, name="A rule", metric="cpi", operator="lt", threshold=1, enabled=False
        )
    client = api_client(org_a.users["executive"])
    url = base(org_a) + "alert-rules/"
    assert [r["name"] for r in client.get(url + "?ordering=name").json()["results"]] == ["A rule", "spi lt 0.9"]
    assert [r["name"] for r in client.get(url + "?ordering=-name").json()["results"]] == ["spi lt 0.9", "A rule"]
    assert [r["name"] for r in client.get(url + "?breaching=true").json()["results"]] == ["spi lt 0.9"]
    assert [r["name"] for r in client.get(url + "?enabled=false").json()["results"]] == ["A rule"]
    assert client.get(url + "?metric=luck").status_code == 400


def test_the_inbox_filters(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    me = org_a.users["member"]
    with org_a.ctx():
        read = NotificationFactory(organization=org_a.organization, recipient=me, read_at=timezone.now())
        unread = NotificationFactory(organization=org_a.organization, recipient=me, severity="critical")
        NotificationFactory(organization=org_a.organization, recipient=org_a.users["pmo"])
    client = api_client(me)
    url = base(org_a) + "notifications/"
    assert [n["id"] for n in client.get(url).json()["results"]] == [unread.pk, read.pk]  # unread first
    assert [n["id"] for n in client.get(url + "?unread=false").json()["results"]] == [read.pk]
    assert [n["id"] for n in client.get(url + "?severity=critical").json()["results"]] == [unread.pk]
    assert [n["id"] for n in client.get(url + "?ordering=created").json()["results"]] == [read.pk, unread.pk]
    assert client.get(url + "?unread=often").status_code == 400
    with org_a.ctx():
        assert Notification.objects.filter(recipient=me, read_at__isnull=True).count() == 1


def test_webhooks_and_their_delivery_log(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    with org_a.ctx():
        quiet = WebhookFactory(organization=org_a.organization, name="Quiet", active=False)
        loud = WebhookFactory(organization=org_a.organization, name="Loud", consecutive_failures=3)
        old = WebhookDeliveryFactory(webhook=loud, state="failed")
        new = WebhookDeliveryFactory(webhook=loud, state="delivered")
    client = api_client(org_a.users["admin"])
    url = base(org_a) + "webhooks/"
    assert [w["id"] for w in client.get(url).json()["results"]] == [loud.pk, quiet.pk]
    assert [w["id"] for w in client.get(url + "?failing=true").json()["results"]] == [loud.pk]
    assert [w["id"] for w in client.get(url + "?active=false").json()["results"]] == [quiet.pk]
    log = client.get(url + f"{loud.pk}/deliveries/?ordering=created").json()
    assert [d["id"] for d in log["results"]] == [old.pk, new.pk]
    assert client.get(url + f"{loud.pk}/deliveries/?state=failed").json()["count"] == 1
    assert client.get(url + f"{loud.pk}/deliveries/?ordering=size").status_code == 400
    # The list's filters do not hide a webhook from its own page.
    assert client.get(url + f"{quiet.pk}/?active=true").json()["name"] == "Quiet"


def test_packs_lists(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    client = api_client(org_a.users["pmo"])
    schedules = client.get(base(org_a) + "report-schedules/?ordering=-kind").json()
    kinds = [row["kind"] for row in schedules["results"]]
    assert kinds == sorted(kinds, reverse=True) and schedules["count"] == len(kinds)
    assert client.get(base(org_a) + "report-schedules/?enabled=sometimes").status_code == 400
    created = client.post(base(org_a) + "subscriptions/", {"kind": "weekly_pack"}, format="json")
    assert created.status_code == 201, created.content
    subscriptions = client.get(base(org_a) + "subscriptions/?kind=weekly_pack").json()
    assert [row["kind"] for row in subscriptions["results"]] == ["weekly_pack"]
    assert client.get(base(org_a) + f"subscriptions/{created.json()['id']}/").json()["kind"] == "weekly_pack"
    assert client.get(base(org_a) + "reports/?ordering=weight").status_code == 400
    assert client.get(base(org_a) + "reports/?ordering=-generated").json()["count"] == 0
    metrics = client.get(base(org_a) + "metrics/?page_size=3").json()
    assert len(metrics["results"]) == 3 and metrics["count"] > 3


def test_report_list_queries_do_not_grow(
    org_a: OrgWorld, api_client: ApiClientFactory, django_assert_max_num_queries: Any
) -> None:
    rule = only_rule(org_a, "spi", "lt", "0.9")
    client = api_client(org_a.users["pmo"])
    paths = ["alerts/?ordering=metric", "alert-rules/", "notifications/", "webhooks/"]
    client.get(base(org_a) + "alerts/")
    counts: dict[str, list[int]] = {path: [] for path in paths}
    for size in (1, 3):
        with org_a.ctx():
            for _ in range(size):
                loud = WebhookFactory(organization=org_a.organization)
                WebhookDeliveryFactory(webhook=loud)
                NotificationFactory(organization=org_a.organization, recipient=org_a.users["pmo"])
        for index in {1: [0], 3: [1, 2]}[size]:
            alert(org_a, rule, index)
        for path in paths:
            with django_assert_max_num_queries(20) as captured:
                assert client.get(base(org_a) + path).status_code == 200
            counts[path].append(len(captured.captured_queries))
    assert all(small == large for small, large in counts.values()), counts
