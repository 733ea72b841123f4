"""Paigo's wire grammar, defined once for the whole SDK.

Every request the SDK builds is checked against these rules before it is sent; the models in
`paigo_sdk.types`, the resources and the usage batcher import them from here and define none of
their own. The rules are the simulator's (which follows Paigo's OpenAPI v1.10 and its NestJS
validation); where the SDK is deliberately stricter, `docs/sdk/validation.md` says so.

- Decimal strings: an optional sign, ASCII digits, an optional fraction (`-12`, `0.87`); no
  exponent, no lone point (`1.`, `.5`), no padding, at most `MAX_DECIMAL_LENGTH` characters.
- Timestamps: RFC 3339 with a four-digit year, seconds and an explicit offset; `T`, `t` or a space
  between date and time (`2026-11-30 20:00:00Z`, as Pipedream's Paigo action sends).
- Ids: 1 to `MAX_ID_LENGTH` characters; names at most `MAX_NAME_LENGTH`; other strings at most
  `MAX_STRING_LENGTH`; no NUL character anywhere.
- Idempotency keys: 1 to `MAX_IDEMPOTENCY_KEY_LENGTH` printable ASCII characters without spaces or
  commas (commas separate the keys of a batch).
- Enumerations: each a `StrEnum` whose values are the wire values; `paigo_sdk.types.enums`
  re-exports them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Final

from paigo_sdk.errors import ClientValidationError

__all__ = [
    "BOOL_STRINGS",
    "CONSUMPTION_UNITS",
    "DECIMAL_PATTERN",
    "INFINITY_TEXT",
    "MAX_BATCH_SIZE",
    "MAX_DECIMAL_LENGTH",
    "MAX_IDEMPOTENCY_KEY_LENGTH",
    "MAX_ID_LENGTH",
    "MAX_METADATA_BYTES",
    "MAX_METADATA_DEPTH",
    "MAX_NAME_LENGTH",
    "MAX_NUMBER",
    "MAX_STRING_LENGTH",
    "TIMESTAMP_PATTERN",
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
    "check_idempotency_key",
    "format_timestamp",
    "is_idempotency_key",
    "is_plain_decimal",
    "parse_wire_timestamp",
]

# --------------------------------------------------------------------------- limits

MAX_ID_LENGTH: Final = 255
"""The longest id Paigo's wire accepts, in characters."""
MAX_NAME_LENGTH: Final = 255
"""The longest name (`customerName`, `dimensionName`, ...) Paigo's wire accepts."""
MAX_STRING_LENGTH: Final = 2048
"""The longest other string, in characters."""
MAX_DECIMAL_LENGTH: Final = 64
"""The longest decimal string, in characters."""
MAX_NUMBER: Final = Decimal("1e15")
"""The largest magnitude of a JSON number."""
MAX_METADATA_BYTES: Final = 16 * 1024
"""The largest metadata map, in bytes of compact JSON."""
MAX_METADATA_DEPTH: Final = 5
"""The deepest nesting of objects and arrays allowed in metadata."""
MAX_BATCH_SIZE: Final = 1000
"""The most records one usage batch may carry."""
MAX_IDEMPOTENCY_KEY_LENGTH: Final = 255
"""The longest idempotency key, in characters."""

INFINITY_TEXT: Final = "inf"
"""Paigo's spelling of an unlimited entitlement or an open last tier."""
BOOL_STRINGS: Final = ("true", "false")
"""The values of Paigo's string-typed flags (`overageAllowed`, `sendInvoiceEmail`)."""

# --------------------------------------------------------------------------- decimal strings

DECIMAL_PATTERN: Final = r"[+-]?[0-9]+(?:\.[0-9]+)?"
"""A plain decimal: optional sign, ASCII digits, optional fraction (the JSON Schema `pattern`)."""
_DECIMAL: Final = re.compile(DECIMAL_PATTERN)


def is_plain_decimal(text: str) -> bool:
    """Whether `text` is a plain decimal string of at most `MAX_DECIMAL_LENGTH` characters."""
    return len(text) <= MAX_DECIMAL_LENGTH and _DECIMAL.fullmatch(text) is not None


# --------------------------------------------------------------------------- timestamps

TIMESTAMP_PATTERN: Final = (
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))"
)
"""RFC 3339 date-time; a space may separate date and time (RFC 3339 section 5.6, NOTE)."""
_TIMESTAMP: Final = re.compile(TIMESTAMP_PATTERN)


def parse_wire_timestamp(text: str) -> datetime | None:
    """Return the aware UTC datetime of an RFC 3339 timestamp, or None when it is not one.

    Fractions beyond microseconds are truncated; a moment that cannot be expressed in UTC (year 1
    with a positive offset) is not a timestamp.
    """
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    try:
        if zulu:
            tz: timezone = UTC
        else:
            if int(off_h) > 23 or int(off_m) > 59:
                return None
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            tz = timezone(-offset if sign == "-" else offset)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def format_timestamp(moment: datetime) -> str:
    """Write an aware datetime as RFC 3339 UTC with milliseconds: `2026-11-24T08:00:00.000Z`.

    The year always has four digits (`0001-...`), which `strftime("%Y")` does not promise.

    Raises:
        ValueError: for a naive datetime, or one that cannot be expressed in UTC.
    """
    if moment.tzinfo is UTC:  # already UTC: nothing to convert (the usual case)
        return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{moment.isoformat()} cannot be expressed in UTC") from None
    return utc.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


# --------------------------------------------------------------------------- idempotency keys

_KEY: Final = re.compile(r"[\x21-\x2b\x2d-\x7e]{1,255}")  # MAX_IDEMPOTENCY_KEY_LENGTH


def is_idempotency_key(key: object) -> bool:
    """Whether `key` can travel in an `Idempotency-Key` header, alone or in a batch of keys."""
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


def check_idempotency_key(key: object) -> str:
    """Return `key` when it is a valid idempotency key.

    Raises:
        ClientValidationError: unless `key` is 1 to 255 printable ASCII characters without
            commas or spaces.
    """
    if not is_idempotency_key(key):
        raise ClientValidationError(
            f"idempotency keys must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII "
            f"characters without commas or spaces, got {key!r}"
        )
    assert isinstance(key, str)
    return key


# --------------------------------------------------------------------------- enumerations


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


CONSUMPTION_UNITS: Final[dict[ConsumptionUnitType, tuple[str, ...]]] = {
    ConsumptionUnitType.COUNT: ("count-based",),
    ConsumptionUnitType.TIME: ("second", "minute", "hour", "day"),
    ConsumptionUnitType.DATA: (
        "byte",
        "kilobyte",
        "megabyte",
        "gigabyte",
        "kibibyte",
        "mebibyte",
        "gibibyte",
    ),
}
"""The units of each consumption unit type, as Paigo's OpenAPI export lists them."""
