"""Requests and records per second with and without client-side rollup, against a real server.

Starts `python -m simulator serve` on 127.0.0.1 with a latency fault on `POST /usage` (every
usage request waits `--latency` seconds), then sends the same stream through a `UsageBatcher`
three times: with default settings, with `rollup=True`, and with `rollup=True, max_batch=1000`
(rollup combines what one unit of work holds, at most `max_batch` records): `--records` records
of a `sum` dimension spread over `--customers` customers, timestamped now. It prints, for each
run, the requests sent (`stats().sent`), the records the server stored, the seconds from the
first `add` to the end of `flush`, and the records per second. Each run checks that every
customer's stored sum equals the sum it was sent (the script exits non-zero if not). Run:

    .venv/bin/python bench/delivery_rollup.py [--latency 0.05] [--records 5000] [--customers 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from decimal import Decimal

import httpx

from bench.delivery_latency import client_options, start_server
from paigo_sdk import PaigoClient
from paigo_sdk.batching import UsageBatcher


def stored(env: dict[str, str], customer_id: str) -> tuple[int, Decimal]:
    reply = httpx.get(
        f"{env['PAIGO_API_URL']}/_simulator/usage-records",
        params={"customerId": customer_id},
        timeout=60,
    )
    reply.raise_for_status()
    records = reply.json()["data"]
    return len(records), sum((Decimal(r["recordValue"]) for r in records), Decimal(0))


def run(
    client: PaigoClient,
    env: dict[str, str],
    *,
    rollup: bool,
    max_batch: int,
    records: int,
    customers: int,
) -> tuple[int, int, float, bool]:
    dimension = client.dimensions.create(
        dimension_name=f"Calls rollup={rollup} max_batch={max_batch}",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment="1",
        rounding="ceiling",
        consumption_price="0.01",
        aggregation_method="sum",
    ).dimension_id
    ids = [
        client.customers.create(
            customer_name=f"c{n}-{rollup}-{max_batch}",
            email=f"c{n}@example.test",
            payment_channel="manual",
        ).customer_id
        for n in range(customers)
    ]
    sent = dict.fromkeys(ids, Decimal(0))
    batcher = UsageBatcher(client, rollup=rollup, max_batch=max_batch)
    began = time.perf_counter()
    for index in range(records):
        customer = ids[index % customers]
        value = Decimal(index % 7) / 4
        batcher.add(customer, dimension, value)
        sent[customer] += value
    report = batcher.flush(timeout=600)
    elapsed = time.perf_counter() - began
    requests = batcher.stats().sent
    batcher.close()
    assert report.complete, report
    kept = 0
    exact = True
    for customer in ids:
        count, total = stored(env, customer)
        kept += count
        exact &= total == sent[customer]
    return requests, kept, elapsed, exact


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--customers", type=int, default=20)
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"load average before: {os.getloadavg()}")
    process, env = start_server(args.latency)
    rows: list[tuple[str, int, int, float]] = []
    exact = True
    try:
        with PaigoClient(**client_options(env)) as client:
            for rollup, max_batch in ((False, 100), (True, 100), (True, 1000)):
                requests, kept, seconds, same = run(
                    client,
                    env,
                    rollup=rollup,
                    max_batch=max_batch,
                    records=args.records,
                    customers=args.customers,
                )
                name = f"rollup={rollup}, max_batch={max_batch}"
                rows.append((name, requests, kept, seconds))
                exact &= same
    finally:
        process.terminate()
        process.wait(30)
    print(f"latency fault on POST /usage: {args.latency * 1000:.0f} ms")
    print(f"{args.records} records over {args.customers} customers, one sum dimension")
    print(f"{'batcher':30} {'requests':>9} {'stored':>7} {'seconds':>8} {'records/s':>10}")
    for name, requests, kept, seconds in rows:
        print(f"{name:30} {requests:>9} {kept:>7} {seconds:>8.2f} {args.records / seconds:>10.0f}")
    print("exact sums" if exact else "MISMATCH: a customer's stored sum differs from what was sent")
    print(f"load average after: {os.getloadavg()}")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
