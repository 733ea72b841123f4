"""The application's tests: a fresh simulated Paigo per test, from the paigo-sdk pytest plugin.

`paigo_client` is a `PaigoClient` bound to an in-memory Paigo; `paigo_clock` is its manual clock.
Run them with `pytest examples/testing_your_app`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from examples.testing_your_app.app import ThumbnailService
from paigo_sdk import PaigoClient
from simulator import ManualClock


@pytest.fixture
def billing(paigo_client: PaigoClient, paigo_clock: ManualClock) -> tuple[str, str]:
    """Set up the plan on 1 March: $0.50 per thousand megapixels, rounded up each day."""
    paigo_clock.set(datetime(2027, 3, 1, tzinfo=UTC))
    megapixels = paigo_client.dimensions.create(
        dimension_name="Megapixels",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment=1000,
        rounding="ceiling",
        consumption_price=Decimal("0.50"),
        aggregation_method="sum",
        aggregation_interval="day",
    )
    plan = paigo_client.offerings.create(
        offering_name="Thumbnails", dimension_ids=[megapixels.dimension_id]
    )
    customer = paigo_client.customers.create(
        customer_name="Pixel Co",
        email="ap@pixel.example",
        payment_channel="manual",
        offering_id=plan.offering_id,
    )
    return customer.customer_id, megapixels.dimension_id


def test_thumbnails_are_billed_per_started_thousand_megapixels_each_day(
    paigo_client: PaigoClient, paigo_clock: ManualClock, billing: tuple[str, str]
) -> None:
    """Each day's megapixels round up to whole thousands before pricing (B4, B9)."""
    customer_id, dimension_id = billing
    service = ThumbnailService(paigo_client, megapixels_dimension_id=dimension_id)
    for _ in range(300):  # 300 x 12 MP = 3,600 MP on 1 March: 4 started thousands
        service.make_thumbnail(customer_id, 4000, 3000)
    paigo_clock.set(datetime(2027, 3, 2, 9, tzinfo=UTC))
    service.make_thumbnail(customer_id, 1000, 1000)  # 1 MP on 2 March: 1 more thousand
    service.close()

    paigo_clock.set(datetime(2027, 4, 1, tzinfo=UTC))  # the March cycle closes

    [invoice] = paigo_client.customers.retrieve(customer_id).invoices or []
    assert invoice.invoice_type == "RECURRING"
    [line] = invoice.line_items
    assert line.name == "Megapixels - Thousand - Thumbnails"
    assert line.quantity == 5
    assert invoice.total_amount_without_tax == Decimal("2.50")


def test_no_usage_means_a_zero_invoice_that_is_paid_at_once(
    paigo_client: PaigoClient, paigo_clock: ManualClock, billing: tuple[str, str]
) -> None:
    """A usage-based plan with no usage closes its cycle with a $0 invoice, paid at once (B9)."""
    customer_id, _ = billing
    paigo_clock.set(datetime(2027, 4, 1, tzinfo=UTC))
    invoices = paigo_client.customers.retrieve(customer_id).invoices or []
    assert [invoice.total_amount_without_tax for invoice in invoices] == [0]
    assert invoices[0].invoice_status == "Paid"
