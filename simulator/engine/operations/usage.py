"""Operations on usage: recording records (B2, B12) and the usage view (B13)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from simulator.engine import customers, ingest, usage_view
from simulator.engine.context import Ctx
from simulator.engine.state import (
    UsageInput,
    UsageResult,
    UsageSeries,
)


def query_usage(
    ctx: Ctx,
    customer_id: str,
    *,
    aggregation_interval: str | None = None,
    aggregation_purpose: str | None = None,
    start_time: datetime | None = None,
    end_time: datetime | None = None,
    ignore_enrollment_date: bool = False,
) -> list[UsageSeries]:
    """Return the usage view (B13): raw records or buckets per dimension.

    Raises:
        NotFound: no such customer.
        Invalid: `endTime` after now, or not after `startTime`.
    """
    del aggregation_purpose  # `billing` and `metering` give the same view (B13)
    customer = customers.get_customer(ctx, customer_id)
    return usage_view.query_usage(
        ctx,
        customer,
        interval=aggregation_interval,
        start=start_time,
        end=end_time,
        ignore_enrollment_date=ignore_enrollment_date,
    )


def record_usage_batch(
    ctx: Ctx,
    records: Sequence[UsageInput],
    *,
    idempotency_keys: Sequence[str | None] | None = None,
) -> list[UsageResult]:
    """Store every record or none (B2 array batches); return one result per record.

    Messages of `Invalid` start with the element index, e.g. "3.timestamp ..."; a missing
    customer or dimension is reported the same way (as Invalid, not NotFound).

    Raises:
        Invalid: batches are disabled, the key count differs from the record count, or any
            element is invalid.
    """
    return ingest.record_batch(ctx, records, idempotency_keys)
