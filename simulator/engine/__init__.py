"""The billing engine: Paigo's state and rules, with no knowledge of HTTP."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from simulator.clock import Clock
from simulator.engine.errors import Conflict, EngineError, Invalid, NotFound
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
from simulator.engine.webhooks import RecordingDispatcher, WebhookDispatcher

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


class EngineSnapshot:
    """An opaque deep copy of the engine's state, for `Engine.restore`."""


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
        raise NotImplementedError

    def list_dimensions(self) -> list[Dimension]:
        """Return every dimension, oldest first."""
        raise NotImplementedError

    def retrieve_dimension(self, dimension_id: str) -> Dimension:
        """Return one dimension.

        Raises:
            NotFound: no such dimension.
        """
        raise NotImplementedError

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
        raise NotImplementedError

    def delete_dimension(self, dimension_id: str) -> Dimension:
        """Delete a dimension and return what was deleted.

        Raises:
            NotFound: no such dimension.
            Conflict: offerings still use it (`Conflict("dimension", offering_ids)`).
        """
        raise NotImplementedError

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
        raise NotImplementedError

    def list_offerings(self) -> list[Offering]:
        """Return every offering, oldest first."""
        raise NotImplementedError

    def retrieve_offering(self, offering_id: str) -> Offering:
        """Return one offering.

        Raises:
            NotFound: no such offering.
        """
        raise NotImplementedError

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
        raise NotImplementedError

    def delete_offering(self, offering_id: str) -> Offering:
        """Delete an offering and return what was deleted.

        Raises:
            NotFound: no such offering.
            Conflict: customers are enrolled in it (`Conflict("offering", customer_ids)`).
        """
        raise NotImplementedError

    # --- measurements ----------------------------------------------------------------------------

    def create_measurement(
        self,
        *,
        measurement_mode: str,
        measurement_configuration: Metadata,
        measurement_name: str | None = None,
    ) -> Measurement:
        """Store a measurement configuration and return it (no metering runs)."""
        raise NotImplementedError

    def list_measurements(self) -> list[Measurement]:
        """Return every measurement, oldest first."""
        raise NotImplementedError

    def retrieve_measurement(self, measurement_id: str) -> Measurement:
        """Return one measurement.

        Raises:
            NotFound: no such measurement.
        """
        raise NotImplementedError

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
        raise NotImplementedError

    def delete_measurement(self, measurement_id: str) -> Measurement:
        """Delete a measurement and return it.

        Raises:
            NotFound: no such measurement.
            Invalid: a dimension still refers to it.
        """
        raise NotImplementedError

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
        raise NotImplementedError

    def list_customers(self) -> list[Customer]:
        """Return every customer, oldest first."""
        raise NotImplementedError

    def retrieve_customer(self, customer_id: str) -> Customer:
        """Return one customer.

        Raises:
            NotFound: no such customer.
        """
        raise NotImplementedError

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
        raise NotImplementedError

    def delete_customer(self, customer_id: str) -> Customer:
        """Delete a customer with its enrollments and usage; its invoices stay readable by id.

        Raises:
            NotFound: no such customer.
        """
        raise NotImplementedError

    def list_enrollments(self, customer_id: str) -> list[Enrollment]:
        """Return the customer's active enrollments, oldest first (empty when not enrolled).

        Raises:
            NotFound: no such customer.
        """
        raise NotImplementedError

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
        raise NotImplementedError

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
        raise NotImplementedError

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
        raise NotImplementedError

    def create_portal_token_subject(self, customer_id: str) -> str:
        """Return the subject a customer portal token is minted for (the customer id).

        Raises:
            NotFound: no such customer.
        """
        raise NotImplementedError

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
        raise NotImplementedError

    def list_transactions(self, customer_id: str) -> list[LedgerEntry]:
        """Return the customer's wallet ledger, oldest first.

        Raises:
            NotFound: no such customer.
        """
        raise NotImplementedError

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
        raise NotImplementedError

    def list_refunds(self, customer_id: str) -> list[Refund]:
        """Return the customer's refunds.

        Raises:
            NotFound: no such customer.
            Invalid: a `manual` customer.
        """
        raise NotImplementedError

    def list_payments(
        self, customer_id: str, *, invoice_id: str | None = None
    ) -> list[StripePayment]:
        """Return the customer's simulated Stripe payments, optionally for one invoice.

        Raises:
            NotFound: no such customer.
            Invalid: a `manual` customer.
        """
        raise NotImplementedError

    def stripe_portal(self, customer_id: str) -> str:
        """Return a (fake) Stripe billing-portal URL for the customer.

        Raises:
            NotFound: no such customer.
            Invalid: a `manual` customer.
        """
        raise NotImplementedError

    def add_child(
        self, customer_id: str, child_id: str, *, bill_parent: str | None = None
    ) -> ChildLink:
        """Make `child_id` a child of `customer_id` and return the link.

        Raises:
            Invalid: either customer is missing, they are the same, or the child has a parent.
        """
        raise NotImplementedError

    def update_child(
        self, customer_id: str, child_id: str, *, bill_parent: str | None = None
    ) -> ChildLink:
        """Change how a child is billed and return the link.

        Raises:
            Invalid: no such parent-child link.
        """
        raise NotImplementedError

    def remove_child(self, customer_id: str, child_id: str) -> ChildLink:
        """Remove a parent-child link and return it.

        Raises:
            Invalid: no such parent-child link.
        """
        raise NotImplementedError

    def list_customer_invoices(self, customer_id: str) -> list[Invoice]:
        """Return the customer's invoices, oldest first (Paigo's `customer.invoices`).

        Raises:
            NotFound: no such customer.
        """
        raise NotImplementedError

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
        raise NotImplementedError

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
        raise NotImplementedError

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
        raise NotImplementedError

    def retrieve_invoice(self, invoice_id: str) -> Invoice:
        """Return one invoice.

        Raises:
            NotFound: no such invoice.
        """
        raise NotImplementedError

    def approve_invoice(self, invoice_id: str) -> Invoice:
        """Move a Draft invoice to Open and attempt payment (simulator extension).

        Raises:
            NotFound: no such invoice.
            Invalid: the invoice is not a Draft.
        """
        raise NotImplementedError

    def void_invoice(self, invoice_id: str) -> Invoice:
        """Void an unpaid invoice (simulator extension).

        Raises:
            NotFound: no such invoice.
            Invalid: the invoice is Paid.
        """
        raise NotImplementedError

    def pay_invoice(self, invoice_id: str) -> Invoice:
        """Record the rest of an Open invoice as paid by other means (simulator extension).

        Raises:
            NotFound: no such invoice.
            Invalid: the invoice is not Open.
        """
        raise NotImplementedError

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
        raise NotImplementedError

    def list_webhooks(self) -> list[Webhook]:
        """Return every subscription, oldest first."""
        raise NotImplementedError

    def retrieve_webhook(self, webhook_id: str) -> Webhook:
        """Return one subscription.

        Raises:
            NotFound: no such webhook.
        """
        raise NotImplementedError

    def delete_webhook(self, webhook_id: str, *, environment: str | None = None) -> Webhook:
        """Delete a subscription and return it.

        Raises:
            NotFound: no such webhook.
        """
        raise NotImplementedError

    def webhook_deliveries(self, *, webhook_id: str | None = None) -> list[WebhookDelivery]:
        """Return every delivery record (simulator extension), oldest first."""
        raise NotImplementedError

    # --- settings --------------------------------------------------------------------------------

    def retrieve_profile(self) -> Profile:
        """Return the business profile."""
        raise NotImplementedError

    def retrieve_settings(self) -> Settings:
        """Return the account settings (with the profile)."""
        raise NotImplementedError

    def update_profile(self, **fields: str | None) -> Settings:
        """Change the given profile fields (snake_case names of `Profile`) and return the settings.

        Raises:
            Invalid: an unknown field name.
        """
        raise NotImplementedError

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
        raise NotImplementedError

    # --- simulator extensions --------------------------------------------------------------------

    def close_due_cycles(self) -> list[Invoice]:
        """Close every cycle and top-up bucket whose end is at or before now (B14).

        Returns the invoices issued, in order. Cheap when nothing is due.
        """
        raise NotImplementedError

    def create_period_invoice(self, customer_id: str, *, start: datetime, end: datetime) -> Invoice:
        """Invoice the customer's arrear usage in `[start, end)` as a cycle would (B9 extension).

        Raises:
            NotFound: no such customer.
            Invalid: `end` not after `start`, or `end` after now.
        """
        raise NotImplementedError

    def preview_invoice(self, customer_id: str) -> Invoice:
        """Return the invoice the customer would get if its open cycles closed now; bills nothing.

        Raises:
            NotFound: no such customer.
        """
        raise NotImplementedError

    def usage_records(
        self, *, customer_id: str | None = None, dimension_id: str | None = None
    ) -> list[UsageRecordView]:
        """Return stored records, per (customer, dimension) in arrival order."""
        raise NotImplementedError

    def late_records(self, *, customer_id: str | None = None) -> list[UsageRecordView]:
        """Return records that arrived for an already invoiced period (B9); never billed."""
        raise NotImplementedError

    def unmatched_records(self, *, customer_id: str | None = None) -> list[UsageRecordView]:
        """Return records of metadata-grouped dimensions that match no group (B3); never billed."""
        raise NotImplementedError

    def entitlement_excess(self, *, customer_id: str | None = None) -> list[EntitlementExcess]:
        """Return usage beyond entitlements that was not billed (B6), closed and open periods."""
        raise NotImplementedError

    def snapshot(self) -> EngineSnapshot:
        """Return an opaque deep copy of the whole state (not of `options`)."""
        raise NotImplementedError

    def restore(self, snapshot: EngineSnapshot) -> None:
        """Replace the state with a copy of `snapshot`."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget everything, as a new engine with the same seed, clock and options."""
        raise NotImplementedError
