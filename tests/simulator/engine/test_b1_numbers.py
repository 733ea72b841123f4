"""B1: numbers and money are Decimals, rounded with named modes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simulator.engine.aggregation import increments, method_value
from simulator.engine.pricing import line, money


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        ("65", "ceiling", 2),  # 1 h 05 m with a 1-hour increment (API notes 7.2)
        ("65", "floor", 1),
        ("65", "round", 1),
        ("90", "round", 2),  # 1.5 rounds half away from zero
        ("-90", "round", -2),
        ("-65", "ceiling", -1),
        ("-65", "floor", -2),
        ("120", "ceiling", 2),
    ],
)
def test_b1_quantity_rounding_modes(value: str, mode: str, expected: int) -> None:
    assert increments(Decimal(value), Decimal(60), mode) == expected


def test_b1_rounding_is_exact_for_long_fractions() -> None:
    # 1.0000000000000000000000000000000001 / 1 must still ceil to 2 (no context rounding).
    assert increments(Decimal("1." + "0" * 33 + "1"), Decimal(1), "ceiling") == 2


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("0.125", "0.13"), ("0.005", "0.01"), ("-0.125", "-0.13"), ("2.675", "2.68"), ("1", "1.00")],
)
def test_b1_money_rounds_half_away_from_zero(amount: str, expected: str) -> None:
    assert money(Decimal(amount)) == Decimal(expected)
    assert str(money(Decimal(amount))) == expected


def test_b1_line_amount_is_quantity_times_unit_cost_rounded_once() -> None:
    item = line("x", Decimal(3), Decimal("0.335"), kind="usage")
    assert item.amount == Decimal("1.01")  # 1.005 -> 1.01


def test_b1_average_keeps_28_significant_digits() -> None:
    # sum 1, count 3 -> 0.3333333333333333333333333333 (28 digits), scale 0
    value = method_value([1, 3, 0, 1, 0, 0, 0], "average", 0)
    assert value == Decimal("0.3333333333333333333333333333")
    assert isinstance(value, Decimal)


def test_b1_two_thirds_average_rounds_half_up() -> None:
    value = method_value([2, 3, 0, 2, 0, 0, 0], "average", 0)
    assert value == Decimal("0.6666666666666666666666666667")
