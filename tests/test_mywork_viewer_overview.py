"""The organisation overview (``/o/<org>/overview/``, the viewer's landing page): each listed project shows its
latest RAG and its next open milestone (late ones flagged), only projects the user may read, in a query count that
does not grow with the projects."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmo.tenancy.permissions import object_permissions_grant
from projects import permissions as project_permissions
from projects.policy import current_week_start
from tests.conftest import OrgWorld
from tests.factories import ProjectFactory
from tests.factories_alerts import milestone, report

pytestmark = pytest.mark.django_db

SUBMITTED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def overview_html(world: OrgWorld, role: str = "viewer") -> str:
    client = Client()
    client.force_login(world.users[role])
    response = client.get(reverse("org-overview", kwargs={"org_slug": world.slug}))
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> dict[str, str]:
    """Each listed project's code → its row's markup."""
    found = re.findall(r'(<tr data-testid="recent-project" data-code="([^"]+)".*?</tr>)', html, re.S)
    return {code: row for row, code in found}


def test_the_viewer_sees_the_latest_rag_and_the_next_milestone_of_each_project(
    org_a: OrgWorld, org_b: OrgWorld
) -> None:
    shared = org_a.projects[1]  # shared with the viewer
    week = current_week_start(organization=org_a.organization)
    today = timezone.now().date()
    report(org_a, shared, week - dt.timedelta(weeks=2), submitted=SUBMITTED, rag_overall="green")
    report(org_a, shared, week - dt.timedelta(weeks=1), submitted=SUBMITTED, rag_overall="red")
    report(org_a, shared, week, rag_overall="amber")  # a draft is not counted
    milestone(org_a, shared, "Done already", forecast_date=today - dt.timedelta(days=30), actual_date=today)
    milestone(org_a, shared, "Go-live", forecast_date=today - dt.timedelta(days=2))
    milestone(org_a, shared, "Hand-over", forecast_date=today + dt.timedelta(days=20))
    report(org_b, org_b.projects[1], week - dt.timedelta(weeks=1), submitted=SUBMITTED, rag_overall="green")

    html = overview_html(org_a)

    listed = rows(html)
    assert set(listed) == {shared.code}  # only what the viewer may read; never another organisation's
    row = listed[shared.code]
    assert 'data-rag="red"' in row
    assert ">Red</span>" in row
    assert "Go-live" in row and "Hand-over" not in row and "Done already" not in row
    assert 'data-testid="milestone-late"' in row
    assert '<div class="table-wrap">' in html


def test_a_project_without_status_or_milestone_says_so(org_a: OrgWorld) -> None:
    row = rows(overview_html(org_a))[org_a.projects[1].code]
    assert 'data-rag=""' in row
    assert "No status yet" in row
    assert 'data-testid="milestone-late"' not in row


def test_an_archived_project_shows_no_next_milestone(org_a: OrgWorld) -> None:
    closed = org_a.projects[1]
    milestone(org_a, closed, "Go-live", forecast_date=timezone.now().date() - dt.timedelta(days=2))
    with org_a.ctx():
        type(closed).objects.filter(pk=closed.pk).update(status="closed")

    row = rows(overview_html(org_a))[closed.code]

    assert "Go-live" not in row
    assert 'data-testid="milestone-late"' not in row


def test_the_overview_renders_in_chinese(org_a: OrgWorld) -> None:
    report(org_a, org_a.projects[1], current_week_start(organization=org_a.organization), submitted=SUBMITTED)
    client = Client()
    client.force_login(org_a.users["viewer"])
    client.cookies["django_language"] = "zh-hans"
    response = client.get(reverse("org-overview", kwargs={"org_slug": org_a.slug}))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"


# The bound of tests/test_web_views.py for this page, at 1 and 21 projects each with reports and milestones.
QUERY_BOUND = 14


@pytest.mark.parametrize("extra", [0, 20])
def test_query_count_does_not_grow_with_projects(
    org_a: OrgWorld, django_assert_max_num_queries: Any, extra: int
) -> None:
    week = current_week_start(organization=org_a.organization)
    for i in range(extra):
        with org_a.ctx():
            project = ProjectFactory(organization=org_a.organization, code=f"V-{i:03d}")
            object_permissions_grant(
                organization=org_a.organization,
                obj=project,
                user=org_a.users["viewer"],
                codenames=[project_permissions.VIEW_CODENAME],
            )
        report(org_a, project, week - dt.timedelta(weeks=1), submitted=SUBMITTED, rag_overall="amber")
        milestone(org_a, project, f"M{i}", forecast_date=week + dt.timedelta(days=i))
    client = Client()
    client.force_login(org_a.users["viewer"])
    with django_assert_max_num_queries(QUERY_BOUND):
        response = client.get(reverse("org-overview", kwargs={"org_slug": org_a.slug}))
    assert response.status_code == 200
    assert len(response.context["recent_projects"]) == min(8, 1 + extra)
    assert all(p.latest_rag for p in response.context["recent_projects"] if p.code.startswith("V-"))
