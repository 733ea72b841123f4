"""The framework-free request and response values that both transports hand to the API layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["ApiHandler", "ApiRequest", "ApiResponse"]


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
