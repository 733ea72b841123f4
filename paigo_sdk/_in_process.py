"""A short way to a server that answers in this process, for transports that offer one.

(The SDK-built connection pool offers the same short way over the network: `exchange` in
`paigo_sdk._transport`; the client treats both alike.)

A transport (such as the simulator's) may implement `InProcessTransport`: it answers a method,
URL, headers and body with a status, headers and body, without httpx building a request, running
its client machinery and wrapping a response. `PaigoClient` then sends a plain JSON request that
way when nothing needs httpx's objects: no query string or files, no raw-response wrapper
listening, no debug logging and only the headers the SDK itself sets. The token request itself,
every other request and a reply refusing the token take the ordinary httpx path, and error
replies are read through it, so errors, retries and logs do not depend on the path taken.

The transport raises the httpx exceptions a network would (`httpx.ReadTimeout` for a request that
never gets an answer, and so on); the client maps them as it maps httpx's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final, Protocol, runtime_checkable
from urllib.parse import urlsplit

__all__ = ["InProcessTransport", "WireReply", "in_process_transport", "is_plain_api_url"]

WireReply = tuple[int, Sequence[tuple[str, str]], bytes]
"""A reply as an in-process transport gives it: status, headers (lower-case names), body."""

# URLs made only of characters httpx sends as they are, so the server sees the same path.
_PLAIN_URL: Final = re.compile(r"[A-Za-z0-9\-._~:/@!$&'()*+,;=%]*")


@runtime_checkable
class InProcessTransport(Protocol):
    """A transport answering requests in this process, without httpx's request and response."""

    def handle_in_process(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> WireReply:
        """Answer one request; `headers` have lower-case names and include `host`.

        Raises:
            httpx.TransportError: the failure a network would cause (a timeout, a dropped
                connection, a refused one).
        """
        ...


def is_plain_api_url(api_url: str) -> bool:
    """Whether `api_url` has a host and only characters httpx would send as they are.

    Requests to such a URL may skip httpx's request building (which would normalise others).
    """
    return bool(_PLAIN_URL.fullmatch(api_url)) and bool(urlsplit(api_url).netloc)


def in_process_transport(transport: object, api_url: str) -> InProcessTransport | None:
    """Return `transport` when requests to `api_url` may take the in-process way, else None."""
    if not isinstance(transport, InProcessTransport) or not is_plain_api_url(api_url):
        return None
    return transport
