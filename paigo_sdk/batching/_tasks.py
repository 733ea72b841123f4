"""Deliver usage records in the background with asyncio tasks: `AsyncUsageBatcher`."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
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
    call_back,
    log_outcomes,
    logger,
)
from paigo_sdk.batching._outbox import Durability
from paigo_sdk.batching._pace import DEFAULT_MAX_CONCURRENCY
from paigo_sdk.batching._planner import (
    Attempt,
    RawRecord,
    WireRecord,
    classify,
    outcome,
    plan_chunks,
    prepare,
)
from paigo_sdk.batching.report import DeliveryReport, DeliveryStats, OutcomeKind, RecordOutcome
from paigo_sdk.errors import BatcherClosedError, QueueFullError

if TYPE_CHECKING:
    from paigo_sdk._client import AsyncPaigoClient

__all__ = ["AsyncUsageBatcher"]


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
        self._wire_batches = wire_batches
        self._init_tasks()
        self._init_queue(settings, getattr(client, "_clock", None))
        self._new_pace()
        _LIVE.add(self)

    def _init_tasks(self) -> None:
        # asyncio primitives bind to the running loop on first use, so they are created lazily.
        self._wake: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None
        self._changed: asyncio.Event | None = None
        self._in_flight = 0
        self._forced = 0
        self._draining = False
        self._blocked = 0
        self._started = False
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
        if self._closed:
            raise BatcherClosedError("this usage batcher is closed")
        record = self._make_record(
            customer_id, dimension_id, value, timestamp, metadata, idempotency_key
        )
        if not self._started:
            self._start()
        queue = self._queue
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
        report = await self.flush(timeout)
        if self._stop is not None:
            self._stop.set()
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
        whole = self._wire_batches or self._rollup_rules is not None
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
                await self._send_all(raws, returned)
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

    async def _send_all(self, raws: list[RawRecord], returned: list[RawRecord]) -> None:
        records = [prepare(raw, stored=self.outbox is not None) for raw in raws]
        unsendable = [record for record in records if record.error is not None]
        if unsendable:
            await self._settle(
                [
                    outcome(r, OutcomeKind.REJECTED, Attempt(False, messages=(r.error or "",)))
                    for r in unsendable
                ],
                unsendable,
            )
            records = [record for record in records if record.error is None]
        records = await self._rolled_up(records)
        if self._wire_batches:
            for chunk in plan_chunks(
                records,
                max_count=self.settings.wire_chunk,
                max_bytes=self.settings.max_batch_bytes,
                max_key_bytes=self.settings.max_key_bytes,
            ):
                await self._send_chunk(chunk, returned)
        else:
            for record in records:
                await self._send_one(record, returned)

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

    async def _send_one(self, record: WireRecord, returned: list[RawRecord]) -> bool:
        usage = self._client.usage
        started = time.monotonic()
        attempts = 0
        while True:
            attempts += 1
            self.ledger.sent += 1
            sent_at = time.monotonic()
            try:
                result = await usage.record(
                    customer_id=record.customer_id,
                    dimension_id=record.dimension_id,
                    record_value=record.body["recordValue"],
                    timestamp=record.body["timestamp"],
                    metadata=record.metadata,
                    idempotency_key=record.key,
                )
            except Exception as error:
                attempt = classify(error)
                self._paced(attempt, sent_at)
                if not attempt.transient:
                    await self._settle([outcome(record, OutcomeKind.REJECTED, attempt)], [record])
                    return False
                if not await self._pause(attempt, attempts, started):
                    if self._stopping():
                        returned.append(record.raw())
                    else:
                        await self._settle(
                            [outcome(record, OutcomeKind.EXPIRED, attempt)], [record]
                        )
                    return False
                continue
            self._paced(None, sent_at)
            await self._acknowledge([record], [result.idempotent_replayed])
            return True

    async def _send_chunk(self, chunk: list[WireRecord], returned: list[RawRecord]) -> None:
        if len(chunk) == 1 or not self._wire_batches:
            for record in chunk:
                await self._send_one(record, returned)
            return
        usage = self._client.usage
        started = time.monotonic()
        attempts = 0
        while True:
            attempts += 1
            self.ledger.sent += 1
            sent_at = time.monotonic()
            try:
                result = await usage.record_batch(
                    [record.body for record in chunk],
                    idempotency_keys=[record.key for record in chunk],
                )
            except Exception as error:
                attempt = classify(error)
                self._paced(attempt, sent_at)
                if not attempt.transient:
                    accepted = [await self._send_one(record, returned) for record in chunk]
                    if all(accepted) and attempt.status_code is not None:
                        # The server refused the array but takes each of its records.
                        self._stop_wire_batches()
                    return
                if not await self._pause(attempt, attempts, started):
                    if self._stopping():
                        returned.extend(record.raw() for record in chunk)
                    else:
                        await self._settle(
                            [outcome(r, OutcomeKind.EXPIRED, attempt) for r in chunk], chunk
                        )
                    return
                continue
            self._paced(None, sent_at)
            statuses = [item.status for item in result.results]
            replays = [
                index < len(statuses) and statuses[index] == "replayed"
                for index in range(len(chunk))
            ]
            await self._acknowledge(chunk, replays)
            return

    def _paced(self, attempt: Attempt | None, sent_at: float) -> None:
        """Let the concurrency limit learn from one request's outcome (None: a success)."""
        if attempt is None:
            before = self._pace.limit
            self._pace.succeeded(time.monotonic() - sent_at)
            if self._pace.limit > before:
                self._grow()
        elif attempt.congestion:
            self._pace.congested()

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    async def _sleep(self, delay: float) -> bool:
        """Sleep `delay` seconds; True if the batcher was told to stop meanwhile."""
        stop = self._primitives()[1]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        return stop.is_set()

    def _stop_wire_batches(self) -> None:
        if self._wire_batches:
            logger.warning("the server does not accept usage batches; sending singly")
        self._wire_batches = False

    async def _pause(self, attempt: Attempt, attempts: int, started: float) -> bool:
        if self._stopping():
            return False
        delay = self.settings.retry.delay(attempts, attempt.retry_after, time.monotonic() - started)
        if delay is None:
            return False
        self.ledger.retried += 1
        logger.debug(
            "usage delivery failed (status %s); retrying in %.2fs", attempt.status_code, delay
        )
        return not await self._sleep(delay)

    async def _forget(self, records: Sequence[WireRecord]) -> None:
        """Delete finished records from the outbox; a failure only means a later replay."""
        if self.outbox is None or not records:
            return
        try:
            await asyncio.to_thread(self.outbox.remove, records)
        except Exception:
            logger.exception("could not delete delivered usage records from the outbox")

    async def _acknowledge(self, records: Sequence[WireRecord], replays: Sequence[bool]) -> None:
        """Count acknowledged records, forget them in the outbox, and add them to the ledger.

        Outcome objects are only built when a callback wants them: this is the common path.
        """
        if self.outbox is None:
            self._count_acknowledged(records)
        else:
            await asyncio.to_thread(self._count_acknowledged, records)
        self.ledger.acknowledged(len(records), sum(replays))
        if self.settings.on_delivered is not None:
            call_back(
                self.settings.on_delivered,
                [
                    outcome(r, OutcomeKind.REPLAYED if replayed else OutcomeKind.DELIVERED)
                    for r, replayed in zip(records, replays, strict=True)
                ],
            )

    async def _settle(self, outcomes: list[RecordOutcome], records: Sequence[WireRecord]) -> None:
        delivered = [o for o in outcomes if o.ok]
        failed = [o for o in outcomes if not o.ok]
        if self.outbox is not None:
            final = [
                r
                for r, o in zip(records, outcomes, strict=True)
                if o.kind is not OutcomeKind.EXPIRED
            ]
            await self._forget(final)
        if delivered:
            replayed = sum(1 for o in delivered if o.kind is OutcomeKind.REPLAYED)
            self.ledger.acknowledged(len(delivered), replayed)
        if failed:
            self.ledger.refused(failed)
            log_outcomes(failed)
        call_back(self.settings.on_delivered, delivered)
        call_back(self.settings.on_error, failed)

    def _after_fork_in_child(self) -> None:
        self._init_tasks()
        self._reset_queue_after_fork()
        self._new_pace()


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
            # Above the limit: `_wake` stays set while records are queued, so sleep instead.
            del batcher
            await asyncio.sleep(min(interval, 0.05))
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
