"""The getting-started catalog that several simulator tests start from."""

from __future__ import annotations

from paigo_sdk import PaigoClient


def setup_customer(client: PaigoClient) -> tuple[str, str]:
    """Create the getting-started resources; return (customer_id, dimension_id)."""
    dimension = client.dimensions.create(
        dimension_name="Data Processed",
        consumption_unit={"type": "data", "unit": "gigabyte"},
        usage_increment="1",
        rounding="ceiling",
        consumption_price="0.08",
        aggregation_method="sum",
        payment_schedule="arrear",
    )
    offering = client.offerings.create(
        offering_name="Pay-as-you-go",
        offering_type="usage-based",
        billing_cycle="monthly",
        dimension_ids=[dimension.dimension_id],
    )
    customer = client.customers.create(
        customer_name="Dumm AI Corp",
        email="billing@dumm.ai",
        payment_channel="manual",
        offering_id=offering.offering_id,
    )
    return customer.customer_id, dimension.dimension_id
