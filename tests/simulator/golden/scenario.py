"""A year of Paigo through the simulator's wire: every operation, twelve cycles, a few faults.

`run()` drives a fresh `Simulator` on a manual clock with raw HTTP requests through its in-process
transport, and returns what came out: every reply (status, content type, body and a digest of
its exact bytes), every webhook body delivered, and a canonical dump of the engine's state at the
end. `test_golden.py` compares that with the recorded files beside this module; after a deliberate
change of behaviour, rewrite them with

    .venv/bin/python -m tests.simulator.golden.scenario

and review the diff like any other change.
"""

from __future__ import annotations

import dataclasses
import enum
import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from simulator import ManualClock, Simulator
from simulator.api import DEFAULT_AUDIENCE, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from simulator.engine import UsageRecordView
from simulator.simulator import BASE_URL

HERE = Path(__file__).parent
REPLIES = HERE / "replies.jsonl.gz"
ENGINE = HERE / "engine.json.gz"

START = datetime(2027, 1, 1, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24

# Values that differ from run to run by design (tokens, signatures): replaced before comparing.
_MASKED_KEYS = frozenset({"access_token", "url"})
_SIGNED = re.compile(r"(signature|expires)=[^&\"]+")


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class Recorder:
    """Sends requests through the simulator's transport and keeps one line per reply."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.http = httpx.Client(transport=sim.transport(), base_url=BASE_URL)
        self.lines: list[dict[str, Any]] = []
        self.token = ""

    def authenticate(self) -> None:
        reply = self.call(
            "POST",
            "/oauth/token",
            json={
                "audience": DEFAULT_AUDIENCE,
                "grant_type": "client_credentials",
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
            },
            auth=None,
        )
        self.token = reply["access_token"]

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        auth: str | None | bool = True,
        keep_body: bool = True,
    ) -> Any:
        """Send one request, record its reply and return the decoded body (or None)."""
        sent = dict(headers or {})
        if auth is True:
            sent["authorization"] = f"Bearer {self.token}"
        elif isinstance(auth, str):
            sent["authorization"] = f"Bearer {auth}"
        reply = self.http.request(
            method, path, json=json, content=content, params=params, headers=sent
        )
        raw = reply.content
        content_type = reply.headers.get("content-type", "")
        decoded: Any = None
        if content_type.startswith("application/json") and raw:
            decoded = _json_loads(raw)
        line: dict[str, Any] = {
            "request": f"{method} {path}" + (f"?{_query(params)}" if params else ""),
            "status": reply.status_code,
        }
        replayed = reply.headers.get("idempotent-replayed")
        if replayed:
            line["replayed"] = replayed
        if keep_body:
            masked = _mask(decoded) if decoded is not None else None
            line["body"] = masked if masked is not None else raw.decode("latin-1")[:200]
            if masked == decoded:
                # Exact bytes matter (number spelling, key order): a digest pins them.
                line["sha256"] = hashlib.sha256(raw).hexdigest()[:16]
        self.lines.append(line)
        return decoded


def _query(params: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


def _json_loads(raw: bytes) -> Any:
    return json.loads(raw, parse_float=str, parse_int=int)


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: ("<masked>" if k in _MASKED_KEYS else _mask(v)) if k != "invoiceUrl" else _signed(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def _signed(url: Any) -> Any:
    return _SIGNED.sub(r"\1=<masked>", url) if isinstance(url, str) else url


def canonical(value: Any) -> Any:
    """A JSON-ready, order-stable form of engine state: dataclasses by field, Decimals as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, bytes):
        return "sha256:" + hashlib.sha256(value).hexdigest()[:16]
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(canonical(v) for v in value)
    return value


def engine_dump(sim: Simulator) -> dict[str, Any]:
    """The engine's resources and records, as `canonical` values.

    Webhook deliveries are left out here (their bodies are compared as received), and so are
    the id generator, the due-cycle heap and the usage store's columns: the stored records are
    compared through `usage_records()`, late and unmatched ones through their own reads.
    """
    engine = sim.engine
    state = engine._state
    return {
        "dimensions": canonical(state.dimensions),
        "offerings": canonical(state.offerings),
        "measurements": canonical(state.measurements),
        "customers": canonical(state.customers),
        "invoices": canonical(state.invoices),
        "webhooks": canonical(state.webhooks),
        "settings": canonical(state.settings),
        "excess": canonical(state.excess),
        "replays": canonical(sorted(state.replays.items())),
        "customer_counter": state.customer_counter,
        "usage_records": [_row(r) for r in engine.usage_records()],
        "late_records": canonical(engine.late_records()),
        "unmatched_records": canonical(engine.unmatched_records()),
        "entitlement_excess": canonical(engine.entitlement_excess()),
    }


