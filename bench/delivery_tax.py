"""Measure the per-event "tax": what metering with delivery on costs an application loop.

The loop does about 20 µs of its own work per event (a calibrated pure-Python sum). Each contender
runs the loop with one metering call per event while its background delivery is on and sending
over loopback, and the tax is the extra time per event against the same loop without metering:
it includes the call itself and the time the delivery threads take from the application (the GIL).

- paigo_sdk `UsageBatcher.add`, default settings, delivering to `paigo-simulator serve`;
- posthog `Posthog.capture` and segment `Client.track`, delivering to a loopback sink that answers
  every request with `200 {}` (each library's default consumer thread and batching).

Each run first waits until the previous run's records are delivered, so the loop without metering
is timed while delivery is idle. The figures are medians over `--runs` runs; beside the tax, the
part of it the loop's own thread spent on the CPU (the call, and slower code after delivery
threads ran), the rest being time it waited for the interpreter lock or for a CPU. Run:

    .venv/bin/python -m pip install -e '.[dev,bench]'
    .venv/bin/python bench/delivery_tax.py [--events 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.delivery_latency import catalog, client_options, start_server
from paigo_sdk import PaigoClient
from paigo_sdk.batching import UsageBatcher

BATCHERS: list[tuple[str, dict[str, Any]]] = [
    # Paigo takes one record per request: every event costs a request's worth of client work.
    ("defaults", {}),
    # At most 8 requests in flight: fewer delivery threads taking turns on the interpreter lock.
    ("max_concurrency=8", {"max_concurrency": 8}),
    # Records of one customer, dimension, hour and metadata map combined before sending.
    ("rollup=True", {"rollup": True}),
    # Arrays of records, where the server takes them (the simulator with --array-batches).
    ("wire_batches=True", {"wire_batches": True}),
]
"""The batcher settings timed, each against the same server."""


class _Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


def _serve_sink(port: int) -> None:
    ThreadingHTTPServer(("127.0.0.1", port), _Sink).serve_forever()


def calibrate(target_us: float) -> int:
    """Return n such that sum(range(n)) takes about target_us microseconds."""
    n = 100
    while True:
        began = time.perf_counter()
        for _ in range(200):
            sum(range(n))
        per = (time.perf_counter() - began) / 200 * 1e6
        if per >= target_us:
            return n
        n = int(n * max(1.1, target_us / max(per, 0.01)))


def loop(events: int, work: int, meter: Callable[[], object] | None) -> tuple[float, float]:
    """Run the loop; return (wall seconds, CPU seconds of the loop's own thread)."""
    began, began_cpu = time.perf_counter(), time.thread_time()
    for _ in range(events):
        sum(range(work))
        if meter is not None:
            meter()
    return time.perf_counter() - began, time.thread_time() - began_cpu


def tax(
    events: int,
    work: int,
    runs: int,
    meter: Callable[[], object],
    drain: Callable[[], object],
    finish: Callable[[], None],
) -> tuple[float, float, float]:
    """Return medians, in µs per event: the loop without metering, the tax, and the part of the
    tax that the loop's own thread spent on the CPU (the rest it spent waiting: for the
    interpreter lock while delivery threads held it, or for a CPU they or the server used).

    Each run drains the previous run's records first, so the loop without metering runs while
    delivery is idle: the tax then holds everything metering costs the loop, the delivery that
    runs alongside it included.
    """
    bases, taxes, own = [], [], []
    for _ in range(runs):
        drain()
        base, base_cpu = loop(events, work, None)
        metered, metered_cpu = loop(events, work, meter)
        bases.append(base / events * 1e6)
        taxes.append((metered - base) / events * 1e6)
        own.append((metered_cpu - base_cpu) / events * 1e6)
    finish()
    return statistics.median(bases), statistics.median(taxes), statistics.median(own)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work-us", type=float, default=20.0)
    parser.add_argument(
        "--only-paigo",
        action="append",
        choices=[label for label, _ in BATCHERS],
        help="time only these batcher settings (repeatable), without posthog and segment",
    )
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"load average before: {os.getloadavg()}")
    work = calibrate(args.work_us)
    rows: list[tuple[str, float, float, float]] = []

    process, env = start_server(0.0, array_batches=True)
    try:
        client = PaigoClient(**client_options(env))
        customer, dimension = catalog(client, "tax")
        value = Decimal("1.5")
        for label, options in BATCHERS:
            if args.only_paigo and label not in args.only_paigo:
                continue
            batcher = UsageBatcher(client, **options)

            def meter(batcher: UsageBatcher = batcher) -> object:
                return batcher.add(customer, dimension, value, metadata={"region": "eu"})

            def finish(batcher: UsageBatcher = batcher, label: str = label) -> None:
                print(f"  paigo {label}: {batcher.stats()}")
                print(f"  paigo {label}: {batcher.close(timeout=300)}")

            def drain(batcher: UsageBatcher = batcher) -> object:
                return batcher.flush(timeout=300)

            rows.append(
                (
                    f"paigo_sdk UsageBatcher.add, {label}",
                    *tax(args.events, work, args.runs, meter, drain, finish),
                )
            )
        client.close()
    finally:
        process.terminate()
        process.wait(30)
    if args.only_paigo:
        report(args, rows)
        return 0

    port = 18_000 + os.getpid() % 1000
    sink = multiprocessing.Process(target=_serve_sink, args=(port,), daemon=True)
    sink.start()
    time.sleep(0.5)
    try:
        from posthog import Posthog

        posthog = Posthog("phc_bench", host=f"http://127.0.0.1:{port}")
        rows.append(
            (
                "posthog Posthog.capture (delivering to a sink)",
                *tax(
                    args.events,
                    work,
                    args.runs,
                    lambda: posthog.capture(
                        "api call", distinct_id="customer-1", properties={"region": "eu"}
                    ),
                    posthog.flush,
                    posthog.shutdown,
                ),
            )
        )
        from segment.analytics import Client

        segment = Client("bench-key", host=f"http://127.0.0.1:{port}")
        rows.append(
            (
                "segment Client.track (delivering to a sink)",
                *tax(
                    args.events,
                    work,
                    args.runs,
                    lambda: segment.track("customer-1", "api call", {"region": "eu"}),
                    segment.flush,
                    segment.shutdown,
                ),
            )
        )
    finally:
        sink.terminate()
    report(args, rows)
    return 0


def report(args: argparse.Namespace, rows: list[tuple[str, float, float, float]]) -> None:
    print(f"events per run: {args.events}, runs: {args.runs}")
    print(f"{'contender':58} {'loop µs/event':>14} {'tax µs/event':>13} {'on its CPU':>11}")
    for name, base, extra, own in rows:
        print(f"{name:58} {base:>14.1f} {extra:>13.2f} {own:>11.2f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    sys.exit(main())
