"""B14: an API request catches up due cycles once, and its engine calls share one instant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

import simulator.engine
from simulator import ManualClock, Simulator
from simulator.engine import Engine, Invalid

from .conftest import START, Build


@pytest.fixture
def catch_ups(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the engine's runs of the cycle catch-up (each asks whether any cycle is due)."""
    runs: list[int] = []
    original: Callable[..., Any] = simulator.engine.has_due  # type: ignore[attr-defined]

    def counting(*args: Any) -> Any:
        runs.append(1)
        return original(*args)

    monkeypatch.setattr(simulator.engine, "has_due", counting)
    return runs


def test_b14_one_customer_read_catches_up_once(catch_ups: list[int]) -> None:
    with Simulator(clock=ManualClock(START)) as sim, sim.client() as client:
        dimension = client.dimensions.create(
            dimension_name="API Calls",
            consumption_unit={"type": "count", "unit": "count-based"},
            usage_increment=1,
            rounding="ceiling",
            consumption_price="1",
            aggregation_method="sum",
        )
        offering = client.offerings.create(
            offering_name="Pay-as-you-go", dimension_ids=[dimension.dimension_id]
        )
        customer = client.customers.create(
            customer_name="Dumm AI Corp",
            email="ap@dumm.example",
            payment_channel="manual",
            offering_id=offering.offering_id,
        )
        catch_ups.clear()
        client.customers.retrieve(customer.customer_id)
    assert len(catch_ups) == 1


def test_b14_calls_outside_a_request_each_catch_up(engine: Engine, catch_ups: list[int]) -> None:
    engine.list_dimensions()
    engine.list_offerings()
    assert len(catch_ups) == 2


def test_b14_calls_in_a_request_share_its_instant(
    engine: Engine, clock: ManualClock, build: Build
) -> None:
    dimension = build.dimension()
    customer = build.customer(build.offering("Plan", dimension))
    with engine.request() as now:
        assert now == START
        clock.advance(hours=1)
        # Ten minutes after the request's instant: more than the 5 minutes ahead allowed (B2),
        # though only fifty minutes before the clock's new time.
        with pytest.raises(Invalid):
            build.usage(customer, dimension, 1, START + timedelta(minutes=10))
    build.usage(customer, dimension, 1, START + timedelta(minutes=10))
    assert [r.timestamp for r in engine.usage_records()] == [START + timedelta(minutes=10)]


def test_b14_nested_requests_join_the_outer_one(engine: Engine, clock: ManualClock) -> None:
    with engine.request() as outer:
        clock.advance(minutes=1)
        with engine.request() as inner:
            assert inner == outer
    with engine.request() as later:
        assert later == START + timedelta(minutes=1)
