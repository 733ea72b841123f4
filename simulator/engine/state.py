"""The engine's state: one dataclass per Paigo entity, held by `State`, copied for snapshots."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from simulator import wire
from simulator.engine.events import WebhookEvent
from simulator.engine.ids import IdFactory

if TYPE_CHECKING:
    from simulator.engine.metering import UsageStore

__all__ = [
    "INFINITY",
    "UNSET",
    "Address",
    "ChildLink",
    "ConsumptionUnit",
    "Customer",
    "DeliveryAttempt",
    "Dimension",
    "DimensionOverride",
    "Discount",
    "EngineOptions",
    "Enrollment",
    "EnrollmentUsage",
    "EntitlementExcess",
    "Invoice",
    "InvoiceItem",
    "InvoiceLine",
    "LedgerEntry",
    "Measurement",
    "Offering",
    "Overrides",
    "OverridesUpdate",
    "Payment",
    "Profile",
    "RawUsage",
    "Refund",
    "Settings",
    "State",
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
]


class Unset(enum.Enum):
    """The type of `UNSET`: a field an update did not mention (`None` means it was sent as null)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset.UNSET
"""Default of every optional argument of an update method: leave the stored value unchanged."""

INFINITY: Final = Decimal("Infinity")
"""The wire value `"inf"` (tier `upperBound`, `usageEntitlement`); the only non-finite value."""

# Wire enums, spelled as Paigo spells them. Fields hold plain `str` so the API layer can pass
# validated strings straight through.
# Defined once, in `simulator.wire`.
Rounding = wire.Rounding
AggregationMethod = wire.AggregationMethod
Interval = wire.Interval
InvoiceStatus = wire.InvoiceStatus
InvoiceType = wire.InvoiceType


# --- catalog -------------------------------------------------------------------------------------


@dataclass(slots=True)
class ConsumptionUnit:
    """A dimension's unit: `type` is count/time/data and `unit` e.g. "count-based", "minute"."""

    type: str
    unit: str


@dataclass(slots=True)
class Tier:
    """One graduated price tier (B5); `upper_bound` may be `INFINITY` on the last position only."""

    tier_position: int
    upper_bound: Decimal
    unit_price: Decimal | None = None
    tier_name: str | None = None


@dataclass(slots=True)
class TierGroup:
    """Tiers applied to the records whose metadata holds every pair of `metadata_groups` (B3)."""

    metadata_groups: dict[str, Any]
    tiers: list[Tier]


@dataclass(slots=True)
class DimensionOverride:
    """A price override for one dimension, on an offering or an enrollment (B7 precedence)."""

    dimension_id: str
    consumption_price: Decimal | None = None
    tiers: list[Tier] | None = None
    tiers_group_by_metadata: list[TierGroup] | None = None


@dataclass(slots=True)
class Dimension:
    """A billable metric and its price (Paigo's CreateDimension plus its id)."""

    dimension_id: str
    dimension_name: str
    consumption_unit: ConsumptionUnit
    usage_increment: Decimal
    rounding: str
    usage_entitlement: Decimal | None = None
    overage_allowed: bool | None = None
    consumption_price: Decimal | None = None
    aggregation_interval: str = "hour"
    aggregation_method: str = "max"
    measurement_id: str | None = None
    sample_type: str | None = None
    payment_schedule: str = "arrear"
    metadata: dict[str, Any] = field(default_factory=dict)
    tiers: list[Tier] | None = None
    tiers_group_by_metadata: list[TierGroup] | None = None

    @property
    def is_tiered(self) -> bool:
        """Whether the dimension's own price is tiered (B5) rather than flat."""
        return bool(self.tiers) or bool(self.tiers_group_by_metadata)


