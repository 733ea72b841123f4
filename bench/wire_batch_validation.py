"""Measure what the api layer's validation of a wire batch costs per record.

A `POST /usage` array body of `--records` records, as the SDK sends it (`recordValue` as a
plain decimal string, a UTC timestamp, metadata on every other record), is decoded and checked
against `USAGE_BATCH` (`simulator.api.parsing.read_json` and `validate`), the work the api layer
does before the engine sees a record. Each repeat decodes afresh; the figure is the median per
record over `--repeats` runs. Run:

    .venv/bin/python bench/wire_batch_validation.py [--records 1000] [--repeats 30]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

from simulator.api import schemas
from simulator.api.parsing import read_json, validate


def batch(count: int) -> bytes:
    records = []
    for index in range(count):
        record: dict[str, object] = {
            "customerId": "cus-3f2a9c",
            "dimensionId": f"dim-{index % 3}",
            "recordValue": f"{index % 97}.{index % 10}",
            "timestamp": f"2026-03-{index % 28 + 1:02d}T{index % 24:02d}:15:00.000Z",
        }
        if index % 2:
            record["metadata"] = {"region": "eu-west-1", "projectId": f"p-{index % 5}"}
        records.append(record)
    return json.dumps(records).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    body = batch(args.records)
    decode, check = [], []
    for _ in range(args.repeats):
        began = time.process_time()
        value = read_json(body, "application/json")
        decoded = time.process_time()
        records = validate(value, schemas.USAGE_BATCH)
        done = time.process_time()
        if len(records) != args.records:
            raise SystemExit("validation lost records")
        decode.append((decoded - began) / args.records)
        check.append((done - decoded) / args.records)
    print(f"Python {platform.python_version()}, {platform.machine()}; {args.records} records")
    print(
        f"per record (median of {args.repeats}): decode {statistics.median(decode) * 1e6:.2f} us,"
        f" validate {statistics.median(check) * 1e6:.2f} us, together "
        f"{statistics.median(d + c for d, c in zip(decode, check, strict=True)) * 1e6:.2f} us"
    )


if __name__ == "__main__":
    main()
