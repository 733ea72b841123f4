"""Per-call extra_headers, extra_query and extra_body on every method, merged after validation."""

from __future__ import annotations

import inspect
import json

import httpx
import pytest
import respx

from paigo_sdk import AsyncPaigoClient, ClientValidationError, PaigoClient
from tests.sdk.test_twins import PAIRS

API = "https://api.prod.paigo.tech"
AUTH = "https://auth.paigo.tech/oauth/token"
EXTRAS = {"extra_headers", "extra_query", "extra_body", "timeout"}
POSTS = {
    ("Dimensions", "create"),
    ("Offerings", "create"),
    ("Measurements", "create"),
    ("Customers", "create"),
    ("Invoices", "create"),
    ("CustomerTransactions", "create"),
    ("CustomerRefunds", "create"),
    ("CustomerChildren", "add"),
    ("Webhooks", "subscribe"),
    ("Settings", "upload_invoice_image"),
    ("Usage", "record"),
}


def _methods() -> list[tuple[str, str, inspect.Signature]]:
    found = []
    for sync, async_ in PAIRS:
        for cls in (sync, async_):
            for name, member in inspect.getmembers(cls, inspect.isfunction):
                if not name.startswith("_") and name != "batcher":
                    found.append((cls.__name__, name, inspect.signature(member)))
    return found


def test_every_method_takes_the_request_options() -> None:
    methods = _methods()
    assert len(methods) > 80
    for owner, name, signature in methods:
        assert signature.parameters.keys() >= EXTRAS, f"{owner}.{name}"
        for option in EXTRAS:
            assert signature.parameters[option].kind is inspect.Parameter.KEYWORD_ONLY


def test_every_post_takes_an_idempotency_key() -> None:
    takes_key = {
        (owner.removeprefix("Async"), name)
        for owner, name, signature in _methods()
        if "idempotency_key" in signature.parameters
    }
    assert takes_key == POSTS


def _token(mock: respx.MockRouter) -> None:
    mock.post(AUTH).mock(
        return_value=httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
    )


@respx.mock(assert_all_called=True)
def test_extras_are_merged_into_the_request(respx_mock: respx.MockRouter) -> None:
    _token(respx_mock)
    created = respx_mock.post(f"{API}/customers").mock(
        return_value=httpx.Response(201, json={"message": "ok", "customerId": "c-1"})
    )
    respx_mock.get(f"{API}/customers/c-1").mock(
        return_value=httpx.Response(
            200,
            json={
                "message": "ok",
                "data": [
                    {
                        "customerId": "c-1",
                        "customerName": "A",
                        "email": "a@b.c",
                        "paymentChannel": "manual",
                    }
                ],
            },
        )
    )
    with PaigoClient(client_id="id", client_secret="secret") as client:
        client.customers.create(
            customer_name="A",
            email="a@b.c",
            payment_channel="manual",
            extra_headers={"X-Trace": "t-1", "user-agent": "mine/1"},
            extra_query={"dryRun": True, "page": 2},
            extra_body={"newPaigoField": {"x": 1}, "email": "override@b.c"},
        )
    request = created.calls.last.request
    assert request.headers["x-trace"] == "t-1"
    assert request.headers.get_list("user-agent") == ["mine/1"]
    assert dict(request.url.params) == {"dryRun": "true", "page": "2"}
    assert json.loads(request.content) == {
        "customerName": "A",
        "email": "override@b.c",
        "paymentChannel": "manual",
        "newPaigoField": {"x": 1},
    }


@respx.mock(assert_all_called=True)
def test_extra_body_becomes_the_body_of_a_method_without_one(
    respx_mock: respx.MockRouter,
) -> None:
    _token(respx_mock)
    deleted = respx_mock.delete(f"{API}/dimensions/d-1").mock(
        return_value=httpx.Response(200, json={"message": "ok", "dimensionId": "d-1"})
    )
    with PaigoClient(client_id="id", client_secret="secret") as client:
        client.dimensions.delete("d-1", extra_body={"reason": "unused"})
    request = deleted.calls.last.request
    assert json.loads(request.content) == {"reason": "unused"}
    assert request.headers["content-type"] == "application/json"


@pytest.mark.anyio
async def test_async_extras_are_merged_into_the_request() -> None:
    async with respx.mock(assert_all_called=True) as mock:
        _token(mock)
        listed = mock.get(f"{API}/dimensions").mock(
            return_value=httpx.Response(200, json={"message": "ok", "data": []})
        )
        async with AsyncPaigoClient(client_id="id", client_secret="secret") as client:
            await client.dimensions.list(
                extra_headers={"X-Trace": "t-2"}, extra_query={"limit": 10}
            )
    request = listed.calls.last.request
    assert request.headers["x-trace"] == "t-2"
    assert request.url.params["limit"] == "10"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"extra_headers": {"X-Number": 1}}, "extra_headers must be a mapping of str to str"),
        ({"extra_query": {"when": 1.5}}, "extra_query must be a mapping of str to str or int"),
        ({"extra_body": ["not", "an", "object"]}, "extra_body must be a mapping"),
    ],
)
@respx.mock(assert_all_called=False)
def test_malformed_extras_are_refused_before_sending(
    respx_mock: respx.MockRouter, options: dict[str, object], message: str
) -> None:
    route = respx_mock.route().mock(return_value=httpx.Response(500))
    with (
        PaigoClient(client_id="id", client_secret="secret") as client,
        pytest.raises(ClientValidationError, match=message),
    ):
        client.dimensions.list(**options)  # type: ignore[arg-type]
    assert not route.called


@respx.mock(assert_all_called=False)
def test_extra_body_on_an_upload_or_a_batch_is_refused(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.route().mock(return_value=httpx.Response(500))
    with PaigoClient(client_id="id", client_secret="secret") as client:
        with pytest.raises(ClientValidationError, match="JSON object body"):
            client.settings.upload_invoice_image(b"\x89PNG", extra_body={"a": 1})
        with pytest.raises(ClientValidationError, match="JSON object body"):
            client.usage.record_batch(
                [
                    {
                        "customer_id": "c",
                        "dimension_id": "d",
                        "record_value": "1",
                        "timestamp": "2026-11-24T08:00:00Z",
                    }
                ],
                extra_body={"a": 1},
            )
    assert not route.called


def test_arguments_are_validated_before_the_extras_are_merged() -> None:
    # A valid extra_body cannot rescue an invalid argument: validation comes first.
    with (
        PaigoClient(client_id="id", client_secret="secret") as client,
        pytest.raises(ClientValidationError, match="record_value"),
    ):
        client.usage.record(
            customer_id="c",
            dimension_id="d",
            record_value=1.5,  # type: ignore[arg-type]
            extra_body={"recordValue": "1.5"},
        )
