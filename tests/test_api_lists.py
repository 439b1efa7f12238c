"""Every list of the portfolio and projects APIs: paginated (``count/next/previous/results``, ``page_size``),
ordered strictly (a valid ``ordering`` reorders, an unknown one is a 400 naming ``ordering``), filtered with
django-filter (each filter narrows to the expected rows; a wrong value, or another organisation's id, is a 400
naming the parameter), and a filtered, sorted list runs the same number of queries with few rows and with many."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from portfolio.models import ProjectRequest
from projects import services as project_services
from projects.documents.services import document_create
from projects.models import ProcessTemplate, Project, StatusReport
from projects.policy import current_week_start, week_label
from projects.status import services as status_services
from tests.conftest import OrgWorld
from tests.factories import ProjectFactory
from tests.factories_portfolio import Intake, build_intake, new_request
from tests.factories_projects import MilestoneFactory, Scene, build_scene, dependency
from tests.test_changes_factories import bring_to, raise_cr
from tests.test_knowledge_support import make_article

ApiClientFactory = Callable[[Any], APIClient]


@dataclass
class Catalog:
    """One organisation with something in every list: the lifecycle scene, the intake set, a submitted change
    request and a submitted status report on the scene's project, a dependency and an article."""

    scene: Scene
    intake: Intake

    @property
    def world(self) -> OrgWorld:
        return self.scene.world


def submitted_report(world: OrgWorld, project: Project, week: dt.date | None = None) -> StatusReport:
    with world.ctx():
        report = status_services.status_report_start(
            organization=world.organization, actor=world.users["manager"], project=project, week_start=week
        )
        return status_services.status_report_submit(
            organization=world.organization,
            actor=world.users["manager"],
            report=report,
            percent_complete=Decimal(100),
            actual_cost=Decimal(1),
        )


def build_catalog(world: OrgWorld) -> Catalog:
    scene = build_scene(world)
    intake = build_intake(world)
    bring_to(world, raise_cr(world, scene.project, title="More sensors"), "submitted")
    submitted_report(world, scene.project)
    dependency(world, scene.other_milestone, scene.milestone)
    make_article(world, "pmo", kind="standard", title="Gate review checklist", tags=["gates"])
    with world.ctx():
        project_services.tailoring_propose(
            organization=world.organization,
            actor=world.users["manager"],
            project=scene.project,
            justification="Not needed here.",
            deliverable_ids=[scene.optional_deliverable.pk],
        )
        document_create(
            organization=world.organization,
            actor=world.users["manager"],
            project=scene.project,
            title="Charter",
            url="https://wiki.example.com/charter",
        )
    return Catalog(scene=scene, intake=intake)


@pytest.fixture
def catalog(org_a: OrgWorld, org_b: OrgWorld) -> Catalog:
    return build_catalog(org_a)


def ids(world: OrgWorld, scene: Scene) -> dict[str, int]:
    with world.ctx():
        return {
            "p": scene.project.pk,
            "t": ProcessTemplate.objects.get(is_builtin=True, kind="ipd").pk,
        }


# path → a valid ordering; "{p}" is the scene's project, "{t}" the built-in IPD template.
LISTS = {
    "portfolios/": "-budget",
    "programs/": "portfolio",
    "objectives/": "-weight",
    "scoring-criteria/": "-weight",
    "requests/": "title",
    "pipeline/": "-cost",
    "scenarios/": "name",
    "projects/": "-rag",
    "projects/{p}/milestones/": "-forecast",
    "projects/{p}/phases/": "-order",
    "projects/{p}/deliverables/": "status",
    "projects/{p}/gates/": "code",
    "projects/{p}/tailoring/": "proposed",
    "projects/{p}/baselines/": "-version",
    "projects/{p}/change-requests/": "-cost",
    "projects/{p}/status-reports/": "week",
    "projects/{p}/documents/": "title",
    "change-requests/": "project",
    "status-reports/": "project",
    "status-compliance/": "-project",
    "dependencies/": "need",
    "templates/": "-projects",
    "templates/{t}/phases/": "-order",
    "templates/{t}/deliverables/": "name",
    "templates/{t}/gates/": "name",
    "knowledge/": "title",
}


