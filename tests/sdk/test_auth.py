"""Tokens: fetched once, reused until shortly before expiry, refreshed once under concurrency."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from paigo_sdk import (
    APIConnectionError,
    APIResponseValidationError,
    AsyncPaigoClient,
    AuthenticationError,
    PaigoClient,
)
from paigo_sdk._auth import TokenCache
from paigo_sdk._config import DEFAULT_AUDIENCE
from tests.sdk.conftest import AUTH, CLIENT_ID, SECRET, TOKEN, FakeClock, FakePaigo

LIST = {"message": "ok", "data": []}


def test_token_request_carries_the_client_credentials(fake: FakePaigo, client: PaigoClient) -> None:
    fake.json("GET", "/dimensions", 200, LIST)
    client.dimensions.list()
    (token_request,) = fake.token_requests()
    assert token_request.method == "POST"
    assert token_request.headers["content-type"] == "application/json"
    assert json.loads(token_request.content) == {
        "audience": DEFAULT_AUDIENCE,
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }
    assert fake.api_requests()[0].headers["authorization"] == f"Bearer {TOKEN}-1"


def test_token_is_reused_until_shortly_before_expiry(
    fake: FakePaigo, client: PaigoClient, clock: FakeClock
) -> None:
    fake.json("GET", "/dimensions", 200, LIST)
    client.dimensions.list()
    clock.advance(86400 - 61)
    client.dimensions.list()
    assert len(fake.token_requests()) == 1
    clock.advance(2)  # now inside the 60 s refresh margin
    client.dimensions.list()
    assert len(fake.token_requests()) == 2
    assert fake.api_requests()[-1].headers["authorization"] == f"Bearer {TOKEN}-2"


def test_short_lived_tokens_refresh_at_ten_percent_of_their_lifetime(
    fake: FakePaigo, client: PaigoClient, clock: FakeClock
) -> None:
    fake.token_lifetime = 300
    fake.json("GET", "/dimensions", 200, LIST)
    client.dimensions.list()
    clock.advance(269)
    client.dimensions.list()
    assert len(fake.token_requests()) == 1
    clock.advance(2)
    client.dimensions.list()
    assert len(fake.token_requests()) == 2


def test_copies_from_with_options_share_the_token_cache(
    fake: FakePaigo, client: PaigoClient
) -> None:
    fake.json("GET", "/dimensions", 200, LIST)
    client.dimensions.list()
    client.with_options(timeout=5.0, max_retries=0).dimensions.list()
    assert len(fake.token_requests()) == 1


def test_401_invalidates_the_token_and_retries_once(fake: FakePaigo, client: PaigoClient) -> None:
    fake.add(
        "GET",
        "/dimensions",
        httpx.Response(401, json={"message": "Unauthorized"}),
        httpx.Response(200, json=LIST),
    )
    assert client.dimensions.list() == []
    first, second = fake.api_requests()
    assert first.headers["authorization"] == f"Bearer {TOKEN}-1"
    assert second.headers["authorization"] == f"Bearer {TOKEN}-2"


def test_a_second_401_is_raised_without_looping(fake: FakePaigo, client: PaigoClient) -> None:
    fake.json("GET", "/dimensions", 401, {"message": "Unauthorized"})
    with pytest.raises(AuthenticationError) as caught:
        client.dimensions.list()
    assert caught.value.status_code == 401
    assert caught.value.message == "Unauthorized"
    assert len(fake.api_requests()) == 2
    assert len(fake.token_requests()) == 2


@pytest.mark.parametrize("status", [400, 401, 403])
def test_token_endpoint_rejection_raises_authentication_error_with_its_message(
    fake: FakePaigo, client: PaigoClient, status: int
) -> None:
    fake.token_replies.append(
        httpx.Response(status, json={"error": "access_denied", "error_description": "Unauthorized"})
    )
    with pytest.raises(AuthenticationError) as caught:
        client.dimensions.list()
    assert caught.value.status_code == status
    assert caught.value.message == "Unauthorized"
    assert caught.value.url == AUTH
    assert fake.api_requests() == []


def test_unreachable_token_endpoint_raises_a_connection_error(
    fake: FakePaigo, make_client: Callable[..., PaigoClient]
) -> None:
    fake.token_replies.append(httpx.ConnectError("connection refused"))
    client = make_client(max_retries=0)
    with pytest.raises(APIConnectionError):
        client.dimensions.list()
    assert fake.api_requests() == []


def test_token_reply_without_a_token_is_a_response_validation_error(
    fake: FakePaigo, client: PaigoClient
) -> None:
    fake.token_replies.append(httpx.Response(200, json={"token_type": "Bearer"}))
    with pytest.raises(APIResponseValidationError):
        client.dimensions.list()


def test_fifty_threads_with_no_token_cause_one_token_request(
    fake: FakePaigo, client: PaigoClient
) -> None:
    fake.json("GET", "/dimensions", 200, LIST)
    arrived = threading.Barrier(50, timeout=10)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            arrived.wait()
            client.dimensions.list()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(fake.token_requests()) == 1
    assert len(fake.api_requests()) == 50


@pytest.mark.anyio
async def test_fifty_tasks_with_no_token_cause_one_token_request(
    fake: FakePaigo, clock: FakeClock
) -> None:
    fake.json("GET", "/dimensions", 200, LIST)

    async def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == AUTH:
            for _ in range(20):  # let every other task reach the token lock first
                await asyncio.sleep(0)
        return fake(request)

    settings: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "api_url": "http://paigo.test",
        "auth_url": AUTH,
        "transport": httpx.MockTransport(handler),
        "clock": clock,
        "sleep": clock.async_sleep,
    }
    async with AsyncPaigoClient(**settings) as client:
        results = await asyncio.gather(*(client.dimensions.list() for _ in range(50)))
    assert results == [[]] * 50
    assert len(fake.token_requests()) == 1
    assert len(fake.api_requests()) == 50


@pytest.mark.anyio
async def test_async_401_refreshes_and_retries_once(
    fake: FakePaigo, make_async_client: Callable[..., AsyncPaigoClient]
) -> None:
    fake.add(
        "GET",
        "/dimensions",
        httpx.Response(401, json={"message": "Unauthorized"}),
        httpx.Response(200, json=LIST),
    )
    async with make_async_client() as client:
        assert await client.dimensions.list() == []
    assert len(fake.token_requests()) == 2


def test_token_cache_forgets_only_the_token_it_was_asked_to() -> None:
    clock = FakeClock()
    cache = TokenCache(clock)
    assert cache.current() is None
    cache.store("old", 3600)
    cache.store("new", 3600)
    cache.invalidate("old")
    assert cache.current() == "new"
    cache.invalidate("new")
    assert cache.current() is None
    assert "new" not in repr(cache)
