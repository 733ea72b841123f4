"""Customers, enrollments and plan changes, free trials, children, transactions and refunds (B7)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from simulator import wire
from simulator.engine.catalog import CURRENCIES, check_overrides, get_dimension, get_offering
from simulator.engine.context import Ctx
from simulator.engine.errors import Invalid, NotFound
from simulator.engine.invoicing import (
    arrear_lines,
    cycle_bounds,
    issue_invoice,
    paid_days,
    schedule,
    upfront_lines,
)
from simulator.engine.numbers import EXACT
from simulator.engine.pricing import money_ratio
from simulator.engine.state import (
    UNSET,
    Customer,
    Enrollment,
    EnrollmentUsage,
    Invoice,
    InvoiceLine,
    Offering,
    Overrides,
    OverridesUpdate,
    Unset,
)
from simulator.engine.topups import finish_topups, issue_topup
from simulator.engine.wallet import add_ledger_entry, apply_credit, payer_of

__all__ = [
    "EnrollmentPlan",
    "apply_enrollment_plan",
    "check_usage",
    "get_customer",
    "plan_enrollment_change",
    "to_millisecond",
]

PAYMENT_CHANNELS = wire.PAYMENT_CHANNELS
TAX_EXEMPT = wire.TAX_EXEMPTIONS


def to_millisecond(moment: datetime) -> datetime:
    """Return `moment` cut to the start of its millisecond (B14).

    Enrollment changes happen at millisecond instants, the precision of every timestamp Paigo's
    API writes: an enrollment read back as `12:00:00.123Z` starts at 12:00:00.123000, so a record
    sent with that same timestamp belongs to it, and one sent for the millisecond of an
    unenrollment belongs to whatever follows.
    """
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)


def get_customer(ctx: Ctx, customer_id: str) -> Customer:
    """Return a customer.

    Raises:
        NotFound: no such customer.
    """
    found = ctx.state.customers.get(customer_id)
    if found is None:
        raise NotFound("customer", customer_id)
    return found


def check_usage(ctx: Ctx, usage: list[EnrollmentUsage]) -> list[str]:
    """Return the rule violations of an enrollment's usage list: repeated dimension ids.

    Raises:
        NotFound: a dimension does not exist.
    """
    errors: list[str] = []
    seen: set[str] = set()
    for item in usage:
        get_dimension(ctx.state, item.dimension_id)
        if item.dimension_id in seen:
            errors.append(f"usage.dimensionId must be unique ({item.dimension_id})")
        seen.add(item.dimension_id)
        if item.timestamp is not None and item.timestamp > ctx.now + timedelta(
            seconds=ctx.options.future_tolerance_seconds
        ):
            errors.append("usage.timestamp must not be more than 5 minutes in the future")
    return errors


def check_overrides_update(
    ctx: Ctx, update: OverridesUpdate, offering: Offering | None
) -> list[str]:
    """Return the rule violations of an overrides update (discount 0..100, B7 structure).

    Raises:
        NotFound: an override names no dimension.
    """
    errors: list[str] = []
    discount = update.discount
    if not isinstance(discount, Unset) and discount is not None:
        if not (0 <= discount.percentage <= 100):
            errors.append("overrides.discount.percentage must be between 0 and 100")
        if not discount.name:
            errors.append("overrides.discount.name must not be empty")
    if isinstance(update.dimension_overrides, list):
        allowed = offering.dimension_ids if offering is not None else None
        errors += check_overrides(
            ctx.state, update.dimension_overrides, "overrides.dimensionOverrides", allowed
        )
    trial_end = update.free_trial_end_date
    if isinstance(trial_end, datetime) and trial_end <= ctx.now:
        errors.append("overrides.freeTrialEndDate must be in the future")
    return errors


@dataclass(slots=True)
class EnrollmentPlan:
    """A validated enrollment change, applied by `apply_enrollment_plan` without failing."""

    customer: Customer
    at: datetime
    enroll: Offering | None = None
    end: list[Enrollment] = field(default_factory=list)
    credit_unused: bool = False
    overrides: OverridesUpdate | None | Unset = UNSET
    usage: list[EnrollmentUsage] = field(default_factory=list)


def plan_enrollment_change(
    ctx: Ctx,
    customer: Customer,
    *,
    offering_id: str | None | Unset = UNSET,
    remove_prior_offering: bool | Unset = UNSET,
    unenroll_offering: str | Unset = UNSET,
    overrides: OverridesUpdate | None | Unset = UNSET,
    usage: list[EnrollmentUsage] | Unset = UNSET,
    enrollment_date: datetime | None = None,
) -> EnrollmentPlan:
    """Validate an enrollment change and say what it will do (B7); change nothing.

    Raises:
        Invalid: a rule of API notes section 3 is broken.
        NotFound: an offering or dimension does not exist.
    """
    errors: list[str] = []
    if not isinstance(unenroll_offering, Unset) and (
        not isinstance(offering_id, Unset) or remove_prior_offering is True
    ):
        raise Invalid("unenrollOffering cannot be combined with removePriorOffering or offeringId")
    at = to_millisecond(enrollment_date or ctx.now)
    if enrollment_date is not None and enrollment_date > ctx.now:
        errors.append("offeringEnrollmentDate must not be in the future")
    plan = EnrollmentPlan(customer=customer, at=at, overrides=overrides)
    active = customer.active_enrollments
    if isinstance(offering_id, str):
        offering = get_offering(ctx.state, offering_id)
        already = any(e.offering_id == offering_id for e in active)
        if not already:
            plan.enroll = offering
        if remove_prior_offering is True:
            plan.end = [e for e in active if e.offering_id != offering_id]
            plan.credit_unused = plan.enroll is not None
    elif offering_id is None or remove_prior_offering is True:
        plan.end = list(active)
    if isinstance(unenroll_offering, str):
        get_offering(ctx.state, unenroll_offering)
        plan.end = [e for e in active if e.offering_id == unenroll_offering]
        if not plan.end:
            errors.append(f"unenrollOffering: the customer is not enrolled in {unenroll_offering}")
    if not isinstance(usage, Unset):
        errors += check_usage(ctx, usage)
        plan.usage = usage
    if isinstance(overrides, OverridesUpdate):
        target = plan.enroll
        if target is None:
            current = customer.current_enrollment
            if current is None or current in plan.end:
                errors.append("overrides need an enrollment: the customer is not enrolled")
            else:
                target = ctx.state.offerings.get(current.offering_id)
        errors += check_overrides_update(ctx, overrides, target)
    if errors:
        raise Invalid(errors)
    return plan


def _apply_overrides(enrollment: Enrollment, update: OverridesUpdate | None | Unset) -> None:
    if isinstance(update, Unset):
        return
    if update is None:
        enrollment.overrides = Overrides()
        return
    if not isinstance(update.discount, Unset):
        enrollment.overrides.discount = copy.deepcopy(update.discount)
    if not isinstance(update.dimension_overrides, Unset):
        enrollment.overrides.dimension_overrides = copy.deepcopy(update.dimension_overrides or [])
    if not isinstance(update.free_trial_end_date, Unset):
        enrollment.overrides.free_trial_end_date = update.free_trial_end_date
        enrollment.free_trial_end_date = update.free_trial_end_date
        if update.free_trial_end_date is not None and enrollment.free_trial_start_date is None:
            enrollment.free_trial_start_date = enrollment.enrollment_date


def _end(
    ctx: Ctx, customer: Customer, enrollment: Enrollment, at: datetime, credit: bool
) -> list[InvoiceLine]:
    """End an enrollment at `at`: its final arrear lines, and the unused subscription credited
    on a plan change (B7)."""
    offering = ctx.state.offerings[enrollment.offering_id]
    lines: list[InvoiceLine] = []
    if offering.billing_cycle == "topUp":
        finish_topups(ctx, customer, enrollment, at)
    else:
        start = max(
            enrollment.cycle_start or enrollment.enrollment_date, enrollment.enrollment_date
        )
        if at > start:
            lines = arrear_lines(
                ctx, customer, enrollment, offering, (start, at), commit=True, minimum=False
            )
        if credit:
            _credit_unused_subscription(ctx, customer, enrollment, offering, at)
    enrollment.ended_at = at
    return lines


def _subscription_invoice(
    ctx: Ctx, customer: Customer, enrollment: Enrollment, offering: Offering
) -> tuple[Invoice, InvoiceLine] | None:
    """Return the invoice, and its line, that billed the open cycle's subscription price."""
    assert enrollment.cycle_start is not None
    since = max(enrollment.cycle_start, enrollment.enrollment_date)
    for invoice_id in reversed(customer.invoice_ids):
        invoice = ctx.state.invoices[invoice_id]
        if invoice.invoice_date < since:
            continue  # a manual invoice may be dated in the past: look at every invoice
        for item in invoice.line_items:
            if item.kind == "subscription" and item.offering_id == offering.offering_id:
                return invoice, item
    return None


