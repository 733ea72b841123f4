"""The live server's replies, for representative calls of every operation, against Paigo's OpenAPI.

A scenario drives `paigo-simulator serve` over a real socket through all 48 operations of
`paigo-openapi-v1.10.yml` (successes and the documented errors), recording every exchange. Each
operation then gets its own test, validating its recorded replies with openapi-core. Where the
simulator deliberately differs from the export, or the export contradicts itself, `patched_spec`
corrects the expected shape and says why.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

SPEC_PATH = (
    Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "paigo-openapi-v1.10.yml"
)
SPEC_SERVER = "https://api.prod.paigo.tech"
AUDIENCE = "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com"

pytestmark = pytest.mark.skipif(
    not SPEC_PATH.exists(), reason=f"Paigo's OpenAPI export is not at {SPEC_PATH}"
)

NESTJS_BAD_REQUEST = {
    "type": "object",
    "properties": {
        "statusCode": {"type": "integer", "enum": [400]},
        "message": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "error": {"type": "string", "enum": ["Bad Request"]},
    },
    "required": ["statusCode", "message", "error"],
}


def patched_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Return the export with each deliberate difference, and each export bug, corrected.

    Every change below is one place where the simulator's reply is checked against a different
    shape than the export's, and says why.
    """
    paths = spec["paths"]
    schemas = spec["components"]["schemas"]
    json_type = "application/json"

    # 1. Deliberate: 400 bodies are NestJS's `{"statusCode": 400, "message": [...], "error":
    #    "Bad Request"}` (class-validator returns one message per failed rule), where the export
    #    types them as `BasicResponseDTO` with a single string message (API notes, section 3).
    for item in paths.values():
        for method, operation in item.items():
            if method in ("get", "post", "put", "delete") and "400" in operation["responses"]:
                operation["responses"]["400"]["content"] = {
                    json_type: {"schema": NESTJS_BAD_REQUEST}
                }

    # 2. Export bug: `PUT /customers/{customerId}` types its reply as the *request* DTO
    #    (CreateCustomerDto). Updates answer the flat `{message, customerId}` of every other
    #    update (API notes, section 1).
    paths["/customers/{customerId}"]["put"]["responses"]["200"]["content"][json_type] = {
        "schema": {
            "type": "object",
            "properties": {"message": {"type": "string"}, "customerId": {"type": "string"}},
            "required": ["message", "customerId"],
        }
    }

    # 3. Export bug: `FindCustomerPaymentsResponse.data` lists `StripeRefundResponseDto` items;
    #    the route returns payments, so its items are checked as `StripePaymentResponseDto`.
    schemas["FindCustomerPaymentsResponse"]["properties"]["data"]["items"] = {
        "$ref": "#/components/schemas/StripePaymentResponseDto"
    }

    # 4. Export bug: `GET /webhooks/invoice` uses schema names as `type` values, which is not
    #    valid OpenAPI; the intent is an array of invoice-created payloads or invoices.
    paths["/webhooks/invoice"]["get"]["responses"]["200"]["content"][json_type] = {
        "schema": {
            "type": "array",
            "items": {
                "anyOf": [
                    {"$ref": "#/components/schemas/CreateInvoiceResponseDto"},
                    {"$ref": "#/components/schemas/ReadInvoicesDto"},
                ]
            },
        }
    }

    # 5. Export bug: `EntitlementWebookParameters.webhookType` is a number with an empty enum;
    #    Paigo's sample payload sends the string "ENTITLEMENT" (API notes, section 4.7).
    schemas["EntitlementWebookParameters"]["properties"]["webhookType"] = {
        "type": "string",
        "enum": ["ENTITLEMENT"],
    }
    # 6. Export bug: the usage view's `data` items are `oneOf` raw and aggregated series, but
    #    `UsageResponseDocument` requires no property, so a raw series matches both and `oneOf`
    #    can never hold for it; `anyOf` keeps the intent.
    usage_items = schemas["ReadCustomerUsageData"]["properties"]["data"]
    _one_of_to_any_of(usage_items)
    return spec


