"""Usage ingestion and the usage view: the SDK against the simulator, success and every error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from paigo_sdk.errors import BadRequestError, ClientValidationError, NotFoundError

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def ids(paigo: Any) -> tuple[str, str]:
    dimension = paigo.dimensions.create(
        dimension_name="Data Processed",
        consumption_unit={"type": "data", "unit": "gigabyte"},
        usage_increment="1",
        rounding="ceiling",
        consumption_price="0.08",
        aggregation_method="sum",
        aggregation_interval="day",
    )
    offering = paigo.offerings.create(
        offering_name="Pay-as-you-go", dimension_ids=[dimension.dimension_id]
    )
    customer = paigo.customers.create(
        customer_name="Dumm AI Corp",
        email="billing@dumm.ai",
        payment_channel="manual",
        offering_id=offering.offering_id,
        offering_enrollment_date=START - timedelta(days=2),
    )
    return customer.customer_id, dimension.dimension_id


def test_record_and_read_raw_and_daily(paigo: Any, ids: tuple[str, str]) -> None:
    customer_id, dimension_id = ids
    for hours_ago, value in ((30, "1.5"), (5, "2"), (1, "0.25")):
        result = paigo.usage.record(
            customer_id=customer_id,
            dimension_id=dimension_id,
            record_value=value,
            timestamp=START - timedelta(hours=hours_ago),
        )
        assert result.idempotent_replayed is False
    raw = paigo.customers.retrieve_usage(
        customer_id,
        aggregation_interval="none",
        start_time=START - timedelta(days=2),
        end_time=START,
    )
    (series,) = raw
    assert [r.record_value for r in series.usage] == [Decimal("1.5"), Decimal("2"), Decimal("0.25")]
    daily = paigo.customers.retrieve_usage(
        customer_id,
        aggregation_interval="day",
        start_time=START - timedelta(days=2),
        end_time=START,
    )
    (series,) = daily
    assert [b.value for b in series.usage] == [Decimal("1.5"), Decimal("2.25")]


def test_idempotency_key_replay(sim: Any, paigo: Any, ids: tuple[str, str]) -> None:
    customer_id, dimension_id = ids
    kwargs = {
        "customer_id": customer_id,
        "dimension_id": dimension_id,
        "record_value": 3,
        "timestamp": START,
    }
    first = paigo.usage.record(**kwargs, idempotency_key="order-1")
    again = paigo.usage.record(**kwargs, idempotency_key="order-1")
    assert first.idempotent_replayed is False
    assert again.idempotent_replayed is True
    assert len(sim.usage_records(customer_id=customer_id)) == 1


def test_record_errors(paigo: Any, ids: tuple[str, str]) -> None:
    customer_id, dimension_id = ids
    with pytest.raises(NotFoundError) as err:
        paigo.usage.record(
            customer_id="ghost", dimension_id=dimension_id, record_value=1, timestamp=START
        )
    assert err.value.message == "Customer with ID: ghost not found"
    with pytest.raises(NotFoundError) as err:
        paigo.usage.record(
            customer_id=customer_id, dimension_id="ghost", record_value=1, timestamp=START
        )
    assert err.value.message == "No Dimensions found with ID: ghost"
    with pytest.raises(BadRequestError):
        paigo.usage.record(
            customer_id=customer_id,
            dimension_id=dimension_id,
            record_value=1,
            timestamp=START + timedelta(hours=1),
        )
    with pytest.raises(BadRequestError):
        paigo.usage.record(
            customer_id=customer_id, dimension_id=dimension_id, record_value=1, invoice=True
        )


def test_batches_need_the_simulator_option(sim: Any, paigo: Any, ids: tuple[str, str]) -> None:
    customer_id, dimension_id = ids
    record = {
        "customer_id": customer_id,
        "dimension_id": dimension_id,
        "record_value": "1",
        "timestamp": START,
    }
    with pytest.raises(BadRequestError) as err:
        paigo.usage.record_batch([record])
    assert err.value.messages == ["usage batches are not enabled on this server"]
    sim.engine.options.array_batches = True
    result = paigo.usage.record_batch([record, record], idempotency_keys=["a", "b"])
    assert [item.status for item in result.results] == ["created", "created"]
    replay = paigo.usage.record_batch([record], idempotency_keys=["a"])
    assert [item.status for item in replay.results] == ["replayed"]


def test_usage_view_errors(paigo: Any, ids: tuple[str, str]) -> None:
    customer_id, _ = ids
    with pytest.raises(BadRequestError):
        paigo.customers.retrieve_usage(customer_id, end_time=START + timedelta(days=1))
    # The SDK checks the window's order itself; the simulator's 400 for it is covered in
    # tests/simulator/api.
    with pytest.raises(ClientValidationError):
        paigo.customers.retrieve_usage(
            customer_id, start_time=START, end_time=START - timedelta(hours=1)
        )
