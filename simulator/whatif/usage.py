"""Usage records for what-if: read from files or memory, checked, and aggregated into buckets.

Records come from CSV, JSON Lines or Parquet files, a batcher outbox file, or memory, with the
wire's field names: `customerId`, `dimensionId`, `recordValue`, `timestamp` and optional
`metadata`. DuckDB reads them and aggregates them into buckets with one SQL query,
`AGGREGATION_SQL`; prices are then computed from the buckets, never from raw records.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from paigo_sdk.errors import bounded
from simulator.whatif.errors import WhatIfInputError
from simulator.wire import DECIMAL_PATTERN, TIMESTAMP_PATTERN

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

__all__ = [
    "AGGREGATION_SQL",
    "BUCKET_COLUMNS",
    "UsageSource",
    "bucket_sql",
    "build_buckets",
    "connect",
    "load",
    "load_buckets",
    "set_starts",
]

# The records are checked in SQL with the wire grammar's own patterns (RE2 accepts them).
MAX_DIGITS: Final = 38

_SUFFIXES: Final = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".db": "outbox",
    ".sqlite": "outbox",
    ".sqlite3": "outbox",
    ".outbox": "outbox",
}

AGGREGATION_SQL: Final = """
SELECT
    u.customer_id,
    u.dimension_id,
    {meta} AS meta,
    greatest(epoch_us(date_trunc('{unit}', make_timestamp(u.ts_us))), s.start_us) AS bucket_us,
    sum(u.value) AS total,
    count(*) AS records,
    min(u.value) AS low,
    max(u.value) AS high,
    max_by(u.value, CAST(u.ts_us AS HUGEINT) * 10000000000 + u.row_no) AS last_value,
    max(CAST(u.ts_us AS HUGEINT) * 10000000000 + u.row_no) AS last_key
