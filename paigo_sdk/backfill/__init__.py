"""Backfill: load historical usage from CSV, JSON Lines or Parquet into a Paigo-compatible server.

`backfill(client, path)` sends every valid row through the SDK's `UsageBatcher` with an
idempotency key derived from the row, so a rerun stores nothing new; `paigo backfill` is the
command-line shell over it. Parquet and the progress display need the `backfill` extra.
"""

from paigo_sdk.backfill._backfill import BackfillReport, RowProblem, backfill
from paigo_sdk.backfill._rows import SourceRow, read_rows, row_key, validate_row

__all__ = [
    "BackfillReport",
    "RowProblem",
    "SourceRow",
    "backfill",
    "read_rows",
    "row_key",
    "validate_row",
]
