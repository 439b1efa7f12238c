"""The portfolio API: every endpoint for the six roles, for users of another organisation (404, nothing changed),
the intake workflow over HTTP (400 for invalid steps, 409 for a stale version), and flat query counts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from pmo.tenancy.models import Organization
from portfolio.models import ProjectRequest, ScoringCriterion
from projects.models import Project
from tests.conftest import ROLES, OrgWorld
from tests.factories_portfolio import (
    ALL,
    GOVERNANCE,
    LEADERSHIP,
    VIEWERS,
    Intake,
    ObjectiveFactory,
    ProgrammeFactory,
    build_intake,
    grow,
    install_defaults,
    new_request,
    only,
    snapshot,
)

ApiClientFactory = Callable[[Any], APIClient]
S = ProjectRequest.Status


@pytest.fixture
def intake(org_a: OrgWorld) -> Intake:
    return build_intake(org_a)


def url(world: OrgWorld, rest: str) -> str:
    return f"/api/v1/orgs/{world.slug}/{rest}"


def owner_only(ok: int) -> dict[str, int]:
    """The manager sponsors the requests: the other readers may not act (403), member and viewer cannot see (404)."""
    return {"admin": 403, "pmo": 403, "executive": 403, "manager": ok, "member": 404, "viewer": 404}


def score_payload(i: Intake) -> dict[str, Any]:
    with i.world.ctx():
        criteria = list(ScoringCriterion.objects.filter(active=True).values_list("pk", flat=True))
    return {"scores": [{"criterion": pk, "value": 4} for pk in criteria], "feasibility_note": "Feasible."}


# name → (method, path, payload, expected status per role)
Operation = tuple[str, Callable[[Intake], str], Callable[[Intake], dict[str, Any] | None], dict[str, int]]
OPERATIONS: dict[str, Operation] = {
    "portfolios.list": ("get", lambda i: "portfolios/", lambda i: None, only(VIEWERS, 200)),
    "portfolios.retrieve": ("get", lambda i: f"portfolios/{i.portfolio.pk}/", lambda i: None, only(VIEWERS, 200)),
    "portfolios.create": ("post", lambda i: "portfolios/", lambda i: {"name": "New"}, only(GOVERNANCE, 201)),
    "portfolios.update": (
        "patch",
        lambda i: f"portfolios/{i.portfolio.pk}/",
        lambda i: {"description": "Changed"},
        only(GOVERNANCE, 200),
    ),
    "portfolios.delete": (
        "delete",
        lambda i: f"portfolios/{i.empty_portfolio.pk}/",
        lambda i: None,
        only(GOVERNANCE, 204),
    ),
    "programs.list": ("get", lambda i: "programs/", lambda i: None, only(VIEWERS, 200)),
    "programs.retrieve": ("get", lambda i: f"programs/{i.programme.pk}/", lambda i: None, only(VIEWERS, 200)),
    "programs.create": (
        "post",
        lambda i: "programs/",
        lambda i: {"name": "New", "portfolio": i.portfolio.pk},
        only(GOVERNANCE, 201),
    ),
    "programs.update": (
        "patch",
        lambda i: f"programs/{i.programme.pk}/",
        lambda i: {"name": "Renamed"},
        only(GOVERNANCE, 200),
    ),
    "programs.delete": (
        "delete",
        lambda i: f"programs/{i.empty_programme.pk}/",
        lambda i: None,
        only(GOVERNANCE, 204),
    ),
    "objectives.list": ("get", lambda i: "objectives/", lambda i: None, only(VIEWERS, 200)),
    "objectives.retrieve": ("get", lambda i: f"objectives/{i.objective.pk}/", lambda i: None, only(VIEWERS, 200)),
    "objectives.create": (
        "post",
        lambda i: "objectives/",
        lambda i: {"code": "OBJ-9", "name": "New", "weight": 20},
        only(GOVERNANCE, 201),
    ),
    "objectives.update": (
        "patch",
        lambda i: f"objectives/{i.objective.pk}/",
        lambda i: {"weight": 55},
        only(GOVERNANCE, 200),
    ),
    "objectives.delete": (
        "delete",
        lambda i: f"objectives/{i.unused_objective.pk}/",
        lambda i: None,
        only(GOVERNANCE, 204),
    ),
    "criteria.list": ("get", lambda i: "scoring-criteria/", lambda i: None, only(VIEWERS, 200)),
    "criteria.retrieve": (
        "get",
        lambda i: f"scoring-criteria/{i.criterion.pk}/",
        lambda i: None,
        only(VIEWERS, 200),
    ),
    "criteria.create": (
        "post",
        lambda i: "scoring-criteria/",
        lambda i: {"key": "esg", "name": "ESG", "weight": 5},
        only(GOVERNANCE, 201),
    ),
    "criteria.update": (
        "patch",
        lambda i: f"scoring-criteria/{i.criterion.pk}/",
        lambda i: {"weight": 30},
        only(GOVERNANCE, 200),
    ),
    "criteria.delete": (
        "delete",
        lambda i: f"scoring-criteria/{i.unused_criterion.pk}/",
        lambda i: None,
        only(GOVERNANCE, 204),
    ),
    "requests.list": ("get", lambda i: "requests/", lambda i: None, only(ALL, 200)),
    "requests.retrieve": ("get", lambda i: f"requests/{i.draft.pk}/", lambda i: None, only(VIEWERS, 200, 404)),
    "requests.create": ("post", lambda i: "requests/", lambda i: {"title": "New idea"}, only(VIEWERS, 201)),
    "requests.update": (
        "patch",
        lambda i: f"requests/{i.draft.pk}/",
        lambda i: {"title": "Better title", "version": 1},
        owner_only(200),
    ),
    "requests.submit": ("post", lambda i: f"requests/{i.draft.pk}/submit/", lambda i: {}, owner_only(200)),
    "requests.withdraw": (
        "post",
        lambda i: f"requests/{i.submitted.pk}/withdraw/",
        lambda i: {"reason": "Not now"},
        owner_only(200),
    ),
    "requests.score": ("post", lambda i: f"requests/{i.submitted.pk}/score/", score_payload, only(GOVERNANCE, 200)),
    "requests.decide": (
        "post",
        lambda i: f"requests/{i.in_review.pk}/decide/",
        lambda i: {"decision": "approve", "reason": "Good value."},
        only(LEADERSHIP, 200),
    ),
    "pipeline.list": ("get", lambda i: "pipeline/", lambda i: None, only(VIEWERS, 200)),
    "scenarios.list": ("get", lambda i: "scenarios/", lambda i: None, only(VIEWERS, 200)),
    "scenarios.retrieve": ("get", lambda i: f"scenarios/{i.scenario.pk}/", lambda i: None, only(VIEWERS, 200)),
    "scenarios.compare": (
        "get",
        lambda i: f"scenarios/compare/?a={i.scenario.pk}&b={i.other_scenario.pk}",
        lambda i: None,
        only(VIEWERS, 200),
    ),
    "scenarios.create": (
        "post",
        lambda i: "scenarios/",
        lambda i: {"name": "Next year", "budget_cap": "2000000"},
        only(LEADERSHIP, 201),
    ),
    "scenarios.delete": ("delete", lambda i: f"scenarios/{i.scenario.pk}/", lambda i: None, only(LEADERSHIP, 204)),
}


def perform(client: APIClient, intake: Intake, name: str, world: OrgWorld | None = None) -> Any:
    method, path, payload, _ = OPERATIONS[name]
    target = world or intake.world
    return getattr(client, method)(url(target, path(intake)), payload(intake), format="json")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_role_matrix(intake: Intake, api_client: ApiClientFactory, name: str, role: str) -> None:
    method, _, _, expected = OPERATIONS[name]
    before = snapshot(intake.world)

    response = perform(api_client(intake.world.users[role]), intake, name)

    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert set(response.json()) == {"detail"}
        assert snapshot(intake.world) == before
    elif method != "get":
        assert snapshot(intake.world) != before
    else:
        assert snapshot(intake.world) == before


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_every_role_of_another_organisation_gets_404_and_nothing_changes(
    intake: Intake, org_b: OrgWorld, api_client: ApiClientFactory, name: str
) -> None:
    install_defaults(org_b)
    before = (snapshot(intake.world), snapshot(org_b))

    for role in ROLES:
        response = perform(api_client(org_b.users[role]), intake, name)
        assert response.status_code == 404, (role, response.content)

    assert (snapshot(intake.world), snapshot(org_b)) == before


DETAIL_OPERATIONS = [name for name in OPERATIONS if name.split(".")[1] not in ("list", "create")]


@pytest.mark.parametrize("name", DETAIL_OPERATIONS)
def test_another_organisations_objects_through_my_organisation_are_404(
    intake: Intake, org_b: OrgWorld, api_client: ApiClientFactory, name: str
) -> None:
    """alpha's ids used under /orgs/beta/ by beta's administrator, who may do everything there."""
    install_defaults(org_b)
    before = (snapshot(intake.world), snapshot(org_b))

    response = perform(api_client(org_b.users["admin"]), intake, name, world=org_b)

    assert response.status_code == 404, response.content
    assert (snapshot(intake.world), snapshot(org_b)) == before


# --- The workflow over HTTP -------------------------------------------------------------------------------------


def test_the_workflow_from_draft_to_project(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    install_defaults(org_a)
    objective = ObjectiveFactory(organization=org_a.organization)
    manager, pmo, executive = (api_client(org_a.users[r]) for r in ("manager", "pmo", "executive"))

    created = manager.post(
        url(org_a, "requests/"),
        {
            "title": "Customer portal",
            "estimated_cost": "800000.00",
            "estimated_benefit": "1200000",
            "proposed_manager": org_a.users["manager"].pk,
            "objective_ids": [objective.pk],
            "planned_start": "2031-01-01",
            "planned_finish": "2031-12-31",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["code"], body["status"], body["version"]) == ("REQ-0001", "draft", 1)
    assert body["sponsor"]["email"] == "manager@alpha.test"
    assert [o["id"] for o in body["objectives"]] == [objective.pk]
    detail = url(org_a, f"requests/{body['id']}/")

    edited = manager.patch(detail, {"business_case": "Self-service saves calls.", "version": 1}, format="json")
    assert (edited.status_code, edited.json()["version"]) == (200, 2)
    submitted = manager.post(detail + "submit/", {"version": 2}, format="json")
    assert submitted.json()["status"] == "submitted"
    with org_a.ctx():
        criteria = {c.key: c.pk for c in ScoringCriterion.objects.all()}
    values = {"strategic_alignment": 4, "business_value": 3, "urgency": 5, "risk": 2, "cost": 2, "feasibility": 4}
    scored = pmo.post(
        detail + "score/",
        {
            "scores": [{"criterion": criteria[k], "value": v, "note": "n"} for k, v in values.items()],
            "feasibility_note": "One more engineer.",
        },
        format="json",
    )
    assert scored.status_code == 200, scored.content
    assert (scored.json()["status"], scored.json()["score"]) == ("in_review", "72.50")
    assert len(scored.json()["scores"]) == 6
    decided = executive.post(detail + "decide/", {"decision": "approve", "reason": "Go."}, format="json")

    assert decided.status_code == 200, decided.content
    result = decided.json()
    assert result["status"] == "approved"
    assert result["project"]["code"] == "PRJ-001"
    assert [h["to_status"] for h in result["history"]] == ["draft", "submitted", "in_review", "approved"]
    with org_a.ctx():
        project = Project.objects.get(pk=result["project"]["id"])
        assert (project.name, project.budget_at_completion) == ("Customer portal", Decimal(800_000))
        assert project.baselines.count() == 1


@pytest.mark.parametrize(
    ("start", "step", "client_role", "payload"),
    [
        (S.SUBMITTED, "submit/", "manager", {}),
        (S.APPROVED, "withdraw/", "manager", {}),
        (S.DRAFT, "score/", "pmo", None),
        (S.DRAFT, "decide/", "executive", {"decision": "reject", "reason": "No"}),
        (S.SUBMITTED, "decide/", "executive", {"decision": "approve", "reason": "Unscored"}),
        (S.REJECTED, "decide/", "executive", {"decision": "defer", "reason": "Again"}),
    ],
    ids=["submit-twice", "withdraw-approved", "score-draft", "decide-draft", "approve-unscored", "decide-rejected"],
)
def test_an_invalid_step_is_400_and_changes_nothing(
    org_a: OrgWorld, api_client: ApiClientFactory, start: str, step: str, client_role: str, payload: Any
) -> None:
    install_defaults(org_a)
    request = new_request(org_a, start)
    if payload is None:
        with org_a.ctx():
            criterion_ids = list(ScoringCriterion.objects.values_list("pk", flat=True))
            payload = {
                "scores": [{"criterion": pk, "value": 3} for pk in criterion_ids],
                "feasibility_note": "x",
            }
    before = snapshot(org_a)

    response = api_client(org_a.users[client_role]).post(
        url(org_a, f"requests/{request.pk}/{step}"), payload, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["detail"]
    assert snapshot(org_a) == before


def test_editing_a_submitted_request_is_400(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    install_defaults(org_a)
    request = new_request(org_a, S.SUBMITTED)
    before = snapshot(org_a)

    response = api_client(org_a.users["manager"]).patch(
        url(org_a, f"requests/{request.pk}/"), {"title": "Late change", "version": request.version}, format="json"
    )

    assert response.status_code == 400
    assert "cannot be edited" in response.json()["detail"]
    assert snapshot(org_a) == before


def test_a_stale_version_is_409_and_changes_nothing(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    install_defaults(org_a)
    request = new_request(org_a)
    client = api_client(org_a.users["manager"])
    first = client.patch(url(org_a, f"requests/{request.pk}/"), {"title": "Mine", "version": 1}, format="json")
    assert first.status_code == 200
    before = snapshot(org_a)

    stale_edit = client.patch(url(org_a, f"requests/{request.pk}/"), {"title": "Theirs", "version": 1}, format="json")
    stale_submit = client.post(url(org_a, f"requests/{request.pk}/submit/"), {"version": 1}, format="json")

    assert (stale_edit.status_code, stale_submit.status_code) == (409, 409)
    assert stale_edit.json() == {"detail": "Someone changed this request since you read it; its current version is 2."}
    assert snapshot(org_a) == before


def test_an_edit_without_a_version_is_400(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    install_defaults(org_a)
    request = new_request(org_a)

    response = api_client(org_a.users["manager"]).patch(
        url(org_a, f"requests/{request.pk}/"), {"title": "No version"}, format="json"
    )

    assert response.status_code == 400
    assert "version" in response.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "X", "estimated_cost": "-5"}, "estimated_cost"),
        ({"title": "X", "planned_start": "2031-05-01", "planned_finish": "2031-04-01"}, "planned_finish"),
        ({"title": "X", "sponsor": 999_999}, "sponsor"),
        ({"title": "X", "objective_ids": [999_999]}, "objective_ids"),
    ],
)
def test_bad_request_input_is_400_with_field_errors(
    org_a: OrgWorld, api_client: ApiClientFactory, payload: dict[str, Any], field: str
) -> None:
    before = snapshot(org_a)

    response = api_client(org_a.users["manager"]).post(url(org_a, "requests/"), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert snapshot(org_a) == before


def test_ids_of_another_organisation_in_a_payload_are_refused(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    foreign = (
        ProgrammeFactory(organization=org_b.organization),
        ObjectiveFactory(organization=org_b.organization),
    )
    client = api_client(org_a.users["pmo"])
    before = (snapshot(org_a), snapshot(org_b))

    responses = [
        client.post(url(org_a, "requests/"), {"title": "X", "programme": foreign[0].pk}, format="json"),
        client.post(url(org_a, "requests/"), {"title": "X", "objective_ids": [foreign[1].pk]}, format="json"),
        client.post(url(org_a, "requests/"), {"title": "X", "sponsor": org_b.users["pmo"].pk}, format="json"),
        client.post(url(org_a, "programs/"), {"name": "X", "portfolio": foreign[0].portfolio_id}, format="json"),
    ]

    assert [r.status_code for r in responses] == [400] * 4
    assert (snapshot(org_a), snapshot(org_b)) == before


def test_a_sponsor_without_the_intake_role_sees_and_withdraws_only_their_own_request(
    org_a: OrgWorld, api_client: ApiClientFactory
) -> None:
    install_defaults(org_a)
    mine = new_request(org_a, S.SUBMITTED, title="Mine", sponsor="manager")
    with org_a.ctx():
        ProjectRequest.objects.filter(pk=mine.pk).update(sponsor=org_a.users["member"])
    new_request(org_a, S.SUBMITTED, title="Not mine")
    client = api_client(org_a.users["member"])

    listed = client.get(url(org_a, "requests/")).json()
    resubmit = client.post(url(org_a, f"requests/{mine.pk}/submit/"), {}, format="json")
    withdrawn = client.post(url(org_a, f"requests/{mine.pk}/withdraw/"), {"reason": "Changed plans"}, format="json")

    assert [r["title"] for r in listed["results"]] == ["Mine"]
    assert resubmit.status_code == 403
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"


def test_a_supportive_pmo_may_approve_without_a_score(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    install_defaults(org_a)
    Organization.objects.filter(pk=org_a.organization.pk).update(pmo_type="supportive")
    request = new_request(org_a, S.SUBMITTED)

    response = api_client(org_a.users["executive"]).post(
        url(org_a, f"requests/{request.pk}/decide/"), {"decision": "approve", "reason": "Fine."}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["score"] is None
    assert response.json()["project"] is not None


def test_a_scored_criterion_cannot_be_deleted(intake: Intake, api_client: ApiClientFactory) -> None:
    before = snapshot(intake.world)

    response = api_client(intake.world.users["pmo"]).delete(
        url(intake.world, f"scoring-criteria/{intake.criterion.pk}/")
    )

    assert response.status_code == 400
    assert "deactivate" in response.json()["detail"]
    assert snapshot(intake.world) == before


# --- Pipeline and scenarios -------------------------------------------------------------------------------------


def test_the_pipeline_ranks_by_score_with_unscored_last(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    install_defaults(org_a)
    low = new_request(org_a, S.SUBMITTED, title="Low")
    with org_a.ctx():
        values = dict.fromkeys(ScoringCriterion.objects.values_list("pk", flat=True), 2)
    from portfolio import services

    with org_a.ctx():
        services.request_score(
            organization=org_a.organization, actor=org_a.users["pmo"], request=low, values=values, feasibility_note="x"
        )
    new_request(org_a, S.SUBMITTED, title="Unscored")
    new_request(org_a, S.DEFERRED, title="Deferred")
    new_request(org_a, S.APPROVED, title="Approved")
    new_request(org_a, S.DRAFT, title="Draft")

    response = api_client(org_a.users["executive"]).get(url(org_a, "pipeline/"))

    assert [(r["title"], r["score"]) for r in response.json()["results"]] == [
        ("Deferred", "75.00"),
        ("Low", "35.00"),
        ("Unscored", None),
    ]


def test_creating_a_scenario_returns_its_items_with_reasons(intake: Intake, api_client: ApiClientFactory) -> None:
    response = api_client(intake.world.users["executive"]).post(
        url(intake.world, "scenarios/"),
        {"name": "Tight", "budget_cap": "250000", "capacity_cap_hours": 10_000, "include_active_projects": False},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["method"], body["item_count"]) == ("exact", 2)
    reasons = {i["label"].split(" ", 1)[1]: (i["selected"], i["reason_code"], i["reason"]) for i in body["items"]}
    assert reasons == {
        "Submitted": (False, "no_value", "Adds no value (scored 0, or not scored yet)."),
        "In review": (True, "selected", "Selected."),
    }


def test_comparing_two_scenarios(intake: Intake, api_client: ApiClientFactory) -> None:
    client = api_client(intake.world.users["manager"])

    response = client.get(url(intake.world, f"scenarios/compare/?a={intake.scenario.pk}&b={intake.other_scenario.pk}"))
    missing = client.get(url(intake.world, f"scenarios/compare/?a={intake.scenario.pk}"))

    assert response.status_code == 200
    body = response.json()
    # The three running projects cost nothing (value 50 each): both select them. Only Generous (5,000,000) can
    # afford the scored request (200,000); Lean (100,000) left it out as too dear.
    assert [row["label"] for row in body["both"]] == [
        "ALPHA-0 alpha project 0",
        "ALPHA-1 alpha project 1",
        "ALPHA-2 alpha project 2",
    ]
    assert body["only_a"] == []
    assert [(r["label"], r["other_reason_code"]) for r in body["only_b"]] == [("REQ-0003 In review", "over_cap")]
    assert body["only_b"][0]["other_reason"] == "Costs CNY 100,000 more than the whole budget cap."
    assert (body["totals_a"]["count"], body["totals_a"]["value"]) == (3, "150.00")
    assert (body["totals_b"]["count"], body["totals_b"]["value"], body["totals_b"]["cost"]) == (
        4,
        "225.00",
        "200000.00",
    )
    assert missing.status_code == 400


# --- Query counts -----------------------------------------------------------------------------------------------


# list → (rows in the intake fixture, rows that grow() adds per unit of size)
LISTS = {
    "portfolios/": (2, 1),
    "programs/": (2, 1),
    "objectives/": (2, 1),
    "scoring-criteria/": (7, 1),
    "requests/": (3, 1),
    "pipeline/": (2, 1),
    "scenarios/": (2, 0.2),
}


@pytest.mark.parametrize("path", list(LISTS))
@pytest.mark.parametrize("extra", [0, 15])
def test_list_query_count_does_not_grow(
    intake: Intake, api_client: ApiClientFactory, django_assert_max_num_queries: Any, path: str, extra: int
) -> None:
    grow(intake.world, extra)
    client = api_client(intake.world.users["pmo"])
    client.get(url(intake.world, path))  # the token's first use is recorded once

    with django_assert_max_num_queries(10):
        response = client.get(url(intake.world, path))

    assert response.status_code == 200
    base, per_unit = LISTS[path]
    assert response.json()["count"] == base + int(extra * per_unit)