FROM usage AS u
JOIN starts AS s ON s.customer_id = u.customer_id
WHERE u.ts_us >= s.start_us AND u.ts_us < s.end_us AND u.dimension_id IN ({streams})
GROUP BY ALL
"""
"""The one aggregation of raw records: per customer, dimension, (metadata) and bucket, the sum,
count, min, max and last value (latest timestamp, then latest row: `last_key` is the timestamp
times 10^10 plus the row number) of the records from the customer's enrollment up to the end of
the run. `{unit}` is hour, day or month; a bucket starts
at its calendar hour, day or month, or at the enrollment when that is later (the engine clips
buckets to the billed window, B3). `{meta}` is `u.meta` when the dimension's tiers are grouped
by metadata, else NULL."""


@dataclass(frozen=True, slots=True)
class UsageSource:
    """Where usage records come from: a file (by format) or an in-memory Arrow table."""

    kind: str
    """csv, jsonl, parquet, outbox or table."""
    path: Path | None = None
    table: pa.Table | None = None

    @classmethod
    def from_path(cls, path: str | Path, kind: str | None = None) -> UsageSource:
        """Describe a records file; the format comes from `kind` or the file's suffix.

        Raises:
            WhatIfInputError: the file does not exist or its format is unknown.
        """
        path = Path(path)
        if not path.exists():
            raise WhatIfInputError(f"{path}: no such file")
        kind = kind or _SUFFIXES.get(path.suffix.lower())
        if kind not in ("csv", "jsonl", "parquet", "outbox"):
            raise WhatIfInputError(
                f"{path}: unknown records format; use .csv, .jsonl, .parquet or an outbox file"
            )
        return cls(kind=kind, path=path)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> UsageSource:
        """Hold records given as mappings with the wire's field names (e.g. in a notebook).

        `recordValue` may be a Decimal, an int or a decimal string; `timestamp` an aware
        datetime or an RFC 3339 string; `metadata` a mapping or None.

        Raises:
            WhatIfInputError: a record is not a mapping or holds a float value.
        """
        import pyarrow as pa

        columns: dict[str, list[Any]] = {
            "customerId": [],
            "dimensionId": [],
            "recordValue": [],
            "timestamp": [],
            "metadata": [],
        }
        for index, record in enumerate(records, start=1):
            if not isinstance(record, Mapping):
                raise WhatIfInputError(f"record {index}: expected a mapping")
            value = record.get("recordValue")
            if isinstance(value, float):
                raise WhatIfInputError(
                    f"record {index}: recordValue is a float; use a Decimal or a string"
                )
            moment = record.get("timestamp")
            metadata = record.get("metadata")
            columns["customerId"].append(record.get("customerId"))
            columns["dimensionId"].append(record.get("dimensionId"))
            columns["recordValue"].append(
                None
                if value is None
                else format(value, "f")
                if isinstance(value, Decimal)
                else str(value)
            )
            columns["timestamp"].append(
                moment.isoformat() if isinstance(moment, datetime) else moment
            )
            columns["metadata"].append(None if metadata is None else json.dumps(metadata))
        schema = pa.schema([(name, pa.string()) for name in columns])
        return cls(kind="table", table=pa.table(columns, schema=schema))

    def relation_sql(self, con: duckdb.DuckDBPyConnection) -> str:
        """Register this source with `con` and return SQL selecting its raw columns in order.

        Raises:
            WhatIfInputError: the file cannot be read.
        """
        if self.kind == "table" or self.kind == "outbox":
            table = self.table if self.table is not None else _outbox_table(self._path())
            con.register("source_table", table)
            return "SELECT * FROM source_table"
        path = str(self._path()).replace("'", "''")
        if self.kind == "csv":
            return f"SELECT * FROM read_csv('{path}', all_varchar = true, header = true)"
        if self.kind == "jsonl":
            return (
                f"SELECT * FROM read_json('{path}', format = 'newline_delimited', columns = "
                "{customerId: 'VARCHAR', dimensionId: 'VARCHAR', recordValue: 'VARCHAR', "
                "timestamp: 'VARCHAR', metadata: 'JSON'})"
            )
        return (
            "SELECT * EXCLUDE (file_row_number) FROM "
            f"read_parquet('{path}', file_row_number = true) ORDER BY file_row_number"
        )

    def _path(self) -> Path:
        assert self.path is not None
        return self.path


def _outbox_table(path: Path) -> pa.Table:
    """Read the pending records of a batcher outbox file (read only), oldest first."""
    import pyarrow as pa

    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = connection.execute(
                "SELECT customer_id, dimension_id, record_value, timestamp, metadata"
                " FROM usage_outbox ORDER BY seq"
            ).fetchall()
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise WhatIfInputError(f"{path}: not a readable outbox file: {error}") from None
    names = ["customerId", "dimensionId", "recordValue", "timestamp", "metadata"]
    columns = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    return pa.table(columns, schema=pa.schema([(n, pa.string()) for n in names]))


def require_extra() -> None:
    """Check that the `whatif` extra's libraries can be imported.

    Raises:
        WhatIfInputError: one is missing; the message says what to install.
    """
    import importlib

    missing = []
    for module in ("duckdb", "pyarrow", "yaml", "rich"):
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise WhatIfInputError(
            f"what-if needs {', '.join(missing)}: pip install 'paigo-sdk[whatif]'"
        )


def connect(
    memory_limit: str | None = None, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB connection in UTC.

    Raises:
        WhatIfInputError: DuckDB is not installed (the `whatif` extra).
    """
    try:
        import duckdb
    except ImportError:
        raise WhatIfInputError("what-if needs DuckDB: pip install 'paigo-sdk[whatif]'") from None
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    if memory_limit is not None:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    return con


def load(con: duckdb.DuckDBPyConnection, source: UsageSource) -> int:
    """Read `source` into the table `usage` (exact values, microsecond times); return the scale.

    Every record is checked first: a value that is not a plain decimal, a timestamp without an
    explicit offset, or a missing customer or dimension id refuses the whole input, naming the
    first offending rows, as the simulator would refuse each of those records (B1, B2).

    Raises:
        WhatIfInputError: a record is malformed, a column is missing, a value needs more than
            38 digits, or the file cannot be read (DuckDB reads it lazily, so a file that is
            not UTF-8 or not JSON can only fail here).
    """
    import duckdb

    try:
        return _load(con, source)
    except WhatIfInputError:
        raise
    except duckdb.Error as error:
        # DuckDB quotes the offending line, which may be megabytes long.
        raise WhatIfInputError(f"cannot read the usage records: {bounded(str(error))}") from None


