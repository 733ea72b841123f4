"""The usage ledger: records and exact sums per customer, dimension and UTC hour."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from paigo_sdk.batching._exact import exact_sum
from paigo_sdk.batching._ledger import FileLedger, LedgerBucket, MemoryLedger, hour_of, tally
from paigo_sdk.batching._outbox import Outbox
from paigo_sdk.batching._planner import WireRecord, prepare

HOUR = datetime(2026, 11, 24, 8, tzinfo=UTC)


def _record(
    key: str, value: str, moment: datetime, customer: str = "c1", dimension: str = "d1"
) -> WireRecord:
    return prepare((key, customer, dimension, value, moment, None, 0.0))


def test_hour_of_reads_the_batchers_timestamps_and_any_other_offset() -> None:
    assert hour_of("2026-11-24T08:59:59.999Z") == "2026-11-24T08"
    assert hour_of("2026-11-24T10:30:00+02:00") == "2026-11-24T08"
    assert hour_of("2026-11-24 08:00:00Z") == "2026-11-24T08"


def test_tally_groups_by_customer_dimension_and_hour_with_exact_sums() -> None:
    records = [
        _record("a", "0.1", HOUR),
        _record("b", "0.2", HOUR + timedelta(minutes=59, seconds=59)),
        _record("c", "5", HOUR + timedelta(hours=1)),
        _record("d", "1", HOUR, customer="c2"),
        _record("e", "1", HOUR, dimension="d2"),
    ]
    assert tally(records) == {
        ("c1", "d1", "2026-11-24T08"): (2, Decimal("0.3")),
        ("c1", "d1", "2026-11-24T09"): (1, Decimal(5)),
        ("c2", "d1", "2026-11-24T08"): (1, Decimal(1)),
        ("c1", "d2", "2026-11-24T08"): (1, Decimal(1)),
    }


def test_sums_never_round_where_the_default_context_would() -> None:
    big = Decimal("12345678901234567890123456789.5")
    tiny = Decimal("0.000000000000000000000000000001")
    assert sum([big, tiny]) != Decimal(
        "12345678901234567890123456789.500000000000000000000000000001"
    )
    assert exact_sum([big, tiny]) == Decimal(
        "12345678901234567890123456789.500000000000000000000000000001"
    )
    ledger = MemoryLedger()
    ledger.add({("c1", "d1", "2026-11-24T08"): (1, big)})
    ledger.add({("c1", "d1", "2026-11-24T08"): (1, tiny)})
    (bucket,) = ledger.buckets(HOUR, HOUR + timedelta(hours=1))
    assert bucket.total == Decimal("12345678901234567890123456789.500000000000000000000000000001")


def test_memory_ledger_lists_only_hours_inside_the_window() -> None:
    ledger = MemoryLedger()
    ledger.add(tally([_record(str(i), "1", HOUR + timedelta(hours=i)) for i in range(4)]))
    buckets = ledger.buckets(HOUR + timedelta(hours=1), HOUR + timedelta(hours=3))
    assert [b.hour for b in buckets] == [HOUR + timedelta(hours=1), HOUR + timedelta(hours=2)]
    assert buckets[0] == LedgerBucket("c1", "d1", HOUR + timedelta(hours=1), 1, Decimal(1))


def test_memory_ledger_starts_empty_in_a_forked_child() -> None:
    ledger = MemoryLedger()
    ledger.add(tally([_record("a", "1", HOUR)]))
    ledger.after_fork_in_child()
    assert ledger.buckets(HOUR, HOUR + timedelta(hours=1)) == []


def test_outbox_acknowledge_deletes_and_counts_in_one_transaction(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    outbox = Outbox(path, "sync")
    records = [_record("a", "1.25", HOUR), _record("b", "2", HOUR)]
    outbox.put([r.raw() for r in records])
    outbox.acknowledge(records, tally(records))
    outbox.acknowledge([], tally([_record("c", "0.75", HOUR)]))
    assert outbox.count() == 0
    expected = [LedgerBucket("c1", "d1", HOUR, 3, Decimal("4.00"))]
    assert outbox.ledger_buckets(HOUR, HOUR + timedelta(hours=1)) == expected
    outbox.close()
    # The ledger outlives the batcher: it can be read from the file alone.
    assert FileLedger(path).buckets(HOUR, HOUR + timedelta(hours=1)) == expected


def test_a_failed_acknowledge_neither_deletes_nor_counts(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite", "sync")
    record = _record("a", "1", HOUR)
    outbox.put([record.raw()])
    # A key that cannot be bound makes the ledger write fail after the delete ran.
    with pytest.raises(sqlite3.Error):
        outbox.acknowledge([record], {("c1", "d1", object()): (1, Decimal(1))})  # type: ignore[dict-item]
    assert outbox.count() == 1
    assert outbox.ledger_buckets(HOUR, HOUR + timedelta(hours=1)) == []


def test_replace_swaps_members_for_the_combined_record(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    outbox = Outbox(path, "sync")
    members = [_record("a", "1", HOUR), _record("b", "2", HOUR)]
    outbox.put([m.raw() for m in members])
    combined = _record("rollup-1", "3", HOUR)
    outbox.replace(members, [combined.raw()])
    outbox.close()
    assert [row[0] for row in Outbox(path).pending()] == ["rollup-1"]


def test_file_ledger_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        FileLedger(tmp_path / "nothing.sqlite")


def test_ledger_windows_use_utc_hours_whatever_the_offset() -> None:
    ledger = MemoryLedger()
    ledger.add(tally([_record("a", "1", HOUR)]))
    plus_two = timezone(timedelta(hours=2))
    start = HOUR.astimezone(plus_two)
    assert len(ledger.buckets(start, start + timedelta(hours=1))) == 1