def get(client: APIClient, world: OrgWorld, path: str, params: dict[str, Any] | None = None) -> Any:
    return client.get(f"/api/v1/orgs/{world.slug}/{path}", params or {})


def test_every_list_is_paginated_and_strictly_ordered(catalog: Catalog, api_client: ApiClientFactory) -> None:
    """One catalogue for every list (it is costly to build): each list answers pages of ``page_size`` rows, a valid
    ordering returns the same rows, an unknown one is a 400 naming ``ordering``."""
    world = catalog.world
    client = api_client(world.users["admin"])
    checked = []
    for template, key in LISTS.items():
        path = template.format(**ids(world, catalog.scene))
        whole = get(client, world, path, {"page_size": 500})
        first = get(client, world, path, {"page_size": 1})
        ordered = get(client, world, path, {"ordering": key, "page_size": 500})
        unknown = get(client, world, path, {"ordering": "nope,-name"})

        assert whole.status_code == first.status_code == ordered.status_code == 200, (path, whole.content)
        body = first.json()
        assert set(body) == {"count", "next", "previous", "results"}, path
        assert body["count"] == whole.json()["count"] == ordered.json()["count"] >= 1, path
        assert len(body["results"]) == 1, path
        assert (body["next"] is not None) == (body["count"] > 1), path
        assert sorted(map(repr, ordered.json()["results"])) == sorted(map(repr, whole.json()["results"])), path
        assert unknown.status_code == 400, path
        assert list(unknown.json()) == ["ordering"] and "nope" in unknown.json()["ordering"][0], path
        checked.append(path)
    assert len(checked) == len(LISTS)


def test_shares_are_paginated(catalog: Catalog, api_client: ApiClientFactory) -> None:
    world, scene = catalog.world, catalog.scene
    response = get(api_client(world.users["pmo"]), world, f"projects/{scene.project.pk}/shares/", {"page_size": 1})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and len(body["results"]) == 1 and body["next"]  # the manager, the member, the viewer


# --- Filters that narrow ---------------------------------------------------------------------------------------


def codes(response: Any, key: str = "code") -> list[Any]:
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


def test_the_project_register_filters_and_sorts_like_the_web_list(
    catalog: Catalog, api_client: ApiClientFactory
) -> None:
    world, scene = catalog.world, catalog.scene
    client = api_client(world.users["pmo"])
    portfolio = world.projects[0].portfolio
    assert portfolio is not None

    by_status = codes(get(client, world, "projects/", {"status": "active"}))
    on_hold = codes(get(client, world, "projects/", {"status": "on_hold"}))
    by_portfolio = codes(get(client, world, "projects/", {"portfolio": portfolio.pk}))
    by_words = codes(get(client, world, "projects/", {"q": "lc-"}))
    by_alias = codes(get(client, world, "projects/", {"search": "lc-"}))
    by_tag = codes(get(client, world, "projects/", {"tag": "core"}))
    by_manager = codes(get(client, world, "projects/", {"manager": world.users["manager"].pk, "ordering": "-code"}))
    finish = scene.project.planned_finish
    assert finish is not None
    finishing = codes(get(client, world, "projects/", {"planned_finish_after": finish.isoformat()}))
    by_rag = get(client, world, "projects/", {"ordering": "rag"}).json()["results"]

    assert by_status == ["ALPHA-0", "ALPHA-1", "ALPHA-2", "LC-1"] and on_hold == []
    assert by_portfolio == ["ALPHA-0", "ALPHA-1", "ALPHA-2"]
    assert by_words == by_alias == by_tag == ["LC-1"]
    assert by_manager == ["LC-1", "ALPHA-0"]
    assert finishing == ["LC-1"]
    assert by_rag[0]["code"] == "LC-1" and by_rag[0]["latest_rag"] == "green"
    assert by_rag[0]["latest_week"] == week_label(current_week_start(organization=world.organization))
    assert all(row["latest_rag"] is None for row in by_rag[1:])