def _load(con: duckdb.DuckDBPyConnection, source: UsageSource) -> int:
    con.execute(f"CREATE OR REPLACE TEMP VIEW source AS {source.relation_sql(con)}")
    columns = {row[0]: row[1] for row in con.execute("DESCRIBE source").fetchall()}
    missing = {"customerId", "dimensionId", "recordValue", "timestamp"} - set(columns)
    if missing:
        raise WhatIfInputError(f"the usage records lack the columns {sorted(missing)}")
    value_type = columns["recordValue"].upper()
    if value_type in ("DOUBLE", "FLOAT", "REAL"):
        raise WhatIfInputError(
            "recordValue is stored as a floating-point column; store it as a string or a decimal"
        )
    ts_type = columns["timestamp"].upper()
    if ts_type.startswith("TIMESTAMP") and "TIME ZONE" not in ts_type:
        raise WhatIfInputError("timestamp is stored without a time zone; store UTC instants")
    meta = "CAST(metadata AS VARCHAR)" if "metadata" in columns else "CAST(NULL AS VARCHAR)"
    typed = _column_scale(value_type)
    if typed is not None and ts_type.startswith("TIMESTAMP"):
        # Typed columns hold only exact decimals and instants: only absent values to check.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE usage AS
            SELECT row_number() OVER () AS row_no,
                   "customerId" AS customer_id, "dimensionId" AS dimension_id,
                   CAST("recordValue" AS DECIMAL({MAX_DIGITS}, {typed})) AS value,
                   epoch_us("timestamp") AS ts_us,
                   nullif({meta}, 'null') AS meta
            FROM source
            """
        )
        _refuse(
            con,
            """
            SELECT row_no, CASE
                WHEN customer_id IS NULL OR customer_id = '' THEN 'customerId is missing'
                WHEN dimension_id IS NULL OR dimension_id = '' THEN 'dimensionId is missing'
                WHEN value IS NULL THEN 'recordValue is missing'
                WHEN ts_us IS NULL THEN 'timestamp is missing'
                END AS reason
            FROM usage WHERE reason IS NOT NULL ORDER BY row_no LIMIT 10
            """,
        )
        return typed
    ts_text = 'CAST("timestamp" AS VARCHAR)' if ts_type == "VARCHAR" else None
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE raw AS
        SELECT row_number() OVER () AS row_no,
               "customerId" AS customer_id, "dimensionId" AS dimension_id,
               CAST("recordValue" AS VARCHAR) AS value_text,
               {ts_text or "NULL"} AS ts_text,
               {"NULL" if ts_text else 'epoch_us("timestamp")'} AS ts_native,
               nullif({meta}, 'null') AS meta
        FROM source
        """
    )
    _refuse(
        con,
        f"""
        SELECT row_no, CASE
            WHEN customer_id IS NULL OR customer_id = '' THEN 'customerId is missing'
            WHEN dimension_id IS NULL OR dimension_id = '' THEN 'dimensionId is missing'
            WHEN value_text IS NULL OR NOT regexp_full_match(value_text, '{DECIMAL_PATTERN}')
                THEN 'recordValue is not a plain decimal: ' || coalesce(value_text, 'missing')
            WHEN ts_native IS NULL AND (ts_text IS NULL
                OR NOT regexp_full_match(ts_text, '{TIMESTAMP_PATTERN}')
                OR TRY_CAST(ts_text AS TIMESTAMPTZ) IS NULL)
                THEN 'timestamp is not RFC 3339 with an offset: ' || coalesce(ts_text, 'missing')
            END AS reason
        FROM raw WHERE reason IS NOT NULL ORDER BY row_no LIMIT 10
        """,
    )
    digits = con.execute(
        """
        SELECT coalesce(max(length(split_part(ltrim(value_text, '+-'), '.', 2))), 0),
               coalesce(max(length(split_part(ltrim(value_text, '+-'), '.', 1))), 1)
        FROM raw
        """
    ).fetchall()[0]
    scale, whole = int(digits[0]), int(digits[1])
    if scale + whole > MAX_DIGITS:
        raise WhatIfInputError(
            f"recordValue needs {scale + whole} digits; what-if handles at most {MAX_DIGITS}"
        )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE usage AS
        SELECT row_no, customer_id, dimension_id,
               CAST(value_text AS DECIMAL({MAX_DIGITS}, {scale})) AS value,
               coalesce(ts_native, epoch_us(CAST(ts_text AS TIMESTAMPTZ))) AS ts_us,
               meta
        FROM raw
        """
    )
    con.execute("DROP TABLE raw")
    return scale


_INTEGER_TYPES: Final = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")


def _column_scale(column_type: str) -> int | None:
    """Return the scale of an exact numeric column type (0 for integers), else None."""
    name = column_type.upper()
    if name in _INTEGER_TYPES or name.lstrip("U") in _INTEGER_TYPES:
        return 0
    if name.startswith("DECIMAL(") and name.endswith(")"):
        return int(name[len("DECIMAL(") : -1].split(",")[1])
    return None


def _refuse(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Raise naming the rows `sql` (row_no, reason) finds, if any."""
    bad = con.execute(sql).fetchall()
    if bad:
        listed = "; ".join(f"row {row_no}: {reason}" for row_no, reason in bad)
        raise WhatIfInputError(f"malformed usage records ({listed})")


