"""portfolio.selection: the what-if knapsack. Worked examples for each explanation, and hypothesis properties:
the selection never exceeds a cap, it is never worse than greedy, and it is optimal (checked by brute force)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio import selection
from portfolio.selection import Candidate, Method, Reason, select

D = Decimal


def c(key: str, cost: int | str, value: int | str, hours: int = 0) -> Candidate:
    return Candidate(key=key, label=key.upper(), cost=D(cost), value=D(value), effort_hours=hours)


def outcome(result: selection.Selection, key: str) -> selection.Outcome:
    return next(o for o in result.outcomes if o.candidate.key == key)


def chosen(result: selection.Selection) -> set[str]:
    return {o.candidate.key for o in result.outcomes if o.selected}


# --- Worked examples --------------------------------------------------------------------------------------------


def test_the_optimum_beats_the_densest_item() -> None:
    """A is the densest (70 per 6,000) but B and C together are worth more within 10,000: greedy takes A only."""
    items = [c("a", 6000, 70), c("b", 5000, 50), c("c", 5000, 50)]

    result = select(items, budget_cap=D(10_000))

    assert chosen(result) == {"b", "c"}
    assert result.method is Method.EXACT
    assert result.cost_unit == D(1000)
    assert (result.total_cost, result.total_value) == (D(10_000), D(100))
    a = outcome(result, "a")
    # A is denser than both selected items, so the reason is the budget, not the value per cost.
    assert (a.reason, a.amount) == (Reason.OVER_BUDGET, D(6000))


def test_every_reason_is_given() -> None:
    items = [
        c("in", 4000, 80, hours=100),
        c("huge", 20_000, 99),
        c("busy", 1000, 50, hours=900),
        c("free", 0, 0),
        c("pricey", 7000, 30, hours=10),
        c("hungry", 1000, 40, hours=450),
    ]

    result = select(items, budget_cap=D(10_000), capacity_cap_hours=500)

    reasons = {o.candidate.key: (o.reason, o.amount) for o in result.outcomes}
    assert reasons["in"] == (Reason.SELECTED, None)
    assert reasons["huge"] == (Reason.OVER_CAP, D(10_000))
    assert reasons["busy"] == (Reason.OVER_CAPACITY_CAP, D(400))
    assert reasons["free"] == (Reason.NO_VALUE, None)
    # 10,000 − 4,000 = 6,000 left: 7,000 exceeds it by 1,000, and 30/7,000 is below 80/4,000.
    assert reasons["pricey"] == (Reason.LOWER_VALUE_DENSITY, D(1000))
    # 500 − 100 = 400 hours left: 450 exceeds them by 50.
    assert reasons["hungry"] == (Reason.OVER_CAPACITY, D(50))


def test_over_budget_without_lower_density() -> None:
    """B is denser than the selected A but does not fit next to it, and A alone is worth more than B alone."""
    result = select([c("a", 8000, 60), c("b", 4000, 40)], budget_cap=D(10_000))

    assert chosen(result) == {"a"}
    assert (outcome(result, "b").reason, outcome(result, "b").amount) == (Reason.OVER_BUDGET, D(2000))


def test_ranks_put_the_selection_first_by_value() -> None:
    result = select([c("low", 1000, 10), c("high", 1000, 90), c("out", 9000, 95)], budget_cap=D(5000))

    assert [(o.candidate.key, o.rank, o.selected) for o in result.outcomes] == [
        ("high", 1, True),
        ("low", 2, True),
        ("out", 3, False),
    ]


def test_empty_input_and_zero_budget() -> None:
    assert select([], budget_cap=D(0)).outcomes == []
    result = select([c("free", 0, 10), c("paid", 1, 10)], budget_cap=D(0))
    assert chosen(result) == {"free"}
    assert outcome(result, "paid").reason is Reason.OVER_CAP


def test_costs_in_cents_that_share_no_large_unit_are_rounded_up_and_stay_within_the_cap() -> None:
    items = [c(f"i{i}", f"{123_457 + 7919 * i}.37", 10 + i % 7) for i in range(40)]

    result = select(items, budget_cap=D(2_000_000))

    # No common unit keeps the table small enough: costs are rounded up to the smallest 1-2-5 step that does.
    assert result.method is Method.ROUNDED
    assert result.cost_unit == D(20)
    assert result.total_cost <= D(2_000_000)


def test_too_large_a_problem_falls_back_to_greedy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selection, "WORK_LIMIT", 1000)
    items = [c(f"i{i}", 1000 * (i + 1), 10 * (i % 5 + 1), hours=10 * i) for i in range(30)]

    result = select(items, budget_cap=D(50_000), capacity_cap_hours=1000)

    assert result.method is Method.GREEDY
    assert result.total_cost <= D(50_000)
    assert result.total_effort <= 1000


def test_negative_input_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        select([c("a", -1, 10)], budget_cap=D(10))
    with pytest.raises(ValueError, match="negative"):
        select([], budget_cap=D(-1))


# --- Properties -------------------------------------------------------------------------------------------------

costs = st.integers(min_value=0, max_value=60)
values = st.integers(min_value=0, max_value=100)
hours = st.integers(min_value=0, max_value=40)
small_items = st.lists(st.tuples(costs, values, hours), min_size=0, max_size=9)


def build(raw: list[tuple[int, int, int]], unit: int = 1000) -> list[Candidate]:
    return [c(f"i{i}", cost * unit, value, h) for i, (cost, value, h) in enumerate(raw)]


def brute_force(items: list[Candidate], cap: Decimal, hours_cap: int | None) -> Decimal:
    best = D(0)
    for size in range(len(items) + 1):
        for combo in itertools.combinations(items, size):
            if sum((i.cost for i in combo), D(0)) <= cap and (
                hours_cap is None or sum(i.effort_hours for i in combo) <= hours_cap
            ):
                best = max(best, sum((i.value for i in combo), D(0)))
    return best


def greedy_value(items: list[Candidate], cap: Decimal, hours_cap: int | None) -> Decimal:
    spent, busy, total = D(0), 0, D(0)
    for item in sorted(items, key=lambda i: (-i.density, -i.value, i.cost)):
        if item.value > 0 and spent + item.cost <= cap and (hours_cap is None or busy + item.effort_hours <= hours_cap):
            spent += item.cost
            busy += item.effort_hours
            total += item.value
    return total


caps = st.integers(min_value=0, max_value=200)
hour_caps = st.one_of(st.none(), st.integers(min_value=0, max_value=120))


@settings(max_examples=300, deadline=None)
@given(small_items, caps, hour_caps)
def test_the_selection_never_exceeds_the_caps(raw: list[tuple[int, int, int]], cap: int, hours_cap: int | None) -> None:
    items = build(raw)
    result = select(items, budget_cap=D(cap * 1000), capacity_cap_hours=hours_cap)

    assert result.total_cost <= D(cap * 1000)
    if hours_cap is not None:
        assert result.total_effort <= hours_cap
    assert len(result.outcomes) == len(items)
    assert sorted(o.rank for o in result.outcomes) == list(range(1, len(items) + 1))


@settings(max_examples=300, deadline=None)
@given(small_items, caps, hour_caps)
def test_the_selection_is_optimal_by_brute_force(
    raw: list[tuple[int, int, int]], cap: int, hours_cap: int | None
) -> None:
    items = build(raw)
    result = select(items, budget_cap=D(cap * 1000), capacity_cap_hours=hours_cap)

    assert result.method is Method.EXACT
    assert result.total_value == brute_force(items, D(cap * 1000), hours_cap)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.decimals(min_value=0, max_value=10**7, places=2), values, st.integers(0, 5000)), max_size=25),
    st.decimals(min_value=0, max_value=5 * 10**7, places=2),
    st.one_of(st.none(), st.integers(min_value=0, max_value=50_000)),
)
def test_any_amounts_stay_within_the_caps_and_beat_greedy(
    raw: list[tuple[Decimal, int, int]], cap: Decimal, hours_cap: int | None
) -> None:
    """Arbitrary amounts in cents, where the programme may have to round: still within the caps, and never worse
    than taking the densest candidates first."""
    items = [
        Candidate(key=f"i{i}", label="", cost=cost, value=D(v), effort_hours=h) for i, (cost, v, h) in enumerate(raw)
    ]

    # A smaller table than in production keeps the test fast and makes rounding (and greedy) more frequent.
    with patch.object(selection, "WORK_LIMIT", 100_000):
        result = select(items, budget_cap=cap, capacity_cap_hours=hours_cap)

    assert result.total_cost <= cap
    if hours_cap is not None:
        assert result.total_effort <= hours_cap
    assert result.total_value >= greedy_value(items, cap, hours_cap)


@settings(max_examples=200, deadline=None)
@given(small_items, caps, hour_caps)
def test_every_left_out_candidate_has_a_true_reason(
    raw: list[tuple[int, int, int]], cap: int, hours_cap: int | None
) -> None:
    items = build(raw)
    budget = D(cap * 1000)
    result = select(items, budget_cap=budget, capacity_cap_hours=hours_cap)
    remaining = budget - result.total_cost
    hours_left = None if hours_cap is None else hours_cap - result.total_effort

    for o in result.outcomes:
        item = o.candidate
        if o.selected:
            assert o.reason is Reason.SELECTED
        elif o.reason is Reason.OVER_CAP:
            assert o.amount is not None and item.cost - budget == o.amount > 0
        elif o.reason is Reason.OVER_CAPACITY_CAP:
            assert hours_cap is not None
            assert o.amount is not None and item.effort_hours - hours_cap == o.amount > 0
        elif o.reason is Reason.NO_VALUE:
            assert item.value == 0
        elif o.reason in (Reason.OVER_BUDGET, Reason.LOWER_VALUE_DENSITY):
            assert o.amount is not None and item.cost - remaining == o.amount > 0
            if o.reason is Reason.LOWER_VALUE_DENSITY:
                assert all(item.density < s.density for s in (x.candidate for x in result.outcomes if x.selected))
        else:
            assert o.reason is Reason.OVER_CAPACITY
            assert hours_left is not None
            assert o.amount is not None and item.effort_hours - hours_left == o.amount > 0
