"""The in-process httpx transport: each request goes to the simulator's handler, no sockets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from urllib.parse import urlsplit

import httpx

from simulator.api.edge import decode_path, decode_query
from simulator.api.messages import ApiHandler, ApiRequest, ApiResponse
from simulator.faults import (
    FaultPlan,
    Faults,
    NetworkFailure,
    NetworkFailureKind,
    apply_fault,
)

__all__ = ["SimulatorTransport", "to_api_request"]

# The exception httpx raises when a real network fails that way.
_NETWORK_ERRORS: dict[NetworkFailureKind, type[httpx.TransportError]] = {
    "timeout": httpx.ReadTimeout,
    "disconnect": httpx.RemoteProtocolError,
    "refuse": httpx.ConnectError,
}


class SimulatorTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answer httpx requests from a simulator handler, for both `httpx.Client` and `AsyncClient`.

    Built like `httpx.MockTransport`: the request is read, converted to an `ApiRequest`, answered
    by `handler.handle`, and the `ApiResponse` becomes an `httpx.Response`. When `faults` is given,
    its rules are applied here with the exceptions a real network would raise: a `hang` raises
    `httpx.ReadTimeout` without applying the request, a `drop` raises `httpx.RemoteProtocolError`
    without applying it, a `refuse` raises `httpx.ConnectError`, and a `lost_response` applies
    the request and then raises `httpx.RemoteProtocolError`.

    Args:
        sleep: how latency faults wait in sync clients (default `time.sleep`).
        async_sleep: how latency faults wait in async clients (default `asyncio.sleep`).

    Raises:
        httpx.ReadTimeout: from a request hit by a `hang` fault.
        httpx.RemoteProtocolError: from a request hit by a `drop` or `lost_response` fault.
        httpx.ConnectError: from a request hit by a `refuse` fault.
    """

    def __init__(
        self,
        handler: ApiHandler,
        *,
        faults: Faults | None = None,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.handler = handler
        self.faults = faults
        self._sleep = sleep
        self._async_sleep = async_sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request from a sync client.

        Raises:
            httpx.ReadTimeout: when a `hang` fault fires.
            httpx.RemoteProtocolError: when a `drop` or `lost_response` fault fires.
            httpx.ConnectError: when a `refuse` fault fires.
        """
        request.read()
        api_request = to_api_request(request)
        plan = self._plan(api_request)
        if plan.latency > 0:
            self._sleep(plan.latency)
        return self._answer(request, api_request, plan)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request from an async client.

        Raises:
            httpx.ReadTimeout: when a `hang` fault fires.
            httpx.RemoteProtocolError: when a `drop` or `lost_response` fault fires.
            httpx.ConnectError: when a `refuse` fault fires.
        """
        await request.aread()
        api_request = to_api_request(request)
        plan = self._plan(api_request)
        if plan.latency > 0:
            await self._async_sleep(plan.latency)
        return self._answer(request, api_request, plan)

    def handle_in_process(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Sequence[tuple[str, str]], bytes]:
        """Answer one request given as plain values: what `PaigoClient` sends without httpx.

        `headers` have lower-case names (`host` included) and `url` is already percent-encoded,
        so the handler sees the request `handle_request` would give it.

        Raises:
            httpx.ReadTimeout: when a `hang` fault fires.
            httpx.RemoteProtocolError: when a `drop` or `lost_response` fault fires.
            httpx.ConnectError: when a `refuse` fault fires.
        """
        parts = urlsplit(url)
        api_request = ApiRequest(
            method=method.upper(),
            path=decode_path(parts.path.encode("ascii")) or "/",
            query=decode_query(parts.query.encode("ascii")),
            headers=dict(headers),
            body=body,
        )
        plan = self._plan(api_request)
        if plan.latency > 0:
            self._sleep(plan.latency)
        answer = apply_fault(plan, api_request, self.handler.handle)
        if isinstance(answer, NetworkFailure):
            raise _NETWORK_ERRORS[answer.kind](answer.message)
        return answer.status, answer.headers, answer.body

    def _plan(self, api_request: ApiRequest) -> FaultPlan:
        return FaultPlan() if self.faults is None else self.faults.prepare(api_request)

    def _answer(
        self, request: httpx.Request, api_request: ApiRequest, plan: FaultPlan
    ) -> httpx.Response:
        answer = apply_fault(plan, api_request, self.handler.handle)
        if isinstance(answer, NetworkFailure):
            raise _NETWORK_ERRORS[answer.kind](answer.message, request=request)
        return _to_httpx_response(answer, request)

    def close(self) -> None:
        """Release nothing: the transport holds no connections."""

    async def aclose(self) -> None:
        """Release nothing: the transport holds no connections."""

    def __repr__(self) -> str:
        return f"SimulatorTransport({self.handler!r})"


def to_api_request(request: httpx.Request) -> ApiRequest:
    """Convert an already-read httpx request into the handler's `ApiRequest`.

    The path stays percent-encoded (the API decodes each path parameter itself); header names
    become lower-case; repeated headers are joined with `, ` as HTTP allows.
    """
    headers: dict[str, str] = {}
    for name, value in request.headers.multi_items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return ApiRequest(
        method=request.method.upper(),
        path=decode_path(request.url.raw_path.split(b"?", 1)[0]),
        query=decode_query(request.url.query),
        headers=headers,
        body=request.content,
    )


def _to_httpx_response(response: ApiResponse, request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        response.status,
        headers=list(response.headers),
        content=response.body,
        request=request,
    )
