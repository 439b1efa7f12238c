"""The project register at scale: 50 rows a page, one row query that joins only what a row shows (PostgreSQL's
planning time grows steeply with each joined table), the RAG rank computed only when the rows are sorted by it,
labels translated once per language, and the same queries whatever the number of projects."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from projects.models import Project, ProjectDeliverable, Rag, StatusReport
from projects.templatetags.project_labels import (
    deliverable_status_label,
    project_priority_label,
    project_status_label,
    rag_label,
)
from tests.conftest import OrgWorld
from tests.factories import ProjectFactory, UserFactory

MONDAY = dt.date(2026, 11, 2)


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_projects(world: OrgWorld, count: int) -> list[Project]:
    sponsor = UserFactory(email="sponsor@alpha.test", full_name="Sue Sponsor")
    return [
        ProjectFactory(
            organization=world.organization,
            code=f"R-{i:03d}",
            name=f"Register {i}",
            manager=world.users["manager"],
            sponsor=sponsor,
            priority=1 + i % 4,
        )
        for i in range(count)
    ]


def report(world: OrgWorld, project: Project, rag: str, *, week: dt.date = MONDAY, state: str = "submitted") -> None:
    with world.ctx():
        StatusReport.dangerously_unscoped.create(
            organization=world.organization,
            project=project,
            week_start=week,
            state=state,
            revision=1,
            rag_overall=rag,
            percent_complete=40,
            due_at=dt.datetime(2026, 11, 6, 10, tzinfo=dt.UTC),
        )


def register_query(captured: CaptureQueriesContext) -> str:
    rows = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "projects_project"."id"')]
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize("sort", ["", "rag", "-rag", "complete"])
def test_the_row_query_joins_what_a_row_shows(org_a: OrgWorld, sort: str) -> None:
    add_projects(org_a, 3)
    client = logged_in(org_a.users["pmo"])

    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/o/{org_a.slug}/projects/", {"sort": sort} if sort else {})

    assert response.status_code == 200
    sql = register_query(captured)
    joined = re.findall(r'LEFT OUTER JOIN "(\w+)"', sql)
    assert sorted(joined) == [
        "accounts_user",
        "portfolio_portfolio",
        "portfolio_programme",
        "projects_processtemplate",
        "projects_projectphase",
    ]
    assert '"sponsor_id" = "accounts_user"' not in sql
    # The latest report's RAG, week and percent complete; the rank only to sort by it.
    assert sql.count('FROM "projects_statusreport"') == (4 if sort.endswith("rag") else 3)


def test_sorted_by_rag_red_first_and_projects_without_a_report_last(org_a: OrgWorld) -> None:
    green, red, none, amber = add_projects(org_a, 4)
    report(org_a, green, "green")
    report(org_a, red, "green", week=MONDAY - dt.timedelta(weeks=1))
    report(org_a, red, "red")
    report(org_a, amber, "amber")
    # A draft does not count: the amber project's latest counted report stays amber.
    report(org_a, amber, "red", week=MONDAY + dt.timedelta(weeks=1), state="draft")
    client = logged_in(org_a.users["pmo"])

    def codes(sort: str) -> list[str]:
        response = client.get(f"/o/{org_a.slug}/projects/", {"sort": sort, "search": "R-"})
        assert response.status_code == 200
        return [p.code for p in response.context["projects"]]

    assert codes("rag") == [red.code, amber.code, green.code, none.code]
    assert codes("-rag") == [green.code, amber.code, red.code, none.code]
    rows = {p.code: p for p in logged_in(org_a.users["pmo"]).get(f"/o/{org_a.slug}/projects/").context["projects"]}
    assert (rows[red.code].latest_rag, rows[red.code].latest_week) == ("red", MONDAY)
    assert rows[amber.code].latest_rag == "amber"
    assert rows[none.code].latest_rag is None


@pytest.mark.parametrize("extra", [5, 60])
def test_fifty_rows_a_page_in_the_same_queries_at_any_size(
    org_a: OrgWorld, django_assert_max_num_queries: Any, extra: int
) -> None:
    add_projects(org_a, extra)
    total = extra + len(org_a.projects)
    client = logged_in(org_a.users["pmo"])

    with django_assert_max_num_queries(15):
        first = client.get(f"/o/{org_a.slug}/projects/", {"sort": "code"})
    last = client.get(f"/o/{org_a.slug}/projects/", {"sort": "code", "page": 2})

    assert first.status_code == last.status_code == 200
    assert len(first.context["projects"]) == min(total, 50)
    assert first.context["page"].paginator.count == total
    if total > 50:
        assert len(last.context["projects"]) == total - 50
        assert 'href="?sort=code&amp;page=2"' in first.content.decode()
    assert first.context["projects"][0].code == "ALPHA-0"


@pytest.mark.parametrize("extra", [2, 30])
def test_the_export_names_the_sponsor_without_a_query_per_row(
    org_a: OrgWorld, django_assert_max_num_queries: Any, extra: int
) -> None:
    add_projects(org_a, extra)
    client = logged_in(org_a.users["pmo"])

    with django_assert_max_num_queries(15):
        response = client.get(f"/o/{org_a.slug}/projects/", {"format": "csv"})

    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + extra + len(org_a.projects)
    assert sum("Sue Sponsor" in line for line in lines) == extra


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_labels_are_the_models_display_values(org_a: OrgWorld, language: str) -> None:
    project = Project(status="active", priority=3)
    deliverable = ProjectDeliverable(status="done")
    with translation.override(language):
        for status in Project.Status.values:
            project.status = status
            assert project_status_label(status) == project.get_status_display()
        for priority in Project.Priority.values:
            project.priority = priority
            assert project_priority_label(priority) == project.get_priority_display()
        for status in ProjectDeliverable.Status.values:
            deliverable.status = status
            assert deliverable_status_label(status) == deliverable.get_status_display()
        for rag in Rag.values:
            assert rag_label(rag) == str(Rag(rag).label)
        assert rag_label(None) == rag_label("") == rag_label("purple") == "—"
        assert deliverable_status_label("unknown") == "unknown"
    with translation.override("zh-hans"):
        assert project_status_label("active") != "Active"


def test_the_list_shows_the_labels_in_the_readers_language(org_a: OrgWorld) -> None:
    (project,) = add_projects(org_a, 1)
    report(org_a, project, "amber")
    user = org_a.users["pmo"]
    user.language = "zh-hans"
    user.save(update_fields=["language"])

    html = logged_in(user).get(f"/o/{org_a.slug}/projects/", {"search": "R-"}).content.decode()

    with translation.override("zh-hans"):
        expected = [str(Project.Status(project.status).label), str(Project.Priority(project.priority).label)]
        expected.append(str(Rag.AMBER.label))
    for label in expected:
        assert f">{label}</span>" in html


def test_each_row_links_its_project_and_the_filter_offers_each_tag_once(org_a: OrgWorld) -> None:
    projects = add_projects(org_a, 3)
    with org_a.ctx():
        for project, tags in zip(projects, (["b", "a"], ["a"], []), strict=True):
            Project.objects.filter(pk=project.pk).update(tags=tags)

    response = logged_in(org_a.users["pmo"]).get(f"/o/{org_a.slug}/projects/", {"search": "R-"})

    html = response.content.decode()
    for project in projects:
        assert f'href="{reverse("project-detail", kwargs={"org_slug": org_a.slug, "pk": project.pk})}"' in html
    tag_choices = [value for value, _label in response.context["filter_form"].fields["tag"].choices]
    assert tag_choices == ["", "a", "b"]
