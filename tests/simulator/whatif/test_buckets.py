"""Bucket aggregates computed elsewhere: the job's SQL, run on the embedded engine, gives what-if
the same invoices as the records themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from simulator.whatif import WhatIfInputError, aggregation_job, load_catalog, what_if
from simulator.whatif.usage import BUCKET_COLUMNS, UsageSource, connect, load

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2027, 2, 1, tzinfo=UTC)
UNIT = {"type": "count", "unit": "count-based"}
TIERS = [
    {"tierPosition": "1", "upperBound": "50", "unitPrice": "0.07"},
    {"tierPosition": "2", "upperBound": "inf", "unitPrice": "0.031"},
]


def _dimension(key: str, interval: str, method: str, **price: Any) -> dict[str, Any]:
    return {
        "dimensionId": key, "usageDimensionId": "calls", "dimensionName": key,
        "consumptionUnit": UNIT, "usageIncrement": "0.5", "rounding": "round",
        "aggregationMethod": method, "aggregationInterval": interval, **price,
    }  # fmt: skip


CATALOG = {
    "dimensions": [
        _dimension("hourly-last", "hour", "last", consumptionPrice="0.10"),
        _dimension("daily-avg", "day", "average", consumptionPrice="1.333"),
        _dimension(
            "grouped",
            "none",
            "max",
            tiersGroupByMetadata=[
                {"metadataGroups": {"region": "eu"}, "tiers": TIERS},
                {
                    "metadataGroups": {"region": "us"},
                    "tiers": [{"tierPosition": "1", "upperBound": "inf", "unitPrice": "0.2"}],
                },
            ],
        ),
    ],
    "offerings": [
        {"offeringId": "cur", "offeringName": "Cur", "dimensionIds": ["hourly-last"]},
        {"offeringId": "avg", "offeringName": "Avg", "dimensionIds": ["daily-avg"],
         "offeringType": "subscription", "subscriptionPrice": "9.99"},
        {"offeringId": "grp", "offeringName": "Grp", "dimensionIds": ["grouped"],
         "billingCycle": "annualToDate"},
    ],
}  # fmt: skip
ENROLLMENTS = [
    {"customerId": "a", "offeringId": "cur", "enrollmentDate": "2026-11-03T10:20:00Z"},
    {"customerId": "b", "offeringId": "cur", "enrollmentDate": "2026-11-01T00:00:00Z"},
]
RECORDS = [
    {
        "customerId": "ab"[i % 2],
        "dimensionId": "calls",
        "recordValue": f"{(i * 7919) % 1000 - 100}.{i % 10}",
        "timestamp": (START + timedelta(minutes=53 * i)).isoformat(),
        "metadata": [None, {"region": "eu"}, {"region": "us"}][i % 3],
    }
    for i in range(2400)
]


def _run_job_on_duckdb(directory: Path) -> Path:
    """What a cluster would do: load the records and `starts`, run the job, write Parquet."""
    catalog = load_catalog(CATALOG)
    job = aggregation_job(catalog, ENROLLMENTS, ["avg", "grp"], through=END)
    con = connect()
    load(con, UsageSource.from_records(RECORDS))
    starts = pa.table(
        {
            "customer_id": [c for c, _lo, _hi in job.starts],
            "start_us": pa.array([lo for _c, lo, _hi in job.starts], pa.int64()),
            "end_us": pa.array([hi for _c, _lo, hi in job.starts], pa.int64()),
        }
    )
    con.register("starts", starts)
    path = directory / "buckets.parquet"
    con.execute(f"COPY ({job.sql}) TO '{path}' (FORMAT parquet)")
    columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()]
    con.close()
    assert tuple(columns) == BUCKET_COLUMNS
    return path


def test_buckets_from_the_job_price_like_the_records(tmp_path: Path) -> None:
    buckets = _run_job_on_duckdb(tmp_path)
    from_buckets = what_if(None, CATALOG, ENROLLMENTS, ["avg", "grp"], through=END, buckets=buckets)
    from_records = what_if(RECORDS, CATALOG, ENROLLMENTS, ["avg", "grp"], through=END)
    assert from_buckets.invoices == from_records.invoices
    assert len(from_records.invoices) == 16  # 2 customers: 3 + 3 + 1 + 1 closings, 2 enrollments
    assert all(i.total > 0 for i in from_records.invoices if i.scenario == "grp")


def test_buckets_need_the_end_and_no_records(tmp_path: Path) -> None:
    buckets = _run_job_on_duckdb(tmp_path)
    with pytest.raises(WhatIfInputError, match="need the end of the run"):
        what_if(None, CATALOG, ENROLLMENTS, ["avg"], buckets=buckets)
    with pytest.raises(WhatIfInputError, match="either records or bucket aggregates"):
        what_if(RECORDS, CATALOG, ENROLLMENTS, ["avg"], through=END, buckets=buckets)
    bad = tmp_path / "bad.parquet"
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"unit": ["hour"]}), bad)
    with pytest.raises(WhatIfInputError, match="lack the columns"):
        what_if(None, CATALOG, ENROLLMENTS, ["avg"], through=END, buckets=bad)


def test_upfront_dimensions_are_refused_on_bucket_aggregates(tmp_path: Path) -> None:
    # B7: an upfront dimension is priced on single records, which bucket aggregates do not keep.
    catalog = {
        "dimensions": [
            *CATALOG["dimensions"],
            _dimension("seats", "month", "last", paymentSchedule="upfront", consumptionPrice="2"),
        ],
        "offerings": [
            *CATALOG["offerings"],
            {"offeringId": "team", "offeringName": "Team", "dimensionIds": ["seats"]},
        ],
    }
    with pytest.raises(WhatIfInputError, match=r"upfront dimensions .* on the records"):
        aggregation_job(catalog, ENROLLMENTS, ["team"], through=END)
    buckets = _run_job_on_duckdb(tmp_path)
    with pytest.raises(WhatIfInputError, match=r"upfront dimensions .* not bucket aggregates"):
        what_if(None, catalog, ENROLLMENTS, ["team"], through=END, buckets=buckets)
    # The same catalog prices from the records.
    assert what_if(RECORDS, catalog, ENROLLMENTS, ["team"], through=END).invoices


def test_command_reads_bucket_aggregates(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    buckets = _run_job_on_duckdb(tmp_path)
    (tmp_path / "catalog.json").write_text(json.dumps(CATALOG))
    (tmp_path / "enrollments.json").write_text(json.dumps(ENROLLMENTS))
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "paigo"), "whatif",
            "--buckets", str(buckets),
            "--catalog", str(tmp_path / "catalog.json"),
            "--enrollments", str(tmp_path / "enrollments.json"),
            "--candidate", "avg", "--candidate", "grp",
            "--through", END.isoformat(), "--out", str(tmp_path / "out"),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    expected = what_if(RECORDS, CATALOG, ENROLLMENTS, ["avg", "grp"], through=END).summary()
    assert summary["scenarios"] == expected["scenarios"]
