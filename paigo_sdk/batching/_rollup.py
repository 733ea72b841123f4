"""Combine usage records before sending when the dimension's aggregation makes it exact.

Paigo bills a bucket by its aggregate, rounded once per bucket (B3, B4): `rounding(a_b / inc)`.
Records of one customer and dimension, in one UTC hour and with one metadata map, always fall in
the same bucket (hours subdivide every `aggregationInterval` and every calendar cycle) and in the
same metadata group, so replacing them by one record whose value is their aggregate leaves `a_b`,
and so every invoice, unchanged:

- `sum`: the exact sum of the values;
- `max` / `min`: the extreme value;
- `last`: the record with the latest timestamp (ties: the one added last), kept as it is.

`count` and `average` read the number of records, so they are never combined. A dimension with
`paymentSchedule = upfront` is priced on its latest record (B7), so only `last` is combined there.

A combined record gets its own idempotency key, derived from the keys it replaces, and the
timestamp of the latest record it replaces (for `last`, the chosen record's). Everything here is
pure: the batcher fetches each dimension once (`RollupRules.missing`, `RollupRules.learn`) and
calls `roll_up` on the records it is about to send.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from paigo_sdk._wire import is_plain_decimal
from paigo_sdk.batching._exact import exact_sum
from paigo_sdk.batching._planner import WireRecord, format_timestamp, to_datetime

__all__ = ["COMBINED_KEY_PREFIX", "Combined", "RollupRules", "combinable_method", "roll_up"]

COMBINED_KEY_PREFIX: Final = "rollup-"
"""Idempotency keys of combined records start with this, followed by 32 hex digits."""

_EXACT_METHODS: Final = frozenset({"sum", "max", "min", "last"})


def combinable_method(method: object, payment_schedule: object) -> str | None:
    """Return the aggregation method to combine by, or None when combining would not be exact.

    Unknown methods (a dimension read without one, or a value this SDK does not know) are never
    combined.
    """
    name = getattr(method, "value", method)
    schedule = getattr(payment_schedule, "value", payment_schedule)
    if name not in _EXACT_METHODS:
        return None
    if schedule == "upfront" and name != "last":
        return None
    return str(name)


class RollupRules:
    """What the batcher knows about each dimension: the method to combine by, or None.

    Each dimension is read once; the answer is kept for the batcher's lifetime. Not thread-safe
    on its own: the batcher learns under its lock (a race costs one extra read, never a wrong
    answer).
    """

    def __init__(self, retry_after: float = 30.0) -> None:
        self._methods: dict[str, str | None] = {}
        self._retry_at: dict[str, float] = {}
        self._retry_after = retry_after

    def missing(self, dimension_ids: Iterable[str], now: float = 0.0) -> set[str]:
        """Return the dimensions among `dimension_ids` to read now.

        A dimension whose read failed is not read again for `retry_after` seconds (its records
        are sent as they are meanwhile), so an outage does not add a read to every send.
        """
        return {
            d for d in dimension_ids if d not in self._methods and self._retry_at.get(d, 0.0) <= now
        }

    def learn_failed(self, dimension_id: str, now: float) -> None:
        """Note that reading a dimension failed; try again `retry_after` seconds from `now`."""
        self._retry_at[dimension_id] = now + self._retry_after

    def learn(self, dimension_id: str, method: object, payment_schedule: object) -> None:
        """Keep what a dimension's configuration says about combining its records."""
        self._methods[dimension_id] = combinable_method(method, payment_schedule)

    def learn_not_combinable(self, dimension_id: str) -> None:
        """Never combine this dimension's records (for example: it does not exist)."""
        self._methods[dimension_id] = None

    def method(self, dimension_id: str) -> str | None:
        """Return the method to combine this dimension's records by, or None."""
        return self._methods.get(dimension_id)


@dataclass(frozen=True, slots=True)
class Combined:
    """One record to send, and the queued records it stands for (itself when not combined)."""

    record: WireRecord
    members: tuple[WireRecord, ...]

    @property
    def combined(self) -> bool:
        """Whether this record replaces several queued records."""
        return len(self.members) > 1


