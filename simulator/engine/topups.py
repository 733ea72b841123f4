"""Top-up offerings: the first top-up, usage debited per closed bucket, recharges (B11)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from simulator.engine.aggregation import (
    DAY_US,
    _month_bounds,
    bucket_aggregates,
    group_of,
    increments,
    method_value,
)
from simulator.engine.context import Ctx
from simulator.engine.invoicing import issue_invoice
from simulator.engine.metering import HOUR_US, from_us, to_us
from simulator.engine.numbers import EXACT
from simulator.engine.pricing import effective_price, line, money, usage_lines
from simulator.engine.state import Customer, Enrollment, Invoice, Offering
from simulator.engine.wallet import add_ledger_entry, spendable

__all__ = ["DEFAULT_THRESHOLD", "bucket_end", "issue_topup", "process_topups"]

DEFAULT_THRESHOLD = Decimal("0.2")


def _width(interval: str) -> str:
    # B11: a top-up offering has no period, so `none` debits hourly like the default interval.
    return "hour" if interval == "none" else interval


def bucket_end(interval: str, moment: datetime) -> datetime:
    """Return the end of the bucket holding `moment` for a top-up dimension's interval."""
    t = to_us(moment)
    width = _width(interval)
    if width == "hour":
        return from_us(t - t % HOUR_US + HOUR_US)
    if width == "day":
        return from_us(t - t % DAY_US + DAY_US)
    return from_us(_month_bounds(t, t + 1)[1])


def _bucket_floor(interval: str, moment: datetime) -> datetime:
    t = to_us(moment)
    width = _width(interval)
    if width == "hour":
        return from_us(t - t % HOUR_US)
    if width == "day":
        return from_us(t - t % DAY_US)
    return from_us(_month_bounds(t, t + 1)[0])


def issue_topup(
    ctx: Ctx, customer: Customer, offering: Offering, amount: Decimal, at: datetime
) -> Invoice:
    """Issue a TOPUP invoice whose payment is stored as wallet credit (B11).

    The amount is rounded to whole cents first (B1), so the line's unit cost is what it bills:
    a `topUpAmount` of `3.333` bills 3.33, a recharge to 100 from a balance of 3.333 bills 96.67.
    """
    cents = money(amount)
    item = line(
        f"Top-up - {offering.offering_name}",
        Decimal(1),
        # An amount already in whole cents is kept as written (`20` is not rewritten `20.00`).
        amount if cents == amount else cents,
        kind="topup",
        offering_id=offering.offering_id,
    )
    return issue_invoice(
        ctx,
        customer,
        [item],
        invoice_type="TOPUP",
        invoice_date=at,
        store_payment_as_credit=True,
    )


def _recharge_if_low(
    ctx: Ctx, customer: Customer, offering: Offering, at: datetime
) -> Invoice | None:
    assert offering.top_up_amount is not None
    threshold = offering.top_up_threshold
    if threshold is None:
        threshold = DEFAULT_THRESHOLD
    if customer.balance > threshold * offering.top_up_amount:
        return None
    # One unpaid recharge at a time: a failed charge does not issue a new one every bucket.
    for invoice_id in customer.invoice_ids:
        invoice = ctx.state.invoices[invoice_id]
        if invoice.invoice_type == "TOPUP" and invoice.invoice_status in ("Draft", "Open"):
            return None
    amount = money(EXACT.subtract(offering.top_up_amount, customer.balance))
    if amount <= 0:
        return None
    return issue_topup(ctx, customer, offering, amount, at)


