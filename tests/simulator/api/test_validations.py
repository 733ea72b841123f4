"""Every validation listed in section 3 of the API notes answers 400 and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.simulator.api.conftest import ApiClient

FLAT = {
    "dimensionName": "API calls",
    "consumptionUnit": {"type": "count", "unit": "count-based"},
    "usageIncrement": "10",
    "rounding": "ceiling",
    "consumptionPrice": "1",
    "aggregationMethod": "sum",
}
TIERED = {
    **{k: v for k, v in FLAT.items() if k != "consumptionPrice"},
    "tiers": [
        {"tierPosition": "1", "upperBound": "100", "unitPrice": "1"},
        {"tierPosition": "2", "upperBound": "inf", "unitPrice": "0.5"},
    ],
}


def _tiers(*bounds: tuple[str, str]) -> dict[str, Any]:
    return {
        **TIERED,
        "tiers": [{"tierPosition": p, "upperBound": b, "unitPrice": "1"} for p, b in bounds],
    }


class World:
    """A small catalog and two customers, created through the API."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.flat = self._id("/dimensions", FLAT, "dimensionId")
        self.tiered = self._id("/dimensions", TIERED, "dimensionId")
        self.seats = self._id(
            "/dimensions",
            {
                **FLAT,
                "usageIncrement": "1",
                "paymentSchedule": "upfront",
                "aggregationMethod": "last",
            },
            "dimensionId",
        )
        self.offering = self._id(
            "/offerings",
            {"offeringName": "Plan", "dimensionIds": [self.flat, self.tiered, self.seats]},
            "offeringId",
        )
        self.customer = self._id(
            "/customers",
            {
                "customerName": "A",
                "email": "a@x.io",
                "paymentChannel": "manual",
                "offeringId": self.offering,
            },
            "customerId",
        )
        self.loner = self._id(
            "/customers",
            {"customerName": "B", "email": "b@x.io", "paymentChannel": "manual"},
            "customerId",
        )
        reply = client.post(
            f"/customers/{self.customer}/transactions", json={"transactionAmount": "5"}
        )
        assert reply.status == 201

    def _id(self, path: str, body: dict[str, Any], field: str) -> str:
        reply = self.client.post(path, json=body)
        assert reply.status == 201, reply.body
        return str(reply.json[field])


Case = Callable[[World], tuple[str, str, Any]]

CASES: dict[str, Case] = {
    "invoice=true on a dimension that is not upfront+last": lambda w: (
        "POST",
        "/usage?invoice=true",
        {
            "customerId": w.customer,
            "dimensionId": w.flat,
            "timestamp": "2026-11-24T08:00:00Z",
            "recordValue": "1",
        },
    ),
    "invoice=true for a customer without an enrollment": lambda w: (
        "POST",
        "/usage?invoice=true",
        {
            "customerId": w.loner,
            "dimensionId": w.seats,
            "timestamp": "2026-11-24T08:00:00Z",
            "recordValue": "3",
        },
    ),
    "refunds of a manual customer": lambda w: ("GET", f"/customers/{w.customer}/refunds", None),
    "payments of a manual customer": lambda w: ("GET", f"/customers/{w.customer}/payments", None),
    "unenrollOffering with removePriorOffering": lambda w: (
        "PUT",
        f"/customers/{w.customer}/enrollment",
        {"unenrollOffering": w.offering, "removePriorOffering": True},
    ),
    "unenrollOffering with offeringId": lambda w: (
        "PUT",
        f"/customers/{w.customer}/enrollment",
        {"unenrollOffering": w.offering, "offeringId": w.offering},
    ),
    "duplicate dimensionId in enrollment usage": lambda w: (
        "PUT",
        f"/customers/{w.customer}/enrollment",
        {
            "usage": [
                {"dimensionId": w.seats, "recordValue": "1"},
                {"dimensionId": w.seats, "recordValue": "2"},
            ]
        },
    ),
    "tier positions not 1..n": lambda w: (
        "POST",
        "/dimensions",
        _tiers(("1", "100"), ("3", "inf")),
    ),
    "inf bound not last": lambda w: ("POST", "/dimensions", _tiers(("1", "inf"), ("2", "200"))),
    "bound not a multiple of the increment": lambda w: (
        "POST",
        "/dimensions",
        _tiers(("1", "105"), ("2", "inf")),
    ),
    "bounds not increasing": lambda w: ("POST", "/dimensions", _tiers(("1", "200"), ("2", "100"))),
    "discount percentage above 100": lambda w: (
        "PUT",
        f"/customers/{w.customer}/enrollment",
        {"overrides": {"discount": {"name": "Too much", "percentage": "101"}}},
    ),
    "topUpThreshold above 1": lambda w: (
        "POST",
        "/offerings",
        {
            "offeringName": "T",
            "billingCycle": "topUp",
            "topUpAmount": "100",
            "topUpThreshold": "1.5",
        },
    ),
    "minimumCharge of 0": lambda w: (
        "POST",
        "/offerings",
        {"offeringName": "M", "minimumCharge": "0"},
    ),
    "free trial ending in the past": lambda w: (
        "PUT",
        f"/customers/{w.customer}/freeTrial",
        {"freeTrialEndDate": "2026-01-01T00:00:00Z"},
    ),
    "enrollment date in the future": lambda w: (
        "POST",
        "/customers",
        {
            "customerName": "F",
            "email": "f@x.io",
            "paymentChannel": "manual",
            "offeringId": w.offering,
            "offeringEnrollmentDate": "2027-01-01T00:00:00Z",
        },
    ),
    "wallet balance below zero": lambda w: (
        "POST",
        f"/customers/{w.customer}/transactions",
        {"transactionAmount": "-5.01"},
    ),
    "currency change with a credit balance": lambda w: (
        "PUT",
        f"/customers/{w.customer}",
        {"currency": "EUR"},
    ),
    "subscription without subscriptionPrice": lambda w: (
        "POST",
        "/offerings",
        {"offeringName": "S", "offeringType": "subscription"},
    ),
    "topUp without topUpAmount": lambda w: (
        "POST",
        "/offerings",
        {"offeringName": "U", "billingCycle": "topUp"},
    ),
    "override changing price structure": lambda w: (
        "POST",
        "/offerings",
        {
            "offeringName": "O",
            "dimensionIds": [w.tiered],
            "dimensionOverrides": [{"dimensionId": w.tiered, "consumptionPrice": "2"}],
        },
    ),
    "tiers with consumptionPrice": lambda w: (
        "POST",
        "/dimensions",
        {**TIERED, "consumptionPrice": "1"},
    ),
    "tiers with usageEntitlement": lambda w: (
        "POST",
        "/dimensions",
        {**TIERED, "usageEntitlement": 10},
    ),
    "tiers with overageAllowed": lambda w: (
        "POST",
        "/dimensions",
        {**TIERED, "overageAllowed": "true"},
    ),
    "malformed RFC 3339 time": lambda w: (
        "POST",
        "/usage",
        {
            "customerId": w.customer,
            "dimensionId": w.flat,
            "timestamp": "2026-11-24 08:00",
            "recordValue": "1",
        },
    ),
    "endTime not after startTime": lambda w: (
        "GET",
        f"/customers/{w.customer}/usage?startTime=2026-11-24T07:00:00Z&endTime=2026-11-24T07:00:00Z",
        None,
    ),
    "endTime in the future": lambda w: (
        "GET",
        f"/customers/{w.customer}/usage?endTime=2026-12-01T00:00:00Z",
        None,
    ),
    "client customerId that exists": lambda w: (
        "POST",
        "/customers",
        {
            "customerName": "Again",
            "email": "x@x.io",
            "paymentChannel": "manual",
            "customerId": w.customer,
        },
    ),
    "usage timestamp more than 5 minutes ahead": lambda w: (
        "POST",
        "/usage",
        {
            "customerId": w.customer,
            "dimensionId": w.flat,
            "timestamp": "2026-11-24T08:06:00Z",
            "recordValue": "1",
        },
    ),
}


