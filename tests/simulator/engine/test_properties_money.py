"""Property tests for money (B1): lines rounded once, top-up debits that track the usage's cost.

Every expected figure is computed here with exact fractions, not by the engine's own helpers.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings, strategies as st

from simulator.clock import ManualClock
from simulator.engine import ConsumptionUnit, Engine, EnrollmentUsage, UsageInput

JAN = datetime(2026, 1, 1, tzinfo=UTC)


def cents(value: Fraction) -> Decimal:
    """Round an exact amount to cents, halves away from zero, with integer arithmetic only."""
    scaled = abs(value) * 100
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    return Decimal(-whole if value < 0 else whole) / 100


def _engine(clock: ManualClock) -> Engine:
    engine = Engine(clock=clock, seed=5)
    engine.options.array_batches = True
    return engine


prices = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(50), places=4)


@settings(max_examples=60, deadline=None)
@given(
    seats=st.integers(0, 100_000),
    seat_price=prices,
    subscription=st.decimals(min_value=Decimal(0), max_value=Decimal(500), places=2),
    month=st.integers(1, 12),
    day=st.integers(1, 31),
)
def test_b1_prorated_lines_are_rounded_once_and_the_total_is_their_sum(
    seats, seat_price, subscription, month, day
) -> None:
    days_in_month = monthrange(2026, month)[1]
    day = min(day, days_in_month)
    clock = ManualClock(datetime(2026, month, day, 15, 30, tzinfo=UTC))
    engine = _engine(clock)
    seat = engine.create_dimension(
        dimension_name="Seat",
        consumption_unit=ConsumptionUnit("count", "count-based"),
        usage_increment=Decimal(1),
        rounding="ceiling",
        consumption_price=seat_price,
        aggregation_method="last",
        aggregation_interval="hour",
        payment_schedule="upfront",
    )
    plan = engine.create_offering(
        offering_name="Team",
        dimension_ids=[seat.dimension_id],
        offering_type="subscription",
        subscription_price=subscription,
    )
    customer = engine.create_customer(
        customer_name="C",
        email="c@example.com",
        payment_channel="manual",
        offering_id=plan.offering_id,
        usage=[EnrollmentUsage(seat.dimension_id, Decimal(seats))],
    )
    (invoice,) = engine.list_customer_invoices(customer.customer_id)
    # The day of enrollment is counted: paid days are day..end of month.
    share = Fraction(days_in_month - day + 1, days_in_month)
    expected = [cents(Fraction(subscription) * share), cents(seats * Fraction(seat_price) * share)]
    assert [item.amount for item in invoice.line_items] == expected
    assert invoice.total_amount_without_tax == sum(expected)
    for item in invoice.line_items:
        # What the wire carries (quantity, unitCost) multiplies back to the line's amount.
        assert cents(Fraction(item.quantity) * Fraction(item.unit_cost)) == item.amount


hourly = st.lists(st.integers(0, 40), min_size=1, max_size=72)


def _top_up_debits(
    price: Decimal, per_hour: list[list[list[int]]]
) -> tuple[Decimal, list[Decimal]]:
    """Run a top-up customer hour by hour; return its balance and usage debits.

    `per_hour[h]` is the list of batches sent while hour h is open, each a list of token counts.
    """
    clock = ManualClock(JAN)
    engine = _engine(clock)
    tokens = engine.create_dimension(
        dimension_name="Tokens",
        consumption_unit=ConsumptionUnit("count", "count-based"),
        usage_increment=Decimal(1),
        rounding="ceiling",
        consumption_price=price,
        aggregation_method="sum",
        aggregation_interval="hour",
    )
    plan = engine.create_offering(
        offering_name="Credits",
        dimension_ids=[tokens.dimension_id],
        billing_cycle="topUp",
        top_up_amount=Decimal(1_000_000),
    )
    customer = engine.create_customer(
        customer_name="C", email="c@example.com", payment_channel="Stripe"
    )
    engine.update_enrollment(customer.customer_id, offering_id=plan.offering_id)
    for hour, batches in enumerate(per_hour):
        moment = JAN + timedelta(hours=hour, minutes=7)
        clock.set(moment)
        for batch in batches:
            engine.record_usage_batch(
                [
                    UsageInput(customer.customer_id, tokens.dimension_id, Decimal(n), moment)
                    for n in batch
                ]
            )
    clock.set(JAN + timedelta(hours=len(per_hour)))
    ledger = engine.list_transactions(customer.customer_id)
    debits = [-e.transaction_amount for e in ledger if e.metadata.get("type") == "usage"]
    return engine.retrieve_customer(customer.customer_id).balance, debits


@settings(max_examples=40, deadline=None)
@given(counts=hourly, price=prices)
def test_b11_wallet_debits_are_the_usage_cost_within_half_a_cent(counts, price) -> None:
    _balance, debits = _top_up_debits(price, [[[count]] for count in counts])
    cost = sum(count * Fraction(price) for count in counts)
    assert all(debit > 0 and debit == debit.quantize(Decimal("0.01")) for debit in debits)
    assert abs(Fraction(sum(debits, Decimal(0))) - cost) <= Fraction(1, 200)


@settings(max_examples=30, deadline=None)
@given(counts=hourly, price=prices, data=st.data())
def test_b11_splitting_or_reordering_records_changes_no_debit(counts, price, data) -> None:
    split_hours: list[list[list[int]]] = []
    for count in counts:
        part = data.draw(st.integers(0, count))
        pieces = data.draw(st.permutations([part, count - part, 0]))
        cut = data.draw(st.integers(0, len(pieces)))
        split_hours.append([b for b in (pieces[:cut], pieces[cut:]) if b])
    whole = _top_up_debits(price, [[[count]] for count in counts])
    assert whole == _top_up_debits(price, split_hours)
