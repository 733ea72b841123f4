"""The simulator's clocks: a system clock that follows the wall (and freezegun), a manual clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from simulator.clock import LATEST_MOMENT, ClockMoveRefused, ManualClock, SystemClock

START = datetime(2026, 1, 31, 23, 0, tzinfo=UTC)


def test_system_clock_returns_aware_utc():
    now = SystemClock().now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


def test_system_clock_honours_freezegun():
    with freeze_time("2026-03-01T12:00:00Z"):
        assert SystemClock().now() == datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_manual_clock_stands_still_until_moved():
    clock = ManualClock(START)
    assert clock.now() == START
    assert clock.now() == START


def test_manual_clock_advances_by_delta_and_units():
    clock = ManualClock(START)
    assert clock.advance(timedelta(hours=1)) == START + timedelta(hours=1)
    assert clock.advance(days=1, minutes=30, seconds=5) == START + timedelta(
        days=1, hours=1, minutes=30, seconds=5
    )


def test_manual_clock_converts_other_offsets_to_utc():
    clock = ManualClock(datetime(2026, 1, 1, 2, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(0)


def test_manual_clock_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(START).set(datetime(2027, 1, 1))  # noqa: DTZ001 - the point of the test


def test_manual_clock_never_moves_backwards():
    clock = ManualClock(START)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(seconds=-1)
    with pytest.raises(ValueError, match="backwards"):
        clock.set(START - timedelta(microseconds=1))
    assert clock.now() == START


def test_set_to_the_same_moment_is_allowed():
    clock = ManualClock(START)
    assert clock.set(START) == START


def test_listeners_run_in_order_after_each_change_before_advance_returns():
    clock = ManualClock(START)
    calls: list[tuple[str, datetime]] = []
    clock.on_change(lambda now: calls.append(("first", now)))
    clock.on_change(lambda now: calls.append(("second", clock.now())))
    clock.advance(days=1)
    clock.set(START + timedelta(days=40))
    assert calls == [
        ("first", START + timedelta(days=1)),
        ("second", START + timedelta(days=1)),
        ("first", START + timedelta(days=40)),
        ("second", START + timedelta(days=40)),
    ]


def test_default_start_is_the_current_second():
    before = datetime.now(UTC).replace(microsecond=0)
    clock = ManualClock()
    assert before <= clock.now() <= datetime.now(UTC)
    assert clock.now().microsecond == 0


def test_reprs_name_the_clock():
    assert repr(SystemClock()) == "SystemClock()"
    assert repr(ManualClock(START)) == f"ManualClock({START.isoformat()})"


def test_concurrent_advances_are_never_lost():
    clock = ManualClock(START)

    def step() -> None:
        for _ in range(100):
            clock.advance(seconds=1)

    threads = [threading.Thread(target=step) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.now() == START + timedelta(seconds=800)


def test_listener_may_take_a_lock_held_by_a_thread_reading_the_clock():
    clock = ManualClock(START)
    lock = threading.Lock()

    def listener(_: datetime) -> None:
        with lock:
            pass

    clock.on_change(listener)
    reader_has_lock = threading.Event()
    release = threading.Event()

    def reader() -> None:
        with lock:
            reader_has_lock.set()
            release.wait(30)
            clock.now()

    thread = threading.Thread(target=reader)
    thread.start()
    reader_has_lock.wait(30)
    advancer = threading.Thread(target=clock.advance, kwargs={"seconds": 1})
    advancer.start()
    release.set()
    advancer.join(30)
    thread.join(30)
    assert not advancer.is_alive()
    assert clock.now() == START + timedelta(seconds=1)


# ----------------------------------------------------------------------------- refused moves


def test_a_move_past_the_latest_moment_is_refused_and_changes_nothing():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = ManualClock(start)
    seen: list[datetime] = []
    clock.on_change(seen.append)
    with pytest.raises(ClockMoveRefused, match="past 9000-01-01"):
        clock.set(datetime(9999, 12, 31, tzinfo=UTC))
    with pytest.raises(ClockMoveRefused):
        clock.advance(days=999_999_999)  # beyond what a timedelta holds
    with pytest.raises(ClockMoveRefused):
        clock.advance(timedelta.max)
    with pytest.raises(ClockMoveRefused, match="backwards"):
        clock.advance(seconds=-1)
    assert clock.now() == start
    assert seen == []
    assert clock.set(LATEST_MOMENT) == LATEST_MOMENT  # the limit itself is allowed


def test_a_clock_cannot_start_after_the_latest_moment():
    with pytest.raises(ValueError, match="cannot start after"):
        ManualClock(datetime(9500, 1, 1, tzinfo=UTC))


def test_a_guard_refuses_a_move_before_the_clock_or_its_listeners_change():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = ManualClock(start)
    proposed: list[datetime] = []
    seen: list[datetime] = []

    def guard(moment: datetime) -> None:
        proposed.append(moment)
        assert clock.now() == start  # the guard runs before the move
        if moment.year > 2026:
            raise ClockMoveRefused("too far")

    clock.guard(guard)
    clock.on_change(seen.append)
    with pytest.raises(ClockMoveRefused, match="too far"):
        clock.advance(days=400)
    assert clock.now() == start
    assert seen == []
    clock.advance(days=1)
    assert proposed[0] == start + timedelta(days=400)
    assert set(proposed[1:]) == {start + timedelta(days=1)}
    assert seen == [start + timedelta(days=1)]
