"""Every reply the SDK cannot use raises a typed PaigoError with a bounded text and no secret."""

from __future__ import annotations

import gzip
from collections.abc import Callable

import httpx
import pytest

from paigo_sdk import (
    APIConnectionError,
    APIDecodingError,
    APIResponseValidationError,
    APIStatusError,
    AsyncPaigoClient,
    PaigoClient,
    PaigoError,
)
from paigo_sdk.errors import MAX_ERROR_TEXT, bounded
from tests.sdk.conftest import SECRET, TOKEN, FakePaigo

LIST = {"message": "ok", "data": []}
NESTED = b"[" * 100_000 + b"]" * 100_000


def _bad_encoding(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200, content=b"this is not gzip", headers={"Content-Encoding": "gzip"}, request=request
    )


def _reply(status: int, content: bytes, **headers: str) -> Callable[[httpx.Request], object]:
    # A fresh reply per request: a response object is consumed by the client that reads it.
    return lambda request: httpx.Response(status, content=content, headers=headers)


UNUSABLE = {
    "deeply nested JSON": _reply(200, NESTED),
    "deeply nested JSON in an error": _reply(500, NESTED),
    "a bad Content-Encoding": _bad_encoding,
    "a success that is not JSON": _reply(200, b"<html>oops</html>"),
    "a truncated gzip body": _reply(
        200, gzip.compress(b'{"message":"ok","data":[]}')[:20], **{"Content-Encoding": "gzip"}
    ),
}


@pytest.mark.parametrize("reply", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_an_unusable_reply_raises_a_typed_error(
    fake: FakePaigo, make_client: Callable[..., PaigoClient], reply: object
) -> None:
    fake.add("GET", "/dimensions", reply)  # type: ignore[arg-type]
    client = make_client(max_retries=0)
    with pytest.raises(PaigoError) as caught:
        client.dimensions.list()
    assert isinstance(
        caught.value, APIResponseValidationError | APIStatusError | APIConnectionError
    )
    assert len(str(caught.value)) < 3 * MAX_ERROR_TEXT


@pytest.mark.anyio
@pytest.mark.parametrize("reply", UNUSABLE.values(), ids=UNUSABLE.keys())
async def test_the_async_client_raises_the_same_typed_errors(
    fake: FakePaigo, make_async_client: Callable[..., AsyncPaigoClient], reply: object
) -> None:
    fake.add("GET", "/dimensions", reply)  # type: ignore[arg-type]
    async with make_async_client(max_retries=0) as client:
        with pytest.raises(PaigoError) as caught:
            await client.dimensions.list()
    assert len(str(caught.value)) < 3 * MAX_ERROR_TEXT


def test_a_bad_content_encoding_is_a_decoding_error(
    fake: FakePaigo, make_client: Callable[..., PaigoClient]
) -> None:
    fake.add("GET", "/dimensions", _bad_encoding)
    with pytest.raises(APIDecodingError):
        make_client(max_retries=0).dimensions.list()


def test_a_huge_error_message_is_cut_and_says_how_much(
    fake: FakePaigo, client: PaigoClient
) -> None:
    fake.json("GET", "/dimensions", 400, {"message": "x" * 1_000_000})
    with pytest.raises(APIStatusError) as caught:
        client.dimensions.list()
    text = str(caught.value)
    assert len(text) < 3 * MAX_ERROR_TEXT
    assert f"{1_000_000 - MAX_ERROR_TEXT} more characters cut" in text
    assert len(caught.value.messages[0]) < 2 * MAX_ERROR_TEXT


def test_bounded_keeps_short_texts_whole() -> None:
    assert bounded("short") == "short"
    assert bounded("abcdef", 3) == "abc... (3 more characters cut)"


TOKEN_REPLIES = {
    "expires_in 1e12": {"access_token": TOKEN, "expires_in": 1e12},
    "expires_in NaN": b'{"access_token": "' + TOKEN.encode() + b'", "expires_in": NaN}',
    "expires_in Infinity": b'{"access_token": "' + TOKEN.encode() + b'", "expires_in": Infinity}',
    "expires_in -5": {"access_token": TOKEN, "expires_in": -5},
    "expires_in true": {"access_token": TOKEN, "expires_in": True},
    "expires_in 'soon'": {"access_token": TOKEN, "expires_in": "soon"},
    "a token with a newline": {"access_token": TOKEN + "\r\nX-Evil: 1", "expires_in": 60},
    "a token with non-ASCII": {"access_token": TOKEN + "é", "expires_in": 60},
    "a token with a space": {"access_token": TOKEN + " " + SECRET, "expires_in": 60},
    "a nested token reply": b"[" * 100_000,
}


@pytest.mark.parametrize("body", TOKEN_REPLIES.values(), ids=TOKEN_REPLIES.keys())
def test_an_unusable_token_reply_is_typed_and_never_quotes_the_token(
    fake: FakePaigo, make_client: Callable[..., PaigoClient], body: object
) -> None:
    reply = (
        httpx.Response(200, content=body)
        if isinstance(body, bytes)
        else httpx.Response(200, json=body)
    )
    fake.token_replies.append(reply)
    fake.json("GET", "/dimensions", 200, LIST)
    client = make_client(max_retries=0)
    try:
        client.dimensions.list()
    except PaigoError as error:
        text = f"{error} {error!r} {vars(error)}"
        assert TOKEN not in text
        assert SECRET not in text
    else:
        # Only an absurdly long lifetime is usable: it is capped, not trusted.
        assert body == TOKEN_REPLIES["expires_in 1e12"]
        assert client._auth.cache.current() == TOKEN


def test_a_token_endpoint_that_quotes_the_secret_does_not_leak_it(
    fake: FakePaigo, make_client: Callable[..., PaigoClient]
) -> None:
    fake.token_replies.append(
        httpx.Response(401, json={"error_description": f"bad client_secret {SECRET}"})
    )
    with pytest.raises(APIStatusError) as caught:
        make_client(max_retries=0).dimensions.list()
    assert SECRET not in f"{caught.value} {caught.value!r} {caught.value.messages}"
