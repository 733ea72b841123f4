"""Measure how long `paigo-simulator serve` takes to exit after SIGINT or SIGTERM.

Each run starts the server as a process on a free loopback port, leaves one idle keep-alive
connection open (as a client between requests does), sends the signal and times the process exit.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import time

import httpx


def measure_once(sig: signal.Signals) -> float:
    """Start a server, open a keep-alive connection, signal it and return seconds until exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = ""
    for line in process.stdout:
        if line.startswith("PAIGO_API_URL="):
            url = line.split("=", 1)[1].strip()
        if line.startswith("Press Ctrl+C"):
            break
    with httpx.Client(timeout=30) as client:
        client.get(f"{url}/dimensions")  # leaves the connection open and idle
        started = time.perf_counter()
        process.send_signal(sig)
        process.wait(timeout=30)
        elapsed = time.perf_counter() - started
    process.stdout.close()
    if process.returncode != 0:
        raise SystemExit(f"the server exited with status {process.returncode}")
    return elapsed


def main() -> None:
    """Print the median and the slowest shutdown over the runs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10, help="runs per signal (10)")
    args = parser.parse_args()
    for sig in (signal.SIGINT, signal.SIGTERM):
        times = [measure_once(sig) for _ in range(args.runs)]
        print(
            f"{sig.name}: median {statistics.median(times) * 1000:.0f} ms, "
            f"slowest {max(times) * 1000:.0f} ms over {args.runs} runs"
        )


if __name__ == "__main__":
    main()
