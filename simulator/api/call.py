"""What a route handler receives: the request, its path parameters, the caller, and the engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from simulator.api.auth import Principal
from simulator.api.messages import ApiRequest, ApiResponse
from simulator.api.parsing import Schema, idempotency_keys, query_value, read_json, validate

if TYPE_CHECKING:
    from simulator.api import Api
    from simulator.engine import Engine

__all__ = ["Call", "Forbidden", "Handler"]


class Forbidden(Exception):
    """The caller's token may not reach this resource (a portal token beyond its customer)."""


_UNREAD: Any = object()
_NO_PARAMS: Mapping[str, str] = MappingProxyType({})


class Call:
    """One routed request, as a handler sees it.

    A plain class with slots rather than a dataclass: one is made for every request, and the
    decoded body is kept in a slot once `raw_body` has read it.
    """

    __slots__ = ("_decoded", "_key", "api", "params", "principal", "request")

    def __init__(
        self,
        api: Api,
        request: ApiRequest,
        params: Mapping[str, str] = _NO_PARAMS,
        principal: Principal | None = None,
    ) -> None:
        self.api = api
        self.request = request
        self.params = params
        """The route's path parameters, percent-decoded (`customerId`, ...); read-only."""
        self.principal = principal
        """Who the bearer token was issued to; None on routes that take no token."""
        self._decoded: Any = _UNREAD
        self._key: Any = _UNREAD

    def __repr__(self) -> str:
        return (
            f"Call(request={self.request!r}, params={dict(self.params)!r}, "
            f"principal={self.principal!r})"
        )

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
        decoded = self._decoded
        if decoded is _UNREAD:
            request = self.request
            decoded = self._decoded = read_json(request.body, request.headers.get("content-type"))
        return decoded

    def query(self, name: str, schema: Schema | None = None) -> Any:
        """Return one validated query parameter, or None when absent.

        Raises:
            BadRequest: when it is repeated or invalid.
        """
        return query_value(self.request.query, name, schema)

    def idempotency_key(self) -> str | None:
        """Return the request's one `Idempotency-Key`, checked; None when it has none.

        Checked once per request (the idempotency store and the handler both ask).

        Raises:
            BadRequest: when the key is malformed.
        """
        if self._key is _UNREAD:
            keys = idempotency_keys(self.request.headers.get("idempotency-key"))
            self._key = keys[0] if keys else None
        key: str | None = self._key
        return key

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
