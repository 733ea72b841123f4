"""The connection pools the clients own: sized for the batcher, bounded per attempt, fork-safe.

Three things live here, and nowhere else:

- **Pool size.** A client's pool keeps up to `POOL_CONNECTIONS` connections alive, so a batcher
  that grows to that many requests in flight does not open and close a connection per request.
  The connections are split into shards of `SHARD_CONNECTIONS`, each its own httpcore pool:
  httpcore walks every connection of a pool (with a `poll` system call for each idle one) twice
  per request, under a lock the sync pool's threads share, so one pool of 128 connections spent
  most of a request's time in that walk and its threads queued on the lock. A request goes to the
  shard with the fewest requests waiting for their reply, so one caller at a time always reuses
  the first shard's connection.
  HTTP/2 is offered whenever the optional `h2` package is installed (`pip install
  'paigo-sdk[http2]'`); servers that do not speak it (ALPN) keep HTTP/1.1.
- **Whole-attempt deadline.** httpx's `timeout` bounds each socket operation, so a reply trickling
  in one byte per second never times out. The sync pool reads through a network backend that cuts
  every read, write and connect to the time left in the attempt (`paigo_sdk._deadline`); the
  async client wraps each attempt in `asyncio.timeout`.
- **A direct way through the pool.** `exchange` sends a plain request (method, URL, headers,
  body) and gives back status, headers and body, without httpx building a request, running its
  client machinery (auth flow, redirects, cookies) and wrapping a response; the client takes it
  for plain JSON requests (see `paigo_sdk._client`). HTTP/1.1 ones go through the pool's own
  lean connections (`paigo_sdk._http11`, `paigo_sdk._http11_async`), HTTP/2 ones (and all of
  them under trio) through the httpcore shards; either way failures come out as the httpx
  exceptions httpx itself would raise for them.
- **Fork safety.** A child process must never use a socket it inherited: parent and child would
  read each other's replies. Each pool registers itself; `os.register_at_fork` gives every pool in
  the child a fresh one and resets locks that another thread may have held at the moment of the
  fork. The inherited pools are kept referenced and never closed in the child: closing them could
  send a TLS close-notify or an HTTP/2 GOAWAY on the parent's connections.
"""

from __future__ import annotations

import http.cookiejar
import importlib.util
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Generic, Protocol, TypeVar

import httpcore
import httpx
import sniffio

from paigo_sdk._asyncio_backend import AsyncioBackend
from paigo_sdk._deadline import attempt_deadline, current_deadline
from paigo_sdk._http11 import Http11Pool
from paigo_sdk._http11_async import AsyncHttp11Pool
from paigo_sdk._in_process import WireReply

__all__ = [
    "POOL_CONNECTIONS",
    "ForkAware",
    "HttpPool",
    "attempt_deadline",
    "new_async_http",
    "new_sync_http",
    "register_for_fork",
    "transports_unpatched",
]

POOL_CONNECTIONS: Final = 128
"""Connections a client's pool may hold open (and keep alive): the batcher's concurrency ceiling."""

SHARD_CONNECTIONS: Final = 8
"""Connections in each shard of a client's pool (see the module's docstring)."""

_SHARDS: Final = POOL_CONNECTIONS // SHARD_CONNECTIONS
_KEEPALIVE_EXPIRY: Final = 5.0


def http2_available() -> bool:
    """Whether the optional `h2` package is installed, so the pool may offer HTTP/2.

    Raises:
        Nothing.
    """
    return importlib.util.find_spec("h2") is not None


# -- whole-attempt deadline (sync) -------------------------------------------------------------


def _bounded(timeout: float | None, expired: type[Exception]) -> float | None:
    deadline = current_deadline()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise expired("the attempt's timeout passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every operation waits no longer than the attempt has left."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync socket backend, with every stream bounded by the attempt's deadline."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, bounded, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


# -- the direct way ----------------------------------------------------------------------------

# httpcore's exceptions and the httpx ones httpx raises for them, the more specific first.
_HTTPX_ERRORS: Final[tuple[tuple[type[Exception], type[httpx.TransportError]], ...]] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)
_HTTPCORE_ERRORS: Final = tuple(core for core, _ in _HTTPX_ERRORS)

