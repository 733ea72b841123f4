"""Measure what one `add` costs the caller's thread, beside posthog, segment and a bare queue.put.

Each contender queues 200,000 events with sending turned off (no worker sends anything while the
clock runs). The figures are the medians, over blocks of 1,000 consecutive calls, of the wall time
and of the calling thread's CPU time per call: timing single calls would mostly measure the
timer. Run:

    .venv/bin/python bench/delivery_add_cost.py [--adds 200000] [--block 1000]
"""

from __future__ import annotations

import argparse
import gc
import logging
import platform
import queue
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

import httpx

from paigo_sdk import PaigoClient
from paigo_sdk.batching import UsageBatcher


def _never_called(_request: httpx.Request) -> httpx.Response:
    raise AssertionError("the benchmark must not send anything")


def measure(call: Callable[[], object], adds: int, block: int) -> tuple[float, float]:
    """Return the median cost of one call in microseconds: wall time, and the thread's CPU time.

    The thread's CPU time leaves out the time other processes held the core, which on a shared
    machine is most of the difference between two runs of the same code.
    """
    wall: list[float] = []
    cpu: list[float] = []
    gc.collect()
    for _block in range(adds // block):
        began, began_cpu = time.perf_counter_ns(), time.thread_time_ns()
        for _ in range(block):
            call()
        cpu.append((time.thread_time_ns() - began_cpu) / block / 1000)
        wall.append((time.perf_counter_ns() - began) / block / 1000)
    return statistics.median(wall), statistics.median(cpu)


def paigo(adds: int) -> tuple[Callable[[], object], Callable[[], None]]:
    client = PaigoClient(
        client_id="bench", client_secret="bench", transport=httpx.MockTransport(_never_called)
    )
    # Triggers out of reach: nothing is sent while the clock runs.
    batcher = UsageBatcher(client, max_batch=adds * 2, max_queue=adds * 2, flush_interval=3600)
    add = batcher.add
    value = Decimal("1.5")

    def call() -> object:
        return add("customer-1", "api-calls", value, metadata={"region": "eu"})

    def done() -> None:
        batcher._queue.clear()  # drop the benchmark's records instead of sending them
        batcher.close(timeout=1)
        client.close()

    return call, done


def posthog_capture(adds: int) -> tuple[Callable[[], object], Callable[[], None]]:
    from posthog import Posthog

    logging.getLogger("posthog").setLevel(logging.CRITICAL)
    client = Posthog("phc_bench", send=False, max_queue_size=adds * 2, sync_mode=False)

    def call() -> object:
        return client.capture("api-calls", distinct_id="customer-1", properties={"value": "1.5"})

    def done() -> None:
        client.queue.queue.clear()

    return call, done


def segment_track(adds: int) -> tuple[Callable[[], object], Callable[[], None]]:
    from segment.analytics import Client

    logging.getLogger("segment").setLevel(logging.CRITICAL)
    client = Client("bench", send=False, max_queue_size=adds * 2)

    def call() -> object:
        return client.track("customer-1", "api-calls", {"value": "1.5"})

    def done() -> None:
        client.queue.queue.clear()

    return call, done


def queue_put(_adds: int) -> tuple[Callable[[], object], Callable[[], None]]:
    events: queue.Queue[dict[str, object]] = queue.Queue()
    put = events.put

    def call() -> object:
        put({"customer_id": "customer-1", "dimension_id": "api-calls", "value": "1.5"})
        return None

    return call, events.queue.clear


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adds", type=int, default=200_000)
    parser.add_argument("--block", type=int, default=1_000)
    options = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {options.adds} calls each")
    print(f"{'contender':<42} {'median per call':>16} {'thread CPU per call':>20}")
    contenders = [
        ("paigo_sdk UsageBatcher.add", paigo),
        ("posthog Posthog.capture (send=False)", posthog_capture),
        ("segment analytics Client.track (send=False)", segment_track),
        ("queue.Queue.put of a dict", queue_put),
    ]
    for name, build in contenders:
        call, done = build(options.adds)
        wall, cpu = measure(call, options.adds, options.block)
        done()
        print(f"{name:<42} {wall:>13.2f} µs {cpu:>17.2f} µs")


if __name__ == "__main__":
    main()
