"""A seat-based plan on the simulator: upfront seats, seats added mid-cycle, a month advanced.

Paigo's seat example: seats at $25 each, paid upfront, plus a $30 monthly subscription. Enrolling
with one seat at the start of a month invoices $55 at once; adding two seats mid-month with
``invoice=true`` invoices the two new seats at once; the next month's invoice bills the
subscription and every seat again.

    python examples/seats.py
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from rich.console import Console
from rich.table import Table

from paigo_sdk import PaigoClient
from paigo_sdk.types import Invoice
from simulator import ManualClock, Simulator

console = Console()


def print_invoices(client: PaigoClient, customer_id: str, title: str) -> list[Invoice]:
    """Print every invoice the customer has so far, oldest first, and return them."""
    invoices = client.customers.retrieve(customer_id).invoices or []
    table = Table(title=title)
    for column in ("Date", "Type", "Status", "Lines", "Total"):
        table.add_column(column)
    for invoice in invoices:
        lines = "\n".join(
            f"{line.name}: {format(line.quantity, 'f')} x {format(line.unit_cost, 'f')}"
            for line in invoice.line_items
        )
        table.add_row(
            invoice.invoice_date.date().isoformat() if invoice.invoice_date else "",
            str(invoice.invoice_type),
            str(invoice.invoice_status),
            lines,
            format(invoice.total_amount_without_tax, "f"),
        )
    console.print(table)
    return invoices


def main() -> int:
    """Run the seat journey and return the exit code."""
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    with Simulator(clock=clock, seed=7) as sim, sim.client() as client:
        seats = client.dimensions.create(
            dimension_name="Seats",
            consumption_unit={"type": "count", "unit": "count-based"},
            usage_increment=1,
            rounding="ceiling",
            consumption_price=Decimal("25"),
            aggregation_method="last",
            payment_schedule="upfront",
        )
        plan = client.offerings.create(
            offering_name="Team",
            offering_type="subscription",
            subscription_price=Decimal("30"),
            billing_cycle="monthly",
            dimension_ids=[seats.dimension_id],
        )
        customer = client.customers.create(
            customer_name="Acme Analytics",
            email="billing@acme.example",
            payment_channel="manual",
            offering_id=plan.offering_id,
            usage=[{"dimension_id": seats.dimension_id, "record_value": "1"}],
        )
        print_invoices(client, customer.customer_id, "Enrolled on 1 January with one seat")

        clock.advance(days=14)
        client.usage.record(
            customer_id=customer.customer_id,
            dimension_id=seats.dimension_id,
            record_value=3,
            timestamp=clock.now(),
            invoice=True,
        )
        print_invoices(client, customer.customer_id, "Two seats added on 15 January")

        sim.advance(timedelta(days=17))
        invoices = print_invoices(
            client, customer.customer_id, "After the cycle closed, 1 February"
        )
        totals = [invoice.total_amount_without_tax for invoice in invoices]
        console.print(f"Invoice totals: {', '.join(format(t, 'f') for t in totals)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
