"""Error replies become typed exceptions carrying Paigo's status, messages, body, method and URL."""

from __future__ import annotations

import httpx
import pytest

from paigo_sdk import (
    APIResponseValidationError,
    APIStatusError,
    BadRequestError,
    ClientValidationError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PaigoClient,
    PaigoError,
    PermissionDeniedError,
    RateLimitError,
)
from paigo_sdk.errors import status_error_class
from tests.sdk.conftest import API, FakePaigo

OFFERING_404 = {
    "message": "Offering with ID: off-404 not found",
    "error": "Not Found",
    "statusCode": 404,
}
DIMENSION_404 = {
    "message": "No Dimensions found with ID: dim-404",
    "error": "Not Found",
    "statusCode": 404,
}
OFFERING_409 = {
    "message": (
        "Cannot delete offering when they are attached to customers, remove customers from "
        "offerings before deleting. Current customerIds using the offering:: cust-1"
    ),
    "error": "Conflict",
    "statusCode": 409,
}
DIMENSION_409 = {
    "message": (
        "Cannot Delete Dimensions when they are attached to Offerings, remove dimensions from "
        "offerings before deleting. Current OfferingIds using the dimension: off-1"
    ),
    "error": "Conflict",
    "statusCode": 409,
}
BAD_REQUEST = {
    "statusCode": 400,
    "message": ["usageIncrement must be greater than 0", "rounding must be one of round, floor"],
    "error": "Bad Request",
}


def test_offering_404_is_a_not_found_error(fake: FakePaigo, client: PaigoClient) -> None:
    fake.json("GET", "/offerings/off-404", 404, OFFERING_404)
    with pytest.raises(NotFoundError) as caught:
        client.offerings.retrieve("off-404")
    error = caught.value
    assert error.status_code == 404
    assert error.message == "Offering with ID: off-404 not found"
    assert error.messages == [error.message]
    assert error.body == OFFERING_404
    assert error.method == "GET"
    assert error.url == f"{API}/offerings/off-404"
    assert str(error) == f"404 for GET {API}/offerings/off-404: Offering with ID: off-404 not found"


def test_dimension_404_keeps_paigo_text(fake: FakePaigo, client: PaigoClient) -> None:
    fake.json("GET", "/dimensions/dim-404", 404, DIMENSION_404)
    with pytest.raises(NotFoundError, match="No Dimensions found with ID: dim-404"):
        client.dimensions.retrieve("dim-404")


@pytest.mark.parametrize(
    ("path", "body", "call"),
    [
        ("/offerings/off-1", OFFERING_409, lambda c: c.offerings.delete("off-1")),
        ("/dimensions/dim-1", DIMENSION_409, lambda c: c.dimensions.delete("dim-1")),
    ],
    ids=["offering", "dimension"],
)
def test_blocked_deletes_are_conflict_errors(
    fake: FakePaigo, client: PaigoClient, path: str, body: dict[str, object], call: object
) -> None:
    fake.json("DELETE", path, 409, body)
    with pytest.raises(ConflictError) as caught:
        call(client)  # type: ignore[operator]
    assert caught.value.message == body["message"]
    assert caught.value.status_code == 409


def test_bad_request_exposes_every_message(fake: FakePaigo, client: PaigoClient) -> None:
    fake.json("POST", "/dimensions", 400, BAD_REQUEST)
    with pytest.raises(BadRequestError) as caught:
        client.dimensions.create(
            dimension_name="Calls",
            consumption_unit={"type": "count", "unit": "count-based"},
            usage_increment=1,
            rounding="round",
        )
    error = caught.value
    assert error.messages == BAD_REQUEST["message"]
    assert error.message == "usageIncrement must be greater than 0"
    assert "(+1 more)" in str(error)


def test_bad_request_with_a_single_string_message(fake: FakePaigo, client: PaigoClient) -> None:
    fake.json("GET", "/customers/c/refunds", 400, {"message": "Customer uses manual payments"})
    with pytest.raises(BadRequestError) as caught:
        client.customers.refunds.list("c")
    assert caught.value.messages == ["Customer uses manual payments"]


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (418, APIStatusError),
    ],
)
def test_status_codes_choose_the_error_class(status: int, error_class: type) -> None:
    assert status_error_class(status) is error_class


def test_non_json_error_bodies_are_kept_as_text(fake: FakePaigo, client: PaigoClient) -> None:
    fake.add("GET", "/invoices/i", httpx.Response(403, text="<html>Forbidden</html>"))
    with pytest.raises(PermissionDeniedError) as caught:
        client.invoices.retrieve("i")
    assert caught.value.body == "<html>Forbidden</html>"


def test_a_reply_that_does_not_fit_the_model_is_a_response_validation_error(
    fake: FakePaigo, client: PaigoClient
) -> None:
    fake.json("GET", "/dimensions/d", 200, {"message": "ok", "data": [{"dimensionName": 3}]})
    with pytest.raises(APIResponseValidationError) as caught:
        client.dimensions.retrieve("d")
    assert caught.value.status_code == 200
    assert "dimension_id" in str(caught.value)


def test_an_empty_data_array_for_a_by_id_read_is_a_response_validation_error(
    fake: FakePaigo, client: PaigoClient
) -> None:
    fake.json("GET", "/invoices/i", 200, {"message": "ok", "data": []})
    with pytest.raises(APIResponseValidationError, match="one element"):
        client.invoices.retrieve("i")


def test_every_error_is_a_paigo_error() -> None:
    assert issubclass(ClientValidationError, ValueError)
    for error_class in (ClientValidationError, APIStatusError, APIResponseValidationError):
        assert issubclass(error_class, PaigoError)
