"""Factories of the portfolio app. Like tests/factories.py, every object is created inside its organisation's
tenant context and its related objects stay in that organisation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory

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
from tests.factories import PortfolioFactory, TenantFactory, UserFactory


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
