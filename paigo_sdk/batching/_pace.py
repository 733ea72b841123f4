"""Decide, without I/O, how many requests a batcher keeps in flight and when it is stalled.

Paigo takes one record per request, so delivery speed is requests in flight divided by the round
trip. `ConcurrencyLimit` grows the number in flight while latency holds and cuts it when latency
shows requests queueing, the way TCP Vegas paces a connection: the limit times the share of a
round trip above the no-load latency is about how many requests wait in a queue (at the server,
or in this process for the interpreter lock). A few waiting is right; none means more would go
through, many only add latency and threads. A server far away keeps the estimate near zero, so
the limit grows to its maximum; a server close by that is busy, or a client that is CPU-bound,
keeps it low. The no-load latency is measured again every 10 seconds with one request in flight
(as TCP BBR does), so a server that became slower for good is not held to its old best. A 429,
a 5xx or a timeout halves the limit. `StallAlarm` turns the age of the oldest pending record
into one warning per stall. Both batchers (threads and asyncio tasks) drive the same objects,
so they pace and alarm alike.
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

PROBE_EVERY: Final = 10.0
"""Seconds between measurements of the no-load latency (with the fewest requests in flight), or
`_PROBE_ROUND_TRIPS` no-load round trips when that is longer."""

_PROBE_ROUND_TRIPS: Final = 50
"""A probe costs about two round trips at a low rate: this keeps it to a few per cent of them."""

_JITTER: Final = 1.5
"""Latency within this multiple of the no-load latency counts as no requests waiting (jitter)."""

_STALE: Final = 0.8
"""With more than this share of the limit estimated waiting, the limit comes down."""


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
    _floor_latency: float = field(init=False, default=math.inf)
    _probe_due: float = field(init=False, default=0.0)
    _probing_from: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._limit = float(self.initial)
        self._probe_due = self.clock() + PROBE_EVERY

    @property
    def limit(self) -> int:
        """Requests that may be in flight now."""
        return int(self._limit)

    def succeeded(self, latency: float, in_flight: int) -> None:
        """Count one acknowledged request that took `latency` seconds.

        `in_flight` is the number of requests in flight when it was acknowledged, itself
        included: the limit learns nothing from a reply while fewer than half of it are used.
        """
        if self.fixed or latency <= 0:
            return  # a clock too coarse to time this reply tells nothing
        if self._probing_from:
            self._probe(latency, in_flight)
            return
        if latency < self._floor_latency:
            self._floor_latency = latency
        if self.clock() >= self._probe_due:
            # Drain to the fewest requests in flight; replies then show the no-load latency.
            self._probing_from, self._limit = self._limit, float(self.minimum)
            return
        if in_flight * 2 < self._limit:
            return
        limit = self._limit
        waiting = limit * (1.0 - self._floor_latency * _JITTER / latency)
        # Thresholds and steps grow with the limit's logarithm (as in Netflix's Vegas limiter):
        # a few requests waiting is the target at any size.
        step = max(1.0, math.log10(limit))
        if waiting > 6.0 * step or waiting > _STALE * limit:
            # Many waiting; or nearly all, which is also what an out-of-date no-load latency
            # looks like (the server became slower) until the next probe measures it again.
            limit -= step
        elif waiting <= step:
            limit += 6.0 * step
        elif waiting < 3.0 * step:
            limit += step
        self._limit = min(max(limit, float(self.minimum)), float(self.maximum))

    def _probe(self, latency: float, in_flight: int) -> None:
        """Take one reply while measuring the no-load latency; the first that came back alone
        (replies to requests sent before the probe drain first) ends the probe.

        The floor can rise only here, so a slow reply alone while the application keeps the
        interpreter busy does not pass for the server's latency; a later, faster reply lowers it
        again as any reply does.
        """
        if in_flight > self.minimum:
            return
        self._floor_latency = latency
        self._limit, self._probing_from = self._probing_from, 0.0
        self._probe_due = self.clock() + max(PROBE_EVERY, _PROBE_ROUND_TRIPS * latency)

    def congested(self) -> None:
        """Count one push-back from the server (429, 5xx or a timeout): halve the limit."""
        if self.fixed:
            return
        if self._probing_from:
            self._probing_from = max(self._probing_from / 2.0, float(self.minimum))
            return
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
