"""What the dashboard page and its PDF draw from ``selectors.Dashboard``: the KPI tiles with their period and
drill-down, and the charts (``pmo.core.charts``, the same SVG on the page and in the PDF; the PDF's have no links).

``Links`` builds the drill-down addresses: ``figure(key)`` is ``/o/<org>/dashboard/projects/?figure=<key>&<filters>``.
The PDF passes ``Links(None, …)``, which gives no link at all.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from pmo.core import charts
from reports.dashboard.selectors import (
    KPI_DAYS,
    QUADRANT_LABELS,
    RAG_KEYS,
    RAG_LABELS,
    Dashboard,
    DashboardFilters,
)
from reports.pdf.monthly import Tile, kpi_tiles, number
from risks.scoring import LEVEL_LABELS

# A primary key no row has, resolved once and replaced by each row's (``Links.url_of_each``).
_PK_SENTINEL = 987654321987


@dataclass(frozen=True)
class Links:
    """Drill-down and detail addresses for one organisation and filter set; ``org_slug=None`` gives none."""

    org_slug: str | None
    filters: DashboardFilters

    def figure(self, key: str) -> str | None:
        if self.org_slug is None:
            return None
        query = urlencode({"figure": key, **self.filters.params()})
        return f"{reverse('dashboard-projects', kwargs={'org_slug': self.org_slug})}?{query}"

    def url(self, name: str, *args: object) -> str | None:
        if self.org_slug is None:
            return None
        return reverse(name, args=(self.org_slug, *args))

    def url_of_each(self, name: str) -> Callable[[int], str | None]:
        """``url(name, pk)`` for many primary keys: the address is resolved once and the key put in its place
        (``reverse`` costs some 30 µs a call, a dot each on a quadrant of hundreds of projects)."""
        if self.org_slug is None:
            return lambda pk: None
        before, _sep, after = reverse(name, args=(self.org_slug, _PK_SENTINEL)).partition(str(_PK_SENTINEL))
        return lambda pk: f"{before}{int(pk)}{after}"


@dataclass(frozen=True)
class KpiTile:
    tile: Tile
    period: str
    href: str | None
    link_label: str = ""


def date_label(day: dt.date) -> str:
    return formats.date_format(day, "Y-m-d")


def _with_date(text: str, day: dt.date) -> SafeString:
    """``text`` (a translated pattern with ``%(date)s``) with the date kept on one line."""
    before, _sep, after = text.partition("%(date)s")
    return format_html('{}<span class="nowrap">{}</span>{}', before, date_label(day), after)


def tiles(data: Dashboard, links: Links) -> list[KpiTile]:
    """The seven PMO KPIs of ``reports.pdf.monthly.kpi_tiles`` with their period and what they drill down to.

    Status compliance counts every report due in the window's weeks whose due time has passed, missing ones
    included (``reports.kpis``); its period says so, since the current week, not due yet, is not in it (the cockpit's
    "this week" figures are)."""
    window = data.window
    year = _with_date(_("12 months to %(date)s"), window.today)
    recent = _("Last %(days)s days") % {"days": KPI_DAYS}
    status_period = _("Reports due in the last %(days)s days, missing ones included; a week counts once due") % {
        "days": KPI_DAYS
    }
    counts = data.counts
    closed = _("%(count)s closed projects") % {"count": counts["closed_12m"]}
    missed = _("%(count)s projects late or missing") % {"count": counts["status_missed"]}
    decided = _("%(count)s projects with decisions") % {"count": counts["changes_decided"]}
    targets = [
        (year, links.figure("closed_12m"), closed),
        (year, links.figure("closed_12m"), closed),
        (year, links.figure("closed_12m"), closed),
        (year, links.figure("closed_12m"), closed),
        (status_period, links.figure("status_missed"), missed),
        (recent, links.figure("changes_decided"), decided),
        (recent, links.url("utilization"), _("Utilisation by person")),
    ]
    return [
        KpiTile(tile, period, href, label)
        for tile, (period, href, label) in zip(kpi_tiles(data.kpis), targets, strict=True)
    ]


def week_label(day: dt.date) -> str:
    return f"W{day.isocalendar().week:02d}"


def rag_week_in_progress(data: Dashboard) -> bool:
    """Whether the trend's last week is the current one (its reports are still coming in)."""
    weeks = data.rag_weeks
    return bool(weeks) and weeks[-1].week_start + dt.timedelta(days=7) > data.window.today


