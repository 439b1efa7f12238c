"""What-if portfolio selection: pick the candidates (pending requests, optionally running projects) of greatest total
value whose total cost stays within a budget cap and, optionally, whose total effort stays within a capacity cap.

This is the 0/1 knapsack problem (two-dimensional when a capacity cap is given). The module is pure Python with no
database access, so that it can be tested on its own (tests/test_portfolio_selection.py, with hypothesis).

**Method.** A dynamic programme over a table of *cost units × hour units* (``MAX_STATES`` cells at most, and
``WORK_LIMIT`` cells × candidates in all, which keeps one selection under a second in pure Python).

1. *Exact.* Costs are counted in a *cost unit*, the greatest common divisor of all costs, and efforts in an *hour
   unit*, likewise. Budgets and estimates are usually round numbers (multiples of 1,000 or 10,000), so the table
   is usually small enough, and then the programme is exact: the result is a true optimum.
2. *Rounded.* Otherwise hours are coarsened to at most ``MAX_HOUR_UNITS`` units and costs to as many units as the
   table still has room for (steps of 1, 2, 5, 10, 20, 50 … currency units or hours), each amount rounded **up**.
   Rounding up keeps every answer within the real caps; the budget left over is then filled greedily with what
   still fits at its real cost.
3. *Greedy.* When fewer than ``MIN_COST_UNITS`` cost units would be left per hour unit (with a capacity cap of
   100 hour units: beyond about 590 candidates; without a capacity cap: beyond 60,000), candidates are taken by
   value per cost (then value) while they fit. The greedy answer is also computed in the two cases above and wins
   when it is better, so the result is never worse than greedy.

**Explanations.** Every candidate left out gets a reason, checked in this order: it costs more than the whole cap;
it needs more effort than the whole capacity cap; it adds no value (a request not scored yet); it exceeds the
budget left after the selection (and, when every selected item gives more value per cost, it says so); or it
exceeds the capacity left.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from functools import reduce

MAX_STATES = 1_000_000  # cost units × hour units in the table
MAX_HOUR_UNITS = 100  # hour resolution when the exact one does not fit
MIN_COST_UNITS = 100  # below this budget resolution, greedy instead
WORK_LIMIT = 6_000_000  # candidates × states
CENT = Decimal("0.01")


class Method(StrEnum):
    EXACT = "exact"
    ROUNDED = "rounded"
    GREEDY = "greedy"


class Reason(StrEnum):
    SELECTED = "selected"
    OVER_CAP = "over_cap"  # amount: how much its cost exceeds the whole budget cap
    OVER_CAPACITY_CAP = "over_capacity_cap"  # amount: hours above the whole capacity cap
    NO_VALUE = "no_value"
    LOWER_VALUE_DENSITY = "lower_value_density"  # amount: how much it exceeds the remaining budget
    OVER_BUDGET = "over_budget"  # amount: how much it exceeds the remaining budget
    OVER_CAPACITY = "over_capacity"  # amount: hours above the remaining capacity


@dataclass(frozen=True)
class Candidate:
    key: str
    label: str
    cost: Decimal
    value: Decimal
    effort_hours: int = 0

    @property
    def density(self) -> float:
        """Value per currency unit; a free candidate of any value is infinitely dense."""
        if self.cost <= 0:
            return math.inf if self.value > 0 else 0.0
        return float(self.value / self.cost)


@dataclass(frozen=True)
class Outcome:
    candidate: Candidate
    selected: bool
    reason: Reason
    amount: Decimal | None
    rank: int


@dataclass
class Selection:
    method: Method
    cost_unit: Decimal
    hour_unit: int
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def selected(self) -> list[Candidate]:
        return [o.candidate for o in self.outcomes if o.selected]

    @property
    def total_cost(self) -> Decimal:
        return sum((c.cost for c in self.selected), Decimal(0))

    @property
    def total_value(self) -> Decimal:
        return sum((c.value for c in self.selected), Decimal(0))

    @property
    def total_effort(self) -> int:
        return sum(c.effort_hours for c in self.selected)


def select(candidates: Sequence[Candidate], *, budget_cap: Decimal, capacity_cap_hours: int | None = None) -> Selection:
    """The best selection of ``candidates`` within the caps, with a reason for every candidate."""
    if budget_cap < 0 or (capacity_cap_hours is not None and capacity_cap_hours < 0):
        raise ValueError("caps must not be negative")
    if any(c.cost < 0 or c.value < 0 or c.effort_hours < 0 for c in candidates):
        raise ValueError("costs, values and efforts must not be negative")
    items = list(candidates)
    cap_cents = _cents(budget_cap)
    costs = [_cents(c.cost) for c in items]
    efforts = [c.effort_hours for c in items]
    values = [_cents(c.value) for c in items]
    with_capacity = capacity_cap_hours is not None
    hours_cap = capacity_cap_hours or 0

    greedy_choice = _greedy(items, costs, efforts, values, cap_cents, hours_cap if with_capacity else None)
    # Exact units (greatest common divisors) when the table fits; otherwise hours are coarsened to at most
    # MAX_HOUR_UNITS units, then costs to the units that the table still has room for.
    states = min(MAX_STATES, WORK_LIMIT // max(1, len(items)))
    cost_unit, cost_exact = _unit(costs, cap_cents)
    hour_unit, hour_exact = _unit(efforts, hours_cap) if with_capacity else (1, True)
    allowed_cost_units = cap_cents // cost_unit
    if (cap_cents // cost_unit + 1) * (hours_cap // hour_unit + 1) > states:
        if hours_cap // hour_unit > MAX_HOUR_UNITS:
            hour_unit, hour_exact = _unit(efforts, hours_cap, MAX_HOUR_UNITS, ladder=_HOUR_LADDER)
        allowed_cost_units = states // (hours_cap // hour_unit + 1) - 1
        if cap_cents // cost_unit > allowed_cost_units >= MIN_COST_UNITS:
            cost_unit, cost_exact = _unit(costs, cap_cents, allowed_cost_units, ladder=_CENT_LADDER)
    hour_units = hours_cap // hour_unit

    if cap_cents // cost_unit > allowed_cost_units:
        # Too little room left for a meaningful budget resolution: greedy.
        method, cost_unit, chosen = Method.GREEDY, 0, greedy_choice
    else:
        weights = [_ceil_div(c, cost_unit) for c in costs]
        hours = [_ceil_div(e, hour_unit) for e in efforts] if with_capacity else [0] * len(items)
        chosen = _dynamic(weights, hours, values, cap_cents // cost_unit, hour_units)
        method = Method.EXACT if cost_exact and hour_exact else Method.ROUNDED
        if method is Method.ROUNDED:
            chosen = _fill(chosen, items, costs, efforts, values, cap_cents, hours_cap if with_capacity else None)
        if _total(values, greedy_choice) > _total(values, chosen):
            method, chosen = Method.GREEDY, greedy_choice

    return _explain(
        items,
        chosen,
        method=method,
        cost_unit=Decimal(cost_unit) / 100,
        hour_unit=hour_unit,
        budget_cap=budget_cap,
        capacity_cap_hours=capacity_cap_hours,
    )


# --- Units ------------------------------------------------------------------------------------------------------

# Rounding ladders (1, 2, 5, 10, 20, 50 …): in cents for currency amounts, in hours for efforts.
_LADDER = [m * 10**k for k in range(16) for m in (1, 2, 5)]
_CENT_LADDER = [100 * step for step in _LADDER]
_HOUR_LADDER = _LADDER


def _cents(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value(rounding=ROUND_CEILING))


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _unit(
    amounts: Sequence[int], cap: int, max_units: int | None = None, *, ladder: Sequence[int] = ()
) -> tuple[int, bool]:
    """The unit to count ``amounts`` in, and whether every amount is a whole number of it (an exact programme).

    The greatest common divisor keeps the programme exact; when it gives more than ``max_units`` units under the
    cap, the smallest ladder step that does not is used, and amounts are rounded up to it."""
    divisor = reduce(math.gcd, [a for a in amounts if a > 0], 0)
    if not divisor:
        return (1 if max_units is None else max(1, _ceil_div(cap, max_units))), True
    if max_units is None or cap // divisor <= max_units:
        return divisor, True
    step = next((step for step in ladder if cap // step <= max_units), _ceil_div(cap, max_units))
    return step, all(a % step == 0 for a in amounts)


# --- Algorithms -------------------------------------------------------------------------------------------------


def _dynamic(weights: list[int], hours: list[int], values: list[int], max_w: int, max_h: int) -> set[int]:
    """0/1 knapsack over ``max_w`` cost units and ``max_h`` hour units (``max_h = 0`` and all hours 0 when there is
    no capacity cap). Returns the indices of an optimal selection.

    A state is ``cost_units * width + hour_units``. Each candidate's pass reads only the table as it was before the
    pass, so that a candidate is used at most once; rows are updated with slices (``map``) rather than one Python
    step per state."""
    width = max_h + 1
    size = (max_w + 1) * width
    best = [0] * size
    keeps: list[bytearray] = []
    for w, h, v in zip(weights, hours, values, strict=True):
        keep = bytearray(size)
        keeps.append(keep)
        if v <= 0 or w > max_w or h > max_h:
            continue
        old = best[:]
        if width == 1:
            spans = [(w, size, 0)]
        else:
            spans = [(cu * width + h, (cu + 1) * width, (cu - w) * width) for cu in range(w, max_w + 1)]
        for start, stop, source in spans:
            taken = [b + v for b in old[source : source + stop - start]]
            current = old[start:stop]
            best[start:stop] = map(max, current, taken)
            keep[start:stop] = bytes(map(operator.gt, taken, current))
    chosen: set[int] = set()
    state = size - 1
    for index in range(len(weights) - 1, -1, -1):
        if keeps[index][state]:
            chosen.add(index)
            state -= weights[index] * width + hours[index]
    return chosen


def _greedy_order(items: Sequence[Candidate]) -> list[int]:
    return sorted(range(len(items)), key=lambda i: (-items[i].density, -items[i].value, items[i].cost, i))


def _greedy(
    items: Sequence[Candidate],
    costs: list[int],
    efforts: list[int],
    values: list[int],
    cap: int,
    hours_cap: int | None,
) -> set[int]:
    """Take candidates by value per cost (then value) while they fit."""
    return _fill(set(), items, costs, efforts, values, cap, hours_cap)


def _fill(
    chosen: set[int],
    items: Sequence[Candidate],
    costs: list[int],
    efforts: list[int],
    values: list[int],
    cap: int,
    hours_cap: int | None,
) -> set[int]:
    chosen = set(chosen)
    spent = sum(costs[i] for i in chosen)
    busy = sum(efforts[i] for i in chosen)
    for i in _greedy_order(items):
        if i in chosen or values[i] <= 0:
            continue
        if spent + costs[i] <= cap and (hours_cap is None or busy + efforts[i] <= hours_cap):
            chosen.add(i)
            spent += costs[i]
            busy += efforts[i]
    return chosen


def _total(values: list[int], chosen: set[int]) -> int:
    return sum(values[i] for i in chosen)


# --- Explanations -----------------------------------------------------------------------------------------------


def _explain(
    items: list[Candidate],
    chosen: set[int],
    *,
    method: Method,
    cost_unit: Decimal,
    hour_unit: int,
    budget_cap: Decimal,
    capacity_cap_hours: int | None,
) -> Selection:
    remaining = budget_cap - sum((items[i].cost for i in chosen), Decimal(0))
    hours_left = None if capacity_cap_hours is None else capacity_cap_hours - sum(items[i].effort_hours for i in chosen)
    lowest_density = min((items[i].density for i in chosen), default=None)
    selection = Selection(method=method, cost_unit=cost_unit, hour_unit=hour_unit)
    order = sorted(
        range(len(items)),
        key=lambda i: (i not in chosen, -items[i].value, items[i].cost, items[i].label, items[i].key),
    )
    for rank, i in enumerate(order, start=1):
        item = items[i]
        reason: Reason
        amount: Decimal | None = None
        if i in chosen:
            reason = Reason.SELECTED
        elif item.cost > budget_cap:
            reason, amount = Reason.OVER_CAP, item.cost - budget_cap
        elif capacity_cap_hours is not None and item.effort_hours > capacity_cap_hours:
            reason, amount = Reason.OVER_CAPACITY_CAP, Decimal(item.effort_hours - capacity_cap_hours)
        elif item.value <= 0:
            reason = Reason.NO_VALUE
        elif item.cost > remaining:
            amount = item.cost - remaining
            less_dense = lowest_density is not None and item.density < lowest_density
            reason = Reason.LOWER_VALUE_DENSITY if less_dense else Reason.OVER_BUDGET
        else:
            # A valuable candidate that fits the budget left is in every answer of the three methods (optimality,
            # or the greedy fill) unless it needs more hours than are left.
            assert hours_left is not None
            reason, amount = Reason.OVER_CAPACITY, Decimal(item.effort_hours - hours_left)
        selection.outcomes.append(
            Outcome(candidate=item, selected=i in chosen, reason=reason, amount=amount, rank=rank)
        )
    return selection
