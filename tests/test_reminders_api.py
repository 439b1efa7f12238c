"""The reminders API: ``reminder-policy/`` (GET, PATCH) and ``reminders/preview/`` over the six roles (allowed →
success and a change; refused → 403 and nothing changed), every user of another organisation → 404 and nothing
changed, out-of-range values → 400 per field, a stale version → 409, and the preview's queries equal at two sizes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from reports.models import Notification, ReminderPolicy
from reports.reminders import services
from tests.conftest import ROLES, OrgWorld
from tests.factories import ProjectFactory
from tests.factories_reminders import LABEL, settle

pytestmark = pytest.mark.django_db
ApiClientFactory = Callable[[Any], APIClient]

LEADERSHIP = {"admin", "pmo", "executive"}
GOVERNANCE = {"admin", "pmo"}


def policy_state(world: OrgWorld) -> list[tuple[Any, ...]]:
    with world.ctx():
        services.reminder_policy_get(organization=world.organization)
        return list(ReminderPolicy.objects.values_list(*services.POLICY_FIELDS, "version"))


def notification_count(world: OrgWorld) -> int:
    with world.ctx():
        return Notification.objects.count()


def url(world: OrgWorld, path: str) -> str:
    return f"/api/v1/orgs/{world.slug}/{path}"


@pytest.mark.parametrize("role", ROLES)
def test_reading_the_policy_is_for_leadership(org_a: OrgWorld, api_client: ApiClientFactory, role: str) -> None:
    response = api_client(org_a.users[role]).get(url(org_a, "reminder-policy/"))

    if role in LEADERSHIP:
        assert response.status_code == 200
        assert response.json() == {
            "enabled": True,
            "status_lead_hours": 24,
            "status_escalate_hours": 24,
            "timesheet_due_weekday": 4,
            "timesheet_due_time": "18:00",
            "timesheet_lead_hours": 24,
            "timesheet_escalate_hours": 72,
            "digest_hour": 8,
            "version": 1,
        }
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_changing_the_policy_is_for_admins_and_the_pmo(
    org_a: OrgWorld, api_client: ApiClientFactory, role: str
) -> None:
    before = policy_state(org_a)

    response = api_client(org_a.users[role]).patch(
        url(org_a, "reminder-policy/"),
        {"status_lead_hours": 12, "timesheet_due_time": "17:30", "version": 1},
        format="json",
    )

    if role in GOVERNANCE:
        assert response.status_code == 200, response.content
        assert response.json()["status_lead_hours"] == 12
        assert response.json()["timesheet_due_time"] == "17:30"
        assert response.json()["version"] == 2
        assert policy_state(org_a) != before
    else:
        assert response.status_code == 403
        assert policy_state(org_a) == before


@pytest.mark.parametrize("role", ROLES)
def test_the_preview_is_for_leadership_and_sends_nothing(
    org_a: OrgWorld, api_client: ApiClientFactory, role: str
) -> None:
    settle(org_a)
    response = api_client(org_a.users[role]).get(url(org_a, "reminders/preview/?at=2026-11-19T18:30"))

    if role in LEADERSHIP:
        assert response.status_code == 200
        body = response.json()
        assert body["at"] == "2026-11-19T10:30:00Z"  # the API speaks UTC
        assert body["time_zone"] == "Asia/Shanghai"
        assert body["status_reminding"]["week"] == LABEL
        assert body["status_week"]["due_at"] == "2026-11-20T10:00:00Z"  # Friday 18:00 in Shanghai
        assert [(item["kind"], item["dedup_key"]) for item in body["items"]] == [
            ("status_reminder", f"status-reminder:{org_a.projects[0].pk}:{LABEL}")
        ]
        assert body["items"][0]["pending"][0]["email"] == "manager@alpha.test"
        assert body["pending_count"] == 1
    else:
        assert response.status_code == 403
    assert notification_count(org_a) == 0


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "reminder-policy/", None),
        ("patch", "reminder-policy/", {"enabled": False}),
        ("get", "reminders/preview/", None),
    ],
)
def test_another_organisation_gets_404_and_changes_nothing(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, role: str, method: str, path: str, data: Any
) -> None:
    before = policy_state(org_a)

    client = api_client(org_b.users[role])
    response = client.get(url(org_a, path)) if method == "get" else client.patch(url(org_a, path), data, format="json")

    assert response.status_code == 404
    assert policy_state(org_a) == before
    assert notification_count(org_a) == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status_lead_hours": 169}, "status_lead_hours"),
        ({"status_escalate_hours": 337}, "status_escalate_hours"),
        ({"timesheet_lead_hours": -1}, "timesheet_lead_hours"),
        ({"timesheet_escalate_hours": "many"}, "timesheet_escalate_hours"),
        ({"timesheet_due_weekday": 7}, "timesheet_due_weekday"),
        ({"digest_hour": 24}, "digest_hour"),
        ({"timesheet_due_time": "25:00"}, "timesheet_due_time"),
        ({"enabled": "perhaps"}, "enabled"),
        ({"version": 1}, "detail"),
        ({}, "detail"),
    ],
)
def test_bad_values_are_400_per_field_and_change_nothing(
    org_a: OrgWorld, api_client: ApiClientFactory, data: dict[str, Any], field: str
) -> None:
    before = policy_state(org_a)

    response = api_client(org_a.users["pmo"]).patch(url(org_a, "reminder-policy/"), data, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert policy_state(org_a) == before


def test_a_stale_version_is_409_and_changes_nothing(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    client = api_client(org_a.users["admin"])
    assert (
        client.patch(url(org_a, "reminder-policy/"), {"digest_hour": 7, "version": 1}, format="json").status_code == 200
    )
    before = policy_state(org_a)

    response = client.patch(url(org_a, "reminder-policy/"), {"digest_hour": 9, "version": 1}, format="json")

    assert response.status_code == 409
    assert "detail" in response.json()
    assert policy_state(org_a) == before


def test_a_bad_preview_moment_is_400(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    response = api_client(org_a.users["pmo"]).get(url(org_a, "reminders/preview/?at=next-friday"))

    assert response.status_code == 400
    assert "at" in response.json()


def test_the_preview_takes_the_same_queries_at_two_sizes(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    client = api_client(org_a.users["pmo"])
    path = url(org_a, "reminders/preview/?at=2026-11-21T18:30")  # the status week has escalated
    settle(org_a)
    client.get(path)

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200
        return len(captured), len(response.json()["items"])

    small, small_items = measure()
    for i in range(15):
        ProjectFactory(organization=org_a.organization, code=f"Q-{i:02d}", manager=org_a.users["manager"])
    settle(org_a)
    large, large_items = measure()

    assert large_items == small_items + 15
    assert small == large
