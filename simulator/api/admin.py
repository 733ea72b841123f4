"""The simulator's own routes under `/_simulator/`: control and inspection, not part of Paigo.

Every route can be disabled (`Api(admin_enabled=False)`: they answer 404 as if absent) or
protected by its own token (`Api(admin_token=...)`, sent as `X-Simulator-Admin-Token` or
`Authorization: Bearer`). Replies use Paigo's `{message, data}` envelope.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

# Imported as modules and used only inside handlers: both import `simulator.api.messages`, so
# either may still be loading while this module is.
from simulator import faults as fault_rules, ratelimits
from simulator.api import replies, views, webhook_payloads
from simulator.api.call import Call, Handler
from simulator.api.customers import customer_view
from simulator.api.messages import ApiResponse
from simulator.api.parsing import (
    Array,
    BadRequest,
    Boolean,
    DecimalString,
    Enum,
    Field,
    Id,
    Metadata,
    Number,
    Object,
    String,
    Timestamp,
)
from simulator.api.replies import EXACT
from simulator.clock import ClockMoveRefused, ManualClock
from simulator.engine import NotFound
from simulator.engine.visibility import MAX_USAGE_LAG, lag_seconds, usage_lag
from simulator.records import encode
from simulator.snapshots import Snapshot
from simulator.wire import (
    ACCOUNT_STATES,
    CURRENCIES,
    FREE_DIMENSION_DISPLAYS,
    INVOICE_APPROVALS,
    INVOICE_GENERATIONS,
    INVOICE_PAYMENT_TERMS,
    WEBHOOK_TYPES,
)

if TYPE_CHECKING:
    from simulator.engine.state import WebhookDelivery
    from simulator.webhook_delivery import HttpWebhookDispatcher

__all__ = [
    "ADMIN_ROUTES",
    "MAX_SNAPSHOTS",
    "MAX_SNAPSHOT_BYTES",
    "PERIOD",
    "RECORDS_FORMAT",
    "SETTINGS",
    "WEBHOOK_ROUTES",
    "add_delivery_failure",
    "add_fault",
    "add_rate_limit",
    "advance_clock",
    "approve_invoice",
    "clear_delivery_failures",
    "clear_faults",
    "clear_rate_limits",
    "clear_rejected_requests",
    "create_period_invoice",
    "create_snapshot",
    "delete_snapshots",
    "expire_tokens",
    "inspect_customer",
    "inspect_invoice",
    "list_deliveries",
    "list_delivery_failures",
    "list_entitlement_excess",
    "list_faults",
    "list_late_records",
    "list_rate_limits",
    "list_rejected_requests",
    "list_unmatched_records",
    "list_usage_records",
    "pay_invoice",
    "preview_invoice",
    "read_clock",
    "read_options",
    "read_settings",
    "remove_fault",
    "resend_delivery",
    "reset",
    "restore_snapshot",
    "retrieve_delivery",
    "revoke_token",
    "trigger_webhook",
    "update_options",
    "update_settings",
    "void_invoice",
]

_ADVANCE = Object(
    {
        "days": Field(Number(minimum=Decimal(0))),
        "hours": Field(Number(minimum=Decimal(0))),
        "minutes": Field(Number(minimum=Decimal(0))),
        "seconds": Field(Number(minimum=Decimal(0))),
        "to": Field(Timestamp()),
    }
)
MAX_USAGE_LAG_SECONDS: Final = Decimal(int(MAX_USAGE_LAG.total_seconds()))
_OPTIONS = Object(
    {
        "deduplication": Field(Boolean()),
        "arrayBatches": Field(Boolean()),
        "failStripeCharges": Field(Boolean()),
        "failStripeChargesFor": Field(Array(Id())),
        "usageLagSeconds": Field(Number(minimum=Decimal(0), maximum=MAX_USAGE_LAG_SECONDS)),
    }
)
PERIOD: Final = Object(
    {
        "customerId": Field(Id(), required=True),
        "startTime": Field(Timestamp(), required=True),
        "endTime": Field(Timestamp(), required=True),
    }
)
"""The body of `POST /_simulator/invoices/period`."""
_REVOKE = Object({"token": Field(String(), required=True)})
SETTINGS: Final = Object(
    {
        "taxRate": Field(DecimalString(minimum=Decimal(0), maximum=Decimal(100))),
        "invoiceApproval": Field(Enum(INVOICE_APPROVALS)),
        "freeDimensionOnInvoice": Field(Enum(FREE_DIMENSION_DISPLAYS)),
        "defaultCurrency": Field(Enum(CURRENCIES)),
        "invoicePaymentTerm": Field(Enum(INVOICE_PAYMENT_TERMS)),
        "accountState": Field(Enum(ACCOUNT_STATES)),
        "invoiceGeneration": Field(Enum(INVOICE_GENERATIONS)),
        "generatePDFPaymentLink": Field(Boolean()),
    }
)
"""The body of `PUT /_simulator/settings`."""


MAX_SNAPSHOTS: Final = 64
"""The most snapshots `POST /_simulator/snapshots` keeps at once."""
MAX_SNAPSHOT_BYTES: Final = 256 * 1024 * 1024
"""The most memory (pickled state bytes) the kept snapshots may take together."""
_FREE_SNAPSHOTS: Final = "free them with DELETE /_simulator/snapshots or POST /_simulator/reset"

_MICROSECONDS: Final = {
    "days": 86_400_000_000,
    "hours": 3_600_000_000,
    "minutes": 60_000_000,
    "seconds": 1_000_000,
}


RECORDS_FORMAT: Final = Enum(("records",))
"""`?format=records` on an inspection route answers the simulator's own records
(`simulator.records.encode`) instead of Paigo-style views; `RemoteSimulator` asks for it."""


def _as_records(call: Call) -> bool:
    return bool(call.query("format", RECORDS_FORMAT) == "records")


def reset(call: Call) -> ApiResponse:
    """Empty the engine and put a manual clock back where it started; tokens stay valid."""
    call.engine.reset()
    call.api.snapshots.clear()
    call.api.idempotency.clear()
    if call.api.webhook_dispatcher is not None:
        call.api.webhook_dispatcher.clear()
    clock = call.api.clock
    if isinstance(clock, ManualClock):
        clock.rewind(clock.start)
    return replies.ok({"message": "Simulator reset", "now": replies.wire_time(clock.now())})


def create_snapshot(call: Call) -> ApiResponse:
    """Snapshot the state and a manual clock's time; replies 201 `{message, snapshotId}`.

    At most `MAX_SNAPSHOTS` snapshots of `MAX_SNAPSHOT_BYTES` in all are kept; `DELETE
    /_simulator/snapshots` or a reset frees them.

    Raises:
        BadRequest: the snapshot would pass either bound (nothing is stored then).
    """
    snapshots = call.api.snapshots
    if len(snapshots) >= MAX_SNAPSHOTS:
        raise BadRequest([f"at most {MAX_SNAPSHOTS} snapshots are kept; {_FREE_SNAPSHOTS}"])
    clock = call.api.clock
    now = clock.now() if isinstance(clock, ManualClock) else None
    snapshot = Snapshot(state=call.engine.export_state(), now=now)
    held = sum(len(s.state) for s in snapshots.values())
    if held + len(snapshot.state) > MAX_SNAPSHOT_BYTES:
        raise BadRequest(
            [
                f"this snapshot ({len(snapshot.state)} bytes) would take the snapshots kept past "
                f"{MAX_SNAPSHOT_BYTES} bytes; {_FREE_SNAPSHOTS}"
            ]
        )
    snapshot_id = f"snap-{len(snapshots) + 1}"
    snapshots[snapshot_id] = snapshot
    return replies.created({"message": "Snapshot taken", "snapshotId": snapshot_id})


def delete_snapshots(call: Call) -> ApiResponse:
    """Forget every snapshot taken over HTTP (the state itself is unchanged)."""
    count = len(call.api.snapshots)
    call.api.snapshots.clear()
    return replies.ok({"message": "Snapshots deleted", "deleted": count})


def restore_snapshot(call: Call) -> ApiResponse:
    """Restore the state, and a manual clock's time, of any snapshot taken earlier.

    Raises:
        NotFound: no such snapshot.
    """
    snapshot_id = call.params["snapshotId"]
    snapshot = call.api.snapshots.get(snapshot_id)
    if snapshot is None:
        raise NotFound("snapshot", snapshot_id)
    call.engine.import_state(snapshot.state)
    call.api.idempotency.clear()
    clock = call.api.clock
    if snapshot.now is not None and isinstance(clock, ManualClock):
        clock.rewind(snapshot.now)
    if call.api.webhook_dispatcher is not None:
        call.api.webhook_dispatcher.resync()
    return replies.ok(
        {
            "message": "Snapshot restored",
            "snapshotId": snapshot_id,
            "now": replies.wire_time(clock.now()),
        }
    )


def read_clock(call: Call) -> ApiResponse:
    """Return the simulator clock's time and whether it can be advanced."""
    return replies.ok(
        {
            "message": "Clock read",
            "now": replies.wire_time(call.api.clock.now()),
            "manual": isinstance(call.api.clock, ManualClock),
        }
    )


