"""Webhooks you can drive against a real `paigo-simulator serve` process and a real loopback
endpoint: deliveries at the step that causes them, scripted failures, retries on the server's
manual clock, resend, the same typed records as in-process, signatures verified."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from simulator import PaigoSimulator, RemoteSimulator
from simulator.engine.errors import Invalid, NotFound
from simulator.engine.events import CustomerEvent, InvoiceEvent
from simulator.engine.state import WebhookDelivery
from simulator.webhook_receiver import WebhookReceiver

from .conftest import ServerProcess, start_server

START = datetime(2030, 1, 10, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    process = start_server("--manual-clock", "--start", "2030-01-10T12:00:00Z")
    yield process
    process.stop()


@pytest.fixture
def remote(server: ServerProcess) -> Iterator[RemoteSimulator]:
    with RemoteSimulator(server.url) as simulator:
        simulator.reset()  # empty, scripts forgotten, the clock back at START
        yield simulator


@pytest.fixture
def endpoint(remote: RemoteSimulator) -> Iterator[WebhookReceiver]:
    with WebhookReceiver(security_key="whsec-server", simulator=remote) as receiver:
        yield receiver


def test_an_api_request_to_the_server_delivers_before_it_is_answered(remote, endpoint):
    assert isinstance(remote, PaigoSimulator)
    endpoint.subscribe("CUSTOMER_CREATED")
    with remote.client() as client:
        customer = client.customers.create(
            customer_name="Served Co", email="s@example.test", payment_channel="manual"
        )
        [received] = endpoint.received
    assert received.verified
    assert received.verify("whsec-server")["customerId"] == customer.customer_id
    [delivery] = remote.webhook_deliveries
    assert isinstance(delivery, WebhookDelivery)
    assert isinstance(delivery.event, CustomerEvent)
    assert delivery.event.customer_name == "Served Co"
    assert delivery.security_key is None  # never sent over the admin routes
    assert [(a.attempt, a.status_code, a.at) for a in delivery.attempts] == [(1, 200, START)]


def test_scripted_failures_retry_on_the_servers_clock_then_resend(remote, endpoint):
    endpoint.subscribe("INVOICE_PAID")
    url = endpoint.url_for("INVOICE_PAID")
    remote.webhooks.fail(url, times=1, status_code=503)
    remote.webhooks.fail(url, times=1, connection_error=True)
    [delivery] = remote.webhooks.trigger("INVOICE_PAID", invoice_id="inv-9", amount_paid="42.00")
    assert isinstance(delivery.event, InvoiceEvent)
    assert delivery.event.invoice_id == "inv-9"
    assert (delivery.status, delivery.next_attempt_at) == (
        "pending",
        START + timedelta(seconds=5),
    )
    assert [a.status_code for a in delivery.attempts] == [503]
    remote.advance(seconds=4)
    assert len(remote.webhooks.deliveries[0].attempts) == 1
    remote.advance(seconds=1)  # the retry falls due in this move: a refused connection
    [after] = remote.webhooks.deliveries
    assert [a.error is not None for a in after.attempts] == [False, True]
    assert endpoint.received == []
    remote.advance(minutes=5)
    [done] = remote.webhook_deliveries
    assert done.status == "delivered"
    [event] = endpoint.events("INVOICE_PAID")
    assert (event["invoiceId"], event["amountPaid"], event["message"]) == (
        "inv-9",
        "42.00",
        "Invoice paid",
    )
    resent = remote.webhooks.resend(done.delivery_id)
    assert [(a.attempt, a.resend) for a in resent.attempts][-1] == (4, True)
    assert len(endpoint.delivered("INVOICE_PAID")) == 2
    assert endpoint.received[0].body == endpoint.received[1].body


def test_a_real_endpoint_failure_is_retried_by_the_server(remote, endpoint):
    endpoint.subscribe("CUSTOMER_CREATED")
    endpoint.respond(500, times=2)
    remote.webhooks.trigger("CUSTOMER_CREATED")
    remote.advance(seconds=5)
    remote.advance(minutes=5)
    assert [r.status for r in endpoint.received] == [500, 500, 200]
    assert all(r.verified for r in endpoint.received)


def test_the_server_refuses_what_in_process_refuses(remote, endpoint):
    endpoint.subscribe("INVOICE_PAID")
    with pytest.raises(Invalid, match="no field invoiceId"):
        remote.webhooks.trigger("INVOICE_PAID", invoiceId="x")
    with pytest.raises(Invalid, match="no webhook subscription"):
        remote.webhooks.trigger("CUSTOMER_UPDATED")
    with pytest.raises(NotFound):
        remote.webhooks.resend("no-such-delivery")
    with pytest.raises(ValueError, match="2xx"):
        remote.webhooks.fail(endpoint.url, status_code=204)
    assert remote.webhook_deliveries == []


def test_reset_forgets_deliveries_and_scripted_failures(remote, endpoint):
    endpoint.subscribe("INVOICE_PAID")
    remote.webhooks.fail(endpoint.url_for("INVOICE_PAID"), times=5)
    remote.webhooks.trigger("INVOICE_PAID")
    remote.reset()
    assert remote.webhook_deliveries == []
    endpoint.subscribe("INVOICE_PAID")
    [delivery] = remote.webhooks.trigger("INVOICE_PAID")
    assert delivery.status == "delivered"