def _row(record: UsageRecordView) -> list[Any]:
    """One stored record as a short row (the dump holds a year of them)."""
    return [
        record.sequence,
        record.customer_id,
        record.dimension_id,
        record.timestamp.isoformat(),
        str(record.record_value),
        canonical(record.metadata),
    ]


class Hooks:
    """A webhook receiver: keeps each delivered body and answers 200 (500 for one URL)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(
            {
                "url": str(request.url),
                "key": request.headers.get("x-paigo-security"),
                "body": _json_loads(request.content) if request.content else None,
            }
        )
        return httpx.Response(500 if request.url.path == "/broken" else 200)


def _days(month_start: datetime) -> Iterator[datetime]:
    day = month_start
    while day.month == month_start.month:
        yield day
        day += timedelta(days=1)


def _next_month(moment: datetime) -> datetime:
    return moment.replace(year=moment.year + moment.month // 12, month=moment.month % 12 + 1)


def run() -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Play the whole year; return (replies, webhook bodies, engine dump)."""
    clock = ManualClock(START)
    hooks = Hooks()
    with Simulator(
        clock=clock,
        seed=12,
        token_lifetime=10**9,
        array_batches=True,
        webhook_transport=httpx.MockTransport(hooks),
    ) as sim:
        rec = Recorder(sim)
        _play(rec, sim, clock)
        rec.http.close()
        return rec.lines, hooks.bodies, engine_dump(sim)


def _advance(rec: Recorder, moment: datetime) -> None:
    rec.call("POST", "/_simulator/clock/advance", json={"to": _iso(moment)})


