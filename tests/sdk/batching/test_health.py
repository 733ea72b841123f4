"""stats() gauges, the stall alarm, and the adaptive concurrency limit."""

from __future__ import annotations

import logging
import threading
from decimal import Decimal
from typing import Any

import pytest

from paigo_sdk.batching import DeliveryStats, UsageBatcher
from paigo_sdk.batching._pace import ConcurrencyLimit, StallAlarm
from tests.sdk.batching.test_batcher import FakeClient, FakeUsageServer, wait_until


def test_the_limit_doubles_per_round_trip_until_pushed_back_then_halves() -> None:
    pace = ConcurrencyLimit(initial=4, maximum=100)
    for _ in range(4):
        pace.succeeded(0.05)
    assert pace.limit == 8
    pace.congested()
    assert pace.limit == 4
    for _ in range(4):
        pace.succeeded(0.05)
    assert pace.limit == 4  # additive now: 1/limit per success, one more per round trip
    pace.succeeded(0.05)
    assert pace.limit == 5


def test_the_limit_does_not_grow_while_latency_climbs() -> None:
    pace = ConcurrencyLimit(initial=4, maximum=100)
    pace.succeeded(0.05)
    assert pace.limit == 5
    for _ in range(50):
        pace.succeeded(0.5)
    assert pace.limit == 5


def test_the_limit_stays_between_its_bounds_and_a_fixed_one_never_moves() -> None:
    pace = ConcurrencyLimit(initial=2, maximum=3)
    for _ in range(10):
        pace.succeeded(0.01)
    assert pace.limit == 3
    for _ in range(10):
        pace.congested()
    assert pace.limit == 1
    fixed = ConcurrencyLimit(initial=4, maximum=4, fixed=True)
    fixed.succeeded(0.01)
    fixed.congested()
    assert fixed.limit == 4


def _drive(pace: ConcurrencyLimit, now: list[float], successes: int, seconds: Any) -> list[int]:
    """Acknowledge `successes` requests, each `seconds(limit)` after the one before."""
    limits = []
    for _ in range(successes):
        now[0] += seconds(pace.limit)
        pace.succeeded(0.05)
        limits.append(pace.limit)
    return limits


def test_the_limit_stops_growing_when_throughput_stops_improving() -> None:
    now = [0.0]
    pace = ConcurrencyLimit(initial=4, maximum=96, clock=lambda: now[0])
    # The client's CPU limits delivery: 1,000 acknowledgements a second whatever the limit.
    limits = _drive(pace, now, 200, lambda _limit: 0.001)
    assert max(limits) < 96
    held = pace.limit
    assert 4 <= held < max(limits)
    assert _drive(pace, now, 300, lambda _limit: 0.001) == [held] * 300


def test_the_limit_grows_while_throughput_follows_it() -> None:
    now = [0.0]
    pace = ConcurrencyLimit(initial=4, maximum=96, clock=lambda: now[0])
    # The round trip limits delivery: the rate is the limit divided by 50 ms.
    _drive(pace, now, 400, lambda limit: 0.05 / limit)
    assert pace.limit == 96


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
