"""The SDK's one notion of time: an injectable clock for token expiry and retry deadlines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Something that tells the time as an aware UTC datetime (the simulator's clocks qualify)."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC.

        Raises:
            Nothing.
        """
        ...


class SystemClock:
    """Read the wall clock on every call, so that freezegun's frozen time is honoured."""

    def now(self) -> datetime:
        """Return the current wall-clock time in UTC.

        Raises:
            Nothing.
        """
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"
