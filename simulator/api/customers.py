"""Customers: profile, enrollment, free trial, portal token, wallet, refunds, payments, children."""

from __future__ import annotations

from typing import Any

from simulator.api import replies, schemas, views
from simulator.api.call import Call
from simulator.api.dimensions import to_overrides
from simulator.api.messages import ApiResponse
from simulator.api.parsing import BadRequest, Id
from simulator.engine import Address, Customer, Discount, EnrollmentUsage, OverridesUpdate

__all__ = [
    "add_child",
    "create_customer",
    "create_portal_token",
    "create_refund",
    "create_transaction",
    "customer_view",
    "delete_customer",
    "list_customers",
    "list_enrollments",
    "list_payments",
    "list_refunds",
    "list_transactions",
    "remove_child",
    "retrieve_customer",
    "retrieve_stripe_portal",
    "update_child",
    "update_customer",
    "update_enrollment",
    "update_free_trial",
]


def list_customers(call: Call) -> ApiResponse:
    """List every customer (Paigo: `GET /customers`)."""
    data = [views.customer(c) for c in call.engine.read_customers()]
    return replies.listing("Customers retrieved successfully", data)


def create_customer(call: Call) -> ApiResponse:
    """Create a customer, optionally enrolled (Paigo: `POST /customers`); replies 201.

    The reply is `{message, customerId}`; Stripe customers also get a `portalUrl`.

    Raises:
        BadRequest: the body fails wire validation.
        NotFound: the offering or a usage dimension does not exist.
        Invalid: the customer id exists, the enrollment date is in the future, or the usage list
            repeats a dimension id.
    """
    params = call.body(schemas.CREATE_CUSTOMER)
    created = call.engine.create_customer(**_customer_fields(params))
    body: dict[str, Any] = {
        "message": "Customer created successfully",
        "customerId": created.customer_id,
    }
    if created.payment_channel == "Stripe":
        body["portalUrl"] = call.engine.stripe_portal(created.customer_id)
    return replies.created(body)


def retrieve_customer(call: Call) -> ApiResponse:
    """Return one customer as a one-element `data` list (Paigo: `GET /customers/{customerId}`).

    Raises:
        NotFound: no such customer (`Customer with ID: <id> not found`).
    """
    customer_id = call.params["customerId"]
    call.require_customer(customer_id)
    found = call.engine.read_customer(customer_id)
    return replies.one("Customer retrieved successfully", views.customer(found))


def update_customer(call: Call) -> ApiResponse:
    """Update a customer (Paigo: `PUT /customers/{customerId}`).

    Paigo documents the reply as the CreateCustomer shape; the simulator answers
    `{message, customerId}` like the other updates.

    Raises:
        BadRequest: the body fails wire validation.
        NotFound: no such customer, offering or dimension.
        Invalid: a currency change with a credit balance, a free-trial end not in the future, or
            `unenrollOffering` combined with `offeringId` / `removePriorOffering`.
    """
    customer_id = call.params["customerId"]
    params = call.body(schemas.UPDATE_CUSTOMER)
    updated = call.engine.update_customer(customer_id, **_customer_fields(params))
    return replies.ok(
        {"message": "Customer updated successfully", "customerId": updated.customer_id}
    )


def delete_customer(call: Call) -> ApiResponse:
    """Delete a customer (Paigo: `DELETE /customers/{customerId}`); replies `{message, customerId}`.

    Raises:
        NotFound: no such customer.
    """
    deleted = call.engine.delete_customer(call.params["customerId"])
    return replies.ok(
        {"message": "Customer deleted successfully", "customerId": deleted.customer_id}
    )


def list_enrollments(call: Call) -> ApiResponse:
    """List a customer's active enrollments (Paigo: `GET /customers/{customerId}/enrollment`).

    Raises:
        NotFound: no such customer.
    """
    customer_id = call.params["customerId"]
    call.require_customer(customer_id)
    data = [views.enrollment(e) for e in call.engine.read_enrollments(customer_id)]
    return replies.listing("Enrollments retrieved successfully", data)


