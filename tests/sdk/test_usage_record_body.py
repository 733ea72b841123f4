"""`usage.record` writes plain arguments directly; the body must be the params model's, always.

The direct writer (`_record_body`) is an optimisation of `to_wire(build_params(...))`: for every
input it either writes exactly what the model writes or raises exactly the model's error.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from paigo_sdk import ClientValidationError
from paigo_sdk.resources._base import build_params
from paigo_sdk.resources.usage import _batch_record_body, _record_body, _record_params
from paigo_sdk.types import UsageRecordCreateParams, to_wire

ids = st.one_of(
    st.text(min_size=0, max_size=8),
    st.text(alphabet="ab\x00", min_size=1, max_size=4),
    st.integers(min_value=250, max_value=260).map(lambda n: "c" * n),
    st.none(),
    st.integers(),
)
values = st.one_of(
    st.integers(min_value=-(10**70), max_value=10**70),
    st.decimals(places=None),
    st.from_regex(r"[+-]?[0-9]{0,4}(\.[0-9]{0,4})?", fullmatch=True),
    st.sampled_from(["1e3", " 1", "", "0x10", "1_000", "٣", "9" * 65, "-0", "+.5"]),
    st.floats(),
    st.booleans(),
)
moments = st.one_of(
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))])),
    st.datetimes(),  # naive
    st.sampled_from(
        [
            "2026-11-24T08:00:00Z",
            "2026-11-24T08:00:00.123456+02:00",
            "2026-11-24 08:00:00Z",
            "2026-11-24T08:00Z",
            "2026-13-24T08:00:00Z",
            "0001-01-01T00:00:00+01:00",
            "yesterday",
        ]
    ),
    st.integers(),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=300), st.decimals(), st.floats()
)
metadata = st.one_of(
    st.none(),
    st.dictionaries(st.text(max_size=70), scalars, max_size=18),
    st.dictionaries(st.text(max_size=4), st.dictionaries(st.text(max_size=3), scalars), max_size=3),
    st.lists(st.integers(), max_size=2),
    st.just("not a map"),
)


def _through_the_model(**arguments: Any) -> dict[str, Any]:
    wire: dict[str, Any] = to_wire(build_params(UsageRecordCreateParams, arguments))
    return wire


def _outcome(function: Any, **arguments: Any) -> tuple[str, Any]:
    try:
        return "body", function(**arguments)
    except ClientValidationError as error:
        return "refused", error.messages


@settings(max_examples=600, deadline=None)
@given(customer=ids, dimension=ids, value=values, moment=moments, meta=metadata)
def test_the_direct_body_is_the_models_body_or_the_models_refusal(
    customer: Any, dimension: Any, value: Any, moment: Any, meta: Any
) -> None:
    arguments = {
        "customer_id": customer,
        "dimension_id": dimension,
        "record_value": value,
        "timestamp": moment,
        "metadata": meta,
    }
    direct = _outcome(_record_body, **arguments)
    model = _outcome(_through_the_model, **arguments)
    assert direct == model
    if direct[0] == "body":
        assert list(direct[1]) == list(model[1])  # the same keys in the same order


def test_metadata_is_copied_not_shared() -> None:
    given_metadata = {"region": "eu"}
    body = _record_body("c", "d", 1, datetime(2026, 1, 1, tzinfo=UTC), given_metadata)
    given_metadata["region"] = "us"
    assert body["metadata"] == {"region": "eu"}


@pytest.mark.parametrize(
    ("value", "wire"),
    [(Decimal("1.50"), "1.50"), ("+1.5", "1.5"), (10**20, "100000000000000000000"), ("-0", "-0")],
)
def test_values_are_written_as_plain_decimal_strings(value: Any, wire: str) -> None:
    body = _record_body("c", "d", value, "2026-11-24T08:00:00+02:00", None)
    assert body == {
        "customerId": "c",
        "dimensionId": "d",
        "recordValue": wire,
        "timestamp": "2026-11-24T06:00:00.000Z",
    }


wire_keys = st.sampled_from(
    ["customerId", "dimensionId", "recordValue", "timestamp", "metadata", "customer_id", "extra"]
)


@settings(max_examples=400, deadline=None)
@given(
    customer=ids,
    dimension=ids,
    value=values,
    moment=moments,
    meta=metadata,
    drop=st.sets(wire_keys, max_size=2),
    add=st.sets(wire_keys, max_size=1),
)
def test_a_batch_element_is_the_models_body_or_the_models_refusal(
    customer: Any, dimension: Any, value: Any, moment: Any, meta: Any, drop: Any, add: Any
) -> None:
    element: dict[str, Any] = {
        "customerId": customer,
        "dimensionId": dimension,
        "recordValue": value,
        "timestamp": moment,
        "metadata": meta,
    }
    for key in drop:
        element.pop(key, None)
    for key in add:
        element.setdefault(key, "x")
    direct = _outcome(lambda: _batch_record_body(element, 3))
    model = _outcome(lambda: to_wire(_record_params(element, 3)))
    assert direct == model
    if direct[0] == "body":
        assert list(direct[1]) == list(model[1])
