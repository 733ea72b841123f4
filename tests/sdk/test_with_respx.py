"""The client over httpx's real transport, mocked by respx; token expiry under freezegun."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
import respx
from freezegun import freeze_time

from paigo_sdk import AsyncPaigoClient, PaigoClient

API = "https://api.prod.paigo.tech"
AUTH = "https://auth.paigo.tech/oauth/token"


def _token_route(mock: respx.MockRouter) -> respx.Route:
    return mock.post(AUTH).mock(
        return_value=httpx.Response(
            200, json={"access_token": "respx-token", "expires_in": 3600, "token_type": "Bearer"}
        )
    )


@respx.mock(assert_all_called=True)
def test_usage_record_reaches_paigo_defaults_through_respx(respx_mock: respx.MockRouter) -> None:
    token = _token_route(respx_mock)
    usage = respx_mock.post(f"{API}/usage").mock(
        return_value=httpx.Response(201, json={"message": "Usage record created"})
    )
    with PaigoClient(client_id="id", client_secret="secret") as client:
        result = client.usage.record(
            customer_id="cust-1",
            dimension_id="dim-1",
            record_value="12.000",
            timestamp=datetime(2026, 11, 24, 8, 0, 0, 123456, tzinfo=UTC),
            idempotency_key="abc",
        )
    assert result.message == "Usage record created"
    assert token.call_count == 1
    request = usage.calls.last.request
    assert request.headers["authorization"] == "Bearer respx-token"
    assert request.headers["idempotency-key"] == "abc"
    assert json.loads(request.content) == {
        "customerId": "cust-1",
        "dimensionId": "dim-1",
        "recordValue": "12.000",
        "timestamp": "2026-11-24T08:00:00.123Z",
    }


@pytest.mark.anyio
async def test_async_client_through_respx() -> None:
    async with respx.mock(assert_all_called=True) as mock:
        _token_route(mock)
        mock.get(f"{API}/invoices/inv-1").mock(
            return_value=httpx.Response(
                200,
                json={
                    "message": "ok",
                    "data": [
                        {
                            "invoiceId": "inv-1",
                            "invoiceStatus": "Paid",
                            "totalAmountWithoutTax": 55,
                            "amountPaid": 55.5,
                        }
                    ],
                },
            )
        )
        async with AsyncPaigoClient(client_id="id", client_secret="secret") as client:
            invoice = await client.invoices.retrieve("inv-1")
    assert invoice.amount_paid == Decimal("55.5")


def test_system_clock_follows_freezegun_for_token_expiry() -> None:
    with respx.mock() as mock, freeze_time("2026-11-24 08:00:00") as frozen:
        token = _token_route(mock)
        mock.get(f"{API}/webhooks").mock(return_value=httpx.Response(200, json=[]))
        with PaigoClient(client_id="id", client_secret="secret") as client:
            client.webhooks.list()
            frozen.tick(timedelta(seconds=3600 - 61))
            client.webhooks.list()
            assert token.call_count == 1
            frozen.tick(timedelta(seconds=2))
            client.webhooks.list()
            assert token.call_count == 2


@pytest.mark.parametrize("using", ["httpcore", "httpx"])
def test_respx_sees_every_request_once_the_token_is_cached(using: str) -> None:
    # After the first request the client holds a token and takes its direct way; a respx mock at
    # either level must still see (and answer) each request.
    with respx.mock(assert_all_called=True, using=using) as mock:
        _token_route(mock)
        usage = mock.post(f"{API}/usage").mock(
            return_value=httpx.Response(201, json={"message": "Usage record created"})
        )
        with PaigoClient(client_id="id", client_secret="secret") as client:
            for number in range(3):
                client.usage.record(
                    customer_id="cust-1",
                    dimension_id="dim-1",
                    record_value=number + 1,
                    idempotency_key=f"key-{number}",
                )
    assert [call.request.headers["idempotency-key"] for call in usage.calls] == [
        "key-0",
        "key-1",
        "key-2",
    ]


@pytest.mark.anyio
@pytest.mark.parametrize("using", ["httpcore", "httpx"])
async def test_respx_sees_every_async_request_once_the_token_is_cached(using: str) -> None:
    async with respx.mock(assert_all_called=True, using=using) as mock:
        _token_route(mock)
        usage = mock.post(f"{API}/usage").mock(
            return_value=httpx.Response(201, json={"message": "Usage record created"})
        )
        async with AsyncPaigoClient(client_id="id", client_secret="secret") as client:
            for number in range(3):
                await client.usage.record(
                    customer_id="cust-1",
                    dimension_id="dim-1",
                    record_value=number + 1,
                    idempotency_key=f"key-{number}",
                )
    assert [json.loads(call.request.content)["recordValue"] for call in usage.calls] == [
        "1",
        "2",
        "3",
    ]