def update_enrollment(call: Call) -> ApiResponse:
    """Enroll, change plan, unenroll or set overrides (Paigo: `PUT .../enrollment`).

    Replies `{message}`; invoices due because of the change are issued at once (B7).

    Raises:
        BadRequest: the body fails wire validation.
        NotFound: no such customer, offering or dimension.
        Invalid: `unenrollOffering` combined with another change, duplicate usage dimension ids,
            an override changing price structure, or a free-trial end not in the future.
    """
    customer_id = call.params["customerId"]
    params = call.body(schemas.UPDATE_ENROLLMENT)
    fields: dict[str, Any] = {}
    for name in ("offering_id", "remove_prior_offering", "unenroll_offering"):
        if name in params:
            fields[name] = params[name]
    if "usage" in params:
        fields["usage"] = _usage(params["usage"])
    if "overrides" in params:
        raw = params["overrides"]
        fields["overrides"] = None if raw is None else _overrides(raw)
    call.engine.update_enrollment(customer_id, **fields)
    return replies.ok({"message": "Enrollment updated successfully"})


def update_free_trial(call: Call) -> ApiResponse:
    """Set a customer's free-trial dates (Paigo: `PUT /customers/{customerId}/freeTrial`).

    Raises:
        BadRequest: the body fails wire validation.
        NotFound: no such customer, or no active enrollment (in the given offering).
        Invalid: a date not in the future, or an end not after the start.
    """
    customer_id = call.params["customerId"]
    params = call.body(schemas.UPDATE_FREE_TRIAL)
    updated = call.engine.update_free_trial(customer_id, **params)
    return replies.ok(
        {"message": "Free trial updated successfully", "customerId": updated.customer_id}
    )


def create_portal_token(call: Call) -> ApiResponse:
    """Issue a portal token (Paigo: `GET /customers/{customerId}/token`); bare `{access_token}`.

    The token may only read that customer's own data (403 elsewhere); it expires like API tokens.

    Raises:
        NotFound: no such customer.
    """
    customer_id = call.engine.create_portal_token_subject(call.params["customerId"])
    principal = call.principal
    client_id = principal.client_id if principal is not None else ""
    token = call.api.tokens.issue_portal_token(client_id=client_id, customer_id=customer_id)
    return replies.bare({"access_token": token})


def create_transaction(call: Call) -> ApiResponse:
    """Add a wallet transaction (Paigo: `POST /customers/{customerId}/transactions`); replies 201.

    Paigo's export lists no security for this route; the simulator requires a token, as Paigo does.

    Raises:
        BadRequest: the body fails wire validation.
        NotFound: no such customer.
        Invalid: the balance would become negative (B10).
    """
    customer_id = call.params["customerId"]
    params = call.body(schemas.CREATE_CREDIT)
    call.engine.create_transaction(customer_id, **params)
    return replies.created({"message": "Transaction created successfully"})


def list_transactions(call: Call) -> ApiResponse:
    """List a customer's wallet ledger (Paigo: `GET /customers/{customerId}/transactions`).

    Raises:
        NotFound: no such customer.
    """
    customer_id = call.params["customerId"]
    call.require_customer(customer_id)
    entries = call.engine.list_transactions(customer_id)
    return replies.listing(
        "Transactions retrieved successfully", [views.ledger_entry(e) for e in entries]
    )


def create_refund(call: Call) -> ApiResponse:
    """Refund a simulated Stripe payment (Paigo: `POST /customers/{customerId}/refunds`).

    Raises:
        BadRequest: the body fails wire validation.
        NotFound: no such customer.
        Invalid: a `manual` customer, an unknown payment intent, or more than is refundable.
    """
    customer_id = call.params["customerId"]
    params = call.body(schemas.CREATE_REFUND)
    options = params.pop("refund_channel_options")
    payment_intent_id = options.get("payment_intent_id")
    if payment_intent_id is None:
        raise BadRequest(["refundChannelOptions.paymentIntentId should not be empty"])
    call.engine.create_refund(customer_id, payment_intent_id=payment_intent_id, **params)
    return replies.created({"message": "Refund created successfully"})


def list_refunds(call: Call) -> ApiResponse:
    """List a customer's simulated Stripe refunds (Paigo: `GET /customers/{customerId}/refunds`).

    Raises:
        NotFound: no such customer.
        Invalid: a `manual` customer (400, as Paigo documents).
    """
    customer_id = call.params["customerId"]
    call.require_customer(customer_id)
    refunds = call.engine.list_refunds(customer_id)
    return replies.listing("Refunds retrieved successfully", [views.refund(r) for r in refunds])


