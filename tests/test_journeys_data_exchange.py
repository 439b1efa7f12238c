"""Issue 8's data exchange in Chromium on the demo data (acme in English; the import also in globex, in Chinese):

1. API tokens: the PMO creates a read-only token from the user menu, sees it once, reads with it (200) but may not
   write (403), revokes it after confirmation, and the same read is refused (401).
2. Import: the PMO downloads the risks XLSX template from Administration → Import data, fills three rows (one with
   an unknown project), sees the problem on its row in the preview with nothing imported, uploads the corrected
   file, imports it and finds the new risks in the register.
3. Calendar feed: the manager reads their secret address from the user menu; a calendar parser (``icalendar``)
   reads the feed without a session and finds a milestone of their project; after "Reset link" the old address
   answers 404.
4. Microsoft Project: the PMO imports the sample plan into a project in planning from its Lifecycle tab and sees the
   phases' planned dates on the Lifecycle tab and the milestones on the Milestones tab.
5. Project export: the executive downloads a project as one XLSX workbook, a sheet per part.

``seed_demo`` takes 20–30 s, so it runs once for the module, served by a live server of the module's
own, and the database is flushed after the last journey (what the per-test flush of a transactional test would
do after each one). Each journey creates what it looks for under names of its own, so none depends on another's
leftovers or order. Screenshots: ``test-artifacts/journeys/data-*.png``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest
from django.core.management import call_command
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from openpyxl import load_workbook
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from pmo.accounts.models import ApiToken, hash_token
from pmo.calendars.selectors import HISTORY
from pmo.tenancy.roles import Role
from projects.models import Milestone, Project, ProjectPhase
from risks.imports import RiskSpec
from risks.models import Risk
from tests import journeys_support as j
from tests.msproject_sample import reference_rows, sample_xml, schedule
from tests.test_project_export import SHEETS

# Each test's own queries run in a transaction that is rolled back (``django_db``); the demo data and what the browser
# writes through the live server are committed, and gone with the module's flush.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def demo_site(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The demo data, seeded once and committed, behind a live server; the base URL. The database stays unblocked
    for the whole module, because the server's thread reads it between the tests' own queries."""
    with django_db_blocker.unblock():
        try:
            j.seed_demo()
            server = LiveServer("localhost")
            try:
                yield server.url
            finally:
                server.stop()
        finally:
            call_command("flush", interactive=False, verbosity=0)


# --- Helpers ------------------------------------------------------------------------------------------------------


def open_menu_item(page: Any, menu: str, test_id: str, url: str) -> None:
    """Open a header menu (``user-menu`` or ``admin-menu``) and follow one of its links to ``url``."""
    page.locator(f"details.{menu} > summary").click()
    page.get_by_test_id(test_id).click()
    page.wait_for_url(url)


def downloaded(page: Any, trigger: Any) -> tuple[str, bytes]:
    with page.expect_download() as info:
        trigger.click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def fresh_request(page: Any) -> Any:
    """An HTTP client with no cookies: a script or calendar application, not the signed-in browser."""
    return page.context.browser.new_context().request


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def check_tablet(page: Any, name: str) -> None:
    """The page at 820 px: screenshot, and nothing wider than the window."""
    j.at_tablet(page)
    j.shot(page, name)
    assert j.no_sideways_scroll(page), f"{name}: the page scrolls sideways at 820 px"
    j.at_desktop(page)


def upload(form: Any, name: str, content: bytes, mime: str) -> None:
    """Choose ``content`` as the form's file and send it (the caller waits for the page it leads to)."""
    form.locator("input[type=file]").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": content}])
    form.locator("button[type=submit]").click()


