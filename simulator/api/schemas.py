"""The wire schema of every request body and query, from Paigo's OpenAPI export (v1.10).

Each schema is the DTO of the same name in the export. Deliberate choices where the export is
silent or contradicts itself are noted next to the field. `null` in an optional field means "not
given" in every object except the top level of an update (`UPDATE_*`), where `null` keeps its
documented meaning (clear the field) or is refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from simulator.api.parsing import (
    MAX_BATCH_SIZE,
    Array,
    Boolean,
    DecimalString,
    Entitlement,
    Enum,
    Field,
    Id,
    Metadata,
    Number,
    NumberOrDecimalString,
    Object,
    String,
    Timestamp,
    Union,
    parse_decimal,
)
from simulator.wire import (
    AGGREGATION_INTERVALS,
    AGGREGATION_METHODS,
    BILL_PARENTS,
    BILLING_CYCLES,
    BOOL_STRINGS,
    CONSUMPTION_UNITS,
    CURRENCIES,
    INFINITY_TEXT,
    INVOICE_PAYMENT_TERMS,
    MAX_DECIMAL_LENGTH,
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
    MEASUREMENT_MODES,
    OFFERING_TYPES,
    OFFERING_VISIBILITIES,
    PAYMENT_CHANNELS,
    PAYMENT_SCHEDULES,
    REFUND_REASONS,
    RESOURCE_TYPES,
    ROUNDINGS,
    SAMPLE_TYPES,
    TAX_EXEMPTIONS,
    WEBHOOK_ENVIRONMENTS,
    WEBHOOK_TYPES,
)

__all__ = [
    "CREATE_CHILD",
    "CREATE_CREDIT",
    "CREATE_CUSTOMER",
    "CREATE_DIMENSION",
    "CREATE_INVOICE",
    "CREATE_MEASUREMENT",
    "CREATE_OFFERING",
    "CREATE_REFUND",
    "CREATE_USAGE",
    "CREATE_WEBHOOK",
    "UPDATE_CUSTOMER",
    "UPDATE_DIMENSION",
    "UPDATE_ENROLLMENT",
    "UPDATE_FREE_TRIAL",
    "UPDATE_MEASUREMENT",
    "UPDATE_OFFERING",
    "UPDATE_PROFILE",
    "USAGE_BATCH",
]

ZERO: Final = Decimal(0)

# ----------------------------------------------------------------------------- dimensions

CONSUMPTION_UNIT: Final = Union(
    "type",
    {
        kind: Object(
            {
                "type": Field(Enum((kind,)), required=True),
                "unit": Field(Enum(units), required=True),
            },
            null_is_absent=True,
        )
        for kind, units in CONSUMPTION_UNITS.items()
    },
)

# `tierPosition` is a string holding a positive whole number; `upperBound` a decimal or "inf".


def _check_upper_bound(tier: dict[str, Any], path: str, errors: list[str]) -> None:
    bound = tier.get("upper_bound")
    if bound == INFINITY_TEXT or not isinstance(bound, str):
        return
    number = parse_decimal(bound)
    if number is None:
        errors.append(f'{path}.upperBound must be a plain decimal string or "inf"')
    elif number < 0:
        errors.append(f"{path}.upperBound must not be less than 0")
    else:
        tier["upper_bound"] = number


TIER: Final = Object(
    {
        "tierName": Field(String(max_length=MAX_NAME_LENGTH)),
        "upperBound": Field(String(max_length=MAX_DECIMAL_LENGTH), required=True),
        "unitPrice": Field(DecimalString(minimum=ZERO)),
        "tierPosition": Field(DecimalString(minimum=Decimal(1), integer=True), required=True),
    },
    check_after=_check_upper_bound,
    null_is_absent=True,
)
TIERS: Final = Array(TIER, max_items=100)
TIERS_GROUP_BY_METADATA: Final = Array(
    Object(
        {
            "metadataGroups": Field(Metadata(), required=True),
            "tiers": Field(TIERS, required=True),
        },
        null_is_absent=True,
    ),
    max_items=100,
)
DIMENSION_OVERRIDE: Final = Object(
    {
        "dimensionId": Field(Id(), required=True),
        "consumptionPrice": Field(DecimalString(minimum=ZERO)),
        "tiers": Field(TIERS),
        "tiersGroupByMetadata": Field(TIERS_GROUP_BY_METADATA),
    },
    null_is_absent=True,
)
DIMENSION_OVERRIDES: Final = Array(DIMENSION_OVERRIDE, max_items=1000)

_DIMENSION_FIELDS: Final = {
    "dimensionName": Field(String(max_length=MAX_NAME_LENGTH), required=True),
    "consumptionUnit": Field(CONSUMPTION_UNIT, required=True),
    "usageIncrement": Field(DecimalString(minimum=ZERO, exclusive_minimum=True), required=True),
    "usageEntitlement": Field(Entitlement()),
    "aggregationInterval": Field(Enum(AGGREGATION_INTERVALS)),
    "aggregationMethod": Field(Enum(AGGREGATION_METHODS)),
    "measurementId": Field(Id()),
    "rounding": Field(Enum(ROUNDINGS), required=True),
    "overageAllowed": Field(Enum(BOOL_STRINGS)),
    "consumptionPrice": Field(DecimalString(minimum=ZERO)),
    "sampleType": Field(Enum(SAMPLE_TYPES)),
    "paymentSchedule": Field(Enum(PAYMENT_SCHEDULES)),
    "metadata": Field(Metadata()),
    "tiers": Field(TIERS),
    "tiersGroupByMetadata": Field(TIERS_GROUP_BY_METADATA),
}

CREATE_DIMENSION: Final = Object(_DIMENSION_FIELDS, null_is_absent=True)
# UpdateDimensionDto: every field optional; `tiers: null` removes tiers; metadata null semantics.
UPDATE_DIMENSION: Final = Object(
    {
        **{name: Field(f.schema) for name, f in _DIMENSION_FIELDS.items()},
        **{
            name: Field(_DIMENSION_FIELDS[name].schema, nullable=True)
            for name in (
                "usageEntitlement",
                "overageAllowed",
                "consumptionPrice",
                "measurementId",
                "sampleType",
                "metadata",
                "tiers",
                "tiersGroupByMetadata",
            )
        },
    }
)

# ----------------------------------------------------------------------------- offerings

_OFFERING_FIELDS: Final = {
    "offeringVisibility": Field(Enum(OFFERING_VISIBILITIES)),
    "offeringType": Field(Enum(OFFERING_TYPES)),
    # Paigo: "leave empty for no automatic billing"; "" and null both mean no billing cycle.
    "billingCycle": Field(Enum((*BILLING_CYCLES, "")), nullable=True),
    "currency": Field(Enum(CURRENCIES)),
    "dimensionOverrides": Field(DIMENSION_OVERRIDES),
    "prepaidCredit": Field(DecimalString(minimum=ZERO)),
    "minimumCharge": Field(DecimalString(minimum=ZERO, exclusive_minimum=True), nullable=True),
    "topUpAmount": Field(DecimalString(minimum=ZERO, exclusive_minimum=True)),
    "topUpThreshold": Field(DecimalString(minimum=ZERO, maximum=Decimal(1))),
    "subscriptionPrice": Field(NumberOrDecimalString(minimum=ZERO)),
    "freeTrialLength": Field(DecimalString(minimum=Decimal(1), integer=True)),
    "offeringName": Field(String(max_length=MAX_NAME_LENGTH), required=True),
    "dimensionIds": Field(Array(Id(), max_items=1000)),
    "metadata": Field(Metadata()),
}
CREATE_OFFERING: Final = Object(_OFFERING_FIELDS, null_is_absent=True)
# UpdateOfferingDto: every field optional; null clears the optional ones.
_CLEARABLE_OFFERING_FIELDS: Final = (
    "billingCycle",
    "dimensionOverrides",
    "subscriptionPrice",
    "prepaidCredit",
    "minimumCharge",
    "topUpAmount",
    "topUpThreshold",
    "freeTrialLength",
    "metadata",
)
UPDATE_OFFERING: Final = Object(
    {
        name: Field(f.schema, nullable=name in _CLEARABLE_OFFERING_FIELDS)
        for name, f in _OFFERING_FIELDS.items()
    }
)

# ----------------------------------------------------------------------------- measurements

KAFKA: Final = Object(
    {
        "securityMechanism": Field(String(), required=True),
        "username": Field(String(), required=True),
        "password": Field(String(), required=True),
        "bootstrapServerEndpoint": Field(String(), required=True),
        "topic": Field(String(), required=True),
        "dlqTopic": Field(String(), required=True),
    },
    null_is_absent=True,
)


def _configuration(required: bool) -> dict[str, Object]:
    return {
        "infrastructureBased": Object(
            {
                "iamRoleArn": Field(String(), required=required),
                "externalId": Field(String()),
                "cloudPlatform": Field(Enum(("aws",)), required=required),
                "region": Field(String(), required=required),
                "resourceType": Field(Enum(RESOURCE_TYPES), required=required),
            },
            null_is_absent=True,
        ),
        "agentBased": Object(
            {
                "iamRoleArn": Field(String(), required=required),
                "externalId": Field(String()),
                "hostingPlatform": Field(Enum(("k8spod",)), required=required),
            },
            null_is_absent=True,
        ),
        "datastoreBased": Object(
            {
                "platform": Field(Enum(("s3", "kafka")), required=required),
                "consumerDeploymentParameters": Field(KAFKA),
                "accountId": Field(String()),
            },
            null_is_absent=True,
        ),
    }


MEASUREMENT_CONFIGURATIONS: Final = _configuration(required=True)
UPDATE_MEASUREMENT_CONFIGURATIONS: Final = _configuration(required=False)

# The configuration's shape depends on `measurementMode`; handlers check it with these.
CREATE_MEASUREMENT: Final = Object(
    {
        "measurementMode": Field(Enum(MEASUREMENT_MODES), required=True),
        "measurementConfiguration": Field(Metadata(), required=True),
        "measurementName": Field(String(max_length=MAX_NAME_LENGTH)),
    },
    null_is_absent=True,
)
UPDATE_MEASUREMENT: Final = Object(
    {
        "measurementMode": Field(Enum(MEASUREMENT_MODES), required=True),
        "measurementConfiguration": Field(Metadata()),
        "measurementName": Field(String(max_length=MAX_NAME_LENGTH), required=True),
    }
)

# ----------------------------------------------------------------------------- usage

CREATE_USAGE: Final = Object(
    {
        "dimensionId": Field(Id(), required=True),
        "timestamp": Field(Timestamp(), required=True),
        "customerId": Field(Id(), required=True),
        "recordValue": Field(DecimalString(), required=True),
        "metadata": Field(Metadata()),
    },
    null_is_absent=True,
)
USAGE_BATCH: Final = Array(CREATE_USAGE, max_items=MAX_BATCH_SIZE, min_items=1)

# ----------------------------------------------------------------------------- customers

ADDRESS: Final = Object(
    {
        "countryCode": Field(String(max_length=2), required=True),
        "postalCode": Field(String(), required=True),
        "city": Field(String(), required=True),
        "streetLineOne": Field(String(), required=True),
        "streetLineTwo": Field(String(allow_empty=True)),
        "state": Field(String(max_length=2), required=True),
    },
    null_is_absent=True,
)
PAYMENT_CHANNEL_OPTIONS: Final = Object(
    {"stripeCustomerId": Field(String(max_length=MAX_ID_LENGTH, allow_empty=True))},
    null_is_absent=True,
)
# UsageForCustomerEnrollment; Paigo's examples also carry `timestamp` and `customerId`: accepted.
ENROLLMENT_USAGE: Final = Array(
    Object(
        {
            "dimensionId": Field(Id(), required=True),
            "recordValue": Field(DecimalString(), required=True),
            "metadata": Field(Metadata()),
            "timestamp": Field(Timestamp()),
            "customerId": Field(Id()),
        },
        null_is_absent=True,
    ),
    max_items=1000,
)
DISCOUNT: Final = Object(
    {
        "name": Field(String(), required=True),
        "percentage": Field(DecimalString(minimum=ZERO, maximum=Decimal(100)), required=True),
        "endDate": Field(Timestamp()),
    },
    null_is_absent=True,
)
OVERRIDES: Final = Object(
    {
        "discount": Field(DISCOUNT, nullable=True),
        "dimensionOverrides": Field(DIMENSION_OVERRIDES, nullable=True),
        "freeTrialEndDate": Field(Timestamp()),
    },
    null_is_absent=True,
)
_CUSTOMER_FIELDS: Final = {
    "currency": Field(Enum(CURRENCIES)),
    "taxExempt": Field(Enum(TAX_EXEMPTIONS)),
    "customerId": Field(Id()),
    "offeringId": Field(Id()),
    "offeringEnrollmentDate": Field(Timestamp()),
    "customerName": Field(String(max_length=MAX_NAME_LENGTH), required=True),
    "customerVatId": Field(String(allow_empty=True)),
    "email": Field(String(), required=True),
    "paymentChannel": Field(Enum(PAYMENT_CHANNELS), required=True),
    "paymentChannelOptions": Field(PAYMENT_CHANNEL_OPTIONS),
    "address": Field(ADDRESS),
    "metadata": Field(Metadata()),
    "usage": Field(ENROLLMENT_USAGE),
}
CREATE_CUSTOMER: Final = Object(_CUSTOMER_FIELDS, null_is_absent=True)
UPDATE_CUSTOMER: Final = Object(
    {
        "currency": Field(Enum(CURRENCIES)),
        "taxExempt": Field(Enum(TAX_EXEMPTIONS)),
        "freeTrialEndDate": Field(Timestamp()),
        "removePriorOffering": Field(Boolean()),
        "unenrollOffering": Field(Id()),
        "offeringId": Field(Id(), nullable=True),
        "customerName": Field(String(max_length=MAX_NAME_LENGTH)),
        "customerVatId": Field(String(allow_empty=True), nullable=True),
        "email": Field(String()),
        "paymentChannel": Field(Enum(PAYMENT_CHANNELS)),
        "paymentChannelOptions": Field(PAYMENT_CHANNEL_OPTIONS, nullable=True),
        "address": Field(ADDRESS, nullable=True),
        "metadata": Field(Metadata(), nullable=True),
        "usage": Field(ENROLLMENT_USAGE),
    }
)
UPDATE_ENROLLMENT: Final = Object(
    {
        "overrides": Field(OVERRIDES, nullable=True),
        "offeringId": Field(Id(), nullable=True),
        "removePriorOffering": Field(Boolean()),
        "unenrollOffering": Field(Id()),
        "usage": Field(ENROLLMENT_USAGE),
    }
)
UPDATE_FREE_TRIAL: Final = Object(
    {
        "offeringId": Field(Id()),
        "freeTrialEndDate": Field(Timestamp(), required=True),
        "freeTrialStartDate": Field(Timestamp()),
    }
)
CREATE_CREDIT: Final = Object(
    {
        "transactionAmount": Field(
            DecimalString(minimum=Decimal(-1_000_000_000), maximum=Decimal(1_000_000_000)),
            required=True,
        ),
        "timestamp": Field(Timestamp()),
        "metadata": Field(Metadata()),
    },
    null_is_absent=True,
)
CREATE_REFUND: Final = Object(
    {
        "reason": Field(Enum(REFUND_REASONS)),
        "amount": Field(DecimalString(minimum=ZERO, exclusive_minimum=True)),
        "refundChannelOptions": Field(
            Object(
                {"paymentIntentId": Field(String(max_length=MAX_NAME_LENGTH))}, null_is_absent=True
            ),
            required=True,
        ),
        "metadata": Field(Metadata()),
    },
    null_is_absent=True,
)
CREATE_CHILD: Final = Object({"billParent": Field(Enum(BILL_PARENTS))}, null_is_absent=True)

# ----------------------------------------------------------------------------- invoices

INVOICE_ITEM: Final = Object(
    {
        "name": Field(String(), required=True),
        "quantity": Field(Number(minimum=ZERO), required=True),
        "unitCost": Field(Number(), required=True),
        "description": Field(String(max_length=2048, allow_empty=True)),
    },
    null_is_absent=True,
)
CREATE_INVOICE: Final = Object(
    {
        "customerId": Field(Id(), required=True),
        "items": Field(Array(INVOICE_ITEM, max_items=1000), required=True),
        "invoiceDate": Field(Timestamp()),
        "currency": Field(Enum(CURRENCIES)),
        "invoicePaymentTerm": Field(Enum(INVOICE_PAYMENT_TERMS)),
        "storePaymentAsCredit": Field(Boolean()),
    },
    null_is_absent=True,
)

# ----------------------------------------------------------------------------- webhooks, settings

CREATE_WEBHOOK: Final = Object(
    {
        "hookUrl": Field(String(), required=True),
        "securityKey": Field(String()),
        "environment": Field(Enum(WEBHOOK_ENVIRONMENTS)),
        "webhookType": Field(Enum(WEBHOOK_TYPES), required=True),
        "offeringId": Field(Id()),
    },
    null_is_absent=True,
)
UPDATE_PROFILE: Final = Object(
    {
        "sendInvoiceEmail": Field(Enum(BOOL_STRINGS)),
        "businessName": Field(String(max_length=255, allow_empty=True)),
        "addressLine1": Field(String(allow_empty=True)),
        "addressLine2": Field(String(allow_empty=True)),
        "city": Field(String(allow_empty=True)),
        "state": Field(String(allow_empty=True)),
        "country": Field(String(allow_empty=True)),
        "postalCode": Field(String(allow_empty=True)),
        "supportEmail": Field(String(allow_empty=True)),
        "redirectionUrl": Field(String(allow_empty=True)),
    }
)