def test_wrong_filter_values_are_400_naming_each_parameter(
    catalog: Catalog, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    world = catalog.world
    client = api_client(world.users["pmo"])
    beta_portfolio = org_b.projects[0].portfolio
    assert beta_portfolio is not None

    projects = get(
        client,
        world,
        "projects/",
        {"status": "sleeping", "portfolio": beta_portfolio.pk, "manager": org_b.users["manager"].pk, "tag": "x" * 41},
    )
    dates = get(client, world, "projects/", {"planned_start_after": "yesterday"})
    week = get(client, world, "status-reports/", {"week": "2026-W99"})
    conflict = get(client, world, "dependencies/", {"conflict": "maybe", "project": org_b.projects[0].pk})
    requests = get(client, world, "requests/", {"objective": 0, "submitted_after": "2026-13-01"})
    awaiting = get(client, world, "change-requests/", {"awaiting": "you"})
    compliance = get(client, world, "status-compliance/", {"state": "asleep", "ordering": "size"})

    assert projects.status_code == 400 and set(projects.json()) == {"status", "portfolio", "manager", "tag"}
    assert dates.status_code == 400 and set(dates.json()) == {"planned_start_after"}
    assert week.status_code == 400 and set(week.json()) == {"week"}
    assert conflict.status_code == 400 and set(conflict.json()) == {"conflict", "project"}
    assert requests.status_code == 400 and set(requests.json()) == {"objective", "submitted_after"}
    assert awaiting.status_code == 400 and set(awaiting.json()) == {"awaiting"}
    assert compliance.status_code == 400 and set(compliance.json()) == {"state", "ordering"}


def test_a_project_the_caller_cannot_read_is_not_a_filter_choice(
    catalog: Catalog, api_client: ApiClientFactory
) -> None:
    """The member may not read projects[2]: filtering by it is refused, not an empty list that confirms it."""
    world = catalog.world
    client = api_client(world.users["member"])
    hidden = world.projects[2].pk

    for path in ("change-requests/", "status-reports/", "dependencies/", "knowledge/"):
        response = get(client, world, path, {"project": hidden})
        assert response.status_code == 400, path
        assert set(response.json()) == {"project"}


def test_intake_lists_filter_by_words_number_status_and_objective(
    catalog: Catalog, api_client: ApiClientFactory
) -> None:
    world, intake = catalog.world, catalog.intake
    client = api_client(world.users["pmo"])

    by_number = codes(get(client, world, "requests/", {"q": intake.submitted.code}), "title")
    by_status = codes(get(client, world, "requests/", {"status": ProjectRequest.Status.IN_REVIEW}), "title")
    by_objective = codes(get(client, world, "requests/", {"objective": intake.objective.pk}), "title")
    today = timezone.localdate().isoformat()
    submitted_today = codes(get(client, world, "requests/", {"submitted_after": today, "ordering": "title"}), "title")
    pipeline = get(client, world, "pipeline/", {"ordering": "-ratio"}).json()["results"]

    assert by_number == ["Submitted"]
    assert by_status == ["In review"]
    assert by_objective == ["Draft"]
    assert submitted_today == ["In review", "Submitted"]
    assert {row["title"] for row in pipeline} == {"Submitted", "In review"}
    assert all(row["benefit_ratio"] is not None for row in pipeline)


def test_portfolio_lists_filter_by_words_and_people(catalog: Catalog, api_client: ApiClientFactory) -> None:
    world, intake = catalog.world, catalog.intake
    client = api_client(world.users["pmo"])

    portfolios = codes(get(client, world, "portfolios/", {"q": "empty"}), "name")
    programmes = codes(get(client, world, "programs/", {"portfolio": intake.portfolio.pk, "ordering": "-name"}), "name")
    objectives = codes(get(client, world, "objectives/", {"q": "OBJ-Z"}), "code")
    active = codes(get(client, world, "scoring-criteria/", {"active": "false"}), "key")
    scenarios = codes(get(client, world, "scenarios/", {"q": "lean"}), "name")

    assert portfolios == ["alpha empty"]
    assert programmes == ["alpha programme", "alpha empty programme"]
    assert objectives == ["OBJ-Z"]
    assert active == ["unused"]
    assert scenarios == ["Lean"]


def test_change_status_and_compliance_lists_filter(catalog: Catalog, api_client: ApiClientFactory) -> None:
    world, scene = catalog.world, catalog.scene
    pmo = api_client(world.users["pmo"])
    week = week_label(current_week_start(organization=world.organization))

    awaiting = codes(get(pmo, world, "change-requests/", {"awaiting": "me"}), "title")
    searched = codes(get(pmo, world, "change-requests/", {"q": "CR-001"}), "title")
    none_submitted = codes(get(pmo, world, "change-requests/", {"submitted_before": "2000-01-01"}), "title")
    reports = codes(get(pmo, world, "status-reports/", {"week": week, "project": scene.project.pk}), "project_code")
    earlier = codes(
        get(pmo, world, f"projects/{scene.project.pk}/status-reports/", {"week_before": "2000-W01"}), "week"
    )
    compliance = get(pmo, world, "status-compliance/", {"week": week}).json()["results"]
    submitted = get(pmo, world, "status-compliance/", {"state": "submitted"}).json()["results"]

    assert awaiting == searched == ["More sensors"]
    assert none_submitted == []
    assert reports == ["LC-1"]
    assert earlier == []
    states = {row["project"]["code"]: (row["state"], row["report"] is not None) for row in compliance}
    assert states["LC-1"] == ("submitted", True)
    assert {state for code, state in states.items() if code != "LC-1"} <= {("none", False), ("missing", False)}
    assert [row["project"]["code"] for row in submitted] == ["LC-1"]


def test_lifecycle_lists_filter(catalog: Catalog, api_client: ApiClientFactory) -> None:
    world, scene = catalog.world, catalog.scene
    client = api_client(world.users["manager"])
    base = f"projects/{scene.project.pk}/"
    with world.ctx():
        late = MilestoneFactory(
            organization=world.organization,
            project=scene.project,
            name="Late one",
            forecast_date=timezone.localdate() - dt.timedelta(days=3),
        )

    active_phases = codes(get(client, world, f"{base}phases/", {"status": "active"}), "order")
    optional = codes(get(client, world, f"{base}deliverables/", {"required": "false"}), "id")
    dcp = codes(get(client, world, f"{base}gates/", {"kind": "dcp", "ordering": "code"}), "code")
    late_ones = codes(get(client, world, f"{base}milestones/", {"late": "true"}), "id")
    conflicts = codes(get(client, world, "dependencies/", {"project": scene.project.pk}), "id")
    builtin = codes(get(api_client(world.users["pmo"]), world, "templates/", {"is_builtin": "true"}), "kind")

    assert active_phases == [1]
    assert scene.optional_deliverable.pk in optional and scene.deliverable.pk not in optional
    assert dcp and all("DCP" in code for code in dcp) and dcp == sorted(dcp)
    assert late_ones == [late.pk]
    assert len(conflicts) == 1
    assert sorted(builtin) == ["ipd", "standard"]


def test_knowledge_search_and_sort(catalog: Catalog, api_client: ApiClientFactory) -> None:
    world = catalog.world
    make_article(world, "pmo", kind="guide", title="Appendix on risk", tags=["risk"])
    client = api_client(world.users["member"])

    found = codes(get(client, world, "knowledge/", {"q": "gate review"}), "title")
    tagged = codes(get(client, world, "knowledge/", {"tag": "risk"}), "title")
    by_title = codes(get(client, world, "knowledge/", {"ordering": "title"}), "title")

    assert found == ["Gate review checklist"]
    assert tagged == ["Appendix on risk"]
    assert by_title == ["Appendix on risk", "Gate review checklist"]


# --- Query counts with filters and sorts applied ----------------------------------------------------------------

MANY = 12


def grow(catalog: Catalog, n: int) -> None:
    world, scene = catalog.world, catalog.scene
    org = world.organization
    with world.ctx():
        for i in range(n):
            ProjectFactory(
                organization=org,
                code=f"N-{i:03d}",
                manager=world.users["manager"],
                status="active",
                portfolio=world.projects[0].portfolio,
                tags=["grown"],
            )
            MilestoneFactory(organization=org, project=scene.project, name=f"Grown {i}")
    for i in range(n):
        raise_cr(world, scene.project, title=f"Grown {i}")
        new_request(world, ProjectRequest.Status.SUBMITTED, title=f"Grown {i}")
        make_article(world, "pmo", kind="guide", title=f"Grown guide {i}", tags=["grown"])
    week = current_week_start(organization=world.organization)
    for i in range(n):
        submitted_report(world, scene.project, week - dt.timedelta(weeks=i + 1))


FILTERED = {
    "register by RAG": ("projects/?ordering=rag,-bac&status=active&tag=grown&q=N-", 11),
    "register by manager": ("projects/?manager={manager}&ordering=-manager&planned_finish_after=2000-01-01", 11),
    "requests": ("requests/?q=grown&status=submitted&ordering=-sponsor&submitted_after=2000-01-01", 11),
    "pipeline": ("pipeline/?ordering=-ratio&q=grown", 11),
    "change requests": ("change-requests/?q=grown&ordering=-cost&type=cost", 11),
    "change requests by portfolio": ("change-requests/?portfolio={portfolio}&submitted_after=2000-01-01", 11),
    "awaiting me": ("change-requests/?awaiting=me", 11),
    "project change requests": ("projects/{p}/change-requests/?status=draft&ordering=title", 11),
    "status reports": ("status-reports/?ordering=-week&project={p}", 11),
    "project status reports": ("projects/{p}/status-reports/?week_after=2000-W01&ordering=state", 11),
    "compliance": ("status-compliance/?ordering=-overall", 11),
    "milestones": ("projects/{p}/milestones/?late=false&ordering=-baseline", 11),
    "knowledge": ("knowledge/?q=grown&ordering=-updated", 11),
    "knowledge by tag": ("knowledge/?tag=grown&kind=guide", 11),
    "overview": ("projects/{p}/overview/", 20),
}


# Filters that may match nothing here (their rows are counted in the query bound all the same).
EMPTY_ALLOWED = {"awaiting me", "change requests by portfolio"}


@pytest.mark.parametrize("size", [1, MANY], ids=["few", "many"])
def test_filtered_lists_run_a_constant_number_of_queries(
    org_a: OrgWorld, api_client: ApiClientFactory, django_assert_max_num_queries: Any, size: int
) -> None:
    """The same bound for each list with one grown row and with many (one catalogue per size: it is costly)."""
    catalog = build_catalog(org_a)
    grow(catalog, size)
    world = catalog.world
    portfolio = world.projects[0].portfolio
    assert portfolio is not None
    client = api_client(world.users["pmo"])
    client.get(f"/api/v1/orgs/{world.slug}/projects/")  # the token's first use is recorded once

    for name, (path, bound) in FILTERED.items():
        url = f"/api/v1/orgs/{world.slug}/" + path.format(
            p=catalog.scene.project.pk, manager=world.users["manager"].pk, portfolio=portfolio.pk
        )
        with django_assert_max_num_queries(bound, info=name):
            response = client.get(url)
        assert response.status_code == 200, (name, response.content)
        body = response.json()
        assert "count" not in body or body["count"] >= (0 if name in EMPTY_ALLOWED else 1), name
