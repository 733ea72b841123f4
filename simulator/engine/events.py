"""Webhook events as facts (B15): what happened, in the engine's types, never in wire form.

The engine records one event per delivery; the API layer (`simulator.api.webhook_payloads`)
shapes the JSON body Paigo would send. Events are frozen copies taken when they happen, so a
retry or a resend sends what was true then, not what is true at the time of the retry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

__all__ = ["CustomerEvent", "EntitlementEvent", "InvoiceEvent", "WebhookEvent"]


@dataclass(frozen=True, slots=True)
class InvoiceEvent:
    """An invoice event (INVOICE_CREATED, INVOICE_PAID, INVOICE_SENT, STRIPE_PAYMENT_FAILED)."""

    invoice_id: str
    customer_id: str
    invoice_status: str
    invoice_type: str
    currency: str
    total_amount_without_tax: Decimal
    tax_amount: Decimal
    amount_paid: Decimal
    invoice_date: datetime


@dataclass(frozen=True, slots=True)
class CustomerEvent:
    """A customer event (CUSTOMER_CREATED, CUSTOMER_UPDATED): the customer as it was then."""

    customer_id: str
    customer_name: str
    email: str
    payment_channel: str
    currency: str
    tax_exempt: str
    credit_balance: Decimal
    customer_vat_id: str | None = None
    offering_id: str | None = None
    payment_channel_options: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EntitlementEvent:
    """An ENTITLEMENT event: a customer's usage reached a share of its entitlement (B6).

    `event_type` is `usageEntitlementThresholdReached` (80 %) or `usageEntitlementLimitReached`
    (100 %); `offering_id` selects the subscriptions that name an offering.
    """

    at: datetime
    dimension_id: str
    customer_id: str
    customer_name: str
    email: str
    entitlement_limit: Decimal
    current_usage_total: Decimal
    event_type: str
    offering_id: str | None = None


WebhookEvent = InvoiceEvent | CustomerEvent | EntitlementEvent
"""Every kind of event a webhook delivery can carry."""
