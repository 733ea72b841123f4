"""Operations on the catalog: dimensions, offerings and measurements."""

from __future__ import annotations

import copy
import dataclasses
from decimal import Decimal

from simulator.engine import catalog, reads
from simulator.engine.context import Ctx
from simulator.engine.operations._shared import Metadata, given, raise_if
from simulator.engine.state import (
    UNSET,
    ConsumptionUnit,
    Dimension,
    DimensionOverride,
    Measurement,
    Offering,
    Tier,
    TierGroup,
    Unset,
)


def _cycle(value: str | None | Unset, default: str | None) -> str | None:
    if isinstance(value, Unset):
        return default
    return value or None


def create_dimension(
    ctx: Ctx,
    *,
    dimension_name: str,
    consumption_unit: ConsumptionUnit,
    usage_increment: Decimal,
    rounding: str,
    usage_entitlement: Decimal | None = None,
    overage_allowed: bool | None = None,
    consumption_price: Decimal | None = None,
    aggregation_interval: str | None = None,
    aggregation_method: str | None = None,
    measurement_id: str | None = None,
    sample_type: str | None = None,
    payment_schedule: str | None = None,
    metadata: Metadata | None = None,
    tiers: list[Tier] | None = None,
    tiers_group_by_metadata: list[TierGroup] | None = None,
) -> Dimension:
    """Create a dimension and return it.

    Raises:
        Invalid: a tier rule (B5) or a field rule is broken.
        NotFound: `measurement_id` names no measurement.
    """
    dimension = Dimension(
        dimension_id="",
        dimension_name=dimension_name,
        consumption_unit=copy.deepcopy(consumption_unit),
        usage_increment=usage_increment,
        rounding=rounding,
        usage_entitlement=usage_entitlement,
        overage_allowed=overage_allowed,
        consumption_price=consumption_price,
        aggregation_interval=aggregation_interval or "hour",
        aggregation_method=aggregation_method or "max",
        measurement_id=measurement_id,
        sample_type=sample_type,
        payment_schedule=payment_schedule or "arrear",
        metadata=catalog.patch_metadata({}, metadata or {}),
        tiers=copy.deepcopy(tiers),
        tiers_group_by_metadata=copy.deepcopy(tiers_group_by_metadata),
    )
    raise_if(catalog.check_dimension(ctx.state, dimension))
    # Draw the id only once the request is valid: a rejected call changes no state,
    # not even the seeded id sequence.
    dimension.dimension_id = ctx.state.ids.uuid()
    ctx.state.dimensions[dimension.dimension_id] = dimension
    return dimension


def list_dimensions(ctx: Ctx) -> list[Dimension]:
    """Return every dimension, oldest first."""
    return list(ctx.state.dimensions.values())


def read_dimensions(ctx: Ctx) -> list[reads.DimensionRead]:
    """Return every dimension with its measurement, oldest first (the read model of the list)."""
    return [reads.dimension_read(ctx.state, d) for d in ctx.state.dimensions.values()]


def read_dimension(ctx: Ctx, dimension_id: str) -> reads.DimensionRead:
    """Return one dimension with its measurement.

    Raises:
        NotFound: no such dimension.
    """
    return reads.dimension_read(ctx.state, catalog.get_dimension(ctx.state, dimension_id))


def retrieve_dimension(ctx: Ctx, dimension_id: str) -> Dimension:
    """Return one dimension.

    Raises:
        NotFound: no such dimension.
    """
    return catalog.get_dimension(ctx.state, dimension_id)


