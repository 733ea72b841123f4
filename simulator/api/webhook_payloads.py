"""Shape webhook payloads: the JSON body Paigo sends for each event (B15).

The engine records events as typed facts (`simulator.engine.events`); this module is the only
place that knows their wire form. Paigo documents the INVOICE_CREATED body (`{invoiceId, message,
customerId}`), the customer object for CUSTOMER_CREATED and the ENTITLEMENT fields; the other
events' bodies are undocumented, and the simulator sends the same invoice or customer object
(docs/billing-rules.md).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from simulator.api.replies import wire_decimal, wire_time
from simulator.engine.errors import Invalid
from simulator.engine.events import CustomerEvent, EntitlementEvent, InvoiceEvent, WebhookEvent
from simulator.records import RecordDecodeError, decode, encode
from simulator.wire import WEBHOOK_TYPES

__all__ = ["EVENT_CLASSES", "INVOICE_MESSAGES", "body", "build_event", "payload"]

INVOICE_MESSAGES: Final = {
    "INVOICE_CREATED": "Generated invoice",
    "INVOICE_PAID": "Invoice paid",
    "INVOICE_SENT": "Invoice sent",
    "STRIPE_PAYMENT_FAILED": "Stripe payment failed",
}
"""The `message` of each invoice event (Paigo's sample shows "Generated invoice")."""

EVENT_CLASSES: Final[Mapping[str, type[Any]]] = {
    **dict.fromkeys(INVOICE_MESSAGES, InvoiceEvent),
    "CUSTOMER_CREATED": CustomerEvent,
    "CUSTOMER_UPDATED": CustomerEvent,
    "ENTITLEMENT": EntitlementEvent,
}
"""The event type each webhook type carries."""

_SAMPLE_ID: Final = "00000000-0000-4000-8000-000000000000"


def payload(webhook_type: str, event: WebhookEvent) -> dict[str, Any]:
    """Return the JSON body of one delivery of `event` to a `webhook_type` subscription."""
    if isinstance(event, InvoiceEvent):
        return {
            "invoiceId": event.invoice_id,
            "message": INVOICE_MESSAGES.get(webhook_type, webhook_type),
            "customerId": event.customer_id,
            "invoiceStatus": event.invoice_status,
            "invoiceType": event.invoice_type,
            "currency": event.currency,
            "totalAmountWithoutTax": wire_decimal(event.total_amount_without_tax),
            "taxAmount": wire_decimal(event.tax_amount),
            "amountPaid": wire_decimal(event.amount_paid),
            "invoiceDate": wire_time(event.invoice_date),
        }
    if isinstance(event, CustomerEvent):
        return {
            "customerId": event.customer_id,
            "customerName": event.customer_name,
            "email": event.email,
            "paymentChannel": event.payment_channel,
            "paymentChannelOptions": dict(event.payment_channel_options),
            "currency": event.currency,
            "taxExempt": event.tax_exempt,
            "customerVatId": event.customer_vat_id or "",
            "metadata": event.metadata,
            "creditBalance": wire_decimal(event.credit_balance),
            "offeringId": event.offering_id,
            "children": [],
        }
    # Paigo's sample: every number a string, and webhookType repeated in the body.
    return {
        "timestamp": wire_time(event.at),
        "dimensionId": event.dimension_id,
        "customerId": event.customer_id,
        "customerName": event.customer_name,
        "email": event.email,
        "entitlementLimit": wire_decimal(event.entitlement_limit),
        "currentUsageTotal": wire_decimal(event.current_usage_total),
        "eventType": event.event_type,
        "webhookType": "ENTITLEMENT",
    }


def body(webhook_type: str, event: WebhookEvent) -> bytes:
    """Return the exact bytes POSTed for `event`: compact ASCII JSON, the same on every try."""
    return json.dumps(payload(webhook_type, event), separators=(",", ":")).encode()


def build_event(webhook_type: str, overrides: Mapping[str, Any], now: datetime) -> WebhookEvent:
    """Return a sample event of `webhook_type` at `now`, with `overrides` of its fields.

    Overrides use the event's field names (`invoice_id`, `customer_name`, ...) with the values
    of the event's types, or their JSON record form (`simulator.records`): a decimal as a
    `Decimal` or a string, a time as an aware `datetime` or an ISO 8601 string. Floats are
    refused (B1).

    Raises:
        Invalid: the type is unknown, a field is not one of the event's, or a value does not fit.
    """
    cls = EVENT_CLASSES.get(webhook_type)
    if cls is None:
        raise Invalid([f"webhookType must be one of: {', '.join(WEBHOOK_TYPES)}"])
    known = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        names = ", ".join(known)
        raise Invalid(
            [f"{webhook_type} events have no field {', '.join(unknown)}; fields: {names}"]
        )
    fields = {**encode(_sample(webhook_type, now)), **encode(dict(overrides))}
    try:
        event: WebhookEvent = decode(fields, cls)
    except RecordDecodeError as exc:
        raise Invalid([f"cannot build a {webhook_type} event: {exc}"]) from None
    for name in known:
        value = getattr(event, name)
        if isinstance(value, datetime) and value.utcoffset() is None:
            raise Invalid([f"{name} must be a time with a timezone"])
        if isinstance(value, Decimal) and not value.is_finite():
            raise Invalid([f"{name} must be a finite decimal"])
    return event


def _sample(webhook_type: str, now: datetime) -> WebhookEvent:
    cls = EVENT_CLASSES[webhook_type]
    if cls is InvoiceEvent:
        paid = webhook_type == "INVOICE_PAID"
        return InvoiceEvent(
            invoice_id=_SAMPLE_ID,
            customer_id=_SAMPLE_ID,
            invoice_status="Paid" if paid else "Open",
            invoice_type="RECURRING",
            currency="USD",
            total_amount_without_tax=Decimal("100.00"),
            tax_amount=Decimal("0.00"),
            amount_paid=Decimal("100.00") if paid else Decimal("0.00"),
            invoice_date=now,
        )
    if cls is CustomerEvent:
        return CustomerEvent(
            customer_id=_SAMPLE_ID,
            customer_name="Dumm AI Corp",
            email="billing@example.com",
            payment_channel="manual",
            currency="USD",
            tax_exempt="none",
            credit_balance=Decimal(0),
        )
    return EntitlementEvent(
        at=now,
        dimension_id=_SAMPLE_ID,
        customer_id=_SAMPLE_ID,
        customer_name="Dumm AI Corp",
        email="billing@example.com",
        entitlement_limit=Decimal(100),
        current_usage_total=Decimal(100),
        event_type="usageEntitlementLimitReached",
    )
