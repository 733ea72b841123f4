"""The pytest plugin: a sample test module using its fixtures runs green; production is refused."""

from __future__ import annotations

import subprocess
import sys

import pytest

from simulator import ManualClock, Simulator
from simulator.pytest_plugin import PRODUCTION_HOSTS

pytest_plugins = ["pytester"]

SAMPLE_FIXTURES = """
from datetime import UTC, datetime, timedelta

import pytest

from simulator import ManualClock, Simulator


def test_each_test_gets_a_fresh_simulator_on_a_manual_clock(paigo_sim, paigo_clock):
    assert isinstance(paigo_sim, Simulator)
    assert isinstance(paigo_clock, ManualClock)
    assert paigo_sim.clock is paigo_clock


def test_advance_moves_the_shared_clock(paigo_sim, paigo_clock):
    before = paigo_clock.now()
    paigo_sim.advance(hours=1)
    assert paigo_clock.now() - before == timedelta(hours=1)


@pytest.mark.paigo_start("2026-01-31T23:00:00Z")
def test_marker_fixes_the_start(paigo_clock):
    assert paigo_clock.now() == datetime(2026, 1, 31, 23, tzinfo=UTC)


@pytest.mark.paigo_start("tomorrow")
def test_bad_marker_is_a_clear_failure(paigo_sim):
    pass


SEEN = []


def test_simulators_are_not_shared_first(paigo_sim):
    SEEN.append(paigo_sim)


def test_simulators_are_not_shared_second(paigo_sim):
    assert SEEN and SEEN[0] is not paigo_sim
"""

SAMPLE_CLIENTS = """
from decimal import Decimal

import pytest


def test_billing(paigo_client, paigo_sim):
    dimension = paigo_client.dimensions.create(
        dimension_name="Data Processed",
        consumption_unit={"type": "data", "unit": "gigabyte"},
        usage_increment="1",
        rounding="ceiling",
        consumption_price="0.08",
        aggregation_method="sum",
    )
    customers = paigo_client.customers.list()
    assert customers == []
    assert paigo_sim.engine.list_dimensions()[0].dimension_id == dimension.dimension_id


@pytest.mark.anyio
async def test_async_client(async_paigo_client):
    assert await async_paigo_client.dimensions.list() == []
"""

SAMPLE_GUARD = """
import sys

import httpx
import pytest


def test_unmarked_test_cannot_resolve_paigo_production():
    sys.audit("socket.getaddrinfo", "api.prod.paigo.tech", 443, 0, 0, 0)


def test_unmarked_test_cannot_reach_it_with_httpx():
    httpx.get("https://auth.paigo.tech/oauth/token")


def test_swallowed_refusal_still_fails_the_test():
    try:
        sys.audit("socket.getaddrinfo", b"AUTH.PAIGO.TECH.", 443, 0, 0, 0)
    except Exception:
        pass


@pytest.mark.paigo_live
def test_marked_test_may_resolve_it():
    sys.audit("socket.getaddrinfo", "api.prod.paigo.tech", 443, 0, 0, 0)


def test_other_hosts_are_untouched():
    sys.audit("socket.getaddrinfo", "example.invalid", 443, 0, 0, 0)
"""


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_sample=source)
    pytester.makeconftest(
        """
import pytest

@pytest.fixture
def anyio_backend():
    return "asyncio"
"""
    )
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=300)


def test_fixtures_give_each_test_its_own_simulator_and_clock(pytester):
    result = run(pytester, SAMPLE_FIXTURES)
    result.assert_outcomes(passed=5, errors=1)
    result.stdout.fnmatch_lines(["*paigo_start needs an RFC 3339 time*"])


def test_sdk_clients_from_the_fixtures_talk_to_the_simulator(pytester):
    result = run(pytester, SAMPLE_CLIENTS)
    result.assert_outcomes(passed=2)


SAMPLE_REMOTE = """
from datetime import UTC, datetime, timedelta

import pytest

from simulator import RemoteSimulator


@pytest.mark.paigo_start("2030-01-01T00:00:00Z")
def test_fixtures_talk_to_the_server(paigo_sim, paigo_client, paigo_clock):
    assert isinstance(paigo_sim, RemoteSimulator)
    paigo_client.dimensions.create(
        dimension_name="Seats",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment="1",
        rounding="ceiling",
    )
    assert paigo_clock.now() == datetime(2030, 1, 1, tzinfo=UTC)
    assert paigo_clock.advance(hours=1) == datetime(2030, 1, 1, 1, tzinfo=UTC)


def test_server_was_reset_between_tests(paigo_client):
    assert paigo_client.dimensions.list() == []
"""


def test_fixtures_can_run_against_a_simulator_server(pytester):
    with Simulator(clock=ManualClock()) as sim, sim.serve() as server:
        result = run(pytester, SAMPLE_REMOTE, f"--paigo-simulator-url={server.url}")
    result.assert_outcomes(passed=2)


def test_production_hosts_are_refused_unless_the_test_is_marked_live(pytester, monkeypatch):
    # A paigo_live test runs only with credentials and outside CI.
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("PAIGO_CLIENT_ID", "id")
    monkeypatch.setenv("PAIGO_CLIENT_SECRET", "secret")
    result = run(pytester, SAMPLE_GUARD)
    # The swallowed refusal passes its call and then errors at teardown.
    result.assert_outcomes(passed=3, failed=2, errors=1)
    result.stdout.fnmatch_lines(["*tried to reach Paigo's production service*"])
    result.stdout.no_fnmatch_line("*test_marked_test_may_resolve_it FAILED*")


def test_paigo_live_marker_is_registered(pytester):
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.paigo_live:*"])


def test_production_hosts_are_paigos():
    assert {"api.prod.paigo.tech", "auth.paigo.tech"} == PRODUCTION_HOSTS


@pytest.mark.live  # the project's marker: lifts the guard without needing credentials
def test_guard_lets_a_live_test_through():
    sys.audit("socket.getaddrinfo", "api.prod.paigo.tech", 443, 0, 0, 0)


def test_plugin_imports_nothing_heavy():
    """pytest loads the plugin for every run, so importing it must not pull in the simulator."""
    code = (
        "import sys, simulator.pytest_plugin; "
        "print(sorted(m for m in ('httpx', 'paigo_sdk', 'pydantic', 'uvicorn', 'simulator.api', "
        "'simulator.engine', 'simulator.simulator') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


SAMPLE_MOCK = """
import pytest

from paigo_sdk import PaigoClient


def create_customer():
    with PaigoClient() as client:
        client.customers.create(
            customer_name="App", email="app@example.com", payment_channel="manual"
        )


@pytest.mark.paigo_mock
def test_app_clients_reach_this_tests_simulator(paigo_sim):
    create_customer()
    assert [c.customer_name for c in paigo_sim.engine.list_customers()] == ["App"]


@pytest.mark.paigo_mock
def test_explicit_production_urls_are_still_refused(paigo_sim):
    client = PaigoClient(client_id="id", client_secret="secret", max_retries=0)
    client.customers.list()
"""


def test_paigo_mock_marker_and_the_guard_still_refusing_production(pytester):
    result = run(pytester, SAMPLE_MOCK)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*tried to reach Paigo's production service*"])
