"""Serve the simulator's handler over HTTP: a plain ASGI adapter, and a uvicorn runner for it.

The adapter converts an ASGI scope and its body into the same `ApiRequest` the in-process
transport builds, so both ways of reaching the simulator share one handler. uvicorn is imported
only when a server starts (the "server" extra).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import ipaddress
import json
import logging
import signal
import socket
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from simulator.api.edge import decode_path, decode_query
from simulator.api.messages import ApiHandler, ApiRequest, ApiResponse, InlineApiHandler
from simulator.faults import FaultPlan, Faults, NetworkFailure, apply_fault
from simulator.origin import OriginPolicy

if TYPE_CHECKING:
    import uvicorn

__all__ = [
    "MAX_BODY_BYTES",
    "AsgiApp",
    "ServerLimits",
    "SimulatorServer",
    "format_base_url",
    "is_loopback",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY_BYTES = 8 * 1024 * 1024
"""Bodies larger than this are refused with 413 before they reach the handler."""

_TOO_LARGE = ApiResponse(
    413,
    (("content-type", "application/json"),),
    b'{"statusCode": 413, "message": "request entity too large", "error": "Payload Too Large"}',
)
_BODY_TIMEOUT = ApiResponse(
    408,
    (("content-type", "application/json"), ("connection", "close")),
    b'{"statusCode": 408, "message": "the request body did not arrive in time", '
    b'"error": "Request Timeout"}',
)
_NO_FAULT: Final = FaultPlan()
BODY_RECEIVED: Final = "paigo_simulator.body_received"
"""A scope key `SimulatorServer`'s protocol sets (True) once a request's whole body has arrived;
the app then reads the body without arming the body deadline, as the read cannot wait."""
HEAD_WITH_BODY: Final = "paigo_simulator.head_with_body"
"""A scope key `SimulatorServer`'s protocol sets to a callable: called before a response that
sends its whole body at once, it makes the server write the response's head together with the
body, in one write (one TCP segment for a small reply) instead of two."""
_INCOMPLETE_RESPONSE_LOG = "ASGI callable returned without completing response."
# Set while the app deliberately drops a connection, so that uvicorn's complaint about the
# unfinished response (logged in the same task, after the app returns) can be silenced.
_dropping: contextvars.ContextVar[bool] = contextvars.ContextVar("_dropping", default=False)


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """How long a served simulator waits for a client, and how many connections it holds.

    A client that opens connections and then sends nothing, or sends its request a byte at a
    time, is cut off after these deadlines, so stalled sockets cannot use up the process's file
    descriptors and lock every other client out.

    Raises:
        ValueError: when a value is not positive.
    """

    header_timeout: float = 10.0
    """Seconds a connection may take to send a complete request head (line and headers),
    counted from when it opens or its previous response was sent; then it is closed (408 when
    part of a request head had arrived)."""
    body_timeout: float = 30.0
    """Seconds a request may take to send its whole body once its head arrived; then 408."""
    keep_alive: int = 5
    """Seconds an idle keep-alive connection stays open between requests."""
    max_connections: int = 256
    """Open connections beyond this are answered 503 and closed at once."""

    def __post_init__(self) -> None:
        if min(self.header_timeout, self.body_timeout, self.keep_alive) <= 0:
            raise ValueError("server timeouts must be positive")
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")


class AsgiApp:
    """An ASGI application answering every HTTP request with `handler.handle`.

    The handler runs in a worker thread, so a slow request never blocks the event loop; the
    handler must be thread-safe (the `Simulator` serialises its own). A handler that is also an
    `InlineApiHandler` may answer a cheap request at once on the loop instead (the `Simulator`
    does for a small `POST /usage` when no other request holds it). Fault rules, when given,
    are applied here: latency and `hang` wait on the event loop, a `drop` or `lost_response`
    closes the connection after the status line so the client sees a broken response.

    Before the body is read, a request whose `Host` or `Origin` the `origin_policy` refuses is
    answered 421 or 403 (`SimulatorServer` sets the policy of the address it binds); a body that
    does not arrive within `limits.body_timeout` is answered 408.

    Args:
        on_shutdown: called once when the server's lifespan ends.
    """

    def __init__(
        self,
        handler: ApiHandler,
        *,
        faults: Faults | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        on_shutdown: Callable[[], None] | None = None,
        limits: ServerLimits | None = None,
        origin_policy: OriginPolicy | None = None,
    ) -> None:
        self.handler = handler
        self.faults = faults
        self.max_body_bytes = max_body_bytes
        self._on_shutdown = on_shutdown
        self.limits = limits or ServerLimits()
        self.origin_policy = origin_policy
        self._inline = handler.handle_inline if isinstance(handler, InlineApiHandler) else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection scope ("http" or "lifespan"; others are ignored)."""
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._on_shutdown is not None:
                    self._on_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _headers(scope)
        if self.origin_policy is not None:
            refusal = self.origin_policy.refusal(headers)
            if refusal is not None:
                await _send_response(send, refusal, scope)
                return
        if scope.get(BODY_RECEIVED):
            # The whole body is already in: reading it cannot wait, so no deadline is armed.
            body = await _read_body(receive, self.max_body_bytes)
        else:
            try:
                # asyncio.timeout, unlike asyncio.wait_for, runs the read in this task: no new
                # task per request.
                async with asyncio.timeout(self.limits.body_timeout):
                    body = await _read_body(receive, self.max_body_bytes)
            except TimeoutError:
                await _send_response(send, _BODY_TIMEOUT, scope)
                return
        if body is None:  # the client went away before sending its body
            return
        if isinstance(body, ApiResponse):
            await _send_response(send, body, scope)
            return
        request = _api_request(scope, headers, body)
        plan = _NO_FAULT if self.faults is None else self.faults.prepare(request)
        if plan.latency > 0:
            await asyncio.sleep(plan.latency)
        if plan.outcome is None and self._inline is not None:
            # A cheap request is answered here on the loop when nothing else holds the
            # simulator: handing it to a worker thread costs more than answering it.
            inline = self._inline(request)
            if inline is not None:
                if inline.follow_up is not None:
                    await asyncio.to_thread(inline.follow_up)
                await _send_response(send, inline.response, scope)
                return
        answer = await asyncio.to_thread(apply_fault, plan, request, self.handler.handle)
        if isinstance(answer, NetworkFailure):
            if answer.kind == "timeout":
                # Hold the connection without answering, as a hung server does, then drop it.
                await _wait_for_disconnect(receive, answer.rule.hang_seconds)
            # A connection that is already accepted cannot be refused: it is dropped instead.
            await _drop(send)
        else:
            await _send_response(send, answer, scope)


