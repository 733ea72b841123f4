"""Property tests: order, splitting and replays never change what is billed; totals add up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings, strategies as st

from simulator.clock import ManualClock
from simulator.engine import (
    INFINITY,
    ConsumptionUnit,
    Engine,
    Invoice,
    Tier,
    UsageInput,
)
from simulator.engine.events import EntitlementEvent
from simulator.engine.pricing import money

JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)

values = st.decimals(min_value=Decimal("-50"), max_value=Decimal("500"), places=3, allow_nan=False)
offsets = st.integers(min_value=0, max_value=30 * 24 * 60 - 1)  # minutes into January
records = st.lists(st.tuples(offsets, values), min_size=1, max_size=40)
methods = st.sampled_from(["sum", "max", "min", "count", "average", "last"])
intervals = st.sampled_from(["none", "hour", "day", "month"])
roundings = st.sampled_from(["ceiling", "floor", "round"])
increments = st.sampled_from(["1", "0.5", "60", "1000", "0.001"])


def _engine(**dimension: Any) -> tuple[Engine, ManualClock, str, str]:
    clock = ManualClock(JAN)
    engine = Engine(clock=clock, seed=3)
    engine.options.array_batches = True
    d = engine.create_dimension(
        dimension_name="Metric",
        consumption_unit=ConsumptionUnit("count", "count-based"),
        **dimension,
    )
    o = engine.create_offering(offering_name="Plan", dimension_ids=[d.dimension_id])
    c = engine.create_customer(
        customer_name="C",
        email="c@example.com",
        payment_channel="manual",
        offering_id=o.offering_id,
    )
    clock.set(FEB - timedelta(seconds=1))
    return engine, clock, c.customer_id, d.dimension_id


def _lines(invoice: Invoice) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [(i.name, i.quantity, i.unit_cost, i.amount) for i in invoice.line_items]


def _bill(
    batches: list[list[tuple[int, Decimal]]],
    *,
    method: str,
    interval: str,
    rounding: str,
    increment: str,
) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    engine, clock, cid, did = _engine(
        usage_increment=Decimal(increment),
        rounding=rounding,
        consumption_price=Decimal("0.37"),
        aggregation_method=method,
        aggregation_interval=interval,
    )
    for batch in batches:
        engine.record_usage_batch(
            [UsageInput(cid, did, v, JAN + timedelta(minutes=m)) for m, v in batch]
        )
    clock.set(FEB)
    (invoice,) = engine.list_customer_invoices(cid)
    return _lines(invoice)


@settings(max_examples=60, deadline=None)
@given(
    records=records,
    method=methods,
    interval=intervals,
    rounding=roundings,
    increment=increments,
    data=st.data(),
)
def test_b3_order_and_splitting_never_change_the_bill(
    records, method, interval, rounding, increment, data
) -> None:
    if method == "last":
        # B3: `last` breaks timestamp ties by arrival, so only distinct timestamps commute.
        records = list({m: (m, v) for m, v in records}.values())
    shuffled = data.draw(st.permutations(records))
    cut = sorted(data.draw(st.lists(st.integers(0, len(records)), max_size=4)))
    pieces = [shuffled[a:b] for a, b in zip([0, *cut], [*cut, len(shuffled)], strict=True)]
    kw = {"method": method, "interval": interval, "rounding": rounding, "increment": increment}
    assert _bill([records], **kw) == _bill([p for p in pieces if p], **kw)


@settings(max_examples=40, deadline=None)
@given(records=records, interval=intervals, data=st.data())
def test_b4_splitting_a_sum_record_never_changes_the_quantity(records, interval, data) -> None:
    split: list[tuple[int, Decimal]] = []
    for minute, value in records:
        part = data.draw(values)
        split += [(minute, part), (minute, value - part)]
    kw = {"method": "sum", "interval": interval, "rounding": "ceiling", "increment": "1"}
    assert _bill([records], **kw) == _bill([split], **kw)


@settings(max_examples=40, deadline=None)
@given(records=records, replays=st.lists(st.integers(0, 39), max_size=20))
def test_b2_replaying_keys_never_changes_the_invoice(records, replays) -> None:
    results = []
    for replay in (False, True):
        engine, clock, cid, did = _engine(
            usage_increment=Decimal(1),
            rounding="round",
            consumption_price=Decimal("1.05"),
            aggregation_method="sum",
        )
        for i, (minute, value) in enumerate(records):
            engine.record_usage(
                customer_id=cid,
                dimension_id=did,
                record_value=value,
                timestamp=JAN + timedelta(minutes=minute),
                idempotency_key=f"k{i}",
            )
        if replay:
            for i in replays:
                if i < len(records):
                    minute, value = records[i]
                    result = engine.record_usage(
                        customer_id=cid,
                        dimension_id=did,
                        record_value=value,
                        timestamp=JAN + timedelta(minutes=minute),
                        idempotency_key=f"k{i}",
                    )
                    assert result.replayed
        clock.set(FEB)
        (invoice,) = engine.list_customer_invoices(cid)
        results.append(_lines(invoice))
    assert results[0] == results[1]


prices = st.decimals(min_value=Decimal(0), max_value=Decimal("9.999"), places=3)


@settings(max_examples=60, deadline=None)
@given(
    records=records,
    bounds=st.lists(st.integers(1, 200), min_size=0, max_size=3, unique=True),
    tier_prices=st.lists(prices, min_size=4, max_size=4),
    tax=st.decimals(min_value=Decimal(0), max_value=Decimal(30), places=2),
    discount=st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=1),
)
def test_b8_total_is_the_sum_of_rounded_lines(records, bounds, tier_prices, tax, discount) -> None:
    from simulator.engine import Discount, OverridesUpdate

    tiers = [Tier(i + 1, Decimal(b), tier_prices[i]) for i, b in enumerate(sorted(bounds))]
    tiers.append(Tier(len(tiers) + 1, INFINITY, tier_prices[-1]))
    engine, clock, cid, did = _engine(
        usage_increment=Decimal(1),
        rounding="round",
        aggregation_method="sum",
        tiers=tiers,
    )
    engine.update_settings(tax_rate=tax)
    engine.update_enrollment(cid, overrides=OverridesUpdate(discount=Discount("D", discount)))
    engine.record_usage_batch(
        [UsageInput(cid, did, v, JAN + timedelta(minutes=m)) for m, v in records]
    )
    clock.set(FEB)
    (invoice,) = engine.list_customer_invoices(cid)
    for item in invoice.line_items:
        assert item.amount == money(item.quantity * item.unit_cost)
        assert item.amount == item.amount.quantize(Decimal("0.01"))
    assert invoice.total_amount_without_tax == sum(
        (i.amount for i in invoice.line_items), Decimal(0)
    )
    assert invoice.tax_amount == money(invoice.total_amount_without_tax * tax / 100)


def _year(step_days: int | None, seed_records: list[tuple[int, Decimal]]) -> list[Any]:
    clock = ManualClock(JAN)
    engine = Engine(clock=clock, seed=11)
    d = engine.create_dimension(
        dimension_name="Calls",
        consumption_unit=ConsumptionUnit("count", "count-based"),
        usage_increment=Decimal(1),
        rounding="ceiling",
        consumption_price=Decimal("0.25"),
        aggregation_method="sum",
    )
    sub = engine.create_offering(
        offering_name="Sub",
        offering_type="subscription",
        subscription_price=Decimal("9.99"),
        dimension_ids=[d.dimension_id],
    )
    annual = engine.create_offering(
        offering_name="Annual",
        offering_type="subscription",
        subscription_price=Decimal(100),
        billing_cycle="annualToDate",
    )
    a = engine.create_customer(
        customer_name="A",
        email="a@example.com",
        payment_channel="Stripe",
        offering_id=sub.offering_id,
    )
    engine.create_customer(
        customer_name="B",
        email="b@example.com",
        payment_channel="manual",
        offering_id=annual.offering_id,
    )
    clock.set(JAN + timedelta(days=30))
    for minute, value in seed_records:
        engine.record_usage(
            customer_id=a.customer_id,
            dimension_id=d.dimension_id,
            record_value=value,
            timestamp=JAN + timedelta(minutes=minute),
        )
    end = datetime(2027, 1, 1, 1, tzinfo=UTC)
    if step_days is None:
        clock.set(end)
    else:
        while clock.now() < end:
            clock.set(min(end, clock.now() + timedelta(days=step_days)))
            engine.close_due_cycles()
    engine.close_due_cycles()
    return [
        (
            i.invoice_id,
            i.invoice_date,
            i.invoice_status,
            _lines(i),
            i.total_amount_without_tax,
            i.invoice_type,
        )
        for c in engine.list_customers()
        for i in engine.list_customer_invoices(c.customer_id)
    ]


@settings(max_examples=5, deadline=None)
@given(records=st.lists(st.tuples(offsets, values), max_size=10), step=st.sampled_from([1, 3, 17]))
def test_b14_a_year_in_one_step_or_in_small_steps_gives_the_same_invoices(records, step) -> None:
    one = _year(None, records)
    # A: enrollment + 12 monthly; B: enrollment + 1 annual; T: first top-up + any recharges
    assert len([i for i in one if i[5] != "TOPUP"]) == 13 + 2
    assert one == _year(step, records)


@settings(max_examples=40, deadline=None)
@given(
    records=st.lists(
        st.tuples(st.integers(0, 10 * 24 * 60 - 1), st.integers(0, 200)), min_size=1, max_size=40
    ),
    entitlement=st.integers(1, 40),
)
def test_b6_entitlement_events_follow_a_hand_recount(records, entitlement) -> None:
    """ENTITLEMENT events fire at the record whose prefix first reaches 80% / 100% of E, with
    the usage counted as hourly ceilings of minutes / 60 (recounted here by hand)."""

    clock = ManualClock(JAN)
    engine = Engine(clock=clock, seed=5)
    engine.subscribe_webhook(hook_url="https://h.example", webhook_type="ENTITLEMENT")
    d = engine.create_dimension(
        dimension_name="Minutes",
        consumption_unit=ConsumptionUnit("time", "minute"),
        usage_increment=Decimal(60),
        rounding="ceiling",
        consumption_price=Decimal(1),
        aggregation_method="sum",
        usage_entitlement=Decimal(60 * entitlement),
        overage_allowed=True,
    )
    o = engine.create_offering(
        offering_name="Plan",
        offering_type="subscription",
        subscription_price=Decimal(1),
        dimension_ids=[d.dimension_id],
    )
    c = engine.create_customer(
        customer_name="C",
        email="c@example.com",
        payment_channel="manual",
        offering_id=o.offering_id,
    )
    clock.set(JAN + timedelta(days=11))
    hours: dict[int, int] = {}
    expected: list[tuple[str, str]] = []
    fired = 0
    for minute, value in records:
        engine.record_usage(
            customer_id=c.customer_id,
            dimension_id=d.dimension_id,
            record_value=Decimal(value),
            timestamp=JAN + timedelta(minutes=minute),
        )
        hours[minute // 60] = hours.get(minute // 60, 0) + value
        q = sum(-(-total // 60) for total in hours.values())
        for threshold, event in (
            (80, "usageEntitlementThresholdReached"),
            (100, "usageEntitlementLimitReached"),
        ):
            if fired < threshold and q * 100 >= entitlement * threshold:
                fired = threshold
                expected.append((event, str(q * 60)))
    got = [
        (x.event.event_type, format(x.event.current_usage_total, "f"))
        for x in engine.webhook_deliveries()
        if isinstance(x.event, EntitlementEvent)
    ]
    assert got == expected
