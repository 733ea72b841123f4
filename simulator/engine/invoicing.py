"""Billing cycles, invoice lines, totals and statuses (B7, B8, B9); cycles close in `cycles`."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from simulator.engine.aggregation import group_of, increments, month_start, next_month, quantities
from simulator.engine.context import Ctx
from simulator.engine.metering import to_us, unscale
from simulator.engine.numbers import EXACT, RATIO
from simulator.engine.pricing import (
    effective_price,
    line,
    money,
    prorated_line,
    usage_lines,
)
from simulator.engine.state import (
    Customer,
    Discount,
    Enrollment,
    EntitlementExcess,
    Invoice,
    InvoiceLine,
    Offering,
)
from simulator.engine.wallet import mark_paid, open_invoice
from simulator.engine.webhooks import emit, invoice_event

__all__ = [
    "arrear_lines",
    "cycle_bounds",
    "issue_invoice",
    "mark_billed",
    "paid_days",
    "schedule",
    "subtract",
    "upfront_lines",
]

_HIDEABLE = ("usage", "overage", "upfront")
Window = tuple[datetime, datetime]


def cycle_bounds(billing_cycle: str | None, moment: datetime) -> Window | None:
    """Return the calendar cycle `[start, end)` in UTC holding `moment` (B7), or None.

    `monthly` is the calendar month, `annualToDate` the calendar year; `topUp` and no cycle
    have no time cycle.
    """
    if billing_cycle == "monthly":
        return month_start(moment), next_month(moment)
    if billing_cycle == "annualToDate":
        moment = moment.astimezone(UTC)
        return datetime(moment.year, 1, 1, tzinfo=UTC), datetime(moment.year + 1, 1, 1, tzinfo=UTC)
    return None


def subtract(window: Window, holes: Iterable[Window]) -> list[Window]:
    """Return the parts of `window` outside every hole, in time order."""
    parts = [window]
    for h_start, h_end in holes:
        next_parts: list[Window] = []
        for start, end in parts:
            if h_end <= start or h_start >= end:
                next_parts.append((start, end))
                continue
            if start < h_start:
                next_parts.append((start, h_start))
            if h_end < end:
                next_parts.append((h_end, end))
        parts = next_parts
    return [p for p in parts if p[0] < p[1]]


def mark_billed(customer: Customer, dimension_id: str, windows: Iterable[Window]) -> None:
    """Record `windows` as invoiced for one dimension, merging neighbours (B9 late records)."""
    billed = customer.billed.setdefault(dimension_id, [])
    billed.extend(windows)
    billed.sort()
    merged: list[Window] = []
    for start, end in billed:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    billed[:] = merged


def _trial(enrollment: Enrollment) -> Window | None:
    if enrollment.free_trial_end_date is None:
        return None
    start = enrollment.free_trial_start_date or enrollment.enrollment_date
    return (start, enrollment.free_trial_end_date)


def paid_days(enrollment: Enrollment, start: datetime, end: datetime) -> int:
    """Count the whole days from the day of `start` (counted) to `end`, outside the free trial.

    `end` is a cycle boundary (midnight UTC). The day a trial ends on is a paid day (B7).
    """
    first, last = start.date(), end.date()
    days = (last - first).days
    trial = _trial(enrollment)
    if trial is not None:
        overlap = (min(trial[1].date(), last) - max(trial[0].date(), first)).days
        days -= max(0, overlap)
    return max(0, days)


def _latest_value(
    ctx: Ctx, customer: Customer, dimension_id: str, start: datetime
) -> tuple[Decimal, dict[str, Any]] | None:
    """The value and metadata an upfront dimension is priced on when billed at `start` (B7)."""
    source = ctx.options.latest_values
    if source is not None:
        return source(customer.customer_id, dimension_id, to_us(start))
    series = ctx.state.usage.get(customer.customer_id, dimension_id)
    if series is None or series.latest < 0:
        return None
    meta = ctx.state.usage.metadata[series.meta[series.latest]]
    return unscale(series.value(series.latest), series.scale), meta


def upfront_lines(
    ctx: Ctx,
    customer: Customer,
    enrollment: Enrollment,
    offering: Offering,
    window: Window | None,
    start: datetime,
) -> tuple[list[InvoiceLine], Decimal]:
    """Return the upfront items of one cycle from `start` and the fraction billed (B7).

    The fraction is paid days from the day of `start` to the cycle end over the cycle's days
    (1 without a time cycle). Items: the subscription price (a line named after the offering,
    quantity 1) and every `upfront` dimension priced on its latest value (B4).
    """
    if window is None:
        paid, total = 1, 1
        if enrollment.free_trial_end_date is not None and enrollment.free_trial_end_date > start:
            paid = 0
    else:
        paid = paid_days(enrollment, start, window[1])
        total = (window[1].date() - window[0].date()).days
    fraction = RATIO.divide(Decimal(paid), Decimal(total))
    description = None
    if paid != total and window is not None:
        description = f"Prorated {paid}/{total} days"
    lines: list[InvoiceLine] = []
    if offering.offering_type == "subscription" and offering.subscription_price is not None:
        lines.append(
            prorated_line(
                offering.offering_name,
                Decimal(1),
                offering.subscription_price,
                paid,
                total,
                kind="subscription",
                description=description,
                offering_id=offering.offering_id,
            )
        )
    for dimension_id in offering.dimension_ids:
        dimension = ctx.state.dimensions.get(dimension_id)
        if dimension is None or dimension.payment_schedule != "upfront":
            continue
        latest = _latest_value(ctx, customer, dimension_id, start)
        if latest is None:
            continue
        value, metadata = latest
        price = effective_price(dimension, offering, enrollment)
        q = max(0, increments(value, dimension.usage_increment, dimension.rounding))
        key: int | None = None
        if price.groups:
            key = group_of(metadata, price.groups)
            if key is None:
                continue
        priced, _excess = usage_lines(dimension, offering, price, {key: q})
        for item in priced:
            lines.append(
                prorated_line(
                    item.name,
                    item.quantity,
                    item.unit_cost,
                    paid,
                    total,
                    kind="upfront",
                    description=description,
                    dimension_id=dimension_id,
                    offering_id=offering.offering_id,
                )
            )
    return lines, fraction


def arrear_lines(
    ctx: Ctx,
    customer: Customer,
    enrollment: Enrollment,
    offering: Offering,
    window: Window,
    *,
    commit: bool,
    minimum: bool,
) -> list[InvoiceLine]:
    """Price the arrear usage of `window` for one enrollment (B3-B7).

    Periods already invoiced and the free trial are left out. With `commit` the priced periods
    are marked as billed and unbilled excess over entitlements is recorded (B6). With `minimum`
    the offering's minimum charge tops up the usage subtotal (B7).
    """
    lines: list[InvoiceLine] = []
    trial = _trial(enrollment)
    holes_base = [trial] if trial is not None else []
    any_window = False
    for dimension_id in offering.dimension_ids:
        dimension = ctx.state.dimensions.get(dimension_id)
        if dimension is None or dimension.payment_schedule != "arrear":
            continue
        parts = subtract(window, [*holes_base, *customer.billed.get(dimension_id, [])])
        if not parts:
            continue
        any_window = True
        price = effective_price(dimension, offering, enrollment)
        series = ctx.state.usage.get(customer.customer_id, dimension_id)
        per_group: dict[int | None, int] = {}
        source = ctx.options.period_quantities
        if source is not None:
            windows = [(to_us(a), to_us(b)) for a, b in parts]
            per_group = source(customer.customer_id, dimension_id, windows)
        elif series is not None:
            per_group, _unmatched = quantities(
                series,
                ctx.state.usage.metadata,
                [(to_us(a), to_us(b)) for a, b in parts],
                interval=dimension.aggregation_interval,
                method=dimension.aggregation_method,
                increment=dimension.usage_increment,
                rounding=dimension.rounding,
                groups=price.groups,
            )
        priced, excess = usage_lines(dimension, offering, price, per_group)
        lines += priced
        if commit:
            mark_billed(customer, dimension_id, parts)
            if excess > 0:
                ctx.state.excess.append(
                    EntitlementExcess(
                        customer_id=customer.customer_id,
                        offering_id=offering.offering_id,
                        dimension_id=dimension_id,
                        period_start=window[0],
                        period_end=window[1],
                        entitled_increments=Decimal(per_group.get(None, 0)) - excess,
                        used_increments=Decimal(per_group.get(None, 0)),
                        excess_increments=excess,
                        closed=True,
                    )
                )
    if (
        minimum
        and offering.minimum_charge is not None
        and (any_window or not offering.dimension_ids)
    ):
        subtotal = sum((item.amount for item in lines), Decimal(0))
        if subtotal < offering.minimum_charge:
            lines.append(
                line(
                    f"Minimum charge - {offering.offering_name}",
                    Decimal(1),
                    offering.minimum_charge - subtotal,
                    kind="minimum",
                    offering_id=offering.offering_id,
                )
            )
    return lines


def _discounts(customer: Customer, at: datetime) -> list[Discount]:
    found: list[Discount] = []
    for enrollment in customer.enrollments:
        discount = enrollment.overrides.discount
        if discount is None or discount in found:
            continue
        if enrollment.ended_at is not None and enrollment.ended_at < at:
            continue
        if discount.end_date is None or at < discount.end_date:
            found.append(discount)
    return found


def build_invoice(
    ctx: Ctx,
    customer: Customer,
    lines: list[InvoiceLine],
    *,
    invoice_id: str,
    invoice_type: str,
    invoice_date: datetime,
    period: Window | None = None,
    currency: str | None = None,
    payment_term: str | None = None,
    store_payment_as_credit: bool = False,
) -> Invoice:
    """Assemble an invoice: hidden free lines, discounts, tax and totals (B8, B9); store nothing."""
    settings = ctx.state.settings
    if settings.free_dimension_on_invoice == "hide":
        lines = [item for item in lines if not (item.kind in _HIDEABLE and item.amount == 0)]
    subtotal = sum((item.amount for item in lines), Decimal(0))
    if invoice_type != "TOPUP" and subtotal > 0:
        # B8: each discount takes its percentage off the subtotal, as a negative line.
        for discount in _discounts(customer, invoice_date):
            off = money(EXACT.divide(EXACT.multiply(subtotal, discount.percentage), 100))
            if off:
                lines.append(line(f"Discount - {discount.name}", Decimal(1), -off, kind="discount"))
    total = sum((item.amount for item in lines), Decimal(0))
    tax = Decimal("0.00")
    if customer.tax_exempt != "exempt" and invoice_type != "TOPUP":
        tax = money(EXACT.divide(EXACT.multiply(total, settings.tax_rate), 100))
    term = settings.invoice_payment_term if payment_term is None else payment_term
    due = invoice_date + timedelta(days=int(term)) if term else None
    return Invoice(
        invoice_id=invoice_id,
        customer_id=customer.customer_id,
        invoice_status="Draft",
        invoice_type=invoice_type,
        invoice_date=invoice_date,
        currency=currency or customer.currency,
        invoice_payment_term=term,
        line_items=lines,
        total_amount_without_tax=money(total),
        tax_amount=tax,
        store_payment_as_credit=store_payment_as_credit,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        due_date=due,
    )


def issue_invoice(
    ctx: Ctx,
    customer: Customer,
    lines: list[InvoiceLine],
    *,
    invoice_type: str,
    invoice_date: datetime,
    period: Window | None = None,
    currency: str | None = None,
    payment_term: str | None = None,
    store_payment_as_credit: bool = False,
) -> Invoice:
    """Create, store and (with automatic approval) collect an invoice (B9, B10).

    A zero total is Paid at once; `invoiceApproval = manual` leaves it Draft; otherwise it is
    Open and payment is attempted. INVOICE_CREATED fires (B15).
    """
    invoice = build_invoice(
        ctx,
        customer,
        lines,
        invoice_id=ctx.state.ids.uuid(),
        invoice_type=invoice_type,
        invoice_date=invoice_date,
        period=period,
        currency=currency,
        payment_term=payment_term,
        store_payment_as_credit=store_payment_as_credit,
    )
    ctx.state.invoices[invoice.invoice_id] = invoice
    customer.invoice_ids.append(invoice.invoice_id)
    emit(ctx, "INVOICE_CREATED", invoice_event(invoice))
    if invoice.total_due == 0:
        mark_paid(ctx, invoice)
    elif ctx.state.settings.invoice_approval != "manual":
        open_invoice(ctx, customer, invoice, invoice_date)
    return invoice


def schedule(ctx: Ctx, customer: Customer) -> None:
    """Recompute when the customer is next due and queue it for `cycles.close_due` (B14)."""
    candidates = [
        moment
        for e in customer.active_enrollments
        for moment in (e.cycle_end, e.topup_due)
        if moment is not None
    ]
    due = min(candidates) if candidates else None
    if due != customer.next_due:
        customer.next_due = due
        if due is not None:
            heapq.heappush(ctx.state.due, (due, customer.ordinal, customer.customer_id))