@dataclass(slots=True)
class Offering:
    """A plan: dimensions, optional subscription price, cycle, credits and overrides."""

    offering_id: str
    offering_name: str
    offering_type: str = "usage-based"
    subscription_price: Decimal | None = None
    billing_cycle: str | None = "monthly"
    """`monthly`, `annualToDate`, `topUp`, or None for no automatic billing."""
    currency: str = "USD"
    dimension_ids: list[str] = field(default_factory=list)
    dimension_overrides: list[DimensionOverride] = field(default_factory=list)
    offering_visibility: str = "public"
    prepaid_credit: Decimal | None = None
    minimum_charge: Decimal | None = None
    top_up_amount: Decimal | None = None
    top_up_threshold: Decimal | None = None
    free_trial_length: int | None = None
    """Days from enrollment."""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Measurement:
    """An automatic-metering configuration; stored and returned, never run."""

    measurement_id: str
    measurement_mode: str
    measurement_configuration: dict[str, Any]
    measurement_name: str | None = None


# --- customers -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Address:
    """A customer's postal address."""

    country_code: str
    postal_code: str
    city: str
    street_line_one: str
    state: str
    street_line_two: str | None = None


@dataclass(slots=True)
class Discount:
    """A percentage off every invoice dated before `end_date` (B8)."""

    name: str
    percentage: Decimal
    end_date: datetime | None = None


@dataclass(slots=True)
class Overrides:
    """An enrollment's overrides (Paigo's CustomOverrides)."""

    discount: Discount | None = None
    dimension_overrides: list[DimensionOverride] = field(default_factory=list)
    free_trial_end_date: datetime | None = None


@dataclass(slots=True)
class OverridesUpdate:
    """The overrides an enrollment update sends; UNSET fields keep their stored value."""

    discount: Discount | None | Unset = UNSET
    dimension_overrides: list[DimensionOverride] | None | Unset = UNSET
    free_trial_end_date: datetime | None | Unset = UNSET


@dataclass(slots=True)
class EnrollmentUsage:
    """An initial usage value sent with an enrollment (seats bought, for instance)."""

    dimension_id: str
    record_value: Decimal
    metadata: dict[str, Any] | None = None
    timestamp: datetime | None = None


@dataclass(slots=True)
class Enrollment:
    """A customer's enrollment in one offering, from `enrollment_date` until `ended_at`."""

    enrollment_id: str
    offering_id: str
    enrollment_date: datetime
    overrides: Overrides = field(default_factory=Overrides)
    free_trial_start_date: datetime | None = None
    free_trial_end_date: datetime | None = None
    ended_at: datetime | None = None
    cycle_start: datetime | None = None
    """Start of the open billing cycle (B7); None for offerings without a time cycle."""
    cycle_end: datetime | None = None
    """End of the open billing cycle: the next boundary at which this enrollment is invoiced."""
    subscription_paid: Decimal = Decimal(0)
    """Fraction of the open cycle's subscription price that was invoiced (B7 plan-change credit)."""
    entitlement_fired: dict[str, int] = field(default_factory=dict)
    """Per dimension id, the highest ENTITLEMENT threshold (80, 100) fired this cycle (B6)."""
    topup_processed: dict[str, datetime] = field(default_factory=dict)
    """For top-up offerings, per dimension id, the end of the last bucket debited (B11)."""
    topup_due: datetime | None = None
    """For top-up offerings, the end of the earliest bucket with usage not yet debited (B11)."""
    topup_carry: dict[str, Decimal] = field(default_factory=dict)
    """For top-up offerings, per dimension id, the exact usage cost not yet debited because
    debits are whole cents: always under half a cent either way (B1, B11)."""

    @property
    def active(self) -> bool:
        """Whether the enrollment has not ended."""
        return self.ended_at is None


@dataclass(slots=True)
class ChildLink:
    """A parent-child relation between two customers."""

    child_id: str
    parent_id: str
    bill_parent: str = "separate"


