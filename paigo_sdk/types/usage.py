"""Models for usage: records sent to Paigo, batch results, and the raw and aggregated views."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag

from paigo_sdk.types._base import (
    DecimalString,
    Metadata,
    PaigoModel,
    ParamsModel,
    ReadTimestamp,
    Timestamp,
)

__all__ = [
    "AggregatedUsage",
    "CustomerUsage",
    "RawUsage",
    "RawUsageRecord",
    "UsageBatchItem",
    "UsageBatchResult",
    "UsageBucket",
    "UsageRecordCreateParams",
    "UsageRecordResult",
]


class UsageRecordCreateParams(ParamsModel):
    """The body of `POST /usage`: one usage record."""

    customer_id: str = Field(min_length=1)
    dimension_id: str = Field(min_length=1)
    record_value: DecimalString
    """The amount of usage, e.g. `Decimal("0.87")` (a string on the wire; floats are rejected)."""
    timestamp: Timestamp
    """When the usage happened; must be timezone-aware."""
    metadata: Metadata | None = None
    """Key-value pairs for analytics and for matching `tiersGroupByMetadata`."""


class UsageRecordResult(PaigoModel):
    """The reply to recording one usage record."""

    message: str | None = None
    invoice_id: str | None = None
    """The invoice made by `invoice=True`, when the server reports it."""
    idempotent_replayed: bool = False
    """True when the server answered from an earlier request with the same idempotency key
    (the `Idempotent-Replayed: true` header)."""


class UsageBatchItem(PaigoModel):
    """The outcome of one element of a usage batch."""

    status: Literal["created", "replayed"] | str
    """`created`, or `replayed` when its idempotency key was seen before."""


class UsageBatchResult(PaigoModel):
    """The reply to a usage batch: one item per record, in order."""

    message: str | None = None
    results: list[UsageBatchItem] = Field(default_factory=list, alias="data")


class UsageBucket(PaigoModel):
    """One time bucket of aggregated usage."""

    value: DecimalString | None = None
    """The aggregated value, before increment rounding (a string on the wire)."""
    start_time: ReadTimestamp | None = None
    end_time: ReadTimestamp | None = None
    metadata_group: dict[str, Any] | None = None


class AggregatedUsage(PaigoModel):
    """Aggregated usage of one dimension: one bucket per time interval."""

    dimension_id: str
    offering_id: str | None = None
    usage: list[UsageBucket]


class RawUsageRecord(PaigoModel):
    """One raw usage record as stored."""

    timestamp: ReadTimestamp
    record_value: DecimalString
    metadata: dict[str, Any] | None = None


class RawUsage(PaigoModel):
    """Raw usage records of one dimension (`aggregationInterval=none`)."""

    dimension_id: str
    offering_id: str | None = None
    usage: list[RawUsageRecord]


def _usage_kind(value: Any) -> str:
    items = value.get("usage") if isinstance(value, dict) else getattr(value, "usage", None)
    if isinstance(value, RawUsage):
        return "raw"
    for item in items or ():
        if isinstance(item, dict) and "recordValue" in item:
            return "raw"
    return "aggregated"


CustomerUsage = Annotated[
    Annotated[RawUsage, Tag("raw")] | Annotated[AggregatedUsage, Tag("aggregated")],
    Discriminator(_usage_kind),
]
"""One element of a usage query: `RawUsage` for raw records, `AggregatedUsage` for buckets."""
