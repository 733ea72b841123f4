"""Measure a year of billing through the SDK against an in-process simulator.

One customer on a monthly usage-based offering with 3 dimensions (sum, max, unique count), and
10,000 usage records spread evenly over 12 months: each month's records are sent with
`client.usage.record_batch` (the simulator's array batches, up to `--batch` records a request),
each batch sent just after its last record on the manual clock; moving the clock into the next
month closes the cycle and issues its invoice.
The run checks that 12 invoices exist and that they bill exactly the usage sent. Run:

    .venv/bin/python bench/year_of_billing.py [--records 10000] [--batch 500] [--rounds 3]
    .venv/bin/python bench/year_of_billing.py --profile     # where the time goes (cProfile)
"""

from __future__ import annotations

import argparse
import cProfile
import platform
import pstats
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from paigo_sdk import PaigoClient
from simulator import ManualClock, Simulator

START = datetime(2026, 1, 1, tzinfo=UTC)
MONTHS = 12


def _month_start(index: int) -> datetime:
    return START.replace(year=START.year + index // 12, month=index % 12 + 1)


def _catalog(client: PaigoClient) -> tuple[str, list[str]]:
    dimensions = []
    for name, method, price in (
        ("API calls", "sum", "0.002"),
        ("Seats", "max", "12"),
        ("Builds", "count", "0.05"),
    ):
        dimension = client.dimensions.create(
            dimension_name=name,
            consumption_unit={"type": "count", "unit": "count-based"},
            usage_increment=1,
            rounding="ceiling",
            consumption_price=Decimal(price),
            aggregation_method=method,
        )
        dimensions.append(dimension.dimension_id)
    offering = client.offerings.create(offering_name="Usage", dimension_ids=dimensions)
    customer = client.customers.create(
        customer_name="Contoso",
        email="billing@contoso.example",
        payment_channel="manual",
        offering_id=offering.offering_id,
    )
    return customer.customer_id, dimensions


def year(records: int, batch: int) -> tuple[float, Simulator, str, int]:
    """Run one year; return the CPU seconds it took (`time.process_time`, so that other work on
    a shared machine does not count), the simulator, the customer id and the API calls sent."""
    clock = ManualClock(START)
    sim = Simulator(clock=clock, array_batches=True, seed=1)
    client = sim.client()
    began = time.process_time()
    customer_id, dimensions = _catalog(client)
    sent = calls = 0
    for month in range(MONTHS):
        start = _month_start(month)
        span = (_month_start(month + 1) - start).total_seconds()
        count = records * (month + 1) // MONTHS - sent
        rows = []
        for index in range(count):
            dimension = dimensions[index % 3]
            moment = start + timedelta(seconds=span * (index + 0.5) / (count + 1))
            value: object = 1 if index % 3 == 0 else index % 7 + 1
            calls += index % 3 == 0
            row: dict[str, object] = {
                "customer_id": customer_id,
                "dimension_id": dimension,
                "record_value": value,
                "timestamp": moment,
            }
            rows.append(row)
        for first in range(0, count, batch):
            chunk = rows[first : first + batch]
            # Time moves on with the usage: each batch is sent just after its last record.
            last = chunk[-1]["timestamp"]
            assert isinstance(last, datetime)
            clock.set(last + timedelta(seconds=1))
            client.usage.record_batch(chunk)
        sent += count
        clock.set(_month_start(month + 1))
    elapsed = time.process_time() - began
    client.close()
    return elapsed, sim, customer_id, calls


def check(sim: Simulator, customer_id: str, records: int, sent_calls: int) -> None:
    """Refuse a run that lost records or invoices (a fast but wrong run must not pass)."""
    stored = len(sim.usage_records(customer_id=customer_id))
    if stored != records:
        raise SystemExit(f"{stored} records stored, {records} sent")
    invoices = sim.engine.list_customer_invoices(customer_id)
    if len(invoices) != MONTHS:
        raise SystemExit(f"{len(invoices)} invoices, expected {MONTHS}")
    # Each API call record is 1 on a sum dimension: the invoices bill exactly those sent.
    calls = sum(
        line.quantity
        for invoice in invoices
        for line in invoice.line_items
        if "API calls" in line.name
    )
    if calls != sent_calls:
        raise SystemExit(f"{calls} API calls invoiced, {sent_calls} sent")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500, help="records per record_batch call")
    parser.add_argument("--rounds", type=int, default=3, help="runs (the median is reported)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one run")
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(year, args.records, args.batch)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        return
    times = []
    for index in range(args.rounds):
        elapsed, sim, customer_id, calls = year(args.records, args.batch)
        check(sim, customer_id, args.records, calls)
        times.append(elapsed)
        print(f"run {index + 1}: {elapsed:.3f} s CPU")
    print(
        f"median: {statistics.median(times):.3f} s CPU for {args.records} records, "
        f"{MONTHS} invoices"
    )


if __name__ == "__main__":
    main()
