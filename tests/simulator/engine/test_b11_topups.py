"""B11: top-up offerings debit closed buckets and recharge below the threshold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from simulator.engine import Engine

T = datetime(2026, 1, 1, 10, tzinfo=UTC)


def _setup(engine: Engine, build, clock):
    tokens = build.dimension("Tokens", price="1")
    plan = build.offering("Credits", tokens, billing_cycle="topUp", top_up_amount=Decimal(100))
    clock.set(T)
    c = build.customer(plan)
    return tokens, c


def test_b11_enrollment_buys_the_first_top_up(engine: Engine, build, clock) -> None:
    _tokens, c = _setup(engine, build, clock)
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    assert (invoice.invoice_type, invoice.total_amount_without_tax, invoice.invoice_status) == (
        "TOPUP",
        Decimal("100.00"),
        "Paid",
    )
    assert engine.retrieve_customer(c.customer_id).balance == Decimal(100)


def test_b11_recharges_80_when_20_remain(engine: Engine, build, clock) -> None:
    tokens, c = _setup(engine, build, clock)
    build.usage(c, tokens, 80, T + timedelta(minutes=5))
    assert engine.retrieve_customer(c.customer_id).balance == Decimal(100)  # bucket still open
    clock.set(T + timedelta(hours=1))
    invoices = engine.list_customer_invoices(c.customer_id)
    assert [(i.invoice_type, i.total_amount_without_tax) for i in invoices] == [
        ("TOPUP", Decimal("100.00")),
        ("TOPUP", Decimal("80.00")),
    ]
    assert invoices[1].invoice_date == T + timedelta(hours=1)
    assert engine.retrieve_customer(c.customer_id).balance == Decimal(100)


def test_b11_no_recharge_above_the_threshold(engine: Engine, build, clock) -> None:
    tokens, c = _setup(engine, build, clock)
    build.usage(c, tokens, 79, T)
    clock.advance(hours=2)
    assert len(engine.list_customer_invoices(c.customer_id)) == 1
    assert engine.retrieve_customer(c.customer_id).balance == Decimal(21)


def test_b11_each_closed_bucket_is_debited_in_order(engine: Engine, build, clock) -> None:
    tokens, c = _setup(engine, build, clock)
    build.usage(c, tokens, 30, T)
    clock.set(T + timedelta(hours=1, minutes=1))
    build.usage(c, tokens, 60, T + timedelta(hours=1))
    clock.set(T + timedelta(hours=5))
    ledger = engine.list_transactions(c.customer_id)
    debits = [e.transaction_amount for e in ledger if e.metadata.get("type") == "usage"]
    assert debits == [Decimal(-30), Decimal(-60)]
    # 100 - 30 = 70; 70 - 60 = 10 <= 20 -> recharge 90
    invoices = engine.list_customer_invoices(c.customer_id)
    assert invoices[-1].total_amount_without_tax == Decimal("90.00")


def test_b11_custom_threshold(engine: Engine, build, clock) -> None:
    tokens = build.dimension("Tokens", price="1")
    plan = build.offering(
        "Credits",
        tokens,
        billing_cycle="topUp",
        top_up_amount=Decimal(100),
        top_up_threshold=Decimal("0.5"),
    )
    clock.set(T)
    c = build.customer(plan)
    build.usage(c, tokens, 50, T)
    clock.advance(hours=1)
    assert engine.list_customer_invoices(c.customer_id)[-1].total_amount_without_tax == Decimal(
        "50.00"
    )


def test_b11_failed_recharge_is_not_repeated_every_bucket(engine: Engine, build, clock) -> None:
    tokens, c = _setup(engine, build, clock)
    engine.options.fail_stripe_charges = True
    build.usage(c, tokens, 85, T)
    clock.set(T + timedelta(hours=1, minutes=1))
    build.usage(c, tokens, 5, T + timedelta(hours=1))
    clock.set(T + timedelta(hours=3))
    recharges = engine.list_customer_invoices(c.customer_id)[1:]
    assert [(i.total_amount_without_tax, i.invoice_status) for i in recharges] == [
        (Decimal("85.00"), "Open")
    ]
    assert engine.retrieve_customer(c.customer_id).balance == Decimal(10)


@pytest.mark.parametrize(
    ("per_hour", "debited"),
    [
        # 2 tokens x $0.002 = $0.004 an hour; 240 hours x $0.004 = $0.96 (each hour alone
        # rounds to $0.00).
        (2, "0.96"),
        # 3 tokens x $0.002 = $0.006 an hour; 240 x $0.006 = $1.44 (each hour alone rounds
        # to $0.01, which would debit $2.40).
        (3, "1.44"),
    ],
)
def test_b11_sub_cent_bucket_costs_are_carried_not_lost(
    engine: Engine, build, clock, per_hour: int, debited: str
) -> None:
    tokens = build.dimension("Tokens", price="0.002")
    plan = build.offering("Credits", tokens, billing_cycle="topUp", top_up_amount=Decimal(100))
    clock.set(T)
    c = build.customer(plan)
    for hour in range(240):
        build.usage(c, tokens, per_hour, T + timedelta(hours=hour))
        clock.set(T + timedelta(hours=hour + 1))
    usage = [e for e in engine.list_transactions(c.customer_id) if e.metadata["type"] == "usage"]
    assert -sum(e.transaction_amount for e in usage) == Decimal(debited)
    assert engine.retrieve_customer(c.customer_id).balance == Decimal(100) - Decimal(debited)
    # Every debit is a whole number of cents.
    assert all(
        e.transaction_amount == e.transaction_amount.quantize(Decimal("0.01")) for e in usage
    )


def test_b11_debits_stay_within_half_a_cent_of_the_cost_at_every_hour(
    engine: Engine, build, clock
) -> None:
    tokens = build.dimension("Tokens", price="0.002")
    plan = build.offering("Credits", tokens, billing_cycle="topUp", top_up_amount=Decimal(100))
    clock.set(T)
    c = build.customer(plan)
    for hour in range(1, 25):
        build.usage(c, tokens, 3, T + timedelta(hours=hour - 1))
        clock.set(T + timedelta(hours=hour))
        # After `hour` closed hours the usage cost is hour x $0.006.
        debited = Decimal(100) - engine.retrieve_customer(c.customer_id).balance
        assert abs(debited - hour * Decimal("0.006")) <= Decimal("0.005")


def test_b11_a_record_for_an_already_debited_bucket_is_reported_late(
    engine: Engine, build, clock
) -> None:
    tokens, c = _setup(engine, build, clock)
    build.usage(c, tokens, 30, T + timedelta(minutes=5))
    clock.set(T + timedelta(hours=1, minutes=2))  # the 10:00-11:00 bucket is debited $30
    build.usage(c, tokens, 7, T + timedelta(minutes=40))  # dated inside that bucket
    clock.set(T + timedelta(hours=3))
    assert engine.retrieve_customer(c.customer_id).balance == Decimal(70)
    # Not debited again (B9 late records), and never silently: it is listed as late.
    assert [r.record_value for r in engine.late_records(customer_id=c.customer_id)] == [Decimal(7)]


def test_b11_a_recharge_from_a_sub_cent_balance_bills_whole_cents(
    engine: Engine, build, clock
) -> None:
    # By hand: 100 + 0.333 - 81 leaves 19.333, below 20; the recharge to 100 is 80.667, billed
    # as 80.67 on a line whose unit cost is 80.67, and the wallet holds 100.003.
    tokens, c = _setup(engine, build, clock)
    engine.create_transaction(c.customer_id, transaction_amount=Decimal("0.333"))
    build.usage(c, tokens, 81, T)
    clock.advance(hours=1)
    recharge = engine.list_customer_invoices(c.customer_id)[-1]
    (item,) = recharge.line_items
    assert (item.quantity, item.unit_cost, item.amount) == (
        Decimal(1),
        Decimal("80.67"),
        Decimal("80.67"),
    )
    assert (recharge.amount_paid, recharge.invoice_status) == (Decimal("80.67"), "Paid")
    assert engine.retrieve_customer(c.customer_id).balance == Decimal("100.003")


def test_b11_a_debit_capped_by_a_sub_cent_balance_is_whole_cents(
    engine: Engine, build, clock
) -> None:
    # By hand: a manual customer's first top-up stays Open, so the wallet holds only a credit
    # of 0.333; 5 tokens at $1 cost 5.00, capped at the whole cents of the balance: 0.33.
    tokens = build.dimension("Tokens", price="1")
    plan = build.offering("Credits", tokens, billing_cycle="topUp", top_up_amount=Decimal(100))
    clock.set(T)
    c = build.customer(plan, channel="manual")
    engine.create_transaction(c.customer_id, transaction_amount=Decimal("0.333"))
    build.usage(c, tokens, 5, T)
    clock.advance(hours=1)
    customer = engine.retrieve_customer(c.customer_id)
    assert [e.transaction_amount for e in customer.ledger] == [Decimal("0.333"), Decimal("-0.33")]
    assert customer.balance == Decimal("0.003")
