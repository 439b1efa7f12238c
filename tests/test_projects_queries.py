"""Every list and detail of the projects app, API and pages, runs the same number of queries whatever the number of
rows: measured with few rows and with many (projects, milestones, deliverables, gate decisions, tailoring requests,
baselines, dependencies, shares, template copies)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from pmo.audit.models import SecurityEvent, SecurityEventKind
from pmo.tenancy.permissions import object_permissions_grant
from projects import permissions as project_permissions
from projects import services
from projects.models import Dependency, GateDecision, ProcessTemplate, ProjectDeliverable, TailoringRequest
from tests.conftest import OrgWorld
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.factories_projects import MilestoneFactory, Scene, build_scene, draft_closure

ApiClientFactory = Callable[[Any], APIClient]
MANY = 15


def grow(scene: Scene, n: int) -> None:
    """Add ``n`` of every kind of row the lists show."""
    world = scene.world
    org, pmo, manager = world.organization, world.users["pmo"], world.users["manager"]
    with world.ctx():
        phase = scene.deliverable.phase
        standard = ProcessTemplate.objects.get(is_builtin=True, kind="standard")
        for i in range(n):
            project = ProjectFactory(organization=org, code=f"N-{i:03d}", manager=manager, tags=[f"t{i}"])
            for role in ("manager", "member"):
                object_permissions_grant(
                    organization=org, obj=project, user=world.users[role], codenames=[project_permissions.VIEW_CODENAME]
                )
            upstream = MilestoneFactory(
                organization=org, project=project, name=f"Up {i}", forecast_date=timezone.localdate()
            )
            services.dependency_create(organization=org, actor=pmo, upstream=upstream, downstream=scene.milestone)
            MilestoneFactory(organization=org, project=scene.project, name=f"Extra {i}")
            ProjectDeliverable.objects.create(
                organization=org, project=scene.project, phase=phase, order=10 + i, name=f"D{i}"
            )
            GateDecision.objects.create(
                organization=org,
                gate=scene.tr_gate,
                project=scene.project,
                decision="hold",
                note="x",
                decided_by=pmo,
                checklist=[],
            )
            TailoringRequest.objects.create(
                organization=org,
                project=scene.project,
                justification="x",
                proposed_by=manager,
                deliverables=[scene.optional_deliverable.pk],
                status="rejected",
            )
            services.baseline_create(
                organization=org, actor=pmo, project=scene.project, reason="x", reason_category="other"
            )
            services.template_copy(organization=org, actor=pmo, template=standard, name=f"Copy {i}")
            user = UserFactory(email=f"extra{i}@alpha.test")
            MembershipFactory(organization=org, user=user, role="viewer")
            services.project_share(organization=org, actor=pmo, project=scene.project, user=user)
    draft_closure(world, scene.project, lessons=1 + n)


@pytest.fixture(params=[1, MANY], ids=["one", "many"])
def grown(request: Any, org_a: OrgWorld) -> Scene:
    scene = build_scene(org_a)
    grow(scene, request.param)
    return scene


# name → (path, the most queries it may run); the same bound holds with one row and with many.
API = {
    "projects": ("projects/", 9),
    "project": ("projects/{p}/", 8),
    "shares": ("projects/{p}/shares/", 9),
    "milestones": ("projects/{p}/milestones/", 10),
    "phases": ("projects/{p}/phases/", 10),
    "deliverables": ("projects/{p}/deliverables/", 10),
    "gates": ("projects/{p}/gates/", 11),
    "tailoring": ("projects/{p}/tailoring/", 10),
    "baselines": ("projects/{p}/baselines/", 10),
    "baseline": ("projects/{p}/baselines/1/", 9),
    "compare": ("projects/{p}/baselines/compare/?a=1&b=2", 10),
    "closure": ("projects/{p}/closure/", 10),
    "dependencies": ("dependencies/", 9),
    "dependencies of a project": ("dependencies/?project={p}", 10),
    "dependency": ("dependencies/{dep}/", 9),
    "milestone": ("projects/{p}/milestones/{m}/", 9),
    "phase": ("projects/{p}/phases/{ph}/", 9),
    "deliverable": ("projects/{p}/deliverables/{d}/", 9),
    "gate": ("projects/{p}/gates/{g}/", 10),
    "tailoring request": ("projects/{p}/tailoring/{tr}/", 9),
    "templates": ("templates/", 9),
    "template": ("templates/{t}/", 11),
    "template phases": ("templates/{t}/phases/", 10),
    "template gates": ("templates/{t}/gates/", 10),
    "template deliverables": ("templates/{t}/deliverables/", 10),
}


@pytest.mark.parametrize("role", ["pmo", "manager"])
@pytest.mark.parametrize("name", list(API))
def test_api_query_counts_do_not_grow(
    grown: Scene, api_client: ApiClientFactory, django_assert_max_num_queries: Any, name: str, role: str
) -> None:
    path, bound = API[name]
    with grown.world.ctx():
        ids = {
            "p": grown.project.pk,
            "t": ProcessTemplate.objects.get(is_builtin=True, kind="ipd").pk,
            "dep": Dependency.objects.order_by("pk")[0].pk,
            "m": grown.milestone.pk,
            "ph": grown.deliverable.phase_id,
            "d": grown.deliverable.pk,
            "g": grown.tr_gate.pk,
            "tr": TailoringRequest.objects.order_by("pk")[0].pk,
        }
    client = api_client(grown.world.users[role])
    url = f"/api/v1/orgs/{grown.world.slug}/{path.format(**ids)}"
    client.get(url)  # the token's first use is recorded once; measure a steady request
    forbidden = role == "manager" and (name.startswith("template") or name == "shares")

    with django_assert_max_num_queries(bound + (DENIAL_RECORDED if forbidden else 0)):
        response = client.get(url)

    assert response.status_code == (403 if forbidden else 200)


# A refusal (403) is recorded as a security event in its own transaction: a fixed cost, whatever the rows
# (a savepoint, the tenant setting, the insert, the setting reset, the release; pmo/audit/services.py).
DENIAL_RECORDED = 6

PAGES = {
    "list page": ("projects/", 18),
    "list sorted by RAG": ("projects/?sort=-rag", 18),
    "list as CSV": ("projects/?format=csv", 18),
    "list as XLSX": ("projects/?format=xlsx&sort=complete", 18),
    "overview tab": ("projects/{p}/", 24),
    "documents tab": ("projects/{p}/documents/", 15),
    "lifecycle tab": ("projects/{p}/lifecycle/", 18),
    "milestones tab": ("projects/{p}/milestones/", 16),
    "baselines tab": ("projects/{p}/baselines/", 14),
    "baseline page": ("projects/{p}/baselines/1/", 14),
    "compare page": ("projects/{p}/baselines/compare/?a=1&b=2", 16),
    "dependencies tab": ("projects/{p}/dependencies/", 16),
    "closure tab": ("projects/{p}/closure/", 15),
    "edit page": ("projects/{p}/edit/", 17),
    "dependency list page": ("dependencies/", 17),
    "dependency list as CSV": ("dependencies/?format=csv&sort=need", 14),
    "dependency list as XLSX": ("dependencies/?format=xlsx&conflict=on", 14),
    "templates page": ("templates/", 12),
    "template page": ("templates/{t}/", 15),
}


@pytest.mark.parametrize("role", ["pmo", "manager"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_query_counts_do_not_grow(grown: Scene, django_assert_max_num_queries: Any, name: str, role: str) -> None:
    path, bound = PAGES[name]
    with grown.world.ctx():
        template = ProcessTemplate.objects.get(is_builtin=True, kind="ipd").pk
    client = Client()
    client.force_login(grown.world.users[role])
    url = f"/o/{grown.world.slug}/{path.format(p=grown.project.pk, t=template)}"

    forbidden = role == "manager" and (
        name.startswith("dependency list") or name in ("templates page", "template page")
    )

    with django_assert_max_num_queries(bound + (DENIAL_RECORDED if forbidden else 0)):
        response = client.get(url)

    assert response.status_code == (403 if forbidden else 200)
    if forbidden:
        with grown.world.ctx():
            assert SecurityEvent.objects.filter(
                kind=SecurityEventKind.PERMISSION_DENIED, user=grown.world.users[role], detail__path=url.split("?")[0]
            ).exists()
