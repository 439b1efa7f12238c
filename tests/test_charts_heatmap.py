"""The heat map of pmo.core.charts: well-formed SVG, bands by ratio, escaped labels, links, empty state,
determinism."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from pmo.core.charts import HeatCell, heat_band, heat_map

NS = "{http://www.w3.org/2000/svg}"


def test_cells_are_coloured_by_band_linked_and_escaped() -> None:
    svg = heat_map(
        rows=["R&D <core>", "Design"],
        columns=["W47", "W48"],
        cells=[
            [HeatCell(Decimal("1.2"), "120%", "over", "/o/a/x/?a=1&b=2"), HeatCell(Decimal("0.9"), "90%")],
            [HeatCell(Decimal("0.2"), "20%"), None],
        ],
        title="Demand <vs> capacity",
    )
    root = ET.fromstring(str(svg))  # noqa: S314 - our own output
    classes = [rect.get("class") for rect in root.iter(f"{NS}rect") if "heat-cell" in (rect.get("class") or "")]
    assert classes == ["heat-cell heat-over", "heat-cell heat-near", "heat-cell heat-under", "heat-cell heat-none"]
    links = list(root.iter(f"{NS}a"))
    assert [link.get("href") for link in links] == ["/o/a/x/?a=1&b=2"]
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "R&D <core>" in texts and "120%" in texts
    assert "R&amp;D &lt;core&gt;" in str(svg) and "<core>" not in str(svg)
    assert root.find(f"{NS}title").text == "Demand <vs> capacity"  # type: ignore[union-attr]
    assert str(svg) == str(
        heat_map(
            rows=["R&D <core>", "Design"],
            columns=["W47", "W48"],
            cells=[
                [HeatCell(Decimal("1.2"), "120%", "over", "/o/a/x/?a=1&b=2"), HeatCell(Decimal("0.9"), "90%")],
                [HeatCell(Decimal("0.2"), "20%"), None],
            ],
            title="Demand <vs> capacity",
        )
    )


def test_bands() -> None:
    assert [heat_band(v) for v in (None, 0, 0.84, 0.85, 1, Decimal("1.0001"))] == [
        "none",
        "under",
        "under",
        "near",
        "near",
        "over",
    ]


def test_empty_state() -> None:
    svg = heat_map(rows=[], columns=["W1"], cells=[], title="Nothing", empty_message="No departments yet.")
    root = ET.fromstring(str(svg))  # noqa: S314
    assert "No departments yet." in [t.text for t in root.iter(f"{NS}text")]
    assert not list(root.iter(f"{NS}a"))
