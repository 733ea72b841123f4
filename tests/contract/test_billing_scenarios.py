"""Months of billing through the SDK: cycles closing one after another, and a plan change mid-cycle.

Every expected figure is worked out here from the billing rules (docs/billing-rules.md), not read
from the simulator.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from simulator import ManualClock

CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    """Round money to cents, halves away from zero (B1)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def invoices_of(paigo: Any, customer_id: str) -> list[Any]:
    """Return the customer's invoices, oldest first."""
    invoices = paigo.customers.retrieve(customer_id).invoices or []
    return sorted(invoices, key=lambda invoice: invoice.invoice_date)


def test_b7_three_monthly_cycles_bill_each_months_usage_once(
    paigo: Any, clock: ManualClock
) -> None:
    clock.set(datetime(2027, 1, 1, tzinfo=UTC))
    calls = paigo.dimensions.create(
        dimension_name="API Calls",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment=1000,
        rounding="ceiling",
        consumption_price=Decimal("1.00"),
        aggregation_method="sum",
        aggregation_interval="day",
    )
    plan = paigo.offerings.create(offering_name="Usage", dimension_ids=[calls.dimension_id])
    customer = paigo.customers.create(
        customer_name="Monthly Co",
        email="ap@monthly.example",
        payment_channel="manual",
        offering_id=plan.offering_id,
    )

    def record(day: datetime, value: int) -> None:
        clock.set(day)
        paigo.usage.record(
            customer_id=customer.customer_id,
            dimension_id=calls.dimension_id,
            record_value=value,
            timestamp=day,
        )

    record(datetime(2027, 1, 10, 12, tzinfo=UTC), 2500)  # day bucket: ceil(2.5) = 3 thousands
    record(datetime(2027, 1, 20, 12, tzinfo=UTC), 1000)  # day bucket: 1 thousand
    clock.set(datetime(2027, 2, 5, 12, tzinfo=UTC))  # January closes on 1 February
    record(datetime(2027, 2, 5, 12, tzinfo=UTC), 999)  # day bucket: 1 thousand
    clock.set(datetime(2027, 4, 1, tzinfo=UTC))  # February and March close

    invoices = invoices_of(paigo, customer.customer_id)
    assert [invoice.invoice_date for invoice in invoices] == [
        datetime(2027, 2, 1, tzinfo=UTC),
        datetime(2027, 3, 1, tzinfo=UTC),
        datetime(2027, 4, 1, tzinfo=UTC),
    ]
    assert {invoice.invoice_type for invoice in invoices} == {"RECURRING"}
    january, february, march = invoices
    assert [(line.name, line.quantity) for line in january.line_items] == [
        ("API Calls - Thousand - Usage", 4)
    ]
    assert january.total_amount_without_tax == Decimal("4.00")
    assert [line.quantity for line in february.line_items] == [1]
    assert february.total_amount_without_tax == Decimal("1.00")
    assert march.total_amount_without_tax == 0
    assert march.invoice_status == "Paid"  # a $0 invoice is paid at once (B9)
    assert january.invoice_status == february.invoice_status == "Open"  # manual payment channel


