"""The PMO's journey in Chromium on the demo data, in English (acme) and in Chinese (globex): log in and land on the
cockpit (this week's status compliance and the queues), open a change request waiting for assessment and an intake
request from their queues, go to the open alerts and export them as CSV and XLSX.

Screenshots: ``test-artifacts/journeys/pmo-*.png`` (README: cockpit-*.png)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from pmo.tenancy.roles import Role
from tests import journeys_support as j

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUES = ("intake", "changes", "gates", "returned", "tailoring")


def downloaded(page: Any, test_id: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_test_id(test_id).click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def open_first_item(page: Any, queue: str) -> str:
    """Open the first item of a cockpit queue; return its label as the card showed it."""
    item = page.get_by_test_id(f"queue-{queue}").get_by_test_id("queue-item").first.locator("a").first
    label = item.inner_text().strip()
    item.click()
    page.wait_for_load_state()
    return label


@pytest.mark.parametrize("language", j.LANGUAGES, ids=lambda language: language.code)
def test_pmo_works_the_cockpit_queues_and_exports_the_alerts(live_server: Any, page: Any, language: j.Language) -> None:
    j.seed_demo()
    with translation.override(language.django_language):
        title, alerts_title = gettext("PMO cockpit"), gettext("Alerts")
    base, slug = live_server.url, language.org_slug
    page, watch = j.open_journey(page, base, language)

    # 1. The landing page is the cockpit: this week's compliance and every queue with its count.
    j.log_in(page, base, j.demo_user(language, Role.PMO).email, label=f"pmo-{language.code}")
    assert page.url == f"{base}/o/{slug}/"
    assert j.main_heading(page) == title
    submitted, _, total = page.get_by_test_id("status-submitted").locator(".stat-value").inner_text().partition("/")
    assert int(total) > 0 and int(submitted.strip()) <= int(total)
    not_in = int(page.get_by_test_id("status-not-in").locator(".stat-value").inner_text())
    assert page.get_by_test_id("status-row").count() == not_in  # the demo has fewer than a page of them
    counts = {queue: int(page.get_by_test_id(f"queue-{queue}").get_attribute("data-count") or 0) for queue in QUEUES}
    assert counts["changes"] >= 1 and counts["intake"] >= 1, counts
    for queue, count in counts.items():
        assert page.get_by_test_id(f"queue-{queue}").get_by_test_id("queue-item").count() == min(count, 5)
    assert str(sum(counts.values())) in page.get_by_test_id("cockpit-summary").inner_text()
    open_alerts = int(page.get_by_test_id("cockpit-alerts").get_attribute("data-count") or 0)
    assert open_alerts >= 1
    j.shot(page, f"pmo-01-cockpit-{language.code}", readme=f"cockpit-{language.code}.png")
    j.at_tablet(page)
    assert j.no_sideways_scroll(page)
    j.shot(page, f"pmo-02-cockpit-tablet-{language.code}", readme=f"cockpit-tablet-{language.code}.png")
    j.at_desktop(page)

    # 2. A change request to assess, from its queue: the request itself opens.
    label = open_first_item(page, "changes")
    assert "/changes/" in page.url
    change_title = label.split(" ", 1)[1].rstrip("…")
    assert change_title in page.locator("main").inner_text()
    j.shot(page, f"pmo-03-change-request-{language.code}")

    # 3. An intake request to review, from its queue.
    page.goto(f"{base}/o/{slug}/")
    label = open_first_item(page, "intake")
    assert "/intake/" in page.url
    assert label.split(" ", 1)[1].rstrip("…") in j.main_heading(page)
    j.shot(page, f"pmo-04-intake-request-{language.code}")

    # 4. The open alerts, from the cockpit's card: the same count, every one listed.
    page.goto(f"{base}/o/{slug}/")
    page.get_by_test_id("cockpit-alerts").locator("h3 a").click()
    page.wait_for_url(f"{base}/o/{slug}/alerts/")
    assert j.main_heading(page) == alerts_title
    by_severity = page.get_by_test_id("alert-counts").locator(".stat-value").all_inner_texts()
    assert sum(int(value) for value in by_severity) == open_alerts
    rows = page.get_by_test_id("alert-row").count()
    assert rows >= 1
    j.shot(page, f"pmo-05-alerts-{language.code}", readme=f"alerts-{language.code}.png")

    # 5. The list as CSV and as XLSX: one line per alert listed, under a header.
    name, content = downloaded(page, "export-csv")
    assert name.endswith(".csv")
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(lines) == rows + 1
    name, content = downloaded(page, "export-xlsx")
    assert name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None and sheet.max_row == rows + 1
    assert lines[0] == [str(cell.value) for cell in sheet[1]]
    if language.chinese:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in "".join(lines[0]))  # the headers are in Chinese too

    watch.assert_clean()
