"""The wire models: camelCase aliases, Decimal strings and numbers, "inf", unknown fields kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from paigo_sdk import _json
from paigo_sdk.types import (
    INFINITY,
    CustomerToken,
    CustomerUpdateParams,
    Dimension,
    DimensionCreateParams,
    Invoice,
    LedgerEntry,
    Offering,
    OfferingCreateParams,
    RawUsage,
    UsageRecordCreateParams,
    dump_json,
    parse_decimal,
)
from paigo_sdk.types.enums import AggregationMethod, Rounding
from paigo_sdk.types.usage import AggregatedUsage, CustomerUsage

DIMENSION_WIRE = {
    "dimensionId": "22372d1d-1c0c-40e0-8167-af0b4f5c82f6",
    "dimensionName": "API calls",
    "consumptionUnit": {"type": "count", "unit": "count-based"},
    "usageIncrement": "1000",
    "rounding": "ceiling",
    "usageEntitlement": "inf",
    "aggregationMethod": "sum",
    "consumptionPrice": "0.50",
    "overageAllowed": "true",
    "tiers": [{"tierPosition": "1", "upperBound": "inf", "unitPrice": "1"}],
    "undocumentedField": {"kept": True},
}


def test_reply_models_parse_camel_case_and_keep_unknown_fields() -> None:
    dimension = Dimension.model_validate(DIMENSION_WIRE)
    assert dimension.dimension_name == "API calls"
    assert dimension.usage_increment == Decimal("1000")
    assert dimension.consumption_price == Decimal("0.50")
    assert dimension.usage_entitlement is INFINITY
    assert dimension.tiers is not None
    assert dimension.tiers[0].upper_bound is INFINITY
    assert dimension.rounding is Rounding.CEILING
    assert dimension.aggregation_method is AggregationMethod.SUM
    assert dimension.overage_allowed is True
    assert dimension.model_extra == {"undocumentedField": {"kept": True}}


def test_reply_models_round_trip_to_the_same_wire_values() -> None:
    dimension = Dimension.model_validate(DIMENSION_WIRE)
    assert json.loads(dimension.model_dump_json(exclude_unset=True)) == DIMENSION_WIRE


def test_unknown_enum_values_in_replies_are_kept_as_strings() -> None:
    dimension = Dimension.model_validate({**DIMENSION_WIRE, "rounding": "banker"})
    assert dimension.rounding == "banker"


def test_reply_models_are_frozen() -> None:
    dimension = Dimension.model_validate(DIMENSION_WIRE)
    with pytest.raises(ValidationError):
        dimension.dimension_name = "other"


@pytest.mark.parametrize("value", [Decimal("0.87"), 3, "0.87", "-1", "+10.50", "007"])
def test_decimal_inputs_are_accepted(value: object) -> None:
    assert parse_decimal(value) == Decimal(str(value))


@pytest.mark.parametrize(
    "value",
    # "10." and ".5" are refused as the server refuses them (one wire grammar); so are digits
    # outside ASCII, which `Decimal` would read.
    [
        *(0.87, float("nan"), "1e3", "NaN", "Infinity", "", " 1", True, Decimal("NaN"), None),
        *("10.", ".5", "\u0663", "1_000"),
    ],
)
def test_floats_and_non_plain_decimals_are_rejected(value: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        parse_decimal(value)


def test_decimal_strings_are_written_plain_never_in_exponent_form() -> None:
    params = UsageRecordCreateParams(
        customer_id="c",
        dimension_id="d",
        record_value=Decimal("1E+3"),
        timestamp=datetime(2026, 11, 24, 9, 0, tzinfo=timezone(timedelta(hours=1))),
    )
    assert json.loads(dump_json(params)) == {
        "customerId": "c",
        "dimensionId": "d",
        "recordValue": "1000",
        "timestamp": "2026-11-24T08:00:00.000Z",
    }


def test_naive_timestamps_are_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        UsageRecordCreateParams.model_validate(
            {
                "customer_id": "c",
                "dimension_id": "d",
                "record_value": "1",
                "timestamp": datetime(2026, 1, 1),  # noqa: DTZ001
            }
        )


def test_params_reject_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="extra"):
        UsageRecordCreateParams.model_validate(
            {
                "customerId": "c",
                "dimensionId": "d",
                "recordValue": "1",
                "timestamp": datetime.now(UTC),
                "recordVal": "2",
            }
        )


def test_json_numbers_stay_numbers_on_the_wire_and_strings_stay_strings() -> None:
    params = OfferingCreateParams(
        offering_name="Pro", subscription_price=Decimal("100.09"), prepaid_credit=Decimal("5")
    )
    text = dump_json(params)
    assert '"subscriptionPrice":100.09' in text
    assert '"prepaidCredit":"5"' in text


def test_entitlement_is_a_number_or_inf_on_the_wire() -> None:
    base = {
        "dimension_name": "Seats",
        "consumption_unit": {"type": "count", "unit": "count-based"},
        "usage_increment": 1,
        "rounding": "round",
    }
    assert (
        json.loads(
            dump_json(DimensionCreateParams.model_validate({**base, "usage_entitlement": INFINITY}))
        )["usageEntitlement"]
        == "inf"
    )
    assert '"usageEntitlement":10' in dump_json(
        DimensionCreateParams.model_validate({**base, "usage_entitlement": Decimal(10)})
    )


def test_consumption_unit_must_match_its_type() -> None:
    with pytest.raises(ValidationError, match="not a time unit"):
        DimensionCreateParams.model_validate(
            {
                "dimension_name": "x",
                "consumption_unit": {"type": "time", "unit": "byte"},
                "usage_increment": 1,
                "rounding": "round",
            }
        )


def test_explicit_none_becomes_null_and_omitted_fields_stay_absent() -> None:
    params = CustomerUpdateParams(metadata=None)
    assert dump_json(params) == '{"metadata":null}'
    assert dump_json(CustomerUpdateParams()) == "{}"


def test_json_numbers_in_replies_are_parsed_without_float() -> None:
    body = _json.loads(
        '{"transactionAmount": 0.1, "timestamp": "2026-01-01T00:00:00Z", "metadata": {}}'
    )
    entry = LedgerEntry.model_validate(body)
    assert entry.transaction_amount == Decimal("0.1")


def test_invoice_communication_history_is_flattened() -> None:
    invoice = Invoice.model_validate(
        {
            "invoiceStatus": "Open",
            "totalAmountWithoutTax": Decimal("10"),
            "invoiceCommunicationHistory": [
                [{"type": "INVOICE_EMAIL"}],
                {"type": "REMINDER_EMAIL"},
            ],
        }
    )
    assert [item.type for item in invoice.invoice_communication_history] == [
        "INVOICE_EMAIL",
        "REMINDER_EMAIL",
    ]


def test_usage_views_are_told_apart_by_their_records() -> None:
    from pydantic import TypeAdapter

    adapter: TypeAdapter[list[CustomerUsage]] = TypeAdapter(list[CustomerUsage])
    raw, aggregated = adapter.validate_python(
        [
            {
                "dimensionId": "d",
                "usage": [
                    {"timestamp": "2026-01-01T00:00:00Z", "recordValue": "1", "metadata": {}}
                ],
            },
            {
                "dimensionId": "d",
                "usage": [
                    {
                        "value": "0.67",
                        "startTime": "2021-01-01T00:00:00.000Z",
                        "endTime": "2021-01-01T01:00:00.000Z",
                    }
                ],
            },
        ]
    )
    assert isinstance(raw, RawUsage)
    assert isinstance(aggregated, AggregatedUsage)


def test_customer_token_is_never_shown() -> None:
    token = CustomerToken.model_validate({"access_token": "secret-jwt"})
    assert token.access_token == "secret-jwt"
    assert "secret-jwt" not in repr(token)
    assert "secret-jwt" not in str(token)


def test_offering_embeds_full_dimensions() -> None:
    offering = Offering.model_validate(
        {
            "offeringId": "o",
            "offeringName": "Pro",
            "dimensions": [DIMENSION_WIRE],
            "subscriptionPrice": Decimal("20"),
        }
    )
    assert offering.dimensions[0].dimension_id == DIMENSION_WIRE["dimensionId"]
    assert offering.subscription_price == Decimal("20")


def test_not_given_is_a_falsy_singleton() -> None:
    import copy
    import pickle

    from paigo_sdk import NOT_GIVEN, NotGiven

    assert not NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
    assert NotGiven() is NOT_GIVEN
    assert copy.deepcopy(NOT_GIVEN) is NOT_GIVEN
    assert pickle.loads(pickle.dumps(NOT_GIVEN)) is NOT_GIVEN


def test_infinity_is_greater_than_every_number() -> None:
    bound = INFINITY
    assert Decimal("1e30") < bound
    assert bound >= 5
    assert bound is INFINITY
    assert Decimal("Infinity") != bound
    assert str(INFINITY) == "inf"


def test_json_writer_never_uses_exponents() -> None:
    assert (
        _json.dumps({"a": Decimal("1E+3"), "b": [Decimal("0.000001")]})
        == '{"a":1000,"b":[0.000001]}'
    )
    with pytest.raises(ValueError, match="non-finite"):
        _json.dumps(Decimal("NaN"))


@pytest.mark.parametrize(
    "value",
    [
        {"a": "é", "b": [1, True, None, 2.5], "c": {"d": "x"}},
        [{"recordValue": "1.50", "timestamp": "2026-11-24T08:00:00.000Z"}],
        {"n": Decimal("12.50"), "s": "12.50"},
        ("tuple", Decimal("-0.001")),
    ],
)
def test_json_fast_and_exact_paths_agree(value: object) -> None:
    parts: list[str] = []
    _json._encode(value, parts)
    assert _json.dumps(value) == "".join(parts)


def test_null_lists_in_replies_read_as_empty() -> None:
    invoice = Invoice.model_validate(
        {
            "invoiceStatus": "Draft",
            "totalAmountWithoutTax": 0,
            "lineItems": None,
            "payments": None,
            "refunds": None,
            "invoiceCommunicationHistory": None,
        }
    )
    assert (invoice.line_items, invoice.payments, invoice.refunds) == ([], [], [])
    assert invoice.invoice_communication_history == []
    offering = Offering.model_validate({"offeringId": "o", "offeringName": "P", "dimensions": None})
    assert offering.dimensions == []
