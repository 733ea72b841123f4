"""Paigo's wire grammar, defined once for the whole simulator.

The request validator (`simulator.api.parsing`, `simulator.api.schemas`) and the engine's own
checks both import their patterns, limits and lists of allowed values from here, and define none
of their own. This module imports no HTTP code and nothing else from the simulator, so the engine
may import it (tests/test_layering.py).

- Decimal strings (B1): an optional sign, ASCII digits, an optional fraction (`-12`, `0.87`); no
  exponent, no lone point (`1.`, `.5`), no padding, at most `MAX_DECIMAL_LENGTH` characters.
- Timestamps: RFC 3339 with a four-digit year, seconds and an explicit offset; `T`, `t` or a space
  between date and time (RFC 3339 section 5.6 allows the space; Pipedream's Paigo action sends it).
- Idempotency keys: 1 to `MAX_IDEMPOTENCY_KEY_LENGTH` printable ASCII characters without spaces
  or commas.
- Enumerations: each a `Literal` type for the engine's fields and a tuple of its wire values.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Final, Literal, get_args

__all__ = [
    "ACCOUNT_STATES",
    "AGGREGATION_INTERVALS",
    "AGGREGATION_METHODS",
    "AGGREGATION_PURPOSES",
    "BILLING_CYCLES",
    "BILL_PARENTS",
    "BOOL_STRINGS",
    "CONSUMPTION_UNITS",
    "CURRENCIES",
    "DECIMAL_PATTERN",
    "FREE_DIMENSION_DISPLAYS",
    "INFINITY_TEXT",
    "INVOICE_APPROVALS",
    "INVOICE_EVENT_TYPES",
    "INVOICE_GENERATIONS",
    "INVOICE_PAYMENT_TERMS",
    "INVOICE_STATUSES",
    "INVOICE_TYPES",
    "MAX_BATCH_SIZE",
    "MAX_BODY_BYTES",
    "MAX_DECIMAL_LENGTH",
    "MAX_IDEMPOTENCY_KEY_LENGTH",
    "MAX_ID_LENGTH",
    "MAX_METADATA_BYTES",
    "MAX_METADATA_DEPTH",
    "MAX_NAME_LENGTH",
    "MAX_NUMBER",
    "MAX_STRING_LENGTH",
    "MEASUREMENT_MODES",
    "OFFERING_TYPES",
    "OFFERING_VISIBILITIES",
    "PAYMENT_CHANNELS",
    "PAYMENT_SCHEDULES",
    "REFUND_REASONS",
    "RESOURCE_TYPES",
    "ROUNDINGS",
    "SAMPLE_TYPES",
    "TAX_EXEMPTIONS",
    "TIMESTAMP_PATTERN",
    "WEBHOOK_ENVIRONMENTS",
    "WEBHOOK_TYPES",
    "AggregationMethod",
    "Interval",
    "InvoiceStatus",
    "InvoiceType",
    "Rounding",
    "is_idempotency_key",
    "parse_decimal",
    "parse_timestamp",
]

# --------------------------------------------------------------------------- limits

MAX_BODY_BYTES: Final = 1024 * 1024
MAX_ID_LENGTH: Final = 255
MAX_NAME_LENGTH: Final = 255
MAX_STRING_LENGTH: Final = 2048
MAX_DECIMAL_LENGTH: Final = 64
MAX_METADATA_BYTES: Final = 16 * 1024
MAX_METADATA_DEPTH: Final = 5
MAX_BATCH_SIZE: Final = 1000
MAX_IDEMPOTENCY_KEY_LENGTH: Final = 255
# JSON numbers beyond this magnitude are refused: no price or quantity on an invoice gets near it.
MAX_NUMBER: Final = Decimal("1e15")

INFINITY_TEXT: Final = "inf"
"""Paigo's spelling of an unlimited entitlement or an open last tier."""

# --------------------------------------------------------------------------- scalars

DECIMAL_PATTERN: Final = r"[+-]?[0-9]+(?:\.[0-9]+)?"
_DECIMAL_RE: Final = re.compile(DECIMAL_PATTERN)
TIMESTAMP_PATTERN: Final = (
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))"
)
_TIMESTAMP_RE: Final = re.compile(TIMESTAMP_PATTERN)
# The form clients send (`2026-11-24T08:00:00.000Z`): a subset of TIMESTAMP_PATTERN.
_USUAL_TIMESTAMP_RE: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-9]{2}:[0-9]{2}(?:\.[0-9]{3}|\.[0-9]{6})?Z"
)
_KEY_RE: Final = re.compile(r"[\x21-\x2b\x2d-\x7e]+")  # printable ASCII, no space, no comma


