"""Measure `paigo whatif` on a year of usage: 10M records, 1,000 customers, 5 candidates.

Usage: .venv/bin/python bench/whatif_scale.py [--records 10000000] [--dir /tmp/whatif-bench]

Generates (once, kept in --dir) a Parquet file of records spread over 12 months, 1,000 customers
and 3 dimensions, a catalog (the current offering and 5 candidates) and the enrollments, then
runs the real command in a child process and prints its wall time, its CPU time (the child and
its worker processes) and peak memory (the largest maximum resident set size among them), and
the machine's load average. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

UNIT = {"type": "count", "unit": "count-based"}


def _dimension(key: str, stream: str, interval: str, method: str, **price: object) -> dict:  # type: ignore[type-arg]
    return {
        "dimensionId": key,
        "usageDimensionId": stream,
        "dimensionName": key,
        "consumptionUnit": UNIT,
        "usageIncrement": "1",
        "rounding": "ceiling",
        "aggregationInterval": interval,
        "aggregationMethod": method,
        **price,
    }


def catalog() -> dict:  # type: ignore[type-arg]
    """Three record streams; the current offering and five candidates pricing them differently."""
    tiers = [
        {"tierPosition": "1", "upperBound": "1000", "unitPrice": "0.02"},
        {"tierPosition": "2", "upperBound": "inf", "unitPrice": "0.01"},
    ]
    dims = [
        _dimension("api", "api", "day", "sum", consumptionPrice="0.001"),
        _dimension("storage", "storage", "hour", "max", consumptionPrice="0.0002"),
        _dimension("seats", "seats", "month", "max", consumptionPrice="4"),
        _dimension("api-tiered", "api", "month", "sum", tiers=tiers),
        _dimension("api-entitled", "api", "day", "sum", consumptionPrice="0.0008",
                   usageEntitlement=50000, overageAllowed="true"),
        _dimension("storage-daily", "storage", "day", "average", consumptionPrice="0.004"),
        _dimension("seats-none", "seats", "none", "max", consumptionPrice="5"),
    ]  # fmt: skip
    offerings = [
        {"offeringId": "current", "offeringName": "Current",
         "dimensionIds": ["api", "storage", "seats"]},
        {"offeringId": "tiered", "offeringName": "Tiered",
         "dimensionIds": ["api-tiered", "storage", "seats"]},
        {"offeringId": "platform", "offeringName": "Platform", "offeringType": "subscription",
         "subscriptionPrice": 99, "dimensionIds": ["api-entitled", "storage", "seats"]},
        {"offeringId": "daily-storage", "offeringName": "Daily storage",
         "dimensionIds": ["api", "storage-daily", "seats-none"]},
        {"offeringId": "minimum", "offeringName": "Minimum", "minimumCharge": "150",
         "dimensionIds": ["api", "storage", "seats"]},
        {"offeringId": "cheaper", "offeringName": "Cheaper",
         "dimensionOverrides": [{"dimensionId": "api", "consumptionPrice": "0.0007"}],
         "dimensionIds": ["api", "storage", "seats"]},
    ]  # fmt: skip
    return {"dimensions": dims, "offerings": offerings}


def generate(directory: Path, records: int, customers: int) -> Path:
    """Write the records Parquet (with DuckDB), the catalog and the enrollments once."""
    import duckdb

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"records-{records}.parquet"
    (directory / "catalog.json").write_text(json.dumps(catalog(), indent=1))
    lines = ["customerId,offeringId,enrollmentDate"]
    for c in range(customers):
        # Spread over January, some at odd minutes: first cycles are partial.
        lines.append(f"c{c:04d},current,2026-01-{1 + c % 28:02d}T{c % 24:02d}:{c % 60:02d}:00Z")
    (directory / "enrollments.csv").write_text("\n".join(lines) + "\n")
    if path.exists():
        return path
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    year_us = 365 * 86_400_000_000
    con.execute(
        f"""
        COPY (
            SELECT
                'c' || lpad(CAST(i % {customers} AS VARCHAR), 4, '0') AS customerId,
                ['api', 'storage', 'seats'][1 + (i // {customers}) % 3] AS dimensionId,
                CAST(CASE (i // {customers}) % 3
                    WHEN 0 THEN (hash(i) % 50000) / 100
                    WHEN 1 THEN (hash(i) % 2000000) / 1000
                    ELSE hash(i) % 40 END AS DECIMAL(18, 3)) AS recordValue,
                make_timestamptz(1767225600000000 + (hash(i * 7) % {year_us})::BIGINT) AS timestamp
            FROM range({records}) AS t(i)
        ) TO '{path}' (FORMAT parquet)
        """
    )
    con.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/whatif-bench"))
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory limit")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    records = generate(args.dir, args.records, args.customers)
    print(f"data: {records} ({time.perf_counter() - started:.1f} s to prepare)")
    command = [
        str(Path(sys.executable).parent / "paigo"), "whatif",
        "--records", str(records),
        "--catalog", str(args.dir / "catalog.json"),
        "--enrollments", str(args.dir / "enrollments.csv"),
        "--candidate", "tiered", "--candidate", "platform", "--candidate", "daily-storage",
        "--candidate", "minimum", "--candidate", "cheaper",
        "--through", "2027-01-01T00:00:00Z",
        "--memory-limit", args.memory_limit, "--threads", str(args.threads),
        "--out", str(args.dir / "out"),
    ]  # fmt: skip
    print("command:", " ".join(command))
    load_before = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(done.stdout[-3000:])
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        raise SystemExit(done.returncode)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"records: {args.records:,}  customers: {args.customers:,}  cpus: {os.cpu_count()}")
    peak = after.ru_maxrss / 1024
    print(f"wall time: {wall:.1f} s   cpu time: {cpu:.1f} s   peak RSS: {peak:.0f} MiB")
    # Other jobs on the machine take cores too: the load average says how many wanted one.
    print(f"load average (1 min): {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