def _credit_unused_subscription(
    ctx: Ctx, customer: Customer, enrollment: Enrollment, offering: Offering, at: datetime
) -> None:
    """Credit the unused whole days of the subscription on a plan change (B7).

    The credit is the unused days' share of the price, never more than the line that billed
    them. What the customer paid for comes back as wallet credit; what is still unpaid on that
    invoice is reduced instead (Stripe's credit notes: on an open invoice they lower the amount
    due, on a paid one they credit the balance). A voided invoice earns no credit.
    """
    price = offering.subscription_price
    if (
        offering.offering_type != "subscription"
        or not price
        or enrollment.cycle_start is None
        or enrollment.cycle_end is None
        or enrollment.subscription_paid <= 0
    ):
        return
    billed = _subscription_invoice(ctx, customer, enrollment, offering)
    if billed is None:
        return
    invoice, item = billed
    if invoice.invoice_status == "Voided":
        return
    total = (enrollment.cycle_end.date() - enrollment.cycle_start.date()).days
    unused = paid_days(enrollment, at, enrollment.cycle_end)
    amount = min(money_ratio(EXACT.multiply(price, Decimal(unused)), total), item.amount)
    if amount <= 0:
        return
    metadata = {"type": "planChangeCredit", "offeringId": offering.offering_id}
    payer = payer_of(ctx, customer)
    if invoice.invoice_status != "Paid":
        amount = apply_credit(ctx, payer, invoice, amount, at, metadata)
    if amount > 0:
        add_ledger_entry(payer, amount, at, metadata)


