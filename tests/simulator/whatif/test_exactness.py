"""What-if equals the simulator's own invoices to the cent (B3-B9), on fixed and random data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from simulator.whatif import CURRENT, load_catalog, load_enrollments, what_if

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2027, 3, 1, tzinfo=UTC)
UNIT = {"type": "count", "unit": "count-based"}


def _dimension(key: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dimensionId": key,
        "usageDimensionId": "calls",
        "dimensionName": f"Calls {key}",
        "consumptionUnit": UNIT,
        "usageIncrement": "1",
        "rounding": "ceiling",
        "aggregationMethod": "sum",
        "aggregationInterval": "day",
        "consumptionPrice": "0.10",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def test_fixed_example_matches_the_engine_line_by_line(reference, as_invoices):
    catalog = load_catalog(
        {
            "settings": {"taxRate": "8.25"},
            "dimensions": [
                _dimension("flat", usageIncrement="1000", consumptionPrice="0.50"),
                _dimension(
                    "tiered",
                    aggregationMethod="max",
                    aggregationInterval="hour",
                    rounding="round",
                    consumptionPrice=None,
                    tiers=[
                        {"tierPosition": "1", "upperBound": "100", "unitPrice": "0.01"},
                        {"tierPosition": "2", "upperBound": "inf", "unitPrice": "0.005"},
                    ],
                ),
            ],
            "offerings": [
                {
                    "offeringId": "basic",
                    "offeringName": "Basic",
                    "offeringType": "subscription",
                    "subscriptionPrice": "10",
                    "dimensionIds": ["flat"],
                },
                {
                    "offeringId": "usage",
                    "offeringName": "Usage",
                    "dimensionIds": ["tiered"],
                    "minimumCharge": "5",
                },
            ],
        }
    )
    enrollments = load_enrollments(
        [
            {"customerId": "a", "offeringId": "basic", "enrollmentDate": "2026-11-10T13:20:30Z"},
            {"customerId": "b", "offeringId": "basic", "enrollmentDate": "2026-11-01T00:00:00Z"},
        ]
    )
    records = [
        {
            "customerId": "ab"[i % 2],
            "dimensionId": "calls",
            "recordValue": f"{(i * 7919) % 100000 // 100}.{(i * 7919) % 100:02d}",
            "timestamp": (START + timedelta(minutes=97 * i)).isoformat(),
        }
        for i in range(600)
    ]
    result = what_if(records, catalog, enrollments, ["usage"], through=END)
    plans = {CURRENT: {"a": "basic", "b": "basic"}, "usage": {"a": "usage", "b": "usage"}}
    # Per customer: four cycle ends, plus an enrollment invoice when there is a subscription.
    counts = {CURRENT: 10, "usage": 8}
    for scenario, plan in plans.items():
        expected = reference(catalog, enrollments, records, plan, END)
        assert as_invoices(result, scenario) == expected
        assert len(expected) == counts[scenario]
    # Hand-checked figure: customer b, basic, first invoice: the subscription for November.
    first_b = next(i for i in result.invoices if i.customer_id == "b" and i.scenario == CURRENT)
    assert first_b.subtotal == Decimal("10.00")
    assert first_b.tax == Decimal("0.83")


def _price_fields(draw: Any, key: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["flat", "tiers", "entitlement", "groups"]))
    fields: dict[str, Any] = {
        "aggregationMethod": draw(
            st.sampled_from(["sum", "max", "min", "count", "average", "last"])
        ),
        "aggregationInterval": draw(st.sampled_from(["hour", "day", "month", "none"])),
        "rounding": draw(st.sampled_from(["ceiling", "floor", "round"])),
        "usageIncrement": draw(st.sampled_from(["1", "0.5", "60", "0.25", "3"])),
        "consumptionPrice": draw(st.sampled_from(["0.10", "1.333", "0", "2.5"])),
        # Upfront dimensions are priced on the latest record before each billing moment (B7).
        "paymentSchedule": draw(st.sampled_from(["arrear", "arrear", "upfront"])),
    }
    inc = Decimal(fields["usageIncrement"])
    tiers = [
        {"tierPosition": "1", "upperBound": str(inc * 10), "unitPrice": "0.07"},
        {"tierPosition": "2", "upperBound": "inf", "unitPrice": "0.031"},
    ]
    if kind == "tiers":
        fields["consumptionPrice"] = None
        fields["tiers"] = tiers
    elif kind == "entitlement":
        fields["usageEntitlement"] = str(inc * draw(st.integers(0, 20)))
        fields["overageAllowed"] = draw(st.sampled_from(["true", "false"]))
    elif kind == "groups":
        fields["consumptionPrice"] = None
        fields["tiersGroupByMetadata"] = [
            {"metadataGroups": {"region": "eu"}, "tiers": tiers},
            {
                "metadataGroups": {"region": "us"},
                "tiers": [{"tierPosition": "1", "upperBound": "inf", "unitPrice": "0.2"}],
            },
        ]
    return _dimension(key, **fields)


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    dims = [_price_fields(draw, f"d{i}") for i in range(3)]
    offerings = []
    for key, dim_ids in (("cur", ["d0"]), ("cand", ["d1", "d2"][: draw(st.integers(1, 2))])):
        offering: dict[str, Any] = {
            "offeringId": key,
            "offeringName": key.title(),
            "dimensionIds": dim_ids,
            "billingCycle": draw(st.sampled_from(["monthly", "monthly", "annualToDate"])),
        }
        if draw(st.booleans()):
            offering["offeringType"] = "subscription"
            offering["subscriptionPrice"] = draw(st.sampled_from(["9.99", "100", "0"]))
        elif draw(st.booleans()):
            offering["minimumCharge"] = draw(st.sampled_from(["1", "25.50"]))
        offerings.append(offering)
    catalog = {
        "settings": {
            "taxRate": draw(st.sampled_from(["0", "7.5", "19"])),
            "freeDimensionOnInvoice": draw(st.sampled_from(["show", "hide"])),
        },
        "dimensions": dims,
        "offerings": offerings,
    }
    customers = ["c1", "c2", "c3"][: draw(st.integers(1, 3))]
    joined = {c: draw(st.integers(0, 40 * 86400)) for c in customers}
    enrollments = [
        {
            "customerId": c,
            "offeringId": "cur",
            "enrollmentDate": (START + timedelta(seconds=joined[c])).isoformat(),
        }
        for c in customers
    ]
    # Some records fall exactly on a cycle boundary or an enrollment, or share a timestamp.
    seconds = st.one_of(
        st.integers(0, 100 * 86400),
        st.sampled_from(
            [*(d * 86400 + e for d in (0, 30, 61, 92) for e in (-1, 0)), *joined.values()]
        ),
    )
    micros = st.one_of(st.just(0), st.integers(0, 9))
    records = [
        {
            "customerId": draw(st.sampled_from([*customers, "stranger"])),
            "dimensionId": draw(st.sampled_from(["calls", "calls", "other"])),
            "recordValue": str(
                Decimal(draw(st.integers(-50, 5000))).scaleb(-draw(st.integers(0, 3)))
            ),
            "timestamp": (
                START + timedelta(seconds=draw(seconds), microseconds=draw(micros))
            ).isoformat(),
            "metadata": draw(
                st.sampled_from([None, {"region": "eu"}, {"region": "us", "x": 1}, {"x": 2}])
            ),
        }
        for _ in range(draw(st.integers(0, 40)))
    ]
    return {"catalog": catalog, "enrollments": enrollments, "records": records}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=scenarios())
def test_property_every_invoice_equals_the_engines(case, reference, as_invoices):
    catalog = load_catalog(case["catalog"])
    enrollments = load_enrollments(case["enrollments"])
    records = case["records"]
    result = what_if(records, catalog, enrollments, ["cand"], through=END)
    for scenario, key in ((CURRENT, "cur"), ("cand", "cand")):
        plan = {e.customer_id: key for e in enrollments}
        assert as_invoices(result, scenario) == reference(catalog, enrollments, records, plan, END)


def test_values_beyond_64_bits_are_exact(reference, as_invoices):
    catalog = load_catalog(
        {
            "dimensions": [
                _dimension("big", aggregationMethod="sum", aggregationInterval="hour"),
                _dimension("peak", aggregationMethod="max", aggregationInterval="month"),
            ],
            "offerings": [
                {"offeringId": "a", "offeringName": "A", "dimensionIds": ["big"]},
                {"offeringId": "b", "offeringName": "B", "dimensionIds": ["peak"]},
            ],
        }
    )
    enrollments = load_enrollments(
        [{"customerId": "c", "offeringId": "a", "enrollmentDate": "2026-11-01T00:00:00Z"}]
    )
    records = [
        {
            "customerId": "c",
            "dimensionId": "calls",
            "recordValue": value,
            "timestamp": f"2026-11-0{day}T10:00:00Z",
        }
        for day, value in ((2, "98765432109876543210.125"), (3, "-1.5"), (4, "3"))
    ]
    result = what_if(records, catalog, enrollments, ["b"], through=END)
    for scenario, key in ((CURRENT, "a"), ("b", "b")):
        expected = reference(catalog, enrollments, records, {"c": key}, END)
        assert as_invoices(result, scenario) == expected
    first = next(i for i in result.invoices if i.scenario == CURRENT)
    # Hourly ceilings: 98765432109876543211 - 1 + 3 increments at 0.10.
    assert first.lines[0].amount == Decimal("9876543210987654321.30")


def test_values_too_wide_for_128_bit_arithmetic_are_exact(reference, as_invoices):
    # Sums near 38 digits, and averages past 27, are priced bucket by bucket with the engine's
    # own functions instead of in SQL: both must still equal the engine.
    catalog = load_catalog(
        {
            "dimensions": [
                _dimension("wide", aggregationMethod="sum", aggregationInterval="day"),
                _dimension(
                    "mean",
                    aggregationMethod="average",
                    aggregationInterval="hour",
                    usageIncrement="0.25",
                    rounding="round",
                ),
            ],
            "offerings": [
                {"offeringId": "a", "offeringName": "A", "dimensionIds": ["wide"]},
                {"offeringId": "b", "offeringName": "B", "dimensionIds": ["mean"]},
            ],
        }
    )
    enrollments = load_enrollments(
        [{"customerId": "c", "offeringId": "a", "enrollmentDate": "2026-11-01T00:00:00Z"}]
    )
    records = [
        {
            "customerId": "c",
            "dimensionId": "calls",
            "recordValue": value,
            "timestamp": moment,
        }
        for value, moment in (
            ("1234567890123456789012345678901234567.5", "2026-11-02T10:00:00Z"),
            ("-0.5", "2026-11-02T10:30:00Z"),
            ("1000000000000000000000000000.1", "2026-11-03T10:00:00Z"),
            ("0.2", "2026-11-03T10:10:00Z"),
            ("0.3", "2026-11-03T10:20:00Z"),
        )
    ]
    result = what_if(records, catalog, enrollments, ["b"], through=END)
    for scenario, key in ((CURRENT, "a"), ("b", "b")):
        expected = reference(catalog, enrollments, records, {"c": key}, END)
        assert as_invoices(result, scenario) == expected
    first = next(i for i in result.invoices if i.scenario == CURRENT)
    # Daily ceilings at 0.10: 1234567890123456789012345678901234567 + 1000000000000000000000000001.
    assert first.lines[0].quantity == Decimal("1234567891123456789012345678901234568")


def test_upfront_dimensions_are_priced_on_the_latest_record_before_each_billing(
    reference, as_invoices
):
    # B7: at the enrollment and at each cycle start an upfront dimension is priced on the record
    # with the latest timestamp sent before that moment (the last one sent on a tie); a record
    # before the enrollment counts, and one at the very moment does not.
    seats = _dimension(
        "seats",
        paymentSchedule="upfront",
        aggregationMethod="last",
        aggregationInterval="month",
        consumptionPrice="2",
    )
    catalog = load_catalog(
        {
            "dimensions": [_dimension("calls"), seats],
            "offerings": [
                {"offeringId": "payg", "offeringName": "PAYG", "dimensionIds": ["calls"]},
                {"offeringId": "team", "offeringName": "Team", "dimensionIds": ["seats"]},
            ],
        }
    )
    enrollments = load_enrollments(
        [{"customerId": "c", "offeringId": "payg", "enrollmentDate": "2026-11-10T12:00:00Z"}]
    )
    records = [
        {"customerId": "c", "dimensionId": "calls", "recordValue": value, "timestamp": at}
        for value, at in (
            ("5", "2026-11-01T00:00:00Z"),
            ("7", "2026-11-10T12:00:00Z"),
            ("9", "2026-11-30T23:00:00Z"),
            ("3", "2026-11-30T23:00:00Z"),
            ("100", "2026-12-01T00:00:00Z"),
        )
    ]
    end = datetime(2027, 1, 1, tzinfo=UTC)
    result = what_if(records, catalog, enrollments, ["team"], through=end)
    expected = reference(catalog, enrollments, records, {"c": "team"}, end)
    assert as_invoices(result, "team") == expected
    # 5 seats for 21 of November's 30 days, then 3 seats for December, then 100 for January.
    team = [i.subtotal for i in result.invoices if i.scenario == "team"]
    assert team == [Decimal("7.00"), Decimal("6.00"), Decimal("200.00")]
