"""Nothing silently short: batchers are settled before the clock moves; late records reported."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from paigo_sdk import AsyncUsageBatcher, PaigoClient, UsageBatcher
from simulator import ManualClock, Simulator, UndeliveredUsageError

from .journey import setup_customer

START = datetime(2026, 1, 10, 12, tzinfo=UTC)


@pytest.fixture
def sim():
    with Simulator(clock=ManualClock(START), seed=3) as instance:
        yield instance


@pytest.fixture
def client(sim):
    with sim.client(sleep=lambda _: None) as paigo:
        yield paigo


def usage_total(sim: Simulator, customer_id: str) -> Decimal:
    [invoice] = sim.engine.list_customer_invoices(customer_id)
    return sum((line.amount for line in invoice.line_items if line.kind == "usage"), Decimal(0))


@pytest.mark.parametrize("move", ["simulator", "clock"])
def test_queued_records_are_delivered_before_the_cycle_closes(sim, client, move):
    customer_id, dimension_id = setup_customer(client)
    batcher = UsageBatcher(client, flush_interval=3600, max_batch=1000)
    for _ in range(100):
        batcher.add(customer_id, dimension_id, 1)
    assert sim.usage_records(customer_id=customer_id) == []
    if move == "simulator":
        sim.advance(days=31)
    else:
        sim.clock.advance(days=31)
    # 100 GB at $0.08, billed in the cycle the records belong to, not $0.00.
    assert usage_total(sim, customer_id) == Decimal("8.00")
    assert batcher.close().pending == 0


def test_set_time_also_delivers_first(sim, client):
    customer_id, dimension_id = setup_customer(client)
    batcher = UsageBatcher(client, flush_interval=3600)
    batcher.add(customer_id, dimension_id, 5)
    sim.set_time(START + timedelta(days=40))
    assert usage_total(sim, customer_id) == Decimal("0.40")
    batcher.close()


@pytest.mark.anyio
async def test_an_async_batcher_holding_records_makes_advance_refuse(sim, client):
    customer_id, dimension_id = setup_customer(client)
    async with sim.async_client() as paigo:
        batcher = AsyncUsageBatcher(paigo, flush_interval=3600, max_batch=1000)
        for _ in range(7):
            await batcher.add(customer_id, dimension_id, 1)
        with pytest.raises(UndeliveredUsageError, match="7 usage record") as refused:
            sim.advance(days=31)
        assert refused.value.pending == 7
        assert "AsyncUsageBatcher" in str(refused.value)
        assert sim.clock.now() == START  # nothing moved
        assert sim.engine.list_customer_invoices(customer_id) == []
        await batcher.flush()
        sim.advance(days=31)
        assert usage_total(sim, customer_id) == Decimal("0.56")
        await batcher.close()


def test_a_batcher_of_a_client_the_simulator_did_not_make_is_not_consulted(sim, client):
    # Only clients made by this simulator are known to it; others are the caller's business.
    customer_id, dimension_id = setup_customer(client)
    other = PaigoClient(
        client_id="x",
        client_secret="y",
        api_url="http://127.0.0.1:9",
        auth_url="http://127.0.0.1:9/oauth/token",  # never Paigo's real token endpoint
        max_retries=0,
    )
    batcher = UsageBatcher(other, flush_interval=3600)
    batcher.add(customer_id, dimension_id, 1)
    sim.advance(hours=1)
    assert sim.clock.now() == START + timedelta(hours=1)
    batcher.close(timeout=0)
    other.close()


def test_a_late_record_is_logged_and_listed(sim, client, caplog):
    customer_id, dimension_id = setup_customer(client)
    sim.advance(days=31)  # the first cycle is invoiced
    with caplog.at_level(logging.WARNING, logger="simulator"):
        client.usage.record(
            customer_id=customer_id,
            dimension_id=dimension_id,
            record_value="3",
            timestamp=START + timedelta(days=1),
        )
    [late] = sim.late_records(customer_id=customer_id)
    assert (late.record_value, late.timestamp) == (Decimal(3), START + timedelta(days=1))
    assert any(
        "late usage record" in r.getMessage() and customer_id in r.getMessage()
        for r in caplog.records
    )


def test_a_record_in_the_open_cycle_is_not_late(sim, client, caplog):
    customer_id, dimension_id = setup_customer(client)
    with caplog.at_level(logging.WARNING, logger="simulator"):
        client.usage.record(customer_id=customer_id, dimension_id=dimension_id, record_value="3")
    assert sim.late_records() == []
    assert not [r for r in caplog.records if "late usage record" in r.getMessage()]
