"""The batcher's decisions for one unit of queued records, without any I/O.

`DeliveryCore.deliver(raws)` is a generator: it decides what to send, reads each reply, and
decides whether to retry, wait, settle or acknowledge. It performs nothing itself; it yields a
step, and the shell that drives it (threads in `_threaded.py`, asyncio tasks in `_tasks.py`)
performs the step and sends back the answer:

- `Send(records, batch)`: call `client.usage.record` (or `record_batch` when `batch`); answer
  with `Reply(result=...)`, or `Reply(error=...)` holding the exception the call raised;
- `BeforeSend(records)`: the unit's sendable records, before any is sent; answer with the
  records to send instead (as given, or combined by rollup, which may read dimensions and
  rewrite the outbox: I/O the shell does);
- `Pause(seconds)`: wait before the next attempt; answer True when the wait ran out, False when
  the batcher was told to stop meanwhile;
- `Finish(...)`: records whose fate is decided: count `acknowledged` in the usage ledger and
  delete them and `forget` from the outbox, run the callbacks and log the failures; answer None.

The generator returns the raw records to put back at the front of the queue (those a stopping
batcher did not finish). Counters, the concurrency limit and the wire-batch switch are shared by
every unit in flight; the core changes them inside `guard` (the threaded shell's lock, or no lock
for asyncio), and never while a step is being performed.

Two seams are kept on purpose: the `BeforeSend` step turns the prepared records of a unit into
the records actually sent (rollup combines records there), and `acknowledged` is the one point
every acknowledged record passes through (the usage ledger counts them from its `Finish`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Generator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from paigo_sdk.batching._pace import ConcurrencyLimit
from paigo_sdk.batching._planner import (
    Attempt,
    OutcomeLedger,
    RawRecord,
    WireRecord,
    classify,
    outcome,
    plan_chunks,
    prepare,
)
from paigo_sdk.batching.report import OutcomeKind, RecordOutcome

if TYPE_CHECKING:
    from paigo_sdk.batching._base import BatcherSettings

__all__ = [
    "BeforeSend",
    "DeliveryCore",
    "Finish",
    "Pause",
    "Reply",
    "Send",
    "Step",
    "Steps",
    "single_arguments",
]


@dataclass(frozen=True, slots=True)
class Send:
    """Send these records: one with `usage.record`, or several with `usage.record_batch`."""

    records: Sequence[WireRecord]
    batch: bool


@dataclass(frozen=True, slots=True)
class BeforeSend:
    """The unit's sendable records; the answer is the list of records to send in their place."""

    records: list[WireRecord]


@dataclass(frozen=True, slots=True)
class Pause:
    """Wait `seconds` before the next attempt (the answer says whether the wait ran out)."""

    seconds: float
    attempt: Attempt


@dataclass(frozen=True, slots=True)
class Finish:
    """Records whose fate is decided: what the shell deletes from the outbox and reports."""

    forget: Sequence[WireRecord]
    """Rejected records' outbox rows to delete (never an expired record's: a later batcher on
    the file tries it again)."""
    delivered: Sequence[RecordOutcome]
    """Outcomes for `on_delivered`; built only when that callback is set."""
    failed: Sequence[RecordOutcome]
    """Rejected and expired records, for `on_error` and the log."""
    grew: bool = False
    """The concurrency limit grew: the shell may start more workers."""
    warning: str | None = None
    """A change of course the shell logs once (the server takes no arrays)."""
    acknowledged: Sequence[WireRecord] = ()
    """Records the server acknowledged: counted in the usage ledger and deleted from the outbox
    (in one transaction when the ledger lives in the outbox file)."""


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to a `Send`: the client's result, or the exception its call raised."""

    result: Any = None
    error: BaseException | None = None


Step = BeforeSend | Send | Pause | Finish
Steps = Generator[Step, Any, list[RawRecord]]

NO_ARRAYS: Final = "the server does not accept usage batches; sending records singly"
_NO_OUTCOMES: Final[tuple[RecordOutcome, ...]] = ()


