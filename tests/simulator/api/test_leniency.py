"""Lenient where Paigo's NestJS stack is lenient: space timestamps, null as absent on create,
numeric strings for `subscriptionPrice`, and client credentials in an HTTP Basic header."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any
from urllib.parse import quote_plus

import pytest

from simulator.api import DEFAULT_AUDIENCE, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Api
from tests.simulator.api.conftest import ApiClient

DIMENSION = {
    "dimensionName": "API calls",
    "consumptionUnit": {"type": "count", "unit": "count-based"},
    "usageIncrement": "1",
    "rounding": "ceiling",
    "consumptionPrice": "0.01",
}
CUSTOMER = {"customerName": "Acme", "email": "ops@acme.test", "paymentChannel": "manual"}


def _create(client: ApiClient, path: str, body: dict[str, Any], key: str) -> str:
    reply = client.post(path, json=body)
    assert reply.status == 201, reply.body
    return str(reply.json[key])


@pytest.fixture
def ids(client: ApiClient) -> tuple[str, str]:
    return (
        _create(client, "/customers", CUSTOMER, "customerId"),
        _create(client, "/dimensions", DIMENSION, "dimensionId"),
    )


def _raw_usage(client: ApiClient, customer_id: str) -> list[dict[str, Any]]:
    reply = client.get(f"/customers/{customer_id}/usage", query={"aggregationInterval": "none"})
    assert reply.status == 200, reply.body
    return [record for item in reply.json["data"] for record in item["usage"]]


# ----------------------------------------------------------------------------- timestamps


@pytest.mark.parametrize(
    "timestamp", ["2026-11-24 07:00:00Z", "2026-11-24 09:00:00.250+02:00", "2026-11-24t07:00:00z"]
)
def test_usage_timestamp_may_have_a_space_for_the_t(
    client: ApiClient, ids: tuple[str, str], timestamp: str
) -> None:
    customer_id, dimension_id = ids
    body = {
        "customerId": customer_id,
        "dimensionId": dimension_id,
        "recordValue": "2",
        "timestamp": timestamp,
    }
    assert client.post("/usage", json=body).status == 201
    [record] = _raw_usage(client, customer_id)
    assert record["timestamp"].startswith("2026-11-24T07:00:00.")


@pytest.mark.parametrize(
    "timestamp", ["2026-11-24  07:00:00Z", "2026-11-24 07:00Z", "2026-11-24 07:00:00", "2026-11-24"]
)
def test_space_timestamps_still_need_seconds_and_an_offset(
    client: ApiClient, ids: tuple[str, str], timestamp: str
) -> None:
    customer_id, dimension_id = ids
    before = client.state()
    body = {
        "customerId": customer_id,
        "dimensionId": dimension_id,
        "recordValue": "2",
        "timestamp": timestamp,
    }
    reply = client.post("/usage", json=body)
    assert reply.status == 400
    assert "timestamp must be an RFC 3339 timestamp" in reply.json["message"][0]
    assert client.state() == before


# ----------------------------------------------------------------------------- null on create


def test_null_metadata_on_post_usage_means_no_metadata(
    client: ApiClient, ids: tuple[str, str]
) -> None:
    customer_id, dimension_id = ids
    body = {
        "customerId": customer_id,
        "dimensionId": dimension_id,
        "recordValue": "3",
        "timestamp": "2026-11-24T07:00:00Z",
        "metadata": None,
    }
    assert client.post("/usage", json=body).status == 201
    [record] = _raw_usage(client, customer_id)
    assert record["recordValue"] == "3"
    assert not record.get("metadata")


def test_null_optional_fields_on_create_mean_not_given(client: ApiClient) -> None:
    body = {
        **CUSTOMER,
        "metadata": None,
        "offeringId": None,
        "address": None,
        "currency": None,
        "customerVatId": None,
    }
    customer_id = _create(client, "/customers", body, "customerId")
    customer = client.get(f"/customers/{customer_id}").json["data"][0]
    assert customer["customerName"] == "Acme"
    assert customer.get("offeringId") is None
    assert not customer.get("metadata")
    dimension = {**DIMENSION, "metadata": None, "usageEntitlement": None, "tiers": None}
    dimension_id = _create(client, "/dimensions", dimension, "dimensionId")
    assert client.get(f"/dimensions/{dimension_id}").json["data"][0]["consumptionPrice"] == "0.01"


def test_null_in_a_required_field_on_create_is_still_refused(client: ApiClient) -> None:
    before = client.state()
    reply = client.post("/customers", json={**CUSTOMER, "customerName": None})
    assert reply.status == 400
    assert reply.json["message"] == ["customerName should not be empty"]
    assert client.state() == before


def test_updates_keep_their_null_semantics(client: ApiClient) -> None:
    customer_id = _create(
        client, "/customers", {**CUSTOMER, "metadata": {"plan": "gold"}}, "customerId"
    )
    # `metadata: null` on an update still removes the whole map...
    assert client.put(f"/customers/{customer_id}", json={"metadata": None}).status == 200
    assert not client.get(f"/customers/{customer_id}").json["data"][0].get("metadata")
    # ...and a null where the update gives it no meaning is still refused.
    before = client.state()
    reply = client.put(f"/customers/{customer_id}", json={"customerName": None})
    assert reply.status == 400
    assert reply.json["message"] == ["customerName must not be null"]
    assert client.state() == before


# ----------------------------------------------------------------------------- numeric strings


@pytest.mark.parametrize("price", ["49.99", Decimal("49.99"), "+49.990"])
def test_subscription_price_may_be_a_number_or_a_numeric_string(
    client: ApiClient, price: object
) -> None:
    body = {"offeringName": "Pro", "offeringType": "subscription", "subscriptionPrice": price}
    offering_id = _create(client, "/offerings", body, "offeringId")
    raw = client.get(f"/offerings/{offering_id}").body
    # Read back as a JSON number, exactly, whatever form it was sent in.
    assert b'"subscriptionPrice":49.99' in raw


def test_a_long_numeric_string_price_is_kept_exactly(client: ApiClient) -> None:
    price = "12345678901.123456789"
    body = {"offeringName": "Pro", "offeringType": "subscription", "subscriptionPrice": price}
    offering_id = _create(client, "/offerings", body, "offeringId")
    assert client.get(f"/offerings/{offering_id}").json["data"][0]["subscriptionPrice"] == Decimal(
        price
    )


@pytest.mark.parametrize("price", ["4.9e1", "NaN", "", " 49", "-1", "49.", True, [49]])
def test_subscription_price_strings_follow_the_decimal_grammar(
    client: ApiClient, price: object
) -> None:
    before = client.state()
    body = {"offeringName": "Pro", "offeringType": "subscription", "subscriptionPrice": price}
    reply = client.post("/offerings", json=body)
    assert reply.status == 400
    assert reply.json["message"][0].startswith("subscriptionPrice must")
    assert client.state() == before


# ----------------------------------------------------------------------------- Basic credentials


def _basic(client_id: str, client_secret: str) -> str:
    # RFC 6749 2.3.1: each part form-urlencoded, then joined by ":" and base64-encoded.
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def _token(
    client: ApiClient, authorization: str | None, body: dict[str, Any], *, form: bool = False
) -> Any:
    headers = {} if authorization is None else {"authorization": authorization}
    if form:
        headers["content-type"] = "application/x-www-form-urlencoded"
        encoded = "&".join(f"{k}={quote_plus(v)}" for k, v in body.items()).encode()
        return client.post("/oauth/token", body=encoded, headers=headers, auth=False)
    return client.post("/oauth/token", json=body, headers=headers, auth=False)


@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
def test_token_endpoint_accepts_client_secret_basic(client: ApiClient, form: bool) -> None:
    reply = _token(
        client,
        _basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        {"grant_type": "client_credentials", "audience": DEFAULT_AUDIENCE},
        form=form,
    )
    assert reply.status == 200, reply.body
    token = reply.json["access_token"]
    assert client.get("/customers", auth=token).status == 200


def test_basic_credentials_are_form_urlencoded_before_base64(engine: Any, clock: Any) -> None:
    # An id and a secret with ":", "+", "%" and a space, which only the RFC's encoding carries.
    client = ApiClient(Api(engine, clock=clock, credentials={"team:a+b": "s3cr%t pass:1"}))
    body = {"grant_type": "client_credentials"}
    assert _token(client, _basic("team:a+b", "s3cr%t pass:1"), body).status == 200
    raw = "Basic " + base64.b64encode(b"team:a+b:s3cr%t pass:1").decode()
    assert _token(client, raw, body).status == 401


def test_basic_with_a_wrong_secret_is_refused(client: ApiClient) -> None:
    reply = _token(client, _basic(DEFAULT_CLIENT_ID, "wrong"), {"grant_type": "client_credentials"})
    assert reply.status == 401
    assert reply.json["error"] == "access_denied"


@pytest.mark.parametrize(
    "authorization", ["Basic !!!not-base64!!!", "Basic " + base64.b64encode(b"no-colon").decode()]
)
def test_a_malformed_basic_header_is_an_invalid_request(
    client: ApiClient, authorization: str
) -> None:
    reply = _token(client, authorization, {"grant_type": "client_credentials"})
    assert reply.status == 400
    assert reply.json["error"] == "invalid_request"


def test_credentials_in_both_header_and_body_are_refused(client: ApiClient) -> None:
    body = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
    }
    reply = _token(client, _basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), body)
    assert reply.status == 400
    assert "not both" in reply.json["error_description"]
    # The body may repeat the header's client_id without a secret.
    body = {"grant_type": "client_credentials", "client_id": DEFAULT_CLIENT_ID}
    assert _token(client, _basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), body).status == 200
