"""Operations on invoices: create, approve, void, pay, period invoices and previews (B9)."""

from __future__ import annotations

from datetime import datetime, timedelta

from simulator import wire
from simulator.engine import customers, invoicing, reads
from simulator.engine.context import Ctx
from simulator.engine.errors import Invalid, NotFound
from simulator.engine.operations._shared import raise_if
from simulator.engine.pricing import line
from simulator.engine.state import (
    Customer,
    Invoice,
    InvoiceItem,
    InvoiceLine,
    Payment,
)
from simulator.engine.wallet import add_ledger_entry, mark_paid, open_invoice, return_credit


def _invoice(ctx: Ctx, invoice_id: str) -> Invoice:
    found = ctx.state.invoices.get(invoice_id)
    if found is None:
        raise NotFound("invoice", invoice_id)
    return found


def _arrear_for(
    ctx: Ctx, customer: Customer, start: datetime, end: datetime, *, commit: bool
) -> list[InvoiceLine]:
    """Arrear lines of every enrollment over `[start, end)`, clipped to each enrollment (B9)."""
    lines: list[InvoiceLine] = []
    for enrollment in customer.enrollments:
        offering = ctx.state.offerings.get(enrollment.offering_id)
        if offering is None or offering.billing_cycle == "topUp":
            continue
        lo = max(start, enrollment.enrollment_date)
        hi = min(end, enrollment.ended_at) if enrollment.ended_at is not None else end
        if lo < hi:
            lines += invoicing.arrear_lines(
                ctx, customer, enrollment, offering, (lo, hi), commit=commit, minimum=False
            )
    return lines


def list_customer_invoices(ctx: Ctx, customer_id: str) -> list[Invoice]:
    """Return the customer's invoices, oldest first (Paigo's `customer.invoices`).

    Raises:
        NotFound: no such customer.
    """
    customer = customers.get_customer(ctx, customer_id)
    return [ctx.state.invoices[i] for i in customer.invoice_ids]


def create_invoice(
    ctx: Ctx,
    *,
    customer_id: str,
    items: list[InvoiceItem],
    invoice_date: datetime | None = None,
    currency: str | None = None,
    invoice_payment_term: str | None = None,
    store_payment_as_credit: bool = False,
) -> Invoice:
    """Create a MANUAL invoice from caller-supplied lines (B9) and attempt payment (B10).

    Raises:
        NotFound: no such customer.
        Invalid: a negative quantity.
    """
    customer = customers.get_customer(ctx, customer_id)
    errors = []
    for i, item in enumerate(items):
        if item.quantity < 0:
            errors.append(f"items.{i}.quantity must not be negative")
    if currency is not None and currency not in wire.CURRENCIES:
        errors.append(f"currency must be one of: {', '.join(wire.CURRENCIES)}")
    if invoice_payment_term not in (None, "", "30", "60"):
        errors.append("invoicePaymentTerm must be one of: 30, 60, or empty")
    raise_if(errors)
    lines = [
        line(
            item.name,
            item.quantity,
            item.unit_cost,
            kind="manual",
            description=item.description,
        )
        for item in items
    ]
    return invoicing.issue_invoice(
        ctx,
        customer,
        lines,
        invoice_type="MANUAL",
        invoice_date=invoice_date or ctx.now,
        currency=currency,
        payment_term=invoice_payment_term,
        store_payment_as_credit=store_payment_as_credit,
    )


def retrieve_invoice(ctx: Ctx, invoice_id: str) -> Invoice:
    """Return one invoice.

    Raises:
        NotFound: no such invoice.
    """
    return _invoice(ctx, invoice_id)


def invoice_number(ctx: Ctx, invoice_id: str) -> str:
    """Return the invoice's human number, `INV-<year>-<sequence>`, in order of creation.

    Raises:
        NotFound: no such invoice.
    """
    invoice = _invoice(ctx, invoice_id)
    sequence = list(ctx.state.invoices).index(invoice_id) + 1
    return f"INV-{invoice.invoice_date.year}-{sequence:05d}"


def read_invoice_document(ctx: Ctx, invoice_id: str) -> reads.InvoiceDocument:
    """Return what a printed invoice shows: the invoice, its number, customer and settings.

    Raises:
        NotFound: no such invoice.
    """
    invoice = _invoice(ctx, invoice_id)
    return reads.InvoiceDocument(
        invoice=invoice,
        number=invoice_number(ctx, invoice_id),
        customer=ctx.state.customers.get(invoice.customer_id),
        settings=ctx.state.settings,
    )


