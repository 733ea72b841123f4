"""B15: webhook subscriptions and recorded deliveries; the I/O is the dispatcher's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simulator.engine import Engine, Invalid, InvoiceItem, NotFound, WebhookDelivery
from simulator.engine.events import CustomerEvent, InvoiceEvent


class Collect:
    def __init__(self) -> None:
        self.seen: list[WebhookDelivery] = []

    def dispatch(self, delivery: WebhookDelivery) -> None:
        self.seen.append(delivery)


def test_b15_invoice_events_reach_matching_subscriptions(clock) -> None:
    collect = Collect()
    engine = Engine(clock=clock, seed=1, dispatcher=collect)
    created = engine.subscribe_webhook(
        hook_url="https://hooks.example/created",
        webhook_type="INVOICE_CREATED",
        security_key="s3cret",
    )
    engine.subscribe_webhook(hook_url="https://hooks.example/paid", webhook_type="INVOICE_PAID")
    c = engine.create_customer(customer_name="A", email="a@example.com", payment_channel="Stripe")
    invoice = engine.create_invoice(
        customer_id=c.customer_id, items=[InvoiceItem("x", Decimal(1), Decimal(5))]
    )
    assert [(d.webhook_type, d.hook_url) for d in collect.seen] == [
        ("INVOICE_CREATED", "https://hooks.example/created"),
        ("INVOICE_PAID", "https://hooks.example/paid"),
    ]
    first = collect.seen[0]
    assert first.security_key == "s3cret"
    assert first.webhook_id == created.webhook_id
    assert isinstance(first.event, InvoiceEvent)
    assert first.event.invoice_id == invoice.invoice_id
    assert first.event.customer_id == c.customer_id
    assert engine.webhook_deliveries() == collect.seen


def test_b15_customer_events(engine: Engine, build) -> None:
    engine.subscribe_webhook(hook_url="https://h.example/c", webhook_type="CUSTOMER_CREATED")
    engine.subscribe_webhook(hook_url="https://h.example/u", webhook_type="CUSTOMER_UPDATED")
    c = build.customer()
    engine.update_customer(c.customer_id, customer_name="Renamed")
    payloads = [
        (d.webhook_type, d.event.customer_name)
        for d in engine.webhook_deliveries()
        if isinstance(d.event, CustomerEvent)
    ]
    assert payloads == [("CUSTOMER_CREATED", "Dumm AI Corp"), ("CUSTOMER_UPDATED", "Renamed")]


def test_b15_subscription_lifecycle(engine: Engine) -> None:
    hook = engine.subscribe_webhook(hook_url="https://h.example", webhook_type="INVOICE_SENT")
    assert hook.environment == "production"
    assert engine.list_webhooks() == [hook]
    assert engine.retrieve_webhook(hook.webhook_id) is hook
    assert engine.delete_webhook(hook.webhook_id) is hook
    with pytest.raises(NotFound) as error:
        engine.retrieve_webhook(hook.webhook_id)
    assert error.value.kind == "webhook"


def test_b15_unknown_type_is_invalid(engine: Engine) -> None:
    with pytest.raises(Invalid, match="webhookType"):
        engine.subscribe_webhook(hook_url="https://h.example", webhook_type="SOMETHING")
    assert engine.list_webhooks() == []


def test_b15_failed_charge_event(engine: Engine, build) -> None:
    engine.subscribe_webhook(hook_url="https://h.example", webhook_type="STRIPE_PAYMENT_FAILED")
    engine.options.fail_stripe_charges = True
    c = build.customer()
    engine.create_invoice(
        customer_id=c.customer_id, items=[InvoiceItem("x", Decimal(1), Decimal(5))]
    )
    assert [d.webhook_type for d in engine.webhook_deliveries()] == ["STRIPE_PAYMENT_FAILED"]


def test_b15_invoice_sent_when_the_profile_sends_emails(engine: Engine, build) -> None:
    engine.subscribe_webhook(hook_url="https://h.example", webhook_type="INVOICE_SENT")
    engine.update_profile(send_invoice_email="true")
    c = build.customer(channel="manual")
    invoice = engine.create_invoice(
        customer_id=c.customer_id, items=[InvoiceItem("x", Decimal(1), Decimal(5))]
    )
    assert [
        d.event.invoice_id for d in engine.webhook_deliveries() if isinstance(d.event, InvoiceEvent)
    ] == [invoice.invoice_id]
    assert [h["type"] for h in invoice.communication_history] == ["INVOICE_EMAIL"]


def test_b15_security_keys_stay_out_of_reprs(engine: Engine, build) -> None:
    hook = engine.subscribe_webhook(
        hook_url="https://h.example", webhook_type="CUSTOMER_CREATED", security_key="whsec-xyz"
    )
    build.customer()
    assert "whsec-xyz" not in repr(hook)
    assert "whsec-xyz" not in repr(engine.webhook_deliveries())
    assert engine.webhook_deliveries()[0].security_key == "whsec-xyz"
