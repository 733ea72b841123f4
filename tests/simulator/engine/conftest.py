"""Fixtures for the engine's rule tests: a manual clock, a seeded engine and small builders."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from simulator.clock import ManualClock
from simulator.engine import (
    ConsumptionUnit,
    Customer,
    Dimension,
    Engine,
    Offering,
    Tier,
)

START = datetime(2026, 1, 1, tzinfo=UTC)


class Build:
    """Create catalog entries and customers with sensible defaults."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def dimension(
        self,
        name: str = "API Calls",
        *,
        unit: tuple[str, str] = ("count", "count-based"),
        increment: str = "1",
        rounding: str = "ceiling",
        price: str | None = "1",
        method: str = "sum",
        interval: str = "hour",
        schedule: str = "arrear",
        tiers: list[Tier] | None = None,
        **kw: Any,
    ) -> Dimension:
        return self.engine.create_dimension(
            dimension_name=name,
            consumption_unit=ConsumptionUnit(*unit),
            usage_increment=Decimal(increment),
            rounding=rounding,
            consumption_price=Decimal(price) if price is not None and tiers is None else None,
            aggregation_method=method,
            aggregation_interval=interval,
            payment_schedule=schedule,
            tiers=tiers,
            **kw,
        )

    def offering(self, name: str = "Pay-as-you-go", *dimensions: Dimension, **kw: Any) -> Offering:
        return self.engine.create_offering(
            offering_name=name, dimension_ids=[d.dimension_id for d in dimensions], **kw
        )

    def customer(
        self,
        offering: Offering | None = None,
        *,
        channel: str = "Stripe",
        name: str = "Dumm AI Corp",
        **kw: Any,
    ) -> Customer:
        return self.engine.create_customer(
            customer_name=name,
            email="billing@example.com",
            payment_channel=channel,
            offering_id=offering.offering_id if offering is not None else None,
            **kw,
        )

    def usage(
        self,
        customer: Customer,
        dimension: Dimension,
        value: str | int,
        at: datetime,
        **kw: Any,
    ) -> Any:
        return self.engine.record_usage(
            customer_id=customer.customer_id,
            dimension_id=dimension.dimension_id,
            record_value=Decimal(value),
            timestamp=at,
            **kw,
        )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def engine(clock: ManualClock) -> Engine:
    return Engine(clock=clock, seed=7)


@pytest.fixture
def build(engine: Engine) -> Build:
    return Build(engine)
