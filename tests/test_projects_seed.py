"""The demo data of the projects app: every status, both templates, the lifecycle cases the PMO shows, and a second
run that changes nothing."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from projects.knowledge.models import Article
from projects.models import (
    Baseline,
    ClosureReport,
    Dependency,
    GateDecision,
    GateReview,
    Milestone,
    ProcessTemplate,
    Project,
    ProjectUserObjectPermission,
    TailoringRequest,
)
from projects.selectors import dependencies_visible_to
from projects.services import organization_today


def snapshot(organization: Organization) -> dict[str, Any]:
    with tenant_context(organization):
        return {
            "projects": list(Project.objects.order_by("pk").values("code", "status", "current_phase_id", "version")),
            "decisions": GateDecision.objects.count(),
            "tailoring": list(TailoringRequest.objects.order_by("pk").values_list("status", flat=True)),
            "baselines": Baseline.objects.count(),
            "dependencies": Dependency.objects.count(),
            "milestones": list(Milestone.objects.order_by("pk").values_list("forecast_date", "actual_date")),
            "closures": list(ClosureReport.objects.order_by("pk").values_list("status", flat=True)),
            "lessons": Article.objects.filter(kind="lesson").count(),
            "templates": ProcessTemplate.objects.count(),
        }


@pytest.mark.django_db(transaction=True)
def test_demo_projects_cover_the_lifecycle_and_a_second_run_changes_nothing() -> None:
    call_command("seed_demo", stdout=StringIO())
    organizations = {o.slug: o for o in Organization.objects.filter(slug__in=["acme", "globex"])}
    first = {slug: snapshot(org) for slug, org in organizations.items()}

    call_command("seed_demo", stdout=StringIO())

    assert {slug: snapshot(org) for slug, org in organizations.items()} == first
    for slug, organization in organizations.items():
        prefix = "ACME" if slug == "acme" else "GX"
        with tenant_context(organization):
            ours = Project.objects.filter(code__startswith=f"{prefix}-")
            assert set(ours.values_list("status", flat=True)) == set(Project.Status.values), slug
            assert set(ours.exclude(template=None).values_list("template__kind", flat=True)) == {"standard", "ipd"}
            phases_in_use = {
                (p.template.kind, p.current_phase.order) for p in ours.select_related("template", "current_phase")
            }
            assert len(phases_in_use) >= 4, phases_in_use
            assert GateDecision.objects.filter(decision="go").count() >= 5
            assert GateDecision.objects.filter(decision="recycle").count() == 1
            assert GateReview.objects.filter(decision="hold").count() == 1
            today = organization_today(organization)
            due = GateReview.objects.filter(
                decision="pending", planned_date__lte=today, project__status__in=["planning", "active"]
            )
            assert due.exists()
            slipped = [m for m in Milestone.objects.filter(project__in=ours) if m.slip_days > 0]
            assert slipped
            assert set(TailoringRequest.objects.values_list("status", flat=True)) >= {"pending", "approved"}
            assert Baseline.objects.filter(version=2).exists()
            closed = ours.filter(status="closed")
            assert closed.count() == 2
            assert ClosureReport.objects.filter(project__in=closed, status="approved").count() == 2
            lessons = Article.objects.filter(kind="lesson", project__in=closed)
            assert lessons.count() >= 4
            from pmo.tenancy.access import OrgAccess
            from pmo.tenancy.models import Membership

            pmo = Membership.objects.get(role="pmo")
            conflicts = dependencies_visible_to(
                access=OrgAccess(organization=organization, membership=pmo), conflict=True
            )
            assert conflicts.count() >= 1
            assert Dependency.objects.count() >= 2
            manager = Membership.objects.get(role="manager").user
            assert ours.filter(manager=manager).count() >= 5
            for role in ("member", "viewer"):
                user = Membership.objects.get(role=role).user
                assert ProjectUserObjectPermission.objects.filter(
                    user=user, permission__codename="view_project"
                ).exists(), role
            assert ProcessTemplate.objects.filter(is_builtin=False).exists()
    with tenant_context(organizations["globex"]):
        assert Project.objects.get(code="GX-001").name == "新一代智能手机研发"
        assert Article.objects.filter(kind="lesson", title__contains="验收标准").exists()
