"""`paigo-simulator whatif` as a user runs it, and every records format giving the same figures."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from paigo_sdk.batching._outbox import Outbox
from simulator.whatif import CURRENT, UsageSource, WhatIfInputError, what_if

CATALOG = """\
dimensions:
  - dimensionId: calls
    dimensionName: Calls
    consumptionUnit: {type: count, unit: count-based}
    usageIncrement: "1"
    rounding: ceiling
    aggregationMethod: sum
    aggregationInterval: month
    consumptionPrice: "0.10"
  - dimensionId: calls-pro
    usageDimensionId: calls
    dimensionName: Calls
    consumptionUnit: {type: count, unit: count-based}
    usageIncrement: "1"
    rounding: ceiling
    aggregationMethod: sum
    aggregationInterval: month
    consumptionPrice: "0.05"
    usageEntitlement: 100
    overageAllowed: "true"
offerings:
  - offeringId: payg
    offeringName: Pay as you go
    dimensionIds: [calls]
  - offeringId: pro
    offeringName: Pro
    offeringType: subscription
    subscriptionPrice: 20
    dimensionIds: [calls-pro]
"""
ENROLLMENTS = """\
customerId,offeringId,enrollmentDate
c1,payg,2026-01-01T00:00:00Z
c2,payg,2026-01-15T12:00:00Z
"""
RECORDS = [
    ("c1", "calls", "100", "2026-01-05T10:00:00Z"),
    ("c1", "calls", "50", "2026-01-31T23:59:59Z"),
    ("c1", "calls", "30", "2026-02-10T08:00:00+02:00"),
    ("c2", "calls", "4", "2026-01-15T11:59:59Z"),  # before c2's enrollment: not billed
    ("c2", "calls", "10", "2026-01-20T00:00:00Z"),
    ("c3", "calls", "7", "2026-01-20T00:00:00Z"),  # no enrollment: not priced
]
NAMES = ["customerId", "dimensionId", "recordValue", "timestamp"]


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    (tmp_path / "catalog.yaml").write_text(CATALOG)
    (tmp_path / "enrollments.csv").write_text(ENROLLMENTS)
    with (tmp_path / "records.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(NAMES)
        writer.writerows(RECORDS)
    return tmp_path


def _check_figures(summary: dict[str, Any]) -> None:
    # Worked by hand. payg: c1 150 x 0.10 + 30 x 0.10 = 18.00; c2 10 x 0.10 = 1.00.
    # pro: c1 20 + (20 + 50 x 0.05) + 20 = 62.50; c2 20 x 17/31 days = 10.97, + 20 + 20 = 50.97.
    by_name = {s["scenario"]: s for s in summary["scenarios"]}
    assert by_name[CURRENT]["total"] == "19.00"
    assert by_name["pro"]["total"] == "113.47"
    assert by_name["pro"]["revenueDelta"] == "94.47"
    change = by_name["pro"]["customerChange"]
    assert Decimal(change["median"]) == Decimal("47.235")
    assert change["p95"] == "49.97"
    assert change["hardestHit"] == [
        {"customerId": "c2", "delta": "49.97"},
        {"customerId": "c1", "delta": "44.50"},
    ]
    assert summary["unenrolledCustomers"] == ["c3"]


COMMANDS = {
    "paigo whatif": [str(Path(sys.executable).parent / "paigo"), "whatif"],
    "paigo-simulator whatif": [sys.executable, "-m", "simulator", "whatif"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_prints_the_table_and_writes_every_file(inputs: Path, command: str) -> None:
    out = inputs / "out"
    completed = subprocess.run(
        [
            *COMMANDS[command],
            "--records", str(inputs / "records.csv"),
            "--catalog", str(inputs / "catalog.yaml"),
            "--enrollments", str(inputs / "enrollments.csv"),
            "--candidate", "pro",
            "--through", "2026-03-01T00:00:00Z",
            "--out", str(out),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "113.47" in completed.stdout
    assert "c2 (+49.97)" in completed.stdout
    _check_figures(json.loads((out / "summary.json").read_text()))
    rows = list(csv.DictReader((out / "invoices.csv").read_text().splitlines()))
    overage = [r for r in rows if r["scenario"] == "pro" and r["kind"] == "overage"]
    assert {(r["customerId"], r["invoiceDate"][:10], r["amount"]) for r in overage} == {
        ("c1", "2026-02-01", "2.50"),
        ("c1", "2026-03-01", "0.00"),
        ("c2", "2026-02-01", "0.00"),
        ("c2", "2026-03-01", "0.00"),
    }
    cycles = list(csv.DictReader((out / "cycles.csv").read_text().splitlines()))
    c1_feb = next(
        r for r in cycles
        if (r["customerId"], r["scenario"], r["invoiceDate"]) == ("c1", "pro", "2026-02-01")
    )  # fmt: skip
    assert (c1_feb["total"], c1_feb["currentTotal"], c1_feb["delta"]) == ("22.50", "15.00", "7.50")
    chart = (out / "chart.html").read_text()
    assert "<svg" in chart
    assert "2026-02" in chart
    assert "http" not in chart.replace("http://www.w3.org/2000/svg", "")  # nothing fetched
    assert json.loads((out / "whatif.json").read_text())["invoices"]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_malformed_record_is_refused_with_its_row_number(inputs: Path, command: str) -> None:
    with (inputs / "records.csv").open("a", newline="") as handle:
        csv.writer(handle).writerow(["c1", "calls", "1e3", "2026-01-06T00:00:00Z"])
        csv.writer(handle).writerow(["c1", "calls", "1", "2026-01-06T00:00:00"])
    completed = subprocess.run(
        [
            *COMMANDS[command],
            "--records", str(inputs / "records.csv"),
            "--catalog", str(inputs / "catalog.yaml"),
            "--enrollments", str(inputs / "enrollments.csv"),
            "--candidate", "pro",
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 2
    assert completed.stderr.startswith(f"{command}: malformed usage records")
    assert "row 7: recordValue is not a plain decimal: 1e3" in completed.stderr
    assert "row 8: timestamp is not RFC 3339 with an offset" in completed.stderr


def _source(kind: str, directory: Path) -> UsageSource:
    if kind == "csv":
        return UsageSource.from_path(directory / "records.csv")
    if kind == "jsonl":
        path = directory / "records.jsonl"
        path.write_text(
            "".join(json.dumps(dict(zip(NAMES, r, strict=True))) + "\n" for r in RECORDS)
        )
        return UsageSource.from_path(path)
    if kind == "parquet":
        path = directory / "records.parquet"
        columns = {name: [r[i] for r in RECORDS] for i, name in enumerate(NAMES)}
        pq.write_table(pa.table(columns), path)
        return UsageSource.from_path(path)
    if kind == "typed-parquet":
        path = directory / "typed.parquet"
        pq.write_table(_typed_table([Decimal(r[2]) for r in RECORDS]), path)
        return UsageSource.from_path(path)
    if kind == "outbox":
        path = directory / "pending.db"
        outbox = Outbox(path)
        outbox.put([(f"k{i}", c, d, v, t, None, 0.0) for i, (c, d, v, t) in enumerate(RECORDS)])
        outbox.close()
        return UsageSource.from_path(path)
    return UsageSource.from_records(dict(zip(NAMES, r, strict=True)) for r in RECORDS)


def _typed_table(values: list[Decimal | None]) -> pa.Table:
    """The records with a decimal(18, 3) value column and a UTC timestamp column."""
    from datetime import datetime

    return pa.table(
        {
            "customerId": [r[0] for r in RECORDS],
            "dimensionId": [r[1] for r in RECORDS],
            "recordValue": pa.array(values, pa.decimal128(18, 3)),
            "timestamp": pa.array(
                [datetime.fromisoformat(r[3]) for r in RECORDS], pa.timestamp("us", tz="UTC")
            ),
        }
    )


@pytest.mark.parametrize("kind", ["csv", "jsonl", "parquet", "typed-parquet", "outbox", "memory"])
def test_every_records_format_gives_the_same_figures(inputs: Path, kind: str) -> None:
    from datetime import UTC, datetime

    result = what_if(
        _source(kind, inputs),
        inputs / "catalog.yaml",
        inputs / "enrollments.csv",
        ["pro"],
        through=datetime(2026, 3, 1, tzinfo=UTC),
    )
    _check_figures(result.summary())


def test_float_parquet_values_are_refused(inputs: Path) -> None:
    path = inputs / "floats.parquet"
    pq.write_table(
        pa.table(
            {
                "customerId": ["c1"],
                "dimensionId": ["calls"],
                "recordValue": [0.1],
                "timestamp": ["2026-01-05T10:00:00Z"],
            }
        ),
        path,
    )
    with pytest.raises(WhatIfInputError, match="floating-point"):
        what_if(path, inputs / "catalog.yaml", inputs / "enrollments.csv", ["pro"])


def test_missing_value_in_a_decimal_column_is_refused_with_its_row(inputs: Path) -> None:
    path = inputs / "holes.parquet"
    values: list[Decimal | None] = [Decimal(r[2]) for r in RECORDS]
    values[2] = None
    pq.write_table(_typed_table(values), path)
    with pytest.raises(WhatIfInputError, match="row 3: recordValue is missing"):
        what_if(path, inputs / "catalog.yaml", inputs / "enrollments.csv", ["pro"])


def test_unknown_candidate_and_bad_catalog_are_refused(inputs: Path) -> None:
    with pytest.raises(WhatIfInputError, match="candidate offering 'gold' is not in the catalog"):
        what_if(
            inputs / "records.csv", inputs / "catalog.yaml", inputs / "enrollments.csv", ["gold"]
        )
    bad = inputs / "bad.yaml"
    bad.write_text(CATALOG.replace('usageIncrement: "1"', 'usageIncrement: "-1"', 1))
    with pytest.raises(WhatIfInputError, match="usageIncrement"):
        what_if(inputs / "records.csv", bad, inputs / "enrollments.csv", ["pro"])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("records.jsonl", b"\xff\xfe\n" + b"[" * 5_000 + b"]" * 5_000 + b"\n"),
        (
            "records.csv",
            b"customerId,dimensionId,recordValue,timestamp\n"
            b"c1,calls," + b"9" * 100_000 + b",2026-01-20T00:00:00Z\n"
            b"c\xff1,calls,1,2026-01-20T00:00:00Z\n",
        ),
    ],
    ids=["JSON lines that are not UTF-8", "a CSV line that is not UTF-8 after a long one"],
)
def test_an_unreadable_records_file_is_refused_with_a_short_message(
    inputs: Path, name: str, content: bytes
) -> None:
    (inputs / name).write_bytes(content)
    completed = subprocess.run(
        [
            *COMMANDS["paigo-simulator whatif"],
            "--records", str(inputs / name),
            "--catalog", str(inputs / "catalog.yaml"),
            "--enrollments", str(inputs / "enrollments.csv"),
            "--candidate", "pro",
            "--through", "2026-03-01T00:00:00Z",
            "--out", str(inputs / "out"),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    assert "cannot read the usage records" in completed.stderr
    assert len(completed.stderr) < 3_000
