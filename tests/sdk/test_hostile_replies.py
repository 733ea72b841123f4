"""Whatever bytes a server answers with, the SDK's own connections end in a typed error.

The direct way reads replies on its own HTTP/1.1 connections (`paigo_sdk._http11` and its asyncio
twin), plain replies by hand and the rest through `http.client`. Generated replies, well formed
or not, reach both clients over a real socket: each call returns a value or raises a
`PaigoError` with a bounded text, never another exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from paigo_sdk import APIStatusError, AsyncPaigoClient, PaigoClient, PaigoError
from paigo_sdk.errors import MAX_ERROR_TEXT
from tests.sdk.test_http11_pool import _start, send, send_and_close
from tests.sdk.test_plain_reply import replies

TOKEN = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 23\r\n\r\n"
    b'{"access_token":"tok1"}'
)
_BODIES = st.sampled_from(
    [
        b'{"message":"ok","data":[]}',
        b'{"message":"Usage record created"}',
        b'{"message":"ok","data":{"customerId":"c1"}}',
        b"[" * 5_000 + b"]" * 5_000,
        b'{"message":"ok","data":1e999999999}',
        b'{"message":"ok","data":[{"dimensionId":' + b"9" * 5_000 + b"}]}",
        b"\xff\xfe{",
        b"",
    ]
)


@st.composite
def json_replies(draw: st.DrawFn) -> bytes:
    """A well-framed reply carrying JSON or not-quite JSON, under a status the SDK may meet."""
    body = draw(_BODIES)
    status = draw(st.sampled_from([b"200 OK", b"201 Created", b"400 Bad", b"429 Slow", b"503 X"]))
    extra = draw(
        st.sampled_from(
            [b"", b"Content-Encoding: gzip\r\n", b"Retry-After: 99999999999999999999\r\n"]
        )
    )
    return b"HTTP/1.1 %s\r\n%sContent-Length: %d\r\n\r\n%s" % (status, extra, len(body), body)


ANY_REPLY = st.one_of(replies(), json_replies())


def _calls(client: Any) -> list[Callable[[], Any]]:
    return [
        lambda: client.dimensions.list(),
        lambda: client.customers.retrieve("c1"),
        lambda: client.usage.record(customer_id="c", dimension_id="d", record_value=Decimal(1)),
    ]


def _check(error: PaigoError) -> None:
    assert len(str(error)) < 3 * MAX_ERROR_TEXT


@contextmanager
def _answering(reply: bytes) -> Iterator[dict[str, Any]]:
    """A raw server that hands out a token, then answers with `reply` and closes; the options
    of a client pointed at it."""
    server, listener = _start(None)
    server.replies = [send(TOKEN), send_and_close(reply)]
    try:
        yield {
            "client_id": "id",
            "client_secret": "secret",
            "api_url": server.url,
            "auth_url": f"{server.url}/oauth/token",
            "timeout": 2.0,
            "max_retries": 0,
        }
    finally:
        listener.close()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reply=ANY_REPLY, call=st.integers(0, 2))
def test_the_sync_client_turns_any_reply_into_a_value_or_a_typed_error(
    reply: bytes, call: int
) -> None:
    with _answering(reply) as options, PaigoClient(**options) as client:
        try:
            _calls(client)[call]()
        except PaigoError as error:
            _check(error)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reply=ANY_REPLY, call=st.integers(0, 2))
def test_the_async_client_turns_any_reply_into_a_value_or_a_typed_error(
    reply: bytes, call: int
) -> None:
    async def attempt(options: dict[str, Any]) -> None:
        async with AsyncPaigoClient(**options) as client:
            try:
                await asyncio.wait_for(_calls(client)[call](), 10)
            except PaigoError as error:
                _check(error)

    with _answering(reply) as options:
        asyncio.run(attempt(options))


def test_a_header_with_bytes_beyond_ascii_still_gives_the_typed_status_error() -> None:
    reply = b"HTTP/1.1 503 Busy\r\nX-Note: caf\xe9 \x80\r\nContent-Length: 2\r\n\r\n{}"
    with (
        _answering(reply) as options,
        PaigoClient(**options) as client,
        pytest.raises(APIStatusError) as raised,
    ):
        client.dimensions.list()
    assert raised.value.status_code == 503
    assert raised.value.body == {}