def open_project(page: Any, base: str, project: Project) -> None:
    """From the Projects tab of the navigation, the project's page."""
    page.get_by_test_id("nav-projects").click()
    page.wait_for_url(f"{base}/o/{project.organization.slug}/projects/")
    filters = page.get_by_test_id("project-filters")
    filters.locator("[name=search]").fill(project.code)
    filters.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*\?.*search="))
    page.get_by_test_id("projects-table").get_by_role("link", name=project.name, exact=True).click()
    page.wait_for_url(f"{base}/o/{project.organization.slug}/projects/{project.pk}/")


# --- 1. API tokens ------------------------------------------------------------------------------------------------


def test_pmo_creates_uses_and_revokes_a_read_only_api_token(demo_site: str, page: Any) -> None:
    base, language = demo_site, j.ENGLISH
    pmo = j.demo_user(language, Role.PMO)
    with j.in_tenant(language):
        projects = Project.objects.filter(organization=j.organization(language)).count()
    name = "Power BI refresh (journey)"
    page, watch = j.open_journey(page, base, language)
    j.log_in(page, base, pmo.email, label="data-tokens-en")

    # The user menu → API tokens: a read-only token that expires in 30 days.
    open_menu_item(page, "user-menu", "user-api-tokens", f"{base}/accounts/tokens/")
    form = page.get_by_test_id("token-form")
    form.locator("[name=name]").fill(name)
    form.locator("[name=scope]").select_option(ApiToken.Scope.READ)
    form.locator("[name=expires_in]").select_option("30")
    created_at = timezone.now()
    form.get_by_test_id("token-create").click()
    page.get_by_test_id("new-token").wait_for()

    # Shown once: the secret is in the page (the clipboard may be unavailable headless); only its hash is kept.
    secret = page.get_by_test_id("new-token-value").input_value()
    page.get_by_test_id("copy-token").click()
    expect(page.get_by_test_id("copy-token")).to_have_text(gettext("Copied"))
    token = ApiToken.objects.get(user=pmo, name=name)
    assert token.key_hash == hash_token(secret) and secret not in (token.key_hash, token.prefix)
    assert token.scope == ApiToken.Scope.READ and token.revoked_at is None and token.expires_at is not None
    assert abs(token.expires_at - (created_at + dt.timedelta(days=30))) < dt.timedelta(minutes=2)
    row = page.get_by_test_id(f"token-{token.pk}")
    assert row.get_attribute("aria-current") == "true"
    assert token.prefix in row.inner_text() and gettext("Read only") in row.inner_text()
    j.shot(page, "data-01-token-created-en")
    check_tablet(page, "data-02-token-created-tablet-en")

    # A script with the token reads the projects (200) but may not create one (403: read-only); nothing written.
    api, headers = fresh_request(page), {"Authorization": f"Bearer {secret}"}
    projects_url = f"{base}/api/v1/orgs/{language.org_slug}/projects/"
    answer = api.get(projects_url, headers=headers)
    assert answer.status == 200, answer.text()
    assert answer.json()["count"] == projects
    refused = api.post(projects_url, headers=headers, data={"code": "JRN-API", "name": "Written with a read token"})
    assert refused.status == 403, refused.text()
    assert "detail" in refused.json()
    with j.in_tenant(language):
        assert Project.objects.filter(organization=j.organization(language)).count() == projects

    # Back on the page (not a reload, which would send the form again) it shows the use; "Revoke" asks first.
    page.goto(f"{base}/accounts/tokens/")
    row = page.get_by_test_id(f"token-{token.pk}")
    assert gettext("Never") not in row.inner_text()  # last used: just now
    assert page.get_by_test_id("new-token").count() == 0  # never shown again
    row.get_by_test_id(f"revoke-{token.pk}").click()
    page.wait_for_url(f"{base}/accounts/tokens/{token.pk}/revoke/")
    assert name in page.get_by_test_id("revoke-card").inner_text()
    token.refresh_from_db()
    assert token.revoked_at is None  # asking is not revoking
    j.shot(page, "data-03-token-revoke-confirm-en")
    page.get_by_test_id("revoke-submit").click()
    page.wait_for_url(f"{base}/accounts/tokens/")
    assert gettext("Revoked") in page.get_by_test_id(f"token-{token.pk}").inner_text()
    assert page.get_by_test_id(f"revoke-{token.pk}").count() == 0
    token.refresh_from_db()
    assert token.revoked_at is not None
    j.shot(page, "data-04-token-revoked-en")
    answer = api.get(projects_url, headers=headers)
    assert answer.status == 401, answer.text()
    assert "detail" in answer.json()

    watch.assert_clean()