def _enroll(
    ctx: Ctx, customer: Customer, offering: Offering, plan: EnrollmentPlan, issued: list[Invoice]
) -> tuple[Enrollment, list[InvoiceLine]]:
    at = plan.at
    enrollment = Enrollment(
        enrollment_id=ctx.state.ids.uuid(), offering_id=offering.offering_id, enrollment_date=at
    )
    if offering.free_trial_length:
        enrollment.free_trial_start_date = at
        enrollment.free_trial_end_date = at + timedelta(days=offering.free_trial_length)
    _apply_overrides(enrollment, plan.overrides)
    customer.enrollments.append(enrollment)
    if offering.prepaid_credit:
        # B7: prepaid credit reaches the wallet once, at enrollment.
        add_ledger_entry(
            customer,
            offering.prepaid_credit,
            at,
            {"type": "prepaidCredit", "offeringId": offering.offering_id},
        )
    if offering.billing_cycle == "topUp":
        assert offering.top_up_amount is not None
        issued.append(issue_topup(ctx, customer, offering, offering.top_up_amount, ctx.now))
        return enrollment, []
    window = cycle_bounds(offering.billing_cycle, at)
    if window is not None:
        enrollment.cycle_start, enrollment.cycle_end = window
    lines, fraction = upfront_lines(ctx, customer, enrollment, offering, window, at)
    enrollment.subscription_paid = fraction
    return enrollment, lines


def apply_enrollment_plan(ctx: Ctx, plan: EnrollmentPlan) -> list[Invoice]:
    """Carry out a validated enrollment change; return the invoices issued (B7).

    Usage sent with the change must be stored first (`ingest.store_plan_usage`; the operations
    layer does both, since ingest depends on this module). Every line due at that moment (final
    arrear usage of ended enrollments, upfront items of the new one) goes on one RECURRING invoice.
    """
    customer, at = plan.customer, plan.at
    issued: list[Invoice] = []
    lines: list[InvoiceLine] = []
    for enrollment in plan.end:
        lines += _end(ctx, customer, enrollment, at, plan.credit_unused)
    has_upfront = False
    if plan.enroll is not None:
        _enrollment, upfront = _enroll(ctx, customer, plan.enroll, plan, issued)
        has_upfront = bool(upfront)
        lines += upfront
    elif not isinstance(plan.overrides, Unset):
        current = customer.current_enrollment
        if current is not None:
            _apply_overrides(current, plan.overrides)
    if plan.end or has_upfront:
        issued.insert(
            0,
            issue_invoice(
                ctx,
                customer,
                lines,
                invoice_type="RECURRING",
                invoice_date=ctx.now,
                period=(at, at),
            ),
        )
    schedule(ctx, customer)
    return issued


def check_customer_fields(
    *,
    payment_channel: str | Unset = UNSET,
    currency: str | Unset = UNSET,
    tax_exempt: str | Unset = UNSET,
) -> list[str]:
    """Return enum violations of customer fields."""
    errors: list[str] = []
    if isinstance(payment_channel, str) and payment_channel not in PAYMENT_CHANNELS:
        errors.append("paymentChannel must be one of: Stripe, manual")
    if isinstance(currency, str) and currency not in CURRENCIES:
        errors.append(f"currency must be one of: {', '.join(CURRENCIES)}")
    if isinstance(tax_exempt, str) and tax_exempt not in TAX_EXEMPT:
        errors.append("taxExempt must be one of: exempt, none")
    return errors


def refundable(customer: Customer, payment_intent_id: str) -> Decimal:
    """Return what is left to refund of one succeeded payment intent."""
    paid = sum(
        (
            p.amount
            for p in customer.stripe_payments
            if p.payment_intents_id == payment_intent_id and p.status == "succeeded"
        ),
        Decimal(0),
    )
    refunded = sum(
        (r.amount for r in customer.refunds if r.payment_intent_id == payment_intent_id),
        Decimal(0),
    )
    return paid - refunded
