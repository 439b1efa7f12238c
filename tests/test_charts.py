"""The server-side SVG charts: well-formed XML, escaped text, gaps for missing values, an empty state, CJK labels,
deterministic output and nothing that WeasyPrint or a browser would fetch or run."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils.safestring import SafeString

from pmo.core import charts

NS = {"svg": "http://www.w3.org/2000/svg"}
MONDAY = dt.date(2026, 1, 5)


def weeks(values: list[float | None], start: dt.date = MONDAY) -> list[tuple[dt.date, float | None]]:
    return [(start + dt.timedelta(days=7 * i), value) for i, value in enumerate(values)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - the charts are our own output


def child_text(root: ET.Element, tag: str) -> str:
    node = root.find(f"svg:{tag}", NS)
    assert node is not None
    return node.text or ""


def attr(node: ET.Element, name: str) -> str:
    value = node.get(name)
    assert value is not None, name
    return value


def texts(root: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter(f"{{{NS['svg']}}}text")]


def paths(root: ET.Element) -> list[str]:
    return [node.get("d", "") for node in root.iter(f"{{{NS['svg']}}}path")]


def test_line_chart_is_an_accessible_self_contained_svg() -> None:
    svg = charts.line_chart(
        series=[charts.Series("PV", weeks([0, 10, 20, 30]), charts.PALETTE["pv"])],
        width=600,
        height=300,
        title="S-curve",
    )
    assert isinstance(svg, SafeString)
    root = parse(svg)
    assert root.tag == f"{{{NS['svg']}}}svg"
    assert root.get("viewBox") == "0 0 600 300"
    assert (root.get("width"), root.get("height")) == ("600", "300")
    assert root.get("role") == "img"
    assert child_text(root, "title") == "S-curve"
    assert "PV: 4 points, last 30 on 2026-01-26" in child_text(root, "desc")
    assert "Noto Sans CJK SC" in attr(root, "font-family")
    title_id, desc_id = attr(root, "aria-labelledby").split()
    assert root.find("svg:title", NS) is not None and root.find("svg:desc", NS) is not None
    assert {node.get("id") for node in root if node.tag.endswith(("title", "desc"))} == {title_id, desc_id}
    lowered = svg.lower()
    for forbidden in ("<script", "foreignobject", "href", "url(", "http://www.w3.org/1999"):
        assert forbidden not in lowered.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_text_is_escaped_and_stays_text() -> None:
    evil = '<script>alert("x")</script> & Co'
    svg = charts.line_chart(
        series=[charts.Series(evil, weeks([1, 2]), "#000")], title=evil, y_label=evil, width=500, height=260
    )
    assert "<script>" not in svg
    root = parse(svg)
    assert child_text(root, "title") == evil
    assert texts(root).count(evil) == 3  # title, legend, y label
    strip = charts.rag_strip(cells=[charts.RagCell('"><b>', "green", "<i>tip</i>", "<")], title="t")
    root = parse(strip)
    assert '"><b>' in texts(root) and "<" in texts(root)
    assert [node.text for node in root.iter(f"{{{NS['svg']}}}title")][-1] == "<i>tip</i>"


def test_none_values_split_the_line_into_segments() -> None:
    root = parse(
        charts.line_chart(series=[charts.Series("EV", weeks([1, 2, None, 4, 5, None, 7]), "#000")], title="gaps")
    )
    (d,) = paths(root)
    # Three runs: [1, 2], [4, 5] and the lone 7 (drawn as a dot, not as a path segment).
    assert d.count("M") == 2
    assert len(re.findall(r"[ML]", d)) == 4
    assert len(list(root.iter(f"{{{NS['svg']}}}circle"))) == 1


def test_dashed_series_dots_and_legend() -> None:
    root = parse(
        charts.line_chart(
            series=[
                charts.Series("PV", weeks([0, 5, 10]), "#111111"),
                charts.Series("AC", weeks([0, 6, 12]), "#222222", dashed=True, dots=True),
            ],
            title="t",
        )
    )
    series_paths = list(root.iter(f"{{{NS['svg']}}}path"))
    assert [node.get("stroke-dasharray") for node in series_paths] == [None, "7 5"]
    assert len(list(root.iter(f"{{{NS['svg']}}}circle"))) == 3
    assert {"PV", "AC"} <= set(texts(root))


def test_empty_series_give_an_empty_state_chart() -> None:
    svg = charts.line_chart(
        series=[charts.Series("PV", [], "#000"), charts.Series("EV", weeks([None, None]), "#000")],
        title="Nothing",
        empty_message="No data here",
        width=400,
        height=200,
    )
    root = parse(svg)
    assert paths(root) == []
    assert "No data here" in texts(root)
    assert root.get("viewBox") == "0 0 400 200"
    assert "No data here" in child_text(root, "desc")
    assert "Nothing" in texts(parse(charts.rag_strip(cells=[], title="Nothing")))


def test_chinese_labels_are_kept() -> None:
    svg = charts.line_chart(
        series=[charts.Series("计划价值", weeks([1, 2, 3]), "#000")], title="挣值曲线", y_label="累计成本"
    )
    root = parse(svg)
    assert {"计划价值", "挣值曲线", "累计成本"} <= set(texts(root))
    assert charts.text_width("挣值") == 2 * charts.FONT_SIZE
    assert charts.text_width("ab") == pytest.approx(2 * 0.6 * charts.FONT_SIZE)


def test_output_is_deterministic_and_ids_differ_between_charts() -> None:
    def build(label: str) -> str:
        return str(charts.line_chart(series=[charts.Series(label, weeks([1, 2.5, 3]), "#000")], title="same"))

    assert build("A") == build("A")
    assert parse(build("A")).get("aria-labelledby") != parse(build("B")).get("aria-labelledby")


def test_y_axis_has_round_ticks_including_zero_and_every_value_inside() -> None:
    values = [Decimal("1234.56"), Decimal("98765.43")]
    root = parse(charts.line_chart(series=[charts.Series("PV", weeks(values), "#000")], title="t", height=300))
    labels = texts(root)
    assert "0" in labels and "100k" in labels
    assert charts.nice_ticks(0, 98765.43) == [0, 20000, 40000, 60000, 80000, 100000]
    assert charts.nice_ticks(-3, 7) == [-4, -2, 0, 2, 4, 6, 8]
    assert charts.nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    # every plotted y lies within the plot area
    ys = [float(n) for d in paths(root) for n in re.findall(r"[ML]\S+ (\S+)", d)]
    assert all(0 < y < 300 for y in ys)


def test_compact_numbers() -> None:
    assert [charts.compact_number(v) for v in (0, 950, 1200, 120000, 2_500_000, 0.25, -45000)] == [
        "0",
        "950",
        "1.2k",
        "120k",
        "2.5M",
        "0.25",
        "-45k",
    ]


def test_month_and_week_ticks() -> None:
    months = charts.date_ticks(dt.date(2026, 1, 15), dt.date(2026, 6, 30), kind="month", max_labels=20)
    assert months == [(dt.date(2026, m, 1), f"2026-{m:02d}") for m in range(2, 7)]
    year_end = charts.date_ticks(dt.date(2025, 11, 1), dt.date(2026, 2, 1), kind="month", max_labels=20)
    assert [label for _d, label in year_end] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    week_ticks = charts.date_ticks(dt.date(2026, 11, 15), dt.date(2026, 12, 1), kind="week", max_labels=10)
    assert week_ticks == [
        (dt.date(2026, 11, 16), "W47"),
        (dt.date(2026, 11, 23), "W48"),
        (dt.date(2026, 11, 30), "W49"),
    ]
    thinned = charts.date_ticks(dt.date(2024, 1, 1), dt.date(2026, 12, 31), kind="month", max_labels=6)
    assert len(thinned) <= 6 and thinned[0][1] == "2024-01"
    assert charts.date_ticks(dt.date(2026, 1, 1), dt.date(2026, 3, 1), kind="auto", max_labels=20)[0][1] == "W02"
    assert charts.date_ticks(dt.date(2026, 1, 1), dt.date(2026, 12, 1), kind="auto", max_labels=20)[0][1] == "2026-01"


def test_marker_is_drawn_inside_the_range_only() -> None:
    series = [charts.Series("PV", weeks([0, 1, 2, 3]), "#000")]
    inside = parse(charts.line_chart(series=series, title="t", marker=charts.Marker(MONDAY + dt.timedelta(9), "Today")))
    assert "Today" in texts(inside)
    assert [n for n in inside.iter(f"{{{NS['svg']}}}line") if n.get("class") == "marker"]
    # A marker extends the date range so "today" after the last report is still visible.
    later = parse(charts.line_chart(series=series, title="t", marker=charts.Marker(MONDAY + dt.timedelta(60), "Now")))
    assert "Now" in texts(later)


def test_legend_wraps_instead_of_overflowing() -> None:
    svg = charts.Svg(width=200, height=100, title="t")
    items = [charts.LegendItem(f"Series number {i}", "#000") for i in range(4)]
    used = charts.legend(svg, items, x=10, y=10, max_width=180)
    assert used == 4 * 18.0
    xs = [float(node.get("x")) for node in parse(svg.render()).iter(f"{{{NS['svg']}}}text")]
    assert all(10 <= x <= 190 for x in xs)


def test_rag_strip_one_coloured_cell_per_period() -> None:
    cells = [
        charts.RagCell("W01", "green", "2026-W01: Green", "G"),
        charts.RagCell("W02", "amber", "2026-W02: Amber", "A"),
        charts.RagCell("W03", None, "2026-W03: no report", "–"),
        charts.RagCell("W04", "red", "2026-W04: Red", "R"),
    ]
    root = parse(charts.rag_strip(cells=cells, title="RAG"))
    rects = [node for node in root.iter(f"{{{NS['svg']}}}rect") if "rag-cell" in (node.get("class") or "")]
    assert [node.get("fill") for node in rects] == [
        charts.RAG_COLOURS["green"],
        charts.RAG_COLOURS["amber"],
        charts.PALETTE["none"],
        charts.RAG_COLOURS["red"],
    ]
    assert [child_text(node, "title") for node in rects][1] == "2026-W02: Amber"
    assert {"W01", "W04", "G", "A", "R"} <= set(texts(root))
    xs = [float(node.get("x")) for node in rects]
    assert xs == sorted(xs)


def test_rag_strip_shrinks_to_a_width_and_thins_labels() -> None:
    cells = [charts.RagCell(f"W{i:02d}", "green") for i in range(1, 53)]
    root = parse(charts.rag_strip(cells=cells, title="A year", width=600))
    assert int(root.get("width")) <= 600
    rects = [node for node in root.iter(f"{{{NS['svg']}}}rect") if "rag-cell" in (node.get("class") or "")]
    assert len(rects) == 52
    assert max(float(n.get("x")) + float(n.get("width")) for n in rects) <= 600
    labels = [t for t in texts(root) if t.startswith("W")]
    assert 2 <= len(labels) < 52 and labels[-1] == "W52"
