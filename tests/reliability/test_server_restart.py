"""A `paigo-simulator serve` restart in the middle of a run, with the batcher's "sync" outbox.

The simulator keeps its state in memory, so a restarted process starts empty. The test models a
restart of a server whose database survives: before the stop, the records the first server
stored are read through `/_simulator/usage-records`; the second server (same port, same seed, so
the same ids) gets the same catalog and those records back, with their original idempotency keys
(the "restore"). Because restored records carry their keys, any record the outbox sent again
although it had been acknowledged would come back as an idempotent replay: the test requires
none, and requires every record not acknowledged to be delivered exactly once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from paigo_sdk import PaigoClient
from tests.e2e.conftest import ServerProcess, start_server
from tests.reliability.conftest import PRICE, expected_amount

SEED = "9"
N = 120
FIRST = 60
"""Records acknowledged by the first server before its outage begins."""


def _client(server: ServerProcess) -> PaigoClient:
    return PaigoClient(
        client_id=server.client_id,
        client_secret=server.client_secret,
        api_url=server.url,
        auth_url=server.auth_url,
        timeout=5.0,
        max_retries=0,
    )


def _catalog(client: PaigoClient, enrolled: datetime) -> tuple[str, str]:
    dimension = client.dimensions.create(
        dimension_name="API calls",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment="1",
        rounding="ceiling",
        consumption_price=PRICE,
        aggregation_method="sum",
        aggregation_interval="hour",
    )
    offering = client.offerings.create(
        offering_name="Metered", dimension_ids=[dimension.dimension_id]
    )
    customer = client.customers.create(
        customer_name="Acme",
        email="billing@acme.test",
        payment_channel="manual",
        offering_id=offering.offering_id,
        offering_enrollment_date=enrolled,
    )
    return customer.customer_id, dimension.dimension_id


def _stored(server: ServerProcess, customer_id: str) -> list[dict[str, Any]]:
    reply = httpx.get(
        f"{server.url}/_simulator/usage-records", params={"customerId": customer_id}, timeout=10
    )
    reply.raise_for_status()
    data: list[dict[str, Any]] = reply.json()["data"]
    return data


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.stop()


def test_outbox_resends_exactly_what_was_not_acknowledged_across_a_restart(
    servers: list[ServerProcess], tmp_path: Path
) -> None:
    # A manual clock mid-month: the period must not cross a monthly cycle boundary (B7), which
    # the wall clock's last hour does early on the 1st.
    hour = datetime(2026, 6, 15, 12, tzinfo=UTC)
    clock = ("--start", "2026-06-15T12:00:00Z")
    period = (hour - timedelta(hours=1), hour)
    values = [Decimal(i % 9) + Decimal("0.5") for i in range(N)]
    outbox = tmp_path / "outbox.sqlite3"

    first = start_server("--seed", SEED, *clock)
    servers.append(first)
    port = first.url.rsplit(":", 1)[1]
    client = _client(first)
    customer_id, dimension_id = _catalog(client, hour - timedelta(days=1))

    def add(batcher: Any, index: int) -> None:
        batcher.add(
            customer_id,
            dimension_id,
            values[index],
            timestamp=period[0] + timedelta(seconds=25 * index),
            metadata={"seq": index},
            idempotency_key=f"rec-{index}",
        )

    batcher = client.usage.batcher(
        outbox=outbox,
        durability="sync",
        concurrency=1,
        max_batch=10,
        flush_interval=0.02,
        retry_initial_delay=0.01,
        retry_max_delay=0.05,
        retry_deadline=300,
    )
    for index in range(FIRST):
        add(batcher, index)
    assert batcher.flush(timeout=30).delivered == FIRST

    # The outage begins: every POST /usage is dropped, and the producer keeps adding.
    httpx.post(
        f"{first.url}/_simulator/faults",
        json={"kind": "drop", "method": "POST", "path": "/usage"},
        timeout=10,
    ).raise_for_status()
    for index in range(FIRST, N):
        add(batcher, index)
    for _ in range(3000):  # wait until the (single) worker fails against dropped connections
        faults = httpx.get(f"{first.url}/_simulator/faults", timeout=10).json()["faults"]
        if faults[0]["fired"] >= 2:
            break
        time.sleep(0.01)
    else:
        pytest.fail("the batcher never reached the dropping server")
    before_stop = _stored(first, customer_id)
    assert sorted(r["metadata"]["seq"] for r in before_stop) == list(range(FIRST))

    # The server stops; the application stops too, with records still in its outbox.
    assert first.stop() == 0
    report = batcher.close(timeout=0.5)
    client.close()
    assert report.delivered == 0
    assert report.pending == N - FIRST

    # The restart: same port, same seed; the catalog and stored records are restored.
    second = start_server("--seed", SEED, *clock, "--port", port)
    servers.append(second)
    assert second.url == first.url
    client = _client(second)
    assert _catalog(client, hour - timedelta(days=1)) == (customer_id, dimension_id)
    for row in before_stop:
        client.usage.record(
            customer_id=customer_id,
            dimension_id=dimension_id,
            record_value=Decimal(row["recordValue"]),
            timestamp=row["timestamp"],
            metadata=row["metadata"],
            idempotency_key=f"rec-{row['metadata']['seq']}",
        )

    # A new batcher on the same outbox sends what the first one left, and only that.
    with client.usage.batcher(outbox=outbox, durability="sync", flush_interval=0.02) as resender:
        report = resender.close(timeout=30)
    assert report.delivered == N - FIRST
    assert report.replayed == 0
    assert report.complete

    stored = _stored(second, customer_id)
    assert sorted(r["metadata"]["seq"] for r in stored) == list(range(N))
    assert sum((Decimal(r["recordValue"]) for r in stored), Decimal(0)) == sum(values, Decimal(0))
    invoice = httpx.post(
        f"{second.url}/_simulator/invoices/period",
        json={
            "customerId": customer_id,
            "startTime": period[0].isoformat().replace("+00:00", "Z"),
            "endTime": period[1].isoformat().replace("+00:00", "Z"),
        },
        timeout=10,
    )
    assert invoice.status_code == 201, invoice.text
    billed = client.invoices.retrieve(invoice.json()["invoiceId"])
    client.close()
    assert billed.total_amount_without_tax == expected_amount(sum(values, Decimal(0)))
