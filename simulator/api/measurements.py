"""Measurements (automatic metering configurations): list, create, retrieve, update, delete.

The simulator stores and returns them; it runs no metering.
"""

from __future__ import annotations

from typing import Any

from simulator.api import replies, schemas, views
from simulator.api.call import Call
from simulator.api.messages import ApiResponse
from simulator.api.parsing import Object, validate
from simulator.engine import Measurement

__all__ = [
    "create_measurement",
    "delete_measurement",
    "list_measurements",
    "retrieve_measurement",
    "update_measurement",
]

_CONFIGURATION_FIELDS = ("externalId", "iamRoleArn", "ingestion", "dlq")


def list_measurements(call: Call) -> ApiResponse:
    """List every measurement (Paigo: `GET /measurements`)."""
    data = [views.measurement(m) for m in call.engine.list_measurements()]
    return replies.listing("Measurements retrieved successfully", data)


def create_measurement(call: Call) -> ApiResponse:
    """Create a measurement (Paigo: `POST /measurements`); replies 201 CreateMeasurementResponse.

    The configuration is checked against the shape `measurementMode` names.

    Raises:
        BadRequest: the body fails wire validation.
    """
    params = call.body(schemas.CREATE_MEASUREMENT)
    mode = params["measurement_mode"]
    _check_configuration(
        params["measurement_configuration"], schemas.MEASUREMENT_CONFIGURATIONS[mode]
    )
    created = call.engine.create_measurement(**params)
    return replies.created(_response("Measurement created successfully", created))


def retrieve_measurement(call: Call) -> ApiResponse:
    """Return one measurement as a one-element list (Paigo: `GET /measurements/{measurementId}`).

    Raises:
        NotFound: no such measurement (`Measurement with ID: <id> not found`).
    """
    found = call.engine.retrieve_measurement(call.params["measurementId"])
    return replies.one("Measurement retrieved successfully", views.measurement(found))


def update_measurement(call: Call) -> ApiResponse:
    """Update a measurement (Paigo: `PUT /measurements/{measurementId}`).

    `measurementMode` and `measurementName` are required, as in Paigo's UpdateMeasurementConfigDto.

    Raises:
        BadRequest: the body fails wire validation.
        NotFound: no such measurement.
    """
    measurement_id = call.params["measurementId"]
    params = call.body(schemas.UPDATE_MEASUREMENT)
    if "measurement_configuration" in params:
        shape = schemas.UPDATE_MEASUREMENT_CONFIGURATIONS[params["measurement_mode"]]
        _check_configuration(params["measurement_configuration"], shape)
    updated = call.engine.update_measurement(measurement_id, **params)
    return replies.ok(_response("Measurement updated successfully", updated))


def delete_measurement(call: Call) -> ApiResponse:
    """Delete a measurement (Paigo: `DELETE /measurements/{measurementId}`).

    Raises:
        NotFound: no such measurement.
        Invalid: a dimension still refers to it (400; Paigo documents 400 for this route).
    """
    deleted = call.engine.delete_measurement(call.params["measurementId"])
    return replies.ok(
        {"message": "Measurement deleted successfully", "measurementId": deleted.measurement_id}
    )


def _check_configuration(configuration: dict[str, Any], shape: Object) -> None:
    validate(configuration, shape, "measurementConfiguration")


def _response(message: str, measurement: Measurement) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "measurementId": measurement.measurement_id}
    for name in _CONFIGURATION_FIELDS:
        value = measurement.measurement_configuration.get(name)
        if isinstance(value, str):
            body[name] = value
    return body
