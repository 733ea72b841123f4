"""Measure `Simulator.snapshot()` and `restore()` as the stored usage records grow.

Usage: .venv/bin/python bench/simulator_snapshot.py [--records N ...] [--repeat R]
Prints one line per size: the median and worst of R snapshot and restore calls, in milliseconds,
the snapshot's size, and a check that the restored state bills the same as the original.
Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from simulator import ManualClock, Simulator
from simulator.engine import ConsumptionUnit, UsageInput

START = datetime(2026, 1, 1, tzinfo=UTC)


def build(records: int) -> tuple[Simulator, str]:
    """A simulator holding `records` usage records of one customer (three metadata shapes)."""
    sim = Simulator(clock=ManualClock(START + timedelta(days=27)), seed=1, array_batches=True)
    engine = sim.engine
    dimension = engine.create_dimension(
        dimension_name="Data Processed",
        consumption_unit=ConsumptionUnit("data", "gigabyte"),
        usage_increment=Decimal(1),
        rounding="ceiling",
        consumption_price=Decimal("0.08"),
        aggregation_method="sum",
    )
    offering = engine.create_offering(
        offering_name="Pay-as-you-go", dimension_ids=[dimension.dimension_id]
    )
    customer = engine.create_customer(
        customer_name="Dumm AI Corp",
        email="billing@example.com",
        payment_channel="manual",
        offering_id=offering.offering_id,
    )
    regions = [{"region": r} for r in ("us-east-1", "eu-west-1", "ap-south-1")]
    chunk = 10_000
    for first in range(0, records, chunk):
        engine.record_usage_batch(
            [
                UsageInput(
                    customer.customer_id,
                    dimension.dimension_id,
                    Decimal(f"{i % 1000}.{i % 97:02d}"),
                    START + timedelta(seconds=2 * i),
                    regions[i % 3],
                )
                for i in range(first, min(first + chunk, records))
            ]
        )
    return sim, customer.customer_id


def main() -> None:
    """Run the measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    for records in args.records:
        sim, customer_id = build(records)
        expected = sim.preview_invoice(customer_id).total_amount_without_tax
        takes, restores = [], []
        snapshot = sim.snapshot()
        for _ in range(args.repeat):
            started = time.perf_counter()
            snapshot = sim.snapshot()
            takes.append(time.perf_counter() - started)
            started = time.perf_counter()
            sim.restore(snapshot)
            restores.append(time.perf_counter() - started)
        same = sim.preview_invoice(customer_id).total_amount_without_tax == expected
        stored = len(sim.usage_records(customer_id=customer_id))
        print(
            f"{records:>8} records: snapshot median {statistics.median(takes) * 1e3:6.1f} ms "
            f"(worst {max(takes) * 1e3:6.1f}), restore median "
            f"{statistics.median(restores) * 1e3:6.1f} ms (worst {max(restores) * 1e3:6.1f}), "
            f"{len(snapshot.state) / 1e6:.1f} MB, {stored} records back, "
            f"same invoice: {same}"
        )
        sim.close()


if __name__ == "__main__":
    main()
