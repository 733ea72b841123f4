"""Exactly-once delivery into the simulator: in-process under every fault, and across a kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from paigo_sdk import AsyncPaigoClient, PaigoClient
from paigo_sdk.batching import AsyncUsageBatcher, UsageBatcher
from simulator import Simulator
from simulator.faults import FaultRule
from tests.sdk.batching.conftest import SimulatorServer

FAST: dict[str, Any] = {"retry_initial_delay": 0.001, "retry_max_delay": 0.01}
PRODUCER = Path(__file__).with_name("producer.py")


@dataclass
class Billing:
    """A simulator with one metered dimension and one customer."""

    sim: Simulator
    client: PaigoClient
    customer_id: str
    dimension_id: str

    def stored(self) -> list[Decimal]:
        records = self.sim.usage_records(customer_id=self.customer_id)
        return sorted(record.record_value for record in records)


def _catalog(client: PaigoClient) -> tuple[str, str]:
    dimension = client.dimensions.create(
        dimension_name="API calls",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment="1",
        rounding="ceiling",
        consumption_price="0.01",
        aggregation_method="sum",
    )
    customer = client.customers.create(
        customer_name="Acme", email="billing@acme.test", payment_channel="manual"
    )
    return customer.customer_id, dimension.dimension_id


def _billing(*, deduplication: bool = True) -> Iterator[Billing]:
    sim = Simulator(array_batches=True, deduplication=deduplication, seed=3)
    with sim.client() as client:
        customer_id, dimension_id = _catalog(client)
        yield Billing(sim, client, customer_id, dimension_id)


@pytest.fixture
def billing() -> Iterator[Billing]:
    yield from _billing()


@pytest.fixture
def billing_without_dedup() -> Iterator[Billing]:
    yield from _billing(deduplication=False)


FAULTS: dict[str, FaultRule] = {
    "429 with Retry-After": FaultRule(kind="status", status=429, retry_after=0),
    "429 without Retry-After": FaultRule(kind="status", status=429),
    "500": FaultRule(kind="status", status=500),
    "503": FaultRule(kind="status", status=503),
    "timeout": FaultRule(kind="hang"),
    "dropped connection": FaultRule(kind="drop"),
    "lost response": FaultRule(kind="lost_response"),
    "token expiry": FaultRule(kind="expire_token"),
    "token revoked": FaultRule(kind="revoke_token"),
}


def _on_usage(rule: FaultRule, probability: float = 0.3) -> FaultRule:
    return FaultRule(
        kind=rule.kind,
        method="POST",
        path="/usage",
        status=rule.status,
        retry_after=rule.retry_after,
        probability=probability,
        seed=11,
    )


@pytest.mark.parametrize("wire", [False, True], ids=["single", "wire"])
def test_records_from_many_threads_are_stored_once_each(billing: Billing, wire: bool) -> None:
    import threading

    batcher = UsageBatcher(billing.client, wire_batches=wire, max_batch=40, concurrency=4)

    def produce(offset: int) -> None:
        for index in range(200):
            batcher.add(billing.customer_id, billing.dimension_id, Decimal(offset + index) / 100)

    threads = [threading.Thread(target=produce, args=(n * 1000,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = batcher.close(timeout=60)
    assert report.delivered == 1000
    assert report.complete
    expected = sorted(Decimal(n * 1000 + i) / 100 for n in range(5) for i in range(200))
    assert billing.stored() == expected


@pytest.mark.parametrize("wire", [False, True], ids=["single", "wire"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_under_each_transient_fault_every_record_is_stored_once(
    billing: Billing, fault: str, wire: bool
) -> None:
    billing.sim.faults.add(_on_usage(FAULTS[fault]))
    with UsageBatcher(billing.client, wire_batches=wire, max_batch=15, **FAST) as batcher:
        for index in range(150):
            batcher.add(billing.customer_id, billing.dimension_id, index)
        report = batcher.flush(timeout=60)
    assert report.complete, report
    assert report.delivered == 150
    assert billing.stored() == [Decimal(i) for i in range(150)]
    assert batcher.stats().retried > 0 or fault.startswith("token")


@pytest.mark.parametrize("wire", [False, True], ids=["single", "wire"])
@pytest.mark.parametrize(
    "fault", ["429 with Retry-After", "503", "timeout", "dropped connection", "token expiry"]
)
def test_without_deduplication_no_acknowledged_record_is_sent_again(
    billing_without_dedup: Billing, fault: str, wire: bool
) -> None:
    billing = billing_without_dedup
    billing.sim.faults.add(_on_usage(FAULTS[fault]))
    with UsageBatcher(billing.client, wire_batches=wire, max_batch=15, **FAST) as batcher:
        for index in range(150):
            batcher.add(billing.customer_id, billing.dimension_id, index)
    assert billing.stored() == [Decimal(i) for i in range(150)]


def test_records_the_simulator_refuses_are_reported_with_its_reason(billing: Billing) -> None:
    with UsageBatcher(billing.client, wire_batches=True, max_batch=10) as batcher:
        for index in range(10):
            customer = "no-such-customer" if index == 6 else billing.customer_id
            batcher.add(customer, billing.dimension_id, index)
        report = batcher.flush(timeout=30)
    assert report.delivered == 9
    [rejected] = report.rejected
    assert rejected.record.customer_id == "no-such-customer"
    assert rejected.status_code in (400, 404)
    assert rejected.permanent
    assert billing.stored() == [Decimal(i) for i in range(10) if i != 6]


@pytest.mark.anyio
@pytest.mark.parametrize("wire", [False, True], ids=["single", "wire"])
async def test_async_twin_stores_every_record_once_under_faults(
    billing: Billing, wire: bool
) -> None:
    for name in ("503", "lost response", "dropped connection", "token expiry"):
        billing.sim.faults.add(_on_usage(FAULTS[name], probability=0.1))
    client: AsyncPaigoClient = billing.sim.async_client()
    async with (
        client,
        AsyncUsageBatcher(client, wire_batches=wire, max_batch=15, **FAST) as batcher,
    ):

        async def produce(first: int) -> None:
            for index in range(first, first + 50):
                await batcher.add(billing.customer_id, billing.dimension_id, index)
                await asyncio.sleep(0)

        await asyncio.gather(*(produce(first) for first in range(0, 150, 50)))
    assert batcher.stats().delivered == 150
    assert billing.stored() == [Decimal(i) for i in range(150)]


# -- processes: kill -9 with a "sync" outbox, and delivery at interpreter exit --------------------


def _server_client(server: SimulatorServer) -> PaigoClient:
    return PaigoClient(
        client_id=server.env["PAIGO_CLIENT_ID"],
        client_secret=server.env["PAIGO_CLIENT_SECRET"],
        api_url=server.env["PAIGO_API_URL"],
        auth_url=server.env["PAIGO_AUTH_URL"],
    )


def _stored_on_server(server: SimulatorServer, customer_id: str) -> list[Decimal]:
    reply = server.admin("GET", f"usage-records?customerId={customer_id}")
    return sorted(Decimal(str(item["recordValue"])) for item in reply.json()["data"])


def _producer(server: SimulatorServer, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAIGO_")}
    env.update(server.env)
    return subprocess.Popen(
        [sys.executable, str(PRODUCER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


@pytest.mark.slow
def test_a_producer_killed_with_sigkill_loses_and_duplicates_nothing(
    simulator_server: SimulatorServer, tmp_path: Path
) -> None:
    outbox = tmp_path / "usage.sqlite"
    with _server_client(simulator_server) as client:
        customer_id, dimension_id = _catalog(client)
    # The first request is applied but its reply is lost; later ones fail often: at the kill,
    # records are stored-but-unacknowledged, in flight, and queued.
    for rule in (
        {"kind": "lost_response", "method": "POST", "path": "/usage", "times": 1},
        {"kind": "status", "status": 503, "method": "POST", "path": "/usage", "probability": 0.5},
    ):
        simulator_server.admin("POST", "faults", json={**rule, "seed": 2})
    producer = _producer(simulator_server, "hang", str(outbox), customer_id, dimension_id, "110")
    assert producer.stdout is not None
    accepted = 0
    for line in producer.stdout:
        if line.startswith("accepted "):
            accepted = int(line.split()[1])
        if line.strip() == "done":
            break
    producer.send_signal(signal.SIGKILL)
    producer.wait(30)
    producer.stdout.close()
    assert producer.returncode == -signal.SIGKILL
    assert accepted == 110

    simulator_server.admin("DELETE", "faults")
    with (
        _server_client(simulator_server) as client,
        UsageBatcher(client, outbox=outbox, wire_batches=True) as batcher,
    ):
        report = batcher.flush(timeout=60)
    assert report.complete
    assert _stored_on_server(simulator_server, customer_id) == [
        Decimal(i) for i in range(1, accepted + 1)
    ]


@pytest.mark.slow
def test_records_still_queued_at_interpreter_exit_are_delivered(
    simulator_server: SimulatorServer,
) -> None:
    with _server_client(simulator_server) as client:
        customer_id, dimension_id = _catalog(client)
    producer = _producer(simulator_server, "exit", "", customer_id, dimension_id, "60")
    output, _ = producer.communicate(timeout=120)
    assert producer.returncode == 0, output
    assert _stored_on_server(simulator_server, customer_id) == [Decimal(i) for i in range(1, 61)]


@pytest.mark.slow
def test_flush_and_close_return_pending_while_the_server_hangs(
    simulator_server: SimulatorServer,
) -> None:
    with _server_client(simulator_server) as client:
        customer_id, dimension_id = _catalog(client)
        simulator_server.admin(
            "POST",
            "faults",
            json={"kind": "hang", "method": "POST", "path": "/usage", "hangSeconds": 2},
        )
        batcher = UsageBatcher(client.with_options(timeout=30), max_batch=3, concurrency=1)
        for index in range(3):
            batcher.add(customer_id, dimension_id, index)
        assert batcher.flush(timeout=0.3).pending == 3
        assert batcher.close(timeout=0.3).pending == 3


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_forked_child_never_sends_its_parents_records(
    simulator_server: SimulatorServer, tmp_path: Path
) -> None:
    with _server_client(simulator_server) as setup:
        customer_id, dimension_id = _catalog(setup)
    # A client that has not connected yet, so parent and child never share a socket.
    client = _server_client(simulator_server)
    batcher = UsageBatcher(
        client, max_batch=1000, flush_interval=3600, outbox=tmp_path / "o.sqlite", durability="sync"
    )
    for index in range(1, 11):
        batcher.add(customer_id, dimension_id, index)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            batcher.add(customer_id, dimension_id, 100)
            report = batcher.close(timeout=30)
            code = 0 if report.delivered == 1 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert batcher.close(timeout=30).delivered == 10
    client.close()
    expected = [Decimal(i) for i in range(1, 11)] + [Decimal(100)]
    assert _stored_on_server(simulator_server, customer_id) == expected


def test_default_timestamps_follow_the_clients_clock() -> None:
    from datetime import UTC, datetime

    from simulator import ManualClock

    moment = datetime(2026, 1, 15, 12, 30, tzinfo=UTC)
    sim = Simulator(clock=ManualClock(moment), array_batches=True)
    with sim.client() as client:
        customer_id, dimension_id = _catalog(client)
        with UsageBatcher(client, wire_batches=True) as batcher:
            batcher.add(customer_id, dimension_id, 3)
    [record] = sim.usage_records(customer_id=customer_id)
    assert record.timestamp == moment
