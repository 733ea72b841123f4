"""Closing due billing cycles and top-up buckets, in time order (B7, B11, B14).

This module sits above `invoicing` and `topups`: both issue invoices, and closing a moment needs
both (top-up buckets first, then the cycles ending there), so neither imports the other.
"""

from __future__ import annotations

import heapq
from datetime import datetime

from simulator.engine.context import Ctx
from simulator.engine.invoicing import (
    arrear_lines,
    cycle_bounds,
    issue_invoice,
    schedule,
    upfront_lines,
)
from simulator.engine.state import Customer, Invoice, InvoiceLine, State
from simulator.engine.topups import process_topups

__all__ = ["close_cycles_at", "close_due", "count_due"]


def close_cycles_at(ctx: Ctx, customer: Customer, boundary: datetime) -> list[Invoice]:
    """Close every cycle of the customer ending at `boundary`: one RECURRING invoice (B7).

    The invoice holds the closed cycle's arrear usage and the next cycle's upfront items.
    """
    # Top-up buckets due by the boundary are debited first (B11), so their invoices come before
    # the cycle's invoice in the order of issue.
    issued = process_topups(ctx, customer, boundary)
    lines: list[InvoiceLine] = []
    starts: list[datetime] = []
    closing = [e for e in customer.active_enrollments if e.cycle_end == boundary]
    for enrollment in closing:
        offering = ctx.state.offerings[enrollment.offering_id]
        assert enrollment.cycle_start is not None
        start = max(enrollment.cycle_start, enrollment.enrollment_date)
        starts.append(start)
        lines += arrear_lines(
            ctx, customer, enrollment, offering, (start, boundary), commit=True, minimum=True
        )
        enrollment.entitlement_fired = {}  # the new cycle re-arms the ENTITLEMENT events (B6)
        window = cycle_bounds(offering.billing_cycle, boundary)
        if window is None:
            # The offering's cycle was removed or changed to topUp: no further cycles.
            enrollment.cycle_start = enrollment.cycle_end = None
            continue
        enrollment.cycle_start, enrollment.cycle_end = window
        upfront, fraction = upfront_lines(ctx, customer, enrollment, offering, window, window[0])
        enrollment.subscription_paid = fraction
        lines += upfront
    if closing:
        issued.append(
            issue_invoice(
                ctx,
                customer,
                lines,
                invoice_type="RECURRING",
                invoice_date=boundary,
                period=(min(starts), boundary),
            )
        )
    return issued


def count_due(ctx: Ctx, until: datetime, limit: int) -> int:
    """Count the cycle closings and top-up runs `close_due` would make if now were `until`.

    Changes nothing; stops counting once past `limit`, so the work is bounded by `limit` and the
    number of customers.

    Raises:
        ValueError: when a cycle boundary on the way to `until` is beyond the calendar (year 9999).
    """
    count = 0
    for customer in ctx.state.customers.values():
        if customer.next_due is None or customer.next_due > until:
            continue
        for enrollment in customer.active_enrollments:
            if enrollment.topup_due is not None and enrollment.topup_due <= until:
                count += 1
            offering = ctx.state.offerings.get(enrollment.offering_id)
            end = enrollment.cycle_end
            while offering is not None and end is not None and end <= until:
                count += 1
                if count > limit:
                    return count
                try:
                    window = cycle_bounds(offering.billing_cycle, end)
                except OverflowError as exc:
                    raise ValueError(str(exc)) from None
                end = None if window is None else window[1]
    return count


def has_due(state: State, now: datetime) -> bool:
    """Tell whether `close_due` at `now` would have anything to look at (B14)."""
    return bool(state.due) and state.due[0][0] <= now


def close_due(ctx: Ctx) -> list[Invoice]:
    """Close every cycle and top-up bucket due at or before now, in time order (B14)."""
    issued: list[Invoice] = []
    heap = ctx.state.due
    while heap and heap[0][0] <= ctx.now:
        moment, _ordinal, customer_id = heapq.heappop(heap)
        customer = ctx.state.customers.get(customer_id)
        if customer is None or customer.next_due != moment:
            continue
        customer.next_due = None
        issued += close_cycles_at(ctx, customer, moment)
        schedule(ctx, customer)
    return issued
