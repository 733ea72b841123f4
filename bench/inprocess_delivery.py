"""Measure in-process usage delivery per record against one bare httpx POST, in one run.

Three loops, each over the same number of records, interleaved over several rounds so that a
machine shared with other work slows them alike:

- bare: `httpx.Client(transport=httpx.MockTransport(...)).post(...)` answering a fixed 201
  (httpx's own request, client and response machinery, and no server at all);
- batcher: the default `UsageBatcher` (one record per request) delivering to an in-process
  `Simulator` (the SDK's request path, the batcher, and the simulator storing each record);
- record: `client.usage.record(...)` called in a loop on the caller's thread.

Each loop is timed in process CPU time (`time.process_time`, every thread of the process), so
that other work on a shared machine does not count; the figure is the median of the per-round
ratios batcher / bare. Every batcher round checks that
the simulator stored exactly the records sent. Run:

    .venv/bin/python bench/inprocess_delivery.py [--records 3000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from decimal import Decimal

import httpx

from paigo_sdk import PaigoClient
from paigo_sdk.batching import UsageBatcher
from simulator import Simulator


def bare(count: int) -> float:
    reply = json.dumps({"message": "Usage record created"}).encode()
    http = httpx.Client(
        transport=httpx.MockTransport(
            lambda _request: httpx.Response(
                201, content=reply, headers={"content-type": "application/json"}
            )
        ),
        base_url="http://paigo-simulator.local",
    )
    body = {
        "customerId": "cus-1",
        "dimensionId": "dim-1",
        "recordValue": "1",
        "timestamp": "2026-01-05T10:00:00.000Z",
    }
    began = time.process_time()
    for index in range(count):
        http.post("/usage", json=body, headers={"Idempotency-Key": f"k-{index}"})
    elapsed = time.process_time() - began
    http.close()
    return elapsed / count


def _catalog(client: PaigoClient) -> tuple[str, str]:
    dimension = client.dimensions.create(
        dimension_name="API calls",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment=1,
        rounding="ceiling",
        consumption_price=Decimal("0.01"),
    )
    customer = client.customers.create(
        customer_name="Bench", email="bench@example.test", payment_channel="manual"
    )
    return customer.customer_id, dimension.dimension_id


def batcher(count: int) -> float:
    sim = Simulator()
    client = sim.client()
    customer_id, dimension_id = _catalog(client)
    began = time.process_time()
    with UsageBatcher(client, max_queue=count) as usage:
        for _ in range(count):
            usage.add(customer_id, dimension_id, 1)
        report = usage.flush()
    elapsed = time.process_time() - began
    stored = len(sim.usage_records(customer_id=customer_id))
    if not report.complete or report.delivered != count or stored != count:
        raise SystemExit(f"delivery incomplete: {report}, {stored} stored")
    client.close()
    return elapsed / count


def record(count: int) -> float:
    sim = Simulator()
    client = sim.client()
    customer_id, dimension_id = _catalog(client)
    began = time.process_time()
    for _ in range(count):
        client.usage.record(customer_id=customer_id, dimension_id=dimension_id, record_value=1)
    elapsed = time.process_time() - began
    client.close()
    return elapsed / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=3000, help="records per loop and round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (the median is reported)")
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}, httpx {httpx.__version__}")
    bare(300), batcher(300), record(300)  # warm imports and caches
    rows: list[tuple[float, float, float]] = []
    for _ in range(args.rounds):
        rows.append((bare(args.records), batcher(args.records), record(args.records)))
    for index, (b, d, r) in enumerate(rows, 1):
        print(
            f"round {index}: bare {b * 1e6:6.1f} us, batcher {d * 1e6:6.1f} us/record "
            f"({d / b:.2f}x), usage.record {r * 1e6:6.1f} us ({r / b:.2f}x)"
        )
    print(
        f"median: batcher {statistics.median(d / b for b, d, _ in rows):.2f}x, "
        f"usage.record {statistics.median(r / b for b, _, r in rows):.2f}x "
        "of one bare httpx POST through MockTransport"
    )


if __name__ == "__main__":
    main()
