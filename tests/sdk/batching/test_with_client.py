"""The batcher through the real PaigoClient: headers, error mapping, auth refresh, wire batches."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from paigo_sdk import AsyncPaigoClient, PaigoClient
from paigo_sdk.batching import AsyncUsageBatcher, UsageBatcher

API = "http://paigo.test"
FAST: dict[str, Any] = {"retry_initial_delay": 0.001, "retry_max_delay": 0.005}


class UsageHandler:
    """POST /usage with Paigo's idempotency (B2), arrays when enabled, and scripted faults.

    Faults: an int status (429 carries `Retry-After: 0`), "drop", "timeout", "lost" (applied,
    then the connection breaks), "expire" (the current token stops being valid).
    """

    def __init__(
        self,
        *,
        array_batches: bool = True,
        deduplication: bool = True,
        array_refusal: str = "usage batches are not enabled on this server",
    ) -> None:
        self.array_batches = array_batches
        self.array_refusal = array_refusal
        self.arrays = 0
        self.deduplication = deduplication
        self.script: list[int | str] = []
        self.stored: list[tuple[str, str, Decimal]] = []
        self.keys: dict[tuple[str, str], int] = {}
        self.tokens = 0
        self.token: str | None = None
        self.requests = 0
        self.headers_seen: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def total(self) -> Decimal:
        return sum((value for _, _, value in self.stored), Decimal(0))

    def _store(self, body: dict[str, Any], key: str) -> bool:
        scope = (body["customerId"], key)
        if self.deduplication and scope in self.keys:
            return True
        self.keys[scope] = self.keys.get(scope, 0) + 1
        self.stored.append((body["customerId"], key, Decimal(body["recordValue"])))
        return False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            return self._handle(request)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            self.tokens += 1
            self.token = f"token-{self.tokens}"
            return httpx.Response(
                200, json={"access_token": self.token, "expires_in": 86400, "token_type": "Bearer"}
            )
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return httpx.Response(401, json={"message": "Unauthorized"})
        self.requests += 1
        self.headers_seen.append(dict(request.headers))
        fault = self.script.pop(0) if self.script else None
        if fault == "expire":
            self.token = None
            return httpx.Response(401, json={"message": "Unauthorized"})
        if fault == "drop":
            raise httpx.ConnectError("connection refused", request=request)
        if fault == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if isinstance(fault, int):
            headers = {"Retry-After": "0"} if fault == 429 else {}
            return httpx.Response(fault, json={"message": "try later"}, headers=headers)
        body = json.loads(request.content)
        keys = request.headers["idempotency-key"].split(",")
        if isinstance(body, list):
            self.arrays += 1
            if not self.array_batches:
                message = [self.array_refusal]
                return httpx.Response(400, json={"statusCode": 400, "message": message})
            bad = [f"{i}.customerId unknown" for i, b in enumerate(body) if b["customerId"] == "x"]
            if bad:
                return httpx.Response(400, json={"statusCode": 400, "message": bad})
            statuses = [
                "replayed" if self._store(item, key) else "created"
                for item, key in zip(body, keys, strict=True)
            ]
            if fault == "lost":
                raise httpx.RemoteProtocolError("connection lost", request=request)
            replayed = {"Idempotent-Replayed": "true"} if set(statuses) == {"replayed"} else {}
            return httpx.Response(
                201,
                json={
                    "message": "Usage records created",
                    "data": [{"status": s} for s in statuses],
                },
                headers=replayed,
            )
        if body["customerId"] == "x":
            text = f"Customer with ID: {body['customerId']} not found"
            return httpx.Response(404, json={"message": text, "error": "Not Found"})
        replayed_once = self._store(body, keys[0])
        if fault == "lost":
            raise httpx.RemoteProtocolError("connection lost", request=request)
        return httpx.Response(
            201,
            json={"message": "Usage record created"},
            headers={"Idempotent-Replayed": "true"} if replayed_once else {},
        )


@pytest.fixture
def handler() -> UsageHandler:
    return UsageHandler()


@pytest.fixture
def client(handler: UsageHandler) -> Iterator[PaigoClient]:
    with PaigoClient(
        client_id="id",
        client_secret="secret",
        api_url=API,
        auth_url=f"{API}/oauth/token",
        transport=httpx.MockTransport(handler),
    ) as paigo:
        yield paigo


@pytest.mark.parametrize("wire", [False, True], ids=["single", "wire"])
@pytest.mark.parametrize("fault", [429, 500, 503, "drop", "timeout", "lost", "expire"])
def test_transient_faults_through_the_client_lose_and_duplicate_nothing(
    client: PaigoClient, handler: UsageHandler, fault: int | str, wire: bool
) -> None:
    handler.script = [fault, fault, "ok", fault]
    with client.usage.batcher(wire_batches=wire, max_batch=10, **FAST) as batcher:
        for index in range(40):
            batcher.add("c1", "d1", Decimal(index) / 4)
    assert len(handler.stored) == 40
    assert handler.total() == sum(Decimal(i) / 4 for i in range(40))
    # A first 401 is absorbed by the client's token refresh; the batcher retries the rest.
    assert batcher.stats().retried >= (1 if fault == "expire" else 2)
    if fault == "expire":
        assert handler.tokens >= 2


def test_every_request_carries_the_records_keys(client: PaigoClient, handler: UsageHandler) -> None:
    with UsageBatcher(client, wire_batches=True, max_batch=5) as batcher:
        keys = [batcher.add("c1", "d1", 1) for _ in range(10)]
    sent = [h["idempotency-key"].split(",") for h in handler.headers_seen]
    assert sorted(key for group in sent for key in group) == sorted(keys)
    assert all(len(group) <= 5 for group in sent)


def test_a_bad_record_in_a_wire_batch_is_found_and_the_rest_delivered(
    client: PaigoClient, handler: UsageHandler
) -> None:
    with UsageBatcher(client, wire_batches=True, max_batch=10) as batcher:
        for index in range(10):
            batcher.add("x" if index == 4 else "c1", "d1", index)
        report = batcher.flush()
    assert report.delivered == 9
    assert [(r.record.customer_id, r.status_code) for r in report.rejected] == [("x", 404)]
    assert "not found" in report.rejected[0].reason
    assert handler.total() == sum(range(10)) - 4


def test_a_server_without_arrays_gets_one_record_per_request(client: PaigoClient) -> None:
    handler = UsageHandler(array_batches=False)
    with (
        PaigoClient(
            client_id="id",
            client_secret="secret",
            api_url=API,
            auth_url=f"{API}/oauth/token",
            transport=httpx.MockTransport(handler),
        ) as other,
        other.usage.batcher(wire_batches=True, max_batch=10) as batcher,
    ):
        for index in range(30):
            batcher.add("c1", "d1", index)
    assert handler.total() == sum(range(30))


def test_without_deduplication_acknowledged_records_are_never_resent(client: PaigoClient) -> None:
    handler = UsageHandler(deduplication=False)
    handler.script = [503, "drop", 429, "timeout"] * 5
    with (
        PaigoClient(
            client_id="id",
            client_secret="secret",
            api_url=API,
            auth_url=f"{API}/oauth/token",
            transport=httpx.MockTransport(handler),
        ) as other,
        other.usage.batcher(max_batch=10, **FAST) as batcher,
    ):
        for index in range(50):
            batcher.add("c1", "d1", index)
    assert sorted(handler.keys.values()) == [1] * 50
    assert handler.total() == sum(range(50))


@pytest.mark.anyio
async def test_the_async_batcher_through_the_async_client(handler: UsageHandler) -> None:
    handler.script = [503, "drop", "expire", "lost"]
    async with (
        AsyncPaigoClient(
            client_id="id",
            client_secret="secret",
            api_url=API,
            auth_url=f"{API}/oauth/token",
            transport=httpx.MockTransport(handler),
        ) as client,
        AsyncUsageBatcher(client, wire_batches=True, max_batch=7, **FAST) as batcher,
    ):
        for index in range(50):
            await batcher.add("c1", "d1", index)
    assert handler.total() == sum(range(50))
    assert len(handler.stored) == 50


def test_logs_never_carry_the_secret_or_the_token(
    client: PaigoClient, handler: UsageHandler, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="paigo_sdk")
    handler.script = [503, "expire", "drop"]
    with client.usage.batcher(max_batch=5, **FAST) as batcher:
        for index in range(10):
            batcher.add("c1", "d1", index)
        batcher.add("x", "d1", 1)
    assert "retrying" in caplog.text
    assert "not delivered" in caplog.text
    assert "secret" not in caplog.text
    assert "token-" not in caplog.text
    assert "secret" not in repr(batcher)


@pytest.mark.anyio
async def test_the_async_client_builds_an_async_batcher(handler: UsageHandler) -> None:
    async with AsyncPaigoClient(
        client_id="id",
        client_secret="secret",
        api_url=API,
        auth_url=f"{API}/oauth/token",
        transport=httpx.MockTransport(handler),
    ) as client:
        batcher = client.usage.batcher(max_batch=3)
        assert isinstance(batcher, AsyncUsageBatcher)
        async with batcher:
            await batcher.add("c1", "d1", "2.50")
    assert handler.total() == Decimal("2.50")


def test_a_key_repeated_within_one_wire_batch_is_stored_once(
    client: PaigoClient, handler: UsageHandler
) -> None:
    with UsageBatcher(client, wire_batches=True, max_batch=10) as batcher:
        batcher.add("c1", "d1", 5, idempotency_key="order-1")
        batcher.add("c1", "d1", 5, idempotency_key="order-1")
        batcher.add("c1", "d1", 7)
        report = batcher.flush(timeout=10)
    assert (report.delivered, report.replayed, report.rejected) == (3, 1, ())
    assert handler.total() == 12


def test_a_server_refusing_arrays_in_its_own_words_gets_single_records_after_one_try() -> None:
    handler = UsageHandler(array_batches=False, array_refusal="property 0 should not exist")
    with (
        PaigoClient(
            client_id="id",
            client_secret="secret",
            api_url=API,
            auth_url=f"{API}/oauth/token",
            transport=httpx.MockTransport(handler),
        ) as client,
        client.usage.batcher(wire_batches=True, max_batch=10, concurrency=1) as batcher,
    ):
        for index in range(100):
            batcher.add("c1", "d1", index)
    assert handler.total() == sum(range(100))
    assert handler.arrays == 1
