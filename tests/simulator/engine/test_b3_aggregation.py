"""B3: buckets aligned to UTC, the six methods, metadata groups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from simulator.engine import Engine, Tier, TierGroup

T0 = datetime(2026, 1, 1, 10, tzinfo=UTC)


def _hour_value(engine: Engine, build, clock, method: str, values: list[str]) -> Decimal:
    d = build.dimension(method=method)
    c = build.customer()
    clock.set(T0)
    for minute, value in enumerate(values):
        build.usage(c, d, value, T0 + timedelta(minutes=minute))
    clock.set(T0 + timedelta(hours=2))
    view = engine.query_usage(c.customer_id, start_time=T0, end_time=T0 + timedelta(hours=1))
    (bucket,) = view[0].buckets
    return bucket.value


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("sum", Decimal("10.5")),
        ("max", Decimal("6")),
        ("min", Decimal("-1")),
        ("count", Decimal("4")),
        ("average", Decimal("2.625")),
        ("last", Decimal("6")),
    ],
)
def test_b3_six_methods(engine: Engine, build, clock, method: str, expected: Decimal) -> None:
    assert _hour_value(engine, build, clock, method, ["3", "2.5", "-1", "6"]) == expected


def test_b3_last_is_latest_timestamp_not_arrival(engine: Engine, build, clock) -> None:
    d = build.dimension(method="last")
    c = build.customer()
    clock.set(T0 + timedelta(minutes=30))
    build.usage(c, d, 7, T0 + timedelta(minutes=20))
    build.usage(c, d, 4, T0 + timedelta(minutes=10))  # arrives later, happened earlier
    clock.set(T0 + timedelta(hours=1))
    view = engine.query_usage(c.customer_id, start_time=T0, end_time=T0 + timedelta(hours=1))
    assert view[0].buckets[0].value == Decimal(7)


def test_b3_last_ties_are_broken_by_arrival(engine: Engine, build, clock) -> None:
    d = build.dimension(method="last")
    c = build.customer()
    clock.set(T0 + timedelta(minutes=30))
    build.usage(c, d, 7, T0)
    build.usage(c, d, 4, T0)
    clock.set(T0 + timedelta(hours=1))
    view = engine.query_usage(c.customer_id, start_time=T0, end_time=T0 + timedelta(hours=1))
    assert view[0].buckets[0].value == Decimal(4)


def test_b3_buckets_are_utc_hours_half_open(engine: Engine, build, clock) -> None:
    d = build.dimension()
    c = build.customer()
    clock.set(T0 + timedelta(hours=3))
    build.usage(c, d, 1, T0 + timedelta(minutes=59, seconds=59))
    build.usage(c, d, 2, T0 + timedelta(hours=1))  # the next hour's first instant
    view = engine.query_usage(c.customer_id, start_time=T0, end_time=T0 + timedelta(hours=3))
    buckets = [(b.start_time, b.end_time, b.value) for b in view[0].buckets]
    assert buckets == [
        (T0, T0 + timedelta(hours=1), Decimal(1)),
        (T0 + timedelta(hours=1), T0 + timedelta(hours=2), Decimal(2)),
    ]


def test_b3_day_and_month_buckets(engine: Engine, build, clock) -> None:
    d = build.dimension(interval="day")
    c = build.customer()
    clock.set(datetime(2026, 3, 2, tzinfo=UTC))
    build.usage(c, d, 1, datetime(2026, 1, 31, 23, tzinfo=UTC))
    build.usage(c, d, 2, datetime(2026, 2, 1, 1, tzinfo=UTC))
    build.usage(c, d, 3, datetime(2026, 2, 1, 2, tzinfo=UTC))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    days = engine.query_usage(c.customer_id, start_time=start)
    assert [(b.start_time.day, b.value) for b in days[0].buckets] == [
        (31, Decimal(1)),
        (1, Decimal(5)),
    ]
    months = engine.query_usage(c.customer_id, start_time=start, aggregation_interval="month")
    assert [(b.start_time.month, b.value) for b in months[0].buckets] == [
        (1, Decimal(1)),
        (2, Decimal(5)),
    ]


def test_b3_empty_buckets_do_not_exist(engine: Engine, build, clock) -> None:
    d = build.dimension(method="count")
    c = build.customer()
    clock.set(T0 + timedelta(hours=5))
    build.usage(c, d, 1, T0)
    build.usage(c, d, 1, T0 + timedelta(hours=4))
    view = engine.query_usage(c.customer_id, start_time=T0, end_time=T0 + timedelta(hours=5))
    assert len(view[0].buckets) == 2


def test_b3_metadata_groups_first_match_wins_and_unmatched_is_reported(
    engine: Engine, build, clock
) -> None:
    tiers = [Tier(1, Decimal("inf"), Decimal(1))]
    groups = [
        TierGroup({"region": "us-east-1"}, tiers),
        TierGroup({"region": "us-east-1", "size": "large"}, [Tier(1, Decimal("inf"), Decimal(9))]),
        TierGroup({"region": "eu-west-1"}, [Tier(1, Decimal("inf"), Decimal(2))]),
    ]
    d = engine.create_dimension(
        dimension_name="Compute",
        consumption_unit=__import__(
            "simulator.engine", fromlist=["ConsumptionUnit"]
        ).ConsumptionUnit("count", "count-based"),
        usage_increment=Decimal(1),
        rounding="ceiling",
        aggregation_method="sum",
        tiers_group_by_metadata=groups,
    )
    o = build.offering("Plan", d)
    c = build.customer(o)
    clock.set(T0)
    build.usage(c, d, 3, T0, metadata={"region": "us-east-1", "size": "large"})
    build.usage(c, d, 5, T0, metadata={"region": "eu-west-1"})
    build.usage(c, d, 100, T0, metadata={"region": "ap-south-1"})
    clock.set(T0 + timedelta(hours=1))
    preview = engine.preview_invoice(c.customer_id)
    amounts = sorted(item.amount for item in preview.line_items)
    # 3 at $1 in the first group (first match wins over the more specific one), 5 at $2
    assert amounts == [Decimal("3.00"), Decimal("10.00")]
    unmatched = engine.unmatched_records(customer_id=c.customer_id)
    assert [r.record_value for r in unmatched] == [Decimal(100)]


def test_b3_sums_survive_growing_decimal_places(engine: Engine, build, clock) -> None:
    d = build.dimension()
    c = build.customer()
    clock.set(T0 + timedelta(minutes=30))
    for value in ("1", "0.25", "0.1", "12345678901234567890.000001"):
        build.usage(c, d, value, T0)
    view = engine.query_usage(c.customer_id, start_time=T0, end_time=T0 + timedelta(minutes=30))
    assert view[0].buckets[0].value == Decimal("12345678901234567891.350001")


def test_b3_partial_hours_read_raw_records_in_any_arrival_order(
    engine: Engine, build, clock
) -> None:
    d = build.dimension()
    c = build.customer()
    clock.set(T0 + timedelta(hours=2))
    build.usage(c, d, 1, T0 + timedelta(minutes=50))
    build.usage(c, d, 2, T0 + timedelta(minutes=10))  # out of order: the series is unsorted
    build.usage(c, d, 4, T0 + timedelta(minutes=40))
    window = (T0 + timedelta(minutes=30), T0 + timedelta(minutes=45))
    view = engine.query_usage(c.customer_id, start_time=window[0], end_time=window[1])
    (bucket,) = view[0].buckets
    assert (bucket.value, bucket.start_time, bucket.end_time) == (Decimal(4), *window)


@pytest.mark.parametrize(
    ("method", "interval", "quantity"),
    [
        # Hourly buckets (Paigo's default interval): the cycle bills the sum of the hourly
        # values. A gauge of 10 seats reported through 24 hours bills 24 x 10 = 240.
        ("max", "hour", 240),
        ("last", "hour", 240),
        # One bucket for the whole period (`none`): the period's peak or last value, 10.
        ("max", "none", 10),
        ("last", "none", 10),
    ],
)
def test_b3_max_and_last_bill_the_sum_of_their_bucket_values(
    engine: Engine, build, clock, method: str, interval: str, quantity: int
) -> None:
    seats = build.dimension("Seats", method=method, interval=interval, price="1")
    plan = build.offering("Team", seats)
    c = build.customer(plan)
    for hour in range(24):
        moment = datetime(2026, 1, 5, hour, 10, tzinfo=UTC)
        clock.set(moment + timedelta(minutes=30))
        build.usage(c, seats, 10, moment)
        build.usage(c, seats, 10, moment + timedelta(minutes=30))
    clock.set(datetime(2026, 2, 1, tzinfo=UTC))
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    (item,) = invoice.line_items
    assert item.quantity == quantity
    assert invoice.total_amount_without_tax == Decimal(quantity)