@dataclass(slots=True)
class LedgerEntry:
    """One wallet transaction (B10); the balance is the sum of the ledger."""

    transaction_amount: Decimal
    timestamp: datetime
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Refund:
    """A simulated Stripe refund (amounts are strings on the wire, Decimals here)."""

    refund_id: str
    amount: Decimal
    amount_refunded: Decimal
    charge_id: str
    payment_intent_id: str
    currency: str
    status: str
    reason: str
    created: datetime
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class StripePayment:
    """A simulated Stripe PaymentIntent, as listed by `GET /customers/{id}/payments`."""

    payment_intents_id: str
    charge_id: str
    invoice_id: str
    amount: Decimal
    currency: str
    status: str
    """"succeeded" or "failed"."""
    created: datetime
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Customer:
    """A customer with its enrollments, wallet and invoices."""

    customer_id: str
    customer_name: str
    email: str
    payment_channel: str
    created_at: datetime
    ordinal: int
    """Creation order; used to process customers deterministically (B14)."""
    payment_channel_options: dict[str, Any] = field(default_factory=dict)
    currency: str = "USD"
    tax_exempt: str = "none"
    customer_vat_id: str | None = None
    address: Address | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    enrollments: list[Enrollment] = field(default_factory=list)
    children: list[ChildLink] = field(default_factory=list)
    parent: ChildLink | None = None
    ledger: list[LedgerEntry] = field(default_factory=list)
    balance: Decimal = Decimal(0)
    """The wallet balance: always the sum of `ledger` (B10)."""
    invoice_ids: list[str] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    stripe_payments: list[StripePayment] = field(default_factory=list)
    next_due: datetime | None = None
    """The earliest cycle boundary or top-up bucket end at which this customer must be billed."""
    billed: dict[str, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    """Per dimension id, the half-open periods already invoiced (B9 late records)."""

    @property
    def active_enrollments(self) -> list[Enrollment]:
        """The enrollments that have not ended, oldest first."""
        return [e for e in self.enrollments if e.ended_at is None]

    @property
    def current_enrollment(self) -> Enrollment | None:
        """The most recent active enrollment, as Paigo's deprecated `offeringId` reports it."""
        active = self.active_enrollments
        return active[-1] if active else None

    @property
    def discount(self) -> Discount | None:
        """The discount of the current enrollment, if any (Paigo's `discount` field)."""
        current = self.current_enrollment
        return current.overrides.discount if current is not None else None

    @property
    def stripe_customer_id(self) -> str | None:
        """The Stripe customer id from `paymentChannelOptions`, if any."""
        value = self.payment_channel_options.get("stripeCustomerId")
        return value if isinstance(value, str) and value else None


# --- invoices ------------------------------------------------------------------------------------


@dataclass(slots=True)
class InvoiceItem:
    """A caller-supplied line for `POST /invoices`."""

    name: str
    quantity: Decimal
    unit_cost: Decimal
    description: str | None = None


@dataclass(slots=True)
class InvoiceLine:
    """One invoice line; `amount` is `quantity x unit_cost` rounded once to 2 dp (B1).

    `kind` is "usage", "subscription", "upfront", "overage", "minimum", "discount", "manual" or
    "topup"; `dimension_id` and `offering_id` say where a generated line came from.
    """

    name: str
    quantity: Decimal
    unit_cost: Decimal
    amount: Decimal
    kind: str = "usage"
    description: str | None = None
    dimension_id: str | None = None
    offering_id: str | None = None


@dataclass(slots=True)
class Payment:
    """A payment applied to an invoice: `type` is "Credit" or "Stripe" (B10)."""

    type: str
    transaction_amount: Decimal
    timestamp: datetime
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Invoice:
    """An invoice with its lines, totals and payments (B8, B9)."""

    invoice_id: str
    customer_id: str
    invoice_status: str
    invoice_type: str
    invoice_date: datetime
    currency: str = "USD"
    invoice_payment_term: str = ""
    line_items: list[InvoiceLine] = field(default_factory=list)
    total_amount_without_tax: Decimal = Decimal("0.00")
    tax_amount: Decimal = Decimal("0.00")
    amount_paid: Decimal = Decimal("0.00")
    payments: list[Payment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    store_payment_as_credit: bool = False
    period_start: datetime | None = None
    period_end: datetime | None = None
    due_date: datetime | None = None
    communication_history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total_due(self) -> Decimal:
        """Total with tax: what payment must cover."""
        return self.total_amount_without_tax + self.tax_amount

    @property
    def amount_remaining(self) -> Decimal:
        """What is still unpaid."""
        return self.total_due - self.amount_paid


# --- usage ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class UsageInput:
    """One usage record to ingest (an element of `record_usage_batch`)."""

    customer_id: str
    dimension_id: str
    record_value: Decimal
    timestamp: datetime
    metadata: dict[str, Any] | None = None


@dataclass(slots=True, frozen=True)
class UsageResult:
    """The outcome of accepting one usage record: replayed or created, and any B12 invoice id."""

    replayed: bool
    invoice_id: str | None = None


@dataclass(slots=True, frozen=True)
class RawUsage:
    """One stored record as the usage view shows it (B13, `aggregationInterval=none`)."""

    timestamp: datetime
    record_value: Decimal
    metadata: dict[str, Any]


@dataclass(slots=True, frozen=True)
class UsageBucket:
    """One aggregated bucket of the usage view (B13): the method's value before rounding."""

    value: Decimal
    start_time: datetime
    end_time: datetime
    metadata_group: dict[str, Any] | None = None


@dataclass(slots=True)
class UsageSeries:
    """The usage view of one dimension: `records` when raw, else `buckets`."""

    dimension_id: str
    offering_id: str | None
    raw: bool
    records: list[RawUsage] = field(default_factory=list)
    buckets: list[UsageBucket] = field(default_factory=list)


@dataclass(slots=True, frozen=True)
class UsageRecordView:
    """A stored record for inspection (simulator extension): late/unmatched reports and listings."""

    customer_id: str
    dimension_id: str
    timestamp: datetime
    record_value: Decimal
    metadata: dict[str, Any]
    sequence: int
    """Arrival order within its (customer, dimension)."""


@dataclass(slots=True, frozen=True)
class EntitlementExcess:
    """Usage beyond an entitlement with `overageAllowed = "false"`, not billed (B6)."""

    customer_id: str
    offering_id: str
    dimension_id: str
    period_start: datetime
    period_end: datetime
    entitled_increments: Decimal
    used_increments: Decimal
    excess_increments: Decimal
    closed: bool
    """True once the period was invoiced; False for the open cycle (a live figure)."""


# --- webhooks ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Webhook:
    """A webhook subscription."""

    webhook_id: str
    hook_url: str
    webhook_type: str
    security_key: str | None = field(default=None, repr=False)
    environment: str = "production"
    offering_id: str | None = None


@dataclass(slots=True)
class DeliveryAttempt:
    """One attempt to POST a delivery; written by the dispatcher."""

    at: datetime
    status_code: int | None = None
    error: str | None = None
    attempt: int = 0
    """1-based number of the try, as the dispatcher counts it (0: not given)."""
    resend: bool = False
    """Asked for by a resend, outside the retry schedule."""


@dataclass(slots=True)
class WebhookDelivery:
    """One event for one subscription (B15): the fact (`event`), and how sending it went.

    `status` is "pending" until a dispatcher marks it "delivered" or "failed"; while it is
    pending, `next_attempt_at` is the simulator time of the next try (None: not scheduled yet).
    """

    delivery_id: str
    webhook_id: str
    hook_url: str
    webhook_type: str
    event: WebhookEvent
    created_at: datetime
    security_key: str | None = field(default=None, repr=False)
    status: str = "pending"
    attempts: list[DeliveryAttempt] = field(default_factory=list)
    next_attempt_at: datetime | None = None
    triggered: bool = False
    """Made by `trigger` (a test's request), not by something that happened in the account."""


# --- settings ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Profile:
    """The business profile (`GET /settings/profile`)."""

    business_name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postal_code: str | None = None
    support_email: str | None = None
    send_invoice_email: str | None = None
    stripe_account_id: str | None = None
    redirection_url: str | None = None


@dataclass(slots=True)
class Settings:
    """Account settings that billing reads (B8, B9), plus the profile and any other stored keys."""

    profile: Profile = field(default_factory=Profile)
    account_state: str = "production"
    invoice_approval: str = "automatic"
    invoice_generation: str = "consolidatedPerBillingCycle"
    free_dimension_on_invoice: str = "show"
    default_currency: str = "USD"
    tax_rate: Decimal = Decimal(0)
    """Percent, e.g. Decimal("8.25")."""
    invoice_payment_term: str = ""
    generate_pdf_payment_link: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    """Other account settings (vatId, logoUrl, ...), stored as given (camelCase keys)."""
    invoice_image: bytes | None = None
    """The logo uploaded with `POST /settings/invoiceImage` (PNG or JPEG bytes), shown on PDFs."""


PeriodQuantities = Callable[[str, str, list[tuple[int, int]]], dict[int | None, int]]
"""`(customer id, dimension id, windows) -> period quantity per tier group`: what
`aggregation.quantities` returns for the records of the half-open windows (microseconds), keyed
by the index of the price's metadata group (None without groups); a group without buckets is
absent (B3, B4)."""

LatestValues = Callable[[str, str, int], "tuple[Decimal, dict[str, Any]] | None"]
"""`(customer id, dimension id, moment) -> (value, metadata)` of the record with the latest
timestamp before the moment (microseconds; ties: the last to arrive), or None without one: the
value an upfront dimension is priced on when the moment's upfront items are billed (B4, B7)."""


@dataclass(slots=True)
class EngineOptions:
    """Simulator-only behaviour, not part of Paigo; not affected by snapshot/restore."""

    deduplication: bool = True
    """B2: honour idempotency keys; False models a server that double-counts."""
    array_batches: bool = False
    """B2: accept `record_usage_batch` (JSON array bodies)."""
    fail_stripe_charges: bool = False
    """B10: every simulated Stripe charge fails."""
    fail_stripe_charges_for: set[str] = field(default_factory=set)
    """B10: customer ids whose simulated Stripe charges fail."""
    future_tolerance_seconds: int = 300
    """B2: how far ahead of the clock a usage timestamp may be."""
    max_closings_per_move: int = 10_000
    """B14: the most billing cycles (and top-up runs) one clock move may close; a move that
    would close more is refused before the clock changes."""
    usage_lag: timedelta = timedelta(0)
    """B13 extension: how long after its arrival, on the simulator's clock, a usage record shows
    in the usage view (`simulator.engine.visibility`); zero shows it at once."""
    period_quantities: PeriodQuantities | None = None
    """B3, B4: when set, the arrear quantities of each closing cycle are asked of it instead of
    aggregated from stored records; prices usage aggregated elsewhere (what-if)."""
    latest_values: LatestValues | None = None
    """B4, B7: when set, the value each upfront dimension is priced on is asked of it instead of
    read from the latest stored record; prices usage kept elsewhere (what-if)."""


# --- the whole state -----------------------------------------------------------------------------


@dataclass(slots=True)
class State:
    """Everything the engine knows; a snapshot is a deep copy of one of these."""

    ids: IdFactory
    usage: UsageStore
    dimensions: dict[str, Dimension] = field(default_factory=dict)
    offerings: dict[str, Offering] = field(default_factory=dict)
    measurements: dict[str, Measurement] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    invoices: dict[str, Invoice] = field(default_factory=dict)
    webhooks: dict[str, Webhook] = field(default_factory=dict)
    deliveries: list[WebhookDelivery] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    excess: list[EntitlementExcess] = field(default_factory=list)
    due: list[tuple[datetime, int, str]] = field(default_factory=list)
    """Heap of (due time, customer ordinal, customer id) for `close_due_cycles` (B14)."""
    customer_counter: int = 0
    replays: dict[tuple[str, str], str] = field(default_factory=dict)
    """(customer id, idempotency key) -> invoice id for B12 records, so a replay returns it."""
    arrivals: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)
    """(customer id, dimension id) -> [(arrival time in µs, index of the write's first record)],
    noted while a usage lag is set (`simulator.engine.visibility`)."""
