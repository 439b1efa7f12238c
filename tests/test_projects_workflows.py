"""The lifecycle workflows through the API: deliverables, gate decisions, phase advance under each PMO type,
tailoring, milestones, baselines, dependencies, closure, project edits and sharing, templates. Every refused
transition answers 400 (409 for a conflict) and changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.utils import timezone
from rest_framework.test import APIClient

from pmo.tenancy.models import Organization
from projects import services
from projects.knowledge.models import Article
from projects.models import (
    Baseline,
    GateDecision,
    GateReview,
    Milestone,
    ProcessTemplate,
    Project,
    ProjectDeliverable,
    ProjectPhase,
    TemplatePhase,
)
from tests.conftest import OrgWorld
from tests.factories_projects import (
    MilestoneFactory,
    Scene,
    build_scene,
    close_project,
    current_phase,
    draft_closure,
    lifecycle_project,
    pass_current_phase,
    project_state,
    set_pmo_type,
    template_state,
)

ApiClientFactory = Callable[[Any], APIClient]


@pytest.fixture
def scene(org_a: OrgWorld) -> Scene:
    return build_scene(org_a)


@pytest.fixture
def api(scene: Scene, api_client: ApiClientFactory) -> Callable[[str], APIClient]:
    return lambda role: api_client(scene.world.users[role])


def url(scene: Scene, rest: str) -> str:
    return f"/api/v1/orgs/{scene.world.slug}/projects/{scene.project.pk}/{rest}"


def unchanged(scene: Scene) -> dict[str, Any]:
    return project_state(scene.world, scene.project, scene.other)


# --- Deliverables ------------------------------------------------------------------------------------------------


def test_deliverable_done_waived_reopened(scene: Scene, api: Any) -> None:
    client = api("manager")
    path = url(scene, f"deliverables/{scene.deliverable.pk}/")

    done = client.patch(path, {"status": "done"}, format="json")
    reopened = client.patch(path, {"status": "pending"}, format="json")
    waived = client.patch(path, {"status": "waived", "note": "Covered by the vendor's document."}, format="json")

    assert (done.status_code, reopened.status_code, waived.status_code) == (200, 200, 200)
    assert waived.json()["status"] == "waived"
    assert waived.json()["note"] == "Covered by the vendor's document."
    assert waived.json()["updated_by"]["id"] == scene.world.users["manager"].pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "waived"}, "note"),
        ({"status": "pending"}, "status"),
        ({"status": "tailored_out"}, "status"),
        ({"status": "finished"}, "status"),
    ],
    ids=["waiver-without-reason", "same-status", "tailoring-is-not-a-status", "unknown"],
)
def test_invalid_deliverable_transitions_change_nothing(
    scene: Scene, api: Any, body: dict[str, Any], field: str
) -> None:
    before = unchanged(scene)

    response = api("manager").patch(url(scene, f"deliverables/{scene.deliverable.pk}/"), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert unchanged(scene) == before


def test_a_tailored_out_deliverable_stays_out(scene: Scene, api: Any) -> None:
    set_pmo_type(scene.world, "supportive")
    api("manager").post(
        url(scene, "tailoring/"),
        {"justification": "Not needed.", "deliverables": [scene.optional_deliverable.pk]},
        format="json",
    )
    before = unchanged(scene)

    response = api("manager").patch(
        url(scene, f"deliverables/{scene.optional_deliverable.pk}/"), {"status": "done"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "This deliverable was tailored out of the project."}
    assert unchanged(scene) == before


# --- Gates -------------------------------------------------------------------------------------------------------


def test_a_go_records_who_when_and_the_checklist(scene: Scene, api: Any) -> None:
    api("manager").patch(url(scene, f"deliverables/{scene.deliverable.pk}/"), {"status": "done"}, format="json")

    response = api("pmo").post(
        url(scene, f"gates/{scene.tr_gate.pk}/decide/"),
        {"decision": "go", "conditions": "Close two review actions.", "note": "Solid concept."},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["decision"] == "go"
    assert body["decided_by"] == {"id": scene.world.users["pmo"].pk, "name": "Pmo of alpha"}
    assert body["conditions"] == "Close two review actions."
    assert [(i["name"], i["status"], i["required"]) for i in body["checklist"]] == [
        ("Market requirements", "done", True),
        ("Product concept", "pending", True),
        ("Initial business plan", "pending", True),
    ]
    assert [d["decision"] for d in body["decisions"]] == ["go"]
    assert dt.datetime.fromisoformat(body["decided_at"]) <= timezone.now()


@pytest.mark.parametrize(
    ("gate", "body", "expected"),
    [
        ("tr", {"decision": "no_go"}, "note"),
        ("tr", {"decision": "hold", "note": ""}, "note"),
        ("tr", {"decision": "pending"}, "decision"),
        ("tr", {"decision": "maybe"}, "decision"),
        ("later", {"decision": "go"}, "detail"),
    ],
    ids=["no-go-without-note", "hold-without-note", "pending-is-not-a-decision", "unknown", "phase-not-started"],
)
def test_invalid_gate_decisions_change_nothing(
    scene: Scene, api: Any, gate: str, body: dict[str, Any], expected: str
) -> None:
    with scene.world.ctx():
        target = scene.tr_gate if gate == "tr" else GateReview.objects.get(project=scene.project, code="TR2")
    before = unchanged(scene)

    response = api("pmo").post(url(scene, f"gates/{target.pk}/decide/"), body, format="json")

    assert response.status_code == 400
    assert expected in response.json()
    assert unchanged(scene) == before


def test_hold_puts_the_project_on_hold_and_it_cannot_advance(scene: Scene, api: Any) -> None:
    response = api("executive").post(
        url(scene, f"gates/{scene.dcp_gate.pk}/decide/"), {"decision": "hold", "note": "Budget review."}, format="json"
    )
    set_pmo_type(scene.world, "supportive")
    advance = api("manager").post(url(scene, "phases/advance/"))

    assert response.status_code == 200
    with scene.world.ctx():
        assert Project.objects.get(pk=scene.project.pk).status == "on_hold"
    assert advance.status_code == 400
    assert "on hold" in advance.json()["detail"]


def test_no_go_blocks_the_phase(scene: Scene, api: Any) -> None:
    pass_deliverables(scene)
    api("pmo").post(url(scene, f"gates/{scene.tr_gate.pk}/decide/"), {"decision": "go"}, format="json")
    api("executive").post(
        url(scene, f"gates/{scene.dcp_gate.pk}/decide/"), {"decision": "no_go", "note": "No market."}, format="json"
    )

    response = api("manager").post(url(scene, "phases/advance/"))

    assert response.status_code == 400
    assert response.json()["missing"] == [
        {
            "kind": "gate",
            "id": scene.dcp_gate.pk,
            "code": "CDCP",
            "name": "Concept decision checkpoint",
            "state": "no_go",
        }
    ]


def pass_deliverables(scene: Scene) -> None:
    with scene.world.ctx():
        for deliverable in ProjectDeliverable.objects.filter(
            project=scene.project, phase=current_phase(scene.world, scene.project)
        ):
            if deliverable.status == "pending":
                services.deliverable_set_status(
                    organization=scene.world.organization,
                    actor=scene.world.users["pmo"],
                    deliverable=deliverable,
                    status="done",
                )


def test_recycle_sends_the_project_back_and_the_gate_to_pending(scene: Scene, api: Any) -> None:
    pass_current_phase(scene.world, scene.project)  # Concept → Plan
    with scene.world.ctx():
        concept = ProjectPhase.objects.get(project=scene.project, order=1)
        plan = ProjectPhase.objects.get(project=scene.project, order=2)
        tr2 = GateReview.objects.get(project=scene.project, code="TR2")
    api("pmo").post(url(scene, f"gates/{tr2.pk}/decide/"), {"decision": "go"}, format="json")

    response = api("pmo").post(
        url(scene, f"gates/{scene.tr_gate.pk}/decide/"),
        {"decision": "recycle", "note": "The concept misses the thermal limits."},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["decision"] == "pending"
    assert [(d["decision"], d["note"]) for d in body["decisions"]] == [
        ("go", ""),
        ("recycle", "The concept misses the thermal limits."),
    ]
    with scene.world.ctx():
        project = Project.objects.get(pk=scene.project.pk)
        assert project.current_phase_id == concept.pk
        concept.refresh_from_db()
        plan.refresh_from_db()
        tr2.refresh_from_db()
        assert (concept.status, concept.completed_at) == ("active", None)
        assert (plan.status, plan.started_at) == ("not_started", None)
        assert (tr2.decision, tr2.decided_by) == ("pending", None)
        assert GateDecision.objects.filter(gate=tr2).count() == 1  # its earlier go stays in the log
        assert GateReview.objects.get(pk=scene.dcp_gate.pk).decision == "go"  # the other gate keeps its go


# --- Who may decide ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gate", "role", "status"),
    [
        ("tr", "pmo", 200),
        ("tr", "admin", 200),
        ("tr", "executive", 403),
        ("tr", "manager", 403),
        ("dcp", "executive", 200),
        ("dcp", "admin", 200),
        ("dcp", "pmo", 403),
        ("dcp", "manager", 403),
    ],
)
def test_deciders(scene: Scene, api: Any, gate: str, role: str, status: int) -> None:
    target = scene.tr_gate if gate == "tr" else scene.dcp_gate
    before = unchanged(scene)

    response = api(role).post(url(scene, f"gates/{target.pk}/decide/"), {"decision": "go"}, format="json")

    assert response.status_code == status
    if status == 403:
        assert unchanged(scene) == before


# --- Phase advance and the PMO type ------------------------------------------------------------------------------


@pytest.mark.parametrize("pmo_type", ["controlling", "directive"])
def test_an_enforcing_pmo_refuses_a_phase_without_its_gate_decisions(scene: Scene, api: Any, pmo_type: str) -> None:
    set_pmo_type(scene.world, pmo_type)
    pass_deliverables(scene)
    api("pmo").post(url(scene, f"gates/{scene.tr_gate.pk}/decide/"), {"decision": "go"}, format="json")
    before = unchanged(scene)

    response = api("manager").post(url(scene, "phases/advance/"))

    assert response.status_code == 400
    assert response.json()["missing"] == [
        {
            "kind": "gate",
            "id": scene.dcp_gate.pk,
            "code": "CDCP",
            "name": "Concept decision checkpoint",
            "state": "pending",
        }
    ]
    assert "every gate needs a recorded go" in response.json()["detail"]
    assert unchanged(scene) == before


def test_an_enforcing_pmo_refuses_a_phase_with_an_open_required_deliverable(scene: Scene, api: Any) -> None:
    set_pmo_type(scene.world, "directive")
    api("pmo").post(url(scene, f"gates/{scene.tr_gate.pk}/decide/"), {"decision": "go"}, format="json")
    api("executive").post(url(scene, f"gates/{scene.dcp_gate.pk}/decide/"), {"decision": "go"}, format="json")
    api("manager").patch(
        url(scene, f"deliverables/{scene.deliverable.pk}/"), {"status": "waived", "note": "Reused."}, format="json"
    )
    before = unchanged(scene)

    refused = api("manager").post(url(scene, "phases/advance/"))

    assert refused.status_code == 400
    assert [i["name"] for i in refused.json()["missing"]] == ["Product concept", "Initial business plan"]
    assert unchanged(scene) == before
    pass_deliverables(scene)
    passed = api("manager").post(url(scene, "phases/advance/"))
    assert passed.status_code == 200
    assert passed.json()["warnings"] == []
    assert passed.json()["warning"] is None
    assert (passed.json()["completed"]["key"], passed.json()["started"]["key"]) == ("concept", "plan")


def test_a_supportive_pmo_lets_the_phase_pass_with_a_recorded_warning(scene: Scene, api: Any) -> None:
    set_pmo_type(scene.world, "supportive")

    response = api("manager").post(url(scene, "phases/advance/"))

    assert response.status_code == 200
    body = response.json()
    assert [(w["kind"], w.get("code", w["name"])) for w in body["warnings"]] == [
        ("gate", "TR1"),
        ("gate", "CDCP"),
        ("deliverable", "Market requirements"),
        ("deliverable", "Product concept"),
        ("deliverable", "Initial business plan"),
    ]
    assert body["warning"].startswith("Passed with open items: gate TR1 Requirements and concept review is pending;")
    with scene.world.ctx():
        concept = ProjectPhase.objects.get(project=scene.project, order=1)
        current = Project.objects.select_related("current_phase").get(pk=scene.project.pk).current_phase
    assert concept.exit_warnings == body["warnings"]
    assert concept.completed_by == scene.world.users["manager"]
    assert current is not None and current.key == "plan"
    phases = api("member").get(url(scene, "phases/")).json()["results"]
    assert phases[0]["exit_warnings"] == body["warnings"]
    assert [p["current"] for p in phases][:2] == [False, True]


def test_the_last_phase_ends_with_the_closure_report(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    project = lifecycle_project(org_a, kind="standard", code="STD-1")
    for _ in range(3):
        pass_current_phase(org_a, project)
    before = project_state(org_a, project)

    response = api_client(org_a.users["manager"]).post(f"/api/v1/orgs/alpha/projects/{project.pk}/phases/advance/")

    assert response.status_code == 400
    assert response.json() == {"detail": "This is the last phase: the project ends with its closure report."}
    assert project_state(org_a, project) == before


# --- Tailoring -----------------------------------------------------------------------------------------------------


def optional_phase(scene: Scene) -> ProjectPhase:
    with scene.world.ctx():
        return ProjectPhase.objects.get(project=scene.project, key="lifecycle")


def test_controlling_pmo_approves_tailoring(scene: Scene, api: Any) -> None:
    phase = optional_phase(scene)
    proposed = api("manager").post(
        url(scene, "tailoring/"),
        {"justification": "Sold as a one-off.", "phases": [phase.pk], "deliverables": [scene.optional_deliverable.pk]},
        format="json",
    )
    with scene.world.ctx():
        assert ProjectPhase.objects.get(pk=phase.pk).status == "not_started"  # nothing applied yet

    approved = api("pmo").post(url(scene, f"tailoring/{proposed.json()['id']}/approve/"), {}, format="json")
    again = api("pmo").post(url(scene, f"tailoring/{proposed.json()['id']}/reject/"), {"note": "x"}, format="json")

    assert (proposed.status_code, proposed.json()["status"]) == (201, "pending")
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")
    assert approved.json()["decided_by"]["id"] == scene.world.users["pmo"].pk
    assert again.status_code == 400
    with scene.world.ctx():
        assert ProjectPhase.objects.get(pk=phase.pk).status == "skipped"
        assert set(ProjectDeliverable.objects.filter(phase=phase).values_list("status", flat=True)) == {"tailored_out"}
        assert ProjectDeliverable.objects.get(pk=scene.optional_deliverable.pk).status == "tailored_out"


def test_rejected_tailoring_needs_a_note_and_applies_nothing(scene: Scene, api: Any) -> None:
    proposed = api("manager").post(
        url(scene, "tailoring/"), {"justification": "x", "deliverables": [scene.optional_deliverable.pk]}, format="json"
    )
    path = url(scene, f"tailoring/{proposed.json()['id']}/reject/")

    without_note = api("pmo").post(path, {}, format="json")
    rejected = api("pmo").post(path, {"note": "Customers expect the training."}, format="json")

    assert without_note.status_code == 400
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
    with scene.world.ctx():
        assert ProjectDeliverable.objects.get(pk=scene.optional_deliverable.pk).status == "pending"


def test_supportive_pmo_records_and_applies_tailoring_at_once(scene: Scene, api: Any) -> None:
    set_pmo_type(scene.world, "supportive")

    response = api("manager").post(
        url(scene, "tailoring/"), {"justification": "x", "phases": [optional_phase(scene).pk]}, format="json"
    )

    assert (response.status_code, response.json()["status"]) == (201, "recorded")
    with scene.world.ctx():
        assert ProjectPhase.objects.get(pk=optional_phase(scene).pk).status == "skipped"


@pytest.mark.parametrize("pmo_type", ["supportive", "directive"])
@pytest.mark.parametrize(
    "item", ["required-deliverable", "required-phase", "started-phase", "other-project", "nothing", "no-justification"]
)
def test_required_or_invalid_items_are_never_tailored_out(scene: Scene, api: Any, pmo_type: str, item: str) -> None:
    set_pmo_type(scene.world, pmo_type)
    with scene.world.ctx():
        other_deliverable = ProjectDeliverable.objects.filter(project__code="ALPHA-0").first()
        plan = ProjectPhase.objects.get(project=scene.project, key="plan")
        concept = ProjectPhase.objects.get(project=scene.project, key="concept")
    body = {
        "required-deliverable": {"justification": "x", "deliverables": [scene.deliverable.pk]},
        "required-phase": {"justification": "x", "phases": [plan.pk]},
        "started-phase": {"justification": "x", "phases": [concept.pk]},
        "other-project": {
            "justification": "x",
            "deliverables": [other_deliverable.pk if other_deliverable else 999999],
        },
        "nothing": {"justification": "x"},
        "no-justification": {"justification": " ", "deliverables": [scene.optional_deliverable.pk]},
    }[item]
    before = unchanged(scene)

    response = api("manager").post(url(scene, "tailoring/"), body, format="json")

    assert response.status_code == 400, response.content
    assert unchanged(scene) == before


def test_advance_skips_a_tailored_out_phase(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    set_pmo_type(org_a, "supportive")
    project = lifecycle_project(org_a, kind="standard", code="STD-2")
    with org_a.ctx():
        planning = ProjectPhase.objects.get(project=project, key="planning")
        ProjectPhase.objects.filter(pk=planning.pk).update(optional=True)
        services.tailoring_propose(
            organization=org_a.organization,
            actor=org_a.users["manager"],
            project=project,
            justification="x",
            phase_ids=[planning.pk],
        )

    result = pass_current_phase(org_a, project)

    assert (result.completed.key, result.started.key) == ("initiation", "execution")


# --- Milestones ----------------------------------------------------------------------------------------------------


def test_milestones_are_created_and_edited_but_the_baseline_date_only_by_baselines(scene: Scene, api: Any) -> None:
    client = api("manager")
    baseline_date = scene.milestone.baseline_date
    assert baseline_date is not None

    created = client.post(url(scene, "milestones/"), {"name": "Pilot", "forecast_date": "2031-05-01"}, format="json")
    edited = client.patch(
        url(scene, f"milestones/{scene.milestone.pk}/"),
        {"forecast_date": (baseline_date + dt.timedelta(days=10)).isoformat()},
        format="json",
    )
    baseline_attempt = client.patch(
        url(scene, f"milestones/{scene.milestone.pk}/"), {"baseline_date": "2040-01-01"}, format="json"
    )

    assert created.status_code == 201
    assert created.json()["baseline_date"] is None
    assert created.json()["order"] == 7
    assert (edited.status_code, edited.json()["slip_days"]) == (200, 10)
    assert baseline_attempt.status_code == 400
    with scene.world.ctx():
        assert Milestone.objects.get(pk=scene.milestone.pk).baseline_date == scene.milestone.baseline_date


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"actual_date": "2999-01-01"}, "actual_date"),
        ({"name": "Plan complete"}, "name"),
        ({"name": ""}, "name"),
        ({"weight": 0}, "weight"),
        ({"phase": 999999}, "phase"),
    ],
    ids=["future-actual", "duplicate-name", "empty-name", "zero-weight", "unknown-phase"],
)
def test_invalid_milestone_edits_change_nothing(scene: Scene, api: Any, body: dict[str, Any], field: str) -> None:
    before = unchanged(scene)

    response = api("manager").patch(url(scene, f"milestones/{scene.milestone.pk}/"), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert unchanged(scene) == before


def test_a_phase_of_another_project_is_refused(scene: Scene, api: Any) -> None:
    other = lifecycle_project(scene.world, code="LC-9")
    with scene.world.ctx():
        foreign_phase = ProjectPhase.objects.filter(project=other)[0]
    before = unchanged(scene)

    response = api("manager").patch(
        url(scene, f"milestones/{scene.milestone.pk}/"), {"phase": foreign_phase.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"phase": ["Choose a phase of this project."]}
    assert unchanged(scene) == before


# --- Baselines -----------------------------------------------------------------------------------------------------


def test_a_baseline_cannot_be_updated_even_with_raw_sql(scene: Scene) -> None:
    with scene.world.ctx():
        baseline = Baseline.objects.get(project=scene.project, version=1)
        with (
            pytest.raises(ProgrammingError, match="Cannot update rows from projects_baseline"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("UPDATE projects_baseline SET budget = 1 WHERE id = %s", [baseline.pk])
        with pytest.raises(ProgrammingError), transaction.atomic():
            Baseline.objects.filter(pk=baseline.pk).update(reason="Rewritten history")
    with scene.world.ctx():
        assert Baseline.objects.get(pk=baseline.pk).budget == Decimal("100000.00")


def test_baselines_compare_field_by_field(scene: Scene, api: Any) -> None:
    with scene.world.ctx():
        milestones = list(Milestone.objects.filter(project=scene.project).order_by("order"))
        first, second = milestones[0], milestones[1]
        second.baseline_date = second.baseline_date + dt.timedelta(days=20)
        v1 = Baseline.objects.get(project=scene.project, version=1)
        services.baseline_create(
            organization=scene.world.organization,
            actor=scene.world.users["pmo"],
            project=scene.project,
            reason="Supplier delay.",
            reason_category="schedule",
            budget=v1.budget + Decimal("2500.50"),
            finish_date=v1.finish_date + dt.timedelta(days=30),
            milestones=milestones[:2],
        )
        assert Milestone.objects.get(pk=second.pk).baseline_date == second.baseline_date

    response = api("viewer").get(url(scene, "baselines/compare/?a=1&b=2"))

    assert response.status_code == 200
    body = response.json()
    assert (body["a"], body["b"], body["budget_delta"]) == (1, 2, "2500.50")
    assert body["changed_fields"] == ["budget", "finish_date", "reason_category", "reason"]
    differences = {d["field"]: d for d in body["differences"]}
    assert differences["finish_date"]["shift_days"] == 30
    assert differences["start_date"] == {
        "field": "start_date",
        "a": v1.start_date.isoformat(),
        "b": v1.start_date.isoformat(),
        "changed": False,
        "shift_days": 0,
    }
    shifts = {m["name"]: (m["change"], m["shift_days"]) for m in body["milestones"]}
    assert shifts[first.name] == ("unchanged", 0)
    assert shifts[second.name] == ("moved", 20)
    assert {change for change, _days in shifts.values()} == {"unchanged", "moved", "removed"}
    backwards = api("viewer").get(url(scene, "baselines/compare/?a=2&b=1")).json()
    assert backwards["budget_delta"] == "-2500.50"


@pytest.mark.parametrize(("query", "status"), [("a=1&b=7", 404), ("a=1", 400), ("a=x&b=1", 400)])
def test_comparing_unknown_versions(scene: Scene, api: Any, query: str, status: int) -> None:
    assert api("pmo").get(url(scene, f"baselines/compare/?{query}")).status_code == status


def test_baselines_cannot_be_written_through_the_api(scene: Scene, api: Any) -> None:
    before = unchanged(scene)
    client = api("admin")

    responses = [
        client.post(url(scene, "baselines/"), {"version": 2}, format="json"),
        client.patch(url(scene, "baselines/1/"), {"budget": "1"}, format="json"),
        client.delete(url(scene, "baselines/1/")),
    ]

    assert [r.status_code for r in responses] == [405, 405, 405]
    assert unchanged(scene) == before


# --- Dependencies --------------------------------------------------------------------------------------------------


def dependencies_url(scene: Scene, query: str = "") -> str:
    return f"/api/v1/orgs/{scene.world.slug}/dependencies/{query}"


def test_a_conflict_is_an_upstream_date_later_than_the_downstream_forecast(scene: Scene, api: Any) -> None:
    world = scene.world
    with world.ctx():
        today = timezone.localdate()
        late = MilestoneFactory(
            organization=world.organization,
            project=scene.other,
            name="Late",
            forecast_date=today + dt.timedelta(days=30),
        )
        reached = MilestoneFactory(
            organization=world.organization,
            project=scene.other,
            name="Reached",
            forecast_date=today - dt.timedelta(days=40),
            actual_date=today + dt.timedelta(days=-1),
        )
        early = MilestoneFactory(
            organization=world.organization, project=scene.other, name="Early", forecast_date=today
        )
        undated = MilestoneFactory(organization=world.organization, project=scene.other, name="Undated")
        Milestone.objects.filter(pk=scene.milestone.pk).update(forecast_date=today + dt.timedelta(days=5))
    client = api("manager")
    created = [
        client.post(dependencies_url(scene), {"upstream": m.pk, "downstream": scene.milestone.pk}, format="json")
        for m in (late, reached, early, undated)
    ]

    listed = client.get(dependencies_url(scene)).json()["results"]
    conflicts = client.get(dependencies_url(scene, "?conflict=true")).json()["results"]
    others = client.get(dependencies_url(scene, "?conflict=false")).json()["results"]
    for_project = client.get(dependencies_url(scene, f"?project={scene.project.pk}")).json()["count"]

    assert [r.status_code for r in created] == [201] * 4
    assert created[0].json()["conflict"] is True
    assert created[0].json()["slip_days"] == 25
    assert [(d["upstream"]["name"], d["conflict"]) for d in listed] == [
        ("Late", True),
        ("Reached", False),
        ("Early", False),
        ("Undated", False),
    ]
    assert [d["upstream"]["name"] for d in conflicts] == ["Late"]
    assert [d["upstream"]["name"] for d in others] == ["Reached", "Early", "Undated"]
    assert for_project == 4


def test_a_reached_upstream_after_the_need_date_is_a_conflict(scene: Scene, api: Any) -> None:
    with scene.world.ctx():
        today = timezone.localdate()
        Milestone.objects.filter(pk=scene.milestone.pk).update(forecast_date=today - dt.timedelta(days=10))
        reached = MilestoneFactory(
            organization=scene.world.organization,
            project=scene.other,
            name="Reached late",
            forecast_date=today - dt.timedelta(days=20),
            actual_date=today - dt.timedelta(days=2),
        )

    response = api("pmo").post(
        dependencies_url(scene), {"upstream": reached.pk, "downstream": scene.milestone.pk}, format="json"
    )

    assert (response.json()["conflict"], response.json()["slip_days"]) == (True, 8)


@pytest.mark.parametrize("case", ["same-project", "duplicate", "cycle", "hidden-milestone", "unknown"])
def test_invalid_dependencies_change_nothing(scene: Scene, api: Any, case: str) -> None:
    world = scene.world
    client = api("manager")
    client.post(
        dependencies_url(scene), {"upstream": scene.other_milestone.pk, "downstream": scene.milestone.pk}, format="json"
    )
    with world.ctx():
        same = Milestone.objects.filter(project=scene.project).exclude(pk=scene.milestone.pk)[0]
        hidden = MilestoneFactory(organization=world.organization, project=scene.hidden, name="Hidden")
    body, status = {
        "same-project": ({"upstream": same.pk, "downstream": scene.milestone.pk}, 400),
        "duplicate": ({"upstream": scene.other_milestone.pk, "downstream": scene.milestone.pk}, 409),
        "cycle": ({"upstream": scene.milestone.pk, "downstream": scene.other_milestone.pk}, 400),
        "hidden-milestone": ({"upstream": hidden.pk, "downstream": scene.milestone.pk}, 400),
        "unknown": ({"upstream": 999999, "downstream": scene.milestone.pk}, 400),
    }[case]
    before = unchanged(scene)

    response = client.post(dependencies_url(scene), body, format="json")

    assert response.status_code == status, response.content
    assert unchanged(scene) == before
    if case in ("hidden-milestone", "unknown"):
        assert response.json() == {"upstream": ["Choose a milestone of an open project you can see."]}


def test_a_longer_cycle_is_refused(scene: Scene, api: Any) -> None:
    third = lifecycle_project(scene.world, code="LC-3")
    with scene.world.ctx():
        third_milestone = Milestone.objects.filter(project=third)[0]
    client = api("pmo")
    assert (
        client.post(
            dependencies_url(scene),
            {"upstream": scene.milestone.pk, "downstream": scene.other_milestone.pk},
            format="json",
        ).status_code
        == 201
    )
    assert (
        client.post(
            dependencies_url(scene),
            {"upstream": scene.other_milestone.pk, "downstream": third_milestone.pk},
            format="json",
        ).status_code
        == 201
    )

    closing = client.post(
        dependencies_url(scene), {"upstream": third_milestone.pk, "downstream": scene.milestone.pk}, format="json"
    )

    assert closing.status_code == 400
    assert closing.json() == {"detail": "This dependency would close a cycle."}


def test_a_manager_sees_only_dependencies_between_projects_they_can_see(scene: Scene, api: Any) -> None:
    with scene.world.ctx():
        hidden = MilestoneFactory(organization=scene.world.organization, project=scene.hidden, name="Hidden")
        services.dependency_create(
            organization=scene.world.organization,
            actor=scene.world.users["pmo"],
            upstream=hidden,
            downstream=scene.milestone,
        )
        services.dependency_create(
            organization=scene.world.organization,
            actor=scene.world.users["pmo"],
            upstream=scene.other_milestone,
            downstream=scene.milestone,
        )

    manager = api("manager").get(dependencies_url(scene)).json()["results"]
    pmo = api("pmo").get(dependencies_url(scene)).json()["results"]

    assert [d["upstream"]["name"] for d in manager] == ["Other go-live"]
    assert len(pmo) == 2


# --- Closure -------------------------------------------------------------------------------------------------------


def closure_body(**overrides: Any) -> dict[str, Any]:
    return {
        "outcome": "partly",
        "outcome_summary": "Most objectives met.",
        "final_cost": "112000.00",
        "actual_start": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
        "actual_finish": timezone.localdate().isoformat(),
        "customer_satisfaction": 4,
        "performance_evaluation": "On time, slightly over budget.",
        "lessons": [
            {"title": "Freeze the scope at the plan gate", "text": "Late changes cost us two sprints."},
            {"title": "Involve operations early", "text": "Handover went smoothly because ops joined in Develop."},
        ],
        **overrides,
    }


def test_the_closure_workflow_closes_the_project_and_publishes_the_lessons(scene: Scene, api: Any) -> None:
    manager, pmo = api("manager"), api("pmo")
    closure = url(scene, "closure/")

    missing = manager.get(closure)
    drafted = manager.put(closure, closure_body(lessons=[]), format="json")
    without_lessons = manager.post(f"{closure}submit/")
    redrafted = manager.put(closure, closure_body(), format="json")
    submitted = manager.post(f"{closure}submit/")
    edit_while_submitted = manager.put(closure, closure_body(outcome="met"), format="json")
    returned_without_note = pmo.post(f"{closure}return/", {}, format="json")
    returned = pmo.post(f"{closure}return/", {"note": "Add the supplier costs."}, format="json")
    approve_returned = pmo.post(f"{closure}approve/", {}, format="json")
    fixed = manager.put(closure, closure_body(final_cost="95000.00"), format="json")
    resubmitted = manager.post(f"{closure}submit/")
    approved = pmo.post(f"{closure}approve/", {"note": "Thanks."}, format="json")

    assert missing.status_code == 404
    assert (drafted.status_code, drafted.json()["status"]) == (201, "draft")
    assert without_lessons.status_code == 400
    assert without_lessons.json() == {"lessons": ["Add at least one lesson learned before submitting."]}
    assert (redrafted.status_code, submitted.json()["status"]) == (200, "submitted")
    assert edit_while_submitted.status_code == 400
    assert returned_without_note.status_code == 400
    assert (returned.json()["status"], returned.json()["decision_note"]) == ("returned", "Add the supplier costs.")
    assert approve_returned.status_code == 400
    assert (fixed.json()["status"], resubmitted.json()["status"]) == ("draft", "submitted")
    body = approved.json()
    assert (approved.status_code, body["status"]) == (200, "approved")
    assert body["decided_by"]["id"] == scene.world.users["pmo"].pk
    assert body["baseline_budget"] == "100000.00"
    assert body["cost_variance"] == "-5000.00"
    with scene.world.ctx():
        baseline = Baseline.objects.get(project=scene.project, version=1)
        project = Project.objects.get(pk=scene.project.pk)
        lessons = list(Article.objects.filter(project=project).order_by("title"))
        phase = ProjectPhase.objects.get(pk=project.current_phase_id)
    assert body["schedule_variance_days"] == (timezone.localdate() - baseline.finish_date).days
    assert (project.status, project.closed_at is not None, project.version) == ("closed", True, 2)
    assert phase.status == "completed"
    assert [(a.kind, a.title, a.body, a.author) for a in lessons] == [
        (
            "lesson",
            "Freeze the scope at the plan gate",
            "Late changes cost us two sprints.",
            scene.world.users["manager"],
        ),
        (
            "lesson",
            "Involve operations early",
            "Handover went smoothly because ops joined in Develop.",
            scene.world.users["manager"],
        ),
    ]
    assert all(a.tags == ["LC-1"] and a.published for a in lessons)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"customer_satisfaction": 6}, "customer_satisfaction"),
        ({"final_cost": "-1"}, "final_cost"),
        ({"outcome": "great"}, "outcome"),
        ({"actual_finish": "2999-01-01"}, "actual_finish"),
        ({"actual_start": "2025-02-01", "actual_finish": "2025-01-01"}, "actual_finish"),
        ({"lessons": [{"title": "No text", "text": ""}]}, "lessons"),
        ({"outcome_summary": ""}, "outcome_summary"),
    ],
)
def test_invalid_closure_drafts_change_nothing(scene: Scene, api: Any, overrides: dict[str, Any], field: str) -> None:
    before = unchanged(scene)

    response = api("manager").put(url(scene, "closure/"), closure_body(**overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert unchanged(scene) == before


def test_closure_actions_without_a_report(scene: Scene, api: Any) -> None:
    assert api("manager").post(url(scene, "closure/submit/")).status_code == 404
    assert api("pmo").post(url(scene, "closure/approve/")).status_code == 404
    assert api("pmo").post(url(scene, "closure/bless/")).status_code == 404


# --- Closed and cancelled projects are read-only ---------------------------------------------------------------


def closed_scene(scene: Scene, how: str) -> None:
    if how == "closed":
        close_project(scene.world, scene.project)
    else:
        with scene.world.ctx():
            services.project_update(
                organization=scene.world.organization,
                actor=scene.world.users["pmo"],
                project=scene.project,
                status="cancelled",
            )


@pytest.mark.parametrize("how", ["closed", "cancelled"])
def test_every_write_on_an_archived_project_is_409_and_changes_nothing(scene: Scene, api: Any, how: str) -> None:
    with scene.world.ctx():
        pending_dependency = services.dependency_create(
            organization=scene.world.organization,
            actor=scene.world.users["pmo"],
            upstream=scene.other_milestone,
            downstream=scene.milestone,
        )
    if how == "closed":
        draft_closure(scene.world, scene.project)  # a draft exists when the project is cancelled
    closed_scene(scene, how)
    before = unchanged(scene)
    with scene.world.ctx():
        lessons = Article.objects.count()
    client = api("admin")
    writes = [
        client.patch(url(scene, ""), {"name": "x"}, format="json"),
        client.post(url(scene, "share/"), {"user": scene.world.users["viewer"].pk}, format="json"),
        client.post(url(scene, "unshare/"), {"user": scene.world.users["viewer"].pk}, format="json"),
        client.post(url(scene, "milestones/"), {"name": "x"}, format="json"),
        client.patch(url(scene, f"milestones/{scene.milestone.pk}/"), {"name": "y"}, format="json"),
        client.patch(
            url(scene, f"deliverables/{scene.deliverable.pk}/"), {"status": "waived", "note": "x"}, format="json"
        ),
        client.post(url(scene, f"gates/{scene.tr_gate.pk}/decide/"), {"decision": "go"}, format="json"),
        client.post(url(scene, "phases/advance/")),
        client.post(
            url(scene, "tailoring/"),
            {"justification": "x", "deliverables": [scene.optional_deliverable.pk]},
            format="json",
        ),
        client.put(url(scene, "closure/"), closure_body(), format="json"),
        client.post(url(scene, "closure/submit/")),
        client.post(url(scene, "closure/approve/")),
        client.post(url(scene, "closure/return/"), {"note": "x"}, format="json"),
        client.post(
            dependencies_url(scene),
            {"upstream": scene.milestone.pk, "downstream": scene.other_milestone.pk},
            format="json",
        ),
        client.delete(dependencies_url(scene, f"{pending_dependency.pk}/")),
    ]

    statuses = [r.status_code for r in writes]
    assert statuses[:13] == [409] * 13, statuses
    assert statuses[13] == 400  # a milestone of an archived project is not offered for a new dependency
    assert statuses[14] == 409
    assert all("read-only" in r.json()["detail"] for r, s in zip(writes, statuses, strict=True) if s == 409)
    assert unchanged(scene) == before
    with scene.world.ctx():
        assert Article.objects.count() == lessons
    reads = [client.get(url(scene, rest)) for rest in ("", "milestones/", "phases/", "gates/", "baselines/")]
    assert [r.status_code for r in reads] == [200] * 5
    assert reads[0].json()["is_read_only"] is True


# --- Projects: create, edit, share ---------------------------------------------------------------------------------


def test_the_pmo_creates_a_project_with_a_template(scene: Scene, api: Any) -> None:
    with scene.world.ctx():
        template = ProcessTemplate.objects.get(is_builtin=True, kind="standard")
        portfolio = scene.other.portfolio
        assert portfolio is not None

    response = api("pmo").post(
        f"/api/v1/orgs/{scene.world.slug}/projects/",
        {
            "name": "Data lake",
            "template": template.pk,
            "manager": scene.world.users["manager"].pk,
            "portfolio": portfolio.pk,
            "planned_start": "2030-01-01",
            "planned_finish": "2030-12-31",
            "budget_at_completion": "50000",
            "tags": ["data"],
            "status": "planning",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["template"], body["current_phase"], body["version"]) == (
        "PRJ-001",
        "Standard lifecycle",
        "Initiation",
        1,
    )
    manager = api("manager").get(f"/api/v1/orgs/{scene.world.slug}/projects/{body['id']}/")
    assert manager.status_code == 200
    assert (
        api("manager")
        .patch(f"/api/v1/orgs/{scene.world.slug}/projects/{body['id']}/", {"name": "Lake"}, format="json")
        .status_code
        == 200
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x", "code": "ALPHA-0"}, "code"),
        ({"name": "x", "manager": 999999}, "manager"),
        ({"name": "x", "status": "closed"}, "status"),
        ({"name": "x", "planned_start": "2030-02-01", "planned_finish": "2030-01-01"}, "planned_finish"),
        ({"name": "x", "template": 999999}, "template"),
        ({"name": "x", "budget_at_completion": "-5"}, "budget_at_completion"),
    ],
)
def test_invalid_new_projects_are_refused(
    scene: Scene, api: Any, body: dict[str, Any], field: str, org_b: OrgWorld
) -> None:
    with scene.world.ctx():
        count = Project.objects.count()

    response = api("pmo").post(f"/api/v1/orgs/{scene.world.slug}/projects/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    with scene.world.ctx():
        assert Project.objects.count() == count


def test_a_template_of_another_organisation_cannot_be_used(scene: Scene, api: Any, org_b: OrgWorld) -> None:
    build_scene(org_b)
    with org_b.ctx():
        foreign = ProcessTemplate.objects.all()[0]

    response = api("pmo").post(
        f"/api/v1/orgs/{scene.world.slug}/projects/", {"name": "x", "template": foreign.pk}, format="json"
    )

    assert response.status_code == 400
    assert "template" in response.json()


def test_editing_with_a_stale_version_is_409(scene: Scene, api: Any) -> None:
    path = url(scene, "")
    first = api("manager").patch(path, {"name": "First", "version": 1}, format="json")
    before = unchanged(scene)

    second = api("pmo").patch(path, {"name": "Second", "version": 1}, format="json")

    assert (first.status_code, first.json()["version"]) == (200, 2)
    assert second.status_code == 409
    assert unchanged(scene) == before


@pytest.mark.parametrize(
    ("start", "target", "status"),
    [
        ("active", "on_hold", 200),
        ("active", "closed", 400),
        ("active", "proposed", 400),
        ("on_hold", "active", 200),
        ("proposed", "planning", 200),
    ],
)
def test_status_transitions(scene: Scene, api: Any, start: str, target: str, status: int) -> None:
    with scene.world.ctx():
        Project.objects.filter(pk=scene.project.pk).update(status=start)
    before = unchanged(scene)

    response = api("pmo").patch(url(scene, ""), {"status": target}, format="json")

    assert response.status_code == status
    if status == 400:
        assert "status" in response.json()
        assert unchanged(scene) == before


@pytest.mark.parametrize("body", [{"status": "cancelled"}, {"manager": "member"}])
def test_only_the_pmo_cancels_or_reassigns(scene: Scene, api: Any, body: dict[str, Any]) -> None:
    if "manager" in body:
        body = {"manager": scene.world.users["member"].pk}
    before = unchanged(scene)

    refused = api("manager").patch(url(scene, ""), body, format="json")

    assert refused.status_code == 403
    assert unchanged(scene) == before
    assert api("pmo").patch(url(scene, ""), body, format="json").status_code == 200


def test_reassigning_the_manager_moves_the_change_permission(scene: Scene, api: Any) -> None:
    response = api("pmo").patch(url(scene, ""), {"manager": scene.world.users["member"].pk}, format="json")

    assert response.status_code == 200
    assert api("member").patch(url(scene, ""), {"name": "By the member"}, format="json").status_code == 200
    assert api("manager").patch(url(scene, ""), {"name": "By the manager"}, format="json").status_code == 403
    assert api("manager").get(url(scene, "")).status_code == 200  # the former manager keeps reading it


def test_sharing_lets_a_member_read_the_project(scene: Scene, api: Any, org_b: OrgWorld) -> None:
    hidden_url = f"/api/v1/orgs/{scene.world.slug}/projects/{scene.hidden.pk}/"
    viewer = api("viewer")
    assert viewer.get(hidden_url).status_code == 404

    shared = api("pmo").post(f"{hidden_url}share/", {"user": scene.world.users["viewer"].pk}, format="json")
    foreign = api("pmo").post(f"{hidden_url}share/", {"user": org_b.users["viewer"].pk}, format="json")

    assert shared.status_code == 200
    assert shared.json() == {
        "user": {"id": scene.world.users["viewer"].pk, "name": scene.world.users["viewer"].get_full_name()},
        "can_change": False,
    }
    shares = api("pmo").get(f"{hidden_url}shares/").json()
    assert [s["user"]["id"] for s in shares["results"]] == [scene.world.users["viewer"].pk] and shares["count"] == 1
    assert viewer.get(hidden_url).status_code == 200
    assert viewer.patch(hidden_url, {"name": "x"}, format="json").status_code == 403
    assert foreign.status_code == 400
    unshared = api("pmo").post(f"{hidden_url}unshare/", {"user": scene.world.users["viewer"].pk}, format="json")
    assert unshared.status_code == 204 and unshared.content == b""
    assert viewer.get(hidden_url).status_code == 404
    assert api("pmo").get(f"{hidden_url}shares/").json()["count"] == 0


def test_the_manager_cannot_be_unshared(scene: Scene, api: Any) -> None:
    before = unchanged(scene)

    response = api("pmo").post(url(scene, "unshare/"), {"user": scene.world.users["manager"].pk}, format="json")

    assert response.status_code == 400
    assert unchanged(scene) == before


def test_the_project_list_filters_and_sorts(scene: Scene, api: Any) -> None:
    base = f"/api/v1/orgs/{scene.world.slug}/projects/"
    client = api("pmo")

    def codes(query: str) -> list[str]:
        response = client.get(f"{base}?{query}")
        assert response.status_code == 200, response.content
        return [p["code"] for p in response.json()["results"]]

    with scene.world.ctx():
        template_id = scene.project.template_id
        portfolio_id = scene.other.portfolio_id
    assert codes(f"template={template_id}") == ["LC-1"]
    assert codes("tag=core") == ["LC-1"]
    assert codes(f"portfolio={portfolio_id}") == ["ALPHA-0", "ALPHA-1", "ALPHA-2"]
    assert codes(f"manager={scene.world.users['manager'].pk}&ordering=-code") == ["LC-1", "ALPHA-0"]
    assert codes("search=lifecycle") == ["LC-1"]
    assert codes("status=on_hold") == []
    assert client.get(f"{base}?status=bogus").status_code == 400
    assert client.get(f"{base}?ordering=password").status_code == 400


# --- Templates -----------------------------------------------------------------------------------------------------


def templates_url(scene: Scene, rest: str = "") -> str:
    return f"/api/v1/orgs/{scene.world.slug}/templates/{rest}"


def test_a_copied_template_is_edited_and_projects_keep_their_phases(scene: Scene, api: Any) -> None:
    client = api("pmo")
    with scene.world.ctx():
        ipd = ProcessTemplate.objects.get(is_builtin=True, kind="ipd")
    project_before = unchanged(scene)

    copy = client.post(templates_url(scene, f"{ipd.pk}/copy/"), {"name": "Lean IPD"}, format="json").json()
    first_phase = copy["phases"][0]["id"]
    added = client.post(
        templates_url(scene, f"{copy['id']}/phases/"), {"name": "Incubate", "optional": True, "order": 1}, format="json"
    )
    moved = client.patch(templates_url(scene, f"{copy['id']}/phases/{first_phase}/"), {"order": 3}, format="json")
    deliverable = client.post(
        templates_url(scene, f"{copy['id']}/deliverables/"),
        {"phase": first_phase, "name": "Lean canvas", "required": False},
        format="json",
    )
    gate = client.post(
        templates_url(scene, f"{copy['id']}/gates/"),
        {"phase": first_phase, "code": "tr0", "name": "Idea review", "kind": "tr", "decider": "technical"},
        format="json",
    )
    renamed = client.patch(
        templates_url(scene, f"{copy['id']}/"), {"name": "Lean IPD v2", "active": False}, format="json"
    )

    assert (added.status_code, deliverable.status_code, gate.status_code) == (201, 201, 201)
    assert gate.json()["code"] == "TR0"
    detail = renamed.json()
    assert (detail["name"], detail["active"], detail["is_builtin"], detail["copied_from"]) == (
        "Lean IPD v2",
        False,
        False,
        ipd.pk,
    )
    assert [p["name"] for p in detail["phases"]][:4] == ["Incubate", "Plan", "Concept", "Develop"]
    assert [p["order"] for p in detail["phases"]] == list(range(1, 8))
    assert moved.json()["order"] == 3
    concept = next(p for p in detail["phases"] if p["name"] == "Concept")
    assert [d["name"] for d in concept["deliverables"]][-1] == "Lean canvas"
    assert [g["code"] for g in concept["gates"]] == ["TR1", "CDCP", "TR0"]
    assert unchanged(scene) == project_before
    with scene.world.ctx():
        assert TemplatePhase.objects.filter(template=ipd).count() == 6  # the original is untouched
    inactive = api("pmo").post(
        f"/api/v1/orgs/{scene.world.slug}/projects/", {"name": "x", "template": copy["id"]}, format="json"
    )
    assert inactive.status_code == 400


def test_builtin_templates_are_read_only(scene: Scene, api: Any) -> None:
    client = api("pmo")
    with scene.world.ctx():
        ipd = ProcessTemplate.objects.get(is_builtin=True, kind="ipd")
        phase = TemplatePhase.objects.filter(template=ipd)[0]
    before = template_state(scene.world)

    responses = [
        client.patch(templates_url(scene, f"{ipd.pk}/"), {"name": "Mine now"}, format="json"),
        client.post(templates_url(scene, f"{ipd.pk}/phases/"), {"name": "Extra"}, format="json"),
        client.patch(templates_url(scene, f"{ipd.pk}/phases/{phase.pk}/"), {"optional": True}, format="json"),
        client.delete(templates_url(scene, f"{ipd.pk}/phases/{phase.pk}/")),
        client.post(
            templates_url(scene, f"{ipd.pk}/gates/"), {"phase": phase.pk, "code": "X", "name": "X"}, format="json"
        ),
    ]

    assert [r.status_code for r in responses] == [409] * 5
    assert responses[0].json() == {"detail": "Built-in templates are read-only. Copy the template to change it."}
    assert template_state(scene.world) == before


@pytest.mark.parametrize("case", ["duplicate-gate-code", "duplicate-name", "last-phase", "foreign-phase", "bad-kind"])
def test_invalid_template_edits_change_nothing(scene: Scene, api: Any, case: str) -> None:
    client = api("pmo")
    with scene.world.ctx():
        standard = ProcessTemplate.objects.get(is_builtin=True, kind="standard")
        ipd = ProcessTemplate.objects.get(is_builtin=True, kind="ipd")
        copy = services.template_copy(
            organization=scene.world.organization, actor=scene.world.users["pmo"], template=standard, name="Mine"
        )
        phases = list(TemplatePhase.objects.filter(template=copy).order_by("order"))
        if case == "last-phase":
            for phase in phases[1:]:
                services.template_phase_delete(
                    organization=scene.world.organization, actor=scene.world.users["pmo"], phase=phase
                )
        foreign_phase = TemplatePhase.objects.filter(template=ipd)[0]
    before = template_state(scene.world)
    request = {
        "duplicate-gate-code": lambda: client.post(
            templates_url(scene, f"{copy.pk}/gates/"),
            {"phase": phases[0].pk, "code": "g2", "name": "Again"},
            format="json",
        ),
        "duplicate-name": lambda: client.patch(
            templates_url(scene, f"{copy.pk}/"), {"name": standard.name}, format="json"
        ),
        "last-phase": lambda: client.delete(templates_url(scene, f"{copy.pk}/phases/{phases[0].pk}/")),
        "foreign-phase": lambda: client.post(
            templates_url(scene, f"{copy.pk}/deliverables/"), {"phase": foreign_phase.pk, "name": "x"}, format="json"
        ),
        "bad-kind": lambda: client.post(
            templates_url(scene, f"{copy.pk}/gates/"),
            {"phase": phases[0].pk, "code": "Z", "name": "Z", "kind": "vote"},
            format="json",
        ),
    }[case]

    response = request()

    assert response.status_code == 400, response.content
    assert template_state(scene.world) == before


def test_another_organisations_template_is_404(scene: Scene, api: Any, org_b: OrgWorld) -> None:
    build_scene(org_b)
    with org_b.ctx():
        foreign = ProcessTemplate.objects.all()[0]

    assert api("pmo").get(templates_url(scene, f"{foreign.pk}/")).status_code == 404
    assert (
        api("pmo").post(templates_url(scene, f"{foreign.pk}/copy/"), {"name": "Stolen"}, format="json").status_code
        == 404
    )
    assert api("pmo").get(templates_url(scene, f"{foreign.pk}/phases/")).status_code == 404
    with org_b.ctx():
        assert not ProcessTemplate.objects.filter(name="Stolen").exists()
    assert Organization.objects.count() == 2


def test_a_new_project_without_a_template_choice_follows_the_standard_lifecycle(scene: Scene, api: Any) -> None:
    base = f"/api/v1/orgs/{scene.world.slug}/projects/"

    default = api("pmo").post(base, {"name": "Default"}, format="json").json()
    none = api("pmo").post(base, {"name": "Ad hoc", "template": None}, format="json").json()

    assert (default["template"], default["current_phase"]) == ("Standard lifecycle", "Initiation")
    assert (none["template"], none["current_phase"]) == (None, None)
    with scene.world.ctx():
        assert ProjectPhase.objects.filter(project_id=none["id"]).count() == 0