def scope_to_api_request(scope: Scope, body: bytes) -> ApiRequest:
    """Convert an ASGI HTTP scope and its body into the handler's `ApiRequest`.

    The path stays percent-encoded, as the in-process transport gives it; the path and query
    are decoded as the in-process transport decodes them (`simulator.api.edge`), so text that
    is not UTF-8 reaches the API's edge check instead of being replaced.
    """
    return _api_request(scope, _headers(scope), body)


def _api_request(scope: Scope, headers: dict[str, str], body: bytes) -> ApiRequest:
    raw_path = scope.get("raw_path")
    query = scope.get("query_string", b"")
    if raw_path:
        path = decode_path(bytes(raw_path).split(b"?", 1)[0])
    else:  # raw_path is optional in ASGI; re-encode the decoded path
        path = quote(str(scope["path"]), safe="/:@!$&'()*+,;=-._~", errors="surrogateescape")
    return ApiRequest(
        method=str(scope["method"]).upper(),
        path=path,
        query=decode_query(bytes(query)) if query else (),
        headers=headers,
        body=body,
    )


def _headers(scope: Scope) -> dict[str, str]:
    raw = scope.get("headers", ())
    if type(raw) is list:
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in raw}
        if len(headers) == len(raw):  # no header is repeated: the usual case
            return headers
        headers = {}
    for raw_name, raw_value in raw:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name in headers:  # a repeated header reads as one comma-separated list
            value = f"{headers[name]}, {value}"
        headers[name] = value
    return headers


async def _read_body(receive: Receive, limit: int) -> bytes | ApiResponse | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > limit:
            return _TOO_LARGE
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send_response(send: Send, response: ApiResponse, scope: Scope) -> None:
    encoded = _encoded_headers.get(response.headers)
    if encoded is None:
        encoded = _encode_headers(response.headers)
    headers = list(encoded[0])
    if not encoded[1]:
        headers.append((b"content-length", str(len(response.body)).encode()))
    head_with_body = scope.get(HEAD_WITH_BODY)
    if head_with_body is not None:
        head_with_body()  # the body follows at once: one write for both
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


_encoded_headers: dict[tuple[tuple[str, str], ...], tuple[list[tuple[bytes, bytes]], bool]] = {}
"""The ASGI form of response header sets already sent, and whether each has a length; most
replies share a few sets (`content-type: application/json`), so each is encoded once."""


