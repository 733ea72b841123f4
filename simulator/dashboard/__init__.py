"""The simulator's dashboard: Paigo's getting-started journey in a browser, over the same API.

`DashboardHandler` sits in front of the simulator's one handler. It serves the dashboard's page and
static files under `/dashboard`, and one session route that hands the page a bearer token; every
other request, including all the page's own data requests, goes to the wrapped handler unchanged.
So the page reads and writes through Paigo's JSON API and the `/_simulator/` routes, exactly as any
client does: there is no second billing path, and the page needs no build step (plain HTML, CSS and
JavaScript shipped in the package).

The dashboard is guarded like the admin routes: it answers 404 when they are disabled, and its
session route needs the admin token when one is set (the page asks for it and sends it in the
`X-Simulator-Admin-Token` header, as it does on every `/_simulator/` request).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Final

from simulator.api.messages import (
    ApiHandler,
    ApiRequest,
    ApiResponse,
    InlineAnswer,
    InlineApiHandler,
)

__all__ = ["DASHBOARD_PATH", "DashboardHandler"]

DASHBOARD_PATH: Final = "/dashboard"
"""Where the dashboard is served on the simulator's origin."""

_STATIC: Final = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
_SECURITY_HEADERS: Final = (
    # Scripts and styles come only from the dashboard's own files; no page may frame it.
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
)


class DashboardHandler:
    """Serve the dashboard under `/dashboard` and pass every other request to `inner`.

    Args:
        inner: the simulator's handler (Paigo's API and the `/_simulator/` routes).
        authorize_admin: returns None when a request may use the admin routes, else the refusal
            (404 when they are disabled, 401 without the admin token).
        admin_enabled: whether the admin routes, and so the dashboard, are served at all.
        issue_token: returns a new bearer token for the simulator's API client.
    """

    def __init__(
        self,
        inner: ApiHandler,
        *,
        authorize_admin: Callable[[ApiRequest], ApiResponse | None],
        admin_enabled: Callable[[], bool],
        issue_token: Callable[[], str],
    ) -> None:
        self.inner = inner
        self._inline = inner.handle_inline if isinstance(inner, InlineApiHandler) else None
        self._authorize_admin = authorize_admin
        self._admin_enabled = admin_enabled
        self._issue_token = issue_token

    def handle(self, request: ApiRequest) -> ApiResponse:
        """Answer a dashboard request, or hand any other request to the wrapped handler."""
        path = request.path
        if path != DASHBOARD_PATH and not path.startswith(DASHBOARD_PATH + "/"):
            return self.inner.handle(request)
        if not self._admin_enabled():
            return _not_found()
        method = request.method.upper()
        rest = path[len(DASHBOARD_PATH) :].lstrip("/")
        if rest == "session" and method == "POST":
            return self._session(request)
        if method not in ("GET", "HEAD"):
            return _json(405, {"statusCode": 405, "message": "Method Not Allowed"})
        if rest in ("", "index.html"):
            return _page("index.html", "text/html; charset=utf-8")
        if rest.startswith("static/") and rest[len("static/") :] in _STATIC:
            name = rest[len("static/") :]
            return _page(name, _STATIC[name])
        return _not_found()

    def handle_inline(self, request: ApiRequest) -> InlineAnswer | None:
        """Let the wrapped handler answer an API request at once if it can; None otherwise."""
        if self._inline is None or request.path.startswith(DASHBOARD_PATH):
            return None
        return self._inline(request)

    def _session(self, request: ApiRequest) -> ApiResponse:
        refusal = self._authorize_admin(request)
        if refusal is not None:
            return refusal
        return _json(200, {"accessToken": self._issue_token(), "tokenType": "Bearer"})

    def __repr__(self) -> str:
        return f"DashboardHandler(inner={self.inner!r})"


@cache
def _asset(name: str) -> bytes:
    return (resources.files("simulator.dashboard") / "static" / name).read_bytes()


def _page(name: str, content_type: str) -> ApiResponse:
    return ApiResponse(200, (("content-type", content_type), *_SECURITY_HEADERS), _asset(name))


def _json(status: int, body: object) -> ApiResponse:
    return ApiResponse(
        status,
        (("content-type", "application/json"), ("cache-control", "no-store")),
        json.dumps(body).encode(),
    )


def _not_found() -> ApiResponse:
    return _json(404, {"statusCode": 404, "message": "Not Found", "error": "Not Found"})
