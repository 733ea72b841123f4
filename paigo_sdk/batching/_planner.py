"""Decide, without any I/O, how queued usage records are keyed, chunked, retried and reported.

These are the building blocks of `paigo_sdk.batching._core`, which strings them into the steps of
delivering one unit; the threaded and asyncio batchers only perform those steps, so the two
drivers cannot disagree.

A record travels in two shapes:

- the *raw* tuple built by `add` on the caller's thread, as cheap as possible:
  `(key, customer_id, dimension_id, value, timestamp, metadata)`, where `value` is the caller's
  `Decimal`, `int` or plain decimal string and `timestamp` is an aware `datetime`, an `int` of
  nanoseconds since the epoch (the default, read with `time.time_ns()`), or an RFC 3339 string read
  back from an outbox;
- the `WireRecord`, prepared on a worker: the wire body and its encoded size.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from paigo_sdk._wire import (
    MAX_IDEMPOTENCY_KEY_LENGTH,
    check_idempotency_key,
    format_timestamp,
    is_plain_decimal,
)
from paigo_sdk.batching.report import (
    DeliveryReport,
    DeliveryStats,
    OutcomeKind,
    QueuedRecord,
    RecordOutcome,
    RejectedRecord,
)
from paigo_sdk.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientValidationError,
    bounded,
)

__all__ = [
    "MAX_KEY_LENGTH",
    "Attempt",
    "OutcomeLedger",
    "RawRecord",
    "RetryPlan",
    "WireRecord",
    "check_key",
    "check_record",
    "classify",
    "format_timestamp",
    "is_plain_decimal",
    "new_key_prefix",
    "outcome",
    "plan_chunks",
    "prepare",
    "to_datetime",
]

RawRecord = tuple[
    str, str, str, Decimal | int | str, datetime | int | str, dict[str, Any] | None, float
]
"""`(key, customer_id, dimension_id, value, timestamp, metadata, queued_at)` as built by `add`.

`queued_at` is `time.monotonic()` when the record was accepted: the age `stats()` reports."""

MAX_KEY_LENGTH: Final = MAX_IDEMPOTENCY_KEY_LENGTH
_NS_PER_SECOND: Final = 1_000_000_000


def new_key_prefix() -> str:
    """Draw the random prefix of generated idempotency keys, e.g. `9f2c61d0a4b7e3e1-`.

    Generated keys are this prefix followed by a per-batcher counter in hex: cheaper than
    `uuid4().hex` on the hot path (no system call per key) and as unique. A batcher draws a new
    prefix when created and again after `fork`, so a child never reuses its parent's keys.
    """
    return secrets.token_hex(8) + "-"


def check_key(key: object) -> str:
    """Return `key` when it can travel in an `Idempotency-Key` header (and in a batch of keys).

    Raises:
        ClientValidationError: unless `key` is 1..255 printable ASCII characters without commas
            or spaces.
    """
    return check_idempotency_key(key)


def check_record(
    customer_id: object,
    dimension_id: object,
    value: object,
    timestamp: object,
    metadata: object,
) -> None:
    """Explain why `add`'s arguments are invalid; called only once a fast check has failed.

    Raises:
        ClientValidationError: always, naming every invalid argument.
    """
    problems: list[str] = []
    if not isinstance(customer_id, str) or not customer_id:
        problems.append("customer_id must be a non-empty string")
    if not isinstance(dimension_id, str) or not dimension_id:
        problems.append("dimension_id must be a non-empty string")
    if isinstance(value, float):
        problems.append(
            "value must not be a float (it loses precision); "
            "pass a Decimal, an int or a decimal string such as '0.87'"
        )
    elif isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        problems.append("value must be a Decimal, an int or a plain decimal string")
    elif isinstance(value, Decimal) and not value.is_finite():
        problems.append("value must be a finite number")
    elif isinstance(value, str) and not is_plain_decimal(value):
        problems.append(f"value {value!r} is not a plain decimal string such as '0.87'")
    if timestamp is not None and (
        not isinstance(timestamp, datetime) or timestamp.utcoffset() is None
    ):
        problems.append(
            "timestamp must be a timezone-aware datetime (naive datetimes are ambiguous)"
        )
    if metadata is not None and not isinstance(metadata, Mapping):
        problems.append("metadata must be a mapping of strings to JSON values")
    raise ClientValidationError(problems or ["invalid usage record"])


def to_datetime(timestamp: datetime | int | str) -> datetime:
    """Read a raw record's timestamp (datetime, epoch nanoseconds or RFC 3339) as aware UTC."""
    if isinstance(timestamp, datetime):
        return timestamp.astimezone(UTC)
    if isinstance(timestamp, int):
        seconds, nanoseconds = divmod(timestamp, _NS_PER_SECOND)
        return datetime.fromtimestamp(seconds, UTC).replace(microsecond=nanoseconds // 1000)
    return datetime.fromisoformat(timestamp).astimezone(UTC)


@dataclass(slots=True)
class WireRecord:
    """A record prepared for the wire: its body, its key and the size of its JSON encoding.

    The value and the timestamp live in `body` as wire strings; `value` and `timestamp` read them
    back, which only reports and callbacks need.
    """

    key: str
    customer_id: str
    dimension_id: str
    metadata: dict[str, Any] | None
    body: dict[str, Any]
    size: int
    stored: bool = False
    """Whether the record is already in the outbox."""
    error: str | None = None
    """Why the record cannot be sent at all (for example metadata that is not JSON)."""
    queued_at: float = 0.0
    """`time.monotonic()` when the record was accepted."""

    @property
    def value(self) -> Decimal:
        """The record's value."""
        return Decimal(self.body["recordValue"])

    @property
    def timestamp(self) -> datetime:
        """The record's timestamp, aware, in UTC."""
        return to_datetime(self.body["timestamp"])

    def raw(self) -> RawRecord:
        """This record as a raw tuple again, to put it back in the queue."""
        body = self.body
        return (
            self.key,
            self.customer_id,
            self.dimension_id,
            body["recordValue"],
            body["timestamp"],
            self.metadata,
            self.queued_at,
        )

    def queued(self) -> QueuedRecord:
        """The public view of this record, for reports and callbacks."""
        return QueuedRecord(
            idempotency_key=self.key,
            customer_id=self.customer_id,
            dimension_id=self.dimension_id,
            record_value=self.value,
            timestamp=self.timestamp,
            metadata=self.metadata,
        )


def _decimal_as_text(value: object) -> str:
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} values cannot be written as JSON")


