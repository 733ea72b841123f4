"""Which requests a served simulator answers: its own `Host`, and no other site's `Origin`.

A web page in a browser can send requests to `http://127.0.0.1:8787` (cross-site request
forgery) or, by pointing a DNS name it controls at 127.0.0.1, make the browser treat the
simulator as its own origin (DNS rebinding). `OriginPolicy` refuses both: the `Host` header must
name the server's bound address (or a loopback alias of it) with its port, and an `Origin`
header, which browsers send on cross-origin and on state-changing requests, must be the
server's own. Clients that are not browsers send no `Origin` and are unaffected.

This module is the simulator's, not part of Paigo's API.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from typing import Final

from simulator.api.messages import ApiResponse

__all__ = ["OriginPolicy"]

_LOOPBACK_NAMES: Final = frozenset({"localhost", "127.0.0.1", "::1"})
_WILDCARDS: Final = frozenset({"", "0.0.0.0", "::"})


class OriginPolicy:
    """Decide whether a request's `Host` and `Origin` belong to a server bound at host:port.

    Accepted hosts: `127.0.0.1`, `localhost`, `[::1]` and the bound host, each with the bound
    port (the port may be left out only when it is 80). A server bound to every interface
    (`0.0.0.0` or `::`) also accepts any IP address literal: a DNS rebinding attack needs a
    name, never an address.
    """

    def __init__(self, host: str, port: int) -> None:
        bound = host.strip("[]").lower()
        self.port = port
        self._names = _LOOPBACK_NAMES | {bound}
        self._any_address = bound in _WILDCARDS
        # The usual spellings of the accepted hosts, checked before any parsing.
        authorities = {f"[{name}]" if ":" in name else name for name in self._names}
        self._usual = {f"{authority}:{port}" for authority in authorities}
        if port == 80:
            self._usual |= authorities

    def __repr__(self) -> str:
        return f"OriginPolicy(names={sorted(self._names)!r}, port={self.port})"

    def host_allowed(self, value: str) -> bool:
        """Tell whether a `Host` header value (`name[:port]`) names this server."""
        if value in self._usual:
            return True
        split = _split_authority(value.strip())
        if split is None:
            return False
        name, port = split
        if (port if port is not None else 80) != self.port:
            return False
        return name in self._names or (self._any_address and _is_address(name))

    def origin_allowed(self, value: str) -> bool:
        """Tell whether an `Origin` header value is this server's own origin (`http://host:port`)."""
        scheme, separator, authority = value.strip().partition("://")
        if scheme.lower() != "http" or not separator or "/" in authority:
            return False  # "null", another scheme, or not an origin at all
        return self.host_allowed(authority)

    def refusal(self, headers: Mapping[str, str]) -> ApiResponse | None:
        """Return the reply refusing a request with these (lower-case) headers, or None.

        421 when `Host` names another server, 403 when `Origin` is another site's. A request
        without `Host` (HTTP/1.0) or without `Origin` (any client but a browser) passes.
        """
        host = headers.get("host")
        if host is not None and not self.host_allowed(host):
            return _error(
                421,
                "Misdirected Request",
                "the Host header does not name this simulator; use its own address "
                f"(127.0.0.1:{self.port} or localhost:{self.port})",
            )
        origin = headers.get("origin")
        if origin is not None and not self.origin_allowed(origin):
            return _error(
                403, "Forbidden", "requests from other sites are refused (the Origin header)"
            )
        return None


def _split_authority(value: str) -> tuple[str, int | None] | None:
    """Split `name[:port]` or `[v6]:port` into a lower-case name and a port, None if malformed."""
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else None
    else:
        name, colon, port_text_or_empty = value.partition(":")
        port_text = port_text_or_empty if colon else None
    if not name:
        return None
    if port_text is None:
        return name.lower(), None
    if not (port_text.isascii() and port_text.isdigit()) or len(port_text) > 5:
        return None
    return name.lower(), int(port_text)


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _error(status: int, error: str, message: str) -> ApiResponse:
    body = {"statusCode": status, "message": message, "error": error}
    return ApiResponse(status, (("content-type", "application/json"),), json.dumps(body).encode())