# httpcore's pools as httpcore made them: the lanes are taken only while nobody (respx, say)
# has patched them.
_POOL_SENDS: Final = httpcore.ConnectionPool.handle_request
_ASYNC_POOL_SENDS: Final = httpcore.AsyncConnectionPool.handle_async_request


def _httpx_error(error: Exception) -> httpx.TransportError:
    for core, mapped in _HTTPX_ERRORS:
        if isinstance(error, core):
            return mapped(str(error))
    return httpx.TransportError(str(error))  # pragma: no cover - every root is listed


def _core_request(
    method: str, url: str, headers: Mapping[str, str], body: bytes, timeout: float | None
) -> httpcore.Request:
    wire_headers = [
        (name.encode("ascii"), value.encode("ascii")) for name, value in headers.items()
    ]
    if body or method in ("POST", "PUT", "PATCH"):
        wire_headers.append((b"content-length", str(len(body)).encode("ascii")))
    timeouts = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
    return httpcore.Request(
        method, url, headers=wire_headers, content=body, extensions={"timeout": timeouts}
    )


def _reply(response: httpcore.Response, body: bytes) -> WireReply:
    headers = [
        (name.decode("latin-1").lower(), value.decode("latin-1"))
        for name, value in response.headers
    ]
    return response.status, headers, body


class _NoCookies(http.cookiejar.CookieJar):
    """A cookie jar that keeps nothing: the Paigo API authenticates with a bearer token.

    httpx's default jar takes one lock per reply to parse `Set-Cookie`; with many threads sharing
    a client that lock was the busiest in the process.
    """

    def extract_cookies(self, response: Any, request: Any) -> None:  # noqa: ARG002
        return None

    def add_cookie_header(self, request: Any) -> None:  # noqa: ARG002
        return None


def _lane_carries(url: str, *, http2: bool) -> bool:
    """Whether a sharded pool's HTTP/1.1 lane may carry a request to `url`.

    Every http:// request, and https:// ones unless the pool offers HTTP/2 (then ALPN may pick
    HTTP/2, which httpcore speaks and the lane does not). Each pool also steps aside when
    httpcore's send method is patched (a test double listening), and the async one under trio.
    """
    return not http2 or url.startswith("http://")


