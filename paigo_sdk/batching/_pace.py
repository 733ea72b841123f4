"""Decide, without I/O, how many requests a batcher keeps in flight and when it is stalled.

Paigo takes one record per request, so delivery speed is requests in flight divided by the round
trip. `ConcurrencyLimit` grows the number in flight while latency holds and halves it when the
server pushes back (429, 5xx, timeouts): additive increase, multiplicative decrease, with a slow
start that doubles per round trip until the first push-back. Growth also stops when it stops paying:
when the client's own CPU (not the round trip) is what limits delivery, more requests in flight
only add threads contending for the interpreter lock, so the limit returns to the last size whose
throughput the growth did not beat (and probes past it again now and then). `StallAlarm` turns
the age of the oldest pending record into one warning per stall. Both batchers (threads and
asyncio tasks) drive the same objects, so they pace and alarm alike.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

__all__ = ["DEFAULT_MAX_CONCURRENCY", "ConcurrencyLimit", "StallAlarm"]

DEFAULT_MAX_CONCURRENCY: Final = 96
"""The most requests in flight an adaptive batcher grows to (below the pool's 128 connections)."""

_WINDOW: Final = 32
"""Acknowledged requests per throughput window, or the limit (about a round trip) when more."""

_PROBE_WINDOWS: Final = 20
"""Windows after which a throughput ceiling is forgotten, so the limit probes past it again."""

_LATENCY_HOLDS: Final = 2.0
"""Latency "holds" while it stays within this multiple of the lowest latency seen recently."""


@dataclass(slots=True)
class ConcurrencyLimit:
    """The number of requests a batcher may have in flight; adaptive unless `fixed`.

    Callers hold their own lock (the asyncio batcher needs none).
    """

    initial: int
    maximum: int
    fixed: bool = False
    minimum: int = 1
    clock: Callable[[], float] = time.monotonic
    _limit: float = field(init=False)
    _slow_start: bool = field(init=False, default=True)
    _floor_latency: float = field(init=False, default=math.inf)
    _samples: int = field(init=False, default=0)
    _window_started: float = field(init=False, default=0.0)
    _window_count: int = field(init=False, default=0)
    _window_size: int = field(init=False, default=_WINDOW)
    _last_rate: float = field(init=False, default=0.0)
    _last_limit: float = field(init=False, default=0.0)
    _ceiling: float = field(init=False, default=math.inf)
    _windows_at_ceiling: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._limit = float(self.initial)

    @property
    def limit(self) -> int:
        """Requests that may be in flight now."""
        return int(self._limit)

    def succeeded(self, latency: float) -> None:
        """Count one acknowledged request that took `latency` seconds."""
        if self.fixed:
            return
        self._samples += 1
        # The floor forgets slowly, so a server that became slower for good is not held to its
        # old best forever.
        if latency < self._floor_latency or self._samples % 1000 == 0:
            self._floor_latency = latency
        self._measure()
        if latency > self._floor_latency * _LATENCY_HOLDS + 0.005:
            return
        top = min(float(self.maximum), self._ceiling)
        if self._slow_start:
            self._limit = min(self._limit + 1.0, top)
        else:
            self._limit = min(self._limit + 1.0 / max(self._limit, 1.0), top)
        self._limit = max(self._limit, float(self.minimum))

    def _measure(self) -> None:
        """Close a throughput window when it is full; cap the limit where growth stopped paying.

        Growth pays when it raises throughput by at least half as much as it raised the limit (a
        limit twice as high should nearly double the rate while the round trip is what limits it).
        """
        now = self.clock()
        if self._window_count == 0:
            # The window's size is fixed when it opens: in slow start the limit grows by one
            # per acknowledgement, as fast as the window fills.
            self._window_started, self._window_size = now, max(_WINDOW, int(self._limit))
        self._window_count += 1
        if self._window_count < self._window_size:
            return
        elapsed = now - self._window_started
        count, self._window_count = self._window_count, 0
        if elapsed <= 0:
            return
        rate, limit = count / elapsed, self._limit
        if self._ceiling != math.inf:
            self._windows_at_ceiling += 1
            if self._windows_at_ceiling >= _PROBE_WINDOWS:
                self._ceiling, self._windows_at_ceiling = math.inf, 0
        elif self._last_rate > 0 and limit > self._last_limit:
            wanted = 1.0 + (limit / self._last_limit - 1.0) / 2.0
            if rate < self._last_rate * wanted:
                self._ceiling = max(self._last_limit, float(self.minimum))
                self._limit = min(self._limit, self._ceiling)
                self._windows_at_ceiling = 0
        self._last_rate, self._last_limit = rate, self._limit

    def congested(self) -> None:
        """Count one push-back from the server (429, 5xx or a timeout): halve the limit."""
        if self.fixed:
            return
        self._slow_start = False
        self._limit = max(self._limit / 2.0, float(self.minimum))


@dataclass(slots=True)
class StallAlarm:
    """Fire once when the oldest pending record is older than `threshold` seconds.

    The alarm re-arms when the age falls back under the threshold (the stall is over).
    """

    threshold: float
    callback: Callable[[float], None]
    logger: logging.Logger
    stalled: bool = False
    fired: int = 0

    def check(self, oldest_age: float | None) -> bool:
        """Look at the age of the oldest pending record; True when the alarm fires now."""
        if oldest_age is None or oldest_age < self.threshold:
            self.stalled = False
            return False
        if self.stalled:
            return False
        self.stalled = True
        self.fired += 1
        self.logger.warning(
            "usage delivery is stalled: the oldest pending record has waited %.1f s "
            "(alarm threshold %.1f s)",
            oldest_age,
            self.threshold,
        )
        try:
            self.callback(oldest_age)
        except Exception:
            self.logger.exception("the usage batcher's on_stall callback raised")
        return True