def rag_trend_chart(data: Dashboard, *, width: int = 620) -> SafeString:
    weeks = data.rag_weeks
    series = [
        charts.BarSeries(
            label=str(RAG_LABELS[key]),
            values=[getattr(week, key) for week in weeks],
            color=charts.RAG_COLOURS[key],
        )
        for key in RAG_KEYS
    ]
    categories = [week_label(week.week_start) for week in weeks]
    title = _("Overall RAG of the status reports, last %(weeks)s weeks") % {"weeks": len(weeks)}
    if rag_week_in_progress(data):
        # The current week holds only the reports in so far: its bar is starred and the title says why.
        categories[-1] += "*"
        title = _("Overall RAG of the status reports, last %(weeks)s weeks (*: this week, so far)") % {
            "weeks": len(weeks)
        }
    return charts.stacked_bar_chart(
        categories=categories,
        series=series,
        title=title,
        width=width,
        height=260,
        y_label=_("Projects"),
        empty_message=_("No status reports in these weeks."),
    )


def money(value: Decimal | None) -> str:
    return number(value)


def budget_chart(data: Dashboard, links: Links, *, width: int = 620) -> SafeString:
    budgets = data.budgets
    keys = [f"budget-{row.portfolio_id if row.portfolio_id is not None else 'none'}" for row in budgets]
    hrefs = [links.figure(key) for key in keys]
    series = [
        charts.BarSeries(_("BAC (budget)"), [row.bac for row in budgets], charts.PALETTE["pv"], hrefs),
        charts.BarSeries(_("AC (actual cost)"), [row.ac for row in budgets], charts.PALETTE["ac"], hrefs),
        charts.BarSeries(_("EAC (forecast)"), [row.eac for row in budgets], "#6b21a8", hrefs),
    ]
    return charts.grouped_bar_chart(
        categories=[row.name or _("No portfolio") for row in budgets],
        series=series,
        title=_("Budget by portfolio"),
        width=width,
        height=280,
        empty_message=_("No status report with EVM figures among these projects yet."),
    )


QUADRANT_POSITIONS = {
    "ahead_under": ("top_right", "good"),
    "late_under": ("top_left", "warn"),
    "ahead_over": ("bottom_right", "warn"),
    "late_over": ("bottom_left", "bad"),
}


# Above this many projects with SPI and CPI, the quadrant draws one dot per cell of a QUADRANT_STEP grid (its
# tooltip says how many projects it holds and links to its quadrant's list) instead of one dot per project: a
# thousand dots are a blot to read and weigh some 250 bytes each on the page and in the PDF.
QUADRANT_MAX_DOTS = 400
QUADRANT_STEP = Decimal("0.05")


def _point_tooltips(data: Dashboard) -> list[str]:
    pattern = _("%(code)s %(name)s: SPI %(spi)s, CPI %(cpi)s")
    return [
        pattern
        % {
            "code": point.code,
            "name": point.name,
            "spi": formats.number_format(point.spi or 0, 2),
            "cpi": formats.number_format(point.cpi or 0, 2),
        }
        for point in data.points
    ]


def _project_dots(data: Dashboard, links: Links) -> list[charts.Point]:
    href = links.url_of_each("project-evm")
    return [
        charts.Point(x=point.spi or 0, y=point.cpi or 0, label=point.code, tooltip=tooltip, href=href(point.pk))
        for point, tooltip in zip(data.points, _point_tooltips(data), strict=True)
    ]


def _cell(value: Decimal | None) -> Decimal:
    """The lower edge of ``value``'s grid cell (values beyond the chart's 0–3 land at its edge anyway)."""
    clamped = min(max(value or Decimal(0), Decimal(0)), Decimal(3))
    return (clamped / QUADRANT_STEP).to_integral_value(rounding=ROUND_FLOOR) * QUADRANT_STEP


