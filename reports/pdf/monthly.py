"""The monthly management review (kind ``monthly_review``, period ``"2026-11"``): the PMO's KPIs of the month and the
trailing twelve months, portfolio health and trends, baseline changes, the risk heat map, capacity and utilisation,
the intake pipeline, the escalations open at month end, and every active project in an appendix.

Figures come from ``reports.kpis`` (definitions there) and the selectors the pages use (baseline-change
statistics, the risk heat map, capacity vs demand, over-allocation), read as the PMO reads the organisation.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pmo.core import charts
from projects.changes.selectors import baseline_change_stats
from projects.policy import organization_zone
from reports.kpis import (
    OpenEscalation,
    PmoKpis,
    ProjectHealth,
    RagWeek,
    RiskEscalation,
    escalated_risks,
    local_bounds,
    month_end,
    pmo_kpis,
    portfolio_snapshot,
    rag_distribution,
)
from reports.pdf import PackDocument, TocEntry
from reports.pdf.common import organization_access
from reports.periods import month_label, parse_month, period_display
from resources.capacity import weeks_from
from resources.planning import CapacityDemand, capacity_overview
from risks.models import EscalationLevel
from risks.scoring import risk_settings_get
from risks.selectors import heat_map_for_organization

if TYPE_CHECKING:
    from pmo.tenancy.models import Organization
    from projects.models import Project

TREND_WEEKS = 12
CAPACITY_WEEKS = 8
# A review reads the same for 40 projects or 400: every list shows its most telling rows up to a limit and counts
# the rest (the appendix still lists every active project with its SPI and CPI).
OVER_ALLOCATION_ROWS = 25
PERFORMANCE_ROWS = 15
CHANGE_ROWS = 15
ESCALATION_ROWS = 25
DECISION_ROWS = 8
DASH = "—"


def percent(value: Decimal | None) -> str:
    """A ratio as a whole percentage in the active language ("83%"), or "—" when there is none."""
    if value is None:
        return DASH
    # number_format truncates; round half up first so that 46.67 % reads 47 %.
    return f"{formats.number_format((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP), 0)}%"


def number(value: Decimal | int | None, places: int = 0) -> str:
    """A localised number with grouping, or "—"."""
    if value is None:
        return DASH
    return formats.number_format(value, places, force_grouping=True)


def days(value: Decimal | None) -> str:
    return DASH if value is None else _("%(days)s d") % {"days": formats.number_format(value, 1)}


@dataclass(frozen=True)
class Tile:
    """A key figure on the first page: its value, label, the basis it was computed on, and a tone."""

    value: str
    label: str
    basis: str
    tone: str = ""  # "good" | "warn" | "bad" | ""


def _tone(value: Decimal | None, *, good: str, warn: str) -> str:
    if value is None:
        return ""
    if value >= Decimal(good):
        return "good"
    return "warn" if value >= Decimal(warn) else "bad"


def _fraction(part: int, whole: int) -> str:
    if not whole:
        return _("no data")
    return _("%(part)s of %(whole)s") % {"part": part, "whole": whole}


def kpi_tiles(kpis: PmoKpis) -> list[Tile]:
    """Seven key figures: four over the projects closed in the trailing twelve months, then three of the month."""
    year = kpis.closures_12_months
    status, changes, utilisation = kpis.status, kpis.changes, kpis.utilisation
    satisfaction = year.satisfaction
    return [
        Tile(
            percent(year.success_rate),
            _("Project success rate"),
            _fraction(year.met, year.closed),
            _tone(year.success_rate, good="0.8", warn="0.6"),
        ),
        Tile(
            percent(year.on_time_rate),
            _("On time"),
            _fraction(year.on_time, year.with_baseline_finish),
            _tone(year.on_time_rate, good="0.8", warn="0.6"),
        ),
        Tile(
            percent(year.on_budget_rate),
            _("On budget"),
            _fraction(year.on_budget, year.with_baseline),
            _tone(year.on_budget_rate, good="0.8", warn="0.6"),
        ),
        Tile(
            DASH
            if satisfaction is None
            else f"{formats.number_format(satisfaction.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP), 1)} / 5",
            _("Customer satisfaction"),
            ngettext("%(count)s closure", "%(count)s closures", year.closed) % {"count": year.closed},
            _tone(satisfaction, good="4", warn="3"),
        ),
        Tile(
            percent(status.rate),
            _("Status on time"),
            _fraction(status.on_time, status.expected),
            _tone(status.rate, good="0.9", warn="0.75"),
        ),
        Tile(
            days(changes.median_days),
            _("Change cycle time (median)"),
            _("%(count)s decided") % {"count": changes.decided},
        ),
        Tile(
            percent(utilisation.planned),
            _("Utilisation (planned)"),
            _("actual %(actual)s") % {"actual": percent(utilisation.actual)},
            "bad" if utilisation.planned is not None and utilisation.planned > 1 else "",
        ),
    ]


@dataclass(frozen=True)
class KpiLine:
    label: str
    month: str
    year: str
    basis: str


def kpi_lines(kpis: PmoKpis) -> list[KpiLine]:
    """The detail table under the tiles: each KPI for the month and for the trailing twelve months."""
    month, year = kpis.closures, kpis.closures_12_months
    satisfaction = [DASH if c.satisfaction is None else formats.number_format(c.satisfaction, 2) for c in (month, year)]
    return [
        KpiLine(_("Projects closed"), number(month.closed), number(year.closed), _("closure approved in the period")),
        KpiLine(
            _("Project success rate"),
            percent(month.success_rate),
            percent(year.success_rate),
            _("objectives met ÷ closed"),
        ),
        KpiLine(
            _("On-time rate"),
            percent(month.on_time_rate),
            percent(year.on_time_rate),
            _("actual finish ≤ baseline v1 finish"),
        ),
        KpiLine(
            _("On-budget rate"),
            percent(month.on_budget_rate),
            percent(year.on_budget_rate),
            _("final cost ≤ baseline v1 budget"),
        ),
        KpiLine(_("Customer satisfaction"), satisfaction[0], satisfaction[1], _("average of closure reports, 1–5")),
    ]


def rag_trend_chart(weeks: list[RagWeek]) -> SafeString:
    """Projects per overall RAG, week by week: one line per colour."""
    series = [
        charts.Series(
            label=str(label),
            points=[(w.week_start, getattr(w, key)) for w in weeks],
            color=charts.RAG_COLOURS[key],
            dots=True,
        )
        for key, label in (("green", _("Green")), ("amber", _("Amber")), ("red", _("Red")))
    ]
    return charts.line_chart(
        series=series,
        width=680,
        height=250,
        title=_("Projects by overall RAG, last %(weeks)s weeks") % {"weeks": len(weeks)},
        y_label=_("Projects"),
        x_ticks="week",
        empty_message=_("No status reports in these weeks."),
    )


def capacity_chart(demand: CapacityDemand) -> SafeString:
    """Demand ÷ capacity per department and week (the planning page's heat map)."""
    cells = [
        [
            charts.HeatCell(
                ratio=cell.ratio,
                label=percent(cell.ratio),
                tooltip=_("%(demand)s h of %(capacity)s h")
                % {"demand": number(cell.demand), "capacity": number(cell.capacity)},
            )
            for cell in demand.row(group)
        ]
        for group in demand.groups
    ]
    return charts.heat_map(
        rows=[group.name for group in demand.groups],
        columns=[f"W{week.isocalendar().week:02d}" for week in demand.weeks],
        cells=cells,
        title=_("Allocated hours ÷ capacity by department"),
        cell_width=48,
        empty_message=_("No departments or people to plan."),
    )


QUADRANT_LABELS = {
    "ahead_under": ("good", gettext_lazy("On schedule, on budget")),
    "late_under": ("warn", gettext_lazy("Behind schedule, on budget")),
    "ahead_over": ("warn", gettext_lazy("On schedule, over budget")),
    "late_over": ("bad", gettext_lazy("Behind schedule, over budget")),
}


def quadrant_label(quadrant: str | None) -> tuple[str, str]:
    if quadrant is None:
        return "", DASH
    tone, text = QUADRANT_LABELS[quadrant]
    return tone, str(text)


@dataclass(frozen=True)
class QuadrantCount:
    tone: str
    label: str
    count: int
    share: str


def quadrant_counts(projects: Sequence[ProjectHealth]) -> list[QuadrantCount]:
    """Running projects per SPI/CPI quadrant, and those without both figures, with their share of the whole."""
    counts = Counter(row.quadrant for row in projects)
    total = len(projects)
    rows = [
        QuadrantCount(tone, str(label), counts[key], percent(Decimal(counts[key]) / total) if total else DASH)
        for key, (tone, label) in QUADRANT_LABELS.items()
    ]
    missing = counts[None]
    rows.append(
        QuadrantCount("", _("No SPI or CPI yet"), missing, percent(Decimal(missing) / total) if total else DASH)
    )
    return rows


def performance_exceptions(projects: Sequence[ProjectHealth]) -> list[ProjectHealth]:
    """Projects behind schedule or over budget, the lower of their SPI and CPI first (then by code)."""
    behind = [row for row in projects if row.quadrant not in (None, "ahead_under")]
    return sorted(behind, key=lambda row: (min(row.spi or 0, row.cpi or 0), row.code))


@dataclass(frozen=True)
class DecisionCount:
    decision_from: str
    escalations: int
    projects: int


RAG_ORDER = {"red": 0, "amber": 1, "green": 2}


def report_escalation_summary(
    escalations: Sequence[tuple[ProjectHealth, OpenEscalation]],
) -> tuple[list[tuple[ProjectHealth, OpenEscalation]], list[DecisionCount]]:
    """The weekly reports' open escalations, red projects first (then amber, green, by code), and how many wait on
    whom (most first; unnamed last)."""
    ordered = sorted(escalations, key=lambda pair: (RAG_ORDER.get(pair[0].rag or "", 3), pair[0].code))
    by_whom: dict[str, tuple[int, set[int]]] = {}
    for project, item in escalations:
        count, projects = by_whom.get(item.decision_from, (0, set()))
        projects.add(project.project_id)
        by_whom[item.decision_from] = (count + 1, projects)
    decisions = [DecisionCount(name, count, len(projects)) for name, (count, projects) in by_whom.items()]
    decisions.sort(key=lambda row: (not row.decision_from, -row.escalations, row.decision_from))
    return ordered, decisions


@dataclass(frozen=True)
class EscalationCount:
    level: str
    level_label: str
    risks: int
    issues: int


def risk_escalation_counts(rows: Sequence[RiskEscalation]) -> list[EscalationCount]:
    """Escalated risks and issues per level, the executives' first (only levels that have any)."""
    counts = Counter((row.level, row.kind) for row in rows)
    labels = {row.level: row.level_label for row in rows}
    levels = sorted(labels, key=lambda level: level != EscalationLevel.EXECUTIVE)
    return [
        EscalationCount(level, labels[level], counts[(level, "risk")], counts[(level, "issue")]) for level in levels
    ]


def build(*, organization: Organization, period: str, project: Project | None, language: str) -> PackDocument:
    """The review of the month ``period`` for the whole organisation (``project`` is ignored).

    Queries: the KPIs' eleven, the snapshot's five, the RAG trend's one, the baseline statistics' three, the heat map's
    two, escalations two, capacity vs demand with over-allocation seven — whatever the size of the organisation.
    Every list is cut to its most telling rows and counts the rest (see the constants above)."""
    first = parse_month(period)
    last = month_end(first)
    access = organization_access(organization)
    _month_start, month_close = local_bounds(organization, first, last)

    kpis = pmo_kpis(organization=organization, start=first, end=last)
    snapshot = portfolio_snapshot(organization=organization, as_of=last)
    # A review of the running month stops its trend at today: weeks still to come have no reports yet.
    today = timezone.localdate(timezone.now(), organization_zone(organization))
    weeks = rag_distribution(organization=organization, until=min(last, today), weeks=TREND_WEEKS)
    changes = baseline_change_stats(access=access, since=first, until=first)
    risk_settings = risk_settings_get(organization=organization)
    heat_map = heat_map_for_organization(access=access, settings=risk_settings)
    risk_escalations = escalated_risks(organization=organization, as_of=month_close)
    next_week = weeks_from(last + dt.timedelta(days=1), 1)[0]
    capacity = capacity_overview(
        organization=organization,
        start=next_week,
        weeks=CAPACITY_WEEKS,
        by="department",
        over_start=next_week,
        over_weeks=CAPACITY_WEEKS,
        over_rows=OVER_ALLOCATION_ROWS,
    )
    demand = capacity.demand
    utilisation = kpis.utilisation

    exceptions = performance_exceptions(snapshot.projects)
    spi_cpi = [(row, *quadrant_label(row.quadrant)) for row in exceptions[:PERFORMANCE_ROWS]]
    report_escalations, decisions = report_escalation_summary(snapshot.escalations)
    project_changes = sorted(changes.by_project, key=lambda row: (-row.count, row.label))
    total_budget = {
        "bac": sum((b.bac for b in snapshot.budgets), Decimal(0)),
        "ac": sum((b.ac for b in snapshot.budgets), Decimal(0)),
        "eac": sum((b.eac for b in snapshot.budgets), Decimal(0)),
    }
    title = _("Monthly management review")
    toc = (
        TocEntry("summary", _("Executive summary")),
        TocEntry("portfolio", _("Portfolio health")),
        TocEntry("changes", _("Baseline changes and change requests")),
        TocEntry("risks", _("Risk heat map")),
        TocEntry("capacity", _("Capacity and utilisation")),
        TocEntry("intake", _("Intake pipeline")),
        TocEntry("escalations", _("Escalations open at month end")),
        TocEntry("appendix", _("Appendix: active projects")),
    )
    return PackDocument(
        template_name="reports/pdf/monthly_review.html",
        title=title,
        period_label=period_display("monthly_review", month_label(first)),
        toc=toc,
        context={
            "month_first": first,
            "month_last": last,
            "kpis": kpis,
            "tiles": kpi_tiles(kpis),
            "kpi_lines": kpi_lines(kpis),
            "snapshot": snapshot,
            "rag_chart": rag_trend_chart(weeks),
            "latest_week": weeks[-1],
            "quadrants": quadrant_counts(snapshot.projects),
            "spi_cpi": spi_cpi,
            "spi_cpi_more": max(0, len(exceptions) - PERFORMANCE_ROWS),
            "budgets": [
                (row, percent(row.consumed), min(100, round(float(row.consumed or 0) * 100)))
                for row in snapshot.budgets
            ],
            "total_budget": total_budget,
            "changes": changes,
            "project_changes": project_changes[:CHANGE_ROWS],
            "project_changes_more": max(0, len(project_changes) - CHANGE_ROWS),
            "heat_map": heat_map,
            "risk_settings": risk_settings,
            "risk_escalations": risk_escalations[:ESCALATION_ROWS],
            "risk_escalations_total": len(risk_escalations),
            "risk_escalations_more": max(0, len(risk_escalations) - ESCALATION_ROWS),
            "risk_escalation_counts": risk_escalation_counts(risk_escalations),
            "report_escalations": report_escalations[:ESCALATION_ROWS],
            "report_escalations_total": len(report_escalations),
            "report_escalations_projects": len({project.project_id for project, _item in report_escalations}),
            "report_escalations_more": max(0, len(report_escalations) - ESCALATION_ROWS),
            "decisions": decisions[:DECISION_ROWS],
            "decisions_more": max(0, len(decisions) - DECISION_ROWS),
            "capacity_chart": capacity_chart(demand),
            "capacity_weeks": (demand.weeks[0], demand.weeks[-1] + dt.timedelta(days=6)),
            "capacity_over": demand.over_count,
            "over_allocations": capacity.first_over,
            "over_allocations_more": capacity.over.person_weeks - len(capacity.first_over),
            "utilisation": utilisation,
            "utilisation_planned": percent(utilisation.planned),
            "utilisation_actual": percent(utilisation.actual),
            "utilisation_weeks": (utilisation.weeks[0], utilisation.weeks[-1] + dt.timedelta(days=6)),
            "intake": snapshot.intake,
            "intake_total": sum(row.count for row in snapshot.intake),
        },
    )
