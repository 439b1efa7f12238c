"""The executive dashboard: who may open it, what the filters change, that every figure's count and its drill-down
list agree, bad input answered 400 with nothing computed, the CSV/XLSX of a drill-down, the PDF in both languages,
and an organisation without data."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from portfolio.models import Portfolio
from projects.models import Milestone, Project
from risks.models import EscalationLevel, Risk
from tests.conftest import OrgWorld
from tests.factories import PASSWORD, PortfolioFactory
from tests.factories_kpis import project, report, risk

pytestmark = pytest.mark.django_db


def client_for(user: Any, language: str | None = None) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    if language:
        client.cookies["django_language"] = language
    return client


def this_monday() -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday())


@dataclass
class Scene:
    world: OrgWorld
    red: Project  # active, red, late and over budget, a milestone due soon, a 4×5 risk escalated to executives
    green: Project  # active, green, ahead and under budget, a slipped milestone, a 4×5 risk
    silent: Project  # active, no report
    amber: Project  # active, another portfolio, amber, ahead and over budget
    held: Project  # on hold, red, a 4×5 risk: outside the default filter
    second: Portfolio


def build_scene(world: OrgWorld) -> Scene:
    red, green, silent = world.projects
    with world.ctx():
        second = PortfolioFactory(organization=world.organization, name="Second portfolio")
    amber = project(world, code="AMB-1", name="Amber project", portfolio=second)
    held = project(world, code="HLD-1", name="Held project", portfolio=red.portfolio, status=Project.Status.ON_HOLD)
    last_week = this_monday() - dt.timedelta(weeks=1)
    figures = {
        red: ("red", "0.80", "0.90", 1000, 500, 1200),
        green: ("green", "1.10", "1.05", 2000, 800, 1900),
        amber: ("amber", "1.20", "0.80", 500, 300, 650),
        held: ("red", "0.70", "0.70", 300, 200, 400),
    }
    for on, (rag, spi, cpi, bac, ac, eac) in figures.items():
        report(
            world,
            on,
            last_week,
            rag=rag,
            spi=Decimal(spi),
            cpi=Decimal(cpi),
            bac=Decimal(bac),
            ac=Decimal(ac),
            eac=Decimal(eac),
            percent_complete=Decimal(40),
        )
    today = timezone.localdate()
    with world.ctx():
        Milestone.objects.create(
            organization=world.organization, project=red, name="Go live", forecast_date=today + dt.timedelta(days=10)
        )
        Milestone.objects.create(
            organization=world.organization,
            project=green,
            name="Design signed",
            baseline_date=today - dt.timedelta(days=20),
        )
    risk(world, red, 1, level=EscalationLevel.EXECUTIVE, escalated_at=timezone.now(), probability=4, impact=5)
    risk(world, green, 2, level=EscalationLevel.PROJECT, escalated_at=None, probability=4, impact=5)
    risk(world, held, 3, level=EscalationLevel.PROJECT, escalated_at=None, probability=4, impact=5)
    return Scene(world, red, green, silent, amber, held, second)


@pytest.fixture
def scene(org_a: OrgWorld) -> Scene:
    return build_scene(org_a)


def dashboard(world: OrgWorld, role: str = "executive", **params: Any) -> Any:
    return client_for(world.users[role]).get(f"/o/{world.slug}/dashboard/", params)


def drill(world: OrgWorld, figure: str, role: str = "executive", **params: Any) -> Any:
    return client_for(world.users[role]).get(f"/o/{world.slug}/dashboard/projects/", {"figure": figure, **params})


def codes(response: Any) -> set[str]:
    return {p.code for p in response.context["page"].object_list}


# --- Who may open it ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("pmo", 200), ("executive", 200), ("manager", 403), ("member", 403), ("viewer", 403)],
)
def test_roles(scene: Scene, role: str, status: int) -> None:
    world = scene.world
    client = client_for(world.users[role])
    assert client.get(f"/o/{world.slug}/dashboard/").status_code == status
    assert client.get(f"/o/{world.slug}/dashboard/projects/", {"figure": "all"}).status_code == status
    if status == 403:
        assert client.get(f"/o/{world.slug}/dashboard/pdf/").status_code == 403


def test_the_executive_lands_on_the_dashboard(scene: Scene) -> None:
    response = client_for(scene.world.users["executive"]).get(f"/o/{scene.world.slug}/")
    assert response.status_code == 200
    assert "reports/dashboard/page.html" in [t.name for t in response.templates]


def test_another_organisations_executive_gets_404_and_sees_nothing(scene: Scene, org_b: OrgWorld) -> None:
    client = client_for(org_b.users["executive"])
    for path in ("dashboard/", "dashboard/projects/?figure=all", "dashboard/pdf/"):
        response = client.get(f"/o/{scene.world.slug}/{path}")
        assert response.status_code == 404
        assert b"RED" not in response.content and scene.red.code.encode() not in response.content


def test_a_filter_value_of_another_organisation_is_refused(scene: Scene, org_b: OrgWorld) -> None:
    foreign = org_b.projects[0].portfolio_id
    response = dashboard(scene.world, portfolio=foreign)
    assert response.status_code == 400
    assert "portfolio" in response.context["form"].errors
    assert "data" not in response.context


# --- Figures and filters -----------------------------------------------------------------------------------------


def test_the_default_shows_active_projects_and_says_so(scene: Scene) -> None:
    response = dashboard(scene.world)
    assert response.status_code == 200
    counts = response.context["data"].counts
    assert counts["all"] == 4  # red, green, silent, amber; the held project is on hold
    assert (counts["rag_red"], counts["rag_amber"], counts["rag_green"], counts["rag_none"]) == (1, 1, 1, 1)
    assert (counts["late_over"], counts["ahead_under"], counts["ahead_over"], counts["late_under"]) == (1, 1, 1, 0)
    assert counts["no_evm"] == 1
    assert response.context["data"].milestone_totals == {"due": 1, "slipped": 1}
    assert "Active (default)" in response.content.decode()
    heat = {(c.probability, c.impact): c.count for c in response.context["data"].heat_map.cells}
    assert heat[(4, 5)] == 2
    assert [r.number for r in response.context["data"].decisions.risks] == [1]


def test_filters_change_every_figure(scene: Scene) -> None:
    world = scene.world
    running = dashboard(world, status="running").context["data"]
    assert running.counts["all"] == 5 and running.counts["rag_red"] == 2
    assert {(c.probability, c.impact): c.count for c in running.heat_map.cells}[(4, 5)] == 3

    second = dashboard(world, portfolio=scene.second.pk).context["data"]
    assert second.counts["all"] == 1 and second.counts["rag_amber"] == 1 and second.counts["rag_red"] == 0
    assert [row.name for row in second.budgets] == ["Second portfolio"]
    assert second.heat_map.total == 0 and second.top_risks == []
    assert second.milestone_totals == {"due": 0, "slipped": 0}

    managed = dashboard(world, manager=world.users["manager"].pk).context["data"]
    assert managed.counts["all"] == 1 and managed.counts["rag_red"] == 1


def test_every_count_agrees_with_its_drill_down(scene: Scene) -> None:
    world = scene.world
    for params in ({}, {"status": "running"}, {"portfolio": scene.second.pk}, {"status": "all"}):
        data = dashboard(world, **params).context["data"]
        for key, count in data.counts.items():
            response = drill(world, key, **params)
            assert response.status_code == 200, key
            assert response.context["page"].paginator.count == count, (key, params)
        for row in data.budgets:
            response = drill(world, f"budget-{row.portfolio_id}", **params)
            assert response.context["page"].paginator.count == row.projects
        for cell in data.heat_map.cells:
            response = drill(world, f"risk-{cell.probability}-{cell.impact}", **params)
            with world.ctx():
                holders = set(
                    Risk.objects.filter(
                        organization=world.organization,
                        status=Risk.Status.OPEN,
                        probability=cell.probability,
                        impact=cell.impact,
                        project__in=[p.pk for p in response.context["page"].paginator.object_list],
                    ).values_list("pk", flat=True)
                )
            assert len(holders) == cell.count, (cell, params)


def test_a_drill_down_lists_the_projects_behind_a_figure(scene: Scene) -> None:
    response = drill(scene.world, "late_over")
    assert codes(response) == {scene.red.code}
    assert drill(scene.world, "milestones_slipped").context["page"].paginator.count == 1
    assert codes(drill(scene.world, "milestones_slipped")) == {scene.green.code}
    assert codes(drill(scene.world, "risk-4-5")) == {scene.red.code, scene.green.code}
    assert codes(drill(scene.world, "risk-4-5", status="running")) == {scene.red.code, scene.green.code, "HLD-1"}
    sorted_by_spi = drill(scene.world, "all", sort="-spi").context["page"].object_list
    assert [p.code for p in sorted_by_spi] == ["AMB-1", scene.green.code, scene.red.code, scene.silent.code]


def test_figure_links_carry_the_filters(scene: Scene) -> None:
    response = dashboard(scene.world, portfolio=scene.second.pk)
    link = response.context["figure_links"]["rag_amber"]
    assert f"portfolio={scene.second.pk}" in link and "figure=rag_amber" in link
    assert f"dashboard/pdf/?portfolio={scene.second.pk}" in response.content.decode()


# --- Bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [{"portfolio": "abc"}, {"status": "bogus"}, {"manager": "999999"}])
def test_a_bad_filter_answers_400_with_the_error_next_to_the_field(scene: Scene, params: dict[str, str]) -> None:
    response = dashboard(scene.world, **params)
    assert response.status_code == 400
    field = next(iter(params))
    assert field in response.context["form"].errors
    assert f'id="id_{field}-errors"' in response.content.decode()
    assert drill(scene.world, "all", **params).status_code == 400
    assert (
        client_for(scene.world.users["executive"]).get(f"/o/{scene.world.slug}/dashboard/pdf/", params).status_code
        == 400
    )


@pytest.mark.parametrize("figure", ["", "nonsense", "budget-x", "risk-9", "rag_purple"])
def test_an_unknown_figure_answers_400_with_a_clear_message(scene: Scene, figure: str) -> None:
    response = drill(scene.world, figure)
    assert response.status_code == 400
    text = response.content.decode()
    assert "figure of the dashboard" in text


# --- Export -------------------------------------------------------------------------------------------------------


def test_the_drill_down_exports_csv_and_xlsx(scene: Scene) -> None:
    csv_response = drill(scene.world, "all", format="csv", sort="code")
    assert csv_response.status_code == 200
    rows = csv_response.content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("Code,Name,Portfolio")
    assert len(rows) == 5 and any(row.startswith("AMB-1,Amber project,Second portfolio") for row in rows)

    xlsx_response = drill(scene.world, "rag_red", format="xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == scene.red.code and len(values) == 2
    assert drill(scene.world, "all", format="pdf").status_code == 400


# --- PDF ----------------------------------------------------------------------------------------------------------


def pdf_tool(tool: str, pdf: bytes) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: install poppler-utils")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dashboard.pdf"
        path.write_bytes(pdf)
        args = [tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)]
        return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def test_the_pdf_in_english_has_the_page_figures(scene: Scene) -> None:
    client = client_for(scene.world.users["executive"], "en")
    response = client.get(f"/o/{scene.world.slug}/dashboard/pdf/", {"status": "running"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_tool("pdftotext", response.content).split())
    for expected in ("Executive dashboard", "Budget by portfolio", "Schedule and cost performance (SPI × CPI)"):
        assert expected in text
    assert "HLD-1" in text and "Project status: Running" in text
    assert "Second portfolio" in text


def test_the_pdf_in_chinese_embeds_a_cjk_font(scene: Scene) -> None:
    client = client_for(scene.world.users["executive"], "zh-hans")
    response = client.get(f"/o/{scene.world.slug}/dashboard/pdf/")
    assert response.status_code == 200
    text = "".join(pdf_tool("pdftotext", response.content).split())
    assert "项目成功率" in text and "第1页" in text
    fonts = pdf_tool("pdffonts", response.content)
    assert "CJK" in fonts


# --- Empty organisation ---------------------------------------------------------------------------------------------


def test_an_organisation_without_data_shows_empty_states(org_b: OrgWorld) -> None:
    with org_b.ctx():
        Project.objects.filter(organization=org_b.organization).update(status=Project.Status.PROPOSED)
    response = dashboard(org_b)
    assert response.status_code == 200
    text = response.content.decode()
    assert response.context["data"].counts["all"] == 0
    for message in (
        "No status reports in these weeks.",
        "No status report with EVM figures among these projects yet.",
        "No project has SPI and CPI yet",
        "No milestone due in the next 30 days and none slipped.",
        "Nothing waits for executives",
        "No open risk on these projects.",
        "No project request yet",
    ):
        assert message in text, message
    assert drill(org_b, "rag_red").context["page"].paginator.count == 0
