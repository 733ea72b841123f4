"""B6: entitlement, overage lines, unbilled excess and ENTITLEMENT webhooks."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from simulator.engine import Engine

JAN5 = datetime(2026, 1, 5, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)


def _setup(engine: Engine, build, clock, overage: bool):
    d = build.dimension(
        "Storage",
        price="0.5",
        interval="month",
        usage_entitlement=Decimal(100),
        overage_allowed=overage,
    )
    o = build.offering("Pro", d, offering_type="subscription", subscription_price=Decimal(20))
    c = build.customer(o)
    clock.set(JAN5)
    return d, o, c


def test_b6_overage_is_billed_beyond_entitlement(engine: Engine, build, clock) -> None:
    d, _o, c = _setup(engine, build, clock, overage=True)
    build.usage(c, d, 130, JAN5)
    clock.set(FEB)
    first, second = engine.list_customer_invoices(c.customer_id)
    assert first.total_amount_without_tax == Decimal("20.00")
    lines = [(i.name, i.quantity, i.amount) for i in second.line_items]
    assert lines == [
        ("Storage - Count-based - Pro - Overage", Decimal(30), Decimal("15.00")),
        ("Pro", Decimal(1), Decimal("20.00")),
    ]


def test_b6_usage_within_entitlement_bills_nothing(engine: Engine, build, clock) -> None:
    d, _o, c = _setup(engine, build, clock, overage=True)
    build.usage(c, d, 100, JAN5)
    clock.set(FEB)
    second = engine.list_customer_invoices(c.customer_id)[1]
    assert second.total_amount_without_tax == Decimal("20.00")


def test_b6_no_overage_reports_the_excess(engine: Engine, build, clock) -> None:
    d, o, c = _setup(engine, build, clock, overage=False)
    build.usage(c, d, 130, JAN5)
    (live,) = engine.entitlement_excess(customer_id=c.customer_id)
    assert (live.closed, live.excess_increments) == (False, Decimal(30))
    clock.set(FEB)
    second = engine.list_customer_invoices(c.customer_id)[1]
    assert [i.name for i in second.line_items] == ["Pro"]
    (closed,) = engine.entitlement_excess(customer_id=c.customer_id)
    assert (closed.closed, closed.offering_id, closed.excess_increments) == (
        True,
        o.offering_id,
        Decimal(30),
    )


def test_b6_entitlement_webhooks_fire_once_at_80_and_100(engine: Engine, build, clock) -> None:
    engine.subscribe_webhook(hook_url="https://hooks.example/e", webhook_type="ENTITLEMENT")
    d, _o, c = _setup(engine, build, clock, overage=True)
    for value in (50, 30, 20, 10):
        build.usage(c, d, value, JAN5)
    events = [x.payload for x in engine.webhook_deliveries()]
    assert [(e["eventType"], e["currentUsageTotal"]) for e in events] == [
        ("usageEntitlementThresholdReached", "80"),
        ("usageEntitlementLimitReached", "100"),
    ]
    assert events[1]["entitlementLimit"] == "100"
    assert events[1]["webhookType"] == "ENTITLEMENT"
    # a new cycle re-arms the thresholds
    clock.set(datetime(2026, 2, 2, tzinfo=UTC))
    build.usage(c, d, 90, clock.now())
    assert len(engine.webhook_deliveries()) == 3
