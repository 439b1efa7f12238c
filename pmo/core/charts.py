"""Server-side SVG charts: the one chart module of the product, so the same chart serves a web page (inline SVG or
an ``image/svg+xml`` response) and a PDF (WeasyPrint renders the SVG).

The output is self-contained and deterministic: no script, no ``<foreignObject>``, no external URL, no style sheet;
coordinates with one decimal; every text escaped. Each chart carries ``<title>``/``<desc>`` and ``role="img"``, a
``viewBox`` and a width and height, and is returned as a ``SafeString`` ready for a template.

Charts so far: ``line_chart`` (dated series, e.g. an S-curve), ``rag_strip`` (one coloured cell per period),
``heat_map`` (groups × periods coloured by a ratio, cells optionally linked), ``stacked_bar_chart`` and
``grouped_bar_chart`` (series of values per category, bars optionally linked) and ``quadrant_chart`` (one dot per
item on two ratios split at 1.0, e.g. SPI × CPI, dots and quadrants optionally linked) and ``risk_matrix``
(probability × impact counts tinted by risk level, cells optionally linked). A
new kind reuses the building blocks: ``Svg`` (the document and escaped elements), ``Frame`` (the plot area inside
the margins), ``nice_ticks`` / ``ValueAxis`` (a rounded value scale with its grid) and ``legend``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from typing import Literal

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

Number = Decimal | float | int
FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans", sans-serif'

# Colours that read on screen and in print (also in greyscale: PV dark, EV mid, AC dashed by convention).
PALETTE = {
    "pv": "#1f5fbf",
    "ev": "#067647",
    "ac": "#c2410c",
    "green": "#2e8b57",
    "amber": "#e8a317",
    "red": "#c0392b",
    "none": "#e5e9ef",
    "text": "#1f2933",
    "muted": "#5f6b7a",
    "axis": "#9aa5b1",
    "grid": "#e5e9ef",
    "marker": "#6b21a8",
    "background": "#ffffff",
}
RAG_COLOURS = {"green": PALETTE["green"], "amber": PALETTE["amber"], "red": PALETTE["red"]}
FONT_SIZE = 12
SMALL_FONT_SIZE = 11


def _num(value: float) -> str:
    """A coordinate with at most one decimal, without a trailing ``.0`` (stable text for equal input)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An estimate of the rendered width: CJK characters are one em wide, others about 0.6 em."""
    return sum(size if ord(char) > 0x2E7F else size * 0.6 for char in text)


class Svg:
    """An SVG document assembled from escaped elements."""

    def __init__(self, *, width: int, height: int, title: str, desc: str = "") -> None:
        self.width, self.height, self.title, self.desc = width, height, title, desc
        self.parts: list[str] = []

    @staticmethod
    def attrs(values: dict[str, object]) -> str:
        items = []
        for name, value in values.items():
            if value is None or value is False:
                continue
            text = _num(value) if isinstance(value, float) else str(value)
            items.append(f' {name.rstrip("_").replace("_", "-")}="{escape(text, quote=True)}"')
        return "".join(items)

    def add(self, tag: str, content: str | None = None, **attrs: object) -> None:
        """One element; ``content`` is text (escaped here)."""
        if content is None:
            self.parts.append(f"<{tag}{self.attrs(attrs)}/>")
        else:
            self.parts.append(f"<{tag}{self.attrs(attrs)}>{escape(content, quote=False)}</{tag}>")

    def raw(self, markup: str) -> None:
        """Markup built by this module from escaped pieces (groups with a tooltip title)."""
        self.parts.append(markup)

    def text(self, x: float, y: float, content: str, **attrs: object) -> None:
        attrs.setdefault("font_size", FONT_SIZE)
        attrs.setdefault("fill", PALETTE["text"])
        self.add("text", content, x=float(x), y=float(y), **attrs)

    def render(self) -> SafeString:
        body = "".join(self.parts)
        # A stable id per chart content, so several charts on one page do not share ids.
        ident = (
            "chart-" + hashlib.sha1(f"{self.title}|{self.desc}|{body}".encode(), usedforsecurity=False).hexdigest()[:10]
        )
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" height="{self.height}" '
            f'viewBox="0 0 {self.width} {self.height}" role="img" aria-labelledby="{ident}-t {ident}-d" '
            f'font-family="{escape(FONT_FAMILY, quote=True)}" class="chart">'
            f'<title id="{ident}-t">{escape(self.title, quote=False)}</title>'
            f'<desc id="{ident}-d">{escape(self.desc, quote=False)}</desc>'
            f'<rect width="{self.width}" height="{self.height}" fill="{PALETTE["background"]}"/>'
        )
        return mark_safe(head + body + "</svg>")  # noqa: S308 - every piece above is escaped


@dataclass(frozen=True)
class Frame:
    """The plot area: the chart minus its margins."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


