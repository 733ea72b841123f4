"""The simulator itself, fed record by record in time order: what what-if must equal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from simulator.clock import ManualClock
from simulator.engine import Engine
from simulator.whatif import Catalog, CurrentEnrollment
from simulator.whatif.enrollments import parse_moment

Invoice = tuple[Any, ...]


def engine_invoices(
    catalog: Catalog,
    enrollments: Sequence[CurrentEnrollment],
    records: Sequence[Mapping[str, Any]],
    plan: Mapping[str, str],
    end: datetime,
) -> list[Invoice]:
    """Run the engine through every enrollment and record in time order, then up to `end`.

    Each record is stored, as it happens, on every dimension that prices its stream; each
    customer is enrolled (plan: customer -> offering key) on its enrollment date.
    """
    moments = [e.enrollment_date for e in enrollments] + [
        parse_moment(r["timestamp"], "record") for r in records
    ]
    clock = ManualClock(min(moments))
    engine = Engine(clock=clock)
    engine.update_settings(
        tax_rate=catalog.tax_rate, free_dimension_on_invoice=catalog.free_dimension_on_invoice
    )
    dimensions, offerings = catalog.install(engine, sorted(set(plan.values())))
    streams: dict[str, list[str]] = {}
    for key, dimension in dimensions.items():
        streams.setdefault(catalog.dimensions[key].usage_dimension_id, []).append(
            dimension.dimension_id
        )
    customers = sorted({e.customer_id for e in enrollments} | {r["customerId"] for r in records})
    for customer_id in customers:
        engine.create_customer(
            customer_id=customer_id,
            customer_name=customer_id,
            email="reference@example.invalid",
            payment_channel="manual",
        )
    events: list[tuple[datetime, int, int, Any]] = []
    for e in enrollments:
        events.append((e.enrollment_date, 0, 0, e))
    for index, r in enumerate(records):
        events.append((parse_moment(r["timestamp"], "record"), 1, index, r))
    events.sort(key=lambda item: item[:3])
    for moment, kind, _index, item in events:
        if moment > clock.now():
            clock.set(moment)
        if kind == 0:
            engine.update_customer(
                item.customer_id, offering_id=offerings[plan[item.customer_id]].offering_id
            )
            continue
        for dimension_id in streams.get(item["dimensionId"], []):
            engine.record_usage(
                customer_id=item["customerId"],
                dimension_id=dimension_id,
                record_value=Decimal(item["recordValue"]),
                timestamp=moment,
                metadata=item.get("metadata"),
            )
    clock.set(end)
    engine.close_due_cycles()
    found: list[Invoice] = []
    for e in sorted(enrollments, key=lambda e: (e.enrollment_date, e.customer_id)):
        for invoice in engine.list_customer_invoices(e.customer_id):
            found.append(
                (
                    e.customer_id,
                    invoice.invoice_date,
                    invoice.period_start,
                    invoice.period_end,
                    tuple(
                        (i.name, i.quantity, i.unit_cost, i.amount, i.kind)
                        for i in invoice.line_items
                    ),
                    invoice.total_amount_without_tax,
                    invoice.tax_amount,
                )
            )
    return found


@pytest.fixture
def reference() -> Any:
    """The function that prices records with the engine itself (see `engine_invoices`)."""
    return engine_invoices


def whatif_invoices(result: Any, scenario: str) -> list[Invoice]:
    """What-if's invoices of one scenario in the shape `engine_invoices` returns."""
    return [
        (
            i.customer_id,
            i.invoice_date,
            i.period_start,
            i.period_end,
            tuple((x.name, x.quantity, x.unit_cost, x.amount, x.kind) for x in i.lines),
            i.subtotal,
            i.tax,
        )
        for i in result.invoices
        if i.scenario == scenario
    ]


@pytest.fixture
def as_invoices() -> Any:
    """The function that reshapes what-if invoices for comparison with the engine's."""
    return whatif_invoices
