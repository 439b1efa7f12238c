"""The issue's journeys in Chromium: the acme-like PMO edits the SPI rule, runs the scan, finds the alert, opens the
inbox from the header bell, opens the notification and acknowledges the alert with a note, then generates and
downloads the weekly pack; a Chinese organisation's PMO sees the Reports and Alerts pages in Chinese; a manager
asks for a project's one-pager from the project header and finds it on the Reports page.

Screenshots of every step go to ``test-artifacts/reports-*.png`` (the directory of the other browser tests)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone, translation

from pmo.tenancy.models import Organization
from projects.policy import organization_zone
from reports.models import Alert, AlertRule, Notification, Report
from tests.conftest import ARTIFACTS, OrgWorld
from tests.factories_alerts import age_projects, install_rules, spi_report
from tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"reports-{name}.png"), full_page=True)


@pytest.fixture
def acme(org_a: OrgWorld) -> OrgWorld:
    """Three projects long under way whose last status reported SPI 0.92, with the default rules."""
    age_projects(org_a)
    install_rules(org_a)
    for project in org_a.projects:
        spi_report(org_a, project, "0.92")
    return org_a


def test_pmo_tunes_a_rule_acknowledges_the_alert_and_downloads_the_weekly_pack(
    live_server: Any, acme: OrgWorld, page: Any
) -> None:
    base, slug = live_server.url, acme.slug
    with acme.ctx():
        spi_rule = AlertRule.objects.get(organization=acme.organization, default_key="spi_warning")
    log_in(page, base, acme.users["pmo"].email)
    page.wait_for_url(f"{base}/o/{slug}/")

    # Alert rules: edit the SPI rule's threshold through the form.
    page.locator("details.admin-menu > summary").click()
    page.get_by_test_id("nav-alert_rules").click()
    page.wait_for_url(f"{base}/o/{slug}/alerts/rules/")
    row = page.locator(f"[data-testid=rule-row][data-rule='{spi_rule.pk}']")
    assert "0.9" in row.inner_text()
    shot(page, "01-rules")
    row.get_by_test_id("rule-edit").click()
    page.wait_for_url(f"{base}/o/{slug}/alerts/rules/{spi_rule.pk}/edit/")
    page.get_by_label("Threshold").fill("0.95")
    shot(page, "02-rule-form")
    page.get_by_test_id("rule-submit").click()
    page.wait_for_url(f"{base}/o/{slug}/alerts/rules/")
    assert "0.95" in page.locator(f"[data-testid=rule-row][data-rule='{spi_rule.pk}']").inner_text()
    shot(page, "03-rules-saved")

    # Alerts: run the scan now; the three projects' SPI alerts are listed.
    page.get_by_test_id("nav-alerts").click()
    page.wait_for_url(f"{base}/o/{slug}/alerts/")
    page.get_by_test_id("run-scan").click()
    page.wait_for_url(f"{base}/o/{slug}/alerts/")
    assert "Scan done" in page.locator(".flash, .messages").first.inner_text()
    spi_rows = page.get_by_test_id("alert-row").filter(has_text="SPI")
    assert spi_rows.count() == 3
    for project in acme.projects:
        assert spi_rows.filter(has_text=project.code).count() == 1
    shot(page, "04-alerts")

    # The header bell shows the unread count and opens the inbox.
    with acme.ctx():
        alerts = Alert.objects.filter(organization=acme.organization).count()
        unread = Notification.objects.filter(
            organization=acme.organization, recipient=acme.users["pmo"], read_at__isnull=True
        ).count()
    assert unread == alerts >= 3  # the PMO is told of every alert the default rules open
    count = page.get_by_test_id("inbox-count").inner_text()
    assert count.split()[0] == str(unread)
    page.get_by_test_id("inbox-bell").click()
    page.wait_for_url(f"{base}/o/{slug}/inbox/")
    notification = page.get_by_test_id("inbox-list").locator("li").filter(has_text=acme.projects[0].code)
    notification = notification.filter(has_text="SPI")
    assert notification.count() == 1
    shot(page, "05-inbox")

    # Opening the notification leads to its alert; acknowledge it with a note.
    notification.get_by_role("link").first.click()
    page.wait_for_url(f"{base}/o/{slug}/alerts/*/")
    assert page.get_by_test_id("alert-state").inner_text() == "Open"
    assert acme.projects[0].code in page.locator("main").inner_text()
    page.get_by_test_id("ack-form").get_by_label("Note").fill("Recovery plan agreed with the sponsor.")
    page.get_by_test_id("ack-button").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("alert-state").inner_text() == "Acknowledged"
    assert "Recovery plan agreed with the sponsor." in page.locator("main").inner_text()
    assert page.get_by_test_id("ack-form").count() == 0
    new_count = page.get_by_test_id("inbox-count").inner_text()
    assert int(new_count.split()[0]) == unread - 1  # the opened notification is read
    shot(page, "06-alert-acknowledged")

    # Reports: generate the weekly pack, see it listed, download the PDF.
    page.get_by_test_id("nav-reports").click()
    page.wait_for_url(f"{base}/o/{slug}/reports/")
    form = page.get_by_test_id("generate-form")
    form.locator("select[name=kind]").select_option("weekly_pack")
    shot(page, "07-reports-generate")
    page.get_by_test_id("generate-submit").click()
    page.wait_for_load_state()
    with acme.ctx():
        report = Report.objects.get(organization=acme.organization, kind="weekly_pack")
    row = page.get_by_test_id(f"report-row-{report.pk}")
    assert "Weekly integrated meeting pack" in row.inner_text()
    assert row.get_by_test_id("report-state").inner_text() == "Ready"
    with acme.ctx(), timezone.override(organization_zone(acme.organization)):
        generated = timezone.localtime(Report.objects.get(pk=report.pk).generated_at)
    # The generation time as every other page of the app writes it (not the US locale's "11/21/2026 5:19 p.m.").
    assert f"{generated:%Y-%m-%d %H:%M}" in row.inner_text()
    shot(page, "08-reports-listed")
    href = row.get_by_test_id("report-download").get_attribute("href")
    download = page.context.request.get(f"{base}{href}")
    assert download.status == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.body().startswith(b"%PDF-")


def test_chinese_organisation_reads_reports_and_alerts_in_chinese(live_server: Any, org_b: OrgWorld, page: Any) -> None:
    Organization.objects.filter(pk=org_b.organization.pk).update(default_language="zh-hans", name="环球科技集团")
    install_rules(org_b)
    base, slug = live_server.url, org_b.slug
    with translation.override("zh-hans"):
        expected = {
            "projects": translation.gettext("Projects"),
            "reports": translation.pgettext("navigation", "Reports"),
            "alerts": translation.pgettext("navigation", "Alerts"),
            "reports-title": translation.gettext("Reports"),
            "alerts-title": translation.gettext("Alerts"),
        }
    assert expected["projects"] == "项目"
    log_in(page, base, org_b.users["pmo"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    for key, path in (("reports", "reports/"), ("alerts", "alerts/")):
        page.goto(f"{base}/o/{slug}/{path}")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert page.get_by_test_id("nav-projects").inner_text() == "项目"
        assert page.get_by_test_id(f"nav-{key}").inner_text() == expected[key]
        assert page.locator("main h1").inner_text() == expected[f"{key}-title"]
        shot(page, f"09-zh-{key}")


def test_manager_asks_for_the_one_pager_from_the_project_header(live_server: Any, acme: OrgWorld, page: Any) -> None:
    base, slug = live_server.url, acme.slug
    project = acme.projects[0]
    log_in(page, base, acme.users["manager"].email)
    page.wait_for_url(f"{base}/o/{slug}/")
    page.goto(f"{base}/o/{slug}/projects/{project.pk}/")
    shot(page, "10-project")
    page.get_by_test_id("onepager-generate").click()
    page.wait_for_url(f"{base}/o/{slug}/reports/**")
    page.wait_for_load_state()
    shot(page, "11-onepager-listed")
    with acme.ctx():
        report = Report.objects.get(organization=acme.organization, kind="project_onepager", project=project)
    row = page.get_by_test_id(f"report-row-{report.pk}")
    assert "Project one-pager" in row.inner_text() and project.code in row.inner_text()
    assert row.get_by_test_id("report-state").inner_text() == "Ready"
    href = row.get_by_test_id("report-download").get_attribute("href")
    download = page.context.request.get(f"{base}{href}")
    assert download.status == 200 and download.headers["content-type"] == "application/pdf"
