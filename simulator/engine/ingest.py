"""Accepting usage: checks, idempotency, late records, entitlement events (B2, B6, B12)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from simulator.engine.aggregation import (
    bucket_aggregates,
    bucketer,
    increments,
    method_value,
)
from simulator.engine.catalog import get_dimension
from simulator.engine.context import Ctx
from simulator.engine.customers import EnrollmentPlan, get_customer
from simulator.engine.errors import Invalid, NotFound
from simulator.engine.invoicing import issue_invoice, schedule, subtract
from simulator.engine.metering import Agg, Series, merge, to_us, unscale
from simulator.engine.pricing import effective_price, line, line_name
from simulator.engine.state import (
    INFINITY,
    Customer,
    Dimension,
    Enrollment,
    Offering,
    UsageInput,
    UsageResult,
)
from simulator.engine.topups import bucket_end
from simulator.engine.visibility import note_arrival
from simulator.engine.webhooks import emit, iso

__all__ = ["record_batch", "record_one", "store_plan_usage", "store_record"]

_CREATED = UsageResult(False)


def _too_late(ctx: Ctx, timestamp: datetime) -> bool:
    return timestamp > ctx.now + timedelta(seconds=ctx.options.future_tolerance_seconds)


def _latest_allowed(ctx: Ctx) -> datetime:
    return ctx.now + timedelta(seconds=ctx.options.future_tolerance_seconds)


def _enrollments_with(
    ctx: Ctx, customer: Customer, dimension_id: str
) -> list[tuple[Enrollment, Offering]]:
    found = []
    for enrollment in customer.active_enrollments:
        offering = ctx.state.offerings.get(enrollment.offering_id)
        if offering is not None and dimension_id in offering.dimension_ids:
            found.append((enrollment, offering))
    return found


def _followups(
    ctx: Ctx, customer: Customer, dimension: Dimension
) -> tuple[list[tuple[Enrollment, Offering]], list[tuple[Enrollment, Offering]]]:
    """Return the enrollments a new record of `dimension` concerns: top-ups (B11) and
    enrollments whose entitlement may fire a webhook (B6). Cached for the call."""
    key = (customer.customer_id, dimension.dimension_id)
    found = ctx.followups.get(key)
    if found is None:
        topups: list[tuple[Enrollment, Offering]] = []
        entitled: list[tuple[Enrollment, Offering]] = []
        for enrollment, offering in _enrollments_with(ctx, customer, dimension.dimension_id):
            if offering.billing_cycle == "topUp":
                topups.append((enrollment, offering))
                continue
            entitlement = effective_price(dimension, offering, enrollment).entitlement
            if entitlement is not None and entitlement.is_finite() and entitlement > 0:
                entitled.append((enrollment, offering))
        found = ctx.followups[key] = (topups, entitled)
    return found


def store_record(
    ctx: Ctx,
    customer: Customer,
    dimension: Dimension,
    value: Decimal,
    timestamp: datetime,
    metadata: dict[str, Any] | None,
) -> None:
    """Store one checked record, then note late records, top-up work and entitlement events."""
    store = ctx.state.usage
    series = store.series_for(customer.customer_id, dimension.dimension_id)
    index = series.append(to_us(timestamp), series.scaled(value), store.intern(metadata))
    note_arrival(ctx, customer.customer_id, dimension.dimension_id, index)
    _after_store(ctx, customer, dimension, series, index, timestamp)


def store_plan_usage(ctx: Ctx, plan: EnrollmentPlan) -> None:
    """Store the usage sent with an enrollment change, before the change applies (B7).

    A record without a timestamp is dated at the change's moment.
    """
    for item in plan.usage:
        store_record(
            ctx,
            plan.customer,
            get_dimension(ctx.state, item.dimension_id),
            item.record_value,
            item.timestamp or plan.at,
            item.metadata,
        )


def _after_store(
    ctx: Ctx,
    customer: Customer,
    dimension: Dimension,
    series: Series,
    index: int,
    timestamp: datetime,
) -> None:
    billed = customer.billed.get(dimension.dimension_id)
    if billed and any(start <= timestamp < end for start, end in billed):
        series.late.append(index)  # B9: stored and shown, never billed again
        ctx.late.append((customer.customer_id, dimension.dimension_id, timestamp))
    if not customer.enrollments:
        return
    topups, entitled = _followups(ctx, customer, dimension)
    rescheduled = False
    for enrollment, _offering in topups:
        processed = enrollment.topup_processed.get(
            dimension.dimension_id, enrollment.enrollment_date
        )
        if timestamp >= processed:
            due = bucket_end(dimension.aggregation_interval, timestamp)
            if enrollment.topup_due is None or due < enrollment.topup_due:
                enrollment.topup_due = due
                rescheduled = True
        elif timestamp >= enrollment.enrollment_date and series.late[-1:] != [index]:
            # B9, B11: its bucket was already debited; stored and shown, reported as late.
            series.late.append(index)
    for enrollment, offering in entitled:
        _check_entitlement(ctx, customer, dimension, enrollment, offering)
    if rescheduled:
        schedule(ctx, customer)


class _Running:
    """The cycle's per-bucket aggregates and quantities of one (enrollment, dimension) (B4).

    It reflects exactly the first `seen` records of the series at scale `scale`; a record
    appended after them is folded into its bucket, anything else rebuilds from the rollups.
    """

    __slots__ = ("aggs", "keyers", "quantities", "scale", "seen", "total")

    def __init__(self) -> None:
        self.seen = -1
        self.scale = -1
        self.total = 0
        self.aggs: dict[Any, Agg] = {}
        self.quantities: dict[Any, int] = {}
        self.keyers: list[tuple[int, int, Any]] = []


def _running_quantity(
    ctx: Ctx,
    series: Series,
    dimension: Dimension,
    enrollment: Enrollment,
    windows: list[tuple[int, int]],
) -> int:
    """Return the cycle's quantity so far (B4), updated by the series' newest record only.

    Each record folds into its one bucket's aggregate and the running total moves by that
    bucket's change, so a record costs the same whatever the interval and the number of records
    before it. Kept for the call sequence; any change to the catalog or to enrollments clears
    it, and a new cycle uses a new key.
    """
    interval, method = dimension.aggregation_interval, dimension.aggregation_method
    increment, rounding = dimension.usage_increment, dimension.rounding
    key = ("entitlement", enrollment.enrollment_id, dimension.dimension_id, tuple(windows))
    running: _Running | None = ctx.followups.get(key)
    count = len(series)
    if running is not None and running.seen == count - 1 and running.scale == series.scale:
        index = count - 1
        ts, n = series.ts[index], series.value(index)
        for lo, hi, key_of in running.keyers:
            if lo <= ts < hi:
                bucket = key_of(ts)
                agg = running.aggs.get(bucket)
                if agg is None:
                    agg = running.aggs[bucket] = [n, 1, n, n, ts, index, n]
                else:
                    merge(agg, [n, 1, n, n, ts, index, n])
                q = increments(method_value(agg, method, series.scale), increment, rounding)
                running.total += q - running.quantities.get(bucket, 0)
                running.quantities[bucket] = q
                break
        running.seen = count
        return max(0, running.total)
    # First record of the cycle seen here, or the series changed under the cache: rebuild.
    running = ctx.followups[key] = _Running()
    running.seen, running.scale = count, series.scale
    live = [(lo, hi) for lo, hi in windows if lo < hi]
    if interval == "none" and live:
        # One bucket across every window, as `bucket_aggregates` makes it.
        whole = bucketer("none", min(w[0] for w in live), max(w[1] for w in live))
        running.keyers = [(lo, hi, whole) for lo, hi in live]
    else:
        running.keyers = [(lo, hi, bucketer(interval, lo, hi)) for lo, hi in live]
    for buckets in bucket_aggregates(series, windows, interval).values():
        for bucket, agg in buckets.items():
            found = running.aggs.get(bucket)
            if found is None:
                running.aggs[bucket] = list(agg)  # rollups are shared: never merge into them
            else:
                merge(found, agg)
    for bucket, agg in running.aggs.items():
        q = increments(method_value(agg, method, series.scale), increment, rounding)
        running.quantities[bucket] = q
        running.total += q
    return max(0, running.total)


def _check_entitlement(
    ctx: Ctx,
    customer: Customer,
    dimension: Dimension,
    enrollment: Enrollment,
    offering: Offering,
) -> None:
    """Fire ENTITLEMENT events at 80% and 100% of the cycle's entitlement, once each (B6)."""
    price = effective_price(dimension, offering, enrollment)
    entitlement = price.entitlement
    if entitlement is None or entitlement == INFINITY or entitlement <= 0:
        return
    fired = enrollment.entitlement_fired.get(dimension.dimension_id, 0)
    if fired >= 100:
        return
    series = ctx.state.usage.get(customer.customer_id, dimension.dimension_id)
    assert series is not None
    start = max(enrollment.cycle_start or enrollment.enrollment_date, enrollment.enrollment_date)
    end = enrollment.cycle_end or (enrollment.enrollment_date + timedelta(days=36500))
    holes = []
    if enrollment.free_trial_end_date is not None:
        holes.append(
            (
                enrollment.free_trial_start_date or enrollment.enrollment_date,
                enrollment.free_trial_end_date,
            )
        )
    windows = [(to_us(a), to_us(b)) for a, b in subtract((start, end), holes)]
    total = _running_quantity(ctx, series, dimension, enrollment, windows)
    used = Decimal(total) * dimension.usage_increment
    for threshold, event in (
        (80, "usageEntitlementThresholdReached"),
        (100, "usageEntitlementLimitReached"),
    ):
        if fired < threshold and used * 100 >= entitlement * threshold:
            fired = threshold
            enrollment.entitlement_fired[dimension.dimension_id] = threshold
            emit(
                ctx,
                "ENTITLEMENT",
                {
                    "timestamp": iso(ctx.now),
                    "dimensionId": dimension.dimension_id,
                    "customerId": customer.customer_id,
                    "customerName": customer.customer_name,
                    "email": customer.email,
                    "entitlementLimit": format(entitlement, "f"),
                    "currentUsageTotal": format(used, "f"),
                    "eventType": event,
                    "webhookType": "ENTITLEMENT",
                },
                offering_id=offering.offering_id,
            )


