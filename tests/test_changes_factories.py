"""Builders for the change-control tests (no tests here): a project on the standard lifecycle with baseline v1,
change requests brought to a given state through the services, and a snapshot of everything change control
stores, for "nothing changed" assertions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from projects.changes import services as change_services
from projects.models import Baseline, ChangeApproval, ChangeRequest, Milestone, Project
from tests.conftest import OrgWorld
from tests.factories_projects import lifecycle_project, project_state

__test__ = False


def cr_project(world: OrgWorld, *, code: str = "CR-P", budget: int = 100_000, **kwargs: Any) -> Project:
    """An active standard-lifecycle project of the world's manager (member and viewer may read it), baseline v1."""
    return lifecycle_project(world, code=code, budget=budget, **kwargs)


def raise_cr(
    world: OrgWorld,
    project: Project,
    *,
    actor: str = "manager",
    title: str = "More sensors",
    change_type: str = "cost",
    cost: str | int = 5000,
    days: int = 0,
    justification: str = "The customer asked for them.",
    at: dt.datetime | None = None,
) -> ChangeRequest:
    with world.ctx():
        return change_services.change_request_create(
            organization=world.organization,
            actor=world.users[actor],
            project=project,
            title=title,
            change_type=change_type,
            description="Add two sensor types.",
            justification=justification,
            cost_delta=Decimal(cost),
            finish_delta_days=days,
            at=at,
        )


STAGES = ("draft", "submitted", "assessed", "approved")


def bring_to(
    world: OrgWorld,
    change_request: ChangeRequest,
    stage: str,
    *,
    at: dt.datetime | None = None,
    submitter: str = "manager",
) -> ChangeRequest:
    """Move a request on from where it is to ``stage`` the normal way: the manager (or ``submitter``) submits,
    the PMO assesses, then each required step is signed (pmo by the PMO user, executive by the executive)."""
    org = world.organization
    done = STAGES.index(change_request.status)
    with world.ctx():
        if done < 1 <= STAGES.index(stage):
            change_request = change_services.change_request_submit(
                organization=org, actor=world.users[submitter], change_request=change_request, at=at
            )
        if done < 2 <= STAGES.index(stage):
            change_request = change_services.change_request_assess(
                organization=org,
                actor=world.users["pmo"],
                change_request=change_request,
                assessment="Affordable; recommend approval.",
                at=at,
            )
        if done < 3 <= STAGES.index(stage):
            for step in change_request.approvals_required:
                change_request = change_services.change_request_approve(
                    organization=org,
                    actor=world.users["pmo" if step == "pmo" else "executive"],
                    change_request=change_request,
                    note="Agreed.",
                    at=at,
                )
        return change_request


def change_state(world: OrgWorld, *projects: Project) -> dict[str, Any]:
    """Everything stored about ``projects`` (the projects app's snapshot) plus their change requests and
    approvals."""
    ids = [p.pk for p in projects]
    state = project_state(world, *projects)
    with world.ctx():
        state["change_requests"] = list(ChangeRequest.objects.filter(project__in=ids).order_by("pk").values())
        state["approvals"] = list(
            ChangeApproval.objects.filter(change_request__project__in=ids).order_by("pk").values()
        )
        state["all_baselines"] = Baseline.objects.count()
        state["all_milestones"] = list(Milestone.objects.filter(project__in=ids).order_by("pk").values())
    return state
