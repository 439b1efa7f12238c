"""The monthly management review renders to PDF for an English and a Chinese organisation: section titles and KPI
values in the text, a CJK font embedded for Chinese, at least three pages, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from projects.models import ChangeRequest, ClosureReport, Project
from reports.pdf import build_document, render_report
from reports.pdf.monthly import build
from risks.models import EscalationLevel
from tests.conftest import OrgWorld
from tests.factories_kpis import (
    allocate,
    baseline,
    change_request,
    closure,
    local,
    person,
    project,
    report,
    risk,
)

pytestmark = pytest.mark.django_db

PERIOD = "2026-10"
WEEKS = [
    dt.date(2026, 9, 28),
    dt.date(2026, 10, 5),
    dt.date(2026, 10, 12),
    dt.date(2026, 10, 19),
    dt.date(2026, 10, 26),
]
SECTIONS = [
    "Executive summary",
    "Portfolio health",
    "Baseline changes and change requests",
    "Risk heat map",
    "Capacity and utilisation",
    "Intake pipeline",
    "Escalations open at month end",
    "Appendix: active projects",
]


def pdf_tool(tool: str, pdf: bytes, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: install poppler-utils")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "review.pdf"
        path.write_bytes(pdf)
        return subprocess.run([tool, *args, str(path), "-"], check=True, capture_output=True, text=True).stdout


def text_of(pdf: bytes) -> str:
    return " ".join(pdf_tool("pdftotext", pdf).split())


def fonts_of(pdf: bytes) -> str:
    if shutil.which("pdffonts") is None:
        pytest.fail("pdffonts is missing: install poppler-utils")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "review.pdf"
        path.write_bytes(pdf)
        return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


def build_month(world: OrgWorld, *, names: tuple[str, str, str], escalation: str) -> None:
    """Two closures in October (one met and on time and budget, one partly met and late), three weeks of reports,
    a decided change request with its baseline, an escalated risk, and one over-allocated person next month."""
    with world.ctx():
        Project.objects.filter(pk__in=[p.pk for p in world.projects]).update(created_at=local(2026, 1, 1))
        for target, name in zip(world.projects, names, strict=True):
            Project.objects.filter(pk=target.pk).update(name=name)
    first, second, _third = world.projects
    met = project(world, code="DONE-1")
    baseline(world, met, budget=100, finish=dt.date(2026, 9, 30))
    closure(world, met, outcome=ClosureReport.Outcome.MET, decided_at=local(2026, 10, 8), final_cost=90, satisfaction=5)
    partly = project(world, code="DONE-2")
    baseline(world, partly, budget=100, finish=dt.date(2026, 9, 30))
    closure(
        world,
        partly,
        outcome=ClosureReport.Outcome.PARTLY,
        decided_at=local(2026, 10, 9),
        final_cost=130,
        finish=dt.date(2026, 10, 20),
        satisfaction=4,
    )
    figures: dict[str, Any] = {"bac": Decimal(1000), "ac": Decimal(450), "eac": Decimal(1100)}
    for week in WEEKS[:3]:
        report(world, first, week, rag="amber", spi=Decimal("0.88"), cpi=Decimal("0.91"), **figures)
        report(world, second, week, rag="green", spi=Decimal("1.02"), cpi=Decimal("1.05"), **figures)
    report(
        world,
        first,
        WEEKS[3],
        rag="red",
        spi=Decimal("0.81"),
        cpi=Decimal("0.9"),
        escalations=[{"title": escalation, "decision_from": "PMO"}],
        **figures,
    )
    v2 = baseline(world, first, version=2, budget=1200, approved_at=local(2026, 10, 14), category="cost")
    baseline(world, first, version=1, budget=1000)
    change_request(
        world,
        first,
        1,
        status=ChangeRequest.Status.APPROVED,
        submitted_at=local(2026, 10, 10),
        decided_at=local(2026, 10, 14),
        new_baseline=v2,
    )
    risk(world, first, 1, level=EscalationLevel.EXECUTIVE, escalated_at=local(2026, 10, 20))
    busy = person(world, "Dana Busy", capacity=40)
    allocate(world, busy, first, dt.date(2026, 11, 2), dt.date(2026, 11, 23), 30)
    allocate(world, busy, second, dt.date(2026, 11, 2), dt.date(2026, 11, 23), 20)


def test_the_english_review_shows_every_section_and_the_kpis(org_a: OrgWorld) -> None:
    build_month(org_a, names=("Billing platform", "Data lake", "Portal"), escalation="Need a second tester")
    with org_a.ctx():
        rendered = render_report(
            organization=org_a.organization, kind="monthly_review", period=PERIOD, project=None, language="en"
        )
    assert rendered.pages >= 3
    assert rendered.title == "Monthly management review"
    text = text_of(rendered.pdf)
    assert "October 2026" in text
    for title in SECTIONS:
        assert text.count(title) >= 2, title  # in the table of contents and as the section's heading
    assert "Page 3 of" in text
    # KPI tiles: success 1 of 2, on time 1 of 2, on budget 1 of 2, satisfaction 4.5, change cycle 4 days.
    for tile in ("Project success rate", "On time", "On budget", "Status on time", "Customer satisfaction"):
        assert tile in text
    assert text.count("1 of 2") == 3  # success, on time, on budget
    assert "7 of 15" in text and "47%" in text  # status: 4 + 3 reports on time of 3 projects × 5 weeks
    assert "4.5 / 5" in text
    assert "4.0 d" in text
    # Appendix and SPI/CPI table, the escalation, the escalated risk and the over-allocated person.
    assert "Billing platform" in text and "0.81" in text and "0.90" in text
    assert "Behind schedule, over budget" in text
    assert "Need a second tester" in text
    assert "R-001" in text
    assert "Dana Busy" in text


def test_the_chinese_review_embeds_a_cjk_font(org_b: OrgWorld) -> None:
    build_month(org_b, names=("计费平台", "数据湖", "门户网站"), escalation="需要增加测试人员")
    with org_b.ctx():
        rendered = render_report(
            organization=org_b.organization, kind="monthly_review", period=PERIOD, project=None, language="zh-hans"
        )
    assert rendered.pages >= 3
    text = text_of(rendered.pdf)
    assert "计费平台" in text and "需要增加测试人员" in text
    assert "第3页/共" in text.replace(" ", "")
    assert "2026年10月" in text
    assert "50%" in text and "0.81" in text
    assert "CJK" in fonts_of(rendered.pdf)


def test_an_empty_organisation_renders_dashes_not_errors(org_a: OrgWorld) -> None:
    with org_a.ctx():
        Project.objects.all().delete()
        rendered = render_report(
            organization=org_a.organization, kind="monthly_review", period=PERIOD, project=None, language="en"
        )
    text = text_of(rendered.pdf)
    assert rendered.pages >= 3
    assert text.count("no data") == 4  # success, on time, on budget, status: nothing to divide by
    assert "—" in text
    assert "No active projects." in text
    assert "No project requests yet." in text


def test_a_bad_period_is_refused(org_a: OrgWorld) -> None:
    with org_a.ctx(), pytest.raises(ValidationError):
        build_document(
            organization=org_a.organization, kind="monthly_review", period="2026-13", project=None, language="en"
        )


def grow(world: OrgWorld, size: int) -> None:
    for i in range(size):
        running = project(world, code=f"G{size}-{i}")
        baseline(world, running, budget=100, finish=dt.date(2026, 12, 31))
        for week in WEEKS:
            report(world, running, week, rag="amber", escalations=[{"title": f"E{i}"}], bac=Decimal(10), ac=Decimal(4))
        worker = person(world, f"Person {size}-{i}")
        allocate(world, worker, running, dt.date(2026, 11, 2), dt.date(2026, 11, 30), 50)
        done = project(world, code=f"D{size}-{i}")
        closure(world, done, outcome=ClosureReport.Outcome.MET, decided_at=local(2026, 10, 8))
        risk(world, running, 100 * size + i, level=EscalationLevel.PMO, escalated_at=local(2026, 10, 5))


@pytest.mark.parametrize("size", [1, 8])
def test_the_builder_runs_a_fixed_number_of_queries(
    org_a: OrgWorld, size: int, django_assert_max_num_queries: Any
) -> None:
    grow(org_a, size)
    with org_a.ctx(), django_assert_max_num_queries(34):
        document = build(organization=org_a.organization, period=PERIOD, project=None, language="en")
    assert len(document.context["snapshot"].projects) == 3 + size
    assert len(document.context["over_allocations"]) == min(25, 5 * size)
