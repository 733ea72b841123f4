"""stats() gauges, the stall alarm, and the adaptive concurrency limit."""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from paigo_sdk.batching import AsyncUsageBatcher, DeliveryStats, UsageBatcher
from paigo_sdk.batching._pace import PROBE_EVERY, ConcurrencyLimit, StallAlarm
from tests.sdk.batching.test_batcher import (
    AsyncFakeClient,
    FakeClient,
    FakeUsageServer,
    wait_until,
)


def _serve(
    pace: ConcurrencyLimit, now: list[float], replies: int, latency: Callable[[int], float]
) -> list[int]:
    """Acknowledge `replies` requests with the limit in use, each taking `latency(limit)`.

    The clock moves on by one reply's share of a round trip (`limit` replies per latency).
    """
    limits = []
    for _ in range(replies):
        limit = pace.limit
        took = latency(limit)
        now[0] += took / limit
        pace.succeeded(took, limit)
        limits.append(pace.limit)
    return limits


def _far(limit: int) -> float:
    """A server 50 ms away with room to spare: latency does not depend on the limit."""
    return 0.05


def _busy(limit: int) -> float:
    """A server close by that answers 2,500 requests a second one at a time (a queue forms)."""
    return 0.0002 + limit / 2500


def test_the_limit_grows_to_its_maximum_while_latency_holds() -> None:
    now = [0.0]
    pace = ConcurrencyLimit(initial=4, maximum=96, clock=lambda: now[0])
    limits = _serve(pace, now, 60, _far)
    assert limits[-1] == 96
    assert limits == sorted(limits)


def test_the_limit_settles_low_when_latency_climbs_with_it() -> None:
    now = [0.0]
    pace = ConcurrencyLimit(initial=4, maximum=96, clock=lambda: now[0])
    _serve(pace, now, 500, _busy)
    # About 1 request in flight keeps this server busy; a few more waiting is the target, not 96.
    held = _serve(pace, now, 2000, _busy)
    assert min(held) >= 3
    assert max(held) <= 12


def test_jitter_within_half_the_no_load_latency_is_not_taken_for_a_queue() -> None:
    now = [0.0]
    pace = ConcurrencyLimit(initial=4, maximum=96, clock=lambda: now[0])
    jitter = iter([0.05, 0.07, 0.06, 0.074] * 100)
    assert _serve(pace, now, 200, lambda _limit: next(jitter))[-1] == 96


def test_the_limit_learns_nothing_while_most_of_it_is_unused() -> None:
    now = [0.0]
    pace = ConcurrencyLimit(initial=8, maximum=96, clock=lambda: now[0])
    for _ in range(100):
        now[0] += 0.01
        pace.succeeded(0.05, 3)
    assert pace.limit == 8


def test_a_push_back_halves_the_limit() -> None:
    pace = ConcurrencyLimit(initial=40, maximum=96)
    pace.congested()
    assert pace.limit == 20
    for _ in range(10):
        pace.congested()
    assert pace.limit == 1


def test_a_server_that_became_slower_is_measured_again_at_the_next_probe() -> None:
    now = [0.0]
    pace = ConcurrencyLimit(initial=4, maximum=96, clock=lambda: now[0])
    _serve(pace, now, 500, _busy)
    assert pace.limit <= 12
    # The same server now answers from 50 ms away: every reply looks queued until a probe
    # (one request in flight, at most PROBE_EVERY seconds later) measures the new latency.
    limits = _serve(pace, now, 400, _far)
    assert min(limits) == 1
    assert now[0] > PROBE_EVERY
    assert limits[-1] == 96


def test_a_slow_reply_alone_does_not_raise_the_no_load_latency() -> None:
    # While the application keeps the interpreter busy, a lone reply waits for the lock too.
    now = [0.0]
    pace = ConcurrencyLimit(initial=4, maximum=96, clock=lambda: now[0])
    _serve(pace, now, 500, _busy)
    for _ in range(20):
        now[0] += 0.03
        pace.succeeded(0.03, 1)
        pace.succeeded(0.03, pace.limit)
    assert pace.limit == 1


def test_the_no_load_latency_is_measured_again_with_one_request_in_flight() -> None:
    now = [0.0]
    pace = ConcurrencyLimit(initial=4, maximum=96, clock=lambda: now[0])
    _serve(pace, now, 100, lambda _limit: 0.02)
    assert pace.limit == 96
    # Now 50 ms: without a new floor this looks like 60 % of the limit waiting; it comes down.
    lowered = _serve(pace, now, 300, _far)
    assert 1 < lowered[-1] < 96
    now[0] += PROBE_EVERY
    pace.succeeded(0.05, pace.limit)
    assert pace.limit == 1  # the probe: drain to one request in flight
    pace.succeeded(0.05, 40)  # sent before the probe: ignored
    assert pace.limit == 1
    pace.succeeded(0.05, 1)
    assert pace.limit == lowered[-1]  # back where it was, with the new floor
    assert _serve(pace, now, 100, _far)[-1] == 96


def test_the_limit_stays_between_its_bounds_and_a_fixed_one_never_moves() -> None:
    now = [0.0]
    pace = ConcurrencyLimit(initial=2, maximum=3, clock=lambda: now[0])
    assert max(_serve(pace, now, 10, _far)) == 3
    for _ in range(10):
        pace.congested()
    assert pace.limit == 1
    fixed = ConcurrencyLimit(initial=4, maximum=4, fixed=True)
    fixed.succeeded(0.01, 4)
    fixed.congested()
    assert fixed.limit == 4


