"""The monthly review reads the same for 40 projects or 400: the SPI/CPI section is a count per quadrant and the
projects furthest behind; the weekly reports' escalations are counted per decision-maker and listed red projects
first; escalated risks and issues are counted per level and listed the executives' first; each list keeps its most
telling rows and counts the rest (every active project still has its row in the appendix)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reports.pdf import render_report
from reports.pdf.monthly import CHANGE_ROWS, ESCALATION_ROWS, PERFORMANCE_ROWS, build
from risks.models import EscalationLevel, Issue
from tests.conftest import OrgWorld
from tests.factories_kpis import baseline, issue, local, project, report, risk
from tests.test_pdf_monthly import PERIOD, text_of

pytestmark = pytest.mark.django_db

WEEK = dt.date(2026, 10, 19)
LATE = PERFORMANCE_ROWS + 3  # projects behind schedule and over budget
DECIDERS = ["CFO", "CIO", "CFO", ""]


def build_large_month(world: OrgWorld) -> None:
    for i in range(LATE + 2):
        late = i < LATE
        running = project(world, code=f"L-{i:02d}", name=f"Late {i:02d}" if late else f"Fine {i:02d}")
        report(
            world,
            running,
            WEEK,
            rag="red" if i % 3 == 0 else "green",
            spi=Decimal("0.70") + Decimal(i) / 100 if late else Decimal("1.05"),
            cpi=Decimal("0.95") if late else Decimal("1.02"),
            escalations=[
                {"title": f"Escalation {i:02d}-{n}", "decision_from": DECIDERS[(i + n) % len(DECIDERS)]}
                for n in range(2)
            ],
        )
        for version in range(1, 3 if i < CHANGE_ROWS + 2 else 2):
            approved = local(2026, 10, 5 + version) if version > 1 else local(2026, 1, 1)
            baseline(world, running, version=version, budget=100 * version, approved_at=approved, category="cost")
        for number in (100 + i, 200 + i):
            risk(world, running, number, level=EscalationLevel.PMO, escalated_at=local(2026, 10, 5))
    for number in (1, 2):
        risk(world, world.projects[0], number, level=EscalationLevel.EXECUTIVE, escalated_at=local(2026, 10, 6))
    issue(world, world.projects[0], 1, level=EscalationLevel.EXECUTIVE, escalated_at=local(2026, 10, 7), status="open")
    issue(
        world,
        world.projects[0],
        2,
        level=EscalationLevel.PMO,
        escalated_at=local(2026, 10, 7),
        status=Issue.Status.RESOLVED,
    )


def test_each_section_counts_everything_and_lists_the_most_telling_rows(org_a: OrgWorld) -> None:
    build_large_month(org_a)
    with org_a.ctx():
        context = build(organization=org_a.organization, period=PERIOD, project=None, language="en").context

    quadrants = {row.label: row.count for row in context["quadrants"]}
    assert quadrants == {
        "On schedule, on budget": 2,
        "Behind schedule, on budget": 0,
        "On schedule, over budget": 0,
        "Behind schedule, over budget": LATE,
        "No SPI or CPI yet": 3,  # the world's own projects never reported
    }
    assert [row.code for row, _tone, _label in context["spi_cpi"]] == [f"L-{i:02d}" for i in range(PERFORMANCE_ROWS)]
    assert context["spi_cpi_more"] == 3

    escalations = context["report_escalations"]
    assert context["report_escalations_total"] == 2 * (LATE + 2)
    assert context["report_escalations_projects"] == LATE + 2
    assert len(escalations) == ESCALATION_ROWS
    assert context["report_escalations_more"] == 2 * (LATE + 2) - ESCALATION_ROWS
    rags = [project.rag for project, _item in escalations]
    assert rags == sorted(rags, key=lambda rag: rag != "red")  # the red projects' first
    decisions = [(row.decision_from, row.escalations) for row in context["decisions"]]
    assert decisions == [("CFO", 20), ("CIO", 10), ("", 10)]

    escalated = 2 * (LATE + 2) + 3  # two risks per project at the PMO level, two risks and an issue above
    assert context["risk_escalations_total"] == escalated
    assert len(context["risk_escalations"]) == ESCALATION_ROWS
    assert context["risk_escalations_more"] == escalated - ESCALATION_ROWS
    assert [row.level for row in context["risk_escalations"][:3]] == ["executive"] * 3
    assert [(row.level, row.risks, row.issues) for row in context["risk_escalation_counts"]] == [
        ("executive", 2, 1),
        ("pmo", 2 * (LATE + 2), 0),
    ]

    assert len(context["project_changes"]) == CHANGE_ROWS
    assert context["project_changes_more"] == 2
    assert len(context["snapshot"].projects) == LATE + 2 + 3  # the appendix keeps every active project


def test_the_pdf_says_how_many_more_there_are(org_a: OrgWorld) -> None:
    build_large_month(org_a)
    with org_a.ctx():
        rendered = render_report(
            organization=org_a.organization, kind="monthly_review", period=PERIOD, project=None, language="en"
        )
    text = text_of(rendered.pdf)
    assert "Furthest behind schedule or over budget" in text
    assert "and 3 more projects behind schedule or over budget." in text
    assert f"{2 * (LATE + 2)} open escalations in {LATE + 2} projects' latest weekly reports." in text
    assert f"and {2 * (LATE + 2) - ESCALATION_ROWS} more escalations." in text
    assert f"and {2 * (LATE + 2) + 3 - ESCALATION_ROWS} more risks and issues." in text
    assert "and 2 more projects." in text
    for i in range(LATE + 2):  # every active project in the appendix
        assert f"L-{i:02d}" in text