def test_b7_changing_offering_mid_cycle_credits_the_unused_subscription(
    paigo: Any, clock: ManualClock
) -> None:
    clock.set(datetime(2027, 1, 1, tzinfo=UTC))
    basic = paigo.offerings.create(
        offering_name="Basic",
        offering_type="subscription",
        subscription_price=Decimal("30"),
        billing_cycle="monthly",
    )
    pro = paigo.offerings.create(
        offering_name="Pro",
        offering_type="subscription",
        subscription_price=Decimal("62"),
        billing_cycle="monthly",
    )
    customer = paigo.customers.create(
        customer_name="Upgrader Ltd",
        email="ap@upgrader.example",
        payment_channel="manual",
        offering_id=basic.offering_id,
    )
    [enrolled] = invoices_of(paigo, customer.customer_id)
    assert enrolled.total_amount_without_tax == Decimal("30.00")  # enrolled at the cycle start

    change = datetime(2027, 1, 16, 9, tzinfo=UTC)
    clock.set(change)
    enrollments = paigo.customers.enrollment.update(
        customer.customer_id, offering_id=pro.offering_id, remove_prior_offering=True
    )
    assert [e.offering.offering_id for e in enrollments] == [pro.offering_id]

    # 16 January to 31 January, the day of the change counted: 16 of January's 31 days (B7).
    unused = Decimal(16) / Decimal(31)
    credit = cents(Decimal(30) * unused)
    pro_prorated = cents(Decimal(62) * unused)
    assert (credit, pro_prorated) == (Decimal("15.48"), Decimal("32.00"))

    invoices = invoices_of(paigo, customer.customer_id)
    [upgrade] = [i for i in invoices if i.invoice_date == change and i.total_amount_without_tax]
    [line] = upgrade.line_items
    assert (line.name, line.quantity, line.unit_cost) == ("Pro", 1, pro_prorated)
    assert upgrade.total_amount_without_tax == pro_prorated
    # Basic's invoice is still unpaid (a manual customer), so the credit for its unused days
    # lowers what is owed on it instead of paying the new invoice (B7): 30.00 - 15.48 = 14.52.
    basic_invoice = paigo.invoices.retrieve(enrolled.invoice_id)
    assert (basic_invoice.amount_paid, basic_invoice.invoice_status) == (credit, "Open")
    assert basic_invoice.total_amount_without_tax - credit == Decimal("14.52")
    assert upgrade.amount_paid == 0
    assert upgrade.invoice_status == "Open"
    ledger = paigo.customers.transactions.list(customer.customer_id)
    assert sorted(entry.transaction_amount for entry in ledger) == [-credit, credit]

    clock.set(datetime(2027, 2, 1, tzinfo=UTC))
    february = invoices_of(paigo, customer.customer_id)[-1]
    assert february.invoice_date == datetime(2027, 2, 1, tzinfo=UTC)
    assert [(item.name, item.unit_cost) for item in february.line_items] == [("Pro", 62)]
    assert february.total_amount_without_tax == Decimal("62.00")


def test_b14_a_record_sent_in_the_enrollment_millisecond_is_shown_and_billed(
    paigo: Any, clock: ManualClock
) -> None:
    # The enrollment happens 456 microseconds into a millisecond; the SDK, like Paigo's wire,
    # writes the record's timestamp to the millisecond (12:00:00.123Z).
    enrolled = datetime(2027, 1, 10, 12, 0, 0, 123456, tzinfo=UTC)
    clock.set(enrolled)
    calls = paigo.dimensions.create(
        dimension_name="API Calls",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment=1,
        rounding="ceiling",
        consumption_price=Decimal("0.25"),
        aggregation_method="sum",
        aggregation_interval="hour",
    )
    plan = paigo.offerings.create(offering_name="Usage", dimension_ids=[calls.dimension_id])
    customer = paigo.customers.create(
        customer_name="Same Instant Co",
        email="ap@instant.example",
        payment_channel="manual",
        offering_id=plan.offering_id,
    )
    paigo.usage.record(
        customer_id=customer.customer_id,
        dimension_id=calls.dimension_id,
        record_value=4,
        timestamp=enrolled,
    )
    clock.set(datetime(2027, 1, 10, 13, tzinfo=UTC))
    (view,) = paigo.customers.retrieve_usage(customer.customer_id, aggregation_interval="none")
    assert [(r.timestamp, r.record_value) for r in view.usage] == [
        (datetime(2027, 1, 10, 12, 0, 0, 123000, tzinfo=UTC), Decimal(4))
    ]
    clock.set(datetime(2027, 2, 1, tzinfo=UTC))
    (invoice,) = invoices_of(paigo, customer.customer_id)
    # 4 calls x $0.25 = $1.00
    assert [(i.quantity, i.unit_cost) for i in invoice.line_items] == [(4, Decimal("0.25"))]
    assert invoice.total_amount_without_tax == Decimal("1.00")