def advance_clock(call: Call) -> ApiResponse:
    """Advance a manual clock by `days/hours/minutes/seconds`, or set it forward `to` a moment.

    Every billing cycle that became due is closed before the reply (B14). The move is validated
    first (not backwards, not past `LATEST_MOMENT`, at most `max_closings_per_move` cycles to
    close); a refused move leaves the clock and every state untouched.

    Raises:
        BadRequest: the clock is not a ManualClock, the body is invalid, or the move is refused.
    """
    clock = call.api.clock
    if not isinstance(clock, ManualClock):
        raise BadRequest(
            ["the simulator clock is not a ManualClock; start it with one to advance it"]
        )
    params = call.body(_ADVANCE)
    try:
        if "to" in params:
            if len(params) > 1:
                raise BadRequest(["give either to or days/hours/minutes/seconds, not both"])
            clock.set(params["to"])
        else:
            micros = Decimal(0)
            for unit, size in _MICROSECONDS.items():
                micros = EXACT.add(micros, EXACT.multiply(params.get(unit, Decimal(0)), size))
            clock.advance(timedelta(microseconds=int(micros)))
    except ClockMoveRefused as exc:
        raise BadRequest([str(exc)]) from None  # refused before the clock or any state changed
    except (ValueError, OverflowError) as exc:
        raise BadRequest([f"cannot move the clock: {exc}"]) from None
    call.engine.close_due_cycles()
    return replies.ok({"message": "Clock advanced", "now": replies.wire_time(clock.now())})


