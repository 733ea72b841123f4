"""Properties of the Decimal wire types: every plain decimal survives the wire unchanged."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from paigo_sdk import _json
from paigo_sdk.types import parse_decimal

finite_decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: len(format(d, "f")) <= 64
)


@given(finite_decimals)
def test_plain_strings_round_trip_exactly(value: Decimal) -> None:
    text = format(value, "f")
    assert "E" not in text.upper()
    parsed = parse_decimal(text)
    assert parsed == value
    assert format(parsed, "f") == text


@given(finite_decimals)
def test_json_numbers_round_trip_without_float(value: Decimal) -> None:
    text = _json.dumps({"n": value})
    assert _json.loads(text)["n"] == value
    assert json.loads(text, parse_float=str, parse_int=str)["n"] == format(value, "f")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_floats_are_always_rejected(value: float) -> None:
    with pytest.raises(ValueError, match="float"):
        parse_decimal(value)
