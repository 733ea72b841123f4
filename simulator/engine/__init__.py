"""The billing engine: Paigo's state and rules, with no knowledge of HTTP."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from simulator.clock import Clock, ClockMoveRefused, ManualClock
from simulator.engine import cycles, ingest
from simulator.engine.context import Ctx
from simulator.engine.cycles import close_due, has_due
from simulator.engine.errors import Conflict, EngineError, Invalid, NotFound
from simulator.engine.ids import IdFactory
from simulator.engine.metering import UsageStore
from simulator.engine.operations import (
    catalog as catalog_ops,
    customers as customers_ops,
    inspection as inspection_ops,
    invoices as invoices_ops,
    settings as settings_ops,
    usage as usage_ops,
    wallet as wallet_ops,
    webhooks as webhooks_ops,
)
from simulator.engine.operations._shared import Metadata
from simulator.engine.operations.runner import operation
from simulator.engine.reads import (
    CustomerRead,
    DimensionRead,
    EnrollmentRead,
    InvoiceDocument,
    OfferingRead,
)
from simulator.engine.state import (
    INFINITY,
    UNSET,
    Address,
    ChildLink,
    ConsumptionUnit,
    Customer,
    Dimension,
    DimensionOverride,
    Discount,
    EngineOptions,
    Enrollment,
    EnrollmentUsage,
    EntitlementExcess,
    Invoice,
    InvoiceItem,
    InvoiceLine,
    LedgerEntry,
    Measurement,
    Offering,
    Overrides,
    OverridesUpdate,
    Payment,
    Profile,
    RawUsage,
    Refund,
    Settings,
    State,
    StripePayment,
    Tier,
    TierGroup,
    Unset,
    UsageBucket,
    UsageInput,
    UsageRecordView,
    UsageResult,
    UsageSeries,
    Webhook,
    WebhookDelivery,
)
from simulator.engine.state_bytes import dump_state, load_state
from simulator.engine.webhooks import RecordingDispatcher, WebhookDispatcher

__all__ = [
    "INFINITY",
    "UNSET",
    "Address",
    "ChildLink",
    "Conflict",
    "ConsumptionUnit",
    "Customer",
    "CustomerRead",
    "Dimension",
    "DimensionOverride",
    "DimensionRead",
    "Discount",
    "Engine",
    "EngineError",
    "EngineOptions",
    "EngineSnapshot",
    "Enrollment",
    "EnrollmentRead",
    "EnrollmentUsage",
    "EntitlementExcess",
    "Invalid",
    "Invoice",
    "InvoiceDocument",
    "InvoiceItem",
    "InvoiceLine",
    "LedgerEntry",
    "Measurement",
    "NotFound",
    "Offering",
    "OfferingRead",
    "Overrides",
    "OverridesUpdate",
    "Payment",
    "Profile",
    "RawUsage",
    "RecordingDispatcher",
    "Refund",
    "Settings",
    "StripePayment",
    "Tier",
    "TierGroup",
    "Unset",
    "UsageBucket",
    "UsageInput",
    "UsageRecordView",
    "UsageResult",
    "UsageSeries",
    "Webhook",
    "WebhookDelivery",
    "WebhookDispatcher",
]


class EngineSnapshot:
    """An opaque deep copy of the engine's state, for `Engine.restore`."""

    __slots__ = ("state",)

    def __init__(self, state: State) -> None:
        self.state = state


class _RequestScope(threading.local):
    """The instant of the API request running on this thread, if any (see `Engine.request`)."""

    now: datetime | None = None


class _EngineRequest:
    """The context manager `Engine.request` returns (a class: it runs on every API request)."""

    __slots__ = ("_engine", "_outer")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._outer = False

    def __enter__(self) -> datetime:
        scope = self._engine._request
        if scope.now is not None:
            return scope.now  # nested: joins the outer request
        now = self._engine._catch_up()
        scope.now = now
        self._outer = True
        return now

    def __exit__(self, *_exc: object) -> None:
        if self._outer:
            self._engine._request.now = None


def _new_state(seed: int | None) -> State:
    return State(ids=IdFactory(seed), usage=UsageStore())