def approve_invoice(ctx: Ctx, invoice_id: str) -> Invoice:
    """Move a Draft invoice to Open and attempt payment (simulator extension).

    Raises:
        NotFound: no such invoice.
        Invalid: the invoice is not a Draft.
    """
    invoice = _invoice(ctx, invoice_id)
    if invoice.invoice_status != "Draft":
        raise Invalid(f"invoice {invoice_id} is {invoice.invoice_status}, not Draft")
    customer = ctx.state.customers.get(invoice.customer_id)
    if customer is None:
        invoice.invoice_status = "Open"
    else:
        open_invoice(ctx, customer, invoice, ctx.now)
    return invoice


def void_invoice(ctx: Ctx, invoice_id: str) -> Invoice:
    """Void an unpaid invoice; what the wallet paid on it goes back to the wallet (B10).

    A simulator extension.

    Raises:
        NotFound: no such invoice.
        Invalid: the invoice is Paid.
    """
    invoice = _invoice(ctx, invoice_id)
    if invoice.invoice_status == "Paid":
        raise Invalid(f"invoice {invoice_id} is Paid and cannot be voided")
    if invoice.invoice_status == "Voided":
        return invoice
    customer = ctx.state.customers.get(invoice.customer_id)
    if customer is not None:
        return_credit(ctx, customer, invoice, ctx.now)
    invoice.invoice_status = "Voided"
    return invoice


def pay_invoice(ctx: Ctx, invoice_id: str) -> Invoice:
    """Record the rest of an Open invoice as paid by other means (simulator extension).

    Raises:
        NotFound: no such invoice.
        Invalid: the invoice is not Open.
    """
    invoice = _invoice(ctx, invoice_id)
    if invoice.invoice_status != "Open":
        raise Invalid(f"invoice {invoice_id} is {invoice.invoice_status}, not Open")
    remaining = invoice.amount_remaining
    invoice.payments.append(Payment("Stripe", remaining, ctx.now, {"method": "external"}))
    invoice.amount_paid += remaining
    customer = ctx.state.customers.get(invoice.customer_id)
    if invoice.store_payment_as_credit and customer is not None:
        add_ledger_entry(
            customer,
            remaining,
            ctx.now,
            {"type": "invoicePaymentAsCredit", "invoiceId": invoice_id},
        )
    mark_paid(ctx, invoice)
    return invoice


def create_period_invoice(ctx: Ctx, customer_id: str, *, start: datetime, end: datetime) -> Invoice:
    """Invoice the customer's arrear usage in `[start, end)` as a cycle would (B9 extension).

    Raises:
        NotFound: no such customer.
        Invalid: `end` not after `start`, or `end` after now.
    """
    customer = customers.get_customer(ctx, customer_id)
    errors = []
    if end <= start:
        errors.append("end must be after start")
    if end > ctx.now:
        errors.append("end must not be in the future")
    raise_if(errors)
    lines = _arrear_for(ctx, customer, start, end, commit=True)
    return invoicing.issue_invoice(
        ctx,
        customer,
        lines,
        invoice_type="MANUAL",
        invoice_date=ctx.now,
        period=(start, end),
    )


def preview_invoice(ctx: Ctx, customer_id: str) -> Invoice:
    """Return the invoice the customer would get if its open cycles closed now; bills nothing.

    Raises:
        NotFound: no such customer.
    """
    customer = customers.get_customer(ctx, customer_id)
    lines: list[InvoiceLine] = []
    starts: list[datetime] = []
    for enrollment in customer.active_enrollments:
        offering = ctx.state.offerings.get(enrollment.offering_id)
        if offering is None or offering.billing_cycle == "topUp":
            continue
        start = max(
            enrollment.cycle_start or enrollment.enrollment_date, enrollment.enrollment_date
        )
        starts.append(start)
        # Everything recorded in the open cycle so far, including records up to the
        # accepted 5 minutes ahead of the clock.
        end = enrollment.cycle_end or ctx.now + timedelta(
            seconds=ctx.options.future_tolerance_seconds
        )
        if end > start:
            lines += invoicing.arrear_lines(
                ctx,
                customer,
                enrollment,
                offering,
                (start, end),
                commit=False,
                minimum=enrollment.cycle_end is not None,
            )
    return invoicing.build_invoice(
        ctx,
        customer,
        lines,
        invoice_id="preview",
        invoice_type="RECURRING",
        invoice_date=ctx.now,
        period=(min(starts), ctx.now) if starts else None,
    )
