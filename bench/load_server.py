"""Sustained load against `paigo-simulator serve` on loopback: usage writes and usage-view reads.

Starts `python -m simulator serve` on 127.0.0.1 (a free port), creates a priced dimension and a
few enrolled customers, then runs `--clients` threads, each with its own `PaigoClient`, for
`--seconds`: every worker posts usage records (`--batch 1`: one `POST /usage` per record; more:
JSON arrays of that many records, with the server's array batches on) and every `--read-every`
operations reads a customer's hourly usage view. Afterwards it checks that the server stored
exactly the records acknowledged, and reports records per second, reads per second, errors, and
the server process's resident memory (sampled `VmRSS` and the kernel's peak `VmHWM`).

Usage:
    .venv/bin/python bench/load_server.py                  # 60 s, 8 clients
    .venv/bin/python bench/load_server.py --seconds 10 --clients 4 --batch 100

Loopback only; every loop is bounded by the deadline; the server is stopped at the end. Exits
with status 1 when any request failed or the stored records do not match.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from paigo_sdk import PaigoClient

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Server:
    process: subprocess.Popen[str]
    env: dict[str, str]
    lines: queue.Queue[str | None]

    @property
    def url(self) -> str:
        return self.env["PAIGO_API_URL"]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        return self.process.returncode


def start_server(*args: str) -> Server:
    """Run the server on 127.0.0.1 and wait (at most 60 s) for the URLs it prints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAIGO_")}
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    printed: dict[str, str] = {}
    while "PAIGO_CLIENT_SECRET" not in printed:
        try:
            line = lines.get(timeout=60)
        except queue.Empty:
            line = None
        if line is None:
            process.kill()
            raise RuntimeError("the simulator server did not start")
        name, sep, value = line.partition("=")
        if sep and name.startswith("PAIGO_"):
            printed[name] = value
    return Server(process, printed, lines)


def memory_kib(pid: int) -> dict[str, int]:
    """Read VmRSS and VmHWM (KiB) of a process from /proc."""
    found: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(rest.split()[0])
    return found


@dataclass
class Totals:
    lock: threading.Lock = field(default_factory=threading.Lock)
    records: int = 0
    writes: int = 0
    reads: int = 0
    errors: list[str] = field(default_factory=list)
    per_customer: dict[str, int] = field(default_factory=dict)


def client_for(server: Server) -> PaigoClient:
    return PaigoClient(
        client_id=server.env["PAIGO_CLIENT_ID"],
        client_secret=server.env["PAIGO_CLIENT_SECRET"],
        api_url=server.url,
        auth_url=server.env["PAIGO_AUTH_URL"],
        timeout=30.0,
        max_retries=0,
    )


def setup(server: Server, customers: int) -> tuple[str, list[str]]:
    with client_for(server) as client:
        dimension = client.dimensions.create(
            dimension_name="API calls",
            consumption_unit={"type": "count", "unit": "count-based"},
            usage_increment="1",
            rounding="ceiling",
            consumption_price="0.001",
            aggregation_method="sum",
            aggregation_interval="hour",
        )
        offering = client.offerings.create(
            offering_name="Metered", dimension_ids=[dimension.dimension_id]
        )
        ids = [
            client.customers.create(
                customer_name=f"Load {n}",
                email=f"load{n}@example.test",
                payment_channel="manual",
                offering_id=offering.offering_id,
                offering_enrollment_date=datetime.now(UTC) - timedelta(days=1),
            ).customer_id
            for n in range(customers)
        ]
    return dimension.dimension_id, ids


def worker(
    index: int,
    server: Server,
    dimension_id: str,
    customers: list[str],
    deadline: float,
    args: argparse.Namespace,
    totals: Totals,
) -> None:
    customer_id = customers[index % len(customers)]
    records = writes = reads = operations = 0
    with client_for(server) as client:
        while time.monotonic() < deadline:
            operations += 1
            try:
                if operations % args.read_every == 0:
                    client.customers.retrieve_usage(
                        customer_id,
                        aggregation_interval="hour",
                        start_time=datetime.now(UTC) - timedelta(hours=2),
                        end_time=datetime.now(UTC),
                    )
                    reads += 1
                    continue
                stamp = datetime.now(UTC) - timedelta(seconds=1)
                if args.batch == 1:
                    client.usage.record(
                        customer_id=customer_id,
                        dimension_id=dimension_id,
                        record_value=1 + operations % 5,
                        timestamp=stamp,
                    )
                else:
                    client.usage.record_batch(
                        [
                            {
                                "customer_id": customer_id,
                                "dimension_id": dimension_id,
                                "record_value": Decimal(1 + (operations + n) % 5),
                                "timestamp": stamp,
                            }
                            for n in range(args.batch)
                        ]
                    )
                records += args.batch
                writes += 1
            except Exception as error:  # every failure is counted and reported
                with totals.lock:
                    totals.errors.append(f"{type(error).__name__}: {error}")
                if len(totals.errors) > 100:
                    break
    with totals.lock:
        totals.records += records
        totals.writes += writes
        totals.reads += reads
        totals.per_customer[customer_id] = totals.per_customer.get(customer_id, 0) + records


def stored_counts(server: Server, customers: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for customer_id in customers:
        reply = httpx.get(
            f"{server.url}/_simulator/usage-records",
            params={"customerId": customer_id},
            timeout=120,
        )
        reply.raise_for_status()
        counts[customer_id] = len(reply.json()["data"])
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="duration (default 60)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--customers", type=int, default=4, help="customers (default 4)")
    parser.add_argument("--batch", type=int, default=1, help="records per POST (default 1)")
    parser.add_argument(
        "--read-every", type=int, default=10, help="one usage-view read per N operations"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.clients < 1 or args.batch < 1 or args.read_every < 2:
        parser.error("--seconds > 0, --clients >= 1, --batch >= 1, --read-every >= 2")

    server = start_server(*(["--array-batches"] if args.batch > 1 else []))
    pid = server.process.pid
    totals = Totals()
    samples: list[int] = []
    try:
        dimension_id, customers = setup(server, args.customers)
        baseline = memory_kib(pid)
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [
            threading.Thread(
                target=worker,
                args=(n, server, dimension_id, customers, deadline, args, totals),
                daemon=True,
            )
            for n in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline + 120:
            samples.append(memory_kib(pid)["VmRSS"])
            time.sleep(0.5)
        for thread in threads:
            thread.join(5)
        elapsed = time.monotonic() - started
        final = memory_kib(pid)
        stored = stored_counts(server, customers)
    finally:
        server.stop()

    expected = {c: totals.per_customer.get(c, 0) for c in customers}
    result: dict[str, Any] = {
        "seconds": round(elapsed, 1),
        "clients": args.clients,
        "batch": args.batch,
        "records": totals.records,
        "records_per_second": round(totals.records / elapsed, 1),
        "write_requests_per_second": round(totals.writes / elapsed, 1),
        "reads": totals.reads,
        "reads_per_second": round(totals.reads / elapsed, 1),
        "errors": len(totals.errors),
        "stored_matches_acknowledged": stored == expected,
        "server_rss_start_mib": round(baseline["VmRSS"] / 1024, 1),
        "server_rss_end_mib": round(final["VmRSS"] / 1024, 1),
        "server_rss_max_sampled_mib": round(max(samples, default=0) / 1024, 1),
        "server_peak_rss_vmhwm_mib": round(final["VmHWM"] / 1024, 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, value in result.items():
            print(f"{name:30} {value}")
    for error in totals.errors[:5]:
        print("error:", error, file=sys.stderr)
    ok = not totals.errors and stored == expected
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