def read_options(call: Call) -> ApiResponse:
    """Return the simulator-only options (deduplication, array batches, failing Stripe charges)."""
    return replies.ok({"message": "Options read", "data": _options_view(call)})


def update_options(call: Call) -> ApiResponse:
    """Change simulator-only options; unspecified ones keep their value.

    Raises:
        BadRequest: the body is invalid.
    """
    params = call.body(_OPTIONS)
    options = call.engine.options
    if "deduplication" in params:
        options.deduplication = params["deduplication"]
    if "array_batches" in params:
        options.array_batches = params["array_batches"]
    if "fail_stripe_charges" in params:
        options.fail_stripe_charges = params["fail_stripe_charges"]
    if "fail_stripe_charges_for" in params:
        options.fail_stripe_charges_for = set(params["fail_stripe_charges_for"])
    if "usage_lag_seconds" in params:  # read-after-write lag of the usage view (B13)
        options.usage_lag = usage_lag(params["usage_lag_seconds"])
    return replies.ok({"message": "Options updated", "data": _options_view(call)})


def _options_view(call: Call) -> dict[str, object]:
    options = call.engine.options
    return {
        "deduplication": options.deduplication,
        "arrayBatches": options.array_batches,
        "failStripeCharges": options.fail_stripe_charges,
        "failStripeChargesFor": sorted(options.fail_stripe_charges_for),
        "usageLagSeconds": replies.wire_number(lag_seconds(options.usage_lag)),
    }


def list_usage_records(call: Call) -> ApiResponse:
    """List stored usage records, optionally for one `customerId` and/or `dimensionId`.

    Raises:
        BadRequest: a query parameter is malformed.
    """
    records = call.engine.usage_records(
        customer_id=call.query("customerId", Id()), dimension_id=call.query("dimensionId", Id())
    )
    if _as_records(call):
        return replies.listing("Usage records", encode(records))
    return replies.listing("Usage records", [views.usage_record(r) for r in records])