def _one_of_to_any_of(node: Any) -> None:
    if isinstance(node, dict):
        if "oneOf" in node:
            node["anyOf"] = node.pop("oneOf")
        for value in node.values():
            _one_of_to_any_of(value)
    elif isinstance(node, list):
        for value in node:
            _one_of_to_any_of(value)


@dataclass(frozen=True)
class Exchange:
    """One request the scenario made and the reply it got."""

    method: str
    path_template: str
    path: str
    query: tuple[tuple[str, str], ...]
    status: int
    content_type: str
    headers: dict[str, str]
    body: bytes


def spec_operations() -> list[tuple[str, str]]:
    if not SPEC_PATH.exists():
        return []
    spec = yaml.safe_load(SPEC_PATH.read_text())
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "delete", "patch")
    ]


class Recorder:
    """An httpx client that records each exchange under the operation's path template."""

    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        self.exchanges: list[Exchange] = []

    def call(
        self,
        method: str,
        template: str,
        *,
        path: Mapping[str, str] | None = None,
        expect: int,
        **kwargs: Any,
    ) -> Any:
        concrete = template.format(**(path or {}))
        response = self.http.request(method, concrete, **kwargs)
        assert response.status_code == expect, (method, concrete, response.text)
        self.exchanges.append(
            Exchange(
                method=method,
                path_template=template,
                path=concrete,
                query=tuple(response.request.url.params.multi_items()),
                status=response.status_code,
                content_type=response.headers.get("content-type", ""),
                headers=dict(response.headers),
                body=response.content,
            )
        )
        return response.json() if response.content else None


def token_for(url: str) -> str:
    reply = httpx.post(
        f"{url}/oauth/token",
        json={
            "audience": AUDIENCE,
            "grant_type": "client_credentials",
            "client_id": "paigo-simulator",
            "client_secret": "paigo-simulator-secret",
        },
        timeout=30,
    )
    reply.raise_for_status()
    return str(reply.json()["access_token"])


