"""Reconciliation: what a batcher sent, bucket by bucket, against what Paigo counted.

`client.usage.reconcile(start=..., end=...)` reads the batchers' ledgers (records and exact sum
acknowledged per customer x dimension x UTC hour) and the raw records of Paigo's usage view
(`aggregationInterval=none`) over the same whole hours, buckets both the same way, and returns a
`ReconcileReport` listing every bucket where they differ.

Why raw records: the ledger counts records and sums their values as sent. The aggregated view
gives one value per bucket chosen by the dimension's `aggregationMethod` (a sum, a count, a max, a
last value, ...), which cannot be compared with a count and a sum except for `sum` dimensions.
Raw records can be counted and summed for every method, so the comparison is like with like for
`max`, `last`, `count` and `average` dimensions too: it checks that every record Paigo
acknowledged is stored once, which is what decides every invoice.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from paigo_sdk.batching._exact import EXACT
from paigo_sdk.batching._ledger import FileLedger, LedgerBucket, LedgerKey, LedgerSource
from paigo_sdk.errors import ClientValidationError
from paigo_sdk.types.usage import RawUsage

if TYPE_CHECKING:
    from rich.table import Table

__all__ = [
    "CSV_COLUMNS",
    "DriftRow",
    "KeepsLedger",
    "LedgerInput",
    "ReconcileReport",
    "compare",
    "ledger_sources",
    "local_buckets",
    "merge_buckets",
    "remote_buckets",
    "whole_hours",
]


class KeepsLedger(Protocol):
    """A batcher: anything with a `usage_ledger` (None when it keeps none)."""

    @property
    def usage_ledger(self) -> LedgerSource | None:
        """The batcher's ledger."""
        ...


LedgerInput = LedgerSource | KeepsLedger | str | os.PathLike[str] | None
"""What `reconcile(ledger=...)` takes: a ledger, a batcher, the path of an outbox file, or None
for the ledgers of the client's batchers."""

CSV_COLUMNS = (
    "customer_id",
    "dimension_id",
    "hour",
    "local_records",
    "remote_records",
    "records_difference",
    "local_total",
    "remote_total",
    "total_difference",
)
"""The header of `ReconcileReport.to_csv`, in order."""


