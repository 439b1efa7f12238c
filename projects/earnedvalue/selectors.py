"""Reads of earned value: the stored weekly figures (history), the figures as of today, and the S-curve series.

History comes from the figures frozen on each submitted or accepted status report, so it does not move when the
baseline changes later; "now" recomputes the latest report's percent complete and actual cost against the current
baseline (``projects.evm.project_evm``). The project must already be one the actor may read
(``projects.selectors.project_get_for_actor``). Every function runs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from pmo.tenancy.models import Organization
from projects import evm
from projects.models import RAG_VALUES, Project, Rag, StatusReport
from projects.policy import week_label
from resources.timesheets.selectors import project_labour_cost

FIGURES = ("baseline_version", "bac", "pv", "ev", "ac", "sv", "cv", "spi", "cpi", "eac", "etc", "vac", "tcpi")
MONEY_FIGURES = ("bac", "pv", "ev", "ac", "sv", "cv", "eac", "etc", "vac")
RATIO_FIGURES = ("spi", "cpi", "tcpi")
HISTORY_STATES = (StatusReport.State.SUBMITTED, StatusReport.State.ACCEPTED)


@dataclass(frozen=True)
class EvmRow:
    """One week of stored figures (a submitted or accepted status report)."""

    report_id: int
    week_start: dt.date
    status_date: dt.date  # the day the week's status describes (its due day, organisation time zone)
    state: str
    rag_overall: str
    suggested_rag: str
    percent_complete: Decimal
    actual_cost: Decimal
    baseline_version: int | None
    bac: Decimal | None
    pv: Decimal | None
    ev: Decimal | None
    ac: Decimal | None
    sv: Decimal | None
    cv: Decimal | None
    spi: Decimal | None
    cpi: Decimal | None
    eac: Decimal | None
    etc: Decimal | None
    vac: Decimal | None
    tcpi: Decimal | None

    @property
    def week(self) -> str:
        return week_label(self.week_start)

    @property
    def rag_label(self) -> str:
        return str(Rag(self.rag_overall).label) if self.rag_overall in RAG_VALUES else self.rag_overall


def project_evm_history(*, organization: Organization, project: Project) -> list[EvmRow]:
    """The stored figures of every submitted or accepted report of ``project``, oldest week first (one query)."""
    zone = zoneinfo.ZoneInfo(organization.time_zone)
    rows = (
        StatusReport.objects.filter(organization=organization, project=project, state__in=HISTORY_STATES)
        .order_by("week_start")
        .values(
            "id",
            "week_start",
            "due_at",
            "state",
            "rag_overall",
            "suggested_rag",
            "percent_complete",
            "actual_cost",
            *FIGURES,
        )
    )
    return [
        EvmRow(
            report_id=row["id"],
            week_start=row["week_start"],
            status_date=row["due_at"].astimezone(zone).date(),
            state=row["state"],
            rag_overall=row["rag_overall"],
            suggested_rag=row["suggested_rag"],
            percent_complete=row["percent_complete"],
            actual_cost=row["actual_cost"],
            **{name: row[name] for name in FIGURES},
        )
        for row in rows
    ]


@dataclass(frozen=True)
class EvmNow:
    """The figures as of ``on``: the latest report's progress and cost against the current baseline."""

    on: dt.date
    week_start: dt.date  # of the report the progress and cost come from
    percent_complete: Decimal
    actual_cost: Decimal
    figures: evm.Evm

    @property
    def week(self) -> str:
        return week_label(self.week_start)


def project_evm_now(
    *, organization: Organization, project: Project, on: dt.date, curve: evm.PlanCurve | None = None
) -> EvmNow | None:
    """Figures as of ``on`` from the latest submitted or accepted report, ``None`` without one. PV is the current
    baseline's (``curve`` when the caller has it already, else read: two queries); AC is the larger of the reported
    cost and the approved-timesheet labour cost up to ``on`` (one query)."""
    report = (
        StatusReport.objects.filter(organization=organization, project=project, state__in=HISTORY_STATES)
        .order_by("-week_start")
        .only("week_start", "percent_complete", "actual_cost")
        .first()
    )
    if report is None:
        return None
    curve = curve or evm.project_plan_curve(organization=organization, project=project)
    # The same AC rule as a submission: approved timesheet labour up to ``on`` is a floor of the reported cost.
    labour = project_labour_cost(organization=organization, project=project, until=on)
    actual_cost = max(report.actual_cost, labour.cost)
    figures = evm.evm_compute(
        bac=curve.bac,
        pv=curve.pv(on),
        percent_complete=report.percent_complete,
        actual_cost=actual_cost,
        baseline_version=curve.baseline_version,
    )
    return EvmNow(
        on=on,
        week_start=report.week_start,
        percent_complete=report.percent_complete,
        actual_cost=actual_cost,
        figures=figures,
    )


Point = tuple[dt.date, Decimal | None]


@dataclass(frozen=True)
class SCurve:
    """The series of the S-curve: PV over the current baseline's span, EV and AC as reported each week."""

    as_of: dt.date
    pv: list[Point]
    ev: list[Point]
    ac: list[Point]
    baseline_version: int | None

    @property
    def is_empty(self) -> bool:
        return not any(value is not None for _day, value in [*self.pv, *self.ev, *self.ac])


def pv_points(curve: evm.PlanCurve) -> list[Point]:
    """PV at the baseline start, every seven days after it, at each milestone date inside the span (where the
    curve bends) and at the finish; empty without baseline dates."""
    if curve.start is None or curve.finish is None or curve.finish < curve.start:
        return []
    days = {curve.start, curve.finish}
    day = curve.start
    while day < curve.finish:
        days.add(day)
        day += dt.timedelta(days=7)
    days.update(on for on, weight in curve.milestones if on and weight > 0 and curve.start < on < curve.finish)
    return [(on, curve.pv(on)) for on in sorted(days)]


def project_s_curve(
    *,
    organization: Organization,
    project: Project,
    on: dt.date,
    history: list[EvmRow] | None = None,
    curve: evm.PlanCurve | None = None,
) -> SCurve:
    """PV from the current baseline (``curve``), EV and AC from the stored weekly figures (``history``) at each
    week's status date; either is read when not given (history one query, the curve two)."""
    if history is None:
        history = project_evm_history(organization=organization, project=project)
    if curve is None:
        curve = evm.project_plan_curve(organization=organization, project=project)
    return SCurve(
        as_of=on,
        pv=pv_points(curve),
        ev=[(row.status_date, row.ev) for row in history],
        ac=[(row.status_date, row.ac) for row in history],
        baseline_version=curve.baseline_version,
    )


def pv_rule_text() -> str:
    """The rule of planned value in one paragraph, in the active language."""
    return _(
        "PV = BAC × the share of work planned by that day, from the current baseline: 0 at its start, the "
        "cumulative weight of the milestones due by then at each milestone's baseline date, 1 at its finish, "
        "linear in between (linear from start to finish when no milestone is dated). Weekly figures are frozen "
        "when a report is submitted, so the history does not move when the baseline changes."
    )
