"""Dimensions, offerings and measurements, with the business rules of API notes section 3."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from simulator import wire
from simulator.engine.errors import Conflict, Invalid, NotFound
from simulator.engine.state import (
    Dimension,
    DimensionOverride,
    Measurement,
    Offering,
    State,
    Tier,
    TierGroup,
    Unset,
)

__all__ = [
    "check_dimension",
    "check_offering",
    "check_overrides",
    "check_tiers",
    "delete_dimension",
    "delete_measurement",
    "delete_offering",
    "get_dimension",
    "get_measurement",
    "get_offering",
    "patch_metadata",
]

ROUNDINGS = wire.ROUNDINGS
METHODS = wire.AGGREGATION_METHODS
INTERVALS = wire.AGGREGATION_INTERVALS
SCHEDULES = wire.PAYMENT_SCHEDULES
OFFERING_TYPES = wire.OFFERING_TYPES
CYCLES = wire.BILLING_CYCLES
CURRENCIES = wire.CURRENCIES


def get_dimension(state: State, dimension_id: str) -> Dimension:
    """Return a dimension.

    Raises:
        NotFound: no such dimension.
    """
    found = state.dimensions.get(dimension_id)
    if found is None:
        raise NotFound("dimension", dimension_id)
    return found


def get_offering(state: State, offering_id: str) -> Offering:
    """Return an offering.

    Raises:
        NotFound: no such offering.
    """
    found = state.offerings.get(offering_id)
    if found is None:
        raise NotFound("offering", offering_id)
    return found


def get_measurement(state: State, measurement_id: str) -> Measurement:
    """Return a measurement.

    Raises:
        NotFound: no such measurement.
    """
    found = state.measurements.get(measurement_id)
    if found is None:
        raise NotFound("measurement", measurement_id)
    return found


def patch_metadata(current: dict[str, Any], patch: dict[str, Any] | None | Unset) -> dict[str, Any]:
    """Apply Paigo's metadata semantics: a key set to None is removed, None removes every key."""
    if isinstance(patch, Unset):
        return current
    if patch is None:
        return {}
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def check_tiers(tiers: Sequence[Tier], increment: Any, where: str) -> list[str]:
    """Return the B5 violations of a tier list: positions 1..n, `inf` last, bounds increasing
    multiples of the increment, a unit price on every tier."""
    errors: list[str] = []
    if not tiers:
        return [f"{where} must not be empty"]
    ordered = sorted(tiers, key=lambda t: t.tier_position)
    if [t.tier_position for t in ordered] != list(range(1, len(ordered) + 1)):
        errors.append(f"{where}.tierPosition must number the tiers 1..n without gaps")
    previous = None
    for position, tier in enumerate(ordered, start=1):
        bound = tier.upper_bound
        if bound.is_infinite():
            if position != len(ordered):
                errors.append(f"{where}.upperBound may be inf only on the last tier")
        else:
            if bound <= 0:
                errors.append(f"{where}.upperBound must be greater than 0")
            elif increment > 0 and bound % increment != 0:
                errors.append(f"{where}.upperBound must be a multiple of usageIncrement")
            if previous is not None and bound <= previous:
                errors.append(f"{where}.upperBound must increase strictly with tierPosition")
            previous = bound
        if tier.unit_price is None:
            errors.append(f"{where}.unitPrice is required")
        elif tier.unit_price < 0:
            errors.append(f"{where}.unitPrice must not be negative")
    return errors


def _check_groups(groups: Sequence[TierGroup], increment: Any, where: str) -> list[str]:
    errors: list[str] = []
    if not groups:
        errors.append(f"{where} must not be empty")
    for group in groups:
        if not group.metadata_groups:
            errors.append(f"{where}.metadataGroups must not be empty")
        errors += check_tiers(group.tiers, increment, f"{where}.tiers")
    return errors


