"""The weekly status submission at scale: the manager's form and the API submit in a fixed number of statements
whatever the project's history (the right to change the project read with the project, the revisions read only
to answer, the new version known without reading the row again), and a refused submission still shows the
report's revisions."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from projects.models import Project, StatusReport, StatusRevision
from projects.policy import current_week_start, week_label
from projects.status import services
from tests.conftest import OrgWorld
from tests.factories_projects import lifecycle_project

PERMISSION_CHECK = re.compile(r'^SELECT 1 AS "a" FROM "projects_projectuserobjectpermission"')


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def week_of(world: OrgWorld, weeks_ago: int = 0) -> dt.date:
    return current_week_start(organization=world.organization) - dt.timedelta(weeks=weeks_ago)


def history(world: OrgWorld, project: Project, weeks: int) -> None:
    """``weeks`` accepted reports before this week, each amended once (two revisions each)."""
    org, manager, pmo = world.organization, world.users["manager"], world.users["pmo"]
    with world.ctx():
        for i in range(weeks, 0, -1):
            report = services.status_report_start(
                organization=org, actor=manager, project=project, week_start=week_of(world, i)
            )
            for _ in range(2):
                report = services.status_report_submit(
                    organization=org, actor=manager, report=report, version=report.version, rag_overall="red"
                )
                report = services.status_report_amend(organization=org, actor=manager, report=report)
            report = services.status_report_submit(
                organization=org, actor=manager, report=report, version=report.version, rag_overall="red"
            )
            services.status_report_accept(organization=org, actor=pmo, report=report)


def started(world: OrgWorld, project: Project) -> StatusReport:
    with world.ctx():
        return services.status_report_start(
            organization=world.organization, actor=world.users["manager"], project=project
        )


def form(report: StatusReport, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": report.version,
        **dict.fromkeys(services.RAG_FIELDS, "red"),
        "percent_complete": "40",
        "actual_cost": "1000",
        "summary": "On track.",
        "esc_title_0": "",
        "esc_title_1": "",
    }
    data.update(overrides)
    return data


def statements(captured: CaptureQueriesContext) -> list[str]:
    """The statements of the request, without savepoints (pghistory prefixes its context to some of them)."""
    sqls = [
        re.sub(r"^SELECT set_config\('pghistory\.context_id'.*?; ", "", q["sql"]) for q in captured.captured_queries
    ]
    return [sql for sql in sqls if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


@pytest.mark.parametrize("weeks", [1, 8])
def test_the_form_submission_runs_the_same_statements_whatever_the_history(org_a: OrgWorld, weeks: int) -> None:
    project = lifecycle_project(org_a)
    history(org_a, project, weeks)
    report = started(org_a, project)
    client = client_for(org_a.users["manager"])

    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            f"/o/{org_a.slug}/projects/{project.pk}/status/{week_label(report.week_start)}/submit/", form(report)
        )

    assert response.status_code == 302
    sqls = statements(captured)
    # Session, user, 3 for the organisation, the project with the right to change it, the report, the locks of the
    # project and the report, the policy, the labour cost, the plan (baseline and weights), the slip, the revision
    # and the report written.
    assert len(sqls) == 16, "\n".join(sqls)
    assert not [sql for sql in sqls if PERMISSION_CHECK.match(sql)]
    assert not [sql for sql in sqls if 'FROM "projects_statusrevision"' in sql]
    with org_a.ctx():
        stored = StatusReport.objects.get(pk=report.pk)
        revision = StatusRevision.objects.get(report=stored, number=1)
    assert (stored.state, stored.revision, stored.version) == ("submitted", 1, report.version + 1)
    assert (revision.rag_overall, revision.summary) == ("red", "On track.")


@pytest.mark.parametrize("weeks", [1, 8])
def test_the_api_submission_runs_the_same_statements_and_answers_the_revisions(
    org_a: OrgWorld, api_client: Any, weeks: int
) -> None:
    project = lifecycle_project(org_a)
    history(org_a, project, weeks)
    report = started(org_a, project)
    client: APIClient = api_client(org_a.users["manager"])
    path = f"/api/v1/orgs/{org_a.slug}/projects/{project.pk}/status-reports/{report.pk}/submit/"

    with CaptureQueriesContext(connection) as captured:
        response = client.post(path, {"version": report.version}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["version"], [r["number"] for r in body["revisions"]]) == (
        "submitted",
        report.version + 1,
        [1],
    )
    sqls = statements(captured)
    assert not [sql for sql in sqls if PERMISSION_CHECK.match(sql)]
    # The revisions are read once, for the answer.
    assert len([sql for sql in sqls if 'FROM "projects_statusrevision"' in sql]) == 1
    assert len(sqls) <= 22, "\n".join(sqls)


def test_a_member_without_the_right_to_change_is_refused_with_nothing_written(org_a: OrgWorld) -> None:
    project = lifecycle_project(org_a)
    report = started(org_a, project)

    response = client_for(org_a.users["member"]).post(
        f"/o/{org_a.slug}/projects/{project.pk}/status/{week_label(report.week_start)}/submit/", form(report)
    )

    assert response.status_code == 403
    with org_a.ctx():
        stored = StatusReport.objects.get(pk=report.pk)
        assert (stored.state, stored.version) == ("draft", report.version)
        assert not StatusRevision.objects.filter(report_id=report.pk).exists()


def test_a_refused_submission_shows_the_page_with_the_reports_revisions(org_a: OrgWorld) -> None:
    project = lifecycle_project(org_a)
    report = started(org_a, project)
    org, manager = org_a.organization, org_a.users["manager"]
    with org_a.ctx():
        report = services.status_report_submit(
            organization=org, actor=manager, report=report, version=report.version, rag_overall="red"
        )
        report = services.status_report_amend(organization=org, actor=manager, report=report)

    response = client_for(manager).post(
        f"/o/{org_a.slug}/projects/{project.pk}/status/{week_label(report.week_start)}/submit/",
        form(report, percent_complete="140"),
    )

    assert response.status_code == 400
    assert response.content.count(b'data-testid="revision-row"') == 1
    with org_a.ctx():
        assert StatusReport.objects.get(pk=report.pk).revision == 1


def test_each_write_returns_the_version_it_stored(org_a: OrgWorld) -> None:
    project = lifecycle_project(org_a)
    report = started(org_a, project)
    org, manager, pmo = org_a.organization, org_a.users["manager"], org_a.users["pmo"]
    with org_a.ctx():
        steps = [
            lambda r: services.status_report_save(
                organization=org, actor=manager, report=r, version=r.version, summary="Saved.", rag_overall="red"
            ),
            lambda r: services.status_report_submit(organization=org, actor=manager, report=r, version=r.version),
            lambda r: services.status_report_return(organization=org, actor=pmo, report=r, comment="Add the risk."),
            lambda r: services.status_report_submit(organization=org, actor=manager, report=r, version=r.version),
            lambda r: services.status_report_accept(organization=org, actor=pmo, report=r),
            lambda r: services.status_report_amend(organization=org, actor=manager, report=r),
        ]
        for step in steps:
            before = report.version
            report = step(report)
            stored = StatusReport.objects.get(pk=report.pk)
            assert report.version == stored.version == before + 1
            assert (report.state, report.revision, report.summary) == (stored.state, stored.revision, stored.summary)