# The words each rule's message must contain (the engine's texts name the wire field).
EXPECTED: dict[str, str] = {
    "invoice=true on a dimension that is not upfront+last": "aggregationMethod last",
    "invoice=true for a customer without an enrollment": "actively enrolled",
    "refunds of a manual customer": "paymentChannel is Stripe",
    "payments of a manual customer": "paymentChannel is Stripe",
    "unenrollOffering with removePriorOffering": "unenrollOffering cannot be combined",
    "unenrollOffering with offeringId": "unenrollOffering cannot be combined",
    "duplicate dimensionId in enrollment usage": "dimensionId must be unique",
    "tier positions not 1..n": "tierPosition",
    "inf bound not last": "inf only on the last tier",
    "bound not a multiple of the increment": "multiple of usageIncrement",
    "bounds not increasing": "must increase",
    "discount percentage above 100": "percentage must not be greater than 100",
    "topUpThreshold above 1": "topUpThreshold must not be greater than 1",
    "minimumCharge of 0": "minimumCharge must be greater than 0",
    "free trial ending in the past": "freeTrialEndDate must be in the future",
    "enrollment date in the future": "offeringEnrollmentDate must not be in the future",
    "wallet balance below zero": "negative",
    "currency change with a credit balance": "currency cannot change",
    "subscription without subscriptionPrice": "subscriptionPrice is required",
    "topUp without topUpAmount": "topUpAmount is required",
    "override changing price structure": "price structure",
    "tiers with consumptionPrice": "tiers cannot be combined with consumptionPrice",
    "tiers with usageEntitlement": "tiers cannot be combined with usageEntitlement",
    "tiers with overageAllowed": "tiers cannot be combined with overageAllowed",
    "malformed RFC 3339 time": "RFC 3339",
    "endTime not after startTime": "endTime must be after startTime",
    "endTime in the future": "endTime must not be in the future",
    "client customerId that exists": "already exists",
    "usage timestamp more than 5 minutes ahead": "5 minutes",
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_section_3_validation_is_a_400_that_changes_nothing(client: ApiClient, case: str) -> None:
    world = World(client)
    method, target, body = CASES[case](world)
    path, _, raw_query = target.partition("?")
    query = dict(pair.split("=", 1) for pair in raw_query.split("&")) if raw_query else None
    before = client.state()
    reply = client.request(method, path, json=body, query=query)
    assert reply.status == 400, reply.body
    assert reply.json["error"] == "Bad Request"
    assert any(EXPECTED[case] in m for m in reply.json["message"]), reply.json["message"]
    assert client.state() == before
