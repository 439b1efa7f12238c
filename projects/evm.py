"""Earned value and the suggested RAG: pure arithmetic first, then the one helper that reads a project's baseline.

Rules (also in docs/monitoring.md):

- **BAC** is the budget of the project's current (highest) baseline version; without a baseline, the project's BAC.
- **PV** as of a date is BAC × the planned fraction of work. The fraction follows the baseline's milestones,
  weighted by each milestone's weight: it is 0 at the baseline start, reaches the cumulative weight share at each
  milestone's baseline date, is 1 at the baseline finish, and is interpolated linearly in between. A baseline
  without dated milestones (or whose weights are all 0) is linear from start (0) to finish (1). A milestone dated
  outside the span counts at the nearer end of it; milestones due on the same day are all planned done that day.
  Without baseline dates, PV is unknown (NULL).
- **EV** = percent complete × BAC; **AC** is the larger of the status report's actual cost to date and the
  project's labour cost from approved timesheets (Σ approved hours × the cost rate frozen at approval) of the weeks
  up to the status date: timesheets are a floor, so partial timesheets never lower the reported cost.
- SV = EV − PV, CV = EV − AC, SPI = EV / PV, CPI = EV / AC (NULL when the divisor is 0 or unknown).
- EAC = BAC / CPI when CPI is defined and positive; AC + (BAC − EV) when there is no cost yet (AC = 0); NULL when
  money was spent but nothing earned (CPI = 0: no finite estimate). ETC = EAC − AC, VAC = BAC − EAC.
- TCPI = (BAC − EV) / (BAC − AC); NULL when the budget is used up (BAC − AC ≤ 0).
- Money is rounded half-up to cents, ratios to four decimals and capped at ±9999.9999.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import F, Max
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from pmo.tenancy.models import Organization
from projects.models import RAG_RANK, Baseline, ControlPolicy, Milestone, Project, Rag

CENT = Decimal("0.01")
RATIO = Decimal("0.0001")
RATIO_CAP = Decimal("9999.9999")
HUNDRED = Decimal(100)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _ratio(numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    if denominator is None or denominator == 0:
        return None
    value = (numerator / denominator).quantize(RATIO, rounding=ROUND_HALF_UP)
    return max(-RATIO_CAP, min(RATIO_CAP, value))


@dataclass(frozen=True)
class Evm:
    bac: Decimal
    pv: Decimal | None
    ev: Decimal
    ac: Decimal
    sv: Decimal | None
    cv: Decimal
    spi: Decimal | None
    cpi: Decimal | None
    eac: Decimal | None
    etc: Decimal | None
    vac: Decimal | None
    tcpi: Decimal | None
    baseline_version: int | None = None

    def as_fields(self) -> dict[str, Any]:
        """The values under the model field names of ``projects.models.EvmFigures``."""
        return asdict(self)


def evm_compute(
    *,
    bac: Decimal,
    pv: Decimal | None,
    percent_complete: Decimal,
    actual_cost: Decimal,
    baseline_version: int | None = None,
) -> Evm:
    """All EVM figures from BAC, PV, percent complete (0–100) and AC; see the module docstring for the rules."""
    bac, ac = Decimal(bac), Decimal(actual_cost)
    ev = _money(Decimal(percent_complete) / HUNDRED * bac)
    pv = _money(Decimal(pv)) if pv is not None else None
    spi = _ratio(ev, pv)
    cpi = _ratio(ev, ac)
    eac: Decimal | None
    if ac == 0:
        eac = _money(bac - ev)
    elif ev > 0:
        eac = _money(bac * ac / ev)
    else:
        eac = None
    return Evm(
        bac=_money(bac),
        pv=pv,
        ev=ev,
        ac=_money(ac),
        sv=ev - pv if pv is not None else None,
        cv=_money(ev - ac),
        spi=spi,
        cpi=cpi,
        eac=eac,
        etc=_money(eac - ac) if eac is not None else None,
        vac=_money(bac - eac) if eac is not None else None,
        tcpi=_ratio(bac - ev, bac - ac) if bac - ac > 0 else None,
        baseline_version=baseline_version,
    )


def planned_fraction(
    *, start: dt.date | None, finish: dt.date | None, milestones: Iterable[tuple[dt.date | None, int]], on: dt.date
) -> Decimal | None:
    """The share of work planned to be done by ``on`` (0–1): milestone-weighted, piecewise linear; ``None`` when
    the plan has no dates."""
    if start is None or finish is None:
        return None
    if on <= start:
        return Decimal(0)
    if on >= finish:
        return Decimal(1)
    dated = sorted((min(max(day, start), finish), weight) for day, weight in milestones if day and weight > 0)
    total = sum(weight for _day, weight in dated)
    points: list[tuple[dt.date, Decimal]] = [(start, Decimal(0))]
    if total:
        reached = 0
        for day, weight in dated:
            reached += weight
            points.append((day, Decimal(reached) / Decimal(total)))
    points.append((finish, Decimal(1)))
    # From the share reached on the last planned day up to ``on`` linearly to the share reached on the next planned
    # day (every milestone due on a day counts on it); ``start < on < finish`` here, so both days exist.
    day_a, share_a = next(point for point in reversed(points) if point[0] <= on)
    day_b = next(day for day, _share in points if day > on)
    share_b = max(share for day, share in points if day == day_b)
    return share_a + (share_b - share_a) * Decimal((on - day_a).days) / Decimal((day_b - day_a).days)


@dataclass(frozen=True)
class PlanCurve:
    """What PV is computed from: the current baseline (or the project's own plan when it has none)."""

    bac: Decimal
    start: dt.date | None
    finish: dt.date | None
    milestones: tuple[tuple[dt.date | None, int], ...]
    baseline_version: int | None

    def pv(self, on: dt.date) -> Decimal | None:
        fraction = planned_fraction(start=self.start, finish=self.finish, milestones=self.milestones, on=on)
        return None if fraction is None else _money(self.bac * fraction)


def plan_curve_of(*, baseline: Baseline | None, project: Project, weights: dict[int, int] | None = None) -> PlanCurve:
    """The plan curve of ``baseline`` (milestone weights from the snapshot, else from ``weights`` by milestone id,
    else 1); without a baseline, the project's BAC and planned dates, linear."""
    if baseline is None:
        return PlanCurve(project.budget_at_completion, project.planned_start, project.planned_finish, (), None)
    weights = weights or {}
    milestones = []
    for item in baseline.milestone_dates or []:
        day = dt.date.fromisoformat(item["date"]) if item.get("date") else None
        weight = item.get("weight")
        if weight is None:  # snapshots taken before weights were recorded
            weight = weights.get(item.get("milestone") or 0, 1)
        milestones.append((day, int(weight)))
    return PlanCurve(baseline.budget, baseline.start_date, baseline.finish_date, tuple(milestones), baseline.version)


def project_plan_curve(*, organization: Organization, project: Project) -> PlanCurve:
    """The current plan curve of one project (two queries)."""
    baseline = Baseline.objects.filter(organization=organization, project=project).order_by("-version").first()
    weights = dict(Milestone.objects.filter(organization=organization, project=project).values_list("pk", "weight"))
    return plan_curve_of(baseline=baseline, project=project, weights=weights)


def project_evm(
    *, organization: Organization, project: Project, on: dt.date, percent_complete: Decimal, actual_cost: Decimal
) -> Evm:
    curve = project_plan_curve(organization=organization, project=project)
    return evm_compute(
        bac=curve.bac,
        pv=curve.pv(on),
        percent_complete=percent_complete,
        actual_cost=actual_cost,
        baseline_version=curve.baseline_version,
    )


def project_max_slip_days(*, organization: Organization, project: Project) -> int:
    """The largest slip of any milestone, in days: actual (else forecast) date after the baseline date; 0 if none."""
    slip = (
        Milestone.objects.filter(organization=organization, project=project, baseline_date__isnull=False)
        .annotate(reference=Coalesce("actual_date", "forecast_date"))
        .filter(reference__gt=F("baseline_date"))
        .aggregate(latest=Max(F("reference") - F("baseline_date")))["latest"]
    )
    if slip is None:
        return 0
    return slip.days if isinstance(slip, dt.timedelta) else int(slip)


# --- Suggested RAG ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RagSuggestion:
    rag: str
    # [{"factor": "spi"|"cpi"|"slip"|"escalations", "value": str|int, "rag": …, "threshold": str|int|None}]
    reasons: list[dict[str, Any]] = field(default_factory=list)


def worst_rag(values: Iterable[str]) -> str:
    return max(values, key=lambda value: RAG_RANK[Rag(value)], default=Rag.GREEN)


def is_better(reported: str, suggested: str) -> bool:
    """True when the manager's ``reported`` RAG is better (greener) than ``suggested``."""
    return bool(suggested) and RAG_RANK[Rag(reported)] < RAG_RANK[Rag(suggested)]


def _below(value: Decimal, amber: Decimal, red: Decimal) -> tuple[str, Decimal | None]:
    if value < red:
        return Rag.RED, red
    if value < amber:
        return Rag.AMBER, amber
    return Rag.GREEN, None


def _at_least(value: int, amber: int, red: int) -> tuple[str, int | None]:
    if value > 0 and value >= red:
        return Rag.RED, red
    if value > 0 and value >= amber:
        return Rag.AMBER, amber
    return Rag.GREEN, None


def suggest_rag(
    *, policy: ControlPolicy, spi: Decimal | None, cpi: Decimal | None, max_slip_days: int, open_escalations: int
) -> RagSuggestion:
    """The RAG the figures suggest: the worst of SPI, CPI (each only when defined), the largest milestone slip and
    the number of open escalations, against the organisation's thresholds. Every factor is listed with its own RAG,
    so the suggestion explains itself."""
    reasons: list[dict[str, Any]] = []
    if spi is not None:
        rag, threshold = _below(spi, policy.spi_amber_below, policy.spi_red_below)
        reasons.append({"factor": "spi", "value": str(spi), "rag": str(rag), "threshold": _text(threshold)})
    if cpi is not None:
        rag, threshold = _below(cpi, policy.cpi_amber_below, policy.cpi_red_below)
        reasons.append({"factor": "cpi", "value": str(cpi), "rag": str(rag), "threshold": _text(threshold)})
    rag, limit = _at_least(max_slip_days, policy.slip_amber_days, policy.slip_red_days)
    reasons.append({"factor": "slip", "value": max_slip_days, "rag": str(rag), "threshold": limit})
    rag, limit = _at_least(open_escalations, policy.escalations_amber, policy.escalations_red)
    reasons.append({"factor": "escalations", "value": open_escalations, "rag": str(rag), "threshold": limit})
    return RagSuggestion(rag=worst_rag(reason["rag"] for reason in reasons), reasons=reasons)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def open_escalation_count(escalations: Sequence[dict[str, Any]]) -> int:
    return sum(1 for item in escalations or [] if not item.get("resolved"))


def describe_reason(reason: dict[str, Any]) -> str:
    """One factor of a suggestion in words, in the active language."""
    factor, value, threshold = reason["factor"], reason["value"], reason.get("threshold")
    if factor in ("spi", "cpi"):
        name = factor.upper()
        if threshold is None:
            return _("%(name)s %(value)s is within the tolerance") % {"name": name, "value": value}
        return _("%(name)s %(value)s is below %(threshold)s") % {"name": name, "value": value, "threshold": threshold}
    if factor == "slip":
        if threshold is None:
            return _("milestones slipped at most %(days)s days") % {"days": value}
        return _("a milestone slipped %(days)s days (limit %(threshold)s)") % {"days": value, "threshold": threshold}
    if threshold is None:
        return _("%(count)s open escalations") % {"count": value}
    return _("%(count)s open escalations (limit %(threshold)s)") % {"count": value, "threshold": threshold}
