"""Earned-value arithmetic (projects.evm): hand-computed cases, the zero and missing-data edges, the planned
fraction of linear and milestone-weighted plans, and properties that must hold for any input (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projects import evm
from projects.models import Baseline, Project

D = Decimal
JAN = dt.date(2026, 1, 1)


def day(n: int) -> dt.date:
    return JAN + dt.timedelta(days=n)


def figures(**kwargs: object) -> dict[str, object]:
    return evm.evm_compute(**kwargs).as_fields()


# --- Hand-computed figures --------------------------------------------------------------------------------------


def test_typical_project_behind_and_over_budget() -> None:
    # BAC 100 000, PV 40 000, 35 % complete, AC 42 000
    # EV = 0.35 × 100 000 = 35 000;  SV = 35 000 − 40 000 = −5 000;  CV = 35 000 − 42 000 = −7 000
    # SPI = 35 000 / 40 000 = 0.875;  CPI = 35 000 / 42 000 = 0.83333… → 0.8333
    # EAC = BAC / CPI = 100 000 × 42 000 / 35 000 = 120 000;  ETC = 120 000 − 42 000 = 78 000
    # VAC = 100 000 − 120 000 = −20 000;  TCPI = (100 000 − 35 000) / (100 000 − 42 000) = 65/58 = 1.12068… → 1.1207
    assert figures(bac=D(100000), pv=D(40000), percent_complete=D(35), actual_cost=D(42000), baseline_version=2) == {
        "bac": D("100000.00"),
        "pv": D("40000.00"),
        "ev": D("35000.00"),
        "ac": D("42000.00"),
        "sv": D("-5000.00"),
        "cv": D("-7000.00"),
        "spi": D("0.8750"),
        "cpi": D("0.8333"),
        "eac": D("120000.00"),
        "etc": D("78000.00"),
        "vac": D("-20000.00"),
        "tcpi": D("1.1207"),
        "baseline_version": 2,
    }


def test_no_baseline_dates_leave_pv_sv_and_spi_undefined() -> None:
    # PV unknown → SV and SPI unknown; the cost side still works: EV = 0.5 × 10 000 = 5 000, CV = 5 000 − 4 000
    # = 1 000, CPI = 5 000 / 4 000 = 1.25, EAC = 10 000 × 4 000 / 5 000 = 8 000
    result = figures(bac=D(10000), pv=None, percent_complete=D(50), actual_cost=D(4000))
    assert (result["pv"], result["sv"], result["spi"]) == (None, None, None)
    assert (result["ev"], result["cv"], result["cpi"], result["eac"]) == (
        D("5000.00"),
        D("1000.00"),
        D("1.25"),
        D(8000),
    )
    assert (result["etc"], result["vac"], result["tcpi"]) == (D("4000.00"), D("2000.00"), D("0.8333"))  # 5000/6000


def test_no_cost_yet() -> None:
    # AC = 0: CPI undefined (÷0); EAC = AC + (BAC − EV) = 0 + (50 000 − 10 000) = 40 000; ETC = 40 000;
    # VAC = 10 000; SPI = 10 000 / 10 000 = 1; TCPI = 40 000 / 50 000 = 0.8
    result = figures(bac=D(50000), pv=D(10000), percent_complete=D(20), actual_cost=D(0))
    assert result["cpi"] is None
    assert (result["ev"], result["cv"], result["spi"]) == (D(10000), D(10000), D(1))
    assert (result["eac"], result["etc"], result["vac"], result["tcpi"]) == (D(40000), D(40000), D(10000), D("0.8"))


def test_money_spent_nothing_earned_has_no_finite_estimate() -> None:
    # EV = 0, AC = 5 000: CPI = 0 → EAC, ETC, VAC undefined; SPI = 0 / 8 000 = 0; TCPI = 80 000 / 75 000 = 1.0667
    result = figures(bac=D(80000), pv=D(8000), percent_complete=D(0), actual_cost=D(5000))
    assert (result["ev"], result["sv"], result["cv"]) == (D(0), D(-8000), D(-5000))
    assert (result["spi"], result["cpi"]) == (D(0), D(0))
    assert (result["eac"], result["etc"], result["vac"]) == (None, None, None)
    assert result["tcpi"] == D("1.0667")


def test_zero_budget() -> None:
    # BAC = 0: EV = 0, PV = 0 → SPI undefined; no cost → EAC = 0 + (0 − 0) = 0; TCPI undefined (BAC − AC = 0)
    result = figures(bac=D(0), pv=D(0), percent_complete=D(50), actual_cost=D(0))
    assert (result["ev"], result["sv"], result["cv"], result["eac"], result["etc"], result["vac"]) == (D(0),) * 6
    assert (result["spi"], result["cpi"], result["tcpi"]) == (None, None, None)
    # …and with money spent: CV = −100, CPI = 0 / 100 = 0, no estimate, TCPI undefined (BAC − AC < 0)
    spent = figures(bac=D(0), pv=D(0), percent_complete=D(0), actual_cost=D(100))
    assert (spent["cv"], spent["cpi"], spent["eac"], spent["tcpi"]) == (D(-100), D(0), None, None)


def test_over_budget_has_no_tcpi() -> None:
    # BAC 100 000, PV 90 000, 80 %, AC 110 000: EV 80 000; SV −10 000; CV −30 000; SPI 8/9 = 0.8889;
    # CPI 8/11 = 0.72727… → 0.7273; EAC = 100 000 × 110 000 / 80 000 = 137 500; ETC 27 500; VAC −37 500;
    # TCPI undefined: BAC − AC = −10 000 ≤ 0 (the budget is used up)
    result = figures(bac=D(100000), pv=D(90000), percent_complete=D(80), actual_cost=D(110000))
    assert (result["sv"], result["cv"], result["spi"], result["cpi"]) == (
        D(-10000),
        D(-30000),
        D("0.8889"),
        D("0.7273"),
    )
    assert (result["eac"], result["etc"], result["vac"], result["tcpi"]) == (D(137500), D(27500), D(-37500), None)
    # exactly on budget: BAC − AC = 0 → still undefined
    assert figures(bac=D(100), pv=D(100), percent_complete=D(50), actual_cost=D(100))["tcpi"] is None


def test_complete_project() -> None:
    # 100 % of BAC 100 000 with AC 95 000: EV = 100 000; SV = 0; CV = 5 000; SPI 1; CPI 100/95 = 1.05263 → 1.0526;
    # EAC = 100 000 × 95 000 / 100 000 = 95 000; ETC 0; VAC 5 000; TCPI = 0 / 5 000 = 0
    result = figures(bac=D(100000), pv=D(100000), percent_complete=D(100), actual_cost=D(95000))
    assert (result["ev"], result["sv"], result["cv"], result["spi"], result["cpi"]) == (
        D(100000),
        D(0),
        D(5000),
        D(1),
        D("1.0526"),
    )
    assert (result["eac"], result["etc"], result["vac"], result["tcpi"]) == (D(95000), D(0), D(5000), D(0))


def test_rounding_half_up_and_ratio_cap() -> None:
    # EV = 12.35 % × 10 = 1.235 → 1.24 (half up, to cents)
    assert figures(bac=D(10), pv=None, percent_complete=D("12.35"), actual_cost=D(0))["ev"] == D("1.24")
    # SPI = 100 000 / 0.01 = 10 000 000 → capped at 9 999.9999 (fits the column)
    assert figures(bac=D(100000), pv=D("0.01"), percent_complete=D(100), actual_cost=D(1))["spi"] == D("9999.9999")


# --- Planned fraction -------------------------------------------------------------------------------------------


def fraction(start: dt.date | None, finish: dt.date | None, milestones: list, on: dt.date) -> Decimal | None:
    return evm.planned_fraction(start=start, finish=finish, milestones=milestones, on=on)


def test_linear_plan() -> None:
    # 10 days from 1 Jan: on 4 Jan 3/10 of the work is planned
    assert fraction(day(0), day(10), [], day(3)) == D("0.3")
    assert [fraction(day(0), day(10), [], on) for on in (day(-5), day(0), day(10), day(40))] == [0, 0, 1, 1]


def test_milestone_weighted_plan() -> None:
    # 20 days; milestone weight 1 on day 5, weight 3 on day 10 (total 4): shares 0 → 1/4 at day 5 → 4/4 at day 10
    milestones = [(day(5), 1), (day(10), 3)]
    assert fraction(day(0), day(20), milestones, day(2)) == D("0.1")  # 1/4 × 2/5
    assert fraction(day(0), day(20), milestones, day(5)) == D("0.25")
    assert fraction(day(0), day(20), milestones, day(7)) == D("0.55")  # 1/4 + 3/4 × 2/5
    assert fraction(day(0), day(20), milestones, day(10)) == 1
    assert fraction(day(0), day(20), milestones, day(15)) == 1  # all work was planned by day 10


def test_milestones_outside_the_span_count_at_its_ends() -> None:
    # One milestone before the start, one after the finish (weight 1 each): half the work is planned at the start,
    # the other half at the finish; day 10 of 20 → 1/2 + 1/2 × 10/20 = 3/4
    milestones = [(day(-11), 1), (day(40), 1)]
    assert fraction(day(0), day(20), milestones, day(0)) == 0
    assert fraction(day(0), day(20), milestones, day(10)) == D("0.75")


def test_milestones_on_the_same_day_all_count_on_it() -> None:
    # Two weight-1 milestones on day 10 and one weight-2 milestone on day 15 (total 4): 2/4 planned by day 10
    milestones = [(day(10), 1), (day(10), 1), (day(15), 2)]
    assert fraction(day(0), day(20), milestones, day(5)) == D("0.25")  # 2/4 × 5/10
    assert fraction(day(0), day(20), milestones, day(10)) == D("0.5")
    assert fraction(day(0), day(20), milestones, day(12)) == D("0.7")  # 1/2 + 1/2 × 2/5


def test_zero_weights_and_undated_milestones_do_not_shape_the_plan() -> None:
    assert fraction(day(0), day(10), [(day(2), 0), (day(8), 0)], day(4)) == D("0.4")  # all zero → linear
    assert fraction(day(0), day(10), [(None, 5), (day(5), 0), (day(5), 2)], day(5)) == 1
    assert fraction(day(0), day(10), [(day(5), 1)], day(5)) == 1


def test_no_dates_or_an_empty_span() -> None:
    assert fraction(None, day(10), [], day(3)) is None
    assert fraction(day(0), None, [], day(3)) is None
    assert [fraction(day(0), day(0), [(day(0), 1)], on) for on in (day(-1), day(0), day(1))] == [0, 0, 1]


def test_plan_curve_from_a_baseline_snapshot() -> None:
    # BAC 100 000 over 20 days; weights from the snapshot (2 and 0), else from the milestones (3), else 1.
    baseline = Baseline(
        version=3,
        budget=D(100000),
        start_date=day(0),
        finish_date=day(20),
        milestone_dates=[
            {"milestone": 1, "date": day(10).isoformat(), "weight": 2},
            {"milestone": 2, "date": day(12).isoformat(), "weight": 0},
            {"milestone": 3, "date": day(15).isoformat()},
            {"milestone": 4, "date": None, "weight": 9},
        ],
    )
    curve = evm.plan_curve_of(baseline=baseline, project=Project(), weights={3: 3})
    assert curve.milestones == ((day(10), 2), (day(12), 0), (day(15), 3), (None, 9))
    assert curve.baseline_version == 3
    # day 10: 2/5 planned → PV 40 000; day 5: 2/5 × 5/10 = 1/5 → 20 000; day 15: 5/5 → 100 000
    assert [curve.pv(day(n)) for n in (5, 10, 15)] == [D("20000.00"), D("40000.00"), D("100000.00")]
    linear = evm.plan_curve_of(
        baseline=None, project=Project(budget_at_completion=D(3000), planned_start=day(0), planned_finish=day(30))
    )
    assert (linear.pv(day(10)), linear.baseline_version) == (D("1000.00"), None)
    assert evm.plan_curve_of(baseline=None, project=Project(budget_at_completion=D(1))).pv(day(1)) is None


# --- Properties ---------------------------------------------------------------------------------------------------

offsets = st.integers(min_value=-60, max_value=460)
plans = st.tuples(
    st.integers(min_value=0, max_value=400),  # length in days
    st.lists(st.tuples(st.one_of(st.none(), offsets), st.integers(min_value=0, max_value=5)), max_size=8),
)
money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
percent = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(plan=plans, a=offsets, b=offsets)
def test_fraction_is_within_0_and_1_and_never_decreases(plan: tuple[int, list], a: int, b: int) -> None:
    length, raw = plan
    milestones = [(None if offset is None else day(offset), weight) for offset, weight in raw]
    early, late = sorted((a, b))
    first = fraction(day(0), day(length), milestones, day(early))
    second = fraction(day(0), day(length), milestones, day(late))
    assert first is not None and second is not None
    assert 0 <= first <= second <= 1


@settings(max_examples=200, deadline=None)
@given(plan=plans, on=offsets, bac=money)
def test_pv_never_exceeds_bac(plan: tuple[int, list], on: int, bac: Decimal) -> None:
    length, raw = plan
    curve = evm.PlanCurve(bac, day(0), day(length), tuple((None if o is None else day(o), w) for o, w in raw), 1)
    pv = curve.pv(day(on))
    assert pv is not None and 0 <= pv <= bac


@settings(max_examples=400, deadline=None)
@given(bac=money, pv_share=st.one_of(st.none(), percent), done=percent, ac=money)
def test_figures_are_consistent(bac: Decimal, pv_share: Decimal | None, done: Decimal, ac: Decimal) -> None:
    pv = None if pv_share is None else (bac * pv_share / 100).quantize(D("0.01"))
    result = evm.evm_compute(bac=bac, pv=pv, percent_complete=done, actual_cost=ac)
    assert 0 <= result.ev <= result.bac
    assert result.cv == result.ev - result.ac
    if pv is None:
        assert result.sv is None and result.spi is None
    else:
        assert result.pv is not None and result.sv == result.ev - result.pv
    if result.eac is None:
        assert result.etc is None and result.vac is None and result.ac > 0 and result.ev == 0
    else:
        assert result.etc == result.eac - result.ac
        assert result.vac == result.bac - result.eac
    # SPI·PV ≈ EV and CPI·AC ≈ EV within the rounding of the ratio (half of 0.0001), unless capped
    for ratio, divisor in ((result.spi, result.pv), (result.cpi, result.ac)):
        if divisor is None or divisor == 0:
            assert ratio is None
        elif ratio is not None and abs(ratio) < evm.RATIO_CAP:
            assert abs(ratio * divisor - result.ev) <= divisor * D("0.00005") + D("0.000001")
    if result.cpi is not None and result.cpi > 0 and result.eac is not None:
        assert abs(result.eac - bac * ac / result.ev) <= D("0.005")
    assert (result.tcpi is None) == (bac - ac <= 0)


@pytest.mark.parametrize("pv", [D(0), D(1)])
def test_spi_is_undefined_only_for_zero_pv(pv: Decimal) -> None:
    result = evm.evm_compute(bac=D(10), pv=pv, percent_complete=D(10), actual_cost=D(0))
    assert (result.spi is None) == (pv == 0)
