"""What a usage batcher did with its records: per-record outcomes and delivery reports."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

__all__ = [
    "DeliveryReport",
    "DeliveryStats",
    "OutcomeKind",
    "QueuedRecord",
    "RecordOutcome",
    "RejectedRecord",
]


@dataclass(frozen=True, slots=True)
class QueuedRecord:
    """One usage record as the batcher holds it, with the idempotency key it was given at `add`."""

    idempotency_key: str
    """Sent as the `Idempotency-Key` header on every attempt, across retries and restarts."""
    customer_id: str
    dimension_id: str
    record_value: Decimal
    timestamp: datetime
    """Aware, in UTC."""
    metadata: dict[str, Any] | None = None


class OutcomeKind(enum.StrEnum):
    """How the delivery of one record ended."""

    DELIVERED = "delivered"
    """The server stored the record."""
    REPLAYED = "replayed"
    """The server had already stored a record with this key and answered as an idempotent replay."""
    REJECTED = "rejected"
    """The server refused the record for good (a 4xx other than 401, 408, 429); never retried."""
    EXPIRED = "expired"
    """Transient failures lasted past `retry_deadline`; the record may still be unsent."""


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    """The final outcome of one record, passed to `on_delivered` and `on_error` callbacks."""

    record: QueuedRecord
    kind: OutcomeKind
    status_code: int | None = None
    """The HTTP status of the last reply, or None when the last attempt got no reply."""
    messages: tuple[str, ...] = ()
    """The server's messages (for a rejection), or a description of the last failure."""

    @property
    def ok(self) -> bool:
        """Whether the server holds the record (stored now or by an earlier attempt)."""
        return self.kind in (OutcomeKind.DELIVERED, OutcomeKind.REPLAYED)


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """A record the batcher could not deliver, with the server's reason.

    `permanent` is True when the server refused the record (retrying cannot help) and False when
    transient failures outlasted `retry_deadline`; with an outbox, non-permanent failures stay on
    disk and are sent again by the next batcher opened on the same file.
    """

    record: QueuedRecord
    status_code: int | None
    reason: str
    messages: tuple[str, ...] = ()
    permanent: bool = True


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What happened to the records since the previous report of the same batcher.

    `delivered` counts every record the server acknowledged, including those acknowledged as
    idempotent replays; `replayed` counts the replays among them (the server already had the
    record, so it was counted once). `pending` counts records still queued or in flight when the
    report was taken, for example because `flush` or `close` reached its timeout. `dropped` counts
    records refused by a full queue under the `drop` policy.
    """

    delivered: int = 0
    replayed: int = 0
    rejected: tuple[RejectedRecord, ...] = ()
    pending: int = 0
    dropped: int = 0

    @property
    def complete(self) -> bool:
        """Whether every record was acknowledged: nothing rejected, pending or dropped."""
        return not self.rejected and not self.pending and not self.dropped


@dataclass(frozen=True, slots=True)
class DeliveryStats:
    """Counters of a batcher since it was created (in this process)."""

    queued: int
    """Records waiting in the queue."""
    in_flight: int
    """Records taken from the queue whose delivery has not finished."""
    delivered: int
    """Records acknowledged, including idempotent replays."""
    retried: int
    """Attempts repeated after a transient failure (one per request, whatever its size)."""
    rejected: int
    """Records refused by the server or given up after `retry_deadline`."""
    dropped: int
    """Records refused by a full queue under the `drop` policy."""
    replayed: int = 0
    """Records acknowledged as idempotent replays (included in `delivered`)."""
    sent: int = 0
    """Requests sent, retries included (one per record, or one per wire batch)."""
    oldest_pending_age: float | None = None
    """Seconds the oldest record still queued or in flight has waited since `add`; None if none."""
    concurrency: int = 0
    """Requests the batcher may have in flight now (adaptive unless `concurrency` was given)."""
    stalled: bool = False
    """Whether the stall alarm is raised: the oldest pending record is older than
    `stall_after` flush intervals."""
