"""Usage: send usage records to Paigo, one at a time, as a batch, or through a batcher."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from pydantic import BaseModel

from paigo_sdk._client import Timeout
from paigo_sdk._idempotency import check_idempotency_key, new_idempotency_key
from paigo_sdk._operations import RECORD_USAGE, RECORD_USAGE_BATCH
from paigo_sdk._request_options import Body, Headers, Query
from paigo_sdk._sentinels import NOT_GIVEN
from paigo_sdk._wire import MAX_BATCH_SIZE, MAX_ID_LENGTH
from paigo_sdk.batching._ledger import LedgerBucket
from paigo_sdk.errors import ClientValidationError
from paigo_sdk.reconcile import (
    LedgerInput,
    ReconcileReport,
    compare,
    ledger_sources,
    local_buckets,
    remote_buckets,
    whole_hours,
)
from paigo_sdk.resources._base import AsyncResource, SyncResource, build_params
from paigo_sdk.types import (
    DecimalInput,
    UsageBatchResult,
    UsageRecordCreateParams,
    UsageRecordResult,
    to_wire,
)
from paigo_sdk.types._base import (
    format_timestamp,
    is_small_flat_metadata,
    parse_decimal,
    parse_timestamp,
)

if TYPE_CHECKING:
    from paigo_sdk.batching import AsyncUsageBatcher, UsageBatcher

__all__ = [
    "MAX_BATCH_SIZE",
    "AsyncUsage",
    "Usage",
    "check_idempotency_key",
    "new_idempotency_key",
]


def _plain_body(
    customer_id: object,
    dimension_id: object,
    record_value: object,
    timestamp: object,
    metadata: object,
) -> dict[str, Any] | None:
    """The JSON body of a plain usage record, or None when the params model must look at it.

    Plain: string ids within their limits, and small flat metadata or none. The value and the
    timestamp are checked and written with the params model's own validators and serialisers, so
    the body is the one `to_wire` writes for the model (`tests/sdk/test_usage_record_body.py`).
    """
    if not (
        type(customer_id) is str
        and type(dimension_id) is str
        and 0 < len(customer_id) <= MAX_ID_LENGTH
        and 0 < len(dimension_id) <= MAX_ID_LENGTH
        and "\x00" not in customer_id
        and "\x00" not in dimension_id
        and (metadata is None or (type(metadata) is dict and is_small_flat_metadata(metadata)))
    ):
        return None
    try:
        value = format(parse_decimal(record_value), "f")
        moment = format_timestamp(parse_timestamp(timestamp))
    except ValueError:
        return None  # the model says what is wrong
    body: dict[str, Any] = {
        "customerId": customer_id,
        "dimensionId": dimension_id,
        "recordValue": value,
        "timestamp": moment,
    }
    if metadata is not None:
        body["metadata"] = dict(metadata)
    return body


def _record_body(
    customer_id: object,
    dimension_id: object,
    record_value: object,
    timestamp: object,
    metadata: object,
) -> dict[str, Any]:
    """The JSON body of `usage.record`: `to_wire` of its `UsageRecordCreateParams`.

    Plain arguments are written directly (`_plain_body`): the path of every record a batcher
    sends. Anything else, and every problem, goes through the model, so its messages name the
    argument.

    Raises:
        ClientValidationError: for an invalid argument.
    """
    body = _plain_body(customer_id, dimension_id, record_value, timestamp, metadata)
    if body is not None:
        return body
    arguments = {
        "customer_id": customer_id,
        "dimension_id": dimension_id,
        "record_value": record_value,
        "timestamp": timestamp,
        "metadata": metadata,
    }
    wire: dict[str, Any] = to_wire(build_params(UsageRecordCreateParams, arguments))
    return wire


_WIRE_FIELDS: Final = frozenset({"customerId", "dimensionId", "recordValue", "timestamp"})


def _batch_record_body(record: object, index: int) -> Any:
    """The JSON body of one element of a usage batch.

    A dict in wire form (`customerId`, `dimensionId`, `recordValue`, `timestamp` and perhaps a
    non-null `metadata`: what a batcher sends) that is plain is written directly; anything else
    goes through the params model.

    Raises:
        ClientValidationError: naming the element and its invalid field.
    """
    # An explicit `"metadata": None` is sent as null: only the model writes that.
    if (
        type(record) is dict
        and record.keys() >= _WIRE_FIELDS
        and len(record) == (5 if record.get("metadata") is not None else 4)
    ):
        body = _plain_body(
            record["customerId"],
            record["dimensionId"],
            record["recordValue"],
            record["timestamp"],
            record.get("metadata"),
        )
        if body is not None:
            return body
    return to_wire(_record_params(record, index))


def _record_params(record: object, index: int) -> UsageRecordCreateParams:
    if isinstance(record, UsageRecordCreateParams):
        return record
    if isinstance(record, BaseModel) or not isinstance(record, Mapping):
        raise ClientValidationError(
            f"records[{index}] must be a UsageRecordCreateParams or a mapping, "
            f"not {type(record).__name__}"
        )
    try:
        return build_params(UsageRecordCreateParams, record, none_means_absent=False)
    except ClientValidationError as error:
        raise ClientValidationError([f"records[{index}].{m}" for m in error.messages]) from None


def _batch_body(
    records: Sequence[UsageRecordCreateParams | Mapping[str, Any]],
    idempotency_keys: Sequence[str] | None,
) -> tuple[list[Any], dict[str, str]]:
    if not records:
        raise ClientValidationError("records must be a non-empty sequence of usage records")
    if len(records) > MAX_BATCH_SIZE:
        raise ClientValidationError(
            f"a usage batch must not have more than {MAX_BATCH_SIZE} records, got {len(records)}"
        )
    body = [_batch_record_body(record, index) for index, record in enumerate(records)]
    if idempotency_keys is None:
        keys = [new_idempotency_key() for _ in records]
    else:
        keys = [check_idempotency_key(key) for key in idempotency_keys]
        if len(keys) != len(body):
            raise ClientValidationError(
                f"idempotency_keys has {len(keys)} keys for {len(body)} records; "
                "give one per record"
            )
        if len(set(keys)) != len(keys):
            raise ClientValidationError("idempotency_keys must be distinct")
    return body, {"Idempotency-Key": ",".join(keys)}


class AsyncUsage(AsyncResource):
    """Usage records: record one, record a batch, or build a background batcher."""

    async def record(
        self,
        *,
        customer_id: str,
        dimension_id: str,
        record_value: DecimalInput,
        timestamp: datetime | str | None = None,
        metadata: Mapping[str, Any] | None = None,
        invoice: bool = False,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> UsageRecordResult:
        """Record one usage record.

        Safe to retry: an `Idempotency-Key` header is always sent (a fresh uuid4 hex when
        `idempotency_key` is not given) and the same key is sent on every attempt, so a retry
        cannot store the record twice. `result.idempotent_replayed` says whether the server had
        already stored it.

        Args:
            record_value: the amount of usage, as a Decimal, an int or a plain decimal string;
                floats are rejected because they lose precision.
            timestamp: when the usage happened, timezone-aware; now (UTC, from the client's clock)
                when not given.
            metadata: key-value pairs for analytics and for `tiersGroupByMetadata` matching.
            invoice: invoice the usage immediately (upfront dimensions aggregated by `last` only).
            idempotency_key: 1 to 255 printable ASCII characters without commas or spaces.

        Raises:
            ClientValidationError: for an invalid argument (a float, a naive timestamp, an empty
                id, metadata that is not JSON-serialisable), before anything is sent.
            BadRequestError: when Paigo rejects the record (nothing is stored).
            NotFoundError: when the customer or dimension does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        key = check_idempotency_key(
            idempotency_key if idempotency_key is not None else new_idempotency_key()
        )
        if timestamp is None:
            timestamp = self._client._clock.now()
        body = _record_body(customer_id, dimension_id, record_value, timestamp, metadata)
        return await self._client._request(
            RECORD_USAGE,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            query={"invoice": "true" if invoice else None},
            json_body=body,
            headers={"Idempotency-Key": key},
            timeout=timeout,
        )

    async def record_batch(
        self,
        records: Sequence[UsageRecordCreateParams | Mapping[str, Any]],
        *,
        idempotency_keys: Sequence[str] | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> UsageBatchResult:
        """Record several usage records in one request, on servers that accept arrays.

        This is an extension: the real Paigo v1.10 documents one record per request; the
        simulator accepts arrays when its `array_batches` option is on. One idempotency key per
        record is sent in the `Idempotency-Key` header (comma-separated, generated when not
        given), the same on every attempt, so the batch is safe to retry. The server stores all
        records or none.

        Args:
            records: `UsageRecordCreateParams` or mappings with the same fields (snake_case or
                camelCase); each needs a timezone-aware timestamp.
            idempotency_keys: one distinct key per record.

        Raises:
            ClientValidationError: for an invalid record or key, before anything is sent.
            BadRequestError: when the server rejects the batch (nothing is stored), including
                servers that do not accept arrays.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        body, headers = _batch_body(records, idempotency_keys)
        return await self._client._request(
            RECORD_USAGE_BATCH,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            json_body=body,
            headers=headers,
            timeout=timeout,
        )

    async def reconcile(
        self,
        *,
        start: datetime,
        end: datetime,
        ledger: LedgerInput = None,
        customer_ids: Sequence[str] | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> ReconcileReport:
        """Compare what the batchers sent with what Paigo stored, bucket by bucket.

        Reads the ledgers (records and exact sum acknowledged per customer x dimension x UTC
        hour; see `batcher(ledger=True)`) and the raw records of each customer's usage view over
        the same whole hours, and returns every bucket where the record counts or the sums
        differ. Run it after `flush()`: records still in flight are not in the ledger yet.

        Args:
            start: the window's start, rounded down to its UTC hour; timezone-aware.
            end: the window's end, rounded down to its UTC hour (the hour holding it is not
                complete); timezone-aware, not in the future.
            ledger: what to compare: a batcher, a ledger, or the path of a batcher's outbox file;
                by default the ledgers of this client's batchers (those not yet garbage
                collected, open or closed).
            customer_ids: compare these customers only; by default every customer the ledgers
                hold in the window.
            extra_headers: sent with each usage view request (one per customer).

        Raises:
            ClientValidationError: for a naive datetime, a window without a whole hour, or no
                ledger to compare.
            FileNotFoundError: when an outbox path does not exist.
            BadRequestError: when Paigo refuses the window (an end in the future).
            NotFoundError: when a customer does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        first, stop = whole_hours(start, end)
        sources = ledger_sources(self._client, ledger)
        local, customers = local_buckets(sources, first, stop, customer_ids)
        remote: list[LedgerBucket] = []
        for customer_id in customers:
            usage = await self._client.customers.retrieve_usage(
                customer_id,
                aggregation_interval="none",
                start_time=first,
                end_time=stop,
                ignore_enrollment_date=True,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
            )
            remote.extend(remote_buckets(customer_id, usage, first, stop))
        return compare(local, remote, start=first, end=stop, customers=customers)

    def batcher(self, **options: Any) -> AsyncUsageBatcher:
        """Return a background batcher that delivers usage records through this client.

        The options are those of the batcher class in `paigo_sdk.batching` (batch size, flush
        interval, concurrency, queue limits, outbox, callbacks). Use it as a context manager so
        that queued records are delivered before the program moves on.

        Raises:
            ClientValidationError: for invalid options.
        """
        from paigo_sdk.batching import AsyncUsageBatcher

        return AsyncUsageBatcher(self._client, **options)


