"""B9: line names, hidden free lines, statuses, types, due dates, period invoices, late records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from simulator.engine import ConsumptionUnit, Engine, Invalid, InvoiceItem
from simulator.engine.pricing import converted_unit


def d(m: int, day: int, h: int = 0) -> datetime:
    return datetime(2026, m, day, h, tzinfo=UTC)


@pytest.mark.parametrize(
    ("type_", "unit", "increment", "expected"),
    [
        ("time", "second", "60", "Minute"),
        ("time", "second", "3600", "Hour"),
        ("time", "second", "86400", "Day"),
        ("time", "minute", "60", "Hour"),
        ("time", "hour", "1", "Hour"),
        ("time", "second", "7", "Second"),
        ("data", "byte", "1024", "Kilobyte"),
        ("data", "byte", "1048576", "Megabyte"),
        ("data", "kilobyte", "1024", "Megabyte"),
        ("data", "kibibyte", "1024", "Mebibyte"),
        ("data", "gigabyte", "1", "Gigabyte"),
        ("data", "byte", "1000", "Byte"),
        ("count", "count-based", "1000", "Thousand"),
        ("count", "count-based", "1000000", "Million"),
        ("count", "count-based", "7", "Count-based"),
    ],
)
def test_b9_converted_unit(type_: str, unit: str, increment: str, expected: str) -> None:
    assert converted_unit(ConsumptionUnit(type_, unit), Decimal(increment)) == expected


def test_b9_hide_omits_zero_usage_lines(engine: Engine, build, clock) -> None:
    engine.update_settings(free_dimension_on_invoice="hide")
    used = build.dimension("Used", price="1")
    idle = build.dimension("Idle", price="1")
    plan = build.offering("Plan", used, idle)
    c = build.customer(plan)
    clock.set(d(1, 2))
    build.usage(c, used, 4, d(1, 2))
    clock.set(d(2, 1))
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    assert [i.name for i in invoice.line_items] == ["Used - Count-based - Plan"]


def test_b9_show_keeps_zero_usage_lines(engine: Engine, build, clock) -> None:
    idle = build.dimension("Idle", price="1")
    c = build.customer(build.offering("Plan", idle))
    clock.set(d(2, 1))
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    assert [(i.name, i.amount) for i in invoice.line_items] == [
        ("Idle - Count-based - Plan", Decimal("0.00"))
    ]
    assert invoice.invoice_status == "Paid"  # a zero total is Paid at once


def test_b9_manual_approval_keeps_drafts(engine: Engine, build) -> None:
    engine.update_settings(invoice_approval="manual")
    c = build.customer()
    invoice = engine.create_invoice(
        customer_id=c.customer_id, items=[InvoiceItem("Setup", Decimal(1), Decimal(10))]
    )
    assert (invoice.invoice_status, invoice.payments) == ("Draft", [])
    approved = engine.approve_invoice(invoice.invoice_id)
    assert approved.invoice_status == "Paid"


def test_b9_manual_invoice_lines_are_kept_as_given(engine: Engine, build, clock) -> None:
    c = build.customer()
    invoice = engine.create_invoice(
        customer_id=c.customer_id,
        items=[InvoiceItem("Paigo Pro", Decimal(1), Decimal("100.09"), "annual support")],
        invoice_payment_term="30",
    )
    assert invoice.invoice_type == "MANUAL"
    assert [(i.name, i.amount, i.description) for i in invoice.line_items] == [
        ("Paigo Pro", Decimal("100.09"), "annual support")
    ]
    assert invoice.invoice_date == clock.now()
    assert invoice.due_date == clock.now() + timedelta(days=30)
    assert engine.retrieve_invoice(invoice.invoice_id) is invoice


def test_b9_negative_quantity_is_rejected(engine: Engine, build) -> None:
    c = build.customer()
    with pytest.raises(Invalid):
        engine.create_invoice(
            customer_id=c.customer_id, items=[InvoiceItem("x", Decimal(-1), Decimal(1))]
        )
    assert engine.list_customer_invoices(c.customer_id) == []


def test_b9_period_invoice_marks_records_billed(engine: Engine, build, clock) -> None:
    calls = build.dimension("Calls", price="1")
    c = build.customer(build.offering("Plan", calls))
    clock.set(d(1, 25))
    build.usage(c, calls, 5, d(1, 3))
    build.usage(c, calls, 2, d(1, 20))
    period = engine.create_period_invoice(c.customer_id, start=d(1, 1), end=d(1, 15))
    assert (period.invoice_type, period.total_amount_without_tax) == ("MANUAL", Decimal("5.00"))
    build.usage(c, calls, 9, d(1, 5))  # late: its period was already invoiced
    assert [r.record_value for r in engine.late_records(customer_id=c.customer_id)] == [Decimal(9)]
    clock.set(d(2, 1))
    cycle = engine.list_customer_invoices(c.customer_id)[1]
    assert cycle.total_amount_without_tax == Decimal("2.00")


def test_b9_records_for_a_closed_cycle_are_late(engine: Engine, build, clock) -> None:
    calls = build.dimension("Calls", price="1")
    c = build.customer(build.offering("Plan", calls))
    clock.set(d(2, 2))
    build.usage(c, calls, 4, d(1, 20))
    build.usage(c, calls, 1, d(2, 1, 5))
    assert len(engine.late_records()) == 1
    clock.set(d(3, 1))
    february = engine.list_customer_invoices(c.customer_id)[1]
    assert february.total_amount_without_tax == Decimal("1.00")
    # still shown by the usage view
    view = engine.query_usage(
        c.customer_id, start_time=d(1, 1), aggregation_interval="none", ignore_enrollment_date=True
    )
    assert len(view[0].records) == 2


def test_b9_preview_bills_nothing(engine: Engine, build, clock) -> None:
    calls = build.dimension("Calls", price="1")
    c = build.customer(build.offering("Plan", calls))
    clock.set(d(1, 10))
    build.usage(c, calls, 6, d(1, 10))
    preview = engine.preview_invoice(c.customer_id)
    assert preview.total_amount_without_tax == Decimal("6.00")
    assert engine.list_customer_invoices(c.customer_id) == []
    clock.set(d(2, 1))
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    assert invoice.total_amount_without_tax == preview.total_amount_without_tax


def test_b9_period_invoice_rejects_bad_windows(engine: Engine, build, clock) -> None:
    c = build.customer()
    with pytest.raises(Invalid):
        engine.create_period_invoice(c.customer_id, start=d(1, 1), end=d(1, 1))
    with pytest.raises(Invalid):
        engine.create_period_invoice(c.customer_id, start=d(1, 1), end=d(3, 1))


def test_b9_settings_payment_term_sets_due_dates(engine: Engine, build, clock) -> None:
    engine.update_settings(invoice_payment_term="60")
    plan = build.offering("Pro", offering_type="subscription", subscription_price=Decimal(5))
    c = build.customer(plan)
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    assert (invoice.invoice_payment_term, invoice.due_date) == (
        "60",
        clock.now() + timedelta(days=60),
    )


def test_b9_voided_invoices(engine: Engine, build) -> None:
    c = build.customer(channel="manual")
    invoice = engine.create_invoice(
        customer_id=c.customer_id, items=[InvoiceItem("x", Decimal(1), Decimal(3))]
    )
    assert engine.void_invoice(invoice.invoice_id).invoice_status == "Voided"
    with pytest.raises(Invalid):
        engine.pay_invoice(invoice.invoice_id)
