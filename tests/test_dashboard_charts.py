"""The dashboard's chart types: stacked and grouped bars, the SPI/CPI quadrant and the risk matrix are well-formed,
accessible SVG with escaped text, links only where given, and an empty state without data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from pmo.core import charts
from reports.dashboard import presentation
from reports.dashboard.selectors import DashboardFilters, ProjectPoint

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - the charts are our own output


def links(root: ET.Element) -> list[str]:
    return [node.get("href", "") for node in root.iter(f"{NS}a")]


def titles(root: ET.Element) -> list[str]:
    return [node.text or "" for node in root.iter(f"{NS}title")]


def test_stacked_bars_stack_in_order_with_totals_tooltips_and_links() -> None:
    svg = charts.stacked_bar_chart(
        categories=["W01", "W02"],
        series=[
            charts.BarSeries("Green", [2, 1], charts.RAG_COLOURS["green"], ["/g1", None]),
            charts.BarSeries("Red <b>", [1, 0], charts.RAG_COLOURS["red"]),
        ],
        title="RAG & trend",
    )
    root = parse(svg)
    assert root.get("role") == "img" and titles(root)[0] == "RAG & trend"
    segments = [node for node in root.iter(f"{NS}rect") if node.get("class") == "bar-segment"]
    assert len(segments) == 3  # a zero draws nothing
    first_green, first_red = segments[0], segments[1]
    assert float(first_red.get("y", 0)) < float(first_green.get("y", 0))  # red sits on top of green
    assert links(root) == ["/g1"]
    assert "W01 · Red <b>: 1" in titles(root)
    assert "<b>" not in svg  # escaped
    texts = ["".join(node.itertext()) for node in root.iter(f"{NS}text")]
    assert "3" in texts and "1" in texts  # totals above the bars


def test_grouped_bars_draw_one_bar_per_series_and_category() -> None:
    svg = charts.grouped_bar_chart(
        categories=["Alpha", "研发组合"],
        series=[
            charts.BarSeries("BAC", [Decimal(1000), Decimal(2000)], hrefs=["/a", "/b"]),
            charts.BarSeries("EAC", [Decimal(1200), None], hrefs=["/a", "/b"]),
        ],
        title="Budget",
    )
    root = parse(svg)
    bars = [node for node in root.iter(f"{NS}rect") if node.get("class") == "bar"]
    assert len(bars) == 3
    assert links(root) == ["/a", "/a", "/b"]  # category by category, the series side by side
    assert "研发组合 · BAC: 2k" in titles(root)


def test_quadrant_chart_puts_dots_in_their_quadrants_with_captions_and_links() -> None:
    quadrants = {
        "top_right": charts.Quadrant("On schedule and on budget", "good", "/q/ahead_under"),
        "bottom_left": charts.Quadrant("Late and over budget", "bad", "/q/late_over"),
        "top_left": charts.Quadrant("Late, on budget", "warn"),
        "bottom_right": charts.Quadrant("On schedule, over budget", "warn"),
    }
    svg = charts.quadrant_chart(
        points=[
            charts.Point(Decimal("1.1"), Decimal("1.2"), "P-1", "P-1: SPI 1.10", "/p/1"),
            charts.Point(Decimal("0.8"), Decimal("0.7"), "P-2", "P-2: SPI 0.80", "/p/2"),
            charts.Point(Decimal("9"), Decimal("1"), "P-3", "off the scale"),
        ],
        quadrants=quadrants,
        title="SPI × CPI",
        x_label="SPI",
        y_label="CPI",
    )
    root = parse(svg)
    dots = list(root.iter(f"{NS}circle"))
    assert len(dots) == 3
    good, bad = dots[0].get("fill"), dots[1].get("fill")
    assert good == charts.QUADRANT_DOTS["good"] and bad == charts.QUADRANT_DOTS["bad"]
    width = float(root.get("width", 0))
    assert all(0 <= float(dot.get("cx", -1)) <= width for dot in dots)  # the outlier is drawn at the edge
    assert set(links(root)) == {"/q/ahead_under", "/q/late_over", "/p/1", "/p/2"}
    assert "On schedule and on budget" in "".join(root.itertext())
    assert "P-2: SPI 0.80" in titles(root)


def test_risk_matrix_colours_cells_by_level_and_links_only_cells_with_risks() -> None:
    rows = [
        [charts.MatrixCell(0, "medium", "p2 i1", "/r/2-1"), charts.MatrixCell(3, "high", "p2 i2", "/r/2-2")],
        [charts.MatrixCell(1, "low", "p1 i1", "/r/1-1"), charts.MatrixCell(0, "medium", "p1 i2", "/r/1-2")],
    ]
    svg = charts.risk_matrix(
        rows=rows, title="Heat", y_label="Probability", x_label="Impact", legend_labels={"low": "Low", "high": "High"}
    )
    root = parse(svg)
    cells = [node for node in root.iter(f"{NS}rect") if "matrix-cell" in node.get("class", "")]
    assert [cell.get("fill") for cell in cells] == [
        charts.RISK_LEVEL_COLOURS[level] for level in ("medium", "high", "low", "medium")
    ]
    assert links(root) == ["/r/2-2", "/r/1-1"]


def test_every_new_chart_has_an_empty_state() -> None:
    empty = [
        charts.stacked_bar_chart(
            categories=["W01"], series=[charts.BarSeries("G", [0])], title="T", empty_message="None"
        ),
        charts.grouped_bar_chart(categories=[], series=[], title="T", empty_message="None"),
        charts.quadrant_chart(points=[], quadrants={}, title="T", x_label="x", y_label="y", empty_message="None"),
    ]
    for svg in empty:
        root = parse(svg)
        assert "None" in "".join(root.itertext())
        assert not list(root.iter(f"{NS}circle")) and not links(root)


def _quadrant_data(size: int) -> Any:
    """What ``presentation.quadrant_chart`` reads of the dashboard: the projects with SPI and CPI, and the counts."""
    points = [
        ProjectPoint(
            pk=index + 1,
            code=f"P-{index:04d}",
            name=f"Project {index}",
            spi=Decimal("0.70") + Decimal(index % 13) / 20,
            cpi=Decimal("0.80") + Decimal(index % 7) / 20,
            rag="amber",
        )
        for index in range(size)
    ]
    counts = dict.fromkeys(("ahead_under", "late_under", "ahead_over", "late_over"), 0)
    for point in points:
        assert point.spi is not None and point.cpi is not None
        counts[f"{'ahead' if point.spi >= 1 else 'late'}_{'under' if point.cpi >= 1 else 'over'}"] += 1
    return SimpleNamespace(points=points, counts=counts, filters=DashboardFilters())


def test_the_quadrant_draws_one_dot_per_project_up_to_its_limit() -> None:
    data = _quadrant_data(presentation.QUADRANT_MAX_DOTS)
    root = parse(presentation.quadrant_chart(data, presentation.Links("acme", data.filters)))
    dots = [node for node in root.iter(f"{NS}circle") if node.get("class") == "dot"]
    assert len(dots) == presentation.QUADRANT_MAX_DOTS
    hrefs = links(root)
    assert "/o/acme/projects/1/evm/" in hrefs and f"/o/acme/projects/{presentation.QUADRANT_MAX_DOTS}/evm/" in hrefs


def test_a_quadrant_of_thousands_of_projects_groups_them_by_cell_and_links_each_cell_to_its_quadrant() -> None:
    data = _quadrant_data(4000)
    svg = presentation.quadrant_chart(data, presentation.Links("acme", data.filters))
    root = parse(svg)
    dots = [node for node in root.iter(f"{NS}circle") if node.get("class") == "dot"]
    cells = {(point.spi, point.cpi) for point in data.points}
    assert len(dots) == len(cells) == 91  # 13 SPI values × 7 CPI values, each on a cell of its own
    assert len(svg) < 60_000  # one dot per project would weigh about a megabyte
    tooltips = [title for title in titles(root) if "projects with SPI" in title]
    assert sum(int(title.split()[0]) for title in tooltips) == 4000
    assert "44 projects with SPI 0.70–0.75 and CPI 0.80–0.85" in tooltips
    assert set(links(root)) <= {f"/o/acme/dashboard/projects/?figure={key}" for key in data.counts}
    # Every cell lies on the same side of 1 as its projects: its link is its projects' quadrant.
    assert "/o/acme/dashboard/projects/?figure=late_over" in links(root)
