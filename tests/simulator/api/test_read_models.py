"""Reads answer from one read model: a view never calls back into the engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from simulator import ManualClock, Simulator
from simulator.engine import Engine

from .conftest import START

CALLS = {"type": "count", "unit": "count-based"}


@pytest.fixture
def engine_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the engine scopes opened: one per engine call (the request's catch-up of due
    cycles opens none when nothing is due)."""
    opened: list[int] = []
    original = Engine._op

    @contextmanager
    def counting(self: Engine, **options: Any) -> Iterator[Any]:
        opened.append(1)
        with original(self, **options) as ctx:
            yield ctx

    monkeypatch.setattr(Engine, "_op", counting)
    return opened


def test_reads_with_embedded_resources_make_one_engine_call(engine_calls: list[int]) -> None:
    with Simulator(clock=ManualClock(START)) as sim, sim.client() as client:
        dimensions = [
            client.dimensions.create(
                dimension_name=f"Dimension {n}",
                consumption_unit=CALLS,
                usage_increment=1,
                rounding="ceiling",
                consumption_price="1",
                aggregation_method="sum",
            ).dimension_id
            for n in range(3)
        ]
        offerings = [
            client.offerings.create(offering_name=f"Plan {n}", dimension_ids=dimensions)
            for n in range(2)
        ]
        customer = client.customers.create(
            customer_name="Dumm AI Corp",
            email="ap@dumm.example",
            payment_channel="manual",
            offering_id=offerings[0].offering_id,
        )
        client.customers.enrollment.update(
            customer.customer_id, offering_id=offerings[1].offering_id
        )
        reads: dict[str, Callable[[], object]] = {
            "customer": lambda: client.customers.retrieve(customer.customer_id),
            "customers": client.customers.list,
            "enrollments": lambda: client.customers.enrollment.retrieve(customer.customer_id),
            "offering": lambda: client.offerings.retrieve(offerings[0].offering_id),
            "offerings": client.offerings.list,
            "dimensions": client.dimensions.list,
        }
        counts = {}
        for name, read in reads.items():
            engine_calls.clear()
            read()
            counts[name] = len(engine_calls)
    # One scope for the read itself, however many offerings, dimensions and invoices the view
    # embeds.
    assert counts == dict.fromkeys(reads, 1)
