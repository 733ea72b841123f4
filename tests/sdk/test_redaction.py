"""Secrets and tokens never appear in logs, reprs, str(client) or exception texts."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from paigo_sdk import AuthenticationError, PaigoClient, PaigoError
from tests.sdk.conftest import SECRET, TOKEN, FakePaigo

LIST = {"message": "ok", "data": []}


def _assert_clean(text: str) -> None:
    assert SECRET not in text
    assert TOKEN not in text
    assert "Bearer" not in text


def test_client_reprs_hide_the_secret_and_the_token(fake: FakePaigo, client: PaigoClient) -> None:
    fake.json("GET", "/dimensions", 200, LIST)
    client.dimensions.list()
    for text in (
        repr(client),
        str(client),
        repr(client._config),
        repr(client._auth),
        repr(client._auth.cache),
        repr(client.with_options(max_retries=0)),
    ):
        _assert_clean(text)


def test_logs_never_contain_the_secret_or_the_token(
    fake: FakePaigo, client: PaigoClient, caplog: pytest.LogCaptureFixture
) -> None:
    fake.add(
        "GET",
        "/dimensions",
        httpx.Response(401, json={"message": "Unauthorized"}),
        httpx.Response(503, json={"message": "busy"}),
        httpx.Response(200, json=LIST),
    )
    with caplog.at_level(logging.DEBUG):
        client.dimensions.list()
    assert caplog.records
    for record in caplog.records:
        _assert_clean(record.getMessage())
        _assert_clean(repr(vars(record)))


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(401, json={"error": "access_denied", "error_description": "Unauthorized"}),
        httpx.Response(500, text="internal error"),
        httpx.Response(200, json={"token_type": "Bearer"}),
    ],
    ids=["rejected", "failed", "no-token"],
)
def test_token_endpoint_errors_do_not_leak_the_secret(
    fake: FakePaigo, make_client: Callable[..., PaigoClient], reply: httpx.Response
) -> None:
    fake.token_replies.append(reply)
    with pytest.raises(PaigoError) as caught:
        make_client(max_retries=0).dimensions.list()
    for text in (str(caught.value), repr(caught.value), repr(vars(caught.value))):
        assert SECRET not in text


def test_api_errors_do_not_leak_the_token(fake: FakePaigo, client: PaigoClient) -> None:
    fake.json("GET", "/dimensions", 401, {"message": "Unauthorized"})
    with pytest.raises(AuthenticationError) as caught:
        client.dimensions.list()
    for text in (str(caught.value), repr(caught.value), repr(vars(caught.value))):
        _assert_clean(text)
