"""Keep accepted usage records in a local SQLite file until the server has acknowledged them.

The outbox is a single table in a stdlib `sqlite3` database in WAL mode. A record is written before
it is sent and deleted only once its outcome is final (acknowledged, or refused for good), so a
crash, a `kill -9` or a deploy loses nothing that reached the file: the next batcher opened on the
same file sends what is left, with the original idempotency keys, and the server answers any record
it already had as a replay.

Durability levels:

- `"sync"`: `add` returns only after its record is committed with `synchronous=FULL` (the WAL is
  fsynced on every commit). Nothing accepted is lost, even on power failure.
- `"batch"`: queued records are written in groups, with `synchronous=NORMAL`, by a writer that
  runs every `flush_interval` (even while every worker is busy retrying) and by each worker just
  before it sends, so nothing is sent before it is on disk. The window: records added during the
  last `flush_interval` before a crash may be lost; a power failure may also lose the last commits
  not yet checkpointed. A process crash alone loses nothing that was written.

With a ledger, the same file also holds the `usage_ledger` table (see
`paigo_sdk.batching._ledger`): an acknowledged record is deleted and counted in one transaction.

One batcher per file at a time: two live batchers on one file would both resend its pending
records. A child process after `fork` does not read its parent's records (it opens a connection of
its own and only writes and deletes its own rows).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

from paigo_sdk import _json
from paigo_sdk.batching._ledger import (
    LedgerBucket,
    LedgerKey,
    ledger_table_add,
    ledger_table_buckets,
    ledger_table_create,
)
from paigo_sdk.batching._planner import RawRecord, WireRecord, format_timestamp, to_datetime
from paigo_sdk.errors import ClientValidationError

__all__ = ["Durability", "Outbox"]

Durability = Literal["sync", "batch"]

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS usage_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    dimension_id TEXT NOT NULL,
    record_value TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    metadata TEXT,
    UNIQUE (customer_id, idempotency_key)
)
"""
_INSERT: Final = (
    "INSERT OR IGNORE INTO usage_outbox (customer_id, idempotency_key, dimension_id, record_value,"
    " timestamp, metadata) VALUES (?, ?, ?, ?, ?, ?)"
)
_DELETE: Final = "DELETE FROM usage_outbox WHERE customer_id = ? AND idempotency_key = ?"
_SELECT: Final = (
    "SELECT idempotency_key, customer_id, dimension_id, record_value, timestamp, metadata"
    " FROM usage_outbox ORDER BY seq"
)

# Connections inherited through fork are never used or closed by the child: closing one could
# checkpoint or unlink files the parent is still using. They are kept referenced here instead.
_INHERITED: list[sqlite3.Connection] = []


def _row(raw: RawRecord) -> tuple[str, str, str, str, str, str | None]:
    key, customer_id, dimension_id, value, timestamp, metadata = raw[:6]
    if isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, int):
        text = str(value)
    else:
        text = format(Decimal(value), "f")
    if isinstance(timestamp, int):
        moment = format_timestamp(to_datetime(timestamp))
    elif isinstance(timestamp, str):
        moment = timestamp
    else:
        moment = format_timestamp(timestamp)
    try:
        meta = None if metadata is None else _json.dumps(metadata)
    except (TypeError, ValueError) as error:
        raise ClientValidationError(f"metadata cannot be written as JSON: {error}") from error
    return (customer_id, key, dimension_id, text, moment, meta)


