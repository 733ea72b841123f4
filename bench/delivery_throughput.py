"""Measure delivered usage records per second, in-process and over loopback, against a naive loop.

For each target (the in-process simulator, and `python -m simulator serve --array-batches` on
127.0.0.1) it times:

- the naive loop: `client.usage.record(...)` once per record, sequentially (the baseline);
- the floor: the same posts made with a bare `httpx.Client` (no SDK), sequentially;
- `UsageBatcher` with one record per request (`concurrency` workers);
- `UsageBatcher` with wire batches (`record_batch` chunks of `--max-batch` records).

Every run checks that the simulator stored exactly the records sent. Run:

    .venv/bin/python bench/delivery_throughput.py [--naive 1000] [--records 20000] [--wire 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from paigo_sdk import PaigoClient
from paigo_sdk.batching import UsageBatcher
from simulator import Simulator


@dataclass
class Target:
    """Where records go, and how to count what arrived."""

    name: str
    client: Callable[[], PaigoClient]
    stored: Callable[[str], int]
    raw_post: Callable[[], Callable[[dict[str, object], str], None]]


def _catalog(client: PaigoClient) -> tuple[str, str]:
    dimension = client.dimensions.create(
        dimension_name="API calls",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment="1",
        rounding="ceiling",
        consumption_price="0.01",
        aggregation_method="sum",
    )
    customer = client.customers.create(
        customer_name="Bench", email="bench@example.test", payment_channel="manual"
    )
    return customer.customer_id, dimension.dimension_id


def naive(client: PaigoClient, customer_id: str, dimension_id: str, count: int) -> float:
    began = time.perf_counter()
    for _ in range(count):
        client.usage.record(customer_id=customer_id, dimension_id=dimension_id, record_value=1)
    return time.perf_counter() - began


def floor(target: Target, customer_id: str, dimension_id: str, count: int) -> float:
    post = target.raw_post()
    body: dict[str, object] = {
        "customerId": customer_id,
        "dimensionId": dimension_id,
        "recordValue": "1",
        "timestamp": "",
    }
    began = time.perf_counter()
    for index in range(count):
        body["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        post(body, f"floor-{began}-{index}")
    return time.perf_counter() - began


def batched(
    client: PaigoClient,
    customer_id: str,
    dimension_id: str,
    count: int,
    *,
    wire: bool,
    max_batch: int,
    concurrency: int,
) -> float:
    began = time.perf_counter()
    with UsageBatcher(
        client, wire_batches=wire, max_batch=max_batch, concurrency=concurrency, max_queue=count
    ) as batcher:
        for _ in range(count):
            batcher.add(customer_id, dimension_id, 1)
        report = batcher.flush()
    elapsed = time.perf_counter() - began
    if not report.complete or report.delivered != count:
        raise SystemExit(f"delivery incomplete: {report}")
    return elapsed


@contextmanager
def in_process() -> Iterator[Target]:
    sim = Simulator(array_batches=True)

    def raw_post() -> Callable[[dict[str, object], str], None]:
        http = httpx.Client(transport=sim.transport(), base_url="http://paigo-simulator.local")
        token = http.post(
            "/oauth/token",
            json={
                "audience": "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com",
                "grant_type": "client_credentials",
                "client_id": "paigo-simulator",
                "client_secret": "paigo-simulator-secret",
            },
        ).json()["access_token"]

        def post(body: dict[str, object], key: str) -> None:
            http.post(
                "/usage",
                content=json.dumps(body),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": key,
                    "Content-Type": "application/json",
                },
            ).raise_for_status()

        return post

    yield Target(
        "in-process simulator",
        sim.client,
        lambda customer_id: len(sim.usage_records(customer_id=customer_id)),
        raw_post,
    )


@contextmanager
def over_loopback() -> Iterator[Target]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAIGO_")}
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", "--array-batches"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    printed: dict[str, str] = {}
    while "PAIGO_CLIENT_SECRET" not in printed:
        name, _, value = lines.get(timeout=60).partition("=")
        if name.startswith("PAIGO_"):
            printed[name.strip()] = value.strip()
    url = printed["PAIGO_API_URL"]

    def client() -> PaigoClient:
        return PaigoClient(
            client_id=printed["PAIGO_CLIENT_ID"],
            client_secret=printed["PAIGO_CLIENT_SECRET"],
            api_url=url,
            auth_url=printed["PAIGO_AUTH_URL"],
        )

    def stored(customer_id: str) -> int:
        reply = httpx.get(f"{url}/_simulator/usage-records?customerId={customer_id}", timeout=120)
        return len(reply.json()["data"])

    def raw_post() -> Callable[[dict[str, object], str], None]:
        http = httpx.Client(base_url=url)
        token = http.post(
            "/oauth/token",
            json={
                "audience": "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com",
                "grant_type": "client_credentials",
                "client_id": printed["PAIGO_CLIENT_ID"],
                "client_secret": printed["PAIGO_CLIENT_SECRET"],
            },
        ).json()["access_token"]

        def post(body: dict[str, object], key: str) -> None:
            http.post(
                "/usage",
                content=json.dumps(body),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": key,
                    "Content-Type": "application/json",
                },
            ).raise_for_status()

        return post

    try:
        yield Target(f"paigo-simulator serve ({url})", client, stored, raw_post)
    finally:
        process.terminate()
        process.wait(30)
        if process.stdout is not None:
            process.stdout.close()


def run(target: Target, options: argparse.Namespace) -> None:
    print(f"\n{target.name}")
    print(f"{'method':<44} {'records':>8} {'seconds':>8} {'records/s':>10} {'x naive':>8}")
    rows: list[tuple[str, int, float]] = []
    with target.client() as client:
        customer_id, dimension_id = _catalog(client)
        # Warm up: a token, a pooled connection.
        client.usage.record(customer_id=customer_id, dimension_id=dimension_id, record_value=0)
        ids = (client, customer_id, dimension_id)
        rows.append(
            ("naive loop: usage.record, sequential", options.naive, naive(*ids, options.naive))
        )
        rows.append(
            (
                "floor: bare httpx posts, sequential",
                options.naive,
                floor(target, customer_id, dimension_id, options.naive),
            )
        )
        for wire, count in ((False, options.records), (True, options.wire)):
            seconds = batched(
                *ids,
                count,
                wire=wire,
                max_batch=options.max_batch,
                concurrency=options.concurrency,
            )
            name = (
                f"UsageBatcher, wire batches of {options.max_batch}"
                if wire
                else f"UsageBatcher, 1 record/request, {options.concurrency} workers"
            )
            rows.append((name, count, seconds))
    naive_rate = rows[0][1] / rows[0][2]
    for name, count, seconds in rows:
        rate = count / seconds
        print(f"{name:<44} {count:>8} {seconds:>8.2f} {rate:>10.0f} {rate / naive_rate:>8.1f}")
    sent = 1 + sum(count for _, count, _ in rows)
    stored = target.stored(customer_id)
    print(f"stored {stored} of {sent} records sent: {'exact' if stored == sent else 'MISMATCH'}")
    if stored != sent:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive", type=int, default=1_000, help="records for the sequential loops")
    parser.add_argument("--records", type=int, default=20_000, help="records, one per request")
    parser.add_argument("--wire", type=int, default=100_000, help="records sent in wire batches")
    parser.add_argument("--max-batch", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--only", choices=["in-process", "server"], default=None)
    options = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    if options.only in (None, "in-process"):
        with in_process() as target:
            run(target, options)
    if options.only in (None, "server"):
        with over_loopback() as target:
            run(target, options)


if __name__ == "__main__":
    main()
