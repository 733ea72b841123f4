"""B12: `POST /usage?invoice=true` bills the increase of an upfront `last` dimension at once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simulator.engine import Engine, EnrollmentUsage, Invalid


def _seats(engine: Engine, build):
    seat = build.dimension("Seats", price="25", method="last", schedule="upfront")
    plan = build.offering(
        "Team", seat, offering_type="subscription", subscription_price=Decimal(30)
    )
    c = build.customer(plan, usage=[EnrollmentUsage(seat.dimension_id, Decimal(5))])
    return seat, c


def test_b12_from_5_to_7_bills_2(engine: Engine, build, clock) -> None:
    seat, c = _seats(engine, build)
    result = build.usage(c, seat, 7, clock.now(), invoice=True)
    invoice = engine.retrieve_invoice(result.invoice_id)
    assert invoice.invoice_type == "MANUAL"
    assert [(i.name, i.quantity, i.unit_cost, i.amount) for i in invoice.line_items] == [
        ("Seats - Count-based - Team", Decimal(2), Decimal(25), Decimal("50.00"))
    ]


def test_b12_from_5_to_3_bills_0(engine: Engine, build, clock) -> None:
    seat, c = _seats(engine, build)
    result = build.usage(c, seat, 3, clock.now(), invoice=True)
    invoice = engine.retrieve_invoice(result.invoice_id)
    assert [i.quantity for i in invoice.line_items] == [Decimal(0)]
    assert (invoice.total_amount_without_tax, invoice.invoice_status) == (Decimal("0.00"), "Paid")


def test_b12_replay_returns_the_same_invoice(engine: Engine, build, clock) -> None:
    seat, c = _seats(engine, build)
    first = build.usage(c, seat, 7, clock.now(), invoice=True, idempotency_key="seat-7")
    again = build.usage(c, seat, 7, clock.now(), invoice=True, idempotency_key="seat-7")
    assert again.replayed
    assert again.invoice_id == first.invoice_id
    assert len(engine.list_customer_invoices(c.customer_id)) == 2


def test_b12_requires_upfront_last_dimension(engine: Engine, build, clock) -> None:
    calls = build.dimension("Calls", price="1")
    c = build.customer(build.offering("Plan", calls))
    with pytest.raises(Invalid, match="upfront"):
        build.usage(c, calls, 1, clock.now(), invoice=True)
    assert engine.usage_records() == []


def test_b12_requires_an_active_enrollment(engine: Engine, build, clock) -> None:
    seat = build.dimension("Seats", price="25", method="last", schedule="upfront")
    c = build.customer()
    with pytest.raises(Invalid, match="enrolled"):
        build.usage(c, seat, 1, clock.now(), invoice=True)
    assert engine.usage_records() == []


def test_b12_next_cycle_bills_the_full_seat_count(engine: Engine, build, clock) -> None:
    from datetime import UTC, datetime

    seat, c = _seats(engine, build)
    build.usage(c, seat, 7, clock.now(), invoice=True)
    clock.set(datetime(2026, 2, 1, tzinfo=UTC))
    renewal = engine.list_customer_invoices(c.customer_id)[-1]
    assert [(i.name, i.quantity, i.amount) for i in renewal.line_items] == [
        ("Team", Decimal(1), Decimal("30.00")),
        ("Seats - Count-based - Team", Decimal(7), Decimal("175.00")),
    ]
