"""The SDK refuses a value before sending exactly when the simulator would answer 400 for it.

For every top-level field of every operation below, a value drawn from a pool of wire-grammar edge
cases (decimal strings, timestamps, lengths, enumerations, nulls, wrong JSON types) is put into an
otherwise valid request and

- sent verbatim over the in-process transport: does the simulator answer 400?
- passed to the SDK method as the same Python value: does the SDK refuse it before sending?

The two must agree. The only values the SDK may accept although the verbatim request is refused are
JSON numbers and booleans in fields the wire carries as strings: the SDK writes them in the wire's
form (`Decimal("1.5")` as `"1.5"`, `True` as `"true"`), and the server must then accept them. The
SDK's deliberately stricter checks (floats, naive datetimes) cannot be expressed as JSON and so
never appear here; docs/sdk/validation.md lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from pydantic.alias_generators import to_snake

from paigo_sdk import PaigoClient
from paigo_sdk.errors import APIStatusError, BadRequestError, ClientValidationError
from simulator import ManualClock, Simulator, wire as sim_wire

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

_ENUM_VALUES = sorted(
    {
        value
        for name in dir(sim_wire)
        if name.isupper() and isinstance(getattr(sim_wire, name), tuple)
        for value in getattr(sim_wire, name)
        if isinstance(value, str)
    }
    | {unit for units in sim_wire.CONSUMPTION_UNITS.values() for unit in units}
)
_STRINGS = [
    "",
    "x",
    "x" * 255,
    "x" * 256,
    "x" * 2048,
    "x" * 2049,
    "a\x00b",
    " ",
    "1",
    "0",
    "-1",
    "+1.50",
    "1.",
    ".5",
    "1e3",
    "NaN",
    "inf",
    "Infinity",
    "\u0663",
    "1_000",
    "0" * 64,
    "1" * 65,
    "2026-11-24T07:00:00Z",
    "2026-11-24 07:00:00Z",
    "2026-11-24t07:00:00.123456789+02:00",
    "2026-11-24T07:00Z",
    "2026-11-24T07:00:00",
    "2026-11-24",
    "0001-01-01T00:00:00+01:00",
    "https://hooks.example.test/paigo",
    "ops@acme.test",
]
_OTHERS: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    10**16,
    Decimal("0.5"),
    Decimal("-0.5"),
    Decimal("1E+16"),
    [],
    ["x"],
    {},
    {"plan": "gold"},
    {"a": None},
]
# `None` for these means "not given", and the SDK fills in a value (the client clock's now).
FILLED_IN = {("usage.record", "timestamp")}
# Fields the wire carries as JSON numbers: the SDK also takes a numeric string and writes a number.
NUMBER_FIELDS = {"usageEntitlement", "subscriptionPrice", "quantity", "unitCost"}
# Refusals that depend on the account's state, which no client-side check can know.
STATE_RULES = ("would make the credit balance negative",)
VALUES = st.sampled_from([*_STRINGS, *_ENUM_VALUES, *_OTHERS])


@dataclass(frozen=True)
class Operation:
    """One SDK method, the request it makes, and a valid body for it."""

    name: str
    method: str
    path: str
    body: dict[str, Any]
    call: Callable[..., Any]
    fields: tuple[str, ...]


@dataclass
class World:
    """A simulator with a customer, a dimension and an offering, a raw client and an SDK client."""

    sim: Simulator
    raw: httpx.Client
    sdk: PaigoClient
    customer_id: str
    dimension_id: str
    offering_id: str


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with Simulator(clock=ManualClock(START), seed=1) as sim, sim.client(max_retries=0) as sdk:
        with httpx.Client(transport=sim.transport()) as auth:
            token = auth.post(
                sdk.auth_url if hasattr(sdk, "auth_url") else "https://auth.paigo.tech/oauth/token",
                json={
                    "grant_type": "client_credentials",
                    "client_id": "paigo-simulator",
                    "client_secret": "paigo-simulator-secret",
                },
            ).json()["access_token"]
        raw = httpx.Client(
            transport=sim.transport(),
            base_url=sdk.api_url,
            headers={"Authorization": f"Bearer {token}"},
        )
        customer = sdk.customers.create(
            customer_name="Acme", email="ops@acme.test", payment_channel="manual"
        )
        dimension = sdk.dimensions.create(
            dimension_name="Calls",
            consumption_unit={"type": "count", "unit": "count-based"},
            usage_increment="1",
            rounding="ceiling",
            consumption_price="0.01",
        )
        offering = sdk.offerings.create(offering_name="Pro", offering_type="usage-based")
        with raw:
            yield World(
                sim, raw, sdk, customer.customer_id, dimension.dimension_id, offering.offering_id
            )


def _operations(w: World) -> list[Operation]:
    c, d, o = w.customer_id, w.dimension_id, w.offering_id
    return [
        Operation(
            "dimensions.update",
            "PUT",
            f"/dimensions/{d}",
            {"dimensionName": "Calls"},
            lambda **kw: w.sdk.dimensions.update(d, **kw),
            (
                "dimensionName",
                "usageIncrement",
                "rounding",
                "consumptionPrice",
                "aggregationMethod",
                "sampleType",
                "overageAllowed",
                "usageEntitlement",
                "metadata",
            ),
        ),
        Operation(
            "offerings.update",
            "PUT",
            f"/offerings/{o}",
            {"offeringName": "Pro"},
            lambda **kw: w.sdk.offerings.update(o, **kw),
            ("offeringName", "offeringVisibility", "currency", "prepaidCredit", "metadata"),
        ),
        Operation(
            "invoices.create",
            "POST",
            "/invoices",
            {"customerId": c, "items": [{"name": "Setup", "quantity": 1, "unitCost": 10}]},
            lambda **kw: w.sdk.invoices.create(**kw),
            ("items", "invoiceDate", "currency", "invoicePaymentTerm", "storePaymentAsCredit"),
        ),
        Operation(
            "usage.record",
            "POST",
            "/usage",
            {
                "customerId": c,
                "dimensionId": d,
                "recordValue": "1",
                "timestamp": "2026-11-24T07:00:00Z",
            },
            lambda **kw: w.sdk.usage.record(**kw),
            ("customerId", "dimensionId", "recordValue", "timestamp", "metadata"),
        ),
        Operation(
            "dimensions.create",
            "POST",
            "/dimensions",
            {
                "dimensionName": "Calls",
                "consumptionUnit": {"type": "count", "unit": "count-based"},
                "usageIncrement": "1",
                "rounding": "ceiling",
                "consumptionPrice": "0.01",
            },
            lambda **kw: w.sdk.dimensions.create(**kw),
            (
                "dimensionName",
                "usageIncrement",
                "rounding",
                "consumptionPrice",
                "aggregationInterval",
                "aggregationMethod",
                "sampleType",
                "paymentSchedule",
                "overageAllowed",
                "usageEntitlement",
                "metadata",
            ),
        ),
        Operation(
            "offerings.create",
            "POST",
            "/offerings",
            {"offeringName": "Pro", "offeringType": "usage-based"},
            lambda **kw: w.sdk.offerings.create(**kw),
            (
                "offeringName",
                "offeringVisibility",
                "currency",
                "prepaidCredit",
                "minimumCharge",
                "freeTrialLength",
                "metadata",
            ),
        ),
        Operation(
            "customers.create",
            "POST",
            "/customers",
            {"customerName": "Acme", "email": "ops@acme.test", "paymentChannel": "manual"},
            lambda **kw: w.sdk.customers.create(**kw),
            (
                "customerName",
                "email",
                "paymentChannel",
                "currency",
                "taxExempt",
                "customerVatId",
                "metadata",
            ),
        ),
        Operation(
            "customers.update",
            "PUT",
            f"/customers/{c}",
            {"customerName": "Acme"},
            lambda **kw: w.sdk.customers.update(c, **kw),
            (
                "customerName",
                "email",
                "paymentChannel",
                "currency",
                "taxExempt",
                "customerVatId",
                "metadata",
            ),
        ),
        Operation(
            "customers.transactions.create",
            "POST",
            f"/customers/{c}/transactions",
            {"transactionAmount": "5"},
            lambda **kw: w.sdk.customers.transactions.create(c, **kw),
            ("transactionAmount", "timestamp", "metadata"),
        ),
        Operation(
            "webhooks.subscribe",
            "POST",
            "/webhooks/subscribe",
            {"hookUrl": "https://hooks.example.test/paigo", "webhookType": "INVOICE_PAID"},
            lambda **kw: w.sdk.webhooks.subscribe(**kw),
            ("hookUrl", "webhookType", "securityKey", "environment"),
        ),
        Operation(
            "settings.update_profile",
            "PUT",
            "/settings/profile",
            {"businessName": "Acme"},
            lambda **kw: w.sdk.settings.update_profile(**kw),
            ("businessName", "city", "supportEmail", "sendInvoiceEmail"),
        ),
    ]


OPERATION_NAMES = [
    "dimensions.update",
    "offerings.update",
    "invoices.create",
    "usage.record",
    "dimensions.create",
    "offerings.create",
    "customers.create",
    "customers.update",
    "customers.transactions.create",
    "webhooks.subscribe",
    "settings.update_profile",
]


def _kwargs(body: dict[str, Any]) -> dict[str, Any]:
    return {to_snake(name): value for name, value in body.items()}


@pytest.mark.parametrize("name", OPERATION_NAMES)
def test_sdk_refuses_exactly_what_the_simulator_refuses(world: World, name: str) -> None:
    [operation] = [o for o in _operations(world) if o.name == name]

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(field=st.sampled_from(operation.fields), value=VALUES)
    def check(field: str, value: Any) -> None:
        body = {**operation.body, field: value}
        raw = world.raw.request(
            operation.method,
            operation.path,
            content=_dumps(body),
            headers={"content-type": "application/json"},
        )
        # A refusal that depends on the account's state (the wallet's balance, which earlier
        # examples move) says nothing about the grammar: only grammar refusals must agree.
        raw_refused = raw.status_code == 400 and not any(rule in raw.text for rule in STATE_RULES)
        try:
            operation.call(**_kwargs(body))
        except ClientValidationError:
            outcome = "refused"
        except BadRequestError as error:
            outcome = "sent" if any(rule in str(error) for rule in STATE_RULES) else f"400: {error}"
        except APIStatusError:
            outcome = "sent"
        else:
            outcome = "sent"
        where = (
            f"{operation.name} {field}={value!r}: server said {raw.status_code} {raw.text[:200]}"
        )
        assert not outcome.startswith("400"), f"{where}; the SDK sent it and got {outcome}"
        if raw_refused:
            converted = outcome == "sent" and (
                isinstance(value, bool | int | Decimal)
                or (field in NUMBER_FIELDS and isinstance(value, str))
            )
            filled_in = value is None and (operation.name, field) in FILLED_IN
            assert outcome == "refused" or converted or filled_in, (
                f"{where}; the SDK did not refuse it"
            )
        else:
            assert outcome != "refused", f"{where}; the SDK refused it"

    check()


def _dumps(value: Any) -> bytes:
    from paigo_sdk import _json

    return _json.dumps(value).encode()
