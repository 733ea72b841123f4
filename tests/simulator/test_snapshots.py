"""Snapshots with the clock, restore to any earlier one, files, and forks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from simulator import ManualClock, Simulator, Snapshot
from simulator.snapshots import FORMAT_VERSION, SnapshotFileError

from .journey import setup_customer

START = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def sim():
    with Simulator(clock=ManualClock(START), seed=11) as instance:
        yield instance


def add_customer(sim: Simulator, name: str) -> str:
    with sim.client() as client:
        return client.customers.create(
            customer_name=name, email=f"{name.lower()}@example.com", payment_channel="manual"
        ).customer_id


def names(sim: Simulator) -> list[str]:
    with sim.client() as client:
        return sorted(c.customer_name for c in client.customers.list())


def test_restore_goes_back_to_any_earlier_snapshot_clock_included(sim):
    add_customer(sim, "Alpha")
    first = sim.snapshot()
    sim.advance(days=10)
    add_customer(sim, "Beta")
    second = sim.snapshot()
    sim.advance(days=10)
    add_customer(sim, "Gamma")

    sim.restore(first)
    assert (names(sim), sim.clock.now()) == (["Alpha"], START)
    sim.restore(second)  # forward again, to a later snapshot
    assert (names(sim), sim.clock.now()) == (["Alpha", "Beta"], START + timedelta(days=10))
    sim.restore(first)  # a snapshot can be restored again and again
    assert names(sim) == ["Alpha"]


def test_reset_rewinds_the_manual_clock_to_its_start(sim):
    add_customer(sim, "Alpha")
    sim.advance(days=3)
    sim.reset()
    assert (names(sim), sim.clock.now()) == ([], START)


def test_a_snapshot_saved_to_a_file_loads_into_another_simulator(sim, tmp_path):
    add_customer(sim, "Alpha")
    sim.advance(hours=5)
    path = tmp_path / "state.paigo"
    sim.save(path)
    with Simulator(clock=ManualClock(START + timedelta(days=400))) as other:
        other.restore(path)
        assert (names(other), other.clock.now()) == (["Alpha"], START + timedelta(hours=5))
    assert Snapshot.load(path).now == START + timedelta(hours=5)


def test_the_file_header_is_documented_json(sim, tmp_path):
    path = tmp_path / "state.paigo"
    sim.save(path)
    header = json.loads(path.read_bytes().split(b"\n", 1)[0])
    assert header["format"] == "paigo-simulator-state"
    assert header["version"] == FORMAT_VERSION
    assert header["now"] == START.isoformat()
    assert header["payloadBytes"] == len(path.read_bytes().split(b"\n", 1)[1])


def rewrite_header(path: Path, **changes: object) -> None:
    line, payload = path.read_bytes().split(b"\n", 1)
    header = {**json.loads(line), **changes}
    path.write_bytes(json.dumps(header).encode() + b"\n" + payload)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: rewrite_header(p, version=FORMAT_VERSION + 1), "version 2.*upgrade"),
        (lambda p: p.write_bytes(p.read_bytes()[:-10]), "truncated"),
        (lambda p: p.write_bytes(p.read_bytes()[:-1] + b"\x00"), "does not match its digest"),
        (lambda p: p.write_bytes(b"hello\n"), "not a Paigo simulator state file"),
        (lambda p: p.unlink(), "cannot read"),
    ],
)
def test_a_newer_corrupt_or_missing_file_is_a_clear_error_and_changes_nothing(
    sim, tmp_path, damage, message
):
    add_customer(sim, "Alpha")
    path = tmp_path / "state.paigo"
    sim.save(path)
    damage(path)
    add_customer(sim, "Beta")
    with pytest.raises(SnapshotFileError, match=message):
        sim.restore(path)
    assert names(sim) == ["Alpha", "Beta"]


def test_saving_replaces_the_file_atomically(sim, tmp_path):
    path = tmp_path / "state.paigo"
    sim.save(path)
    add_customer(sim, "Alpha")
    sim.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.paigo"]  # no temporary left
    with Simulator(clock=ManualClock(START)) as other:
        other.restore(path)
        assert names(other) == ["Alpha"]


def test_a_fork_is_independent_in_both_directions(sim):
    add_customer(sim, "Alpha")
    sim.advance(days=2)
    with sim.fork() as twin:
        assert (names(twin), twin.clock.now()) == (["Alpha"], START + timedelta(days=2))
        add_customer(twin, "Twin only")
        twin.advance(days=30)
        add_customer(sim, "Original only")
        assert names(sim) == ["Alpha", "Original only"]
        assert names(twin) == ["Alpha", "Twin only"]
        assert sim.clock.now() == START + timedelta(days=2)


def test_a_fork_keeps_billing_identically(sim):
    with sim.client() as client:
        customer_id, dimension_id = setup_customer(client)
        client.usage.record(customer_id=customer_id, dimension_id=dimension_id, record_value="5")
    with sim.fork() as twin:
        with twin.client() as other:
            other.usage.record(
                customer_id=customer_id,
                dimension_id=dimension_id,
                record_value="5",
            )
        assert twin.preview_invoice(customer_id).total_amount_without_tax == Decimal("0.80")
    assert sim.preview_invoice(customer_id).total_amount_without_tax == Decimal("0.40")


def test_restoring_something_that_is_not_a_state_changes_nothing(sim):
    add_customer(sim, "Alpha")
    with pytest.raises(ValueError, match="not a simulator state"):
        sim.restore(Snapshot(state=b"garbage", now=None))
    assert names(sim) == ["Alpha"]


class _RunsCode:
    """Pickles as a call to a function outside any engine state (what a hostile file holds)."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.getenv, ("HOME",))


@pytest.mark.parametrize(
    "payload",
    [
        _RunsCode(),
        # An engine module's function is refused too: only classes make up a state.
        __import__("simulator.engine.state_bytes", fromlist=["load_state"]).load_state,
    ],
    ids=["os-function", "engine-function"],
)
def test_a_state_file_that_names_anything_but_state_types_is_refused_before_running_it(
    sim, tmp_path, payload
):
    import pickle

    add_customer(sim, "Alpha")
    path = tmp_path / "hostile.paigo"
    Snapshot(state=pickle.dumps(payload), now=None).save(path)
    with pytest.raises(ValueError, match="not part of an engine state"):
        sim.restore(path)
    assert names(sim) == ["Alpha"]
