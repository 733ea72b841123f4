"""Measure what an invoice preview and a usage query cost as the raw records behind them grow.

Usage: .venv/bin/python bench/engine_query.py [--sizes 1000 100000 1000000]
All records fall in one billing cycle (January); the queries run near its end. Not a test.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from simulator.clock import ManualClock
from simulator.engine import ConsumptionUnit, Engine, UsageInput

START = datetime(2026, 1, 1, tzinfo=UTC)
CYCLE = timedelta(days=31)


def _engine(n: int, *, annual: bool = False) -> tuple[Engine, str]:
    cycle = timedelta(days=365) if annual else CYCLE
    clock = ManualClock(START + cycle - timedelta(minutes=1))
    engine = Engine(clock=clock, seed=1)
    engine.options.array_batches = True
    d = engine.create_dimension(
        dimension_name="Data Processed",
        consumption_unit=ConsumptionUnit("data", "gigabyte"),
        usage_increment=Decimal(1),
        rounding="ceiling",
        consumption_price=Decimal("0.08"),
        aggregation_method="sum",
    )
    o = engine.create_offering(
        offering_name="Pay-as-you-go",
        dimension_ids=[d.dimension_id],
        billing_cycle="annualToDate" if annual else "monthly",
    )
    c = engine.create_customer(
        customer_name="Dumm AI Corp",
        email="billing@example.com",
        payment_channel="manual",
        offering_id=o.offering_id,
        offering_enrollment_date=START,
    )
    step = (cycle - timedelta(minutes=2)) / n
    regions = [{"region": r} for r in ("us-east-1", "eu-west-1")]
    batch: list[UsageInput] = []
    for i in range(n):
        batch.append(
            UsageInput(
                c.customer_id,
                d.dimension_id,
                Decimal(f"{i % 100}.{i % 7}"),
                START + step * i,
                regions[i % 2],
            )
        )
        if len(batch) == 10_000:
            engine.record_usage_batch(batch)
            batch = []
    if batch:
        engine.record_usage_batch(batch)
    return engine, c.customer_id


def _best_ms(run: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best * 1000


def main() -> None:
    """Print the cost of a preview and of usage queries for each size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--annual",
        type=int,
        default=1_000_000,
        help="records for the annual-cycle preview (0: skip)",
    )
    args = parser.parse_args()
    print("records   preview_invoice  usage(hour)  usage(day)  usage(none, raw)  [ms, CPU, best]")
    for n in args.sizes:
        print(_row(n, args.repeats))
    if args.annual:
        engine, cid = _engine(args.annual, annual=True)
        preview = _best_ms(lambda: engine.preview_invoice(cid), args.repeats)
        print(
            f"annualToDate cycle, {args.annual:,} records over the year: preview {preview:.2f} ms"
        )


def _row(n: int, repeats: int) -> str:
    engine, cid = _engine(n)
    preview = _best_ms(lambda: engine.preview_invoice(cid), repeats)
    hourly = _best_ms(lambda: engine.query_usage(cid, start_time=START), repeats)
    daily = _best_ms(
        lambda: engine.query_usage(cid, start_time=START, aggregation_interval="day"), repeats
    )
    raw = _best_ms(
        lambda: engine.query_usage(cid, start_time=START, aggregation_interval="none"), 1
    )
    return f"{n:>9,}  {preview:>14.2f}  {hourly:>11.2f}  {daily:>10.2f}  {raw:>16.1f}"


if __name__ == "__main__":
    main()
