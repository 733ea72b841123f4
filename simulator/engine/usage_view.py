"""The usage view (B13) and the record listings tests inspect (late, unmatched)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime

from simulator import wire
from simulator.engine.aggregation import bucket_aggregates, group_of, method_value, month_start
from simulator.engine.context import Ctx
from simulator.engine.errors import Invalid
from simulator.engine.metering import Agg, Series, from_us, merge, plain, to_us, unscale
from simulator.engine.state import Customer, RawUsage, UsageBucket, UsageRecordView, UsageSeries
from simulator.engine.visibility import visible_count, visible_part

__all__ = ["query_usage", "record_views", "unmatched_views"]

INTERVALS = wire.AGGREGATION_INTERVALS


def _offering_of(ctx: Ctx, customer: Customer, dimension_id: str) -> str | None:
    for enrollment in customer.active_enrollments:
        offering = ctx.state.offerings.get(enrollment.offering_id)
        if offering is not None and dimension_id in offering.dimension_ids:
            return offering.offering_id
    return None


def query_usage(
    ctx: Ctx,
    customer: Customer,
    *,
    interval: str | None,
    start: datetime | None,
    end: datetime | None,
    ignore_enrollment_date: bool,
) -> list[UsageSeries]:
    """Return raw records or buckets per dimension over `[start, end)` (B13).

    With `options.usage_lag` set, records that arrived less than the lag ago are left out
    (`simulator.engine.visibility`).

    Raises:
        Invalid: `endTime` after now or not after `startTime`, or an unknown interval.
    """
    errors: list[str] = []
    if interval is not None and interval not in INTERVALS:
        errors.append(f"aggregationInterval must be one of: {', '.join(INTERVALS)}")
    current = customer.current_enrollment
    if end is None:
        end = ctx.now
    elif end > ctx.now:
        errors.append("endTime must not be in the future")
    if start is None:
        start = current.cycle_start if current is not None and current.cycle_start else None
        start = start or month_start(ctx.now)
    if end <= start:
        errors.append("endTime must be after startTime")
    if errors:
        raise Invalid(errors)
    if not ignore_enrollment_date and current is not None:
        start = max(start, current.enrollment_date)
    dimension_ids: list[str] = []
    for enrollment in customer.active_enrollments:
        offering = ctx.state.offerings.get(enrollment.offering_id)
        for dimension_id in offering.dimension_ids if offering is not None else ():
            if dimension_id not in dimension_ids:
                dimension_ids.append(dimension_id)
    for dimension_id in ctx.state.usage.series.get(customer.customer_id, {}):
        if dimension_id not in dimension_ids:
            dimension_ids.append(dimension_id)
    result: list[UsageSeries] = []
    lo, hi = to_us(start), to_us(end)
    for dimension_id in dimension_ids:
        dimension = ctx.state.dimensions.get(dimension_id)
        if dimension is None:
            continue
        used = interval or dimension.aggregation_interval
        view = UsageSeries(
            dimension_id=dimension_id,
            offering_id=_offering_of(ctx, customer, dimension_id),
            raw=used == "none",
        )
        result.append(view)
        series = ctx.state.usage.get(customer.customer_id, dimension_id)
        if series is None or lo >= hi:
            continue
        # An opt-in read-after-write lag hides the records that arrived too recently.
        series = visible_part(
            series, visible_count(ctx, customer.customer_id, dimension_id, series)
        )
        if used == "none":
            indices = sorted(series.indices_between(lo, hi), key=lambda i: (series.ts[i], i))
            view.records = [_raw(ctx, series, i) for i in indices]
            continue
        groups = dimension.tiers_group_by_metadata
        merged: dict[tuple[int | None, tuple[int, int]], Agg] = {}
        for meta_id, buckets in bucket_aggregates(series, [(lo, hi)], used).items():
            group = group_of(ctx.state.usage.metadata[meta_id], groups) if groups else None
            for bucket, agg in buckets.items():
                found = merged.get((group, bucket))
                if found is None:
                    merged[(group, bucket)] = list(agg)
                else:
                    merge(found, agg)
        for (group, (b_start, b_end)), agg in sorted(
            merged.items(), key=lambda kv: (kv[0][1], -1 if kv[0][0] is None else kv[0][0])
        ):
            view.buckets.append(
                UsageBucket(
                    value=plain(method_value(agg, dimension.aggregation_method, series.scale)),
                    start_time=from_us(b_start),
                    end_time=from_us(b_end),
                    metadata_group=(
                        dict(groups[group].metadata_groups)
                        if groups and group is not None
                        else None
                    ),
                )
            )
    return result


def _raw(ctx: Ctx, series: Series, index: int) -> RawUsage:
    return RawUsage(
        timestamp=from_us(series.ts[index]),
        record_value=plain(unscale(series.value(index), series.scale)),
        metadata=copy.deepcopy(ctx.state.usage.metadata[series.meta[index]]),
    )


def _view(
    ctx: Ctx, customer_id: str, dimension_id: str, series: Series, index: int
) -> UsageRecordView:
    return UsageRecordView(
        customer_id=customer_id,
        dimension_id=dimension_id,
        timestamp=from_us(series.ts[index]),
        record_value=plain(unscale(series.value(index), series.scale)),
        metadata=copy.deepcopy(ctx.state.usage.metadata[series.meta[index]]),
        sequence=index,
    )


def _all_series(
    ctx: Ctx, customer_id: str | None, dimension_id: str | None = None
) -> Iterator[tuple[str, str, Series]]:
    for cid, per_customer in ctx.state.usage.series.items():
        if customer_id is not None and cid != customer_id:
            continue
        for did, series in per_customer.items():
            if dimension_id is None or did == dimension_id:
                yield cid, did, series


def record_views(
    ctx: Ctx,
    *,
    customer_id: str | None,
    dimension_id: str | None = None,
    late_only: bool = False,
) -> list[UsageRecordView]:
    """Return stored records (or only the late ones, B9) in arrival order per series."""
    views: list[UsageRecordView] = []
    for cid, did, series in _all_series(ctx, customer_id, dimension_id):
        indices = series.late if late_only else range(len(series))
        views += [_view(ctx, cid, did, series, i) for i in indices]
    return views


def unmatched_views(ctx: Ctx, *, customer_id: str | None) -> list[UsageRecordView]:
    """Return records of metadata-grouped dimensions that match no group (B3)."""
    views: list[UsageRecordView] = []
    metadata = ctx.state.usage.metadata
    for cid, did, series in _all_series(ctx, customer_id):
        dimension = ctx.state.dimensions.get(did)
        if dimension is None or not dimension.tiers_group_by_metadata:
            continue
        groups = dimension.tiers_group_by_metadata
        misses = {m for m in set(series.meta) if group_of(metadata[m], groups) is None}
        views += [_view(ctx, cid, did, series, i) for i, m in enumerate(series.meta) if m in misses]
    return views
