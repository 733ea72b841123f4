"""`plain_head` reads a plain reply's head exactly as `http.client` does, and declines the rest.

The HTTP/1.1 pools read plain replies with `plain_head` and everything else with `http.client`,
so the two must agree wherever `plain_head` answers: the status, the headers as the pools give
them, where the body starts and ends, and whether the connection closes.
"""

from __future__ import annotations

import http.client
import io

import pytest
from hypothesis import given, settings, strategies as st

from paigo_sdk._http11 import reply_reader, wire_reply
from paigo_sdk._plain_reply import PlainHead, plain_head

_NAMES = st.sampled_from(
    [
        "Content-Type",
        "content-length",
        "Content-Length",
        "Connection",
        "connection",
        "Transfer-Encoding",
        "X-Request-Id",
        "Date",
        "Retry-After",
        "x_odd!name",
        "",
        "Bad Name",
        " Leading",
    ]
)
_VALUES = st.one_of(
    st.sampled_from(
        [
            "2",
            "0",
            "17",
            " 2",
            "2 ",
            "\t2",
            "+2",
            "-1",
            "0x2",
            "²",
            "",
            "close",
            "Close",
            "keep-alive",
            "keep-alive, close",
            "chunked",
            "application/json",
            "identity",
        ]
    ),
    st.text(
        st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"), max_size=12
    ),
)
_STATUS_LINES = st.one_of(
    st.sampled_from(
        [
            "HTTP/1.1 200 OK",
            "HTTP/1.1 201 Created",
            "HTTP/1.1 201",
            "HTTP/1.1 204 No Content",
            "HTTP/1.1 304 Not Modified",
            "HTTP/1.1 100 Continue",
            "HTTP/1.1 429 Too Many Requests",
            "HTTP/1.1 503 Service Unavailable",
            "HTTP/1.1 999 Odd",
            "HTTP/1.0 200 OK",
            "HTTP/1.1  200 OK",
            "HTTP/1.1 200\tOK",
            "HTTP/2 200",
        ]
    ),
    st.builds(lambda code, reason: f"HTTP/1.1 {code} {reason}", st.integers(100, 999), _VALUES),
)


@st.composite
def replies(draw: st.DrawFn) -> bytes:
    """A reply's bytes: mostly well formed, sometimes not, with or without the whole body."""
    line_end = draw(st.sampled_from([b"\r\n"] * 8 + [b"\n"]))
    headers = draw(st.lists(st.tuples(_NAMES, _VALUES), max_size=6))
    body = draw(st.binary(max_size=40))
    if draw(st.booleans()):
        headers.append(("Content-Length", str(len(body))))
    head = draw(_STATUS_LINES).encode("latin-1") + line_end
    for name, value in draw(st.permutations(headers)):
        head += f"{name}:{draw(st.sampled_from([' ', '', '  ', chr(9)]))}{value}".encode("latin-1")
        head += line_end
    return head + b"\r\n" + body + draw(st.sampled_from([b"", b"", b"HTTP/1.1 200 OK\r\n"]))


def _http_client(data: bytes, method: str) -> tuple[PlainHead, bytes]:
    """What `http.client` makes of the same bytes, in `plain_head`'s terms, and the body."""
    stream = io.BufferedReader(io.BytesIO(data))
    response = reply_reader(stream, method)
    response.begin()
    body_start = stream.tell()
    length = response.length  # `read` counts it down
    assert length is not None
    try:
        body = response.read()
    except http.client.IncompleteRead as short:  # the bytes end before the body does
        body = short.partial
    _, headers, _ = wire_reply(response, body)
    return PlainHead(
        response.status, list(headers), body_start, length, bool(response.will_close)
    ), body


@settings(max_examples=2_000, deadline=None)
@given(data=replies(), method=st.sampled_from(["GET", "POST", "DELETE", "HEAD"]))
def test_where_plain_head_answers_http_client_reads_the_same(data: bytes, method: str) -> None:
    head = plain_head(data, method)
    if head is None:
        return
    expected, body = _http_client(data, method)
    assert head == expected
    assert data[head.body_start : head.body_start + head.length] == body


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
        b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
    ],
)
def test_the_replies_servers_usually_send_are_plain(data: bytes) -> None:
    head = plain_head(data, "POST")
    assert head is not None
    assert (head, data[head.body_start :]) == _http_client(data, "POST")


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\n\r\n{}",
        b"HTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nX-A: b\r\n continued\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\nX-A: b\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 100 + b"Content-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n",
    ],
)
def test_other_replies_are_left_to_http_client(data: bytes) -> None:
    assert plain_head(data, "POST") is None


def test_an_answer_to_head_is_left_to_http_client() -> None:
    assert plain_head(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n", "HEAD") is None
