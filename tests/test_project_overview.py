"""The Overview tab answers "how is this project doing": the latest RAG per dimension and twelve weeks of it, %
complete and SPI/CPI/EAC, the next milestones with the late ones marked, the top open risks, the open change
requests, the team and the next gate; in the same number of queries with few or many of each."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from projects import services
from projects.models import Milestone, Project
from tests.conftest import OrgWorld
from tests.factories_kpis import allocate, change_request, person, report, risk
from tests.factories_projects import MilestoneFactory


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def today(world: OrgWorld) -> dt.date:
    return services.organization_today(world.organization)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def fill(world: OrgWorld, project: Project, n: int) -> None:
    """``n`` of everything the overview shows: weekly reports, milestones (every other one late), open risks,
    open change requests, people allocated this week."""
    now = today(world)
    this_week = monday(now)
    for i in range(n):
        report(world, project, this_week - dt.timedelta(weeks=i + 1), rag=("red" if i == 0 else "green"))
    with world.ctx():
        for i in range(n):
            MilestoneFactory(
                organization=world.organization,
                project=project,
                name=f"M{i}",
                order=i + 1,
                baseline_date=now + dt.timedelta(days=10 + i),
                forecast_date=now + dt.timedelta(days=(10 + i) if i % 2 else (-1 - i)),
            )
    for i in range(n):
        risk(world, project, 100 + i, level="project", escalated_at=None, status="open", probability=1 + i % 5)
        change_request(world, project, i + 1, status="submitted", submitted_at=None, decided_at=None)
        allocate(world, person(world, f"Person {i}"), project, this_week, this_week + dt.timedelta(weeks=4), 8)


@pytest.fixture(params=[1, 12], ids=["few", "many"])
def filled(request: Any, org_a: OrgWorld) -> OrgWorld:
    fill(org_a, org_a.projects[0], request.param)
    return org_a


@pytest.mark.parametrize("role", ["pmo", "manager", "member"])
def test_the_overview_runs_the_same_queries_with_few_or_many_rows(
    filled: OrgWorld, django_assert_max_num_queries: Any, role: str
) -> None:
    client = logged_in(filled.users[role])
    url = f"/o/{filled.slug}/projects/{filled.projects[0].pk}/"
    client.get(url)

    with django_assert_max_num_queries(24):
        response = client.get(url)

    assert response.status_code == 200


def test_the_overview_shows_how_the_project_is_doing(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    fill(org_a, project, 6)

    response = logged_in(org_a.users["manager"]).get(f"/o/{org_a.slug}/projects/{project.pk}/")
    overview = response.context["overview"]
    html = response.content.decode()

    assert overview.latest.rag_overall == "red"  # last week's report
    assert overview.last_week == monday(today(org_a)) - dt.timedelta(weeks=1)
    assert len(overview.rag_weeks) == 6
    assert "Overall RAG by week" in html and "<svg" in html
    assert overview.milestones_open == 6 and overview.milestones_late == 3
    assert [m.name for m in overview.milestones][:3] == ["M4", "M2", "M0"]  # overdue first, by forecast
    assert all(m.overdue for m in overview.milestones[:3])
    assert html.count('data-testid="milestone-overdue"') == 3
    assert len(overview.risks) == 5 and overview.risks_open == 6
    assert [r.score for r in overview.risks] == sorted((r.score for r in overview.risks), reverse=True)
    assert "5 of 6 open risks shown." in html
    assert len(overview.change_requests) == 6
    assert "5 of 6 open change requests shown." in html
    assert len(overview.team) == 6 and all(m.hours == 8 for m in overview.team)
    assert response.context["rag_dimensions"][0][1:] == ("green", "Green")


def test_an_empty_project_says_what_is_missing(org_a: OrgWorld) -> None:
    with org_a.ctx():
        Milestone.objects.filter(project=org_a.projects[0]).delete()

    html = logged_in(org_a.users["manager"]).get(f"/o/{org_a.slug}/projects/{org_a.projects[0].pk}/").content.decode()

    assert "No weekly status submitted yet" in html
    assert "No open milestones." in html
    assert "No open risks." in html
    assert "No open change requests." in html
    assert "Nobody is allocated to this project" in html


def test_the_overview_of_another_organisation_is_404(org_a: OrgWorld, org_b: OrgWorld) -> None:
    fill(org_a, org_a.projects[0], 2)

    for role in ("admin", "pmo", "executive", "manager"):
        response = logged_in(org_b.users[role]).get(f"/o/{org_a.slug}/projects/{org_a.projects[0].pk}/")
        assert response.status_code == 404
