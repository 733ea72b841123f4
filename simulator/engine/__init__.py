"""The billing engine: Paigo's state and rules, with no knowledge of HTTP."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from simulator import wire
from simulator.clock import Clock, ClockMoveRefused, ManualClock
from simulator.engine import catalog, customers, ingest, invoicing, usage_view
from simulator.engine.aggregation import quantities
from simulator.engine.context import Ctx
from simulator.engine.errors import Conflict, EngineError, Invalid, NotFound
from simulator.engine.ids import IdFactory
from simulator.engine.invoicing import close_due
from simulator.engine.metering import UsageStore, to_us
from simulator.engine.numbers import RATIO
from simulator.engine.pricing import effective_price, line
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
from simulator.engine.wallet import add_ledger_entry, mark_paid, open_invoice, return_credit
from simulator.engine.webhooks import (
    RecordingDispatcher,
    WebhookDispatcher,
    customer_payload,
    emit,
)

__all__ = [
    "INFINITY",
    "UNSET",
    "Address",
    "ChildLink",
    "Conflict",
    "ConsumptionUnit",
    "Customer",
    "Dimension",
    "DimensionOverride",
    "Discount",
    "Engine",
    "EngineError",
    "EngineOptions",
    "EngineSnapshot",
    "Enrollment",
    "EnrollmentUsage",
    "EntitlementExcess",
    "Invalid",
    "Invoice",
    "InvoiceItem",
    "InvoiceLine",
    "LedgerEntry",
    "Measurement",
    "NotFound",
    "Offering",
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

Metadata = dict[str, Any]


_TRANSACTION_LIMIT: Final = Decimal(1_000_000_000)
_BILL_PARENT: Final = wire.BILL_PARENTS
_WEBHOOK_TYPES: Final = wire.WEBHOOK_TYPES
_PROFILE_FIELDS: Final = frozenset(f.name for f in dataclasses.fields(Profile))


class EngineSnapshot:
    """An opaque deep copy of the engine's state, for `Engine.restore`."""

    __slots__ = ("state",)

    def __init__(self, state: State) -> None:
        self.state = state


def _new_state(seed: int | None) -> State:
    return State(ids=IdFactory(seed), usage=UsageStore())


def _raise_if(errors: list[str]) -> None:
    if errors:
        raise Invalid(errors)


def _given(**fields: Any) -> dict[str, Any]:
    """Keep the arguments an update actually sent."""
    return {k: v for k, v in fields.items() if not isinstance(v, Unset)}


def _cycle(value: str | None | Unset, default: str | None) -> str | None:
    if isinstance(value, Unset):
        return default
    return value or None


def _stripe_customer(ctx: Ctx, customer_id: str, what: str) -> Customer:
    customer = customers.get_customer(ctx, customer_id)
    if customer.payment_channel != "Stripe":
        raise Invalid(f"{what} are only available for customers whose paymentChannel is Stripe")
    return customer


def _pair(ctx: Ctx, parent_id: str, child_id: str) -> tuple[Customer, Customer]:
    errors = [
        f"Customer with ID: {cid} not found"
        for cid in (parent_id, child_id)
        if cid not in ctx.state.customers
    ]
    if parent_id == child_id:
        errors.append("a customer cannot be its own child")
    _raise_if(errors)
    return ctx.state.customers[parent_id], ctx.state.customers[child_id]


def _link(parent: Customer, child_id: str) -> ChildLink:
    for link in parent.children:
        if link.child_id == child_id:
            return link
    raise Invalid(f"customer {child_id} is not a child of {parent.customer_id}")


def _invoice(ctx: Ctx, invoice_id: str) -> Invoice:
    found = ctx.state.invoices.get(invoice_id)
    if found is None:
        raise NotFound("invoice", invoice_id)
    return found


def _webhook(ctx: Ctx, webhook_id: str) -> Webhook:
    found = ctx.state.webhooks.get(webhook_id)
    if found is None:
        raise NotFound("webhook", webhook_id)
    return found


def _arrear_for(
    ctx: Ctx, customer: Customer, start: datetime, end: datetime, *, commit: bool
) -> list[InvoiceLine]:
    """Arrear lines of every enrollment over `[start, end)`, clipped to each enrollment (B9)."""
    lines: list[InvoiceLine] = []
    for enrollment in customer.enrollments:
        offering = ctx.state.offerings.get(enrollment.offering_id)
        if offering is None or offering.billing_cycle == "topUp":
            continue
        lo = max(start, enrollment.enrollment_date)
        hi = min(end, enrollment.ended_at) if enrollment.ended_at is not None else end
        if lo < hi:
            lines += invoicing.arrear_lines(
                ctx, customer, enrollment, offering, (lo, hi), commit=commit, minimum=False
            )
    return lines


