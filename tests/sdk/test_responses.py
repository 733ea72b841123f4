"""`with_raw_response` and `with_streaming_response`, sync and async, through respx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from paigo_sdk import APIResponseValidationError, AsyncPaigoClient, NotFoundError, PaigoClient
from paigo_sdk._response import AsyncStreamedResponse, RawResponse, StreamedResponse
from paigo_sdk.types import Customer

API = "https://api.prod.paigo.tech"
AUTH = "https://auth.paigo.tech/oauth/token"
FILE = "https://files.example/invoices/inv-1.pdf?signature=abc"
CUSTOMER = {
    "customerId": "c-1",
    "customerName": "Dumm AI Corp",
    "email": "billing@dumm.ai",
    "paymentChannel": "manual",
}
INVOICE = {
    "invoiceId": "inv-1",
    "invoiceStatus": "Open",
    "totalAmountWithoutTax": 10,
    "invoiceUrl": FILE,
}
CHUNKS = [b"%PDF-1.3\n", b"x" * 1000, b"%%EOF\n"]


def _token(mock: respx.MockRouter) -> None:
    mock.post(AUTH).mock(
        return_value=httpx.Response(200, json={"access_token": "tok", "expires_in": 3600})
    )


class _Pulled(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that records how many chunks have been pulled off the wire."""

    def __init__(self) -> None:
        self.pulled = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in CHUNKS:
            self.pulled += 1
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in CHUNKS:
            self.pulled += 1
            yield chunk


@respx.mock(assert_all_called=True)
def test_raw_response_has_status_headers_body_and_parse(respx_mock: respx.MockRouter) -> None:
    _token(respx_mock)
    respx_mock.get(f"{API}/customers/c-1").mock(
        return_value=httpx.Response(
            200, json={"message": "ok", "data": [CUSTOMER]}, headers={"X-Request-Id": "r-1"}
        )
    )
    with PaigoClient(client_id="id", client_secret="secret") as client:
        raw = client.with_raw_response.customers.retrieve("c-1")
    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200
    assert raw.headers["x-request-id"] == "r-1"
    assert raw.json() == {"message": "ok", "data": [CUSTOMER]}
    assert raw.content.startswith(b'{"message"')
    assert (raw.method, raw.url.path) == ("GET", "/customers/c-1")
    parsed = raw.parse()
    assert isinstance(parsed, Customer)
    assert parsed.customer_name == "Dumm AI Corp"


@respx.mock(assert_all_called=True)
def test_raw_response_of_a_create_is_the_write(respx_mock: respx.MockRouter) -> None:
    _token(respx_mock)
    respx_mock.post(f"{API}/customers").mock(
        return_value=httpx.Response(201, json={"message": "created", "customerId": "c-1"})
    )
    respx_mock.get(f"{API}/customers/c-1").mock(
        return_value=httpx.Response(200, json={"message": "ok", "data": [CUSTOMER]})
    )
    with PaigoClient(client_id="id", client_secret="secret") as client:
        raw = client.with_raw_response.customers.create(
            customer_name="Dumm AI Corp", email="billing@dumm.ai", payment_channel="manual"
        )
    assert (raw.method, raw.status_code) == ("POST", 201)
    assert raw.json() == {"message": "created", "customerId": "c-1"}
    assert [r.request.method for r in raw.responses] == ["POST", "GET"]
    assert raw.parse().customer_id == "c-1"


@respx.mock(assert_all_called=True)
def test_raw_response_still_raises_typed_errors(respx_mock: respx.MockRouter) -> None:
    _token(respx_mock)
    respx_mock.get(f"{API}/customers/ghost").mock(
        return_value=httpx.Response(404, json={"message": "Customer with ID: ghost not found"})
    )
    with (
        PaigoClient(client_id="id", client_secret="secret", max_retries=0) as client,
        pytest.raises(NotFoundError),
    ):
        client.with_raw_response.customers.retrieve("ghost")


@respx.mock(assert_all_called=True)
def test_sub_resources_are_wrapped_too(respx_mock: respx.MockRouter) -> None:
    _token(respx_mock)
    respx_mock.get(f"{API}/customers/c-1/transactions").mock(
        return_value=httpx.Response(200, json={"message": "ok", "data": []})
    )
    with PaigoClient(client_id="id", client_secret="secret") as client:
        raw = client.with_raw_response.customers.transactions.list("c-1")
    assert raw.status_code == 200
    assert list(raw.parse()) == []


