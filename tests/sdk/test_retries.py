"""Retries: which failures are retried for which requests, how long to wait, and when to stop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from paigo_sdk import (
    APIConnectionError,
    APITimeoutError,
    AsyncPaigoClient,
    BadRequestError,
    ClientValidationError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PaigoClient,
    RateLimitError,
)
from paigo_sdk._retry import RetryClass, RetryPolicy, parse_retry_after
from tests.sdk.conftest import FakeClock, FakePaigo

LIST = {"message": "ok", "data": []}
NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
CREATED = {"message": "Dimension created", "dimensionId": "dim-1"}
DIMENSION = {
    "dimensionId": "dim-1",
    "dimensionName": "Calls",
    "consumptionUnit": {"type": "count", "unit": "count-based"},
    "usageIncrement": "1",
    "rounding": "round",
}


def error(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"message": f"status {status}"}, headers=headers)


def ok_list() -> httpx.Response:
    return httpx.Response(200, json=LIST)


def create_dimension(client: PaigoClient) -> Any:
    return client.dimensions.create(
        dimension_name="Calls",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment=1,
        rounding="round",
    )


def record(client: PaigoClient) -> Any:
    return client.usage.record(
        customer_id="c", dimension_id="d", record_value=Decimal(1), timestamp=NOW
    )


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_safe_requests_retry_retryable_statuses(
    fake: FakePaigo, client: PaigoClient, status: int
) -> None:
    fake.add("GET", "/dimensions", error(status), error(status), ok_list())
    assert client.dimensions.list() == []
    assert len(fake.api_requests()) == 3


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("slow"),
        httpx.ConnectTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.RemoteProtocolError("reset"),
    ],
    ids=["read-timeout", "connect-timeout", "connect-error", "protocol-error"],
)
def test_safe_requests_retry_timeouts_and_connection_errors(
    fake: FakePaigo, client: PaigoClient, failure: Exception
) -> None:
    fake.add("GET", "/dimensions", failure, ok_list())
    assert client.dimensions.list() == []
    assert len(fake.api_requests()) == 2


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(400, BadRequestError), (404, NotFoundError), (409, ConflictError)],
)
def test_client_errors_are_not_retried(
    fake: FakePaigo, client: PaigoClient, status: int, error_class: type[Exception]
) -> None:
    fake.add("DELETE", "/dimensions/dim-1", error(status))
    with pytest.raises(error_class):
        client.dimensions.delete("dim-1")
    assert len(fake.api_requests()) == 1


def test_retry_after_seconds_are_honoured(
    fake: FakePaigo, client: PaigoClient, clock: FakeClock
) -> None:
    fake.add("GET", "/dimensions", error(429, **{"Retry-After": "7"}), ok_list())
    client.dimensions.list()
    assert clock.sleeps == [7.0]


def test_retry_after_http_date_is_honoured(
    fake: FakePaigo, client: PaigoClient, clock: FakeClock
) -> None:
    later = format_datetime(clock.now() + timedelta(seconds=12), usegmt=True)
    fake.add("GET", "/dimensions", error(503, **{"Retry-After": later}), ok_list())
    client.dimensions.list()
    assert clock.sleeps == [12.0]


def test_retry_after_is_capped(fake: FakePaigo, client: PaigoClient, clock: FakeClock) -> None:
    fake.add("GET", "/dimensions", error(429, **{"Retry-After": "3600"}), ok_list())
    client.dimensions.list()
    assert clock.sleeps == [60.0]


def test_429_without_retry_after_backs_off_exponentially(
    fake: FakePaigo, make_client: Callable[..., PaigoClient], clock: FakeClock
) -> None:
    fake.add("GET", "/dimensions", error(429), error(429), error(429), ok_list())
    client = make_client()
    client.dimensions.list()
    assert len(clock.sleeps) == 3
    first, second, third = clock.sleeps
    assert 0.375 <= first <= 0.5
    assert 0.75 <= second <= 1.0
    assert 1.5 <= third <= 2.0


def test_exhausted_retries_raise_the_last_error_with_its_retry_after(
    fake: FakePaigo, client: PaigoClient
) -> None:
    fake.add("GET", "/dimensions", error(429, **{"Retry-After": "1"}))
    with pytest.raises(RateLimitError) as caught:
        client.dimensions.list()
    assert caught.value.retry_after == 1.0
    assert len(fake.api_requests()) == 5  # the first attempt and max_retries=4


def test_max_retries_zero_disables_retrying(
    fake: FakePaigo, make_client: Callable[..., PaigoClient]
) -> None:
    fake.add("GET", "/dimensions", error(503))
    with pytest.raises(InternalServerError):
        make_client(max_retries=0).dimensions.list()
    assert len(fake.api_requests()) == 1


def test_retry_deadline_zero_disables_retrying(
    fake: FakePaigo, make_client: Callable[..., PaigoClient]
) -> None:
    fake.add("GET", "/dimensions", error(503))
    with pytest.raises(InternalServerError):
        make_client(retry_deadline=0).dimensions.list()
    assert len(fake.api_requests()) == 1


def test_no_retry_starts_after_the_deadline(
    fake: FakePaigo, make_client: Callable[..., PaigoClient], clock: FakeClock
) -> None:
    fake.add("GET", "/dimensions", error(503, **{"Retry-After": "4"}))
    client = make_client(max_retries=100, retry_deadline=10)
    with pytest.raises(InternalServerError):
        client.dimensions.list()
    # attempts at 0 s, 4 s and 8 s; a fourth at 12 s would cross the 10 s deadline
    assert len(fake.api_requests()) == 3
    assert clock.sleeps == [4.0, 4.0]


def test_with_options_changes_the_retry_settings(fake: FakePaigo, client: PaigoClient) -> None:
    fake.add("GET", "/dimensions", error(503))
    with pytest.raises(InternalServerError):
        client.with_options(max_retries=1).dimensions.list()
    assert len(fake.api_requests()) == 2
    assert client.max_retries == 4


@pytest.mark.parametrize(
    "failure",
    [
        error(500),
        error(502),
        error(503),
        error(504),
        error(429),
        httpx.ReadTimeout("slow"),
        httpx.ConnectError("refused"),
    ],
    ids=["500", "502", "503", "504", "429", "read-timeout", "connect-error"],
)
def test_usage_posts_retry_with_the_same_idempotency_key(
    fake: FakePaigo, client: PaigoClient, failure: httpx.Response | Exception
) -> None:
    fake.add("POST", "/usage", failure, failure, httpx.Response(201, json={"message": "created"}))
    record(client)
    keys = {request.headers["Idempotency-Key"] for request in fake.api_requests()}
    assert len(fake.api_requests()) == 3
    assert len(keys) == 1


@pytest.mark.parametrize(
    "failure",
    [error(429), error(503), httpx.ConnectError("refused"), httpx.ConnectTimeout("slow")],
    ids=["429", "503", "connect-error", "connect-timeout"],
)
def test_other_posts_retry_only_when_the_server_did_no_work(
    fake: FakePaigo, client: PaigoClient, failure: httpx.Response | Exception
) -> None:
    fake.add("POST", "/dimensions", failure, httpx.Response(201, json=CREATED))
    fake.json("GET", "/dimensions/dim-1", 200, {"message": "ok", "data": [DIMENSION]})
    create_dimension(client)
    assert [r.method for r in fake.api_requests()] == ["POST", "POST", "GET"]


@pytest.mark.parametrize(
    ("failure", "error_class"),
    [
        (error(500), InternalServerError),
        (error(502), InternalServerError),
        (error(504), InternalServerError),
        (httpx.ReadTimeout("slow"), APITimeoutError),
        (httpx.RemoteProtocolError("reset"), APIConnectionError),
    ],
    ids=["500", "502", "504", "read-timeout", "protocol-error"],
)
def test_creates_retry_after_the_server_may_have_acted_with_one_generated_key(
    fake: FakePaigo,
    client: PaigoClient,
    failure: httpx.Response | Exception,
    error_class: type[Exception],
) -> None:
    fake.add("POST", "/dimensions", failure, failure, httpx.Response(201, json=CREATED))
    fake.json("GET", "/dimensions/dim-1", 200, {"message": "ok", "data": [DIMENSION]})
    create_dimension(client)
    posts = [r for r in fake.api_requests() if r.method == "POST"]
    assert len(posts) == 3
    keys = {r.headers["Idempotency-Key"] for r in posts}
    assert len(keys) == 1
    assert len(keys.pop()) == 32


def test_a_given_idempotency_key_is_sent_on_every_attempt(
    fake: FakePaigo, client: PaigoClient
) -> None:
    fake.add("POST", "/dimensions", error(500), httpx.Response(201, json=CREATED))
    fake.json("GET", "/dimensions/dim-1", 200, {"message": "ok", "data": [DIMENSION]})
    client.dimensions.create(
        dimension_name="Calls",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment=1,
        rounding="round",
        idempotency_key="dim-calls-1",
    )
    posts = [r for r in fake.api_requests() if r.method == "POST"]
    assert [r.headers["Idempotency-Key"] for r in posts] == ["dim-calls-1", "dim-calls-1"]
    assert "Idempotency-Key" not in fake.api_requests()[-1].headers


@pytest.mark.parametrize(
    ("failure", "error_class"),
    [
        (error(500), InternalServerError),
        (httpx.RemoteProtocolError("reset"), APIConnectionError),
    ],
    ids=["500", "protocol-error"],
)
def test_with_retries_off_a_create_carries_no_generated_key(
    fake: FakePaigo,
    make_client: Callable[..., PaigoClient],
    failure: httpx.Response | Exception,
    error_class: type[Exception],
) -> None:
    fake.add("POST", "/dimensions", failure)
    with pytest.raises(error_class):
        create_dimension(make_client(max_retries=0))
    (post,) = fake.api_requests()
    assert "Idempotency-Key" not in post.headers


def test_a_malformed_idempotency_key_is_refused_before_sending(
    fake: FakePaigo, client: PaigoClient
) -> None:
    with pytest.raises(ClientValidationError, match="idempotency keys"):
        client.customers.create(
            customer_name="A", email="a@b.c", payment_channel="manual", idempotency_key="a b"
        )
    assert fake.api_requests() == []


def test_retries_are_logged_with_the_attempt_number(
    fake: FakePaigo, client: PaigoClient, caplog: pytest.LogCaptureFixture
) -> None:
    fake.add("GET", "/dimensions", error(503), ok_list())
    with caplog.at_level("DEBUG", logger="paigo_sdk"):
        client.dimensions.list()
    attempts = [r for r in caplog.records if hasattr(r, "paigo_attempt")]
    assert [(r.paigo_method, r.paigo_path, r.paigo_status, r.paigo_attempt) for r in attempts] == [  # type: ignore[attr-defined]
        ("GET", "/dimensions", 503, 1),
        ("GET", "/dimensions", 200, 2),
    ]
    assert all(isinstance(r.paigo_duration_ms, float) for r in attempts)  # type: ignore[attr-defined]
    assert any("retrying" in r.getMessage() for r in caplog.records)


@pytest.mark.anyio
async def test_async_usage_posts_retry_with_the_same_idempotency_key(
    fake: FakePaigo, make_async_client: Callable[..., AsyncPaigoClient], clock: FakeClock
) -> None:
    fake.add(
        "POST",
        "/usage",
        error(503, **{"Retry-After": "2"}),
        httpx.ReadTimeout("slow"),
        httpx.Response(201, json={"message": "created"}),
    )
    async with make_async_client() as client:
        await client.usage.record(
            customer_id="c", dimension_id="d", record_value=1, timestamp=NOW, idempotency_key="k"
        )
    assert [r.headers["Idempotency-Key"] for r in fake.api_requests()] == ["k", "k", "k"]
    assert clock.sleeps[0] == 2.0


@pytest.mark.anyio
async def test_async_client_errors_are_not_retried(
    fake: FakePaigo, make_async_client: Callable[..., AsyncPaigoClient]
) -> None:
    fake.add("GET", "/dimensions/x", error(404))
    async with make_async_client() as client:
        with pytest.raises(NotFoundError):
            await client.dimensions.retrieve("x")
    assert len(fake.api_requests()) == 1


def test_policy_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(random=lambda: 0.0)
    assert [policy.wait_seconds(n, None) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    jittered = RetryPolicy(random=lambda: 1.0)
    assert jittered.wait_seconds(1, None) == 0.375


@pytest.mark.parametrize(
    ("retry_class", "status", "retried"),
    [
        (RetryClass.SAFE, 500, True),
        (RetryClass.IDEMPOTENT, 504, True),
        (RetryClass.UNSAFE, 500, False),
        (RetryClass.UNSAFE, 503, True),
        (RetryClass.UNSAFE, 429, True),
        (RetryClass.SAFE, 409, False),
    ],
)
def test_policy_retry_table(retry_class: RetryClass, status: int, retried: bool) -> None:
    failure = InternalServerError("x", status_code=status)
    assert RetryPolicy().is_retryable(retry_class, failure) is retried


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        ("0.5", 0.5),
        ("-3", 0.0),
        ("Tue, 24 Nov 2026 08:00:30 GMT", 30.0),
        ("Tue, 24 Nov 2026 07:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds
