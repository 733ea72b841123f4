"""Models for customers: profiles, enrollments, overrides, children, wallet and Stripe."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field, StrictBool

from paigo_sdk.types._base import (
    Credit,
    DecimalNumber,
    DecimalString,
    Metadata,
    OpenEnum,
    PaigoModel,
    ParamsModel,
    Percentage,
    Positive,
    ReadTimestamp,
    Timestamp,
)
from paigo_sdk.types.dimensions import DimensionOverride, DimensionOverrideParams
from paigo_sdk.types.enums import BillParent, Currency, PaymentChannel, RefundReason, TaxExempt
from paigo_sdk.types.invoices import Invoice
from paigo_sdk.types.offerings import Offering

__all__ = [
    "Address",
    "AddressParams",
    "Charge",
    "ChildCreateParams",
    "ChildRow",
    "Customer",
    "CustomerCreateParams",
    "CustomerCreateResponse",
    "CustomerDeleteResponse",
    "CustomerOverrides",
    "CustomerOverridesParams",
    "CustomerToken",
    "CustomerUpdateParams",
    "Discount",
    "DiscountParams",
    "Enrollment",
    "EnrollmentUpdateParams",
    "EnrollmentUsageParams",
    "FreeTrialUpdateParams",
    "FreeTrialUpdateResponse",
    "LedgerEntry",
    "PaymentChannelOptions",
    "PaymentChannelOptionsParams",
    "RefundChannelOptionsParams",
    "RefundCreateParams",
    "StripePayment",
    "StripePortal",
    "TransactionCreateParams",
]


class AddressParams(ParamsModel):
    """A postal address; `country_code` and `state` are two-letter codes."""

    may_be_empty: ClassVar[frozenset[str]] = frozenset({"street_line_two"})
    country_code: str = Field(max_length=2)
    postal_code: str
    city: str
    street_line_one: str
    state: str = Field(max_length=2)
    street_line_two: str | None = None


class Address(PaigoModel):
    """A customer's postal address."""

    country_code: str | None = None
    postal_code: str | None = None
    city: str | None = None
    street_line_one: str | None = None
    street_line_two: str | None = None
    state: str | None = None


class PaymentChannelOptionsParams(ParamsModel):
    """Stripe options: an existing Stripe customer id (`cus_...`)."""

    stripe_customer_id: str | None = None


class PaymentChannelOptions(PaigoModel):
    """Stripe options of a customer."""

    stripe_customer_id: str | None = None


class EnrollmentUsageParams(ParamsModel):
    """Initial usage for an upfront dimension at enrolment, e.g. the number of seats bought."""

    dimension_id: str = Field(min_length=1)
    record_value: DecimalString
    """The amount (a string on the wire)."""
    metadata: Metadata | None = None


class DiscountParams(ParamsModel):
    """A percentage off the invoice total, until `end_date` (or indefinitely)."""

    name: str
    percentage: Annotated[DecimalString, Percentage]
    """0 to 100 (a string on the wire)."""
    end_date: Timestamp | None = None


class Discount(PaigoModel):
    """A contract discount."""

    name: str | None = None
    percentage: DecimalString | None = None
    end_date: ReadTimestamp | None = None


class CustomerOverridesParams(ParamsModel):
    """Per-customer overrides of an enrollment: discount, dimension prices, trial end."""

    discount: DiscountParams | None = None
    """A discount; `None` removes it."""
    dimension_overrides: list[DimensionOverrideParams] | None = None
    free_trial_end_date: Timestamp | None = None


class CustomerOverrides(PaigoModel):
    """Per-customer overrides of an enrollment."""

    discount: Discount | None = None
    dimension_overrides: list[DimensionOverride] | None = None
    free_trial_end_date: ReadTimestamp | None = None


class _CustomerFields(ParamsModel):
    currency: Currency | None = None
    tax_exempt: TaxExempt | None = None
    customer_vat_id: str | None = None
    payment_channel_options: PaymentChannelOptionsParams | None = None
    address: AddressParams | None = None
    metadata: Metadata | None = None
    usage: list[EnrollmentUsageParams] | None = None
    offering_id: str | None = None


class CustomerCreateParams(_CustomerFields):
    """The body of `POST /customers`."""

    customer_name: str = Field(min_length=1)
    email: str = Field(min_length=1)
    payment_channel: PaymentChannel
    customer_id: str | None = Field(default=None, min_length=1)
    """A caller-chosen id; Paigo generates a UUID when absent and rejects a duplicate."""
    offering_enrollment_date: Timestamp | None = None
    """When the enrolment in `offering_id` starts; must be in the past."""


class CustomerUpdateParams(_CustomerFields):
    """The body of `PUT /customers/{customerId}`: only the fields given are sent."""

    clearable: ClassVar[frozenset[str] | None] = frozenset(
        {"offering_id", "customer_vat_id", "payment_channel_options", "address", "metadata"}
    )

    customer_name: str | None = None
    email: str | None = None
    payment_channel: PaymentChannel | None = None
    free_trial_end_date: Timestamp | None = None
    remove_prior_offering: StrictBool | None = None
    unenroll_offering: str | None = None


class CustomerCreateResponse(PaigoModel):
    """The reply to creating a customer: `{message, customerId, portalUrl?}`."""

    message: str | None = None
    customer_id: str
    portal_url: str | None = None
    """A short-lived Stripe page where the customer enters payment details."""