def update_dimension(
    ctx: Ctx,
    dimension_id: str,
    *,
    dimension_name: str | Unset = UNSET,
    consumption_unit: ConsumptionUnit | Unset = UNSET,
    usage_increment: Decimal | Unset = UNSET,
    rounding: str | Unset = UNSET,
    usage_entitlement: Decimal | None | Unset = UNSET,
    overage_allowed: bool | None | Unset = UNSET,
    consumption_price: Decimal | None | Unset = UNSET,
    aggregation_interval: str | Unset = UNSET,
    aggregation_method: str | Unset = UNSET,
    measurement_id: str | None | Unset = UNSET,
    sample_type: str | None | Unset = UNSET,
    payment_schedule: str | Unset = UNSET,
    metadata: Metadata | None | Unset = UNSET,
    tiers: list[Tier] | None | Unset = UNSET,
    tiers_group_by_metadata: list[TierGroup] | None | Unset = UNSET,
) -> Dimension:
    """Change the given fields of a dimension and return it.

    `metadata` is a patch: a key mapped to None is removed, None removes every key.
    `tiers` replaces the whole list; None removes the tiers.

    Raises:
        NotFound: no such dimension or measurement.
        Invalid: the result would break a tier or field rule.
    """
    current = catalog.get_dimension(ctx.state, dimension_id)
    changes = given(
        dimension_name=dimension_name,
        consumption_unit=consumption_unit,
        usage_increment=usage_increment,
        rounding=rounding,
        usage_entitlement=usage_entitlement,
        overage_allowed=overage_allowed,
        consumption_price=consumption_price,
        aggregation_interval=aggregation_interval,
        aggregation_method=aggregation_method,
        measurement_id=measurement_id,
        sample_type=sample_type,
        payment_schedule=payment_schedule,
        tiers=tiers,
        tiers_group_by_metadata=tiers_group_by_metadata,
    )
    candidate = dataclasses.replace(
        current,
        **copy.deepcopy(changes),
        metadata=catalog.patch_metadata(current.metadata, metadata),
    )
    raise_if(catalog.check_dimension(ctx.state, candidate))
    ctx.state.dimensions[dimension_id] = candidate
    return candidate


def delete_dimension(ctx: Ctx, dimension_id: str) -> Dimension:
    """Delete a dimension and return what was deleted.

    Raises:
        NotFound: no such dimension.
        Conflict: offerings still use it (`Conflict("dimension", offering_ids)`).
    """
    return catalog.delete_dimension(ctx.state, dimension_id)


def create_offering(
    ctx: Ctx,
    *,
    offering_name: str,
    offering_type: str | None = None,
    subscription_price: Decimal | None = None,
    billing_cycle: str | None | Unset = UNSET,
    currency: str | None = None,
    dimension_ids: list[str] | None = None,
    dimension_overrides: list[DimensionOverride] | None = None,
    offering_visibility: str | None = None,
    prepaid_credit: Decimal | None = None,
    minimum_charge: Decimal | None = None,
    top_up_amount: Decimal | None = None,
    top_up_threshold: Decimal | None = None,
    free_trial_length: int | None = None,
    metadata: Metadata | None = None,
) -> Offering:
    """Create an offering and return it.

    `billing_cycle` UNSET means `monthly`; None (or "") means no automatic billing (B7).

    Raises:
        NotFound: a dimension id names no dimension.
        Invalid: a field rule is broken (subscription price, top-up amount, threshold,
            minimum charge, an override changing price structure...).
    """
    offering = Offering(
        offering_id="",
        offering_name=offering_name,
        offering_type=offering_type or "usage-based",
        subscription_price=subscription_price,
        billing_cycle=_cycle(billing_cycle, "monthly"),
        currency=currency or "USD",
        dimension_ids=list(dimension_ids or []),
        dimension_overrides=copy.deepcopy(dimension_overrides or []),
        offering_visibility=offering_visibility or "public",
        prepaid_credit=prepaid_credit,
        minimum_charge=minimum_charge,
        top_up_amount=top_up_amount,
        top_up_threshold=top_up_threshold,
        free_trial_length=free_trial_length,
        metadata=catalog.patch_metadata({}, metadata or {}),
    )
    raise_if(catalog.check_offering(ctx.state, offering))
    offering.offering_id = ctx.state.ids.uuid()  # after validation, as for dimensions
    ctx.state.offerings[offering.offering_id] = offering
    return offering


def list_offerings(ctx: Ctx) -> list[Offering]:
    """Return every offering, oldest first."""
    return list(ctx.state.offerings.values())


def read_offerings(ctx: Ctx) -> list[reads.OfferingRead]:
    """Return every offering with its dimensions, oldest first (the read model of the list)."""
    return [reads.offering_read(ctx.state, o) for o in ctx.state.offerings.values()]


def read_offering(ctx: Ctx, offering_id: str) -> reads.OfferingRead:
    """Return one offering with its dimensions.

    Raises:
        NotFound: no such offering.
    """
    return reads.offering_read(ctx.state, catalog.get_offering(ctx.state, offering_id))


def retrieve_offering(ctx: Ctx, offering_id: str) -> Offering:
    """Return one offering.

    Raises:
        NotFound: no such offering.
    """
    return catalog.get_offering(ctx.state, offering_id)


