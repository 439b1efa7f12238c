"""The reminder policy page ``/o/<org>/reminders/``: leadership reads it (admins and the PMO with the form, the
executive read-only), other roles get 403 and another organisation 404, with nothing changed; a save with bad
values is 400 and a stale one 409 (input kept), both changing nothing; the schedule reads in the organisation's time
zone; the preview lists what would be sent; the page's queries are equal at two sizes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.models import Notification, ReminderPolicy
from reports.reminders import services
from tests.conftest import ROLES, OrgWorld
from tests.factories import ProjectFactory
from tests.factories_reminders import settle

pytestmark = pytest.mark.django_db

VALID = {
    "version": "1",
    "enabled": "on",
    "digest_hour": "7",
    "status_lead_hours": "12",
    "status_escalate_hours": "48",
    "timesheet_due_weekday": "3",
    "timesheet_due_time": "17:00",
    "timesheet_lead_hours": "6",
    "timesheet_escalate_hours": "24",
}


def page(world: OrgWorld) -> str:
    return reverse("reminder-policy", kwargs={"org_slug": world.slug})


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def policy_state(world: OrgWorld) -> list[tuple[Any, ...]]:
    with world.ctx():
        services.reminder_policy_get(organization=world.organization)
        return list(ReminderPolicy.objects.values_list(*services.POLICY_FIELDS, "version"))


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_the_page(org_a: OrgWorld, role: str) -> None:
    response = client_of(org_a.users[role]).get(page(org_a))

    if role in {"admin", "pmo"}:
        assert response.status_code == 200
        assert b'data-testid="policy-form"' in response.content
    elif role == "executive":
        assert response.status_code == 200
        assert b'data-testid="policy-form"' not in response.content
        assert b'data-testid="policy-facts"' in response.content
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_who_may_save_the_policy(org_a: OrgWorld, role: str) -> None:
    before = policy_state(org_a)

    response = client_of(org_a.users[role]).post(page(org_a), VALID)

    if role in {"admin", "pmo"}:
        assert response.status_code == 302
        with org_a.ctx():
            policy = ReminderPolicy.objects.get()
        assert (policy.status_lead_hours, policy.timesheet_due_weekday, policy.digest_hour) == (12, 3, 7)
        assert str(policy.timesheet_due_time) == "17:00:00"
        assert policy.version == 2
    else:
        assert response.status_code == 403
        assert policy_state(org_a) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organisation_gets_404_and_changes_nothing(
    org_a: OrgWorld, org_b: OrgWorld, role: str, method: str
) -> None:
    before = policy_state(org_a)

    client = client_of(org_b.users[role])
    response = client.get(page(org_a)) if method == "get" else client.post(page(org_a), VALID)

    assert response.status_code == 404
    assert policy_state(org_a) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status_lead_hours", "200"),
        ("timesheet_escalate_hours", "400"),
        ("digest_hour", "24"),
        ("timesheet_due_weekday", "7"),
        ("timesheet_due_time", "late"),
        ("status_escalate_hours", "x"),
    ],
)
def test_bad_values_are_400_with_the_field_error_and_change_nothing(org_a: OrgWorld, field: str, value: str) -> None:
    before = policy_state(org_a)

    response = client_of(org_a.users["pmo"]).post(page(org_a), {**VALID, field: value})

    assert response.status_code == 400
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert policy_state(org_a) == before


def test_a_stale_save_is_409_keeps_the_input_and_changes_nothing(org_a: OrgWorld) -> None:
    client = client_of(org_a.users["admin"])
    assert client.post(page(org_a), VALID).status_code == 302
    before = policy_state(org_a)

    response = client.post(page(org_a), {**VALID, "digest_hour": "9"})

    assert response.status_code == 409
    form = response.context["form"]
    assert form["digest_hour"].value() == "9"
    assert form["version"].value() == "2"  # saving again applies it
    assert policy_state(org_a) == before
    assert client.post(page(org_a), {**VALID, "digest_hour": "9", "version": "2"}).status_code == 302


def test_the_schedule_and_the_preview_read_in_the_organisation_time_zone(org_a: OrgWorld) -> None:
    settle(org_a)

    response = client_of(org_a.users["executive"]).get(page(org_a) + "?at=2026-11-19T18:30")

    assert response.status_code == 200
    html = response.content.decode()
    # Status due Friday 18:00 Shanghai, reminders from Thursday 18:00, escalation Saturday 18:00.
    assert "2026-11-20 18:00" in html
    assert "2026-11-19 18:00" in html
    assert "2026-11-21 18:00" in html
    preview = response.context["preview"]
    assert [(item.kind, item.subject) for item in preview.items] == [
        ("status_reminder", f"{org_a.projects[0].code} {org_a.projects[0].name}")
    ]
    assert 'data-kind="status_reminder"' in html
    assert "Manager of alpha" in html
    with org_a.ctx():
        assert Notification.objects.count() == 0


def test_a_bad_preview_moment_falls_back_to_now_with_a_message(org_a: OrgWorld) -> None:
    response = client_of(org_a.users["pmo"]).get(page(org_a) + "?at=tomorrow")

    assert response.status_code == 200
    assert response.context["at_given"] is False
    assert "Give the moment as a date and time" in response.content.decode()


def test_the_page_speaks_chinese(org_a: OrgWorld) -> None:
    client = client_of(org_a.users["pmo"])
    client.cookies["django_language"] = "zh-hans"

    response = client.get(page(org_a))

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_page_takes_the_same_queries_at_two_sizes(org_a: OrgWorld) -> None:
    client = client_of(org_a.users["pmo"])
    path = page(org_a) + "?at=2026-11-21T18:30"
    settle(org_a)
    client.get(path)

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200
        return len(captured), len(response.context["preview"].items)

    small, small_items = measure()
    for i in range(15):
        ProjectFactory(organization=org_a.organization, code=f"Q-{i:02d}", manager=org_a.users["manager"])
    settle(org_a)
    large, large_items = measure()

    assert large_items == small_items + 15
    assert small == large
