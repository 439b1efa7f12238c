"""The intake journey in Chromium: the PMO scores and approves a request on the IPD lifecycle; the project appears
with its phases, TR/DCP gates, milestones and baseline v1; its manager finds it; another organisation gets 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from pmo.tenancy.roles import Role
from pmo.tenancy.services import organization_run_setup_hooks
from portfolio.models import ProjectRequest
from portfolio.services import request_create, request_submit
from projects.models import Baseline, GateReview, ProcessTemplate, Project
from tests.conftest import OrgWorld
from tests.test_browser import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submitted_ipd_request(world: OrgWorld) -> ProjectRequest:
    org = world.organization
    with world.ctx():
        organization_run_setup_hooks(organization=org)
        ipd = ProcessTemplate.objects.get(organization=org, is_builtin=True, kind=ProcessTemplate.Kind.IPD)
        request = request_create(
            organization=org,
            actor=world.users[Role.MANAGER],
            title="Smart sensor product line",
            business_case="A sensor family for the industrial market.",
            sponsor=world.users[Role.EXECUTIVE],
            template=ipd,
            proposed_manager=world.users[Role.MANAGER],
            estimated_cost=Decimal("1500000"),
            planned_start=dt.date(2027, 1, 4),
            planned_finish=dt.date(2027, 12, 17),
        )
        return request_submit(organization=org, actor=world.users[Role.MANAGER], request=request)


def test_pmo_approves_an_ipd_request_and_the_manager_finds_the_project(
    live_server: Any, org_a: OrgWorld, org_b: OrgWorld, page: Any, api_client: Any
) -> None:
    request = submitted_ipd_request(org_a)
    base, slug = live_server.url, org_a.slug

    log_in(page, base, org_a.users[Role.PMO].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.get_by_test_id("nav-intake").click()
    page.get_by_role("link", name=request.title).click()
    assert page.get_by_test_id("request-status").inner_text() == "Submitted"

    # Score every criterion 4 (for "lower is better" criteria that is a weak 4, which the formula inverts).
    form = page.get_by_test_id("score-form")
    for fieldset in form.locator("fieldset.scale").all():
        fieldset.get_by_text("4", exact=True).click()  # the styled label over the radio, as a person clicks it
        assert fieldset.locator("input[value='4']").is_checked()
    form.locator("textarea[name='feasibility_note']").fill("Team and supply chain are in place.")
    page.get_by_test_id("action-score").click()
    page.wait_for_load_state()
    page.screenshot(path=str(ARTIFACTS / "intake-scored-en.png"), full_page=True)
    assert page.get_by_test_id("request-status").inner_text() == "In review"
    assert page.get_by_test_id("weighted-score").is_visible()

    decide = page.get_by_test_id("decide-form")
    decide.locator("input[value='approve']").check()
    decide.locator("textarea").fill("Strong fit with the product strategy.")
    page.get_by_test_id("action-decide").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("request-status").inner_text() == "Approved"
    page.screenshot(path=str(ARTIFACTS / "intake-approved-en.png"), full_page=True)

    page.get_by_test_id("project-link").click()
    page.wait_for_load_state()
    project_url = page.url
    page.goto(project_url + "lifecycle/")
    text = page.locator("main").inner_text()
    for phase in ("Concept", "Plan", "Develop", "Verify", "Launch", "Lifecycle"):
        assert phase in text
    for gate in ("TR1", "CDCP"):  # the current phase's gates (later phases are folded)
        assert gate in text
    page.screenshot(path=str(ARTIFACTS / "intake-project-lifecycle-en.png"), full_page=True)

    with org_a.ctx():
        project = Project.objects.get(request__pk=request.pk)
        assert project.template is not None and project.template.kind == ProcessTemplate.Kind.IPD
        assert project.manager_id == org_a.users[Role.MANAGER].pk
        assert set(GateReview.objects.filter(project=project).values_list("code", flat=True)) == {
            "TR1",
            "CDCP",
            "TR2",
            "TR3",
            "PDCP",
            "TR4",
            "TR4A",
            "TR5",
            "TR6",
            "ADCP",
            "LDCP",
        }
        assert project.milestones.count() == 6
        assert list(Baseline.objects.filter(project=project).values_list("version", flat=True)) == [1]

    # The manager finds it among their projects.
    manager_page = page.context.browser.new_context().new_page()
    log_in(manager_page, base, org_a.users[Role.MANAGER].email)
    manager_page.goto(f"{base}/o/{slug}/projects/")
    assert project.code in manager_page.locator("main").inner_text()
    manager_page.context.close()

    # A user of the other organisation gets 404 for it, on the web and through the API.
    outsider = page.context.browser.new_context().new_page()
    log_in(outsider, base, org_b.users[Role.ADMIN].email)
    response = outsider.goto(project_url)
    assert response is not None and response.status == 404
    outsider.context.close()
    assert api_client(org_b.users[Role.ADMIN]).get(f"/api/v1/orgs/{slug}/projects/{project.pk}/").status_code == 404
