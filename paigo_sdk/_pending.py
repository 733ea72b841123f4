"""Work a client has accepted but not yet sent: a registry that batchers join.

A client and every copy made by `with_options` share one `PendingWork`. A batcher registers itself
with two callbacks: one counting the records it still holds, and (for a batcher that can be
drained from any thread) one delivering them. Tools that move time under a client, such as a
test double advancing its clock, ask the registry first, so no accepted record is silently left
behind. Holders are kept by weak reference: registering never keeps a batcher alive.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["PendingHolder", "PendingWork"]


@dataclass(frozen=True)
class PendingHolder:
    """One registered holder, seen through its callbacks."""

    name: str
    """The holder's type name, for messages (`UsageBatcher`, `AsyncUsageBatcher`)."""
    count: Callable[[], int]
    """Return how many records the holder has not delivered yet (queued or in flight)."""
    flush: Callable[[float | None], object] | None
    """Deliver what the holder holds, waiting at most the given seconds; None when the holder
    cannot be drained from a plain call (an asyncio batcher needs its event loop)."""


class PendingWork:
    """The holders of undelivered work registered against one client (and its copies)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[tuple[weakref.ref[Any], Callable[[Any], int], Any]] = []

    def register(
        self,
        holder: Any,
        count: Callable[[Any], int],
        flush: Callable[[Any, float | None], object] | None = None,
    ) -> None:
        """Register `holder`; `count(holder)` and `flush(holder, timeout)` are called later.

        The callbacks take the holder as their first argument, so they need not (and should not)
        capture it: the registry keeps only a weak reference.

        Raises:
            TypeError: when `holder` cannot be weakly referenced.
        """
        reference = weakref.ref(holder)
        with self._lock:
            self._entries = [e for e in self._entries if e[0]() is not None]
            self._entries.append((reference, count, flush))

    def holders(self) -> list[PendingHolder]:
        """Return the live holders, in registration order."""
        with self._lock:
            entries = list(self._entries)
        found: list[PendingHolder] = []
        for reference, count, flush in entries:
            holder = reference()
            if holder is None:
                continue
            found.append(
                PendingHolder(
                    name=type(holder).__name__,
                    count=_bind_count(holder, count),
                    flush=None if flush is None else _bind_flush(holder, flush),
                )
            )
        return found

    def objects(self) -> list[Any]:
        """Return the live holders themselves, in registration order (reconciliation reads their
        ledgers)."""
        with self._lock:
            entries = list(self._entries)
        return [holder for holder in (entry[0]() for entry in entries) if holder is not None]

    def __repr__(self) -> str:
        return f"PendingWork({len(self.holders())} holders)"


def _bind_count(holder: Any, count: Callable[[Any], int]) -> Callable[[], int]:
    return lambda: count(holder)


def _bind_flush(
    holder: Any, flush: Callable[[Any, float | None], object]
) -> Callable[[float | None], object]:
    return lambda timeout: flush(holder, timeout)