# The C encoder, for sizing only: a Decimal in metadata is measured as a string (two bytes more
# than the number the client will write), which errs on the safe side of the byte limit.
_encode = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_decimal_as_text
).encode
_BARE_BODY_SIZE: Final = len(
    _encode({"customerId": "", "dimensionId": "", "recordValue": "", "timestamp": ""})
)
_second: tuple[int, str] = (-1, "")


def _format_nanoseconds(nanoseconds: int) -> str:
    # Records added within one second share its formatted prefix; the cache is one tuple, so a
    # race between workers costs a recomputation, never a wrong timestamp.
    global _second
    seconds, rest = divmod(nanoseconds, _NS_PER_SECOND)
    cached = _second
    if cached[0] != seconds:
        cached = (seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)))
        _second = cached
    return f"{cached[1]}.{rest // 1_000_000:03d}Z"


def _plain(text: str) -> bool:
    # True when JSON writes the string as is, so its length is its encoded size.
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


_METADATA_MEMBER: Final = len(',"metadata":')


def _flat_metadata_size(metadata: object) -> int | None:
    """The bytes `,"metadata":{...}` adds to a body, for a small flat map; None otherwise.

    Small and flat: at most 16 members, each a plain string key and None, a bool, an int or a
    plain string (see `_plain`). Anything else is measured by encoding it.
    """
    if type(metadata) is not dict or len(metadata) > 16:
        return None
    size = _METADATA_MEMBER + 2 + max(len(metadata) - 1, 0)  # braces and commas
    for key, item in metadata.items():
        if type(key) is not str or not _plain(key):
            return None
        size += len(key) + 3  # the key's quotes and the colon
        if item is None or item is True:
            size += 4
        elif item is False:
            size += 5
        elif type(item) is int:
            size += len(str(item))
        elif type(item) is str and _plain(item):
            size += len(item) + 2
        else:
            return None
    return size