class _ShardedPool:
    """httpcore pools side by side; each request goes to the shard with the fewest waiting.

    `lane`, when given, carries the direct way's HTTP/1.1 requests (`exchange`) that
    `_lane_carries` allows.
    """

    def __init__(
        self,
        shards: list[httpcore.ConnectionPool],
        *,
        lane: Http11Pool | None = None,
        http2: bool = False,
    ) -> None:
        self._shards = shards
        self._waiting = [0] * len(shards)
        self._lock = threading.Lock()
        self._lane = lane
        self._http2 = http2

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        waiting = self._waiting
        with self._lock:
            index = waiting.index(min(waiting))
            waiting[index] += 1
        try:
            # The count drops when the reply's head arrived, not when its body is read: it only
            # balances the shards, and each shard's own pool queues what exceeds its connections.
            return self._shards[index].handle_request(request)
        finally:
            with self._lock:
                waiting[index] -= 1

    def exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        timeout: float | None,
    ) -> WireReply:
        """Send one plain request and read its whole reply, within `timeout` seconds in all.

        `headers` have lower-case names and include `host`; `content-length` is added.

        Raises:
            httpx.TransportError: the httpx exception for what went wrong on the connection
                (`httpx.ReadTimeout`, `httpx.ConnectError`, `httpx.RemoteProtocolError`, ...).
        """
        lane = self._lane
        if (
            lane is not None
            and _lane_carries(url, http2=self._http2)
            and httpcore.ConnectionPool.handle_request is _POOL_SENDS
        ):
            return lane.exchange(method, url, headers, body, timeout)
        request = _core_request(method, url, headers, body, timeout)
        try:
            with attempt_deadline(timeout):
                response = self.handle_request(request)
                try:
                    content = response.read()
                finally:
                    response.close()
        except _HTTPCORE_ERRORS as error:
            raise _httpx_error(error) from error
        return _reply(response, content)

    def close(self) -> None:
        if self._lane is not None:
            self._lane.close()
        for shard in self._shards:
            shard.close()

    def __enter__(self) -> _ShardedPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _AsyncShardedPool:
    """The async twin of `_ShardedPool`; one event loop drives it, so its counts need no lock.

    Its `lane` carries the direct way's HTTP/1.1 requests on asyncio (under trio, httpcore's
    shards carry everything).
    """

    def __init__(
        self,
        shards: list[httpcore.AsyncConnectionPool],
        *,
        lane: AsyncHttp11Pool | None = None,
        http2: bool = False,
    ) -> None:
        self._shards = shards
        self._waiting = [0] * len(shards)
        self._lane = lane
        self._http2 = http2

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        waiting = self._waiting
        index = waiting.index(min(waiting))
        waiting[index] += 1
        try:
            return await self._shards[index].handle_async_request(request)
        finally:
            waiting[index] -= 1

    async def exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        timeout: float | None,  # noqa: ASYNC109 - per socket operation, as httpx passes it
    ) -> WireReply:
        """Send one plain request and read its whole reply; the async twin of the sync pool's.

        The caller bounds the whole attempt (`asyncio.timeout`); `timeout` bounds each socket
        operation and the wait for a connection.

        Raises:
            httpx.TransportError: the httpx exception for what went wrong on the connection.
        """
        lane = self._lane
        if (
            lane is not None
            and _lane_carries(url, http2=self._http2)
            and httpcore.AsyncConnectionPool.handle_async_request is _ASYNC_POOL_SENDS
            and sniffio.current_async_library() == "asyncio"
        ):
            return await lane.exchange(method, url, headers, body, timeout)
        request = _core_request(method, url, headers, body, timeout)
        try:
            response = await self.handle_async_request(request)
            try:
                content = await response.aread()
            finally:
                await response.aclose()
        except _HTTPCORE_ERRORS as error:
            raise _httpx_error(error) from error
        return _reply(response, content)

    async def aclose(self) -> None:
        if self._lane is not None:
            await self._lane.aclose()
        for shard in self._shards:
            await shard.aclose()

    async def __aenter__(self) -> _AsyncShardedPool:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def new_sync_http() -> httpx.Client:
    """Build the pool a `PaigoClient` owns: batcher-sized, deadline-bounded, HTTP/2 if offered.

    Raises:
        Nothing.
    """
    http2 = http2_available()
    ssl_context = httpx.create_ssl_context()
    transport = httpx.HTTPTransport(http2=http2)
    # httpx builds its httpcore pool without a way to pass a network backend or to shard it;
    # this replaces it with shards of the same settings over the deadline backend
    # (tests/sdk/test_transport.py guards it).
    transport._pool = _ShardedPool(  # type: ignore[assignment]
        [
            httpcore.ConnectionPool(
                ssl_context=ssl_context,
                max_connections=SHARD_CONNECTIONS,
                max_keepalive_connections=SHARD_CONNECTIONS,
                keepalive_expiry=_KEEPALIVE_EXPIRY,
                http1=True,
                http2=http2,
                network_backend=_DeadlineBackend(),
            )
            for _ in range(_SHARDS)
        ],
        lane=Http11Pool(
            ssl_context=ssl_context,
            max_connections=POOL_CONNECTIONS,
            keepalive_expiry=_KEEPALIVE_EXPIRY,
        ),
        http2=http2,
    )
    return httpx.Client(transport=transport, cookies=_NoCookies())