def list_late_records(call: Call) -> ApiResponse:
    """List records dated inside periods already invoiced, never billed (B9).

    Raises:
        BadRequest: `customerId` is malformed.
    """
    records = call.engine.late_records(customer_id=call.query("customerId", Id()))
    if _as_records(call):
        return replies.listing("Late usage records", encode(records))
    return replies.listing("Late usage records", [views.usage_record(r) for r in records])


def list_unmatched_records(call: Call) -> ApiResponse:
    """List records matching no metadata group of a grouped-tier dimension, never billed (B3).

    Raises:
        BadRequest: `customerId` is malformed.
    """
    records = call.engine.unmatched_records(customer_id=call.query("customerId", Id()))
    return replies.listing("Unmatched usage records", [views.usage_record(r) for r in records])


def list_entitlement_excess(call: Call) -> ApiResponse:
    """List usage beyond entitlements that allow no overage, never billed (B6).

    Raises:
        BadRequest: `customerId` is malformed.
    """
    excess = call.engine.entitlement_excess(customer_id=call.query("customerId", Id()))
    return replies.listing("Entitlement excess", [views.entitlement_excess(x) for x in excess])


def list_deliveries(call: Call) -> ApiResponse:
    """List webhook deliveries and their attempts (B15), optionally for one `webhookId`.

    Raises:
        BadRequest: `webhookId` is malformed.
    """
    deliveries = call.engine.webhook_deliveries(webhook_id=call.query("webhookId", Id()))
    return replies.listing("Webhook deliveries", _deliveries(call, deliveries))


def list_rejected_requests(call: Call) -> ApiResponse:
    """List the most recent rejected requests (method, path, status, messages), oldest first."""
    if _as_records(call):
        return replies.listing("Rejected requests", encode(call.api.rejected_requests))
    data = [
        {
            "method": r.method,
            "path": r.path,
            "status": r.status,
            "messages": list(r.messages),
            "at": replies.wire_time(r.at),
        }
        for r in call.api.rejected_requests
    ]
    return replies.listing("Rejected requests", data)


def clear_rejected_requests(call: Call) -> ApiResponse:
    """Forget the rejected requests recorded so far."""
    call.api.clear_rejected_requests()
    return replies.ok({"message": "Rejected requests cleared"})


def create_period_invoice(call: Call) -> ApiResponse:
    """Invoice a customer's arrear usage in `[startTime, endTime)` (B9 extension); replies 201.

    Paigo offers this "select a billing period" off-cycle invoice only in its dashboard.

    Raises:
        BadRequest: the body is invalid.
        NotFound: no such customer.
        Invalid: the period is empty or in the future.
    """
    params = call.body(PERIOD)
    invoice = call.engine.create_period_invoice(
        params["customer_id"], start=params["start_time"], end=params["end_time"]
    )
    return replies.created(
        {"message": "Invoice created successfully", "invoiceId": invoice.invoice_id}
    )


def preview_invoice(call: Call) -> ApiResponse:
    """Show what a customer's open cycle would invoice if it closed now (not stored).

    Raises:
        NotFound: no such customer.
    """
    invoice = call.engine.preview_invoice(call.params["customerId"])
    if _as_records(call):
        return replies.one("Invoice preview", encode(invoice))
    return replies.one("Invoice preview", views.invoice(invoice))


def inspect_invoice(call: Call) -> ApiResponse:
    """Return an invoice as the simulator keeps it (`simulator.records`), with every field.

    Raises:
        NotFound: no such invoice.
    """
    return replies.one("Invoice", encode(call.engine.retrieve_invoice(call.params["invoiceId"])))


def inspect_customer(call: Call) -> ApiResponse:
    """Return a customer as Paigo shows it, without needing a Paigo token.

    Raises:
        NotFound: no such customer.
    """
    found = call.engine.retrieve_customer(call.params["customerId"])
    return replies.one("Customer", customer_view(call, found))


