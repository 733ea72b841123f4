"""What-if inputs pulled through the SDK from a Paigo-compatible server (Paigo or `serve`).

`enrollments_from_server` reads each customer's current offering and enrollment date from
`GET /customers`; `records_from_server` reads each customer's raw usage records from the usage
view (`GET /customers/{id}/usage` with `aggregationInterval=none` and `ignoreEnrollmentDate`),
every dimension the customer has records in. The records' `dimensionId` is the server's
dimension id, and the enrollments' `offeringId` the server's offering id: a catalog prices them
with `usageDimensionId` and `offeringId` set to those ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.whatif.enrollments import CurrentEnrollment
from simulator.whatif.errors import WhatIfInputError
from simulator.whatif.usage import UsageSource

if TYPE_CHECKING:
    from paigo_sdk import PaigoClient

__all__ = ["enrollments_from_server", "records_from_server"]


def enrollments_from_server(client: PaigoClient) -> list[CurrentEnrollment]:
    """Return every enrolled customer's current offering and enrollment date.

    Customers without an offering are left out (they are billed nothing).

    Raises:
        paigo_sdk.errors.PaigoError: the server cannot be reached or refuses the request.
    """
    found: list[CurrentEnrollment] = []
    for customer in client.customers.list().auto_paging_iter():
        offering_id = customer.offering_id
        moment = customer.offering_enrollment_date
        if offering_id is None or moment is None:
            continue
        found.append(CurrentEnrollment(customer.customer_id, offering_id, moment))
    return found


def records_from_server(
    client: PaigoClient,
    customer_ids: Iterable[str],
    *,
    start: datetime,
    end: datetime | None = None,
) -> UsageSource:
    """Return the raw usage records of the given customers in `[start, end)` (end: the server's
    now), in time order per customer and dimension.

    Raises:
        WhatIfInputError: `start` has no UTC offset.
        paigo_sdk.errors.PaigoError: the server cannot be reached or refuses a request.
    """
    if start.tzinfo is None:
        raise WhatIfInputError("the start of the records pulled from the server needs an offset")
    return UsageSource.from_records(_records(client, customer_ids, start, end))


def _records(
    client: PaigoClient, customer_ids: Iterable[str], start: datetime, end: datetime | None
) -> Iterator[Mapping[str, Any]]:
    from paigo_sdk.types import RawUsage

    for customer_id in customer_ids:
        views = client.customers.retrieve_usage(
            customer_id,
            aggregation_interval="none",
            start_time=start,
            end_time=end,
            ignore_enrollment_date=True,
        )
        for view in views:
            if not isinstance(view, RawUsage):
                continue
            for record in view.usage:
                yield {
                    "customerId": customer_id,
                    "dimensionId": view.dimension_id,
                    "recordValue": record.record_value,
                    "timestamp": record.timestamp,
                    "metadata": record.metadata,
                }
