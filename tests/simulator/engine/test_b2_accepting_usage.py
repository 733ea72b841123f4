"""B2: accepting usage records, idempotency, array batches, rejected calls change nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from simulator.clock import ManualClock
from simulator.engine import Engine, Invalid, NotFound, UsageInput


def test_b2_unknown_customer_or_dimension_is_not_found(engine: Engine, build, clock) -> None:
    d = build.dimension()
    c = build.customer()
    with pytest.raises(NotFound) as customer_error:
        build.engine.record_usage(
            customer_id="nobody",
            dimension_id=d.dimension_id,
            record_value=Decimal(1),
            timestamp=clock.now(),
        )
    assert (customer_error.value.kind, customer_error.value.id) == ("customer", "nobody")
    with pytest.raises(NotFound) as dimension_error:
        build.engine.record_usage(
            customer_id=c.customer_id,
            dimension_id="nothing",
            record_value=Decimal(1),
            timestamp=clock.now(),
        )
    assert dimension_error.value.kind == "dimension"
    assert engine.usage_records() == []


def test_b2_timestamp_more_than_five_minutes_ahead_is_rejected(
    engine: Engine, build, clock: ManualClock
) -> None:
    d = build.dimension()
    c = build.customer()
    build.usage(c, d, 1, clock.now() + timedelta(minutes=5))  # exactly 5 minutes: accepted
    with pytest.raises(Invalid) as error:
        build.usage(c, d, 1, clock.now() + timedelta(minutes=5, microseconds=1))
    assert "timestamp" in error.value.messages[0]
    assert len(engine.usage_records()) == 1


def test_b2_usage_of_unenrolled_customer_is_stored_and_shown(engine: Engine, build, clock) -> None:
    d = build.dimension()
    c = build.customer()
    build.usage(c, d, "2.5", clock.now())
    clock.advance(hours=1)
    view = engine.query_usage(c.customer_id, aggregation_interval="none")
    assert [r.record_value for r in view[0].records] == [Decimal("2.5")]


def test_b2_replayed_key_stores_nothing(engine: Engine, build, clock) -> None:
    d = build.dimension()
    c = build.customer()
    first = build.usage(c, d, 3, clock.now(), idempotency_key="k1")
    again = build.usage(c, d, 3, clock.now(), idempotency_key="k1")
    assert (first.replayed, again.replayed) == (False, True)
    assert [r.record_value for r in engine.usage_records()] == [Decimal(3)]


def test_b2_keys_are_scoped_per_customer(engine: Engine, build, clock) -> None:
    d = build.dimension()
    a, b = build.customer(name="A"), build.customer(name="B")
    assert not build.usage(a, d, 1, clock.now(), idempotency_key="same").replayed
    assert not build.usage(b, d, 1, clock.now(), idempotency_key="same").replayed
    assert len(engine.usage_records()) == 2


def test_b2_records_without_key_are_never_deduplicated(engine: Engine, build, clock) -> None:
    d = build.dimension()
    c = build.customer()
    build.usage(c, d, 1, clock.now())
    build.usage(c, d, 1, clock.now())
    assert len(engine.usage_records()) == 2


def test_b2_deduplication_switch_models_double_counting(engine: Engine, build, clock) -> None:
    engine.options.deduplication = False
    d = build.dimension()
    c = build.customer()
    build.usage(c, d, 1, clock.now(), idempotency_key="k")
    result = build.usage(c, d, 1, clock.now(), idempotency_key="k")
    assert not result.replayed
    assert len(engine.usage_records()) == 2


def test_b2_batches_are_rejected_unless_enabled(engine: Engine, build, clock) -> None:
    d = build.dimension()
    c = build.customer()
    with pytest.raises(Invalid, match="usage batches are not enabled on this server"):
        engine.record_usage_batch(
            [UsageInput(c.customer_id, d.dimension_id, Decimal(1), clock.now())]
        )


def test_b2_batch_is_atomic(engine: Engine, build, clock) -> None:
    engine.options.array_batches = True
    d = build.dimension()
    c = build.customer()
    good = UsageInput(c.customer_id, d.dimension_id, Decimal(1), clock.now())
    bad = UsageInput(c.customer_id, d.dimension_id, Decimal(1), clock.now() + timedelta(hours=1))
    with pytest.raises(Invalid) as error:
        engine.record_usage_batch([good, bad], idempotency_keys=["a", "b"])
    assert error.value.messages == ["1.timestamp must not be more than 5 minutes in the future"]
    assert engine.usage_records() == []
    # the keys of a rejected batch were not consumed
    results = engine.record_usage_batch([good, good], idempotency_keys=["a", "a"])
    assert [r.replayed for r in results] == [False, True]
    assert len(engine.usage_records()) == 1


def test_b2_batch_reports_missing_references_by_index(engine: Engine, build, clock) -> None:
    engine.options.array_batches = True
    d = build.dimension()
    with pytest.raises(Invalid) as error:
        engine.record_usage_batch([UsageInput("ghost", d.dimension_id, Decimal(1), clock.now())])
    assert error.value.messages == ["0.customerId Customer with ID: ghost not found"]


def test_b2_batch_key_count_must_match(engine: Engine, build, clock) -> None:
    engine.options.array_batches = True
    d = build.dimension()
    c = build.customer()
    record = UsageInput(c.customer_id, d.dimension_id, Decimal(1), clock.now())
    with pytest.raises(Invalid):
        engine.record_usage_batch([record], idempotency_keys=["a", "b"])


def test_b2_values_keep_their_exact_decimals(engine: Engine, build, clock) -> None:
    d = build.dimension()
    c = build.customer()
    for value in ("1", "0.87", "123456789012345678901234567890.123456789", "-12"):
        build.usage(c, d, value, clock.now())
    stored = [r.record_value for r in engine.usage_records()]
    assert stored == [
        Decimal("1"),
        Decimal("0.87"),
        Decimal("123456789012345678901234567890.123456789"),
        Decimal("-12"),
    ]


def test_b2_values_read_back_without_padding_zeros(engine: Engine, build, clock) -> None:
    d = build.dimension()
    c = build.customer()
    for value in ("0.8", "1", "10", "2.50"):
        build.usage(c, d, value, clock.now())
    stored = [format(r.record_value, "f") for r in engine.usage_records()]
    assert stored == ["0.8", "1", "10", "2.5"]


def test_b2_concurrent_ingest_loses_nothing(engine: Engine, build, clock) -> None:
    import threading

    d = build.dimension()
    c = build.customer()

    def push(worker: int) -> None:
        for i in range(200):
            build.usage(c, d, 1, clock.now(), idempotency_key=f"{worker}-{i % 150}")

    threads = [threading.Thread(target=push, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(engine.usage_records()) == 4 * 150


def test_b2_naive_timestamps_are_invalid(engine: Engine, build, clock) -> None:
    d = build.dimension()
    c = build.customer()
    with pytest.raises(Invalid, match="offset"):
        build.usage(c, d, 1, clock.now().replace(tzinfo=None))
    engine.options.array_batches = True
    naive = UsageInput(c.customer_id, d.dimension_id, Decimal(1), clock.now().replace(tzinfo=None))
    with pytest.raises(Invalid) as error:
        engine.record_usage_batch([naive])
    assert error.value.messages == ["0.timestamp must carry an explicit UTC offset"]
