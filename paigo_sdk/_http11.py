"""A lean HTTP/1.1 connection pool for the sync client's direct way, on the standard library.

The direct way sends one small JSON request and reads one small JSON reply, once per usage record
when a batcher delivers. Through httpcore and h11 that cost about 500 µs of CPU per request with a
batcher's threads sharing the pool; writing the request with one `sendall` and reading a plain
reply in one `recv` brings a delivered record to 250-300 µs of client CPU in all
(`bench/delivery_latency.py`, and the figures in docs/benchmarks/delivery.md). `Http11Pool` does
only that:

- Connections are kept alive in a last-in-first-out stack per origin, up to `max_connections`
  open at once (more requests wait, up to the request's timeout, then `httpx.PoolTimeout`).
  An idle connection older than `keepalive_expiry`, or one the server has closed or written to
  unasked, is closed instead of reused.
- A plain reply (one `Content-Length`, simple headers; `paigo_sdk._plain_reply`) is read with a
  few string operations; any other is parsed by `http.client.HTTPResponse`: status line,
  headers (at most 100, each line at most 64 KiB), chunked bodies, `Connection: close`. The body
  is not decoded; a `Content-Encoding` goes back to the caller, which sends again through httpx.
- Every connect, write and read waits no longer than the attempt has left (`timeout` from the
  start of `exchange`, or an enclosing `attempt_deadline`), so a reply that trickles in a byte at
  a time still ends with `httpx.ReadTimeout`.
- Failures raise the httpx exceptions httpx would raise for them (`httpx.ConnectError`,
  `httpx.ReadTimeout`, `httpx.RemoteProtocolError`, ...), so callers map them once.

Requests the SDK sends through httpx (the token request, anything with a query or files) keep
httpx's own pool; this one is only the direct way's.
"""

from __future__ import annotations

import collections
import http.client
import io
import queue
import select
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from typing import Final

import httpx

from paigo_sdk._deadline import current_deadline
from paigo_sdk._in_process import WireReply
from paigo_sdk._plain_reply import PlainHead, plain_head

__all__ = [
    "INCOMPLETE_BODY",
    "Address",
    "Http11Pool",
    "has_bytes_waiting",
    "protocol_message",
    "read_body",
    "reply_reader",
    "request_head",
    "split_url",
    "wire_reply",
]

_READ_CHUNK: Final = 65_536
INCOMPLETE_BODY: Final = "peer closed connection without sending complete message body"
"""The text of the `httpx.RemoteProtocolError` for a body cut short, as httpx words it."""
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


class Http11Pool:
    """Keep-alive HTTP/1.1 connections, per origin, for plain requests with small bodies.

    Thread-safe: any number of threads may call `exchange` at once.
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        max_connections: int,
        keepalive_expiry: float,
    ) -> None:
        self._ssl_context = ssl_context
        self._keepalive_expiry = keepalive_expiry
        # One token per connection that may be open; a queue implemented in C, because a
        # semaphore's acquire and release run Python code under the interpreter lock.
        self._slots: queue.SimpleQueue[None] = queue.SimpleQueue()
        for _ in range(max_connections):
            self._slots.put(None)
        self._origins: dict[str, _Origin] = {}
        self._lock = threading.Lock()
        self._closed = False

    def exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        timeout: float | None,
    ) -> WireReply:
        """Send one request and read its whole reply, within `timeout` seconds in all.

        `headers` have lower-case names and include `host`; `content-length` is added.

        Raises:
            httpx.TransportError: the httpx exception for what went wrong (`httpx.ConnectError`,
                `httpx.ReadTimeout`, `httpx.RemoteProtocolError`, `httpx.PoolTimeout`, ...).
            httpx.UnsupportedProtocol: for a URL that is not http:// or https://.
            httpx.LocalProtocolError: for a header value with a line break in it.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        outer = current_deadline()
        if outer is not None and (deadline is None or outer < deadline):
            deadline = outer
        origin, target = self._origin(url)
        head = request_head(method, target, headers, len(body))
        try:
            self._slots.get(timeout=None if deadline is None else _left(deadline, 0.0))
        except queue.Empty:
            raise httpx.PoolTimeout("no connection became free in time") from None
        try:
            connection = origin.take(self._keepalive_expiry)
            if connection is None:
                connection = origin.connect(self._ssl_context, deadline)
            reusable = False
            try:
                reply, reusable = _send_and_read(connection, head + body, method, deadline)
            finally:
                if reusable and not self._closed:
                    origin.give_back(connection)
                else:
                    connection.close()
            return reply
        finally:
            self._slots.put(None)

    def close(self) -> None:
        """Close every idle connection; connections in use close when their request ends.

        Raises:
            Nothing.
        """
        self._closed = True
        for origin in list(self._origins.values()):
            origin.close()

    def _origin(self, url: str) -> tuple[_Origin, str]:
        key, target = split_url(url)
        origin = self._origins.get(key)
        if origin is None:
            with self._lock:
                origin = self._origins.get(key)
                if origin is None:
                    origin = self._origins[key] = _Origin(key)
        return origin, target


