"""The simulator's own /_simulator/ routes: control, inspection, and B14 cycle closing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

import simulator.engine as engine_module
import simulator.engine.operations.inspection as inspection_ops
from simulator.api import Api
from simulator.clock import ManualClock, SystemClock
from simulator.engine import Engine

if TYPE_CHECKING:
    from tests.simulator.api.conftest import ApiClient

DIMENSION = {
    "dimensionName": "Seats",
    "consumptionUnit": {"type": "count", "unit": "count-based"},
    "usageIncrement": "1",
    "rounding": "ceiling",
    "consumptionPrice": "10",
    "aggregationMethod": "sum",
}


@pytest.fixture
def customer(client: ApiClient) -> dict[str, str]:
    dimension_id = client.post("/dimensions", json=DIMENSION).json["dimensionId"]
    offering_id = client.post(
        "/offerings", json={"offeringName": "Team", "dimensionIds": [dimension_id]}
    ).json["offeringId"]
    customer_id = client.post(
        "/customers",
        json={
            "customerName": "Dumm AI Corp",
            "email": "b@dumm.ai",
            "paymentChannel": "manual",
            "offeringId": offering_id,
        },
    ).json["customerId"]
    return {"customer": customer_id, "dimension": dimension_id, "offering": offering_id}


def record(client: ApiClient, ids: dict[str, str], timestamp: str, value: str = "1") -> Any:
    body = {
        "customerId": ids["customer"],
        "dimensionId": ids["dimension"],
        "timestamp": timestamp,
        "recordValue": value,
    }
    reply = client.post("/usage", json=body)
    assert reply.status == 201, reply.body
    return reply


def test_reset_empties_the_engine_but_keeps_tokens(
    client: ApiClient, customer: dict[str, str]
) -> None:
    assert client.post("/_simulator/reset").status == 200
    assert client.get("/customers").json["data"] == []
    assert client.get("/dimensions").status == 200


def test_snapshot_and_restore(client: ApiClient, customer: dict[str, str]) -> None:
    snap = client.post("/_simulator/snapshots")
    assert snap.status == 201
    snapshot_id = snap.json["snapshotId"]
    client.post("/dimensions", json={**DIMENSION, "dimensionName": "Extra"})
    assert len(client.get("/dimensions").json["data"]) == 2
    assert client.post(f"/_simulator/snapshots/{snapshot_id}/restore").status == 200
    assert len(client.get("/dimensions").json["data"]) == 1
    missing = client.post("/_simulator/snapshots/nope/restore")
    assert missing.status == 404
    assert missing.json["message"] == "Snapshot with ID: nope not found"


def test_clock_read_and_advance(client: ApiClient, clock: ManualClock) -> None:
    reply = client.get("/_simulator/clock")
    assert reply.json["now"] == "2026-11-24T08:00:00.000Z"
    assert reply.json["manual"] is True
    advanced = client.post("/_simulator/clock/advance", json={"hours": 1, "seconds": 30})
    assert advanced.json["now"] == "2026-11-24T09:00:30.000Z"
    moved = client.post("/_simulator/clock/advance", json={"to": "2026-11-25T00:00:00Z"})
    assert moved.json["now"] == "2026-11-25T00:00:00.000Z"
    backwards = client.post("/_simulator/clock/advance", json={"to": "2026-01-01T00:00:00Z"})
    assert backwards.status == 400
    assert client.post("/_simulator/clock/advance", json={"hours": -1}).status == 400
    assert client.post("/_simulator/clock/advance", json={"days": 10**15}).status == 400
    assert (
        client.post(
            "/_simulator/clock/advance", json={"to": "2027-01-01T00:00:00Z", "days": 1}
        ).status
        == 400
    )


def test_clock_cannot_advance_a_system_clock() -> None:
    from tests.simulator.api.conftest import ApiClient as Client

    clock = SystemClock()
    client = Client(Api(Engine(clock=clock), clock=clock))
    reply = client.post("/_simulator/clock/advance", json={"seconds": 1})
    assert reply.status == 400
    assert "ManualClock" in reply.json["message"][0]
    assert client.get("/_simulator/clock").json["manual"] is False


def test_options(api: Api, client: ApiClient) -> None:
    assert client.get("/_simulator/options").json["data"] == {
        "deduplication": True,
        "arrayBatches": False,
        "failStripeCharges": False,
        "failStripeChargesFor": [],
        "usageLagSeconds": 0,
    }
    reply = client.put(
        "/_simulator/options", json={"arrayBatches": True, "failStripeChargesFor": ["c1"]}
    )
    assert reply.json["data"]["arrayBatches"] is True
    assert api.engine.options.array_batches is True
    assert api.engine.options.fail_stripe_charges_for == {"c1"}
    assert client.put("/_simulator/options", json={"arrayBatches": "yes"}).status == 400


def test_usage_records_and_rejections(client: ApiClient, customer: dict[str, str]) -> None:
    record(client, customer, "2026-11-24T08:00:00Z", "2")
    client.post("/usage", json={"customerId": customer["customer"]})
    records = client.get("/_simulator/usage-records", query={"customerId": customer["customer"]})
    assert [(r["recordValue"], r["timestamp"]) for r in records.json["data"]] == [
        ("2", "2026-11-24T08:00:00.000Z")
    ]
    rejected = client.get("/_simulator/rejected-requests").json["data"]
    assert rejected[-1]["path"] == "/usage"
    assert rejected[-1]["status"] == 400
    assert "dimensionId should not be empty" in rejected[-1]["messages"]
    assert client.delete("/_simulator/rejected-requests").status == 200
    assert client.get("/_simulator/rejected-requests").json["data"] == []


def test_b14_cycles_close_before_any_request(
    client: ApiClient, clock: ManualClock, customer: dict[str, str]
) -> None:
    record(client, customer, "2026-11-24T08:00:00Z", "3")
    clock.set(clock.now().replace(month=12, day=1, hour=0))
    (found,) = client.get(f"/customers/{customer['customer']}").json["data"]
    assert len(found["invoices"]) == 1
    assert found["invoices"][0]["invoiceType"] == "RECURRING"


def test_close_due_cycles_runs_before_paigo_and_admin_routes(
    api: Api, client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original_check = engine_module.has_due  # type: ignore[attr-defined]
    original_close = inspection_ops.close_due  # type: ignore[attr-defined]

    def counting_check(*args: Any) -> Any:
        calls.append("x")
        return original_check(*args)

    def counting_close(ctx: Any) -> Any:
        calls.append("x")
        return original_close(ctx)

    # The catch-up runs from the engine's scope (which first asks whether any cycle is due) and
    # from its `close_due_cycles` operation.
    monkeypatch.setattr(engine_module, "has_due", counting_check)
    monkeypatch.setattr(inspection_ops, "close_due", counting_close)
    client.get("/dimensions")
    assert len(calls) == 1  # once for the whole request (B14)
    client.get("/_simulator/clock")
    assert len(calls) == 2
    client.get("/dimensions", auth=False)  # 401: no engine work
    assert len(calls) == 2


def test_period_invoice_and_preview(
    client: ApiClient, clock: ManualClock, customer: dict[str, str]
) -> None:
    record(client, customer, "2026-11-24T08:00:00Z", "4")
    preview = client.get(f"/_simulator/customers/{customer['customer']}/invoice-preview")
    assert preview.status == 200
    (draft,) = preview.json["data"]
    assert draft["lineItems"]
    clock.advance(hours=2)
    created = client.post(
        "/_simulator/invoices/period",
        json={
            "customerId": customer["customer"],
            "startTime": "2026-11-24T00:00:00Z",
            "endTime": "2026-11-24T10:00:00Z",
        },
    )
    assert created.status == 201, created.body
    invoice = client.get(f"/invoices/{created.json['invoiceId']}").json["data"][0]
    assert invoice["invoiceType"] == "MANUAL"
    # A record inside the invoiced period is late: stored, reported, never billed again.
    record(client, customer, "2026-11-24T08:30:00Z", "1")
    late = client.get("/_simulator/late-records").json["data"]
    assert [r["recordValue"] for r in late] == ["1"]
    missing = client.post(
        "/_simulator/invoices/period",
        json={
            "customerId": "ghost",
            "startTime": "2026-11-24T00:00:00Z",
            "endTime": "2026-11-24T10:00:00Z",
        },
    )
    assert missing.status == 404


def test_inspection_lists(client: ApiClient, customer: dict[str, str]) -> None:
    for path in (
        "/_simulator/unmatched-records",
        "/_simulator/entitlement-excess",
        "/_simulator/webhook-deliveries",
    ):
        reply = client.get(path)
        assert reply.status == 200
        assert reply.json["data"] == []
    (shown,) = client.get(f"/_simulator/customers/{customer['customer']}", auth=False).json["data"]
    assert shown["customerId"] == customer["customer"]


def test_webhook_deliveries_are_listed(client: ApiClient) -> None:
    client.post(
        "/webhooks/subscribe",
        json={
            "hookUrl": "https://example.com/h",
            "webhookType": "CUSTOMER_CREATED",
            "securityKey": "s3",
        },
    )
    client.post(
        "/customers", json={"customerName": "A", "email": "a@x.io", "paymentChannel": "manual"}
    )
    (delivery,) = client.get("/_simulator/webhook-deliveries").json["data"]
    assert delivery["webhookType"] == "CUSTOMER_CREATED"
    assert delivery["payload"]["customerName"] == "A"
    assert "s3" not in str(delivery)


def test_token_routes(api: Api, client: ApiClient) -> None:
    token = client.token
    assert client.post("/_simulator/tokens/revoke", json={"token": token}).json["revoked"] is True
    assert client.get("/dimensions", auth=token).status == 401
    fresh = client.refresh()
    assert client.get("/dimensions", auth=fresh).status == 200
    assert client.post("/_simulator/tokens/expire").json["expired"] == 1
    assert client.get("/dimensions", auth=fresh).status == 401


def test_settings_and_manual_invoice_approval(client: ApiClient, customer: dict[str, str]) -> None:
    reply = client.put(
        "/_simulator/settings",
        json={"invoiceApproval": "manual", "taxRate": "10", "generatePDFPaymentLink": False},
    )
    assert reply.status == 200, reply.body
    (settings,) = reply.json["data"]
    assert settings["invoiceApproval"] == "manual"
    assert settings["taxRate"] == "10"
    assert settings["generatePDFPaymentLink"] is False
    item = {"name": "X", "quantity": 1, "unitCost": 10}
    invoice_id = client.post(
        "/invoices", json={"customerId": customer["customer"], "items": [item]}
    ).json["invoiceId"]
    assert client.get(f"/invoices/{invoice_id}").json["data"][0]["invoiceStatus"] == "Draft"
    approved = client.post(f"/_simulator/invoices/{invoice_id}/approve")
    assert approved.status == 200
    assert approved.json["data"][0]["invoiceStatus"] == "Open"
    assert client.post(f"/_simulator/invoices/{invoice_id}/approve").status == 400
    voided = client.post(f"/_simulator/invoices/{invoice_id}/void")
    assert voided.json["data"][0]["invoiceStatus"] == "Voided"
    assert client.post(f"/_simulator/invoices/{invoice_id}/pay").status == 400
    second = client.post(
        "/invoices", json={"customerId": customer["customer"], "items": [item]}
    ).json["invoiceId"]
    client.post(f"/_simulator/invoices/{second}/approve")
    paid = client.post(f"/_simulator/invoices/{second}/pay")
    assert paid.json["data"][0]["invoiceStatus"] == "Paid"
    assert client.post(f"/_simulator/invoices/{second}/void").status == 400
    assert client.put("/_simulator/settings", json={"taxRate": "101"}).status == 400