def set_starts(con: duckdb.DuckDBPyConnection, starts: Mapping[str, tuple[int, int]]) -> None:
    """Store each customer's billed span `(start_us, end_us)` as the table `starts`."""
    import pyarrow as pa

    ids = list(starts)
    table = pa.table(
        {
            "customer_id": pa.array(ids, pa.string()),
            "start_us": pa.array([starts[c][0] for c in ids], pa.int64()),
            "end_us": pa.array([starts[c][1] for c in ids], pa.int64()),
        }
    )
    con.register("starts_table", table)
    con.execute("CREATE OR REPLACE TEMP TABLE starts AS SELECT * FROM starts_table")
    con.unregister("starts_table")


LATEST_SQL: Final = """
SELECT m.customer_id, m.stream, m.moment_us, u.value, u.meta
FROM moments AS m
JOIN usage AS u
  ON u.customer_id = m.customer_id AND u.dimension_id = m.stream AND u.ts_us < m.moment_us
QUALIFY row_number() OVER (
    PARTITION BY m.customer_id, m.stream, m.moment_us ORDER BY u.ts_us DESC, u.row_no DESC
) = 1
"""
"""Per (customer, record stream, moment) of the table `moments`: the value and metadata of the
record with the latest timestamp strictly before the moment, the latest row on equal
timestamps; what the engine prices an upfront dimension on when the records reach it in time
order (B4, B7). Records before the enrollment count, as in the engine."""


def latest_values(
    con: duckdb.DuckDBPyConnection, moments: Iterable[tuple[str, str, int]]
) -> list[tuple[str, str, int, Any, str | None]]:
    """Return `LATEST_SQL`'s rows for `(customer id, record stream, moment in µs)` triples."""
    import pyarrow as pa

    rows = list(moments)
    table = pa.table(
        {
            "customer_id": pa.array([r[0] for r in rows], pa.string()),
            "stream": pa.array([r[1] for r in rows], pa.string()),
            "moment_us": pa.array([r[2] for r in rows], pa.int64()),
        }
    )
    con.register("moments", table)
    try:
        found = con.execute(LATEST_SQL).fetchall()
    finally:
        con.unregister("moments")
    return [(c, s, int(m), v, meta) for c, s, m, v, meta in found]


