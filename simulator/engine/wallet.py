"""The wallet ledger, credit payments and simulated Stripe charges (B10)."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from simulator.engine.context import Ctx
from simulator.engine.errors import Invalid
from simulator.engine.numbers import CENT, EXACT
from simulator.engine.state import Customer, Invoice, LedgerEntry, Payment, StripePayment
from simulator.engine.webhooks import emit, invoice_event, iso

__all__ = [
    "add_ledger_entry",
    "apply_credit",
    "attempt_payment",
    "mark_paid",
    "open_invoice",
    "payer_of",
    "return_credit",
    "spendable",
]


def add_ledger_entry(
    customer: Customer, amount: Decimal, at: datetime, metadata: dict[str, Any] | None = None
) -> LedgerEntry:
    """Append a wallet transaction; the balance stays the sum of the ledger (B10).

    Raises:
        Invalid: the balance would go below zero.
    """
    if customer.balance + amount < 0:
        raise Invalid("transactionAmount would make the credit balance negative")
    entry = LedgerEntry(transaction_amount=amount, timestamp=at, metadata=dict(metadata or {}))
    customer.ledger.append(entry)
    customer.balance += amount
    return entry


def spendable(balance: Decimal) -> Decimal:
    """Return the whole cents of a wallet balance: what the wallet can pay on an invoice (B1, B10).

    The wallet keeps any transaction exactly (`3.333` stays `3.333`), but an invoice only ever
    shows whole cents, so a payment from it is rounded down to the cent and the sub-cent rest
    stays in the wallet, to be spent once later credits make it a whole cent.
    """
    whole = balance.quantize(CENT, rounding=ROUND_DOWN, context=EXACT)
    # A balance already in whole cents is kept as written (`15` is not rewritten as `15.00`).
    return balance if whole == balance else whole


def apply_credit(
    ctx: Ctx,
    customer: Customer,
    invoice: Invoice,
    amount: Decimal,
    at: datetime,
    metadata: dict[str, Any],
) -> Decimal:
    """Credit `amount` against an unpaid invoice; return the part it did not need (B7, B10).

    The credit is a wallet entry spent at once on the invoice as a Credit payment, so the
    ledger shows both; the invoice is Paid when nothing remains. Like a credit note on an open
    Stripe invoice, it lowers what is owed rather than becoming credit to spend elsewhere.
    """
    used = min(amount, max(Decimal(0), invoice.amount_remaining))
    if used > 0:
        add_ledger_entry(customer, used, at, {**metadata, "invoiceId": invoice.invoice_id})
        add_ledger_entry(
            customer, -used, at, {"type": "invoicePayment", "invoiceId": invoice.invoice_id}
        )
        invoice.payments.append(
            Payment("Credit", used, at, {"invoiceId": invoice.invoice_id, "type": metadata["type"]})
        )
        invoice.amount_paid += used
        if invoice.amount_remaining <= 0:
            mark_paid(ctx, invoice)
    return amount - used


def return_credit(ctx: Ctx, customer: Customer, invoice: Invoice, at: datetime) -> None:
    """Give back to the wallet what it paid on an invoice being voided (B10).

    Credit that only lowered what was owed (a plan-change credit on an unpaid invoice) is not
    money the customer paid, so it is not returned. Stripe likewise returns the applied credit
    balance when an invoice is voided.
    """
    payer = customer if invoice.store_payment_as_credit else payer_of(ctx, customer)
    returned = sum(
        (
            p.transaction_amount
            for p in invoice.payments
            if p.type == "Credit" and p.transaction_amount > 0 and "type" not in p.metadata
        ),
        Decimal(0),
    )
    if returned > 0:
        add_ledger_entry(
            payer, returned, at, {"type": "voidedInvoiceCredit", "invoiceId": invoice.invoice_id}
        )


def _charge_fails(ctx: Ctx, customer: Customer) -> bool:
    options = ctx.options
    return options.fail_stripe_charges or customer.customer_id in options.fail_stripe_charges_for


def mark_paid(ctx: Ctx, invoice: Invoice) -> None:
    """Mark a fully paid invoice `Paid` and fire INVOICE_PAID (B10, B15)."""
    invoice.invoice_status = "Paid"
    emit(ctx, "INVOICE_PAID", invoice_event(invoice))


def open_invoice(ctx: Ctx, customer: Customer, invoice: Invoice, at: datetime) -> None:
    """Make an invoice `Open`: send it when the profile says so, then collect it (B9, B10).

    With `sendInvoiceEmail = "true"` the (simulated) email is recorded in the invoice's
    communication history and INVOICE_SENT fires (B15).
    """
    invoice.invoice_status = "Open"
    if ctx.state.settings.profile.send_invoice_email == "true":
        invoice.communication_history.append(
            {"time": iso(at), "type": "INVOICE_EMAIL", "metadata": {"email": customer.email}}
        )
        emit(ctx, "INVOICE_SENT", invoice_event(invoice))
    attempt_payment(ctx, customer, invoice, at)


def payer_of(ctx: Ctx, customer: Customer) -> Customer:
    """Return who pays the customer's invoices: its parent when `billParent = aggregated`."""
    link = customer.parent
    if link is not None and link.bill_parent == "aggregated":
        parent = ctx.state.customers.get(link.parent_id)
        if parent is not None:
            return parent
    return customer


