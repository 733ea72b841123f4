"""The configuration and the `add` fast path that the threaded and asyncio batchers share."""

from __future__ import annotations

import enum
import itertools
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar

from paigo_sdk.batching._ledger import FileLedger, LedgerSource, MemoryLedger, tally
from paigo_sdk.batching._outbox import Durability, Outbox
from paigo_sdk.batching._pace import ConcurrencyLimit, StallAlarm
from paigo_sdk.batching._planner import (
    OutcomeLedger,
    RawRecord,
    RetryPlan,
    WireRecord,
    check_key,
    check_record,
    is_plain_decimal,
    new_key_prefix,
)
from paigo_sdk.batching._rollup import RollupRules, roll_up
from paigo_sdk.batching.report import DeliveryStats, RecordOutcome
from paigo_sdk.errors import ClientValidationError, NotFoundError

if TYPE_CHECKING:
    from paigo_sdk.batching._core import Finish

__all__ = [
    "DEFAULT_MAX_BATCH",
    "DEFAULT_STALL_AFTER",
    "BatcherSettings",
    "QueueFullPolicy",
    "logger",
]

logger = logging.getLogger("paigo_sdk.batching")

DEFAULT_MAX_BATCH: Final = 100
DEFAULT_MAX_BATCH_BYTES: Final = 512 * 1024
"""Half of the 1 MiB request limit, leaving room for headers."""
MAX_WIRE_BATCH: Final = 1000
"""The most records a server takes in one array (the simulator's limit)."""
INITIAL_CONCURRENCY: Final = 4
"""Requests in flight an adaptive batcher starts with."""
DEFAULT_STALL_AFTER: Final = 10.0
"""The stall alarm fires when the oldest pending record is older than this many flush intervals."""
DEFAULT_MAX_KEY_BYTES: Final = 8 * 1024
"""The `Idempotency-Key` header of a chunk stays well under common 16 KiB header limits."""

_is_plain_decimal = is_plain_decimal
_monotonic = time.monotonic

_KEY_BLOCK: Final = 1024
"""Generated idempotency keys formatted at a time (see `RecordQueue._more_keys`)."""


class QueueFullPolicy(enum.StrEnum):
    """What `add` does when the batcher's queue holds `max_queue` records."""

    BLOCK = "block"
    """Wait until a worker makes room (the default)."""
    RAISE = "raise"
    """Raise `QueueFullError`; the record is not accepted."""
    DROP = "drop"
    """Refuse the record, count it in `stats().dropped` and the next report, and log a warning."""


