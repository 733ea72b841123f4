"""Webhook delivery: POSTs with the security header, retries on the simulator's clock, scripted
failures, resends, every attempt recorded."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from simulator.api.webhook_payloads import body
from simulator.clock import ManualClock
from simulator.engine.events import InvoiceEvent
from simulator.engine.state import WebhookDelivery
from simulator.webhook_delivery import RETRY_DELAYS, HttpWebhookDispatcher
from simulator.webhook_receiver import WebhookReceiver

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
EVENT = InvoiceEvent(
    "inv-1", "cus-1", "Open", "RECURRING", "USD", Decimal("12.50"), Decimal(0), Decimal(0), CREATED
)


def delivery(
    url: str, *, security_key: str | None = None, delivery_id: str = "d1"
) -> WebhookDelivery:
    return WebhookDelivery(
        delivery_id=delivery_id,
        webhook_id="w1",
        hook_url=url,
        webhook_type="INVOICE_CREATED",
        event=EVENT,
        created_at=CREATED,
        security_key=security_key,
    )


class Harness:
    """A dispatcher on a manual clock over a list of delivery records."""

    def __init__(self, transport: httpx.BaseTransport | None = None, **options: object) -> None:
        self.clock = ManualClock(CREATED)
        self.records: list[WebhookDelivery] = []
        self.sender = HttpWebhookDispatcher(
            clock=self.clock,
            body=lambda d: body(d.webhook_type, d.event),
            source=lambda: list(self.records),
            transport=transport,
            **options,  # type: ignore[arg-type]
        )

    def add(self, item: WebhookDelivery) -> WebhookDelivery:
        self.records.append(item)
        self.sender.dispatch(item)
        return item

    def advance(self, step: timedelta) -> int:
        self.clock.advance(step)
        return self.sender.deliver_due()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(security_key="k3y") as endpoint:
        yield endpoint


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def test_a_delivery_is_due_at_once_and_posts_json_with_the_security_header(receiver):
    harness = Harness()
    item = harness.add(delivery(receiver.url_for("INVOICE_CREATED"), security_key="k3y"))
    assert receiver.received == []  # dispatch only schedules: nothing is sent under a lock
    assert harness.sender.deliver_due() == 1
    [got] = receiver.received
    assert got.path == "/hooks/INVOICE_CREATED"
    assert dict(got.headers)["Content-Type"] == "application/json"
    assert got.security_header == "k3y"
    assert got.verified
    assert json.loads(got.body) == {
        "invoiceId": "inv-1",
        "message": "Generated invoice",
        "customerId": "cus-1",
        "invoiceStatus": "Open",
        "invoiceType": "RECURRING",
        "currency": "USD",
        "totalAmountWithoutTax": "12.50",
        "taxAmount": "0",
        "amountPaid": "0",
        "invoiceDate": "2026-01-01T00:00:00.000Z",
    }
    assert item.status == "delivered"
    assert [(a.attempt, a.status_code, a.at) for a in item.attempts] == [(1, 200, CREATED)]
    assert harness.sender.next_attempt_at() is None


def test_no_security_header_without_a_key(receiver):
    harness = Harness()
    harness.add(delivery(receiver.url_for("INVOICE_CREATED")))
    harness.sender.deliver_due()
    [got] = receiver.received
    assert got.security_header is None
    assert not got.verified


def test_retries_follow_the_schedule_on_the_simulator_clock(receiver):
    receiver.respond(500, times=3)
    harness = Harness()
    item = harness.add(delivery(receiver.url_for("INVOICE_CREATED"), security_key="k3y"))
    harness.sender.deliver_due()
    assert item.next_attempt_at == CREATED + timedelta(seconds=5)
    # Just before the retry time nothing is sent; at it, exactly one attempt is made.
    assert harness.advance(timedelta(seconds=4, microseconds=999_999)) == 0
    assert harness.advance(timedelta(microseconds=1)) == 1
    assert item.next_attempt_at == CREATED + timedelta(seconds=5, minutes=5)
    assert harness.advance(timedelta(minutes=5)) == 1
    assert harness.advance(timedelta(minutes=29)) == 0
    assert harness.advance(timedelta(minutes=1)) == 1
    assert item.status == "delivered"
    assert [r.status for r in receiver.received] == [500, 500, 500, 200]
    assert [a.at - CREATED for a in item.attempts] == [
        timedelta(0),
        timedelta(seconds=5),
        timedelta(minutes=5, seconds=5),
        timedelta(minutes=35, seconds=5),
    ]


def test_a_long_clock_step_makes_one_attempt_and_the_next_wait_starts_there(receiver):
    receiver.respond(503, times=2)
    harness = Harness()
    item = harness.add(delivery(receiver.url_for("INVOICE_CREATED")))
    harness.sender.deliver_due()
    assert harness.advance(timedelta(days=2)) == 1
    assert item.next_attempt_at == CREATED + timedelta(days=2, minutes=5)


def test_a_delivery_fails_after_the_last_scheduled_attempt():
    harness = Harness(transport=httpx.MockTransport(lambda request: httpx.Response(500)))
    item = harness.add(delivery("http://receiver.test/hook"))
    harness.sender.deliver_due()
    for delay in RETRY_DELAYS:
        assert item.status == "pending"
        assert harness.advance(delay) == 1
    assert item.status == "failed"
    assert len(item.attempts) == len(RETRY_DELAYS) + 1 == 8
    assert item.next_attempt_at is None
    assert harness.advance(timedelta(days=30)) == 0


def test_an_unreachable_endpoint_is_a_failed_attempt_with_its_error():
    harness = Harness(retry_delays=[timedelta(seconds=1)])
    item = harness.add(delivery(closed_port_url()))
    harness.sender.deliver_due()
    harness.advance(timedelta(seconds=1))
    assert item.status == "failed"
    assert [a.status_code for a in item.attempts] == [None, None]
    assert all(a.error and "ConnectError" in a.error for a in item.attempts)
    harness.sender.close()


def test_scripted_failures_are_recorded_without_reaching_the_endpoint(receiver):
    harness = Harness()
    url = receiver.url_for("INVOICE_CREATED")
    harness.sender.fail(url, times=1, status_code=429)
    harness.sender.fail(url, times=1, connection_error=True)
    item = harness.add(delivery(url))
    harness.sender.deliver_due()
    harness.advance(timedelta(seconds=5))
    assert receiver.received == []
    assert [(a.status_code, a.error is not None) for a in item.attempts] == [
        (429, False),
        (None, True),
    ]
    assert harness.sender.scripted_failures == []
    harness.advance(timedelta(minutes=5))
    assert item.status == "delivered"
    assert len(receiver.received) == 1


def test_scripted_failures_only_touch_their_url(receiver):
    harness = Harness()
    harness.sender.fail("http://elsewhere.test/hook", times=3)
    item = harness.add(delivery(receiver.url_for("INVOICE_CREATED")))
    harness.sender.deliver_due()
    assert item.status == "delivered"
    assert [s.times for s in harness.sender.scripted_failures] == [3]
    harness.sender.clear_failures()
    assert harness.sender.scripted_failures == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"times": 0}, "times"),
        ({"times": True}, "times"),
        ({"status_code": 204}, "2xx"),
        ({"status_code": 700}, "599"),
    ],
)
def test_bad_scripted_failures_are_refused(options, message):
    harness = Harness()
    with pytest.raises(ValueError, match=message):
        harness.sender.fail("http://h.test", **options)
    with pytest.raises(ValueError, match="hook_url"):
        harness.sender.fail("")
    assert harness.sender.scripted_failures == []


def test_resend_makes_one_attempt_outside_the_schedule(receiver):
    receiver.respond(500, times=2)
    harness = Harness()
    item = harness.add(delivery(receiver.url_for("INVOICE_CREATED")))
    harness.sender.deliver_due()
    due = item.next_attempt_at
    harness.sender.resend("d1")
    assert harness.sender.deliver_due() == 1
    # The resend failed: status and schedule are unchanged.
    assert (item.status, item.next_attempt_at) == ("pending", due)
    harness.sender.resend("d1")
    harness.sender.deliver_due()
    assert item.status == "delivered"
    assert [(a.attempt, a.resend) for a in item.attempts] == [(1, False), (2, True), (3, True)]
    # A delivered one can be sent again too.
    harness.sender.resend("d1")
    harness.sender.deliver_due()
    assert len(receiver.received) == 4
    assert harness.advance(timedelta(hours=1)) == 0


def test_resync_reads_the_schedule_from_restored_records():
    harness = Harness(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    item = delivery("http://receiver.test/hook")
    item.next_attempt_at = CREATED + timedelta(seconds=5)
    harness.records.append(item)  # as a restore puts it back, without dispatch
    assert harness.advance(timedelta(seconds=5)) == 0
    harness.sender.resync()
    assert harness.sender.next_attempt_at() == CREATED + timedelta(seconds=5)
    assert harness.sender.deliver_due() == 1
    assert item.status == "delivered"


def test_retry_delays_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        Harness(retry_delays=[timedelta(0)])


def test_closed_dispatcher_refuses_deliveries():
    harness = Harness()
    harness.sender.close()
    with pytest.raises(RuntimeError, match="closed"):
        harness.sender.dispatch(delivery("http://h.test"))
