"""B14: one clock; every due cycle is closed before any call and on demand."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from simulator.clock import ManualClock
from simulator.engine import Engine


def test_b14_any_call_closes_due_cycles_first(engine: Engine, build, clock) -> None:
    plan = build.offering("Pro", offering_type="subscription", subscription_price=Decimal(10))
    c = build.customer(plan)
    clock.set(datetime(2026, 3, 1, tzinfo=UTC))
    # no explicit close: reading the customer closes February and March boundaries
    invoices = engine.list_customer_invoices(c.customer_id)
    assert [i.invoice_date.month for i in invoices] == [1, 2, 3]


def test_b14_close_due_cycles_returns_what_it_issued(engine: Engine, build, clock) -> None:
    plan = build.offering("Pro", offering_type="subscription", subscription_price=Decimal(10))
    build.customer(plan)
    clock.set(datetime(2026, 2, 1, tzinfo=UTC))
    issued = engine.close_due_cycles()
    assert [i.invoice_date for i in issued] == [datetime(2026, 2, 1, tzinfo=UTC)]
    assert engine.close_due_cycles() == []


def test_b14_a_year_over_many_customers_in_one_step(engine: Engine, build, clock) -> None:
    plan = build.offering("Pro", offering_type="subscription", subscription_price=Decimal(10))
    customers = [build.customer(plan, name=f"c{i}") for i in range(300)]
    clock.set(datetime(2027, 1, 1, tzinfo=UTC))
    issued = engine.close_due_cycles()
    assert len(issued) == 300 * 12
    dates = [i.invoice_date for i in engine.list_customer_invoices(customers[-1].customer_id)]
    assert dates[1:] == [datetime(2026, m, 1, tzinfo=UTC) for m in range(2, 13)] + [
        datetime(2027, 1, 1, tzinfo=UTC)
    ]


def test_b14_engine_reads_the_clock_it_was_given() -> None:
    clock = ManualClock(datetime(2030, 5, 5, tzinfo=UTC))
    engine = Engine(clock=clock)
    invoice_clock = engine.retrieve_settings()  # any call works without a real clock
    assert invoice_clock.tax_rate == Decimal(0)
    c = engine.create_customer(customer_name="x", email="x@example.com", payment_channel="manual")
    assert c.created_at == datetime(2030, 5, 5, tzinfo=UTC)