# --- 2. Import ----------------------------------------------------------------------------------------------------


def risk_rows(language: j.Language, project: Project, owner: Any) -> list[dict[str, Any]]:
    """Three risks of ``project`` as a PMO would type them, keyed by the import's column keys."""
    prefix = "旅程导入" if language.chinese else "Journey import"
    with translation.override(language.django_language):
        categories = [
            str(Risk.Category.SCHEDULE.label),
            str(Risk.Category.TECHNICAL.label),
            str(Risk.Category.COST.label),
        ]
    titles = (
        ["供应商延期交货", "接口规格未冻结", "汇率波动增加采购成本"]
        if language.chinese
        else ["supplier delivers the hardware late", "interface specification not frozen", "exchange rate raises costs"]
    )
    return [
        {
            "project": project.code,
            "title": f"{prefix}: {title}",
            "category": category,
            "probability": probability,
            "impact": 4,
            "owner": owner.email,
            "proximity": dt.date(2027, 3, 31),
        }
        for title, category, probability in zip(titles, categories, (3, 2, 4), strict=True)
    ]


def filled_template(template: bytes, keys: list[str], rows: list[dict[str, Any]]) -> bytes:
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    for line, values in enumerate(rows, start=2):
        for column, key in enumerate(keys, start=1):
            if key in values:
                sheet.cell(row=line, column=column, value=values[key])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize("language", j.LANGUAGES, ids=lambda language: language.code)
