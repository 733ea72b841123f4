"""Offerings (Paigo's product plans): list, create, retrieve, update, delete."""

from __future__ import annotations

from typing import Any

from simulator.api import replies, schemas, views
from simulator.api.call import Call
from simulator.api.dimensions import to_overrides
from simulator.api.messages import ApiResponse

__all__ = [
    "create_offering",
    "delete_offering",
    "list_offerings",
    "retrieve_offering",
    "update_offering",
]


def list_offerings(call: Call) -> ApiResponse:
    """List every offering with its dimensions embedded (Paigo: `GET /offerings`)."""
    data = [views.offering(o) for o in call.engine.read_offerings()]
    return replies.listing("Offerings retrieved successfully", data)


def create_offering(call: Call) -> ApiResponse:
    """Create an offering (Paigo: `POST /offerings`); replies 201 `{message, offeringId}`.

    Raises:
        BadRequest: the body fails wire validation.
        NotFound: a `dimensionIds` entry names no dimension.
        Invalid: an offering rule is broken (subscription price, top-up amount, overrides...).
    """
    params = call.body(schemas.CREATE_OFFERING)
    created = call.engine.create_offering(**_to_engine_fields(params))
    return replies.created(
        {"message": "Offering created successfully", "offeringId": created.offering_id}
    )


def retrieve_offering(call: Call) -> ApiResponse:
    """Return one offering as a one-element `data` list (Paigo: `GET /offerings/{offeringId}`).

    Raises:
        NotFound: no such offering (`Offering with ID: <id> not found`).
    """
    found = call.engine.read_offering(call.params["offeringId"])
    return replies.one("Offering retrieved successfully", views.offering(found))


def update_offering(call: Call) -> ApiResponse:
    """Update an offering (Paigo: `PUT /offerings/{offeringId}`); replies `{message, offeringId}`.

    Raises:
        BadRequest: the body fails wire validation.
        NotFound: no such offering or dimension.
        Invalid: the update would break an offering rule.
    """
    offering_id = call.params["offeringId"]
    params = call.body(schemas.UPDATE_OFFERING)
    updated = call.engine.update_offering(offering_id, **_to_engine_fields(params))
    return replies.ok(
        {"message": "Offering updated successfully", "offeringId": updated.offering_id}
    )


def delete_offering(call: Call) -> ApiResponse:
    """Delete an offering (Paigo: `DELETE /offerings/{offeringId}`).

    Raises:
        NotFound: no such offering.
        Conflict: customers are enrolled in it (Paigo's 409 text lists their ids).
    """
    deleted = call.engine.delete_offering(call.params["offeringId"])
    return replies.ok(
        {"message": "Offering deleted successfully", "offeringId": deleted.offering_id}
    )


def _to_engine_fields(params: dict[str, Any]) -> dict[str, Any]:
    fields = dict(params)
    if "dimension_overrides" in fields:
        fields["dimension_overrides"] = to_overrides(fields["dimension_overrides"])
    if fields.get("free_trial_length") is not None:
        fields["free_trial_length"] = int(fields["free_trial_length"])
    return fields