def prepare(raw: RawRecord, *, stored: bool = False) -> WireRecord:
    """Turn a raw tuple from the queue into a `WireRecord`; runs on a worker, never on `add`."""
    key, customer_id, dimension_id, value, timestamp, metadata, queued_at = raw
    if type(value) is int:
        text = str(value)
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = str(value)  # an int subclass or a plain decimal string, checked by `add`
    if type(timestamp) is int:
        moment = _format_nanoseconds(timestamp)
    elif isinstance(timestamp, str):
        moment = timestamp if timestamp.endswith("Z") else format_timestamp(to_datetime(timestamp))
    else:
        moment = format_timestamp(to_datetime(timestamp))
    body: dict[str, Any] = {
        "customerId": customer_id,
        "dimensionId": dimension_id,
        "recordValue": text,
        "timestamp": moment,
    }
    error: str | None = None
    plain = _plain(customer_id) and _plain(dimension_id)
    extra = 0 if metadata is None else _flat_metadata_size(metadata) if plain else None
    if plain and extra is not None:
        size = _BARE_BODY_SIZE + len(customer_id) + len(dimension_id) + len(text) + len(moment)
        if metadata is not None:
            body["metadata"] = metadata
            size += extra
    else:
        if metadata is not None:
            body["metadata"] = metadata
        try:
            size = len(_encode(body).encode())
        except (TypeError, ValueError) as exc:
            error, size = f"metadata cannot be written as JSON: {exc}", 0
    return WireRecord(
        key, customer_id, dimension_id, metadata, body, size, stored, error, queued_at
    )


def plan_chunks(
    records: Sequence[WireRecord],
    *,
    max_count: int,
    max_bytes: int,
    max_key_bytes: int,
) -> list[list[WireRecord]]:
    """Split records, in order, into chunks for `record_batch`.

    Each chunk has at most `max_count` records, a JSON array body of at most `max_bytes` and an
    `Idempotency-Key` header (keys joined by commas) of at most `max_key_bytes`. A single record
    larger than a limit still gets a chunk of its own, so the server can say what is wrong with it.
    """
    chunks: list[list[WireRecord]] = []
    current: list[WireRecord] = []
    keys: set[str] = set()
    body_bytes = 2  # "[" and "]"
    key_bytes = 0
    for record in records:
        more_body = record.size + (1 if current else 0)
        more_keys = len(record.key) + (1 if current else 0)
        if current and (
            len(current) >= max_count
            or body_bytes + more_body > max_bytes
            or key_bytes + more_keys > max_key_bytes
            # A key repeated within one request is refused: the repeat starts a new chunk.
            or record.key in keys
        ):
            chunks.append(current)
            current, body_bytes, key_bytes = [], 2, 0
            keys = set()
            more_body, more_keys = record.size, len(record.key)
        keys.add(record.key)
        current.append(record)
        body_bytes += more_body
        key_bytes += more_keys
    if current:
        chunks.append(current)
    return chunks


@dataclass(frozen=True, slots=True)
class Attempt:
    """How one failed attempt should be handled."""

    transient: bool
    """Retry later (with the same keys) rather than report the records as rejected."""
    split: bool = False
    """For a chunk: send its records one by one to find the bad ones (400 or 413)."""
    retry_after: float | None = None
    status_code: int | None = None
    messages: tuple[str, ...] = ()
    congestion: bool = False
    """The server pushed back (429, 5xx, a timeout): fewer requests should be in flight."""


PERMANENT_STATUSES: Final = frozenset({400, 404, 409, 410, 413, 422})
"""The statuses by which a server refuses a record itself; every other failure is retried."""


def classify(error: BaseException) -> Attempt:
    """Decide what a failed request means for its records.

    Only a definitive refusal of the record (400, 404, 409, 410, 413, 422) is permanent; 400 and
    413 first split a chunk to find the records at fault. Every other failure keeps the records
    and retries them with the same keys, so a retry is at worst a replay: connection errors,
    timeouts, 401 and 403 (a credentials outage), 408, 429, 5xx and other statuses, replies that
    could not be decoded or validated, and any unexpected exception.
    """
    if isinstance(error, APIStatusError):
        messages = tuple(error.messages)
        status = error.status_code
        if status in PERMANENT_STATUSES:
            return Attempt(False, split=status in (400, 413), status_code=status, messages=messages)
        return Attempt(
            True,
            retry_after=error.retry_after,
            status_code=status,
            messages=messages,
            congestion=status == 429 or status >= 500,
        )
    if isinstance(error, APIConnectionError):
        return Attempt(
            True,
            messages=(str(error) or type(error).__name__,),
            congestion=isinstance(error, APITimeoutError),
        )
    if isinstance(error, ClientValidationError):
        # The SDK refused to send: no retry can change that; a chunk is split to find the record.
        return Attempt(False, split=True, messages=tuple(error.messages))
    if isinstance(error, APIResponseValidationError):
        return Attempt(True, status_code=error.status_code, messages=(str(error),))
    return Attempt(True, messages=(bounded(f"{type(error).__name__}: {error}"),))


