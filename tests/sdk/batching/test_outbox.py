"""The SQLite outbox keeps records until they are delivered, across connections and forks."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from paigo_sdk.batching._outbox import Durability, Outbox
from paigo_sdk.batching._planner import prepare
from paigo_sdk.errors import ClientValidationError

MOMENT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("durability", ["sync", "batch"])
def test_records_survive_reopening_in_order_with_their_keys(
    tmp_path: Path, durability: Durability
) -> None:
    path = tmp_path / "outbox.sqlite"
    outbox = Outbox(path, durability)
    outbox.put([("k1", "c1", "d1", Decimal("1.50"), MOMENT, {"a": 1}, 0.0)])
    outbox.put(
        [
            ("k2", "c1", "d1", 2, 1_764_000_000_000_000_000, None, 0.0),
            ("k3", "c2", "d1", "3", MOMENT, None, 0.0),
        ]
    )
    outbox.close()

    again = Outbox(path, durability)
    pending = again.pending()
    assert [row[0] for row in pending] == ["k1", "k2", "k3"]
    assert pending[0][:6] == ("k1", "c1", "d1", "1.50", "2026-11-24T08:00:00.000Z", {"a": 1})
    assert prepare(pending[0]).body["recordValue"] == "1.50"
    assert again.path == path


def test_wal_mode_and_sync_durability_are_set(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite", "sync")
    connection = sqlite3.connect(tmp_path / "o.sqlite")
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert outbox.durability == "sync"


def test_the_same_key_is_stored_once_and_removal_is_final(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite")
    raw = ("k1", "c1", "d1", 1, MOMENT, None, 0.0)
    outbox.put([raw])
    outbox.put([raw])
    assert outbox.count() == 1
    record = prepare(raw, stored=True)
    outbox.remove([record])
    assert outbox.count() == 0


def test_put_can_leave_out_records_it_cannot_encode(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite")
    good = ("k1", "c1", "d1", 1, MOMENT, None, 0.0)
    bad = ("k2", "c1", "d1", 1, MOMENT, {"x": object()}, 0.0)
    outbox.put([good, bad], skip_invalid=True)
    assert [row[0] for row in outbox.pending()] == ["k1"]


def test_metadata_that_is_not_json_is_refused_before_writing(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite", "sync")
    with pytest.raises(ClientValidationError, match="JSON"):
        outbox.put([("k1", "c1", "d1", 1, MOMENT, {"x": object()}, 0.0)])
    assert outbox.count() == 0


def test_unknown_durability_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="durability"):
        Outbox(tmp_path / "o.sqlite", "never")  # type: ignore[arg-type]