def _nice(value: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    base = 10.0**exponent
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * base * (1 + 1e-9):
            return step * base
    return 10.0 * base


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] with about ``count`` intervals; 0 is included when in range."""
    if high < low:
        low, high = high, low
    if high == low:
        high = low + (abs(low) or 1.0)
    step = _nice((high - low) / max(count, 1))
    start = math.floor(low / step + 1e-9) * step
    ticks = []
    value = start
    while value < high - 1e-9 * step:
        ticks.append(round(value, 10))
        value += step
    ticks.append(round(value, 10))
    return ticks


def compact_number(value: float) -> str:
    """1234567 → "1.23M", 120000 → "120k", 0.5 → "0.5": short labels for an axis, in any language."""
    magnitude = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            scaled = value / limit
            return f"{scaled:.3g}{suffix}"
    if magnitude == int(magnitude):
        return str(int(value))
    return f"{value:.3g}"


@dataclass(frozen=True)
class ValueAxis:
    """A vertical value scale over a frame, with rounded ticks."""

    frame: Frame
    ticks: list[float]

    @classmethod
    def covering(cls, frame: Frame, values: Iterable[float], *, include_zero: bool = True) -> ValueAxis:
        values = list(values)
        low, high = min(values, default=0.0), max(values, default=1.0)
        if include_zero:
            low, high = min(low, 0.0), max(high, 0.0)
        return cls(frame, nice_ticks(low, high))

    def y(self, value: float) -> float:
        low, high = self.ticks[0], self.ticks[-1]
        return self.frame.bottom - (value - low) / (high - low) * self.frame.height

    def draw(self, svg: Svg, y_format: Callable[[float], str]) -> None:
        for tick in self.ticks:
            y = self.y(tick)
            colour = PALETTE["axis"] if tick == 0 else PALETTE["grid"]
            svg.add("line", x1=self.frame.left, y1=y, x2=self.frame.right, y2=y, stroke=colour, stroke_width=1)
            svg.text(self.frame.left - 6, y + 4, y_format(tick), text_anchor="end", fill=PALETTE["muted"], font_size=11)


@dataclass(frozen=True)
class LegendItem:
    label: str
    color: str
    dashed: bool = False


def legend(svg: Svg, items: Sequence[LegendItem], *, x: float, y: float, max_width: float) -> float:
    """Swatches and labels in rows from (x, y); wraps within ``max_width``. Returns the height used."""
    row_height, cursor, row = 18.0, x, 0
    for item in items:
        width = 26 + text_width(item.label) + 16
        if cursor > x and cursor + width > x + max_width:
            cursor, row = x, row + 1
        top = y + row * row_height
        svg.add(
            "line",
            x1=cursor,
            y1=top + 6,
            x2=cursor + 20,
            y2=top + 6,
            stroke=item.color,
            stroke_width=3,
            stroke_dasharray="6 4" if item.dashed else None,
        )
        svg.text(cursor + 26, top + 10, item.label)
        cursor += width
    return (row + 1) * row_height if items else 0.0


def empty_chart(*, width: int, height: int, title: str, message: str | None = None) -> SafeString:
    """A chart with nothing to draw: its title and a short message, so the page keeps its shape."""
    message = message or _("No data yet.")
    svg = Svg(width=width, height=height, title=title, desc=message)
    svg.text(16, 24, title, font_size=14, font_weight="600")
    svg.add(
        "rect",
        x=16.0,
        y=40.0,
        width=float(width - 32),
        height=float(max(height - 56, 10)),
        fill="none",
        stroke=PALETTE["grid"],
        stroke_dasharray="4 4",
        rx=6,
    )
    svg.text(width / 2, 40 + max(height - 56, 10) / 2 + 4, message, text_anchor="middle", fill=PALETTE["muted"])
    return svg.render()


# --- Line chart over dates ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One line: points in date order; a ``None`` value leaves a gap."""

    label: str
    points: Sequence[tuple[dt.date, Number | None]]
    color: str = PALETTE["pv"]
    dashed: bool = False
    dots: bool = False


@dataclass(frozen=True)
class Marker:
    """A vertical line at a date (today, the status date) with a short label."""

    on: dt.date
    label: str
    color: str = PALETTE["marker"]


XTicks = Literal["auto", "week", "month"]


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    day = dt.date(first.year, first.month, 1)
    if day < first:
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    result = []
    while day <= last:
        result.append(day)
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return result


def date_ticks(first: dt.date, last: dt.date, *, kind: XTicks, max_labels: int) -> list[tuple[dt.date, str]]:
    """Tick dates with labels: the first of each month ("2026-03") or ISO-week Mondays ("W47"), thinned to at most
    ``max_labels``."""
    if kind == "auto":
        kind = "month" if (last - first).days > 16 * 7 else "week"
    ticks: list[tuple[dt.date, str]]
    if kind == "month":
        ticks = [(day, f"{day.year}-{day.month:02d}") for day in _month_starts(first, last)]
    else:
        monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
        ticks = []
        while monday <= last:
            ticks.append((monday, f"W{monday.isocalendar().week:02d}"))
            monday += dt.timedelta(days=7)
    step = max(1, math.ceil(len(ticks) / max(max_labels, 1)))
    return ticks[::step]


def _series_desc(series: Sequence[Series], y_format: Callable[[float], str]) -> str:
    parts = []
    for item in series:
        known = [(day, value) for day, value in item.points if value is not None]
        if known:
            day, value = known[-1]
            parts.append(
                _("%(label)s: %(count)s points, last %(value)s on %(date)s")
                % {"label": item.label, "count": len(known), "value": y_format(float(value)), "date": day.isoformat()}
            )
    return "; ".join(parts)


