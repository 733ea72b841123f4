"""Creates retried after a lost reply make one resource; per-call extras reach the simulator.

The simulator applies the request and then drops the reply (`lost_response`); the SDK retries with
the same generated `Idempotency-Key`, and the simulator answers the retry with the first answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from paigo_sdk import APIConnectionError, BadRequestError, ConflictError
from simulator import FaultRule, Simulator
from tests.contract.conftest import Blocking


async def _no_wait(_seconds: float) -> None:
    return None


@pytest.fixture(params=["sync", "async"])
def retrying(request: pytest.FixtureRequest, sim: Simulator) -> Iterator[Any]:
    """A client of the simulator with retries on and no real waiting between attempts."""
    if request.param == "sync":
        with sim.client(max_retries=2, sleep=lambda _seconds: None) as client:
            yield client
        return
    loop = asyncio.new_event_loop()
    async_client = sim.async_client(max_retries=2, sleep=_no_wait)
    try:
        yield Blocking(async_client, loop)
    finally:
        loop.run_until_complete(async_client.close())
        loop.close()


def _lose_one_reply(sim: Simulator, path: str) -> str:
    return sim.faults.add(FaultRule(kind="lost_response", method="POST", path=path, times=1))


def test_a_retried_customer_create_makes_one_customer(sim: Simulator, retrying: Any) -> None:
    rule = _lose_one_reply(sim, "/customers")
    customer = retrying.customers.create(
        customer_name="Dumm AI Corp", email="billing@dumm.ai", payment_channel="manual"
    )
    assert sim.faults.fired(rule) == 1
    assert [c.customer_id for c in retrying.customers.list()] == [customer.customer_id]


def test_a_retried_invoice_create_makes_one_invoice(sim: Simulator, retrying: Any) -> None:
    customer = retrying.customers.create(
        customer_name="Dumm AI Corp", email="billing@dumm.ai", payment_channel="manual"
    )
    rule = _lose_one_reply(sim, "/invoices")
    invoice = retrying.invoices.create(
        customer_id=customer.customer_id,
        items=[{"name": "Setup", "quantity": 1, "unit_cost": Decimal("250.00")}],
    )
    assert sim.faults.fired(rule) == 1
    assert list(sim.engine.snapshot().state.invoices) == [invoice.invoice_id]


def test_without_retries_the_lost_reply_is_an_error_and_the_create_stands(
    sim: Simulator, paigo: Any
) -> None:
    _lose_one_reply(sim, "/dimensions")
    with pytest.raises(APIConnectionError):
        paigo.dimensions.create(
            dimension_name="Calls",
            consumption_unit={"type": "count", "unit": "count-based"},
            usage_increment=1,
            rounding="round",
        )
    assert len(paigo.dimensions.list()) == 1


def test_a_key_reused_for_another_customer_is_a_conflict(paigo: Any) -> None:
    paigo.customers.create(
        customer_name="First", email="a@b.c", payment_channel="manual", idempotency_key="k-1"
    )
    with pytest.raises(ConflictError, match="k-1"):
        paigo.customers.create(
            customer_name="Second", email="a@b.c", payment_channel="manual", idempotency_key="k-1"
        )
    assert [c.customer_name for c in paigo.customers.list()] == ["First"]


def test_extras_reach_the_simulator_after_the_sdk_validated(paigo: Any) -> None:
    with pytest.raises(BadRequestError) as caught:
        paigo.customers.create(
            customer_name="A",
            email="a@b.c",
            payment_channel="manual",
            extra_body={"loyaltyTier": "gold"},
        )
    assert any("loyaltyTier" in message for message in caught.value.messages)
    customer = paigo.customers.create(
        customer_name="A", email="a@b.c", payment_channel="manual", extra_body={"currency": "EUR"}
    )
    assert customer.currency == "EUR"


def _invoice(paigo: Any) -> str:
    customer = paigo.customers.create(
        customer_name="Dumm AI Corp", email="billing@dumm.ai", payment_channel="manual"
    )
    invoice = paigo.invoices.create(
        customer_id=customer.customer_id,
        items=[{"name": "Setup", "quantity": 1, "unit_cost": Decimal("250.00")}],
    )
    return str(invoice.invoice_id)


def test_an_invoice_downloads_as_a_pdf(paigo: Any) -> None:
    pdf = paigo.invoices.download(_invoice(paigo))
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_raw_and_streamed_replies_from_the_simulator(sim: Simulator) -> None:
    with sim.client(max_retries=0) as client:
        invoice_id = _invoice(client)
        raw = client.with_raw_response.invoices.retrieve(invoice_id)
        assert raw.status_code == 200
        assert raw.headers["content-type"].startswith("application/json")
        assert raw.json()["data"][0]["invoiceId"] == invoice_id
        assert raw.parse().invoice_id == invoice_id
        with client.with_streaming_response.invoices.download(invoice_id) as response:
            assert response.headers["content-type"] == "application/pdf"
            streamed = b"".join(response.iter_bytes(512))
        assert streamed == client.invoices.download(invoice_id)
