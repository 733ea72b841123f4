"""Paigo's getting-started journey, end to end: set up billing, report usage, read it, invoice it.

With no arguments the program starts an embedded simulator, so it needs no account and no network:

    python examples/ingest_to_paigo.py

Against a Paigo-compatible server (``paigo-simulator serve`` or the real service), give its URLs and
credentials, as arguments or as the PAIGO_API_URL, PAIGO_AUTH_URL, PAIGO_CLIENT_ID and
PAIGO_CLIENT_SECRET variables:

    python examples/ingest_to_paigo.py --api-url http://127.0.0.1:8787 \\
        --auth-url http://127.0.0.1:8787/oauth/token \\
        --client-id paigo-simulator --client-secret paigo-simulator-secret

``--customer-id`` and ``--dimension-id`` use existing resources instead of creating them (the
TODO lines of Paigo's sample script). ``--interval 1`` sends one record a second, as the guide's
script does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from paigo_sdk import (
    APIConnectionError,
    AuthenticationError,
    ClientValidationError,
    NotFoundError,
    PaigoClient,
    PaigoError,
)
from paigo_sdk.types import AggregatedUsage, Invoice, RawUsage
from simulator import RemoteSimulator, Simulator
from simulator.remote import RemoteSimulatorError

GUIDE_STRIPE_ACCOUNT = "acct_1MV2hfFMNNPXLiB"
"""The placeholder Stripe account id that Paigo's guide suggests for a demonstration."""

EXIT_FAILURE = 1
EXIT_USAGE = 2

console = Console()


@dataclass
class Journey:
    """What one run created and sent, written out with ``--summary``."""

    customer_id: str = ""
    dimension_id: str = ""
    dimension_names: dict[str, str] = field(default_factory=dict)
    records: list[tuple[str, str]] = field(default_factory=list)
    invoice: dict[str, Any] | None = None
    pdf: str | None = None


@dataclass
class Target:
    """The server this run talks to, and the simulator extensions it offers, if any."""

    client: PaigoClient
    description: str
    embedded: Simulator | None = None
    remote: RemoteSimulator | None = None

    def create_period_invoice(self, customer_id: str, start: datetime, end: datetime) -> str | None:
        """Create the off-cycle invoice for ``[start, end)`` and return its id, or None if absent.

        Raises:
            PaigoError: when the simulator rejects the request.
        """
        if self.embedded is not None:
            return self.embedded.create_period_invoice(customer_id, start, end).invoice_id
        if self.remote is not None:
            return self.remote.create_period_invoice(customer_id, start, end).invoice_id
        return None

    def fetch(self, url: str) -> bytes:
        """Download ``url`` (an invoice PDF link) from the same server.

        Raises:
            httpx.HTTPError: when the download fails.
        """
        transport = self.embedded.transport() if self.embedded is not None else None
        with httpx.Client(transport=transport, timeout=30.0) as http:
            response = http.get(url)
            response.raise_for_status()
            return response.content


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        description="Paigo's getting-started guide: set up billing, report usage, invoice it."
    )
    parser.add_argument("--api-url", default=os.environ.get("PAIGO_API_URL"))
    parser.add_argument("--auth-url", default=os.environ.get("PAIGO_AUTH_URL"))
    parser.add_argument("--client-id", default=os.environ.get("PAIGO_CLIENT_ID"))
    parser.add_argument("--client-secret", default=os.environ.get("PAIGO_CLIENT_SECRET"))
    parser.add_argument("--customer-id", help="use this existing customer")
    parser.add_argument("--dimension-id", help="use this existing dimension")
    parser.add_argument("--records", type=int, default=120, help="usage records to send (120)")
    parser.add_argument(
        "--interval", type=float, default=0.02, help="seconds between records (0.02; the guide: 1)"
    )
    parser.add_argument("--value", default="1", help="the recordValue of each record (1)")
    parser.add_argument("--raw-rows", type=int, default=10, help="raw records to show (10)")
    parser.add_argument(
        "--pdf", type=Path, default=Path("out") / "invoice.pdf", help="where to save the PDF"
    )
    parser.add_argument("--summary", type=Path, help="write what was sent and billed as JSON")
    args = parser.parse_args(argv)
    if args.records < 0 or args.interval < 0:
        parser.error("--records and --interval must not be negative")
    try:
        value = Decimal(args.value)
    except ArithmeticError:
        parser.error(f"--value must be a decimal number, got {args.value!r}")
    if not value.is_finite():
        parser.error(f"--value must be a decimal number, got {args.value!r}")
    return args


