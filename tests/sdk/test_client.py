"""Client set-up: settings from arguments and PAIGO_* variables, lifecycle, headers, timeouts."""

from __future__ import annotations

import platform
from collections.abc import Callable

import httpx
import pytest

from paigo_sdk import AsyncPaigoClient, ClientValidationError, PaigoClient, __version__
from paigo_sdk._config import DEFAULT_API_URL, DEFAULT_AUTH_URL
from tests.sdk.conftest import API, AUTH, FakeClock, FakePaigo

LIST = {"message": "ok", "data": []}


def test_defaults_point_at_the_real_service() -> None:
    client = PaigoClient(client_id="id", client_secret="secret")
    assert client.api_url == DEFAULT_API_URL == "https://api.prod.paigo.tech"
    assert client._config.auth_url == DEFAULT_AUTH_URL == "https://auth.paigo.tech/oauth/token"
    assert (client.timeout, client.max_retries, client.retry_deadline) == (30.0, 4, 60.0)
    client.close()


def test_settings_fall_back_to_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAIGO_CLIENT_ID", "env-id")
    monkeypatch.setenv("PAIGO_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("PAIGO_API_URL", "http://env.test/")
    monkeypatch.setenv("PAIGO_AUTH_URL", "http://env.test/oauth/token")
    with PaigoClient() as client:
        assert client.api_url == "http://env.test"
        assert client._config.client_id == "env-id"
        assert client._config.auth_url == "http://env.test/oauth/token"


def test_arguments_win_over_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAIGO_CLIENT_ID", "env-id")
    monkeypatch.setenv("PAIGO_API_URL", "http://env.test")
    with PaigoClient(client_id="arg-id", client_secret="s", api_url="http://arg.test") as client:
        assert client._config.client_id == "arg-id"
        assert client.api_url == "http://arg.test"


def test_missing_credentials_fail_at_construction() -> None:
    with pytest.raises(ClientValidationError, match="PAIGO_CLIENT_ID"):
        AsyncPaigoClient()


@pytest.mark.parametrize(
    "options", [{"max_retries": -1}, {"retry_deadline": -1.0}, {"timeout": 0.0}]
)
def test_out_of_range_limits_fail_at_construction(options: dict[str, float]) -> None:
    with pytest.raises(ClientValidationError):
        PaigoClient(client_id="id", client_secret="s", **options)  # type: ignore[arg-type]


def test_requests_carry_json_headers_and_the_user_agent(
    fake: FakePaigo, client: PaigoClient
) -> None:
    fake.json("GET", "/dimensions", 200, LIST)
    client.dimensions.list()
    request = fake.api_requests()[0]
    assert request.headers["user-agent"] == (
        f"paigo-sdk/{__version__} python/{platform.python_version()}"
    )
    assert request.headers["accept"] == "application/json"
    assert fake.token_requests()[0].headers["user-agent"].startswith("paigo-sdk/")


def _timeouts(seen: list[object]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions.get("timeout"))
        if str(request.url) == AUTH:
            return httpx.Response(200, json={"access_token": "t", "expires_in": 86400})
        return httpx.Response(200, json=LIST)

    return handler


def test_timeouts_come_from_the_client_the_copy_or_the_call(clock: FakeClock) -> None:
    seen: list[object] = []
    client = PaigoClient(
        client_id="id",
        client_secret="s",
        api_url=API,
        auth_url=AUTH,
        timeout=12.0,
        transport=httpx.MockTransport(_timeouts(seen)),
        clock=clock,
    )
    client.dimensions.list()
    client.with_options(timeout=3.0).dimensions.list()
    client.dimensions.list(timeout=1.5)
    seconds = [timeout["read"] for timeout in seen]  # type: ignore[index]
    assert seconds == [12.0, 12.0, 3.0, 1.5]  # the token request uses the first call's timeout
    client.close()


def test_context_manager_closes_its_own_connection_pool(fake: FakePaigo) -> None:
    with PaigoClient(
        client_id="id", client_secret="s", transport=httpx.MockTransport(fake)
    ) as client:
        pass
    assert client._http.is_closed


def test_an_injected_http_client_is_left_open(fake: FakePaigo) -> None:
    http = httpx.Client(transport=httpx.MockTransport(fake))
    with PaigoClient(client_id="id", client_secret="s", http_client=http):
        pass
    assert not http.is_closed
    http.close()


def test_closing_a_copy_leaves_the_original_usable(fake: FakePaigo, client: PaigoClient) -> None:
    fake.json("GET", "/dimensions", 200, LIST)
    copy = client.with_options(max_retries=0)
    copy.close()
    assert client.dimensions.list() == []
    assert copy.dimensions is not client.dimensions
    assert copy.dimensions._client is copy


@pytest.mark.anyio
async def test_async_context_manager_closes_its_own_connection_pool(fake: FakePaigo) -> None:
    async with AsyncPaigoClient(
        client_id="id", client_secret="s", transport=httpx.MockTransport(fake)
    ) as client:
        pass
    assert client._http.is_closed


def test_resources_are_built_once_and_lazily(client: PaigoClient) -> None:
    assert "customers" not in vars(client)
    assert client.customers is client.customers
    assert client.customers.enrollment is client.customers.enrollment


def test_usage_batcher_is_built_from_the_batching_package(client: PaigoClient) -> None:
    from paigo_sdk.batching import UsageBatcher

    batcher = client.usage.batcher(flush_interval=0.05)
    try:
        assert isinstance(batcher, UsageBatcher)
    finally:
        batcher.close()


def test_a_closed_client_refuses_to_send(fake: FakePaigo) -> None:
    client = PaigoClient(client_id="id", client_secret="s", transport=httpx.MockTransport(fake))
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.dimensions.list()
    assert fake.requests == []


@pytest.mark.anyio
async def test_async_usage_batcher_is_built_from_the_batching_package(
    make_async_client: Callable[..., AsyncPaigoClient],
) -> None:
    from paigo_sdk.batching import AsyncUsageBatcher

    async with make_async_client() as client:
        batcher = client.usage.batcher()
        assert isinstance(batcher, AsyncUsageBatcher)
        await batcher.close()