def _open_excess(ctx: Ctx, customer_id: str | None) -> list[EntitlementExcess]:
    """Live excess over entitlements in open cycles, for dimensions without overage (B6)."""
    found: list[EntitlementExcess] = []
    for customer in ctx.state.customers.values():
        if customer_id is not None and customer.customer_id != customer_id:
            continue
        for enrollment in customer.active_enrollments:
            offering = ctx.state.offerings.get(enrollment.offering_id)
            if offering is None or enrollment.cycle_start is None:
                continue
            start = max(enrollment.cycle_start, enrollment.enrollment_date)
            for dimension_id in offering.dimension_ids:
                dimension = ctx.state.dimensions.get(dimension_id)
                series = ctx.state.usage.get(customer.customer_id, dimension_id)
                if dimension is None or series is None:
                    continue
                price = effective_price(dimension, offering, enrollment)
                if price.entitlement is None or price.overage_allowed:
                    continue
                if price.entitlement.is_infinite():
                    continue
                per_group, _ = quantities(
                    series,
                    ctx.state.usage.metadata,
                    [(to_us(start), to_us(enrollment.cycle_end or ctx.now))],
                    interval=dimension.aggregation_interval,
                    method=dimension.aggregation_method,
                    increment=dimension.usage_increment,
                    rounding=dimension.rounding,
                )
                used = Decimal(per_group.get(None, 0))
                entitled = RATIO.divide(price.entitlement, dimension.usage_increment)
                if used > entitled:
                    found.append(
                        EntitlementExcess(
                            customer_id=customer.customer_id,
                            offering_id=offering.offering_id,
                            dimension_id=dimension_id,
                            period_start=start,
                            period_end=enrollment.cycle_end or ctx.now,
                            entitled_increments=entitled,
                            used_increments=used,
                            excess_increments=used - entitled,
                            closed=False,
                        )
                    )
    return found


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
        self.late_listeners: list[Callable[[list[tuple[str, str, datetime]]], None]] = []
        """Called after a call that stored records for an already invoiced period (B9), with
        (customer id, dimension id, timestamp) of each, outside the engine lock."""
        if isinstance(clock, ManualClock):
            clock.guard(self.check_clock_move)

    def _ctx(self, now: datetime) -> Ctx:
        return Ctx(state=self._state, now=now, options=self.options, followups=self._followups)

    @contextmanager
    def _op(self, *, catch_up: bool = True, usage_only: bool = False) -> Iterator[Ctx]:
        """Run one operation under the lock, after closing every due cycle (B14).

        Webhook deliveries made during the call are dispatched after the lock is released.
        Any call but a usage record may change enrollments or prices, so it drops the cache of
        per-(customer, dimension) follow-up work that usage records share.
        """
        # Read the clock before taking the engine lock: a manual clock calls its listeners (which
        # close cycles here) while holding its own lock, so the two locks are never nested the
        # other way round.
        now = self.clock.now()
        late: list[tuple[str, str, datetime]] = []
        try:
            with self._lock:
                if not usage_only:
                    self._followups.clear()
                ctx = self._ctx(now)
                try:
                    if catch_up:
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

    def create_dimension(
        self,
        *,
        dimension_name: str,
        consumption_unit: ConsumptionUnit,
        usage_increment: Decimal,
        rounding: str,
        usage_entitlement: Decimal | None = None,
        overage_allowed: bool | None = None,
        consumption_price: Decimal | None = None,
        aggregation_interval: str | None = None,
        aggregation_method: str | None = None,
        measurement_id: str | None = None,
        sample_type: str | None = None,
        payment_schedule: str | None = None,
        metadata: Metadata | None = None,
        tiers: list[Tier] | None = None,
        tiers_group_by_metadata: list[TierGroup] | None = None,
    ) -> Dimension:
        """Create a dimension and return it.

        Raises:
            Invalid: a tier rule (B5) or a field rule is broken.
            NotFound: `measurement_id` names no measurement.
        """
        with self._op() as ctx:
            dimension = Dimension(
                dimension_id="",
                dimension_name=dimension_name,
                consumption_unit=copy.deepcopy(consumption_unit),
                usage_increment=usage_increment,
                rounding=rounding,
                usage_entitlement=usage_entitlement,
                overage_allowed=overage_allowed,
                consumption_price=consumption_price,
                aggregation_interval=aggregation_interval or "hour",
                aggregation_method=aggregation_method or "max",
                measurement_id=measurement_id,
                sample_type=sample_type,
                payment_schedule=payment_schedule or "arrear",
                metadata=catalog.patch_metadata({}, metadata or {}),
                tiers=copy.deepcopy(tiers),
                tiers_group_by_metadata=copy.deepcopy(tiers_group_by_metadata),
            )
            _raise_if(catalog.check_dimension(ctx.state, dimension))
            # Draw the id only once the request is valid: a rejected call changes no state,
            # not even the seeded id sequence.
            dimension.dimension_id = ctx.state.ids.uuid()
            ctx.state.dimensions[dimension.dimension_id] = dimension
            return dimension

    def list_dimensions(self) -> list[Dimension]:
        """Return every dimension, oldest first."""
        with self._op() as ctx:
            return list(ctx.state.dimensions.values())

    def retrieve_dimension(self, dimension_id: str) -> Dimension:
        """Return one dimension.

        Raises:
            NotFound: no such dimension.
        """
        with self._op() as ctx:
            return catalog.get_dimension(ctx.state, dimension_id)

    def update_dimension(
        self,
        dimension_id: str,
        *,
        dimension_name: str | Unset = UNSET,
        consumption_unit: ConsumptionUnit | Unset = UNSET,
        usage_increment: Decimal | Unset = UNSET,
        rounding: str | Unset = UNSET,
        usage_entitlement: Decimal | None | Unset = UNSET,
        overage_allowed: bool | None | Unset = UNSET,
        consumption_price: Decimal | None | Unset = UNSET,
        aggregation_interval: str | Unset = UNSET,
        aggregation_method: str | Unset = UNSET,
        measurement_id: str | None | Unset = UNSET,
        sample_type: str | None | Unset = UNSET,
        payment_schedule: str | Unset = UNSET,
        metadata: Metadata | None | Unset = UNSET,
        tiers: list[Tier] | None | Unset = UNSET,
        tiers_group_by_metadata: list[TierGroup] | None | Unset = UNSET,
    ) -> Dimension:
        """Change the given fields of a dimension and return it.

        `metadata` is a patch: a key mapped to None is removed, None removes every key.
        `tiers` replaces the whole list; None removes the tiers.

        Raises:
            NotFound: no such dimension or measurement.
            Invalid: the result would break a tier or field rule.
        """
        with self._op() as ctx:
            current = catalog.get_dimension(ctx.state, dimension_id)
            changes = _given(
                dimension_name=dimension_name,
                consumption_unit=consumption_unit,
                usage_increment=usage_increment,
                rounding=rounding,
                usage_entitlement=usage_entitlement,
                overage_allowed=overage_allowed,
                consumption_price=consumption_price,
                aggregation_interval=aggregation_interval,
                aggregation_method=aggregation_method,
                measurement_id=measurement_id,
                sample_type=sample_type,
                payment_schedule=payment_schedule,
                tiers=tiers,
                tiers_group_by_metadata=tiers_group_by_metadata,
            )
            candidate = dataclasses.replace(
                current,
                **copy.deepcopy(changes),
                metadata=catalog.patch_metadata(current.metadata, metadata),
            )
            _raise_if(catalog.check_dimension(ctx.state, candidate))
            ctx.state.dimensions[dimension_id] = candidate
            return candidate

    def delete_dimension(self, dimension_id: str) -> Dimension:
        """Delete a dimension and return what was deleted.

        Raises:
            NotFound: no such dimension.
            Conflict: offerings still use it (`Conflict("dimension", offering_ids)`).
        """
        with self._op() as ctx:
            return catalog.delete_dimension(ctx.state, dimension_id)

    # --- offerings -------------------------------------------------------------------------------

    def create_offering(
        self,
        *,
        offering_name: str,
        offering_type: str | None = None,
        subscription_price: Decimal | None = None,
        billing_cycle: str | None | Unset = UNSET,
        currency: str | None = None,
        dimension_ids: list[str] | None = None,
        dimension_overrides: list[DimensionOverride] | None = None,
        offering_visibility: str | None = None,
        prepaid_credit: Decimal | None = None,
        minimum_charge: Decimal | None = None,
        top_up_amount: Decimal | None = None,
        top_up_threshold: Decimal | None = None,
        free_trial_length: int | None = None,
        metadata: Metadata | None = None,
    ) -> Offering:
        """Create an offering and return it.

        `billing_cycle` UNSET means `monthly`; None (or "") means no automatic billing (B7).

        Raises:
            NotFound: a dimension id names no dimension.
            Invalid: a field rule is broken (subscription price, top-up amount, threshold,
                minimum charge, an override changing price structure...).
        """
        with self._op() as ctx:
            offering = Offering(
                offering_id="",
                offering_name=offering_name,
                offering_type=offering_type or "usage-based",
                subscription_price=subscription_price,
                billing_cycle=_cycle(billing_cycle, "monthly"),
                currency=currency or "USD",
                dimension_ids=list(dimension_ids or []),
                dimension_overrides=copy.deepcopy(dimension_overrides or []),
                offering_visibility=offering_visibility or "public",
                prepaid_credit=prepaid_credit,
                minimum_charge=minimum_charge,
                top_up_amount=top_up_amount,
                top_up_threshold=top_up_threshold,
                free_trial_length=free_trial_length,
                metadata=catalog.patch_metadata({}, metadata or {}),
            )
            _raise_if(catalog.check_offering(ctx.state, offering))
            offering.offering_id = ctx.state.ids.uuid()  # after validation, as for dimensions
            ctx.state.offerings[offering.offering_id] = offering
            return offering

    def list_offerings(self) -> list[Offering]:
        """Return every offering, oldest first."""
        with self._op() as ctx:
            return list(ctx.state.offerings.values())

    def retrieve_offering(self, offering_id: str) -> Offering:
        """Return one offering.

        Raises:
            NotFound: no such offering.
        """
        with self._op() as ctx:
            return catalog.get_offering(ctx.state, offering_id)

    def update_offering(
        self,
        offering_id: str,
        *,
        offering_name: str | Unset = UNSET,
        offering_type: str | Unset = UNSET,
        subscription_price: Decimal | None | Unset = UNSET,
        billing_cycle: str | None | Unset = UNSET,
        currency: str | Unset = UNSET,
        dimension_ids: list[str] | Unset = UNSET,
        dimension_overrides: list[DimensionOverride] | None | Unset = UNSET,
        offering_visibility: str | Unset = UNSET,
        prepaid_credit: Decimal | None | Unset = UNSET,
        minimum_charge: Decimal | None | Unset = UNSET,
        top_up_amount: Decimal | None | Unset = UNSET,
        top_up_threshold: Decimal | None | Unset = UNSET,
        free_trial_length: int | None | Unset = UNSET,
        metadata: Metadata | None | Unset = UNSET,
    ) -> Offering:
        """Change the given fields of an offering and return it (metadata is a patch).

        Raises:
            NotFound: no such offering or dimension.
            Invalid: the result would break a field rule.
        """
        with self._op() as ctx:
            current = catalog.get_offering(ctx.state, offering_id)
            changes = _given(
                offering_name=offering_name,
                offering_type=offering_type,
                subscription_price=subscription_price,
                currency=currency,
                dimension_ids=dimension_ids,
                offering_visibility=offering_visibility,
                prepaid_credit=prepaid_credit,
                minimum_charge=minimum_charge,
                top_up_amount=top_up_amount,
                top_up_threshold=top_up_threshold,
                free_trial_length=free_trial_length,
            )
            if not isinstance(billing_cycle, Unset):
                changes["billing_cycle"] = _cycle(billing_cycle, None)
            if not isinstance(dimension_overrides, Unset):
                changes["dimension_overrides"] = dimension_overrides or []
            candidate = dataclasses.replace(
                current,
                **copy.deepcopy(changes),
                metadata=catalog.patch_metadata(current.metadata, metadata),
            )
            _raise_if(catalog.check_offering(ctx.state, candidate))
            ctx.state.offerings[offering_id] = candidate
            return candidate

    def delete_offering(self, offering_id: str) -> Offering:
        """Delete an offering and return what was deleted.

        Raises:
            NotFound: no such offering.
            Conflict: customers are enrolled in it (`Conflict("offering", customer_ids)`).
        """
        with self._op() as ctx:
            return catalog.delete_offering(ctx.state, offering_id)

    # --- measurements ----------------------------------------------------------------------------

    def create_measurement(
        self,
        *,
        measurement_mode: str,
        measurement_configuration: Metadata,
        measurement_name: str | None = None,
    ) -> Measurement:
        """Store a measurement configuration and return it (no metering runs)."""
        with self._op() as ctx:
            measurement = Measurement(
                measurement_id=ctx.state.ids.uuid(),
                measurement_mode=measurement_mode,
                measurement_configuration=copy.deepcopy(measurement_configuration),
                measurement_name=measurement_name,
            )
            ctx.state.measurements[measurement.measurement_id] = measurement
            return measurement

    def list_measurements(self) -> list[Measurement]:
        """Return every measurement, oldest first."""
        with self._op() as ctx:
            return list(ctx.state.measurements.values())

    def retrieve_measurement(self, measurement_id: str) -> Measurement:
        """Return one measurement.

        Raises:
            NotFound: no such measurement.
        """
        with self._op() as ctx:
            return catalog.get_measurement(ctx.state, measurement_id)

    def update_measurement(
        self,
        measurement_id: str,
        *,
        measurement_mode: str,
        measurement_name: str,
        measurement_configuration: Metadata | Unset = UNSET,
    ) -> Measurement:
        """Change a measurement; the configuration's given keys replace the stored ones.

        Raises:
            NotFound: no such measurement.
        """
        with self._op() as ctx:
            measurement = catalog.get_measurement(ctx.state, measurement_id)
            measurement.measurement_mode = measurement_mode
            measurement.measurement_name = measurement_name
            if not isinstance(measurement_configuration, Unset):
                measurement.measurement_configuration.update(
                    copy.deepcopy(measurement_configuration)
                )
            return measurement

    def delete_measurement(self, measurement_id: str) -> Measurement:
        """Delete a measurement and return it.

        Raises:
            NotFound: no such measurement.
            Invalid: a dimension still refers to it.
        """
        with self._op() as ctx:
            return catalog.delete_measurement(ctx.state, measurement_id)

    # --- customers -------------------------------------------------------------------------------

    def create_customer(
        self,
        *,
        customer_name: str,
        email: str,
        payment_channel: str,
        payment_channel_options: Metadata | None = None,
        customer_id: str | None = None,
        offering_id: str | None = None,
        offering_enrollment_date: datetime | None = None,
        currency: str | None = None,
        tax_exempt: str | None = None,
        customer_vat_id: str | None = None,
        address: Address | None = None,
        metadata: Metadata | None = None,
        usage: list[EnrollmentUsage] | None = None,
    ) -> Customer:
        """Create a customer, enrolling it in `offering_id` when given (B7), and return it.

        Enrollment may issue an upfront invoice at once (B7, B11); CUSTOMER_CREATED fires (B15).

        Raises:
            Invalid: the customer id exists, the enrollment date is in the future, or the
                usage list repeats a dimension id.
            NotFound: the offering or a usage dimension does not exist.
        """
        with self._op() as ctx:
            state = ctx.state
            errors = customers.check_customer_fields(
                payment_channel=payment_channel,
                currency=currency if currency is not None else UNSET,
                tax_exempt=tax_exempt if tax_exempt is not None else UNSET,
            )
            if customer_id is not None and customer_id in state.customers:
                errors.append(f"customerId {customer_id} already exists")
            if customer_id is not None and not customer_id:
                errors.append("customerId must not be empty")
            offering = catalog.get_offering(state, offering_id) if offering_id is not None else None
            if offering_enrollment_date is not None and offering_enrollment_date > ctx.now:
                errors.append("offeringEnrollmentDate must not be in the future")
            if usage:
                errors += customers.check_usage(ctx, usage)
            _raise_if(errors)
            options = dict(payment_channel_options or {})
            if payment_channel == "Stripe" and not options.get("stripeCustomerId"):
                options["stripeCustomerId"] = f"cus_{state.ids.token(7)}"
            state.customer_counter += 1
            customer = Customer(
                customer_id=customer_id if customer_id is not None else state.ids.uuid(),
                customer_name=customer_name,
                email=email,
                payment_channel=payment_channel,
                created_at=ctx.now,
                ordinal=state.customer_counter,
                payment_channel_options=options,
                currency=currency
                or (offering.currency if offering is not None else state.settings.default_currency),
                tax_exempt=tax_exempt or "none",
                customer_vat_id=customer_vat_id,
                address=copy.deepcopy(address),
                metadata=catalog.patch_metadata({}, metadata or {}),
            )
            state.customers[customer.customer_id] = customer
            emit(ctx, "CUSTOMER_CREATED", customer_payload(customer))
            if offering_id is not None or usage:
                plan = customers.plan_enrollment_change(
                    ctx,
                    customer,
                    offering_id=offering_id if offering_id is not None else UNSET,
                    usage=usage if usage else UNSET,
                    enrollment_date=offering_enrollment_date,
                )
                customers.apply_enrollment_plan(ctx, plan)
                close_due(ctx)
            return customer

    def list_customers(self) -> list[Customer]:
        """Return every customer, oldest first."""
        with self._op() as ctx:
            return list(ctx.state.customers.values())

    def retrieve_customer(self, customer_id: str) -> Customer:
        """Return one customer.

        Raises:
            NotFound: no such customer.
        """
        with self._op() as ctx:
            return customers.get_customer(ctx, customer_id)

    def update_customer(
        self,
        customer_id: str,
        *,
        customer_name: str | Unset = UNSET,
        email: str | Unset = UNSET,
        payment_channel: str | Unset = UNSET,
        payment_channel_options: Metadata | None | Unset = UNSET,
        address: Address | None | Unset = UNSET,
        customer_vat_id: str | None | Unset = UNSET,
        tax_exempt: str | Unset = UNSET,
        metadata: Metadata | None | Unset = UNSET,
        usage: list[EnrollmentUsage] | Unset = UNSET,
        currency: str | Unset = UNSET,
        free_trial_end_date: datetime | Unset = UNSET,
        offering_id: str | None | Unset = UNSET,
        remove_prior_offering: bool | Unset = UNSET,
        unenroll_offering: str | Unset = UNSET,
    ) -> Customer:
        """Change the given fields of a customer, with enrollment changes as in `update_enrollment`.

        Raises:
            NotFound: no such customer, offering or dimension.
            Invalid: a currency change with a non-zero balance, a free-trial end not in the future,
                `unenroll_offering` combined with `offering_id` or `remove_prior_offering`.
        """
        with self._op() as ctx:
            customer = customers.get_customer(ctx, customer_id)
            errors = customers.check_customer_fields(
                payment_channel=payment_channel, currency=currency, tax_exempt=tax_exempt
            )
            if (
                isinstance(currency, str)
                and currency != customer.currency
                and customer.balance != 0
            ):
                errors.append("currency cannot change while the customer has a credit balance")
            if isinstance(free_trial_end_date, datetime):
                if free_trial_end_date <= ctx.now:
                    errors.append("freeTrialEndDate must be in the future")
                elif customer.current_enrollment is None:
                    errors.append(
                        "freeTrialEndDate needs an enrollment: the customer is not enrolled"
                    )
            _raise_if(errors)
            changes_enrollment = any(
                not isinstance(v, Unset)
                for v in (offering_id, remove_prior_offering, unenroll_offering, usage)
            )
            plan = None
            if changes_enrollment:
                plan = customers.plan_enrollment_change(
                    ctx,
                    customer,
                    offering_id=offering_id,
                    remove_prior_offering=remove_prior_offering,
                    unenroll_offering=unenroll_offering,
                    usage=usage,
                )
            for name, value in _given(
                customer_name=customer_name,
                email=email,
                payment_channel=payment_channel,
                customer_vat_id=customer_vat_id,
                tax_exempt=tax_exempt,
                currency=currency,
            ).items():
                setattr(customer, name, value)
            if not isinstance(payment_channel_options, Unset):
                customer.payment_channel_options = dict(payment_channel_options or {})
            if not isinstance(address, Unset):
                customer.address = copy.deepcopy(address)
            customer.metadata = catalog.patch_metadata(customer.metadata, metadata)
            if isinstance(free_trial_end_date, datetime):
                current = customer.current_enrollment
                assert current is not None
                current.free_trial_end_date = free_trial_end_date
                current.free_trial_start_date = (
                    current.free_trial_start_date or current.enrollment_date
                )
            if plan is not None:
                customers.apply_enrollment_plan(ctx, plan)
            emit(ctx, "CUSTOMER_UPDATED", customer_payload(customer))
            close_due(ctx)
            return customer

    def delete_customer(self, customer_id: str) -> Customer:
        """Delete a customer with its enrollments and usage; its invoices stay readable by id.

        Raises:
            NotFound: no such customer.
        """
        with self._op() as ctx:
            customer = customers.get_customer(ctx, customer_id)
            del ctx.state.customers[customer_id]
            ctx.state.usage.forget_customer(customer_id)
            for other in ctx.state.customers.values():
                other.children = [c for c in other.children if c.child_id != customer_id]
                if other.parent is not None and other.parent.parent_id == customer_id:
                    other.parent = None
            return customer

    def list_enrollments(self, customer_id: str) -> list[Enrollment]:
        """Return the customer's active enrollments, oldest first (empty when not enrolled).

        Raises:
            NotFound: no such customer.
        """
        with self._op() as ctx:
            return customers.get_customer(ctx, customer_id).active_enrollments

    def update_enrollment(
        self,
        customer_id: str,
        *,
        offering_id: str | None | Unset = UNSET,
        remove_prior_offering: bool | Unset = UNSET,
        unenroll_offering: str | Unset = UNSET,
        overrides: OverridesUpdate | None | Unset = UNSET,
        usage: list[EnrollmentUsage] | Unset = UNSET,
        offering_enrollment_date: datetime | None = None,
    ) -> list[Invoice]:
        """Enroll, unenroll, change offering or overrides (B7); return the invoices issued.

        A new `offering_id` adds an enrollment; with `remove_prior_offering=True` it replaces the
        prior ones (plan change: final invoices, unused subscription credited). `offering_id=None`
        unenrolls from everything; the same offering id again changes nothing. `overrides` apply
        to the enrollment being created, else to the most recent active one.

        Raises:
            NotFound: no such customer, offering or dimension.
            Invalid: `unenroll_offering` combined with another change, duplicate usage dimension
                ids, an override changing price structure, a discount outside 0..100, a free-trial
                end not in the future, an enrollment date in the future.
        """
        with self._op() as ctx:
            customer = customers.get_customer(ctx, customer_id)
            plan = customers.plan_enrollment_change(
                ctx,
                customer,
                offering_id=offering_id,
                remove_prior_offering=remove_prior_offering,
                unenroll_offering=unenroll_offering,
                overrides=overrides,
                usage=usage,
                enrollment_date=offering_enrollment_date,
            )
            issued = customers.apply_enrollment_plan(ctx, plan)
            issued += close_due(ctx)
            return issued

    def update_free_trial(
        self,
        customer_id: str,
        *,
        free_trial_end_date: datetime,
        free_trial_start_date: datetime | None = None,
        offering_id: str | None = None,
    ) -> Customer:
        """Set the free-trial window of an enrollment (the current one unless `offering_id`).

        Raises:
            NotFound: no such customer, or no active enrollment (in that offering).
            Invalid: a date not in the future, or an end not after the start.
        """
        with self._op() as ctx:
            customer = customers.get_customer(ctx, customer_id)
            errors: list[str] = []
            if free_trial_end_date <= ctx.now:
                errors.append("freeTrialEndDate must be in the future")
            if free_trial_start_date is not None:
                if free_trial_start_date <= ctx.now:
                    errors.append("freeTrialStartDate must be in the future")
                if free_trial_start_date >= free_trial_end_date:
                    errors.append("freeTrialEndDate must be after freeTrialStartDate")
            candidates = [
                e
                for e in customer.active_enrollments
                if offering_id is None or e.offering_id == offering_id
            ]
            if offering_id is not None:
                catalog.get_offering(ctx.state, offering_id)
            if not candidates:
                errors.append("the customer has no active enrollment for a free trial")
            _raise_if(errors)
            enrollment = candidates[-1]
            enrollment.free_trial_start_date = free_trial_start_date or enrollment.enrollment_date
            enrollment.free_trial_end_date = free_trial_end_date
            enrollment.overrides.free_trial_end_date = free_trial_end_date
            return customer

    def query_usage(
        self,
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
        with self._op() as ctx:
            customer = customers.get_customer(ctx, customer_id)
            return usage_view.query_usage(
                ctx,
                customer,
                interval=aggregation_interval,
                start=start_time,
                end=end_time,
                ignore_enrollment_date=ignore_enrollment_date,
            )

    def create_portal_token_subject(self, customer_id: str) -> str:
        """Return the subject a customer portal token is minted for (the customer id).

        Raises:
            NotFound: no such customer.
        """
        with self._op() as ctx:
            return customers.get_customer(ctx, customer_id).customer_id

    def create_transaction(
        self,
        customer_id: str,
        *,
        transaction_amount: Decimal,
        timestamp: datetime | None = None,
        metadata: Metadata | None = None,
    ) -> LedgerEntry:
        """Add a wallet transaction (B10) and return it.

        Raises:
            NotFound: no such customer.
            Invalid: the balance would become negative, or the amount is out of range.
        """
        with self._op() as ctx:
            customer = customers.get_customer(ctx, customer_id)
            if not (-_TRANSACTION_LIMIT <= transaction_amount <= _TRANSACTION_LIMIT):
                raise Invalid("transactionAmount must be between -1000000000 and 1000000000")
            return add_ledger_entry(
                customer, transaction_amount, timestamp or ctx.now, copy.deepcopy(metadata or {})
            )

    def list_transactions(self, customer_id: str) -> list[LedgerEntry]:
        """Return the customer's wallet ledger, oldest first.

        Raises:
            NotFound: no such customer.
        """
        with self._op() as ctx:
            return list(customers.get_customer(ctx, customer_id).ledger)

    def create_refund(
        self,
        customer_id: str,
        *,
        payment_intent_id: str,
        amount: Decimal | None = None,
        reason: str | None = None,
        metadata: Metadata | None = None,
    ) -> Refund:
        """Refund (part of) a simulated Stripe payment and return the refund.

        Raises:
            NotFound: no such customer.
            Invalid: a `manual` customer, an unknown payment intent, or more than is refundable.
        """
        with self._op() as ctx:
            customer = _stripe_customer(ctx, customer_id, "refunds")
            left = customers.refundable(customer, payment_intent_id)
            intent = next(
                (
                    p
                    for p in customer.stripe_payments
                    if p.payment_intents_id == payment_intent_id and p.status == "succeeded"
                ),
                None,
            )
            if intent is None:
                raise Invalid(f"refundChannelOptions.paymentIntentId {payment_intent_id} not found")
            amount = left if amount is None else amount
            if amount <= 0 or amount > left:
                raise Invalid(f"amount must be greater than 0 and at most {format(left, 'f')}")
            refund = Refund(
                refund_id=f"re_{ctx.state.ids.token(12)}",
                amount=amount,
                amount_refunded=amount,
                charge_id=intent.charge_id,
                payment_intent_id=payment_intent_id,
                currency=intent.currency,
                status="succeeded",
                reason=reason or "requested_by_customer",
                created=ctx.now,
                metadata=copy.deepcopy(metadata or {}),
            )
            customer.refunds.append(refund)
            invoice = ctx.state.invoices.get(intent.invoice_id)
            if invoice is not None:
                invoice.refunds.append(refund)
            return refund

    def list_refunds(self, customer_id: str) -> list[Refund]:
        """Return the customer's refunds.

        Raises:
            NotFound: no such customer.
            Invalid: a `manual` customer.
        """
        with self._op() as ctx:
            return list(_stripe_customer(ctx, customer_id, "refunds").refunds)

    def list_payments(
        self, customer_id: str, *, invoice_id: str | None = None
    ) -> list[StripePayment]:
        """Return the customer's simulated Stripe payments, optionally for one invoice.

        Raises:
            NotFound: no such customer.
            Invalid: a `manual` customer.
        """
        with self._op() as ctx:
            customer = _stripe_customer(ctx, customer_id, "payments")
            return [
                p
                for p in customer.stripe_payments
                if invoice_id is None or p.invoice_id == invoice_id
            ]

    def stripe_portal(self, customer_id: str) -> str:
        """Return a (fake) Stripe billing-portal URL for the customer.

        Raises:
            NotFound: no such customer.
            Invalid: a `manual` customer.
        """
        with self._op() as ctx:
            customer = _stripe_customer(ctx, customer_id, "the Stripe portal")
            # Derived, not drawn: reading the portal URL leaves the seeded id sequence alone.
            return f"https://billing.stripe.com/p/session/test_{customer.stripe_customer_id}"

    def add_child(
        self, customer_id: str, child_id: str, *, bill_parent: str | None = None
    ) -> ChildLink:
        """Make `child_id` a child of `customer_id` and return the link.

        Raises:
            Invalid: either customer is missing, they are the same, or the child has a parent.
        """
        with self._op() as ctx:
            parent, child = _pair(ctx, customer_id, child_id)
            errors = []
            if child.parent is not None:
                errors.append(f"customer {child_id} already has a parent")
            if bill_parent is not None and bill_parent not in _BILL_PARENT:
                errors.append("billParent must be one of: aggregated, separate")
            node: Customer | None = parent
            while node is not None:
                if node.customer_id == child_id:
                    errors.append("a customer cannot be its own ancestor")
                    break
                node = ctx.state.customers.get(node.parent.parent_id) if node.parent else None
            _raise_if(errors)
            link = ChildLink(
                child_id=child_id, parent_id=customer_id, bill_parent=bill_parent or "separate"
            )
            parent.children.append(link)
            child.parent = link
            return link

    def update_child(
        self, customer_id: str, child_id: str, *, bill_parent: str | None = None
    ) -> ChildLink:
        """Change how a child is billed and return the link.

        Raises:
            Invalid: no such parent-child link.
        """
        with self._op() as ctx:
            parent, _child = _pair(ctx, customer_id, child_id)
            link = _link(parent, child_id)
            if bill_parent is not None and bill_parent not in _BILL_PARENT:
                raise Invalid("billParent must be one of: aggregated, separate")
            if bill_parent is not None:
                link.bill_parent = bill_parent
            return link

    def remove_child(self, customer_id: str, child_id: str) -> ChildLink:
        """Remove a parent-child link and return it.

        Raises:
            Invalid: no such parent-child link.
        """
        with self._op() as ctx:
            parent, child = _pair(ctx, customer_id, child_id)
            link = _link(parent, child_id)
            parent.children.remove(link)
            child.parent = None
            return link

    def list_customer_invoices(self, customer_id: str) -> list[Invoice]:
        """Return the customer's invoices, oldest first (Paigo's `customer.invoices`).

        Raises:
            NotFound: no such customer.
        """
        with self._op() as ctx:
            customer = customers.get_customer(ctx, customer_id)
            return [ctx.state.invoices[i] for i in customer.invoice_ids]

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
        now = self.clock.now()
        with self._lock:
            ctx = self._ctx(now)
            try:
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

    def record_usage_batch(
        self,
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
        with self._op(usage_only=True) as ctx:
            return ingest.record_batch(ctx, records, idempotency_keys)

    # --- invoices --------------------------------------------------------------------------------

    def create_invoice(
        self,
        *,
        customer_id: str,
        items: list[InvoiceItem],
        invoice_date: datetime | None = None,
        currency: str | None = None,
        invoice_payment_term: str | None = None,
        store_payment_as_credit: bool = False,
    ) -> Invoice:
        """Create a MANUAL invoice from caller-supplied lines (B9) and attempt payment (B10).

        Raises:
            NotFound: no such customer.
            Invalid: a negative quantity.
        """
        with self._op() as ctx:
            customer = customers.get_customer(ctx, customer_id)
            errors = []
            for i, item in enumerate(items):
                if item.quantity < 0:
                    errors.append(f"items.{i}.quantity must not be negative")
            if currency is not None and currency not in wire.CURRENCIES:
                errors.append(f"currency must be one of: {', '.join(wire.CURRENCIES)}")
            if invoice_payment_term not in (None, "", "30", "60"):
                errors.append("invoicePaymentTerm must be one of: 30, 60, or empty")
            _raise_if(errors)
            lines = [
                line(
                    item.name,
                    item.quantity,
                    item.unit_cost,
                    kind="manual",
                    description=item.description,
                )
                for item in items
            ]
            return invoicing.issue_invoice(
                ctx,
                customer,
                lines,
                invoice_type="MANUAL",
                invoice_date=invoice_date or ctx.now,
                currency=currency,
                payment_term=invoice_payment_term,
                store_payment_as_credit=store_payment_as_credit,
            )

    def retrieve_invoice(self, invoice_id: str) -> Invoice:
        """Return one invoice.

        Raises:
            NotFound: no such invoice.
        """
        with self._op() as ctx:
            return _invoice(ctx, invoice_id)

    def invoice_number(self, invoice_id: str) -> str:
        """Return the invoice's human number, `INV-<year>-<sequence>`, in order of creation.

        Raises:
            NotFound: no such invoice.
        """
        with self._op() as ctx:
            invoice = _invoice(ctx, invoice_id)
            sequence = list(ctx.state.invoices).index(invoice_id) + 1
            return f"INV-{invoice.invoice_date.year}-{sequence:05d}"

    def approve_invoice(self, invoice_id: str) -> Invoice:
        """Move a Draft invoice to Open and attempt payment (simulator extension).

        Raises:
            NotFound: no such invoice.
            Invalid: the invoice is not a Draft.
        """
        with self._op() as ctx:
            invoice = _invoice(ctx, invoice_id)
            if invoice.invoice_status != "Draft":
                raise Invalid(f"invoice {invoice_id} is {invoice.invoice_status}, not Draft")
            customer = ctx.state.customers.get(invoice.customer_id)
            if customer is None:
                invoice.invoice_status = "Open"
            else:
                open_invoice(ctx, customer, invoice, ctx.now)
            return invoice

    def void_invoice(self, invoice_id: str) -> Invoice:
        """Void an unpaid invoice; what the wallet paid on it goes back to the wallet (B10).

        A simulator extension.

        Raises:
            NotFound: no such invoice.
            Invalid: the invoice is Paid.
        """
        with self._op() as ctx:
            invoice = _invoice(ctx, invoice_id)
            if invoice.invoice_status == "Paid":
                raise Invalid(f"invoice {invoice_id} is Paid and cannot be voided")
            if invoice.invoice_status == "Voided":
                return invoice
            customer = ctx.state.customers.get(invoice.customer_id)
            if customer is not None:
                return_credit(ctx, customer, invoice, ctx.now)
            invoice.invoice_status = "Voided"
            return invoice

    def pay_invoice(self, invoice_id: str) -> Invoice:
        """Record the rest of an Open invoice as paid by other means (simulator extension).

        Raises:
            NotFound: no such invoice.
            Invalid: the invoice is not Open.
        """
        with self._op() as ctx:
            invoice = _invoice(ctx, invoice_id)
            if invoice.invoice_status != "Open":
                raise Invalid(f"invoice {invoice_id} is {invoice.invoice_status}, not Open")
            remaining = invoice.amount_remaining
            invoice.payments.append(Payment("Stripe", remaining, ctx.now, {"method": "external"}))
            invoice.amount_paid += remaining
            customer = ctx.state.customers.get(invoice.customer_id)
            if invoice.store_payment_as_credit and customer is not None:
                add_ledger_entry(
                    customer,
                    remaining,
                    ctx.now,
                    {"type": "invoicePaymentAsCredit", "invoiceId": invoice_id},
                )
            mark_paid(ctx, invoice)
            return invoice

    # --- webhooks --------------------------------------------------------------------------------

    def subscribe_webhook(
        self,
        *,
        hook_url: str,
        webhook_type: str,
        security_key: str | None = None,
        environment: str | None = None,
        offering_id: str | None = None,
    ) -> Webhook:
        """Subscribe `hook_url` to one event type (B15) and return the subscription.

        Raises:
            NotFound: `offering_id` names no offering.
        """
        with self._op() as ctx:
            errors = []
            if webhook_type not in _WEBHOOK_TYPES:
                errors.append(f"webhookType must be one of: {', '.join(_WEBHOOK_TYPES)}")
            if environment not in (None, "production", "sandbox"):
                errors.append("environment must be one of: production, sandbox")
            if not hook_url:
                errors.append("hookUrl must not be empty")
            _raise_if(errors)
            if offering_id is not None:
                catalog.get_offering(ctx.state, offering_id)
            webhook = Webhook(
                webhook_id=ctx.state.ids.uuid(),
                hook_url=hook_url,
                webhook_type=webhook_type,
                security_key=security_key,
                environment=environment or "production",
                offering_id=offering_id,
            )
            ctx.state.webhooks[webhook.webhook_id] = webhook
            return webhook

    def list_webhooks(self) -> list[Webhook]:
        """Return every subscription, oldest first."""
        with self._op() as ctx:
            return list(ctx.state.webhooks.values())

    def retrieve_webhook(self, webhook_id: str) -> Webhook:
        """Return one subscription.

        Raises:
            NotFound: no such webhook.
        """
        with self._op() as ctx:
            return _webhook(ctx, webhook_id)

    def delete_webhook(self, webhook_id: str, *, environment: str | None = None) -> Webhook:
        """Delete a subscription and return it.

        Raises:
            NotFound: no such webhook.
        """
        del environment  # one store serves both environments
        with self._op() as ctx:
            webhook = _webhook(ctx, webhook_id)
            del ctx.state.webhooks[webhook_id]
            return webhook

    def webhook_deliveries(self, *, webhook_id: str | None = None) -> list[WebhookDelivery]:
        """Return every delivery record (simulator extension), oldest first."""
        with self._op() as ctx:
            return [
                d for d in ctx.state.deliveries if webhook_id is None or d.webhook_id == webhook_id
            ]

    # --- settings --------------------------------------------------------------------------------

    def retrieve_profile(self) -> Profile:
        """Return the business profile."""
        with self._op() as ctx:
            return ctx.state.settings.profile

    def retrieve_settings(self) -> Settings:
        """Return the account settings (with the profile)."""
        with self._op() as ctx:
            return ctx.state.settings

    def update_profile(self, **fields: str | None) -> Settings:
        """Change the given profile fields (snake_case names of `Profile`) and return the settings.

        Raises:
            Invalid: an unknown field name.
        """
        with self._op() as ctx:
            profile = ctx.state.settings.profile
            unknown = [name for name in fields if name not in _PROFILE_FIELDS]
            _raise_if([f"{name} is not a profile field" for name in unknown])
            for name, value in fields.items():
                setattr(profile, name, value)
            return ctx.state.settings

    def store_invoice_image(self, image: bytes) -> None:
        """Keep `image` (PNG or JPEG bytes) as the logo printed on invoice PDFs."""
        with self._op() as ctx:
            ctx.state.settings.invoice_image = image

    def update_settings(
        self,
        *,
        tax_rate: Decimal | Unset = UNSET,
        invoice_approval: str | Unset = UNSET,
        free_dimension_on_invoice: str | Unset = UNSET,
        default_currency: str | Unset = UNSET,
        invoice_payment_term: str | Unset = UNSET,
        account_state: str | Unset = UNSET,
        invoice_generation: str | Unset = UNSET,
        generate_pdf_payment_link: bool | Unset = UNSET,
        extra: Metadata | Unset = UNSET,
    ) -> Settings:
        """Change account settings billing reads (simulator extension) and return them.

        Raises:
            Invalid: a tax rate outside 0..100 or an unknown enum value.
        """
        with self._op() as ctx:
            settings = ctx.state.settings
            errors = []
            if isinstance(tax_rate, Decimal) and not (0 <= tax_rate <= 100):
                errors.append("taxRate must be between 0 and 100")
            for name, value, allowed in (
                ("invoiceApproval", invoice_approval, wire.INVOICE_APPROVALS),
                ("freeDimensionOnInvoice", free_dimension_on_invoice, wire.FREE_DIMENSION_DISPLAYS),
                ("defaultCurrency", default_currency, wire.CURRENCIES),
                ("invoicePaymentTerm", invoice_payment_term, wire.INVOICE_PAYMENT_TERMS),
                ("accountState", account_state, wire.ACCOUNT_STATES),
                ("invoiceGeneration", invoice_generation, wire.INVOICE_GENERATIONS),
            ):
                if isinstance(value, str) and value not in allowed:
                    errors.append(f"{name} must be one of: {', '.join(allowed)}")
            _raise_if(errors)
            for name, value in _given(
                tax_rate=tax_rate,
                invoice_approval=invoice_approval,
                free_dimension_on_invoice=free_dimension_on_invoice,
                default_currency=default_currency,
                invoice_payment_term=invoice_payment_term,
                account_state=account_state,
                invoice_generation=invoice_generation,
                generate_pdf_payment_link=generate_pdf_payment_link,
            ).items():
                setattr(settings, name, value)
            if not isinstance(extra, Unset):
                settings.extra.update(copy.deepcopy(extra))
            return settings

    # --- simulator extensions --------------------------------------------------------------------

    def close_due_cycles(self) -> list[Invoice]:
        """Close every cycle and top-up bucket whose end is at or before now (B14).

        Returns the invoices issued, in order. Cheap when nothing is due.
        """
        with self._op(catch_up=False) as ctx:
            return close_due(ctx)

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
                count = invoicing.count_due(self._ctx(moment), moment, limit)
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

    def create_period_invoice(self, customer_id: str, *, start: datetime, end: datetime) -> Invoice:
        """Invoice the customer's arrear usage in `[start, end)` as a cycle would (B9 extension).

        Raises:
            NotFound: no such customer.
            Invalid: `end` not after `start`, or `end` after now.
        """
        with self._op() as ctx:
            customer = customers.get_customer(ctx, customer_id)
            errors = []
            if end <= start:
                errors.append("end must be after start")
            if end > ctx.now:
                errors.append("end must not be in the future")
            _raise_if(errors)
            lines = _arrear_for(ctx, customer, start, end, commit=True)
            return invoicing.issue_invoice(
                ctx,
                customer,
                lines,
                invoice_type="MANUAL",
                invoice_date=ctx.now,
                period=(start, end),
            )

    def preview_invoice(self, customer_id: str) -> Invoice:
        """Return the invoice the customer would get if its open cycles closed now; bills nothing.

        Raises:
            NotFound: no such customer.
        """
        with self._op() as ctx:
            customer = customers.get_customer(ctx, customer_id)
            lines: list[InvoiceLine] = []
            starts: list[datetime] = []
            for enrollment in customer.active_enrollments:
                offering = ctx.state.offerings.get(enrollment.offering_id)
                if offering is None or offering.billing_cycle == "topUp":
                    continue
                start = max(
                    enrollment.cycle_start or enrollment.enrollment_date, enrollment.enrollment_date
                )
                starts.append(start)
                # Everything recorded in the open cycle so far, including records up to the
                # accepted 5 minutes ahead of the clock.
                end = enrollment.cycle_end or ctx.now + timedelta(
                    seconds=ctx.options.future_tolerance_seconds
                )
                if end > start:
                    lines += invoicing.arrear_lines(
                        ctx,
                        customer,
                        enrollment,
                        offering,
                        (start, end),
                        commit=False,
                        minimum=enrollment.cycle_end is not None,
                    )
            return invoicing.build_invoice(
                ctx,
                customer,
                lines,
                invoice_id="preview",
                invoice_type="RECURRING",
                invoice_date=ctx.now,
                period=(min(starts), ctx.now) if starts else None,
            )

    def usage_records(
        self, *, customer_id: str | None = None, dimension_id: str | None = None
    ) -> list[UsageRecordView]:
        """Return stored records, per (customer, dimension) in arrival order."""
        with self._op() as ctx:
            return usage_view.record_views(ctx, customer_id=customer_id, dimension_id=dimension_id)

    def late_records(self, *, customer_id: str | None = None) -> list[UsageRecordView]:
        """Return records that arrived for an already invoiced period (B9); never billed."""
        with self._op() as ctx:
            return usage_view.record_views(ctx, customer_id=customer_id, late_only=True)

    def unmatched_records(self, *, customer_id: str | None = None) -> list[UsageRecordView]:
        """Return records of metadata-grouped dimensions that match no group (B3); never billed."""
        with self._op() as ctx:
            return usage_view.unmatched_views(ctx, customer_id=customer_id)

    def entitlement_excess(self, *, customer_id: str | None = None) -> list[EntitlementExcess]:
        """Return usage beyond entitlements that was not billed (B6), closed and open periods."""
        with self._op() as ctx:
            found = [
                e for e in ctx.state.excess if customer_id is None or e.customer_id == customer_id
            ]
            return found + _open_excess(ctx, customer_id)

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
            return pickle.dumps(self._state, protocol=pickle.HIGHEST_PROTOCOL)

    def import_state(self, data: bytes) -> None:
        """Replace the state with one returned by `export_state` (from a trusted source).

        Raises:
            ValueError: when `data` does not hold an engine state; the state is unchanged.
        """
        try:
            state = pickle.loads(data)  # the simulator's own bytes (see simulator.snapshots)
        except Exception as exc:
            raise ValueError(f"not a simulator state: {type(exc).__name__}: {exc}") from exc
        if not isinstance(state, State):
            raise ValueError(f"not a simulator state: a {type(state).__name__}")
        with self._lock:
            self._followups.clear()
            self._state = state

    def reset(self) -> None:
        """Forget everything, as a new engine with the same seed, clock and options."""
        with self._lock:
            self._followups.clear()
            self._state = _new_state(self.seed)
