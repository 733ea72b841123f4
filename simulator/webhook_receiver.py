"""A real webhook endpoint for tests: an HTTP server on loopback that records every delivery.

The `paigo_webhooks` pytest fixture is one of these, bound to the test's simulator; it works in
both modes, since an in-process `Simulator` and a `paigo-simulator serve` process both POST over
real HTTP. Each subscription made through it gets its own path (`/hooks/<WEBHOOK_TYPE>`), so a
received request tells which event type it carries, and its `X-Paigo-Security` header is checked
with the SDK's `paigo_sdk.webhooks.verify`.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from paigo_sdk.errors import WebhookVerificationError
from paigo_sdk.webhooks import SECURITY_HEADER, verify

if TYPE_CHECKING:
    from paigo_sdk import PaigoClient
    from paigo_sdk.types import Webhook
    from simulator.interface import PaigoSimulator

__all__ = ["ReceivedWebhook", "WebhookReceiver"]

_PREFIX = "/hooks/"


@dataclass(frozen=True, slots=True)
class ReceivedWebhook:
    """One POST the endpoint received, and the status it answered."""

    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    status: int
    """What the endpoint answered: 2xx is a delivery, anything else a failed attempt."""
    verified: bool
    """Whether `X-Paigo-Security` matched the endpoint's security key."""

    @property
    def webhook_type(self) -> str | None:
        """The event type of the subscription it was sent to (from the path), if known."""
        if self.path.startswith(_PREFIX):
            return self.path[len(_PREFIX) :] or None
        return None

    @property
    def delivered(self) -> bool:
        """Whether the endpoint accepted it (answered 2xx)."""
        return 200 <= self.status < 300

    @property
    def security_header(self) -> str | None:
        """The `X-Paigo-Security` header as received (Paigo's only proof of origin)."""
        for name, value in self.headers:
            if name.lower() == SECURITY_HEADER.lower():
                return value
        return None

    def verify(self, security_key: str) -> dict[str, Any]:
        """Check the request with `paigo_sdk.webhooks.verify` and return its JSON body.

        Raises:
            paigo_sdk.errors.WebhookVerificationError: the header does not match, or the body is
                not a JSON object.
        """
        return verify(self.body, self.headers, security_key)

    def __repr__(self) -> str:  # the header holds a secret: never shown
        return (
            f"ReceivedWebhook(path={self.path!r}, status={self.status}, "
            f"verified={self.verified}, body={len(self.body)} bytes)"
        )


class WebhookReceiver:
    """A webhook endpoint on `host` (loopback by default) that records every POST it gets.

    It answers 200 unless told otherwise with `respond(status, times)`: those are real failures
    that the sender must retry. Use it as a context manager, or call `start()` and `close()`.

    Args:
        security_key: the key it expects in `X-Paigo-Security` (and subscribes with).
        simulator: where `subscribe` subscribes when no client is given.
        host: the address to listen on.

    Raises:
        OSError: when the address cannot be bound.
    """

    def __init__(
        self,
        *,
        security_key: str | None = None,
        simulator: PaigoSimulator | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.security_key = security_key
        self._simulator = simulator
        self._lock = threading.Lock()
        self._received: list[ReceivedWebhook] = []
        self._answers: deque[int] = deque()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = receiver._record(self.path, tuple(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Keep test output quiet."""

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.url = f"http://{host}:{port}"
        """The endpoint's base URL."""
        self._thread: threading.Thread | None = None

    def url_for(self, webhook_type: str) -> str:
        """Return the URL a subscription of `webhook_type` should post to."""
        return f"{self.url}{_PREFIX}{webhook_type}"

    def subscribe(
        self,
        webhook_type: str,
        *,
        client: PaigoClient | None = None,
        offering_id: str | None = None,
    ) -> Webhook:
        """Subscribe this endpoint to `webhook_type` (with its security key) and return the reply.

        Raises:
            RuntimeError: no client is given and the receiver is bound to no simulator.
            paigo_sdk.errors.PaigoError: the subscription is refused.
        """
        if client is None:
            if self._simulator is None:
                raise RuntimeError("give a client, or bind the receiver to a simulator")
            with self._simulator.client() as own:
                return self.subscribe(webhook_type, client=own, offering_id=offering_id)
        return client.webhooks.subscribe(
            hook_url=self.url_for(webhook_type),
            webhook_type=webhook_type,
            security_key=self.security_key,
            offering_id=offering_id,
        )

    def respond(self, status: int, *, times: int = 1) -> None:
        """Answer the next `times` requests with `status` (then 200 again).

        Raises:
            ValueError: `status` is not an HTTP status (100-599), or `times` is below 1.
        """
        if not 100 <= status <= 599 or times < 1:
            raise ValueError("status must be 100-599 and times at least 1")
        with self._lock:
            self._answers.extend([status] * times)

    @property
    def received(self) -> list[ReceivedWebhook]:
        """Every request received, oldest first, failed attempts included."""
        with self._lock:
            return list(self._received)

    def delivered(self, webhook_type: str | None = None) -> list[ReceivedWebhook]:
        """The requests answered 2xx, oldest first, optionally of one event type only."""
        return [
            r
            for r in self.received
            if r.delivered and (webhook_type is None or r.webhook_type == webhook_type)
        ]

    def events(self, webhook_type: str | None = None) -> list[dict[str, Any]]:
        """The verified JSON bodies of the deliveries (2xx), oldest first.

        Raises:
            RuntimeError: the receiver has no security key to verify with.
            paigo_sdk.errors.WebhookVerificationError: a delivery does not verify.
        """
        if self.security_key is None:
            raise RuntimeError("the receiver has no security_key to verify deliveries with")
        return [r.verify(self.security_key) for r in self.delivered(webhook_type)]

    def clear(self) -> None:
        """Forget what was received and the scripted answers."""
        with self._lock:
            self._received.clear()
            self._answers.clear()

    def start(self) -> WebhookReceiver:
        """Start serving on a background thread; return self."""
        if self._thread is None:
            self._thread = threading.Thread(
                # A short poll interval: shutdown() waits for the loop to notice it.
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name="paigo-webhook-receiver",
                daemon=True,
            )
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"WebhookReceiver({self.url!r}, received={len(self._received)})"

    def _record(self, path: str, headers: tuple[tuple[str, str], ...], body: bytes) -> int:
        verified = False
        if self.security_key is not None:
            try:
                verify(body, headers, self.security_key)
                verified = True
            except WebhookVerificationError:
                verified = False
        with self._lock:
            status = self._answers.popleft() if self._answers else 200
            self._received.append(ReceivedWebhook(path, headers, body, status, verified))
        return status
