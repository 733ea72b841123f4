"""B13: the usage view's window, raw records and buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from simulator.engine import Engine, Invalid, NotFound


def d(m: int, day: int, h: int = 0) -> datetime:
    return datetime(2026, m, day, h, tzinfo=UTC)


def test_b13_window_checks(engine: Engine, build, clock) -> None:
    c = build.customer()
    clock.set(d(1, 10))
    with pytest.raises(Invalid, match="endTime"):
        engine.query_usage(c.customer_id, end_time=d(1, 11))
    with pytest.raises(Invalid, match="after startTime"):
        engine.query_usage(c.customer_id, start_time=d(1, 5), end_time=d(1, 5))
    with pytest.raises(NotFound):
        engine.query_usage("ghost")


def test_b13_defaults_to_the_current_cycle_until_now(engine: Engine, build, clock) -> None:
    calls = build.dimension("Calls")
    c = build.customer(build.offering("Plan", calls))
    clock.set(d(2, 10))
    build.usage(c, calls, 1, d(1, 31))  # previous cycle
    build.usage(c, calls, 2, d(2, 3))
    build.usage(c, calls, 3, d(2, 10))  # at now: outside [start, now)
    (view,) = engine.query_usage(c.customer_id, aggregation_interval="none")
    assert [r.record_value for r in view.records] == [Decimal(2)]
    assert view.raw


def test_b13_raw_records_are_in_time_order_with_metadata(engine: Engine, build, clock) -> None:
    calls = build.dimension("Calls")
    c = build.customer()
    clock.set(d(1, 2))
    build.usage(c, calls, 2, d(1, 1, 5), metadata={"k": "b"})
    build.usage(c, calls, 1, d(1, 1, 4), metadata={"k": "a"})
    (view,) = engine.query_usage(c.customer_id, aggregation_interval="none")
    assert [(r.timestamp, r.record_value, r.metadata) for r in view.records] == [
        (d(1, 1, 4), Decimal(1), {"k": "a"}),
        (d(1, 1, 5), Decimal(2), {"k": "b"}),
    ]


def test_b13_buckets_hold_the_value_before_rounding(engine: Engine, build, clock) -> None:
    calls = build.dimension("Compute", unit=("time", "minute"), increment="60")
    c = build.customer(build.offering("Plan", calls))
    clock.set(d(1, 2))
    build.usage(c, calls, "0.67", d(1, 1, 0) + timedelta(minutes=3))
    (view,) = engine.query_usage(c.customer_id)
    assert [(b.value, b.start_time, b.end_time) for b in view.buckets] == [
        (Decimal("0.67"), d(1, 1, 0), d(1, 1, 1))
    ]
    assert view.offering_id is not None


def test_b13_only_usage_since_enrollment_unless_asked(engine: Engine, build, clock) -> None:
    calls = build.dimension("Calls")
    c = build.customer()
    clock.set(d(1, 10))
    build.usage(c, calls, 1, d(1, 5))
    engine.update_enrollment(c.customer_id, offering_id=build.offering("Plan", calls).offering_id)
    clock.set(d(1, 12))
    build.usage(c, calls, 2, d(1, 11))
    (since,) = engine.query_usage(c.customer_id, aggregation_interval="none")
    assert [r.record_value for r in since.records] == [Decimal(2)]
    (every,) = engine.query_usage(
        c.customer_id, aggregation_interval="none", ignore_enrollment_date=True
    )
    assert [r.record_value for r in every.records] == [Decimal(1), Decimal(2)]


def test_b13_grouped_dimensions_report_each_metadata_group(engine: Engine, build, clock) -> None:
    from simulator.engine import INFINITY, ConsumptionUnit, Tier, TierGroup

    groups = [
        TierGroup({"region": "us"}, [Tier(1, INFINITY, Decimal(1))]),
        TierGroup({"region": "eu"}, [Tier(1, INFINITY, Decimal(2))]),
    ]
    dim = engine.create_dimension(
        dimension_name="Compute",
        consumption_unit=ConsumptionUnit("count", "count-based"),
        usage_increment=Decimal(1),
        rounding="ceiling",
        aggregation_method="sum",
        tiers_group_by_metadata=groups,
    )
    c = build.customer()
    clock.set(d(1, 2))
    build.usage(c, dim, 1, d(1, 1, 3), metadata={"region": "us"})
    build.usage(c, dim, 2, d(1, 1, 3), metadata={"region": "eu", "zone": "b"})
    build.usage(c, dim, 4, d(1, 1, 3), metadata={"region": "us"})
    (view,) = engine.query_usage(c.customer_id, aggregation_interval="day")
    assert [(b.metadata_group, b.value) for b in view.buckets] == [
        ({"region": "us"}, Decimal(5)),
        ({"region": "eu"}, Decimal(2)),
    ]
