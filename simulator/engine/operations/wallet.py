"""Operations on a customer's wallet and payments: transactions, refunds, Stripe payments (B10)."""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from typing import Final

from simulator.engine import customers
from simulator.engine.context import Ctx
from simulator.engine.errors import Invalid
from simulator.engine.operations._shared import Metadata
from simulator.engine.state import (
    Customer,
    LedgerEntry,
    Refund,
    StripePayment,
)
from simulator.engine.wallet import add_ledger_entry

_TRANSACTION_LIMIT: Final = Decimal(1_000_000_000)


def _stripe_customer(ctx: Ctx, customer_id: str, what: str) -> Customer:
    customer = customers.get_customer(ctx, customer_id)
    if customer.payment_channel != "Stripe":
        raise Invalid(f"{what} are only available for customers whose paymentChannel is Stripe")
    return customer


def create_transaction(
    ctx: Ctx,
    customer_id: str,
    *,
    transaction_amount: Decimal,
    timestamp: datetime | None = None,
    metadata: Metadata | None = None,
) -> LedgerEntry:
    """Add a wallet transaction (B10) and return it.

    Raises:
        NotFound: no such customer.
        Invalid: the balance would become negative, or the amount is out of range.
    """
    customer = customers.get_customer(ctx, customer_id)
    if not (-_TRANSACTION_LIMIT <= transaction_amount <= _TRANSACTION_LIMIT):
        raise Invalid("transactionAmount must be between -1000000000 and 1000000000")
    return add_ledger_entry(
        customer, transaction_amount, timestamp or ctx.now, copy.deepcopy(metadata or {})
    )


def list_transactions(ctx: Ctx, customer_id: str) -> list[LedgerEntry]:
    """Return the customer's wallet ledger, oldest first.

    Raises:
        NotFound: no such customer.
    """
    return list(customers.get_customer(ctx, customer_id).ledger)


def create_refund(
    ctx: Ctx,
    customer_id: str,
    *,
    payment_intent_id: str,
    amount: Decimal | None = None,
    reason: str | None = None,
    metadata: Metadata | None = None,
) -> Refund:
    """Refund (part of) a simulated Stripe payment and return the refund.

    Raises:
        NotFound: no such customer.
        Invalid: a `manual` customer, an unknown payment intent, or more than is refundable.
    """
    customer = _stripe_customer(ctx, customer_id, "refunds")
    left = customers.refundable(customer, payment_intent_id)
    intent = next(
        (
            p
            for p in customer.stripe_payments
            if p.payment_intents_id == payment_intent_id and p.status == "succeeded"
        ),
        None,
    )
    if intent is None:
        raise Invalid(f"refundChannelOptions.paymentIntentId {payment_intent_id} not found")
    amount = left if amount is None else amount
    if amount <= 0 or amount > left:
        raise Invalid(f"amount must be greater than 0 and at most {format(left, 'f')}")
    refund = Refund(
        refund_id=f"re_{ctx.state.ids.token(12)}",
        amount=amount,
        amount_refunded=amount,
        charge_id=intent.charge_id,
        payment_intent_id=payment_intent_id,
        currency=intent.currency,
        status="succeeded",
        reason=reason or "requested_by_customer",
        created=ctx.now,
        metadata=copy.deepcopy(metadata or {}),
    )
    customer.refunds.append(refund)
    invoice = ctx.state.invoices.get(intent.invoice_id)
    if invoice is not None:
        invoice.refunds.append(refund)
    return refund


def list_refunds(ctx: Ctx, customer_id: str) -> list[Refund]:
    """Return the customer's refunds.

    Raises:
        NotFound: no such customer.
        Invalid: a `manual` customer.
    """
    return list(_stripe_customer(ctx, customer_id, "refunds").refunds)


def list_payments(
    ctx: Ctx, customer_id: str, *, invoice_id: str | None = None
) -> list[StripePayment]:
    """Return the customer's simulated Stripe payments, optionally for one invoice.

    Raises:
        NotFound: no such customer.
        Invalid: a `manual` customer.
    """
    customer = _stripe_customer(ctx, customer_id, "payments")
    return [p for p in customer.stripe_payments if invoice_id is None or p.invoice_id == invoice_id]


def stripe_portal(ctx: Ctx, customer_id: str) -> str:
    """Return a (fake) Stripe billing-portal URL for the customer.

    Raises:
        NotFound: no such customer.
        Invalid: a `manual` customer.
    """
    customer = _stripe_customer(ctx, customer_id, "the Stripe portal")
    # Derived, not drawn: reading the portal URL leaves the seeded id sequence alone.
    return f"https://billing.stripe.com/p/session/test_{customer.stripe_customer_id}"
