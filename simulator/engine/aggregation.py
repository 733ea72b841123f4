"""Buckets and the six aggregation methods (B3), and increments with explicit rounding (B4)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from simulator.engine.metering import HOUR_US, Agg, Series, from_us, merge, to_us, unscale
from simulator.engine.numbers import AVERAGE
from simulator.engine.state import TierGroup

__all__ = [
    "BucketKey",
    "bucket_aggregates",
    "bucket_quantity",
    "bucketer",
    "group_of",
    "increments",
    "method_value",
    "month_start",
    "next_month",
    "quantities",
]

DAY_US = 24 * HOUR_US

BucketKey = tuple[int, int]
"""(start, end) of a bucket in microseconds, already clipped to the window."""


def month_start(moment: datetime) -> datetime:
    """Return the first instant of `moment`'s calendar month in UTC."""
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def next_month(moment: datetime) -> datetime:
    """Return the first instant of the calendar month after `moment`'s (UTC)."""
    start = month_start(moment)
    if start.month == 12:
        return start.replace(year=start.year + 1, month=1)
    return start.replace(month=start.month + 1)


def _month_bounds(start: int, end: int) -> list[int]:
    """Month boundaries (microseconds) from the month holding `start` through one after `end`."""
    bounds = [to_us(month_start(from_us(start)))]
    while bounds[-1] < end:
        bounds.append(to_us(next_month(from_us(bounds[-1]))))
    return bounds


def bucketer(interval: str, start: int, end: int) -> Any:
    """Return a function mapping an instant (us) to its clipped bucket key for `interval`."""
    if interval == "none":
        whole = (start, end)
        return lambda _t: whole
    if interval == "hour":
        return lambda t: (max(start, t - t % HOUR_US), min(end, t - t % HOUR_US + HOUR_US))
    if interval == "day":
        return lambda t: (max(start, t - t % DAY_US), min(end, t - t % DAY_US + DAY_US))
    bounds = _month_bounds(start, end)

    def month_key(t: int) -> BucketKey:
        i = bisect_right(bounds, t) - 1
        return (max(start, bounds[i]), min(end, bounds[i + 1]))

    return month_key


