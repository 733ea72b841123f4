"""Read historical usage rows from CSV, JSON Lines or Parquet and check each with the SDK grammar.

Rows carry the wire's field names: `customerId`, `dimensionId`, `recordValue`, `timestamp` and
optional `metadata` (a JSON object, or JSON text in CSV). Row numbers count records from 1 (a
CSV header line is not counted).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pydantic

from paigo_sdk import _json
from paigo_sdk.errors import ClientValidationError
from paigo_sdk.types.usage import UsageRecordCreateParams

__all__ = ["FORMATS", "SourceRow", "count_rows", "read_rows", "row_key", "validate_row"]

FORMATS: Final = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_FIELDS: Final = ("customerId", "dimensionId", "recordValue", "timestamp", "metadata")


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row of the source file: its number and its fields as read (or why it is unreadable)."""

    number: int
    fields: Mapping[str, Any]
    problem: str | None = None


def file_format(path: Path, given: str | None = None) -> str:
    """Return csv, jsonl or parquet for `path` (from `given` or the suffix).

    Raises:
        ClientValidationError: the format is unknown.
    """
    kind = given or FORMATS.get(path.suffix.lower())
    if kind not in ("csv", "jsonl", "parquet"):
        raise ClientValidationError(
            f"{path}: unknown format; use a .csv, .jsonl or .parquet file or say --format"
        )
    return kind


def count_rows(path: Path, kind: str) -> int:
    """Return how many rows `read_rows` will yield (for a progress bar)."""
    if kind == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    with path.open("rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    return max(0, lines - 1) if kind == "csv" else lines


def read_rows(path: Path, kind: str) -> Iterator[SourceRow]:
    """Yield every row of the file in order; a row that cannot be parsed carries its problem.

    Raises:
        OSError: the file cannot be read.
        ClientValidationError: a CSV file has no header or a line that is not CSV (a field over
            the csv module's size limit, for one), or a Parquet file cannot be opened.
    """
    if kind == "csv":
        yield from _csv_rows(path)
    elif kind == "jsonl":
        yield from _jsonl_rows(path)
    else:
        yield from _parquet_rows(path)


def _csv_rows(path: Path) -> Iterator[SourceRow]:
    # utf-8-sig: spreadsheet exports often start with a byte order mark, which is not part of
    # the first column's name. Bytes that are not UTF-8 are kept (as surrogates) so that only
    # their row is refused, not the file.
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        reader = csv.DictReader(handle)
        try:
            fieldnames = reader.fieldnames
        except csv.Error as error:
            raise ClientValidationError(
                f"{path}: the CSV header is not readable: {error}"
            ) from None
        if fieldnames is None:
            raise ClientValidationError(f"{path}: the CSV file has no header row")
        number = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                # The rest of the file cannot be split into rows with certainty (a quoted field
                # may run on): stop rather than send what a broken row's remains look like.
                raise ClientValidationError(
                    f"{path}: the CSV is not readable past line {reader.line_num}: {error}"
                ) from None
            number += 1
            fields: dict[str, Any] = {k: v for k, v in row.items() if k in _FIELDS}
            if not _is_utf8(fields):
                yield SourceRow(number, {}, "the row is not valid UTF-8")
                continue
            meta = fields.get("metadata")
            if not isinstance(meta, str) or not meta:
                fields.pop("metadata", None)
            else:
                problem = _read_metadata(fields, meta)
                if problem is not None:
                    yield SourceRow(number, fields, problem)
                    continue
            yield SourceRow(number, fields)


def _is_utf8(fields: Mapping[str, Any]) -> bool:
    """Whether every text field decoded from UTF-8 (undecodable bytes read as surrogates)."""
    try:
        for value in fields.values():
            if isinstance(value, str):
                value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _read_json(text: str) -> tuple[Any, str | None]:
    """Parse JSON text; (value, None), or (None, why not) for text that is not usable JSON."""
    try:
        return _json.loads(text), None
    except json.JSONDecodeError as error:
        return None, error.msg
    except RecursionError:
        return None, "nested too deeply"
    except ValueError as error:  # an integer too long to read, or NaN, for two
        return None, str(error)[:200]


def _read_metadata(fields: dict[str, Any], text: str) -> str | None:
    """Replace `fields["metadata"]` by the JSON it holds; return the problem when it is not JSON."""
    value, problem = _read_json(text)
    if problem is not None:
        return f"metadata is not JSON: {problem}"
    fields["metadata"] = value
    return None


def _jsonl_rows(path: Path) -> Iterator[SourceRow]:
    with path.open("rb") as handle:
        number = 0
        for raw in handle:
            if not raw.strip():
                continue
            number += 1
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")  # a byte order mark
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield SourceRow(number, {}, "the line is not valid UTF-8")
                continue
            value, problem = _read_json(line)
            if problem is not None:
                yield SourceRow(number, {}, f"not a JSON line: {problem}")
                continue
            if not isinstance(value, dict):
                yield SourceRow(number, {}, "not a JSON object")
                continue
            yield SourceRow(number, value)


def _parquet_rows(path: Path) -> Iterator[SourceRow]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ClientValidationError(
            "reading Parquet needs pyarrow: pip install 'paigo-sdk[backfill]'"
        ) from None
    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises several unrelated types for a bad file
        raise ClientValidationError(f"{path}: not a readable Parquet file: {error}") from None
    number = 0
    for batch in parquet.iter_batches(batch_size=10_000):
        for row in batch.to_pylist():
            number += 1
            fields = {k: v for k, v in row.items() if k in _FIELDS}
            meta = fields.get("metadata")
            if isinstance(meta, str):
                problem = _read_metadata(fields, meta)
                if problem is not None:
                    yield SourceRow(number, fields, problem)
                    continue
            if meta is None:
                fields.pop("metadata", None)
            yield SourceRow(number, fields)


def validate_row(row: SourceRow) -> tuple[UsageRecordCreateParams | None, str | None]:
    """Check one row with the SDK's `POST /usage` grammar; return the record or the reason."""
    if row.problem is not None:
        return None, row.problem
    try:
        return UsageRecordCreateParams.model_validate(dict(row.fields)), None
    except pydantic.ValidationError as error:
        reasons = []
        for item in error.errors():
            where = ".".join(str(p) for p in item["loc"]) or "row"
            reasons.append(f"{_wire_name(where)}: {item['msg'].removeprefix('Value error, ')}")
        return None, "; ".join(reasons)


def _wire_name(name: str) -> str:
    head, _, rest = name.partition(".")
    parts = head.split("_")
    camel = parts[0] + "".join(p.title() for p in parts[1:])
    return camel + (f".{rest}" if rest else "")


def row_key(source_id: str, row: SourceRow) -> str:
    """Return the idempotency key of a row: a hash of the source's id, row number and fields.

    The same row of the same source always gets the same key, so sending a file again stores
    nothing new; two equal rows at different numbers are two records.
    """
    content = json.dumps(
        {k: row.fields.get(k) for k in _FIELDS}, sort_keys=True, default=str, ensure_ascii=True
    )
    digest = hashlib.sha256(f"{source_id}\n{row.number}\n{content}".encode()).hexdigest()
    return f"backfill-{digest[:48]}"
