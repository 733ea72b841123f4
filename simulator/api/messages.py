"""The framework-free request and response values that both transports hand to the API layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

__all__ = ["ApiHandler", "ApiRequest", "ApiResponse", "InlineAnswer", "InlineApiHandler"]


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One HTTP request as the simulator's API layer sees it.

    `headers` keys are lower-case; `query` keeps repeated parameters in order.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """One HTTP response produced by the simulator's API layer."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


class ApiHandler(Protocol):
    """What both transports call: one request in, one response out."""

    def handle(self, request: ApiRequest) -> ApiResponse:
        """Answer `request` exactly as Paigo would."""
        ...


@dataclass(frozen=True, slots=True)
class InlineAnswer:
    """A response produced at once on the caller's thread (see `InlineApiHandler`)."""

    response: ApiResponse
    follow_up: Callable[[], None] | None = None
    """Blocking work the request left to do (such as delivering the webhooks it made due), to
    run off the event loop before the response is sent; None when there is none."""


@runtime_checkable
class InlineApiHandler(ApiHandler, Protocol):
    """A handler that can also answer a cheap request at once, without waiting.

    The ASGI server calls `handle_inline` on its event loop and falls back to `handle` in a
    worker thread when it returns None, so that a request never waits on the loop behind
    another one.
    """

    def handle_inline(self, request: ApiRequest) -> InlineAnswer | None:
        """Answer `request` now if it is cheap and nothing else holds the handler; else None.

        Must never block: a handler that would have to wait (for a lock, for I/O, or for a
        long operation) returns None.
        """
        ...
