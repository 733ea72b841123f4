"""The in-process transport: httpx requests in, handler replies out, faults as network errors."""

from __future__ import annotations

import json

import httpx
import pytest

from simulator.api.messages import ApiRequest, ApiResponse
from simulator.faults import FaultRule, Faults
from simulator.transport import SimulatorTransport

BASE_URL = "http://paigo-simulator.local"


class EchoHandler:
    """Answer 201 with a description of the request; remember what it was given."""

    def __init__(self) -> None:
        self.requests: list[ApiRequest] = []

    def handle(self, request: ApiRequest) -> ApiResponse:
        self.requests.append(request)
        body = {
            "method": request.method,
            "path": request.path,
            "query": [list(pair) for pair in request.query],
            "headers": request.headers,
            "body": request.body.decode(),
        }
        return ApiResponse(
            201,
            (("content-type", "application/json"), ("x-reply", "a"), ("x-reply", "b")),
            json.dumps(body).encode(),
        )


class NoSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def handler() -> EchoHandler:
    return EchoHandler()


@pytest.fixture
def faults() -> Faults:
    return Faults(seed=1)


@pytest.fixture
def sleeper() -> NoSleep:
    return NoSleep()


@pytest.fixture
def transport(handler, faults, sleeper) -> SimulatorTransport:
    return SimulatorTransport(
        handler, faults=faults, sleep=sleeper, async_sleep=sleeper.async_sleep
    )


def test_one_object_is_both_a_sync_and_an_async_transport(transport):
    assert isinstance(transport, httpx.BaseTransport)
    assert isinstance(transport, httpx.AsyncBaseTransport)


def test_sync_request_reaches_the_handler_as_an_api_request(transport, handler):
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        response = client.post(
            "/customers/c%201/usage?a=1&a=2&empty=",
            json={"x": 1},
            headers={"X-Custom": "Yes"},
        )
    assert response.status_code == 201
    assert response.headers.get_list("x-reply") == ["a", "b"]
    [seen] = handler.requests
    assert seen.method == "POST"
    assert seen.path == "/customers/c%201/usage"
    assert seen.query == (("a", "1"), ("a", "2"), ("empty", ""))
    assert seen.headers["x-custom"] == "Yes"
    assert seen.headers["content-type"] == "application/json"
    assert json.loads(seen.body) == {"x": 1}


@pytest.mark.anyio
async def test_async_request_reaches_the_same_handler(transport, handler):
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        response = await client.get("/dimensions", params={"q": "v"})
    assert response.status_code == 201
    assert response.json()["query"] == [["q", "v"]]
    assert [r.path for r in handler.requests] == ["/dimensions"]


def test_repeated_request_headers_are_joined(transport, handler):
    request = httpx.Request("GET", f"{BASE_URL}/x", headers=[("X-A", "1"), ("x-a", "2")])
    transport.handle_request(request)
    assert handler.requests[0].headers["x-a"] == "1, 2"


def test_status_fault_answers_without_applying_the_request(transport, handler, faults):
    faults.add(FaultRule(kind="status", status=429, retry_after=3, times=1))
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        first = client.post("/usage", json={})
        second = client.post("/usage", json={})
    assert first.status_code == 429
    assert first.headers["retry-after"] == "3"
    assert first.json() == {"message": "Too Many Requests"}
    assert second.status_code == 201
    assert len(handler.requests) == 1


def test_hang_raises_read_timeout_and_does_not_apply(transport, handler, faults):
    faults.add(FaultRule(kind="hang", method="POST", path="/usage"))
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.post("/usage", json={})
        assert client.get("/usage").status_code == 201
    assert [r.method for r in handler.requests] == ["GET"]


def test_drop_raises_a_protocol_error_and_does_not_apply(transport, handler, faults):
    faults.add(FaultRule(kind="drop"))
    with (
        httpx.Client(transport=transport, base_url=BASE_URL) as client,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        client.post("/usage", json={})
    assert handler.requests == []


def test_refuse_raises_a_connect_error_and_does_not_apply(transport, handler, faults):
    faults.add(FaultRule(kind="refuse", times=1))
    with (
        httpx.Client(transport=transport, base_url=BASE_URL) as client,
        pytest.raises(httpx.ConnectError),
    ):
        client.post("/usage", json={})
    assert handler.requests == []


def test_lost_response_applies_the_request_then_fails(transport, handler, faults):
    faults.add(FaultRule(kind="lost_response", times=1))
    with (
        httpx.Client(transport=transport, base_url=BASE_URL) as client,
        pytest.raises(httpx.RemoteProtocolError, match="applied"),
    ):
        client.post("/usage", json={"n": 1})
    assert len(handler.requests) == 1


@pytest.mark.anyio
async def test_async_faults_raise_the_same_exceptions(transport, handler, faults):
    faults.add(FaultRule(kind="hang", times=1))
    faults.add(FaultRule(kind="lost_response", times=1))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/a")
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/b")
        assert (await client.get("/c")).status_code == 201
    assert [r.path for r in handler.requests] == ["/b", "/c"]


def test_latency_uses_the_injected_sleep(transport, faults, sleeper):
    faults.add(FaultRule(kind="latency", latency=1.5))
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        assert client.get("/x").status_code == 201
    assert sleeper.waits == [1.5]


@pytest.mark.anyio
async def test_async_latency_uses_the_injected_async_sleep(transport, faults, sleeper):
    faults.add(FaultRule(kind="latency", latency=0.5, times=1))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        await client.get("/x")
        await client.get("/x")
    assert sleeper.waits == [0.5]


def test_transport_without_faults_passes_everything(handler):
    with httpx.Client(transport=SimulatorTransport(handler), base_url=BASE_URL) as client:
        assert client.delete("/webhooks/1").status_code == 201
    assert handler.requests[0].method == "DELETE"
