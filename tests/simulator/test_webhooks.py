"""Webhooks you can drive, in-process: deliveries at the step that causes them, trigger, resend,
scripted failures and retries on the manual clock, a real loopback endpoint, signatures verified."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from paigo_sdk.errors import WebhookVerificationError
from simulator import ManualClock, PaigoSimulator, Simulator
from simulator.engine.errors import Invalid, NotFound
from simulator.engine.events import CustomerEvent, EntitlementEvent, InvoiceEvent
from simulator.webhook_receiver import WebhookReceiver

from .journey import setup_customer

START = datetime(2030, 1, 10, 12, tzinfo=UTC)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(clock=ManualClock(START), seed=5) as simulator:
        yield simulator


@pytest.fixture
def endpoint(sim: Simulator) -> Iterator[WebhookReceiver]:
    with WebhookReceiver(security_key="whsec-test", simulator=sim) as receiver:
        yield receiver


def test_an_api_call_delivers_its_event_before_it_returns(sim, endpoint):
    endpoint.subscribe("CUSTOMER_CREATED")
    with sim.client() as client:
        customer = client.customers.create(
            customer_name="Northwind", email="ap@northwind.example", payment_channel="manual"
        )
        # No wait, no sleep: the POST was made before `create` returned.
        [received] = endpoint.received
    assert received.verified
    assert received.webhook_type == "CUSTOMER_CREATED"
    event = received.verify("whsec-test")
    assert event["customerId"] == customer.customer_id
    assert event["customerName"] == "Northwind"
    assert event["creditBalance"] == "0"
    [delivery] = sim.webhook_deliveries
    assert delivery.status == "delivered"
    assert isinstance(delivery.event, CustomerEvent)
    assert [(a.attempt, a.status_code, a.at) for a in delivery.attempts] == [(1, 200, START)]


def test_the_clock_move_that_closes_a_cycle_delivers_its_invoice_event(sim, endpoint):
    with sim.client() as client:
        customer_id, dimension_id = setup_customer(client)
        endpoint.subscribe("INVOICE_CREATED", client=client)
        client.usage.record(customer_id=customer_id, dimension_id=dimension_id, record_value="25")
    assert endpoint.received == []
    sim.advance(days=40)
    [event] = endpoint.events("INVOICE_CREATED")
    assert event["message"] == "Generated invoice"
    assert event["customerId"] == customer_id
    assert event["totalAmountWithoutTax"] == "2.00"  # 25 GB at $0.08
    [delivery] = sim.webhook_deliveries
    assert delivery.attempts[0].at == sim.clock.now()


def test_an_event_keeps_the_facts_of_its_moment(sim, endpoint):
    endpoint.subscribe("CUSTOMER_UPDATED")
    endpoint.respond(500)
    with sim.client() as client:
        customer = client.customers.create(
            customer_name="Before", email="b@example.test", payment_channel="manual"
        )
        client.customers.update(customer.customer_id, customer_name="During")
        client.customers.update(customer.customer_id, customer_name="After")
    sim.advance(seconds=5)  # the failed first delivery is retried after the second update
    names = [json.loads(r.body)["customerName"] for r in endpoint.received]
    assert names == ["During", "After", "During"]


def test_trigger_sends_a_sample_event_with_overrides(sim, endpoint):
    endpoint.subscribe("INVOICE_PAID")
    endpoint.subscribe("CUSTOMER_CREATED")
    [delivery] = sim.webhooks.trigger(
        "INVOICE_PAID", invoice_id="inv-42", amount_paid=Decimal("99.90"), currency="EUR"
    )
    assert delivery.triggered
    assert delivery.status == "delivered"
    assert delivery.event == InvoiceEvent(
        invoice_id="inv-42",
        customer_id="00000000-0000-4000-8000-000000000000",
        invoice_status="Paid",
        invoice_type="RECURRING",
        currency="EUR",
        total_amount_without_tax=Decimal("100.00"),
        tax_amount=Decimal("0.00"),
        amount_paid=Decimal("99.90"),
        invoice_date=START,
    )
    [event] = endpoint.events()
    assert event["message"] == "Invoice paid"
    assert (event["invoiceId"], event["amountPaid"], event["currency"]) == (
        "inv-42",
        "99.90",
        "EUR",
    )


def test_trigger_reaches_only_the_offering_an_entitlement_hook_names(sim, endpoint):
    with sim.client() as client:
        setup_customer(client)
        offering_id = client.offerings.list()[0].offering_id
        endpoint.subscribe("ENTITLEMENT", client=client, offering_id=offering_id)
    with pytest.raises(Invalid, match="no webhook subscription"):
        sim.webhooks.trigger("ENTITLEMENT", offering_id="another-offering")
    [delivery] = sim.webhooks.trigger(
        "ENTITLEMENT",
        offering_id=offering_id,
        current_usage_total="80",
        event_type="usageEntitlementThresholdReached",
        at="2030-01-10T12:00:00+00:00",
    )
    assert isinstance(delivery.event, EntitlementEvent)
    [event] = endpoint.events("ENTITLEMENT")
    assert event["currentUsageTotal"] == "80"
    assert event["eventType"] == "usageEntitlementThresholdReached"
    assert event["timestamp"] == "2030-01-10T12:00:00.000Z"
    assert event["webhookType"] == "ENTITLEMENT"


@pytest.mark.parametrize(
    ("webhook_type", "overrides", "message"),
    [
        ("INVOICE_SHREDDED", {}, "webhookType must be one of"),
        ("INVOICE_PAID", {"invoiceId": "x"}, "no field invoiceId"),
        ("INVOICE_PAID", {"amount_paid": 1.5}, "cannot build"),
        ("INVOICE_PAID", {"amount_paid": "NaN"}, "finite"),
        ("INVOICE_PAID", {"invoice_date": "2030-01-01T00:00:00"}, "timezone"),
        ("CUSTOMER_CREATED", {"email": 5}, "cannot build"),
        ("INVOICE_CREATED", {}, "no webhook subscription receives INVOICE_CREATED"),
    ],
)
def test_trigger_refuses_what_does_not_fit_and_sends_nothing(
    sim, endpoint, webhook_type, overrides, message
):
    endpoint.subscribe("INVOICE_PAID")
    endpoint.subscribe("CUSTOMER_CREATED")
    with pytest.raises(Invalid, match=message):
        sim.webhooks.trigger(webhook_type, **overrides)
    assert sim.webhook_deliveries == []
    assert endpoint.received == []


def test_scripted_failures_and_retries_follow_the_schedule_on_the_manual_clock(sim, endpoint):
    endpoint.subscribe("INVOICE_PAID")
    url = endpoint.url_for("INVOICE_PAID")
    sim.webhooks.fail(url, times=1, status_code=503)
    sim.webhooks.fail(url, times=1, connection_error=True)
    [delivery] = sim.webhooks.trigger("INVOICE_PAID")
    assert delivery.next_attempt_at == START + timedelta(seconds=5)
    assert sim.webhooks.next_attempt_at() == START + timedelta(seconds=5)
    sim.advance(seconds=4)
    assert len(delivery.attempts) == 1
    sim.advance(seconds=1)  # due now: attempted during this move (a refused connection)
    assert [(a.status_code, a.error is not None) for a in delivery.attempts] == [
        (503, False),
        (None, True),
    ]
    assert endpoint.received == []  # scripted failures never reach the endpoint
    sim.advance(minutes=5)
    assert delivery.status == "delivered"
    assert [a.at - START for a in delivery.attempts] == [
        timedelta(0),
        timedelta(seconds=5),
        timedelta(minutes=5, seconds=5),
    ]
    assert len(endpoint.delivered()) == 1
    assert sim.webhooks.next_attempt_at() is None


def test_an_endpoint_that_keeps_failing_ends_failed_after_eight_attempts(sim, endpoint):
    endpoint.subscribe("CUSTOMER_CREATED")
    endpoint.respond(500, times=100)
    [delivery] = sim.webhooks.trigger("CUSTOMER_CREATED")
    for _ in range(7):
        sim.advance(hours=10)
    assert delivery.status == "failed"
    assert [r.status for r in endpoint.received] == [500] * 8
    sim.advance(days=3)
    assert len(endpoint.received) == 8


def test_resend_delivers_once_more_and_refuses_unknown_ids(sim, endpoint):
    endpoint.subscribe("INVOICE_CREATED")
    endpoint.respond(500, times=1)
    [delivery] = sim.webhooks.trigger("INVOICE_CREATED", invoice_id="inv-7")
    resent = sim.webhooks.resend(delivery.delivery_id)
    assert resent.status == "delivered"
    assert [(a.status_code, a.resend) for a in resent.attempts] == [(500, False), (200, True)]
    assert endpoint.received[0].body == endpoint.received[1].body
    sim.advance(minutes=1)
    assert len(endpoint.received) == 2  # the pending retry ended with the resend's success
    with pytest.raises(NotFound):
        sim.webhooks.resend("no-such-delivery")


def test_a_restored_snapshot_brings_back_its_pending_retries(sim, endpoint):
    endpoint.subscribe("INVOICE_PAID")
    sim.webhooks.fail(endpoint.url_for("INVOICE_PAID"), times=1)
    [delivery] = sim.webhooks.trigger("INVOICE_PAID")
    saved = sim.snapshot()
    sim.advance(seconds=5)
    assert [d.status for d in sim.webhook_deliveries] == ["delivered"]
    sim.restore(saved)
    [restored] = sim.webhook_deliveries
    assert (restored.status, restored.next_attempt_at) == (
        "pending",
        START + timedelta(seconds=5),
    )
    sim.advance(seconds=5)
    assert [d.status for d in sim.webhook_deliveries] == ["delivered"]
    assert len(endpoint.delivered()) == 2
    assert delivery.delivery_id == restored.delivery_id


def test_reset_forgets_deliveries_and_scripted_failures(sim, endpoint):
    endpoint.subscribe("INVOICE_PAID")
    sim.webhooks.fail(endpoint.url_for("INVOICE_PAID"), times=3)
    sim.webhooks.trigger("INVOICE_PAID")
    sim.reset()
    assert sim.webhook_deliveries == []
    assert sim.webhooks.scripted_failures == []
    assert sim.webhooks.next_attempt_at() is None


def test_a_receiver_that_calls_the_simulator_back_is_not_blocked(sim):
    """Deliveries are made once the simulator's lock is released, so the receiver's own request
    (on another thread, as in a real app) is answered while the delivery waits for it."""
    answers: list[int] = []

    class CallsBack(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            worker = threading.Thread(
                target=lambda: answers.append(len(client.customers.list())), daemon=True
            )
            worker.start()
            worker.join(timeout=10)
            self.send_response(200 if answers else 500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), CallsBack)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sim.client() as client:
            client.webhooks.subscribe(
                hook_url=f"http://127.0.0.1:{server.server_address[1]}/h",
                webhook_type="CUSTOMER_CREATED",
            )
            client.customers.create(
                customer_name="Loop", email="l@example.test", payment_channel="manual"
            )
    finally:
        server.shutdown()
        server.server_close()
    assert answers == [1]
    assert [d.status for d in sim.webhook_deliveries] == ["delivered"]


def test_a_fork_sends_its_own_pending_retries(sim, endpoint):
    endpoint.subscribe("INVOICE_PAID")
    sim.webhooks.fail(endpoint.url_for("INVOICE_PAID"), times=1)
    sim.webhooks.trigger("INVOICE_PAID")
    with sim.fork() as twin:
        twin.advance(seconds=5)
        assert [d.status for d in twin.webhook_deliveries] == ["delivered"]
        assert [d.status for d in sim.webhook_deliveries] == ["pending"]


def test_the_receiver_flags_requests_that_do_not_verify(sim):
    with WebhookReceiver(security_key="expected", simulator=sim) as receiver:
        with sim.client() as client:
            client.webhooks.subscribe(
                hook_url=receiver.url_for("INVOICE_PAID"),
                webhook_type="INVOICE_PAID",
                security_key="something-else",
            )
        sim.webhooks.trigger("INVOICE_PAID")
        [received] = receiver.received
        assert not received.verified
        with pytest.raises(WebhookVerificationError):
            receiver.events()
        assert "something-else" not in repr(received)


def test_the_paigo_webhooks_fixture_records_and_verifies(paigo_sim, paigo_webhooks):
    assert isinstance(paigo_sim, PaigoSimulator)
    paigo_webhooks.subscribe("CUSTOMER_CREATED")
    paigo_webhooks.respond(502)
    [delivery] = paigo_sim.webhooks.trigger("CUSTOMER_CREATED", customer_name="Fixture Co")
    assert delivery.status == "pending"
    paigo_sim.advance(seconds=5)
    assert [r.status for r in paigo_webhooks.received] == [502, 200]
    assert all(r.verified for r in paigo_webhooks.received)
    [event] = paigo_webhooks.events("CUSTOMER_CREATED")
    assert event["customerName"] == "Fixture Co"
