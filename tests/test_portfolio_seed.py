"""The portfolio demo seeder: requests in every state, real projects from the approvals, two scenarios; idempotent;
Chinese content for a Chinese organisation."""

from __future__ import annotations

import pytest

from pmo.core.management.commands.seed_demo import DemoContext
from pmo.tenancy.models import Organization
from portfolio import seed
from portfolio.models import ProjectRequest, RequestScore, Scenario
from projects.models import Baseline, Project
from tests.conftest import OrgWorld
from tests.factories_portfolio import install_defaults, snapshot


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_seeder_covers_every_state_and_runs_twice(org_a: OrgWorld, language: str) -> None:
    Organization.objects.filter(pk=org_a.organization.pk).update(default_language=language)
    org_a.organization.refresh_from_db()
    install_defaults(org_a)
    demo = DemoContext(organization=org_a.organization, users=org_a.users, language=language)

    with org_a.ctx():
        seed.seed_demo(demo)
    first = snapshot(org_a)
    with org_a.ctx():
        seed.seed_demo(demo)
        statuses = set(ProjectRequest.objects.values_list("status", flat=True))
        approved = list(ProjectRequest.objects.filter(status="approved").select_related("project__template"))
        scored = set(RequestScore.objects.values_list("request__status", flat=True))
        scenarios = list(Scenario.objects.values_list("name", flat=True))
        rejected = ProjectRequest.objects.get(status="rejected")

    assert snapshot(org_a) == first
    assert statuses == set(ProjectRequest.Status.values)
    assert {r.project.template.kind for r in approved if r.project} == {"ipd", "standard"}
    assert {"in_review", "approved", "rejected", "deferred"} <= scored
    assert rejected.decision_reason
    assert len(scenarios) == 2
    with org_a.ctx():
        for request in approved:
            assert Baseline.objects.filter(project=request.project, version=1).exists()
        assert Project.objects.filter(code__startswith="PRJ-").count() == 2
    if language == "zh-hans":
        assert rejected.title == "旧版 CRM 重写"
    else:
        assert rejected.title == "Legacy CRM rewrite"
