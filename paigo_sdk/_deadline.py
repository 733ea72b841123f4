"""The sync client's whole-attempt deadline: one per thread, read by every socket operation.

httpx's `timeout` bounds each socket operation, so a reply trickling in one byte per second never
times out. The sync client sets a deadline around each attempt (`attempt_deadline`); the
connection pools it builds cut every connect, write and read to the time left
(`current_deadline`). The async client wraps each attempt in `asyncio.timeout` instead.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

__all__ = ["attempt_deadline", "current_deadline"]

_attempt = threading.local()


@contextlib.contextmanager
def attempt_deadline(seconds: float | None) -> Iterator[None]:
    """Bound every socket operation of the attempt made inside the block to `seconds` in total.

    Only pools built by the SDK honour it (they read `current_deadline`); for others it is a
    no-op. Nested blocks keep the earlier deadline.

    Raises:
        Nothing itself; a read past the deadline raises `httpx.ReadTimeout` (and so on) inside.
    """
    previous = getattr(_attempt, "deadline", None)
    if seconds is None:
        yield
        return
    deadline = time.monotonic() + seconds
    _attempt.deadline = deadline if previous is None else min(previous, deadline)
    try:
        yield
    finally:
        _attempt.deadline = previous


def current_deadline() -> float | None:
    """The `time.monotonic()` by which this thread's attempt must end, or None.

    Raises:
        Nothing.
    """
    deadline: float | None = getattr(_attempt, "deadline", None)
    return deadline
