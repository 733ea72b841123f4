"""Dimensions (Paigo's product items): list, create, retrieve, update, delete."""

from __future__ import annotations

from typing import Any

from simulator.api import replies, schemas, views
from simulator.api.call import Call
from simulator.api.messages import ApiResponse
from simulator.engine import (
    INFINITY,
    ConsumptionUnit,
    DimensionOverride,
    Tier,
    TierGroup,
)

__all__ = [
    "create_dimension",
    "delete_dimension",
    "list_dimensions",
    "retrieve_dimension",
    "to_engine_fields",
    "to_overrides",
    "update_dimension",
]


def list_dimensions(call: Call) -> ApiResponse:
    """List every dimension, oldest first (Paigo: `GET /dimensions`)."""
    data = [views.dimension(d) for d in call.engine.read_dimensions()]
    return replies.listing("Dimensions retrieved successfully", data)


def create_dimension(call: Call) -> ApiResponse:
    """Create a dimension (Paigo: `POST /dimensions`); replies 201 `{message, dimensionId}`.

    Raises:
        BadRequest: the body fails wire validation.
        Invalid: a tier or pricing rule is broken (B5).
        NotFound: `measurementId` names no measurement.
    """
    params = call.body(schemas.CREATE_DIMENSION)
    created = call.engine.create_dimension(**to_engine_fields(params))
    return replies.created(
        {"message": "Dimension created successfully", "dimensionId": created.dimension_id}
    )


def retrieve_dimension(call: Call) -> ApiResponse:
    """Return one dimension as a one-element `data` list (Paigo: `GET /dimensions/{dimensionId}`).

    Raises:
        NotFound: no such dimension (`No Dimensions found with ID: <id>`).
    """
    found = call.engine.read_dimension(call.params["dimensionId"])
    return replies.one("Dimension retrieved successfully", views.dimension(found))


def update_dimension(call: Call) -> ApiResponse:
    """Update a dimension (Paigo: `PUT /dimensions/{dimensionId}`).

    `tiers: null` removes the tiers, a `tiers` array replaces them; metadata keys set to null are
    removed and `metadata: null` clears it.

    Raises:
        BadRequest: the body fails wire validation.
        NotFound: no such dimension or measurement.
        Invalid: the update would break a tier or pricing rule.
    """
    dimension_id = call.params["dimensionId"]
    params = call.body(schemas.UPDATE_DIMENSION)
    updated = call.engine.update_dimension(dimension_id, **to_engine_fields(params))
    return replies.ok(
        {"message": "Dimension updated successfully", "dimensionId": updated.dimension_id}
    )


def delete_dimension(call: Call) -> ApiResponse:
    """Delete a dimension (Paigo: `DELETE /dimensions/{dimensionId}`); replies `{message}`.

    Raises:
        NotFound: no such dimension.
        Conflict: offerings still use it (Paigo's 409 text lists their ids).
    """
    call.engine.delete_dimension(call.params["dimensionId"])
    return replies.ok({"message": "Dimension deleted successfully"})


# ----------------------------------------------------------------------------- helpers


def to_tiers(raw: list[dict[str, Any]] | None) -> list[Tier] | None:
    """Convert validated tier objects to engine tiers (`"inf"` becomes INFINITY)."""
    if raw is None:
        return None
    return [
        Tier(
            tier_position=int(t["tier_position"]),
            upper_bound=INFINITY if t["upper_bound"] == "inf" else t["upper_bound"],
            unit_price=t.get("unit_price"),
            tier_name=t.get("tier_name"),
        )
        for t in raw
    ]


def to_tier_groups(raw: list[dict[str, Any]] | None) -> list[TierGroup] | None:
    """Convert validated tiersGroupByMetadata objects to engine tier groups."""
    if raw is None:
        return None
    return [
        TierGroup(metadata_groups=g["metadata_groups"], tiers=to_tiers(g["tiers"]) or [])
        for g in raw
    ]


def to_overrides(raw: list[dict[str, Any]] | None) -> list[DimensionOverride] | None:
    """Convert validated DimensionOverridesDto objects to engine overrides."""
    if raw is None:
        return None
    return [
        DimensionOverride(
            dimension_id=o["dimension_id"],
            consumption_price=o.get("consumption_price"),
            tiers=to_tiers(o.get("tiers")),
            tiers_group_by_metadata=to_tier_groups(o.get("tiers_group_by_metadata")),
        )
        for o in raw
    ]


def to_engine_fields(params: dict[str, Any]) -> dict[str, Any]:
    """Convert a validated Create/UpdateDimensionDto to the engine's keyword arguments."""
    fields = dict(params)
    if "consumption_unit" in fields:
        unit = fields["consumption_unit"]
        fields["consumption_unit"] = ConsumptionUnit(type=unit["type"], unit=unit["unit"])
    if "usage_entitlement" in fields and fields["usage_entitlement"] == "inf":
        fields["usage_entitlement"] = INFINITY
    if fields.get("overage_allowed") is not None:
        fields["overage_allowed"] = fields["overage_allowed"] == "true"
    if "tiers" in fields:
        fields["tiers"] = to_tiers(fields["tiers"])
    if "tiers_group_by_metadata" in fields:
        fields["tiers_group_by_metadata"] = to_tier_groups(fields["tiers_group_by_metadata"])
    return fields
