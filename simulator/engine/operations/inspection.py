"""What the simulator shows beyond Paigo's API: late, unmatched and excess usage, cycle closing."""

from __future__ import annotations

from decimal import Decimal

from simulator.engine import usage_view
from simulator.engine.aggregation import quantities
from simulator.engine.context import Ctx
from simulator.engine.cycles import close_due
from simulator.engine.metering import to_us
from simulator.engine.numbers import RATIO
from simulator.engine.pricing import effective_price
from simulator.engine.state import (
    EntitlementExcess,
    Invoice,
    UsageRecordView,
)


def _open_excess(ctx: Ctx, customer_id: str | None) -> list[EntitlementExcess]:
    """Live excess over entitlements in open cycles, for dimensions without overage (B6)."""
    found: list[EntitlementExcess] = []
    for customer in ctx.state.customers.values():
        if customer_id is not None and customer.customer_id != customer_id:
            continue
        for enrollment in customer.active_enrollments:
            offering = ctx.state.offerings.get(enrollment.offering_id)
            if offering is None or enrollment.cycle_start is None:
                continue
            start = max(enrollment.cycle_start, enrollment.enrollment_date)
            for dimension_id in offering.dimension_ids:
                dimension = ctx.state.dimensions.get(dimension_id)
                series = ctx.state.usage.get(customer.customer_id, dimension_id)
                if dimension is None or series is None:
                    continue
                price = effective_price(dimension, offering, enrollment)
                if price.entitlement is None or price.overage_allowed:
                    continue
                if price.entitlement.is_infinite():
                    continue
                per_group, _ = quantities(
                    series,
                    ctx.state.usage.metadata,
                    [(to_us(start), to_us(enrollment.cycle_end or ctx.now))],
                    interval=dimension.aggregation_interval,
                    method=dimension.aggregation_method,
                    increment=dimension.usage_increment,
                    rounding=dimension.rounding,
                )
                used = Decimal(per_group.get(None, 0))
                entitled = RATIO.divide(price.entitlement, dimension.usage_increment)
                if used > entitled:
                    found.append(
                        EntitlementExcess(
                            customer_id=customer.customer_id,
                            offering_id=offering.offering_id,
                            dimension_id=dimension_id,
                            period_start=start,
                            period_end=enrollment.cycle_end or ctx.now,
                            entitled_increments=entitled,
                            used_increments=used,
                            excess_increments=used - entitled,
                            closed=False,
                        )
                    )
    return found


def close_due_cycles(ctx: Ctx) -> list[Invoice]:
    """Close every cycle and top-up bucket whose end is at or before now (B14).

    Returns the invoices issued, in order. Cheap when nothing is due.
    """
    return close_due(ctx)


def usage_records(
    ctx: Ctx, *, customer_id: str | None = None, dimension_id: str | None = None
) -> list[UsageRecordView]:
    """Return stored records, per (customer, dimension) in arrival order."""
    return usage_view.record_views(ctx, customer_id=customer_id, dimension_id=dimension_id)


def late_records(ctx: Ctx, *, customer_id: str | None = None) -> list[UsageRecordView]:
    """Return records that arrived for an already invoiced period (B9); never billed."""
    return usage_view.record_views(ctx, customer_id=customer_id, late_only=True)


def unmatched_records(ctx: Ctx, *, customer_id: str | None = None) -> list[UsageRecordView]:
    """Return records of metadata-grouped dimensions that match no group (B3); never billed."""
    return usage_view.unmatched_views(ctx, customer_id=customer_id)


def entitlement_excess(ctx: Ctx, *, customer_id: str | None = None) -> list[EntitlementExcess]:
    """Return usage beyond entitlements that was not billed (B6), closed and open periods."""
    found = [e for e in ctx.state.excess if customer_id is None or e.customer_id == customer_id]
    return found + _open_excess(ctx, customer_id)