def read_settings(call: Call) -> ApiResponse:
    """Return every account setting, the ones Paigo has no API for included."""
    return replies.one("Settings", views.settings(call.engine.retrieve_settings()))


def update_settings(call: Call) -> ApiResponse:
    """Change the account settings billing reads (tax rate, invoice approval, ...).

    Paigo sets these in its dashboard; v1.10 has no API for them.

    Raises:
        BadRequest: the body is invalid.
    """
    params = call.body(SETTINGS)
    updated = call.engine.update_settings(**params)
    return replies.one("Settings updated", views.settings(updated))


def approve_invoice(call: Call) -> ApiResponse:
    """Approve a Draft invoice (settings.invoiceApproval = manual); payment is attempted (B9, B10).

    Raises:
        NotFound: no such invoice.
        Invalid: the invoice is not a Draft.
    """
    invoice = call.engine.approve_invoice(call.params["invoiceId"])
    return replies.one("Invoice approved", views.invoice(invoice))


def void_invoice(call: Call) -> ApiResponse:
    """Void an invoice that is not Paid.

    Raises:
        NotFound: no such invoice.
        Invalid: the invoice is Paid.
    """
    invoice = call.engine.void_invoice(call.params["invoiceId"])
    return replies.one("Invoice voided", views.invoice(invoice))


def pay_invoice(call: Call) -> ApiResponse:
    """Retry payment of an Open invoice (wallet credit first, then the simulated Stripe charge).

    Raises:
        NotFound: no such invoice.
        Invalid: the invoice is not Open.
    """
    invoice = call.engine.pay_invoice(call.params["invoiceId"])
    return replies.one("Invoice payment attempted", views.invoice(invoice))


def expire_tokens(call: Call) -> ApiResponse:
    """Expire every bearer token issued so far (clients must fetch new ones)."""
    count = call.api.expire_tokens()
    return replies.ok({"message": "Tokens expired", "expired": count})


def revoke_token(call: Call) -> ApiResponse:
    """Revoke one bearer token.

    Raises:
        BadRequest: the body is invalid.
    """
    params = call.body(_REVOKE)
    known = call.api.revoke_token(params["token"])
    return replies.ok({"message": "Token revoked" if known else "Token unknown", "revoked": known})


def list_faults(call: Call) -> ApiResponse:
    """List the fault rules with their counters: 200 `{"faults": [record, ...]}`."""
    records = _faults(call).list()
    return replies.bare({"faults": [record.to_dict() for record in records]})


def add_fault(call: Call) -> ApiResponse:
    """Add a fault rule (camelCase or snake_case keys); replies 201 with the new record.

    Raises:
        BadRequest: the body is not a JSON object describing a valid rule (nothing is added).
    """
    faults = _faults(call)
    try:
        rule = fault_rules.FaultRule.from_dict(_json_object(call, "a fault"))
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise BadRequest([str(exc)]) from None
    rule_id = faults.add(rule)
    record = next(r for r in faults.list() if r.id == rule_id)
    return replies.created(record.to_dict())


def clear_faults(call: Call) -> ApiResponse:
    """Remove every fault rule."""
    _faults(call).clear()
    return replies.ok({"message": "Faults cleared"})


def remove_fault(call: Call) -> ApiResponse:
    """Remove one fault rule.

    Raises:
        NotFound: no rule has that id.
    """
    rule_id = call.params["faultId"]
    try:
        _faults(call).remove(rule_id)
    except KeyError:
        raise NotFound("fault", rule_id) from None
    return replies.ok({"message": "Fault removed", "id": rule_id})


def list_rate_limits(call: Call) -> ApiResponse:
    """List the rate limit rules: 200 `{"rateLimits": [rule, ...]}`."""
    return replies.bare({"rateLimits": _rate_limits(call).list()})


def add_rate_limit(call: Call) -> ApiResponse:
    """Add a rate limit rule `{rate, burst, method?, path?}`; replies 201 with it and its id.

    Raises:
        BadRequest: the body is not a JSON object describing a valid rule (nothing is added).
    """
    limits = _rate_limits(call)
    try:
        rule = ratelimits.RateLimitRule.parse(_json_object(call, "the body"))
    except ValueError as exc:
        raise BadRequest([str(exc)]) from None
    rule_id = limits.add(rule)
    return replies.created({"id": rule_id, **dataclasses.asdict(rule)})