def split_url(url: str) -> tuple[str, str]:
    """Split an absolute URL into its origin (`scheme://host:port`) and its target (path, query).

    Raises:
        Nothing.
    """
    start = url.find("//")
    slash = url.find("/", start + 2) if start >= 0 else -1
    return (url, "/") if slash < 0 else (url[:slash], url[slash:])


class Address:
    """Where an origin's connections go: TLS or not, host and port."""

    def __init__(self, origin: str) -> None:
        """Read `scheme://host[:port]`.

        Raises:
            httpx.UnsupportedProtocol: for a scheme other than http and https.
        """
        parsed = httpx.URL(origin)
        if parsed.scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{origin}'.")
        self.tls = parsed.scheme == "https"
        self.host = parsed.host
        self.port = parsed.port or _DEFAULT_PORTS[parsed.scheme]


class _Origin(Address):
    """One scheme, host and port: its idle connections, newest last."""

    def __init__(self, origin: str) -> None:
        super().__init__(origin)
        self._idle: collections.deque[tuple[socket.socket, float]] = collections.deque()

    def take(self, expiry: float) -> socket.socket | None:
        """An idle connection that is still usable, or None."""
        idle = self._idle
        while idle:
            try:
                connection, since = idle.pop()
            except IndexError:  # another thread took the last one
                return None
            if time.monotonic() - since < expiry and not has_bytes_waiting(connection):
                return connection
            # Expired, closed by the server, or holding bytes nobody asked for.
            connection.close()
        return None

    def give_back(self, connection: socket.socket) -> None:
        self._idle.append((connection, time.monotonic()))

    def connect(self, context: ssl.SSLContext, deadline: float | None) -> socket.socket:
        """Open a new connection (TLS for https), within the deadline."""
        try:
            connection = socket.create_connection(
                (self.host, self.port), timeout=_left(deadline, None, httpx.ConnectTimeout)
            )
        except TimeoutError as error:
            raise httpx.ConnectTimeout(str(error) or "timed out") from error
        except OSError as error:
            raise httpx.ConnectError(str(error)) from error
        try:
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls:
                connection.settimeout(_left(deadline, None, httpx.ConnectTimeout))
                connection = context.wrap_socket(connection, server_hostname=self.host)
        except TimeoutError as error:
            connection.close()
            raise httpx.ConnectTimeout(str(error) or "timed out") from error
        except OSError as error:  # ssl.SSLError included
            connection.close()
            raise httpx.ConnectError(str(error)) from error
        except BaseException:
            connection.close()
            raise
        return connection

    def close(self) -> None:
        while self._idle:
            try:
                connection, _ = self._idle.pop()
            except IndexError:
                return
            connection.close()


