"""Deliver usage records in the background with worker threads: `UsageBatcher`."""

from __future__ import annotations

import atexit
import importlib
import math
import os
import threading
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
    from paigo_sdk._client import PaigoClient

__all__ = ["UsageBatcher"]

_monotonic = time.monotonic


class UsageBatcher(RecordQueue):
    """Queue usage records on the caller's thread and deliver them from worker threads.

    `add` validates a record, gives it an idempotency key and queues it; it never waits for the
    network. Workers send queued records when `max_batch` of them are waiting or every
    `flush_interval` seconds, one record per request or, with `wire_batches=True`, as JSON arrays
    of at most `max_batch` records and `max_batch_bytes` bytes. The number of requests in flight
    adapts: it grows while latency holds and halves when the server answers 429 or 5xx or times
    out, between 1 and `max_concurrency` (a given `concurrency` fixes it instead).

    Every record keeps its key across retries (and, with an `outbox`, across restarts), so the
    server stores it once. Transient failures (connection errors, timeouts, 429 with its
    `Retry-After`, 5xx) are retried with backoff and jitter for up to `retry_deadline` seconds;
    other 4xx replies reject the record, which is reported and never retried.

    The batcher is closed at interpreter exit (waiting up to `exit_timeout` seconds). After
    `os.fork()` the child gets a fresh, empty batcher; the parent keeps and delivers its queue.

    Args:
        client: the client to send with; the batcher uses a copy with `max_retries=0` (sharing the
            connection pool and token cache) so that it counts and paces retries itself.
        max_batch: records per wire batch, and the queue length that triggers a send.
        flush_interval: the longest a record waits in the queue before a send starts.
        concurrency: a fixed number of requests in flight; None (the default) adapts it.
        max_concurrency: the most requests in flight an adaptive batcher grows to.
        max_queue: records the queue may hold (approximately, under concurrent `add`).
        queue_full: what `add` does when the queue is full (`QueueFullPolicy`).
        retry_deadline: seconds, from the first attempt, during which a record is retried.
        outbox: a SQLite file that keeps records until they are acknowledged.
        durability: `"sync"` (each `add` commits its record) or `"batch"` (records reach the
            file within `flush_interval`); see `paigo_sdk.batching._outbox`.
        on_delivered: called on a worker thread with each acknowledged record's outcome.
        on_error: called on a worker thread with each rejected or expired record's outcome.
            Callbacks must be quick and must not call `flush` or `close` (they would wait for
            the very worker that runs them); their exceptions are logged and ignored.
        exit_timeout: how long the interpreter-exit `close` may wait.
        stall_after: the stall alarm fires (a WARNING log line and `on_stall`) when the oldest
            pending record is older than this many `flush_interval`s.
        on_stall: called on a background thread with `stats()` when the alarm fires.
        ledger: keep a ledger of acknowledged records (count and exact sum per customer x
            dimension x UTC hour), in the outbox file when there is one, for
            `client.usage.reconcile`; see `paigo_sdk.reconcile`.
        rollup: combine records before sending where the dimension's aggregation makes it exact
            (`sum`, `max`, `min`, `last`; one customer, dimension, UTC hour and metadata map),
            so fewer requests carry the same invoices; see `paigo_sdk.batching._rollup`.

    Raises:
        ClientValidationError: for invalid options.
        sqlite3.Error: when the outbox file cannot be opened.
    """

    def __init__(
        self,
        client: PaigoClient,
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
        work = getattr(client, "_pending_work", None)  # absent on stand-in clients
        if work is not None:
            work.register(self, _undelivered, UsageBatcher.flush)
        # Under uWSGI without enable-threads, threads the application starts never run: the
        # batcher then delivers on the caller's thread, in add() (every max_batch records),
        # flush() and close().
        self._inline = threads_cannot_run()
        if self._inline:
            _warn_inline_once()
        self._init_threads()
        self._init_queue(settings, getattr(client, "_clock", None))
        self._new_pace()
        self._new_core()
        if self._queue:
            self._start()
        _LIVE.add(self)

    def _init_threads(self) -> None:
        self._lock = threading.Lock()
        # Producers blocked on a full queue wait on `_space`; flush() waits on `_idle`.
        self._space = threading.Condition(self._lock)
        self._idle = threading.Condition(self._lock)
        # Workers above the concurrency limit wait, each on its own event, until the limit grows
        # past their number: waking only those (not every parked worker at every step up)
        # matters because the limit moves by a step at a time.
        self._parked: dict[int, threading.Event] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._in_flight = 0
        self._forced = 0  # flush() calls in progress: send whatever is queued, now
        self._draining = False
        self._blocked = 0
        self._started = False
        # add()'s hot path is open while the queue holds fewer records than this: the queue's
        # limit once the batcher is started without an outbox, 0 (closed) otherwise.
        self._hot_room = 0
        self._generation = getattr(self, "_generation", 0) + 1
        self._threads: list[threading.Thread] = []
        self._workers = 0

    # -- the caller's side ---------------------------------------------------------------------

    def add(
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
        # the default timestamp. It checks what `_make_record` checks, in one expression, and
        # appends; everything else (and every error) takes the general path below.
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
            if len(queue) >= self._trigger and not self._wake.is_set():
                self._wake.set()
            return key
        if self._closed:
            raise BatcherClosedError("this usage batcher is closed")
        record = self._make_record(
            customer_id, dimension_id, value, timestamp, metadata, idempotency_key
        )
        if len(queue) >= self._max_queue and not self._make_room():
            return record[0]
        if self._sync_outbox is not None:
            self._durable(record)
        elif self._unstored is not None:
            self._unstored.append(record)
        queue.append(record)
        if self._inline:
            if len(queue) >= self._max_batch:
                self._deliver_inline(None)
            return record[0]
        if (len(queue) >= self._max_batch or self._forced) and not self._wake.is_set():
            self._wake.set()
        if not self._started:
            self._start()
        return record[0]

    def _make_room(self) -> bool:
        # The queue is full. Follow the policy: wait for room, refuse loudly, or drop and count.
        policy = self.settings.queue_full
        if policy is QueueFullPolicy.RAISE:
            raise QueueFullError(f"the usage queue holds {self._max_queue} records")
        if policy is QueueFullPolicy.DROP:
            with self._lock:
                self.ledger.drop()
                dropped = self.ledger.dropped
            if dropped == 1 or dropped % 1000 == 0:
                logger.warning(
                    "usage queue full (%d records): %d record(s) dropped so far",
                    self._max_queue,
                    dropped,
                )
            return False
        if self._inline:
            self._deliver_inline(None)
            return True
        if not self._started:
            self._start()
        self._wake.set()
        with self._lock:
            self._blocked += 1
            try:
                while len(self._queue) >= self._max_queue and not self._closed:
                    self._space.wait(self.settings.flush_interval)
            finally:
                self._blocked -= 1
        if self._closed:
            raise BatcherClosedError("this usage batcher was closed while add() waited")
        return True

    def flush(self, timeout: float | None = None) -> DeliveryReport:
        """Send everything queued now and wait until it is delivered, or until `timeout` seconds.

        Returns the report since the previous one; records not finished in time are counted as
        `pending` and keep being delivered in the background.

        Raises:
            Nothing: delivery failures are in the report.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._inline:
            self._deliver_inline(deadline)
            with self._lock:
                return self.ledger.take_report(len(self._queue) + self._in_flight)
        if self._queue and not self._started:
            self._start()
        with self._lock:
            self._forced += 1
            self._trigger = 0
            self._wake.set()
            try:
                # Once stopped (a close that timed out), no worker is left to wait for.
                while (self._queue or self._in_flight) and not self._stop.is_set():
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        break
                    self._idle.wait(remaining)
            finally:
                self._forced -= 1
                if not self._forced:
                    self._trigger = self._max_batch
            return self.ledger.take_report(len(self._queue) + self._in_flight)

    def close(self, timeout: float | None = None) -> DeliveryReport:
        """Stop accepting records, deliver what is queued, and stop the workers.

        Waits at most `timeout` seconds. Records still queued or in flight then are reported as
        `pending`; with an outbox they stay on disk for the next batcher. Calling `close` again
        reports what happened since, and what is still pending, without waiting again.

        Raises:
            Nothing: delivery failures are in the report.
        """
        # open -> closing: no new records; the workers drain the queue (flush, bounded by timeout)
        # -> closed: the workers are told to stop; whatever did not make it stays pending.
        with self._lock:
            self._closed = True
            self._hot_room = 0
            self._space.notify_all()
        report = self.flush(timeout)
        self._stop.set()
        self._wake.set()
        with self._lock:
            unpark(self._parked, math.inf)  # parked workers see the stop now
            self._idle.notify_all()  # a flush() waiting in another thread returns now
        _LIVE.discard(self)
        try:
            # With a "batch" outbox, whatever did not make it is written now, for the next batcher.
            self._store_pending()
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
        with self._lock:
            age = self._oldest_age()
            return self.ledger.stats(
                len(self._queue),
                self._in_flight,
                oldest_pending_age=age,
                concurrency=self._pace.limit,
                stalled=age is not None and age >= self._stall.threshold,
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<UsageBatcher {state} queued={len(self._queue)} in_flight={self._in_flight}>"

    # -- the workers' side ---------------------------------------------------------------------

    def _deliver_inline(self, deadline: float | None) -> None:
        """Deliver the queue on the caller's thread: the fallback where threads cannot run."""
        while deadline is None or time.monotonic() < deadline:
            records = self._take(True, 0)
            if records is None:
                return
            self._deliver(records)

    def _start(self) -> None:
        if self._inline:
            return
        with self._lock:
            if self._started:
                return
            self._started = True
            # add() may take its hot path from now on (see there); never with an outbox,
            # which must see every record, nor once closed.
            if self.outbox is None and not self._closed:
                self._hot_room = self._max_queue
            reference = weakref.ref(self)
            keeper = threading.Thread(
                target=_keep_house,
                args=(reference, self._generation),
                name="paigo-usage-housekeeper",
                daemon=True,
            )
            self._threads.append(keeper)
            keeper.start()
            self._grow()

    def _grow(self) -> None:
        """Start workers up to the concurrency limit; the caller holds the lock."""
        if self._inline:
            return
        reference = weakref.ref(self)
        while self._workers < self._pace.limit and not self._stop.is_set():
            thread = threading.Thread(
                target=_work,
                args=(reference, self._generation, self._workers),
                name=f"paigo-usage-{self._workers}",
                daemon=True,
            )
            self._workers += 1
            self._threads.append(thread)
            thread.start()
        unpark(self._parked, self._pace.limit)

    def _take(self, timed_out: bool, number: int) -> list[RawRecord] | None:
        """Take the next unit of work from the queue, or None when there is nothing to send yet."""
        with self._lock:
            if number >= self._pace.limit:
                return None
            queued = len(self._queue)
            if queued == 0:
                self._draining = False
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
            # A send was triggered: keep taking until the queue is empty.
            self._draining = True
            # Rollup combines what one unit holds, so it takes as much as a wire batch would.
            whole = self._core.wire_batches or self._rollup_rules is not None
            count = min(queued, self._max_batch if whole else 1)
            records = [self._queue.popleft() for _ in range(count)]
            self._in_flight += count
            self._flying[id(records)] = min(record[6] for record in records)
            if self._blocked:
                self._space.notify_all()
            return records

    def _deliver(self, raws: list[RawRecord]) -> None:
        # Records that are not finished (the batcher is stopping, or the outbox cannot be
        # written) go back to the front of the queue in the same step that ends their flight,
        # so no report counts them twice.
        returned: list[RawRecord] = []
        pause = False
        try:
            try:
                # Nothing is sent before it is on disk: write what a "batch" outbox lacks.
                self._store_pending()
            except Exception:
                logger.exception("could not write usage records to the outbox; kept queued")
                returned, pause = list(raws), True
                return
            returned = self._drive(self._core.deliver(raws))
        except Exception:
            # A bug must not kill the worker. Records settled before it may be sent again;
            # their keys make that an idempotent replay.
            logger.exception("usage batcher worker failed; records kept queued")
            returned, pause = list(raws), True
        finally:
            self._handed_back(returned)
            with self._lock:
                self._queue.extendleft(reversed(returned))
                self._in_flight -= len(raws)
                self._flying.pop(id(raws), None)
                if not self._queue and not self._in_flight:
                    self._idle.notify_all()
            if pause:
                self._stop.wait(self.settings.flush_interval)

    def _drive(self, steps: Steps) -> list[RawRecord]:
        """Perform the core's steps for one unit, blocking; return the records to requeue."""
        answer: object = None
        while True:
            try:
                step = steps.send(answer)
            except StopIteration as done:
                returned: list[RawRecord] = done.value
                return returned
            if isinstance(step, Send):
                answer = self._send(step)
            elif isinstance(step, BeforeSend):
                answer = self._rolled_up(step.records)
            elif isinstance(step, Pause):
                logger.debug(
                    "usage delivery failed (status %s); retrying in %.2fs",
                    step.attempt.status_code,
                    step.seconds,
                )
                answer = not self._stop.wait(step.seconds)
            else:
                self._finish(step)
                answer = None

    def _rolled_up(self, records: list[WireRecord]) -> list[WireRecord]:
        """Combine records before sending (with `rollup=True`), reading new dimensions once."""
        for dimension_id in self._dimensions_to_read(records):
            try:
                dimension = self._client.dimensions.retrieve(dimension_id)
            except Exception as error:
                self._learn_dimension(dimension_id, None, error)
            else:
                self._learn_dimension(dimension_id, dimension, None)
        return self._roll_up(records)

    def _send(self, step: Send) -> Reply:
        usage = self._client.usage
        try:
            if step.batch:
                result: object = usage.record_batch(
                    [record.body for record in step.records],
                    idempotency_keys=[record.key for record in step.records],
                )
            else:
                result = usage.record(**single_arguments(step.records[0]))
        except Exception as error:
            return Reply(error=error)
        return Reply(result)

    def _finish(self, step: Finish) -> None:
        """Count and forget finished records, log failures, run callbacks, add workers."""
        if step.acknowledged:
            self._count_acknowledged(step.acknowledged)
        if step.forget and self.outbox is not None:
            try:
                self.outbox.remove(step.forget)
            except Exception:
                # Only means a later replay, which the record's key makes idempotent.
                logger.exception("could not delete delivered usage records from the outbox")
        announce(step, self.settings)
        if step.grew:
            with self._lock:
                self._grow()

    def _new_core(self) -> None:
        self._core = DeliveryCore(
            self.settings,
            self.ledger,
            self._pace,
            stored=self.outbox is not None,
            stopping=self._stop.is_set,
            guard=self._lock,
        )

    def _after_fork_in_child(self) -> None:
        self._init_threads()
        self._reset_queue_after_fork()
        self._new_pace()
        self._new_core()


def _work(reference: weakref.ref[UsageBatcher], generation: int, number: int) -> None:
    """Run one worker: take units from the queue and deliver them until the batcher stops.

    The worker holds only a weak reference while the queue is empty, so an idle batcher that the
    application drops can be garbage collected.
    """
    timed_out = False
    while True:
        batcher = reference()
        if batcher is None or batcher._generation != generation or batcher._stop.is_set():
            return
        records = batcher._take(timed_out, number)
        if records is not None:
            timed_out = False
            batcher._deliver(records)
            continue
        wake, interval, idle = batcher._wake, batcher.settings.flush_interval, not batcher._queue
        if number >= batcher._pace.limit:
            # Above the limit: wait for it to grow (or for the next interval), not on `_wake`,
            # which stays set while records are queued.
            with batcher._lock:
                gate = batcher._parked.get(number)
                if gate is None and number >= batcher._pace.limit:
                    gate = batcher._parked[number] = threading.Event()
            del batcher
            if gate is not None:
                gate.wait(interval)
            continue
        if idle:
            del batcher
        timed_out = not wake.wait(interval)


def _keep_house(reference: weakref.ref[UsageBatcher], generation: int) -> None:
    """Every flush_interval, even while every worker is busy retrying: write a "batch" outbox
    and look at the age of the oldest pending record (the stall alarm)."""
    while True:
        batcher = reference()
        if batcher is None or batcher._generation != generation or batcher._stop.is_set():
            return
        try:
            batcher._store_pending()
        except Exception:
            logger.exception("could not write usage records to the outbox; will try again")
        with batcher._lock:
            age = batcher._oldest_age()
        batcher._stall.check(age)
        stop, interval = batcher._stop, batcher.settings.flush_interval
        del batcher
        stop.wait(interval)


def _undelivered(batcher: UsageBatcher) -> int:
    stats = batcher.stats()
    return stats.queued + stats.in_flight


def threads_cannot_run() -> bool:
    """Whether this process is a uWSGI worker started without `enable-threads` (or `threads`).

    Raises:
        Nothing.
    """
    try:
        # Only importable inside a uWSGI worker; imported by name so no stub is needed.
        uwsgi = importlib.import_module("uwsgi")
    except ImportError:
        return False
    options = getattr(uwsgi, "opt", None) or {}

    def given(name: str) -> bool:
        value = options.get(name, options.get(name.encode()))
        return value not in (None, False, 0, b"", "", b"0", "0", b"false", "false")

    return not (given("enable-threads") or given("threads"))


_warned_inline = False


def _warn_inline_once() -> None:
    global _warned_inline
    if _warned_inline:
        return
    _warned_inline = True
    logger.warning(
        "uWSGI runs without enable-threads, so background threads never run: usage batchers "
        "deliver on the calling thread (in add every max_batch records, in flush and close). "
        "Start uWSGI with --enable-threads to deliver in the background."
    )


_LIVE: weakref.WeakSet[UsageBatcher] = weakref.WeakSet()


def _close_at_exit() -> None:
    for batcher in list(_LIVE):
        if not batcher._closed:
            batcher.close(batcher.settings.exit_timeout)


def _after_fork_in_child() -> None:
    for batcher in list(_LIVE):
        batcher._after_fork_in_child()


atexit.register(_close_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