@dataclass(slots=True)
class RetryPlan:
    """Capped exponential backoff with full jitter, bounded by a total deadline.

    `Retry-After` is honoured as given (never shortened by jitter), capped at `max_retry_after`.
    """

    deadline: float
    """Seconds from the first attempt after which a record is given up."""
    initial_delay: float = 0.2
    max_delay: float = 5.0
    max_retry_after: float = 60.0
    uniform: Callable[[float, float], float] = field(default=random.uniform)

    def delay(self, attempt: int, retry_after: float | None, elapsed: float) -> float | None:
        """Seconds to wait before attempt number `attempt + 1`, or None to give up.

        Args:
            attempt: the number of attempts made so far (1 after the first failure).
            retry_after: the server's hint, if any.
            elapsed: seconds since the first attempt.
        """
        if retry_after is not None and retry_after >= 0:
            wait = min(retry_after, self.max_retry_after)
        else:
            ceiling = min(self.max_delay, self.initial_delay * (2 ** min(attempt - 1, 30)))
            wait = self.uniform(ceiling / 2, ceiling)
        if elapsed + wait > self.deadline:
            return None
        return wait


@dataclass(slots=True)
class OutcomeLedger:
    """Accumulate outcomes into stats and per-report figures; callers hold their own lock."""

    delivered: int = 0
    replayed: int = 0
    rejected: int = 0
    retried: int = 0
    dropped: int = 0
    sent: int = 0
    _report_delivered: int = 0
    _report_replayed: int = 0
    _report_dropped: int = 0
    _report_rejected: list[RejectedRecord] = field(default_factory=list)

    def acknowledged(self, count: int, replayed: int) -> None:
        """Count `count` records acknowledged, `replayed` of them as idempotent replays."""
        self.delivered += count
        self.replayed += replayed
        self._report_delivered += count
        self._report_replayed += replayed

    def refused(self, outcomes: Iterable[RecordOutcome]) -> None:
        """Record rejected or expired records."""
        for outcome in outcomes:
            self.rejected += 1
            permanent = outcome.kind is OutcomeKind.REJECTED
            reason = outcome.messages[0] if outcome.messages else outcome.kind.value
            self._report_rejected.append(
                RejectedRecord(
                    outcome.record, outcome.status_code, reason, outcome.messages, permanent
                )
            )

    def drop(self) -> None:
        """Count one record refused by a full queue."""
        self.dropped += 1
        self._report_dropped += 1

    def take_report(self, pending: int) -> DeliveryReport:
        """Return the report since the previous one and start a new one."""
        report = DeliveryReport(
            delivered=self._report_delivered,
            replayed=self._report_replayed,
            rejected=tuple(self._report_rejected),
            pending=pending,
            dropped=self._report_dropped,
        )
        self._report_delivered = self._report_replayed = self._report_dropped = 0
        self._report_rejected = []
        return report

    def stats(
        self,
        queued: int,
        in_flight: int,
        *,
        oldest_pending_age: float | None = None,
        concurrency: int = 0,
        stalled: bool = False,
    ) -> DeliveryStats:
        """Return the lifetime counters, with the gauges the caller measured."""
        return DeliveryStats(
            queued=queued,
            in_flight=in_flight,
            delivered=self.delivered,
            retried=self.retried,
            rejected=self.rejected,
            dropped=self.dropped,
            replayed=self.replayed,
            sent=self.sent,
            oldest_pending_age=oldest_pending_age,
            concurrency=concurrency,
            stalled=stalled,
        )


def outcome(record: WireRecord, kind: OutcomeKind, attempt: Attempt | None = None) -> RecordOutcome:
    """Build the public outcome of one record."""
    if attempt is None:
        return RecordOutcome(record.queued(), kind)
    return RecordOutcome(record.queued(), kind, attempt.status_code, attempt.messages)