# ------------------------------------------------------------------------------------------
# Generated by scripts/unasync.py from the async classes above; do not edit by hand.


class Usage(SyncResource):
    """Usage records: record one, record a batch, or build a background batcher."""

    def record(
        self,
        *,
        customer_id: str,
        dimension_id: str,
        record_value: DecimalInput,
        timestamp: datetime | str | None = None,
        metadata: Mapping[str, Any] | None = None,
        invoice: bool = False,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> UsageRecordResult:
        """Record one usage record.

        Safe to retry: an `Idempotency-Key` header is always sent (a fresh uuid4 hex when
        `idempotency_key` is not given) and the same key is sent on every attempt, so a retry
        cannot store the record twice. `result.idempotent_replayed` says whether the server had
        already stored it.

        Args:
            record_value: the amount of usage, as a Decimal, an int or a plain decimal string;
                floats are rejected because they lose precision.
            timestamp: when the usage happened, timezone-aware; now (UTC, from the client's clock)
                when not given.
            metadata: key-value pairs for analytics and for `tiersGroupByMetadata` matching.
            invoice: invoice the usage immediately (upfront dimensions aggregated by `last` only).
            idempotency_key: 1 to 255 printable ASCII characters without commas or spaces.

        Raises:
            ClientValidationError: for an invalid argument (a float, a naive timestamp, an empty
                id, metadata that is not JSON-serialisable), before anything is sent.
            BadRequestError: when Paigo rejects the record (nothing is stored).
            NotFoundError: when the customer or dimension does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        key = check_idempotency_key(
            idempotency_key if idempotency_key is not None else new_idempotency_key()
        )
        if timestamp is None:
            timestamp = self._client._clock.now()
        body = _record_body(customer_id, dimension_id, record_value, timestamp, metadata)
        return self._client._request(
            RECORD_USAGE,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            query={"invoice": "true" if invoice else None},
            json_body=body,
            headers={"Idempotency-Key": key},
            timeout=timeout,
        )

    def record_batch(
        self,
        records: Sequence[UsageRecordCreateParams | Mapping[str, Any]],
        *,
        idempotency_keys: Sequence[str] | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> UsageBatchResult:
        """Record several usage records in one request, on servers that accept arrays.

        This is an extension: the real Paigo v1.10 documents one record per request; the
        simulator accepts arrays when its `array_batches` option is on. One idempotency key per
        record is sent in the `Idempotency-Key` header (comma-separated, generated when not
        given), the same on every attempt, so the batch is safe to retry. The server stores all
        records or none.

        Args:
            records: `UsageRecordCreateParams` or mappings with the same fields (snake_case or
                camelCase); each needs a timezone-aware timestamp.
            idempotency_keys: one distinct key per record.

        Raises:
            ClientValidationError: for an invalid record or key, before anything is sent.
            BadRequestError: when the server rejects the batch (nothing is stored), including
                servers that do not accept arrays.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        body, headers = _batch_body(records, idempotency_keys)
        return self._client._request(
            RECORD_USAGE_BATCH,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            json_body=body,
            headers=headers,
            timeout=timeout,
        )

    def reconcile(
        self,
        *,
        start: datetime,
        end: datetime,
        ledger: LedgerInput = None,
        customer_ids: Sequence[str] | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> ReconcileReport:
        """Compare what the batchers sent with what Paigo stored, bucket by bucket.

        Reads the ledgers (records and exact sum acknowledged per customer x dimension x UTC
        hour; see `batcher(ledger=True)`) and the raw records of each customer's usage view over
        the same whole hours, and returns every bucket where the record counts or the sums
        differ. Run it after `flush()`: records still in flight are not in the ledger yet.

        Args:
            start: the window's start, rounded down to its UTC hour; timezone-aware.
            end: the window's end, rounded down to its UTC hour (the hour holding it is not
                complete); timezone-aware, not in the future.
            ledger: what to compare: a batcher, a ledger, or the path of a batcher's outbox file;
                by default the ledgers of this client's batchers (those not yet garbage
                collected, open or closed).
            customer_ids: compare these customers only; by default every customer the ledgers
                hold in the window.
            extra_headers: sent with each usage view request (one per customer).

        Raises:
            ClientValidationError: for a naive datetime, a window without a whole hour, or no
                ledger to compare.
            FileNotFoundError: when an outbox path does not exist.
            BadRequestError: when Paigo refuses the window (an end in the future).
            NotFoundError: when a customer does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        first, stop = whole_hours(start, end)
        sources = ledger_sources(self._client, ledger)
        local, customers = local_buckets(sources, first, stop, customer_ids)
        remote: list[LedgerBucket] = []
        for customer_id in customers:
            usage = self._client.customers.retrieve_usage(
                customer_id,
                aggregation_interval="none",
                start_time=first,
                end_time=stop,
                ignore_enrollment_date=True,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
            )
            remote.extend(remote_buckets(customer_id, usage, first, stop))
        return compare(local, remote, start=first, end=stop, customers=customers)

    def batcher(self, **options: Any) -> UsageBatcher:
        """Return a background batcher that delivers usage records through this client.

        The options are those of the batcher class in `paigo_sdk.batching` (batch size, flush
        interval, concurrency, queue limits, outbox, callbacks). Use it as a context manager so
        that queued records are delivered before the program moves on.

        Raises:
            ClientValidationError: for invalid options.
        """
        from paigo_sdk.batching import UsageBatcher

        return UsageBatcher(self._client, **options)