def bucket_aggregates(
    series: Series, windows: Iterable[tuple[int, int]], interval: str
) -> dict[int, dict[BucketKey, Agg]]:
    """Aggregate a series per metadata id and bucket over disjoint half-open windows (B3).

    Buckets are aligned to UTC hours, days or calendar months and clipped to each window (a
    calendar slot cut by a gap between windows gives two buckets); with `none` all the windows
    form one bucket. Whole hours come from the ingest rollups; only partial hours read raw records.
    """
    out: dict[int, dict[BucketKey, Agg]] = {}
    # Rollup lists are shared, never mutated: a bucket first holds the rollup itself and is
    # copied only when a second aggregate merges into it.
    owned: set[int] = set()

    def add(meta_id: int, key: BucketKey, agg: Agg) -> None:
        per_meta = out.get(meta_id)
        if per_meta is None:
            per_meta = out[meta_id] = {}
        found = per_meta.get(key)
        if found is None:
            per_meta[key] = agg
            return
        if id(found) not in owned:
            found = per_meta[key] = list(found)
            owned.add(id(found))
        merge(found, agg)

    windows = [w for w in windows if w[0] < w[1]]
    if not windows:
        return out
    span_start = min(w[0] for w in windows)
    span_end = max(w[1] for w in windows)
    for start, end in windows:
        key_of = bucketer(interval, start, end)
        if interval == "none":
            key_of = bucketer("none", span_start, span_end)
        first_hour = -(-start // HOUR_US)
        end_hour = end // HOUR_US
        edges: list[tuple[int, int]] = []
        if first_hour >= end_hour:
            edges.append((start, end))
        else:
            if start < first_hour * HOUR_US:
                edges.append((start, first_hour * HOUR_US))
            if end_hour * HOUR_US < end:
                edges.append((end_hour * HOUR_US, end))
        for lo, hi in edges:
            key = key_of(lo)
            for meta_id, agg in series.scan(lo, hi).items():
                add(meta_id, key, agg)
        if first_hour >= end_hour:
            continue
        span = end_hour - first_hour
        for meta_id, hours in series.hours.items():
            if len(hours) <= span:
                items: Iterable[tuple[int, Agg]] = (
                    (h, a) for h, a in hours.items() if first_hour <= h < end_hour
                )
            else:
                items = ((h, hours[h]) for h in range(first_hour, end_hour) if h in hours)
            if interval == "hour" and meta_id not in out:
                # Whole hours of a fresh metadata id: each rollup is its own bucket.
                out[meta_id] = {(h * HOUR_US, h * HOUR_US + HOUR_US): a for h, a in items}
                continue
            for hour, agg in items:
                add(meta_id, key_of(hour * HOUR_US), agg)
    return out


def method_value(agg: Agg, method: str, scale: int) -> Decimal:
    """Return the value of `method` over one bucket's aggregate, before any rounding (B3)."""
    if method == "sum":
        return unscale(agg[0], scale)
    if method == "count":
        return Decimal(agg[1])
    if method == "max":
        return unscale(agg[3], scale)
    if method == "min":
        return unscale(agg[2], scale)
    if method == "last":
        return unscale(agg[6], scale)
    if method == "average":
        return AVERAGE.divide(unscale(agg[0], scale), Decimal(agg[1]))
    raise ValueError(f"unknown aggregation method {method!r}")


def increments(value: Decimal, increment: Decimal, rounding: str) -> int:
    """Return `rounding(value / increment)` computed exactly (B4).

    `ceiling` rounds towards +inf, `floor` towards -inf, `round` to the nearest integer with
    halves away from zero (B1).
    """
    vn, vd = value.as_integer_ratio()
    inc_n, inc_d = increment.as_integer_ratio()
    num, den = vn * inc_d, vd * inc_n
    if den < 0:
        num, den = -num, -den
    return _divide(num, den, rounding)


def group_of(metadata: dict[str, Any], groups: Sequence[TierGroup]) -> int | None:
    """Return the index of the first group whose every pair is in `metadata` (B3), or None."""
    for index, group in enumerate(groups):
        if all(k in metadata and metadata[k] == v for k, v in group.metadata_groups.items()):
            return index
    return None


def quantities(
    series: Series,
    metadata: Sequence[dict[str, Any]],
    windows: Iterable[tuple[int, int]],
    *,
    interval: str,
    method: str,
    increment: Decimal,
    rounding: str,
    groups: Sequence[TierGroup] | None = None,
) -> tuple[dict[int | None, int], int]:
    """Return the period quantity per metadata group and the number of unmatched buckets (B3, B4).

    Each bucket's value is divided by the increment and rounded on its own; the period quantity
    `Q = max(0, sum of q_b)` (B4). Without groups the only key is None. Records of a grouped
    dimension that match no group are left out (B3) and counted in the second item.
    """
    by_meta = bucket_aggregates(series, windows, interval)
    per_group: dict[int | None, dict[BucketKey, Agg]] = {}
    unmatched = 0
    for meta_id, buckets in by_meta.items():
        key: int | None = None
        if groups:
            key = group_of(metadata[meta_id], groups)
            if key is None:
                unmatched += len(buckets)
                continue
        target = per_group.get(key)
        if target is None:
            per_group[key] = buckets  # read only below; merged into a copy otherwise
            continue
        if not isinstance(target, _Merged):
            target = per_group[key] = _Merged({b: list(a) for b, a in target.items()})
        for bucket, agg in buckets.items():
            found = target.get(bucket)
            if found is None:
                target[bucket] = list(agg)
            else:
                merge(found, agg)
    out: dict[int | None, int] = {}
    slot = _SLOTS.get(method)
    for key, buckets in per_group.items():
        if slot is None:  # average: a 28-digit Decimal per bucket (B3)
            total = sum(
                increments(method_value(agg, method, series.scale), increment, rounding)
                for agg in buckets.values()
            )
        else:
            # Exact integer arithmetic on the scaled values: q = round(n / (10^scale x inc)).
            inc_n, inc_d = increment.as_integer_ratio()
            scale = 0 if method == "count" else series.scale
            den = inc_n * 10**scale
            total = sum(_divide(agg[slot] * inc_d, den, rounding) for agg in buckets.values())
        out[key] = max(0, total)
    return out, unmatched


def bucket_quantity(
    method: str, scale: int, increment: Decimal, rounding: str
) -> Callable[[Agg], int]:
    """Return a function giving one bucket's `q_b` from its aggregate (B3, B4).

    Every method but `average` reads a scaled integer, so `q_b` is one exact integer division;
    `average` divides as Decimals (28 significant digits, B3). Same figures as `quantities`.
    """
    slot = _SLOTS.get(method)
    if slot is None:
        return lambda agg: increments(method_value(agg, method, scale), increment, rounding)
    inc_n, inc_d = increment.as_integer_ratio()
    den = inc_n * 10 ** (0 if method == "count" else scale)
    return lambda agg: _divide(agg[slot] * inc_d, den, rounding)


class _Merged(dict[BucketKey, Agg]):
    """Buckets owned by `quantities` (copies), safe to merge into."""


_SLOTS = {"sum": 0, "count": 1, "min": 2, "max": 3, "last": 6}
"""Where each method's value sits in an aggregate (see `metering.Agg`)."""


def _divide(num: int, den: int, rounding: str) -> int:
    """Return `rounding(num / den)` for integers, `den > 0` (B1 rounding modes)."""
    if rounding == "floor":
        return num // den
    if rounding == "ceiling":
        return -((-num) // den)
    if rounding == "round":
        q, r = divmod(abs(num), den)
        if 2 * r >= den:
            q += 1
        return q if num >= 0 else -q
    raise ValueError(f"unknown rounding {rounding!r}")