def request_head(method: str, target: str, headers: Mapping[str, str], length: int) -> bytes:
    """The request line and headers of an HTTP/1.1 request, `content-length` added.

    Raises:
        httpx.LocalProtocolError: for a header name or value with a line break in it.
        UnicodeEncodeError: for a header that is not ASCII.
    """
    lines = [f"{method} {target} HTTP/1.1"]
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise httpx.LocalProtocolError(f"Illegal header value for {name!r}")
        lines.append(f"{name}: {value}")
    if length or method in ("POST", "PUT", "PATCH"):
        lines.append(f"content-length: {length}")
    lines.append("\r\n")
    return "\r\n".join(lines).encode("ascii")


def _send_and_read(
    connection: socket.socket, request: bytes, method: str, deadline: float | None
) -> tuple[WireReply, bool]:
    """Write the request, read the whole reply; (reply, whether the connection can be reused)."""
    try:
        connection.settimeout(_left(deadline, None, httpx.WriteTimeout))
        connection.sendall(request)
    except TimeoutError as error:
        raise httpx.WriteTimeout(str(error) or "timed out") from error
    except OSError as error:
        raise httpx.WriteError(str(error)) from error
    first = _receive(connection, deadline, _READ_CHUNK)
    head = plain_head(first, method)
    if head is not None:
        return _read_plain_body(connection, first, head, deadline)
    reader = _ReplyReader(_DeadlineReader(connection, deadline, first), _READ_CHUNK)
    response = reply_reader(reader, method)
    try:
        response.begin()
        body = read_body(response)
    except TimeoutError as error:
        raise httpx.ReadTimeout(str(error) or "timed out") from error
    except http.client.RemoteDisconnected as error:
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response."
        ) from error
    except (http.client.HTTPException, ValueError) as error:
        raise httpx.RemoteProtocolError(protocol_message(error)) from error
    except OSError as error:
        raise httpx.ReadError(str(error)) from error
    finally:
        response.close()
    # Reusable when the reply ended where its framing said, the server keeps the connection
    # open, and no byte of anything else was read past it.
    reusable = not response.will_close and reader.stray is False
    return wire_reply(response, body), reusable


def _read_plain_body(
    connection: socket.socket, data: bytes, head: PlainHead, deadline: float | None
) -> tuple[WireReply, bool]:
    """Read the rest of a plain reply whose head is in `data`; as `_send_and_read` returns."""
    end = head.end
    if len(data) >= end:
        # Bytes past the reply's end belong to no request: the connection is not reused.
        return (head.status, head.headers, data[head.body_start : end]), (
            not head.will_close and len(data) == end
        )
    parts = [data[head.body_start :]]
    missing = end - len(data)
    while missing:
        # Never more than the reply still needs, so nothing past its end is read.
        chunk = _receive(connection, deadline, min(missing, _READ_CHUNK))
        if not chunk:
            raise httpx.RemoteProtocolError(INCOMPLETE_BODY)
        parts.append(chunk)
        missing -= len(chunk)
    return (head.status, head.headers, b"".join(parts)), not head.will_close


def _receive(connection: socket.socket, deadline: float | None, size: int) -> bytes:
    """At most `size` bytes from the connection (b"" once the server has closed it), waiting
    no longer than the attempt has left."""
    try:
        connection.settimeout(_left(deadline, None, httpx.ReadTimeout))
        return connection.recv(size)
    except TimeoutError as error:
        raise httpx.ReadTimeout(str(error) or "timed out") from error
    except OSError as error:
        raise httpx.ReadError(str(error)) from error


def protocol_message(error: Exception) -> str:
    """The text of the `httpx.RemoteProtocolError` for a reply `http.client` could not read.

    Raises:
        Nothing.
    """
    if isinstance(error, http.client.IncompleteRead):
        return INCOMPLETE_BODY
    text = str(error) or type(error).__name__
    return text if len(text) <= 200 else f"{text[:200]}... ({len(text)} characters)"