def _play(rec: Recorder, sim: Simulator, clock: ManualClock) -> None:
    call = rec.call
    rec.authenticate()

    # --- account ----------------------------------------------------------------------------
    call("PUT", "/_simulator/settings", json={"taxRate": "10"})
    call("GET", "/_simulator/settings")
    call("GET", "/_simulator/options")
    call("GET", "/settings/profile")
    call("PUT", "/settings/profile", json={"businessName": "Golden Co", "city": "Lisbon"})
    call("POST", "/settings/invoiceImage", content=PNG, headers={"content-type": "image/png"})
    call("POST", "/settings/invoiceImage", content=b"GIF89a", headers={"content-type": "image/png"})

    # --- catalog -----------------------------------------------------------------------------
    config = {
        "iamRoleArn": "arn:aws:iam::1:role/x",
        "cloudPlatform": "aws",
        "region": "us-east-1",
        "resourceType": "ebs",
    }
    m = call(
        "POST",
        "/measurements",
        json={"measurementMode": "infrastructureBased", "measurementConfiguration": config},
    )
    mid = m["measurementId"]
    call("GET", "/measurements")
    call("GET", f"/measurements/{mid}")
    call(
        "PUT",
        f"/measurements/{mid}",
        json={"measurementMode": "infrastructureBased", "measurementName": "EBS"},
    )
    call("POST", "/measurements", json={"measurementMode": "agentBased"})

    def dimension(body: dict[str, Any]) -> str:
        return str(call("POST", "/dimensions", json=body)["dimensionId"])

    calls = dimension(
        {
            "dimensionName": "API Calls",
            "consumptionUnit": {"type": "count", "unit": "count-based"},
            "usageIncrement": "1000",
            "rounding": "ceiling",
            "consumptionPrice": "1.00",
            "aggregationMethod": "sum",
            "aggregationInterval": "day",
        }
    )
    storage = dimension(
        {
            "dimensionName": "Storage",
            "consumptionUnit": {"type": "data", "unit": "gigabyte"},
            "usageIncrement": "1",
            "rounding": "round",
            "aggregationMethod": "max",
            "aggregationInterval": "month",
            "measurementId": mid,
            "tiers": [
                {"tierPosition": "1", "upperBound": "100", "unitPrice": "0.10"},
                {"tierPosition": "2", "upperBound": "inf", "unitPrice": "0.05", "tierName": "Bulk"},
            ],
        }
    )
    seats = dimension(
        {
            "dimensionName": "Seats",
            "consumptionUnit": {"type": "count", "unit": "count-based"},
            "usageIncrement": "1",
            "rounding": "ceiling",
            "consumptionPrice": "2",
            "aggregationMethod": "sum",
            "aggregationInterval": "hour",
            "usageEntitlement": 10,
            "overageAllowed": "true",
        }
    )
    gpu = dimension(
        {
            "dimensionName": "GPU Time",
            "consumptionUnit": {"type": "time", "unit": "second"},
            "usageIncrement": "3600",
            "rounding": "ceiling",
            "consumptionPrice": "0.50",
            "aggregationMethod": "sum",
            "aggregationInterval": "month",
            "usageEntitlement": 36000,
            "overageAllowed": "false",
        }
    )
    regions = dimension(
        {
            "dimensionName": "Regions",
            "consumptionUnit": {"type": "count", "unit": "count-based"},
            "usageIncrement": "1",
            "rounding": "ceiling",
            "aggregationMethod": "average",
            "aggregationInterval": "none",
            "tiersGroupByMetadata": [
                {
                    "metadataGroups": {"region": "eu"},
                    "tiers": [{"tierPosition": "1", "upperBound": "inf", "unitPrice": "3"}],
                },
                {
                    "metadataGroups": {"region": "us"},
                    "tiers": [{"tierPosition": "1", "upperBound": "inf", "unitPrice": "4"}],
                },
            ],
        }
    )
    license_ = dimension(
        {
            "dimensionName": "Licenses",
            "consumptionUnit": {"type": "count", "unit": "count-based"},
            "usageIncrement": "1",
            "rounding": "ceiling",
            "consumptionPrice": "12.5",
            "aggregationMethod": "last",
            "paymentSchedule": "upfront",
        }
    )
    temp = dimension(
        {
            "dimensionName": "Temporary",
            "consumptionUnit": {"type": "time", "unit": "minute"},
            "usageIncrement": "1",
            "rounding": "floor",
            "consumptionPrice": "0.01",
        }
    )
    call("PUT", f"/dimensions/{temp}", json={"dimensionName": "Renamed", "metadata": {"a": 1}})
    call("PUT", f"/dimensions/{temp}", json={"consumptionPrice": "1e3"})
    call("GET", "/dimensions")
    call("GET", f"/dimensions/{storage}")
    call("DELETE", f"/dimensions/{temp}")
    call("GET", f"/dimensions/{temp}")
    call("POST", "/dimensions", json={"dimensionName": "No unit"})

    def offering(body: dict[str, Any]) -> str:
        return str(call("POST", "/offerings", json=body)["offeringId"])

    usage_plan = offering(
        {
            "offeringName": "Usage",
            "billingCycle": "monthly",
            "dimensionIds": [calls, storage, seats, gpu, regions],
            "minimumCharge": "5",
            "dimensionOverrides": [{"dimensionId": calls, "consumptionPrice": "0.90"}],
        }
    )
    basic = offering(
        {
            "offeringName": "Basic",
            "offeringType": "subscription",
            "subscriptionPrice": "30",
            "billingCycle": "monthly",
        }
    )
    pro = offering(
        {
            "offeringName": "Pro",
            "offeringType": "subscription",
            "subscriptionPrice": "62",
            "billingCycle": "monthly",
            "dimensionIds": [license_, calls],
        }
    )
    prepaid = offering(
        {
            "offeringName": "Prepaid",
            "billingCycle": "topUp",
            "dimensionIds": [calls],
            "topUpAmount": "20",
            "topUpThreshold": "0.25",
        }
    )
    annual = offering(
        {
            "offeringName": "Annual",
            "billingCycle": "annualToDate",
            "dimensionIds": [seats],
            "prepaidCredit": "15",
            "freeTrialLength": "10",
        }
    )
    temp_offering = offering({"offeringName": "Temp", "dimensionIds": [calls]})
    call("PUT", f"/offerings/{temp_offering}", json={"offeringName": "Temp 2"})
    call("GET", "/offerings")
    call("GET", f"/offerings/{usage_plan}")
    call("DELETE", f"/offerings/{temp_offering}")
    call("DELETE", f"/offerings/{temp_offering}")

    # --- webhooks ----------------------------------------------------------------------------
    hook_ids = []
    for kind in (
        "INVOICE_CREATED",
        "INVOICE_PAID",
        "ENTITLEMENT",
        "CUSTOMER_CREATED",
        "CUSTOMER_UPDATED",
        "STRIPE_PAYMENT_FAILED",
    ):
        made = call(
            "POST",
            "/webhooks/subscribe",
            json={
                "hookUrl": f"https://hooks.example/{kind.lower()}",
                "webhookType": kind,
                "securityKey": f"key-{kind.lower()}",
            },
        )
        hook_ids.append(made["webhookId"])
    broken = call(
        "POST",
        "/webhooks/subscribe",
        json={"hookUrl": "https://hooks.example/broken", "webhookType": "INVOICE_SENT"},
    )
    call("GET", "/webhooks")
    call("GET", f"/webhooks/{hook_ids[0]}")
    call("DELETE", f"/webhooks/{broken['webhookId']}")
    call("GET", "/webhooks/test")
    call("GET", "/webhooks/invoice", params={"status": "INVOICE_PAID"})
    call("GET", "/webhooks/invoice")
    call("GET", "/webhooks/customer")
    call("GET", "/webhooks/entitlement")

    # --- customers ---------------------------------------------------------------------------
    address = {
        "countryCode": "PT",
        "postalCode": "1100-001",
        "city": "Lisbon",
        "streetLineOne": "Rua Augusta 1",
        "state": "LX",
    }

    def customer(body: dict[str, Any]) -> str:
        return str(call("POST", "/customers", json=body)["customerId"])

    acme = customer(
        {
            "customerId": "acme",
            "customerName": "Acme",
            "email": "ap@acme.example",
            "paymentChannel": "manual",
            "offeringId": usage_plan,
            "address": address,
            "metadata": {"tier": "gold"},
        }
    )
    call(
        "POST",
        "/customers",
        json={
            "customerId": "acme",
            "customerName": "Again",
            "email": "x@acme.example",
            "paymentChannel": "manual",
        },
    )
    stripe_co = customer(
        {
            "customerName": "Stripe Co",
            "email": "ap@stripe.example",
            "paymentChannel": "Stripe",
            "paymentChannelOptions": {"stripeCustomerId": "cus_golden"},
            "offeringId": basic,
        }
    )
    topup_co = customer(
        {
            "customerName": "Topup Co",
            "email": "ap@topup.example",
            "paymentChannel": "manual",
            "offeringId": prepaid,
            "taxExempt": "exempt",
        }
    )
    child = customer(
        {
            "customerName": "Child Co",
            "email": "ap@child.example",
            "paymentChannel": "manual",
            "offeringId": usage_plan,
        }
    )
    yearly = customer(
        {
            "customerName": "Yearly Co",
            "email": "ap@yearly.example",
            "paymentChannel": "manual",
            "offeringId": annual,
            "currency": "EUR",
        }
    )
    temp_customer = customer(
        {"customerName": "Temp", "email": "t@temp.example", "paymentChannel": "manual"}
    )
    call("PUT", f"/customers/{temp_customer}", json={"customerName": "Temp 2", "metadata": {}})
    call("DELETE", f"/customers/{temp_customer}")
    call("GET", f"/customers/{temp_customer}")
    call("POST", "/customers", json={"customerName": "Bad", "email": "b@x", "paymentChannel": "x"})
    call("GET", "/customers")
    call(
        "PUT",
        f"/customers/{acme}/enrollment",
        json={
            "offeringId": usage_plan,
            "overrides": {
                "discount": {
                    "name": "Launch",
                    "percentage": "10",
                    "endDate": "2027-07-01T00:00:00Z",
                }
            },
        },
    )
    call("GET", f"/customers/{acme}/enrollment")
    call("POST", f"/customers/{acme}/children/{child}", json={"billParent": "aggregated"})
    call("POST", f"/customers/{acme}/transactions", json={"transactionAmount": "25.50"})
    call("POST", f"/customers/{acme}/transactions", json={"transactionAmount": "-1000"})
    call("GET", f"/customers/{acme}/transactions")
    call("GET", f"/customers/{acme}")

    # --- a year of usage and billing ---------------------------------------------------------
    month = START
    for n in range(12):
        for day in _days(month):
            clock_at = day + timedelta(hours=20)
            _advance(rec, clock_at)
            if day.weekday() == 0:
                batch = []
                for hour in (1, 9, 17):
                    at = _iso(day + timedelta(hours=hour, minutes=n))
                    batch += [
                        {
                            "customerId": acme,
                            "dimensionId": calls,
                            "recordValue": str(700 + 37 * hour),
                            "timestamp": at,
                        },
                        {
                            "customerId": acme,
                            "dimensionId": storage,
                            "recordValue": f"{40 + day.day + n * 3}.{hour}",
                            "timestamp": at,
                        },
                        {
                            "customerId": acme,
                            "dimensionId": gpu,
                            "recordValue": "1800",
                            "timestamp": at,
                            "metadata": {"gpu": "a100"},
                        },
                        {
                            "customerId": acme,
                            "dimensionId": regions,
                            "recordValue": str(hour % 4),
                            "timestamp": at,
                            "metadata": {"region": "eu" if hour < 10 else "us"},
                        },
                    ]
                batch.append(
                    {
                        "customerId": acme,
                        "dimensionId": regions,
                        "recordValue": "9",
                        "timestamp": _iso(day + timedelta(hours=2)),
                        "metadata": {"region": "apac"},
                    }
                )
                keys = ",".join(f"w{n}-{day.day}-{i}" for i in range(len(batch)))
                call("POST", "/usage", json=batch, headers={"Idempotency-Key": keys})
            if day.day % 3 == 0:
                at = _iso(day + timedelta(hours=12, seconds=day.day))
                call(
                    "POST",
                    "/usage",
                    json={
                        "customerId": acme,
                        "dimensionId": seats,
                        "recordValue": "1",
                        "timestamp": at,
                    },
                )
                call(
                    "POST",
                    "/usage",
                    json={
                        "customerId": child,
                        "dimensionId": calls,
                        "recordValue": f"{day.day * 111}.5",
                        "timestamp": at,
                    },
                )
                call(
                    "POST",
                    "/usage",
                    json={
                        "customerId": topup_co,
                        "dimensionId": calls,
                        "recordValue": "2500",
                        "timestamp": at,
                    },
                    headers={"Idempotency-Key": f"t{n}-{day.day}"},
                )
            if day.day % 7 == 0:
                call(
                    "POST",
                    "/usage",
                    json={
                        "customerId": yearly,
                        "dimensionId": seats,
                        "recordValue": "2",
                        "timestamp": _iso(day + timedelta(hours=6)),
                    },
                )
        _month_events(rec, sim, n, month, locals())
        month = _next_month(month)
        _advance(rec, month)
        if n % 3 == 2:
            call("GET", f"/customers/{acme}")
            call("GET", f"/customers/{topup_co}/transactions")

    # --- the end of the year: every read ----------------------------------------------------
    _advance(rec, month + timedelta(hours=1))
    call("GET", "/customers")
    for cid in (acme, stripe_co, topup_co, child, yearly):
        call("GET", f"/customers/{cid}")
        call("GET", f"/customers/{cid}/enrollment")
        call("GET", f"/customers/{cid}/transactions")
        call("GET", f"/_simulator/customers/{cid}")
        call("GET", f"/_simulator/customers/{cid}/invoice-preview")
    call("GET", f"/customers/{stripe_co}/payments")
    call("GET", f"/customers/{stripe_co}/refunds")
    for interval in ("none", "hour", "day", "month"):
        call(
            "GET",
            f"/customers/{acme}/usage",
            params={
                "aggregationInterval": interval,
                "startTime": "2027-12-01T00:00:00Z",
                "endTime": "2027-12-03T00:00:00Z",
            },
        )
    call(
        "GET",
        f"/customers/{acme}/usage",
        params={
            "aggregationInterval": "month",
            "startTime": "2027-01-01T00:00:00Z",
            "endTime": "2028-01-01T00:00:00Z",
            "ignoreEnrollmentDate": "true",
        },
    )
    for path in ("late-records", "unmatched-records", "entitlement-excess"):
        call("GET", f"/_simulator/{path}")
    call("GET", "/_simulator/usage-records", params={"customerId": yearly})
    call("GET", "/_simulator/clock")
    call("GET", "/dimensions")
    call("GET", "/offerings")
    call("GET", "/measurements")
    call("DELETE", f"/measurements/{mid}")


