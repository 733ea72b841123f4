"""Keep a compact ledger of acknowledged usage: records and exact sum per customer, dimension, hour.

The ledger is what `client.usage.reconcile` compares with Paigo's usage view. It holds one row per
(customer, dimension, UTC hour of the record's timestamp): how many records Paigo acknowledged and
the exact `Decimal` sum of their values, as sent. It counts facts about the records themselves,
not about any aggregation method, so it compares like with like against the raw records Paigo
stored, whatever the dimension's `aggregationMethod` later makes of them (`paigo_sdk.reconcile`).

Two stores:

- `MemoryLedger`, a dictionary, for a batcher without an outbox;
- the `usage_ledger` table of the outbox file (`ledger_table_*` functions below, used by
  `Outbox`), so the ledger survives restarts. The outbox counts a record in the same transaction
  that deletes it, so a record is counted once even when it is resent after a crash (the server
  then answers it as a replay): either both happened or neither did.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

from paigo_sdk.batching._exact import EXACT
from paigo_sdk.batching._planner import WireRecord, to_datetime

__all__ = [
    "FileLedger",
    "LedgerBucket",
    "LedgerKey",
    "LedgerSource",
    "MemoryLedger",
    "hour_of",
    "hour_start",
    "ledger_table_add",
    "ledger_table_buckets",
    "ledger_table_create",
    "tally",
]

LedgerKey = tuple[str, str, str]
"""`(customer_id, dimension_id, hour)`, the hour written `YYYY-MM-DDTHH` in UTC."""

Tally = dict[LedgerKey, tuple[int, Decimal]]

_HOUR_FORMAT: Final = "%Y-%m-%dT%H"


@dataclass(frozen=True, slots=True)
class LedgerBucket:
    """What Paigo acknowledged for one customer, dimension and UTC hour."""

    customer_id: str
    dimension_id: str
    hour: datetime
    """The start of the UTC hour the records' timestamps fall in."""
    records: int
    """How many records were acknowledged."""
    total: Decimal
    """The exact sum of their values, as sent."""


@runtime_checkable
class LedgerSource(Protocol):
    """Anything that can list its ledger buckets for a window of whole hours."""

    def buckets(self, start: datetime, end: datetime) -> list[LedgerBucket]:
        """Return the buckets whose hour starts in `[start, end)`."""
        ...


def hour_of(timestamp: str) -> str:
    """Return the `YYYY-MM-DDTHH` UTC hour of a wire timestamp.

    The batcher writes timestamps as `2026-11-30T20:15:00.000Z`, whose first 13 characters are the
    hour; any other form is parsed.
    """
    if len(timestamp) > 13 and timestamp[10] == "T" and timestamp[-1] == "Z":
        return timestamp[:13]
    return to_datetime(timestamp).strftime(_HOUR_FORMAT)


def hour_start(hour: str) -> datetime:
    """Return the aware UTC datetime at which a `YYYY-MM-DDTHH` hour starts."""
    return datetime.strptime(hour, _HOUR_FORMAT).replace(tzinfo=UTC)


def _hour_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_HOUR_FORMAT)


def tally(records: Iterable[WireRecord]) -> Tally:
    """Group acknowledged records by ledger key: their count and the exact sum of their values."""
    out: Tally = {}
    add = EXACT.add
    for record in records:
        body = record.body
        key = (record.customer_id, record.dimension_id, hour_of(body["timestamp"]))
        value = Decimal(body["recordValue"])
        found = out.get(key)
        out[key] = (1, value) if found is None else (found[0] + 1, add(found[1], value))
    return out


def _bucket(key: LedgerKey, records: int, total: Decimal) -> LedgerBucket:
    return LedgerBucket(key[0], key[1], hour_start(key[2]), records, total)


def _hours(start: datetime, end: datetime) -> tuple[str, str]:
    # A window of whole hours [start, end) as the texts of its first hour and the hour after it.
    return _hour_text(start), _hour_text(end)


