"""Nothing silently short: settle the clients' batchers before time moves, report late records.

A simulator remembers the SDK clients it made (weakly). Before its clock moves, `settle` asks each
client's registry of pending work (`paigo_sdk` batchers register there): a batcher that can be
drained from any thread (`UsageBatcher`) is flushed first, so its records are billed in the cycle
they belong to; whatever is still held afterwards (an `AsyncUsageBatcher`, which needs its event
loop, or a delivery that did not finish in time) makes the move fail with
`UndeliveredUsageError`, naming how many records are pending. Nothing has moved then.

A record stored for a period that was already invoiced is never billed (B9); the simulator then
logs a warning on the `simulator` logger and lists it in `late_records()`, and the pytest
plugin ends such a test with a `LateUsageWarning`.
"""

from __future__ import annotations

import logging
import threading
import warnings
import weakref
from datetime import datetime
from typing import Any, Final, TypeVar

__all__ = [
    "SETTLE_TIMEOUT",
    "ClientRegistry",
    "LateUsageWarning",
    "UndeliveredUsageError",
    "late_usage_warning",
    "log_late",
]

SETTLE_TIMEOUT: Final = 30.0
"""Seconds a clock move waits for the clients' batchers to deliver what they hold."""

logger = logging.getLogger("simulator")

_Client = TypeVar("_Client")


class UndeliveredUsageError(RuntimeError):
    """A clock move was refused because batchers bound to the simulator still hold records.

    `pending` is the number of records not yet delivered; the clock did not move.
    """

    def __init__(self, message: str, *, pending: int) -> None:
        super().__init__(message)
        self.pending = pending


class LateUsageWarning(UserWarning):
    """A usage record arrived for a period already invoiced: stored, listed, never billed (B9)."""


class ClientRegistry:
    """The SDK clients a simulator made, kept by weak reference."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: weakref.WeakSet[Any] = weakref.WeakSet()

    def add(self, client: _Client) -> _Client:
        """Remember `client` (a `PaigoClient` or `AsyncPaigoClient`) and return it."""
        with self._lock:
            self._clients.add(client)
        return client

    def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Deliver what the clients' batchers hold, or refuse naming how many records are pending.

        Raises:
            UndeliveredUsageError: when records are still held after flushing (an async batcher,
                or a delivery that did not finish within `timeout`).
        """
        with self._lock:
            clients = list(self._clients)
        seen: set[int] = set()
        holders = []
        for client in clients:
            work = getattr(client, "_pending_work", None)
            if work is None or id(work) in seen:
                continue
            seen.add(id(work))
            holders.extend(work.holders())
        pending: dict[str, int] = {}
        for holder in holders:
            if holder.count() and holder.flush is not None:
                holder.flush(timeout)
            left = holder.count()
            if left:
                pending[holder.name] = pending.get(holder.name, 0) + left
        if pending:
            total = sum(pending.values())
            where = ", ".join(f"{count} in {name}" for name, count in sorted(pending.items()))
            hint = (
                "await batcher.flush() before moving the clock"
                if "AsyncUsageBatcher" in pending
                else "the batcher could not deliver them (see its report)"
            )
            raise UndeliveredUsageError(
                f"{total} usage record(s) are still held by batchers bound to this simulator "
                f"({where}); the clock was not moved: {hint}",
                pending=total,
            )

    def __len__(self) -> int:
        with self._lock:
            return len(self._clients)


def log_late(arrivals: list[tuple[str, str, datetime]]) -> None:
    """Log a warning for each record stored for an already invoiced period (B9).

    Called on whichever thread handled the request, so it only logs: raising a Python warning
    there could turn into an error reply. The pytest plugin turns the records still listed by
    `late_records()` at the end of a test into one `LateUsageWarning` (`late_usage_warning`).
    """
    for customer_id, dimension_id, timestamp in arrivals:
        logger.warning(
            "late usage record for customer %s, dimension %s at %s: its period is already "
            "invoiced, so it is stored and listed in late_records() but never billed",
            customer_id,
            dimension_id,
            timestamp.isoformat(),
        )


def late_usage_warning(count: int) -> None:
    """Issue one `LateUsageWarning` about `count` late records (nothing when there are none)."""
    if count:
        warnings.warn(
            f"{count} usage record(s) arrived for periods already invoiced: stored, listed in "
            "late_records(), never billed (B9)",
            LateUsageWarning,
            stacklevel=2,
        )