@contextmanager
def connect(args: argparse.Namespace) -> Iterator[Target]:
    """Yield a client for the embedded simulator, or for the server the arguments name."""
    if not args.api_url:
        with Simulator() as sim, sim.client() as client:
            yield Target(client, "the embedded Paigo simulator", embedded=sim)
        return
    auth_url = args.auth_url or f"{args.api_url.rstrip('/')}/oauth/token"
    with PaigoClient(
        api_url=args.api_url,
        auth_url=auth_url,
        client_id=args.client_id,
        client_secret=args.client_secret,
    ) as client:
        remote = RemoteSimulator(args.api_url) if RemoteSimulator.probe(args.api_url) else None
        yield Target(client, args.api_url, remote=remote)


def set_up_billing(target: Target, args: argparse.Namespace, journey: Journey) -> None:
    """Set the business profile, then create the guide's dimension, offering and customer."""
    client = target.client
    if not args.customer_id:
        # The seller block of every invoice comes from the business profile.
        client.settings.update_profile(
            business_name="Example Data Co",
            address_line1="1 Sample Street",
            city="Springfield",
            state="IL",
            postal_code="62701",
            country="US",
            support_email="billing@example-data.example",
        )
        console.print("[bold]Business profile[/] Example Data Co, Springfield")
    if args.dimension_id:
        dimension = client.dimensions.retrieve(args.dimension_id)
    else:
        dimension = client.dimensions.create(
            dimension_name="Data Processed",
            consumption_unit={"type": "data", "unit": "gigabyte"},
            usage_increment=1,
            rounding="ceiling",
            consumption_price=Decimal("0.08"),
            aggregation_method="sum",
        )
    journey.dimension_id = dimension.dimension_id
    journey.dimension_names[dimension.dimension_id] = dimension.dimension_name
    console.print(
        f"[bold]Dimension[/] {dimension.dimension_name} ({dimension.dimension_id}): "
        f"${dimension.consumption_price} per {dimension.usage_increment} "
        f"{dimension.consumption_unit.unit}, {dimension.aggregation_method}"
    )
    if args.customer_id:
        customer = client.customers.retrieve(args.customer_id)
    else:
        offering = client.offerings.create(
            offering_name="Pay-as-you-go", dimension_ids=[dimension.dimension_id]
        )
        console.print(f"[bold]Offering[/] {offering.offering_name} ({offering.offering_id})")
        customer = client.customers.create(
            customer_name="Dumm AI Corp",
            email="billing@dumm-ai.example",
            payment_channel="Stripe",
            payment_channel_options={"stripe_customer_id": GUIDE_STRIPE_ACCOUNT},
            offering_id=offering.offering_id,
        )
    journey.customer_id = customer.customer_id
    console.print(f"[bold]Customer[/] {customer.customer_name} ({customer.customer_id})")