def _encode_headers(
    headers: tuple[tuple[str, str], ...],
) -> tuple[list[tuple[bytes, bytes]], bool]:
    encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    result = (encoded, any(name == b"content-length" for name, _ in encoded))
    if len(_encoded_headers) < 256:  # bounded: headers carrying ids or dates vary per reply
        _encoded_headers[headers] = result
    return result


async def _drop(send: Send) -> None:
    # ASGI has no way to close a connection silently; a response promising a body that never
    # comes makes the server close the socket, and the client sees a broken response.
    _dropping.set(True)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
        }
    )


async def _wait_for_disconnect(receive: Receive, seconds: float) -> None:
    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(disconnected(), timeout=seconds)


class _DropLogFilter(logging.Filter):
    """Hide uvicorn's error line for connections the simulator dropped on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_dropping.get() and record.getMessage() == _INCOMPLETE_RESPONSE_LOG)


def is_loopback(host: str) -> bool:
    """Tell whether `host` names only this machine (127.0.0.0/8, ::1 or localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def format_base_url(host: str, port: int) -> str:
    """Return `http://host:port`, bracketing an IPv6 address."""
    bare = host.strip("[]")
    if ":" in bare:
        return f"http://[{bare}]:{port}"
    return f"http://{bare}:{port}"


class SimulatorServer:
    """Run an `AsgiApp` under uvicorn on a socket bound at construction.

    Binding first means `port=0` gets a free port whose number is known (`port`, `url`) before
    the server runs. The app answers only requests whose `Host` names this address and whose
    `Origin`, if any, is its own (`OriginPolicy`); `limits` bound how long clients may stall and
    how many connections stay open (`ServerLimits`). `run()` serves in the calling thread until
    SIGINT/SIGTERM (main thread) or `stop()`; `start()` serves in a background thread, and the
    context manager form starts and stops it.

    Raises:
        OSError: when the address cannot be bound.
        ModuleNotFoundError: from `run`/`start` when uvicorn (the "server" extra) is missing.
    """

    def __init__(
        self,
        app: AsgiApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
        access_log: bool = False,
        limits: ServerLimits | None = None,
    ) -> None:
        self.app = app
        self.host = host
        self.log_level = log_level
        self.access_log = access_log
        self._socket = _bind(host, port)
        self.port: int = self._socket.getsockname()[1]
        if limits is not None:
            app.limits = limits
        self.limits = app.limits
        if app.origin_policy is None:
            # Only this address's own Host and Origin are answered (DNS rebinding, CSRF).
            app.origin_policy = OriginPolicy(host, self.port)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._stop_requested = False

    @property
    def url(self) -> str:
        """The base URL clients use (the API and, under `/oauth/token`, the token endpoint)."""
        return format_base_url(self.host, self.port)

    def run(self) -> None:
        """Serve until SIGINT or SIGTERM (when called from the main thread) or `stop()`.

        A signal shuts the server down gracefully and `run` returns normally.

        Raises:
            ModuleNotFoundError: when uvicorn is not installed.
        """
        server = self._make_server()
        in_main = threading.current_thread() is threading.main_thread()
        previous: dict[int, Any] = {}
        if in_main:
            # uvicorn installs its own handlers while serving and, afterwards, re-raises the
            # signal it caught against the handlers it found: these, which only ask to stop, so
            # the process exits with status 0 instead of dying from the re-raised signal.
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, self._request_stop)
        log_filter = _DropLogFilter()
        uvicorn_logger = logging.getLogger("uvicorn.error")
        uvicorn_logger.addFilter(log_filter)
        try:
            server.run(sockets=[self._socket])
        finally:
            uvicorn_logger.removeFilter(log_filter)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self._socket.close()

    def start(self) -> SimulatorServer:
        """Serve in a daemon thread and return once the server accepts connections.

        Raises:
            ModuleNotFoundError: when uvicorn is not installed.
            RuntimeError: when the server fails to start.
        """
        self._make_server()
        self._thread = threading.Thread(target=self.run, name="paigo-simulator-server", daemon=True)
        self._thread.start()
        while not (self._server is not None and self._server.started):
            if not self._thread.is_alive():
                raise RuntimeError("the simulator server failed to start")
            self._thread.join(0.01)
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the server to shut down gracefully and wait for a background thread to end."""
        self._stop_requested = True
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        else:
            self._socket.close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _request_stop(self, *_signal_args: object) -> None:
        self._stop_requested = True
        if self._server is not None:
            self._server.should_exit = True

    def _make_server(self) -> uvicorn.Server:
        if self._server is None:
            try:
                import uvicorn
            except ModuleNotFoundError as exc:
                raise ModuleNotFoundError(
                    "serving the simulator needs uvicorn: pip install 'paigo-sdk[server]'"
                ) from exc
            config = uvicorn.Config(
                self.app,
                http=_guarded_protocol(self.limits),
                lifespan="on",
                # The app reads no client address or scheme, and X-Forwarded-* headers are
                # ignored by design: rewriting the scope from them is work for nothing.
                proxy_headers=False,
                log_level=self.log_level,
                access_log=self.access_log,
                timeout_graceful_shutdown=5,
                timeout_keep_alive=self.limits.keep_alive,
                limit_concurrency=self.limits.max_connections + 1,
            )
            if self.access_log:
                # uvicorn sets its access logger to `log_level`; request lines are logged at INFO.
                logging.getLogger("uvicorn.access").setLevel(logging.INFO)
            self._server = uvicorn.Server(config)
            self._server.should_exit = self._stop_requested
        return self._server

    def __repr__(self) -> str:
        return f"SimulatorServer(url={self.url!r})"


def _raw_error(status: int, reason: str, message: str) -> bytes:
    """A whole HTTP/1.1 error response, written straight to a socket outside any request."""
    body = json.dumps({"statusCode": status, "message": message}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"connection: close\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


_BUSY: Final = _raw_error(503, "Service Unavailable", "too many open connections")
_HEAD_TIMEOUT: Final = _raw_error(408, "Request Timeout", "the request head did not arrive in time")
_TIMER_SLACK: Final = 0.001
"""Seconds a deadline timer may fire early (the loop's clock granularity) and still count."""


def _guarded_protocol(limits: ServerLimits) -> type[Any]:
    """Return uvicorn's h11 protocol with a connection cap and a deadline on request heads.

    uvicorn times out idle keep-alive connections but not a connection that never completes a
    request head (slowloris), and it keeps accepting connections past `limit_concurrency`.
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeadHoldingConnection(h11.Connection):
        """h11's server connection, able to hold one response head and return it with the
        bytes of the event that follows (the body), so that uvicorn writes both at once."""

        _hold_head = False
        _held: bytes | None = None

        def hold_head(self) -> None:
            """Hold the next response head until the next event is sent."""
            self._hold_head = True

        def send(self, event: h11.Event) -> bytes | None:  # type: ignore[override]
            data = super().send(event)
            if self._hold_head and type(event) is h11.Response:
                self._hold_head = False
                self._held = data
                return b""  # uvicorn's write of nothing sends nothing
            held = self._held
            if held is not None and data is not None:
                self._held = None
                return held + data
            return data

        def start_next_cycle(self) -> None:
            self._hold_head = False
            self._held = None
            super().start_next_cycle()

    class GuardedH11Protocol(H11Protocol):
        # One timer per connection, not per request: a request only moves `_head_due`, and a
        # timer that fires early (the connection answered requests meanwhile) waits again.
        _head_timer: asyncio.TimerHandle | None = None
        _head_due: float | None = None
        """Loop time by which the awaited request head must be complete (None: none awaited)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._heads = HeadHoldingConnection(h11.SERVER, self.conn._max_incomplete_event_size)
            self.conn = self._heads

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > limits.max_connections:
                transport.write(_BUSY)
                transport.close()
                return
            self._arm()

        def data_received(self, data: bytes) -> None:
            before = self.cycle
            super().data_received(data)
            cycle: Any = self.cycle  # None until a first request head arrives
            if cycle is not before:  # a whole request head arrived
                self._head_due = None
                cycle.scope[HEAD_WITH_BODY] = self._heads.hold_head
            if cycle is not None and not cycle.more_body:
                cycle.scope[BODY_RECEIVED] = True

        def on_response_complete(self) -> None:
            before = self.cycle
            super().on_response_complete()
            if self.cycle is before and not self.transport.is_closing():
                self._arm()  # waiting for the next request head

        def connection_lost(self, exc: Exception | None) -> None:
            self._head_due = None
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._head_due = self.loop.time() + limits.header_timeout
            if self._head_timer is None:
                self._head_timer = self.loop.call_at(self._head_due, self._head_late)

        def _head_late(self) -> None:
            self._head_timer = None
            due = self._head_due
            if due is None or self.transport.is_closing():
                return  # no head awaited now; the next `_arm` starts a timer
            if due - self.loop.time() > _TIMER_SLACK:
                self._head_timer = self.loop.call_at(due, self._head_late)
                return
            if self.conn.trailing_data[0]:  # part of a request head arrived: say why
                self.transport.write(_HEAD_TIMEOUT)
            self.transport.close()

    return GuardedH11Protocol


def _bind(host: str, port: int) -> socket.socket:
    infos = socket.getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock
