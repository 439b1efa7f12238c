"""The project pages for every role and for users of another organisation: who may open each page and send each
form, that a refused form changes nothing, that buttons appear only for those who may use them, and that refusals
are explained next to the form."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from projects import services
from projects.models import GateReview, Project, ProjectDeliverable, ProjectPhase
from tests.conftest import ROLES, OrgWorld
from tests.factories_projects import (
    Scene,
    build_scene,
    close_project,
    draft_closure,
    project_state,
    set_pmo_type,
    template_state,
)
from tests.test_projects_api_matrix import a_copy, a_dependency, builtin, drafted, pending_tailoring, submitted

ALL = frozenset(ROLES)
GOVERNANCE = frozenset({"admin", "pmo"})
CHANGERS = GOVERNANCE | {"manager"}
LEADERSHIP = GOVERNANCE | {"executive"}


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def scene(org_a: OrgWorld, org_b: OrgWorld) -> Scene:
    return build_scene(org_a)


def state(scene: Scene) -> Any:
    world = scene.world
    with world.ctx():
        every_project = list(Project.objects.order_by("pk").values_list("pk", "code"))
    return (project_state(world, scene.project, scene.other, scene.hidden), template_state(world), every_project)


# --- Pages (GET) -------------------------------------------------------------------------------------------------


@dataclass
class Page:
    path: Callable[[Scene, dict[str, Any]], str]
    allowed: frozenset[str]
    prepare: Callable[[Scene], dict[str, Any]] = field(default=lambda s: {})
    project_scoped: bool = True


def tab(rest: str) -> Callable[[Scene, dict[str, Any]], str]:
    return lambda s, c: f"projects/{s.project.pk}/{rest}"


PAGES = {
    "list": Page(lambda s, c: "projects/", ALL, project_scoped=False),
    "create": Page(lambda s, c: "projects/new/", GOVERNANCE, project_scoped=False),
    "overview": Page(tab(""), ALL),
    "edit": Page(tab("edit/"), CHANGERS),
    "lifecycle": Page(tab("lifecycle/"), ALL),
    "milestones": Page(tab("milestones/"), ALL),
    "baselines": Page(tab("baselines/"), ALL),
    "baseline": Page(tab("baselines/1/"), ALL),
    "compare": Page(tab("baselines/compare/?a=1&b=1"), ALL),
    "dependencies": Page(tab("dependencies/"), ALL),
    "closure": Page(tab("closure/"), ALL, prepare=drafted),
    "dependency list": Page(lambda s, c: "dependencies/", LEADERSHIP, project_scoped=False),
    "templates": Page(lambda s, c: "templates/", GOVERNANCE, project_scoped=False),
    "template": Page(lambda s, c: f"templates/{c['builtin']}/", GOVERNANCE, prepare=builtin, project_scoped=False),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_matrix(scene: Scene, org_b: OrgWorld, name: str) -> None:
    page = PAGES[name]
    context = page.prepare(scene)
    url = f"/o/{scene.world.slug}/{page.path(scene, context)}"

    for role in ROLES:
        response = logged_in(scene.world.users[role]).get(url)
        assert response.status_code == (200 if role in page.allowed else 403), (name, role)
    for role in ROLES:
        assert logged_in(org_b.users[role]).get(url).status_code == 404, (name, role)


@pytest.mark.parametrize("name", [n for n, p in PAGES.items() if p.project_scoped])
def test_tabs_of_a_project_i_cannot_see_are_404(scene: Scene, name: str) -> None:
    page = PAGES[name]
    context = page.prepare(scene)
    path = page.path(scene, context).replace(f"projects/{scene.project.pk}/", f"projects/{scene.hidden.pk}/")

    for role in ("manager", "member", "viewer"):
        response = logged_in(scene.world.users[role]).get(f"/o/{scene.world.slug}/{path}")
        assert response.status_code == 404, (name, role)


def test_anonymous_visitors_are_sent_to_log_in(scene: Scene) -> None:
    for page in PAGES.values():
        url = f"/o/{scene.world.slug}/{page.path(scene, page.prepare(scene))}"
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- Forms (POST) ------------------------------------------------------------------------------------------------


@dataclass
class Action:
    path: Callable[[Scene, dict[str, Any]], str]
    allowed: frozenset[str]
    data: Callable[[Scene, dict[str, Any]], dict[str, Any]] = field(default=lambda s, c: {})
    prepare: Callable[[Scene], dict[str, Any]] = field(default=lambda s: {})


def pass_phase_one(scene: Scene) -> dict[str, Any]:
    from tests.test_projects_api_matrix import pass_requirements

    return pass_requirements(scene)


CLOSURE_FORM = {
    "outcome": "met",
    "outcome_summary": "Done.",
    "final_cost": "1000",
    "actual_finish": "2020-01-31",
    "customer_satisfaction": "4",
    "lesson_title_0": "Plan early",
    "lesson_text_0": "It helps.",
}

ACTIONS = {
    "create": Action(lambda s, c: "projects/new/", GOVERNANCE,
                     data=lambda s, c: {"name": "New", "status": "planning", "priority": "2",
                                        "template": s.project.template_id}),
    "edit": Action(tab("edit/"), CHANGERS,
                   data=lambda s, c: {"name": "Renamed", "status": "active", "priority": "3",
                                      "manager": s.world.users["manager"].pk, "version": "1"}),
    "share": Action(tab("share/"), GOVERNANCE, data=lambda s, c: {"user": s.world.users["admin"].pk}),
    "deliverable": Action(lambda s, c: f"projects/{s.project.pk}/deliverables/{s.deliverable.pk}/", CHANGERS,
                          data=lambda s, c: {"status": "done"}),
    "decide TR": Action(lambda s, c: f"projects/{s.project.pk}/gates/{s.tr_gate.pk}/decide/", GOVERNANCE,
                        data=lambda s, c: {"decision": "go"}),
    "decide DCP": Action(lambda s, c: f"projects/{s.project.pk}/gates/{s.dcp_gate.pk}/decide/",
                         frozenset({"admin", "executive"}), data=lambda s, c: {"decision": "go"}),
    "advance": Action(tab("advance/"), CHANGERS, prepare=pass_phase_one),
    "propose tailoring": Action(tab("tailoring/"), CHANGERS,
                                data=lambda s, c: {"justification": "Small.",
                                                   "deliverables": [s.optional_deliverable.pk]}),
    "decide tailoring": Action(lambda s, c: f"projects/{s.project.pk}/tailoring/{c['tailoring']}/decide/",
                               GOVERNANCE, prepare=pending_tailoring, data=lambda s, c: {"decision": "approve"}),
    "add milestone": Action(tab("milestones/"), CHANGERS, data=lambda s, c: {"name": "Extra", "weight": "1"}),
    "edit milestone": Action(lambda s, c: f"projects/{s.project.pk}/milestones/{s.milestone.pk}/", CHANGERS,
                             data=lambda s, c: {"name": s.milestone.name, "forecast_date": "2031-01-01",
                                                "weight": "2"}),
    "add dependency": Action(tab("dependencies/"), CHANGERS,
                             data=lambda s, c: {"upstream": s.other_milestone.pk, "downstream": s.milestone.pk}),
    "add dependency (org page)": Action(lambda s, c: "dependencies/", GOVERNANCE,
                                        data=lambda s, c: {"upstream": s.other_milestone.pk,
                                                           "downstream": s.milestone.pk}),
    "remove dependency": Action(lambda s, c: f"dependencies/{c['dependency']}/delete/", CHANGERS,
                                prepare=a_dependency),
    "draft closure": Action(tab("closure/"), CHANGERS, data=lambda s, c: CLOSURE_FORM),
    "submit closure": Action(tab("closure/submit/"), CHANGERS, prepare=drafted),
    "approve closure": Action(tab("closure/approve/"), GOVERNANCE, prepare=submitted),
    "return closure": Action(tab("closure/return/"), GOVERNANCE, prepare=submitted,
                             data=lambda s, c: {"note": "More detail."}),
    "copy template": Action(lambda s, c: f"templates/{c['builtin']}/copy/", GOVERNANCE, prepare=builtin,
                            data=lambda s, c: {"name": "Mine"}),
    "edit template": Action(lambda s, c: f"templates/{c['copy']}/edit/", GOVERNANCE, prepare=a_copy,
                            data=lambda s, c: {"name": "Renamed", "active": "on"}),
    "add template phase": Action(lambda s, c: f"templates/{c['copy']}/phases/", GOVERNANCE, prepare=a_copy,
                                 data=lambda s, c: {"name": "Pilot", "order": "2"}),
    "edit template phase": Action(lambda s, c: f"templates/{c['copy']}/phases/{c['phase']}/", GOVERNANCE,
                                  prepare=a_copy, data=lambda s, c: {"name": "Start", "optional": "on"}),
    "remove template phase": Action(lambda s, c: f"templates/{c['copy']}/phases/{c['phase']}/delete/", GOVERNANCE,
                                    prepare=a_copy),
    "add template deliverable": Action(lambda s, c: f"templates/{c['copy']}/deliverables/", GOVERNANCE,
                                       prepare=a_copy, data=lambda s, c: {"phase": c["phase"], "name": "Memo"}),
    "edit template deliverable": Action(lambda s, c: f"templates/{c['copy']}/deliverables/{c['deliverable']}/",
                                        GOVERNANCE, prepare=a_copy, data=lambda s, c: {"name": "Memo"}),
    "remove template deliverable": Action(
        lambda s, c: f"templates/{c['copy']}/deliverables/{c['deliverable']}/delete/", GOVERNANCE, prepare=a_copy),
    "add template gate": Action(lambda s, c: f"templates/{c['copy']}/gates/", GOVERNANCE, prepare=a_copy,
                                data=lambda s, c: {"phase": c["phase"], "code": "G9", "name": "Extra",
                                                   "kind": "gate", "decider": "pmo"}),
    "edit template gate": Action(lambda s, c: f"templates/{c['copy']}/gates/{c['gate']}/", GOVERNANCE,
                                 prepare=a_copy, data=lambda s, c: {"code": "G1", "name": "Start", "kind": "dcp",
                                                                    "decider": "executive"}),
    "remove template gate": Action(lambda s, c: f"templates/{c['copy']}/gates/{c['gate']}/delete/", GOVERNANCE,
                                   prepare=a_copy),
}  # fmt: skip


@pytest.mark.parametrize("name", list(ACTIONS))
def test_form_matrix(scene: Scene, name: str) -> None:
    """Allowed roles are redirected after a change; the others get 403 and change nothing."""
    action = ACTIONS[name]
    for role in ROLES:
        with transaction.atomic():
            context = action.prepare(scene)
            before = state(scene)

            response = logged_in(scene.world.users[role]).post(
                f"/o/{scene.world.slug}/{action.path(scene, context)}", action.data(scene, context)
            )

            if role in action.allowed:
                assert response.status_code == 302, (name, role, response.status_code)
                assert state(scene) != before, (name, role)
            else:
                assert response.status_code == 403, (name, role)
                assert state(scene) == before, (name, role)
            transaction.set_rollback(True)


@pytest.mark.parametrize("name", list(ACTIONS))
def test_forms_sent_by_another_organisation_are_404_and_change_nothing(
    scene: Scene, org_b: OrgWorld, name: str
) -> None:
    action = ACTIONS[name]
    context = action.prepare(scene)
    before = state(scene)

    for role in ROLES:
        response = logged_in(org_b.users[role]).post(
            f"/o/{scene.world.slug}/{action.path(scene, context)}", action.data(scene, context)
        )
        assert response.status_code == 404, (name, role)

    assert state(scene) == before


# --- What each role sees -------------------------------------------------------------------------------------------


def content(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_buttons_appear_only_for_those_who_may_use_them(scene: Scene, role: str) -> None:
    pending_tailoring(scene)
    submitted(scene)
    client = logged_in(scene.world.users[role])
    base = f"/o/{scene.world.slug}/projects/{scene.project.pk}/"

    overview = content(client, base)
    lifecycle = content(client, f"{base}lifecycle/")
    closure = content(client, f"{base}closure/")
    milestones = content(client, f"{base}milestones/")
    dependencies = content(client, f"{base}dependencies/")
    listing = content(client, f"/o/{scene.world.slug}/projects/")

    assert ('data-testid="edit-project"' in overview) == (role in CHANGERS)
    assert ('data-testid="share-form"' in overview) == (role in GOVERNANCE)
    assert ('data-testid="decide-TR1"' in lifecycle) == (role in GOVERNANCE)
    assert ('data-testid="decide-CDCP"' in lifecycle) == (role in {"admin", "executive"})
    assert ("Mark done" in lifecycle) == (role in CHANGERS)
    assert ('data-testid="tailoring-form"' in lifecycle) == (role in CHANGERS)
    assert ("Approve</button>" in lifecycle) == (role in GOVERNANCE)
    assert ('data-testid="closure-decision"' in closure) == (role in GOVERNANCE)
    assert ('data-testid="milestone-form"' in milestones) == (role in CHANGERS)
    assert ('data-testid="dependency-form"' in dependencies) == (role in CHANGERS)
    assert ('data-testid="new-project"' in listing) == (role in GOVERNANCE)


def test_a_closed_project_shows_why_and_hides_every_control(scene: Scene) -> None:
    close_project(scene.world, scene.project)
    client = logged_in(scene.world.users["pmo"])
    base = f"/o/{scene.world.slug}/projects/{scene.project.pk}/"

    pages = {tab: content(client, f"{base}{tab}") for tab in ("", "lifecycle/", "milestones/", "dependencies/",
                                                              "closure/")}  # fmt: skip

    for tab, html in pages.items():
        assert 'data-testid="read-only-banner"' in html, tab
        assert "It is archived: nothing of it can change any more." in html
        # No form that changes anything: the language switch and the one-pager (a PDF of it, on the Reports page) stay.
        assert not re.search(
            r'<form method="post"(?! action="/accounts/language/| action="/o/[\w-]+/reports/")[^>]*>',
            html.split("</header>")[1],
        ), tab
    assert 'data-testid="edit-project"' not in pages[""]
    assert 'data-testid="advance-card"' not in pages["lifecycle/"]
    assert "Approved" in pages["closure/"]


def test_a_refused_waiver_is_explained_next_to_the_deliverable(scene: Scene) -> None:
    before = state(scene)
    client = logged_in(scene.world.users["manager"])
    url = f"/o/{scene.world.slug}/projects/{scene.project.pk}/deliverables/{scene.deliverable.pk}/"

    response = client.post(url, {"status": "waived", "note": ""})

    assert response.status_code == 400
    html = response.content.decode()
    row = html.split(f'id="deliverable-{scene.deliverable.pk}"')[1].split("</tr>")[0]
    assert "Give the reason for the waiver." in row
    assert state(scene) == before


def test_advancing_in_a_directive_organisation_lists_what_is_missing(scene: Scene) -> None:
    set_pmo_type(scene.world, "directive")
    before = state(scene)
    client = logged_in(scene.world.users["manager"])
    base = f"/o/{scene.world.slug}/projects/{scene.project.pk}/"

    page = content(client, f"{base}lifecycle/")
    response = client.post(f"{base}advance/")

    assert 'data-testid="advance-form"' not in page  # the button is disabled while items are open
    assert "Directive PMO: a phase is passed only when" in page
    assert response.status_code == 400
    html = response.content.decode()
    assert "The phase cannot be passed yet" in html
    assert "gate TR1 Requirements and concept review is pending" in html
    assert state(scene) == before


def test_advancing_in_a_supportive_organisation_warns_and_records(scene: Scene) -> None:
    set_pmo_type(scene.world, "supportive")
    client = logged_in(scene.world.users["manager"])
    base = f"/o/{scene.world.slug}/projects/{scene.project.pk}/"

    response = client.post(f"{base}advance/", follow=True)

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Passed with open items (recorded on the phase): gate TR1") for m in messages)
    assert "Concept completed; Plan started." in messages
    with scene.world.ctx():
        concept = ProjectPhase.objects.get(project=scene.project, order=1)
    assert concept.status == "completed"
    assert [item["kind"] for item in concept.exit_warnings] == ["gate", "gate", "deliverable", "deliverable",
                                                               "deliverable"]  # fmt: skip
    assert 'data-testid="exit-warnings"' in response.content.decode()


def test_a_gate_decision_through_the_page_records_who_when_and_the_checklist(scene: Scene) -> None:
    client = logged_in(scene.world.users["pmo"])
    url = f"/o/{scene.world.slug}/projects/{scene.project.pk}/gates/{scene.tr_gate.pk}/decide/"

    refused = client.post(url, {"decision": "hold", "note": ""})
    done = client.post(url, {"decision": "go", "conditions": "Fix the two open issues."})

    assert refused.status_code == 400
    assert "Explain a no-go, recycle or hold decision in the note." in refused.content.decode()
    assert done.status_code == 302
    with scene.world.ctx():
        gate = GateReview.objects.get(pk=scene.tr_gate.pk)
    assert (gate.decision, gate.decided_by, gate.conditions) == (
        "go",
        scene.world.users["pmo"],
        "Fix the two open issues.",
    )
    assert gate.decided_at is not None
    assert [item["name"] for item in gate.checklist] == [
        "Market requirements",
        "Product concept",
        "Initial business plan",
    ]


def test_closure_form_errors_are_shown_and_change_nothing(scene: Scene) -> None:
    before = state(scene)
    client = logged_in(scene.world.users["manager"])
    data = {**CLOSURE_FORM, "customer_satisfaction": "9", "actual_finish": "2999-01-01", "lesson_text_0": ""}

    response = client.post(f"/o/{scene.world.slug}/projects/{scene.project.pk}/closure/", data)

    assert response.status_code == 400
    form = response.context["closure_form"]
    assert set(form.errors) >= {"customer_satisfaction"}
    assert state(scene) == before


def test_service_refusals_of_the_closure_are_shown_on_the_form(scene: Scene) -> None:
    before = state(scene)
    client = logged_in(scene.world.users["manager"])
    data = {**CLOSURE_FORM, "actual_finish": "2999-01-01", "lesson_text_0": ""}

    response = client.post(f"/o/{scene.world.slug}/projects/{scene.project.pk}/closure/", data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "An actual date cannot lie in the future." in html
    assert state(scene) == before


def test_an_invalid_project_form_shows_the_errors(scene: Scene) -> None:
    before = state(scene)
    client = logged_in(scene.world.users["pmo"])
    data = {
        "name": "",
        "status": "planning",
        "priority": "2",
        "planned_start": "2030-02-01",
        "planned_finish": "2030-01-01",
    }

    response = client.post(f"/o/{scene.world.slug}/projects/new/", data)

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "planned_finish", "template"}
    assert state(scene) == before


def test_a_stale_edit_is_refused_with_a_reason(scene: Scene) -> None:
    client = logged_in(scene.world.users["manager"])
    url = f"/o/{scene.world.slug}/projects/{scene.project.pk}/edit/"
    form = {"name": "Mine", "status": "active", "priority": "2", "version": "1"}
    with scene.world.ctx():
        services.project_update(
            organization=scene.world.organization, actor=scene.world.users["pmo"], project=scene.project, name="Theirs"
        )

    response = client.post(url, form)

    assert response.status_code == 409
    assert "Someone else changed this project in the meantime." in response.content.decode()
    with scene.world.ctx():
        assert Project.objects.get(pk=scene.project.pk).name == "Theirs"


def test_the_manager_cannot_reassign_a_project_through_the_form(scene: Scene) -> None:
    client = logged_in(scene.world.users["manager"])
    form = {"name": "Mine", "status": "active", "priority": "2", "manager": scene.world.users["member"].pk,
            "version": "1"}  # fmt: skip

    response = client.post(f"/o/{scene.world.slug}/projects/{scene.project.pk}/edit/", form)

    assert response.status_code == 302
    with scene.world.ctx():
        project = Project.objects.get(pk=scene.project.pk)
    assert (project.name, project.manager) == ("Mine", scene.world.users["manager"])


def test_the_pmo_creates_a_project_from_a_template(scene: Scene) -> None:
    client = logged_in(scene.world.users["pmo"])
    with scene.world.ctx():
        template = scene.project.template
        assert template is not None

    response = client.post(
        f"/o/{scene.world.slug}/projects/new/",
        {"name": "Fresh", "code": "FR-1", "template": template.pk, "status": "planning", "priority": "3",
         "manager": scene.world.users["manager"].pk, "tags": "alpha, beta"},
    )  # fmt: skip

    assert response.status_code == 302
    with scene.world.ctx():
        project = Project.objects.get(code="FR-1")
        assert project.tags == ["alpha", "beta"]
        assert ProjectPhase.objects.filter(project=project).count() == 6
        assert ProjectDeliverable.objects.filter(project=project).count() == 17
    assert response["Location"] == f"/o/{scene.world.slug}/projects/{project.pk}/"
    assert logged_in(scene.world.users["manager"]).get(response["Location"]).status_code == 200


def test_the_project_list_filters_sorts_and_pages(scene: Scene) -> None:
    client = logged_in(scene.world.users["pmo"])
    url = f"/o/{scene.world.slug}/projects/"
    with scene.world.ctx():
        template_id = scene.project.template_id

    by_template = client.get(url, {"template": template_id})
    by_tag = client.get(url, {"tag": "core"})
    by_manager = client.get(url, {"manager": scene.world.users["manager"].pk, "sort": "-code"})
    by_status = client.get(url, {"status": "on_hold"})
    nonsense = client.get(url, {"status": "nope", "portfolio": "x"})

    assert [p.code for p in by_template.context["projects"]] == ["LC-1"]
    assert [p.code for p in by_tag.context["projects"]] == ["LC-1"]
    assert [p.code for p in by_manager.context["projects"]] == ["LC-1", "ALPHA-0"]
    assert list(by_status.context["projects"]) == []
    assert "No project matches these filters." in by_status.content.decode()
    assert nonsense.status_code == 200
    assert len(nonsense.context["projects"]) == 4


def test_closure_approval_on_the_page_publishes_the_lessons(scene: Scene) -> None:
    draft_closure(scene.world, scene.project, lessons=2)
    manager, pmo = logged_in(scene.world.users["manager"]), logged_in(scene.world.users["pmo"])
    base = f"/o/{scene.world.slug}/projects/{scene.project.pk}/closure/"

    assert manager.post(f"{base}submit/").status_code == 302
    assert pmo.post(f"{base}approve/", {"note": "Fine."}).status_code == 302

    page = content(pmo, base)
    assert "Lesson 1" in page and "Lesson 2" in page
    assert 'href="/o/alpha/knowledge/' in page
    with scene.world.ctx():
        assert Project.objects.get(pk=scene.project.pk).status == "closed"


# --- Register and dependency lists: sort, export --------------------------------------------------------------


def csv_rows(response: Any) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_register_sorts_by_latest_rag_and_exports_what_a_pmo_needs(scene: Scene) -> None:
    import datetime as dt

    from tests.factories_kpis import report

    world = scene.world
    week = services.organization_today(world.organization) - dt.timedelta(weeks=1)
    week -= dt.timedelta(days=week.weekday())
    report(world, world.projects[0], week, rag="red", percent_complete=40)
    report(world, world.projects[1], week, rag="amber", percent_complete=70)
    report(world, world.projects[1], week - dt.timedelta(weeks=1), rag="green", percent_complete=60)
    client = logged_in(world.users["pmo"])
    url = f"/o/{world.slug}/projects/"

    red_first = [p.code for p in client.get(url, {"sort": "rag"}).context["projects"]]
    by_complete = [p.code for p in client.get(url, {"sort": "-complete"}).context["projects"]]
    export = client.get(url, {"sort": "rag", "format": "csv"})
    xlsx = client.get(url, {"format": "xlsx", "status": "active"})
    refused = client.get(url, {"status": "nope", "format": "csv"})

    assert red_first[:2] == ["ALPHA-0", "ALPHA-1"]  # projects without a report come last
    assert by_complete[:2] == ["ALPHA-1", "ALPHA-0"]
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    rows = csv_rows(export)
    header = rows[0]
    for column in ("Code", "Name", "Status", "Phase", "Portfolio", "Programme", "Manager", "Planned start",
                   "Planned finish", "Latest RAG", "Percent complete", "Tags"):  # fmt: skip
        assert column in header, column
    assert any(name.startswith("BAC") for name in header)
    first = dict(zip(header, rows[1], strict=True))
    assert (first["Code"], first["Latest RAG"], first["Percent complete"]) == ("ALPHA-0", "Red", "40.00")
    assert dict(zip(header, rows[2], strict=True))["Latest RAG"] == "Amber"
    assert len(rows) == 1 + 4
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert refused.status_code == 400 and "status" in refused.json()


def test_the_register_export_follows_what_the_user_may_see(scene: Scene, org_b: OrgWorld) -> None:
    url = f"/o/{scene.world.slug}/projects/?format=csv"

    client = logged_in(scene.world.users["viewer"])
    viewer = csv_rows(client.get(url))
    shown = [p.code for p in client.get(url.replace("?format=csv", "")).context["projects"]]
    outsider = logged_in(org_b.users["pmo"]).get(url)

    assert [row[0] for row in viewer[1:]] == shown
    assert "ALPHA-1" in shown and "ALPHA-0" not in shown and "ALPHA-2" not in shown
    assert outsider.status_code == 404


def test_the_dependency_list_filters_sorts_pages_and_exports(scene: Scene, org_b: OrgWorld) -> None:
    from tests.factories_projects import dependency

    world = scene.world
    first = dependency(world, scene.other_milestone, scene.milestone)
    client = logged_in(world.users["pmo"])
    url = f"/o/{world.slug}/dependencies/"

    page = client.get(url, {"sort": "need"})
    by_project = client.get(url, {"project": scene.hidden.pk})
    export = client.get(url, {"format": "csv"})

    assert page.status_code == 200
    assert [d.pk for d in page.context["dependencies"]] == [first.pk]
    assert 'data-testid="export-csv"' in page.content.decode()
    assert list(by_project.context["dependencies"]) == []
    assert "No dependency matches these filters." in by_project.content.decode()
    rows = csv_rows(export)
    assert rows[0][:3] == ["Upstream project code", "Upstream project", "Needed milestone"]
    assert rows[1][0] == scene.other.code and rows[1][5] == scene.project.code
    assert client.get(url, {"project": "x", "format": "csv"}).status_code == 400
    assert logged_in(world.users["manager"]).get(url, {"format": "csv"}).status_code == 403
    assert logged_in(org_b.users["pmo"]).get(url, {"format": "csv"}).status_code == 404