def check_dimension(state: State, d: Dimension) -> list[str]:
    """Return every rule a dimension breaks (API notes section 3, B5, B6).

    Raises:
        NotFound: `measurement_id` names no measurement.
    """
    errors: list[str] = []
    if not d.dimension_name:
        errors.append("dimensionName must not be empty")
    if not d.usage_increment.is_finite() or d.usage_increment <= 0:
        errors.append("usageIncrement must be greater than 0")
    if d.rounding not in ROUNDINGS:
        errors.append(f"rounding must be one of: {', '.join(ROUNDINGS)}")
    if d.aggregation_method not in METHODS:
        errors.append(f"aggregationMethod must be one of: {', '.join(METHODS)}")
    if d.aggregation_interval not in INTERVALS:
        errors.append(f"aggregationInterval must be one of: {', '.join(INTERVALS)}")
    if d.payment_schedule not in SCHEDULES:
        errors.append(f"paymentSchedule must be one of: {', '.join(SCHEDULES)}")
    if d.consumption_price is not None and d.consumption_price < 0:
        errors.append("consumptionPrice must not be negative")
    if d.usage_entitlement is not None and d.usage_entitlement < 0:
        errors.append("usageEntitlement must be a number >= 0 or inf")
    flat = [
        name
        for name, value in (
            ("consumptionPrice", d.consumption_price),
            ("usageEntitlement", d.usage_entitlement),
            ("overageAllowed", d.overage_allowed),
        )
        if value is not None
    ]
    # B5: tiers cannot be combined with a flat price, an entitlement or overage.
    if d.tiers is not None:
        if flat:
            errors.append(f"tiers cannot be combined with {', '.join(flat)}")
        errors += check_tiers(d.tiers, d.usage_increment, "tiers")
    if d.tiers_group_by_metadata is not None:
        if flat or d.tiers is not None:
            errors.append(
                "tiersGroupByMetadata cannot be combined with tiers, consumptionPrice, "
                "usageEntitlement or overageAllowed"
            )
        errors += _check_groups(
            d.tiers_group_by_metadata, d.usage_increment, "tiersGroupByMetadata"
        )
    if d.measurement_id is not None:
        get_measurement(state, d.measurement_id)
    return errors


def check_overrides(
    state: State,
    overrides: Sequence[DimensionOverride],
    where: str,
    allowed: Sequence[str] | None = None,
) -> list[str]:
    """Return the rule violations of dimension overrides (B7): unique ids, structure unchanged.

    Raises:
        NotFound: an override names no dimension.
    """
    errors: list[str] = []
    seen: set[str] = set()
    for override in overrides:
        dimension = get_dimension(state, override.dimension_id)
        if override.dimension_id in seen:
            errors.append(f"{where}.dimensionId must be unique ({override.dimension_id})")
        seen.add(override.dimension_id)
        if allowed is not None and override.dimension_id not in allowed:
            errors.append(
                f"{where}.dimensionId {override.dimension_id} is not a dimension of the offering"
            )
        tiered = bool(override.tiers) or bool(override.tiers_group_by_metadata)
        if override.consumption_price is not None and tiered:
            errors.append(f"{where}: consumptionPrice cannot be combined with tiers")
        if dimension.is_tiered and override.consumption_price is not None:
            errors.append(
                f"{where} cannot change the price structure of dimension "
                f"{dimension.dimension_id} from tiered to flat"
            )
        if not dimension.is_tiered and tiered:
            errors.append(
                f"{where} cannot change the price structure of dimension "
                f"{dimension.dimension_id} from flat to tiered"
            )
        if override.consumption_price is not None and override.consumption_price < 0:
            errors.append(f"{where}.consumptionPrice must not be negative")
        if override.tiers:
            errors += check_tiers(override.tiers, dimension.usage_increment, f"{where}.tiers")
        if override.tiers_group_by_metadata:
            errors += _check_groups(
                override.tiers_group_by_metadata,
                dimension.usage_increment,
                f"{where}.tiersGroupByMetadata",
            )
    return errors


