"""Factories of the portfolio app. Like tests/factories.py, every object is created inside its organisation's
tenant context and its related objects stay in that organisation."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import factory

from pmo.tenancy.roles import Role
from portfolio.models import (
    Portfolio,
    Programme,
    ProjectRequest,
    RequestScore,
    Scenario,
    ScenarioItem,
    ScoringCriterion,
    StrategicObjective,
)
from tests.factories import PortfolioFactory, ProjectFactory, TenantFactory, UserFactory


class ProgrammeFactory(TenantFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"Programme {n}")
    portfolio = factory.LazyAttribute(lambda o: PortfolioFactory(organization=o.organization))


class ObjectiveFactory(TenantFactory):
    class Meta:
        model = StrategicObjective

    code = factory.Sequence(lambda n: f"OBJ-{n:03d}")
    name = factory.Sequence(lambda n: f"Objective {n}")
    weight = 10


class CriterionFactory(TenantFactory):
    class Meta:
        model = ScoringCriterion

    key = factory.Sequence(lambda n: f"criterion_{n}")
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = 10
    higher_is_better = True
    order = factory.Sequence(lambda n: n)


class RequestFactory(TenantFactory):
    """A request row as it would be in ``status`` (default draft); ``number`` follows a sequence."""

    class Meta:
        model = ProjectRequest

    number = factory.Sequence(lambda n: 1000 + n)
    title = factory.Sequence(lambda n: f"Request {n}")
    business_case = "Because it pays off."
    sponsor = factory.SubFactory(UserFactory)
    created_by = factory.LazyAttribute(lambda o: o.sponsor)
    estimated_cost = Decimal(100_000)
    estimated_benefit = Decimal(150_000)
    estimated_effort_hours = 400
    status = ProjectRequest.Status.DRAFT


class RequestScoreFactory(TenantFactory):
    class Meta:
        model = RequestScore

    value = 3


class ScenarioFactory(TenantFactory):
    class Meta:
        model = Scenario

    name = factory.Sequence(lambda n: f"Scenario {n}")
    budget_cap = Decimal(1_000_000)


class ScenarioItemFactory(TenantFactory):
    class Meta:
        model = ScenarioItem

    label = factory.Sequence(lambda n: f"Item {n}")
    cost = Decimal(1000)
    value = Decimal(50)
    selected = True
    rank = factory.Sequence(lambda n: n + 1)
    reason_code = "selected"


# --- Helpers that go through the real services ------------------------------------------------------------------


def install_defaults(world: Any) -> None:
    """The organisation set-up hooks: built-in process templates and the default scoring model."""
    from pmo.tenancy.services import organization_run_setup_hooks

    with world.ctx():
        organization_run_setup_hooks(organization=world.organization)


def new_request(world: Any, status: str = "draft", *, sponsor: str = "manager", **fields: Any) -> ProjectRequest:
    """A request of ``world`` moved through the services to ``status``: the sponsor drafts and submits, the PMO
    scores (4 where higher is better, 2 where lower is: 75.00), an executive decides; withdrawn is withdrawn after
    submission."""
    from portfolio import services

    S = ProjectRequest.Status
    org, users = world.organization, world.users
    fields.setdefault("title", "Warehouse robots")
    fields.setdefault("business_case", "Faster picking.")
    fields.setdefault("estimated_cost", Decimal(200_000))
    with world.ctx():
        request = services.request_create(organization=org, actor=users[sponsor], **fields)
        if status != S.DRAFT:
            request = services.request_submit(organization=org, actor=users[sponsor], request=request)
        if status == S.WITHDRAWN:
            request = services.request_withdraw(organization=org, actor=users[sponsor], request=request)
        if status in (S.IN_REVIEW, S.APPROVED, S.REJECTED, S.DEFERRED):
            criteria = ScoringCriterion.objects.filter(organization=org, active=True)
            values = {c.pk: 4 if c.higher_is_better else 2 for c in criteria}
            request = services.request_score(
                organization=org, actor=users["pmo"], request=request, values=values, feasibility_note="Feasible."
            )
        decisions: dict[str, str] = {S.APPROVED: "approve", S.REJECTED: "reject", S.DEFERRED: "defer"}
        decision = decisions.get(status)
        if decision:
            request = services.request_decide(
                organization=org, actor=users["executive"], request=request, decision=decision, reason="Because."
            )
        request.refresh_from_db()
    return request


def snapshot(world: Any) -> dict[str, list[Any]]:
    """Every row of the portfolio tables (and the projects) of ``world``, to prove that nothing changed."""
    from portfolio.models import RequestObjective, RequestTransition
    from projects.models import Baseline, Project

    models = [
        Portfolio,
        Programme,
        StrategicObjective,
        ScoringCriterion,
        ProjectRequest,
        RequestObjective,
        RequestScore,
        RequestTransition,
        Scenario,
        ScenarioItem,
        Project,
        Baseline,
    ]
    with world.ctx():
        return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}


# --- A world with one of everything, for the role matrices -----------------------------------------------------

ROLES = [role.value for role in Role]
S = ProjectRequest.Status
ALL = set(ROLES)
GOVERNANCE = {"admin", "pmo"}
LEADERSHIP = {"admin", "pmo", "executive"}
VIEWERS = LEADERSHIP | {"manager"}


@dataclass
class Intake:
    """An organisation with one of everything: the manager sponsors the three requests."""

    world: Any
    portfolio: Portfolio
    empty_portfolio: Portfolio
    programme: Programme
    empty_programme: Programme
    objective: StrategicObjective
    unused_objective: StrategicObjective
    criterion: ScoringCriterion
    unused_criterion: ScoringCriterion
    draft: ProjectRequest
    submitted: ProjectRequest
    in_review: ProjectRequest
    scenario: Scenario
    other_scenario: Scenario


def build_intake(world: Any) -> Intake:
    from portfolio import services

    install_defaults(world)
    org = world.organization
    portfolio = world.projects[0].portfolio
    programme = ProgrammeFactory(organization=org, portfolio=portfolio, name=f"{world.slug} programme")
    objective = ObjectiveFactory(organization=org, code="OBJ-A")
    draft = new_request(world, S.DRAFT, title="Draft", objective_ids=[objective.pk])
    submitted = new_request(world, S.SUBMITTED, title="Submitted", portfolio=portfolio)
    in_review = new_request(world, S.IN_REVIEW, title="In review", programme=programme)
    with world.ctx():
        criterion = ScoringCriterion.objects.get(key="risk")
        scenarios = [
            services.scenario_create(organization=org, actor=world.users["pmo"], name=name, budget_cap=cap)
            for name, cap in (("Lean", Decimal(100_000)), ("Generous", Decimal(5_000_000)))
        ]
    return Intake(
        world=world,
        portfolio=portfolio,
        empty_portfolio=PortfolioFactory(organization=org, name=f"{world.slug} empty"),
        programme=programme,
        empty_programme=ProgrammeFactory(organization=org, portfolio=portfolio, name=f"{world.slug} empty programme"),
        objective=objective,
        unused_objective=ObjectiveFactory(organization=org, code="OBJ-Z"),
        criterion=criterion,
        unused_criterion=CriterionFactory(organization=org, key="unused", active=False),
        draft=draft,
        submitted=submitted,
        in_review=in_review,
        scenario=scenarios[0],
        other_scenario=scenarios[1],
    )


def only(roles: set[str], ok: int, otherwise: int = 403) -> dict[str, int]:
    return {role: ok if role in roles else otherwise for role in ROLES}


def grow(world: Any, size: int) -> None:
    """``size`` more of everything that lists show, each with its own related rows."""
    from portfolio import services

    with world.ctx():
        for i in range(size):
            portfolio = PortfolioFactory(organization=world.organization, owner=UserFactory())
            ProgrammeFactory(organization=world.organization, portfolio=portfolio)
            ProjectFactory(organization=world.organization, portfolio=portfolio, code=f"G-{i:03d}")
            ObjectiveFactory(organization=world.organization)
            CriterionFactory(organization=world.organization, active=False)
    for i in range(size):
        new_request(world, S.IN_REVIEW if i % 2 else S.SUBMITTED, title=f"Grown {i}", objective_ids=[])
    with world.ctx():
        for i in range(size // 5):
            services.scenario_create(
                organization=world.organization, actor=world.users["pmo"], name=f"Grown {i}", budget_cap=Decimal(10**6)
            )
