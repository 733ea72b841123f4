"""The resource rules of API notes section 3: references, conflicts, field checks, metadata."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from simulator.engine import (
    UNSET,
    Conflict,
    Engine,
    EnrollmentUsage,
    Invalid,
    NotFound,
    OverridesUpdate,
)


def test_catalog_delete_dimension_used_by_offering_conflicts(engine: Engine, build) -> None:
    d = build.dimension()
    o = build.offering("Plan", d)
    with pytest.raises(Conflict) as error:
        engine.delete_dimension(d.dimension_id)
    assert (error.value.kind, error.value.ids) == ("dimension", (o.offering_id,))
    engine.delete_offering(o.offering_id)
    assert engine.delete_dimension(d.dimension_id) is d


def test_catalog_delete_offering_with_customers_conflicts(engine: Engine, build) -> None:
    o = build.offering("Plan")
    c = build.customer(o)
    with pytest.raises(Conflict) as error:
        engine.delete_offering(o.offering_id)
    assert (error.value.kind, error.value.ids) == ("offering", (c.customer_id,))


@pytest.mark.parametrize(
    ("call", "kind"),
    [
        (lambda e: e.retrieve_dimension("x"), "dimension"),
        (lambda e: e.retrieve_offering("x"), "offering"),
        (lambda e: e.retrieve_measurement("x"), "measurement"),
        (lambda e: e.retrieve_customer("x"), "customer"),
        (lambda e: e.retrieve_invoice("x"), "invoice"),
        (lambda e: e.retrieve_webhook("x"), "webhook"),
        (lambda e: e.create_offering(offering_name="P", dimension_ids=["x"]), "dimension"),
    ],
)
def test_catalog_unknown_references_are_not_found(engine: Engine, call, kind: str) -> None:
    with pytest.raises(NotFound) as error:
        call(engine)
    assert error.value.kind == kind


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"offering_type": "subscription"}, "subscriptionPrice is required"),
        ({"billing_cycle": "topUp"}, "topUpAmount is required"),
        ({"top_up_threshold": Decimal("1.5")}, "topUpThreshold"),
        ({"minimum_charge": Decimal(0)}, "minimumCharge must be greater than 0"),
        (
            {
                "offering_type": "subscription",
                "subscription_price": Decimal(1),
                "minimum_charge": Decimal(5),
            },
            "usage-based",
        ),
    ],
)
def test_catalog_offering_rules(engine: Engine, fields, fragment: str) -> None:
    with pytest.raises(Invalid) as error:
        engine.create_offering(offering_name="P", **fields)
    assert any(fragment in m for m in error.value.messages)
    assert engine.list_offerings() == []


def test_catalog_dimension_update_validates_the_result(engine: Engine, build) -> None:
    d = build.dimension()
    with pytest.raises(Invalid, match="usageIncrement"):
        engine.update_dimension(d.dimension_id, usage_increment=Decimal(0))
    assert engine.retrieve_dimension(d.dimension_id).usage_increment == Decimal(1)
    updated = engine.update_dimension(d.dimension_id, dimension_name="Renamed", tiers=UNSET)
    assert updated.dimension_name == "Renamed"


def test_catalog_metadata_patch_semantics(engine: Engine, build) -> None:
    d = build.dimension(metadata={"a": "1", "b": "2"})
    d = engine.update_dimension(d.dimension_id, metadata={"a": None, "c": "3"})
    assert d.metadata == {"b": "2", "c": "3"}
    d = engine.update_dimension(d.dimension_id, metadata=None)
    assert d.metadata == {}


def test_catalog_duplicate_customer_id(engine: Engine, build) -> None:
    build.customer(customer_id="acme")
    with pytest.raises(Invalid, match="already exists"):
        build.customer(customer_id="acme")


def test_catalog_unenroll_cannot_be_combined(engine: Engine, build) -> None:
    o = build.offering("Plan")
    c = build.customer(o)
    with pytest.raises(Invalid, match="unenrollOffering"):
        engine.update_enrollment(
            c.customer_id, unenroll_offering=o.offering_id, offering_id=o.offering_id
        )
    with pytest.raises(Invalid, match="unenrollOffering"):
        engine.update_enrollment(
            c.customer_id, unenroll_offering=o.offering_id, remove_prior_offering=True
        )


def test_catalog_unenroll_one_offering(engine: Engine, build) -> None:
    a, b = build.offering("A"), build.offering("B")
    c = build.customer(a)
    engine.update_enrollment(c.customer_id, offering_id=b.offering_id)
    engine.update_enrollment(c.customer_id, unenroll_offering=a.offering_id)
    assert [e.offering_id for e in engine.list_enrollments(c.customer_id)] == [b.offering_id]


def test_catalog_duplicate_usage_dimensions(engine: Engine, build) -> None:
    d = build.dimension()
    o = build.offering("Plan", d)
    usage = [
        EnrollmentUsage(d.dimension_id, Decimal(1)),
        EnrollmentUsage(d.dimension_id, Decimal(2)),
    ]
    with pytest.raises(Invalid, match="unique"):
        build.customer(o, usage=usage)
    assert engine.list_customers() == []


def test_catalog_free_trial_dates_must_be_in_the_future(engine: Engine, build, clock) -> None:
    o = build.offering("Plan")
    c = build.customer(o)
    with pytest.raises(Invalid, match="future"):
        engine.update_free_trial(c.customer_id, free_trial_end_date=clock.now())
    with pytest.raises(Invalid, match="future"):
        engine.update_enrollment(
            c.customer_id,
            overrides=OverridesUpdate(free_trial_end_date=clock.now() - timedelta(days=1)),
        )
    updated = engine.update_free_trial(
        c.customer_id, free_trial_end_date=clock.now() + timedelta(days=3)
    )
    assert updated.current_enrollment is not None
    assert updated.current_enrollment.free_trial_end_date == clock.now() + timedelta(days=3)


def test_catalog_children(engine: Engine, build) -> None:
    parent, child = build.customer(name="P"), build.customer(name="C")
    link = engine.add_child(parent.customer_id, child.customer_id, bill_parent="aggregated")
    assert engine.retrieve_customer(child.customer_id).parent is link
    with pytest.raises(Invalid):
        engine.add_child(child.customer_id, parent.customer_id)
    assert (
        engine.update_child(parent.customer_id, child.customer_id, bill_parent="separate") is link
    )
    engine.remove_child(parent.customer_id, child.customer_id)
    assert engine.retrieve_customer(parent.customer_id).children == []


def test_catalog_measurements(engine: Engine, build) -> None:
    m = engine.create_measurement(
        measurement_mode="agentBased",
        measurement_configuration={"iamRoleArn": "arn", "hostingPlatform": "k8spod"},
    )
    build.dimension(measurement_id=m.measurement_id)
    with pytest.raises(Invalid):
        engine.delete_measurement(m.measurement_id)
    m2 = engine.update_measurement(
        m.measurement_id,
        measurement_mode="agentBased",
        measurement_name="Agents",
        measurement_configuration={"externalId": "x"},
    )
    assert m2.measurement_configuration["externalId"] == "x"


def test_catalog_snapshot_restore_reset(engine: Engine, build, clock) -> None:
    d = build.dimension()
    c = build.customer()
    build.usage(c, d, 1, clock.now(), idempotency_key="k")
    snap = engine.snapshot()
    build.usage(c, d, 2, clock.now(), idempotency_key="k2")
    engine.restore(snap)
    assert len(engine.usage_records()) == 1
    assert not build.usage(c, d, 2, clock.now(), idempotency_key="k2").replayed
    engine.reset()
    assert engine.list_customers() == []
    # same seed: the same ids again
    assert build.dimension().dimension_id == d.dimension_id


@pytest.mark.parametrize("extra", [{"free_trial_length": 7}, {"minimum_charge": Decimal(5)}])
def test_catalog_top_up_has_no_trial_or_minimum(engine: Engine, extra) -> None:
    with pytest.raises(Invalid, match="topUp"):
        engine.create_offering(
            offering_name="T", billing_cycle="topUp", top_up_amount=Decimal(10), **extra
        )


def test_catalog_customer_currency_falls_back_to_settings(engine: Engine, build) -> None:
    engine.update_settings(default_currency="EUR")
    assert build.customer().currency == "EUR"
    usd = build.offering("USD plan")
    assert build.customer(usd).currency == "USD"


def test_catalog_rejected_enrollment_change_changes_nothing(engine: Engine, build, clock) -> None:
    from simulator.engine import Discount

    a, b = build.offering("A"), build.offering("B")
    c = build.customer(a)
    before = [
        (e.offering_id, e.ended_at) for e in engine.retrieve_customer(c.customer_id).enrollments
    ]
    with pytest.raises(Invalid):
        engine.update_enrollment(
            c.customer_id,
            offering_id=b.offering_id,
            remove_prior_offering=True,
            overrides=OverridesUpdate(discount=Discount("Too much", Decimal(150))),
        )
    after = [
        (e.offering_id, e.ended_at) for e in engine.retrieve_customer(c.customer_id).enrollments
    ]
    assert after == before
    assert engine.list_customer_invoices(c.customer_id) == []


def test_catalog_rejected_creates_do_not_advance_seeded_ids(clock) -> None:
    from simulator.engine import ConsumptionUnit

    def first_ids(reject: bool) -> tuple[str, str]:
        engine = Engine(clock=clock, seed=7)
        if reject:
            with pytest.raises(Invalid):
                engine.create_offering(offering_name="x", offering_type="subscription")
            with pytest.raises(Invalid):
                engine.create_dimension(
                    dimension_name="x",
                    consumption_unit=ConsumptionUnit("count", "count-based"),
                    usage_increment=Decimal(0),
                    rounding="ceiling",
                )
        o = engine.create_offering(offering_name="ok")
        c = engine.create_customer(customer_name="c", email="c@e.com", payment_channel="manual")
        return o.offering_id, c.customer_id

    assert first_ids(True) == first_ids(False)
