"""Webhook delivery: real POSTs to a loopback receiver, retries with backoff, attempts recorded."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from simulator.clock import ManualClock
from simulator.engine.state import WebhookDelivery
from simulator.webhook_delivery import HttpWebhookDispatcher

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def delivery(
    url: str,
    payload: dict[str, Any] | None = None,
    *,
    event: str = "INVOICE_CREATED",
    security_key: str | None = None,
) -> WebhookDelivery:
    return WebhookDelivery(
        delivery_id="d1",
        webhook_id="w1",
        hook_url=url,
        webhook_type=event,
        payload=payload if payload is not None else {},
        created_at=CREATED,
        security_key=security_key,
    )


class Receiver:
    """A loopback HTTP server that records POSTs and answers a scripted list of statuses."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.received.append((self.path, dict(self.headers.items()), body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def dispatcher() -> Iterator[HttpWebhookDispatcher]:
    sender = HttpWebhookDispatcher(initial_backoff=0.01, max_backoff=0.05, timeout=5)
    yield sender
    sender.close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def test_delivery_posts_json_with_the_security_header(dispatcher):
    payload = {"invoiceId": "i1", "message": "Generated invoice", "customerId": "c1"}
    with Receiver() as receiver:
        sent = delivery(receiver.url, payload, security_key="s3cret")
        dispatcher.dispatch(sent)
        assert dispatcher.wait_idle(timeout=30)
    [(path, headers, body)] = receiver.received
    assert path == "/hook"
    assert headers["X-Paigo-Security"] == "s3cret"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == payload
    assert sent.status == "delivered"
    [attempt] = sent.attempts
    assert (attempt.status_code, attempt.error) == (200, None)


def test_no_security_header_without_a_key(dispatcher):
    with Receiver() as receiver:
        dispatcher.dispatch(delivery(receiver.url, event="CUSTOMER_CREATED"))
        assert dispatcher.wait_idle(timeout=30)
    assert "X-Paigo-Security" not in receiver.received[0][1]


def test_failed_attempts_are_retried_until_one_succeeds(dispatcher):
    with Receiver([500, 503]) as receiver:
        sent = delivery(receiver.url, {"n": 1})
        dispatcher.dispatch(sent)
        assert dispatcher.wait_idle(timeout=30)
    assert [a.status_code for a in sent.attempts] == [500, 503, 200]
    assert [a.attempt for a in sent.attempts] == [1, 2, 3]
    assert sent.status == "delivered"
    assert len(receiver.received) == 3


def test_unreachable_receiver_fails_after_max_attempts():
    sender = HttpWebhookDispatcher(max_attempts=3, initial_backoff=0.01)
    try:
        sent = delivery(closed_port_url())
        sender.dispatch(sent)
        assert sender.wait_idle(timeout=30)
    finally:
        sender.close()
    assert sent.status == "failed"
    assert len(sent.attempts) == 3
    assert all(a.status_code is None and a.error for a in sent.attempts)


def test_synchronous_mode_finishes_inside_deliver_with_exponential_backoff():
    statuses = [500, 500, 500, 200]
    waits: list[float] = []

    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(statuses.pop(0))

    sender = HttpWebhookDispatcher(
        transport=httpx.MockTransport(reply),
        synchronous=True,
        initial_backoff=0.5,
        max_backoff=1.5,
        sleep=waits.append,
    )
    sent = delivery("http://receiver.test/hook", event="ENTITLEMENT")
    sender.dispatch(sent)
    sender.close()
    assert sent.status == "delivered"
    assert [a.status_code for a in sent.attempts] == [500, 500, 500, 200]
    assert waits == [0.5, 1.0, 1.5]


def test_attempt_times_come_from_the_given_clock():
    clock = ManualClock(datetime(2026, 5, 1, tzinfo=UTC))
    sender = HttpWebhookDispatcher(
        transport=httpx.MockTransport(lambda request: httpx.Response(204)),
        synchronous=True,
        clock=clock,
    )
    sent = delivery("http://receiver.test/hook", event="CUSTOMER_UPDATED")
    sender.dispatch(sent)
    sender.close()
    assert sent.attempts[0].at == datetime(2026, 5, 1, tzinfo=UTC)


def test_payload_decimals_and_datetimes_are_serialised_as_wire_strings():
    bodies: list[bytes] = []

    def reply(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return httpx.Response(200)

    sender = HttpWebhookDispatcher(transport=httpx.MockTransport(reply), synchronous=True)
    sender.dispatch(
        delivery(
            "http://receiver.test/hook",
            {"amount": Decimal("1E+3"), "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)},
        )
    )
    sender.close()
    assert json.loads(bodies[0]) == {"amount": "1000", "at": "2026-01-02T03:04:05.000Z"}


def test_every_delivery_and_attempt_is_readable(dispatcher):
    with Receiver([500]) as receiver:
        first = delivery(receiver.url, {"n": 1}, event="A")
        second = delivery(receiver.url, {"n": 2}, event="B")
        dispatcher.dispatch(first)
        assert dispatcher.wait_idle(timeout=30)
        dispatcher.dispatch(second)
        assert dispatcher.wait_idle(timeout=30)
    assert dispatcher.deliveries == [first, second]
    assert [len(d.attempts) for d in dispatcher.deliveries] == [2, 1]


def test_closed_dispatcher_refuses_deliveries():
    sender = HttpWebhookDispatcher()
    sender.close()
    with pytest.raises(RuntimeError, match="closed"):
        sender.dispatch(delivery("http://receiver.test/hook"))
