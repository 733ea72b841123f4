"""Models for invoices: line items, payments, refunds and manual invoice creation."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field, StrictBool, field_validator

from paigo_sdk.types._base import (
    DecimalNumber,
    DecimalString,
    NonNegative,
    OpenEnum,
    PaigoModel,
    ParamsModel,
    ReadTimestamp,
    Timestamp,
)
from paigo_sdk.types.enums import (
    Currency,
    InvoicePaymentTerm,
    InvoiceStatus,
    InvoiceType,
    PaymentType,
)

__all__ = [
    "Invoice",
    "InvoiceCommunication",
    "InvoiceCreateParams",
    "InvoiceCreateResponse",
    "InvoiceLine",
    "InvoiceLineParams",
    "InvoicePayment",
    "StripeRefund",
]


class InvoiceLineParams(ParamsModel):
    """A line item of a manual invoice."""

    may_be_empty: ClassVar[frozenset[str]] = frozenset({"description"})

    name: str = Field(min_length=1)
    quantity: Annotated[DecimalNumber, NonNegative]
    """The quantity (a JSON number on the wire)."""
    unit_cost: DecimalNumber
    """The price of one unit (a JSON number on the wire)."""
    description: str | None = None


class InvoiceCreateParams(ParamsModel):
    """The body of `POST /invoices`: a manual (off-cycle) invoice."""

    customer_id: str = Field(min_length=1)
    items: list[InvoiceLineParams]
    invoice_date: Timestamp | None = None
    currency: Currency | None = None
    invoice_payment_term: InvoicePaymentTerm | None = None
    store_payment_as_credit: StrictBool | None = None
    """If true, paying this invoice adds the amount to the customer's wallet (selling credits)."""


class InvoiceCreateResponse(PaigoModel):
    """The reply to creating an invoice: `{message, invoiceId}`."""

    message: str | None = None
    invoice_id: str


class InvoiceLine(PaigoModel):
    """One line of an invoice."""

    name: str
    quantity: DecimalNumber
    """The quantity, in usage increments for usage lines (a JSON number on the wire)."""
    unit_cost: DecimalNumber
    """The price per unit (a JSON number on the wire)."""
    description: str | None = None


class InvoicePayment(PaigoModel):
    """A payment applied to an invoice, from the wallet (`Credit`) or through Stripe."""

    type: OpenEnum[PaymentType]
    transaction_amount: DecimalString
    """The amount paid (a string on the wire)."""
    timestamp: ReadTimestamp
    metadata: dict[str, Any] | None = None


class StripeRefund(PaigoModel):
    """A Stripe refund (also the shape Paigo v1.10 documents for Stripe payments)."""

    amount_refunded: str | None = None
    amount: str | None = None
    charge_id: str | None = None
    metadata: dict[str, Any] | None = None
    currency: str | None = None
    """Lower-case, as Stripe reports it (e.g. `usd`)."""
    status: str | None = None
    created: str | None = None


class InvoiceCommunication(PaigoModel):
    """An email sent about an invoice."""

    time: ReadTimestamp | None = None
    type: str | None = None
    """`INVOICE_EMAIL` or `REMINDER_EMAIL`."""
    metadata: dict[str, Any] | None = None


def _flatten(value: Any) -> Any:
    # Paigo's v1.10 schema declares an array of arrays; accept both shapes and flatten.
    if isinstance(value, list):
        flat: list[Any] = []
        for item in value:
            if isinstance(item, list):
                flat.extend(item)
            else:
                flat.append(item)
        return flat
    return value


class Invoice(PaigoModel):
    """An invoice as Paigo returns it."""

    invoice_id: str | None = None
    """The invoice id (missing from Paigo's v1.10 schema but sent by the service)."""
    customer_id: str | None = None
    invoice_status: OpenEnum[InvoiceStatus]
    invoice_type: OpenEnum[InvoiceType] | None = None
    invoice_payment_term: OpenEnum[InvoicePaymentTerm] | None = None
    invoice_date: ReadTimestamp | None = None
    currency: OpenEnum[Currency] | None = None
    total_amount_without_tax: DecimalNumber
    """The total before tax (a JSON number on the wire)."""
    tax_amount: DecimalNumber | None = None
    amount_paid: DecimalNumber | None = None
    invoice_url: str | None = None
    """A pre-signed PDF link, valid for 7 days; present when requested with `download=True`."""
    payment_link: str | None = None
    line_items: list[InvoiceLine] = Field(default_factory=list)
    payments: list[InvoicePayment] = Field(default_factory=list)
    refunds: list[StripeRefund] = Field(default_factory=list)
    invoice_communication_history: list[InvoiceCommunication] = Field(default_factory=list)
    """Emails sent about the invoice (a flat list; Paigo's schema says array of arrays)."""

    @field_validator("invoice_communication_history", mode="before")
    @classmethod
    def _flat_history(cls, value: Any) -> Any:
        return [] if value is None else _flatten(value)

    @field_validator("line_items", "payments", "refunds", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        # Paigo sends null rather than [] in some replies (e.g. a new customer's invoices).
        return [] if value is None else value
