"""The one clock every billing rule reads (B14): system time, or a manual clock tests advance."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

__all__ = ["LATEST_MOMENT", "Clock", "ClockMoveRefused", "ManualClock", "SystemClock"]

LATEST_MOMENT: Final = datetime(9000, 1, 1, tzinfo=UTC)
"""A ManualClock never moves past this: every date derived from now (cycle ends, token and link
expiry, 100-year horizons) must still be a valid datetime (year 9999 at most)."""


class ClockMoveRefused(ValueError):
    """A ManualClock move was refused before anything changed: it would go backwards, past
    `LATEST_MOMENT`, or make more work than one move may do (a guard refused it)."""


class Clock(Protocol):
    """Something that tells the simulator what time it is, always as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """Read the wall clock on every call, so that freezegun's frozen time is honoured."""

    def now(self) -> datetime:
        """Return the current wall-clock time in UTC."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that stands still until it is advanced or set.

    Checks registered with `before_change` run before every move, outside the clock's lock; one
    that raises stops the move (the simulator uses this to deliver, or refuse over, usage records
    its clients' batchers still hold). Listeners registered with `on_change` run synchronously,
    in registration order, after every change, so the simulator can close each billing cycle
    that became due before `advance` returns.
    They run after the clock's lock is released, so a listener may take other locks (the
    simulator's) while threads holding those locks read the clock.

    A move is validated first, before any check or listener runs: it may not go backwards or
    past `LATEST_MOMENT`, and every guard registered with `guard` (the engine's, which bounds
    the billing cycles one move may close) may refuse it. A refused move changes nothing.

    Raises:
        ValueError: when given a naive datetime, or a start after `LATEST_MOMENT`.
        ClockMoveRefused: (a ValueError) when a move is refused.
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is None:
            start = datetime.now(UTC).replace(microsecond=0)
        self._now = _require_aware(start)
        if self._now > LATEST_MOMENT:
            raise ValueError(f"a ManualClock cannot start after {_wire(LATEST_MOMENT)}")
        self.start = self._now
        """Where the clock started; `Simulator.reset()` rewinds it here."""
        self._lock = threading.RLock()
        self._listeners: list[Callable[[datetime], None]] = []
        self._checks: list[Callable[[], None]] = []
        self._guards: list[Callable[[datetime], None]] = []

    def now(self) -> datetime:
        """Return the clock's current time."""
        with self._lock:
            return self._now

    def advance(
        self,
        delta: timedelta | None = None,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> datetime:
        """Move the clock forward and return the new time.

        Raises:
            ClockMoveRefused: when the step is negative, too large, or a guard refuses the move.
        """
        try:
            step = (delta or timedelta()) + timedelta(
                days=days, hours=hours, minutes=minutes, seconds=seconds
            )
        except (OverflowError, ValueError):
            raise ClockMoveRefused(
                f"cannot advance the clock past {_wire(LATEST_MOMENT)}"
            ) from None
        if step < timedelta():
            raise ClockMoveRefused("ManualClock cannot move backwards")
        return self._move(lambda now: _add(now, step))

    def set(self, moment: datetime) -> datetime:
        """Move the clock to `moment`, which must not be earlier than now.

        Raises:
            ValueError: when `moment` is naive.
            ClockMoveRefused: when `moment` is in the past of this clock, after
                `LATEST_MOMENT`, or a guard refuses the move.
        """
        moment = _require_aware(moment)
        return self._move(lambda _now: moment)

    def guard(self, check: Callable[[datetime], None]) -> None:
        """Call `check(proposed_now)` before every move; a `ClockMoveRefused` it raises stops it.

        Guards run first, outside the clock's lock (they may take other locks), and must not
        change anything: the clock has not moved yet and may not.
        """
        with self._lock:
            self._guards.append(check)

    def _validate(self, target: Callable[[datetime], datetime]) -> tuple[datetime, datetime]:
        with self._lock:
            start = self._now
            guards = list(self._guards)
        moment = target(start)
        if moment < start:
            raise ClockMoveRefused("ManualClock cannot move backwards")
        if moment > LATEST_MOMENT:
            raise ClockMoveRefused(
                f"cannot move the clock past {_wire(LATEST_MOMENT)} (asked for {_wire(moment)})"
            )
        for check in guards:
            check(moment)
        return start, moment

    def _move(self, target: Callable[[datetime], datetime]) -> datetime:
        self._validate(target)  # refuse before the checks deliver anything
        self._before_change()
        while True:
            start, moment = self._validate(target)
            with self._lock:
                if self._now != start:
                    continue  # another thread moved the clock meanwhile: validate again
                self._now = moment
                listeners = list(self._listeners)
            return _notify(listeners, moment)

    def rewind(self, moment: datetime) -> datetime:
        """Put the clock at `moment`, backwards allowed, without checks or listeners.

        Only for putting back a whole state saved at that moment (`Simulator.restore`, `reset`):
        moving time back under live state would re-close cycles.

        Raises:
            ValueError: when `moment` is naive.
        """
        moment = _require_aware(moment)
        with self._lock:
            self._now = moment
        return moment

    def before_change(self, check: Callable[[], None]) -> None:
        """Call `check()` before every move; an exception from it stops the move and propagates."""
        with self._lock:
            self._checks.append(check)

    def _before_change(self) -> None:
        with self._lock:
            checks = list(self._checks)
        for check in checks:
            check()

    def on_change(self, listener: Callable[[datetime], None]) -> None:
        """Call `listener(new_now)` after every change of this clock."""
        with self._lock:
            self._listeners.append(listener)

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"


def _notify(listeners: list[Callable[[datetime], None]], moment: datetime) -> datetime:
    # Called after the clock's lock is released: calling out while holding it could deadlock
    # against a thread that holds a listener's lock (the simulator's) and reads the clock.
    for listener in listeners:
        listener(moment)
    return moment


def _add(now: datetime, step: timedelta) -> datetime:
    try:
        return now + step
    except OverflowError:
        raise ClockMoveRefused(f"cannot advance the clock past {_wire(LATEST_MOMENT)}") from None


def _wire(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the simulator clock needs a timezone-aware datetime")
    return moment.astimezone(UTC)