class BatcherSettings:
    """The validated options of one batcher.

    Raises:
        ClientValidationError: for a non-positive size, interval, concurrency, stall multiple or
            deadline, or an unknown policy or durability.
    """

    def __init__(
        self,
        *,
        max_batch: int,
        flush_interval: float,
        concurrency: int | None,
        max_concurrency: int,
        wire_batches: bool,
        max_batch_bytes: int,
        max_queue: int,
        queue_full: QueueFullPolicy | str,
        retry_deadline: float,
        retry_initial_delay: float,
        retry_max_delay: float,
        outbox: str | os.PathLike[str] | None,
        durability: Durability,
        on_delivered: Callable[[RecordOutcome], object] | None,
        on_error: Callable[[RecordOutcome], object] | None,
        exit_timeout: float,
        stall_after: float,
        on_stall: Callable[[DeliveryStats], object] | None,
        ledger: bool = False,
        rollup: bool = False,
    ) -> None:
        fixed = concurrency is not None
        if (
            min(
                max_batch,
                max_queue,
                max_concurrency,
                max_batch_bytes,
                1 if concurrency is None else concurrency,
            )
            < 1
        ):
            raise ClientValidationError(
                "max_batch, max_queue, concurrency, max_concurrency and max_batch_bytes must be "
                "at least 1"
            )
        if stall_after <= 0:
            raise ClientValidationError("stall_after must be positive")
        if flush_interval <= 0 or min(retry_deadline, exit_timeout) < 0:
            raise ClientValidationError(
                "flush_interval must be positive; retry_deadline and exit_timeout not negative"
            )
        if str(queue_full) not in {policy.value for policy in QueueFullPolicy}:
            raise ClientValidationError(
                f"queue_full must be one of {[policy.value for policy in QueueFullPolicy]}"
            )
        self.max_batch = max_batch
        self.wire_chunk = min(max_batch, MAX_WIRE_BATCH)
        self.flush_interval = flush_interval
        # A given `concurrency` is fixed; without one, the batcher adapts between 1 and
        # `max_concurrency`, starting from a few requests in flight.
        self.concurrency_fixed = fixed
        self.max_concurrency = concurrency if concurrency is not None else max_concurrency
        self.concurrency = (
            concurrency if concurrency is not None else min(INITIAL_CONCURRENCY, max_concurrency)
        )
        self.stall_after = stall_after
        self.on_stall = on_stall
        self.wire_batches = wire_batches
        self.max_batch_bytes = max_batch_bytes
        self.max_key_bytes = DEFAULT_MAX_KEY_BYTES
        self.max_queue = max_queue
        self.queue_full = QueueFullPolicy(queue_full)
        self.retry = RetryPlan(
            deadline=retry_deadline,
            initial_delay=retry_initial_delay,
            max_delay=retry_max_delay,
        )
        self.outbox_path = outbox
        if durability not in ("sync", "batch"):
            raise ClientValidationError('durability must be "sync" or "batch"')
        self.durability: Durability = durability
        self.on_delivered = on_delivered
        self.on_error = on_error
        self.exit_timeout = exit_timeout
        self.ledger = bool(ledger)
        self.rollup = bool(rollup)


