"""Operations on customers: create, update, delete, enrollments, free trials, children."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Final

from simulator import wire
from simulator.engine import catalog, customers, ingest, reads
from simulator.engine.context import Ctx
from simulator.engine.cycles import close_due
from simulator.engine.errors import Invalid
from simulator.engine.operations._shared import Metadata, given, raise_if
from simulator.engine.state import (
    UNSET,
    Address,
    ChildLink,
    Customer,
    Enrollment,
    EnrollmentUsage,
    Invoice,
    OverridesUpdate,
    Unset,
)
from simulator.engine.webhooks import (
    customer_event,
    emit,
)

_BILL_PARENT: Final = wire.BILL_PARENTS


def _pair(ctx: Ctx, parent_id: str, child_id: str) -> tuple[Customer, Customer]:
    errors = [
        f"Customer with ID: {cid} not found"
        for cid in (parent_id, child_id)
        if cid not in ctx.state.customers
    ]
    if parent_id == child_id:
        errors.append("a customer cannot be its own child")
    raise_if(errors)
    return ctx.state.customers[parent_id], ctx.state.customers[child_id]


def _link(parent: Customer, child_id: str) -> ChildLink:
    for link in parent.children:
        if link.child_id == child_id:
            return link
    raise Invalid(f"customer {child_id} is not a child of {parent.customer_id}")


def create_customer(
    ctx: Ctx,
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
    raise_if(errors)
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
    emit(ctx, "CUSTOMER_CREATED", customer_event(customer))
    if offering_id is not None or usage:
        plan = customers.plan_enrollment_change(
            ctx,
            customer,
            offering_id=offering_id if offering_id is not None else UNSET,
            usage=usage if usage else UNSET,
            enrollment_date=offering_enrollment_date,
        )
        _enact(ctx, plan)
        close_due(ctx)
    return customer


def _enact(ctx: Ctx, plan: customers.EnrollmentPlan) -> list[Invoice]:
    """Store the plan's usage, then apply the enrollment change; return the invoices issued."""
    ingest.store_plan_usage(ctx, plan)
    return customers.apply_enrollment_plan(ctx, plan)


def list_customers(ctx: Ctx) -> list[Customer]:
    """Return every customer, oldest first."""
    return list(ctx.state.customers.values())


def read_customers(ctx: Ctx) -> list[reads.CustomerRead]:
    """Return every customer's read model, oldest first.

    Raises:
        NotFound: an enrolled offering no longer exists.
    """
    return [reads.customer_read(ctx.state, c) for c in ctx.state.customers.values()]


def read_customer(ctx: Ctx, customer_id: str) -> reads.CustomerRead:
    """Return the customer with its offerings, enrollments and invoices resolved.

    Raises:
        NotFound: no such customer, or an enrolled offering no longer exists.
    """
    return reads.customer_read(ctx.state, customers.get_customer(ctx, customer_id))


def read_enrollments(ctx: Ctx, customer_id: str) -> tuple[reads.EnrollmentRead, ...]:
    """Return the customer's active enrollments with their offerings, oldest first.

    Raises:
        NotFound: no such customer, or an enrolled offering no longer exists.
    """
    return reads.enrollment_reads(ctx.state, customers.get_customer(ctx, customer_id))


def retrieve_customer(ctx: Ctx, customer_id: str) -> Customer:
    """Return one customer.

    Raises:
        NotFound: no such customer.
    """
    return customers.get_customer(ctx, customer_id)


def update_customer(
    ctx: Ctx,
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
    customer = customers.get_customer(ctx, customer_id)
    errors = customers.check_customer_fields(
        payment_channel=payment_channel, currency=currency, tax_exempt=tax_exempt
    )
    if isinstance(currency, str) and currency != customer.currency and customer.balance != 0:
        errors.append("currency cannot change while the customer has a credit balance")
    if isinstance(free_trial_end_date, datetime):
        if free_trial_end_date <= ctx.now:
            errors.append("freeTrialEndDate must be in the future")
        elif customer.current_enrollment is None:
            errors.append("freeTrialEndDate needs an enrollment: the customer is not enrolled")
    raise_if(errors)
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
    for name, value in given(
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
        current.free_trial_start_date = current.free_trial_start_date or current.enrollment_date
    if plan is not None:
        _enact(ctx, plan)
    emit(ctx, "CUSTOMER_UPDATED", customer_event(customer))
    close_due(ctx)
    return customer


def delete_customer(ctx: Ctx, customer_id: str) -> Customer:
    """Delete a customer with its enrollments and usage; its invoices stay readable by id.

    Raises:
        NotFound: no such customer.
    """
    customer = customers.get_customer(ctx, customer_id)
    del ctx.state.customers[customer_id]
    ctx.state.usage.forget_customer(customer_id)
    for other in ctx.state.customers.values():
        other.children = [c for c in other.children if c.child_id != customer_id]
        if other.parent is not None and other.parent.parent_id == customer_id:
            other.parent = None
    return customer


def list_enrollments(ctx: Ctx, customer_id: str) -> list[Enrollment]:
    """Return the customer's active enrollments, oldest first (empty when not enrolled).

    Raises:
        NotFound: no such customer.
    """
    return customers.get_customer(ctx, customer_id).active_enrollments


def update_enrollment(
    ctx: Ctx,
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
    issued = _enact(ctx, plan)
    issued += close_due(ctx)
    return issued


def update_free_trial(
    ctx: Ctx,
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
    raise_if(errors)
    enrollment = candidates[-1]
    enrollment.free_trial_start_date = free_trial_start_date or enrollment.enrollment_date
    enrollment.free_trial_end_date = free_trial_end_date
    enrollment.overrides.free_trial_end_date = free_trial_end_date
    return customer


def create_portal_token_subject(ctx: Ctx, customer_id: str) -> str:
    """Return the subject a customer portal token is minted for (the customer id).

    Raises:
        NotFound: no such customer.
    """
    return customers.get_customer(ctx, customer_id).customer_id


def add_child(
    ctx: Ctx, customer_id: str, child_id: str, *, bill_parent: str | None = None
) -> ChildLink:
    """Make `child_id` a child of `customer_id` and return the link.

    Raises:
        Invalid: either customer is missing, they are the same, or the child has a parent.
    """
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
    raise_if(errors)
    link = ChildLink(
        child_id=child_id, parent_id=customer_id, bill_parent=bill_parent or "separate"
    )
    parent.children.append(link)
    child.parent = link
    return link


def update_child(
    ctx: Ctx, customer_id: str, child_id: str, *, bill_parent: str | None = None
) -> ChildLink:
    """Change how a child is billed and return the link.

    Raises:
        Invalid: no such parent-child link.
    """
    parent, _child = _pair(ctx, customer_id, child_id)
    link = _link(parent, child_id)
    if bill_parent is not None and bill_parent not in _BILL_PARENT:
        raise Invalid("billParent must be one of: aggregated, separate")
    if bill_parent is not None:
        link.bill_parent = bill_parent
    return link


def remove_child(ctx: Ctx, customer_id: str, child_id: str) -> ChildLink:
    """Remove a parent-child link and return it.

    Raises:
        Invalid: no such parent-child link.
    """
    parent, child = _pair(ctx, customer_id, child_id)
    link = _link(parent, child_id)
    parent.children.remove(link)
    child.parent = None
    return link
