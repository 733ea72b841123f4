"""B7: offerings, enrollments, calendar cycles, proration, trials, minimum charge, changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from simulator.engine import (
    DimensionOverride,
    Engine,
    EnrollmentUsage,
    Invalid,
    OverridesUpdate,
    Tier,
)


def d(y: int, m: int, day: int, h: int = 0) -> datetime:
    return datetime(y, m, day, h, tzinfo=UTC)


def test_b7_seat_example_invoices_55_at_cycle_start(engine: Engine, build, clock) -> None:
    seat = build.dimension("Seat", price="25", method="last", schedule="upfront")
    plan = build.offering(
        "Team Plan", seat, offering_type="subscription", subscription_price=Decimal(30)
    )
    c = build.customer(plan, usage=[EnrollmentUsage(seat.dimension_id, Decimal(1))])
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    assert [(i.name, i.quantity, i.amount) for i in invoice.line_items] == [
        ("Team Plan", Decimal(1), Decimal("30.00")),
        ("Seat - Count-based - Team Plan", Decimal(1), Decimal("25.00")),
    ]
    assert invoice.total_amount_without_tax == Decimal("55.00")
    assert (invoice.invoice_type, invoice.invoice_status) == ("RECURRING", "Paid")


def test_b7_enrollment_mid_cycle_is_prorated_by_whole_days(engine: Engine, build, clock) -> None:
    plan = build.offering("Pro", offering_type="subscription", subscription_price=Decimal(31))
    clock.set(d(2026, 1, 10, 12))
    c = build.customer(plan)
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    (item,) = invoice.line_items
    # Jan 10 (counted) to Feb 1: 22 of 31 days -> 31 x 22/31 = 22.00
    assert (item.quantity, item.unit_cost, item.amount) == (
        Decimal(1),
        Decimal("22.00"),
        Decimal("22.00"),
    )
    assert item.description == "Prorated 22/31 days"


def test_b7_boundary_invoice_holds_next_upfront_and_closed_arrear(
    engine: Engine, build, clock
) -> None:
    calls = build.dimension("Calls", price="0.10")
    plan = build.offering(
        "Pro", calls, offering_type="subscription", subscription_price=Decimal(31)
    )
    clock.set(d(2026, 1, 10, 12))
    c = build.customer(plan)
    build.usage(c, calls, 40, d(2026, 1, 10, 11))  # before enrollment: not billed
    build.usage(c, calls, 25, d(2026, 1, 10, 12))
    clock.set(d(2026, 2, 1))
    _first, second = engine.list_customer_invoices(c.customer_id)
    assert second.invoice_date == d(2026, 2, 1)
    assert (second.period_start, second.period_end) == (d(2026, 1, 10, 12), d(2026, 2, 1))
    assert [(i.name, i.amount) for i in second.line_items] == [
        ("Calls - Count-based - Pro", Decimal("2.50")),
        ("Pro", Decimal("31.00")),
    ]
    assert second.invoice_type == "RECURRING"


def test_b7_annual_cycle_is_the_calendar_year(engine: Engine, build, clock) -> None:
    plan = build.offering(
        "Yearly",
        offering_type="subscription",
        subscription_price=Decimal(120),
        billing_cycle="annualToDate",
    )
    clock.set(d(2026, 7, 2))
    c = build.customer(plan)
    # Jul 2 to Jan 1: 183 of 365 days -> 120 x 183 / 365 = 60.1643... -> 60.16
    assert engine.list_customer_invoices(c.customer_id)[0].total_amount_without_tax == Decimal(
        "60.16"
    )
    clock.set(d(2026, 12, 31))
    assert len(engine.list_customer_invoices(c.customer_id)) == 1
    clock.set(d(2027, 1, 1))
    renewal = engine.list_customer_invoices(c.customer_id)[1]
    assert (renewal.invoice_date, renewal.total_amount_without_tax) == (
        d(2027, 1, 1),
        Decimal("120.00"),
    )


def test_b7_free_trial_bills_neither_fee_nor_usage_inside_it(engine: Engine, build, clock) -> None:
    calls = build.dimension("Calls", price="1")
    plan = build.offering(
        "Pro",
        calls,
        offering_type="subscription",
        subscription_price=Decimal(31),
        free_trial_length=14,
    )
    c = build.customer(plan)
    (first,) = engine.list_customer_invoices(c.customer_id)
    # trial Jan 1 - Jan 15: paid days Jan 15..31 = 17 -> 17.00
    assert first.total_amount_without_tax == Decimal("17.00")
    clock.set(d(2026, 1, 20))
    build.usage(c, calls, 10, d(2026, 1, 5))
    build.usage(c, calls, 3, d(2026, 1, 20))
    clock.set(d(2026, 2, 1))
    second = engine.list_customer_invoices(c.customer_id)[1]
    assert [(i.name, i.amount) for i in second.line_items] == [
        ("Calls - Count-based - Pro", Decimal("3.00")),
        ("Pro", Decimal("31.00")),
    ]


def test_b7_minimum_charge_tops_up_the_usage(engine: Engine, build, clock) -> None:
    calls = build.dimension("Calls", price="1")
    plan = build.offering("Basic", calls, minimum_charge=Decimal(50))
    c = build.customer(plan)
    clock.set(d(2026, 1, 3))
    build.usage(c, calls, 10, d(2026, 1, 3))
    clock.set(d(2026, 2, 1))
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    assert [(i.name, i.amount) for i in invoice.line_items] == [
        ("Calls - Count-based - Basic", Decimal("10.00")),
        ("Minimum charge - Basic", Decimal("40.00")),
    ]
    assert invoice.total_amount_without_tax == Decimal("50.00")


def test_b7_unenrollment_issues_a_final_invoice(engine: Engine, build, clock) -> None:
    calls = build.dimension("Calls", price="1")
    plan = build.offering("Basic", calls)
    c = build.customer(plan)
    clock.set(d(2026, 1, 3))
    build.usage(c, calls, 5, d(2026, 1, 3))
    clock.set(d(2026, 1, 10))
    (final,) = engine.update_enrollment(c.customer_id, offering_id=None)
    assert final.total_amount_without_tax == Decimal("5.00")
    assert engine.list_enrollments(c.customer_id) == []
    clock.set(d(2026, 3, 1))
    assert len(engine.list_customer_invoices(c.customer_id)) == 1


def test_b7_offering_change_credits_unused_subscription(engine: Engine, build, clock) -> None:
    basic = build.offering("Basic", offering_type="subscription", subscription_price=Decimal(31))
    pro = build.offering("Pro", offering_type="subscription", subscription_price=Decimal(62))
    c = build.customer(basic)
    clock.set(d(2026, 1, 11))
    (invoice,) = engine.update_enrollment(
        c.customer_id, offering_id=pro.offering_id, remove_prior_offering=True
    )
    ledger = engine.list_transactions(c.customer_id)
    # unused Jan 11..31 = 21 days of $31 -> 21.00 credited
    credit = next(e for e in ledger if e.metadata.get("type") == "planChangeCredit")
    assert credit.transaction_amount == Decimal("21.00")
    # Pro prorated 21/31 of 62 = 42.00, paid 21.00 from credit and 21.00 by card
    assert invoice.total_amount_without_tax == Decimal("42.00")
    assert [(p.type, p.transaction_amount) for p in invoice.payments] == [
        ("Credit", Decimal("21.00")),
        ("Stripe", Decimal("21.00")),
    ]
    assert [e.offering_id for e in engine.list_enrollments(c.customer_id)] == [pro.offering_id]


def test_b7_adding_an_offering_keeps_the_prior_one(engine: Engine, build, clock) -> None:
    a = build.offering("A")
    b = build.offering("B")
    c = build.customer(a)
    engine.update_enrollment(c.customer_id, offering_id=b.offering_id)
    assert {e.offering_id for e in engine.list_enrollments(c.customer_id)} == {
        a.offering_id,
        b.offering_id,
    }
    # the same offering again changes nothing
    assert engine.update_enrollment(c.customer_id, offering_id=b.offering_id) == []


def test_b7_price_precedence(engine: Engine, build, clock) -> None:
    calls = build.dimension("Calls", price="1")
    plan = build.offering(
        "Plan",
        calls,
        dimension_overrides=[
            DimensionOverride(calls.dimension_id, consumption_price=Decimal("0.8"))
        ],
    )
    plain = build.customer(plan, name="Plain")
    special = build.customer(plan, name="Special")
    engine.update_enrollment(
        special.customer_id,
        overrides=OverridesUpdate(
            dimension_overrides=[
                DimensionOverride(calls.dimension_id, consumption_price=Decimal("0.5"))
            ]
        ),
    )
    clock.set(d(2026, 1, 3))
    for customer in (plain, special):
        build.usage(customer, calls, 10, d(2026, 1, 3))
    clock.set(d(2026, 2, 1))
    totals = [
        engine.list_customer_invoices(x.customer_id)[0].total_amount_without_tax
        for x in (plain, special)
    ]
    assert totals == [Decimal("8.00"), Decimal("5.00")]


def test_b7_override_may_not_change_price_structure(engine: Engine, build) -> None:
    calls = build.dimension("Calls", price="1")
    with pytest.raises(Invalid, match="price structure"):
        build.offering(
            "Plan",
            calls,
            dimension_overrides=[
                DimensionOverride(calls.dimension_id, tiers=[Tier(1, Decimal("inf"), Decimal(1))])
            ],
        )
    assert engine.list_offerings() == []


def test_b7_several_enrollments_share_one_invoice(engine: Engine, build, clock) -> None:
    x = build.dimension("X", price="1")
    y = build.dimension("Y", price="2")
    a = build.offering("A", x)
    b = build.offering("B", y)
    c = build.customer(a)
    engine.update_enrollment(c.customer_id, offering_id=b.offering_id)
    clock.set(d(2026, 1, 3))
    build.usage(c, x, 1, d(2026, 1, 3))
    build.usage(c, y, 1, d(2026, 1, 3))
    clock.set(d(2026, 2, 1))
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    assert [i.name for i in invoice.line_items] == [
        "X - Count-based - A",
        "Y - Count-based - B",
    ]
    assert invoice.total_amount_without_tax == Decimal("3.00")


def test_b7_enrollment_date_in_the_future_is_rejected(engine: Engine, build, clock) -> None:
    plan = build.offering("A")
    with pytest.raises(Invalid, match="offeringEnrollmentDate"):
        build.customer(plan, offering_enrollment_date=clock.now() + timedelta(days=1))
    assert engine.list_customers() == []


def test_b7_backdated_enrollment_catches_up_every_cycle(engine: Engine, build, clock) -> None:
    plan = build.offering("Pro", offering_type="subscription", subscription_price=Decimal(31))
    clock.set(d(2026, 3, 15))
    c = build.customer(plan, offering_enrollment_date=d(2026, 1, 15))
    invoices = engine.list_customer_invoices(c.customer_id)
    # Jan 15..31 = 17 days -> 17.00; then Feb 1 and Mar 1 at full price
    assert [(i.invoice_date, i.total_amount_without_tax) for i in invoices] == [
        (d(2026, 3, 15), Decimal("17.00")),
        (d(2026, 2, 1), Decimal("31.00")),
        (d(2026, 3, 1), Decimal("31.00")),
    ]


def test_b7_prepaid_credit_reaches_the_wallet_once(engine: Engine, build, clock) -> None:
    plan = build.offering("Credits", prepaid_credit=Decimal(50))
    c = build.customer(plan)
    clock.set(d(2026, 4, 1))
    assert engine.retrieve_customer(c.customer_id).balance == Decimal(50)


def test_b7_unenrolling_one_offering_invoices_only_its_usage(engine: Engine, build, clock) -> None:
    x = build.dimension("X", price="1")
    y = build.dimension("Y", price="1")
    a, b = build.offering("A", x), build.offering("B", y)
    c = build.customer(a)
    engine.update_enrollment(c.customer_id, offering_id=b.offering_id)
    clock.set(d(2026, 1, 5))
    build.usage(c, x, 2, d(2026, 1, 4))
    build.usage(c, y, 3, d(2026, 1, 4))
    (final,) = engine.update_enrollment(c.customer_id, unenroll_offering=a.offering_id)
    assert [(i.name, i.amount) for i in final.line_items] == [
        ("X - Count-based - A", Decimal("2.00"))
    ]
    clock.set(d(2026, 2, 1))
    february = engine.list_customer_invoices(c.customer_id)[-1]
    assert [(i.name, i.amount) for i in february.line_items] == [
        ("Y - Count-based - B", Decimal("3.00"))
    ]


def test_b7_upfront_dimensions_are_prorated_like_the_subscription(
    engine: Engine, build, clock
) -> None:
    seat = build.dimension("Seat", price="31", method="last", schedule="upfront")
    plan = build.offering("Team", seat)
    clock.set(d(2026, 1, 22))
    c = build.customer(plan, usage=[EnrollmentUsage(seat.dimension_id, Decimal(2))])
    (invoice,) = engine.list_customer_invoices(c.customer_id)
    # Jan 22..31 = 10 of 31 days: unit cost 31 x 10/31 = 10.00, two seats = 20.00
    assert [(i.quantity, i.unit_cost, i.amount) for i in invoice.line_items] == [
        (Decimal(2), Decimal("10.00"), Decimal("20.00"))
    ]


def test_b7_plan_change_credit_first_reduces_the_unpaid_invoice_it_refers_to(
    engine: Engine, build, clock
) -> None:
    basic = build.offering("Basic", offering_type="subscription", subscription_price=Decimal(31))
    pro = build.offering("Pro", offering_type="subscription", subscription_price=Decimal(62))
    c = build.customer(basic, channel="manual")
    (january,) = engine.list_customer_invoices(c.customer_id)
    assert (january.invoice_status, january.amount_remaining) == ("Open", Decimal("31.00"))
    clock.set(d(2026, 1, 11))
    (change,) = engine.update_enrollment(
        c.customer_id, offering_id=pro.offering_id, remove_prior_offering=True
    )
    # Unused Jan 11..31 = 21 of 31 days of $31 = $21.00. Basic was never paid, so the credit
    # lowers what is still owed on it (31 - 21 = 10) instead of becoming spendable credit.
    january = engine.retrieve_invoice(january.invoice_id)
    assert (january.invoice_status, january.amount_remaining) == ("Open", Decimal("10.00"))
    assert [(p.type, p.transaction_amount) for p in january.payments] == [
        ("Credit", Decimal("21.00"))
    ]
    assert engine.retrieve_customer(c.customer_id).balance == 0
    # Pro prorated 21/31 of $62 = $42.00, all still owed. Owed in total: 10 + 42 = 52, the same
    # as a customer who had paid Basic's 31 and then paid 42 - 21 credit = 21.
    assert (change.total_amount_without_tax, change.amount_remaining) == (
        Decimal("42.00"),
        Decimal("42.00"),
    )


def test_b7_plan_change_credit_beyond_the_unpaid_rest_goes_to_the_wallet(
    engine: Engine, build, clock
) -> None:
    basic = build.offering("Basic", offering_type="subscription", subscription_price=Decimal(31))
    pro = build.offering("Pro", offering_type="subscription", subscription_price=Decimal(62))
    c = build.customer(channel="manual")
    engine.create_transaction(c.customer_id, transaction_amount=Decimal(25))
    engine.update_enrollment(c.customer_id, offering_id=basic.offering_id)
    (january,) = engine.list_customer_invoices(c.customer_id)
    # $25 of credit paid part of Basic's $31: $6.00 is still owed.
    assert january.amount_remaining == Decimal("6.00")
    clock.set(d(2026, 1, 11))
    engine.update_enrollment(c.customer_id, offering_id=pro.offering_id, remove_prior_offering=True)
    january = engine.retrieve_invoice(january.invoice_id)
    # The $21.00 credit settles the $6.00 owed; the other $15.00 was paid and reaches the
    # wallet, where it pays Pro's $42.00 first.
    assert january.invoice_status == "Paid"
    change = engine.list_customer_invoices(c.customer_id)[-1]
    assert [(p.type, p.transaction_amount) for p in change.payments] == [
        ("Credit", Decimal("15.00"))
    ]
    assert change.amount_remaining == Decimal("27.00")


def test_b7_plan_change_credits_nothing_for_a_voided_invoice(engine: Engine, build, clock) -> None:
    basic = build.offering("Basic", offering_type="subscription", subscription_price=Decimal(31))
    pro = build.offering("Pro", offering_type="subscription", subscription_price=Decimal(62))
    c = build.customer(basic, channel="manual")
    (january,) = engine.list_customer_invoices(c.customer_id)
    engine.void_invoice(january.invoice_id)
    clock.set(d(2026, 1, 11))
    (change,) = engine.update_enrollment(
        c.customer_id, offering_id=pro.offering_id, remove_prior_offering=True
    )
    ledger = engine.list_transactions(c.customer_id)
    assert [e for e in ledger if e.metadata.get("type") == "planChangeCredit"] == []
    assert change.amount_remaining == Decimal("42.00")


def test_b7_voiding_the_unpaid_invoice_after_a_plan_change_creates_no_credit(
    engine: Engine, build, clock
) -> None:
    basic = build.offering("Basic", offering_type="subscription", subscription_price=Decimal(31))
    pro = build.offering("Pro", offering_type="subscription", subscription_price=Decimal(62))
    c = build.customer(basic, channel="manual")
    (january,) = engine.list_customer_invoices(c.customer_id)
    clock.set(d(2026, 1, 11))
    engine.update_enrollment(c.customer_id, offering_id=pro.offering_id, remove_prior_offering=True)
    engine.void_invoice(january.invoice_id)
    # The $21.00 credit only lowered what was owed on Basic; it was never paid money.
    assert engine.retrieve_customer(c.customer_id).balance == 0
