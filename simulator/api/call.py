"""What a route handler receives: the request, its path parameters, the caller, and the engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.api.auth import Principal
from simulator.api.messages import ApiRequest, ApiResponse
from simulator.api.parsing import Schema, query_value, read_json, validate

if TYPE_CHECKING:
    from simulator.api import Api
    from simulator.engine import Engine

__all__ = ["Call", "Forbidden", "Handler"]


class Forbidden(Exception):
    """The caller's token may not reach this resource (a portal token beyond its customer)."""


@dataclass(frozen=True, slots=True)
class Call:
    """One routed request, as a handler sees it."""

    api: Api
    request: ApiRequest
    params: dict[str, str] = field(default_factory=dict)
    principal: Principal | None = None
    _decoded: list[Any] = field(default_factory=list, repr=False, compare=False)
    """The decoded body, once `raw_body` has read it (the body is decoded once per request)."""

    @property
    def engine(self) -> Engine:
        """The engine this API fronts."""
        return self.api.engine

    def body(self, schema: Schema) -> Any:
        """Decode the JSON body and validate it against `schema`.

        Raises:
            BadRequest: when the body is malformed or invalid.
            PayloadTooLarge: when the body is over the size limit.
        """
        return validate(self.raw_body(), schema)

    def raw_body(self) -> Any:
        """Decode the JSON body without validating it.

        Raises:
            BadRequest: when the body is malformed.
            PayloadTooLarge: when the body is over the size limit.
        """
        if self._decoded:
            return self._decoded[0]
        decoded = read_json(self.request.body, self.request.headers.get("content-type"))
        self._decoded.append(decoded)
        return decoded

    def query(self, name: str, schema: Schema | None = None) -> Any:
        """Return one validated query parameter, or None when absent.

        Raises:
            BadRequest: when it is repeated or invalid.
        """
        return query_value(self.request.query, name, schema)

    def header(self, name: str) -> str | None:
        """Return a request header by its lower-case name."""
        return self.request.headers.get(name)

    def require_customer(self, customer_id: str | None) -> None:
        """Allow a portal token only for its own customer; API client tokens pass.

        Raises:
            Forbidden: when a portal token asks for another customer's data.
        """
        principal = self.principal
        if (
            principal is not None
            and principal.kind == "portal"
            and principal.customer_id != customer_id
        ):
            raise Forbidden


Handler = Callable[[Call], ApiResponse]
