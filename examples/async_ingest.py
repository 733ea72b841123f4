"""Report usage from many asyncio tasks through the async client and its batcher.

Ten tasks, standing in for an asyncio web app's request handlers, record API calls for three
customers. `add` returns at once; the batcher delivers in the background and `close` reports what
reached Paigo. The run ends by reading each customer's usage back by hour.

    python examples/async_ingest.py
"""

from __future__ import annotations

import asyncio
import sys
from decimal import Decimal

from rich.console import Console
from rich.table import Table

from paigo_sdk import AsyncPaigoClient
from paigo_sdk.batching import AsyncUsageBatcher
from paigo_sdk.types import AggregatedUsage
from simulator import Simulator

TASKS = 10
CALLS_PER_TASK = 50

console = Console()


async def handle_requests(
    batcher: AsyncUsageBatcher, worker: int, customer_ids: list[str], dimension_id: str
) -> None:
    """Serve some requests, recording one API call of usage for each."""
    for call in range(CALLS_PER_TASK):
        customer_id = customer_ids[(worker + call) % len(customer_ids)]
        await batcher.add(customer_id, dimension_id, 1, metadata={"worker": str(worker)})
        await asyncio.sleep(0)


async def run(client: AsyncPaigoClient) -> int:
    """Set up billing, record usage from many tasks, and print what Paigo holds."""
    dimension = await client.dimensions.create(
        dimension_name="API Calls",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment=1,
        rounding="ceiling",
        consumption_price=Decimal("0.002"),
        aggregation_method="sum",
    )
    offering = await client.offerings.create(
        offering_name="Developer", dimension_ids=[dimension.dimension_id]
    )
    customer_ids = []
    for name in ("Northwind", "Contoso", "Fabrikam"):
        customer = await client.customers.create(
            customer_name=name,
            email=f"billing@{name.lower()}.example",
            payment_channel="manual",
            offering_id=offering.offering_id,
        )
        customer_ids.append(customer.customer_id)

    async with client.usage.batcher(max_batch=100, flush_interval=0.1) as batcher:
        await asyncio.gather(
            *(
                handle_requests(batcher, worker, customer_ids, dimension.dimension_id)
                for worker in range(TASKS)
            )
        )
        report = await batcher.flush(timeout=30)
    console.print(
        f"Delivered {report.delivered} of {TASKS * CALLS_PER_TASK} records; "
        f"rejected {len(report.rejected)}, pending {report.pending}."
    )

    table = Table(title="API calls by customer and hour")
    for column in ("Customer", "Hour starting", "Calls"):
        table.add_column(column)
    total = Decimal(0)
    for customer_id in customer_ids:
        for usage in await client.customers.retrieve_usage(
            customer_id, aggregation_interval="hour"
        ):
            if isinstance(usage, AggregatedUsage):
                for bucket in usage.usage:
                    value = bucket.value or Decimal(0)
                    total += value
                    start = bucket.start_time.isoformat() if bucket.start_time else ""
                    table.add_row(customer_id, start, format(value, "f"))
    console.print(table)
    console.print(f"Calls stored: {format(total, 'f')}")
    return 0 if report.complete and total == TASKS * CALLS_PER_TASK else 1


async def main() -> int:
    """Start an embedded simulator and run the example against it."""
    with Simulator() as sim:
        async with sim.async_client() as client:
            return await run(client)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
