"""B10: the wallet ledger, credits first, simulated Stripe charges, refunds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simulator.engine import Engine, Invalid, InvoiceItem
from simulator.engine.events import InvoiceEvent


def _invoice(engine: Engine, customer_id: str, amount: str, **kw):
    return engine.create_invoice(
        customer_id=customer_id, items=[InvoiceItem("Item", Decimal(1), Decimal(amount))], **kw
    )


def test_b10_credits_are_used_first(engine: Engine, build) -> None:
    c = build.customer()
    engine.create_transaction(c.customer_id, transaction_amount=Decimal(30))
    invoice = _invoice(engine, c.customer_id, "100")
    assert [(p.type, p.transaction_amount) for p in invoice.payments] == [
        ("Credit", Decimal(30)),
        ("Stripe", Decimal(70)),
    ]
    assert invoice.invoice_status == "Paid"
    customer = engine.retrieve_customer(c.customer_id)
    assert customer.balance == Decimal(0)
    assert customer.balance == sum(e.transaction_amount for e in customer.ledger)
    assert customer.ledger[-1].metadata["invoiceId"] == invoice.invoice_id


def test_b10_balance_can_never_go_negative(engine: Engine, build) -> None:
    c = build.customer()
    engine.create_transaction(c.customer_id, transaction_amount=Decimal(5))
    with pytest.raises(Invalid, match="negative"):
        engine.create_transaction(c.customer_id, transaction_amount=Decimal("-5.01"))
    assert len(engine.list_transactions(c.customer_id)) == 1


def test_b10_failed_charge_leaves_invoice_open(engine: Engine, build) -> None:
    engine.subscribe_webhook(hook_url="https://h.example", webhook_type="STRIPE_PAYMENT_FAILED")
    c = build.customer()
    engine.options.fail_stripe_charges_for.add(c.customer_id)
    invoice = _invoice(engine, c.customer_id, "40")
    assert (invoice.invoice_status, invoice.amount_paid) == ("Open", Decimal(0))
    (delivery,) = engine.webhook_deliveries()
    assert isinstance(delivery.event, InvoiceEvent)
    assert delivery.event.invoice_id == invoice.invoice_id
    assert engine.pay_invoice(invoice.invoice_id).invoice_status == "Paid"


def test_b10_global_failure_switch(engine: Engine, build) -> None:
    engine.options.fail_stripe_charges = True
    c = build.customer()
    assert _invoice(engine, c.customer_id, "1").invoice_status == "Open"


def test_b10_manual_customers_stay_open(engine: Engine, build) -> None:
    c = build.customer(channel="manual")
    invoice = _invoice(engine, c.customer_id, "12")
    assert (invoice.invoice_status, invoice.payments) == ("Open", [])


def test_b10_store_payment_as_credit_fills_the_wallet(engine: Engine, build) -> None:
    c = build.customer()
    engine.create_transaction(c.customer_id, transaction_amount=Decimal(10))
    invoice = _invoice(engine, c.customer_id, "100", store_payment_as_credit=True)
    assert [(p.type, p.transaction_amount) for p in invoice.payments] == [("Stripe", Decimal(100))]
    assert engine.retrieve_customer(c.customer_id).balance == Decimal(110)


def test_b10_currency_cannot_change_with_a_balance(engine: Engine, build) -> None:
    c = build.customer()
    engine.create_transaction(c.customer_id, transaction_amount=Decimal(1))
    with pytest.raises(Invalid, match="currency"):
        engine.update_customer(c.customer_id, currency="EUR")
    assert engine.retrieve_customer(c.customer_id).currency == "USD"


def test_b10_refunds_and_payments(engine: Engine, build) -> None:
    c = build.customer()
    invoice = _invoice(engine, c.customer_id, "50")
    (payment,) = engine.list_payments(c.customer_id, invoice_id=invoice.invoice_id)
    assert (payment.amount, payment.status, payment.currency) == (Decimal(50), "succeeded", "usd")
    refund = engine.create_refund(
        c.customer_id, payment_intent_id=payment.payment_intents_id, amount=Decimal(20)
    )
    assert (refund.amount, refund.reason) == (Decimal(20), "requested_by_customer")
    with pytest.raises(Invalid):
        engine.create_refund(
            c.customer_id, payment_intent_id=payment.payment_intents_id, amount=Decimal("30.01")
        )
    assert engine.list_refunds(c.customer_id) == [refund]
    assert engine.retrieve_invoice(invoice.invoice_id).refunds == [refund]


def test_b10_stripe_only_routes_refuse_manual_customers(engine: Engine, build) -> None:
    c = build.customer(channel="manual")
    for call in (engine.list_refunds, engine.list_payments, engine.stripe_portal):
        with pytest.raises(Invalid):
            call(c.customer_id)


def test_b10_aggregated_child_is_paid_by_its_parent(engine: Engine, build) -> None:
    parent = build.customer(name="Parent")
    child = build.customer(name="Child", channel="manual")
    engine.create_transaction(parent.customer_id, transaction_amount=Decimal(15))
    engine.add_child(parent.customer_id, child.customer_id, bill_parent="aggregated")
    invoice = _invoice(engine, child.customer_id, "40")
    assert invoice.customer_id == child.customer_id
    assert [(p.type, p.transaction_amount) for p in invoice.payments] == [
        ("Credit", Decimal(15)),
        ("Stripe", Decimal(25)),
    ]
    assert engine.retrieve_customer(parent.customer_id).balance == Decimal(0)
    assert [p.invoice_id for p in engine.list_payments(parent.customer_id)] == [invoice.invoice_id]


def test_b10_separate_child_pays_itself(engine: Engine, build) -> None:
    parent = build.customer(name="Parent")
    child = build.customer(name="Child", channel="manual")
    engine.add_child(parent.customer_id, child.customer_id)
    assert _invoice(engine, child.customer_id, "40").invoice_status == "Open"


@pytest.mark.parametrize("channel", ["manual", "Stripe"])
def test_b10_a_negative_invoice_is_settled_by_crediting_the_wallet(
    engine: Engine, build, channel: str
) -> None:
    c = build.customer(channel=channel)
    invoice = engine.create_invoice(
        customer_id=c.customer_id,
        items=[
            InvoiceItem("Setup", Decimal(1), Decimal(10)),
            InvoiceItem("Goodwill credit", Decimal(1), Decimal(-35)),
        ],
    )
    # 10 - 35 = -25: the customer is owed $25.00, which goes to the wallet.
    assert invoice.total_amount_without_tax == Decimal("-25.00")
    assert invoice.invoice_status == "Paid"
    assert [(p.type, p.transaction_amount) for p in invoice.payments] == [
        ("Credit", Decimal("-25.00"))
    ]
    assert invoice.amount_remaining == 0
    customer = engine.retrieve_customer(c.customer_id)
    assert customer.balance == Decimal("25.00")
    assert customer.stripe_payments == []
    (entry,) = customer.ledger
    assert entry.transaction_amount == Decimal("25.00")
    assert entry.metadata["invoiceId"] == invoice.invoice_id
    # The credit pays the next invoice first.
    follow_up = _invoice(engine, c.customer_id, "40")
    first = follow_up.payments[0]
    assert (first.type, first.transaction_amount) == ("Credit", Decimal("25.00"))


def test_b10_a_negative_draft_credits_nothing_until_approved(engine: Engine, build) -> None:
    engine.update_settings(invoice_approval="manual")
    c = build.customer(channel="manual")
    invoice = _invoice(engine, c.customer_id, "-12.50")
    assert (invoice.invoice_status, invoice.payments) == ("Draft", [])
    assert engine.retrieve_customer(c.customer_id).balance == 0
    approved = engine.approve_invoice(invoice.invoice_id)
    assert approved.invoice_status == "Paid"
    assert engine.retrieve_customer(c.customer_id).balance == Decimal("12.50")


def test_b10_voiding_an_invoice_returns_the_wallet_credit_it_used(engine: Engine, build) -> None:
    c = build.customer(channel="manual")
    engine.create_transaction(c.customer_id, transaction_amount=Decimal(25))
    invoice = _invoice(engine, c.customer_id, "100")
    # $25 of credit paid part of the $100; $75 is still owed.
    assert (invoice.invoice_status, invoice.amount_remaining) == ("Open", Decimal(75))
    assert engine.retrieve_customer(c.customer_id).balance == 0
    engine.void_invoice(invoice.invoice_id)
    customer = engine.retrieve_customer(c.customer_id)
    assert customer.balance == Decimal(25)
    assert customer.ledger[-1].metadata["invoiceId"] == invoice.invoice_id


def test_b10_a_sub_cent_wallet_pays_whole_cents_and_keeps_the_rest(engine: Engine, build) -> None:
    # Worked by hand: the wallet holds 3.333; a 10.00 invoice takes 3.33 of it as credit and
    # 6.67 from Stripe; 0.003 stays in the wallet. Another 0.008 makes 0.011: the next 1.00
    # invoice takes 0.01 of credit and 0.99 from Stripe, and 0.001 stays.
    c = build.customer()
    engine.create_transaction(c.customer_id, transaction_amount=Decimal("3.333"))
    first = _invoice(engine, c.customer_id, "10")
    assert [(p.type, p.transaction_amount) for p in first.payments] == [
        ("Credit", Decimal("3.33")),
        ("Stripe", Decimal("6.67")),
    ]
    assert (first.amount_paid, first.invoice_status) == (Decimal("10.00"), "Paid")
    assert engine.retrieve_customer(c.customer_id).balance == Decimal("0.003")
    engine.create_transaction(c.customer_id, transaction_amount=Decimal("0.008"))
    second = _invoice(engine, c.customer_id, "1")
    assert [(p.type, p.transaction_amount) for p in second.payments] == [
        ("Credit", Decimal("0.01")),
        ("Stripe", Decimal("0.99")),
    ]
    customer = engine.retrieve_customer(c.customer_id)
    assert customer.balance == Decimal("0.001")
    assert customer.balance == sum(e.transaction_amount for e in customer.ledger)


def test_b10_less_than_a_cent_in_the_wallet_pays_nothing(engine: Engine, build) -> None:
    c = build.customer(channel="manual")
    engine.create_transaction(c.customer_id, transaction_amount=Decimal("0.009"))
    invoice = _invoice(engine, c.customer_id, "5")
    assert (invoice.payments, invoice.amount_paid, invoice.invoice_status) == ([], 0, "Open")
    assert engine.retrieve_customer(c.customer_id).balance == Decimal("0.009")
