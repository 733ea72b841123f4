"""B4: increments, per-bucket rounding, price per increment (Paigo's worked examples)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from simulator.engine import Engine

FEB = datetime(2026, 2, 1, tzinfo=UTC)


def test_b4_ec2_example_47_minutes_bill_one_hour(engine: Engine, build, clock) -> None:
    d = build.dimension(
        "EC2 Compute", unit=("time", "minute"), increment="60", rounding="ceiling", price="0.096"
    )
    o = build.offering("EC2", d)
    c = build.customer(o)
    clock.set(datetime(2026, 1, 25, tzinfo=UTC))
    build.usage(c, d, 47, datetime(2026, 1, 5, 10, tzinfo=UTC))
    clock.set(FEB)
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    (item,) = invoice.line_items
    assert (item.name, item.quantity, item.unit_cost) == (
        "EC2 Compute - Hour - EC2",
        Decimal(1),
        Decimal("0.096"),
    )
    assert item.amount == Decimal("0.10")  # $0.096 rounded to cents on the line


def test_b4_rounding_is_per_bucket(engine: Engine, build, clock) -> None:
    d = build.dimension("Compute", unit=("time", "minute"), increment="60", price="0.096")
    o = build.offering("EC2", d)
    c = build.customer(o)
    clock.set(datetime(2026, 1, 25, tzinfo=UTC))
    # 10 minutes in each of two hours: ceil(10/60) + ceil(10/60) = 2, not ceil(20/60) = 1
    build.usage(c, d, 10, datetime(2026, 1, 5, 10, tzinfo=UTC))
    build.usage(c, d, 10, datetime(2026, 1, 5, 11, tzinfo=UTC))
    clock.set(FEB)
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    assert invoice.line_items[0].quantity == Decimal(2)
    assert invoice.total_amount_without_tax == Decimal("0.19")  # 2 x 0.096 = 0.192


def test_b4_thousand_increment_bills_quantity_400(engine: Engine, build, clock) -> None:
    d = build.dimension("Seats", increment="1000", price="1", interval="month")
    o = build.offering("Professional Plan", d)
    c = build.customer(o)
    clock.set(datetime(2026, 1, 25, tzinfo=UTC))
    build.usage(c, d, 400_000, datetime(2026, 1, 20, tzinfo=UTC))
    clock.set(FEB)
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    (item,) = invoice.line_items
    assert item.name == "Seats - Thousand - Professional Plan"
    assert item.quantity == Decimal(400)
    assert item.amount == Decimal("400.00")


def test_b4_negative_period_total_bills_zero(engine: Engine, build, clock) -> None:
    d = build.dimension(interval="none")
    o = build.offering("Plan", d)
    c = build.customer(o)
    clock.set(datetime(2026, 1, 25, tzinfo=UTC))
    build.usage(c, d, -5, datetime(2026, 1, 5, tzinfo=UTC))
    clock.set(FEB)
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    assert invoice.line_items[0].quantity == Decimal(0)


def test_b4_interval_none_is_one_bucket_per_period(engine: Engine, build, clock) -> None:
    d = build.dimension(unit=("time", "minute"), increment="60", interval="none")
    o = build.offering("Plan", d)
    c = build.customer(o)
    clock.set(datetime(2026, 1, 25, tzinfo=UTC))
    for hour in range(3):
        build.usage(c, d, 10, datetime(2026, 1, 5, hour, tzinfo=UTC) + timedelta(minutes=1))
    clock.set(FEB)
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    assert invoice.line_items[0].quantity == Decimal(1)  # ceil(30 / 60)
