"""Usage records in a compact columnar store, idempotency keys and per-hour rollups (B2).

Each (customer, dimension) owns one `Series`: parallel arrays of timestamps (microseconds since
the epoch), values (integers scaled by a per-series power of ten) and interned metadata ids. No
object is made per record. At ingest every record is also folded into an hourly rollup per
metadata id, so a cycle's aggregation merges at most one rollup per hour instead of rescanning raw
records (B3).
"""

from __future__ import annotations

import copy
import json
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from simulator.engine.numbers import EXACT

__all__ = [
    "HOUR_US",
    "Agg",
    "Series",
    "UsageStore",
    "from_us",
    "merge",
    "plain",
    "to_us",
    "unscale",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOUR_US = 3_600_000_000
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_OVERFLOW = _INT64_MIN  # marks a value kept in `Series.big` because it does not fit in 64 bits

# An aggregate of one bucket, in the series' scaled integers:
# [sum, count, min, max, last_ts, last_seq, last_value].
Agg = list[int]


def to_us(moment: datetime) -> int:
    """Return `moment` as whole microseconds since the Unix epoch (UTC)."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    """Return the aware UTC datetime of `us` microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=us)


def unscale(n: int, scale: int) -> Decimal:
    """Return the exact Decimal of the scaled integer `n`."""
    return Decimal(n) if scale == 0 else Decimal(n).scaleb(-scale, EXACT)


def plain(value: Decimal) -> Decimal:
    """Return `value` without trailing fractional zeros and never in exponent form.

    The store keeps one scale per series, so a record sent as "1" after one sent as "0.8"
    would read back as "1.0"; views strip that padding (trailing fractional zeros are not kept).
    """
    if value == value.to_integral_value():
        return value.quantize(Decimal(1), context=EXACT)
    return value.normalize(EXACT)


def merge(into: Agg, other: Agg) -> None:
    """Fold `other` into `into` (same scale); `last` follows timestamp, then arrival (B3)."""
    into[0] += other[0]
    into[1] += other[1]
    if other[2] < into[2]:
        into[2] = other[2]
    if other[3] > into[3]:
        into[3] = other[3]
    if (other[4], other[5]) > (into[4], into[5]):
        into[4] = other[4]
        into[5] = other[5]
        into[6] = other[6]


class Series:
    """The records of one (customer, dimension), in arrival order, with hourly rollups."""

    __slots__ = (
        "big",
        "hours",
        "late",
        "latest",
        "max_ts",
        "meta",
        "scale",
        "sorted",
        "ts",
        "vals",
    )

    def __init__(self) -> None:
        self.ts = array("q")
        self.vals = array("q")
        self.meta = array("I")
        self.big: dict[int, int] = {}
        self.scale = 0
        self.sorted = True
        self.max_ts = _INT64_MIN
        self.latest = -1
        """Index of the record with the latest timestamp (ties: the last to arrive)."""
        self.hours: dict[int, dict[int, Agg]] = {}
        """metadata id -> hour index -> aggregate."""
        self.late: list[int] = []
        """Indices of records that arrived for an already invoiced period (B9)."""

    def __len__(self) -> int:
        return len(self.ts)

    def scaled(self, value: Decimal) -> int:
        """Return `value` as an integer in this series' scale, widening the scale when needed."""
        q = value.scaleb(self.scale, EXACT)
        n = int(q)
        if q != n:
            exponent = value.as_tuple().exponent
            assert isinstance(exponent, int)
            self._rescale(-exponent - self.scale)
            n = int(value.scaleb(self.scale, EXACT))
        return n

    def value(self, index: int) -> int:
        """Return the scaled value of record `index`."""
        v = self.vals[index]
        return self.big[index] if v == _OVERFLOW else v

    def append(self, ts: int, n: int, meta_id: int) -> int:
        """Store one record (scaled value `n`) and update its hour rollup; return its index."""
        index = len(self.ts)
        self.ts.append(ts)
        if _INT64_MIN < n <= _INT64_MAX:
            self.vals.append(n)
        else:
            self.vals.append(_OVERFLOW)
            self.big[index] = n
        self.meta.append(meta_id)
        if ts >= self.max_ts:
            self.max_ts = ts
            self.latest = index
        else:
            self.sorted = False
        hours = self.hours.get(meta_id)
        if hours is None:
            hours = self.hours[meta_id] = {}
        hour = ts // HOUR_US
        agg = hours.get(hour)
        if agg is None:
            hours[hour] = [n, 1, n, n, ts, index, n]
        else:
            agg[0] += n
            agg[1] += 1
            if n < agg[2]:
                agg[2] = n
            if n > agg[3]:
                agg[3] = n
            if ts >= agg[4]:
                agg[4] = ts
                agg[5] = index
                agg[6] = n
        return index

    def _rescale(self, extra: int) -> None:
        factor = 10**extra
        self.scale += extra
        old, self.vals, big = self.vals, array("q"), self.big
        self.big = {}
        for i, v in enumerate(old):
            n = (big[i] if v == _OVERFLOW else v) * factor
            if _INT64_MIN < n <= _INT64_MAX:
                self.vals.append(n)
            else:
                self.vals.append(_OVERFLOW)
                self.big[i] = n
        for hours in self.hours.values():
            for agg in hours.values():
                agg[0] *= factor
                agg[2] *= factor
                agg[3] *= factor
                agg[6] *= factor

    def indices_between(self, start: int, end: int) -> Iterator[int]:
        """Yield the indices of records with `start <= ts < end`, in arrival order."""
        ts = self.ts
        if self.sorted:
            lo = bisect_left(ts, start)
            hi = bisect_left(ts, end)
            yield from range(lo, hi)
        else:
            for i, t in enumerate(ts):
                if start <= t < end:
                    yield i

    def scan(self, start: int, end: int) -> dict[int, Agg]:
        """Aggregate the raw records with `start <= ts < end` per metadata id (edge buckets)."""
        out: dict[int, Agg] = {}
        ts, meta = self.ts, self.meta
        for i in self.indices_between(start, end):
            t, n, m = ts[i], self.value(i), meta[i]
            agg = out.get(m)
            if agg is None:
                out[m] = [n, 1, n, n, t, i, n]
            else:
                merge(agg, [n, 1, n, n, t, i, n])
        return out


