"""Webhook subscriptions and delivery records (B15); the HTTP I/O is injected as a dispatcher.

Rules record what happened as a typed event (`simulator.engine.events`); the wire payload is
shaped by the API layer, and the bytes are sent by the dispatcher.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from simulator.engine.events import CustomerEvent, EntitlementEvent, InvoiceEvent, WebhookEvent
from simulator.engine.state import Customer, Invoice, WebhookDelivery

if TYPE_CHECKING:
    from simulator.engine.context import Ctx

__all__ = [
    "RecordingDispatcher",
    "WebhookDispatcher",
    "customer_event",
    "emit",
    "invoice_event",
    "iso",
]


class WebhookDispatcher(Protocol):
    """Something that delivers webhook events; the engine calls it once per new delivery.

    `dispatch` must not block on I/O: a real dispatcher schedules the delivery, POSTs it later and
    appends a `DeliveryAttempt` to `delivery.attempts` for every try, then sets `delivery.status`.
    """

    def dispatch(self, delivery: WebhookDelivery) -> None:
        """Hand one delivery over for sending."""
        ...


class RecordingDispatcher:
    """The default dispatcher: deliveries are only recorded by the engine, never sent."""

    def dispatch(self, delivery: WebhookDelivery) -> None:
        """Do nothing; the delivery stays "pending" in the engine's records."""


def iso(moment: datetime) -> str:
    """Format an instant as Paigo does: RFC 3339 in UTC with milliseconds and `Z`."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def emit(
    ctx: Ctx, webhook_type: str, event: WebhookEvent, *, triggered: bool = False
) -> list[WebhookDelivery]:
    """Record one delivery per matching subscription (B15) and return them; dispatch happens
    after the call.

    ENTITLEMENT subscriptions with an `offeringId` only receive events of that offering.
    """
    offering_id = event.offering_id if isinstance(event, EntitlementEvent) else None
    made = []
    for webhook in ctx.state.webhooks.values():
        if webhook.webhook_type != webhook_type:
            continue
        if (
            webhook.offering_id is not None
            and offering_id is not None
            and webhook.offering_id != offering_id
        ):
            continue
        delivery = WebhookDelivery(
            delivery_id=ctx.state.ids.uuid(),
            webhook_id=webhook.webhook_id,
            hook_url=webhook.hook_url,
            webhook_type=webhook_type,
            event=event,
            created_at=ctx.now,
            security_key=webhook.security_key,
            triggered=triggered,
        )
        ctx.state.deliveries.append(delivery)
        ctx.outbox.append(delivery)
        made.append(delivery)
    return made


def invoice_event(invoice: Invoice) -> InvoiceEvent:
    """Return the facts of an invoice event, as the invoice stands now."""
    return InvoiceEvent(
        invoice_id=invoice.invoice_id,
        customer_id=invoice.customer_id,
        invoice_status=invoice.invoice_status,
        invoice_type=invoice.invoice_type,
        currency=invoice.currency,
        total_amount_without_tax=invoice.total_amount_without_tax,
        tax_amount=invoice.tax_amount,
        amount_paid=invoice.amount_paid,
        invoice_date=invoice.invoice_date,
    )


def customer_event(customer: Customer) -> CustomerEvent:
    """Return the facts of a customer event: a copy of the customer's main fields now."""
    current = customer.current_enrollment
    return CustomerEvent(
        customer_id=customer.customer_id,
        customer_name=customer.customer_name,
        email=customer.email,
        payment_channel=customer.payment_channel,
        currency=customer.currency,
        tax_exempt=customer.tax_exempt,
        credit_balance=customer.balance,
        customer_vat_id=customer.customer_vat_id,
        offering_id=current.offering_id if current is not None else None,
        # Copies: the event keeps what was true when it happened.
        payment_channel_options=copy.deepcopy(customer.payment_channel_options),
        metadata=copy.deepcopy(customer.metadata),
    )
