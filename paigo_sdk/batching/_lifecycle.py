"""Deliver queued usage before a process stops: on SIGTERM, and before a serverless handler returns.

A rolling deploy sends SIGTERM and kills the process a few seconds later; a serverless platform
freezes the process as soon as the handler returns, so background threads never get to send.
Both helpers are opt-in: the application chooses when delivery may delay its shutdown or reply.
"""

from __future__ import annotations

import functools
import inspect
import signal
import threading
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any, ParamSpec, TypeVar, cast

from paigo_sdk.batching._base import logger
from paigo_sdk.batching._tasks import AsyncUsageBatcher
from paigo_sdk.batching._threaded import UsageBatcher
from paigo_sdk.errors import ClientValidationError

__all__ = ["flush_before_return", "flush_on_sigterm"]

P = ParamSpec("P")
R = TypeVar("R")


def flush_on_sigterm(batcher: UsageBatcher, *, timeout: float = 5.0) -> None:
    """On SIGTERM, close `batcher` (delivering what is queued) within `timeout` seconds, then stop.

    The handler closes the batcher on a helper thread and waits at most `timeout` seconds, so a
    stuck network cannot hold the process past its deadline (records still pending then stay in
    the outbox, when there is one). Then it hands over to the handler that was installed before
    (a callable is called; `SIG_IGN` keeps running), or exits with status 143 (128 + SIGTERM).

    Raises:
        ClientValidationError: for a negative timeout, or when not called from the main thread
            (Python only lets the main thread install signal handlers).
    """
    if timeout < 0:
        raise ClientValidationError("timeout must not be negative")
    if threading.current_thread() is not threading.main_thread():
        raise ClientValidationError("flush_on_sigterm must be called from the main thread")
    previous = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        # close() runs on its own thread: the signal may have interrupted the main thread while
        # it held the batcher's lock, and the wait must stay bounded whatever happens.
        closer = threading.Thread(target=batcher.close, args=(timeout,), daemon=True)
        closer.start()
        closer.join(timeout + 1.0)
        stats = batcher.stats()
        logger.info(
            "SIGTERM: usage batcher closed with %d record(s) still pending",
            stats.queued + stats.in_flight,
        )
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_sigterm)


def flush_before_return(
    batcher: UsageBatcher | AsyncUsageBatcher, *, timeout: float = 5.0
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a serverless handler so that `batcher` is flushed before the handler returns.

    Works for plain and `async def` handlers (an async handler needs an `AsyncUsageBatcher` or a
    `UsageBatcher`). The flush waits at most `timeout` seconds, and runs whether the handler
    returned or raised; its report is logged when something is left pending.

    Raises:
        ClientValidationError: for a negative timeout.
    """
    if timeout < 0:
        raise ClientValidationError("timeout must not be negative")

    def decorate(handler: Callable[P, R]) -> Callable[P, R]:
        if inspect.iscoroutinefunction(handler):

            @functools.wraps(handler)
            async def run_async(*args: P.args, **kwargs: P.kwargs) -> Any:
                try:
                    return await cast(Callable[P, Awaitable[Any]], handler)(*args, **kwargs)
                finally:
                    if isinstance(batcher, AsyncUsageBatcher):
                        report = await batcher.flush(timeout)
                    else:
                        report = batcher.flush(timeout)
                    if report.pending:
                        logger.warning(
                            "%d usage record(s) still pending after the handler", report.pending
                        )

            return cast(Callable[P, R], run_async)
        if isinstance(batcher, AsyncUsageBatcher):
            raise ClientValidationError("a plain handler needs a UsageBatcher, not an async one")
        sync_batcher = batcher

        @functools.wraps(handler)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return handler(*args, **kwargs)
            finally:
                report = sync_batcher.flush(timeout)
                if report.pending:
                    logger.warning(
                        "%d usage record(s) still pending after the handler", report.pending
                    )

        return run

    return decorate
