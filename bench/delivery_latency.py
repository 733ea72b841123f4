"""Delivered records per second over a real round trip: `paigo-simulator serve`, 50 ms latency.

Paigo takes one record per request, so delivery speed is requests in flight divided by the round
trip. This starts `python -m simulator serve` on 127.0.0.1 with a latency fault on `POST /usage`
(every usage request waits `--latency` seconds before it is handled; other routes answer at once)
and times, each with default settings:

- the one-per-request floor: `client.usage.record(...)` in a loop, one request at a time;
- `UsageBatcher` (threads, adaptive concurrency);
- `AsyncUsageBatcher` (asyncio tasks, adaptive concurrency).

The rate is records acknowledged divided by the time from the first `add` to the end of `flush`.
Beside it, the CPU time each record cost the client process and the server process (read from
/proc on Linux), which says which side a loaded machine starves.
Every run checks that the server stored exactly the records sent (the script exits non-zero if
not). Run:

    .venv/bin/python bench/delivery_latency.py [--latency 0.05] [--records 5000] [--floor 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from paigo_sdk import AsyncPaigoClient, PaigoClient
from paigo_sdk.batching import AsyncUsageBatcher, UsageBatcher


def start_server(
    latency: float, *, array_batches: bool = False
) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAIGO_")}
    env["PYTHONUNBUFFERED"] = "1"
    command = [sys.executable, "-m", "simulator", "serve", "--port", "0"]
    if latency > 0:
        command += ["--fault", f"kind=latency,latency={latency},method=POST,path=/usage"]
    if array_batches:
        command.append("--array-batches")
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.strip())

    threading.Thread(target=pump, daemon=True).start()
    printed: dict[str, str] = {}
    while "PAIGO_CLIENT_SECRET" not in printed:
        name, sep, value = lines.get(timeout=60).partition("=")
        if sep and name.startswith("PAIGO_"):
            printed[name] = value
    return process, printed


def client_options(env: dict[str, str]) -> dict[str, Any]:
    return {
        "client_id": env["PAIGO_CLIENT_ID"],
        "client_secret": env["PAIGO_CLIENT_SECRET"],
        "api_url": env["PAIGO_API_URL"],
        "auth_url": env["PAIGO_AUTH_URL"],
    }


def catalog(client: PaigoClient, name: str) -> tuple[str, str]:
    dimension = client.dimensions.create(
        dimension_name=f"Calls {name}",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment="1",
        rounding="ceiling",
        consumption_price="0.01",
        aggregation_method="sum",
    )
    customer = client.customers.create(
        customer_name=name, email=f"{name}@example.test", payment_channel="manual"
    )
    return customer.customer_id, dimension.dimension_id


def stored(env: dict[str, str], customer_id: str) -> int:
    reply = httpx.get(
        f"{env['PAIGO_API_URL']}/_simulator/usage-records",
        params={"customerId": customer_id},
        timeout=60,
    )
    reply.raise_for_status()
    return len(reply.json()["data"])


def server_cpu(process: subprocess.Popen[str]) -> float:
    """CPU seconds the server process has used so far (Linux /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def floor(client: PaigoClient, customer_id: str, dimension_id: str, count: int) -> float:
    began = time.perf_counter()
    for _ in range(count):
        client.usage.record(customer_id=customer_id, dimension_id=dimension_id, record_value=1)
    return time.perf_counter() - began


def threaded(client: PaigoClient, customer_id: str, dimension_id: str, count: int) -> float:
    batcher = UsageBatcher(client)
    began = time.perf_counter()
    for _ in range(count):
        batcher.add(customer_id, dimension_id, 1)
    report = batcher.flush(timeout=600)
    elapsed = time.perf_counter() - began
    print(f"    {batcher.stats()}")
    batcher.close()
    assert report.delivered == count, report
    assert report.complete, report
    return elapsed


async def tasks(env: dict[str, str], customer_id: str, dimension_id: str, count: int) -> float:
    async with AsyncPaigoClient(**client_options(env)) as client:
        batcher = AsyncUsageBatcher(client)
        began = time.perf_counter()
        for _ in range(count):
            await batcher.add(customer_id, dimension_id, 1)
        report = await batcher.flush(timeout=600)
        elapsed = time.perf_counter() - began
        print(f"    {batcher.stats()}")
        await batcher.close()
    assert report.delivered == count, report
    assert report.complete, report
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--floor", type=int, default=40)
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"load average before: {os.getloadavg()}")
    process, env = start_server(args.latency)
    exact = True
    try:
        with PaigoClient(**client_options(env)) as client:
            rows: list[tuple[str, int, float, float, float]] = []

            def timed(name: str, count: int, run: Callable[[str, str], float]) -> bool:
                customer, dimension = catalog(client, name.split(",")[0].split()[0])
                cpu, served = time.process_time(), server_cpu(process)
                elapsed = run(customer, dimension)
                client_cpu = time.process_time() - cpu
                rows.append((name, count, elapsed, client_cpu, server_cpu(process) - served))
                return stored(env, customer) == count

            exact &= timed(
                "one per request (usage.record loop)",
                args.floor,
                lambda c, d: floor(client, c, d, args.floor),
            )
            exact &= timed(
                "UsageBatcher, defaults",
                args.records,
                lambda c, d: threaded(client, c, d, args.records),
            )
            exact &= timed(
                "AsyncUsageBatcher, defaults",
                args.records,
                lambda c, d: asyncio.run(tasks(env, c, d, args.records)),
            )
    finally:
        process.terminate()
        process.wait(30)
    print(f"latency fault on POST /usage: {args.latency * 1000:.0f} ms")
    print(
        f"{'method':37} {'records':>7} {'seconds':>7} {'records/s':>9} "
        f"{'client CPU µs/rec':>17} {'server CPU µs/rec':>17}"
    )
    for name, count, seconds, client_cpu, serving_cpu in rows:
        print(
            f"{name:37} {count:>7} {seconds:>7.2f} {count / seconds:>9.0f} "
            f"{client_cpu / count * 1e6:>17.0f} {serving_cpu / count * 1e6:>17.0f}"
        )
    print("exact" if exact else "MISMATCH: the server did not store exactly what was sent")
    print(f"load average after: {os.getloadavg()}")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