def _process_enrollment(
    ctx: Ctx, customer: Customer, enrollment: Enrollment, offering: Offering, until: datetime
) -> list[Invoice]:
    issued: list[Invoice] = []
    debits: list[tuple[datetime, datetime, str, Decimal]] = []
    next_due: datetime | None = None
    for dimension_id in offering.dimension_ids:
        dimension = ctx.state.dimensions.get(dimension_id)
        if dimension is None:
            continue
        interval = _width(dimension.aggregation_interval)
        start = enrollment.topup_processed.get(dimension_id, enrollment.enrollment_date)
        end = _bucket_floor(interval, until)
        series = ctx.state.usage.get(customer.customer_id, dimension_id)
        if end > start and series is not None:
            price = effective_price(dimension, offering, enrollment)
            per_bucket = bucket_aggregates(series, [(to_us(start), to_us(end))], interval)
            costs: dict[tuple[int, int], dict[int | None, int]] = {}
            for meta_id, buckets in per_bucket.items():
                key: int | None = None
                if price.groups:
                    key = group_of(ctx.state.usage.metadata[meta_id], price.groups)
                    if key is None:
                        continue
                for bucket, agg in buckets.items():
                    value = method_value(agg, dimension.aggregation_method, series.scale)
                    q = increments(value, dimension.usage_increment, dimension.rounding)
                    group = costs.setdefault(bucket, {})
                    group[key] = group.get(key, 0) + q
            for (lo, hi), per_group in costs.items():
                clipped = {k: max(0, v) for k, v in per_group.items()}
                lines, _excess = usage_lines(dimension, offering, price, clipped)
                # B1: the exact cost; rounding happens once, on the carried sum, below.
                cost = sum(
                    (EXACT.multiply(item.quantity, item.unit_cost) for item in lines), Decimal(0)
                )
                if cost > 0:
                    debits.append((from_us(lo), from_us(hi), dimension_id, cost))
        if end > start:
            enrollment.topup_processed[dimension_id] = end
        if series is not None and len(series) and from_us(series.max_ts) >= end:
            later = bucket_end(interval, from_us(series.max_ts))
            next_due = later if next_due is None else min(next_due, later)
    enrollment.topup_due = next_due
    # B11: debit each closed bucket in time order; recharge when the balance is low.
    carry = enrollment.topup_carry
    for b_start, b_end, dimension_id, cost in sorted(debits):
        # B1: debit whole cents and carry the exact rest to the next bucket, so the debits
        # over any run of buckets stay within half a cent of the usage's cost.
        owed = EXACT.add(carry.get(dimension_id, Decimal(0)), cost)
        due = money(owed)
        carry[dimension_id] = EXACT.subtract(owed, due)
        # A debit capped by the balance is whole cents too: a sub-cent rest stays (B10).
        amount = min(due, spendable(customer.balance))
        if amount > 0:
            add_ledger_entry(
                customer,
                -amount,
                b_end,
                {
                    "type": "usage",
                    "dimensionId": dimension_id,
                    "offeringId": offering.offering_id,
                    "bucketStart": b_start.isoformat(),
                    "bucketEnd": b_end.isoformat(),
                },
            )
        recharge = _recharge_if_low(ctx, customer, offering, b_end)
        if recharge is not None:
            issued.append(recharge)
    return issued


def process_topups(ctx: Ctx, customer: Customer, until: datetime) -> list[Invoice]:
    """Debit every top-up bucket of the customer closed by `until` and recharge (B11)."""
    issued: list[Invoice] = []
    for enrollment in customer.active_enrollments:
        offering = ctx.state.offerings.get(enrollment.offering_id)
        if offering is None or offering.billing_cycle != "topUp":
            continue
        if enrollment.topup_due is None or enrollment.topup_due > until:
            continue
        issued += _process_enrollment(ctx, customer, enrollment, offering, until)
    return issued


def finish_topups(ctx: Ctx, customer: Customer, enrollment: Enrollment, at: datetime) -> None:
    """Debit a top-up enrollment's usage up to `at` when it ends (B7 unenrollment, B11)."""
    offering = ctx.state.offerings.get(enrollment.offering_id)
    if offering is None or offering.billing_cycle != "topUp":
        return
    _process_enrollment(ctx, customer, enrollment, offering, at)