def test_the_wrapper_refuses_what_is_not_a_resource_method() -> None:
    with PaigoClient(client_id="id", client_secret="secret") as client:
        with pytest.raises(AttributeError):
            _ = client.with_raw_response.close
        with pytest.raises(AttributeError):
            _ = client.with_raw_response._request


@pytest.mark.anyio
async def test_async_raw_response() -> None:
    async with respx.mock(assert_all_called=True) as mock:
        _token(mock)
        mock.get(f"{API}/dimensions").mock(
            return_value=httpx.Response(200, json={"message": "ok", "data": []})
        )
        async with AsyncPaigoClient(client_id="id", client_secret="secret") as client:
            raw = await client.with_raw_response.dimensions.list()
    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200
    assert list(raw.parse()) == []


def _invoice_routes(mock: respx.MockRouter, body: _Pulled) -> respx.Route:
    _token(mock)
    mock.get(f"{API}/invoices/inv-1", params={"download": "true"}).mock(
        return_value=httpx.Response(200, json={"message": "ok", "data": [INVOICE]})
    )
    return mock.get(FILE).mock(
        return_value=httpx.Response(200, headers={"Content-Type": "application/pdf"}, stream=body)
    )


@respx.mock(assert_all_called=True)
def test_download_returns_the_file_without_sending_the_token(
    respx_mock: respx.MockRouter,
) -> None:
    body = _Pulled()
    file = _invoice_routes(respx_mock, body)
    with PaigoClient(client_id="id", client_secret="secret") as client:
        assert client.invoices.download("inv-1") == b"".join(CHUNKS)
    assert "authorization" not in file.calls.last.request.headers


@respx.mock(assert_all_called=True)
def test_streaming_download_reads_the_body_only_when_iterated(
    respx_mock: respx.MockRouter,
) -> None:
    body = _Pulled()
    _invoice_routes(respx_mock, body)
    with (
        PaigoClient(client_id="id", client_secret="secret") as client,
        client.with_streaming_response.invoices.download("inv-1") as response,
    ):
        assert isinstance(response, StreamedResponse)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert body.pulled == 0
        chunks = list(response.iter_bytes())
    assert b"".join(chunks) == b"".join(CHUNKS)
    assert body.pulled == len(CHUNKS)
    assert response.http_response.is_closed


@pytest.mark.anyio
async def test_async_streaming_download() -> None:
    body = _Pulled()
    async with respx.mock(assert_all_called=True) as mock:
        _invoice_routes(mock, body)
        async with (
            AsyncPaigoClient(client_id="id", client_secret="secret") as client,
            client.with_streaming_response.invoices.download("inv-1") as response,
        ):
            assert isinstance(response, AsyncStreamedResponse)
            assert body.pulled == 0
            content = await response.parse()
    assert content == b"".join(CHUNKS)
    assert response.http_response.is_closed


@respx.mock(assert_all_called=True)
def test_streaming_a_json_method_gives_its_parsed_value(respx_mock: respx.MockRouter) -> None:
    _token(respx_mock)
    respx_mock.get(f"{API}/customers/c-1").mock(
        return_value=httpx.Response(200, json={"message": "ok", "data": [CUSTOMER]})
    )
    with (
        PaigoClient(client_id="id", client_secret="secret") as client,
        client.with_streaming_response.customers.retrieve("c-1") as response,
    ):
        assert b"".join(response.iter_bytes()).startswith(b'{"message"')
        assert response.parse().customer_id == "c-1"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "link", ["http://[::1", "http://files.example/\r\nX-Injected: 1", "\x00", "http://\udc80/"]
)
async def test_a_download_link_that_is_not_a_url_is_a_typed_reply_error(link: str) -> None:
    async with respx.mock(assert_all_called=True) as mock:
        _token(mock)
        mock.get(f"{API}/invoices/inv-1", params={"download": "true"}).mock(
            return_value=httpx.Response(
                200,
                # ASCII JSON: a lone surrogate travels as its escape, as a server would send it.
                content=json.dumps({"message": "ok", "data": [{**INVOICE, "invoiceUrl": link}]}),
                headers={"Content-Type": "application/json"},
            )
        )
        with (
            PaigoClient(client_id="id", client_secret="secret") as client,
            pytest.raises(APIResponseValidationError, match="not a usable URL") as sync,
        ):
            client.invoices.download("inv-1")
        async with AsyncPaigoClient(client_id="id", client_secret="secret") as client:
            with pytest.raises(APIResponseValidationError, match="not a usable URL"):
                await client.invoices.download("inv-1")
    str(sync.value).encode("utf-8")  # the message can be logged whatever the link held