def _credit_negative_total(
    customer: Customer, invoice: Invoice, owed: Decimal, at: datetime
) -> None:
    """Settle an invoice whose total is negative: what is owed to the customer goes to its
    wallet, recorded on the invoice as a negative Credit payment (B10).

    Stripe does the same with a negative invoice total (the customer's credit balance grows);
    without it the invoice would be Paid with nothing paid and the credit lost.
    """
    add_ledger_entry(
        customer, owed, at, {"type": "negativeInvoiceCredit", "invoiceId": invoice.invoice_id}
    )
    invoice.payments.append(
        Payment("Credit", -owed, at, {"invoiceId": invoice.invoice_id, "creditedToWallet": True})
    )
    invoice.amount_paid -= owed


def attempt_payment(ctx: Ctx, customer: Customer, invoice: Invoice, at: datetime) -> None:
    """Collect an Open invoice: credits first, then a simulated Stripe charge (B10).

    With `store_payment_as_credit` the wallet is not drawn on and the Stripe payment is added to
    it. A negative total is credited to the wallet and the invoice is Paid by that credit.
    A failed charge fires STRIPE_PAYMENT_FAILED and leaves the invoice Open; a `manual`
    customer's remainder stays Open until paid by other means. A child billed to its parent
    (`billParent = aggregated`) pays with the parent's wallet and payment channel.
    """
    if not invoice.store_payment_as_credit:
        customer = payer_of(ctx, customer)
    due = invoice.amount_remaining
    if due < 0:
        _credit_negative_total(customer, invoice, -due, at)
    if due <= 0:
        mark_paid(ctx, invoice)
        return
    credit = (
        Decimal(0) if invoice.store_payment_as_credit else min(spendable(customer.balance), due)
    )
    if credit > 0:
        add_ledger_entry(
            customer, -credit, at, {"type": "invoicePayment", "invoiceId": invoice.invoice_id}
        )
        invoice.payments.append(Payment("Credit", credit, at, {"invoiceId": invoice.invoice_id}))
        invoice.amount_paid += credit
        due -= credit
    if due > 0 and customer.payment_channel == "Stripe":
        ids = ctx.state.ids
        intent = StripePayment(
            payment_intents_id=f"pi_{ids.token(12)}",
            charge_id=f"ch_{ids.token(12)}",
            invoice_id=invoice.invoice_id,
            amount=due,
            currency=invoice.currency.lower(),
            status="failed" if _charge_fails(ctx, customer) else "succeeded",
            created=at,
            metadata={"invoiceId": invoice.invoice_id},
        )
        customer.stripe_payments.append(intent)
        if intent.status == "failed":
            emit(ctx, "STRIPE_PAYMENT_FAILED", invoice_event(invoice))
        else:
            invoice.payments.append(
                Payment(
                    "Stripe",
                    due,
                    at,
                    {
                        "paymentIntentsId": intent.payment_intents_id,
                        "currency": intent.currency,
                        "status": intent.status,
                    },
                )
            )
            invoice.amount_paid += due
            if invoice.store_payment_as_credit:
                add_ledger_entry(
                    customer,
                    due,
                    at,
                    {"type": "invoicePaymentAsCredit", "invoiceId": invoice.invoice_id},
                )
            due = Decimal(0)
    if due <= 0:
        mark_paid(ctx, invoice)
