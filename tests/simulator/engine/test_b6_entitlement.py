"""B6: entitlement, overage lines, unbilled excess and ENTITLEMENT webhooks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from simulator.engine import Engine, WebhookDelivery
from simulator.engine.events import EntitlementEvent


def _fact(delivery: WebhookDelivery) -> tuple[str, str]:
    """(eventType, currentUsageTotal) of an ENTITLEMENT delivery, as its payload writes them."""
    event = delivery.event
    assert isinstance(event, EntitlementEvent)
    return event.event_type, format(event.current_usage_total, "f")


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
    events = [x.event for x in engine.webhook_deliveries()]
    assert all(isinstance(e, EntitlementEvent) for e in events)
    assert [(e.event_type, e.current_usage_total) for e in events] == [  # type: ignore[union-attr]
        ("usageEntitlementThresholdReached", Decimal(80)),
        ("usageEntitlementLimitReached", Decimal(100)),
    ]
    assert events[1].entitlement_limit == Decimal(100)  # type: ignore[union-attr]
    # a new cycle re-arms the thresholds
    clock.set(datetime(2026, 2, 2, tzinfo=UTC))
    build.usage(c, d, 90, clock.now())
    assert len(engine.webhook_deliveries()) == 3


def test_b6_monthly_events_fire_at_the_exact_record(engine: Engine, build, clock) -> None:
    # Entitlement 1,000 with a monthly bucket rounded up: 2,000 records of 0.5 in one January
    # cycle, sent out of timestamp order with three metadata maps. The month's sum reaches 799.5
    # (rounded up to 800, 80%) at record 1,599 and 999.5 (rounded up to 1,000) at record 1,999.
    engine.subscribe_webhook(hook_url="https://hooks.example/e", webhook_type="ENTITLEMENT")
    d = build.dimension("Storage", price="0.5", interval="month", usage_entitlement=Decimal(1000))
    o = build.offering("Pro", d, offering_type="subscription", subscription_price=Decimal(20))
    c = build.customer(o)
    clock.set(datetime(2026, 1, 27, tzinfo=UTC))
    regions = [{"region": r} for r in ("us", "eu", "ap")]
    dispatched: list[WebhookDelivery] = []
    engine.dispatcher = SimpleNamespace(dispatch=dispatched.append)  # read without an engine call
    fired_at: list[tuple[int, str, str]] = []
    for n in range(1, 2001):
        slot = (n * 7) % 2000  # every slot of 15 minutes from Jan 5 once, out of order
        build.usage(c, d, "0.5", JAN5 + timedelta(minutes=15 * slot), metadata=regions[n % 3])
        if len(dispatched) > len(fired_at):
            (new,) = dispatched[len(fired_at) :]
            fired_at.append((n, *_fact(new)))
    assert fired_at == [
        (1599, "usageEntitlementThresholdReached", "800"),
        (1999, "usageEntitlementLimitReached", "1000"),
    ]


def test_b6_events_fire_at_the_first_whole_increment_past_the_threshold(
    engine: Engine, build, clock
) -> None:
    # Increment 3, entitlement 10: usage moves in steps of 3. 80 % (8) is first reached at
    # 9 (3 increments) and 100 % (10) at 12 (4 increments), never at a fraction of a step.
    engine.subscribe_webhook(hook_url="https://hooks.example/e", webhook_type="ENTITLEMENT")
    d = build.dimension("Seats", increment="3", usage_entitlement=Decimal(10))
    c = build.customer(build.offering("Team", d))
    clock.set(JAN5 + timedelta(days=1))
    totals = []
    for hour in range(5):
        build.usage(c, d, 3, JAN5 + timedelta(hours=hour))
        totals.append([_fact(x)[1] for x in engine.webhook_deliveries()])
    assert totals == [[], [], ["9"], ["9", "12"], ["9", "12"]]


def test_b6_a_cycle_closed_by_a_usage_call_rearms_the_running_total(
    engine: Engine, build, clock
) -> None:
    # The catch-up of a usage call closes January (B14) inside the same call sequence that
    # kept January's running total: February starts again from zero.
    engine.subscribe_webhook(hook_url="https://hooks.example/e", webhook_type="ENTITLEMENT")
    d = build.dimension("Seats", interval="day", usage_entitlement=Decimal(10))
    c = build.customer(build.offering("Team", d))
    clock.set(datetime(2026, 1, 31, 12, tzinfo=UTC))
    build.usage(c, d, 7, clock.now())
    clock.set(datetime(2026, 2, 1, 1, tzinfo=UTC))
    build.usage(c, d, 7, clock.now())
    build.usage(c, d, 1, clock.now())
    events = [_fact(x) for x in engine.webhook_deliveries()]
    # 7 of 10 in January; in February 7 then 8 (80 %), not 14 and 15.
    assert events == [("usageEntitlementThresholdReached", "8")]
