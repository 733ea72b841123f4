"""B4: one bucket's quantity from its aggregate, in exact integers, as the Decimal rule gives it."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, strategies as st

from simulator.engine.aggregation import bucket_quantity
from simulator.engine.metering import unscale
from simulator.engine.numbers import AVERAGE

scaled = st.integers(min_value=-(10**12), max_value=10**12)
increments = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal("5000"), places=3, allow_nan=False
)
methods = st.sampled_from(["sum", "max", "min", "count", "average", "last"])
roundings = st.sampled_from(["ceiling", "floor", "round"])


def _by_the_rule(agg: list[int], method: str, scale: int, increment: Decimal, rounding: str) -> int:
    """B3 then B4 with Decimals: the method's value, divided by the increment, rounded."""
    value = {
        "sum": unscale(agg[0], scale),
        "count": Decimal(agg[1]),
        "min": unscale(agg[2], scale),
        "max": unscale(agg[3], scale),
        "last": unscale(agg[6], scale),
        "average": AVERAGE.divide(unscale(agg[0], scale), Decimal(agg[1])),
    }[method]
    # 28 significant digits leave at least 15 after the point here, far finer than the 1e-10 that
    # separates a non-integer quotient of these operands from the nearest integer or half.
    ratio = value / increment
    mode = {"ceiling": "ROUND_CEILING", "floor": "ROUND_FLOOR", "round": "ROUND_HALF_UP"}
    return int(ratio.to_integral_value(rounding=mode[rounding]))


@given(
    st.lists(scaled, min_size=1, max_size=5),
    st.integers(min_value=0, max_value=6),
    increments,
    methods,
    roundings,
)
def test_b4_bucket_quantity_matches_the_decimal_rule(
    values: list[int], scale: int, increment: Decimal, method: str, rounding: str
) -> None:
    agg = [sum(values), len(values), min(values), max(values), 0, len(values) - 1, values[-1]]
    if method == "average" and len(str(abs(agg[0]))) > 20:
        return  # the average is rounded to 28 digits (B3); compare only exact ones here
    quantity = bucket_quantity(method, scale, increment, rounding)
    assert quantity(agg) == _by_the_rule(agg, method, scale, increment, rounding)


def test_b4_halves_round_away_from_zero() -> None:
    # 2.5 and -2.5 increments: "round" gives 3 and -3 (B1), ceiling 3 and -2, floor 2 and -3.
    agg_up = [25, 1, 25, 25, 0, 0, 25]
    agg_down = [-25, 1, -25, -25, 0, 0, -25]
    results = {
        mode: (
            bucket_quantity("sum", 1, Decimal(1), mode)(agg_up),
            bucket_quantity("sum", 1, Decimal(1), mode)(agg_down),
        )
        for mode in ("round", "ceiling", "floor")
    }
    assert results == {"round": (3, -3), "ceiling": (3, -2), "floor": (2, -3)}