def report_usage(target: Target, args: argparse.Namespace, journey: Journey) -> None:
    """Record the dashboard's single record, then stream records through the batcher."""
    client = target.client
    first = datetime.now(UTC)
    client.usage.record(
        customer_id=journey.customer_id,
        dimension_id=journey.dimension_id,
        record_value=Decimal("0.8"),
        timestamp=first,
        metadata={"Foo": "Bar"},
    )
    journey.records.append((first.isoformat(), "0.8"))
    value = Decimal(args.value)
    progress = Progress(
        TextColumn("Reporting usage"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    with progress, client.usage.batcher(flush_interval=0.2) as batcher:
        task = progress.add_task("usage", total=args.records)
        for index in range(args.records):
            moment = datetime.now(UTC)
            batcher.add(journey.customer_id, journey.dimension_id, value, timestamp=moment)
            journey.records.append((moment.isoformat(), format(value, "f")))
            progress.advance(task)
            if args.interval and index + 1 < args.records:
                time.sleep(args.interval)
        report = batcher.flush(timeout=60)
    console.print(
        f"Delivered {report.delivered + 1} records ({report.replayed} idempotent replays, "
        f"{len(report.rejected)} rejected, {report.pending} pending)."
    )
    if not report.complete:
        for rejected in report.rejected:
            console.print(f"[red]rejected[/] {rejected}")
        raise PaigoError("some usage records were not delivered; see the report above")


def show_usage(target: Target, args: argparse.Namespace, journey: Journey) -> None:
    """Print the customer's usage, raw and aggregated by day, as tables."""
    client = target.client
    raw = client.customers.retrieve_usage(journey.customer_id, aggregation_interval="none")
    table = Table(title="Usage, raw records")
    for column in ("Dimension", "Timestamp", "Value", "Metadata"):
        table.add_column(column)
    rows = [
        (item.dimension_id, record)
        for item in raw
        if isinstance(item, RawUsage)
        for record in item.usage
    ]
    names = journey.dimension_names
    for dimension_id, record in rows[: args.raw_rows]:
        table.add_row(
            names.get(dimension_id, dimension_id),
            format_moment(record.timestamp),
            format(record.record_value, "f"),
            json.dumps(record.metadata or {}),
        )
    if len(rows) > args.raw_rows:
        table.add_row("…", f"{len(rows) - args.raw_rows} more", "", "")
    console.print(table)

    daily = client.customers.retrieve_usage(journey.customer_id, aggregation_interval="day")
    table = Table(title="Usage, aggregated by day (UTC)")
    for column in ("Dimension", "Day starting", "Day ending", "Value"):
        table.add_column(column)
    for item in daily:
        if isinstance(item, AggregatedUsage):
            for bucket in item.usage:
                if bucket.start_time is None:
                    continue
                # The server clips the first and last bucket to the query window (which starts at
                # the enrollment and ends now); a day bucket is the whole UTC day around them.
                day = day_start(bucket.start_time)
                table.add_row(
                    names.get(item.dimension_id, item.dimension_id),
                    format_moment(day),
                    format_moment(day + timedelta(days=1)),
                    format(bucket.value, "f") if bucket.value is not None else "",
                )
    console.print(table)


def day_start(moment: datetime) -> datetime:
    """Return midnight UTC of the day holding ``moment``."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def format_moment(moment: datetime) -> str:
    """Return ``moment`` as RFC 3339 UTC, with milliseconds only when it has some."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def invoice_period(target: Target, args: argparse.Namespace, journey: Journey) -> None:
    """Create the off-cycle invoice for this month so far, print it and save its PDF."""
    now = datetime.now(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    invoice_id = target.create_period_invoice(journey.customer_id, start, now)
    if invoice_id is None:
        console.print(
            "Skipping the off-cycle invoice: Paigo's v1.10 API has no billing-period invoice "
            "(it is a dashboard feature); the simulator offers it as an extension."
        )
        return
    invoice = target.client.invoices.retrieve(invoice_id)
    print_invoice(invoice)
    journey.invoice = invoice.model_dump(mode="json", by_alias=True)
    downloadable = target.client.invoices.retrieve(invoice_id, download=True)
    if downloadable.invoice_url:
        args.pdf.parent.mkdir(parents=True, exist_ok=True)
        args.pdf.write_bytes(target.fetch(downloadable.invoice_url))
        journey.pdf = str(args.pdf)
        console.print(f"Saved the invoice PDF to [bold]{args.pdf}[/]")


def print_invoice(invoice: Invoice) -> None:
    """Print an invoice's lines and totals as a table."""
    table = Table(
        title=f"Invoice {invoice.invoice_id} ({invoice.invoice_status}, {invoice.invoice_type})"
    )
    for column in ("Line", "Quantity", "Unit cost", "Amount"):
        table.add_column(column)
    for line in invoice.line_items:
        amount = (line.quantity * line.unit_cost).quantize(Decimal("0.01"))
        table.add_row(
            line.name, format(line.quantity, "f"), format(line.unit_cost, "f"), f"{amount}"
        )
    console.print(table)
    tax = invoice.tax_amount or Decimal(0)
    console.print(
        f"Total without tax: [bold]{invoice.total_amount_without_tax}[/] {invoice.currency or ''}"
        f"  tax: {tax}  paid: {invoice.amount_paid or 0}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the journey and return the process exit code."""
    args = parse_args(argv)
    journey = Journey()
    try:
        with connect(args) as target:
            console.print(f"Using {target.description}.")
            set_up_billing(target, args, journey)
            report_usage(target, args, journey)
            show_usage(target, args, journey)
            invoice_period(target, args, journey)
    except AuthenticationError as exc:
        return fail(f"authentication failed: {exc.message}. Check the client id and secret.")
    except NotFoundError as exc:
        return fail(f"not found: {exc.message}")
    except APIConnectionError as exc:
        return fail(f"cannot reach the server: {exc}")
    except (ClientValidationError, RemoteSimulatorError) as exc:
        return fail(str(exc))
    except PaigoError as exc:
        return fail(str(exc))
    if args.summary:
        args.summary.write_text(
            json.dumps(
                {
                    "customerId": journey.customer_id,
                    "dimensionId": journey.dimension_id,
                    "records": [{"timestamp": t, "recordValue": v} for t, v in journey.records],
                    "invoice": journey.invoice,
                    "pdf": journey.pdf,
                },
                indent=2,
            )
        )
    return 0


def fail(message: str) -> int:
    """Print one clear line to standard error and return the failure exit code."""
    Console(stderr=True).print(f"[red]error:[/] {message}")
    return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