def test_the_stall_alarm_fires_once_per_stall_and_rearms() -> None:
    ages: list[float] = []
    alarm = StallAlarm(10.0, ages.append, logging.getLogger("test"))
    assert not alarm.check(None)
    assert not alarm.check(9.9)
    assert alarm.check(10.0)
    assert not alarm.check(30.0)
    assert not alarm.check(1.0)
    assert alarm.check(11.0)
    assert ages == [10.0, 11.0]


def test_a_raising_stall_callback_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def boom(age: float) -> None:
        raise RuntimeError("callback bug")

    alarm = StallAlarm(1.0, boom, logging.getLogger("test"))
    assert alarm.check(2.0)
    assert "on_stall callback raised" in caplog.text


def test_a_stalled_batcher_raises_the_alarm_and_stats_show_the_wait(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hang = threading.Event()
    server = FakeUsageServer(hang=hang)
    server.script = ["hang"] * 3
    seen: list[DeliveryStats] = []
    batcher = UsageBatcher(
        FakeClient(server),  # type: ignore[arg-type]
        flush_interval=0.05,
        stall_after=2,
        concurrency=1,
        on_stall=seen.append,
    )
    try:
        with caplog.at_level(logging.WARNING, logger="paigo_sdk.batching"):
            batcher.add("c1", "d1", Decimal(1))
            assert wait_until(lambda: bool(seen), timeout=20)
        stats = batcher.stats()
        assert stats.stalled
        assert stats.oldest_pending_age is not None
        assert stats.oldest_pending_age >= 0.1  # 2 x flush_interval
        assert stats.sent >= 1
        assert seen[0].in_flight + seen[0].queued == 1
        assert "usage delivery is stalled" in caplog.text
    finally:
        server.script = []
        hang.set()
        report = batcher.close(timeout=30)
    assert report.delivered == 1
    assert len(server.stored) == 1
    assert batcher.stats().oldest_pending_age is None


def test_stats_count_requests_sent_and_report_the_concurrency() -> None:
    server = FakeUsageServer()
    server.script = ["503"]
    options: dict[str, Any] = {"retry_initial_delay": 0.001, "retry_max_delay": 0.005}
    with UsageBatcher(FakeClient(server), **options) as batcher:  # type: ignore[arg-type]
        for index in range(10):
            batcher.add("c1", "d1", index)
        batcher.flush(timeout=30)
        stats = batcher.stats()
    assert stats.delivered == 10
    assert stats.sent == 11  # one retry after the 503
    assert stats.retried == 1
    assert 1 <= stats.concurrency <= 96
    assert stats.oldest_pending_age is None


def test_a_reply_the_clock_could_not_time_changes_nothing() -> None:
    now = [0.0]
    pace = ConcurrencyLimit(initial=4, maximum=96, clock=lambda: now[0])
    pace.succeeded(0.0, 4)
    assert pace.limit == 4
    assert _serve(pace, now, 60, _far)[-1] == 96


def _count_takes(batcher: Any) -> collections.Counter[int]:
    """Count each worker's visits to the queue (one per wake-up) by its number."""
    takes: collections.Counter[int] = collections.Counter()
    take = batcher._take

    def counted(timed_out: bool, number: int) -> Any:
        takes[number] += 1
        return take(timed_out, number)

    batcher._take = counted
    return takes


def test_a_step_up_wakes_only_the_parked_workers_it_lets_through() -> None:
    server = FakeUsageServer()
    batcher = UsageBatcher(FakeClient(server), flush_interval=30.0)  # type: ignore[arg-type]
    try:
        batcher.add("c1", "d1", Decimal(1))
        assert batcher.flush(timeout=10).delivered == 1
        assert batcher.stats().concurrency == 4
        takes = _count_takes(batcher)
        with batcher._lock:
            batcher._pace._limit = 1.0
        batcher._wake.set()  # workers 1 to 3 see the lower limit and park
        assert wait_until(lambda: len(batcher._parked) == 3)
        parked = dict(takes)
        with batcher._lock:
            batcher._pace._limit = 2.0
            batcher._grow()
        assert wait_until(lambda: takes[1] > parked.get(1, 0))
        time.sleep(0.2)
        assert (takes[2], takes[3]) == (parked.get(2, 0), parked.get(3, 0))
        assert sorted(batcher._parked) == [2, 3]
    finally:
        assert batcher.close(timeout=60).pending == 0


@pytest.mark.anyio
async def test_parked_async_workers_wait_for_the_limit_instead_of_polling() -> None:
    server = FakeUsageServer()
    batcher = AsyncUsageBatcher(AsyncFakeClient(server), flush_interval=30.0)  # type: ignore[arg-type]
    try:
        await batcher.add("c1", "d1", Decimal(1))
        assert (await batcher.flush(timeout=10)).delivered == 1
        assert batcher.stats().concurrency == 4
        batcher._pace._limit = 1.0
        batcher._signal()  # workers 1 to 3 see the lower limit and park
        for _ in range(100):
            if len(batcher._parked) == 3:
                break
            await asyncio.sleep(0.01)
        assert sorted(batcher._parked) == [1, 2, 3]
        takes = _count_takes(batcher)
        await asyncio.sleep(0.3)
        assert sum(takes[number] for number in (1, 2, 3)) == 0
        batcher._pace._limit = 3.0
        batcher._grow()
        for _ in range(100):
            if takes[1] and takes[2]:
                break
            await asyncio.sleep(0.01)
        assert (takes[1] > 0, takes[2] > 0, takes[3]) == (True, True, 0)
    finally:
        assert (await batcher.close(timeout=60)).pending == 0
