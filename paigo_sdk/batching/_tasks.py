"""Deliver usage records in the background with asyncio tasks: `AsyncUsageBatcher`."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import math
import os
import time
import weakref
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from paigo_sdk.batching._base import (
    DEFAULT_MAX_BATCH,
    DEFAULT_MAX_BATCH_BYTES,
    DEFAULT_STALL_AFTER,
    BatcherSettings,
    QueueFullPolicy,
    RecordQueue,
    announce,
    logger,
    unpark,
)
from paigo_sdk.batching._core import (
    BeforeSend,
    DeliveryCore,
    Finish,
    Pause,
    Reply,
    Send,
    Steps,
    single_arguments,
)
from paigo_sdk.batching._outbox import Durability
from paigo_sdk.batching._pace import DEFAULT_MAX_CONCURRENCY
from paigo_sdk.batching._planner import RawRecord, WireRecord
from paigo_sdk.batching.report import DeliveryReport, DeliveryStats, RecordOutcome
from paigo_sdk.errors import BatcherClosedError, QueueFullError

if TYPE_CHECKING:
    from paigo_sdk._client import AsyncPaigoClient

__all__ = ["AsyncUsageBatcher"]

_monotonic = time.monotonic


class AsyncUsageBatcher(RecordQueue):
    """Queue usage records and deliver them from asyncio tasks; the twin of `UsageBatcher`.

    The options, guarantees and reports are those of `UsageBatcher`; workers are tasks of the
    event loop that first calls `add` (or `flush`), and a batcher belongs to that loop. Close it
    with `async with` or `await close()`: at interpreter exit the loop is gone, so records still
    queued then are only logged (and, with an `outbox`, kept on disk for the next batcher).

    Raises:
        ClientValidationError: for invalid options.
        sqlite3.Error: when the outbox file cannot be opened.
    """

    def __init__(
        self,
        client: AsyncPaigoClient,
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
        flush_interval: float = 1.0,
        concurrency: int | None = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        wire_batches: bool = False,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
        max_queue: int = 100_000,
        queue_full: QueueFullPolicy | str = QueueFullPolicy.BLOCK,
        retry_deadline: float = 60.0,
        retry_initial_delay: float = 0.2,
        retry_max_delay: float = 5.0,
        outbox: str | os.PathLike[str] | None = None,
        durability: Durability = "batch",
        on_delivered: Callable[[RecordOutcome], object] | None = None,
        on_error: Callable[[RecordOutcome], object] | None = None,
        exit_timeout: float = 10.0,
        stall_after: float = DEFAULT_STALL_AFTER,
        on_stall: Callable[[DeliveryStats], object] | None = None,
        ledger: bool = False,
        rollup: bool = False,
    ) -> None:
        settings = BatcherSettings(
            max_batch=max_batch,
            flush_interval=flush_interval,
            concurrency=concurrency,
            max_concurrency=max_concurrency,
            wire_batches=wire_batches,
            max_batch_bytes=max_batch_bytes,
            max_queue=max_queue,
            queue_full=queue_full,
            retry_deadline=retry_deadline,
            retry_initial_delay=retry_initial_delay,
            retry_max_delay=retry_max_delay,
            outbox=outbox,
            durability=durability,
            on_delivered=on_delivered,
            on_error=on_error,
            exit_timeout=exit_timeout,
            stall_after=stall_after,
            on_stall=on_stall,
            ledger=ledger,
            rollup=rollup,
        )
        self._client = client.with_options(max_retries=0)
        # Registered without a flush: draining needs this batcher's event loop.
        work = getattr(client, "_pending_work", None)  # absent on stand-in clients
        if work is not None:
            work.register(self, _undelivered)
        self._init_tasks()
        self._init_queue(settings, getattr(client, "_clock", None))
        self._new_pace()
        self._new_core()
        _LIVE.add(self)

    def _init_tasks(self) -> None:
        # asyncio primitives bind to the running loop on first use, so they are created lazily.
        self._wake: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None
        self._changed: asyncio.Event | None = None
        # Workers above the concurrency limit wait, each on its own event, until the limit grows
        # past their number (or the next interval): polling would run every parked task on the
        # application's loop many times a second.
        self._parked: dict[int, asyncio.Event] = {}
        self._in_flight = 0
        self._forced = 0
        self._draining = False
        self._blocked = 0
        self._started = False
        # As in `UsageBatcher.add`: the hot path is open below this many queued records (0 until
        # started without an outbox, and once closed).
        self._hot_room = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._workers = 0

    # -- the caller's side ---------------------------------------------------------------------

    async def add(
        self,
        customer_id: str,
        dimension_id: str,
        value: Decimal | int | str,
        *,
        timestamp: datetime | None = None,
        metadata: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Queue one usage record for delivery and return its idempotency key.

        Returns at once (unless the queue is full under the `block` policy, or a `"sync"` outbox
        commits the record first). `timestamp` defaults to now; `value` is a `Decimal`, an `int`
        or a plain decimal string, never a float.

        Raises:
            ClientValidationError: for an empty id, a float or malformed value, a naive
                timestamp, metadata that is not a mapping, or an invalid idempotency key.
            QueueFullError: when the queue is full and the policy is `raise`.
            BatcherClosedError: after `close()`.
            sqlite3.Error: when a `"sync"` outbox cannot be written (the record is not accepted).
        """
        queue = self._queue
        # The hot path: a started batcher without an outbox, exact types, a generated key and
        # the default timestamp (see `UsageBatcher.add`).
        if (
            type(customer_id) is str
            and customer_id
            and type(dimension_id) is str
            and dimension_id
            and timestamp is None
            and idempotency_key is None
            and (type(value) is int or (type(value) is Decimal and value.is_finite()))
            and (metadata is None or type(metadata) is dict)
            and len(queue) < self._hot_room
        ):
            keys = self._keys
            key = keys.pop() if keys else self._more_keys()
            queue.append(
                (
                    key,
                    customer_id,
                    dimension_id,
                    value,
                    self._now(),
                    None if metadata is None else metadata.copy(),
                    _monotonic(),
                )
            )
            if len(queue) >= self._trigger:
                self._signal()
            return key
        if self._closed:
            raise BatcherClosedError("this usage batcher is closed")
        record = self._make_record(
            customer_id, dimension_id, value, timestamp, metadata, idempotency_key
        )
        if not self._started:
            self._start()
        if len(queue) >= self._max_queue and not await self._make_room():
            return record[0]
        if self._sync_outbox is not None:
            await asyncio.to_thread(self._durable, record)
        elif self._unstored is not None:
            self._unstored.append(record)
        queue.append(record)
        if len(queue) >= self._max_batch or self._forced:
            self._signal()
        return record[0]

    async def _make_room(self) -> bool:
        policy = self.settings.queue_full
        if policy is QueueFullPolicy.RAISE:
            raise QueueFullError(f"the usage queue holds {self._max_queue} records")
        if policy is QueueFullPolicy.DROP:
            self.ledger.drop()
            if self.ledger.dropped == 1 or self.ledger.dropped % 1000 == 0:
                logger.warning(
                    "usage queue full (%d records): %d record(s) dropped so far",
                    self._max_queue,
                    self.ledger.dropped,
                )
            return False
        changed = self._primitives()[2]
        self._blocked += 1
        self._signal()
        try:
            while len(self._queue) >= self._max_queue and not self._closed:
                changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), self.settings.flush_interval)
        finally:
            self._blocked -= 1
        if self._closed:
            raise BatcherClosedError("this usage batcher was closed while add() waited")
        return True

    async def flush(self, timeout: float | None = None) -> DeliveryReport:  # noqa: ASYNC109
        """Send everything queued now and wait until it is delivered, or until `timeout` seconds.

        Returns the report since the previous one; records not finished in time are counted as
        `pending` and keep being delivered in the background.

        Raises:
            Nothing: delivery failures are in the report.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._queue and not self._started:
            self._start()
        changed = self._primitives()[2]
        self._forced += 1
        self._trigger = 0
        self._signal()
        try:
            while (self._queue or self._in_flight) and not self._stopping():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                # No await between the check above and clear(): no change can be missed.
                changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)
        finally:
            self._forced -= 1
            if not self._forced:
                self._trigger = self._max_batch
        return self.ledger.take_report(len(self._queue) + self._in_flight)

    async def close(self, timeout: float | None = None) -> DeliveryReport:  # noqa: ASYNC109
        """Stop accepting records, deliver what is queued, and stop the workers.

        Waits at most `timeout` seconds. Records still queued or in flight then are reported as
        `pending`; with an outbox they stay on disk for the next batcher. Calling `close` again
        reports what happened since, and what is still pending, without waiting again.

        Raises:
            Nothing: delivery failures are in the report.
        """
        self._closed = True
        self._hot_room = 0
        report = await self.flush(timeout)
        if self._stop is not None:
            self._stop.set()
        unpark(self._parked, math.inf)  # parked workers see the stop now
        self._signal()
        if self._changed is not None:
            self._changed.set()  # a flush() waiting in another task returns now
        _LIVE.discard(self)
        try:
            await asyncio.to_thread(self._store_pending)
        except Exception:
            logger.exception("could not write pending usage records to the outbox")
        if report.pending:
            logger.warning(
                "usage batcher closed with %d record(s) not yet delivered%s",
                report.pending,
                " (kept in the outbox)" if self.outbox is not None else "",
            )
        return report

    def stats(self) -> DeliveryStats:
        """Return the batcher's counters (queued, in flight, delivered, retried, rejected, ...).

        Raises:
            Nothing.
        """
        age = self._oldest_age()
        return self.ledger.stats(
            len(self._queue),
            self._in_flight,
            oldest_pending_age=age,
            concurrency=self._pace.limit,
            stalled=age is not None and age >= self._stall.threshold,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<AsyncUsageBatcher {state} queued={len(self._queue)} in_flight={self._in_flight}>"

    # -- the workers' side ---------------------------------------------------------------------

    def _primitives(self) -> tuple[asyncio.Event, asyncio.Event, asyncio.Event]:
        if self._wake is None or self._stop is None or self._changed is None:
            self._wake, self._stop, self._changed = (
                asyncio.Event(),
                asyncio.Event(),
                asyncio.Event(),
            )
        return self._wake, self._stop, self._changed

    def _signal(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _notify(self) -> None:
        # Wake flush() and blocked add() calls; they re-check their own condition.
        if self._changed is not None:
            self._changed.set()

    def _start(self) -> None:
        if self._started:
            return
        self._primitives()
        self._started = True
        if self.outbox is None and not self._closed:
            self._hot_room = self._max_queue
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(_keep_house(weakref.ref(self))))
        self._grow()

    def _grow(self) -> None:
        """Start worker tasks up to the concurrency limit."""
        if not self._started or self._stopping():
            return
        loop = asyncio.get_running_loop()
        while self._workers < self._pace.limit:
            self._tasks.append(loop.create_task(_work(weakref.ref(self), self._workers)))
            self._workers += 1
        unpark(self._parked, self._pace.limit)

    def _take(self, timed_out: bool, number: int) -> list[RawRecord] | None:
        if number >= self._pace.limit:
            return None
        queued = len(self._queue)
        if queued == 0:
            self._draining = False
            if self._wake is not None:
                self._wake.clear()
            return None
        if not (
            self._draining
            or timed_out
            or self._forced
            or self._closed
            or queued >= self._max_batch
            or self._blocked
        ):
            return None
        self._draining = True
        # Rollup combines what one unit holds, so it takes as much as a wire batch would.
        whole = self._core.wire_batches or self._rollup_rules is not None
        count = min(queued, self._max_batch if whole else 1)
        records = [self._queue.popleft() for _ in range(count)]
        self._in_flight += count
        self._flying[id(records)] = min(record[6] for record in records)
        self._notify()
        return records

    async def _deliver(self, raws: list[RawRecord]) -> None:
        # As in `UsageBatcher._deliver`: unfinished records go back in the step that ends their
        # flight, so no report counts them twice.
        returned: list[RawRecord] = []
        pause = False
        try:
            try:
                # Nothing is sent before it is on disk: write what a "batch" outbox lacks.
                if self._unstored is not None:
                    await asyncio.to_thread(self._store_pending)
            except Exception:
                logger.exception("could not write usage records to the outbox; kept queued")
                returned, pause = list(raws), True
            else:
                returned = await self._drive(self._core.deliver(raws))
        except Exception:
            logger.exception("usage batcher worker failed; records kept queued")
            returned, pause = list(raws), True
        finally:
            self._handed_back(returned)
            self._queue.extendleft(reversed(returned))
            self._in_flight -= len(raws)
            self._flying.pop(id(raws), None)
            self._notify()
        if pause:
            await self._sleep(self.settings.flush_interval)

    async def _drive(self, steps: Steps) -> list[RawRecord]:
        """Perform the core's steps for one unit on this loop; return the records to requeue."""
        answer: object = None
        while True:
            try:
                step = steps.send(answer)
            except StopIteration as done:
                returned: list[RawRecord] = done.value
                return returned
            if isinstance(step, Send):
                answer = await self._send(step)
            elif isinstance(step, BeforeSend):
                answer = await self._rolled_up(step.records)
            elif isinstance(step, Pause):
                logger.debug(
                    "usage delivery failed (status %s); retrying in %.2fs",
                    step.attempt.status_code,
                    step.seconds,
                )
                answer = not await self._sleep(step.seconds)
            else:
                await self._finish(step)
                answer = None

    async def _rolled_up(self, records: list[WireRecord]) -> list[WireRecord]:
        """Combine records before sending (with `rollup=True`), reading new dimensions once."""
        for dimension_id in self._dimensions_to_read(records):
            try:
                dimension = await self._client.dimensions.retrieve(dimension_id)
            except Exception as error:
                self._learn_dimension(dimension_id, None, error)
            else:
                self._learn_dimension(dimension_id, dimension, None)
        if self._rollup_rules is None or len(records) < 2:
            return records
        if self.outbox is None:
            return self._roll_up(records)
        return await asyncio.to_thread(self._roll_up, records)

    async def _send(self, step: Send) -> Reply:
        usage = self._client.usage
        try:
            if step.batch:
                result: object = await usage.record_batch(
                    [record.body for record in step.records],
                    idempotency_keys=[record.key for record in step.records],
                )
            else:
                result = await usage.record(**single_arguments(step.records[0]))
        except Exception as error:
            return Reply(error=error)
        return Reply(result)

    async def _finish(self, step: Finish) -> None:
        """Count and forget finished records, log failures, run callbacks, add workers."""
        if step.acknowledged:
            if self.outbox is None:
                self._count_acknowledged(step.acknowledged)
            else:
                await asyncio.to_thread(self._count_acknowledged, step.acknowledged)
        if step.forget and self.outbox is not None:
            try:
                await asyncio.to_thread(self.outbox.remove, step.forget)
            except Exception:
                # Only means a later replay, which the record's key makes idempotent.
                logger.exception("could not delete delivered usage records from the outbox")
        announce(step, self.settings)
        if step.grew:
            self._grow()

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    async def _sleep(self, delay: float) -> bool:
        """Sleep `delay` seconds; True if the batcher was told to stop meanwhile."""
        stop = self._primitives()[1]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        return stop.is_set()

    def _new_core(self) -> None:
        self._core = DeliveryCore(
            self.settings,
            self.ledger,
            self._pace,
            stored=self.outbox is not None,
            stopping=self._stopping,
        )

    def _after_fork_in_child(self) -> None:
        self._init_tasks()
        self._reset_queue_after_fork()
        self._new_pace()
        self._new_core()


