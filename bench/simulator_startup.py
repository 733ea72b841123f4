"""Measure what a fresh simulator, a client bound to it and the first call cost together.

Usage: .venv/bin/python bench/simulator_startup.py [--runs 200]
This is what the pytest plugin's `paigo_client` fixture pays for every test. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import time

from simulator import Simulator


def _once() -> float:
    started = time.process_time()
    with Simulator() as sim, sim.client() as client:
        client.dimensions.list()
    return time.process_time() - started


def main() -> None:
    """Print the median and 90th percentile CPU time of `--runs` fresh starts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    _once()  # imports and first-use caches are not what a test pays
    times = sorted(_once() for _ in range(args.runs))
    p90 = times[int(len(times) * 0.9) - 1]
    print(f"fresh Simulator + client + first call, {args.runs} runs (CPU time)")
    print(f"  median {statistics.median(times) * 1000:.2f} ms, p90 {p90 * 1000:.2f} ms")


if __name__ == "__main__":
    main()