class CustomerDeleteResponse(PaigoModel):
    """The reply to deleting a customer."""

    message: str | None = None
    customer_id: str | None = None


class Enrollment(PaigoModel):
    """A customer's enrolment in one offering."""

    offering: Offering
    offering_enrollment_date: ReadTimestamp
    overrides: CustomerOverrides | None = None


class EnrollmentUpdateParams(ParamsModel):
    """The body of `PUT /customers/{customerId}/enrollment`: only the fields given are sent.

    `offering_id=None` unenrols; `unenroll_offering` cannot be combined with `offering_id` or
    `remove_prior_offering`.
    """

    clearable: ClassVar[frozenset[str] | None] = frozenset({"offering_id", "overrides"})

    offering_id: str | None = None
    remove_prior_offering: StrictBool | None = None
    unenroll_offering: str | None = None
    overrides: CustomerOverridesParams | None = None
    usage: list[EnrollmentUsageParams] | None = None


class FreeTrialUpdateParams(ParamsModel):
    """The body of `PUT /customers/{customerId}/freeTrial`."""

    free_trial_end_date: Timestamp
    free_trial_start_date: Timestamp | None = None
    offering_id: str | None = None
    """Which enrolment's trial to change (undocumented by Paigo)."""


class FreeTrialUpdateResponse(PaigoModel):
    """The reply to updating a free trial: `{message, customerId}`."""

    message: str | None = None
    customer_id: str | None = None


class ChildRow(PaigoModel):
    """A parent-child link between two customers."""

    child_id: str
    parent_id: str
    bill_parent: OpenEnum[BillParent] | None = None


class ChildCreateParams(ParamsModel):
    """The body of the child routes: whether the parent pays the child's invoices."""

    bill_parent: BillParent | None = None


class Customer(PaigoModel):
    """A customer as Paigo returns it."""

    customer_id: str
    customer_name: str
    payment_channel: OpenEnum[PaymentChannel]
    email: str | None = None
    offering: dict[str, Any] | None = None
    """An object Paigo documents without fields; kept as returned."""
    payment_channel_options: PaymentChannelOptions | None = None
    address: Address | None = None
    customer_vat_id: str | None = None
    tax_exempt: OpenEnum[TaxExempt] | None = None
    currency: OpenEnum[Currency] | None = None
    metadata: dict[str, Any] | None = None
    credit_balance: DecimalString | None = None
    """The wallet balance (a string on the wire)."""
    stripe_account_ready: bool | None = None
    discount: Discount | None = None
    enrollments: list[Enrollment] | None = None
    children: list[ChildRow] | None = None
    parent: ChildRow | None = None
    invoices: list[Invoice] | None = None
    offering_id: str | None = None
    """Deprecated by Paigo: the most recent enrolment's offering."""
    offering_enrollment_date: ReadTimestamp | None = None
    """Deprecated by Paigo."""
    free_trial_start_date: ReadTimestamp | None = None
    """Deprecated by Paigo."""
    free_trial_end_date: ReadTimestamp | None = None
    """Deprecated by Paigo."""
    portal_url: str | None = None
    """A short-lived Stripe page for payment details; only on the customer returned by create."""


class CustomerToken(PaigoModel):
    """A token that lets an end customer view their own billing data in Paigo."""

    access_token: str = Field(alias="access_token", repr=False)

    def __str__(self) -> str:
        return "CustomerToken(access_token=<redacted>)"


class TransactionCreateParams(ParamsModel):
    """The body of `POST /customers/{customerId}/transactions`: a wallet credit or debit."""

    transaction_amount: Annotated[DecimalString, Credit]
    """Positive adds credit, negative removes it (a string on the wire)."""
    timestamp: Timestamp | None = None
    metadata: Metadata | None = None


class LedgerEntry(PaigoModel):
    """One wallet transaction."""

    transaction_amount: DecimalNumber
    """The amount, positive or negative (a JSON number on the wire when read)."""
    timestamp: ReadTimestamp
    metadata: dict[str, Any] | None = None


class RefundChannelOptionsParams(ParamsModel):
    """Which Stripe payment to refund."""

    payment_intent_id: str = Field(min_length=1)


class RefundCreateParams(ParamsModel):
    """The body of `POST /customers/{customerId}/refunds` (Stripe customers only)."""

    refund_channel_options: RefundChannelOptionsParams
    amount: Annotated[DecimalString, Positive] | None = None
    """The amount to refund; the whole payment when absent (a string on the wire)."""
    reason: RefundReason | None = None
    metadata: Metadata | None = None


class Charge(PaigoModel):
    """A Stripe charge of a payment."""

    charge_id: str | None = None
    amount: str | None = None


class StripePayment(PaigoModel):
    """A Stripe payment of a customer.

    Paigo v1.10 types these as refunds; the SDK reads both shapes: payment fields
    (`payment_intents_id`, `charges`) and refund-shaped ones (`charge_id`, `amount_refunded`)
    are all optional.
    """

    amount: str | None = None
    payment_intents_id: str | None = None
    metadata: dict[str, Any] | None = None
    currency: str | None = None
    status: str | None = None
    charges: list[Charge] | None = None
    charge_id: str | None = None
    amount_refunded: str | None = None
    created: str | None = None


class StripePortal(PaigoModel):
    """A link to a short-lived Stripe customer portal session."""

    message: str | None = None
    portal_url: str | None = None