async def _work(reference: weakref.ref[AsyncUsageBatcher], number: int) -> None:
    """Run one worker task until the batcher stops or is garbage collected."""
    timed_out = False
    while True:
        batcher = reference()
        if batcher is None or batcher._stopping():
            return
        records = batcher._take(timed_out, number)
        if records is not None:
            timed_out = False
            await batcher._deliver(records)
            continue
        wake, interval, idle = (
            batcher._primitives()[0],
            batcher.settings.flush_interval,
            not batcher._queue,
        )
        if number >= batcher._pace.limit:
            # Above the limit: not on `_wake`, which stays set while records are queued.
            gate = batcher._parked.get(number)
            if gate is None:
                gate = batcher._parked[number] = asyncio.Event()
            del batcher
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(gate.wait(), interval)
            continue
        if idle:
            del batcher
        try:
            await asyncio.wait_for(wake.wait(), interval)
            timed_out = False
        except TimeoutError:
            timed_out = True


async def _keep_house(reference: weakref.ref[AsyncUsageBatcher]) -> None:
    """Every flush_interval, even while every worker is busy retrying: write a "batch" outbox
    and look at the age of the oldest pending record (the stall alarm)."""
    while True:
        batcher = reference()
        if batcher is None or batcher._stopping():
            return
        try:
            if batcher._unstored is not None:
                await asyncio.to_thread(batcher._store_pending)
        except Exception:
            logger.exception("could not write usage records to the outbox; will try again")
        batcher._stall.check(batcher._oldest_age())
        interval = batcher.settings.flush_interval
        del batcher
        await asyncio.sleep(interval)


def _undelivered(batcher: AsyncUsageBatcher) -> int:
    stats = batcher.stats()
    return stats.queued + stats.in_flight


_LIVE: weakref.WeakSet[AsyncUsageBatcher] = weakref.WeakSet()


def _warn_at_exit() -> None:
    for batcher in list(_LIVE):
        waiting = len(batcher._queue) + batcher._in_flight
        if waiting and not batcher._closed:
            logger.warning(
                "an AsyncUsageBatcher was not closed: %d usage record(s) not delivered%s",
                waiting,
                " (kept in the outbox)" if batcher.outbox is not None else "",
            )


def _after_fork_in_child() -> None:
    for batcher in list(_LIVE):
        batcher._after_fork_in_child()


atexit.register(_warn_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
