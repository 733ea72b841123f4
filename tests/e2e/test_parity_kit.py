"""The parity kit as a user runs it: one test module, the simulator and a "live" account.

A second `paigo-simulator serve` process on 127.0.0.1 stands in for the real Paigo account: the
sample module reaches it only through the `PAIGO_*` variables, exactly as it would reach Paigo.
Each run is a separate pytest process in a folder of its own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = """
def test_catalog_and_customer_replies_have_paigos_shapes(paigo_target):
    client = paigo_target.client
    created = client.with_raw_response.dimensions.create(
        dimension_name="Seats",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment="1",
        rounding="ceiling",
    )
    paigo_target.check("dimensions.create", created)
    dimension_id = created.parse().dimension_id
    paigo_target.check(
        "dimensions.retrieve", client.with_raw_response.dimensions.retrieve(dimension_id)
    )
    customer = client.customers.create(
        customer_name="Parity Check", email="parity@example.com", payment_channel="manual"
    )
    paigo_target.check(
        "customers.retrieve", client.with_raw_response.customers.retrieve(customer.customer_id)
    )
    client.customers.delete(customer.customer_id)
    client.dimensions.delete(dimension_id)
"""
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def live_server(simulator_server):
    """The stand-in for a real Paigo account: the session's `paigo-simulator serve` process."""
    return simulator_server


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_parity_sample.py").write_text(SAMPLE, encoding="utf-8")
    return tmp_path


def run(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PAIGO_") and k != "CI"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-p", "no:randomly"],
        cwd=project,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def live_env(server) -> dict[str, str]:
    return {
        "PAIGO_CLIENT_ID": server.client_id,
        "PAIGO_CLIENT_SECRET": server.client_secret,
        "PAIGO_API_URL": server.url,
        "PAIGO_AUTH_URL": server.auth_url,
    }


def test_a_module_runs_on_the_simulator_and_skips_live_without_credentials(project):
    result = run(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 skipped" in result.stdout
    assert "needs a Paigo account: set PAIGO_CLIENT_ID and PAIGO_CLIENT_SECRET" in result.stdout
    stored = sorted(p.name for p in (project / "parity-snapshots" / "simulator").iterdir())
    assert stored == [
        "customers.retrieve.json",
        "dimensions.create.json",
        "dimensions.retrieve.json",
    ]
    assert not (project / "parity-snapshots" / "live").exists()


def test_live_runs_are_skipped_in_ci_even_with_credentials(project, live_server):
    server = live_server
    result = run(project, CI="true", **live_env(server))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 skipped" in result.stdout
    assert "live Paigo tests do not run in CI" in result.stdout


def test_live_snapshots_are_masked_and_a_real_shape_difference_fails_readably(project, live_server):
    result = run(project, **live_env(live_server))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout  # both sides ran and their shapes agree
    live = project / "parity-snapshots" / "live"
    for path in live.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not _UUID.search(text), text
        assert "example.com" not in text
        assert "127.0.0.1" not in text
    path = live / "customers.retrieve.json"
    recorded = json.loads(path.read_text(encoding="utf-8"))
    first = recorded["data"][0]
    assert first["customerName"] == "Parity Check"
    assert first["customerId"] == "<id>"
    assert first["email"] == "<email>"
    assert first["paymentChannel"] == "manual"
    # Paigo answering differently: a renamed key, another type, another enumeration value.
    first["name"] = first.pop("customerName")
    first["paymentChannel"] = "stripe"
    first["metadata"] = 7
    path.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    result = run(project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 skipped" in result.stdout
    for line in (
        "4 shape difference(s), Paigo (expected) vs the simulator (actual):",
        "$.data[].customerName: Paigo has (absent); the simulator has string",
        "$.data[].metadata: Paigo has number; the simulator has object {}",
        "$.data[].name: Paigo has string; the simulator has (absent)",
        "$.data[].paymentChannel: Paigo has enum:stripe; the simulator has enum:manual",
    ):
        assert line in result.stdout, result.stdout
