"""Customers and their sub-resources: the SDK against the simulator, success and every error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from paigo_sdk.errors import BadRequestError, ClientValidationError, NotFoundError

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def make_customer(paigo: Any, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "customer_name": "Dumm AI Corp",
        "email": "billing@dumm.ai",
        "payment_channel": "manual",
    }
    fields.update(overrides)
    return paigo.customers.create(**fields)


@pytest.fixture
def offering(paigo: Any) -> Any:
    dimension = paigo.dimensions.create(
        dimension_name="Data Processed",
        consumption_unit={"type": "data", "unit": "gigabyte"},
        usage_increment="1",
        rounding="ceiling",
        consumption_price="0.08",
        aggregation_method="sum",
    )
    return paigo.offerings.create(
        offering_name="Pay-as-you-go", dimension_ids=[dimension.dimension_id]
    )


def test_create_retrieve_list_update_delete(paigo: Any, offering: Any) -> None:
    customer = make_customer(paigo, offering_id=offering.offering_id, metadata={"tier": "gold"})
    assert customer.offering_id == offering.offering_id
    assert customer.credit_balance == Decimal(0)
    assert paigo.customers.retrieve(customer.customer_id).customer_name == "Dumm AI Corp"
    assert [c.customer_id for c in paigo.customers.list()] == [customer.customer_id]
    updated = paigo.customers.update(customer.customer_id, customer_name="Dumm AI Inc")
    assert updated.customer_name == "Dumm AI Inc"
    paigo.customers.delete(customer.customer_id)
    with pytest.raises(NotFoundError) as err:
        paigo.customers.retrieve(customer.customer_id)
    assert err.value.message == f"Customer with ID: {customer.customer_id} not found"


def test_caller_chosen_id_and_duplicate(paigo: Any) -> None:
    assert make_customer(paigo, customer_id="acme").customer_id == "acme"
    with pytest.raises(BadRequestError):
        make_customer(paigo, customer_id="acme")


def test_missing_customer_everywhere(paigo: Any) -> None:
    calls: tuple[Callable[[], object], ...] = (
        lambda: paigo.customers.update("ghost", customer_name="x"),
        lambda: paigo.customers.delete("ghost"),
        lambda: paigo.customers.enrollment.retrieve("ghost"),
        lambda: paigo.customers.retrieve_usage("ghost"),
        lambda: paigo.customers.retrieve_token("ghost"),
        lambda: paigo.customers.transactions.list("ghost"),
    )
    for call in calls:
        with pytest.raises(NotFoundError):
            call()


def test_enrollment(paigo: Any, offering: Any) -> None:
    customer = make_customer(paigo)
    assert paigo.customers.enrollment.retrieve(customer.customer_id) == []
    enrollments = paigo.customers.enrollment.update(
        customer.customer_id, offering_id=offering.offering_id
    )
    assert [e.offering.offering_id for e in enrollments] == [offering.offering_id]
    # The SDK refuses the forbidden combination before sending; the simulator's 400 for it is
    # covered in tests/simulator/api.
    with pytest.raises(ClientValidationError):
        paigo.customers.enrollment.update(
            customer.customer_id, unenroll_offering=offering.offering_id, remove_prior_offering=True
        )
    with pytest.raises(NotFoundError):
        paigo.customers.enrollment.update(customer.customer_id, offering_id="nope")


def test_free_trial(paigo: Any, offering: Any) -> None:
    customer = make_customer(paigo, offering_id=offering.offering_id)
    result = paigo.customers.update_free_trial(
        customer.customer_id, free_trial_end_date=START + timedelta(days=14)
    )
    assert result.customer_id == customer.customer_id
    with pytest.raises(BadRequestError):
        paigo.customers.update_free_trial(
            customer.customer_id, free_trial_end_date=START - timedelta(days=1)
        )


def test_wallet(paigo: Any) -> None:
    customer = make_customer(paigo)
    paigo.customers.transactions.create(customer.customer_id, transaction_amount="25.50")
    (entry,) = paigo.customers.transactions.list(customer.customer_id)
    assert entry.transaction_amount == Decimal("25.50")
    assert paigo.customers.retrieve(customer.customer_id).credit_balance == Decimal("25.50")
    with pytest.raises(BadRequestError):
        paigo.customers.transactions.create(customer.customer_id, transaction_amount="-100")


def test_stripe_only_operations(paigo: Any) -> None:
    manual = make_customer(paigo)
    calls: tuple[Callable[[], object], ...] = (
        lambda: paigo.customers.refunds.list(manual.customer_id),
        lambda: paigo.customers.payments.list(manual.customer_id),
        lambda: paigo.customers.retrieve_stripe_portal(manual.customer_id),
        lambda: paigo.customers.refunds.create(manual.customer_id, payment_intent_id="pi_1"),
    )
    for call in calls:
        with pytest.raises(BadRequestError):
            call()
    stripe = make_customer(
        paigo, payment_channel="Stripe", payment_channel_options={"stripe_customer_id": "cus_123"}
    )
    assert paigo.customers.refunds.list(stripe.customer_id) == []
    assert paigo.customers.payments.list(stripe.customer_id) == []
    assert paigo.customers.retrieve_stripe_portal(stripe.customer_id).portal_url
    with pytest.raises(BadRequestError):
        paigo.customers.refunds.create(stripe.customer_id, payment_intent_id="pi_unknown")


def test_children(paigo: Any) -> None:
    parent = make_customer(paigo)
    child = make_customer(paigo, customer_name="Child")
    paigo.customers.children.add(parent.customer_id, child.customer_id, bill_parent="aggregated")
    children = paigo.customers.retrieve(parent.customer_id).children
    assert [(c.child_id, c.bill_parent) for c in children] == [(child.customer_id, "aggregated")]
    paigo.customers.children.update(parent.customer_id, child.customer_id, bill_parent="separate")
    paigo.customers.children.remove(parent.customer_id, child.customer_id)
    with pytest.raises(BadRequestError):
        paigo.customers.children.remove(parent.customer_id, child.customer_id)
    with pytest.raises(BadRequestError):
        paigo.customers.children.add(parent.customer_id, parent.customer_id)


def test_portal_token_reads_only_its_own_customer(sim: Any, paigo: Any) -> None:
    mine = make_customer(paigo)
    other = make_customer(paigo, customer_name="Other")
    token = paigo.customers.retrieve_token(mine.customer_id).access_token
    with httpx.Client(transport=sim.transport(), base_url="http://paigo-simulator.local") as http:
        headers = {"authorization": f"Bearer {token}"}
        assert http.get(f"/customers/{mine.customer_id}", headers=headers).status_code == 200
        assert http.get(f"/customers/{other.customer_id}", headers=headers).status_code == 403
        assert http.get("/dimensions", headers=headers).status_code == 403


def test_stripe_payment_and_refund(paigo: Any) -> None:
    customer = make_customer(
        paigo, payment_channel="Stripe", payment_channel_options={"stripe_customer_id": "cus_123"}
    )
    invoice = paigo.invoices.create(
        customer_id=customer.customer_id, items=[{"name": "Pro", "quantity": 1, "unit_cost": "40"}]
    )
    (payment,) = paigo.customers.payments.list(customer.customer_id, invoice_id=invoice.invoice_id)
    assert Decimal(payment.amount) == Decimal(40)
    assert payment.status == "succeeded"
    paigo.customers.refunds.create(
        customer.customer_id, payment_intent_id=payment.payment_intents_id, amount="15"
    )
    (refund,) = paigo.customers.refunds.list(customer.customer_id)
    assert Decimal(refund.amount) == Decimal(15)
    with pytest.raises(BadRequestError):
        paigo.customers.refunds.create(
            customer.customer_id, payment_intent_id=payment.payment_intents_id, amount="30"
        )


def test_updates_can_clear_optional_fields(paigo: Any, offering: Any) -> None:
    customer = make_customer(
        paigo,
        customer_vat_id="GB 1",
        address={
            "country_code": "US",
            "postal_code": "90210",
            "city": "LA",
            "street_line_one": "1 Main St",
            "state": "CA",
        },
        offering_id=offering.offering_id,
    )
    assert customer.address is not None
    updated = paigo.customers.update(customer.customer_id, address=None, customer_vat_id=None)
    assert updated.address is None
    assert not updated.customer_vat_id
    paigo.customers.enrollment.update(
        customer.customer_id, overrides={"discount": {"name": "Launch", "percentage": "10"}}
    )
    (enrollment,) = paigo.customers.enrollment.retrieve(customer.customer_id)
    assert enrollment.overrides is not None
    assert enrollment.overrides.discount is not None
    assert enrollment.overrides.discount.percentage == Decimal(10)
    paigo.customers.enrollment.update(customer.customer_id, overrides=None)