class MemoryLedger:
    """The ledger of a batcher without an outbox, in a dictionary; thread-safe."""

    def __init__(self) -> None:
        self._rows: dict[LedgerKey, tuple[int, Decimal]] = {}
        self._lock = threading.Lock()

    def add(self, counted: Mapping[LedgerKey, tuple[int, Decimal]]) -> None:
        """Add a tally of acknowledged records."""
        add = EXACT.add
        with self._lock:
            rows = self._rows
            for key, (records, total) in counted.items():
                found = rows.get(key)
                rows[key] = (
                    (records, total)
                    if found is None
                    else (
                        found[0] + records,
                        add(found[1], total),
                    )
                )

    def buckets(self, start: datetime, end: datetime) -> list[LedgerBucket]:
        """Return the buckets whose hour starts in `[start, end)`, in key order."""
        first, stop = _hours(start, end)
        with self._lock:
            items = sorted(self._rows.items())
        return [_bucket(key, n, total) for key, (n, total) in items if first <= key[2] < stop]

    def after_fork_in_child(self) -> None:
        """Start empty in a forked child: what the parent counted stays the parent's."""
        self._rows = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryLedger(buckets={len(self._rows)})"


# -- the ledger table of an outbox file --------------------------------------------------------

_CREATE: Final = """
CREATE TABLE IF NOT EXISTS usage_ledger (
    customer_id TEXT NOT NULL,
    dimension_id TEXT NOT NULL,
    hour TEXT NOT NULL,
    records INTEGER NOT NULL,
    total TEXT NOT NULL,
    PRIMARY KEY (customer_id, dimension_id, hour)
) WITHOUT ROWID
"""
_READ_ONE: Final = (
    "SELECT records, total FROM usage_ledger"
    " WHERE customer_id = ? AND dimension_id = ? AND hour = ?"
)
_WRITE: Final = (
    "INSERT OR REPLACE INTO usage_ledger (customer_id, dimension_id, hour, records, total)"
    " VALUES (?, ?, ?, ?, ?)"
)
_READ_WINDOW: Final = (
    "SELECT customer_id, dimension_id, hour, records, total FROM usage_ledger"
    " WHERE hour >= ? AND hour < ? ORDER BY customer_id, dimension_id, hour"
)


def ledger_table_create(connection: sqlite3.Connection) -> None:
    """Create the `usage_ledger` table when the file does not have it yet."""
    connection.execute(_CREATE)


def ledger_table_add(
    connection: sqlite3.Connection, counted: Mapping[LedgerKey, tuple[int, Decimal]]
) -> None:
    """Add a tally to the table; the caller holds a write transaction (`BEGIN IMMEDIATE`).

    The sum is kept as decimal text and added in Python, exactly: SQLite's numbers are floats.
    """
    for key, (records, total) in counted.items():
        found = connection.execute(_READ_ONE, key).fetchone()
        if found is not None:
            records += int(found[0])
            total = EXACT.add(Decimal(found[1]), total)
        connection.execute(_WRITE, (*key, records, format(total, "f")))


def ledger_table_buckets(
    connection: sqlite3.Connection, start: datetime, end: datetime
) -> list[LedgerBucket]:
    """Return the table's buckets whose hour starts in `[start, end)`."""
    rows = connection.execute(_READ_WINDOW, _hours(start, end)).fetchall()
    return [
        _bucket((customer, dimension, hour), int(records), Decimal(total))
        for customer, dimension, hour, records, total in rows
    ]


class FileLedger:
    """The ledger kept in an outbox file, read on its own (for example after the batcher closed).

    Raises:
        sqlite3.Error: when the file cannot be opened or read.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"no outbox file at {self.path}")

    def buckets(self, start: datetime, end: datetime) -> list[LedgerBucket]:
        """Return the buckets whose hour starts in `[start, end)`.

        Raises:
            sqlite3.Error: when the file cannot be read.
        """
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            connection.execute("PRAGMA busy_timeout = 10000")
            ledger_table_create(connection)
            return ledger_table_buckets(connection, start, end)
        finally:
            connection.close()

    def __repr__(self) -> str:
        return f"FileLedger({str(self.path)!r})"