class Outbox:
    """A durable queue of usage records in one SQLite file; every method is thread-safe.

    Raises:
        sqlite3.Error: when the file cannot be opened or written.
    """

    def __init__(self, path: str | os.PathLike[str], durability: Durability = "batch") -> None:
        if durability not in ("sync", "batch"):
            raise ValueError('durability must be "sync" or "batch"')
        self.path = Path(path)
        self.durability: Durability = durability
        self._lock = threading.Lock()
        self._connection = self._connect()

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode: each statement outside an explicit BEGIN is its own transaction.
        connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        connection.execute("PRAGMA busy_timeout = 10000")
        connection.execute("PRAGMA journal_mode = WAL")
        full = self.durability == "sync"
        connection.execute(f"PRAGMA synchronous = {'FULL' if full else 'NORMAL'}")
        connection.execute(_SCHEMA)
        ledger_table_create(connection)
        return connection

    def put(self, records: Sequence[RawRecord], *, skip_invalid: bool = False) -> None:
        """Write records (ignoring keys already present) in one committed transaction.

        With `skip_invalid`, records whose metadata cannot be written as JSON are left out (the
        batcher rejects them before sending); otherwise they fail the whole call.

        Raises:
            ClientValidationError: when a record's metadata cannot be written as JSON and
                `skip_invalid` is false (then nothing is written).
        """
        rows = []
        for raw in records:
            try:
                rows.append(_row(raw))
            except ClientValidationError:
                if not skip_invalid:
                    raise
        if not rows:
            return
        with self._lock:
            if len(rows) == 1:
                self._connection.execute(_INSERT, rows[0])
                return
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                self._connection.executemany(_INSERT, rows)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def remove(self, records: Iterable[WireRecord]) -> None:
        """Delete records whose outcome is final."""
        keys = [(record.customer_id, record.key) for record in records]
        if not keys:
            return
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                self._connection.executemany(_DELETE, keys)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def acknowledge(
        self,
        records: Iterable[WireRecord],
        counted: Mapping[LedgerKey, tuple[int, Decimal]],
    ) -> None:
        """Delete acknowledged records and add their tally to the ledger, in one transaction.

        Either both happen or neither does, so a record resent after a crash (and answered as a
        replay) is counted once.
        """
        keys = [(record.customer_id, record.key) for record in records]
        if not keys and not counted:
            return
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                self._connection.executemany(_DELETE, keys)
                ledger_table_add(self._connection, counted)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def replace(self, members: Iterable[WireRecord], combined: Sequence[RawRecord]) -> None:
        """Swap records for the records that combine them, in one transaction.

        After a crash the file then holds the combined records with their own keys, so a resend
        is a replay of what was already sent, never a second, differently combined record.

        Raises:
            ClientValidationError: when a combined record's metadata cannot be written as JSON
                (then nothing changes).
        """
        rows = [_row(raw) for raw in combined]
        keys = [(record.customer_id, record.key) for record in members]
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                self._connection.executemany(_DELETE, keys)
                self._connection.executemany(_INSERT, rows)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def ledger_buckets(self, start: datetime, end: datetime) -> list[LedgerBucket]:
        """Return the ledger's buckets whose hour starts in `[start, end)`."""
        with self._lock:
            return ledger_table_buckets(self._connection, start, end)

    def pending(self) -> list[RawRecord]:
        """Return every record still in the file, oldest first, as raw tuples."""
        with self._lock:
            rows = self._connection.execute(_SELECT).fetchall()
        result: list[RawRecord] = []
        # A recovered record's age counts from its recovery: the file does not keep when it was
        # first accepted.
        now = time.monotonic()
        for key, customer_id, dimension_id, value, timestamp, metadata in rows:
            meta: dict[str, Any] | None = None if metadata is None else _json.loads(metadata)
            result.append((key, customer_id, dimension_id, value, timestamp, meta, now))
        return result

    def count(self) -> int:
        """Return how many records the file holds."""
        with self._lock:
            (total,) = self._connection.execute("SELECT count(*) FROM usage_outbox").fetchone()
        return int(total)

    def after_fork_in_child(self) -> None:
        """Give a forked child its own connection, leaving the parent's untouched."""
        _INHERITED.append(self._connection)
        self._lock = threading.Lock()
        self._connection = self._connect()

    def close(self) -> None:
        """Close the connection (records stay in the file)."""
        with self._lock:
            self._connection.close()

    def __repr__(self) -> str:
        return f"Outbox({str(self.path)!r}, durability={self.durability!r})"
