"""Property test for the wallet (B1, B10): sub-cent credits put no sub-cent figure on an invoice.

Random wallet transactions (up to three decimal places, in and out), usage at a sub-cent price,
manual invoices and billing cycles. Every money figure of every invoice must be whole cents, and
the wallet must reconcile exactly with what went in and what invoices took from it. Expected
figures are computed here with exact fractions, not by the engine's own helpers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from simulator.api import views
from simulator.clock import ManualClock
from simulator.engine import ConsumptionUnit, Engine, Invalid, Invoice, InvoiceItem

from .test_properties_money import cents

JAN = datetime(2026, 1, 1, tzinfo=UTC)

amounts = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(60), places=3)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("credit"), amounts),
        st.tuples(st.just("debit"), amounts),
        st.tuples(st.just("usage"), st.integers(0, 5_000)),
        st.tuples(st.just("advance"), st.integers(1, 45)),
        st.tuples(
            st.just("invoice"),
            st.decimals(min_value=Decimal(0), max_value=Decimal(40), places=3),
            st.integers(0, 7),
            st.booleans(),
        ),
    ),
    min_size=1,
    max_size=25,
)


def whole_cents(value: Decimal) -> bool:
    """True when `value` has no digit beyond the second decimal place."""
    return Fraction(value) * 100 == int(Fraction(value) * 100)


def _shown_money(invoice: Invoice) -> list[Any]:
    """Every money figure the invoice shows on the wire (line amounts are quantity x unitCost)."""
    wire = views.invoice(invoice)
    shown = [wire["totalAmountWithoutTax"], wire["taxAmount"], wire["amountPaid"]]
    shown += [Decimal(p["transactionAmount"]) for p in wire["payments"]]
    shown += [
        cents(Fraction(item["quantity"]) * Fraction(item["unitCost"])) for item in wire["lineItems"]
    ]
    return shown


@settings(max_examples=60, deadline=None)
@given(
    plan=st.fixed_dictionaries(
        {
            "price": st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(2), places=4),
            "subscription": st.decimals(min_value=Decimal(0), max_value=Decimal(90), places=2),
            "prepaid": st.decimals(min_value=Decimal(0), max_value=Decimal(40), places=3),
            "tax": st.decimals(min_value=Decimal(0), max_value=Decimal(25), places=2),
            "channel": st.sampled_from(["Stripe", "manual"]),
            "top_up": st.one_of(
                st.none(), st.decimals(min_value=Decimal(1), max_value=Decimal(200), places=3)
            ),
        }
    ),
    actions=steps,
)
def test_b10_every_invoice_figure_is_whole_cents_and_the_wallet_reconciles(
    plan: dict[str, Any], actions: list[tuple[Any, ...]]
) -> None:
    clock = ManualClock(JAN)
    engine = Engine(clock=clock, seed=11)
    engine.update_settings(tax_rate=plan["tax"])
    calls = engine.create_dimension(
        dimension_name="API Calls",
        consumption_unit=ConsumptionUnit("count", "count-based"),
        usage_increment=Decimal(1),
        rounding="ceiling",
        consumption_price=plan["price"],
        aggregation_method="sum",
        aggregation_interval="hour",
    )
    if plan["top_up"] is None:
        offering = engine.create_offering(
            offering_name="Pro",
            dimension_ids=[calls.dimension_id],
            offering_type="subscription",
            subscription_price=plan["subscription"],
            prepaid_credit=plan["prepaid"] or None,
        )
    else:  # B11: usage debited from the wallet per closed hour, recharged when low
        offering = engine.create_offering(
            offering_name="Credits",
            dimension_ids=[calls.dimension_id],
            billing_cycle="topUp",
            top_up_amount=plan["top_up"],
        )
        plan["prepaid"] = Decimal(0)
    customer_id = engine.create_customer(
        customer_name="C",
        email="c@example.com",
        payment_channel=plan["channel"],
        offering_id=offering.offering_id,
    ).customer_id
    put_in = plan["prepaid"]  # what the test put into the wallet, exactly
    for action in actions:
        kind = action[0]
        balance = engine.retrieve_customer(customer_id).balance
        if kind == "credit":
            engine.create_transaction(customer_id, transaction_amount=action[1])
            put_in += action[1]
        elif kind == "debit" and action[1] > balance:
            with pytest.raises(Invalid, match="negative"):
                engine.create_transaction(customer_id, transaction_amount=-action[1])
            assert engine.retrieve_customer(customer_id).balance == balance
        elif kind == "debit":
            engine.create_transaction(customer_id, transaction_amount=-action[1])
            put_in -= action[1]
        elif kind == "usage":
            engine.record_usage(
                customer_id=customer_id,
                dimension_id=calls.dimension_id,
                record_value=Decimal(action[1]),
                timestamp=clock.now(),
            )
        elif kind == "advance":
            clock.advance(days=action[1])
        else:
            _, unit_cost, quantity, as_credit = action
            engine.create_invoice(
                customer_id=customer_id,
                items=[InvoiceItem("Support", Decimal(quantity), unit_cost)],
                store_payment_as_credit=as_credit,
            )
    clock.advance(days=32)  # close the last cycle (and top-up bucket) too

    customer = engine.retrieve_customer(customer_id)
    invoices = engine.list_customer_invoices(customer_id)
    spent = Decimal(0)
    stored = Decimal(0)
    for invoice in invoices:
        assert all(whole_cents(Decimal(value)) for value in _shown_money(invoice)), invoice
        amounts_ = [item.amount for item in invoice.line_items]
        assert invoice.total_amount_without_tax == sum(amounts_, Decimal(0))
        # TOPUP invoices carry no tax (B8).
        rate = 0 if invoice.invoice_type == "TOPUP" else Fraction(plan["tax"]) / 100
        assert invoice.tax_amount == cents(Fraction(invoice.total_amount_without_tax) * rate)
        paid = sum((p.transaction_amount for p in invoice.payments), Decimal(0))
        assert invoice.amount_paid == paid
        assert 0 <= invoice.amount_paid <= invoice.total_due
        if plan["channel"] == "Stripe":
            assert (invoice.invoice_status, invoice.amount_paid) == ("Paid", invoice.total_due)
        for p in invoice.payments:
            if p.type == "Credit":
                spent += p.transaction_amount
            elif invoice.store_payment_as_credit:
                stored += p.transaction_amount
    usage_debits = [
        e.transaction_amount for e in customer.ledger if e.metadata.get("type") == "usage"
    ]
    assert all(debit < 0 and whole_cents(debit) for debit in usage_debits)
    # The wallet holds exactly what went in, less what invoices and top-up usage took from it.
    assert customer.balance == sum((e.transaction_amount for e in customer.ledger), Decimal(0))
    assert customer.balance == put_in + stored - spent + sum(usage_debits, Decimal(0))
    assert customer.balance >= 0
    # Each credit payment is one ledger entry of the same amount, for the same invoice.
    paid_from_wallet = sorted(
        (e.metadata["invoiceId"], -e.transaction_amount)
        for e in customer.ledger
        if e.metadata.get("type") == "invoicePayment"
    )
    credit_payments = sorted(
        (i.invoice_id, p.transaction_amount)
        for i in invoices
        for p in i.payments
        if p.type == "Credit"
    )
    assert paid_from_wallet == credit_payments


def test_b10_a_sub_cent_credit_reaches_the_wire_as_whole_cents() -> None:
    # The reported case, by hand: 3.333 in the wallet, a 10.00 invoice shows amountPaid 10 made
    # of a Credit payment of "3.33" and a Stripe payment of "6.67".
    clock = ManualClock(JAN + timedelta(days=3))
    engine = Engine(clock=clock, seed=3)
    customer_id = engine.create_customer(
        customer_name="C", email="c@example.com", payment_channel="Stripe"
    ).customer_id
    engine.create_transaction(customer_id, transaction_amount=Decimal("3.333"))
    invoice = engine.create_invoice(
        customer_id=customer_id, items=[InvoiceItem("Support", Decimal(1), Decimal(10))]
    )
    wire = views.invoice(invoice)
    assert wire["amountPaid"] == 10
    assert [(p["type"], p["transactionAmount"]) for p in wire["payments"]] == [
        ("Credit", "3.33"),
        ("Stripe", "6.67"),
    ]
