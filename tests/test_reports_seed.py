"""The demo of alerts, notifications and report packs (``reports.seed``): after ``seed_demo`` both organisations have
open alerts and inbox notifications, one alert acknowledged by the PMO with a note in the organisation's language,
the executive and the PMO subscribed to both packs, two of the PMO's notifications read; a second run creates
nothing."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from reports.models import Alert, AlertScan, Notification, ReportSubscription

MODELS = [Alert, AlertScan, Notification, ReportSubscription]


def snapshot(organization: Organization) -> dict[str, Any]:
    with tenant_context(organization):
        return {
            **{model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in MODELS},
            "alert_states": sorted(Alert.objects.values_list("pk", "state")),
            "read": sorted(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True)),
        }


@pytest.mark.django_db(transaction=True)
def test_demo_opens_with_alerts_and_a_second_run_creates_nothing() -> None:
    call_command("seed_demo", stdout=StringIO())
    organizations = {o.slug: o for o in Organization.objects.filter(slug__in=["acme", "globex"])}
    assert set(organizations) == {"acme", "globex"}
    first = {slug: snapshot(organization) for slug, organization in organizations.items()}
    users = get_user_model()._default_manager

    for slug, organization in organizations.items():
        with tenant_context(organization):
            pmo = users.get(email=f"pmo@{slug}.example")
            executive = users.get(email=f"executive@{slug}.example")
            assert Alert.objects.filter(state=Alert.State.OPEN).count() >= 5, slug
            (acknowledged,) = Alert.objects.filter(state=Alert.State.ACKNOWLEDGED)
            assert acknowledged.acknowledged_by == pmo and acknowledged.project is not None
            assert ("项目经理" in acknowledged.acknowledgement_note) == (slug == "globex")
            inbox = Notification.objects.filter(recipient=pmo, kind="alert")
            assert inbox.count() >= 5 and inbox.filter(read_at__isnull=False).count() == 2
            assert set(ReportSubscription.objects.values_list("user", "kind")) == {
                (user.pk, kind) for user in (pmo, executive) for kind in ("weekly_pack", "monthly_review")
            }
            assert AlertScan.objects.count() == 1

    call_command("seed_demo", stdout=StringIO())

    assert {slug: snapshot(organization) for slug, organization in organizations.items()} == first
