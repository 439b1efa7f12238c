"""The operations added to the projects API in issue 8: a project's overview, a week's status compliance, editing a
document's details, reading one item of a template, and the closure verbs as operations of their own. Each over
the six roles and a user of another organisation (404, nothing changed); bad input is a 400 that changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from projects import services
from projects.documents.models import ProjectDocument
from projects.models import ProcessTemplate, Project, TemplateDeliverable, TemplateGate, TemplatePhase
from projects.policy import current_week_start, week_label
from projects.status import services as status_services
from tests.conftest import ROLES, OrgWorld
from tests.factories_projects import MilestoneFactory, Scene, build_scene, project_state, template_state
from tests.test_changes_factories import bring_to, raise_cr
from tests.test_documents_web import READERS, WRITERS, add_file, add_link, archive

ApiClientFactory = Callable[[Any], APIClient]


def api(world: OrgWorld, rest: str) -> str:
    return f"/api/v1/orgs/{world.slug}/{rest}"


@pytest.fixture
def scene(org_a: OrgWorld, org_b: OrgWorld) -> Scene:
    return build_scene(org_a)


def submit_report(world: OrgWorld, project: Project, week: dt.date) -> None:
    with world.ctx():
        report = status_services.status_report_start(
            organization=world.organization, actor=world.users["manager"], project=project, week_start=week
        )
        status_services.status_report_submit(
            organization=world.organization,
            actor=world.users["manager"],
            report=report,
            rag_overall="amber",
            percent_complete=Decimal(100),
            actual_cost=Decimal(1),
        )


# --- Overview ---------------------------------------------------------------------------------------------------


def test_the_overview_shows_the_project_at_a_glance(scene: Scene, api_client: ApiClientFactory) -> None:
    world, project = scene.world, scene.project
    last_week = current_week_start(organization=world.organization) - dt.timedelta(weeks=1)
    submit_report(world, project, last_week)
    bring_to(world, raise_cr(world, project, title="More sensors"), "submitted")
    with world.ctx():
        late = MilestoneFactory(
            organization=world.organization,
            project=project,
            name="Overdue",
            forecast_date=timezone.localdate() - dt.timedelta(days=2),
        )

    response = api_client(world.users["viewer"]).get(api(world, f"projects/{project.pk}/overview/"))

    assert response.status_code == 200
    body = response.json()
    assert body["latest"]["week"] == week_label(last_week) and body["latest"]["rag_overall"] == "amber"
    assert len(body["rag_weeks"]) == 12
    assert body["rag_weeks"][-1] == {"week": week_label(last_week), "rag": "amber"}
    assert all(week["rag"] is None for week in body["rag_weeks"][:-1])
    assert body["milestones"][0]["id"] == late.pk and body["milestones"][0]["overdue"] is True
    assert body["milestones_late"] >= 1
    assert [cr["code"] for cr in body["change_requests"]] == ["CR-001"]
    assert body["next_gate"]["code"] == "TR1"
    assert body["risks"] == [] and body["risks_open"] == 0


def test_who_reads_the_overview(scene: Scene, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    world = scene.world
    for role in ROLES:
        client = api_client(world.users[role])
        assert client.get(api(world, f"projects/{scene.project.pk}/overview/")).status_code == 200, role
        hidden = client.get(api(world, f"projects/{scene.hidden.pk}/overview/")).status_code
        assert hidden == (200 if role in ("admin", "pmo", "executive") else 404), role
        outsider = api_client(org_b.users[role])
        assert outsider.get(api(world, f"projects/{scene.project.pk}/overview/")).status_code == 404, role
        assert outsider.get(api(org_b, f"projects/{scene.project.pk}/overview/")).status_code == 404, role


# --- A week's status compliance -------------------------------------------------------------------------------


def test_the_compliance_of_a_week(scene: Scene, api_client: ApiClientFactory) -> None:
    world = scene.world
    this_week = current_week_start(organization=world.organization)
    long_ago = this_week - dt.timedelta(weeks=3)
    submit_report(world, scene.project, long_ago)
    pmo = api_client(world.users["pmo"])

    week = pmo.get(api(world, "status-compliance/"), {"week": week_label(long_ago), "ordering": "-project"})
    missing = pmo.get(api(world, "status-compliance/"), {"week": week_label(long_ago), "state": "missing"})
    words = pmo.get(api(world, "status-compliance/"), {"week": week_label(long_ago), "q": "lifecycle"})
    member = api_client(world.users["member"]).get(api(world, "status-compliance/"), {"week": week_label(long_ago)})

    assert week.status_code == 200
    rows = week.json()["results"]
    assert [row["project"]["code"] for row in rows] == ["LC-1", "ALPHA-2", "ALPHA-1", "ALPHA-0"]
    assert rows[0]["state"] == "submitted" and rows[0]["report"]["rag_overall"] == "amber"
    assert rows[1]["state"] == "missing" and rows[1]["report"] is None and rows[1]["late"] is True
    assert [row["project"]["code"] for row in missing.json()["results"]] == ["ALPHA-0", "ALPHA-1", "ALPHA-2"]
    assert [row["project"]["code"] for row in words.json()["results"]] == ["LC-1"]
    assert [row["project"]["code"] for row in member.json()["results"]] == ["ALPHA-0", "LC-1"]


def test_compliance_is_for_members_only(scene: Scene, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    world = scene.world
    for role in ROLES:
        assert api_client(world.users[role]).get(api(world, "status-compliance/")).status_code == 200, role
        assert api_client(org_b.users[role]).get(api(world, "status-compliance/")).status_code == 404, role
    assert APIClient().get(api(world, "status-compliance/")).status_code == 401


# --- Editing a document's details -------------------------------------------------------------------------------


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def documents(world: OrgWorld) -> list[dict[str, Any]]:
    with world.ctx():
        return list(ProjectDocument.objects.order_by("pk").values())


def document_url(world: OrgWorld, document: ProjectDocument) -> str:
    return api(world, f"projects/{document.project_id}/documents/{document.pk}/")


def test_who_edits_a_document(org_a: OrgWorld, org_b: OrgWorld, media: Path, api_client: ApiClientFactory) -> None:
    document = add_file(org_a)
    for role in ROLES:
        before = documents(org_a)
        outsider = api_client(org_b.users[role]).patch(document_url(org_a, document), {"title": "x"}, format="json")
        assert outsider.status_code == 404 and documents(org_a) == before, role

        response = api_client(org_a.users[role]).patch(
            document_url(org_a, document), {"title": f"Plan by {role}", "version_label": role}, format="json"
        )

        if role in WRITERS:
            assert response.status_code == 200, (role, response.content)
            assert response.json()["title"] == f"Plan by {role}" and response.json()["file_name"] == "plan.pdf"
            assert documents(org_a)[0]["title"] == f"Plan by {role}"
        else:
            assert response.status_code == (403 if role in READERS else 404), role
            assert documents(org_a) == before, role


def test_bad_document_details_are_400_and_change_nothing(
    scene: Scene, media: Path, api_client: ApiClientFactory
) -> None:
    world = scene.world
    link = add_link(world)
    with world.ctx():
        foreign_phase = scene.project.phases.order_by("order").first()
    assert foreign_phase is not None
    before = documents(world)
    client = api_client(world.users["manager"])

    responses = [
        client.patch(document_url(world, link), {"title": " "}, format="json"),
        client.patch(document_url(world, link), {"kind": "poem"}, format="json"),
        client.patch(document_url(world, link), {"phase": foreign_phase.pk}, format="json"),
        client.patch(document_url(world, link), {"version_label": "v" * 41}, format="json"),
    ]

    assert [r.status_code for r in responses] == [400] * 4
    assert [set(r.json()) for r in responses] == [{"title"}, {"kind"}, {"phase"}, {"version_label"}]
    assert documents(world) == before


def test_two_edits_of_different_details_both_stay(org_a: OrgWorld, media: Path, api_client: ApiClientFactory) -> None:
    link = add_link(org_a)
    manager, pmo = api_client(org_a.users["manager"]), api_client(org_a.users["pmo"])

    first = manager.patch(document_url(org_a, link), {"title": "Requirements v2"}, format="json")
    second = pmo.patch(document_url(org_a, link), {"description": "Signed off."}, format="json")

    assert first.status_code == second.status_code == 200
    row = documents(org_a)[0]
    assert (row["title"], row["description"], row["url"]) == (
        "Requirements v2",
        "Signed off.",
        "https://wiki.example.com/req",
    )


def test_a_document_of_an_archived_project_is_409(org_a: OrgWorld, media: Path, api_client: ApiClientFactory) -> None:
    link = add_link(org_a)
    archive(org_a, org_a.projects[0])
    before = documents(org_a)

    response = api_client(org_a.users["pmo"]).patch(document_url(org_a, link), {"title": "Late"}, format="json")

    assert response.status_code == 409
    assert documents(org_a) == before


# --- One item of a template ---------------------------------------------------------------------------------------


def test_reading_one_item_of_a_template(scene: Scene, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    world = scene.world
    with world.ctx():
        ipd = ProcessTemplate.objects.get(is_builtin=True, kind="ipd")
        standard = ProcessTemplate.objects.get(is_builtin=True, kind="standard")
        phase = TemplatePhase.objects.filter(template=ipd).order_by("order")[0]
        deliverable = TemplateDeliverable.objects.filter(phase=phase).order_by("order")[0]
        gate = TemplateGate.objects.filter(phase__template=ipd).order_by("phase__order", "order")[0]
    paths = {
        "phases": (phase.pk, "name", phase.name),
        "deliverables": (deliverable.pk, "name", deliverable.name),
        "gates": (gate.pk, "code", gate.code),
    }
    before = template_state(world)

    for kind, (pk, field, value) in paths.items():
        for role in ROLES:
            response = api_client(world.users[role]).get(api(world, f"templates/{ipd.pk}/{kind}/{pk}/"))
            if role in ("admin", "pmo"):
                assert response.status_code == 200 and response.json()[field] == value, (kind, role)
            else:
                assert response.status_code == 403, (kind, role)
            outsider = api_client(org_b.users[role]).get(api(world, f"templates/{ipd.pk}/{kind}/{pk}/"))
            assert outsider.status_code == 404, (kind, role)
        elsewhere = api_client(world.users["pmo"]).get(api(world, f"templates/{standard.pk}/{kind}/{pk}/"))
        assert elsewhere.status_code == 404, kind

    assert template_state(world) == before


# --- Closure verbs --------------------------------------------------------------------------------------------------


def test_closure_verbs_are_operations_of_their_own(scene: Scene, api_client: ApiClientFactory) -> None:
    world = scene.world
    base = api(world, f"projects/{scene.project.pk}/closure/")
    before = project_state(world, scene.project)
    client = api_client(world.users["pmo"])

    unknown = client.post(f"{base}archive/", {}, format="json")
    nothing_drafted = client.post(f"{base}submit/", {}, format="json")

    assert unknown.status_code == 404
    assert nothing_drafted.status_code == 404
    assert project_state(world, scene.project) == before
    with world.ctx():
        services.closure_save_draft(
            organization=world.organization,
            actor=world.users["manager"],
            project=scene.project,
            outcome="met",
            outcome_summary="Done.",
            final_cost=Decimal(1000),
            actual_finish=timezone.localdate(),
            customer_satisfaction=4,
            lessons=[{"title": "Plan early", "text": "It helps."}],
        )
    submitted = api_client(world.users["manager"]).post(f"{base}submit/", {}, format="json")
    returned = client.post(f"{base}return/", {"note": "Add the cost breakdown."}, format="json")

    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert returned.json()["decision_note"] == "Add the cost breakdown."