class RecordQueue:
    """The record queue, the key generator and the ledger: the state `add` touches.

    `add`'s fast path is a few type checks, one `deque.append` and one counter step: no lock, no
    formatting, no model validation. Everything else happens on the workers.
    """

    settings: BatcherSettings
    outbox: Outbox | None

    def _init_queue(self, settings: BatcherSettings, clock: object) -> None:
        self.settings = settings
        # Default timestamps come from the client's clock (a simulator's manual clock, say), or
        # from `time.time_ns()`, which is cheaper than building a datetime on the hot path.
        now = getattr(clock, "now", None)
        self._now: Callable[[], datetime | int] = (
            now if callable(now) and type(clock).__name__ != "SystemClock" else time.time_ns
        )
        self._queue: deque[RawRecord] = deque()
        self._max_queue = settings.max_queue
        self._max_batch = settings.max_batch
        # add() wakes the workers when this many records are queued: a full unit, or any
        # number (0) while a flush() is in progress.
        self._trigger = settings.max_batch
        self._key_prefix = new_key_prefix()
        self._key_blocks = itertools.count(0, _KEY_BLOCK)
        self._keys: list[str] = []
        self.ledger = OutcomeLedger()
        self._closed = False
        self.outbox = (
            Outbox(settings.outbox_path, settings.durability)
            if settings.outbox_path is not None
            else None
        )
        # Only a "sync" outbox is written on the caller's thread. With "batch", `add` also appends
        # each record to `_unstored`, which a writer empties into the file every flush_interval
        # (and a worker empties before it sends, so nothing is ever sent before it is on disk).
        self._sync_outbox = self.outbox if settings.durability == "sync" else None
        self._unstored: deque[RawRecord] | None = (
            deque() if self.outbox is not None and settings.durability == "batch" else None
        )
        self._store_lock = threading.Lock()
        self._init_ledger_and_rollup(settings)
        if self.outbox is not None:
            # Recovery: whatever a previous batcher left on disk is sent first, with its keys.
            recovered = self.outbox.pending()
            if recovered:
                logger.info(
                    "resending %d usage records left in the outbox %s",
                    len(recovered),
                    settings.outbox_path,
                )
                self._queue.extend(recovered)

    def _init_ledger_and_rollup(self, settings: BatcherSettings) -> None:
        # The ledger lives in the outbox file when there is one (so it survives restarts and
        # each record is counted in the transaction that deletes it), in memory otherwise.
        self._memory_ledger: MemoryLedger | None = None
        self.usage_ledger: LedgerSource | None = None
        """What this batcher counted as acknowledged; None unless created with `ledger=True`."""
        if settings.ledger and self.outbox is not None:
            self.usage_ledger = FileLedger(self.outbox.path)
        elif settings.ledger:
            self._memory_ledger = MemoryLedger()
            self.usage_ledger = self._memory_ledger
        self._rollup_rules = RollupRules() if settings.rollup else None
        # Keys of records handed back to the queue after an attempt: they may have reached
        # Paigo already, so they are never combined into a record with another key.
        self._attempted: set[str] = set()

    def _count_acknowledged(self, records: Sequence[WireRecord]) -> None:
        """Forget acknowledged records in the outbox and count them in the ledger.

        With both, one transaction does the two, so a record is counted once even if it is
        resent after a crash. A failure is logged: the records stay in the outbox, and the next
        batcher on the file resends them (answered as replays) and counts them then.
        """
        if not records:
            return
        try:
            if self.settings.ledger and self.outbox is not None:
                self.outbox.acknowledge(records, tally(records))
            elif self.outbox is not None:
                self.outbox.remove(records)
            if self._memory_ledger is not None:
                self._memory_ledger.add(tally(records))
        except Exception:
            logger.exception("could not delete delivered usage records from the outbox")

    def _combinable(self, key: str) -> bool:
        # Only keys this batcher generated in this process, never sent: records recovered from
        # an outbox, keyed by the application, or handed back after an attempt keep their keys.
        return key.startswith(self._key_prefix) and key not in self._attempted

    def _handed_back(self, raws: Sequence[RawRecord]) -> None:
        """Remember records returned to the queue after an attempt (rollup leaves them alone)."""
        if self._rollup_rules is not None:
            self._attempted.update(raw[0] for raw in raws)

    def _dimensions_to_read(self, records: Sequence[WireRecord]) -> set[str]:
        """The dimensions whose configuration rollup still needs; empty without rollup."""
        rules = self._rollup_rules
        if rules is None or len(records) < 2:
            return set()
        return rules.missing((r.dimension_id for r in records), _monotonic())

    def _learn_dimension(self, dimension_id: str, dimension: object, error: object) -> None:
        """Keep what reading one dimension told rollup (`error` is the exception, if any)."""
        rules = self._rollup_rules
        if rules is None:
            return
        if error is None:
            rules.learn(
                dimension_id,
                getattr(dimension, "aggregation_method", None),
                getattr(dimension, "payment_schedule", None),
            )
        elif isinstance(error, NotFoundError | ClientValidationError):
            rules.learn_not_combinable(dimension_id)
        else:
            logger.debug("could not read dimension %s for rollup: %s", dimension_id, error)
            rules.learn_failed(dimension_id, _monotonic())

    def _roll_up(self, records: list[WireRecord]) -> list[WireRecord]:
        """Combine what rollup may combine; with an outbox, swap the records there first.

        When the outbox cannot be changed, the records are sent as they are.
        """
        rules = self._rollup_rules
        if rules is None or len(records) < 2:
            return records
        plan = roll_up(records, rules, self._combinable)
        combined = [c for c in plan if c.combined]
        if not combined:
            return records
        if self.outbox is not None:
            try:
                self.outbox.replace(
                    [m for c in combined for m in c.members], [c.record.raw() for c in combined]
                )
            except Exception:
                logger.exception("could not write combined usage records; sending them apart")
                return records
        return [c.record for c in plan]

    def _new_pace(self) -> None:
        """Start the adaptive concurrency, the in-flight ages and the stall alarm afresh."""
        settings = self.settings
        self._pace = ConcurrencyLimit(
            initial=settings.concurrency,
            maximum=settings.max_concurrency,
            fixed=settings.concurrency_fixed,
        )
        client = getattr(self, "_client", None)
        if not settings.concurrency_fixed and getattr(client, "_in_process", None) is not None:
            # A server in this process has no I/O to overlap: a second worker only waits for
            # the GIL and the server's lock, so one sends everything.
            self._pace = ConcurrencyLimit(initial=1, maximum=1, fixed=True)
        # The oldest record of each unit in flight, by the unit's id (records leave the queue
        # while they fly, but they are still pending).
        self._flying: dict[int, float] = {}
        self._stall = StallAlarm(
            settings.stall_after * settings.flush_interval, self._on_stall, logger
        )

    def _on_stall(self, _age: float) -> None:
        callback = self.settings.on_stall
        if callback is not None:
            callback(self.stats())

    def stats(self) -> DeliveryStats:
        """Return the batcher's counters; each batcher class defines it."""
        raise NotImplementedError

    def _oldest_age(self) -> float | None:
        """Seconds the oldest pending record (queued or in flight) has waited, or None."""
        oldest: float | None = None
        queue = self._queue
        try:
            oldest = queue[0][6] if queue else None
        except IndexError:  # emptied by a worker meanwhile
            oldest = None
        flying = list(self._flying.values())
        if flying:
            first = min(flying)
            oldest = first if oldest is None else min(oldest, first)
        return None if oldest is None else max(_monotonic() - oldest, 0.0)

    def _new_key(self) -> str:
        """The next generated idempotency key: the batcher's prefix and a counter in hex."""
        keys = self._keys
        return keys.pop() if keys else self._more_keys()

    def _more_keys(self) -> str:
        # Keys are formatted a block at a time, in one string operation, so that `add` only pops
        # one (formatting each on its own was a quarter of `add`'s cost). Each block's numbers
        # come from an atomic counter, so threads refilling at once still never share a key.
        start = next(self._key_blocks)
        numbers = tuple(range(start + _KEY_BLOCK - 1, start - 1, -1))
        keys = ((self._key_prefix + "%x ") * _KEY_BLOCK % numbers).split()
        self._keys = keys
        return keys.pop()

    def _reset_queue_after_fork(self) -> None:
        # The child starts empty: the parent still owns (and will deliver) everything queued
        # before the fork, including the rows of a shared outbox file.
        self._queue = deque()
        self._trigger = self._max_batch
        self._key_prefix = new_key_prefix()
        self._key_blocks = itertools.count(0, _KEY_BLOCK)
        self._keys = []
        self.ledger = OutcomeLedger()
        self._store_lock = threading.Lock()
        if self._memory_ledger is not None:
            self._memory_ledger.after_fork_in_child()
        self._attempted = set()
        if self.outbox is not None:
            self.outbox.after_fork_in_child()
        if self._unstored is not None:
            self._unstored = deque()

    def _make_record(
        self,
        customer_id: str,
        dimension_id: str,
        value: Decimal | int | str,
        timestamp: datetime | None,
        metadata: Mapping[str, Any] | None,
        idempotency_key: str | None,
    ) -> RawRecord:
        # The fast path: exact types only. Anything unusual (subclasses, bad values) goes through
        # `_make_record_slowly`, which accepts what is valid and explains what is not.
        value_type = type(value)
        if (
            type(customer_id) is not str
            or not customer_id
            or type(dimension_id) is not str
            or not dimension_id
            or not (
                value_type is int
                or (value_type is Decimal and value.is_finite())  # type: ignore[union-attr]
                or (value_type is str and _is_plain_decimal(value))  # type: ignore[arg-type]
            )
            or (
                timestamp is not None
                and (type(timestamp) is not datetime or timestamp.tzinfo is None)
            )
            or (metadata is not None and type(metadata) is not dict)
        ):
            return self._make_record_slowly(
                customer_id, dimension_id, value, timestamp, metadata, idempotency_key
            )
        key = self._new_key() if idempotency_key is None else check_key(idempotency_key)
        return (
            key,
            customer_id,
            dimension_id,
            value,
            self._now() if timestamp is None else timestamp,
            None if metadata is None else metadata.copy(),
            _monotonic(),
        )

    def _make_record_slowly(
        self,
        customer_id: object,
        dimension_id: object,
        value: object,
        timestamp: object,
        metadata: object,
        idempotency_key: str | None,
    ) -> RawRecord:
        valid = (
            isinstance(customer_id, str)
            and bool(customer_id)
            and isinstance(dimension_id, str)
            and bool(dimension_id)
            and not isinstance(value, bool | float)
            and (
                isinstance(value, int)
                or (isinstance(value, Decimal) and value.is_finite())
                or (isinstance(value, str) and is_plain_decimal(value))
            )
            and (
                timestamp is None
                or (isinstance(timestamp, datetime) and timestamp.utcoffset() is not None)
            )
            and (metadata is None or isinstance(metadata, Mapping))
        )
        if not valid:
            check_record(customer_id, dimension_id, value, timestamp, metadata)
        assert isinstance(customer_id, str) and isinstance(dimension_id, str)  # noqa: PT018
        assert isinstance(value, Decimal | int | str)
        assert timestamp is None or isinstance(timestamp, datetime)
        assert metadata is None or isinstance(metadata, Mapping)
        if isinstance(value, int) and type(value) is not int:
            value = int(value)
        if isinstance(value, str) and type(value) is not str:
            value = str(value)
        key = self._new_key() if idempotency_key is None else check_key(idempotency_key)
        return (
            key,
            str(customer_id),
            str(dimension_id),
            value,
            self._now() if timestamp is None else timestamp,
            None if metadata is None else dict(metadata),
            _monotonic(),
        )

    def _durable(self, record: RawRecord) -> None:
        outbox = self._sync_outbox
        if outbox is not None:
            outbox.put([record])

    def _store_pending(self) -> None:
        """Write the records a "batch" outbox has not received yet; a no-op without one.

        Holding the lock for the whole drain-and-commit matters: a worker about to send must not
        find the list empty while another thread still holds its records uncommitted.

        Raises:
            sqlite3.Error: when the file cannot be written (the records stay listed).
        """
        unstored = self._unstored
        if unstored is None or self.outbox is None:
            return
        with self._store_lock:
            batch: list[RawRecord] = []
            while unstored:
                batch.append(unstored.popleft())
            if not batch:
                return
            try:
                self.outbox.put(batch, skip_invalid=True)
            except BaseException:
                unstored.extendleft(reversed(batch))
                raise


