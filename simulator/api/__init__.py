"""The HTTP-shaped layer: parse a request, call the engine, shape Paigo's reply; no billing here.

`Api.handle` is the single handler both transports (in-process and server) call, so they cannot
drift apart. It never raises: every failure becomes one of Paigo's error replies.

Where the simulator deliberately differs from Paigo's OpenAPI export is listed once, as data, in
`simulator.api.deviations` (each handler's docstring repeats the differences that concern it).
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from simulator.api import edge, replies
from simulator.api.auth import (
    DEFAULT_AUDIENCE,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    Principal,
    TokenStore,
)
from simulator.api.call import Call
from simulator.api.idempotency import IdempotencyStore
from simulator.api.messages import ApiHandler, ApiRequest, ApiResponse
from simulator.api.routes import Route, match
from simulator.clock import Clock

if TYPE_CHECKING:
    from simulator.engine import Engine
    from simulator.faults import Faults
    from simulator.ratelimits import RateLimits
    from simulator.webhook_delivery import HttpWebhookDispatcher

__all__ = [
    "DEFAULT_AUDIENCE",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "Api",
    "ApiHandler",
    "ApiRequest",
    "ApiResponse",
    "RejectedRequest",
]

logger = logging.getLogger(__name__)

MAX_REJECTED_REQUESTS: Final = 1000
DEFAULT_HOST: Final = "paigo-simulator.local"
_HOST_RE: Final = re.compile(r"(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")


@dataclass(frozen=True, slots=True)
class RejectedRequest:
    """One request the simulator refused: what was asked, and what it answered."""

    method: str
    path: str
    status: int
    messages: tuple[str, ...]
    at: datetime


class Api:
    """Serve Paigo's API (and the simulator's own routes) over one engine.

    Every Paigo route needs a valid bearer token from `POST /oauth/token`; before handling one, the
    API closes every billing cycle that became due (B14). Requests are handled one at a time.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        credentials: Mapping[str, str] | None = None,
        token_lifetime: float = 86400,
        audience: str = DEFAULT_AUDIENCE,
        admin_enabled: bool = True,
        admin_token: str | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.tokens = TokenStore(
            clock=clock, credentials=credentials, lifetime=token_lifetime, audience=audience
        )
        self.admin_enabled = admin_enabled
        self._admin_token = admin_token
        self._rejected: deque[RejectedRequest] = deque(maxlen=MAX_REJECTED_REQUESTS)
        self._lock = threading.RLock()
        self.snapshots: dict[str, Any] = {}
        self.url_signing_key = secrets.token_bytes(32)
        self.idempotency = IdempotencyStore(clock)
        self.faults: Faults | None = None
        """The fault rules `/_simulator/faults` manages (the transports apply them)."""
        self.rate_limits: RateLimits | None = None
        """The rate limits `/_simulator/rate-limits` manages (applied in front of this API)."""
        self.webhook_dispatcher: HttpWebhookDispatcher | None = None
        """Set by `Simulator`: the `/_simulator/` webhook routes script failures, resend and
        reschedule deliveries through it."""

    def __repr__(self) -> str:
        return f"Api(admin_enabled={self.admin_enabled!r}, tokens={self.tokens!r})"

    # ----------------------------------------------------------------- public API

    def handle(self, request: ApiRequest) -> ApiResponse:
        """Answer one request exactly as Paigo would; never raises."""
        with self._lock:
            try:
                response = self._dispatch(request)
            except Exception:
                logger.exception("unexpected error handling %s %s", request.method, request.path)
                response = replies.internal_error()
            if replies.is_rejection(response):
                self._record_rejection(request, response)
            return response

    def expire_tokens(self) -> int:
        """Expire every bearer token issued so far; return how many were still valid."""
        return self.tokens.expire_tokens()

    def revoke_token(self, token: str) -> bool:
        """Revoke one bearer token; return whether it was known."""
        return self.tokens.revoke_token(token)

    @property
    def rejected_requests(self) -> list[RejectedRequest]:
        """The most recent rejected requests (at most 1000), oldest first."""
        with self._lock:
            return list(self._rejected)

    def clear_rejected_requests(self) -> None:
        """Forget the rejected requests recorded so far."""
        with self._lock:
            self._rejected.clear()

    @staticmethod
    def public_base_url(request: ApiRequest) -> str:
        """Return the origin the client used, from `Host`, for links such as `invoiceUrl`.

        A served simulator refuses any `Host` that does not name it before this is reached
        (`simulator.origin`); `X-Forwarded-*` headers are never used, and a `Host` that is not a
        plain `name[:port]` falls back to `paigo-simulator.local`. The scheme is always http.
        """
        host = request.headers.get("host") or ""
        if not _HOST_RE.fullmatch(host):
            host = DEFAULT_HOST
        return f"http://{host}"

    # ----------------------------------------------------------------- dispatch

    def _dispatch(self, request: ApiRequest) -> ApiResponse:
        method = request.method.upper()
        invalid = edge.invalid_text(request)
        if invalid:
            # Refused before routing: nothing that cannot be encoded back is ever stored.
            if request.path == "/oauth/token":
                return replies.token_error("invalid_request", invalid[0])
            return replies.bad_request(invalid)
        found = match(method, request.path)
        if found is None:
            return replies.route_not_found(method, request.path)
        route = found.route
        wrong_type = edge.media_type_refusal(request, route.pattern)
        if wrong_type is not None:
            return replies.bad_request([wrong_type])
        if route.access == "admin":
            refusal = self.authorize_admin(request)
            if refusal is not None:
                return refusal
        principal: Principal | None = None
        if route.access in ("paigo", "portal"):
            principal = self.tokens.check(request.headers.get("authorization"))
            if principal is None:
                return replies.unauthorized()
            if principal.kind == "portal" and not self._portal_allowed(
                route, found.params, principal
            ):
                return replies.forbidden()
        call = Call(self, request, found.params, principal)
        # POSTs with a token honour `Idempotency-Key` (the store passes the others through).
        idempotent = method == "POST" and principal is not None
        if route.access == "admin":
            # Admin routes may move the clock, so their engine calls each read it afresh.
            self.engine.close_due_cycles()
            return self._answer(call, route, idempotent)
        if principal is None:
            return self._answer(call, route, idempotent)
        with self.engine.request():  # due cycles are closed once for the whole request (B14)
            return self._answer(call, route, idempotent)

    def _answer(self, call: Call, route: Route, idempotent: bool) -> ApiResponse:
        try:
            if idempotent:
                return self.idempotency.handle(call, route.pattern, route.handler)
            return route.handler(call)
        except Exception as exc:
            response = replies.from_error(exc)
            if response is None:
                raise
            return response

    def authorize_admin(self, request: ApiRequest) -> ApiResponse | None:
        """Return None when `request` may use the `/_simulator/` routes, else the reply refusing it.

        Admin routes answer 404 (as if absent) when disabled, and 401 when an admin token is set and
        the request does not carry it in `X-Simulator-Admin-Token` or `Authorization: Bearer`.
        """
        if not self.admin_enabled:
            return replies.admin_disabled(request.method.upper(), request.path)
        if not self._admin_allowed(request):
            return replies.unauthorized()
        return None

    def _admin_allowed(self, request: ApiRequest) -> bool:
        if self._admin_token is None:
            return True
        given = request.headers.get("x-simulator-admin-token")
        if given is None:
            scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
            given = value.strip() if scheme.lower() == "bearer" else None
        return given is not None and _same(given, self._admin_token)

    @staticmethod
    def _portal_allowed(route: Route, params: Mapping[str, str], principal: Principal) -> bool:
        if route.access != "portal":
            return False
        customer_id = params.get("customerId")
        # Routes without a customer in the path (the invoice) check ownership in the handler.
        return customer_id is None or customer_id == principal.customer_id

    def _record_rejection(self, request: ApiRequest, response: ApiResponse) -> None:
        self._rejected.append(
            RejectedRequest(
                method=request.method.upper(),
                # A path refused for a lone surrogate is kept escaped, so the log stays readable.
                path=request.path.encode("utf-8", "backslashreplace").decode("utf-8"),
                status=response.status,
                messages=tuple(replies.status_messages(response)),
                at=self.clock.now(),
            )
        )


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