def test_pmo_imports_risks_from_the_xlsx_template(demo_site: str, page: Any, language: j.Language) -> None:
    base, slug, code = demo_site, language.org_slug, language.code
    organization = j.organization(language)
    pmo, manager = j.demo_user(language, Role.PMO), j.demo_user(language, Role.MANAGER)
    with j.in_tenant(language):
        project = Project.objects.filter(organization=organization, status=Project.Status.ACTIVE).order_by("code")[0]
        risks_before = Risk.objects.filter(organization=organization).count()
    rows = risk_rows(language, project, manager)
    bad_code = "NOPE-404"
    with translation.override(language.django_language):
        headers = [str(column.header) for column in RiskSpec.columns]
        problem = gettext("Project %(code)s not found or not yours.") % {"code": bad_code}
        risks_label = str(RiskSpec.label)
        imported = ngettext("%(count)d risk", "%(count)d risks", 3) % {"count": 3}
    page, watch = j.open_journey(page, base, language)
    j.log_in(page, base, pmo.email, label=f"data-import-{code}")

    # Administration → Import data; the risks template, headed in the reader's language.
    open_menu_item(page, "admin-menu", "nav-import", f"{base}/o/{slug}/import/")
    card = page.get_by_test_id("import-card-risks")
    file_name, template = downloaded(page, card.get_by_test_id("template-xlsx-risks"))
    assert file_name == "import-risks-template.xlsx"
    sheet = load_workbook(io.BytesIO(template)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == headers and sheet.max_row == 1
    assert has_chinese("".join(headers)) == language.chinese
    assert len(set(headers)) == len(headers), f"the template names two columns alike: {headers}"
    j.shot(page, f"data-05-import-home-{code}")

    # Three rows, the second with an unknown project: refused on that row, nothing imported.
    keys = [column.key for column in RiskSpec.columns]
    broken = [rows[0], {**rows[1], "project": bad_code}, rows[2]]
    upload(card.get_by_test_id("upload-risks"), "risks.xlsx", filled_template(template, keys, broken), XLSX)
    page.wait_for_url(re.compile(rf"{base}/o/{slug}/import/batches/\d+/$"))
    j.shot(page, f"data-06-import-errors-{code}")
    errors = page.get_by_test_id("import-errors")
    assert page.get_by_test_id("error-count").inner_text() == "1", errors.inner_text()
    wrong = errors.locator("tbody tr")
    assert wrong.count() == 1 and wrong.get_attribute("data-row") == "3", errors.inner_text()
    assert problem in wrong.inner_text() and bad_code in wrong.inner_text()
    assert headers[0] in wrong.inner_text()
    assert page.get_by_test_id("import-commit").count() == 0
    titles = [row["title"] for row in rows]
    with j.in_tenant(language):
        assert not Risk.objects.filter(organization=organization, title__in=titles).exists()
        assert Risk.objects.filter(organization=organization).count() == risks_before
    check_tablet(page, f"data-07-import-errors-tablet-{code}")

    # The corrected file: no problem, a preview of the three rows, then all of them imported.
    page.get_by_test_id("upload-again").click()
    page.wait_for_url(f"{base}/o/{slug}/import/#import-risks")
    card = page.get_by_test_id("import-card-risks")
    upload(card.get_by_test_id("upload-risks"), "risks.xlsx", filled_template(template, keys, rows), XLSX)
    page.wait_for_url(re.compile(rf"{base}/o/{slug}/import/batches/\d+/$"))
    assert page.get_by_test_id("error-count").inner_text() == "0"
    preview = page.get_by_test_id("import-preview")
    assert preview.locator("tbody tr").count() == 3
    for title in titles:
        assert title in preview.inner_text()
    j.shot(page, f"data-08-import-preview-{code}")
    page.get_by_test_id("import-commit").click()
    page.get_by_test_id("import-result").wait_for()
    assert imported in page.get_by_test_id("import-result").inner_text()
    with j.in_tenant(language):
        created = list(Risk.objects.filter(organization=organization, title__in=titles).select_related("project"))
        assert Risk.objects.filter(organization=organization).count() == risks_before + 3
    assert [risk.title for risk in sorted(created, key=lambda risk: risk.number)] == titles  # numbered in file order
    assert {risk.project for risk in created} == {project}
    assert {risk.owner_id for risk in created} == {manager.pk}
    j.shot(page, f"data-09-import-result-{code}")

    # The result links to the register, where a search finds the three.
    link = page.get_by_test_id("result-link")
    assert risks_label in link.inner_text()
    link.click()
    page.wait_for_url(f"{base}/o/{slug}/risks/")
    filters = page.get_by_test_id("risk-filters")
    filters.locator("[name=q]").fill(titles[0].split(":")[0])
    filters.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*\?.*q="))
    table = page.get_by_test_id("risk-table")
    assert table.locator("tbody tr").count() == 3
    for title in titles:
        assert title in table.inner_text()
    j.shot(page, f"data-10-import-risks-found-{code}")

    watch.assert_clean()


# --- 3. Calendar feed ---------------------------------------------------------------------------------------------


def test_manager_reads_the_calendar_feed_in_a_parser_and_resets_its_link(
    demo_site: str, page: Any, settings: Any
) -> None:
    base, language = demo_site, j.ENGLISH
    settings.PUBLIC_BASE_URL = base  # the address the page shows is the live server's
    organization = j.organization(language)
    manager = j.demo_user(language, Role.MANAGER)
    today = timezone.localdate()
    with j.in_tenant(language):
        milestone = (
            Milestone.objects.filter(organization=organization, project__manager=manager)
            .annotate(day=Coalesce("actual_date", "forecast_date", "baseline_date"))
            .filter(day__gte=today - HISTORY)
            .exclude(Q(project__status__in=(Project.Status.CLOSED, Project.Status.CANCELLED)))
            .select_related("project")
            .order_by("day", "pk")
            .first()
        )
    assert milestone is not None, "the demo has a milestone of the manager's running projects"
    page, watch = j.open_journey(page, base, language)
    j.log_in(page, base, manager.email, label="data-feed-en")

    # The user menu → Calendar feed: a personal address.
    open_menu_item(page, "user-menu", "user-calendar-feed", f"{base}/o/{language.org_slug}/calendar-feed/")
    old_url = page.get_by_test_id("feed-url").input_value()
    assert re.fullmatch(rf"{re.escape(base)}/feeds/[^/]+\.ics", old_url)
    assert page.get_by_test_id("feed-last-fetched").inner_text() == gettext("Not yet")
    j.shot(page, "data-11-feed-en")
    check_tablet(page, "data-12-feed-tablet-en")

    # A calendar application, without a session, reads it: the milestone is an all-day event.
    calendar_app = fresh_request(page)
    answer = calendar_app.get(old_url)
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.body())
    events = {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}
    summary = f"[{milestone.project.code}] {milestone.name}"
    assert summary in events, sorted(events)
    assert events[summary].decoded("DTSTART") == milestone.day
    assert str(events[summary]["UID"]).startswith(f"milestone-{milestone.pk}@")
    page.reload()
    assert page.get_by_test_id("feed-last-fetched").inner_text() != gettext("Not yet")

    # "Reset link" asks first: dismissed, the address stays; confirmed, a new address works and the old one is gone.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_test_id("feed-reset").click()
    page.wait_for_timeout(300)
    assert page.get_by_test_id("feed-url").input_value() == old_url
    assert calendar_app.get(old_url).status == 200
    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_test_id("feed-reset").click()
    expect(page.get_by_test_id("feed-url")).not_to_have_value(old_url)
    new_url = page.get_by_test_id("feed-url").input_value()
    assert re.fullmatch(rf"{re.escape(base)}/feeds/[^/]+\.ics", new_url)
    assert dialogs == [gettext("Reset the link? Calendars subscribed to the current address stop receiving updates.")]
    assert calendar_app.get(old_url).status == 404
    again = calendar_app.get(new_url)
    assert again.status == 200
    assert summary in {str(event["SUMMARY"]) for event in icalendar.Calendar.from_ical(again.body()).walk("VEVENT")}
    j.shot(page, "data-13-feed-reset-en")

    watch.assert_clean()


