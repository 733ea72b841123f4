"""Wire validation: plain decimals, RFC 3339 timestamps, NestJS-style messages, limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from simulator.api import schemas
from simulator.api.parsing import (
    _REFUSED,
    MAX_BODY_BYTES,
    MAX_METADATA_DEPTH,
    Array,
    BadRequest,
    DecimalString,
    Entitlement,
    Enum,
    Field,
    Metadata,
    Number,
    Object,
    PayloadTooLarge,
    Schema,
    String,
    Timestamp,
    idempotency_keys,
    parse_decimal,
    parse_timestamp,
    read_json,
    snake,
    validate,
)

JSON = "application/json"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", Decimal(12)),
        ("-12", Decimal(-12)),
        ("0.87", Decimal("0.87")),
        ("+3.50", Decimal("3.50")),
    ],
)
def test_b1_plain_decimals_are_accepted(text: str, expected: object) -> None:
    assert parse_decimal(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "1e3", "1E+3", "NaN", "Infinity", "-inf", ".5", "5.", " 1", "1 ", "0x10", "1_000", "١٢"],
)
def test_b1_non_plain_decimals_are_rejected(text: str) -> None:
    assert parse_decimal(text) is None


def test_b1_json_number_where_string_required_names_the_field() -> None:
    with pytest.raises(BadRequest) as err:
        validate({"recordValue": 1}, Object({"recordValue": Field(DecimalString(), required=True)}))
    assert err.value.messages == ["recordValue must be a string"]


def test_b1_exponent_string_is_rejected_with_field_name() -> None:
    with pytest.raises(BadRequest) as err:
        validate({"recordValue": "1e3"}, Object({"recordValue": Field(DecimalString())}))
    assert err.value.messages[0].startswith("recordValue must be a plain decimal string")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24T08:00:00Z", datetime(2026, 11, 24, 8, tzinfo=UTC)),
        ("2026-11-24T08:00:00.123Z", datetime(2026, 11, 24, 8, 0, 0, 123000, tzinfo=UTC)),
        ("2026-11-24T10:00:00+02:00", datetime(2026, 11, 24, 8, tzinfo=UTC)),
        ("2026-11-24t08:00:00.1234567z", datetime(2026, 11, 24, 8, 0, 0, 123456, tzinfo=UTC)),
        # RFC 3339 5.6 allows a space for the T; Pipedream's Paigo action sends it.
        ("2026-11-24 08:00:00Z", datetime(2026, 11, 24, 8, tzinfo=UTC)),
        ("2026-11-24 10:00:00.5+02:00", datetime(2026, 11, 24, 8, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_rfc3339_timestamps_are_parsed_to_utc(text: str, expected: object) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-24T08:00:00",  # no offset
        "2026-11-24",
        "26-11-24T08:00:00Z",
        "12026-11-24T08:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-11-24T24:00:00Z",
        "2026-11-24T08:00:60Z",
        "2026-11-24  08:00:00Z",  # two spaces
        "2026-11-24_08:00:00Z",
        "2026-11-24T08:00Z",  # no seconds
        "0000-01-01T00:00:00Z",
        "2026-11-24T08:00:00+25:00",
        "9999-12-31T23:59:59-01:00",  # overflows after conversion to UTC
    ],
)
def test_malformed_timestamps_are_rejected(text: str) -> None:
    assert parse_timestamp(text) is None


def test_timestamp_schema_message() -> None:
    with pytest.raises(BadRequest) as err:
        validate({"timestamp": "yesterday"}, Object({"timestamp": Field(Timestamp())}))
    assert "timestamp must be an RFC 3339 timestamp" in err.value.messages[0]


def test_required_unknown_enum_and_nested_messages() -> None:
    schema = Object(
        {
            "name": Field(String(), required=True),
            "rounding": Field(Enum(("round", "floor")), required=True),
            "tiers": Field(Array(Object({"upperBound": Field(DecimalString(), required=True)}))),
        }
    )
    with pytest.raises(BadRequest) as err:
        validate({"rounding": "up", "tiers": [{"upperBound": 5}], "colour": "red"}, schema)
    assert err.value.messages == [
        "property colour should not exist",
        "name should not be empty",
        "rounding must be one of the following values: round, floor",
        "tiers.0.upperBound must be a string",
    ]


def test_result_uses_snake_case_and_keeps_absent_fields_absent() -> None:
    schema = Object(
        {"dimensionName": Field(String()), "metadata": Field(Metadata(), nullable=True)}
    )
    assert validate({"dimensionName": "x"}, schema) == {"dimension_name": "x"}
    assert validate({"metadata": None}, schema) == {"metadata": None}
    assert validate({"metadata": {"camelKey": 1}}, schema) == {"metadata": {"camelKey": 1}}


def test_null_for_non_nullable_field_is_rejected() -> None:
    with pytest.raises(BadRequest, match="name must not be null"):
        validate({"name": None}, Object({"name": Field(String())}))


def test_string_limits() -> None:
    with pytest.raises(BadRequest, match="should not be empty"):
        validate("", String())
    with pytest.raises(BadRequest, match="shorter than or equal to 3 characters"):
        validate("abcd", String(max_length=3))


def test_metadata_depth_and_size_limits() -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(MAX_METADATA_DEPTH):
        child: dict[str, object] = {}
        node["k"] = child
        node = child
    with pytest.raises(BadRequest, match="nested more than"):
        validate(deep, Metadata(), "metadata")
    with pytest.raises(BadRequest, match="larger than"):
        validate({"k": "x" * 20000}, Metadata(), "metadata")
    with pytest.raises(BadRequest, match="metadata must be an object"):
        validate([1], Metadata(), "metadata")


def test_numbers_are_decimal_and_bounded() -> None:
    assert validate(Decimal("100.09"), Number()) == Decimal("100.09")
    assert validate(3, Number()) == Decimal(3)
    for bad in (True, "3", Decimal("1e20")):
        with pytest.raises(BadRequest):
            validate(bad, Number(), "quantity")
    with pytest.raises(BadRequest, match="must not be less than 0"):
        validate(-1, Number(minimum=Decimal(0)), "quantity")


def test_entitlement_accepts_number_or_inf() -> None:
    assert validate("inf", Entitlement()) == "inf"
    assert validate(10, Entitlement()) == Decimal(10)
    with pytest.raises(BadRequest):
        validate("10", Entitlement(), "usageEntitlement")


def test_decimal_range_and_integer_checks() -> None:
    schema = DecimalString(minimum=Decimal(0), maximum=Decimal(1))
    assert validate("0.2", schema) == Decimal("0.2")
    with pytest.raises(BadRequest, match="must not be greater than 1"):
        validate("1.5", schema, "topUpThreshold")
    with pytest.raises(BadRequest, match="whole number"):
        validate("1.5", DecimalString(integer=True), "freeTrialLength")
    with pytest.raises(BadRequest, match="greater than 0"):
        validate("0", DecimalString(minimum=Decimal(0), exclusive_minimum=True), "minimumCharge")


class TestReadJson:
    def test_empty_body_reads_as_empty_object(self) -> None:
        assert read_json(b"", None) == {}

    def test_floats_become_decimals(self) -> None:
        assert read_json(b'{"a": 0.1}', JSON) == {"a": Decimal("0.1")}

    @pytest.mark.parametrize(
        "body", [b"{", b'{"a": NaN}', b'{"a": Infinity}', b"\xff\xfe", b"[" * 100000]
    )
    def test_malformed_bodies_are_400(self, body: bytes) -> None:
        with pytest.raises(BadRequest, match="request body is not valid"):
            read_json(body, JSON)

    def test_wrong_content_type_is_400(self) -> None:
        with pytest.raises(BadRequest, match="Content-Type must be application/json"):
            read_json(b'{"a": 1}', "text/plain")

    def test_charset_parameter_is_fine(self) -> None:
        assert read_json(b"{}", "application/json; charset=utf-8") == {}

    def test_body_over_one_mib_is_too_large(self) -> None:
        body = json.dumps({"a": "x" * MAX_BODY_BYTES}).encode()
        with pytest.raises(PayloadTooLarge):
            read_json(body, JSON)


class TestIdempotencyKeys:
    def test_single_key(self) -> None:
        assert idempotency_keys("abc-123") == ["abc-123"]
        assert idempotency_keys(None) is None

    def test_batch_keys(self) -> None:
        assert idempotency_keys("a,b, c", count=3) == ["a", "b", "c"]

    @pytest.mark.parametrize("header", ["", "has space", "x" * 256, "tab\t", "é"])
    def test_malformed_single_key(self, header: str) -> None:
        with pytest.raises(BadRequest, match="Idempotency-Key"):
            idempotency_keys(header)

    def test_comma_in_single_key_is_rejected(self) -> None:
        with pytest.raises(BadRequest):
            idempotency_keys("a,b")

    def test_wrong_count(self) -> None:
        with pytest.raises(BadRequest, match="exactly one key per element"):
            idempotency_keys("a,b", count=3)


def test_snake() -> None:
    assert snake("tierPosition") == "tier_position"
    assert snake("tiersGroupByMetadata") == "tiers_group_by_metadata"
    assert snake("iamRoleArn") == "iam_role_arn"
    assert snake("consumerDeploymentParameters") == "consumer_deployment_parameters"
    assert snake("generatePDFPaymentLink") == "generate_pdf_payment_link"
    assert snake("addressLine1") == "address_line1"


def test_offset_zero_equivalents() -> None:
    assert parse_timestamp("2026-01-01T00:00:00+00:00") == parse_timestamp("2026-01-01T00:00:00Z")
    assert parse_timestamp("2026-01-01T00:00:00-00:30") == datetime(
        2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(0))
    )


def test_metadata_fast_path_still_bounds_huge_numbers() -> None:
    huge = {f"k{i}": 10**1100 for i in range(16)}
    with pytest.raises(BadRequest, match="larger than"):
        validate(huge, Metadata(), "metadata")
    assert validate({"region": "us", "n": 3, "ok": True}, Metadata(), "metadata") == {
        "region": "us",
        "n": 3,
        "ok": True,
    }


def test_hostile_nesting_is_a_400_not_a_crash() -> None:
    body = b'{"metadata": ' + b'{"a": ' * 900 + b"1" + b"}" * 900 + b"}"
    value = read_json(body, JSON)
    with pytest.raises(BadRequest, match="nested more than"):
        validate(value, Object({"metadata": Field(Metadata())}))


# The fast checks (`Schema.converter`) must accept only what `check` accepts, with the same
# result; whatever they refuse is checked in full, so the messages are `check`'s own.

_RECORD_NAMES = ["dimensionId", "timestamp", "customerId", "recordValue", "metadata"]
_SAMPLES = [
    None,
    True,
    0,
    -(10**19),
    10**17,
    Decimal("1.5"),
    Decimal("1E+2"),
    "",
    "x",
    "a\x00b",
    "é",
    "cus-1",
    "x" * 300,
    "12.5",
    "-0.000",
    "+7",
    "1e3",
    "1.",
    ".5",
    "١٢",
    "0",
    "100",
    "100.5",
    "2026-11-24T08:00:00.000Z",
    "2026-11-24T08:00:00Z",
    "2026-11-24T08:00:00.123456Z",
    "2026-11-24t08:00:00.000z",
    "2026-11-24T24:00:00.000Z",
    "2026-02-30T08:00:00.000Z",
    "2026-11-24T08:00:60.000Z",
    "2026-11-24T08:00:00.0000Z",
    "2026-11-24T08:00:00+01:00",
    "inf",
    "monthly",
    [],
    ["x"],
    {},
    {"region": "eu", "n": 3},
    {"k" * 65: 1},
    {"deep": {"er": {"still": [1, 2]}}},
    {"big": 10**18},
    {f"k{i}": i for i in range(17)},
]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from(_SAMPLES),
    st.text(max_size=8),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=70), inner, max_size=18),
    max_leaves=24,
)
_LEAVES = [
    String(),
    String(max_length=3, allow_empty=True),
    Enum(("monthly", "x")),
    DecimalString(),
    DecimalString(minimum=Decimal(0), maximum=Decimal(100), exclusive_minimum=True),
    DecimalString(integer=True),
    Timestamp(),
    Metadata(),
]


def _leaf_agrees(schema: Schema, value: object) -> None:
    convert = schema.converter()
    assert convert is not None
    converted = convert(value)
    if converted is _REFUSED:
        return
    errors: list[str] = []
    expected = schema.check(value, "field", errors)
    assert errors == []
    assert repr(converted) == repr(expected)


@pytest.mark.parametrize("schema", _LEAVES)
def test_a_leaf_fast_check_accepts_only_what_check_accepts(schema: Schema) -> None:
    for value in _SAMPLES:
        _leaf_agrees(schema, value)


@settings(max_examples=300, deadline=None)
@given(schema=st.sampled_from(_LEAVES), value=_VALUES)
def test_a_leaf_fast_check_agrees_on_any_value(schema: Schema, value: object) -> None:
    _leaf_agrees(schema, value)


_OBJECTS = [
    schemas.CREATE_USAGE,
    Object(
        {
            "plan": Field(Enum(("monthly", "x")), nullable=True),
            "price": Field(DecimalString(minimum=Decimal(0)), required=True),
            "note": Field(String(allow_empty=True)),
        }
    ),
    Object({"name": Field(String()), "note": Field(String(), nullable=True)}, extra=True),
]


@settings(max_examples=500, deadline=None)
@given(
    schema=st.sampled_from(_OBJECTS),
    value=st.dictionaries(
        st.sampled_from([*_RECORD_NAMES, "plan", "price", "note", "name", "other"]),
        _VALUES,
        max_size=6,
    )
    | _VALUES,
)
def test_an_object_fast_check_accepts_only_what_the_full_check_accepts(schema, value) -> None:
    convert = schema.converter()
    assert convert is not None
    converted = convert(value)
    errors: list[str] = []
    expected = schema._check_in_full(value, "", errors)
    if converted is _REFUSED:
        return
    assert errors == []
    assert repr(converted) == repr(expected)


def test_a_usage_record_that_passes_the_fast_check_converts_as_before() -> None:
    record = {
        "customerId": "cus-1",
        "dimensionId": "dim-1",
        "recordValue": "12.50",
        "timestamp": "2026-11-24T08:00:00.000Z",
        "metadata": {"region": "eu"},
    }
    assert validate([record, {**record, "metadata": None}], schemas.USAGE_BATCH) == [
        {
            "dimension_id": "dim-1",
            "timestamp": datetime(2026, 11, 24, 8, tzinfo=UTC),
            "customer_id": "cus-1",
            "record_value": Decimal("12.50"),
            "metadata": {"region": "eu"},
        },
        {
            "dimension_id": "dim-1",
            "timestamp": datetime(2026, 11, 24, 8, tzinfo=UTC),
            "customer_id": "cus-1",
            "record_value": Decimal("12.50"),
        },
    ]


def test_refused_records_in_a_batch_are_named_by_their_position() -> None:
    good = {
        "customerId": "cus-1",
        "dimensionId": "dim-1",
        "recordValue": "1",
        "timestamp": "2026-11-24T08:00:00.000Z",
    }
    batch = [good, {**good, "recordValue": "1e3"}, good, {**good, "extra": 1, "customerId": ""}]
    with pytest.raises(BadRequest) as refused:
        validate(batch, schemas.USAGE_BATCH)
    assert refused.value.messages == [
        '1.recordValue must be a plain decimal string such as "12.5" (optional sign, digits, '
        "optional fraction; no exponent, NaN or Infinity; at most 64 characters)",
        "property 3.extra should not exist",
        "3.customerId should not be empty",
    ]
