"""Usage: ingest records (`POST /usage`) and read a customer's usage view (`GET .../usage`)."""

from __future__ import annotations

from typing import Any, Final

from simulator.api import replies, schemas, views
from simulator.api.call import Call
from simulator.api.messages import ApiResponse
from simulator.api.parsing import BadRequest, Enum, Timestamp, idempotency_keys, validate
from simulator.engine import UsageInput
from simulator.wire import AGGREGATION_INTERVALS, AGGREGATION_PURPOSES, BOOL_STRINGS

__all__ = ["query_usage", "record_usage"]

_BOOLEAN = Enum(BOOL_STRINGS)
BATCHES_DISABLED = "usage batches are not enabled on this server"
# The reply to almost every single record, built once.
_RECORD_CREATED: Final = replies.created({"message": "Usage record created"})


def record_usage(call: Call) -> ApiResponse:
    """Store one usage record (Paigo: `POST /usage`, "Collect usage data"); replies 201.

    The reply is `{"message": "Usage record created"}`, plus `invoiceId` with `?invoice=true` (B12).
    Differences from Paigo (simulator choices, B2): an `Idempotency-Key` header deduplicates
    within one customer and a replay gets the same reply with `Idempotent-Replayed: true`; a JSON
    array body is a batch, accepted only when array batches are enabled, with one key per element
    in the header (`k1,k2,...`) and one `{"status": "created"|"replayed"}` per element in `data`.

    Raises:
        BadRequest: the body, the query or the idempotency key fails wire validation.
        NotFound: the customer or the dimension does not exist.
        Invalid: a B2 or B12 rule is broken (timestamp too far ahead, `invoice=true` not allowed).
    """
    body = call.raw_body()
    invoice = call.query("invoice", _BOOLEAN) == "true"
    if isinstance(body, list):
        return _record_batch(call, body, invoice=invoice)
    params = validate(body, schemas.CREATE_USAGE)
    result = call.engine.record_usage(
        **params, idempotency_key=call.idempotency_key(), invoice=invoice
    )
    if result.invoice_id is None:
        response = _RECORD_CREATED
    else:
        response = replies.created(
            {"message": "Usage record created", "invoiceId": result.invoice_id}
        )
    return replies.replayed(response) if result.replayed else response


def _record_batch(call: Call, body: list[Any], *, invoice: bool) -> ApiResponse:
    if not call.engine.options.array_batches:
        raise BadRequest([BATCHES_DISABLED])
    if invoice:
        raise BadRequest(["invoice=true cannot be combined with a usage batch"])
    records = validate(body, schemas.USAGE_BATCH)
    keys = idempotency_keys(call.header("idempotency-key"), count=len(records))
    results = call.engine.record_usage_batch(
        [UsageInput(**r) for r in records], idempotency_keys=keys
    )
    data = [{"status": "replayed" if r.replayed else "created"} for r in results]
    response = replies.created({"message": "Usage records created", "data": data})
    return replies.replayed(response) if results and all(r.replayed for r in results) else response


def query_usage(call: Call) -> ApiResponse:
    """Return a customer's usage, raw or bucketed (Paigo: `GET /customers/{customerId}/usage`).

    One element per dimension (B13): raw records for `aggregationInterval=none`, otherwise one
    bucket per interval holding the aggregation method's value before increment rounding.

    Raises:
        BadRequest: a query parameter fails wire validation.
        NotFound: no such customer.
        Invalid: `endTime` after now, or not after `startTime`.
    """
    customer_id = call.params["customerId"]
    call.require_customer(customer_id)
    series = call.engine.query_usage(
        customer_id,
        aggregation_interval=call.query("aggregationInterval", Enum(AGGREGATION_INTERVALS)),
        aggregation_purpose=call.query("aggregationPurpose", Enum(AGGREGATION_PURPOSES)),
        start_time=call.query("startTime", Timestamp()),
        end_time=call.query("endTime", Timestamp()),
        ignore_enrollment_date=call.query("ignoreEnrollmentDate", _BOOLEAN) == "true",
    )
    return replies.listing("Usage retrieved successfully", [views.usage_series(s) for s in series])
