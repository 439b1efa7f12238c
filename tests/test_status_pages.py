"""Weekly status pages: the project tab (start, save, submit, the PMO's return and accept, amend), a report's page
with its revisions, the organisation's queue and compliance, the control policy; roles and another organisation
(404, nothing changed); a stale save keeps the input; both languages; flat query counts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from projects.models import ControlPolicy, Project, StatusReport, StatusRevision
from projects.policy import current_week_start, week_label
from projects.status import selectors, services
from tests.conftest import ROLES, OrgWorld
from tests.factories_projects import lifecycle_project


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows(world: OrgWorld) -> dict[str, Any]:
    with world.ctx():
        return {
            "reports": list(StatusReport.objects.order_by("pk").values()),
            "revisions": list(StatusRevision.objects.order_by("pk").values()),
            "policy": list(ControlPolicy.objects.values()),
        }


def this_week(world: OrgWorld) -> str:
    return week_label(current_week_start(organization=world.organization))


def started(world: OrgWorld, project: Project, **fields: Any) -> StatusReport:
    with world.ctx():
        report = services.status_report_start(
            organization=world.organization, actor=world.users["manager"], project=project
        )
        if fields:
            report = services.status_report_save(
                organization=world.organization,
                actor=world.users["manager"],
                report=report,
                version=report.version,
                **fields,
            )
        return report


def form_data(report: StatusReport, **overrides: Any) -> dict[str, Any]:
    data = {
        "version": report.version,
        "rag_overall": "green",
        "rag_schedule": "green",
        "rag_cost": "green",
        "rag_scope": "green",
        "rag_quality": "green",
        "rag_resources": "amber",
        "rag_risk": "green",
        "percent_complete": "100",
        "actual_cost": "10",
        "forecast_finish": "",
        "summary": "On track.",
        "accomplishments": "Design review passed.",
        "next_steps": "Start the build.",
        "rag_justification": "",
        "esc_title_0": "",
        "esc_title_1": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def project(org_a: OrgWorld) -> Project:
    return lifecycle_project(org_a)


def url(world: OrgWorld, project: Project, rest: str = "") -> str:
    return f"/o/{world.slug}/projects/{project.pk}/status/{rest}"


def test_manager_starts_saves_and_submits_then_pmo_returns_and_accepts(org_a: OrgWorld, project: Project) -> None:
    manager, pmo = client_for(org_a.users["manager"]), client_for(org_a.users["pmo"])
    week = this_week(org_a)
    page = manager.get(url(org_a, project))
    assert page.status_code == 200 and b'data-testid="start-report"' in page.content
    response = manager.post(url(org_a, project, f"{week}/start/"))
    assert response.status_code == 302 and response["Location"].endswith(f"/projects/{project.pk}/status/")
    with org_a.ctx():
        report = StatusReport.objects.get(project=project)
    page = manager.get(url(org_a, project))
    assert b'data-testid="status-form"' in page.content and b'data-testid="suggestion"' in page.content
    data = form_data(report, esc_title_0="Supplier late", esc_decision_needed_0="on", esc_decision_from_0="CFO")
    assert manager.post(url(org_a, project, f"{week}/save/"), data).status_code == 302
    with org_a.ctx():
        report.refresh_from_db()
    assert report.summary == "On track." and report.rag_resources == "amber"
    assert report.escalations == [
        {"title": "Supplier late", "detail": "", "decision_needed": True, "decision_from": "CFO", "resolved": False}
    ]
    assert manager.post(url(org_a, project, f"{week}/submit/"), form_data(report)).status_code == 302
    with org_a.ctx():
        report.refresh_from_db()
    assert (report.state, report.revision, report.escalations) == ("submitted", 1, [])

    # The PMO must say why it returns.
    refused = pmo.post(url(org_a, project, f"{week}/return/"), {"comment": ""})
    assert refused.status_code == 400 and b"Say what the manager should change." in refused.content
    assert pmo.post(url(org_a, project, f"{week}/return/"), {"comment": "Add the budget risk."}).status_code == 302
    page = manager.get(url(org_a, project))
    assert b"Add the budget risk." in page.content and b'data-testid="status-form"' in page.content
    with org_a.ctx():
        report.refresh_from_db()
    assert manager.post(url(org_a, project, f"{week}/submit/"), form_data(report)).status_code == 302
    assert pmo.post(url(org_a, project, f"{week}/accept/"), {"comment": ""}).status_code == 302
    with org_a.ctx():
        report.refresh_from_db()
        assert report.state == "accepted"
        assert StatusRevision.objects.filter(report=report).count() == 2
    page = manager.get(url(org_a, project, f"{week}/"))
    assert page.status_code == 200 and page.content.count(b'data-testid="revision-row"') == 2


def test_the_form_keeps_the_input_and_asks_for_a_reason_when_better_than_suggested(
    org_a: OrgWorld, project: Project
) -> None:
    report = started(org_a, project)
    manager = client_for(org_a.users["manager"])
    before = rows(org_a)
    data = form_data(report, percent_complete="0", actual_cost="5000", summary="Still fine, honestly.")
    response = manager.post(url(org_a, project, f"{this_week(org_a)}/submit/"), data)
    assert response.status_code == 400
    assert b"better than the suggested one" in response.content
    assert b"Still fine, honestly." in response.content
    assert rows(org_a) == before


def test_a_stale_save_answers_409_and_keeps_the_input(org_a: OrgWorld, project: Project) -> None:
    report = started(org_a, project)
    with org_a.ctx():
        services.status_report_save(
            organization=org_a.organization,
            actor=org_a.users["pmo"],
            report=report,
            version=report.version,
            summary="The PMO's words.",
        )
    before = rows(org_a)
    response = client_for(org_a.users["manager"]).post(
        url(org_a, project, f"{this_week(org_a)}/save/"), form_data(report, summary="My words.")
    )
    assert response.status_code == 409
    assert b"Someone else changed this status report" in response.content
    assert b"My words." in response.content
    assert f'name="version" value="{report.version + 1}"'.encode() in response.content
    assert rows(org_a) == before


def test_a_second_start_for_the_week_is_refused(org_a: OrgWorld, project: Project) -> None:
    started(org_a, project)
    before = rows(org_a)
    response = client_for(org_a.users["manager"]).post(url(org_a, project, f"{this_week(org_a)}/start/"))
    assert response.status_code == 409 and b"already has a status report" in response.content
    assert rows(org_a) == before


WRITE_ROLES = {"admin", "pmo", "manager"}
REVIEW_ROLES = {"admin", "pmo"}


@pytest.mark.parametrize("role", ROLES)
def test_roles_on_the_project_pages(org_a: OrgWorld, project: Project, role: str) -> None:
    client = client_for(org_a.users[role])
    week = this_week(org_a)
    tab = client.get(url(org_a, project))
    assert tab.status_code == 200  # the project is readable by every role (member and viewer through grants)
    assert (b'data-testid="start-report"' in tab.content) == (role in WRITE_ROLES)
    before = rows(org_a)
    response = client.post(url(org_a, project, f"{week}/start/"))
    if role in WRITE_ROLES:
        assert response.status_code == 302
        with org_a.ctx():
            assert StatusReport.objects.filter(project=project).count() == 1
    else:
        assert response.status_code == 403 and rows(org_a) == before
        report = started(org_a, project, percent_complete=Decimal(100), actual_cost=Decimal(1))
        with org_a.ctx():
            services.status_report_submit(organization=org_a.organization, actor=org_a.users["manager"], report=report)
    with org_a.ctx():
        report = StatusReport.objects.get(project=project)
    if report.state == "draft":
        with org_a.ctx():
            services.status_report_submit(
                organization=org_a.organization,
                actor=org_a.users["manager"],
                report=report,
                percent_complete=Decimal(100),
                actual_cost=Decimal(1),
            )
    before = rows(org_a)
    review = client.post(url(org_a, project, f"{week}/return/"), {"comment": "Please add detail."})
    if role in REVIEW_ROLES:
        assert review.status_code == 302
        with org_a.ctx():
            assert StatusReport.objects.get(project=project).state == "returned"
    else:
        assert review.status_code == 403 and rows(org_a) == before
    before = rows(org_a)
    with org_a.ctx():
        report.refresh_from_db()
    save = client.post(url(org_a, project, f"{week}/save/"), form_data(report, summary="Role edit."))
    if role in REVIEW_ROLES:  # they returned it: editable again
        assert save.status_code == 302
    elif role == "manager":  # still submitted: not editable in place
        assert save.status_code == 400 and rows(org_a) == before
    else:
        assert save.status_code == 403 and rows(org_a) == before
    assert client.get(url(org_a, project, f"{week}/")).status_code == 200


def test_another_organisation_gets_404_everywhere_and_nothing_changes(
    org_a: OrgWorld, org_b: OrgWorld, project: Project
) -> None:
    report = started(org_a, project)
    week = this_week(org_a)
    before = rows(org_a)
    for role in ("admin", "pmo", "manager"):
        outsider = client_for(org_b.users[role])
        assert outsider.get(url(org_a, project)).status_code == 404
        assert outsider.get(url(org_a, project, f"{week}/")).status_code == 404
        for verb in ("start", "save", "submit", "accept", "return", "amend"):
            response = outsider.post(url(org_a, project, f"{week}/{verb}/"), form_data(report, comment="x"))
            assert response.status_code == 404, verb
        assert outsider.get(f"/o/{org_a.slug}/status/").status_code == 404
        assert outsider.post(f"/o/{org_a.slug}/status/policy/", {"version": 1}).status_code == 404
    # Their own organisation's URL with org_a's project id is a missing project too.
    own = client_for(org_b.users["admin"])
    assert own.get(f"/o/{org_b.slug}/projects/{project.pk}/status/").status_code == 404
    assert own.post(f"/o/{org_b.slug}/projects/{project.pk}/status/{week}/start/").status_code == 404
    assert rows(org_a) == before


def test_a_hidden_project_and_a_missing_week_are_404(org_a: OrgWorld) -> None:
    hidden = org_a.projects[2]
    client = client_for(org_a.users["manager"])
    assert client.get(url(org_a, hidden)).status_code == 404
    assert client.post(url(org_a, hidden, f"{this_week(org_a)}/start/")).status_code == 404
    assert client.get(url(org_a, org_a.projects[0], "2020-W01/")).status_code == 404
    assert client.get(url(org_a, org_a.projects[0], "not-a-week/")).status_code == 404


def test_compliance_page_shows_the_queue_late_and_missing(org_a: OrgWorld, project: Project) -> None:
    report = started(org_a, project, percent_complete=Decimal(100), actual_cost=Decimal(1))
    with org_a.ctx():
        services.status_report_submit(organization=org_a.organization, actor=org_a.users["manager"], report=report)
    monday = current_week_start(organization=org_a.organization)
    last_week = week_label(monday - dt.timedelta(days=7))
    pmo = client_for(org_a.users["pmo"])
    page = pmo.get(f"/o/{org_a.slug}/status/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="queue"' in text and project.code in text
    assert text.count('data-testid="compliance-row"') == 4  # the lifecycle project and conftest's three
    previous = pmo.get(f"/o/{org_a.slug}/status/?week={last_week}").content.decode()
    assert previous.count('class="badge missing"') == 4  # nobody reported last week and it is past due
    bad = pmo.get(f"/o/{org_a.slug}/status/?week=soon")
    assert bad.status_code == 200 and "ISO week" in bad.content.decode()
    # The viewer sees only the project shared with them, and no review queue.
    viewer = client_for(org_a.users["viewer"]).get(f"/o/{org_a.slug}/status/").content.decode()
    assert viewer.count('data-testid="compliance-row"') == 2  # projects[1] and the lifecycle project
    assert 'data-testid="queue"' not in viewer


def test_compliance_page_in_chinese(org_a: OrgWorld, project: Project) -> None:
    client = client_for(org_a.users["pmo"])
    client.cookies["django_language"] = "zh-hans"
    with translation.override("zh-hans"):
        page = client.get(f"/o/{org_a.slug}/status/")
    assert page.status_code == 200
    content = page.content.decode()
    assert re.search(r'data-sort="project"[^>]*>项目<', content)
    assert re.search(r'data-sort="manager"[^>]*>项目经理<', content)
    assert not re.search(r'data-sort="\w+"[^>]*>[A-Za-z]', content)


@pytest.mark.parametrize("role", ROLES)
def test_control_policy_page_for_pmo_and_admin_only(org_a: OrgWorld, role: str) -> None:
    client = client_for(org_a.users[role])
    before = rows(org_a)
    response = client.get(f"/o/{org_a.slug}/status/policy/")
    if role not in REVIEW_ROLES:
        assert response.status_code == 403
        assert client.post(f"/o/{org_a.slug}/status/policy/", {"version": 1}).status_code == 403
        assert rows(org_a) == before
        return
    assert response.status_code == 200 and b"RAG" in response.content
    with org_a.ctx():
        policy = ControlPolicy.objects.get()
    data = {
        "version": policy.version,
        "status_due_weekday": "3",
        "status_due_time": "12:30",
        "spi_amber_below": "0.90",
        "spi_red_below": "0.80",
        "cpi_amber_below": "0.95",
        "cpi_red_below": "0.85",
        "slip_amber_days": "5",
        "slip_red_days": "20",
        "escalations_amber": "1",
        "escalations_red": "3",
        "cr_executive_cost_share": "0.1",
        "cr_executive_finish_days": "30",
    }
    bad = client.post(f"/o/{org_a.slug}/status/policy/", {**data, "spi_red_below": "0.99"})
    assert bad.status_code == 400 and b"must not be above the amber one" in bad.content
    with org_a.ctx():
        assert ControlPolicy.objects.get().spi_red_below == Decimal("0.85")
    assert client.post(f"/o/{org_a.slug}/status/policy/", data).status_code == 302
    stale = client.post(f"/o/{org_a.slug}/status/policy/", {**data, "slip_red_days": "25"})
    assert stale.status_code == 409 and b'value="25"' in stale.content
    with org_a.ctx():
        policy = ControlPolicy.objects.get()
    assert (policy.status_due_weekday, policy.status_due_time) == (3, dt.time(12, 30))
    assert policy.spi_amber_below == Decimal("0.90") and policy.slip_red_days == 20


MANY = 12


def history(world: OrgWorld, project: Project, weeks: int) -> None:
    """``weeks`` submitted reports of ``project`` with two revisions each, ending last week."""
    monday = current_week_start(organization=world.organization)
    with world.ctx():
        for i in range(weeks, 0, -1):
            start = monday - dt.timedelta(days=7 * i)
            report = services.status_report_start(
                organization=world.organization,
                actor=world.users["manager"],
                project=project,
                week_start=start,
            )
            for _revision in range(2):
                report = services.status_report_submit(
                    organization=world.organization,
                    actor=world.users["manager"],
                    report=report,
                    percent_complete=Decimal(100),
                    actual_cost=Decimal(1),
                    rag_cost=["green", "amber", "red"][i % 3],
                )
                report = services.status_report_amend(
                    organization=world.organization, actor=world.users["manager"], report=report
                )


@pytest.fixture(params=[1, MANY], ids=["one", "many"])
def grown(request: Any, org_a: OrgWorld) -> tuple[OrgWorld, Project]:
    project = lifecycle_project(org_a)
    history(org_a, project, request.param)
    for i in range(request.param):
        other = lifecycle_project(org_a, code=f"Q-{i}")
        started(org_a, other)
    return org_a, project


def test_status_pages_run_a_constant_number_of_queries(
    grown: tuple[OrgWorld, Project], django_assert_max_num_queries: Any
) -> None:
    world, project = grown
    client = client_for(world.users["pmo"])
    last_week = week_label(current_week_start(organization=world.organization) - dt.timedelta(days=7))
    with django_assert_max_num_queries(22):
        assert client.get(url(world, project)).status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get(url(world, project, f"{last_week}/")).status_code == 200
    # The list also reads the filter bar's portfolios and managers.
    with django_assert_max_num_queries(16):
        assert client.get(f"/o/{world.slug}/status/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/o/{world.slug}/status/?week={last_week}").status_code == 200


def test_history_shows_a_trend_per_week(org_a: OrgWorld, project: Project) -> None:
    history(org_a, project, 3)
    page = client_for(org_a.users["manager"]).get(url(org_a, project)).content.decode()
    assert page.count('data-testid="history-row"') == 3
    assert page.count('class="trend trend-same"') == 2  # overall green each week; the oldest has no week before
    with org_a.ctx():
        rows_ = selectors.rag_history(project=project)
    assert [row.trends["rag_cost"] for row in rows_] == ["better", "worse", None]  # green → red → amber
    assert [row.trends["rag_overall"] for row in rows_] == ["same", "same", None]