def parse_decimal(text: str) -> Decimal | None:
    """Return the Decimal of a plain decimal string (B1), or None when it is not one."""
    if len(text) > MAX_DECIMAL_LENGTH or not _DECIMAL_RE.fullmatch(text):
        return None
    return Decimal(text)


def parse_timestamp(text: str) -> datetime | None:
    """Return the aware UTC datetime of an RFC 3339 timestamp, or None when it is not one.

    A 4-digit year, seconds and an explicit offset are required; `T`, `t` or a space separates
    date and time; fractions beyond microseconds are truncated.
    """
    if _USUAL_TIMESTAMP_RE.fullmatch(text):
        # The form clients send, already checked by the pattern: the C parser reads it to the
        # same UTC datetime, or refuses what the constructor below would refuse (day 31 of a
        # 30-day month, second 60).
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None
    match = _TIMESTAMP_RE.fullmatch(text)
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


def is_idempotency_key(key: str) -> bool:
    """Whether `key` is 1 to 255 printable ASCII characters without spaces or commas."""
    return 0 < len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH and _KEY_RE.fullmatch(key) is not None


# --------------------------------------------------------------------------- enumerations
# The engine's fields are typed with the `Literal`s; the tuples are derived from them, so each list
# of values is written once.

Rounding = Literal["round", "floor", "ceiling"]
AggregationMethod = Literal["sum", "max", "min", "count", "average", "last"]
Interval = Literal["none", "hour", "day", "month"]
InvoiceStatus = Literal["Draft", "Open", "Paid", "Voided"]
InvoiceType = Literal["TOPUP", "MANUAL", "RECURRING"]

ROUNDINGS: Final[tuple[str, ...]] = get_args(Rounding)
AGGREGATION_METHODS: Final[tuple[str, ...]] = get_args(AggregationMethod)
AGGREGATION_INTERVALS: Final[tuple[str, ...]] = get_args(Interval)
INVOICE_STATUSES: Final[tuple[str, ...]] = get_args(InvoiceStatus)
INVOICE_TYPES: Final[tuple[str, ...]] = get_args(InvoiceType)

AGGREGATION_PURPOSES: Final = ("billing", "metering")
SAMPLE_TYPES: Final = ("gauge", "continious")  # Paigo's spelling
PAYMENT_SCHEDULES: Final = ("upfront", "arrear")
OFFERING_VISIBILITIES: Final = ("private", "public")
OFFERING_TYPES: Final = ("usage-based", "subscription")
BILLING_CYCLES: Final = ("monthly", "annualToDate", "topUp")
CURRENCIES: Final = ("USD", "EUR", "CNY")
PAYMENT_CHANNELS: Final = ("Stripe", "manual")
TAX_EXEMPTIONS: Final = ("exempt", "none")
REFUND_REASONS: Final = ("duplicate", "fraudulent", "requested_by_customer")
BILL_PARENTS: Final = ("aggregated", "separate")
INVOICE_PAYMENT_TERMS: Final = ("30", "60", "")
INVOICE_APPROVALS: Final = ("manual", "automatic")
FREE_DIMENSION_DISPLAYS: Final = ("show", "hide")
ACCOUNT_STATES: Final = ("sandbox", "production", "")
INVOICE_GENERATIONS: Final = ("perTransaction", "consolidatedPerBillingCycle")
WEBHOOK_ENVIRONMENTS: Final = ("production", "sandbox")
WEBHOOK_TYPES: Final = (
    "INVOICE_CREATED",
    "INVOICE_PAID",
    "STRIPE_PAYMENT_FAILED",
    "CUSTOMER_CREATED",
    "CUSTOMER_UPDATED",
    "ENTITLEMENT",
    "INVOICE_SENT",
)
INVOICE_EVENT_TYPES: Final = (
    "INVOICE_CREATED",
    "INVOICE_PAID",
    "INVOICE_SENT",
    "STRIPE_PAYMENT_FAILED",
)
"""The webhook types whose sample payload is an invoice (`GET /webhooks/invoice?status=`)."""
BOOL_STRINGS: Final = ("true", "false")
MEASUREMENT_MODES: Final = ("infrastructureBased", "agentBased", "datastoreBased")
RESOURCE_TYPES: Final = ("ebssnapshot", "ebs", "k8spod", "ec2", "ec2egress", "usageData")
# Only the export's `type` values (count, time, data); Pipedream's "time-based" / "data-based"
# aliases are rejected like any other unknown value.
CONSUMPTION_UNITS: Final[dict[str, tuple[str, ...]]] = {
    "count": ("count-based",),
    "time": ("second", "minute", "hour", "day"),
    "data": ("byte", "kilobyte", "megabyte", "gigabyte", "kibibyte", "mebibyte", "gibibyte"),
}
