"""`paigo backfill` as a real process against `paigo-simulator serve` on loopback."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from paigo_sdk import PaigoClient

from .conftest import ServerProcess

NOW = "2026-03-15T00:00:00Z"
HEADER = ["customerId", "dimensionId", "recordValue", "timestamp", "metadata"]


def _client(server: ServerProcess) -> PaigoClient:
    return PaigoClient(
        client_id=server.client_id,
        client_secret=server.client_secret,
        api_url=server.url,
        auth_url=server.auth_url,
    )


def _setup(server: ServerProcess) -> str:
    """A monthly offering and customer c1 enrolled since 1 January: January and February are
    invoiced by now (15 March)."""
    with _client(server) as client:
        dimension = client.dimensions.create(
            dimension_name="Calls",
            consumption_unit={"type": "count", "unit": "count-based"},
            usage_increment="1",
            rounding="ceiling",
            consumption_price="0.10",
            aggregation_method="sum",
            aggregation_interval="day",
        )
        offering = client.offerings.create(
            offering_name="PAYG", dimension_ids=[dimension.dimension_id], billing_cycle="monthly"
        )
        client.customers.create(
            customer_id="c1",
            customer_name="C1",
            email="c1@example.com",
            payment_channel="manual",
            offering_id=offering.offering_id,
            offering_enrollment_date=datetime(2026, 1, 1, tzinfo=UTC),
        )
    return dimension.dimension_id


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _rows(dim: str) -> list[list[str]]:
    return [
        ["c1", dim, "10", "2026-03-01T10:00:00Z", ""],
        ["c1", dim, "2.5", "2026-03-02T10:00:00Z", '{"region": "eu"}'],
        ["c1", dim, "1e3", "2026-03-03T10:00:00Z", ""],  # malformed: never sent
        ["c1", dim, "7", "2026-01-20T10:00:00Z", ""],  # January: already invoiced
        ["nobody", dim, "1", "2026-03-04T10:00:00Z", ""],  # refused by the server (404)
        ["c1", dim, "10", "2026-03-01T10:00:00Z", ""],  # equal to row 1: a second record
        ["c1", dim, "3", "2026-03-05T10:00:00", ""],  # malformed: no offset
    ]


def _paigo(server: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAIGO_")}
    env.update(
        PAIGO_CLIENT_ID=server.client_id,
        PAIGO_CLIENT_SECRET=server.client_secret,
        PAIGO_API_URL=server.url,
        PAIGO_AUTH_URL=server.auth_url,
        COLUMNS="200",
    )
    script = Path(sys.executable).parent / "paigo"
    return subprocess.run(
        [str(script), "backfill", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def _stored(server: ServerProcess) -> list[dict[str, Any]]:
    reply = httpx.get(f"{server.url}/_simulator/usage-records", timeout=30)
    reply.raise_for_status()
    data: list[dict[str, Any]] = reply.json()["data"]
    return data


@pytest.fixture
def server(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    return server_factory("--manual-clock", "--start", NOW)


def test_dry_run_checks_every_row_flags_invoiced_periods_and_sends_nothing(
    server: ServerProcess, tmp_path: Path
) -> None:
    dim = _setup(server)
    source = _write(tmp_path / "history.csv", _rows(dim))
    done = _paigo(server, str(source), "--dry-run", "--now", NOW)
    assert done.returncode == 1, done.stderr  # malformed rows make the run incomplete
    out = done.stdout
    assert "row 3: recordValue: '1e3' is not a plain decimal" in out
    assert "row 7: timestamp: '2026-03-05T10:00:00' is not an RFC 3339 timestamp" in out
    assert "row 4: dated in a period already invoiced (2026-01-01T00:00:00+00:00 to " in out
    assert "Would send" in out
    assert "29.5" in out, out  # c1: 10 + 2.5 + 7 + 10
    assert _stored(server) == []


def test_rerun_stores_nothing_new_and_reports_replays(
    server: ServerProcess, tmp_path: Path
) -> None:
    dim = _setup(server)
    source = _write(tmp_path / "history.csv", _rows(dim))
    errors = tmp_path / "errors.csv"
    first = _paigo(server, str(source), "--now", NOW, "--errors", str(errors))
    assert first.returncode == 1, first.stderr
    rejected = next(line for line in first.stdout.splitlines() if "row 5:" in line)
    assert "nobody" in rejected
    stored = _stored(server)
    assert sorted(Decimal(r["recordValue"]) for r in stored) == [
        Decimal("2.5"), Decimal("7"), Decimal("10"), Decimal("10")
    ]  # fmt: skip
    problems = list(csv.reader(errors.read_text().splitlines()))
    assert {(row[0], row[1]) for row in problems[1:]} == {
        ("3", "malformed"), ("7", "malformed"), ("5", "rejected"), ("4", "invoiced")
    }  # fmt: skip
    # The row flagged as invoiced is exactly what the simulator reports as late.
    late = httpx.get(f"{server.url}/_simulator/late-records", timeout=30).json()["data"]
    assert [Decimal(r["recordValue"]) for r in late] == [Decimal("7")]

    second = _paigo(server, str(source), "--now", NOW)
    assert second.returncode == 1
    assert len(_stored(server)) == 4  # nothing new
    summary = second.stdout
    # Rows 7, valid 5, sent 0, replays 4, rejected 1, malformed 2, invoiced 1.
    assert "│    7 │     5 │    0 │       4 │        1 │         2 │" in summary


def test_strict_sends_nothing_when_a_row_is_malformed(
    server: ServerProcess, tmp_path: Path
) -> None:
    dim = _setup(server)
    source = _write(tmp_path / "history.csv", _rows(dim))
    done = _paigo(server, str(source), "--strict", "--now", NOW)
    assert done.returncode == 1
    assert "nothing was sent" in done.stdout
    assert _stored(server) == []


def test_clean_file_exits_zero(server: ServerProcess, tmp_path: Path) -> None:
    dim = _setup(server)
    source = _write(tmp_path / "clean.csv", [r for r in _rows(dim) if r[0] == "c1"][:2])
    done = _paigo(server, str(source), "--no-invoiced-check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(_stored(server)) == 2