def _month_events(
    rec: Recorder, sim: Simulator, n: int, month: datetime, v: dict[str, Any]
) -> None:
    """The operations of month `n` (0 = January), run on its last day at 20:00."""
    call = rec.call
    acme, stripe_co, child, yearly = v["acme"], v["stripe_co"], v["child"], v["yearly"]
    last = _next_month(month) - timedelta(hours=4)  # the clock's time: the last day, 20:00
    if n == 0:
        # B14: a record in the future is refused; a wrong number is refused; nothing stored.
        call(
            "POST",
            "/usage",
            json={
                "customerId": acme,
                "dimensionId": v["calls"],
                "recordValue": "1",
                "timestamp": _iso(last + timedelta(hours=5)),
            },
        )
        call(
            "POST",
            "/usage",
            json={
                "customerId": acme,
                "dimensionId": v["calls"],
                "recordValue": "1e3",
                "timestamp": _iso(last),
            },
        )
        call(
            "POST",
            "/usage",
            json={
                "customerId": "nobody",
                "dimensionId": v["calls"],
                "recordValue": "1",
                "timestamp": _iso(last),
            },
        )
        call("GET", f"/customers/{acme}/usage", params={"aggregationInterval": "day"})
    elif n == 1:
        # B7: Stripe Co moves from Basic to Pro mid-cycle; then pays and gets a partial refund.
        call(
            "PUT",
            f"/customers/{stripe_co}/enrollment",
            json={"offeringId": v["pro"], "removePriorOffering": True},
        )
        payments = call("GET", f"/customers/{stripe_co}/payments")
        intent = (
            payments["data"][0]["paymentIntentsId"] if payments and payments.get("data") else None
        )
        call(
            "POST",
            f"/customers/{stripe_co}/refunds",
            json={
                "amount": "5",
                "reason": "requested_by_customer",
                "refundChannelOptions": {"paymentIntentId": intent},
            },
        )
        call("GET", f"/customers/{stripe_co}/refunds")
        call("GET", f"/customers/{stripe_co}/stripePortal")
    elif n == 2:
        # Faults: one 503 on the next usage request, then an expired token.
        rec.call(
            "POST",
            "/_simulator/faults",
            json={"kind": "status", "status": 503, "method": "POST", "path": "/usage", "times": 1},
            keep_body=False,
        )
        body = {
            "customerId": acme,
            "dimensionId": v["seats"],
            "recordValue": "4",
            "timestamp": _iso(last),
        }
        call("POST", "/usage", json=body, headers={"Idempotency-Key": "fault-1"})
        call("POST", "/usage", json=body, headers={"Idempotency-Key": "fault-1"})
        call("POST", "/usage", json=body, headers={"Idempotency-Key": "fault-1"})
        call("POST", "/_simulator/tokens/expire", keep_body=False)
        call("GET", f"/customers/{acme}")
        rec.authenticate()
        call("DELETE", "/_simulator/faults", keep_body=False)
    elif n == 3:
        # B9: invoices wait for approval this month-end; one is approved, one voided.
        call("PUT", "/_simulator/settings", json={"invoiceApproval": "manual"})
        made = call(
            "POST",
            "/invoices",
            json={
                "customerId": acme,
                "items": [
                    {"name": "Setup", "quantity": 1, "unitCost": 100.09},
                    {"name": "Training", "quantity": 3, "unitCost": 45, "description": "hours"},
                ],
            },
        )
        call("GET", f"/invoices/{made['invoiceId']}")
        call("POST", f"/_simulator/invoices/{made['invoiceId']}/approve")
        call("POST", f"/_simulator/invoices/{made['invoiceId']}/pay")
        other = call(
            "POST",
            "/invoices",
            json={
                "customerId": child,
                "items": [{"name": "Oops", "quantity": 1, "unitCost": 9.99}],
            },
        )
        call("POST", f"/_simulator/invoices/{other['invoiceId']}/void")
        call("GET", f"/_simulator/invoices/{other['invoiceId']}")
    elif n == 4:
        # The April cycle invoices (drafts) are approved; approval goes back to automatic.
        (held,) = call("GET", f"/customers/{acme}")["data"]
        for invoice in held["invoices"]:
            if invoice["invoiceStatus"] == "Draft":
                call("POST", f"/_simulator/invoices/{invoice['invoiceId']}/approve")
        call("PUT", "/_simulator/settings", json={"invoiceApproval": "automatic"})
        # B12: Pro's upfront licenses billed at once, with a replayed key.
        for value, key in (("3", "lic-1"), ("3", "lic-1"), ("5", "lic-2")):
            call(
                "POST",
                "/usage",
                params={"invoice": "true"},
                headers={"Idempotency-Key": key},
                json={
                    "customerId": stripe_co,
                    "dimensionId": v["license_"],
                    "recordValue": value,
                    "timestamp": _iso(last),
                },
            )
        call(
            "POST",
            "/usage",
            params={"invoice": "true"},
            json={
                "customerId": acme,
                "dimensionId": v["calls"],
                "recordValue": "1",
                "timestamp": _iso(last),
            },
        )
    elif n == 5:
        call(
            "PUT",
            f"/customers/{child}/freeTrial",
            json={
                "offeringId": v["usage_plan"],
                "freeTrialStartDate": "2027-07-01T00:00:00Z",
                "freeTrialEndDate": "2027-07-15T00:00:00Z",
            },
        )
        call("PUT", f"/customers/{acme}/children/{child}", json={"billParent": "separate"})
        call(
            "PUT", f"/customers/{acme}", json={"email": "billing@acme.example", "taxExempt": "none"}
        )
    elif n == 6:
        # B9: a late record for January, an off-cycle period invoice and a preview.
        call(
            "POST",
            "/usage",
            json={
                "customerId": acme,
                "dimensionId": v["seats"],
                "recordValue": "7",
                "timestamp": "2027-01-15T10:00:00Z",
            },
        )
        call("GET", "/_simulator/late-records", params={"customerId": acme})
        call(
            "POST",
            "/_simulator/invoices/period",
            json={
                "customerId": yearly,
                "startTime": "2027-01-01T00:00:00Z",
                "endTime": "2027-04-01T00:00:00Z",
            },
        )
        call("GET", f"/_simulator/customers/{acme}/invoice-preview")
    elif n == 7:
        made = call(
            "POST",
            "/invoices",
            json={
                "customerId": v["topup_co"],
                "storePaymentAsCredit": True,
                "items": [{"name": "Credit pack", "quantity": 2, "unitCost": 10}],
            },
        )
        call("GET", f"/invoices/{made['invoiceId']}", params={"download": "true"})
        call("POST", f"/_simulator/invoices/{made['invoiceId']}/pay")
        call("GET", f"/customers/{v['topup_co']}/transactions")
    elif n == 8:
        call("DELETE", f"/customers/{acme}/children/{child}")
        token = call("GET", f"/customers/{child}/token")
        portal = token.get("access_token") if token else None
        call("GET", f"/customers/{child}", auth=portal)
        call("GET", f"/customers/{acme}", auth=portal)
        call("GET", f"/customers/{child}/usage", auth=portal)
    elif n == 9:
        # B6: GPU time goes past its entitlement, with no overage allowed: reported, not billed.
        call(
            "POST",
            "/usage",
            json={
                "customerId": acme,
                "dimensionId": v["gpu"],
                "recordValue": "30000",
                "timestamp": _iso(last),
            },
        )
        call("PUT", "/_simulator/options", json={"failStripeChargesFor": [stripe_co]})
        call(
            "POST",
            "/invoices",
            json={
                "customerId": stripe_co,
                "items": [{"name": "Support", "quantity": 1, "unitCost": 19}],
            },
        )
        call("PUT", "/_simulator/options", json={"failStripeChargesFor": []})
    elif n == 10:
        call("PUT", f"/customers/{child}/enrollment", json={"unenrollOffering": v["usage_plan"]})
        call("PUT", f"/customers/{stripe_co}/enrollment", json={"unenrollOffering": v["pro"]})
    elif n == 11:
        call("POST", f"/customers/{yearly}/transactions", json={"transactionAmount": "3.333"})
        call("GET", f"/customers/{yearly}/usage", params={"aggregationInterval": "month"})


def write(lines: list[dict[str, Any]], hooks: list[dict[str, Any]], dump: dict[str, Any]) -> None:
    """Store the recorded scenario beside this module (gzip, one JSON value per line)."""
    REPLIES.write_bytes(gzip.compress(_jsonl(lines + [{"webhook": h} for h in hooks]), mtime=0))
    ENGINE.write_bytes(gzip.compress(_pretty(dump), mtime=0))


def _jsonl(items: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(i, sort_keys=True).encode() + b"\n" for i in items)


def _pretty(value: Any) -> bytes:
    return json.dumps(value, indent=1, sort_keys=True).encode() + b"\n"


if __name__ == "__main__":
    write(*run())
