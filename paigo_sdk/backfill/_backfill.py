"""Load historical usage into Paigo through the SDK's batcher, one stable key per source row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from paigo_sdk._client import PaigoClient
from paigo_sdk.backfill._invoiced import InvoicedPeriods
from paigo_sdk.backfill._rows import file_format, read_rows, row_key, validate_row
from paigo_sdk.batching import RecordOutcome, UsageBatcher

__all__ = ["BackfillReport", "RowProblem", "backfill"]


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A source row that was not (or would not be) stored as sent, and why."""

    row: int
    reason: str


@dataclass(slots=True)
class BackfillReport:
    """What a backfill did, or (with `dry_run`) would do.

    `sent` counts records the server stored now; `replays` those it already had (from an earlier
    run with the same rows), so a second run of the same file reports every row as a replay.
    """

    source: str
    dry_run: bool
    rows: int = 0
    valid: int = 0
    sent: int = 0
    replays: int = 0
    malformed: list[RowProblem] = field(default_factory=list)
    """Rows that fail the SDK's grammar: never sent."""
    rejected: list[RowProblem] = field(default_factory=list)
    """Rows the server refused, or whose delivery did not finish (retry deadline, timeout)."""
    invoiced: list[RowProblem] = field(default_factory=list)
    """Rows dated in a period already invoiced: stored but not billed again."""
    would_send: dict[tuple[str, str], tuple[int, Decimal]] = field(default_factory=dict)
    """Dry run: per (customer, dimension), the number of rows and the sum of their values."""
    stopped: bool = False
    """True when `strict` found a malformed row and nothing was sent."""

    @property
    def ok(self) -> bool:
        """Whether every row was valid and (unless a dry run) acknowledged by the server."""
        return not self.malformed and not self.rejected and not self.stopped


def backfill(
    client: PaigoClient,
    path: str | Path,
    *,
    source_id: str | None = None,
    file_format_name: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    check_invoiced: bool = True,
    now: datetime | None = None,
    outbox: str | Path | None = None,
    concurrency: int = 4,
    retry_deadline: float = 60.0,
    on_row: Callable[[int], object] | None = None,
    on_outcome: Callable[[RecordOutcome], object] | None = None,
) -> BackfillReport:
    """Send every valid row of a CSV, JSON Lines or Parquet file as a usage record.

    Each row's idempotency key is derived from `source_id` (default: the file's name), its row
    number and its fields, so running the same file again stores nothing new (the server answers
    each row as a replay). Rows failing the SDK's grammar are reported with their number and
    never sent; the others go on, unless `strict`, which checks every row first and sends
    nothing if one is malformed. With `dry_run` nothing is sent: every row is checked, the
    report says what would be sent, and (with `check_invoiced`) flags rows dated in periods
    already invoiced, found from each customer's enrollments with read-only requests.

    Delivery is the SDK's `UsageBatcher`: the same retries, optional outbox and report.

    Args:
        on_row: called with each row number once the row is read and checked.
        on_outcome: called (on a worker thread) with each record's final outcome.

    Raises:
        ClientValidationError: the file's format is unknown or it cannot be parsed as a whole.
        OSError: the file cannot be read.
        APIStatusError: an enrollment lookup for `check_invoiced` fails.
    """
    path = Path(path)
    kind = file_format(path, file_format_name)
    source = source_id or path.name
    report = BackfillReport(source=str(path), dry_run=dry_run)
    periods = InvoicedPeriods(client, now or datetime.now(UTC)) if check_invoiced else None
    if strict and not dry_run:
        for row in read_rows(path, kind):
            _record, reason = validate_row(row)
            if reason is not None:
                report.malformed.append(RowProblem(row.number, reason))
        if report.malformed:
            report.rows = report.malformed[-1].row
            report.stopped = True
            return report
    keys: dict[str, int] = {}
    batcher: UsageBatcher | None = None
    if not dry_run:
        batcher = UsageBatcher(
            client,
            concurrency=concurrency,
            retry_deadline=retry_deadline,
            outbox=outbox,
            on_delivered=on_outcome,
            on_error=on_outcome,
        )
    try:
        for row in read_rows(path, kind):
            report.rows += 1
            record, reason = validate_row(row)
            if record is None:
                report.malformed.append(RowProblem(row.number, reason or "invalid"))
                if on_row is not None:
                    on_row(row.number)
                continue
            report.valid += 1
            if periods is not None:
                window = periods.holds(record.customer_id, record.timestamp)
                if window is not None:
                    report.invoiced.append(
                        RowProblem(
                            row.number,
                            "dated in a period already invoiced "
                            f"({window[0].isoformat()} to {window[1].isoformat()}): "
                            "stored but not billed",
                        )
                    )
            if batcher is None:
                pair = (record.customer_id, record.dimension_id)
                count, total = report.would_send.get(pair, (0, Decimal(0)))
                report.would_send[pair] = (count + 1, total + Decimal(record.record_value))
            else:
                key = row_key(source, row)
                keys[key] = row.number
                batcher.add(
                    record.customer_id,
                    record.dimension_id,
                    record.record_value,
                    timestamp=record.timestamp,
                    metadata=record.metadata,
                    idempotency_key=key,
                )
            if on_row is not None:
                on_row(row.number)
    finally:
        if batcher is not None:
            delivery = batcher.close(timeout=None)
            report.sent = delivery.delivered - delivery.replayed
            report.replays = delivery.replayed
            for rejected in delivery.rejected:
                number = keys.get(rejected.record.idempotency_key, 0)
                messages = "; ".join(rejected.messages) or rejected.reason
                report.rejected.append(RowProblem(number, messages))
            report.rejected.sort(key=lambda p: p.row)
    return report
