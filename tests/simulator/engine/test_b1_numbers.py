"""B1: numbers and money are Decimals, rounded with named modes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from simulator.engine import EnrollmentUsage
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


@pytest.mark.parametrize(
    ("seats", "price", "amount", "unit_cost"),
    [
        # March has 31 days; 15 March (counted) to 1 April is 17 days.
        # 1000 x 0.10 = 100.00 a month; 100 x 17 / 31 = 1700 / 31 = 54.8387... -> 54.84.
        # Shown unit cost: 0.10 x 17 / 31 = 0.0548387...; 0.0548 x 1000 = 54.80 is not the
        # amount, 0.05484 x 1000 = 54.84 is.
        (1000, "0.10", "54.84", "0.05484"),
        # 10000 x 0.004 = 40.00 a month; 40 x 17 / 31 = 680 / 31 = 21.9354... -> 21.94.
        # 0.004 x 17 / 31 = 0.00219354...; 0.00219 x 10000 = 21.90, 0.002194 x 10000 = 21.94.
        (10000, "0.004", "21.94", "0.002194"),
    ],
)
def test_b1_prorated_upfront_line_is_rounded_once(
    engine, build, clock, seats: int, price: str, amount: str, unit_cost: str
) -> None:
    seat = build.dimension("Seat", price=price, method="last", schedule="upfront")
    plan = build.offering("Team", seat)
    clock.set(datetime(2026, 3, 15, 9, tzinfo=UTC))
    c = build.customer(plan, usage=[EnrollmentUsage(seat.dimension_id, Decimal(seats))])
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    (item,) = invoice.line_items
    assert (item.quantity, item.amount) == (Decimal(seats), Decimal(amount))
    assert invoice.total_amount_without_tax == Decimal(amount)
    # The wire carries quantity and unitCost only: they must give back the line's amount.
    assert item.unit_cost == Decimal(unit_cost)
    assert money(item.quantity * item.unit_cost) == item.amount
    assert item.description == "Prorated 17/31 days"
