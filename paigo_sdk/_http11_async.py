"""The async twin of `paigo_sdk._http11`: lean keep-alive HTTP/1.1 connections on asyncio.

Each connection is an `asyncio.Protocol` that gathers the reply's bytes as the event loop hands
them over, and parses it with `http.client.HTTPResponse` once it is complete: no stream reader,
no future per read, no cancel scope per socket operation. The same rules as the sync pool hold:

- Idle connections are kept per origin, newest last, and only reused on the event loop that
  opened them, within `keepalive_expiry`, when the server has neither closed them nor sent
  anything unasked. At most `max_connections` are open at once; further requests wait.
- A reply is parsed by `http.client` (status line, at most 100 headers of at most 64 KiB each,
  `Content-Length`, chunked bodies, `Connection: close`); bytes past its end retire the
  connection. The body is not decoded.
- The caller bounds the whole exchange (`asyncio.timeout`); a cancelled exchange closes its
  connection, so a late reply is never read as the answer to another request.
- Failures raise the httpx exceptions httpx would raise (`httpx.ConnectError`,
  `httpx.RemoteProtocolError`, `httpx.ReadError`, ...).

It runs on asyncio only; the async pool keeps httpcore (through anyio) under trio.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import http.client
import io
import ssl
import time
from collections.abc import Mapping
from typing import Final

import httpx

from paigo_sdk._http11 import (
    INCOMPLETE_BODY,
    Address,
    has_bytes_waiting,
    protocol_message,
    read_body,
    reply_reader,
    request_head,
    split_url,
    wire_reply,
)
from paigo_sdk._in_process import WireReply
from paigo_sdk._plain_reply import plain_head

__all__ = ["AsyncHttp11Pool"]

_MAX_HEAD: Final = 101 * 65_537
"""The longest reply head `http.client` could accept: 100 header lines and a status line."""


class AsyncHttp11Pool:
    """Keep-alive HTTP/1.1 connections, per origin, for plain requests on asyncio."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        max_connections: int,
        keepalive_expiry: float,
    ) -> None:
        self._ssl_context = ssl_context
        self._keepalive_expiry = keepalive_expiry
        self._free = max_connections
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()
        self._origins: dict[str, _Origin] = {}
        self._closed = False

    async def exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        timeout: float | None,  # noqa: ASYNC109 - the connect timeout; the caller bounds the rest
    ) -> WireReply:
        """Send one request and read its whole reply.

        `headers` have lower-case names and include `host`; `content-length` is added. The
        caller bounds the exchange as a whole (`asyncio.timeout`); `timeout` bounds connecting.

        Raises:
            httpx.TransportError: the httpx exception for what went wrong (`httpx.ConnectError`,
                `httpx.ConnectTimeout`, `httpx.RemoteProtocolError`, `httpx.ReadError`, ...).
            httpx.UnsupportedProtocol: for a URL that is not http:// or https://.
            httpx.LocalProtocolError: for a header value with a line break in it.
        """
        key, target = split_url(url)
        origin = self._origins.get(key)
        if origin is None:
            origin = self._origins[key] = _Origin(key)
        request = request_head(method, target, headers, len(body)) + body
        await self._acquire()
        try:
            loop = asyncio.get_running_loop()
            connection = origin.take(loop, self._keepalive_expiry)
            if connection is None:
                connection = await origin.connect(loop, self._ssl_context, timeout)
            reusable = False
            try:
                reply, reusable = await connection.exchange(request, method)
            finally:
                if reusable and not self._closed:
                    origin.give_back(connection)
                else:
                    connection.close()
            return reply
        finally:
            self._release()

    def close(self) -> None:
        """Close every idle connection; connections in use close when their request ends.

        Raises:
            Nothing.
        """
        self._closed = True
        for origin in self._origins.values():
            origin.close()

    async def aclose(self) -> None:
        """Close every idle connection and let the event loop finish closing them.

        Raises:
            Nothing.
        """
        self.close()
        await asyncio.sleep(0)  # the transports' last callbacks run on the next iteration

    async def _acquire(self) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed a slot just as it was cancelled: pass it on
            else:
                self._waiting.remove(waiter)
            raise

    def _release(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                # The slot passes straight to the waiter. A waiter on an event loop that has
                # since closed can never run, so it is skipped.
                if waiter.get_loop().is_closed():
                    continue
                waiter.set_result(None)
                return
        self._free += 1


class _Origin(Address):
    """One scheme, host and port: its idle connections, newest last."""

    def __init__(self, origin: str) -> None:
        super().__init__(origin)
        self._idle: collections.deque[tuple[_Connection, float]] = collections.deque()

    def take(self, loop: asyncio.AbstractEventLoop, expiry: float) -> _Connection | None:
        """An idle connection of this event loop that is still usable, or None."""
        idle = self._idle
        while idle:
            connection, since = idle.pop()
            if (
                connection.loop is loop
                and connection.usable()
                and time.monotonic() - since < expiry
            ):
                return connection
            connection.close()  # expired, closed by the server, sent bytes unasked, other loop
        return None

    def give_back(self, connection: _Connection) -> None:
        self._idle.append((connection, time.monotonic()))

    async def connect(
        self,
        loop: asyncio.AbstractEventLoop,
        context: ssl.SSLContext,
        timeout: float | None,  # noqa: ASYNC109 - bounds connecting only
    ) -> _Connection:
        """Open a new connection (TLS for https) within `timeout` seconds.

        Raises:
            httpx.ConnectTimeout, httpx.ConnectError.
        """
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop, tls=self.tls),
                    self.host,
                    self.port,
                    ssl=context if self.tls else None,
                    server_hostname=self.host if self.tls else None,
                )
        except TimeoutError as error:
            raise httpx.ConnectTimeout(str(error) or "timed out") from error
        except OSError as error:  # ssl.SSLError included
            raise httpx.ConnectError(str(error) or type(error).__name__) from error
        return connection

    def close(self) -> None:
        while self._idle:
            connection, _ = self._idle.pop()
            connection.close()