class Engine:
    """The one object the API layer talks to: Paigo's resources and billing rules in memory.

    Methods are named after Paigo's operations and take keyword arguments of plain Python values
    (str, Decimal, aware datetimes, dicts, the small dataclasses of `simulator.engine.state`).
    Update methods default every field to `UNSET`; `None` means the caller sent null. Every
    method may raise `NotFound`, `Conflict` or `Invalid`; a method that raises changes no state.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        seed: int | None = None,
        dispatcher: WebhookDispatcher | None = None,
    ) -> None:
        self.clock = clock
        self.seed = seed
        self.dispatcher: WebhookDispatcher = dispatcher or RecordingDispatcher()
        self.options = EngineOptions()
        self._lock = threading.RLock()
        self._state = _new_state(seed)
        self._pending: list[WebhookDelivery] = []
        self._followups: dict[Any, Any] = {}
        self._request = _RequestScope()
        self.late_listeners: list[Callable[[list[tuple[str, str, datetime]]], None]] = []
        """Called after a call that stored records for an already invoiced period (B9), with
        (customer id, dimension id, timestamp) of each, outside the engine lock."""
        if isinstance(clock, ManualClock):
            clock.guard(self.check_clock_move)

    def _ctx(self, now: datetime) -> Ctx:
        return Ctx(state=self._state, now=now, options=self.options, followups=self._followups)

    def request(self) -> _EngineRequest:
        """Run the engine calls made inside as one API request (`with`), giving its instant.

        Due cycles are closed once, when the request starts (B14); every call inside then sees
        that same instant and skips the catch-up. No lock is held between the calls, so a request
        that reads the clock or another lock meanwhile cannot deadlock. Nested requests join the
        outer one.
        """
        return _EngineRequest(self)

    def _catch_up(self) -> datetime:
        """Close every cycle due at the clock's time (B14) and return that time.

        The steps of an empty `_op`, without its generator; when nothing is due (the usual
        case) no context is built and nothing is delivered or reported.
        """
        now = self.clock.now()  # before the lock, as in `_op`
        late: list[tuple[str, str, datetime]] = []
        closing = False
        try:
            with self._lock:
                self._followups.clear()  # as `_op` does for any call but a usage record
                if has_due(self._state, now):
                    closing = True
                    ctx = self._ctx(now)
                    try:
                        close_due(ctx)
                        late = ctx.late
                    finally:
                        self._pending.extend(ctx.outbox)
        finally:
            if closing:
                self._flush()
                if late:
                    self._report_late(late)
        return now

    @contextmanager
    def _op(self, *, catch_up: bool = True, usage_only: bool = False) -> Iterator[Ctx]:
        """Run one operation under the lock, after closing every due cycle (B14).

        Inside `request`, the call takes the request's instant and the request's catch-up stands.
        Webhook deliveries made during the call are dispatched after the lock is released.
        Any call but a usage record may change enrollments or prices, so it drops the cache of
        per-(customer, dimension) follow-up work that usage records share.
        """
        # Read the clock before taking the engine lock: a manual clock calls its listeners (which
        # close cycles here) while holding its own lock, so the two locks are never nested the
        # other way round.
        scoped = self._request.now
        now = self.clock.now() if scoped is None else scoped
        catch_up = catch_up and scoped is None
        late: list[tuple[str, str, datetime]] = []
        try:
            with self._lock:
                if not usage_only:
                    self._followups.clear()
                ctx = self._ctx(now)
                try:
                    if catch_up and has_due(self._state, now):
                        close_due(ctx)
                    yield ctx
                    late = ctx.late  # only a call that succeeded stored anything
                finally:
                    self._pending.extend(ctx.outbox)
        finally:
            self._flush()
            if late:
                self._report_late(late)

    def _report_late(self, late: list[tuple[str, str, datetime]]) -> None:
        for listener in list(self.late_listeners):
            listener(late)

    def _flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        for delivery in pending:
            self.dispatcher.dispatch(delivery)

    # --- dimensions ------------------------------------------------------------------------------

    create_dimension = operation(catalog_ops.create_dimension)

    list_dimensions = operation(catalog_ops.list_dimensions)

    retrieve_dimension = operation(catalog_ops.retrieve_dimension)

    read_dimensions = operation(catalog_ops.read_dimensions)

    read_dimension = operation(catalog_ops.read_dimension)

    update_dimension = operation(catalog_ops.update_dimension)

    delete_dimension = operation(catalog_ops.delete_dimension)

    # --- offerings -------------------------------------------------------------------------------

    create_offering = operation(catalog_ops.create_offering)

    list_offerings = operation(catalog_ops.list_offerings)

    retrieve_offering = operation(catalog_ops.retrieve_offering)

    read_offerings = operation(catalog_ops.read_offerings)

    read_offering = operation(catalog_ops.read_offering)

    update_offering = operation(catalog_ops.update_offering)

    delete_offering = operation(catalog_ops.delete_offering)

    # --- measurements ----------------------------------------------------------------------------

    create_measurement = operation(catalog_ops.create_measurement)

    list_measurements = operation(catalog_ops.list_measurements)

    retrieve_measurement = operation(catalog_ops.retrieve_measurement)

    update_measurement = operation(catalog_ops.update_measurement)

    delete_measurement = operation(catalog_ops.delete_measurement)

    # --- customers -------------------------------------------------------------------------------

    create_customer = operation(customers_ops.create_customer)

    list_customers = operation(customers_ops.list_customers)

    retrieve_customer = operation(customers_ops.retrieve_customer)

    read_customers = operation(customers_ops.read_customers)

    read_customer = operation(customers_ops.read_customer)

    read_enrollments = operation(customers_ops.read_enrollments)

    update_customer = operation(customers_ops.update_customer)

    delete_customer = operation(customers_ops.delete_customer)

    list_enrollments = operation(customers_ops.list_enrollments)

    update_enrollment = operation(customers_ops.update_enrollment)

    update_free_trial = operation(customers_ops.update_free_trial)

    query_usage = operation(usage_ops.query_usage)

    create_portal_token_subject = operation(customers_ops.create_portal_token_subject)

    create_transaction = operation(wallet_ops.create_transaction)

    list_transactions = operation(wallet_ops.list_transactions)

    create_refund = operation(wallet_ops.create_refund)

    list_refunds = operation(wallet_ops.list_refunds)

    list_payments = operation(wallet_ops.list_payments)

    stripe_portal = operation(wallet_ops.stripe_portal)

    add_child = operation(customers_ops.add_child)

    update_child = operation(customers_ops.update_child)

    remove_child = operation(customers_ops.remove_child)

    list_customer_invoices = operation(invoices_ops.list_customer_invoices)

    # --- usage -----------------------------------------------------------------------------------

    def record_usage(
        self,
        *,
        customer_id: str,
        dimension_id: str,
        record_value: Decimal,
        timestamp: datetime,
        metadata: Metadata | None = None,
        idempotency_key: str | None = None,
        invoice: bool = False,
    ) -> UsageResult:
        """Store one usage record (B2); with `invoice=True` also bill it at once (B12).

        A replayed idempotency key stores nothing and returns `replayed=True` (and the same
        invoice id for a B12 record).

        Raises:
            NotFound: no such customer or dimension.
            Invalid: timestamp more than 5 minutes ahead, or a B12 condition fails.
        """
        if invoice:
            with self._op() as ctx:
                return ingest.record_one(
                    ctx,
                    customer_id=customer_id,
                    dimension_id=dimension_id,
                    record_value=record_value,
                    timestamp=timestamp,
                    metadata=metadata,
                    idempotency_key=idempotency_key,
                    invoice=True,
                )
        # The hot path of ingest: the same steps as `_op`, without its generator.
        scoped = self._request.now
        now = self.clock.now() if scoped is None else scoped
        with self._lock:
            ctx = self._ctx(now)
            try:
                if scoped is None and has_due(self._state, now):
                    close_due(ctx)
                result = ingest.record_one(
                    ctx,
                    customer_id=customer_id,
                    dimension_id=dimension_id,
                    record_value=record_value,
                    timestamp=timestamp,
                    metadata=metadata,
                    idempotency_key=idempotency_key,
                    invoice=False,
                )
            finally:
                if ctx.outbox:
                    self._pending.extend(ctx.outbox)
        if self._pending:
            self._flush()
        if ctx.late:
            self._report_late(ctx.late)
        return result

    record_usage_batch = operation(usage_ops.record_usage_batch, usage_only=True)

    # --- invoices --------------------------------------------------------------------------------

    create_invoice = operation(invoices_ops.create_invoice)

    retrieve_invoice = operation(invoices_ops.retrieve_invoice)

    invoice_number = operation(invoices_ops.invoice_number)

    read_invoice_document = operation(invoices_ops.read_invoice_document)

    approve_invoice = operation(invoices_ops.approve_invoice)

    void_invoice = operation(invoices_ops.void_invoice)

    pay_invoice = operation(invoices_ops.pay_invoice)

    # --- webhooks --------------------------------------------------------------------------------

    subscribe_webhook = operation(webhooks_ops.subscribe_webhook)

    list_webhooks = operation(webhooks_ops.list_webhooks)

    retrieve_webhook = operation(webhooks_ops.retrieve_webhook)

    delete_webhook = operation(webhooks_ops.delete_webhook)

    webhook_deliveries = operation(webhooks_ops.webhook_deliveries)

    webhook_delivery = operation(webhooks_ops.webhook_delivery)

    trigger_webhook = operation(webhooks_ops.trigger_webhook)

    # --- settings --------------------------------------------------------------------------------

    retrieve_profile = operation(settings_ops.retrieve_profile)

    retrieve_settings = operation(settings_ops.retrieve_settings)

    update_profile = operation(settings_ops.update_profile)

    store_invoice_image = operation(settings_ops.store_invoice_image)

    update_settings = operation(settings_ops.update_settings)

    # --- simulator extensions --------------------------------------------------------------------

    close_due_cycles = operation(inspection_ops.close_due_cycles, catch_up=False)

    def check_clock_move(self, moment: datetime) -> None:
        """Refuse moving the clock to `moment` when catching up (B14) would be too much work.

        Called by a `ManualClock` before it moves; changes nothing.

        Raises:
            ClockMoveRefused: when the catch-up would close more than
                `options.max_closings_per_move` cycles, or reach a cycle boundary beyond the
                calendar.
        """
        limit = self.options.max_closings_per_move
        with self._lock:
            try:
                count = cycles.count_due(self._ctx(moment), moment, limit)
            except ValueError as exc:
                raise ClockMoveRefused(
                    f"cannot move the clock to {moment:%Y-%m-%dT%H:%M:%SZ}: a billing cycle "
                    f"would end beyond the calendar ({exc})"
                ) from None
        if count > limit:
            raise ClockMoveRefused(
                f"moving the clock to {moment:%Y-%m-%dT%H:%M:%SZ} would close more than {limit} "
                "billing cycles at once; advance in smaller steps"
            )

    create_period_invoice = operation(invoices_ops.create_period_invoice)

    preview_invoice = operation(invoices_ops.preview_invoice)

    usage_records = operation(inspection_ops.usage_records)

    late_records = operation(inspection_ops.late_records)

    unmatched_records = operation(inspection_ops.unmatched_records)

    entitlement_excess = operation(inspection_ops.entitlement_excess)

    def snapshot(self) -> EngineSnapshot:
        """Return an opaque deep copy of the whole state (not of `options`)."""
        with self._lock:
            return EngineSnapshot(copy.deepcopy(self._state))

    def restore(self, snapshot: EngineSnapshot) -> None:
        """Replace the state with a copy of `snapshot`."""
        with self._lock:
            self._followups.clear()
            self._state = copy.deepcopy(snapshot.state)

    def export_state(self) -> bytes:
        """Return the whole state (not `options`) as pickle bytes: a cheap, immutable snapshot.

        Pickling the state is several times faster than deep-copying it, and the bytes can be
        written to a file (`simulator.snapshots`).
        """
        with self._lock:
            return dump_state(self._state)

    def import_state(self, data: bytes) -> None:
        """Replace the state with one returned by `export_state` (from a trusted source).

        Raises:
            ValueError: when `data` does not hold an engine state; the state is unchanged.
        """
        state = load_state(data)
        with self._lock:
            self._followups.clear()
            self._state = state

    def reset(self) -> None:
        """Forget everything, as a new engine with the same seed, clock and options."""
        with self._lock:
            self._followups.clear()
            self._state = _new_state(self.seed)
