"""Entitlement events (B6): ENTITLEMENT webhooks at 80 % and 100 % of a cycle's entitlement.

Every record of an entitled dimension moves the cycle's quantity, so this runs once per record
and must cost about as little as storing it. Per (enrollment, dimension) a `Watch` keeps what
does not change within a cycle (the effective entitlement, the cycle's windows, the quantity at
which each event fires) and the cycle's per-bucket aggregates with their running total. A new
record folds into its one bucket, and the total moves by that bucket's change in `q_b`.

Watches live in `Ctx.followups`: any call that may change prices, enrollments or the catalog
clears them, and a watch whose enrollment moved to another cycle is rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from simulator.engine.aggregation import bucket_aggregates, bucket_quantity, bucketer
from simulator.engine.context import Ctx
from simulator.engine.events import EntitlementEvent
from simulator.engine.invoicing import subtract
from simulator.engine.metering import Agg, Series, merge, to_us
from simulator.engine.pricing import effective_price
from simulator.engine.state import INFINITY, Customer, Dimension, Enrollment, Offering
from simulator.engine.webhooks import emit

__all__ = ["Watch", "check_entitlement"]

_EVENTS = ((80, "usageEntitlementThresholdReached"), (100, "usageEntitlementLimitReached"))
"""Percent of the entitlement, and the event fired when the cycle's usage first reaches it."""

# An enrollment without a cycle (no billing cycle) is watched over a window this long.
_NO_CYCLE = timedelta(days=36500)


