"""The one clock every billing rule reads (B14): system time, or a manual clock tests advance."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


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

    Raises:
        ValueError: when given a naive datetime or asked to move backwards.
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is None:
            start = datetime.now(UTC).replace(microsecond=0)
        self._now = _require_aware(start)
        self.start = self._now
        """Where the clock started; `Simulator.reset()` rewinds it here."""
        self._lock = threading.RLock()
        self._listeners: list[Callable[[datetime], None]] = []
        self._checks: list[Callable[[], None]] = []

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
            ValueError: when the resulting step is negative.
        """
        step = (delta or timedelta()) + timedelta(
            days=days, hours=hours, minutes=minutes, seconds=seconds
        )
        if step < timedelta():
            raise ValueError("ManualClock cannot move backwards")
        self._before_change()
        with self._lock:
            moment = self._now + step
            self._now = moment
            listeners = list(self._listeners)
        return _notify(listeners, moment)

    def set(self, moment: datetime) -> datetime:
        """Move the clock to `moment`, which must not be earlier than now.

        Raises:
            ValueError: when `moment` is naive or in the past of this clock.
        """
        moment = _require_aware(moment)
        with self._lock:
            if moment < self._now:
                raise ValueError("ManualClock cannot move backwards")
        self._before_change()
        with self._lock:
            if moment < self._now:
                raise ValueError("ManualClock cannot move backwards")
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


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the simulator clock needs a timezone-aware datetime")
    return moment.astimezone(UTC)
