"""Hostile input never gets a 500: replies are Paigo-shaped and rejections change nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from simulator.api import admin, schemas
from simulator.api.parsing import Array, Object, Schema, Union

if TYPE_CHECKING:
    from tests.simulator.api.conftest import ApiClient


def _all_field_names() -> list[str]:
    """Every property name of every request schema, plus one no schema knows."""
    names: set[str] = {"unknownField"}
    pending: list[Any] = [v for v in vars(schemas).values() if isinstance(v, Schema)]
    seen: set[int] = set()
    while pending:
        schema = pending.pop()
        if id(schema) in seen:
            continue
        seen.add(id(schema))
        if isinstance(schema, Object):
            names.update(schema.fields)
            pending.extend(f.schema for f in schema.fields.values())
        elif isinstance(schema, Array):
            pending.append(schema.item)
        elif isinstance(schema, Union):
            pending.extend(schema.shapes.values())
    return sorted(names)


FIELDS = _all_field_names()

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["1", "1e3", "NaN", "inf", "-0.5", "", "2026-11-24T08:00:00Z", "9999-99-99"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=8),
    values,
)
PATHS = [
    ("POST", "/dimensions"),
    ("PUT", "/dimensions/{dimension}"),
    ("POST", "/offerings"),
    ("PUT", "/offerings/{offering}"),
    ("POST", "/measurements"),
    ("POST", "/usage"),
    ("POST", "/customers"),
    ("PUT", "/customers/{customer}"),
    ("PUT", "/customers/{customer}/enrollment"),
    ("PUT", "/customers/{customer}/freeTrial"),
    ("POST", "/customers/{customer}/transactions"),
    ("POST", "/customers/{customer}/refunds"),
    ("POST", "/customers/{customer}/children/{customer}"),
    ("POST", "/invoices"),
    ("POST", "/webhooks/subscribe"),
    ("PUT", "/settings/profile"),
    ("POST", "/oauth/token"),
    ("PUT", "/_simulator/options"),
    ("PUT", "/_simulator/settings"),
    ("POST", "/_simulator/invoices/period"),
    ("POST", "/_simulator/tokens/revoke"),
]


@pytest.fixture
def ids(client: ApiClient) -> dict[str, str]:
    dimension = client.post(
        "/dimensions",
        json={
            "dimensionName": "D",
            "consumptionUnit": {"type": "count", "unit": "count-based"},
            "usageIncrement": "1",
            "rounding": "round",
            "consumptionPrice": "1",
        },
    ).json["dimensionId"]
    offering = client.post(
        "/offerings", json={"offeringName": "O", "dimensionIds": [dimension]}
    ).json["offeringId"]
    customer = client.post(
        "/customers",
        json={
            "customerName": "C",
            "email": "c@x.io",
            "paymentChannel": "manual",
            "offeringId": offering,
        },
    ).json["customerId"]
    return {"dimension": dimension, "offering": offering, "customer": customer}


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(route=st.sampled_from(PATHS), body=bodies)
def test_any_body_gets_a_paigo_shaped_reply(
    client: ApiClient, ids: dict[str, str], route: tuple[str, str], body: Any
) -> None:
    method, template = route
    path = template.format(**ids)
    before = client.state()
    raw = json.dumps(body).encode()
    reply = client.request(method, path, body=raw, headers={"content-type": "application/json"})
    assert reply.status < 500, (path, body, reply.body)
    if reply.status >= 400:
        assert client.state() == before, (path, body, reply.body)
        payload = reply.json
        if path == "/oauth/token":
            assert set(payload) == {"error", "error_description"}
        elif reply.status == 400:
            assert payload["error"] == "Bad Request"
            assert all(isinstance(m, str) for m in payload["message"])
        else:
            assert "message" in payload


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    raw=st.binary(max_size=64), content_type=st.sampled_from(["application/json", "text/plain", ""])
)
def test_garbage_bytes_are_rejected_cleanly(
    client: ApiClient, raw: bytes, content_type: str
) -> None:
    before = client.state()
    reply = client.request("POST", "/usage", body=raw, headers={"content-type": content_type})
    assert 400 <= reply.status < 500
    assert client.state() == before


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(
        [
            "aggregationInterval",
            "startTime",
            "endTime",
            "ignoreEnrollmentDate",
            "aggregationPurpose",
        ]
    ),
    value=st.text(max_size=40),
)
def test_usage_query_parameters_never_crash(
    client: ApiClient, ids: dict[str, str], name: str, value: str
) -> None:
    reply = client.get(f"/customers/{ids['customer']}/usage", query={name: value})
    assert reply.status in (200, 400), reply.body


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    customer=st.sampled_from(["customer", "ghost"]),
    dimension=st.sampled_from(["dimension", "ghost"]),
    minutes=st.integers(min_value=-2000, max_value=2000),
    value=st.decimals(
        allow_nan=False, allow_infinity=False, places=3, min_value=-1000, max_value=1000
    ),
    invoice=st.booleans(),
)
def test_well_formed_usage_is_stored_once_or_not_at_all(
    client: ApiClient,
    ids: dict[str, str],
    customer: str,
    dimension: str,
    minutes: int,
    value: Any,
    invoice: bool,
) -> None:
    from datetime import timedelta

    from tests.simulator.api.conftest import START

    moment = START + timedelta(minutes=minutes)
    body = {
        "customerId": ids.get(customer, "ghost"),
        "dimensionId": ids.get(dimension, "ghost"),
        "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "recordValue": format(value, "f"),
    }
    before = client.state()
    count = len(client.get("/_simulator/usage-records").json["data"])
    query = {"invoice": "true"} if invoice else None
    reply = client.post("/usage", json=body, query=query)
    after = len(client.get("/_simulator/usage-records").json["data"])
    if reply.status == 201:
        assert after == count + 1
    else:
        assert reply.status in (400, 404), reply.body
        assert client.state() == before


def _near_valid(schema: Schema, known_ids: list[str]) -> st.SearchStrategy[Any]:
    """Values that mostly pass wire validation, so the engine's own rules are exercised."""
    from datetime import timedelta

    from simulator.api.parsing import (
        Boolean,
        DecimalString,
        Entitlement,
        Enum,
        Metadata,
        Number,
        String,
        Timestamp,
    )
    from tests.simulator.api.conftest import START

    decimals = st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-5, max_value=2000
    ).map(lambda d: format(d, "f"))
    if isinstance(schema, Object):
        return st.fixed_dictionaries(
            {k: _near_valid(f.schema, known_ids) for k, f in schema.fields.items() if f.required},
            optional={
                k: _near_valid(f.schema, known_ids) | (st.none() if f.nullable else st.nothing())
                for k, f in schema.fields.items()
                if not f.required
            },
        )
    if isinstance(schema, Union):
        return st.one_of(*(_near_valid(s, known_ids) for s in schema.shapes.values()))
    if isinstance(schema, Array):
        return st.lists(_near_valid(schema.item, known_ids), max_size=3)
    if isinstance(schema, Enum):
        return st.sampled_from(schema.values)
    if isinstance(schema, DecimalString):
        return decimals | st.sampled_from(["0", "1", "100", "inf"])
    if isinstance(schema, Number):
        return st.integers(min_value=-5, max_value=500) | decimals.map(lambda s: Decimal(s))
    if isinstance(schema, Entitlement):
        return st.sampled_from(["inf", 0, 10, 100])
    if isinstance(schema, Boolean):
        return st.booleans()
    if isinstance(schema, Timestamp):
        return st.integers(min_value=-60 * 24 * 40, max_value=60 * 24 * 40).map(
            lambda m: (START + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%SZ")
        )
    if isinstance(schema, Metadata):
        return st.dictionaries(
            st.sampled_from(["region", "tier", "k"]), st.sampled_from(["us", "eu", 1]), max_size=2
        )
    if isinstance(schema, String):
        return st.sampled_from([*known_ids, "ghost", "https://example.com/h", "Name"])
    return st.nothing()


ROUTE_SCHEMAS: list[tuple[str, str, Schema]] = [
    ("POST", "/dimensions", schemas.CREATE_DIMENSION),
    ("PUT", "/dimensions/{dimension}", schemas.UPDATE_DIMENSION),
    ("POST", "/offerings", schemas.CREATE_OFFERING),
    ("PUT", "/offerings/{offering}", schemas.UPDATE_OFFERING),
    ("POST", "/usage", schemas.CREATE_USAGE),
    ("POST", "/customers", schemas.CREATE_CUSTOMER),
    ("PUT", "/customers/{customer}", schemas.UPDATE_CUSTOMER),
    ("PUT", "/customers/{customer}/enrollment", schemas.UPDATE_ENROLLMENT),
    ("PUT", "/customers/{customer}/freeTrial", schemas.UPDATE_FREE_TRIAL),
    ("POST", "/customers/{customer}/transactions", schemas.CREATE_CREDIT),
    ("POST", "/customers/{customer}/refunds", schemas.CREATE_REFUND),
    ("POST", "/invoices", schemas.CREATE_INVOICE),
    ("POST", "/webhooks/subscribe", schemas.CREATE_WEBHOOK),
    ("POST", "/customers/{customer}/children/{customer}", schemas.CREATE_CHILD),
    ("PUT", "/settings/profile", schemas.UPDATE_PROFILE),
    ("POST", "/_simulator/invoices/period", admin.PERIOD),
    ("PUT", "/_simulator/settings", admin.SETTINGS),
]


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), index=st.integers(min_value=0, max_value=len(ROUTE_SCHEMAS) - 1))
def test_near_valid_bodies_never_crash_the_engine(
    client: ApiClient, ids: dict[str, str], data: st.DataObject, index: int
) -> None:
    method, template, schema = ROUTE_SCHEMAS[index]
    body = data.draw(_near_valid(schema, list(ids.values())))
    before = client.state()
    reply = client.request(method, template.format(**ids), json=body)
    assert reply.status < 500, (template, body, reply.body)
    if reply.status >= 400:
        assert client.state() == before, (template, body, reply.body)