def _previous_value(ctx: Ctx, customer: Customer, dimension: Dimension) -> Decimal:
    series = ctx.state.usage.get(customer.customer_id, dimension.dimension_id)
    if series is None or series.latest < 0:
        return Decimal(0)
    return unscale(series.value(series.latest), series.scale)


def record_one(
    ctx: Ctx,
    *,
    customer_id: str,
    dimension_id: str,
    record_value: Decimal,
    timestamp: datetime,
    metadata: dict[str, Any] | None,
    idempotency_key: str | None,
    invoice: bool,
) -> UsageResult:
    """Accept one record (B2), billing it at once with `invoice` (B12).

    Raises:
        NotFound: no such customer or dimension.
        Invalid: a future timestamp or a failed B12 condition; nothing is stored.
    """
    customer = get_customer(ctx, customer_id)
    dimension = ctx.state.dimensions.get(dimension_id)
    if dimension is None:
        raise NotFound("dimension", dimension_id)
    if not record_value.is_finite():
        raise Invalid("recordValue must be a plain decimal number")
    if timestamp.tzinfo is None:
        raise Invalid("timestamp must carry an explicit UTC offset")
    if _too_late(ctx, timestamp):
        raise Invalid("timestamp must not be more than 5 minutes in the future")
    keys = ctx.state.usage.keys
    accepted = keys.get(customer_id)
    if (
        idempotency_key is not None
        and ctx.options.deduplication
        and accepted is not None
        and idempotency_key in accepted
    ):
        return UsageResult(True, ctx.state.replays.get((customer_id, idempotency_key)))
    target: tuple[Enrollment, Offering] | None = None
    if invoice:
        if dimension.payment_schedule != "upfront" or dimension.aggregation_method != "last":
            raise Invalid(
                "invoice=true requires a dimension with paymentSchedule upfront and "
                "aggregationMethod last"
            )
        candidates = _enrollments_with(ctx, customer, dimension_id)
        if not candidates:
            raise Invalid(
                "invoice=true requires the customer to be actively enrolled in an offering "
                "that includes the dimension"
            )
        target = candidates[0]
    previous = _previous_value(ctx, customer, dimension) if target is not None else Decimal(0)
    store_record(ctx, customer, dimension, record_value, timestamp, metadata)
    if idempotency_key is not None:
        if accepted is None:
            accepted = keys[customer_id] = set()
        accepted.add(idempotency_key)
    if target is None:
        return _CREATED
    enrollment, offering = target
    # B12: bill the increase over the latest value, at the effective price, not prorated.
    delta = max(Decimal(0), record_value - previous)
    q = max(0, increments(delta, dimension.usage_increment, dimension.rounding))
    unit = effective_price(dimension, offering, enrollment).unit_price
    item = line(
        line_name(dimension, offering),
        Decimal(q),
        unit,
        kind="usage",
        dimension_id=dimension_id,
        offering_id=offering.offering_id,
    )
    issued = issue_invoice(ctx, customer, [item], invoice_type="MANUAL", invoice_date=ctx.now)
    if idempotency_key is not None:
        ctx.state.replays[(customer_id, idempotency_key)] = issued.invoice_id
    return UsageResult(False, issued.invoice_id)


