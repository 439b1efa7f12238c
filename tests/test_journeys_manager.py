"""The project manager's journey in Chromium on the demo data, in English (acme) and in Chinese (globex): log in and
land on My work (my projects, this week's status), start this week's report of a project from there (pre-filled from
last week's) and save it, walk the project's tabs, and add a link on its Documents tab.

Screenshots: ``test-artifacts/journeys/manager-*.png`` (README: mywork-manager-*.png, project-overview-*.png,
project-documents-*.png)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from pmo.tenancy.roles import Role
from projects.documents.models import ProjectDocument
from projects.models import Project, StatusReport
from tests import journeys_support as j

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each tab of the project page and what shows it has its content.
TABS = [
    ("overview", "overview-health"),
    ("status", "rag-trend"),
    ("lifecycle", "advance-card"),
    ("milestones", "milestones-table"),
    ("baselines", "baselines-table"),
    ("changes", "change-requests-table"),
    ("evm", "s-curve"),
    ("raid", "raid-risk-table"),
    ("staffing", "staffing-matrix"),
    ("documents", "documents"),
]
ARCHIVED = (Project.Status.CLOSED, Project.Status.CANCELLED)


@pytest.mark.parametrize("language", j.LANGUAGES, ids=lambda language: language.code)
def test_manager_writes_this_weeks_status_walks_the_project_and_adds_a_document(
    live_server: Any, page: Any, language: j.Language
) -> None:
    j.seed_demo()
    manager = j.demo_user(language, Role.MANAGER)
    organization = j.organization(language)
    with j.in_tenant(language):
        my_projects = (
            Project.objects.filter(organization=organization, manager=manager).exclude(status__in=ARCHIVED).count()
        )
    with translation.override(language.django_language):
        title, draft = gettext("My work"), gettext("Draft")
    base, slug = live_server.url, language.org_slug
    page, watch = j.open_journey(page, base, language)

    # 1. The landing page is My work: my projects and this week's status, each with its next step.
    j.log_in(page, base, manager.email, label=f"manager-{language.code}")
    assert page.url == f"{base}/o/{slug}/"
    assert j.main_heading(page) == title
    assert page.get_by_test_id("my-project").count() == my_projects
    to_start = page.locator("[data-testid=status-row][data-state=not_started]")
    assert to_start.count() >= 1, "the demo leaves one report of this week to start"
    assert int(page.get_by_test_id("tile-reports").locator(".stat-value").inner_text()) >= to_start.count()
    assert page.get_by_test_id("my-changes").get_by_test_id("my-change").count() >= 1
    assert page.get_by_test_id("team-allocations").get_by_test_id("team-row").count() >= 1
    j.shot(page, f"manager-01-mywork-{language.code}", readme=f"mywork-manager-{language.code}.png")

    # 2. Start this week's report from My work: it opens as a draft, pre-filled from last week's.
    code = to_start.first.get_attribute("data-code")
    with j.in_tenant(language):
        project = Project.objects.get(organization=organization, code=code)
        last = (
            StatusReport.objects.filter(organization=organization, project=project)
            .order_by("-week_start")
            .values_list("percent_complete", flat=True)
            .first()
        )
    to_start.first.get_by_test_id("start-report").click()
    page.wait_for_url(f"{base}/o/{slug}/projects/{project.pk}/status/")
    assert page.get_by_test_id("report-state").inner_text() == draft
    percent = page.locator("[name=percent_complete]")
    if last is not None:
        assert Decimal(percent.input_value()) == last
    summary = f"Journey {language.code}: on track after the review." if not language.chinese else "本周按计划推进。"
    page.locator("[name=summary]").fill(summary)
    page.get_by_test_id("save-draft").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("report-state").inner_text() == draft
    assert page.locator("[name=summary]").input_value() == summary
    with j.in_tenant(language):
        saved = StatusReport.objects.filter(organization=organization, project=project).order_by("-week_start").first()
        assert saved is not None and saved.state == StatusReport.State.DRAFT and saved.summary == summary
    j.shot(page, f"manager-02-status-draft-{language.code}", readme=f"project-status-{language.code}.png")

    # 3. Every tab of the project opens with its content.
    for key, marker in TABS:
        page.get_by_test_id(f"tab-{key}").click()
        page.wait_for_load_state()
        assert page.get_by_test_id(f"tab-{key}").get_attribute("aria-current") == "page", key
        assert j.main_heading(page) == project.name, key
        assert page.get_by_test_id(marker).first.is_visible(), key
        readme = f"project-{key}-{language.code}.png" if key in ("overview", "evm") else None
        j.shot(page, f"manager-03-tab-{key}-{language.code}", readme=readme)

    # 4. A link on the Documents tab: it is listed at once, and kept.
    before = page.locator("[data-testid=documents-table] tbody tr").count()
    document = "Risk workshop notes" if not language.chinese else "风险研讨会纪要"
    form = page.get_by_test_id("document-form")
    form.locator("[name=title]").fill(document)
    form.locator("[name=kind]").select_option("minutes")
    form.locator("[name=url]").fill("https://wiki.example.com/steering/2026-11")
    form.get_by_test_id("document-submit").click()
    page.wait_for_load_state()
    link = page.get_by_test_id("documents-table").get_by_role("link", name=document)
    assert link.get_attribute("href") == "https://wiki.example.com/steering/2026-11"
    assert page.locator("[data-testid=documents-table] tbody tr").count() == before + 1
    with j.in_tenant(language):
        assert ProjectDocument.objects.filter(organization=organization, project=project, title=document).count() == 1
    j.shot(page, f"manager-04-document-added-{language.code}", readme=f"project-documents-{language.code}.png")

    watch.assert_clean()