# --- 4. Microsoft Project -----------------------------------------------------------------------------------------


def test_pmo_imports_a_microsoft_project_plan_into_a_project_in_planning(demo_site: str, page: Any) -> None:
    base, language = demo_site, j.ENGLISH
    organization = j.organization(language)
    with j.in_tenant(language):
        project = (
            Project.objects.filter(organization=organization, status=Project.Status.PLANNING)
            .select_related("organization")
            .order_by("code")[0]
        )
    plan = schedule(reference_rows())
    phases = [item for item in plan if item.row.level == 1]
    milestones = [item for item in plan if item.is_milestone]
    page, watch = j.open_journey(page, base, language)
    j.log_in(page, base, j.demo_user(language, Role.PMO).email, label="data-msproject-en")

    # The project → Lifecycle → Import from Microsoft Project: upload the plan, see what it would change.
    open_project(page, base, project)
    page.get_by_test_id("tab-lifecycle").click()
    page.get_by_test_id("msproject-link").click()
    page.wait_for_url(f"{base}/o/{language.org_slug}/projects/{project.pk}/msproject/")
    upload(page.get_by_test_id("msproject-form"), "crm-rollout.xml", sample_xml(), "text/xml")
    page.wait_for_url(re.compile(rf".*/projects/{project.pk}/msproject/\d+/$"))
    assert page.get_by_test_id("phase-row").count() == len(phases)
    assert page.get_by_test_id("milestone-row").count() == len(milestones)
    for item in phases:
        row = page.get_by_test_id("phase-row").filter(has_text=item.row.name).first
        assert f"{item.start:%Y-%m-%d}" in row.inner_text() and f"{item.finish:%Y-%m-%d}" in row.inner_text()
    with j.in_tenant(language):
        assert not Milestone.objects.filter(project=project, name__in=[m.row.name for m in milestones]).exists()
    j.shot(page, "data-14-msproject-preview-en")
    check_tablet(page, "data-15-msproject-preview-tablet-en")
    page.get_by_test_id("msproject-import").click()
    page.get_by_test_id("msproject-result").wait_for()
    j.shot(page, "data-16-msproject-imported-en")

    # The Lifecycle tab: each phase of the plan with its planned dates.
    page.get_by_test_id("tab-lifecycle").click()
    page.wait_for_url(f"{base}/o/{language.org_slug}/projects/{project.pk}/lifecycle/")
    phase_names, milestone_names = [p.row.name for p in phases], [m.row.name for m in milestones]
    with j.in_tenant(language):
        phase_ids = dict(ProjectPhase.objects.filter(project=project, name__in=phase_names).values_list("name", "pk"))
        ids = Milestone.objects.filter(project=project, name__in=milestone_names).values_list("name", "pk")
        milestone_ids = dict(ids)
    assert sorted(phase_ids) == sorted(phase_names)
    for item in phases:
        card = page.locator(f"#phase-{phase_ids[item.row.name]}")
        if card.get_attribute("open") is None:
            card.locator(":scope > summary").click()
        planned = card.get_by_test_id("phase-planned").inner_text()
        assert f"{item.start:%Y-%m-%d} – {item.finish:%Y-%m-%d}" in planned, (item.row.name, planned)
    j.shot(page, "data-17-msproject-lifecycle-en")

    # The Milestones tab: each milestone with its forecast, under its phase.
    page.get_by_test_id("tab-milestones").click()
    page.wait_for_url(f"{base}/o/{language.org_slug}/projects/{project.pk}/milestones/")
    assert sorted(milestone_ids) == sorted(milestone_names)
    for item in milestones:
        text = page.locator(f"#milestone-{milestone_ids[item.row.name]}").inner_text()
        assert f"{item.finish:%Y-%m-%d}" in text, (item.row.name, text)
    j.shot(page, "data-18-msproject-milestones-en")

    watch.assert_clean()