def _left(
    deadline: float | None,
    default: float | None,
    expired: type[httpx.TimeoutException] = httpx.PoolTimeout,
) -> float | None:
    """Seconds the attempt has left, or `default` without a deadline."""
    if deadline is None:
        return default
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise expired("the attempt's timeout passed")
    return remaining


def has_bytes_waiting(connection: socket.socket) -> bool:
    """Whether an idle connection has something to read: the server's close, or stray bytes.

    Raises:
        Nothing.
    """
    try:
        fileno = connection.fileno()
    except OSError:
        return True
    if fileno < 0:
        return True
    if not hasattr(select, "poll"):  # Windows, and some monkey-patched event libraries
        return bool(select.select([fileno], [], [], 0)[0])
    poller = select.poll()
    poller.register(fileno, select.POLLIN)
    return bool(poller.poll(0))


class _DeadlineReader(io.RawIOBase):
    """The connection's bytes, each read waiting no longer than the attempt has left."""

    def __init__(
        self, connection: socket.socket, deadline: float | None, received: bytes = b""
    ) -> None:
        self._connection = connection
        self._deadline = deadline
        self._received = received  # read from the connection already, handed out first
        self.finished = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int | None:  # type: ignore[override]
        if self._received:
            # Before `finished`: bytes left here after the reply's end are bytes past it.
            count = min(len(buffer), len(self._received))
            buffer[:count] = self._received[:count]
            self._received = self._received[count:]
            return count
        if self.finished:
            return None  # "nothing to read now": see `_ReplyReader.close`
        self._connection.settimeout(_left(self._deadline, None, httpx.ReadTimeout))
        return self._connection.recv_into(buffer)


class _ReplyReader(io.BufferedReader):
    """The buffered reader of one reply; on close it notes whether bytes past the reply arrived.

    `http.client` closes it once the reply's framing says the body is complete. Bytes already
    buffered beyond that point belong to no request, so the connection must not be reused.
    """

    stray: bool | None = None  # None: closed before the reply was read to its end

    def close(self) -> None:
        if not self.closed:
            raw = self.raw
            if isinstance(raw, _DeadlineReader):
                raw.finished = True
                self.stray = bool(self.peek(1))
        super().close()


class _Source:
    """What `http.client.HTTPResponse` reads from: it asks for `makefile("rb")`."""

    def __init__(self, reader: io.BufferedIOBase) -> None:
        self._reader = reader

    def makefile(self, mode: str) -> io.BufferedIOBase:  # noqa: ARG002
        return self._reader


def reply_reader(data: io.BufferedIOBase, method: str) -> http.client.HTTPResponse:
    """An `http.client` reply parser over `data`, the reply's bytes from its first one.

    Raises:
        Nothing itself; its `begin` and `read` raise `http.client`'s exceptions.
    """
    return http.client.HTTPResponse(_Source(data), method=method)  # type: ignore[arg-type]


def read_body(response: http.client.HTTPResponse) -> bytes:
    """The whole body of a reply whose head `response` has read, a chunk at a time.

    `response.read()` would allocate a declared `Content-Length` (or chunk size) up front: a
    hostile reply declaring 10**30 bytes would raise `OverflowError` (or `MemoryError`) instead
    of a protocol error. Read a chunk at a time, memory grows only with the bytes that arrive.

    Raises:
        http.client.IncompleteRead: the connection ended before the body did.
        http.client.HTTPException, ValueError: for a malformed chunked body.
    """
    parts = []
    while part := response.read(_READ_CHUNK):
        parts.append(part)
    if response.length:  # a `Content-Length` body the server cut short
        raise http.client.IncompleteRead(b"".join(parts), response.length)
    return b"".join(parts)


def wire_reply(response: http.client.HTTPResponse, body: bytes) -> WireReply:
    """Status, headers (names in lower case) and body of a reply `http.client` has read.

    Raises:
        Nothing.
    """
    headers = [(name.lower(), value) for name, value in response.getheaders()]
    return response.status, headers, body
