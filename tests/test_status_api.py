"""Weekly status API: the workflow over HTTP, 409 for a duplicate week and a stale version (nothing lost), 400 for
bad input (nothing changed), every endpoint over the six roles and a user of another organisation (404, nothing
changed), the control policy, and flat query counts for the lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from projects.models import ControlPolicy, Project, StatusReport, StatusRevision
from projects.policy import current_week_start, week_label
from projects.status import services
from tests.conftest import ROLES, OrgWorld
from tests.factories_projects import lifecycle_project

ApiClientFactory = Callable[[Any], APIClient]
CHANGERS = {"admin", "pmo", "manager"}
REVIEWERS = {"admin", "pmo"}


def state(world: OrgWorld) -> dict[str, Any]:
    with world.ctx():
        return {
            "reports": list(StatusReport.objects.order_by("pk").values()),
            "revisions": list(StatusRevision.objects.order_by("pk").values()),
            "policy": list(ControlPolicy.objects.values()),
        }


@pytest.fixture
def project(org_a: OrgWorld) -> Project:
    return lifecycle_project(org_a)


def base(world: OrgWorld, project: Project) -> str:
    return f"/api/v1/orgs/{world.slug}/projects/{project.pk}/status-reports/"


def make_report(world: OrgWorld, project: Project, *, submitted: bool = False) -> StatusReport:
    with world.ctx():
        report = services.status_report_start(
            organization=world.organization, actor=world.users["manager"], project=project
        )
        if submitted:
            report = services.status_report_submit(
                organization=world.organization,
                actor=world.users["manager"],
                report=report,
                percent_complete=Decimal(100),
                actual_cost=Decimal(1),
            )
        return report


def test_workflow_over_the_api(org_a: OrgWorld, project: Project, api_client: ApiClientFactory) -> None:
    manager, pmo = api_client(org_a.users["manager"]), api_client(org_a.users["pmo"])
    week = week_label(current_week_start(organization=org_a.organization))
    created = manager.post(base(org_a, project), {}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["week"] == week and body["state"] == "draft" and body["revisions"] == []
    url = f"{base(org_a, project)}{body['id']}/"
    patched = manager.patch(
        url,
        {
            "version": body["version"],
            "rag_overall": "green",
            "percent_complete": "0",
            "actual_cost": "2500.50",
            "escalations": [{"title": "Vendor", "decision_needed": True, "decision_from": "CFO"}],
        },
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["actual_cost"] == "2500.50"
    refused = manager.post(f"{url}submit/", {}, format="json")
    assert refused.status_code == 400 and "rag_justification" in refused.json()
    manager.patch(url, {"version": patched.json()["version"], "rag_justification": "Cash up front."}, format="json")
    submitted = manager.post(f"{url}submit/", {}, format="json")
    assert submitted.status_code == 200, submitted.content
    data = submitted.json()
    assert data["state"] == "submitted" and data["suggested_rag"] == "red"
    assert data["spi"] == "0.0000" and data["cpi"] == "0.0000"
    due, first = dt.datetime.fromisoformat(data["due_at"]), dt.datetime.fromisoformat(data["first_submitted_at"])
    assert data["is_late"] is (first > due)
    assert {r["factor"] for r in data["suggested_reasons"]} == {"spi", "cpi", "slip", "escalations"}
    assert all(r["text"] for r in data["suggested_reasons"])
    assert len(data["revisions"]) == 1 and data["revisions"][0]["suggested_rag"] == "red"
    assert pmo.post(f"{url}return/", {"comment": ""}, format="json").status_code == 400
    returned = pmo.post(f"{url}return/", {"comment": "Explain the cost."}, format="json")
    assert returned.json()["state"] == "returned" and returned.json()["review_comment"] == "Explain the cost."
    assert manager.post(f"{url}submit/", {}, format="json").json()["revision"] == 2
    accepted = pmo.post(f"{url}accept/", {}, format="json")
    assert accepted.json()["state"] == "accepted"
    amended = manager.post(f"{url}amend/", {}, format="json")
    assert amended.json()["state"] == "draft" and len(amended.json()["revisions"]) == 2
    listed = pmo.get(f"/api/v1/orgs/{org_a.slug}/status-reports/?week={week}&state=draft").json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]
    assert pmo.get(f"/api/v1/orgs/{org_a.slug}/status-reports/?state=accepted").json()["count"] == 0


def test_duplicate_week_is_409_and_bad_week_is_400(
    org_a: OrgWorld, project: Project, api_client: ApiClientFactory
) -> None:
    manager = api_client(org_a.users["manager"])
    make_report(org_a, project)
    before = state(org_a)
    week = week_label(current_week_start(organization=org_a.organization))
    duplicate = manager.post(base(org_a, project), {"week": week}, format="json")
    assert duplicate.status_code == 409 and "already has a status report" in duplicate.json()["detail"]
    for bad in ("2026-47", "2026-W54", "soon"):
        response = manager.post(base(org_a, project), {"week": bad}, format="json")
        assert response.status_code == 400 and "week" in response.json()
    future = week_label(current_week_start(organization=org_a.organization) + dt.timedelta(days=14))
    assert manager.post(base(org_a, project), {"week": future}, format="json").status_code == 400
    assert pmo_list_bad_week(org_a, api_client) == 400
    assert state(org_a) == before


def pmo_list_bad_week(world: OrgWorld, api_client: ApiClientFactory) -> int:
    return api_client(world.users["pmo"]).get(f"/api/v1/orgs/{world.slug}/status-reports/?week=x").status_code


def test_stale_version_is_409_and_the_other_edit_survives(
    org_a: OrgWorld, project: Project, api_client: ApiClientFactory
) -> None:
    report = make_report(org_a, project)
    url = f"{base(org_a, project)}{report.pk}/"
    pmo, manager = api_client(org_a.users["pmo"]), api_client(org_a.users["manager"])
    assert pmo.patch(url, {"version": report.version, "summary": "PMO"}, format="json").status_code == 200
    before = state(org_a)
    stale = manager.patch(url, {"version": report.version, "summary": "Manager"}, format="json")
    assert stale.status_code == 409
    assert manager.post(f"{url}submit/", {"version": report.version}, format="json").status_code == 409
    missing = manager.patch(url, {"summary": "No version"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    assert state(org_a) == before


@pytest.mark.parametrize(
    "payload",
    [
        {"rag_cost": "blue"},
        {"percent_complete": "101"},
        {"actual_cost": "-1"},
        {"escalations": [{"title": ""}]},
        {"escalations": [{"title": "x", "decision_needed": True}]},
        {"forecast_finish": "tomorrow"},
    ],
)
def test_bad_input_is_400_and_changes_nothing(
    org_a: OrgWorld, project: Project, api_client: ApiClientFactory, payload: dict[str, Any]
) -> None:
    report = make_report(org_a, project)
    before = state(org_a)
    response = api_client(org_a.users["manager"]).patch(
        f"{base(org_a, project)}{report.pk}/", {"version": report.version, **payload}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == set(payload)
    assert state(org_a) == before


def endpoints(
    world: OrgWorld, project: Project, report: StatusReport
) -> list[tuple[str, str, dict[str, Any], set[str]]]:
    """(method, path, body, roles allowed) of every endpoint; reads are open to whoever may read the project."""
    detail = f"{base(world, project)}{report.pk}/"
    everyone = set(ROLES)
    return [
        ("get", base(world, project), {}, everyone),
        ("get", detail, {}, everyone),
        ("post", base(world, project), {}, CHANGERS),
        ("patch", detail, {"version": report.version, "summary": "x"}, CHANGERS),
        ("post", f"{detail}submit/", {}, CHANGERS),
        ("post", f"{detail}amend/", {}, CHANGERS),
        ("post", f"{detail}accept/", {}, REVIEWERS),
        ("post", f"{detail}return/", {"comment": "Why?"}, REVIEWERS),
        ("get", f"/api/v1/orgs/{world.slug}/status-reports/", {}, everyone),
        ("get", f"/api/v1/orgs/{world.slug}/status-reports/{report.pk}/", {}, everyone),
        ("get", f"/api/v1/orgs/{world.slug}/control-policy/", {}, everyone),
        ("patch", f"/api/v1/orgs/{world.slug}/control-policy/", {"version": 1, "slip_red_days": 30}, REVIEWERS),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(org_a: OrgWorld, project: Project, api_client: ApiClientFactory, role: str) -> None:
    """Refused requests answer 403 and change nothing; allowed ones pass the permission check (their outcome may
    still be a state refusal, which is not a 403/404)."""
    report = make_report(org_a, project, submitted=True)
    client = api_client(org_a.users[role])
    for method, path, body, allowed in endpoints(org_a, project, report):
        before = state(org_a)
        response = getattr(client, method)(path, body, format="json")
        if role in allowed:
            assert response.status_code not in (403, 404), (method, path, response.status_code)
        else:
            assert response.status_code == 403, (method, path, response.status_code)
            assert state(org_a) == before


def test_another_organisation_gets_404_and_nothing_changes(
    org_a: OrgWorld, org_b: OrgWorld, project: Project, api_client: ApiClientFactory
) -> None:
    report = make_report(org_a, project, submitted=True)
    before = state(org_a)
    for role in ROLES:
        client = api_client(org_b.users[role])
        for method, path, body, _allowed in endpoints(org_a, project, report):
            response = getattr(client, method)(path, body, format="json")
            assert response.status_code == 404, (role, method, path)
        # Through their own organisation, org_a's ids are missing too.
        own = f"/api/v1/orgs/{org_b.slug}/projects/{project.pk}/status-reports/"
        assert client.get(own).status_code == 404
        assert client.get(f"/api/v1/orgs/{org_b.slug}/status-reports/{report.pk}/").status_code == 404
    assert state(org_a) == before


def test_a_project_the_caller_cannot_read_is_404(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    hidden = org_a.projects[2]
    report = make_report(org_a, hidden)
    manager = api_client(org_a.users["manager"])
    before = state(org_a)
    assert manager.get(base(org_a, hidden)).status_code == 404
    assert manager.post(base(org_a, hidden), {}, format="json").status_code == 404
    assert manager.get(f"/api/v1/orgs/{org_a.slug}/status-reports/{report.pk}/").status_code == 404
    assert manager.get(f"/api/v1/orgs/{org_a.slug}/status-reports/").json()["count"] == 0
    assert state(org_a) == before


def test_control_policy_patch_validates_and_detects_stale_versions(
    org_a: OrgWorld, api_client: ApiClientFactory
) -> None:
    pmo = api_client(org_a.users["pmo"])
    url = f"/api/v1/orgs/{org_a.slug}/control-policy/"
    policy = pmo.get(url).json()
    assert policy["status_due_weekday"] == 4 and policy["status_due_time"] == "18:00:00"
    before = state(org_a)
    bad = pmo.patch(url, {"version": policy["version"], "spi_red_below": "0.99"}, format="json")
    assert bad.status_code == 400 and "spi_red_below" in bad.json()
    assert pmo.patch(url, {"version": policy["version"], "status_due_weekday": 9}, format="json").status_code == 400
    assert state(org_a) == before
    ok = pmo.patch(url, {"version": policy["version"], "status_due_time": "12:00"}, format="json")
    assert ok.status_code == 200 and ok.json()["status_due_time"] == "12:00:00"
    after = state(org_a)
    assert pmo.patch(url, {"version": policy["version"], "slip_red_days": 40}, format="json").status_code == 409
    assert state(org_a) == after


MANY = 12


@pytest.fixture(params=[1, MANY], ids=["one", "many"])
def grown(request: Any, org_a: OrgWorld) -> tuple[OrgWorld, Project]:
    project = lifecycle_project(org_a)
    monday = current_week_start(organization=org_a.organization)
    with org_a.ctx():
        for i in range(request.param):
            report = services.status_report_start(
                organization=org_a.organization,
                actor=org_a.users["manager"],
                project=project,
                week_start=monday - dt.timedelta(days=7 * (i + 1)),
            )
            services.status_report_submit(
                organization=org_a.organization,
                actor=org_a.users["manager"],
                report=report,
                percent_complete=Decimal(100),
                actual_cost=Decimal(1),
            )
            other = lifecycle_project(org_a, code=f"Q-{i}")
            services.status_report_start(organization=org_a.organization, actor=org_a.users["pmo"], project=other)
    return org_a, project


def test_lists_run_a_constant_number_of_queries(
    grown: tuple[OrgWorld, Project], api_client: ApiClientFactory, django_assert_max_num_queries: Any
) -> None:
    world, project = grown
    for role in ("pmo", "manager"):
        client = api_client(world.users[role])
        with django_assert_max_num_queries(15):
            assert client.get(base(world, project)).status_code == 200
        with django_assert_max_num_queries(15):
            assert client.get(f"/api/v1/orgs/{world.slug}/status-reports/").status_code == 200
    with world.ctx():
        report = StatusReport.objects.filter(project=project).first()
    assert report is not None
    with django_assert_max_num_queries(15):
        assert api_client(world.users["pmo"]).get(f"{base(world, project)}{report.pk}/").status_code == 200
