"""B5: graduated tiers, one line per tier, and the tier validation rules."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from simulator.engine import INFINITY, Engine, Invalid, Tier

FEB = datetime(2026, 2, 1, tzinfo=UTC)


def test_b5_paigo_example_first_1000_at_1_then_050(engine: Engine, build, clock) -> None:
    tiers = [Tier(1, Decimal(1000), Decimal(1)), Tier(2, INFINITY, Decimal("0.50"))]
    d = build.dimension("API Calls", tiers=tiers)
    o = build.offering("Growth", d)
    c = build.customer(o)
    clock.set(datetime(2026, 1, 25, tzinfo=UTC))
    build.usage(c, d, 1500, datetime(2026, 1, 3, tzinfo=UTC))
    clock.set(FEB)
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    lines = [(i.name, i.quantity, i.unit_cost, i.amount) for i in invoice.line_items]
    assert lines == [
        (
            "API Calls - Count-based - Growth - Tier 1",
            Decimal(1000),
            Decimal(1),
            Decimal("1000.00"),
        ),
        (
            "API Calls - Count-based - Growth - Tier 2",
            Decimal(500),
            Decimal("0.50"),
            Decimal("250.00"),
        ),
    ]
    assert invoice.total_amount_without_tax == Decimal("1250.00")


def test_b5_only_tiers_holding_usage_get_lines_and_names_are_used(
    engine: Engine, build, clock
) -> None:
    tiers = [
        Tier(1, Decimal(1000), Decimal(1), "Starter calls"),
        Tier(2, INFINITY, Decimal("0.50"), "Bulk calls"),
    ]
    d = build.dimension("API Calls", tiers=tiers)
    o = build.offering("Growth", d)
    c = build.customer(o)
    clock.set(datetime(2026, 1, 25, tzinfo=UTC))
    build.usage(c, d, 999, datetime(2026, 1, 3, tzinfo=UTC))
    clock.set(FEB)
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    assert [(i.name, i.quantity) for i in invoice.line_items] == [("Starter calls", Decimal(999))]


def test_b5_bounds_are_in_units_and_tiers_bill_increments(engine: Engine, build, clock) -> None:
    # increment 10: tier 1 covers 100 units = 10 increments at $2; the rest at $1
    tiers = [Tier(1, Decimal(100), Decimal(2)), Tier(2, INFINITY, Decimal(1))]
    d = build.dimension(increment="10", tiers=tiers, interval="month")
    o = build.offering("Plan", d)
    c = build.customer(o)
    clock.set(datetime(2026, 1, 25, tzinfo=UTC))
    build.usage(c, d, 155, datetime(2026, 1, 3, tzinfo=UTC))  # ceil(15.5) = 16 increments
    clock.set(FEB)
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    assert [(i.quantity, i.amount) for i in invoice.line_items] == [
        (Decimal(10), Decimal("20.00")),
        (Decimal(6), Decimal("6.00")),
    ]


@pytest.mark.parametrize(
    ("tiers", "fragment"),
    [
        ([Tier(1, Decimal(10), Decimal(1)), Tier(3, INFINITY, Decimal(1))], "tierPosition"),
        ([Tier(1, INFINITY, Decimal(1)), Tier(2, Decimal(10), Decimal(1))], "inf only on the last"),
        ([Tier(1, Decimal(15), Decimal(1))], "multiple of usageIncrement"),
        ([Tier(1, Decimal(20), Decimal(1)), Tier(2, Decimal(10), Decimal(1))], "increase"),
        ([Tier(1, Decimal(10))], "unitPrice is required"),
    ],
)
def test_b5_invalid_tiers_are_rejected(engine: Engine, build, tiers, fragment: str) -> None:
    with pytest.raises(Invalid) as error:
        build.dimension(increment="10", tiers=tiers)
    assert any(fragment in m for m in error.value.messages)
    assert engine.list_dimensions() == []


@pytest.mark.parametrize(
    "extra",
    [
        {"consumption_price": Decimal(1)},
        {"usage_entitlement": Decimal(10)},
        {"overage_allowed": True},
    ],
)
def test_b5_tiers_cannot_be_mixed_with_flat_fields(engine: Engine, extra) -> None:
    from simulator.engine import ConsumptionUnit

    with pytest.raises(Invalid, match="tiers cannot be combined"):
        engine.create_dimension(
            dimension_name="x",
            consumption_unit=ConsumptionUnit("count", "count-based"),
            usage_increment=Decimal(1),
            rounding="ceiling",
            tiers=[Tier(1, INFINITY, Decimal(1))],
            **extra,
        )