def list_payments(call: Call) -> ApiResponse:
    """List a customer's simulated Stripe payments (Paigo: `GET /customers/{customerId}/payments`).

    Items use the export's StripePaymentResponseDto shape (the export types them as refunds,
    which is a mistake in the export).

    Raises:
        BadRequest: `invoiceId` is malformed.
        NotFound: no such customer.
        Invalid: a `manual` customer (400, as Paigo documents).
    """
    customer_id = call.params["customerId"]
    call.require_customer(customer_id)
    invoice_id = call.query("invoiceId", Id())
    payments = call.engine.list_payments(customer_id, invoice_id=invoice_id)
    return replies.listing(
        "Payments retrieved successfully", [views.stripe_payment(p) for p in payments]
    )


def retrieve_stripe_portal(call: Call) -> ApiResponse:
    """Return a simulated Stripe portal URL (Paigo: `GET /customers/{customerId}/stripePortal`).

    Raises:
        NotFound: no such customer.
        Invalid: a `manual` customer.
    """
    customer_id = call.params["customerId"]
    call.require_customer(customer_id)
    url = call.engine.stripe_portal(customer_id)
    return replies.ok({"message": "Stripe portal retrieved successfully", "portalUrl": url})


def add_child(call: Call) -> ApiResponse:
    """Attach a child customer (Paigo: `POST /customers/{customerId}/children/{childId}`).

    Raises:
        BadRequest: the body fails wire validation.
        Invalid: either customer is missing, they are the same, or the child already has a parent
            (Paigo documents only 400 for this route).
    """
    params = call.body(schemas.CREATE_CHILD)
    call.engine.add_child(call.params["customerId"], call.params["childId"], **params)
    return replies.created({"message": "Child added successfully"})


def update_child(call: Call) -> ApiResponse:
    """Change how a child is billed (Paigo: `PUT /customers/{customerId}/children/{childId}`).

    Raises:
        BadRequest: the body fails wire validation.
        Invalid: no such parent-child link.
    """
    params = call.body(schemas.CREATE_CHILD)
    call.engine.update_child(call.params["customerId"], call.params["childId"], **params)
    return replies.ok({"message": "Child updated successfully"})


def remove_child(call: Call) -> ApiResponse:
    """Detach a child customer (Paigo: `DELETE /customers/{customerId}/children/{childId}`).

    Raises:
        Invalid: no such parent-child link.
    """
    call.engine.remove_child(call.params["customerId"], call.params["childId"])
    return replies.ok({"message": "Child removed successfully"})


# ----------------------------------------------------------------------------- helpers


def customer_view(call: Call, customer: Customer) -> dict[str, Any]:
    """Render a customer the engine already returned (its read model is fetched in one call)."""
    return views.customer(call.engine.read_customer(customer.customer_id))


def _usage(raw: list[dict[str, Any]]) -> list[EnrollmentUsage]:
    return [
        EnrollmentUsage(
            dimension_id=u["dimension_id"],
            record_value=u["record_value"],
            metadata=u.get("metadata"),
            timestamp=u.get("timestamp"),
        )
        for u in raw
    ]


def _overrides(raw: dict[str, Any]) -> OverridesUpdate:
    update = OverridesUpdate()
    if "discount" in raw:
        d = raw["discount"]
        update.discount = (
            None
            if d is None
            else Discount(name=d["name"], percentage=d["percentage"], end_date=d.get("end_date"))
        )
    if "dimension_overrides" in raw:
        update.dimension_overrides = to_overrides(raw["dimension_overrides"])
    if "free_trial_end_date" in raw:
        update.free_trial_end_date = raw["free_trial_end_date"]
    return update


def _customer_fields(params: dict[str, Any]) -> dict[str, Any]:
    fields = dict(params)
    if fields.get("address") is not None:
        fields["address"] = Address(**fields["address"])
    if "usage" in fields:
        fields["usage"] = _usage(fields["usage"])
    if fields.get("payment_channel_options") is not None:
        options = fields["payment_channel_options"]
        fields["payment_channel_options"] = (
            {"stripeCustomerId": options["stripe_customer_id"]}
            if "stripe_customer_id" in options
            else {}
        )
    return fields