class _Connection(asyncio.Protocol):
    """One connection: gathers a reply's bytes and parses the reply once it is complete."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, tls: bool) -> None:
        self.loop = loop
        self._tls = tls
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[WireReply, bool]] | None = None
        self._method = "GET"
        self._needed = 0  # bytes the reply needs before it is worth parsing again
        self._ended = False  # the server closed its side (or the connection was lost)
        self._spoiled = False  # bytes arrived that no request asked for

    # -- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():
            self._spoiled = True
            return
        self._buffer += data
        if len(self._buffer) >= self._needed:
            self._parse()

    def eof_received(self) -> bool:
        self._ended = True
        if self._waiter is not None and not self._waiter.done():
            self._parse()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if exc is not None and not self._buffer:
                waiter.set_exception(httpx.ReadError(str(exc) or type(exc).__name__))
            else:
                self._parse()

    # -- the pool's side -----------------------------------------------------------------------

    def usable(self) -> bool:
        """Whether an idle connection may carry another request."""
        transport = self._transport
        if transport is None or transport.is_closing() or self._ended or self._spoiled:
            return False
        # A close the event loop has not handed over yet still shows on the socket (over TLS,
        # bytes waiting may be the server's session tickets, so only the loop's view counts).
        sock = transport.get_extra_info("socket")
        return self._tls or sock is None or not has_bytes_waiting(sock)

    async def exchange(self, request: bytes, method: str) -> tuple[WireReply, bool]:
        """Write the request, wait for the whole reply; (reply, whether to keep the connection).

        Raises:
            httpx.WriteError, httpx.ReadError, httpx.RemoteProtocolError.
        """
        transport = self._transport
        if transport is None or transport.is_closing():
            raise httpx.WriteError("the connection is closed")
        self._buffer.clear()
        self._needed = 0
        self._method = method
        waiter: asyncio.Future[tuple[WireReply, bool]] = self.loop.create_future()
        self._waiter = waiter
        try:
            transport.write(request)
        except (OSError, RuntimeError) as error:
            raise httpx.WriteError(str(error) or type(error).__name__) from error
        return await waiter

    def close(self) -> None:
        if self._transport is None:
            return
        # At once: an idle or retired connection has nothing to flush, and a TLS close-notify
        # exchange would need more turns of the event loop than a closing client may get.
        # RuntimeError: its event loop is already closed (a client closed after `asyncio.run`
        # ended); the loop can no longer close the socket, garbage collection will.
        with contextlib.suppress(RuntimeError):
            self._transport.abort()

    # -- reading the reply ---------------------------------------------------------------------

    def _parse(self) -> None:
        """Settle the waiter when the buffer holds a whole reply, or the reply cannot be read."""
        waiter = self._waiter
        assert waiter is not None
        try:
            parsed = _read_reply(bytes(self._buffer), self._method, self._ended)
        except httpx.TransportError as error:
            waiter.set_exception(error)
            return
        except Exception as error:  # the waiter must settle, whatever the bytes
            waiter.set_exception(httpx.RemoteProtocolError(protocol_message(error)))
            return
        if isinstance(parsed, int):
            self._needed = parsed
            return
        reply, used, keep = parsed
        waiter.set_result((reply, keep and used == len(self._buffer) and not self._ended))


def _read_reply(data: bytes, method: str, ended: bool) -> tuple[WireReply, int, bool] | int:
    """Parse a whole reply from `data`: (reply, bytes used, keep-alive), or the byte count to
    wait for before trying again (0: any more bytes).

    Raises:
        httpx.RemoteProtocolError: for a reply that is not HTTP/1.1, or that ended too early.
    """
    head_end = data.find(b"\r\n\r\n")
    if head_end < 0:
        if len(data) > _MAX_HEAD:
            raise httpx.RemoteProtocolError("the reply's head is too large")
        if ended:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response."
                if not data
                else "peer closed connection without sending a complete reply head"
            )
        return 0
    head = plain_head(data, method)
    if head is not None:
        end = head.end
        if len(data) < end:
            if ended:
                raise httpx.RemoteProtocolError(INCOMPLETE_BODY)
            return end
        return (head.status, head.headers, data[head.body_start : end]), end, not head.will_close
    source = _Bytes(data)
    response = reply_reader(source, method)
    try:
        response.begin()
        if response.length is None and not response.chunked and not ended:
            return 0  # the body runs until the server closes the connection
        if response.length is not None and not ended:
            needed = source.tell() + response.length
            if len(data) < needed:
                return needed
        if response.chunked and not ended and not data.endswith(b"\r\n\r\n"):
            # `http.client` would take the end of the bytes so far for the end of the trailer.
            return 0
        body = read_body(response)
    except http.client.IncompleteRead as error:
        if ended:
            raise httpx.RemoteProtocolError(protocol_message(error)) from error
        return 0
    except http.client.RemoteDisconnected as error:  # after a 1xx, the next head is not here
        if ended:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response."
            ) from error
        return 0
    except (http.client.HTTPException, ValueError) as error:
        raise httpx.RemoteProtocolError(protocol_message(error)) from error
    finally:
        response.close()
    return wire_reply(response, body), source.used, not response.will_close


class _Bytes(io.BytesIO):
    """The reply's bytes; remembers how many `http.client` used when it closes them."""

    used = 0

    def close(self) -> None:
        if not self.closed:
            self.used = self.tell()
        super().close()
