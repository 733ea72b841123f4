"""The lossless JSON form of inspection records that RemoteSimulator decodes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

import pytest

from simulator.api import RejectedRequest
from simulator.engine.events import CustomerEvent, EntitlementEvent, InvoiceEvent, WebhookEvent
from simulator.engine.state import (
    DeliveryAttempt,
    Invoice,
    InvoiceLine,
    Payment,
    UsageRecordView,
    WebhookDelivery,
)
from simulator.records import RecordDecodeError, decode, encode

T = TypeVar("T")

AT = datetime(2026, 1, 31, 23, 59, 59, 123456, tzinfo=UTC)


def round_trip(value: object, cls: type[T]) -> T:
    return decode(json.loads(json.dumps(encode(value))), cls)


def test_an_invoice_comes_back_equal_with_exact_decimals():
    invoice = Invoice(
        invoice_id="inv-1",
        customer_id="c-1",
        invoice_status="Open",
        invoice_type="RECURRING",
        invoice_date=AT,
        line_items=[
            InvoiceLine(
                name="Data",
                quantity=Decimal("3.000"),
                unit_cost=Decimal("0.08"),
                amount=Decimal("0.24"),
            )
        ],
        total_amount_without_tax=Decimal("0.24"),
        payments=[Payment(type="Credit", transaction_amount=Decimal("0.10"), timestamp=AT)],
        period_start=AT,
        communication_history=[{"type": "INVOICE_EMAIL", "at": "2026-02-01T00:00:00Z"}],
    )
    back = round_trip(invoice, Invoice)
    assert back == invoice
    assert str(back.line_items[0].quantity) == "3.000"  # the exponent survives


def test_other_records_come_back_equal():
    view = UsageRecordView("c", "d", AT, Decimal("1.50"), {"region": "eu"}, 4)
    assert round_trip(view, UsageRecordView) == view
    rejected = RejectedRequest("POST", "/usage", 400, ("a", "b"), AT)
    assert round_trip(rejected, RejectedRequest) == rejected
    events: list[WebhookEvent] = [
        InvoiceEvent(
            "i", "c", "Open", "RECURRING", "USD", Decimal("1.50"), Decimal(0), Decimal(0), AT
        ),
        CustomerEvent(
            "c", "A", "a@x", "manual", "USD", "none", Decimal("2.5"), metadata={"k": [1]}
        ),
        EntitlementEvent(AT, "d", "c", "A", "a@x", Decimal(100), Decimal(80), "e", "off-1"),
    ]
    for event in events:
        delivery = WebhookDelivery(
            "del-1",
            "wh-1",
            "http://x",
            "INVOICE_CREATED",
            event,
            AT,
            attempts=[DeliveryAttempt(at=AT, status_code=None, error="refused", attempt=1)],
            next_attempt_at=AT,
        )
        back = round_trip(delivery, WebhookDelivery)
        assert back == delivery
        assert type(back.event) is type(event)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"customer_id": "c"}, "missing"),
        ({**encode(UsageRecordView("c", "d", AT, Decimal(1), {}, 0)), "extra": 1}, "unknown"),
        (
            {**encode(UsageRecordView("c", "d", AT, Decimal(1), {}, 0)), "record_value": 1.5},
            "decimal",
        ),
        ({**encode(UsageRecordView("c", "d", AT, Decimal(1), {}, 0)), "sequence": "4"}, "int"),
        ([], "expected an object"),
    ],
)
def test_records_that_do_not_fit_are_refused(data, message):
    with pytest.raises(RecordDecodeError, match=message):
        decode(data, UsageRecordView)
