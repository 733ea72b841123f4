"""The enumerations of Paigo's API v1.10, each a `StrEnum` whose values are the wire values."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AggregationInterval",
    "AggregationMethod",
    "AggregationPurpose",
    "BillParent",
    "BillingCycle",
    "ConsumptionUnitType",
    "Currency",
    "InvoicePaymentTerm",
    "InvoiceStatus",
    "InvoiceType",
    "MeasurementMode",
    "OfferingType",
    "OfferingVisibility",
    "PaymentChannel",
    "PaymentSchedule",
    "PaymentType",
    "RefundReason",
    "Rounding",
    "SampleType",
    "TaxExempt",
    "WebhookEnvironment",
    "WebhookType",
]


class Rounding(StrEnum):
    """How usage divided by the increment becomes a whole number of chunks."""

    ROUND = "round"
    FLOOR = "floor"
    CEILING = "ceiling"


class AggregationMethod(StrEnum):
    """How the raw records within one time bucket are combined."""

    SUM = "sum"
    MAX = "max"
    MIN = "min"
    COUNT = "count"
    AVERAGE = "average"
    LAST = "last"


class AggregationInterval(StrEnum):
    """The time bucket raw usage is aggregated into; `NONE` means raw records."""

    NONE = "none"
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"


class AggregationPurpose(StrEnum):
    """Which view of usage a usage query returns."""

    BILLING = "billing"
    METERING = "metering"


class SampleType(StrEnum):
    """Informational sample type of a dimension (Paigo's spelling `continious` is kept)."""

    GAUGE = "gauge"
    CONTINIOUS = "continious"


class PaymentSchedule(StrEnum):
    """Whether a dimension is billed at enrolment (`UPFRONT`) or at the end of the cycle."""

    UPFRONT = "upfront"
    ARREAR = "arrear"


class ConsumptionUnitType(StrEnum):
    """The family of a consumption unit."""

    COUNT = "count"
    TIME = "time"
    DATA = "data"


class OfferingType(StrEnum):
    """Pay-as-you-go or a fixed subscription price."""

    USAGE_BASED = "usage-based"
    SUBSCRIPTION = "subscription"


class BillingCycle(StrEnum):
    """When automatic invoices are produced."""

    MONTHLY = "monthly"
    ANNUAL_TO_DATE = "annualToDate"
    TOP_UP = "topUp"


class OfferingVisibility(StrEnum):
    """Whether an offering is public or a private (enterprise) deal."""

    PUBLIC = "public"
    PRIVATE = "private"


class Currency(StrEnum):
    """The currencies Paigo accepts."""

    USD = "USD"
    EUR = "EUR"
    CNY = "CNY"


class PaymentChannel(StrEnum):
    """How a customer pays: through Stripe, or outside Paigo (`MANUAL`)."""

    STRIPE = "Stripe"
    MANUAL = "manual"


class TaxExempt(StrEnum):
    """A customer's tax exemption."""

    EXEMPT = "exempt"
    NONE = "none"


class BillParent(StrEnum):
    """Whether a parent customer is billed for a child's invoices."""

    AGGREGATED = "aggregated"
    SEPARATE = "separate"


class InvoiceStatus(StrEnum):
    """An invoice's state."""

    DRAFT = "Draft"
    OPEN = "Open"
    PAID = "Paid"
    VOIDED = "Voided"


class InvoiceType(StrEnum):
    """How an invoice was created."""

    TOPUP = "TOPUP"
    MANUAL = "MANUAL"
    RECURRING = "RECURRING"


class InvoicePaymentTerm(StrEnum):
    """Days until an invoice is past due; `NONE` (`""`) means no term."""

    NET_30 = "30"
    NET_60 = "60"
    NONE = ""


class PaymentType(StrEnum):
    """How an invoice payment was made."""

    STRIPE = "Stripe"
    CREDIT = "Credit"


class RefundReason(StrEnum):
    """Why a Stripe refund is made."""

    DUPLICATE = "duplicate"
    FRAUDULENT = "fraudulent"
    REQUESTED_BY_CUSTOMER = "requested_by_customer"


class WebhookType(StrEnum):
    """The events a webhook can subscribe to."""

    INVOICE_CREATED = "INVOICE_CREATED"
    INVOICE_PAID = "INVOICE_PAID"
    STRIPE_PAYMENT_FAILED = "STRIPE_PAYMENT_FAILED"
    CUSTOMER_CREATED = "CUSTOMER_CREATED"
    CUSTOMER_UPDATED = "CUSTOMER_UPDATED"
    ENTITLEMENT = "ENTITLEMENT"
    INVOICE_SENT = "INVOICE_SENT"


class WebhookEnvironment(StrEnum):
    """The environment a webhook subscription belongs to."""

    PRODUCTION = "production"
    SANDBOX = "sandbox"


class MeasurementMode(StrEnum):
    """How a measurement collects usage automatically."""

    INFRASTRUCTURE_BASED = "infrastructureBased"
    AGENT_BASED = "agentBased"
    DATASTORE_BASED = "datastoreBased"
