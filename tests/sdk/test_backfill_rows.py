"""`paigo backfill` reads hostile files row by row: a bad row is reported, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from paigo_sdk.backfill._rows import read_rows, validate_row
from paigo_sdk.errors import ClientValidationError

HEADER = b"customerId,dimensionId,recordValue,timestamp,metadata\n"
GOOD = b"c1,d1,1.5,2026-11-01T00:00:00Z,\n"


def _rows(tmp_path: Path, name: str, data: bytes) -> list[tuple[int, str | None]]:
    path = tmp_path / name
    path.write_bytes(data)
    kind = "csv" if name.endswith(".csv") else "jsonl"
    return [(row.number, validate_row(row)[1]) for row in read_rows(path, kind)]


def test_a_csv_with_a_byte_order_mark_reads_its_first_column(tmp_path: Path) -> None:
    assert _rows(tmp_path, "a.csv", b"\xef\xbb\xbf" + HEADER + GOOD) == [(1, None)]


@pytest.mark.parametrize(
    "metadata",
    [
        b'"{""n"":' + b"9" * 5_000 + b'}"',
        b'"' + b'{""a"":' * 5_000 + b"1" + b"}" * 5_000 + b'"',
        b'"{""n"":NaN}"',
    ],
    ids=["an integer too long to read", "nested too deeply", "NaN, which JSON does not have"],
)
def test_csv_metadata_that_json_cannot_read_is_that_rows_problem(
    tmp_path: Path, metadata: bytes
) -> None:
    data = HEADER + b"c1,d1,1,2026-11-01T00:00:00Z," + metadata + b"\n" + GOOD
    [(first, problem), second] = _rows(tmp_path, "a.csv", data)
    assert (first, second) == (1, (2, None))
    assert problem is not None
    assert problem.startswith("metadata is not JSON")


def test_a_csv_row_that_is_not_utf8_is_refused_alone(tmp_path: Path) -> None:
    data = HEADER + b"c\xff1,d1,1,2026-11-01T00:00:00Z,\n" + GOOD
    assert _rows(tmp_path, "a.csv", data) == [(1, "the row is not valid UTF-8"), (2, None)]


def test_a_csv_field_over_the_size_limit_stops_the_file_with_a_clear_error(
    tmp_path: Path,
) -> None:
    data = HEADER + GOOD + b"c1,d1,1,2026-11-01T00:00:00Z," + b"x" * 200_000 + b"\n"
    with pytest.raises(ClientValidationError, match="not readable past line"):
        _rows(tmp_path, "a.csv", data)


def test_jsonl_lines_that_cannot_be_read_are_their_rows_problems(tmp_path: Path) -> None:
    good = (
        b'{"customerId":"c1","dimensionId":"d1","recordValue":"1",'
        b'"timestamp":"2026-11-01T00:00:00Z"}\n'
    )
    data = (
        b"\xef\xbb\xbf"
        + good
        + b"\xff\xfe{}\n"
        + b'{"recordValue":'
        + b"9" * 5_000
        + b"}\n"
        + b"[" * 5_000
        + b"]" * 5_000
        + b"\n"
        + good
    )
    rows = _rows(tmp_path, "a.jsonl", data)
    assert [number for number, _ in rows] == [1, 2, 3, 4, 5]
    assert rows[0] == (1, None)
    assert rows[4] == (5, None)
    assert rows[1] == (2, "the line is not valid UTF-8")
    assert all(problem and problem.startswith("not a JSON line") for _, problem in rows[2:4])


def test_the_command_reports_a_hostile_file_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "hostile.csv"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + HEADER
        + b"c\xff,d1,1,2026-11-01T00:00:00Z,"
        + b'"'
        + b"[" * 3_000
        + b'"\n'
    )
    env = {
        **os.environ,
        "PAIGO_CLIENT_ID": "id",
        "PAIGO_CLIENT_SECRET": "secret",
        "PAIGO_API_URL": "http://127.0.0.1:9",
        "PAIGO_AUTH_URL": "http://127.0.0.1:9/oauth/token",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from paigo_sdk._cli import main; main()",
            "backfill",
            "--dry-run",
            "--no-invoiced-check",
            str(path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "row 1: the row is not valid UTF-8" in done.stdout + done.stderr