def call_back(
    callback: Callable[[RecordOutcome], object] | None, outcomes: list[RecordOutcome]
) -> None:
    """Run a user callback for each outcome; its exceptions are logged, never raised."""
    if callback is None:
        return
    for outcome in outcomes:
        try:
            callback(outcome)
        except Exception:
            logger.exception("a usage batcher callback raised; the outcome was still recorded")


def log_outcomes(outcomes: list[RecordOutcome]) -> None:
    """Log rejected and expired records (ids and key only; never credentials or metadata)."""
    for outcome in outcomes:
        if outcome.ok:
            continue
        logger.warning(
            "usage record %s for customer %s, dimension %s was not delivered (%s, status %s): %s",
            outcome.record.idempotency_key,
            outcome.record.customer_id,
            outcome.record.dimension_id,
            outcome.kind.value,
            outcome.status_code,
            outcome.messages[0] if outcome.messages else "",
        )


def announce(step: Finish, settings: BatcherSettings) -> None:
    """Tell the user what a finished step decided: its warning, failures and deliveries.

    The part of settling a `Finish` that both shells share; each does its own outbox I/O first.
    Callback exceptions are logged, never raised.
    """
    if step.warning is not None:
        logger.warning(step.warning)
    if step.failed:
        log_outcomes(list(step.failed))
        call_back(settings.on_error, list(step.failed))
    if step.delivered:
        call_back(settings.on_delivered, list(step.delivered))


class _Gate(Protocol):
    def set(self) -> None: ...


_G = TypeVar("_G", bound=_Gate)


def unpark(parked: dict[int, _G], below: float) -> None:
    """Wake the parked workers numbered below `below` (the new concurrency limit, or infinity
    when the batcher stops), and forget their events; the others stay parked."""
    for number in [number for number in parked if number < below]:
        parked.pop(number).set()