def record_batch(
    ctx: Ctx, records: Sequence[UsageInput], keys: Sequence[str | None] | None
) -> list[UsageResult]:
    """Accept every record or none (B2 array batches); one result per record.

    Raises:
        Invalid: batches are disabled, the keys do not match the records, or an element is
            invalid (messages start with the element index).
    """
    if not ctx.options.array_batches:
        raise Invalid("usage batches are not enabled on this server")
    if keys is not None and len(keys) != len(records):
        raise Invalid("Idempotency-Key must hold exactly one key per element")
    errors: list[str] = []
    state = ctx.state
    limit = _latest_allowed(ctx)
    customers, dimensions = state.customers, state.dimensions
    for i, record in enumerate(records):
        if record.customer_id not in customers:
            errors.append(f"{i}.customerId Customer with ID: {record.customer_id} not found")
        if record.dimension_id not in dimensions:
            errors.append(f"{i}.dimensionId No Dimensions found with ID: {record.dimension_id}")
        if not record.record_value.is_finite():
            errors.append(f"{i}.recordValue must be a plain decimal number")
        if record.timestamp.tzinfo is None:
            errors.append(f"{i}.timestamp must carry an explicit UTC offset")
        elif record.timestamp > limit:
            errors.append(f"{i}.timestamp must not be more than 5 minutes in the future")
    if errors:
        raise Invalid(errors)
    results: list[UsageResult] = []
    store = state.usage
    seen, intern = store.keys, store.intern
    dedupe = ctx.options.deduplication
    lagged = bool(ctx.options.usage_lag)
    group: tuple[str, str] | None = None
    customer: Customer | None = None
    dimension: Dimension | None = None
    series: Series | None = None
    follow = False
    for i, record in enumerate(records):
        key = keys[i] if keys is not None else None
        if key is not None:
            accepted = seen.get(record.customer_id)
            if accepted is None:
                accepted = seen[record.customer_id] = set()
            if dedupe and key in accepted:
                results.append(UsageResult(True, state.replays.get((record.customer_id, key))))
                continue
            accepted.add(key)
        if group != (record.customer_id, record.dimension_id):
            group = (record.customer_id, record.dimension_id)
            customer, dimension = customers[group[0]], dimensions[group[1]]
            series = store.series_for(*group)
            follow = bool(customer.billed.get(group[1])) or (
                bool(customer.enrollments) and any(_followups(ctx, customer, dimension))
            )
        assert series is not None
        index = series.append(
            to_us(record.timestamp), series.scaled(record.record_value), intern(record.metadata)
        )
        if lagged:
            note_arrival(ctx, *group, index)
        if follow:
            assert customer is not None
            assert dimension is not None
            _after_store(ctx, customer, dimension, series, index, record.timestamp)
        results.append(_CREATED)
    return results
