"""Models for offerings: Paigo's pricing plans, which bundle dimensions with fees and credits."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field, field_validator

from paigo_sdk.types._base import (
    DecimalNumber,
    DecimalString,
    Fraction,
    Metadata,
    NonNegative,
    OpenEnum,
    PaigoModel,
    ParamsModel,
    Positive,
    PositiveWhole,
)
from paigo_sdk.types.dimensions import Dimension, DimensionOverride, DimensionOverrideParams
from paigo_sdk.types.enums import BillingCycle, Currency, OfferingType, OfferingVisibility

__all__ = [
    "Offering",
    "OfferingCreateParams",
    "OfferingCreateResponse",
    "OfferingDeleteResponse",
    "OfferingUpdateParams",
]


class _OfferingFields(ParamsModel):
    offering_visibility: OfferingVisibility | None = None
    offering_type: OfferingType | None = None
    billing_cycle: BillingCycle | None = None
    currency: Currency | None = None
    dimension_ids: list[str] | None = None
    dimension_overrides: list[DimensionOverrideParams] | None = None
    prepaid_credit: Annotated[DecimalString, NonNegative] | None = None
    """Credit added to the wallet on enrolment (a string on the wire)."""
    minimum_charge: Annotated[DecimalString, Positive] | None = None
    """The minimum bill of a usage-based offering (a string on the wire; `None` sends null)."""
    top_up_amount: Annotated[DecimalString, Positive] | None = None
    """The wallet level a top-up offering recharges to (a string on the wire)."""
    top_up_threshold: Annotated[DecimalString, Fraction] | None = None
    """The recharge trigger as a fraction of `top_up_amount`, 0 to 1 (a string on the wire)."""
    subscription_price: Annotated[DecimalNumber, NonNegative] | None = None
    """The fixed price per billing cycle (a JSON number on the wire)."""
    free_trial_length: Annotated[DecimalString, PositiveWhole] | None = None
    """The free-trial length in days (a string on the wire)."""
    metadata: Metadata | None = None


class OfferingCreateParams(_OfferingFields):
    """The body of `POST /offerings`."""

    offering_name: str


class OfferingUpdateParams(_OfferingFields):
    """The body of `PUT /offerings/{offeringId}`: only the fields given are sent."""

    clearable: ClassVar[frozenset[str] | None] = frozenset(
        {
            "billing_cycle",
            "dimension_overrides",
            "subscription_price",
            "prepaid_credit",
            "minimum_charge",
            "top_up_amount",
            "top_up_threshold",
            "free_trial_length",
            "metadata",
        }
    )

    offering_name: str | None = None


class Offering(PaigoModel):
    """An offering (pricing plan) as Paigo returns it, with its dimensions embedded."""

    offering_id: str
    offering_name: str
    dimensions: list[Dimension] = Field(default_factory=list)
    offering_visibility: OpenEnum[OfferingVisibility] | None = None
    offering_type: OpenEnum[OfferingType] | None = None
    billing_cycle: OpenEnum[BillingCycle] | None = None
    currency: OpenEnum[Currency] | None = None
    dimension_overrides: list[DimensionOverride] | None = None
    prepaid_credit: DecimalString | None = None
    minimum_charge: DecimalString | None = None
    top_up_amount: DecimalString | None = None
    top_up_threshold: DecimalString | None = None
    subscription_price: DecimalNumber | None = None
    free_trial_length: DecimalString | None = None
    metadata: dict[str, Any] | None = None

    @field_validator("dimensions", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class OfferingCreateResponse(PaigoModel):
    """The reply to creating or updating an offering: `{message, offeringId}`."""

    message: str | None = None
    offering_id: str


class OfferingDeleteResponse(PaigoModel):
    """The reply to deleting an offering."""

    message: str | None = None
    offering_id: str | None = None