@dataclass(frozen=True, slots=True)
class DriftRow:
    """One bucket (customer, dimension, UTC hour) where the ledger and Paigo disagree."""

    customer_id: str
    dimension_id: str
    hour: datetime
    """The start of the UTC hour."""
    local_records: int
    """Records the batchers sent and Paigo acknowledged."""
    remote_records: int
    """Records Paigo's usage view holds."""
    local_total: Decimal
    """The exact sum of the acknowledged records' values."""
    remote_total: Decimal
    """The exact sum of the stored records' values."""

    @property
    def records_difference(self) -> int:
        """`remote_records - local_records`: positive when Paigo counted more than was sent."""
        return self.remote_records - self.local_records

    @property
    def total_difference(self) -> Decimal:
        """`remote_total - local_total`, exact."""
        return EXACT.subtract(self.remote_total, self.local_total)


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """The drift between the ledger and Paigo's usage view over a window of whole UTC hours.

    Print it with rich (`rich.print(report)`) for a table, or write `to_csv()`.
    """

    start: datetime
    """The first hour compared (inclusive)."""
    end: datetime
    """The end of the last hour compared (exclusive)."""
    rows: tuple[DriftRow, ...]
    """Every bucket that differs, ordered by customer, dimension and hour."""
    buckets: int = 0
    """How many buckets were compared (held by either side)."""
    customers: tuple[str, ...] = field(default=())
    """The customers whose usage view was read."""

    @property
    def in_sync(self) -> bool:
        """True when no bucket drifted."""
        return not self.rows

    def to_csv(self, file: str | os.PathLike[str] | TextIO | None = None) -> str:
        """Write the drift rows as CSV (header `CSV_COLUMNS`) and return the text.

        With `file` (a path or an open text file) the text is also written there. Decimals are
        written in plain notation, hours as RFC 3339 UTC.

        Raises:
            OSError: when the file cannot be written.
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for row in self.rows:
            writer.writerow(
                (
                    row.customer_id,
                    row.dimension_id,
                    _hour_text(row.hour),
                    row.local_records,
                    row.remote_records,
                    row.records_difference,
                    format(row.local_total, "f"),
                    format(row.remote_total, "f"),
                    format(row.total_difference, "f"),
                )
            )
        text = buffer.getvalue()
        if file is None:
            return text
        if isinstance(file, str | os.PathLike):
            with open(file, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        else:
            file.write(text)
        return text

    def to_table(self) -> Table:
        """Return the report as a `rich.table.Table`.

        Raises:
            ImportError: when rich is not installed (`pip install 'paigo-sdk[reconcile]'`).
        """
        try:
            from rich.table import Table
        except ImportError as error:  # pragma: no cover - rich is in the dev extra
            raise ImportError(
                "printing a reconcile report as a table needs rich: "
                "pip install 'paigo-sdk[reconcile]'"
            ) from error
        caption = (
            f"{self.buckets} bucket(s) compared, "
            f"{'no drift' if self.in_sync else f'{len(self.rows)} drifted'}"
        )
        table = Table(
            title=f"Usage drift {_hour_text(self.start)} to {_hour_text(self.end)}",
            caption=caption,
        )
        for name in ("customer", "dimension", "hour"):
            table.add_column(name)
        for name in ("local", "remote", "difference", "local sum", "remote sum", "sum diff."):
            table.add_column(name, justify="right")
        for row in self.rows:
            table.add_row(
                row.customer_id,
                row.dimension_id,
                _hour_text(row.hour),
                str(row.local_records),
                str(row.remote_records),
                f"{row.records_difference:+d}",
                format(row.local_total, "f"),
                format(row.remote_total, "f"),
                _signed(row.total_difference),
            )
        return table

    def __rich__(self) -> Table:
        """Let `rich.print(report)` draw the table."""
        return self.to_table()

    def __str__(self) -> str:
        head = (
            f"usage drift {_hour_text(self.start)} to {_hour_text(self.end)}: "
            f"{self.buckets} bucket(s) compared, "
            f"{'no drift' if self.in_sync else f'{len(self.rows)} drifted'}"
        )
        lines = [head]
        for row in self.rows:
            lines.append(
                f"  {row.customer_id} {row.dimension_id} {_hour_text(row.hour)}: "
                f"records {row.local_records} local, {row.remote_records} remote "
                f"({row.records_difference:+d}); sum {format(row.local_total, 'f')} local, "
                f"{format(row.remote_total, 'f')} remote ({_signed(row.total_difference)})"
            )
        return "\n".join(lines)


def _signed(value: Decimal) -> str:
    text = format(value, "f")
    return text if text.startswith("-") else f"+{text}"


def _hour_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def whole_hours(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """Round a window down to whole UTC hours: `[hour of start, hour of end)`.

    The hour holding `end` is left out unless `end` is exactly on the hour: it is not complete.

    Raises:
        ClientValidationError: for a naive datetime, or a window holding no whole hour.
    """
    moments: tuple[tuple[str, object], ...] = (("start", start), ("end", end))
    problems = [
        f"{name} must be a timezone-aware datetime"
        for name, moment in moments
        if not isinstance(moment, datetime) or moment.utcoffset() is None
    ]
    if problems:
        raise ClientValidationError(problems)
    first = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    stop = end.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if stop <= first:
        raise ClientValidationError(
            "the window holds no whole UTC hour: reconcile compares complete hours, from the "
            "hour of start to the hour of end (exclusive)"
        )
    return first, stop


def remote_buckets(
    customer_id: str, usage: Sequence[Any], start: datetime, end: datetime
) -> list[LedgerBucket]:
    """Bucket the raw records of a usage view reply by dimension and UTC hour.

    `usage` is `customers.retrieve_usage(..., aggregation_interval="none")`'s result. When a
    dimension appears more than once (one element per offering), its first element is used: the
    same records would otherwise be counted twice.
    """
    seen: set[str] = set()
    tallies: dict[LedgerKey, tuple[int, Decimal]] = {}
    for element in usage:
        if not isinstance(element, RawUsage) or element.dimension_id in seen:
            continue
        seen.add(element.dimension_id)
        for record in element.usage:
            moment = record.timestamp.astimezone(UTC)
            if not start <= moment < end:
                continue
            key = (customer_id, element.dimension_id, moment.strftime("%Y-%m-%dT%H"))
            found = tallies.get(key)
            value = record.record_value
            tallies[key] = (
                (1, value) if found is None else (found[0] + 1, EXACT.add(found[1], value))
            )
    return [
        LedgerBucket(c, d, datetime.strptime(h, "%Y-%m-%dT%H").replace(tzinfo=UTC), records, total)
        for (c, d, h), (records, total) in tallies.items()
    ]


def merge_buckets(
    sources: Iterable[Iterable[LedgerBucket]],
) -> dict[tuple[str, str, datetime], LedgerBucket]:
    """Add up the buckets of several ledgers (several batchers) by customer, dimension and hour."""
    merged: dict[tuple[str, str, datetime], LedgerBucket] = {}
    for buckets in sources:
        for bucket in buckets:
            key = (bucket.customer_id, bucket.dimension_id, bucket.hour)
            found = merged.get(key)
            if found is not None:
                bucket = LedgerBucket(
                    *key,
                    found.records + bucket.records,
                    EXACT.add(found.total, bucket.total),
                )
            merged[key] = bucket
    return merged


def compare(
    local: Iterable[LedgerBucket],
    remote: Iterable[LedgerBucket],
    *,
    start: datetime,
    end: datetime,
    customers: Sequence[str] = (),
) -> ReconcileReport:
    """Compare ledger buckets with the usage view's buckets and report those that differ.

    Only (customer, dimension) pairs the ledger holds in the window are compared: records of
    other dimensions (sent by other means, such as enrollment usage) are not the ledger's to
    judge. A bucket matches when both its record count and its exact sum are equal.
    """
    mine = merge_buckets([local])
    theirs = merge_buckets([remote])
    pairs = {(c, d) for c, d, _ in mine}
    keys = sorted(set(mine) | {k for k in theirs if (k[0], k[1]) in pairs})
    rows: list[DriftRow] = []
    zero = Decimal(0)
    for key in keys:
        ours, stored = mine.get(key), theirs.get(key)
        row = DriftRow(
            key[0],
            key[1],
            key[2],
            ours.records if ours else 0,
            stored.records if stored else 0,
            ours.total if ours else zero,
            stored.total if stored else zero,
        )
        if row.records_difference or row.total_difference:
            rows.append(row)
    return ReconcileReport(start, end, tuple(rows), len(keys), tuple(customers))


def ledger_sources(client: Any, ledger: object) -> list[LedgerSource]:
    """Find the ledgers to compare: the one given, or those of the client's batchers.

    `ledger` may be a batcher, a ledger, or the path of an outbox file (read on its own, for
    example after its batcher closed).

    Raises:
        ClientValidationError: when no ledger is given and no batcher of this client keeps one,
            or when `ledger` is none of the above.
        FileNotFoundError: when an outbox path does not exist.
    """
    if ledger is None:
        work = getattr(client, "_pending_work", None)
        holders = work.objects() if work is not None else []
        found = [h.usage_ledger for h in holders if getattr(h, "usage_ledger", None) is not None]
        if not found:
            raise ClientValidationError(
                "no usage ledger to reconcile: create the batcher with ledger=True, or pass "
                "ledger= a batcher or the path of its outbox file"
            )
        return found
    if isinstance(ledger, str | os.PathLike):
        return [FileLedger(ledger)]
    inner = getattr(ledger, "usage_ledger", ledger)
    if inner is None:
        raise ClientValidationError("this batcher keeps no ledger: create it with ledger=True")
    if not isinstance(inner, LedgerSource):
        raise ClientValidationError(
            f"ledger must be a batcher, a ledger or an outbox path, not {type(ledger).__name__}"
        )
    return [inner]


def local_buckets(
    sources: Sequence[LedgerSource],
    start: datetime,
    end: datetime,
    customer_ids: Sequence[str] | None,
) -> tuple[list[LedgerBucket], tuple[str, ...]]:
    """Read the ledgers over `[start, end)`; return their buckets and the customers to query.

    Raises:
        ClientValidationError: when `customer_ids` is a string or holds an empty id.
    """
    given: object = customer_ids
    if given is not None and (
        isinstance(given, str)
        or not isinstance(given, Sequence)
        or not all(isinstance(c, str) and c for c in given)
    ):
        raise ClientValidationError("customer_ids must be a sequence of non-empty strings")
    buckets = [bucket for source in sources for bucket in source.buckets(start, end)]
    if customer_ids is not None:
        wanted = set(customer_ids)
        buckets = [bucket for bucket in buckets if bucket.customer_id in wanted]
        return buckets, tuple(dict.fromkeys(customer_ids))
    return buckets, tuple(sorted({bucket.customer_id for bucket in buckets}))
