"""The main forms from the keyboard only, in Chromium over the demo data: Tab reaches every field (each with a visible
focus ring), the keys fill it, Enter on the form's button submits it, and the object exists afterwards. The first Tab
of a page lands on the "Skip to the content" link, which moves focus past the two navigation bars."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from projects.models import ChangeRequest, Project, StatusReport
from projects.policy import current_week_start
from risks.models import Risk
from tests.conftest import ARTIFACTS
from tests.test_ui_audit import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
}"""


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until the focus is on ``selector``; the focused field must show its focus ring."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            assert page.evaluate(FOCUS_RING), f"{selector} has no visible focus ring"
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def skip_to_content(page: Any) -> None:
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "skip-link"
    assert page.get_by_test_id("skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def submit_with_enter(page: Any, button: str) -> None:
    tab_to(page, button)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".errorlist:visible").count() == 0, page.locator(".errorlist").all_inner_texts()


def test_the_main_forms_work_from_the_keyboard(live_server: Any, page: Any) -> None:
    call_command("seed_demo", stdout=StringIO())
    acme = Organization.objects.get(slug="acme")
    with tenant_context(acme):
        project = Project.objects.get(organization=acme, code="ACME-001")
        week = current_week_start(organization=acme)
    base = live_server.url
    browser = page.context.browser

    # The PMO creates a project.
    tab = log_in(browser, base, "pmo@acme.example", "en", 1280)
    tab.goto(f"{base}/o/acme/projects/new/")
    skip_to_content(tab)
    tab_to(tab, "[name=name]")
    tab.keyboard.type("Keyboard-only project")
    submit_with_enter(tab, "main form button[type=submit]")
    assert tab.locator("main h1").inner_text() == "Keyboard-only project"
    tab.context.close()

    # The manager submits this week's pre-filled status report, raises a change request and logs a risk.
    tab = log_in(browser, base, "manager@acme.example", "en", 1280)
    tab.goto(f"{base}/o/acme/projects/{project.pk}/status/")
    skip_to_content(tab)
    tab_to(tab, "[name=summary]")
    tab.keyboard.press("Control+End")
    tab.keyboard.type(" Typed from the keyboard.")
    submit_with_enter(tab, "[data-testid=submit-report]")
    with tenant_context(acme):
        report = StatusReport.objects.get(organization=acme, project=project, week_start=week)
    assert report.state == "submitted" and report.summary.endswith("Typed from the keyboard.")

    tab.goto(f"{base}/o/acme/projects/{project.pk}/changes/")
    skip_to_content(tab)
    tab_to(tab, "[name=title]")
    tab.keyboard.type("Keyboard change")
    tab_to(tab, "[name=cost_delta]")
    tab.keyboard.type("1000")
    tab_to(tab, "[name=description]")
    tab.keyboard.type("Raised without a mouse.")
    tab_to(tab, "[name=justification]")
    tab.keyboard.type("Accessibility check.")
    submit_with_enter(tab, "form:has([name=title]) button[type=submit]")
    with tenant_context(acme):
        assert ChangeRequest.objects.filter(organization=acme, project=project, title="Keyboard change").exists()

    tab.goto(f"{base}/o/acme/risks/new/")
    skip_to_content(tab)
    tab_to(tab, "[name=project]")
    tab.keyboard.press("ArrowDown")
    tab_to(tab, "[name=title]")
    tab.keyboard.type("Keyboard risk")
    tab_to(tab, "[name=probability]")
    tab.keyboard.type("4")
    tab_to(tab, "[name=impact]")
    tab.keyboard.type("4")
    submit_with_enter(tab, "main form button[type=submit]")
    with tenant_context(acme):
        risk = Risk.objects.get(organization=acme, title="Keyboard risk")
    assert (risk.probability, risk.impact) == (4, 4) and risk.project_id is not None
    tab.context.close()

    # The member books hours and submits the week.
    tab = log_in(browser, base, "member@acme.example", "en", 1280)
    tab.goto(f"{base}/o/acme/timesheets/")
    skip_to_content(tab)
    tab_to(tab, "input[name^=hours-]")
    tab.keyboard.press("Control+A")
    tab.keyboard.type("8")
    submit_with_enter(tab, "button[value=submit]")
    assert tab.locator(".flash-success").count() == 1
    tab.context.close()

    # The executive filters the dashboard.
    tab = log_in(browser, base, "executive@acme.example", "en", 820)
    tab.goto(f"{base}/o/acme/dashboard/")
    skip_to_content(tab)
    tab_to(tab, "#id_portfolio")
    tab.keyboard.press("ArrowDown")
    submit_with_enter(tab, "[data-testid=dash-apply]")
    assert "portfolio=" in tab.url
    tab.keyboard.press("Tab")
    tab.screenshot(path=str(ARTIFACTS / "ui-audit-keyboard-skip-link-820.png"))
    tab.context.close()