def clear_rate_limits(call: Call) -> ApiResponse:
    """Remove every rate limit rule."""
    _rate_limits(call).clear()
    return replies.ok({"message": "Rate limits cleared"})


def _faults(call: Call) -> fault_rules.Faults:
    if call.api.faults is None:  # an Api served without a simulator around it
        raise NotFound("fault registry", "faults")
    return call.api.faults


def _rate_limits(call: Call) -> ratelimits.RateLimits:
    if call.api.rate_limits is None:
        raise NotFound("rate limit registry", "rate-limits")
    return call.api.rate_limits


def _json_object(call: Call, what: str) -> dict[str, Any]:
    """Decode a body that must be one JSON object (an empty body is not).

    Raises:
        ValueError: the body is not JSON, or not an object.
    """
    data = json.loads(call.request.body or b"null")
    if not isinstance(data, dict):
        raise ValueError(f"{what} must be a JSON object")
    return data


# ----------------------------------------------------------------------------- webhooks
# Driving webhook deliveries from a test: trigger an event, resend a delivery, script failures.
# The deliveries these routes make due go out once the request has released the simulator's
# lock, before the reply is sent.

_TRIGGER = Object(
    {
        "webhookType": Field(Enum(WEBHOOK_TYPES), required=True),
        "overrides": Field(Metadata()),
    }
)
_FAILURE = Object(
    {
        "hookUrl": Field(String(max_length=2048), required=True),
        "times": Field(Number(minimum=Decimal(1), maximum=Decimal(1000))),
        "statusCode": Field(Number(minimum=Decimal(100), maximum=Decimal(599))),
        "connectionError": Field(Boolean()),
    }
)


def _webhook_dispatcher(call: Call) -> HttpWebhookDispatcher:
    dispatcher = call.api.webhook_dispatcher
    if dispatcher is None:
        raise BadRequest(["this simulator does not deliver webhooks"])
    return dispatcher


def _deliveries(call: Call, deliveries: list[WebhookDelivery]) -> list[dict[str, object]]:
    if _as_records(call):
        encoded: list[dict[str, object]] = encode(deliveries)
        for item in encoded:
            item.pop("security_key", None)  # never shown, as in the wire view
        return encoded
    return [views.webhook_delivery(d) for d in deliveries]


def trigger_webhook(call: Call) -> ApiResponse:
    """Send a sample event of `webhookType` to its subscriptions, with `overrides` of the event's
    fields (`simulator.webhooks.Webhooks.trigger`); replies 201 with the new deliveries.

    Raises:
        BadRequest: the body is invalid.
        Invalid: an override does not fit the event, or no subscription receives the type.
    """
    params = call.body(_TRIGGER)
    webhook_type = params["webhook_type"]
    event = webhook_payloads.build_event(
        webhook_type, params.get("overrides") or {}, call.api.clock.now()
    )
    made = call.engine.trigger_webhook(webhook_type=webhook_type, event=event)
    return replies.created({"message": "Webhook triggered", "data": _deliveries(call, made)})


def retrieve_delivery(call: Call) -> ApiResponse:
    """Return one webhook delivery and its attempts.

    Raises:
        NotFound: no such delivery.
    """
    found = call.engine.webhook_delivery(call.params["deliveryId"])
    return replies.listing("Webhook delivery", _deliveries(call, [found]))


def resend_delivery(call: Call) -> ApiResponse:
    """Attempt a delivery once more (outside the retry schedule), before the reply is sent.

    Raises:
        NotFound: no such delivery.
    """
    delivery_id = call.params["deliveryId"]
    call.engine.webhook_delivery(delivery_id)
    _webhook_dispatcher(call).resend(delivery_id)
    return replies.ok({"message": "Webhook resend requested", "deliveryId": delivery_id})


