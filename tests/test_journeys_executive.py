"""The executive's journey in Chromium on the demo data, in English (acme) and in Chinese (globex): log in and land
on the dashboard (key figures, RAG now, the SPI/CPI quadrant), narrow it to one portfolio, follow a RAG count to the
projects behind it, open one, come back, and download the dashboard as a PDF.

Screenshots: ``test-artifacts/journeys/executive-*.png`` (README: dashboard-*.png, drilldown-en.png)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Count, Q
from django.utils import translation
from django.utils.translation import gettext

from pmo.tenancy.roles import Role
from portfolio.models import Portfolio
from projects.models import Project
from tests import journeys_support as j

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RAGS = ("red", "amber", "green", "none")


def count_in(page: Any, test_id: str) -> int:
    """The leading number of a figure (``"3 Red"`` → 3)."""
    return int(page.get_by_test_id(test_id).locator(".dash-rag-n").inner_text())


def rag_counts(page: Any) -> dict[str, int]:
    return {rag: count_in(page, f"dash-rag-{rag}") for rag in RAGS}


@pytest.mark.parametrize("language", j.LANGUAGES, ids=lambda language: language.code)
def test_executive_reads_filters_drills_down_and_downloads_the_dashboard(
    live_server: Any, page: Any, language: j.Language
) -> None:
    j.seed_demo()
    organization = j.organization(language)
    with j.in_tenant(language):
        active = Project.objects.filter(organization=organization, status=Project.Status.ACTIVE)
        expected_active = active.count()
        portfolio = (
            Portfolio.objects.filter(organization=organization)
            .annotate(active=Count("projects", filter=Q(projects__status=Project.Status.ACTIVE)))
            .filter(active__gt=0)
            .order_by("-active", "name")
            .first()
        )
        assert portfolio is not None, "the demo has a portfolio with active projects"
        expected_in_portfolio = active.filter(portfolio=portfolio).count()
    with translation.override(language.django_language):
        title = gettext("Executive dashboard")
    base, slug = live_server.url, language.org_slug
    page, watch = j.open_journey(page, base, language)

    # 1. The landing page is the dashboard: key figures, RAG now and the quadrant, all on the demo's projects.
    j.log_in(page, base, j.demo_user(language, Role.EXECUTIVE).email, label=f"executive-{language.code}")
    assert page.url == f"{base}/o/{slug}/"
    assert page.locator("html").get_attribute("lang") == language.django_language
    assert j.main_heading(page) == title
    assert page.get_by_test_id("dash-tile").count() == 7
    counts = rag_counts(page)
    assert sum(counts.values()) == expected_active
    assert page.get_by_test_id("dash-count-all").inner_text().startswith(str(expected_active))
    without_evm = page.get_by_test_id("dash-no-evm")
    no_evm = int(without_evm.inner_text().split()[0]) if without_evm.count() else 0
    assert page.locator("[data-testid=dash-quadrant] svg circle").count() == expected_active - no_evm
    assert page.locator("[data-testid=dash-rag] svg title").count() >= 1  # the 12-week chart is drawn and named
    j.shot(page, f"executive-01-dashboard-{language.code}", readme=f"dashboard-{language.code}.png")
    if not language.chinese:
        j.at_tablet(page)
        assert j.no_sideways_scroll(page)
        j.shot(page, "executive-02-dashboard-tablet-en", readme="dashboard-tablet-en.png")
        j.at_desktop(page)

    # 2. One portfolio: the figures follow the filter, the PDF link keeps it.
    page.locator("[data-testid=dash-filters] [name=portfolio]").select_option(str(portfolio.pk))
    page.get_by_test_id("dash-apply").click()
    page.wait_for_url(lambda url: f"portfolio={portfolio.pk}" in url)  # the landing address keeps the filter
    assert sum(rag_counts(page).values()) == expected_in_portfolio
    assert portfolio.name in page.get_by_test_id("dash-summary").inner_text()
    assert f"portfolio={portfolio.pk}" in (page.get_by_test_id("dash-pdf").get_attribute("href") or "")
    j.shot(page, f"executive-03-dashboard-portfolio-{language.code}")

    # 3. The largest RAG count opens the projects behind it.
    counts = rag_counts(page)
    rag = max(RAGS, key=lambda key: counts[key])
    page.get_by_test_id(f"dash-rag-{rag}").click()
    page.wait_for_url(f"**/o/{slug}/dashboard/projects/?*figure=rag_{rag}*")
    table = page.get_by_test_id("dash-projects-table")
    assert table.locator("tbody tr").count() == counts[rag]
    assert page.get_by_test_id("dash-figure-count").inner_text().startswith(str(counts[rag]))
    assert portfolio.name in table.inner_text()
    j.shot(page, f"executive-04-drilldown-{language.code}", readme=f"drilldown-{language.code}.png")
    drilldown = page.url

    # 4. Open one of them, then come back to the same list.
    link = table.locator("tbody tr").first.locator("a").first
    name = link.inner_text().strip()
    link.click()
    page.wait_for_url(f"**/o/{slug}/projects/*/")
    assert name in j.main_heading(page)
    j.shot(page, f"executive-05-project-{language.code}")
    page.go_back()
    page.wait_for_url(drilldown)
    assert page.get_by_test_id("dash-projects-table").locator("tbody tr").count() == counts[rag]

    # 5. Back on the dashboard (the filter kept), "Download as PDF" answers a PDF of the same figures.
    page.get_by_test_id("dash-back").click()
    page.wait_for_url(f"**/o/{slug}/dashboard/?*portfolio={portfolio.pk}*")
    assert sum(rag_counts(page).values()) == expected_in_portfolio
    with page.expect_download() as download_info:
        page.get_by_test_id("dash-pdf").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"{slug}-dashboard-")
    assert download.suggested_filename.endswith(".pdf")
    pdf = Path(download.path())
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert title in text and portfolio.name in text

    watch.assert_clean()