def check_offering(state: State, o: Offering) -> list[str]:
    """Return every rule an offering breaks (API notes section 3, B7, B11).

    Raises:
        NotFound: a dimension id or override names no dimension.
    """
    errors: list[str] = []
    if not o.offering_name:
        errors.append("offeringName must not be empty")
    if o.offering_type not in OFFERING_TYPES:
        errors.append(f"offeringType must be one of: {', '.join(OFFERING_TYPES)}")
    if o.billing_cycle is not None and o.billing_cycle not in CYCLES:
        errors.append(f"billingCycle must be one of: {', '.join(CYCLES)}")
    if o.currency not in CURRENCIES:
        errors.append(f"currency must be one of: {', '.join(CURRENCIES)}")
    if o.offering_type == "subscription" and o.subscription_price is None:
        errors.append("subscriptionPrice is required when offeringType is subscription")
    if o.subscription_price is not None and o.subscription_price < 0:
        errors.append("subscriptionPrice must not be negative")
    if o.billing_cycle == "topUp":
        if o.top_up_amount is None:
            errors.append("topUpAmount is required when billingCycle is topUp")
        if o.offering_type != "usage-based":
            errors.append("billingCycle topUp is only allowed for usage-based offerings")
        # B11: a top-up plan has no free trial and no minimum payment.
        if o.free_trial_length is not None:
            errors.append("freeTrialLength is not allowed when billingCycle is topUp")
        if o.minimum_charge is not None:
            errors.append("minimumCharge is not allowed when billingCycle is topUp")
    if o.top_up_amount is not None and o.top_up_amount <= 0:
        errors.append("topUpAmount must be greater than 0")
    if o.top_up_threshold is not None and not (0 <= o.top_up_threshold <= 1):
        errors.append("topUpThreshold must be between 0 and 1")
    if o.minimum_charge is not None:
        if o.minimum_charge <= 0:
            errors.append("minimumCharge must be greater than 0")
        if o.offering_type != "usage-based":
            errors.append("minimumCharge is only allowed for usage-based offerings")
    if o.prepaid_credit is not None and o.prepaid_credit < 0:
        errors.append("prepaidCredit must not be negative")
    if o.free_trial_length is not None and o.free_trial_length <= 0:
        errors.append("freeTrialLength must be a positive integer")
    if len(set(o.dimension_ids)) != len(o.dimension_ids):
        errors.append("dimensionIds must be unique")
    for dimension_id in o.dimension_ids:
        get_dimension(state, dimension_id)
    errors += check_overrides(state, o.dimension_overrides, "dimensionOverrides", o.dimension_ids)
    return errors


def delete_dimension(state: State, dimension_id: str) -> Dimension:
    """Delete a dimension that no offering uses.

    Raises:
        NotFound: no such dimension.
        Conflict: offerings use it.
    """
    dimension = get_dimension(state, dimension_id)
    users = [o.offering_id for o in state.offerings.values() if dimension_id in o.dimension_ids]
    if users:
        raise Conflict("dimension", users)
    del state.dimensions[dimension_id]
    return dimension


def delete_offering(state: State, offering_id: str) -> Offering:
    """Delete an offering no customer is enrolled in.

    Raises:
        NotFound: no such offering.
        Conflict: customers are enrolled in it.
    """
    offering = get_offering(state, offering_id)
    users = [
        c.customer_id
        for c in state.customers.values()
        if any(e.offering_id == offering_id for e in c.active_enrollments)
    ]
    if users:
        raise Conflict("offering", users)
    del state.offerings[offering_id]
    return offering


def delete_measurement(state: State, measurement_id: str) -> Measurement:
    """Delete a measurement no dimension refers to.

    Raises:
        NotFound: no such measurement.
        Invalid: dimensions refer to it.
    """
    measurement = get_measurement(state, measurement_id)
    users = [
        d.dimension_id for d in state.dimensions.values() if d.measurement_id == measurement_id
    ]
    if users:
        raise Invalid(f"measurement is used by dimensions: {', '.join(users)}")
    del state.measurements[measurement_id]
    return measurement