# --- 5. Project export --------------------------------------------------------------------------------------------


def test_executive_exports_a_whole_project_as_xlsx(demo_site: str, page: Any) -> None:
    base, language = demo_site, j.ENGLISH
    organization = j.organization(language)
    with j.in_tenant(language):
        project = (
            Project.objects.filter(organization=organization, status=Project.Status.ACTIVE)
            .select_related("organization")
            .order_by("code")[0]
        )
        milestones = Milestone.objects.filter(project=project).count()
        risks = Risk.objects.filter(project=project).count()
    page, watch = j.open_journey(page, base, language)
    j.log_in(page, base, j.demo_user(language, Role.EXECUTIVE).email, label="data-export-en")

    # The project → Export project → XLSX: a workbook named after the project.
    open_project(page, base, project)
    menu = page.get_by_test_id("project-export")
    menu.locator("summary").click()
    j.shot(page, "data-19-project-export-menu-en", full_page=False)
    file_name, content = downloaded(page, menu.get_by_test_id("project-export-xlsx"))
    assert file_name.endswith(".xlsx") and project.code in file_name, file_name

    # A sheet per part of the project, its rows those of the project.
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    assert workbook.sheetnames == SHEETS
    overview = [tuple(row) for row in workbook["Overview"].iter_rows(values_only=True)]
    assert (gettext("Code"), project.code) in [row[:2] for row in overview]
    assert (gettext("Name"), project.name) in [row[:2] for row in overview]
    assert len(list(workbook["Milestones"].iter_rows(values_only=True))) == milestones + 1
    assert len(list(workbook["Risks"].iter_rows(values_only=True))) == risks + 1

    watch.assert_clean()