def line_chart(
    *,
    series: Sequence[Series],
    width: int = 720,
    height: int = 320,
    title: str,
    y_label: str | None = None,
    y_format: Callable[[float], str] = compact_number,
    x_ticks: XTicks = "auto",
    marker: Marker | None = None,
    desc: str | None = None,
    empty_message: str | None = None,
) -> SafeString:
    """Lines over dates with a legend above the plot, a rounded value axis (0 included), month or week labels and
    an optional marker line. Without any value, an empty-state chart with ``empty_message``."""
    known = [(day, float(value)) for item in series for day, value in item.points if value is not None]
    if not known:
        return empty_chart(width=width, height=height, title=title, message=empty_message)
    svg = Svg(width=width, height=height, title=title, desc=desc or _series_desc(series, y_format))
    svg.text(16, 22, title, font_size=14, font_weight="600")
    legend_height = legend(
        svg,
        [LegendItem(item.label, item.color, item.dashed) for item in series],
        x=16,
        y=32,
        max_width=width - 32,
    )
    values = [value for _day, value in known]
    probe = ValueAxis.covering(Frame(0, 0, 1, 1), values)
    label_room = max(text_width(y_format(tick), 11) for tick in probe.ticks) + 12
    left = 16 + label_room + (18 if y_label else 0)
    frame = Frame(left=left, top=32 + legend_height + 14, right=width - 20, bottom=height - 30)
    axis = ValueAxis(frame, probe.ticks)

    dates = [day for day, _value in known] + ([marker.on] if marker else [])
    first, last = min(dates), max(dates)
    if first == last:
        first, last = first - dt.timedelta(days=3), last + dt.timedelta(days=3)
    span = (last - first).days

    def x_of(day: dt.date) -> float:
        return frame.left + (day - first).days / span * frame.width

    axis.draw(svg, y_format)
    if y_label:
        middle = (frame.top + frame.bottom) / 2
        svg.text(
            14, middle, y_label, text_anchor="middle", fill=PALETTE["muted"], transform=f"rotate(-90 14 {_num(middle)})"
        )
    for day, label in date_ticks(first, last, kind=x_ticks, max_labels=max(2, int(frame.width // 70))):
        x = x_of(day)
        svg.add("line", x1=x, y1=frame.bottom, x2=x, y2=frame.bottom + 4, stroke=PALETTE["axis"])
        svg.text(x, frame.bottom + 17, label, text_anchor="middle", fill=PALETTE["muted"], font_size=11)
    svg.add("line", x1=frame.left, y1=frame.bottom, x2=frame.right, y2=frame.bottom, stroke=PALETTE["axis"])

    for item in series:
        segments: list[list[tuple[float, float]]] = [[]]
        for day, value in item.points:
            if value is None:
                if segments[-1]:
                    segments.append([])
                continue
            segments[-1].append((x_of(day), axis.y(float(value))))
        segments = [segment for segment in segments if segment]
        path = " ".join(
            "M" + " L".join(f"{_num(x)} {_num(y)}" for x, y in segment) for segment in segments if len(segment) > 1
        )
        if path:
            svg.add(
                "path",
                d=path,
                fill="none",
                stroke=item.color,
                stroke_width=2.5,
                stroke_linejoin="round",
                stroke_linecap="round",
                stroke_dasharray="7 5" if item.dashed else None,
                class_="series",
            )
        for segment in segments:
            if item.dots or len(segment) == 1:
                for x, y in segment:
                    svg.add("circle", cx=x, cy=y, r=3.0, fill=item.color)

    if marker and first <= marker.on <= last:
        x = x_of(marker.on)
        svg.add(
            "line",
            x1=x,
            y1=frame.top,
            x2=x,
            y2=frame.bottom,
            stroke=marker.color,
            stroke_dasharray="3 3",
            class_="marker",
        )
        anchor = "end" if x > frame.left + frame.width * 0.8 else "start"
        svg.text(
            x + (-4 if anchor == "end" else 4), frame.top + 11, marker.label, text_anchor=anchor, fill=marker.color
        )
    return svg.render()


# --- RAG strip ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RagCell:
    """One period: its short label (``"W47"``), its RAG (``green``/``amber``/``red``, or ``None`` when nothing was
    reported), a tooltip and an optional mark drawn inside (a letter, so the strip reads without colour)."""

    label: str
    rag: str | None
    tooltip: str = ""
    mark: str = ""


@dataclass(frozen=True)
class RagStripStyle:
    cell_width: int = 34
    cell_height: int = 26
    gap: int = 3
    colours: dict[str, str] = field(default_factory=lambda: dict(RAG_COLOURS))


def rag_strip(
    *,
    cells: Sequence[RagCell],
    title: str,
    width: int | None = None,
    style: RagStripStyle | None = None,
    empty_message: str | None = None,
) -> SafeString:
    """One coloured cell per period, oldest first, with labels below (thinned when crowded). The strip is as wide
    as its cells, at most ``width`` (cells shrink to fit, down to 8 pixels)."""
    style = style or RagStripStyle()
    if not cells:
        return empty_chart(width=width or 320, height=90, title=title, message=empty_message)
    pad = 12
    cell_width = float(style.cell_width)
    if width is not None:
        cell_width = max(8.0, min(cell_width, (width - 2 * pad - style.gap * (len(cells) - 1)) / len(cells)))
    total_width = math.ceil(2 * pad + len(cells) * cell_width + style.gap * (len(cells) - 1))
    height = 30 + style.cell_height + 22
    desc = ", ".join(f"{cell.label}: {cell.tooltip or cell.rag or '—'}" for cell in cells)
    svg = Svg(width=total_width, height=height, title=title, desc=desc)
    svg.text(pad, 18, title, font_size=13, font_weight="600")
    label_every = max(1, math.ceil(text_width(cells[-1].label, SMALL_FONT_SIZE) / (cell_width + style.gap - 2)))
    top = 28.0
    for index, cell in enumerate(cells):
        x = pad + index * (cell_width + style.gap)
        colour = style.colours.get(cell.rag or "", PALETTE["none"])
        tip = f"<title>{escape(cell.tooltip or cell.label, quote=False)}</title>"
        attrs = Svg.attrs(
            {
                "x": x,
                "y": top,
                "width": cell_width,
                "height": float(style.cell_height),
                "rx": 3,
                "fill": colour,
                "class": "rag-cell rag-" + (cell.rag or "none"),
            }
        )
        svg.raw(f"<rect{attrs}>{tip}</rect>")
        if cell.mark and cell_width >= 14:
            svg.text(
                x + cell_width / 2,
                top + style.cell_height / 2 + 4,
                cell.mark,
                text_anchor="middle",
                fill="#ffffff" if cell.rag else PALETTE["muted"],
                font_size=SMALL_FONT_SIZE,
                font_weight="700",
            )
        if (len(cells) - 1 - index) % label_every == 0:
            svg.text(
                x + cell_width / 2,
                top + style.cell_height + 15,
                cell.label,
                text_anchor="middle",
                fill=PALETTE["muted"],
                font_size=SMALL_FONT_SIZE,
            )
    return svg.render()


# --- Heat map -------------------------------------------------------------------------------------------------------

HEAT_COLOURS = {"none": PALETTE["none"], "under": "#a7d7b8", "near": "#f3c969", "over": "#e06b5f"}


@dataclass(frozen=True)
class HeatCell:
    """One cell: its ratio (demand ÷ capacity, ``None`` when there is no capacity), the short text drawn inside
    (``"95%"``), a tooltip and an optional link (the drill-down)."""

    ratio: float | Decimal | None
    label: str = ""
    tooltip: str = ""
    href: str | None = None


def heat_band(ratio: float | Decimal | None, *, near: float = 0.85) -> str:
    """``none`` (no ratio), ``under`` (below ``near``), ``near`` (``near`` up to 100 %) or ``over`` (above 100 %)."""
    if ratio is None:
        return "none"
    value = float(ratio)
    if value > 1:
        return "over"
    return "near" if value >= near else "under"


def heat_map(
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[HeatCell | None]],
    title: str,
    near: float = 0.85,
    cell_width: int = 52,
    cell_height: int = 30,
    desc: str | None = None,
    empty_message: str | None = None,
) -> SafeString:
    """A grid of coloured cells: one row per group (``rows``, labels on the left), one column per period
    (``columns``, labels on top), ``cells[row][column]`` coloured by its ratio band (``heat_band``) with its label
    inside and a legend below. A cell with ``href`` is wrapped in an SVG link (``<a href>``, which browsers and
    WeasyPrint follow). Without rows or columns, an empty-state chart with ``empty_message``."""
    if not rows or not columns:
        return empty_chart(width=640, height=120, title=title, message=empty_message)
    pad, gap = 12, 2
    label_width = min(220.0, max(text_width(row) for row in rows) + 16)
    left = pad + label_width
    top = 30.0 + 22
    width = math.ceil(left + len(columns) * (cell_width + gap) + pad)
    grid_bottom = top + len(rows) * (cell_height + gap)
    legend_items = [
        ("under", _("Under %(near)s%% of capacity") % {"near": round(near * 100)}),
        ("near", _("Near capacity (%(near)s–100%%)") % {"near": round(near * 100)}),
        ("over", _("Over capacity")),
        ("none", _("No capacity")),
    ]
    height = math.ceil(grid_bottom + 14 + 18 + pad)
    lines = []
    for row_label, row_cells in zip(rows, cells, strict=True):
        for column_label, cell in zip(columns, row_cells, strict=True):
            if cell is not None and cell.tooltip:
                lines.append(f"{row_label} {column_label}: {cell.tooltip}")
    svg = Svg(width=max(width, 560), height=height, title=title, desc=desc or "; ".join(lines))
    svg.text(pad, 20, title, font_size=14, font_weight="600")
    label_every = max(1, math.ceil(text_width(columns[-1], SMALL_FONT_SIZE) / (cell_width + gap - 4)))
    for index, column in enumerate(columns):
        if index % label_every == 0:
            x = left + index * (cell_width + gap) + cell_width / 2
            svg.text(x, top - 8, column, text_anchor="middle", fill=PALETTE["muted"], font_size=SMALL_FONT_SIZE)
    for row_index, (row_label, row_cells) in enumerate(zip(rows, cells, strict=True)):
        y = top + row_index * (cell_height + gap)
        shown = row_label
        while text_width(shown) > label_width - 12 and len(shown) > 2:
            shown = shown[:-2] + "…"
        svg.text(left - 8, y + cell_height / 2 + 4, shown, text_anchor="end")
        for column_index, cell in enumerate(row_cells):
            x = left + column_index * (cell_width + gap)
            band = heat_band(cell.ratio if cell else None, near=near)
            tip = escape((cell.tooltip if cell else "") or f"{row_label} {columns[column_index]}", quote=False)
            rect = Svg.attrs(
                {
                    "x": float(x),
                    "y": float(y),
                    "width": float(cell_width),
                    "height": float(cell_height),
                    "rx": 3,
                    "fill": HEAT_COLOURS[band],
                    "class": f"heat-cell heat-{band}",
                }
            )
            markup = f"<rect{rect}><title>{tip}</title></rect>"
            if cell is not None and cell.label:
                text = Svg.attrs(
                    {
                        "x": float(x + cell_width / 2),
                        "y": float(y + cell_height / 2 + 4),
                        "text-anchor": "middle",
                        "font-size": SMALL_FONT_SIZE,
                        "font-weight": "700" if band == "over" else None,
                        "fill": PALETTE["text"],
                        "pointer-events": "none",
                    }
                )
                markup += f"<text{text}>{escape(cell.label, quote=False)}</text>"
            if cell is not None and cell.href:
                link = Svg.attrs({"href": cell.href, "class": "heat-link"})
                markup = f"<a{link}>{markup}</a>"
            svg.raw(markup)
    cursor, legend_top = float(pad), grid_bottom + 14
    for band, label in legend_items:
        svg.add(
            "rect",
            x=cursor,
            y=legend_top,
            width=14.0,
            height=14.0,
            rx=2,
            fill=HEAT_COLOURS[band],
            class_=f"heat-legend heat-{band}",
        )
        svg.text(cursor + 20, legend_top + 11, label, font_size=SMALL_FONT_SIZE)
        cursor += 20 + text_width(label, SMALL_FONT_SIZE) + 18
    return svg.render()


# --- Bar charts -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BarSeries:
    """One series of a bar chart: a value per category (``None`` draws nothing), its colour, and optionally a link
    per category (the drill-down behind that bar)."""

    label: str
    values: Sequence[Number | None]
    color: str = PALETTE["pv"]
    hrefs: Sequence[str | None] | None = None

    def href(self, index: int) -> str | None:
        return self.hrefs[index] if self.hrefs is not None and index < len(self.hrefs) else None


def _linked(markup: str, href: str | None) -> str:
    """``markup`` inside an SVG link when there is somewhere to go."""
    if not href:
        return markup
    return f"<a{Svg.attrs({'href': href, 'class': 'chart-link'})}>{markup}</a>"


def _bar(x: float, y: float, width: float, height: float, *, color: str, tooltip: str, css: str) -> str:
    attrs = Svg.attrs(
        {"x": x, "y": y, "width": width, "height": max(height, 0.0), "fill": color, "class": css, "rx": 1}
    )
    return f"<rect{attrs}><title>{escape(tooltip, quote=False)}</title></rect>"


def _shorten(label: str, room: float, size: float = SMALL_FONT_SIZE) -> str:
    """``label`` cut with an ellipsis to fit ``room`` pixels."""
    shown = label
    while text_width(shown, size) > room and len(shown) > 2:
        shown = shown[:-2] + "…"
    return shown


@dataclass(frozen=True)
class _BarLayout:
    svg: Svg
    frame: Frame
    axis: ValueAxis
    slot: float  # the width given to each category


def _bar_layout(
    *,
    categories: Sequence[str],
    series: Sequence[BarSeries],
    maxima: Sequence[float],
    width: int,
    height: int,
    title: str,
    desc: str,
    y_label: str | None,
    y_format: Callable[[float], str],
) -> _BarLayout:
    """The shared frame of the bar charts: title, legend, value axis and the category labels below."""
    svg = Svg(width=width, height=height, title=title, desc=desc)
    svg.text(16, 22, title, font_size=14, font_weight="600")
    legend_height = legend(
        svg, [LegendItem(item.label, item.color) for item in series], x=16, y=32, max_width=width - 32
    )
    probe = ValueAxis.covering(Frame(0, 0, 1, 1), maxima)
    label_room = max(text_width(y_format(tick), SMALL_FONT_SIZE) for tick in probe.ticks) + 12
    left = 16 + label_room + (18 if y_label else 0)
    frame = Frame(left=left, top=32 + legend_height + 14, right=width - 16, bottom=height - 30)
    axis = ValueAxis(frame, probe.ticks)
    axis.draw(svg, y_format)
    if y_label:
        middle = (frame.top + frame.bottom) / 2
        svg.text(
            14, middle, y_label, text_anchor="middle", fill=PALETTE["muted"], transform=f"rotate(-90 14 {_num(middle)})"
        )
    slot = frame.width / max(len(categories), 1)
    label_every = max(1, math.ceil(max(text_width(c, SMALL_FONT_SIZE) for c in categories) / max(slot - 4, 1)))
    if label_every > 1 and len(categories) <= 8:
        label_every = 1  # few categories: cut the labels rather than drop them
    for index, category in enumerate(categories):
        if (len(categories) - 1 - index) % label_every:
            continue
        room = slot * label_every - 6
        svg.text(
            frame.left + slot * (index + 0.5),
            frame.bottom + 16,
            _shorten(category, room),
            text_anchor="middle",
            fill=PALETTE["muted"],
            font_size=SMALL_FONT_SIZE,
        )
    return _BarLayout(svg=svg, frame=frame, axis=axis, slot=slot)


def stacked_bar_chart(
    *,
    categories: Sequence[str],
    series: Sequence[BarSeries],
    title: str,
    width: int = 720,
    height: int = 280,
    y_label: str | None = None,
    y_format: Callable[[float], str] = compact_number,
    show_totals: bool = True,
    desc: str | None = None,
    empty_message: str | None = None,
) -> SafeString:
    """One bar per category (e.g. a week), the series stacked bottom up in their order (e.g. green, amber, red),
    the total above each bar. Each segment carries a tooltip and, where the series gives one, a link. Without any
    value above zero, an empty-state chart with ``empty_message``."""
    totals = [
        sum(float(item.values[index] or 0) for item in series if index < len(item.values))
        for index in range(len(categories))
    ]
    if not categories or not any(total > 0 for total in totals):
        return empty_chart(width=width, height=height, title=title, message=empty_message)
    if desc is None:
        desc = "; ".join(
            f"{category}: " + ", ".join(f"{item.label} {y_format(float(item.values[index] or 0))}" for item in series)
            for index, category in enumerate(categories)
        )
    layout = _bar_layout(
        categories=categories,
        series=series,
        maxima=totals,
        width=width,
        height=height,
        title=title,
        desc=desc,
        y_label=y_label,
        y_format=y_format,
    )
    svg, axis, frame = layout.svg, layout.axis, layout.frame
    bar_width = max(4.0, min(layout.slot * 0.62, 56.0))
    for index, category in enumerate(categories):
        x = frame.left + layout.slot * (index + 0.5) - bar_width / 2
        base = 0.0
        for item in series:
            value = float(item.values[index] or 0) if index < len(item.values) else 0.0
            if value <= 0:
                continue
            top, bottom = axis.y(base + value), axis.y(base)
            tooltip = f"{category} · {item.label}: {y_format(value)}"
            rect = _bar(x, top, bar_width, bottom - top, color=item.color, tooltip=tooltip, css="bar-segment")
            svg.raw(_linked(rect, item.href(index)))
            base += value
        if show_totals and totals[index] > 0:
            svg.text(
                x + bar_width / 2,
                axis.y(totals[index]) - 4,
                y_format(totals[index]),
                text_anchor="middle",
                font_size=SMALL_FONT_SIZE,
                fill=PALETTE["muted"],
            )
    svg.add("line", x1=frame.left, y1=frame.bottom, x2=frame.right, y2=frame.bottom, stroke=PALETTE["axis"])
    return svg.render()


def grouped_bar_chart(
    *,
    categories: Sequence[str],
    series: Sequence[BarSeries],
    title: str,
    width: int = 720,
    height: int = 300,
    y_label: str | None = None,
    y_format: Callable[[float], str] = compact_number,
    desc: str | None = None,
    empty_message: str | None = None,
) -> SafeString:
    """One group of bars per category (e.g. a portfolio), one bar per series side by side (e.g. BAC, AC, EAC),
    each with a tooltip and optionally a link. Without any value, an empty-state chart with ``empty_message``."""
    values = [float(value) for item in series for value in item.values if value is not None]
    if not categories or not values:
        return empty_chart(width=width, height=height, title=title, message=empty_message)
    if desc is None:
        desc = "; ".join(
            f"{category}: "
            + ", ".join(
                f"{item.label} {y_format(float(value))}"
                for item in series
                if (value := item.values[index] if index < len(item.values) else None) is not None
            )
            for index, category in enumerate(categories)
        )
    layout = _bar_layout(
        categories=categories,
        series=series,
        maxima=values,
        width=width,
        height=height,
        title=title,
        desc=desc,
        y_label=y_label,
        y_format=y_format,
    )
    svg, axis, frame = layout.svg, layout.axis, layout.frame
    group_width = layout.slot * 0.78
    bar_width = max(3.0, min(group_width / max(len(series), 1) - 2, 40.0))
    used = len(series) * (bar_width + 2) - 2
    zero = axis.y(0.0)
    for index, category in enumerate(categories):
        left = frame.left + layout.slot * (index + 0.5) - used / 2
        for position, item in enumerate(series):
            raw = item.values[index] if index < len(item.values) else None
            if raw is None:
                continue
            value = float(raw)
            y = axis.y(value)
            top, bottom = min(y, zero), max(y, zero)
            tooltip = f"{category} · {item.label}: {y_format(value)}"
            rect = _bar(
                left + position * (bar_width + 2),
                top,
                bar_width,
                max(bottom - top, 1.0 if value else 0.0),
                color=item.color,
                tooltip=tooltip,
                css="bar",
            )
            svg.raw(_linked(rect, item.href(index)))
    svg.add("line", x1=frame.left, y1=zero, x2=frame.right, y2=zero, stroke=PALETTE["axis"])
    return svg.render()


# --- Quadrant (scatter) chart ---------------------------------------------------------------------------------------

QUADRANT_TINTS = {"good": "#e8f5ee", "warn": "#fdf4e3", "bad": "#fbe9e7"}
QUADRANT_DOTS = {"good": PALETTE["green"], "warn": "#b7791f", "bad": PALETTE["red"]}


@dataclass(frozen=True)
class Point:
    """One dot: its two values, a short label drawn beside it (a project code), a tooltip and an optional link."""

    x: Number
    y: Number
    label: str = ""
    tooltip: str = ""
    href: str | None = None


@dataclass(frozen=True)
class Quadrant:
    """A quarter of the plot: its caption (drawn in its outer corner), its tone (``good``/``warn``/``bad``,
    tinting the background and the dots) and an optional link (the drill-down)."""

    caption: str
    tone: str = "warn"
    href: str | None = None


def quadrant_of(x: float, y: float, *, x_split: float, y_split: float) -> str:
    """``top_right`` (x ≥ split, y ≥ split), ``top_left``, ``bottom_right`` or ``bottom_left``."""
    return f"{'top' if y >= y_split else 'bottom'}_{'right' if x >= x_split else 'left'}"


def quadrant_chart(
    *,
    points: Sequence[Point],
    quadrants: dict[str, Quadrant],
    title: str,
    x_label: str,
    y_label: str,
    x_split: float = 1.0,
    y_split: float = 1.0,
    width: int = 560,
    height: int = 420,
    label_dots: bool = True,
    desc: str | None = None,
    empty_message: str | None = None,
) -> SafeString:
    """A scatter plot split into four quadrants by the lines ``x = x_split`` and ``y = y_split`` (e.g. SPI and
    CPI at 1.0): each quadrant tinted by its tone with its caption in its outer corner, one dot per point coloured by
    its quadrant, with a tooltip and optionally a link. The scale covers every point and both splits (values beyond
    0–3 are drawn at the edge, their tooltip keeps the true value). Without points, an empty-state chart."""
    if not points:
        return empty_chart(width=width, height=height, title=title, message=empty_message)

    def clamp(value: float) -> float:
        return min(max(value, 0.0), 3.0)

    def centred_ticks(values: list[float], split: float) -> list[float]:
        # The split in the middle, so the four quadrants (and their captions) get the same room.
        reach = max(max(abs(value - split) for value in values) * 1.1, 0.2)
        return nice_ticks(split - reach, split + reach, 4)

    x_ticks = centred_ticks([clamp(float(point.x)) for point in points], x_split)
    y_ticks = centred_ticks([clamp(float(point.y)) for point in points], y_split)
    if desc is None:
        counts: dict[str, int] = {}
        for point in points:
            key = quadrant_of(float(point.x), float(point.y), x_split=x_split, y_split=y_split)
            counts[key] = counts.get(key, 0) + 1
        desc = "; ".join(
            f"{quadrant.caption}: {counts.get(key, 0)}" for key, quadrant in quadrants.items() if quadrant.caption
        )
    svg = Svg(width=width, height=height, title=title, desc=desc)
    svg.text(16, 22, title, font_size=14, font_weight="600")
    label_room = max(text_width(compact_number(tick), SMALL_FONT_SIZE) for tick in y_ticks) + 12
    frame = Frame(left=16 + 18 + label_room, top=40, right=width - 16, bottom=height - 46)

    def x_of(value: float) -> float:
        return frame.left + (clamp(value) - x_ticks[0]) / (x_ticks[-1] - x_ticks[0]) * frame.width

    def y_of(value: float) -> float:
        return frame.bottom - (clamp(value) - y_ticks[0]) / (y_ticks[-1] - y_ticks[0]) * frame.height

    split_x, split_y = x_of(x_split), y_of(y_split)
    areas = {
        "top_left": (frame.left, frame.top, split_x, split_y),
        "top_right": (split_x, frame.top, frame.right, split_y),
        "bottom_left": (frame.left, split_y, split_x, frame.bottom),
        "bottom_right": (split_x, split_y, frame.right, frame.bottom),
    }
    for key, (x1, y1, x2, y2) in areas.items():
        quadrant = quadrants.get(key)
        tint = QUADRANT_TINTS.get(quadrant.tone, PALETTE["background"]) if quadrant else PALETTE["background"]
        svg.add("rect", x=x1, y=y1, width=max(x2 - x1, 0.0), height=max(y2 - y1, 0.0), fill=tint, class_="quadrant")
    for tick in x_ticks:
        x = x_of(tick)
        svg.add("line", x1=x, y1=frame.top, x2=x, y2=frame.bottom, stroke=PALETTE["grid"], stroke_width=1)
        svg.text(x, frame.bottom + 15, f"{tick:g}", text_anchor="middle", fill=PALETTE["muted"], font_size=11)
    for tick in y_ticks:
        y = y_of(tick)
        svg.add("line", x1=frame.left, y1=y, x2=frame.right, y2=y, stroke=PALETTE["grid"], stroke_width=1)
        svg.text(frame.left - 6, y + 4, f"{tick:g}", text_anchor="end", fill=PALETTE["muted"], font_size=11)
    svg.add(
        "rect", x=frame.left, y=frame.top, width=frame.width, height=frame.height, fill="none", stroke=PALETTE["axis"]
    )
    svg.add("line", x1=split_x, y1=frame.top, x2=split_x, y2=frame.bottom, stroke=PALETTE["text"], stroke_width=1.5)
    svg.add("line", x1=frame.left, y1=split_y, x2=frame.right, y2=split_y, stroke=PALETTE["text"], stroke_width=1.5)
    svg.text((frame.left + frame.right) / 2, height - 12, x_label, text_anchor="middle", fill=PALETTE["muted"])
    middle = (frame.top + frame.bottom) / 2
    svg.text(
        14, middle, y_label, text_anchor="middle", fill=PALETTE["muted"], transform=f"rotate(-90 14 {_num(middle)})"
    )
    for key, (x1, y1, x2, y2) in areas.items():
        quadrant = quadrants.get(key)
        if quadrant is None or not quadrant.caption:
            continue
        right = key.endswith("right")
        room = (x2 - x1) - 12
        if room < 30:
            continue
        top = key.startswith("top")
        text_attrs = Svg.attrs(
            {
                "x": (x2 - 6) if right else (x1 + 6),
                "y": (y1 + 15) if top else (y2 - 7),
                "text-anchor": "end" if right else "start",
                "font-size": SMALL_FONT_SIZE,
                "font-weight": "600",
                "fill": PALETTE["text"],
                "class": "quadrant-caption",
            }
        )
        caption = f"<text{text_attrs}>{escape(_shorten(quadrant.caption, room), quote=False)}</text>"
        svg.raw(_linked(caption, quadrant.href))
    for point in points:
        x, y = x_of(float(point.x)), y_of(float(point.y))
        key = quadrant_of(float(point.x), float(point.y), x_split=x_split, y_split=y_split)
        quadrant = quadrants.get(key)
        colour = QUADRANT_DOTS.get(quadrant.tone if quadrant else "", PALETTE["pv"])
        circle = Svg.attrs(
            {"cx": x, "cy": y, "r": 5.5, "fill": colour, "stroke": "#ffffff", "stroke_width": 1.5, "class": "dot"}
        )
        markup = f"<circle{circle}><title>{escape(point.tooltip or point.label, quote=False)}</title></circle>"
        if label_dots and point.label:
            anchor_end = x > frame.right - 60
            label = Svg.attrs(
                {
                    "x": x - 8 if anchor_end else x + 8,
                    "y": y + 4,
                    "text-anchor": "end" if anchor_end else "start",
                    "font-size": 10,
                    "fill": PALETTE["text"],
                    "pointer-events": "none",
                }
            )
            markup += f"<text{label}>{escape(point.label, quote=False)}</text>"
        svg.raw(_linked(markup, point.href))
    return svg.render()


# --- Risk matrix ----------------------------------------------------------------------------------------------------

RISK_LEVEL_COLOURS = {"low": "#d1fadf", "medium": "#fee9a8", "high": "#fcb4ae"}
RISK_LEVEL_TEXT = {"low": "#05603a", "medium": "#7a4a06", "high": "#7a1a12"}


@dataclass(frozen=True)
class MatrixCell:
    """One probability × impact cell: how many items, their level (``low``/``medium``/``high``), a tooltip and an
    optional link (the drill-down)."""

    count: int
    level: str
    tooltip: str = ""
    href: str | None = None


def risk_matrix(
    *,
    rows: Sequence[Sequence[MatrixCell]],
    title: str,
    y_label: str,
    x_label: str,
    legend_labels: dict[str, str],
    cell_size: int = 46,
    desc: str | None = None,
) -> SafeString:
    """The risk heat map: ``rows`` from the highest probability down, impact from low to high across; each cell
    tinted by its level with its count inside (blank when 0), linked when it has an ``href``; the axes numbered from
    1 and the levels' legend (``legend_labels``: level → text) below."""
    scale = len(rows)
    if not scale:
        return empty_chart(width=320, height=120, title=title)
    pad, gap = 12, 3
    left = pad + 20 + 16
    top = 34.0
    grid = scale * (cell_size + gap) - gap
    legend_width = sum(20 + text_width(label, SMALL_FONT_SIZE) + 18 for label in legend_labels.values())
    width = math.ceil(max(left + grid + pad, pad + legend_width, text_width(title, 14) + 2 * pad))
    height = math.ceil(top + grid + 16 + 18 + 14 + 18 + pad)
    total = sum(cell.count for row in rows for cell in row)
    if desc is None:
        desc = "; ".join(cell.tooltip for row in rows for cell in row if cell.count and cell.tooltip) or str(total)
    svg = Svg(width=width, height=height, title=title, desc=desc)
    svg.text(pad, 20, title, font_size=14, font_weight="600")
    for row_index, row in enumerate(rows):
        y = top + row_index * (cell_size + gap)
        svg.text(left - 6, y + cell_size / 2 + 4, str(scale - row_index), text_anchor="end", fill=PALETTE["muted"])
        for column_index, cell in enumerate(row):
            x = left + column_index * (cell_size + gap)
            rect = Svg.attrs(
                {
                    "x": float(x),
                    "y": float(y),
                    "width": float(cell_size),
                    "height": float(cell_size),
                    "rx": 4,
                    "fill": RISK_LEVEL_COLOURS.get(cell.level, PALETTE["none"]),
                    "class": f"matrix-cell level-{cell.level}",
                }
            )
            markup = f"<rect{rect}><title>{escape(cell.tooltip or str(cell.count), quote=False)}</title></rect>"
            if cell.count:
                text = Svg.attrs(
                    {
                        "x": float(x + cell_size / 2),
                        "y": float(y + cell_size / 2 + 5),
                        "text-anchor": "middle",
                        "font-size": 14,
                        "font-weight": "700",
                        "fill": RISK_LEVEL_TEXT.get(cell.level, PALETTE["text"]),
                        "pointer-events": "none",
                    }
                )
                markup += f"<text{text}>{cell.count}</text>"
            svg.raw(_linked(markup, cell.href if cell.count else None))
    axis_y = top + grid + 16
    for column_index in range(scale):
        centre = left + column_index * (cell_size + gap) + cell_size / 2
        svg.text(centre, axis_y, str(column_index + 1), text_anchor="middle", fill=PALETTE["muted"])
    svg.text(left + grid / 2, axis_y + 18, x_label, text_anchor="middle", fill=PALETTE["muted"])
    middle = top + grid / 2
    svg.text(
        pad + 8,
        middle,
        y_label,
        text_anchor="middle",
        fill=PALETTE["muted"],
        transform=f"rotate(-90 {pad + 8} {_num(middle)})",
    )
    cursor, legend_top = float(pad), axis_y + 18 + 14
    for level, label in legend_labels.items():
        svg.add("rect", x=cursor, y=legend_top, width=14.0, height=14.0, rx=2, fill=RISK_LEVEL_COLOURS.get(level, ""))
        svg.text(cursor + 20, legend_top + 11, label, font_size=SMALL_FONT_SIZE)
        cursor += 20 + text_width(label, SMALL_FONT_SIZE) + 18
    return svg.render()