def new_async_http() -> httpx.AsyncClient:
    """Build the pool an `AsyncPaigoClient` owns: sized for the batcher, HTTP/2 if offered.

    Raises:
        Nothing.
    """
    http2 = http2_available()
    ssl_context = httpx.create_ssl_context()
    backend = AsyncioBackend()  # asyncio's own streams; httpcore's anyio one under trio
    transport = httpx.AsyncHTTPTransport(http2=http2)
    transport._pool = _AsyncShardedPool(  # type: ignore[assignment]
        [
            httpcore.AsyncConnectionPool(
                ssl_context=ssl_context,
                max_connections=SHARD_CONNECTIONS,
                max_keepalive_connections=SHARD_CONNECTIONS,
                keepalive_expiry=_KEEPALIVE_EXPIRY,
                http1=True,
                http2=http2,
                network_backend=backend,
            )
            for _ in range(_SHARDS)
        ],
        lane=AsyncHttp11Pool(
            ssl_context=ssl_context,
            max_connections=POOL_CONNECTIONS,
            keepalive_expiry=_KEEPALIVE_EXPIRY,
        ),
        http2=http2,
    )
    return httpx.AsyncClient(transport=transport, cookies=_NoCookies())


# -- fork safety -------------------------------------------------------------------------------


class ForkAware(Protocol):
    """Anything that must reset itself in a child process after `os.fork()`."""

    def _after_fork_in_child(self) -> None: ...


_FORK_AWARE: weakref.WeakSet[Any] = weakref.WeakSet()
_INHERITED: list[object] = []
"""Pools inherited through fork: referenced so they are never closed (or collected) in the child."""


def register_for_fork(item: ForkAware) -> None:
    """Have `item._after_fork_in_child()` called in every child process forked from now on.

    Raises:
        Nothing.
    """
    _FORK_AWARE.add(item)


def _after_fork_in_child() -> None:
    for item in list(_FORK_AWARE):
        item._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


H = TypeVar("H", httpx.Client, httpx.AsyncClient)


class HttpPool(Generic[H]):
    """The httpx client a Paigo client sends through, shared with its `with_options` copies.

    When the SDK built the pool (`factory` is given), a forked child gets a fresh one; a pool the
    application passed in is its own to manage across fork. `direct` is the SDK-built pool's
    direct way (`exchange`), or None for a client the application passed in or one that sends
    through a proxy.
    """

    def __init__(self, http: H, factory: Callable[[], H] | None) -> None:
        self.http: H = http
        self._factory: Callable[[], H] | None = factory
        self.direct: Any = _direct_way(http) if factory is not None else None
        if factory is not None:
            register_for_fork(self)

    def _after_fork_in_child(self) -> None:
        if self._factory is not None:
            _INHERITED.append(self.http)
            self.http = self._factory()
            self.direct = _direct_way(self.http)


_CLIENT_PICKS: Final = httpx.Client._transport_for_url
_SYNC_SENDS: Final = httpx.HTTPTransport.handle_request
_ASYNC_CLIENT_PICKS: Final = httpx.AsyncClient._transport_for_url
_ASYNC_SENDS: Final = httpx.AsyncHTTPTransport.handle_async_request


def transports_unpatched() -> bool:
    """Whether httpx picks and drives its transports as httpx made it, so the direct way may
    skip them.

    A test double such as `respx.mock(using="httpx")` replaces one of these methods; the client
    then sends through httpx, where the double sees every request. (One that patches httpcore's
    pools, respx's default, still sees the direct way: `exchange` then goes through them.)

    Raises:
        Nothing.
    """
    return (  # checked on every request: identity tests only, nothing built
        httpx.Client._transport_for_url is _CLIENT_PICKS
        and httpx.HTTPTransport.handle_request is _SYNC_SENDS
        and httpx.AsyncClient._transport_for_url is _ASYNC_CLIENT_PICKS
        and httpx.AsyncHTTPTransport.handle_async_request is _ASYNC_SENDS
    )


def _direct_way(http: httpx.Client | httpx.AsyncClient) -> Any:
    """The sharded pool under an SDK-built client, unless requests may go elsewhere (a proxy)."""
    pool = getattr(getattr(http, "_transport", None), "_pool", None)
    if not isinstance(pool, _ShardedPool | _AsyncShardedPool):
        return None
    if getattr(http, "_mounts", None) or any(http.event_hooks.values()):
        return None  # proxies from the environment, or hooks: httpx's path honours them
    return pool