def update_offering(
    ctx: Ctx,
    offering_id: str,
    *,
    offering_name: str | Unset = UNSET,
    offering_type: str | Unset = UNSET,
    subscription_price: Decimal | None | Unset = UNSET,
    billing_cycle: str | None | Unset = UNSET,
    currency: str | Unset = UNSET,
    dimension_ids: list[str] | Unset = UNSET,
    dimension_overrides: list[DimensionOverride] | None | Unset = UNSET,
    offering_visibility: str | Unset = UNSET,
    prepaid_credit: Decimal | None | Unset = UNSET,
    minimum_charge: Decimal | None | Unset = UNSET,
    top_up_amount: Decimal | None | Unset = UNSET,
    top_up_threshold: Decimal | None | Unset = UNSET,
    free_trial_length: int | None | Unset = UNSET,
    metadata: Metadata | None | Unset = UNSET,
) -> Offering:
    """Change the given fields of an offering and return it (metadata is a patch).

    Raises:
        NotFound: no such offering or dimension.
        Invalid: the result would break a field rule.
    """
    current = catalog.get_offering(ctx.state, offering_id)
    changes = given(
        offering_name=offering_name,
        offering_type=offering_type,
        subscription_price=subscription_price,
        currency=currency,
        dimension_ids=dimension_ids,
        offering_visibility=offering_visibility,
        prepaid_credit=prepaid_credit,
        minimum_charge=minimum_charge,
        top_up_amount=top_up_amount,
        top_up_threshold=top_up_threshold,
        free_trial_length=free_trial_length,
    )
    if not isinstance(billing_cycle, Unset):
        changes["billing_cycle"] = _cycle(billing_cycle, None)
    if not isinstance(dimension_overrides, Unset):
        changes["dimension_overrides"] = dimension_overrides or []
    candidate = dataclasses.replace(
        current,
        **copy.deepcopy(changes),
        metadata=catalog.patch_metadata(current.metadata, metadata),
    )
    raise_if(catalog.check_offering(ctx.state, candidate))
    ctx.state.offerings[offering_id] = candidate
    return candidate


def delete_offering(ctx: Ctx, offering_id: str) -> Offering:
    """Delete an offering and return what was deleted.

    Raises:
        NotFound: no such offering.
        Conflict: customers are enrolled in it (`Conflict("offering", customer_ids)`).
    """
    return catalog.delete_offering(ctx.state, offering_id)


def create_measurement(
    ctx: Ctx,
    *,
    measurement_mode: str,
    measurement_configuration: Metadata,
    measurement_name: str | None = None,
) -> Measurement:
    """Store a measurement configuration and return it (no metering runs)."""
    measurement = Measurement(
        measurement_id=ctx.state.ids.uuid(),
        measurement_mode=measurement_mode,
        measurement_configuration=copy.deepcopy(measurement_configuration),
        measurement_name=measurement_name,
    )
    ctx.state.measurements[measurement.measurement_id] = measurement
    return measurement


def list_measurements(ctx: Ctx) -> list[Measurement]:
    """Return every measurement, oldest first."""
    return list(ctx.state.measurements.values())


def retrieve_measurement(ctx: Ctx, measurement_id: str) -> Measurement:
    """Return one measurement.

    Raises:
        NotFound: no such measurement.
    """
    return catalog.get_measurement(ctx.state, measurement_id)


def update_measurement(
    ctx: Ctx,
    measurement_id: str,
    *,
    measurement_mode: str,
    measurement_name: str,
    measurement_configuration: Metadata | Unset = UNSET,
) -> Measurement:
    """Change a measurement; the configuration's given keys replace the stored ones.

    Raises:
        NotFound: no such measurement.
    """
    measurement = catalog.get_measurement(ctx.state, measurement_id)
    measurement.measurement_mode = measurement_mode
    measurement.measurement_name = measurement_name
    if not isinstance(measurement_configuration, Unset):
        measurement.measurement_configuration.update(copy.deepcopy(measurement_configuration))
    return measurement


def delete_measurement(ctx: Ctx, measurement_id: str) -> Measurement:
    """Delete a measurement and return it.

    Raises:
        NotFound: no such measurement.
        Invalid: a dimension still refers to it.
    """
    return catalog.delete_measurement(ctx.state, measurement_id)