def run_scenario(rec: Recorder) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    missing = "00000000-0000-4000-8000-000000000000"

    # Dimensions
    dimension = {
        "dimensionName": "Data Processed",
        "consumptionUnit": {"type": "data", "unit": "gigabyte"},
        "usageIncrement": "1",
        "rounding": "ceiling",
        "consumptionPrice": "0.08",
        "aggregationMethod": "sum",
        "aggregationInterval": "day",
        "paymentSchedule": "arrear",
    }
    dim_id = rec.call("POST", "/dimensions", json=dimension, expect=201)["dimensionId"]
    rec.call("POST", "/dimensions", json={"dimensionName": "x"}, expect=400)
    rec.call("GET", "/dimensions", expect=200)
    rec.call("GET", "/dimensions/{dimensionId}", path={"dimensionId": dim_id}, expect=200)
    rec.call("GET", "/dimensions/{dimensionId}", path={"dimensionId": missing}, expect=404)
    rec.call(
        "PUT",
        "/dimensions/{dimensionId}",
        path={"dimensionId": dim_id},
        json={"metadata": {"team": "data"}},
        expect=200,
    )
    seat = {
        "dimensionName": "Seats",
        "consumptionUnit": {"type": "count", "unit": "count-based"},
        "usageIncrement": "1",
        "rounding": "ceiling",
        "consumptionPrice": "25",
        "aggregationMethod": "last",
        "paymentSchedule": "upfront",
    }
    seat_id = rec.call("POST", "/dimensions", json=seat, expect=201)["dimensionId"]

    # Offerings
    offering = {
        "offeringName": "Pay-as-you-go",
        "offeringType": "usage-based",
        "billingCycle": "monthly",
        "dimensionIds": [dim_id, seat_id],
    }
    off_id = rec.call("POST", "/offerings", json=offering, expect=201)["offeringId"]
    rec.call("POST", "/offerings", json={}, expect=400)
    rec.call("GET", "/offerings", expect=200)
    rec.call("GET", "/offerings/{offeringId}", path={"offeringId": off_id}, expect=200)
    rec.call("GET", "/offerings/{offeringId}", path={"offeringId": missing}, expect=404)
    rec.call(
        "PUT",
        "/offerings/{offeringId}",
        path={"offeringId": off_id},
        json={"offeringVisibility": "public"},
        expect=200,
    )
    rec.call("DELETE", "/dimensions/{dimensionId}", path={"dimensionId": dim_id}, expect=409)

    # Measurements
    measurement = {
        "measurementMode": "agentBased",
        "measurementName": "Prometheus",
        "measurementConfiguration": {
            "iamRoleArn": "arn:aws:iam::214826386939:role/paigo-scraper",
            "hostingPlatform": "k8spod",
        },
    }
    m_id = rec.call("POST", "/measurements", json=measurement, expect=201)["measurementId"]
    rec.call("POST", "/measurements", json={"measurementMode": "nope"}, expect=400)
    rec.call("GET", "/measurements", expect=200)
    rec.call("GET", "/measurements/{measurementId}", path={"measurementId": m_id}, expect=200)
    rec.call("GET", "/measurements/{measurementId}", path={"measurementId": missing}, expect=404)
    rec.call(
        "PUT",
        "/measurements/{measurementId}",
        path={"measurementId": m_id},
        json={"measurementMode": "agentBased", "measurementName": "Renamed"},
        expect=200,
    )
    rec.call("DELETE", "/measurements/{measurementId}", path={"measurementId": m_id}, expect=200)

    # Customers
    customer = {
        "customerName": "Dumm AI Corp",
        "email": "billing@dumm.ai",
        "paymentChannel": "manual",
        "offeringId": off_id,
    }
    cust_id = rec.call("POST", "/customers", json=customer, expect=201)["customerId"]
    rec.call("POST", "/customers", json={"customerName": "x"}, expect=400)
    stripe = {
        "customerName": "Stripe Co",
        "email": "pay@stripe.example",
        "paymentChannel": "Stripe",
        "paymentChannelOptions": {"stripeCustomerId": "cus_simulated"},
    }
    stripe_id = rec.call("POST", "/customers", json=stripe, expect=201)["customerId"]
    child = {"customerName": "Child Co", "email": "child@dumm.ai", "paymentChannel": "manual"}
    child_id = rec.call("POST", "/customers", json=child, expect=201)["customerId"]
    rec.call("GET", "/customers", expect=200)
    rec.call("GET", "/customers/{customerId}", path={"customerId": cust_id}, expect=200)
    rec.call("GET", "/customers/{customerId}", path={"customerId": missing}, expect=404)
    rec.call(
        "PUT",
        "/customers/{customerId}",
        path={"customerId": cust_id},
        json={"metadata": {"tier": "gold"}},
        expect=200,
    )
    rec.call("DELETE", "/offerings/{offeringId}", path={"offeringId": off_id}, expect=409)
    ids = {"customerId": cust_id, "childId": child_id}
    rec.call(
        "POST",
        "/customers/{customerId}/children/{childId}",
        path=ids,
        json={"billParent": "aggregated"},
        expect=201,
    )
    rec.call(
        "PUT",
        "/customers/{customerId}/children/{childId}",
        path=ids,
        json={"billParent": "separate"},
        expect=200,
    )
    rec.call("DELETE", "/customers/{customerId}/children/{childId}", path=ids, expect=200)

    # Usage, stamped after the enrolment so that the default usage view shows it
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    usage = {"customerId": cust_id, "dimensionId": dim_id, "recordValue": "2.5", "timestamp": stamp}
    rec.call("POST", "/usage", json=usage, expect=201)
    rec.call("POST", "/usage", json={**usage, "recordValue": 2.5}, expect=400)
    seats = {"customerId": cust_id, "dimensionId": seat_id, "recordValue": "3", "timestamp": stamp}
    rec.call("POST", "/usage", params={"invoice": "true"}, json=seats, expect=201)
    cid = {"customerId": cust_id}
    rec.call("GET", "/customers/{customerId}/usage", path=cid, expect=200)
    rec.call(
        "GET",
        "/customers/{customerId}/usage",
        path=cid,
        params={"aggregationInterval": "none", "ignoreEnrollmentDate": "true"},
        expect=200,
    )
    rec.call("GET", "/customers/{customerId}/usage", path={"customerId": missing}, expect=404)

    # Enrollment, free trial, portal token, wallet
    rec.call("GET", "/customers/{customerId}/enrollment", path=cid, expect=200)
    rec.call("GET", "/customers/{customerId}/enrollment", path={"customerId": missing}, expect=404)
    rec.call(
        "PUT",
        "/customers/{customerId}/enrollment",
        path=cid,
        json={"overrides": {"discount": {"name": "Launch", "percentage": "10"}}},
        expect=200,
    )
    trial_end = (now + timedelta(days=14)).isoformat().replace("+00:00", "Z")
    rec.call(
        "PUT",
        "/customers/{customerId}/freeTrial",
        path=cid,
        json={"freeTrialEndDate": trial_end},
        expect=200,
    )
    rec.call("GET", "/customers/{customerId}/token", path=cid, expect=200)
    rec.call("GET", "/customers/{customerId}/token", path={"customerId": missing}, expect=404)
    rec.call(
        "POST",
        "/customers/{customerId}/transactions",
        path=cid,
        json={"transactionAmount": "50"},
        expect=201,
    )
    rec.call("GET", "/customers/{customerId}/transactions", path=cid, expect=200)

    # Invoices
    invoice = {
        "customerId": stripe_id,
        "items": [{"name": "Paigo Pro", "quantity": 1, "unitCost": 100.09}],
        "invoicePaymentTerm": "30",
    }
    inv = rec.call("POST", "/invoices", json=invoice, expect=201)
    inv_id = inv["invoiceId"]
    rec.call("GET", "/invoices/{invoiceId}", path={"invoiceId": inv_id}, expect=200)
    rec.call(
        "GET",
        "/invoices/{invoiceId}",
        path={"invoiceId": inv_id},
        params={"download": "true"},
        expect=200,
    )
    rec.call("GET", "/invoices/{invoiceId}", path={"invoiceId": missing}, expect=404)

    # Stripe-only customer routes
    sid = {"customerId": stripe_id}
    payments = rec.call("GET", "/customers/{customerId}/payments", path=sid, expect=200)
    rec.call("GET", "/customers/{customerId}/payments", path=cid, expect=400)
    intent = _payment_intent(payments)
    rec.call(
        "POST",
        "/customers/{customerId}/refunds",
        path=sid,
        json={"refundChannelOptions": {"paymentIntentId": intent}, "amount": "10"},
        expect=201,
    )
    rec.call("GET", "/customers/{customerId}/refunds", path=sid, expect=200)
    rec.call("GET", "/customers/{customerId}/stripePortal", path=sid, expect=200)

    # Webhooks
    hook = {
        "hookUrl": "http://127.0.0.1:9/hook",
        "webhookType": "INVOICE_CREATED",
        "securityKey": "k",
        "environment": "sandbox",
    }
    hook_id = rec.call("POST", "/webhooks/subscribe", json=hook, expect=201)["webhookId"]
    rec.call("GET", "/webhooks", expect=200)
    rec.call("GET", "/webhooks/{webhookId}", path={"webhookId": hook_id}, expect=200)
    rec.call("GET", "/webhooks/test", expect=200)
    rec.call("GET", "/webhooks/invoice", params={"status": "INVOICE_CREATED"}, expect=200)
    rec.call("GET", "/webhooks/customer", expect=200)
    rec.call("GET", "/webhooks/entitlement", expect=200)
    rec.call(
        "DELETE",
        "/webhooks/{webhookId}",
        path={"webhookId": hook_id},
        params={"environment": "sandbox"},
        expect=200,
    )

    # Settings
    rec.call("GET", "/settings/profile", expect=200)
    rec.call("PUT", "/settings/profile", json={"businessName": "Acme Metering"}, expect=200)
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
        b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    rec.call(
        "POST",
        "/settings/invoiceImage",
        files={"file": ("logo.png", png, "image/png")},
        expect=201,
    )

    # Deletes, last: the customer first, then what it used
    rec.call("DELETE", "/customers/{customerId}", path=cid, expect=200)
    rec.call("DELETE", "/customers/{customerId}", path={"customerId": missing}, expect=404)
    rec.call("DELETE", "/offerings/{offeringId}", path={"offeringId": off_id}, expect=200)
    rec.call("DELETE", "/offerings/{offeringId}", path={"offeringId": missing}, expect=404)
    rec.call("DELETE", "/dimensions/{dimensionId}", path={"dimensionId": dim_id}, expect=200)
    rec.call("DELETE", "/dimensions/{dimensionId}", path={"dimensionId": missing}, expect=404)


