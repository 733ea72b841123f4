"""Accepting usage: checks, idempotency, late records, entitlement events (B2, B6, B12)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from simulator.engine.aggregation import (
    increments,
)
from simulator.engine.catalog import get_dimension
from simulator.engine.context import Ctx
from simulator.engine.customers import EnrollmentPlan, get_customer
from simulator.engine.entitlement import check_entitlement
from simulator.engine.errors import Invalid, NotFound
from simulator.engine.invoicing import issue_invoice, schedule
from simulator.engine.metering import Series, to_us, unscale
from simulator.engine.pricing import effective_price, line, line_name
from simulator.engine.state import (
    Customer,
    Dimension,
    Enrollment,
    Offering,
    UsageInput,
    UsageResult,
)
from simulator.engine.topups import bucket_end
from simulator.engine.visibility import note_arrival

__all__ = ["record_batch", "record_one", "store_plan_usage", "store_record"]

_CREATED = UsageResult(False)


def _too_late(ctx: Ctx, timestamp: datetime) -> bool:
    return timestamp > _latest_allowed(ctx)


def _latest_allowed(ctx: Ctx) -> datetime:
    seconds = ctx.options.future_tolerance_seconds
    tolerance = _TOLERANCES.get(seconds)
    if tolerance is None:
        tolerance = _TOLERANCES[seconds] = timedelta(seconds=seconds)
    return ctx.now + tolerance


# The tolerance for future timestamps as a timedelta, made once per setting (every record asks).
_TOLERANCES: dict[int, timedelta] = {}


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
    index = series.append(
        to_us(timestamp), series.scaled(value), store.intern(metadata) if metadata else 0
    )
    if ctx.options.usage_lag:
        note_arrival(ctx, customer.customer_id, dimension.dimension_id, index)
    if customer.billed or customer.enrollments:  # else nothing follows a new record
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
        check_entitlement(ctx, customer, dimension, enrollment, offering, series)
    if rescheduled:
        schedule(ctx, customer)


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
