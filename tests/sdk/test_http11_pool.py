"""The direct way's HTTP/1.1 pools (sync and async) against a raw socket server on 127.0.0.1.

The server answers each request with scripted raw bytes, so replies httpx's parser would take
apart (chunked bodies, bytes past the end of a reply, a reply trickling in, too many headers)
reach `Http11Pool` exactly as written, and the tests see how many connections were opened.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field

import httpcore
import httpx
import pytest
import trustme

from paigo_sdk import APIConnectionError, APITimeoutError, PaigoClient
from paigo_sdk._asyncio_backend import AsyncioBackend
from paigo_sdk._deadline import attempt_deadline
from paigo_sdk._http11 import Http11Pool
from paigo_sdk._http11_async import AsyncHttp11Pool

HUGE_LENGTH_PLAIN = b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 30 + b"\r\n\r\n{}"
HUGE_LENGTH_HTTP_1_0 = b"HTTP/1.0 200 OK\r\nContent-Length: " + b"9" * 30 + b"\r\n\r\n{}"
HUGE_CHUNK = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * 30 + b"\r\n{}"
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"

Reply = Callable[[socket.socket], None]


@dataclass
class RawServer:
    """Answers each request with the next scripted reply (the last one repeats)."""

    replies: list[Reply]
    port: int = 0
    scheme: str = "http"
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def next_reply(self) -> Reply:
        with self.lock:
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def serve(self, connection: socket.socket) -> None:
        with connection:
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buffer) < length:
                    buffer += connection.recv(65536)
                with self.lock:
                    self.requests.append(head + b"\r\n\r\n" + buffer[:length])
                buffer = buffer[length:]
                try:
                    self.next_reply()(connection)
                except OSError:
                    return


def send(data: bytes) -> Reply:
    def reply(connection: socket.socket) -> None:
        connection.sendall(data)

    return reply


def send_and_close(data: bytes) -> Reply:
    def reply(connection: socket.socket) -> None:
        connection.sendall(data)
        connection.shutdown(socket.SHUT_RDWR)

    return reply


def trickle(data: bytes, pause: float) -> Reply:
    def reply(connection: socket.socket) -> None:
        for byte in data:
            connection.sendall(bytes([byte]))
            time.sleep(pause)

    return reply


def _start(tls: ssl.SSLContext | None) -> tuple[RawServer, socket.socket]:
    listener = socket.create_server(("127.0.0.1", 0))
    server = RawServer(replies=[send(OK)], port=listener.getsockname()[1])
    if tls is not None:
        server.scheme = "https"

    def serve(connection: socket.socket) -> None:
        if tls is not None:
            try:
                connection = tls.wrap_socket(connection, server_side=True)
            except (OSError, ssl.SSLError):
                connection.close()  # the client refused the certificate
                return
        server.serve(connection)

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with server.lock:
                server.connections += 1
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return server, listener


@pytest.fixture
def raw_server() -> Iterator[RawServer]:
    server, listener = _start(None)
    yield server
    listener.close()


@pytest.fixture
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(authority: trustme.CA) -> Iterator[RawServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    server, listener = _start(context)
    yield server
    listener.close()


def _trusting(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    authority.configure_trust(context)
    return context


@pytest.fixture
def pool() -> Iterator[Http11Pool]:
    lane = Http11Pool(
        ssl_context=ssl.create_default_context(), max_connections=4, keepalive_expiry=5.0
    )
    yield lane
    lane.close()


def _post(pool: Http11Pool, server: RawServer, timeout: float | None = 5.0) -> tuple[int, bytes]:
    status, _, body = pool.exchange(
        "POST",
        f"{server.url}/usage",
        {"host": f"127.0.0.1:{server.port}", "content-type": "application/json"},
        b'{"a":1}',
        timeout,
    )
    return status, body


def test_a_request_is_written_as_http_1_1_with_its_length(
    raw_server: RawServer, pool: Http11Pool
) -> None:
    assert _post(pool, raw_server) == (200, b"{}")
    [request] = raw_server.requests
    assert request.startswith(b"POST /usage HTTP/1.1\r\n")
    assert b"\r\nhost: 127.0.0.1:" in request
    assert b"\r\ncontent-length: 7\r\n" in request
    assert request.endswith(b'\r\n\r\n{"a":1}')


def test_keep_alive_connections_are_reused(raw_server: RawServer, pool: Http11Pool) -> None:
    for _ in range(5):
        assert _post(pool, raw_server) == (200, b"{}")
    assert raw_server.connections == 1


def test_a_chunked_reply_is_read_whole_and_its_headers_kept(
    raw_server: RawServer, pool: Http11Pool
) -> None:
    raw_server.replies = [
        send(
            b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-Request-Id: r-1\r\n\r\n"
            b'3\r\n{"a\r\n5\r\n":1}\n\r\n0\r\n\r\n'
        ),
        send(OK),
    ]
    status, headers, body = pool.exchange("GET", f"{raw_server.url}/x", {"host": "h"}, b"", 5.0)
    assert (status, body) == (201, b'{"a":1}\n')
    assert ("x-request-id", "r-1") in headers
    assert _post(pool, raw_server) == (200, b"{}")
    assert raw_server.connections == 1


def test_bytes_past_the_end_of_a_reply_retire_the_connection(
    raw_server: RawServer, pool: Http11Pool
) -> None:
    # A second, unasked-for reply in the same packet must never be read as the next answer.
    stray = b'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{"b":99}'
    raw_server.replies = [send(OK + stray), send(OK)]
    assert _post(pool, raw_server) == (200, b"{}")
    assert _post(pool, raw_server) == (200, b"{}")
    assert raw_server.connections == 2


def in_pieces(*pieces: bytes) -> Reply:
    def reply(connection: socket.socket) -> None:
        for piece in pieces:
            connection.sendall(piece)
            time.sleep(0.02)

    return reply


def test_a_body_that_arrives_after_its_head_is_read_whole_and_the_connection_kept(
    raw_server: RawServer, pool: Http11Pool
) -> None:
    body = b'{"data":"' + b"x" * 200_000 + b'"}'
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
    raw_server.replies = [in_pieces(head, body[:70_000], body[70_000:]), send(OK)]
    assert _post(pool, raw_server) == (200, body)
    assert _post(pool, raw_server) == (200, b"{}")
    assert raw_server.connections == 1


def test_a_head_that_arrives_in_pieces_is_read_by_http_client(
    raw_server: RawServer, pool: Http11Pool
) -> None:
    raw_server.replies = [in_pieces(OK[:20], OK[20:50], OK[50:]), send(OK)]
    assert _post(pool, raw_server) == (200, b"{}")
    assert _post(pool, raw_server) == (200, b"{}")
    assert raw_server.connections == 1


def test_a_reply_that_closes_the_connection_is_not_reused(
    raw_server: RawServer, pool: Http11Pool
) -> None:
    raw_server.replies = [
        send_and_close(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"),
        send(OK),
    ]
    assert _post(pool, raw_server) == (200, b"{}")
    assert _post(pool, raw_server) == (200, b"{}")
    assert raw_server.connections == 2


def test_a_connection_the_server_closed_while_idle_is_not_reused(
    raw_server: RawServer, pool: Http11Pool
) -> None:
    raw_server.replies = [send_and_close(OK), send(OK)]
    assert _post(pool, raw_server) == (200, b"{}")
    time.sleep(0.1)  # the close reaches the client
    assert _post(pool, raw_server) == (200, b"{}")
    assert raw_server.connections == 2


def test_an_expired_idle_connection_is_not_reused(raw_server: RawServer) -> None:
    lane = Http11Pool(
        ssl_context=ssl.create_default_context(), max_connections=4, keepalive_expiry=0.05
    )
    assert _post(lane, raw_server) == (200, b"{}")
    time.sleep(0.1)
    assert _post(lane, raw_server) == (200, b"{}")
    lane.close()
    assert raw_server.connections == 2


def test_a_reply_trickling_in_ends_at_the_attempts_timeout(
    raw_server: RawServer, pool: Http11Pool
) -> None:
    # Each byte comes well within the timeout, and the whole reply would arrive in about 3.5 s:
    # only the attempt's deadline can end it with a ReadTimeout.
    raw_server.replies = [trickle(OK, 0.05)]
    with pytest.raises(httpx.ReadTimeout):
        _post(pool, raw_server, timeout=0.5)


def test_an_enclosing_attempt_deadline_bounds_the_exchange(
    raw_server: RawServer, pool: Http11Pool
) -> None:
    raw_server.replies = [trickle(OK, 0.05)]
    with attempt_deadline(0.3), pytest.raises(httpx.ReadTimeout):
        _post(pool, raw_server, timeout=30.0)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (send_and_close(b""), "Server disconnected without sending a response."),
        (send_and_close(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}"), "complete"),
        (send(b"SMTP ready\r\n\r\n"), "SMTP"),
        (send(b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 101 + b"\r\n"), "100 headers"),
        (send(b"HTTP/1.1 200 OK\r\nX-A: " + b"b" * 70_000 + b"\r\n\r\n"), "line"),
        # Declared sizes far beyond memory: refused as the bytes run out, never allocated.
        (send_and_close(HUGE_LENGTH_PLAIN), "complete message body"),
        (send_and_close(HUGE_LENGTH_HTTP_1_0), "complete message body"),
        (send_and_close(HUGE_CHUNK), "complete message body"),
    ],
)
def test_a_broken_reply_raises_remote_protocol_error(
    raw_server: RawServer, pool: Http11Pool, reply: Reply, error: str
) -> None:
    raw_server.replies = [reply]
    with pytest.raises(httpx.RemoteProtocolError, match=error) as raised:
        _post(pool, raw_server)
    assert len(str(raised.value)) < 400


def test_nothing_listening_raises_connect_error(pool: Http11Pool) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(httpx.ConnectError):
        pool.exchange("GET", f"http://127.0.0.1:{port}/x", {"host": "h"}, b"", 5.0)


def test_a_line_break_in_a_header_value_is_refused_before_sending(
    raw_server: RawServer, pool: Http11Pool
) -> None:
    with pytest.raises(httpx.LocalProtocolError):
        pool.exchange("GET", f"{raw_server.url}/x", {"host": "h", "x-a": "b\r\nx-b: c"}, b"", 5.0)
    assert raw_server.requests == []


def test_an_unsupported_scheme_is_refused(pool: Http11Pool) -> None:
    with pytest.raises(httpx.UnsupportedProtocol):
        pool.exchange("GET", "ftp://127.0.0.1/x", {"host": "h"}, b"", 5.0)


def test_requests_past_the_connection_limit_wait_then_time_out(raw_server: RawServer) -> None:
    lane = Http11Pool(
        ssl_context=ssl.create_default_context(), max_connections=1, keepalive_expiry=5.0
    )
    raw_server.replies = [trickle(OK, 0.02)]
    holder = threading.Thread(target=_post, args=(lane, raw_server, 5.0))
    holder.start()
    time.sleep(0.1)  # the first request holds the only connection
    with pytest.raises(httpx.PoolTimeout):
        _post(lane, raw_server, timeout=0.2)
    holder.join()
    lane.close()


def test_without_a_timeout_requests_past_the_connection_limit_wait_as_long_as_it_takes(
    raw_server: RawServer,
) -> None:
    lane = Http11Pool(
        ssl_context=ssl.create_default_context(), max_connections=1, keepalive_expiry=5.0
    )
    raw_server.replies = [trickle(OK, 0.01)]
    replies: list[tuple[int, bytes]] = []
    threads = [
        threading.Thread(target=lambda: replies.append(_post(lane, raw_server, None)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lane.close()
    assert replies == [(200, b"{}")] * 3
    assert raw_server.connections == 1


def test_the_client_reports_a_broken_reply_as_a_typed_connection_error(
    raw_server: RawServer,
) -> None:
    token = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 23\r\n\r\n"
        b'{"access_token":"tok1"}'
    )
    listed = b'{"message":"ok","data":[]}'
    listing = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(listed)).encode()
        + b"\r\n\r\n"
        + listed
    )
    raw_server.replies = [
        send(token),
        send(listing),
        send(b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 101 + b"\r\n"),
        send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"),
    ]
    with PaigoClient(
        client_id="id",
        client_secret="secret",
        api_url=raw_server.url,
        auth_url=f"{raw_server.url}/oauth/token",
        timeout=0.5,
        max_retries=0,
    ) as client:
        assert client.dimensions.list() == []  # the token arrives; the client holds it now
        with pytest.raises(APIConnectionError, match="100 headers"):
            client.dimensions.list()
        with pytest.raises(APITimeoutError):
            client.dimensions.list()  # the body never comes


# -- the async twin ------------------------------------------------------------------------------


@pytest.fixture
async def async_pool() -> AsyncIterator[AsyncHttp11Pool]:
    lane = AsyncHttp11Pool(
        ssl_context=ssl.create_default_context(), max_connections=4, keepalive_expiry=5.0
    )
    yield lane
    await lane.aclose()


async def _async_post(
    pool: AsyncHttp11Pool, server: RawServer, method: str = "POST"
) -> tuple[int, list[tuple[str, str]], bytes]:
    async with asyncio.timeout(5):
        status, headers, body = await pool.exchange(
            method,
            f"{server.url}/usage",
            {"host": f"127.0.0.1:{server.port}", "content-type": "application/json"},
            b'{"a":1}' if method == "POST" else b"",
            5.0,
        )
    return status, list(headers), body


@pytest.mark.anyio
async def test_the_async_pool_writes_http_1_1_and_reuses_its_connection(
    raw_server: RawServer, async_pool: AsyncHttp11Pool
) -> None:
    for _ in range(3):
        status, _, body = await _async_post(async_pool, raw_server)
        assert (status, body) == (200, b"{}")
    assert raw_server.connections == 1
    assert raw_server.requests[0].startswith(b"POST /usage HTTP/1.1\r\n")
    assert raw_server.requests[0].endswith(b'\r\ncontent-length: 7\r\n\r\n{"a":1}')


@pytest.mark.anyio
async def test_the_async_pool_reads_replies_that_arrive_in_pieces(
    raw_server: RawServer, async_pool: AsyncHttp11Pool
) -> None:
    chunked = (
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-Request-Id: r-1\r\n\r\n"
        b'3\r\n{"a\r\n5\r\n":1}\n\r\n0\r\n\r\n'
    )
    raw_server.replies = [trickle(chunked, 0.001), trickle(OK, 0.001), send(OK)]
    status, headers, body = await _async_post(async_pool, raw_server)
    assert (status, body) == (201, b'{"a":1}\n')
    assert ("x-request-id", "r-1") in headers
    assert (await _async_post(async_pool, raw_server))[::2] == (200, b"{}")
    assert (await _async_post(async_pool, raw_server))[::2] == (200, b"{}")
    assert raw_server.connections == 1


@pytest.mark.anyio
async def test_the_async_pool_reads_a_head_reply_without_a_body(
    raw_server: RawServer, async_pool: AsyncHttp11Pool
) -> None:
    raw_server.replies = [send(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n"), send(OK)]
    assert (await _async_post(async_pool, raw_server, "HEAD"))[::2] == (200, b"")
    assert (await _async_post(async_pool, raw_server))[::2] == (200, b"{}")
    assert raw_server.connections == 1


@pytest.mark.anyio
async def test_the_async_pool_retires_a_connection_with_bytes_past_the_reply(
    raw_server: RawServer, async_pool: AsyncHttp11Pool
) -> None:
    stray = b'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{"b":99}'
    raw_server.replies = [send(OK + stray), send(OK)]
    assert (await _async_post(async_pool, raw_server))[::2] == (200, b"{}")
    assert (await _async_post(async_pool, raw_server))[::2] == (200, b"{}")
    assert raw_server.connections == 2


@pytest.mark.anyio
async def test_the_async_pool_does_not_reuse_a_connection_the_server_closed(
    raw_server: RawServer, async_pool: AsyncHttp11Pool
) -> None:
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
    raw_server.replies = [send_and_close(closing), send_and_close(OK), send(OK)]
    assert (await _async_post(async_pool, raw_server))[::2] == (200, b"{}")
    assert (await _async_post(async_pool, raw_server))[::2] == (200, b"{}")
    # The second connection was closed right after its keep-alive reply. Blocking the event
    # loop, so that it cannot see the close, leaves only the check on reuse to notice it.
    time.sleep(0.1)  # noqa: ASYNC251 - the point is to block the event loop
    assert (await _async_post(async_pool, raw_server))[::2] == (200, b"{}")
    assert raw_server.connections == 3


@pytest.mark.anyio
async def test_a_cancelled_async_exchange_closes_its_connection(
    raw_server: RawServer, async_pool: AsyncHttp11Pool
) -> None:
    # The late reply to the cancelled request must never answer the next one.
    late = b'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{"l":1}'
    raw_server.replies = [trickle(late, 0.05), send(OK)]
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await async_pool.exchange("POST", f"{raw_server.url}/usage", {"host": "h"}, b"{}", 5.0)
    assert (await _async_post(async_pool, raw_server))[::2] == (200, b"{}")
    assert raw_server.connections == 2


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (send_and_close(b""), "Server disconnected without sending a response."),
        (send_and_close(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}"), "complete"),
        (send_and_close(b"HTTP/1.1 200 OK\r\nContent-"), "complete reply head"),
        (send(b"SMTP ready\r\n\r\n"), "SMTP"),
        (send(b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 101 + b"\r\n"), "100 headers"),
        (send(b"HTTP/1.1 200 OK\r\nX-A: " + b"b" * 70_000 + b"\r\n\r\n"), "line"),
        # Declared sizes far beyond memory: refused as the bytes run out, never allocated.
        (send_and_close(HUGE_LENGTH_PLAIN), "complete message body"),
        (send_and_close(HUGE_LENGTH_HTTP_1_0), "complete message body"),
        (send_and_close(HUGE_CHUNK), "complete message body"),
    ],
)
async def test_a_broken_reply_raises_remote_protocol_error_on_the_async_pool(
    raw_server: RawServer, async_pool: AsyncHttp11Pool, reply: Reply, error: str
) -> None:
    raw_server.replies = [reply]
    with pytest.raises(httpx.RemoteProtocolError, match=error) as raised:
        await _async_post(async_pool, raw_server)
    assert len(str(raised.value)) < 400


@pytest.mark.anyio
async def test_the_async_pool_raises_connect_error_when_nothing_listens(
    async_pool: AsyncHttp11Pool,
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(httpx.ConnectError):
        await async_pool.exchange("GET", f"http://127.0.0.1:{port}/x", {"host": "h"}, b"", 5.0)


@pytest.mark.anyio
async def test_async_requests_past_the_connection_limit_wait_for_a_free_one(
    raw_server: RawServer,
) -> None:
    lane = AsyncHttp11Pool(
        ssl_context=ssl.create_default_context(), max_connections=2, keepalive_expiry=5.0
    )
    raw_server.replies = [trickle(OK, 0.005)]
    replies = await asyncio.gather(*(_async_post(lane, raw_server) for _ in range(6)))
    await lane.aclose()
    assert [(status, body) for status, _, body in replies] == [(200, b"{}")] * 6
    assert raw_server.connections == 2


@pytest.mark.anyio
async def test_a_waiter_cancelled_while_queued_gives_up_its_place(raw_server: RawServer) -> None:
    lane = AsyncHttp11Pool(
        ssl_context=ssl.create_default_context(), max_connections=1, keepalive_expiry=5.0
    )
    raw_server.replies = [trickle(OK, 0.01)]
    holder = asyncio.ensure_future(_async_post(lane, raw_server))
    await asyncio.sleep(0.05)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await _async_post(lane, raw_server)  # waits for the only connection, then gives up
    await holder
    raw_server.replies = [send(OK)]
    assert (await _async_post(lane, raw_server))[::2] == (200, b"{}")
    await lane.aclose()


# -- TLS -----------------------------------------------------------------------------------------


def test_the_sync_pool_speaks_tls_and_keeps_the_connection(
    tls_server: RawServer, authority: trustme.CA
) -> None:
    lane = Http11Pool(ssl_context=_trusting(authority), max_connections=4, keepalive_expiry=5.0)
    for _ in range(3):
        assert _post(lane, tls_server) == (200, b"{}")
    lane.close()
    assert tls_server.connections == 1
    assert tls_server.requests[0].startswith(b"POST /usage HTTP/1.1\r\n")


def test_the_sync_pool_refuses_a_certificate_it_does_not_trust(tls_server: RawServer) -> None:
    lane = Http11Pool(
        ssl_context=ssl.create_default_context(), max_connections=4, keepalive_expiry=5.0
    )
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        _post(lane, tls_server)
    assert tls_server.requests == []


@pytest.mark.anyio
async def test_the_async_pool_speaks_tls_and_keeps_the_connection(
    tls_server: RawServer, authority: trustme.CA
) -> None:
    lane = AsyncHttp11Pool(
        ssl_context=_trusting(authority), max_connections=4, keepalive_expiry=5.0
    )
    for _ in range(3):
        assert (await _async_post(lane, tls_server))[::2] == (200, b"{}")
    await lane.aclose()
    assert tls_server.connections == 1


@pytest.mark.anyio
async def test_the_async_pool_refuses_a_certificate_it_does_not_trust(
    tls_server: RawServer,
) -> None:
    lane = AsyncHttp11Pool(
        ssl_context=ssl.create_default_context(), max_connections=4, keepalive_expiry=5.0
    )
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        await _async_post(lane, tls_server)
    await lane.aclose()
    assert tls_server.requests == []


@pytest.mark.anyio
async def test_the_asyncio_backend_carries_httpcore_over_tls(
    tls_server: RawServer, authority: trustme.CA
) -> None:
    # The async client's httpcore shards (HTTP/2, or a request httpx sends) run on this backend.
    async with httpcore.AsyncConnectionPool(
        ssl_context=_trusting(authority), network_backend=AsyncioBackend()
    ) as shards:
        for _ in range(2):
            response = await shards.request("POST", f"{tls_server.url}/usage", content=b'{"a":1}')
            assert (response.status, response.content) == (200, b"{}")
    assert tls_server.connections == 1
