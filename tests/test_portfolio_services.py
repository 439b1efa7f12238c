"""portfolio.services: the intake workflow and its refusals (nothing changes), the score maths, approval creating
the project, request numbering under concurrency, the portfolio structure and scenarios."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from portfolio import services
from portfolio.models import (
    ProjectRequest,
    RequestObjective,
    RequestTransition,
    Scenario,
    ScenarioItem,
    ScoringCriterion,
)
from projects.models import (
    Baseline,
    GateReview,
    Milestone,
    ProcessTemplate,
    Project,
    ProjectObjective,
    ProjectPhase,
    ProjectUserObjectPermission,
    TemplatePhase,
)
from tests.conftest import OrgWorld, build_world
from tests.factories import PortfolioFactory, ProjectFactory
from tests.factories_portfolio import (
    CriterionFactory,
    ObjectiveFactory,
    ProgrammeFactory,
    install_defaults,
    new_request,
    snapshot,
)

S = ProjectRequest.Status
ALL_STATUSES = list(S.values)


@pytest.fixture
def org(org_a: OrgWorld) -> OrgWorld:
    install_defaults(org_a)
    return org_a


def call(world: OrgWorld, service: Any, actor: str = "manager", **kwargs: Any) -> Any:
    with world.ctx():
        return service(organization=world.organization, actor=world.users[actor], **kwargs)


def refused(world: OrgWorld, service: Any, actor: str = "manager", **kwargs: Any) -> ValidationError:
    """Call a service that must refuse; return its error after checking that nothing changed."""
    before = snapshot(world)
    with pytest.raises(ValidationError) as caught:
        call(world, service, actor, **kwargs)
    assert snapshot(world) == before
    return caught.value


# --- Creating and editing ---------------------------------------------------------------------------------------


def test_create_numbers_per_organisation_and_records_the_draft(org: OrgWorld, org_b: OrgWorld) -> None:
    install_defaults(org_b)

    first = new_request(org, title="One")
    second = new_request(org, title="Two")
    elsewhere = new_request(org_b, title="Other")

    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert (first.code, first.status, first.version) == ("REQ-0001", S.DRAFT, 1)
    assert first.sponsor == first.created_by == org.users["manager"]
    with org.ctx():
        assert list(RequestTransition.objects.filter(request=first).values_list("from_status", "to_status")) == [
            ("", "draft")
        ]


def test_create_takes_the_portfolio_of_the_programme_and_the_objectives(org: OrgWorld) -> None:
    programme = ProgrammeFactory(organization=org.organization)
    objectives = [ObjectiveFactory(organization=org.organization) for _ in range(2)]

    request = new_request(org, programme=programme, objective_ids=[o.pk for o in objectives])

    assert request.portfolio_id == programme.portfolio_id
    with org.ctx():
        assert set(RequestObjective.objects.filter(request=request).values_list("objective_id", flat=True)) == {
            o.pk for o in objectives
        }


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"estimated_cost": Decimal(-1)}, "estimated_cost"),
        ({"planned_start": dt.date(2030, 5, 1), "planned_finish": dt.date(2030, 4, 1)}, "planned_finish"),
        ({"objective_ids": [999_999]}, "objective_ids"),
    ],
    ids=["blank-title", "negative-cost", "dates-reversed", "unknown-objective"],
)
def test_create_refuses_bad_input(org: OrgWorld, fields: dict[str, Any], field: str) -> None:
    data = {"title": "Robots", **fields}

    error = refused(org, services.request_create, **data)

    assert field in error.message_dict


def test_create_refuses_objects_and_people_of_another_organisation(org: OrgWorld, org_b: OrgWorld) -> None:
    foreign_portfolio = PortfolioFactory(organization=org_b.organization)
    foreign_objective = ObjectiveFactory(organization=org_b.organization)
    inactive = ObjectiveFactory(organization=org.organization, active=False)
    own_programme = ProgrammeFactory(organization=org.organization)
    other_portfolio = PortfolioFactory(organization=org.organization)

    assert "portfolio" in refused(org, services.request_create, title="X", portfolio=foreign_portfolio).message_dict
    assert "sponsor" in refused(org, services.request_create, title="X", sponsor=org_b.users["pmo"]).message_dict
    for objective in (foreign_objective, inactive):
        error = refused(org, services.request_create, title="X", objective_ids=[objective.pk])
        assert "objective_ids" in error.message_dict
    error = refused(org, services.request_create, title="X", programme=own_programme, portfolio=other_portfolio)
    assert "programme" in error.message_dict


def test_update_changes_a_draft_and_bumps_its_version(org: OrgWorld) -> None:
    request = new_request(org)
    objective = ObjectiveFactory(organization=org.organization)

    updated = call(
        org,
        services.request_update,
        request=request,
        version=1,
        changes={"title": "Robots, phase 1", "estimated_cost": Decimal(250_000)},
        objective_ids=[objective.pk],
    )

    assert (updated.title, updated.estimated_cost, updated.version) == ("Robots, phase 1", Decimal(250_000), 2)
    with org.ctx():
        assert list(RequestObjective.objects.filter(request=request).values_list("objective_id", flat=True)) == [
            objective.pk
        ]


def test_update_with_a_stale_version_is_a_conflict_and_changes_nothing(org: OrgWorld) -> None:
    request = new_request(org)
    call(org, services.request_update, request=request, version=1, changes={"title": "First edit"})
    before = snapshot(org)

    with pytest.raises(services.VersionConflict) as caught:
        call(org, services.request_update, request=request, version=1, changes={"title": "Second edit"})

    assert caught.value.current_version == 2
    assert snapshot(org) == before


@pytest.mark.parametrize("status", [S.SUBMITTED, S.IN_REVIEW, S.APPROVED, S.REJECTED, S.WITHDRAWN])
def test_only_drafts_and_deferred_requests_can_be_edited(org: OrgWorld, status: str) -> None:
    request = new_request(org, status)

    refused(org, services.request_update, request=request, version=request.version, changes={"title": "Changed"})


# --- The workflow -----------------------------------------------------------------------------------------------


def test_the_whole_workflow_with_a_deferral_and_a_resubmission(org: OrgWorld) -> None:
    request = new_request(org, S.DEFERRED)
    assert (request.status, request.score, request.decision_reason) == (S.DEFERRED, Decimal("75.00"), "Because.")

    request = call(org, services.request_update, request=request, version=request.version, changes={"title": "V2"})
    request = call(org, services.request_submit, request=request)
    assert request.status == S.SUBMITTED
    request = call(
        org,
        services.request_score,
        actor="pmo",
        request=request,
        values=dict.fromkeys(_criteria(org), 5),
        feasibility_note="Better now.",
    )
    request = call(org, services.request_decide, actor="executive", request=request, decision="approve", reason="Go")

    assert request.status == S.APPROVED
    assert request.project is not None
    with org.ctx():
        steps = list(RequestTransition.objects.filter(request=request).values_list("from_status", "to_status"))
    assert steps == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "deferred"),
        ("deferred", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "approved"),
    ]


def _criteria(world: OrgWorld) -> list[int]:
    with world.ctx():
        return list(ScoringCriterion.objects.filter(active=True).values_list("pk", flat=True))


TRANSITIONS: dict[str, tuple[Any, str, dict[str, Any], set[str]]] = {
    # step → (service, actor, arguments, the statuses it is allowed from)
    "submit": (services.request_submit, "manager", {}, {S.DRAFT, S.DEFERRED}),
    "withdraw": (services.request_withdraw, "manager", {}, {S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.DEFERRED}),
    "score": (services.request_score, "pmo", {"feasibility_note": "ok"}, {S.SUBMITTED, S.IN_REVIEW}),
    "reject": (
        services.request_decide,
        "executive",
        {"decision": "reject", "reason": "No"},
        {S.SUBMITTED, S.IN_REVIEW},
    ),
    "defer": (
        services.request_decide,
        "executive",
        {"decision": "defer", "reason": "Later"},
        {S.SUBMITTED, S.IN_REVIEW},
    ),
    "approve": (services.request_decide, "executive", {"decision": "approve", "reason": "Yes"}, {S.IN_REVIEW}),
}


@pytest.mark.parametrize("status", ALL_STATUSES)
@pytest.mark.parametrize("step", list(TRANSITIONS))
def test_each_step_from_each_status(org: OrgWorld, step: str, status: str) -> None:
    service, actor, arguments, allowed = TRANSITIONS[step]
    request = new_request(org, status)
    if step == "score":
        arguments = {**arguments, "values": dict.fromkeys(_criteria(org), 3)}

    if status in allowed:
        changed = call(org, service, actor, request=request, **arguments)
        assert changed.version == request.version + 1
        assert changed.status != status or step == "score"
    else:
        refused(org, service, actor, request=request, **arguments)


def test_submitting_needs_a_business_case(org: OrgWorld) -> None:
    request = new_request(org, business_case="")

    error = refused(org, services.request_submit, request=request)

    assert "business_case" in error.message_dict


def test_a_stale_version_on_a_step_is_a_conflict(org: OrgWorld) -> None:
    request = new_request(org)
    before = snapshot(org)

    with pytest.raises(services.VersionConflict):
        call(org, services.request_submit, request=request, version=7)

    assert snapshot(org) == before


# --- Scoring ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("triples", "expected"),
    [
        ([(25, True, 5), (75, True, 5)], "100.00"),
        ([(25, True, 1), (75, True, 1)], "0.00"),
        ([(10, False, 1)], "100.00"),
        ([(10, False, 5)], "0.00"),
        ([(10, True, 3)], "50.00"),
        # The default model scored 4, 3, 5, 2 (risk), 2 (cost), 4:
        # (25·75 + 25·50 + 15·100 + 10·75 + 10·75 + 15·75) / 100
        ([(25, True, 4), (25, True, 3), (15, True, 5), (10, False, 2), (10, False, 2), (15, True, 4)], "72.50"),
        # (1·25 + 2·50) / 3 = 41.666… → 41.67
        ([(1, True, 2), (2, True, 3)], "41.67"),
    ],
)
def test_weighted_score(triples: list[tuple[int, bool, int]], expected: str) -> None:
    assert services.weighted_score(triples) == Decimal(expected)


def test_weighted_score_refuses_values_outside_1_to_5() -> None:
    with pytest.raises(ValueError, match="1–5"):
        services.weighted_score([(10, True, 6)])


def test_scoring_stores_the_weighted_score_and_replaces_earlier_scores(org: OrgWorld) -> None:
    request = new_request(org, S.SUBMITTED)
    with org.ctx():
        criteria = {c.key: c.pk for c in ScoringCriterion.objects.all()}
    values = dict(
        zip(
            ["strategic_alignment", "business_value", "urgency", "risk", "cost", "feasibility"],
            [4, 3, 5, 2, 2, 4],
            strict=True,
        )
    )

    scored = call(
        org,
        services.request_score,
        actor="pmo",
        request=request,
        values={criteria[k]: v for k, v in values.items()},
        notes={criteria["risk"]: "Vendor is new."},
        feasibility_note="Feasible with one extra engineer.",
    )
    rescored = call(
        org,
        services.request_score,
        actor="pmo",
        request=scored,
        values=dict.fromkeys(criteria.values(), 1),
        feasibility_note="Worse than thought.",
    )

    assert scored.score == Decimal("72.50")
    assert scored.status == S.IN_REVIEW
    # All 1s: 0 on the four "higher is better" criteria, 100 on risk and cost (weights 10 + 10 of 100).
    assert rescored.score == Decimal("20.00")
    with org.ctx():
        assert sorted(request.scores.values_list("value", flat=True)) == [1] * 6
        assert rescored.feasibility_note == "Worse than thought."


def test_scoring_ignores_inactive_criteria_and_needs_every_active_one(org: OrgWorld) -> None:
    request = new_request(org, S.SUBMITTED)
    with org.ctx():
        ScoringCriterion.objects.filter(key__in=["risk", "cost"]).update(active=False)
        active = list(ScoringCriterion.objects.filter(active=True).values_list("pk", flat=True))
        inactive = list(ScoringCriterion.objects.filter(active=False).values_list("pk", flat=True))

    missing = refused(
        org, services.request_score, "pmo", request=request, values=dict.fromkeys(active[1:], 3), feasibility_note="x"
    )
    extra = refused(
        org,
        services.request_score,
        "pmo",
        request=request,
        values=dict.fromkeys(active + inactive, 3),
        feasibility_note="x",
    )
    out_of_range = refused(
        org, services.request_score, "pmo", request=request, values=dict.fromkeys(active, 6), feasibility_note="x"
    )
    no_note = refused(
        org, services.request_score, "pmo", request=request, values=dict.fromkeys(active, 3), feasibility_note=" "
    )

    assert "values" in missing.message_dict and "values" in extra.message_dict and "values" in out_of_range.message_dict
    assert "feasibility_note" in no_note.message_dict
    scored = call(
        org, services.request_score, "pmo", request=request, values=dict.fromkeys(active, 5), feasibility_note="x"
    )
    assert scored.score == Decimal("100.00")


# --- Deciding and approval --------------------------------------------------------------------------------------


def test_a_decision_needs_a_reason_and_a_known_decision(org: OrgWorld) -> None:
    request = new_request(org, S.IN_REVIEW)

    assert (
        "reason"
        in refused(
            org, services.request_decide, "executive", request=request, decision="reject", reason=" "
        ).message_dict
    )
    assert (
        "decision"
        in refused(
            org, services.request_decide, "executive", request=request, decision="maybe", reason="x"
        ).message_dict
    )


@pytest.mark.parametrize("pmo_type", ["controlling", "directive"])
def test_approval_needs_a_score_unless_the_pmo_is_supportive(org: OrgWorld, pmo_type: str) -> None:
    Organization.objects.filter(pk=org.organization.pk).update(pmo_type=pmo_type)
    org.organization.refresh_from_db()
    request = new_request(org, S.SUBMITTED)

    refused(org, services.request_decide, "executive", request=request, decision="approve", reason="Go")

    Organization.objects.filter(pk=org.organization.pk).update(pmo_type="supportive")
    org.organization.refresh_from_db()
    approved = call(org, services.request_decide, "executive", request=request, decision="approve", reason="Go")
    assert approved.status == S.APPROVED
    assert approved.score is None


def test_approval_creates_the_project_with_its_plan_baseline_and_manager_permission(org: OrgWorld) -> None:
    portfolio = PortfolioFactory(organization=org.organization, name="Products")
    programme = ProgrammeFactory(organization=org.organization, portfolio=portfolio)
    objective = ObjectiveFactory(organization=org.organization)
    with org.ctx():
        ipd = ProcessTemplate.objects.get(kind="ipd", is_builtin=True)
        ipd_phases = TemplatePhase.objects.filter(template=ipd).count()
    start = dt.date(2031, 1, 1)

    request = new_request(
        org,
        S.APPROVED,
        title="Handheld terminal",
        business_case="Replace the old model.",
        objectives_text="Launch in 14 months.",
        portfolio=portfolio,
        programme=programme,
        template=ipd,
        proposed_manager=org.users["manager"],
        sponsor="executive",
        estimated_cost=Decimal(3_500_000),
        planned_start=start,
        planned_finish=start + dt.timedelta(days=420),
        objective_ids=[objective.pk],
    )

    with org.ctx():
        project = Project.objects.get(pk=request.project_id)
        phases = list(ProjectPhase.objects.filter(project=project).order_by("order"))
        gates = list(GateReview.objects.filter(project=project).values_list("kind", flat=True))
        baselines = list(Baseline.objects.filter(project=project))
        granted = set(
            ProjectUserObjectPermission.objects.filter(content_object=project, user=org.users["manager"]).values_list(
                "permission__codename", flat=True
            )
        )
        milestones = Milestone.objects.filter(project=project).count()
        objectives = list(ProjectObjective.objects.filter(project=project).values_list("objective_id", flat=True))
    assert (project.name, project.status, project.template_id) == ("Handheld terminal", "planning", ipd.pk)
    assert (project.portfolio_id, project.programme_id) == (portfolio.pk, programme.pk)
    assert (project.manager, project.sponsor) == (org.users["manager"], org.users["executive"])
    assert (project.budget_at_completion, project.planned_start) == (Decimal(3_500_000), start)
    assert project.objectives == "Launch in 14 months."
    assert len(phases) == ipd_phases > 0
    assert phases[0].status == "active" and project.current_phase_id == phases[0].pk
    assert {"tr", "dcp"} <= set(gates)
    assert milestones == len(phases)
    assert [(b.version, b.budget, b.scope_statement) for b in baselines] == [
        (1, Decimal(3_500_000), "Replace the old model.")
    ]
    assert granted == {"view_project", "change_project"}
    assert objectives == [objective.pk]


def test_approval_without_a_template_uses_the_standard_lifecycle(org: OrgWorld) -> None:
    request = new_request(org, S.APPROVED)

    with org.ctx():
        project = Project.objects.select_related("template").get(pk=request.project_id)
        assert project.template.kind == "standard"
        assert ProjectPhase.objects.filter(project=project).count() == 4
        assert project.manager is None


# --- Numbering under concurrency --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_get_distinct_numbers() -> None:
    """The first creation holds its transaction open; the second must wait for it and take the next number
    (without the lock it would read the same maximum and hit the unique constraint)."""
    world = build_world("gamma")
    created = threading.Event()
    numbers: list[int] = []
    errors: list[Exception] = []

    def create(title: str, hold: bool) -> None:
        try:
            with tenant_context(world.organization):
                request = services.request_create(
                    organization=world.organization, actor=world.users["manager"], title=title
                )
                numbers.append(request.number)
                if hold:
                    created.set()
                    threading.Event().wait(0.5)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=create, args=("first", True))
    first.start()
    assert created.wait(10)
    second = threading.Thread(target=create, args=("second", False))
    second.start()
    first.join(10)
    second.join(10)

    assert errors == []
    assert sorted(numbers) == [1, 2]


# --- Portfolios, programmes, objectives, criteria ---------------------------------------------------------------


def test_portfolio_names_are_unique_per_organisation(org: OrgWorld, org_b: OrgWorld) -> None:
    call(org, services.portfolio_create, "pmo", name="Growth")
    call(org_b, services.portfolio_create, "pmo", name="Growth")

    error = refused(org, services.portfolio_create, "pmo", name="Growth")

    assert error.message_dict == {"name": ["A portfolio with this name exists already."]}


def test_portfolio_owner_must_be_a_member(org: OrgWorld, org_b: OrgWorld) -> None:
    error = refused(org, services.portfolio_create, "pmo", name="Growth", owner=org_b.users["pmo"])

    assert "owner" in error.message_dict


def test_a_portfolio_with_content_cannot_be_deleted(org: OrgWorld) -> None:
    with_projects = org.projects[0].portfolio
    with_programme = ProgrammeFactory(organization=org.organization).portfolio
    empty = PortfolioFactory(organization=org.organization)

    for portfolio in (with_projects, with_programme):
        refused(org, services.portfolio_delete, "pmo", portfolio=portfolio)
    call(org, services.portfolio_delete, "pmo", portfolio=empty)

    with org.ctx():
        assert not type(empty).objects.filter(pk=empty.pk).exists()


def test_a_programme_with_projects_keeps_its_portfolio(org: OrgWorld) -> None:
    programme = ProgrammeFactory(organization=org.organization)
    ProjectFactory(organization=org.organization, portfolio=programme.portfolio, programme=programme)
    other = PortfolioFactory(organization=org.organization)

    error = refused(org, services.programme_update, "pmo", programme=programme, changes={"portfolio": other})
    refused(org, services.programme_delete, "pmo", programme=programme)

    assert "portfolio" in error.message_dict
    renamed = call(org, services.programme_update, "pmo", programme=programme, changes={"name": "Renamed"})
    assert renamed.name == "Renamed"


def test_an_objective_in_use_is_deactivated_not_deleted(org: OrgWorld) -> None:
    used = ObjectiveFactory(organization=org.organization)
    new_request(org, objective_ids=[used.pk])
    unused = ObjectiveFactory(organization=org.organization)

    refused(org, services.objective_delete, "pmo", objective=used)
    call(org, services.objective_delete, "pmo", objective=unused)
    changed = call(org, services.objective_update, "pmo", objective=used, changes={"active": False, "weight": 50})

    assert (changed.active, changed.weight) == (False, 50)


def test_criterion_weights_are_checked_and_a_scored_criterion_cannot_be_deleted(org: OrgWorld) -> None:
    new_request(org, S.IN_REVIEW)
    with org.ctx():
        used = ScoringCriterion.objects.get(key="risk")
    fresh = CriterionFactory(organization=org.organization, key="esg")

    assert (
        "weight" in refused(org, services.criterion_update, "pmo", criterion=used, changes={"weight": 0}).message_dict
    )
    assert "weight" in refused(org, services.criterion_create, "pmo", key="x", name="X", weight=101).message_dict
    assert "key" in refused(org, services.criterion_create, "pmo", key="risk", name="Risk 2", weight=5).message_dict
    refused(org, services.criterion_delete, "pmo", criterion=used)
    call(org, services.criterion_delete, "pmo", criterion=fresh)


def test_default_scoring_model_is_installed_once_in_the_organisations_language(db: None) -> None:
    world = build_world("delta")
    Organization.objects.filter(pk=world.organization.pk).update(default_language="zh-hans")
    world.organization.refresh_from_db()

    with world.ctx():
        services.scoring_model_install_defaults(organization=world.organization)
        services.scoring_model_install_defaults(organization=world.organization)
        rows = list(ScoringCriterion.objects.values_list("key", "name", "weight", "higher_is_better"))

    assert len(rows) == 6
    assert sum(r[2] for r in rows) == 100
    assert ("risk", "风险", 10, False) in rows


# --- Scenarios --------------------------------------------------------------------------------------------------


def test_a_scenario_stores_every_candidate_with_its_reason(org: OrgWorld) -> None:
    """Candidates: the pipeline's requests (not drafts or decided ones) and the running projects."""
    new_request(org, S.DRAFT, title="Draft")
    new_request(org, S.REJECTED, title="Rejected")
    cheap = new_request(org, S.IN_REVIEW, title="Cheap", estimated_cost=Decimal(100_000))
    dear = new_request(org, S.IN_REVIEW, title="Dear", estimated_cost=Decimal(450_000))
    new_request(org, S.SUBMITTED, title="Unscored", estimated_cost=Decimal(10_000))
    approved = new_request(org, S.APPROVED, title="Approved", estimated_cost=Decimal(300_000))
    with org.ctx():
        Project.objects.filter(pk__in=[p.pk for p in org.projects]).update(budget_at_completion=Decimal(50_000))
        Project.objects.filter(pk=org.projects[2].pk).update(status="closed")
        Project.objects.filter(pk=org.projects[1].pk).update(priority=4)

    scenario = call(org, services.scenario_create, "executive", name="Q1", budget_cap=Decimal(500_000))

    with org.ctx():
        items = {i.label.split(" ", 1)[1]: i for i in ScenarioItem.objects.filter(scenario=scenario)}
    assert set(items) == {"Cheap", "Dear", "Unscored", "Approved", "alpha project 0", "alpha project 1"}
    assert items["Approved"].value == approved.score == Decimal("75.00")
    assert items["alpha project 0"].value == Decimal(50)  # medium priority
    assert items["alpha project 1"].value == Decimal(100)  # critical priority
    assert items["Unscored"].reason_code == "no_value"
    # Cheap + Approved + both projects fill the 500,000 exactly (value 300); Dear (450,000) would leave room for one
    # project only (value 175), and gives less value per cost than every selected candidate.
    assert {k for k, i in items.items() if i.selected} == {"Cheap", "Approved", "alpha project 0", "alpha project 1"}
    assert (items["Dear"].reason_code, items["Dear"].reason_amount) == ("lower_value_density", Decimal(450_000))
    assert items["Dear"].reason == (
        "Lower value per cost than every selected item; it exceeds the remaining budget by CNY 450,000."
    )
    assert scenario.selected_cost == Decimal(500_000)
    assert (cheap.score, approved.score, scenario.selected_value) == (Decimal(75), Decimal(75), Decimal(300))
    assert (scenario.method, scenario.cost_unit) == ("exact", Decimal(10_000))
    assert dear.pk == items["Dear"].request_id


def test_a_scenario_can_leave_running_projects_out(org: OrgWorld) -> None:
    new_request(org, S.IN_REVIEW)

    scenario = call(
        org, services.scenario_create, "pmo", name="New only", budget_cap=Decimal(1), include_active_projects=False
    )

    with org.ctx():
        assert list(ScenarioItem.objects.filter(scenario=scenario).values_list("project_id", "reason_code")) == [
            (None, "over_cap")
        ]


def test_scenario_input_is_checked(org: OrgWorld) -> None:
    call(org, services.scenario_create, "pmo", name="Taken", budget_cap=Decimal(1))

    assert "budget_cap" in refused(org, services.scenario_create, "pmo", name="A", budget_cap=Decimal(-1)).message_dict
    assert "name" in refused(org, services.scenario_create, "pmo", name="Taken", budget_cap=Decimal(1)).message_dict
    assert (
        "capacity_cap_hours"
        in refused(
            org, services.scenario_create, "pmo", name="B", budget_cap=Decimal(1), capacity_cap_hours=-5
        ).message_dict
    )
    with org.ctx():
        assert Scenario.objects.count() == 1
