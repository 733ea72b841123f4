"""An httpcore network backend on asyncio's own streams, for the async client's pool.

httpcore reaches asyncio through anyio, which wraps every socket read and write in a cancel
scope and looks up socket attributes through several layers; for the one small request and reply
of a usage record that was most of the async client's own CPU time. This backend implements
httpcore's `AsyncNetworkBackend` interface with `asyncio.open_connection` and `asyncio.timeout`.
Under another event loop library (trio), it hands every call to httpcore's own backend.

Errors are httpcore's: `ConnectTimeout`/`ConnectError` on connecting, `ReadTimeout`/`ReadError`,
`WriteTimeout`/`WriteError` on the stream, as httpcore's anyio backend raises them.
"""

# httpcore's backend interface passes a `timeout` to each operation.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpcore
import sniffio
from httpcore._utils import is_socket_readable

__all__ = ["AsyncioBackend"]


@contextlib.asynccontextmanager
async def _bounded(
    timeout: float | None, expired: type[Exception], failed: type[Exception]
) -> AsyncIterator[None]:
    try:
        if timeout is None:
            yield
        else:
            async with asyncio.timeout(timeout):
                yield
    except TimeoutError as error:
        raise expired(str(error) or "timed out") from error
    except (OSError, ssl.SSLError, EOFError) as error:
        raise failed(str(error) or type(error).__name__) from error


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection as a pair of asyncio streams."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read up to `max_bytes`; b"" when the peer closed the connection.

        Raises:
            httpcore.ReadTimeout, httpcore.ReadError.
        """
        async with _bounded(timeout, httpcore.ReadTimeout, httpcore.ReadError):
            return await self._reader.read(max_bytes)
        raise AssertionError("unreachable")  # pragma: no cover - the block returns or raises

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write all of `buffer`.

        Raises:
            httpcore.WriteTimeout, httpcore.WriteError.
        """
        if not buffer:
            return
        async with _bounded(timeout, httpcore.WriteTimeout, httpcore.WriteError):
            if self._writer.is_closing():
                raise ConnectionResetError("the connection is closed")
            self._writer.write(buffer)
            await self._writer.drain()

    async def aclose(self) -> None:
        """Close the connection without waiting for the peer.

        The socket is closed at once (no TLS close-notify exchange, which would need the peer and
        more turns of the event loop than a client that is shutting down may get), and one turn
        of the loop lets the transport finish.
        """
        self._writer.transport.abort()
        await asyncio.sleep(0)

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Upgrade the connection to TLS.

        Raises:
            httpcore.ConnectTimeout, httpcore.ConnectError.
        """
        try:
            async with _bounded(timeout, httpcore.ConnectTimeout, httpcore.ConnectError):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except BaseException:
            await self.aclose()
            raise
        return self

    def get_extra_info(self, info: str) -> Any:
        """What httpcore asks of a connection: its TLS object, addresses, socket, readability."""
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":
            # An idle keep-alive connection is "readable" when the peer closed it (asyncio has
            # already read the end of the stream) or sent something unasked.
            if self._reader.at_eof() or self._writer.is_closing():
                return True
            sock = self._writer.get_extra_info("socket")
            return sock is not None and is_socket_readable(sock)
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend on asyncio streams; httpcore's own under other libraries."""

    def __init__(self) -> None:
        self._fallback = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Open a TCP connection.

        Raises:
            httpcore.ConnectTimeout, httpcore.ConnectError.
        """
        if sniffio.current_async_library() != "asyncio":
            return await self._fallback.connect_tcp(
                host, port, timeout, local_address, socket_options
            )
        local = None if local_address is None else (local_address, 0)
        async with _bounded(timeout, httpcore.ConnectTimeout, httpcore.ConnectError):
            reader, writer = await asyncio.open_connection(host, port, local_addr=local)
        _set_options(writer, socket_options)
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Open a Unix socket connection.

        Raises:
            httpcore.ConnectTimeout, httpcore.ConnectError.
        """
        if sniffio.current_async_library() != "asyncio":
            return await self._fallback.connect_unix_socket(path, timeout, socket_options)
        async with _bounded(timeout, httpcore.ConnectTimeout, httpcore.ConnectError):
            reader, writer = await asyncio.open_unix_connection(path)
        _set_options(writer, socket_options)
        return AsyncioStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        """Sleep without blocking the event loop."""
        if sniffio.current_async_library() != "asyncio":
            await self._fallback.sleep(seconds)
        else:
            await asyncio.sleep(seconds)


def _set_options(writer: asyncio.StreamWriter, options: Iterable[Any] | None) -> None:
    sock = writer.get_extra_info("socket")
    for option in options or ():
        sock.setsockopt(*option)