def _metadata_key(metadata: dict[str, Any] | None) -> object:
    # One key per distinct map, keeping 1, 1.0, True and "1" apart, as the server sees them.
    if metadata is None:
        return ""
    if len(metadata) <= 16 and all(
        type(key) is str and type(item) in _FLAT_TYPES for key, item in metadata.items()
    ):
        # Keys are distinct, so sorting never compares the types or values.
        return tuple(sorted((key, type(item), item) for key, item in metadata.items()))
    return json.dumps(metadata, sort_keys=True, separators=(",", ":"), default=repr)


_FLAT_TYPES: Final = frozenset({str, int, bool, type(None)})


def _utc_moment(timestamp: str) -> str:
    """A body's timestamp as the planner writes it, `2026-11-24T08:00:00.000Z` (UTC).

    Such strings sort as their moments do; any other form is converted first.
    """
    if len(timestamp) == 24 and timestamp[10] == "T" and timestamp[23] == "Z":
        return timestamp
    return format_timestamp(to_datetime(timestamp))


def combined_key(members: Sequence[WireRecord]) -> str:
    """Derive a combined record's idempotency key from the keys of the records it replaces."""
    digest = hashlib.blake2b(digest_size=16)
    for member in members:
        digest.update(member.key.encode())
        digest.update(b",")
    return COMBINED_KEY_PREFIX + digest.hexdigest()


def _latest(members: Sequence[WireRecord]) -> int:
    # The latest timestamp; among equal timestamps, the record added last (B3's tie rule).
    moments = [_utc_moment(m.body["timestamp"]) for m in members]
    return max(range(len(members)), key=lambda i: (moments[i], i))


def _combine(method: str, members: list[WireRecord]) -> WireRecord | None:
    latest = _latest(members)
    if method == "last":
        chosen = members[latest]
        value_text = chosen.body["recordValue"]
        timestamp = chosen.body["timestamp"]
    else:
        values = [Decimal(m.body["recordValue"]) for m in members]
        if method == "sum":
            value = exact_sum(values)
        elif method == "max":
            value = max(values)
        else:
            value = min(values)
        value_text = format(value, "f")
        timestamp = members[latest].body["timestamp"]
        if not is_plain_decimal(value_text):
            return None  # too many digits for the wire: send the records as they are
    first = members[0]
    body = dict(first.body)
    body["recordValue"] = value_text
    body["timestamp"] = timestamp
    size = first.size - len(first.body["recordValue"]) - len(first.body["timestamp"])
    return WireRecord(
        combined_key(members),
        first.customer_id,
        first.dimension_id,
        first.metadata,
        body,
        size + len(value_text) + len(timestamp),
        first.stored,
        None,
        min(m.queued_at for m in members),
    )


def roll_up(
    records: Sequence[WireRecord],
    rules: RollupRules,
    combinable: Callable[[str], bool] = lambda _key: True,
) -> list[Combined]:
    """Combine the records that may be combined; keep the others as they are.

    `combinable(key)` says whether a record may lose its key in a combined record: a record
    that may already have reached Paigo, or whose key the application chose, must keep it.

    Records group by customer, dimension, UTC hour of the timestamp and metadata map. The result
    keeps the queue's order. A combined `last` record takes the place of the record it keeps, so
    that among equal timestamps in different metadata maps the server still receives the values
    in the order they were added; other combined records take the place of their last member.
    """
    groups: dict[tuple[str, str, str, object], list[int]] = {}
    for index, record in enumerate(records):
        if (
            record.error is not None
            or rules.method(record.dimension_id) is None
            or not combinable(record.key)
        ):
            continue
        key = (
            record.customer_id,
            record.dimension_id,
            _utc_moment(record.body["timestamp"])[:13],  # the UTC hour: "2026-11-24T08"
            _metadata_key(record.metadata),
        )
        groups.setdefault(key, []).append(index)
    placed: dict[int, Combined] = {}
    absorbed: set[int] = set()
    for indices in groups.values():
        if len(indices) < 2:
            continue
        members = [records[i] for i in indices]
        method = rules.method(members[0].dimension_id)
        assert method is not None
        joined = _combine(method, members)
        if joined is None:
            continue
        place = indices[_latest(members)] if method == "last" else indices[-1]
        placed[place] = Combined(joined, tuple(members))
        absorbed.update(i for i in indices if i != place)
    out: list[Combined] = []
    for index, record in enumerate(records):
        if index in absorbed:
            continue
        out.append(placed.get(index) or Combined(record, (record,)))
    return out
