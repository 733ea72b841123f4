"""B8: discounts, tax and totals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from simulator.engine import Discount, Engine, Invalid, OverridesUpdate


def _enroll(engine: Engine, build, discount: Discount | None, **customer) -> str:
    plan = build.offering("Pro", offering_type="subscription", subscription_price=Decimal(100))
    c = build.customer(**customer)
    engine.update_enrollment(
        c.customer_id,
        offering_id=plan.offering_id,
        overrides=OverridesUpdate(discount=discount),
    )
    customer_id: str = c.customer_id
    return customer_id


def test_b8_discount_then_tax(engine: Engine, build) -> None:
    engine.update_settings(tax_rate=Decimal("8.25"))
    cid = _enroll(engine, build, Discount("Launch", Decimal(10)))
    (invoice,) = engine.list_customer_invoices(cid)
    assert [(i.name, i.amount) for i in invoice.line_items] == [
        ("Pro", Decimal("100.00")),
        ("Discount - Launch", Decimal("-10.00")),
    ]
    assert invoice.total_amount_without_tax == Decimal("90.00")
    assert invoice.tax_amount == Decimal("7.43")  # 90 x 8.25% = 7.425 -> 7.43
    assert invoice.amount_paid == Decimal("97.43")


def test_b8_tax_exempt_customer_pays_no_tax(engine: Engine, build) -> None:
    engine.update_settings(tax_rate=Decimal(20))
    cid = _enroll(engine, build, None, tax_exempt="exempt")
    (invoice,) = engine.list_customer_invoices(cid)
    assert invoice.tax_amount == Decimal("0.00")


def test_b8_discount_stops_at_its_end_date(engine: Engine, build, clock) -> None:
    cid = _enroll(
        engine, build, Discount("Intro", Decimal(50), end_date=datetime(2026, 1, 15, tzinfo=UTC))
    )
    clock.set(datetime(2026, 2, 1, tzinfo=UTC))
    first, second = engine.list_customer_invoices(cid)
    assert first.total_amount_without_tax == Decimal("50.00")
    assert second.total_amount_without_tax == Decimal("100.00")


@pytest.mark.parametrize("percentage", ["-1", "100.01"])
def test_b8_discount_percentage_must_be_0_to_100(engine: Engine, build, percentage: str) -> None:
    with pytest.raises(Invalid, match="percentage"):
        _enroll(engine, build, Discount("Bad", Decimal(percentage)))


def test_b8_default_tax_rate_is_zero(engine: Engine, build) -> None:
    cid = _enroll(engine, build, None)
    assert engine.list_customer_invoices(cid)[0].tax_amount == Decimal("0.00")