def _payment_intent(payments: Any) -> str:
    for payment in (payments or {}).get("data", []) if isinstance(payments, dict) else payments:
        for key in ("paymentIntentId", "paymentIntentsId", "id"):
            if isinstance(payment, dict) and payment.get(key):
                return str(payment[key])
    return "pi_simulated"


@pytest.fixture(scope="module")
def exchanges(simulator_server) -> Iterator[list[Exchange]]:
    httpx.post(f"{simulator_server.url}/_simulator/reset", timeout=30).raise_for_status()
    recorder = Recorder(simulator_server.url, token_for(simulator_server.url))
    try:
        run_scenario(recorder)
        yield recorder.exchanges
    finally:
        recorder.http.close()


@pytest.fixture(scope="module")
def openapi():
    from openapi_core import Config, OpenAPI

    spec = patched_spec(yaml.safe_load(SPEC_PATH.read_text()))
    # The export itself is not a valid OpenAPI 3.0 document (for example `externalDocs` on query
    # parameters), so the document check is skipped; replies are still validated against it.
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


class _Request:
    """An openapi-core request built from a recorded exchange, placed on the spec's server."""

    def __init__(self, exchange: Exchange) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = SPEC_SERVER
        self.path = exchange.path
        self.method = exchange.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(exchange.query)), header=Headers(), cookie={}
        )
        self.content_type = "application/json"
        self.body: bytes | None = None


class _Response:
    def __init__(self, exchange: Exchange) -> None:
        from werkzeug.datastructures import Headers

        self.status_code = exchange.status
        self.content_type = exchange.content_type.split(";")[0].strip().lower()
        self.headers = Headers(list(exchange.headers.items()))
        self.data = exchange.body


@pytest.mark.parametrize(("method", "path"), spec_operations())
def test_replies_match_the_openapi_export(method, path, exchanges, openapi):
    recorded = [e for e in exchanges if (e.method, e.path_template) == (method, path)]
    assert recorded, f"the scenario never called {method} {path}"
    for exchange in recorded:
        try:
            openapi.validate_response(_Request(exchange), _Response(exchange))
        except Exception as exc:
            cause = exc.__cause__ or exc
            details = "; ".join(
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in getattr(cause, "schema_errors", ()) or ()
            )
            pytest.fail(
                f"{method} {exchange.path} -> {exchange.status} does not match the export: "
                f"{exc} {details}\nbody: {exchange.body[:500]!r}"
            )


def test_every_reply_is_json_except_binary_downloads(exchanges):
    for exchange in exchanges:
        if exchange.body:
            assert exchange.content_type.startswith("application/json"), exchange
            json.loads(exchange.body)
