"""Rollup is exact: the same usage stream bills the same invoices with and without it (B3, B4, B7).

Each example builds two in-process simulators with one dimension of a random configuration
(aggregation method and interval, increment, rounding, unit price, tiers or tiers per metadata
group, arrear or upfront), enrolls a customer at the start of a month, sends one random stream of
records through a batcher with `rollup=True` to one and `rollup=False` to the other, closes the
month, and compares every invoice line and total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from simulator import ManualClock, Simulator

MONTH = datetime(2026, 11, 1, tzinfo=UTC)
NEXT_MONTH = datetime(2026, 12, 1, tzinfo=UTC)
METADATA: tuple[dict[str, Any] | None, ...] = (
    None,
    {"region": "eu"},
    {"region": "us"},
    {"region": "eu", "size": "large"},
)

Record = tuple[int, Decimal, int]
"""(minutes after the month starts, value, index into METADATA)."""


@dataclass(frozen=True)
class Config:
    method: str
    interval: str
    increment: Decimal
    rounding: str
    pricing: str
    schedule: str

    def dimension(self) -> dict[str, Any]:
        tiers = [
            {"tier_position": 1, "upper_bound": self.increment * 5, "unit_price": "0.70"},
            {"tier_position": 2, "upper_bound": "inf", "unit_price": "0.30"},
        ]
        options: dict[str, Any] = {
            "dimension_name": "Compute",
            "consumption_unit": {"type": "count", "unit": "count-based"},
            "usage_increment": self.increment,
            "rounding": self.rounding,
            "aggregation_method": self.method,
            "aggregation_interval": self.interval,
            "payment_schedule": self.schedule,
        }
        if self.pricing == "unit":
            options["consumption_price"] = "0.13"
        elif self.pricing == "tiers":
            options["tiers"] = tiers
        else:
            options["tiers_group_by_metadata"] = [
                {"metadata_groups": {"region": "eu"}, "tiers": tiers},
                {"metadata_groups": {"region": "us"}, "tiers": [{**tiers[1], "tier_position": 1}]},
            ]
        return options


configs = st.builds(
    Config,
    method=st.sampled_from(["sum", "max", "min", "last", "count", "average"]),
    interval=st.sampled_from(["hour", "day", "month", "none"]),
    increment=st.sampled_from([Decimal(1), Decimal("0.5"), Decimal(3), Decimal(60)]),
    rounding=st.sampled_from(["ceiling", "floor", "round"]),
    pricing=st.sampled_from(["unit", "tiers", "groups"]),
    schedule=st.sampled_from(["arrear", "upfront"]),
).filter(lambda c: c.schedule == "arrear" or c.pricing == "unit")

records = st.lists(
    st.tuples(
        # Minutes in the first three hours, hour edges and repeated instants (ties) favoured, so
        # that many records share an hour and a metadata map.
        st.sampled_from([0, 1, 30, 59, 60, 61, 119, 120, 179]) | st.integers(0, 179),
        st.decimals(min_value=0, max_value=90, places=3),
        st.sampled_from([0, 0, 1, 1, 2, 3]),
    ),
    min_size=1,
    max_size=40,
)


@dataclass
class Billed:
    invoices: list[tuple[Any, ...]]
    stored: int
    sent: int


def _bill(config: Config, stream: list[Record], *, rollup: bool, max_batch: int) -> Billed:
    clock = ManualClock(MONTH)
    sim = Simulator(clock=clock, seed=7)
    with sim.client() as client:
        dimension = client.dimensions.create(**config.dimension())
        plan = client.offerings.create(
            offering_name="Plan", dimension_ids=[dimension.dimension_id], billing_cycle="monthly"
        )
        customer = client.customers.create(
            customer_name="Acme",
            email="billing@acme.test",
            payment_channel="manual",
            offering_id=plan.offering_id,
        )
        clock.set(MONTH + timedelta(hours=3))
        with client.usage.batcher(
            rollup=rollup, max_batch=max_batch, concurrency=1, flush_interval=30
        ) as batcher:
            for minute, value, metadata in stream:
                batcher.add(
                    customer.customer_id,
                    dimension.dimension_id,
                    value,
                    timestamp=MONTH + timedelta(minutes=minute),
                    metadata=METADATA[metadata],
                )
            report = batcher.flush(timeout=60)
            assert report.complete
            assert not report.rejected
            sent = batcher.stats().sent
        clock.set(NEXT_MONTH + timedelta(hours=1))
        invoices = sorted(
            client.customers.retrieve(customer.customer_id).invoices or [],
            key=lambda invoice: invoice.invoice_date or NEXT_MONTH,
        )
        billed = [
            (
                invoice.invoice_date,
                invoice.invoice_type,
                [line.model_dump() for line in invoice.line_items or []],
                invoice.total_amount_without_tax,
                invoice.tax_amount,
            )
            for invoice in invoices
        ]
        return Billed(billed, len(sim.usage_records()), sent)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(config=configs, stream=records, max_batch=st.sampled_from([5, 1000]))
def test_invoices_are_identical_with_and_without_rollup(
    config: Config, stream: list[Record], max_batch: int
) -> None:
    plain = _bill(config, stream, rollup=False, max_batch=max_batch)
    rolled = _bill(config, stream, rollup=True, max_batch=max_batch)
    assert rolled.invoices == plain.invoices
    assert plain.stored == len(stream)
    assert rolled.stored <= plain.stored
    if config.method in ("count", "average") or (
        config.schedule == "upfront" and config.method != "last"
    ):
        assert rolled.stored == plain.stored


def test_rollup_sends_one_record_per_customer_dimension_hour_and_metadata_map() -> None:
    config = Config("sum", "day", Decimal(1), "ceiling", "groups", "arrear")
    # 120 records: 3 hours x 4 metadata maps, 10 records each.
    stream = [
        (hour * 60 + index, Decimal("1.25"), meta)
        for hour in range(3)
        for meta in range(4)
        for index in range(10)
    ]
    plain = _bill(config, stream, rollup=False, max_batch=1000)
    rolled = _bill(config, stream, rollup=True, max_batch=1000)
    assert rolled.invoices == plain.invoices
    assert plain.invoices[0][2]  # the month billed something
    assert (plain.stored, rolled.stored) == (120, 12)
    # Twelve requests carry the records (the one that read the dimension is not counted).
    assert (plain.sent, rolled.sent) == (120, 12)


def test_an_upfront_sum_is_not_combined_because_its_latest_record_is_priced() -> None:
    config = Config("sum", "hour", Decimal(1), "ceiling", "unit", "upfront")
    stream = [(10, Decimal(5), 0), (20, Decimal(7), 0)]
    plain = _bill(config, stream, rollup=False, max_batch=1000)
    rolled = _bill(config, stream, rollup=True, max_batch=1000)
    # The next cycle's upfront line is priced on the latest record, 7 (B7), not on 5 + 7.
    assert [line["quantity"] for line in plain.invoices[-1][2]] == [Decimal(7)]
    assert rolled.invoices == plain.invoices
    assert rolled.stored == 2


@pytest.mark.parametrize("schedule", ["arrear", "upfront"])
@pytest.mark.parametrize(
    ("stream", "stored"),
    [
        # Two records share the latest instant in different maps: the one added later wins.
        ([(50, Decimal(1), 1), (50, Decimal(2), 2), (40, Decimal(3), 1)], 2),
        # The same within one map.
        ([(50, Decimal(1), 1), (50, Decimal(2), 1), (40, Decimal(3), 1)], 1),
    ],
    ids=["across-maps", "one-map"],
)
def test_last_keeps_the_servers_tie_break(schedule: str, stream: list[Record], stored: int) -> None:
    config = Config("last", "hour", Decimal(1), "ceiling", "unit", schedule)
    plain = _bill(config, stream, rollup=False, max_batch=1000)
    rolled = _bill(config, stream, rollup=True, max_batch=1000)
    assert [line["quantity"] for line in plain.invoices[-1][2]] == [Decimal(2)]
    assert rolled.invoices == plain.invoices
    assert rolled.stored == stored
