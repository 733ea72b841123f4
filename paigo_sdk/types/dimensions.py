"""Models for dimensions: Paigo's billable metrics, their units, prices and tiers."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import model_validator

from paigo_sdk._wire import CONSUMPTION_UNITS
from paigo_sdk.types._base import (
    BoolString,
    DecimalString,
    Entitlement,
    Metadata,
    NonNegative,
    OpenEnum,
    PaigoModel,
    ParamsModel,
    Positive,
    PositiveWhole,
    UpperBound,
)
from paigo_sdk.types.enums import (
    AggregationInterval,
    AggregationMethod,
    ConsumptionUnitType,
    PaymentSchedule,
    Rounding,
    SampleType,
)
from paigo_sdk.types.measurements import Measurement

__all__ = [
    "ConsumptionUnit",
    "ConsumptionUnitParams",
    "Dimension",
    "DimensionCreateParams",
    "DimensionCreateResponse",
    "DimensionDeleteResponse",
    "DimensionOverride",
    "DimensionOverrideParams",
    "DimensionTier",
    "DimensionTierParams",
    "DimensionTiersGroupByMetadata",
    "DimensionTiersGroupByMetadataParams",
    "DimensionUpdateParams",
]


class ConsumptionUnitParams(ParamsModel):
    """The unit usage is measured in, e.g. `{"type": "time", "unit": "minute"}`."""

    type: ConsumptionUnitType
    unit: str
    """`count-based` for count; `second`..`day` for time; `byte`..`gibibyte` for data."""

    @model_validator(mode="after")
    def _unit_matches_type(self) -> ConsumptionUnitParams:
        allowed = CONSUMPTION_UNITS[self.type]
        if self.unit not in allowed:
            raise ValueError(
                f"unit {self.unit!r} is not a {self.type.value} unit; use one of {list(allowed)}"
            )
        return self


class ConsumptionUnit(PaigoModel):
    """The unit a dimension's usage is measured in."""

    type: OpenEnum[ConsumptionUnitType]
    unit: str


class DimensionTierParams(ParamsModel):
    """One tier of a graduated price."""

    tier_position: Annotated[DecimalString, PositiveWhole]
    """1, 2, ...: contiguous from 1 (a string on the wire)."""
    upper_bound: UpperBound
    """Inclusive upper limit, a multiple of the usage increment; `INFINITY` only for the last."""
    unit_price: Annotated[DecimalString, NonNegative] | None = None
    """Price per usage increment within this tier (a string on the wire)."""
    tier_name: str | None = None
    """The invoice label for this tier."""


class DimensionTier(PaigoModel):
    """One tier of a graduated price, as returned by Paigo."""

    tier_position: DecimalString
    upper_bound: UpperBound
    unit_price: DecimalString | None = None
    tier_name: str | None = None


class DimensionTiersGroupByMetadataParams(ParamsModel):
    """A tier set applied to usage whose metadata matches `metadata_groups`."""

    metadata_groups: dict[str, Any]
    tiers: list[DimensionTierParams]


class DimensionTiersGroupByMetadata(PaigoModel):
    """A tier set applied to usage whose metadata matches `metadata_groups`."""

    metadata_groups: dict[str, Any]
    tiers: list[DimensionTier]


class DimensionOverrideParams(ParamsModel):
    """A per-offering or per-customer price for one dimension (structure must not change)."""

    dimension_id: str
    consumption_price: Annotated[DecimalString, NonNegative] | None = None
    tiers: list[DimensionTierParams] | None = None
    tiers_group_by_metadata: list[DimensionTiersGroupByMetadataParams] | None = None


class DimensionOverride(PaigoModel):
    """A per-offering or per-customer price for one dimension."""

    dimension_id: str
    consumption_price: DecimalString | None = None
    tiers: list[DimensionTier] | None = None
    tiers_group_by_metadata: list[DimensionTiersGroupByMetadata] | None = None


class _DimensionFields(ParamsModel):
    usage_entitlement: Annotated[Entitlement, NonNegative] | None = None
    """Amount included in a subscription: a number, or `INFINITY` for unlimited."""
    overage_allowed: BoolString | None = None
    """Whether usage beyond the entitlement is allowed and billed (`"true"`/`"false"` on wire)."""
    consumption_price: Annotated[DecimalString, NonNegative] | None = None
    """Price per usage increment (a string on the wire)."""
    aggregation_interval: AggregationInterval | None = None
    aggregation_method: AggregationMethod | None = None
    measurement_id: str | None = None
    sample_type: SampleType | None = None
    payment_schedule: PaymentSchedule | None = None
    metadata: Metadata | None = None
    tiers: list[DimensionTierParams] | None = None
    tiers_group_by_metadata: list[DimensionTiersGroupByMetadataParams] | None = None


class DimensionCreateParams(_DimensionFields):
    """The body of `POST /dimensions`."""

    dimension_name: str
    consumption_unit: ConsumptionUnitParams
    usage_increment: Annotated[DecimalString, Positive]
    """The size of one billable chunk, in consumption units (a string on the wire)."""
    rounding: Rounding


class DimensionUpdateParams(_DimensionFields):
    """The body of `PUT /dimensions/{dimensionId}`: only the fields given are sent.

    `tiers=None` removes the tiers; a list replaces them; `metadata=None` removes all metadata.
    """

    clearable: ClassVar[frozenset[str] | None] = frozenset(
        {
            "usage_entitlement",
            "overage_allowed",
            "consumption_price",
            "measurement_id",
            "sample_type",
            "metadata",
            "tiers",
            "tiers_group_by_metadata",
        }
    )

    dimension_name: str | None = None
    consumption_unit: ConsumptionUnitParams | None = None
    usage_increment: Annotated[DecimalString, Positive] | None = None
    rounding: Rounding | None = None


class Dimension(PaigoModel):
    """A dimension (product item): what is metered, in which unit, and at what price."""

    dimension_id: str
    dimension_name: str
    consumption_unit: ConsumptionUnit
    usage_increment: DecimalString
    """The size of one billable chunk, in consumption units."""
    rounding: OpenEnum[Rounding]
    usage_entitlement: Entitlement | None = None
    """Amount included in a subscription; `INFINITY` means unlimited."""
    overage_allowed: BoolString | None = None
    consumption_price: DecimalString | None = None
    """Price per usage increment."""
    aggregation_interval: OpenEnum[AggregationInterval] | None = None
    aggregation_method: OpenEnum[AggregationMethod] | None = None
    measurement: Measurement | None = None
    sample_type: OpenEnum[SampleType] | None = None
    payment_schedule: OpenEnum[PaymentSchedule] | None = None
    metadata: dict[str, Any] | None = None
    tiers: list[DimensionTier] | None = None
    tiers_group_by_metadata: list[DimensionTiersGroupByMetadata] | None = None


class DimensionCreateResponse(PaigoModel):
    """The reply to creating or updating a dimension: `{message, dimensionId}`."""

    message: str | None = None
    dimension_id: str


class DimensionDeleteResponse(PaigoModel):
    """The reply to deleting a dimension."""

    message: str | None = None
    dimension_id: str | None = None
