"""Shared helpers of the reliability tests: a billed catalog, no-wait sleeps, fault rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

import pytest

from paigo_sdk import PaigoClient
from simulator import ManualClock, Simulator

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
"""The simulator's clock at the start of every test; usage lies in the hour before it."""
PERIOD_START = START - timedelta(hours=1)
PRICE = Decimal("0.01")
"""Price of one increment (increment 1, ceiling per hourly bucket)."""


def no_sleep(_seconds: float) -> None:
    """Stand in for `time.sleep` in clients, so retries do not wait."""


async def no_async_sleep(_seconds: float) -> None:
    """Stand in for `asyncio.sleep` in async clients, so retries do not wait."""


@dataclass
class Billing:
    """A simulator with one hourly-summed, priced dimension and one enrolled customer."""

    sim: Simulator
    customer_id: str
    dimension_id: str

    def stored(self) -> list[tuple[str, Decimal]]:
        """Every stored record of the customer as (seq metadata, value), sorted by seq."""
        records = self.sim.usage_records(customer_id=self.customer_id)
        return sorted(
            ((str((r.metadata or {}).get("seq")), r.record_value) for r in records),
            key=lambda item: item[0],
        )


def expected_amount(total: Decimal) -> Decimal:
    """The invoice amount of `total` units in one hourly bucket: ceil(total / 1) x price (B4)."""
    quantity = total.to_integral_value(rounding=ROUND_CEILING)
    return (quantity * PRICE).quantize(Decimal("0.01"))


def make_catalog(client: PaigoClient) -> tuple[str, str]:
    """Create the dimension, an offering with it and a customer enrolled a day before `START`."""
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
        offering_enrollment_date=START - timedelta(days=1),
    )
    return customer.customer_id, dimension.dimension_id


def billing_simulator(**options: Any) -> Iterator[Billing]:
    """Yield a fresh simulator on a manual clock at `START`, with the catalog created."""
    with Simulator(clock=ManualClock(START), seed=5, **options) as sim:
        with sim.client() as client:
            customer_id, dimension_id = make_catalog(client)
        yield Billing(sim, customer_id, dimension_id)


@pytest.fixture
def billing() -> Iterator[Billing]:
    yield from billing_simulator(array_batches=True)
