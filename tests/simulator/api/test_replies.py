"""Paigo's reply shapes: envelopes, exact 404/409 texts, the 400 body, exact numbers on the wire."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from simulator.api import replies
from simulator.api.call import Forbidden
from simulator.api.messages import ApiResponse
from simulator.api.parsing import BadRequest, PayloadTooLarge
from simulator.engine.errors import Conflict, Invalid, NotFound


def _body(response: ApiResponse) -> object:
    return json.loads(response.body)


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("offering", "Offering with ID: x-1 not found"),
        ("dimension", "No Dimensions found with ID: x-1"),
        ("measurement", "Measurement with ID: x-1 not found"),
        ("customer", "Customer with ID: x-1 not found"),
        ("invoice", "Invoice with ID: x-1 not found"),
        ("webhook", "Webhook with ID: x-1 not found"),
    ],
)
def test_not_found_uses_paigos_templates(kind: str, text: str) -> None:
    response = replies.from_error(NotFound(kind, "x-1"))
    assert response is not None
    assert response.status == 404
    assert _body(response) == {"message": text, "error": "Not Found", "statusCode": 404}


def test_conflict_texts() -> None:
    offering = replies.from_error(Conflict("offering", ["c1", "c2"]))
    dimension = replies.from_error(Conflict("dimension", ["o1"]))
    assert offering is not None
    assert dimension is not None
    assert offering.status == dimension.status == 409
    assert _body(offering) == {
        "message": "Cannot delete offering when they are attached to customers, remove customers "
        "from offerings before deleting. Current customerIds using the offering:: c1, c2",
        "error": "Conflict",
        "statusCode": 409,
    }
    assert _body(dimension) == {
        "message": "Cannot Delete Dimensions when they are attached to Offerings, remove "
        "dimensions from offerings before deleting. Current OfferingIds using the dimension: o1",
        "error": "Conflict",
        "statusCode": 409,
    }


@pytest.mark.parametrize(
    "error", [BadRequest(["a must be a string"]), Invalid(["a must be a string"])]
)
def test_bad_request_body(error: Exception) -> None:
    response = replies.from_error(error)
    assert response is not None
    assert response.status == 400
    assert _body(response) == {
        "statusCode": 400,
        "message": ["a must be a string"],
        "error": "Bad Request",
    }


def test_other_error_statuses() -> None:
    too_large = replies.from_error(PayloadTooLarge(2_000_000))
    forbidden = replies.from_error(Forbidden())
    assert too_large is not None
    assert forbidden is not None
    assert too_large.status == 413
    assert forbidden.status == 403
    assert replies.from_error(RuntimeError("x")) is None
    assert replies.unauthorized().status == 401
    assert _body(replies.unauthorized()) == {"message": "Unauthorized"}


def test_envelopes() -> None:
    assert _body(replies.listing("m", [1, 2])) == {"message": "m", "data": [1, 2]}
    assert _body(replies.one("m", {"a": 1})) == {"message": "m", "data": [{"a": 1}]}
    created = replies.created({"message": "m", "dimensionId": "d"})
    assert created.status == 201
    replayed = replies.replayed(created)
    assert ("idempotent-replayed", "true") in replayed.headers
    assert replayed.body == created.body


def test_decimals_are_written_exactly_without_floats() -> None:
    body = replies.dumps({"a": Decimal("100.10"), "b": Decimal("1E+3"), "c": Decimal("0.000001")})
    assert body == b'{"a":100.1,"b":1000,"c":0.000001}'
    assert replies.wire_decimal(Decimal("1E+3")) == "1000"
    assert replies.wire_decimal(Decimal("0.80")) == "0.80"
    with pytest.raises(TypeError):
        replies.dumps({"x": Decimal("NaN")})
    with pytest.raises(TypeError):
        replies.dumps({"x": object()})
    forged = replies.dumps({"s": "\x00" + "0" * 16 + ":1\x00"})
    assert json.loads(forged) == {"s": "\x00" + "0" * 16 + ":1\x00"}


def test_dumps_keeps_unicode_and_escapes_strings() -> None:
    body = replies.dumps({"name": 'é "quoted"\n', "ok": True, "none": None, "list": (1, 2)})
    assert json.loads(body) == {"name": 'é "quoted"\n', "ok": True, "none": None, "list": [1, 2]}


def test_wire_time_is_millisecond_utc() -> None:
    moment = datetime(2026, 11, 24, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert replies.wire_time(moment) == "2026-11-24T08:00:00.123Z"
    assert replies.wire_time(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000Z"


def test_token_errors() -> None:
    response = replies.token_error("audience_denied", "Service not enabled within domain: x")
    assert response.status == 403
    assert _body(response) == {
        "error": "access_denied",
        "error_description": "Service not enabled within domain: x",
    }


def test_b1_numbers_beyond_28_digits_come_back_unchanged() -> None:
    long_fraction = Decimal("1234567890.12345678901234567890123456789")
    long_integer = Decimal("123456789012345678901234567890123456789")
    assert replies.wire_number(long_fraction) == long_fraction
    assert (
        format(replies.wire_number(long_integer), "f") == "123456789012345678901234567890123456789"
    )
    assert replies.wire_number(Decimal("1.50000000000000000000000000000000")) == Decimal("1.5")
    body = replies.dumps({"a": long_fraction, "b": Decimal("1E+40")})
    assert body == (
        b'{"a":1234567890.12345678901234567890123456789,'
        b'"b":10000000000000000000000000000000000000000}'
    )