class UsageStore:
    """Every stored usage record, per (customer, dimension), with hourly rollups kept at ingest."""

    __slots__ = ("_last_meta", "_meta_ids", "keys", "metadata", "series")

    def __init__(self) -> None:
        self.series: dict[str, dict[str, Series]] = {}
        """customer id -> dimension id -> series."""
        self.keys: dict[str, set[str]] = {}
        """customer id -> accepted idempotency keys (B2)."""
        self.metadata: list[dict[str, Any]] = [{}]
        """Interned metadata maps; id 0 is the empty map. Never mutate these."""
        self._meta_ids: dict[object, int] = {}
        self._last_meta: tuple[dict[str, Any], int] = ({}, 0)

    def get(self, customer_id: str, dimension_id: str) -> Series | None:
        """Return the series of one (customer, dimension), if any record was stored."""
        per_customer = self.series.get(customer_id)
        return per_customer.get(dimension_id) if per_customer is not None else None

    def series_for(self, customer_id: str, dimension_id: str) -> Series:
        """Return the series of one (customer, dimension), creating it when missing."""
        per_customer = self.series.get(customer_id)
        if per_customer is None:
            per_customer = self.series[customer_id] = {}
        series = per_customer.get(dimension_id)
        if series is None:
            series = per_customer[dimension_id] = Series()
        return series

    def intern(self, metadata: dict[str, Any] | None) -> int:
        """Return the id of `metadata`, storing a private copy on first sight."""
        if not metadata:
            return 0
        last, last_id = self._last_meta
        if metadata is last or metadata == last:
            return last_id
        try:
            # Fast path: the same map sent with the same key order.
            fast: object = tuple(metadata.items())
            found = self._meta_ids.get(fast)
        except TypeError:
            fast, found = None, None
        if found is None:
            try:
                key: object = tuple(sorted(metadata.items()))
                hash(key)
            except TypeError:
                key = json.dumps(metadata, sort_keys=True, default=str)
            found = self._meta_ids.get(key)
            if found is None:
                found = self._meta_ids[key] = len(self.metadata)
                self.metadata.append(copy.deepcopy(metadata))
            if fast is not None:
                self._meta_ids[fast] = found
        self._last_meta = (self.metadata[found], found)
        return found

    def forget_customer(self, customer_id: str) -> None:
        """Drop every record and key of one customer."""
        self.series.pop(customer_id, None)
        self.keys.pop(customer_id, None)
