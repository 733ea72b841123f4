"""Usage delivery: batchers that keep metering off the application's hot path.

`UsageBatcher` (worker threads) and `AsyncUsageBatcher` (asyncio tasks) queue usage records, give
each an idempotency key, and deliver them in the background so that every record reaches Paigo
exactly once, through retries, restarts (with a durable outbox), process exit and `fork`;
`flush_on_sigterm` and `flush_before_return` deliver before a deploy or a serverless freeze. Users
usually reach them through `client.usage.batcher(...)`.
"""

from paigo_sdk.batching._base import QueueFullPolicy
from paigo_sdk.batching._lifecycle import flush_before_return, flush_on_sigterm
from paigo_sdk.batching._tasks import AsyncUsageBatcher
from paigo_sdk.batching._threaded import UsageBatcher
from paigo_sdk.batching.report import (
    DeliveryReport,
    DeliveryStats,
    OutcomeKind,
    QueuedRecord,
    RecordOutcome,
    RejectedRecord,
)

__all__ = [
    "AsyncUsageBatcher",
    "DeliveryReport",
    "DeliveryStats",
    "OutcomeKind",
    "QueueFullPolicy",
    "QueuedRecord",
    "RecordOutcome",
    "RejectedRecord",
    "UsageBatcher",
    "flush_before_return",
    "flush_on_sigterm",
]