class Watch:
    """One (enrollment, dimension)'s entitlement over its current cycle (see the module text).

    It reflects exactly the first `seen` records of the series at scale `scale`; a record
    appended after them is folded in, anything else (a rescaled series, records stored by
    another path) rebuilds it from the hourly rollups.
    """

    __slots__ = (
        "aggs",
        "cycle_end",
        "cycle_start",
        "entitlement",
        "keyers",
        "quantities",
        "quantity_of",
        "scale",
        "seen",
        "total",
        "triggers",
        "windows",
    )

    def __init__(self, dimension: Dimension, enrollment: Enrollment, entitlement: Decimal) -> None:
        self.cycle_start = enrollment.cycle_start
        self.cycle_end = enrollment.cycle_end
        self.entitlement = entitlement
        start = max(
            enrollment.cycle_start or enrollment.enrollment_date, enrollment.enrollment_date
        )
        end = enrollment.cycle_end or (enrollment.enrollment_date + _NO_CYCLE)
        holes = []
        if enrollment.free_trial_end_date is not None:
            trial_start = enrollment.free_trial_start_date or enrollment.enrollment_date
            holes.append((trial_start, enrollment.free_trial_end_date))
        self.windows = [(to_us(a), to_us(b)) for a, b in subtract((start, end), holes)]
        # Usage reaches `threshold` % when total x increment x 100 >= entitlement x threshold;
        # for a whole number of increments that is total >= ceil(entitlement x threshold /
        # (100 x increment)), worked out once here in exact integers.
        e_n, e_d = entitlement.as_integer_ratio()
        i_n, i_d = dimension.usage_increment.as_integer_ratio()
        self.triggers = [
            -((-e_n * threshold * i_d) // (e_d * 100 * i_n)) for threshold, _ in _EVENTS
        ]
        self.seen = -1
        self.scale = -1
        self.total = 0
        self.aggs: dict[Any, Agg] = {}
        self.quantities: dict[Any, int] = {}
        self.keyers: list[tuple[int, int, Callable[[int], Any]]] = []
        self.quantity_of: Callable[[Agg], int] = _never

    def current(self, enrollment: Enrollment) -> bool:
        """Whether the enrollment is still in the cycle this watch was built for."""
        # The same datetime objects unless a cycle closed since; equal ones also pass.
        return self.cycle_start == enrollment.cycle_start and self.cycle_end == enrollment.cycle_end

    def advance(self, series: Series, dimension: Dimension) -> int:
        """Return the cycle's quantity `Q` so far (B4), taking in the series' newest record."""
        count = len(series)
        if self.seen == count - 1 and self.scale == series.scale:
            index = count - 1
            ts = series.ts[index]
            for lo, hi, key_of in self.keyers:
                if lo <= ts < hi:
                    n = series.value(index)
                    bucket = key_of(ts)
                    agg = self.aggs.get(bucket)
                    if agg is None:
                        agg = self.aggs[bucket] = [n, 1, n, n, ts, index, n]
                    else:
                        merge(agg, [n, 1, n, n, ts, index, n])
                    q = self.quantity_of(agg)
                    self.total += q - self.quantities.get(bucket, 0)
                    self.quantities[bucket] = q
                    break
            self.seen = count
            return max(0, self.total)
        self._rebuild(series, dimension)
        return max(0, self.total)

    def _rebuild(self, series: Series, dimension: Dimension) -> None:
        interval = dimension.aggregation_interval
        self.seen, self.scale, self.total = len(series), series.scale, 0
        self.aggs, self.quantities = {}, {}
        self.quantity_of = bucket_quantity(
            dimension.aggregation_method,
            series.scale,
            dimension.usage_increment,
            dimension.rounding,
        )
        live = [(lo, hi) for lo, hi in self.windows if lo < hi]
        if interval == "none" and live:
            # One bucket across every window, as `bucket_aggregates` makes it.
            whole = bucketer("none", min(w[0] for w in live), max(w[1] for w in live))
            self.keyers = [(lo, hi, whole) for lo, hi in live]
        else:
            self.keyers = [(lo, hi, bucketer(interval, lo, hi)) for lo, hi in live]
        for buckets in bucket_aggregates(series, self.windows, interval).values():
            for bucket, agg in buckets.items():
                found = self.aggs.get(bucket)
                if found is None:
                    self.aggs[bucket] = list(agg)  # rollups are shared: never merge into them
                else:
                    merge(found, agg)
        for bucket, agg in self.aggs.items():
            q = self.quantity_of(agg)
            self.quantities[bucket] = q
            self.total += q


def _never(_agg: Agg) -> int:
    raise AssertionError("a watch is rebuilt before its first use")


def check_entitlement(
    ctx: Ctx,
    customer: Customer,
    dimension: Dimension,
    enrollment: Enrollment,
    offering: Offering,
    series: Series,
) -> None:
    """Fire ENTITLEMENT events at 80% and 100% of the cycle's entitlement, once each (B6).

    Called after each record stored in `series` for a dimension the enrollment is entitled to.
    """
    fired = enrollment.entitlement_fired.get(dimension.dimension_id, 0)
    if fired >= 100:
        return
    key = ("entitlement", enrollment.enrollment_id, dimension.dimension_id)
    watch: Watch | None = ctx.followups.get(key)
    if watch is None or not watch.current(enrollment):
        entitlement = effective_price(dimension, offering, enrollment).entitlement
        if entitlement is None or entitlement == INFINITY or entitlement <= 0:
            return
        watch = ctx.followups[key] = Watch(dimension, enrollment, entitlement)
    total = watch.advance(series, dimension)
    for (threshold, event), needed in zip(_EVENTS, watch.triggers, strict=True):
        if fired < threshold and total >= needed:
            fired = threshold
            enrollment.entitlement_fired[dimension.dimension_id] = threshold
            used = Decimal(total) * dimension.usage_increment
            emit(
                ctx,
                "ENTITLEMENT",
                EntitlementEvent(
                    at=ctx.now,
                    dimension_id=dimension.dimension_id,
                    customer_id=customer.customer_id,
                    customer_name=customer.customer_name,
                    email=customer.email,
                    entitlement_limit=watch.entitlement,
                    current_usage_total=used,
                    event_type=event,
                    offering_id=offering.offering_id,
                ),
            )
