"""The PDF report packs rendered for real (WeasyPrint) on an organisation seeded like the demo ones, in English and in
Chinese: text checked with ``pdftotext``, fonts with ``pdffonts``, and tenant-authored markup printed as text."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from pmo.tenancy.models import Organization
from projects.models import ClosureReport, Project, StatusReport
from projects.policy import current_week_start, week_label
from reports.pdf import PackUnavailable, RenderedPdf, build_document, render_report
from reports.pdf.render import SafeURLFetcher
from tests.conftest import OrgWorld
from tests.factories import ProjectFactory
from tests.test_monitoring_seed import seed_world

pytestmark = pytest.mark.django_db

EVIL_NAME = '<script>alert("x")</script> Evil'
EVIL_SUMMARY = '<img src="file:///etc/passwd"> and <img src="http://169.254.169.254/latest">'


def pdf_text(tmp_path: Path, result: RenderedPdf, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(result.pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_fonts(tmp_path: Path, result: RenderedPdf, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(result.pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def squeeze(text: str) -> str:
    """pdftotext drops or adds spaces around CJK glyphs: compare without whitespace."""
    return re.sub(r"\s+", "", text)


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL the PDF renderer tried to fetch."""
    urls: list[str] = []
    original = SafeURLFetcher.fetch

    def spy(self: SafeURLFetcher, url: str, headers: Any = None) -> Any:
        urls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(SafeURLFetcher, "fetch", spy)
    return urls


def seeded(world: OrgWorld, language: str) -> dict[str, Any]:
    """Seed ``world`` like a demo organisation in ``language``; put markup into one project's name and summary."""
    seed_world(world, language=language)
    organization = world.organization
    with world.ctx():
        week_start = current_week_start(organization=organization) - dt.timedelta(days=7)
        closure = ClosureReport.objects.filter(organization=organization).select_related("project").first()
        assert closure is not None
        report = (
            StatusReport.objects.filter(organization=organization, week_start=week_start, state="accepted")
            .select_related("project")
            .order_by("project__code")
            .first()
        )
        assert report is not None
        project = report.project
        Project.objects.filter(organization=organization, pk=project.pk).update(name=EVIL_NAME)
        StatusReport.objects.filter(organization=organization, pk=report.pk).update(summary=EVIL_SUMMARY)
        project.refresh_from_db()
        closure_project = closure.project
        without_closure = Project.objects.filter(organization=organization).exclude(closure_reports__isnull=False)
    return {
        "week": week_label(week_start),
        "project": project,
        "closure_project": closure_project,
        "no_closure_project": without_closure.first(),
    }


def render(world: OrgWorld, **kwargs: Any) -> RenderedPdf:
    with world.ctx():
        return render_report(organization=world.organization, **kwargs)


def assert_markup_is_text(text: str, fetched: list[str]) -> None:
    assert EVIL_NAME in text
    assert not any(url.startswith(("file:", "http:", "https:")) for url in fetched)


def test_packs_in_english(org_a: OrgWorld, tmp_path: Path, fetched: list[str]) -> None:
    data = seeded(org_a, "en")
    project = data["project"]

    weekly = render(org_a, kind="weekly_pack", period=data["week"], project=None, language="en")
    text = pdf_text(tmp_path, weekly, "weekly")
    assert weekly.title == "Weekly integrated meeting pack"
    assert 3 <= weekly.pages <= 20
    for heading in ("Contents", "Summary", "Agenda: decisions needed", "What changed", "Appendix: status compliance"):
        assert heading in text
    assert f"Page 1 of {weekly.pages}" not in text  # the cover has no page number
    assert f"Page 2 of {weekly.pages}" in text
    assert f"Page {weekly.pages} of {weekly.pages}" in text
    assert org_a.organization.name in text
    assert project.code in text
    assert_markup_is_text(text, fetched)
    # The table of contents gives the page of each section: "Summary ....... 3".
    assert re.search(r"Summary\s*\.{3,}\s*\d+", text)

    onepager = render(org_a, kind="project_onepager", period=data["week"], project=project, language="en")
    text = pdf_text(tmp_path, onepager, "onepager")
    assert onepager.title == "Project one-pager"
    assert 1 <= onepager.pages <= 2
    assert "Page 1 of" in text  # no cover: the first page is numbered
    for heading in ("Earned value", "Top risks", "Open issues", "Open change requests", "Next milestones"):
        assert heading in text
    assert_markup_is_text(text, fetched)
    assert '<img src="file:///etc/passwd">' in text

    closure = render(org_a, kind="closure", period="", project=data["closure_project"], language="en")
    text = pdf_text(tmp_path, closure, "closure")
    assert closure.title == "Closure report"
    assert 3 <= closure.pages <= 10
    for heading in ("Contents", "Outcome against objectives", "Planned against actual", "Lessons learned"):
        assert heading in text
    assert data["closure_project"].name in text
    assert f"Page 2 of {closure.pages}" in text
    assert fetched == []