def bucket_sql(needs: Mapping[tuple[str, bool], Iterable[str]]) -> str:
    """Return `AGGREGATION_SQL` for every needed (unit, grouped by metadata) and its record
    streams, as one query with the columns `unit` and `grouped` in front: the whole
    aggregation of a what-if run, to run here or on a cluster engine."""
    parts = []
    # Without any stream, one empty part still gives the result its columns.
    for (unit, grouped), streams in sorted(needs.items()) or [(("hour", False), [])]:
        sql = AGGREGATION_SQL.format(
            meta="u.meta" if grouped else "CAST(NULL AS VARCHAR)",
            unit=unit,
            streams=quoted(streams),
        )
        parts.append(f"SELECT '{unit}' AS unit, {str(grouped).upper()} AS grouped, * FROM ({sql})")
    return "\nUNION ALL\n".join(parts)


def build_buckets(
    con: duckdb.DuckDBPyConnection, needs: Mapping[tuple[str, bool], Iterable[str]]
) -> None:
    """Run `bucket_sql(needs)` into the table `buckets`."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE buckets AS {bucket_sql(needs)}")


BUCKET_COLUMNS: Final = (
    "unit",
    "grouped",
    "customer_id",
    "dimension_id",
    "meta",
    "bucket_us",
    "total",
    "records",
    "low",
    "high",
    "last_value",
    "last_key",
)
"""The columns of `bucket_sql`'s result, in order."""


def load_buckets(con: duckdb.DuckDBPyConnection, path: str | Path) -> int:
    """Read bucket aggregates computed elsewhere (a Parquet file of `bucket_sql`'s result) into
    the table `buckets`; return the scale of their values.

    Raises:
        WhatIfInputError: the file cannot be read, lacks a column, or holds values that are not
            exact decimals.
    """
    import duckdb

    where = str(path).replace("'", "''")
    try:
        columns = {
            row[0]: row[1]
            for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{where}')").fetchall()
        }
    except duckdb.Error as error:
        raise WhatIfInputError(f"cannot read the bucket aggregates: {error}") from None
    missing = [c for c in BUCKET_COLUMNS if c not in columns]
    if missing:
        raise WhatIfInputError(f"the bucket aggregates lack the columns {missing}")
    scale = _column_scale(columns["total"].upper())
    if scale is None:
        raise WhatIfInputError("bucket totals must be a decimal or integer column")
    value = f"DECIMAL({MAX_DIGITS}, {scale})"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE buckets AS
        SELECT CAST(unit AS VARCHAR) AS unit, CAST(grouped AS BOOLEAN) AS grouped,
               CAST(customer_id AS VARCHAR) AS customer_id,
               CAST(dimension_id AS VARCHAR) AS dimension_id, CAST(meta AS VARCHAR) AS meta,
               CAST(bucket_us AS BIGINT) AS bucket_us, CAST(total AS {value}) AS total,
               CAST(records AS BIGINT) AS records, CAST(low AS {value}) AS low,
               CAST(high AS {value}) AS high, CAST(last_value AS {value}) AS last_value,
               CAST(last_key AS HUGEINT) AS last_key
        FROM read_parquet('{where}')
        """
    )
    return scale


def quoted(names: Iterable[str]) -> str:
    """Return `names` as a SQL list of string literals (NULL when empty)."""
    return ", ".join("'" + n.replace("'", "''") + "'" for n in sorted(set(names))) or "NULL"


def metadata_texts(con: duckdb.DuckDBPyConnection, stream: str, unit: str) -> list[str]:
    """Return the distinct metadata texts of one stream's metadata-keeping buckets, sorted."""
    rows = con.execute(
        "SELECT DISTINCT meta FROM buckets WHERE meta IS NOT NULL AND grouped"
        f" AND dimension_id = {quoted([stream])} AND unit = '{unit}' ORDER BY meta"
    ).fetchall()
    return [row[0] for row in rows]


def last_timestamp(con: duckdb.DuckDBPyConnection) -> int | None:
    """Return the latest record timestamp (microseconds), or None without records."""
    row = con.execute("SELECT max(ts_us) FROM usage").fetchall()[0]
    return None if row[0] is None else int(row[0])
