"""`paigo-simulator serve --state-file`: state and clock survive restarts of a real server."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from simulator import RemoteSimulator
from simulator.snapshots import FORMAT_VERSION, Snapshot

START = datetime(2026, 5, 1, tzinfo=UTC)


def names(remote: RemoteSimulator) -> list[str]:
    with remote.client() as client:
        return sorted(c.customer_name for c in client.customers.list())


def add_customer(remote: RemoteSimulator, name: str) -> None:
    with remote.client() as client:
        client.customers.create(
            customer_name=name, email=f"{name.lower()}@example.com", payment_channel="manual"
        )


def wait_for_file_holding(path: Path, customers: int, timeout: float = 30.0) -> Snapshot:
    """Poll until the state file holds `customers` customers (written by the interval writer)."""
    from simulator import ManualClock, Simulator

    deadline = time.monotonic() + timeout
    while True:
        if path.exists():
            snapshot = Snapshot.load(path)
            with Simulator(clock=ManualClock(START)) as probe:
                probe.restore(snapshot)
                if len(probe.engine.list_customers()) == customers:
                    return snapshot
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never held {customers} customers")
        time.sleep(0.1)


def test_state_and_clock_survive_a_graceful_restart(server_factory, tmp_path):
    path = tmp_path / "paigo.state"
    first = server_factory("--start", START.isoformat(), "--state-file", str(path))
    assert any("State file:" in line and "(new)" in line for line in first.output)
    with RemoteSimulator(first.url) as remote:
        add_customer(remote, "Alpha")
        remote.advance(days=3)
    assert first.stop(signal.SIGTERM) == 0

    second = server_factory("--start", START.isoformat(), "--state-file", str(path))
    assert any("(loaded)" in line for line in second.output)
    with RemoteSimulator(second.url) as remote:
        assert names(remote) == ["Alpha"]
        assert remote.clock.now() == START + timedelta(days=3)


def test_changes_reach_the_file_while_serving_so_a_killed_server_loses_nothing(
    server_factory, tmp_path
):
    path = tmp_path / "paigo.state"
    first = server_factory("--manual-clock", "--state-file", str(path), "--state-interval", "0.2")
    with RemoteSimulator(first.url) as remote:
        add_customer(remote, "Alpha")
        add_customer(remote, "Beta")
    wait_for_file_holding(path, customers=2)
    first.stop(signal.SIGKILL)  # no shutdown hook runs

    second = server_factory("--state-file", str(path))
    with RemoteSimulator(second.url) as remote:
        assert names(remote) == ["Alpha", "Beta"]


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_state_file_from_a_newer_simulator_is_refused_clearly(tmp_path):
    path = tmp_path / "paigo.state"
    Snapshot(state=b"x", now=None).save(path)
    line, payload = path.read_bytes().split(b"\n", 1)
    header = {**json.loads(line), "version": FORMAT_VERSION + 1}
    path.write_bytes(json.dumps(header).encode() + b"\n" + payload)
    result = run_serve("--state-file", str(path))
    assert result.returncode == 2
    assert "cannot load the state file" in result.stderr
    assert f"version {FORMAT_VERSION + 1}" in result.stderr
    assert path.read_bytes().split(b"\n", 1)[1] == payload  # left as it was


@pytest.mark.parametrize("content", [b"", b"not a state file\n", b'{"format":"paigo-simulator'])
def test_a_corrupt_state_file_is_refused_not_replaced_by_an_empty_state(tmp_path, content):
    path = tmp_path / "paigo.state"
    path.write_bytes(content)
    result = run_serve("--state-file", str(path))
    assert result.returncode == 2
    assert "not a Paigo simulator state file" in result.stderr
    assert path.read_bytes() == content