class DeliveryCore:
    """Decide, for each unit of records a worker takes from the queue, every step of delivery.

    Args:
        settings: the batcher's validated options.
        ledger: the counters `stats()` and reports read.
        pace: the adaptive concurrency limit.
        stored: whether records are kept in an outbox.
        stopping: tells whether the batcher was told to stop (no new waits then).
        guard: entered around every change to the shared state (a lock for threads).
        clock: monotonic seconds, for latencies and retry deadlines.
    """

    def __init__(
        self,
        settings: BatcherSettings,
        ledger: OutcomeLedger,
        pace: ConcurrencyLimit,
        *,
        stored: bool,
        stopping: Callable[[], bool],
        guard: AbstractContextManager[Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.pace = pace
        self.stored = stored
        self.wire_batches = settings.wire_batches
        self._stopping = stopping
        self._guard: AbstractContextManager[Any] = (
            guard if guard is not None else contextlib.nullcontext()
        )
        self._clock = clock
        self._in_flight = 0  # requests sent and not yet answered

    # -- the seam every acknowledged record passes through ---------------------------------------

    def acknowledged(self, records: Sequence[WireRecord], replays: Sequence[bool]) -> Finish:
        """Count records the server acknowledged; return the step that forgets and reports them.

        Outcome objects are built only when `on_delivered` wants them: this is the common path.
        """
        with self._guard:
            self.ledger.acknowledged(len(records), sum(replays))
        delivered: Sequence[RecordOutcome] = _NO_OUTCOMES
        if self.settings.on_delivered is not None:
            delivered = [
                outcome(r, OutcomeKind.REPLAYED if replayed else OutcomeKind.DELIVERED)
                for r, replayed in zip(records, replays, strict=True)
            ]
        return Finish((), delivered, _NO_OUTCOMES, acknowledged=records)

    # -- one unit ------------------------------------------------------------------------------

    def deliver(self, raws: Sequence[RawRecord]) -> Steps:
        """Deliver one unit of raw records; return those to put back in the queue."""
        records = [prepare(raw, stored=self.stored) for raw in raws]
        unsendable = [record for record in records if record.error is not None]
        if unsendable:
            yield self._settle(
                [
                    outcome(r, OutcomeKind.REJECTED, Attempt(False, messages=(r.error or "",)))
                    for r in unsendable
                ],
                unsendable,
            )
            records = [record for record in records if record.error is None]
        if records:
            records = yield BeforeSend(records)
        returned: list[RawRecord] = []
        if self.wire_batches:
            for chunk in plan_chunks(
                records,
                max_count=self.settings.wire_chunk,
                max_bytes=self.settings.max_batch_bytes,
                max_key_bytes=self.settings.max_key_bytes,
            ):
                if len(chunk) == 1 or not self.wire_batches:
                    for record in chunk:
                        yield from self._one(record, returned)
                else:
                    yield from self._chunk(chunk, returned)
        else:
            for record in records:
                yield from self._one(record, returned)
        return returned

    def _one(self, record: WireRecord, returned: list[RawRecord]) -> Generator[Step, Any, bool]:
        """Send one record until it is acknowledged or settled; True when acknowledged."""
        started = self._clock()
        attempts = 0
        while True:
            attempts += 1
            sent_at = self._sending()
            reply, flying = yield from self._exchange(Send((record,), batch=False))
            if reply.error is None:
                grew = self._paced(None, sent_at, flying)
                step = self.acknowledged((record,), (bool(reply.result.idempotent_replayed),))
                yield _grown(step, grew)
                return True
            attempt = classify(reply.error)
            self._paced(attempt, sent_at, flying)
            if not attempt.transient:
                yield self._settle([outcome(record, OutcomeKind.REJECTED, attempt)], [record])
                return False
            if not (yield from self._wait(attempt, attempts, started)):
                if self._stopping():
                    returned.append(record.raw())
                else:
                    yield self._settle([outcome(record, OutcomeKind.EXPIRED, attempt)], [record])
                return False

    def _chunk(
        self, chunk: list[WireRecord], returned: list[RawRecord]
    ) -> Generator[Step, Any, None]:
        """Send a chunk as one array until it is acknowledged, split or settled."""
        started = self._clock()
        attempts = 0
        while True:
            attempts += 1
            sent_at = self._sending()
            reply, flying = yield from self._exchange(Send(chunk, batch=True))
            if reply.error is None:
                grew = self._paced(None, sent_at, flying)
                statuses = [item.status for item in reply.result.results]
                replays = [
                    index < len(statuses) and statuses[index] == "replayed"
                    for index in range(len(chunk))
                ]
                yield _grown(self.acknowledged(chunk, replays), grew)
                return
            attempt = classify(reply.error)
            self._paced(attempt, sent_at, flying)
            if not attempt.transient:
                # Find the bad records: the server stored nothing of this chunk.
                accepted = []
                for record in chunk:
                    accepted.append((yield from self._one(record, returned)))
                if all(accepted) and attempt.status_code is not None and self.wire_batches:
                    # The server refused the array but takes each of its records: it does not
                    # accept arrays at all (Paigo v1.10 documents single records only).
                    self.wire_batches = False
                    yield Finish((), (), (), warning=NO_ARRAYS)
                return
            if not (yield from self._wait(attempt, attempts, started)):
                if self._stopping():
                    returned.extend(record.raw() for record in chunk)
                else:
                    yield self._settle(
                        [outcome(r, OutcomeKind.EXPIRED, attempt) for r in chunk], chunk
                    )
                return

    # -- decisions shared by both paths ---------------------------------------------------------

    def _sending(self) -> float:
        """Count one request about to be sent; return when it started."""
        with self._guard:
            self.ledger.sent += 1
            self._in_flight += 1
        return self._clock()

    def _exchange(self, send: Send) -> Generator[Step, Any, tuple[Reply, int]]:
        """Have the shell send one request; return its reply and the requests that were in
        flight when it came (itself included). It leaves the count however it ends."""
        try:
            reply: Reply = yield send
        except BaseException:
            # The shell closed this unit's steps (its task was cancelled, or it stopped).
            with self._guard:
                self._in_flight -= 1
            raise
        with self._guard:
            flying, self._in_flight = self._in_flight, self._in_flight - 1
        return reply, flying

    def _paced(self, attempt: Attempt | None, sent_at: float, flying: int) -> bool:
        """Let the concurrency limit learn from one request (None: a success) that came back
        with `flying` requests in flight; True if the limit grew."""
        with self._guard:
            if attempt is None:
                before = self.pace.limit
                self.pace.succeeded(self._clock() - sent_at, flying)
                return self.pace.limit > before
            if attempt.congestion:
                self.pace.congested()
            return False

    def _wait(self, attempt: Attempt, attempts: int, started: float) -> Generator[Step, Any, bool]:
        """Wait before the next attempt; False to give up (deadline passed or stopping)."""
        if self._stopping():
            return False
        delay = self.settings.retry.delay(attempts, attempt.retry_after, self._clock() - started)
        if delay is None:
            return False
        with self._guard:
            self.ledger.retried += 1
        waited: bool = yield Pause(delay, attempt)
        return waited

    def _settle(self, failed: list[RecordOutcome], records: Sequence[WireRecord]) -> Finish:
        """Count rejected or expired records; return the step that forgets and reports them."""
        # Expired records stay on disk: a later batcher on this file will try them again.
        forget = (
            [r for r, o in zip(records, failed, strict=True) if o.kind is not OutcomeKind.EXPIRED]
            if self.stored
            else []
        )
        with self._guard:
            self.ledger.refused(failed)
        return Finish(forget, _NO_OUTCOMES, failed)


def single_arguments(record: WireRecord) -> dict[str, Any]:
    """The keyword arguments of `usage.record` that send `record` as prepared."""
    body = record.body
    return {
        "customer_id": record.customer_id,
        "dimension_id": record.dimension_id,
        "record_value": body["recordValue"],
        "timestamp": body["timestamp"],
        "metadata": record.metadata,
        "idempotency_key": record.key,
    }


def _grown(step: Finish, grew: bool) -> Finish:
    if not grew:
        return step
    return Finish(step.forget, step.delivered, step.failed, True, step.warning, step.acknowledged)