def test_packs_in_chinese_embed_a_cjk_font(org_a: OrgWorld, tmp_path: Path, fetched: list[str]) -> None:
    Organization.objects.filter(pk=org_a.organization.pk).update(name="环球科技集团")
    org_a.organization.refresh_from_db()
    data = seeded(org_a, "zh-hans")
    with translation.override("zh-hans"):
        summary_heading = translation.gettext("Summary")
        what_changed = translation.gettext("What changed")
    assert summary_heading != "Summary"  # the catalogue has it: the test checks translated headings

    weekly = render(org_a, kind="weekly_pack", period=data["week"], project=None, language="zh-hans")
    text = squeeze(pdf_text(tmp_path, weekly, "weekly"))
    assert "环球科技集团" in text
    assert summary_heading in text and what_changed in text
    assert f"第2页/共{weekly.pages}页" in text
    assert "Page 2 of" not in text
    assert squeeze(EVIL_NAME) in text
    assert "CJK" in pdf_fonts(tmp_path, weekly, "weekly")

    onepager = render(org_a, kind="project_onepager", period=data["week"], project=data["project"], language="zh-hans")
    text = squeeze(pdf_text(tmp_path, onepager, "onepager"))
    assert f"第1页/共{onepager.pages}页" in text
    assert onepager.pages <= 2
    assert "CJK" in pdf_fonts(tmp_path, onepager, "onepager")

    closure = render(org_a, kind="closure", period="", project=data["closure_project"], language="zh-hans")
    text = squeeze(pdf_text(tmp_path, closure, "closure"))
    with translation.override("zh-hans"):
        assert closure.title == translation.gettext("Closure report") != "Closure report"
    assert squeeze(data["closure_project"].name) in text
    assert f"第2页/共{closure.pages}页" in text
    assert "CJK" in pdf_fonts(tmp_path, closure, "closure")
    assert not any(url.startswith(("file:", "http:", "https:")) for url in fetched)


def test_closure_without_report_is_unavailable(org_a: OrgWorld) -> None:
    project = org_a.projects[2]
    with org_a.ctx(), pytest.raises(PackUnavailable) as error, translation.override("en"):
        build_document(organization=org_a.organization, kind="closure", period="", project=project, language="en")
    assert "has no closure report yet" in str(error.value)
    assert project.code in str(error.value)


def test_project_kinds_need_a_project_of_the_organisation(org_a: OrgWorld, org_b: OrgWorld) -> None:
    with org_a.ctx(), pytest.raises(PackUnavailable):
        build_document(
            organization=org_a.organization, kind="project_onepager", period="2026-W47", project=None, language="en"
        )
    # Another organisation's project is not found in this one (RLS and the scoped lookup agree).
    with org_a.ctx(), pytest.raises(PackUnavailable):
        build_document(
            organization=org_a.organization,
            kind="project_onepager",
            period="2026-W47",
            project=org_b.projects[0],
            language="en",
        )
    with org_a.ctx(), pytest.raises(PackUnavailable):
        build_document(organization=org_a.organization, kind="nonsense", period="", project=None, language="en")


def test_bad_week_is_a_validation_error(org_a: OrgWorld) -> None:
    with org_a.ctx(), pytest.raises(ValidationError):
        build_document(
            organization=org_a.organization, kind="weekly_pack", period="2026-13", project=None, language="en"
        )


def test_weekly_pack_queries_do_not_grow_with_projects(org_a: OrgWorld) -> None:
    def count() -> int:
        with org_a.ctx(), CaptureQueriesContext(connection) as queries:
            build_document(
                organization=org_a.organization, kind="weekly_pack", period="2026-W47", project=None, language="en"
            )
        return len(queries)

    count()  # the first build installs the organisation's control policy
    small = count()
    for i in range(6):
        ProjectFactory(organization=org_a.organization, code=f"MORE-{i}", name=f"More {i}", status="active")
    assert count() == small