def _grouped_dots(data: Dashboard, links: Links) -> list[charts.Point]:
    """One dot per grid cell holding projects, at the cell's middle (on the same side of 1 as its projects)."""
    cells: Counter[tuple[Decimal, Decimal]] = Counter((_cell(p.spi), _cell(p.cpi)) for p in data.points)
    half = QUADRANT_STEP / 2
    dots = []
    for (spi, cpi), count in sorted(cells.items()):
        key = f"{'ahead' if spi >= 1 else 'late'}_{'under' if cpi >= 1 else 'over'}"
        tooltip = ngettext(
            "%(count)s project with SPI %(spi_from)s–%(spi_to)s and CPI %(cpi_from)s–%(cpi_to)s",
            "%(count)s projects with SPI %(spi_from)s–%(spi_to)s and CPI %(cpi_from)s–%(cpi_to)s",
            count,
        ) % {
            "count": count,
            "spi_from": formats.number_format(spi, 2),
            "spi_to": formats.number_format(spi + QUADRANT_STEP, 2),
            "cpi_from": formats.number_format(cpi, 2),
            "cpi_to": formats.number_format(cpi + QUADRANT_STEP, 2),
        }
        dots.append(charts.Point(x=spi + half, y=cpi + half, tooltip=tooltip, href=links.figure(key)))
    return dots


def quadrant_grouped(data: Dashboard) -> bool:
    """Whether the quadrant groups its projects into grid cells (more than ``QUADRANT_MAX_DOTS`` of them)."""
    return len(data.points) > QUADRANT_MAX_DOTS


def quadrant_chart(data: Dashboard, links: Links, *, width: int = 560) -> SafeString:
    quadrants = {
        position: charts.Quadrant(
            caption=f"{QUADRANT_LABELS[key]} ({data.counts[key]})", tone=tone, href=links.figure(key)
        )
        for key, (position, tone) in QUADRANT_POSITIONS.items()
    }
    grouped = quadrant_grouped(data)
    points = _grouped_dots(data, links) if grouped else _project_dots(data, links)
    return charts.quadrant_chart(
        points=points,
        quadrants=quadrants,
        title=_("Schedule and cost performance (SPI × CPI)"),
        x_label=_("SPI: schedule performance (≥ 1 on schedule)"),
        y_label=_("CPI: cost performance (≥ 1 on budget)"),
        width=width,
        height=420,
        label_dots=not grouped and len(points) <= 40,
        empty_message=_("No project has SPI and CPI yet: they come with the weekly status reports."),
    )


def risk_matrix(data: Dashboard, links: Links) -> SafeString:
    heat = data.heat_map
    rows = [
        [
            charts.MatrixCell(
                count=cell.count,
                level=cell.level,
                tooltip=_("Probability %(p)s × impact %(i)s: %(count)s open risks (%(level)s)")
                % {"p": cell.probability, "i": cell.impact, "count": cell.count, "level": cell.level_label},
                href=links.figure(f"risk-{cell.probability}-{cell.impact}"),
            )
            for cell in row
        ]
        for row in heat.rows
    ]
    settings = data.risk_settings
    return charts.risk_matrix(
        rows=rows,
        title=_("Open risks by probability and impact"),
        y_label=_("Probability"),
        x_label=_("Impact"),
        legend_labels={
            "low": str(LEVEL_LABELS["low"]),
            "medium": _("Medium from %(score)s") % {"score": settings.medium_from},
            "high": _("High from %(score)s") % {"score": settings.high_from},
        },
    )


def capacity_chart(data: Dashboard, *, width: int = 620) -> SafeString:
    weeks = data.capacity
    series = [
        charts.Series(_("Capacity"), [(row.week, row.capacity) for row in weeks], charts.PALETTE["ev"], dots=True),
        charts.Series(
            _("Demand: all projects"), [(row.week, row.demand) for row in weeks], charts.PALETTE["ac"], dots=True
        ),
        charts.Series(
            _("Demand: projects shown"),
            [(row.week, row.shown) for row in weeks],
            charts.PALETTE["pv"],
            dashed=True,
        ),
    ]
    has_hours = any(row.capacity or row.demand for row in weeks)
    return charts.line_chart(
        series=series if has_hours else [],
        width=width,
        height=260,
        title=_("Capacity vs demand, next %(weeks)s weeks (hours)") % {"weeks": len(weeks)},
        y_label=pgettext("unit", "Hours"),
        x_ticks="week",
        empty_message=_("No people or allocations to plan yet."),
    )


@dataclass(frozen=True)
class Charts:
    rag: SafeString
    budget: SafeString
    quadrant: SafeString
    risks: SafeString
    capacity: SafeString


def dashboard_charts(data: Dashboard, links: Links, *, narrow: bool = False) -> Charts:
    width = 560 if narrow else 620
    return Charts(
        rag=rag_trend_chart(data, width=width),
        budget=budget_chart(data, links, width=width),
        quadrant=quadrant_chart(data, links, width=width),
        risks=risk_matrix(data, links),
        capacity=capacity_chart(data, width=width),
    )
