"""Webhook subscriptions and delivery records (B15); the HTTP I/O is injected as a dispatcher."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from simulator.engine.state import Customer, Invoice, WebhookDelivery

if TYPE_CHECKING:
    from simulator.engine.context import Ctx

__all__ = [
    "RecordingDispatcher",
    "WebhookDispatcher",
    "customer_payload",
    "emit",
    "invoice_payload",
    "iso",
]


class WebhookDispatcher(Protocol):
    """Something that delivers webhook events; the engine calls it once per new delivery.

    `dispatch` must not block on I/O: a real dispatcher queues the delivery, POSTs it later and
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
    ctx: Ctx, webhook_type: str, payload: dict[str, Any], *, offering_id: str | None = None
) -> None:
    """Record one delivery per matching subscription (B15); dispatch happens after the call.

    ENTITLEMENT subscriptions with an `offeringId` only receive events of that offering.
    """
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
            payload=copy.deepcopy(payload),
            created_at=ctx.now,
            security_key=webhook.security_key,
        )
        ctx.state.deliveries.append(delivery)
        ctx.outbox.append(delivery)


def invoice_payload(invoice: Invoice, message: str) -> dict[str, Any]:
    """Return the payload of an invoice event (Paigo's sample: invoiceId, message, customerId)."""
    return {
        "invoiceId": invoice.invoice_id,
        "message": message,
        "customerId": invoice.customer_id,
        "invoiceStatus": invoice.invoice_status,
        "invoiceType": invoice.invoice_type,
        "currency": invoice.currency,
        "totalAmountWithoutTax": format(invoice.total_amount_without_tax, "f"),
        "taxAmount": format(invoice.tax_amount, "f"),
        "amountPaid": format(invoice.amount_paid, "f"),
        "invoiceDate": iso(invoice.invoice_date),
    }


def customer_payload(customer: Customer) -> dict[str, Any]:
    """Return the payload of a customer event: the main fields of Paigo's customer object."""
    current = customer.current_enrollment
    return {
        "customerId": customer.customer_id,
        "customerName": customer.customer_name,
        "email": customer.email,
        "paymentChannel": customer.payment_channel,
        "paymentChannelOptions": dict(customer.payment_channel_options),
        "currency": customer.currency,
        "taxExempt": customer.tax_exempt,
        "customerVatId": customer.customer_vat_id or "",
        "metadata": copy.deepcopy(customer.metadata),
        "creditBalance": format(customer.balance, "f"),
        "offeringId": current.offering_id if current is not None else None,
        "children": [],
    }
