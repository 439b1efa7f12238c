"""``/api/v1/orgs/<org>/meetings/weekly/?week=``: the JSON mirrors the meeting's dataclasses; admins, the PMO and
executives read it, other members get 403, other organisations 404 (and learn nothing); a bad week is 400; the
number of queries does not grow with the number of projects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from pmo.tenancy.permissions import object_permissions_grant
from projects import permissions as project_permissions
from projects import services
from projects.models import ChangeRequest, StatusReport
from projects.policy import current_week_start, week_label
from tests.conftest import ROLES, OrgWorld
from tests.factories import ProjectFactory
from tests.factories_projects import MilestoneFactory
from tests.test_meeting_selectors import (
    EARLIER,
    GREEN,
    PREVIOUS,
    SUNDAY_LATE,
    WEDNESDAY,
    WEEK,
    TwoWeeks,
    build_two_weeks,
    change_request,
    date_all_events,
    move_forecast,
    status_report,
)

ApiClientFactory = Callable[[Any], APIClient]
ALLOWED = {"admin", "pmo", "executive"}


def data_queries(queries: CaptureQueriesContext) -> int:
    """Queries run, without pghistory's ``set_config`` of its audit context: the first request after writes in the
    same test transaction sets it once more, whatever the number of rows."""
    return sum(1 for query in queries.captured_queries if "pghistory.context" not in query["sql"])


def url(world: OrgWorld) -> str:
    return f"/api/v1/orgs/{world.slug}/meetings/weekly/"


@pytest.fixture
def two_weeks(org_a: OrgWorld) -> TwoWeeks:
    return build_two_weeks(org_a)


def grow(world: OrgWorld, start: int, n: int) -> None:
    """``n`` more projects with a bit of everything the meeting lists: reports both weeks with a RAG change and a
    new escalation needing a decision, a milestone moved later, a baseline v2 and a decided and an assessed
    change request; each shared with the manager and the member (object permissions the selector must not read
    per row)."""
    org, pmo = world.organization, world.users["pmo"]
    for i in range(start, start + n):
        project = ProjectFactory(organization=org, code=f"G-{i:03d}", name=f"Grown {i}", manager=world.users["manager"])
        with world.ctx():
            for role in ("manager", "member"):
                object_permissions_grant(
                    organization=org, obj=project, user=world.users[role], codenames=[project_permissions.VIEW_CODENAME]
                )
            milestone = MilestoneFactory(
                organization=org, project=project, name="M", forecast_date=dt.date(2026, 11, 20)
            )
            services.baseline_create(
                organization=org,
                actor=pmo,
                project=project,
                reason="v1",
                reason_category="initial",
                approved_at=EARLIER,
            )
            v2 = services.baseline_create(
                organization=org,
                actor=pmo,
                project=project,
                reason="v2",
                reason_category="schedule",
                budget=Decimal(1000 + i),
                approved_at=WEDNESDAY,
            )
        date_all_events(world, milestone, EARLIER)
        move_forecast(world, milestone, dt.date(2026, 11, 27), WEDNESDAY)
        change_request(world, project, 1, status="approved", submitted_at=EARLIER, decided_at=SUNDAY_LATE, baseline=v2)
        change_request(world, project, 2, status="assessed", submitted_at=EARLIER, approvals_required=["pmo"])
        status_report(world, project, PREVIOUS)
        status_report(
            world,
            project,
            WEEK,
            state=StatusReport.State.SUBMITTED,
            **{**GREEN, "rag_overall": "amber"},
            escalations=[{"title": f"Issue {i}", "decision_needed": True, "decision_from": "Sponsor"}],
        )


def test_the_json_mirrors_the_meeting(two_weeks: TwoWeeks, api_client: ApiClientFactory) -> None:
    world = two_weeks.world
    response = api_client(world.users["pmo"]).get(url(world), {"week": "2026-W45"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["week"], data["previous_week"], data["week_start"]) == ("2026-W45", "2026-W44", "2026-11-02")
    assert data["starts_at"].startswith("2026-11-0")
    assert data["summary"]["projects"] == 5
    assert data["summary"]["missing_reports"] == 1
    projects = {p["code"]: p for p in data["projects"]}
    changing = projects[two_weeks.changing.code]
    assert changing["changed"] is True
    assert changing["rag"] == "amber"
    assert changing["rag_changes"][0] == {
        "dimension": "overall",
        "before": "green",
        "after": "amber",
        "direction": "worse",
    }
    assert [e["title"] for e in changing["escalations"]["new"]] == ["Budget overrun"]
    assert [e["title"] for e in changing["escalations"]["resolved"]] == ["Test lab"]
    assert [(m["name"], m["kind"], m["moved_days"]) for m in changing["slipped_milestones"]] == [
        ("Design freeze", "moved", 10),
        ("Supplier contract", "missed", 0),
    ]
    assert changing["baseline_changes"] == [
        {
            "version": 2,
            "reason": "New supplier costs more and needs two more weeks.",
            "category": "cost",
            "approved_at": changing["baseline_changes"][0]["approved_at"],
            "change_request_id": None,
            "budget_delta": "20000.00",
            "finish_delta_days": 14,
        }
    ]
    assert [(c["code"], c["event"]) for c in changing["change_requests"]] == [
        ("CR-002", "submitted"),
        ("CR-001", "approved"),
    ]
    assert changing["report"]["state"] == "submitted"
    steady = projects[two_weeks.steady.code]
    assert (steady["changed"], steady["rag"], steady["rag_changes"]) == (False, "amber", [])
    assert projects[two_weeks.silent.code]["report"] | {"due_at": None} == {
        "state": "none",
        "late": False,
        "missing": True,
        "returned": False,
        "due_at": None,
        "submitted_at": None,
        "revision": 0,
        "review_comment": "",
    }
    assert [g["by_whom"] for g in data["agenda"]] == ["Executive", "PMO", "Sponsor"]
    assert data["agenda"][0]["items"][0]["kind"] == "change_request"
    assert data["agenda"][0]["items"][0]["object_id"] == two_weeks.crs["needs_executive"].pk


def test_default_week_is_the_current_week_of_the_organisation(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    response = api_client(org_a.users["executive"]).get(url(org_a))
    assert response.status_code == 200
    expected = current_week_start(organization=org_a.organization)
    assert response.json()["week"] == week_label(expected)
    assert response.json()["week_start"] == expected.isoformat()


@pytest.mark.parametrize("week", ["2026-W60", "2026-47", "last week", "2026-W00"])
def test_a_bad_week_is_400_on_the_week_field(org_a: OrgWorld, api_client: ApiClientFactory, week: str) -> None:
    response = api_client(org_a.users["pmo"]).get(url(org_a), {"week": week})
    assert response.status_code == 400
    assert list(response.json()) == ["week"]
    assert "ISO week" in response.json()["week"][0]


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(two_weeks: TwoWeeks, api_client: ApiClientFactory, role: str) -> None:
    world = two_weeks.world
    response = api_client(world.users[role]).get(url(world), {"week": "2026-W45"})
    if role in ALLOWED:
        assert response.status_code == 200
        assert two_weeks.changing.code in response.content.decode()
    else:
        assert response.status_code == 403
        assert two_weeks.changing.code not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_another_organisation_gets_404_and_learns_nothing(
    two_weeks: TwoWeeks, org_b: OrgWorld, api_client: ApiClientFactory, role: str
) -> None:
    world = two_weeks.world
    with world.ctx():
        before = list(ChangeRequest.objects.order_by("pk").values()), list(StatusReport.objects.order_by("pk").values())
    response = api_client(org_b.users[role]).get(url(world), {"week": "2026-W45"})
    assert response.status_code == 404
    body = response.content.decode()
    assert two_weeks.changing.code not in body and "Budget overrun" not in body
    with world.ctx():
        after = list(ChangeRequest.objects.order_by("pk").values()), list(StatusReport.objects.order_by("pk").values())
    assert after == before


def test_unauthenticated_is_401(org_a: OrgWorld) -> None:
    assert APIClient().get(url(org_a)).status_code == 401


def test_query_count_does_not_grow_with_projects(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    client = api_client(org_a.users["pmo"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(org_a), {"week": "2026-W45"})
        assert response.status_code == 200
        return data_queries(queries)

    grow(org_a, 0, 3)
    few = count()
    grow(org_a, 3, 9)
    many = count()
    assert many == few
    summary = client.get(url(org_a), {"week": "2026-W45"}).json()["summary"]
    # The grown projects all changed; conftest's three active projects never reported: missing, so changed too.
    assert (summary["projects"], summary["changed"], summary["missing_reports"]) == (15, 15, 3)
    assert summary["decisions_needed"] == 24