def add_delivery_failure(call: Call) -> ApiResponse:
    """Make the next `times` (default 1) attempts to `hookUrl` fail without being sent: answered
    `statusCode` (default 500), or refused with `connectionError`; replies 201.

    Raises:
        BadRequest: the body is invalid (a 2xx `statusCode` included).
    """
    params = call.body(_FAILURE)
    try:
        _webhook_dispatcher(call).fail(
            params["hook_url"],
            times=int(params.get("times", 1)),
            status_code=int(params.get("status_code", 500)),
            connection_error=params.get("connection_error", False),
        )
    except ValueError as exc:
        raise BadRequest([str(exc)]) from None
    return replies.created({"message": "Webhook failure scripted"})


def list_delivery_failures(call: Call) -> ApiResponse:
    """List the scripted delivery failures not used up yet, oldest first."""
    data = [
        {
            "hookUrl": f.hook_url,
            "times": f.times,
            "statusCode": f.status_code,
            "connectionError": f.connection_error,
        }
        for f in _webhook_dispatcher(call).scripted_failures
    ]
    return replies.listing("Webhook failures", data)


def clear_delivery_failures(call: Call) -> ApiResponse:
    """Forget every scripted delivery failure."""
    _webhook_dispatcher(call).clear_failures()
    return replies.ok({"message": "Webhook failures cleared"})


WEBHOOK_ROUTES: Final[Sequence[tuple[str, str, Handler]]] = (
    ("POST", "/_simulator/webhooks/trigger", trigger_webhook),
    ("POST", "/_simulator/webhooks/failures", add_delivery_failure),
    ("GET", "/_simulator/webhooks/failures", list_delivery_failures),
    ("DELETE", "/_simulator/webhooks/failures", clear_delivery_failures),
    ("GET", "/_simulator/webhook-deliveries/{deliveryId}", retrieve_delivery),
    ("POST", "/_simulator/webhook-deliveries/{deliveryId}/resend", resend_delivery),
)
"""The webhook routes; part of `ADMIN_ROUTES`."""


ADMIN_ROUTES: Final[Sequence[tuple[str, str, Handler]]] = (
    ("POST", "/_simulator/reset", reset),
    ("POST", "/_simulator/snapshots", create_snapshot),
    ("DELETE", "/_simulator/snapshots", delete_snapshots),
    ("POST", "/_simulator/snapshots/{snapshotId}/restore", restore_snapshot),
    ("GET", "/_simulator/clock", read_clock),
    ("POST", "/_simulator/clock/advance", advance_clock),
    ("GET", "/_simulator/options", read_options),
    ("PUT", "/_simulator/options", update_options),
    ("GET", "/_simulator/usage-records", list_usage_records),
    ("GET", "/_simulator/late-records", list_late_records),
    ("GET", "/_simulator/unmatched-records", list_unmatched_records),
    ("GET", "/_simulator/entitlement-excess", list_entitlement_excess),
    ("GET", "/_simulator/webhook-deliveries", list_deliveries),
    ("GET", "/_simulator/rejected-requests", list_rejected_requests),
    ("DELETE", "/_simulator/rejected-requests", clear_rejected_requests),
    ("POST", "/_simulator/invoices/period", create_period_invoice),
    ("GET", "/_simulator/customers/{customerId}/invoice-preview", preview_invoice),
    ("GET", "/_simulator/customers/{customerId}", inspect_customer),
    ("GET", "/_simulator/invoices/{invoiceId}", inspect_invoice),
    ("GET", "/_simulator/settings", read_settings),
    ("PUT", "/_simulator/settings", update_settings),
    ("POST", "/_simulator/invoices/{invoiceId}/approve", approve_invoice),
    ("POST", "/_simulator/invoices/{invoiceId}/void", void_invoice),
    ("POST", "/_simulator/invoices/{invoiceId}/pay", pay_invoice),
    ("POST", "/_simulator/tokens/expire", expire_tokens),
    ("POST", "/_simulator/tokens/revoke", revoke_token),
    ("GET", "/_simulator/faults", list_faults),
    ("POST", "/_simulator/faults", add_fault),
    ("DELETE", "/_simulator/faults", clear_faults),
    ("DELETE", "/_simulator/faults/{faultId}", remove_fault),
    ("GET", "/_simulator/rate-limits", list_rate_limits),
    ("POST", "/_simulator/rate-limits", add_rate_limit),
    ("DELETE", "/_simulator/rate-limits", clear_rate_limits),
    *WEBHOOK_ROUTES,
)
