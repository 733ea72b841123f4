"""The enumerations of Paigo's API v1.10, each a `StrEnum` whose values are the wire values.

They are defined once, in the SDK's wire grammar (`paigo_sdk._wire`), and re-exported here.
"""

from __future__ import annotations

from paigo_sdk._wire import (
    AggregationInterval,
    AggregationMethod,
    AggregationPurpose,
    BillingCycle,
    BillParent,
    ConsumptionUnitType,
    Currency,
    InvoicePaymentTerm,
    InvoiceStatus,
    InvoiceType,
    MeasurementMode,
    OfferingType,
    OfferingVisibility,
    PaymentChannel,
    PaymentSchedule,
    PaymentType,
    RefundReason,
    Rounding,
    SampleType,
    TaxExempt,
    WebhookEnvironment,
    WebhookType,
)

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
