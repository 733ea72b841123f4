"""Customers: profiles, enrolments, free trials, usage views, wallet, Stripe, and children."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from paigo_sdk._client import Timeout
from paigo_sdk._operations import (
    ADD_CHILD,
    CREATE_CUSTOMER,
    CREATE_REFUND,
    CREATE_TRANSACTION,
    DELETE_CUSTOMER,
    LIST_CUSTOMERS,
    LIST_PAYMENTS,
    LIST_REFUNDS,
    LIST_TRANSACTIONS,
    REMOVE_CHILD,
    RETRIEVE_CUSTOMER,
    RETRIEVE_CUSTOMER_TOKEN,
    RETRIEVE_CUSTOMER_USAGE,
    RETRIEVE_ENROLLMENT,
    RETRIEVE_STRIPE_PORTAL,
    UPDATE_CHILD,
    UPDATE_CUSTOMER,
    UPDATE_ENROLLMENT,
    UPDATE_FREE_TRIAL,
)
from paigo_sdk._sentinels import NOT_GIVEN, NotGiven
from paigo_sdk.errors import ClientValidationError
from paigo_sdk.resources._base import AsyncResource, SyncResource, build_params, require_id
from paigo_sdk.types import (
    AddressParams,
    ChildCreateParams,
    Customer,
    CustomerCreateParams,
    CustomerDeleteResponse,
    CustomerOverridesParams,
    CustomerToken,
    CustomerUpdateParams,
    CustomerUsage,
    DecimalInput,
    Enrollment,
    EnrollmentUpdateParams,
    EnrollmentUsageParams,
    FreeTrialUpdateParams,
    FreeTrialUpdateResponse,
    LedgerEntry,
    MessageResponse,
    PaymentChannelOptionsParams,
    RefundChannelOptionsParams,
    RefundCreateParams,
    StripePayment,
    StripePortal,
    StripeRefund,
    TransactionCreateParams,
    format_timestamp,
    parse_timestamp,
    to_wire,
)
from paigo_sdk.types.enums import (
    AggregationInterval,
    AggregationPurpose,
    BillParent,
    Currency,
    PaymentChannel,
    RefundReason,
    TaxExempt,
)

__all__ = [
    "AsyncCustomerChildren",
    "AsyncCustomerEnrollment",
    "AsyncCustomerPayments",
    "AsyncCustomerRefunds",
    "AsyncCustomerTransactions",
    "AsyncCustomers",
    "CustomerChildren",
    "CustomerEnrollment",
    "CustomerPayments",
    "CustomerRefunds",
    "CustomerTransactions",
    "Customers",
]

UsageInput = EnrollmentUsageParams | Mapping[str, Any]
AddressInput = AddressParams | Mapping[str, Any]
ChannelOptionsInput = PaymentChannelOptionsParams | Mapping[str, Any]
OverridesInput = CustomerOverridesParams | Mapping[str, Any]


def _usage_query(
    aggregation_interval: AggregationInterval | str | None,
    aggregation_purpose: AggregationPurpose | str | None,
    start_time: datetime | str | None,
    end_time: datetime | str | None,
    ignore_enrollment_date: bool | None,
) -> dict[str, str | None]:
    problems: list[str] = []
    query: dict[str, str | None] = {}
    for name, enum, value in (
        ("aggregationInterval", AggregationInterval, aggregation_interval),
        ("aggregationPurpose", AggregationPurpose, aggregation_purpose),
    ):
        if value is None:
            continue
        try:
            query[name] = enum(value).value
        except ValueError:
            problems.append(f"{name}: must be one of {[member.value for member in enum]}")
    moments: dict[str, datetime] = {}
    for name, moment in (("startTime", start_time), ("endTime", end_time)):
        if moment is None:
            continue
        try:
            moments[name] = parse_timestamp(moment)
        except ValueError as error:
            problems.append(f"{name}: {error}")
            continue
        query[name] = format_timestamp(moments[name])
    if len(moments) == 2 and moments["endTime"] <= moments["startTime"]:
        problems.append("end_time must be after start_time")
    if ignore_enrollment_date is not None:
        query["ignoreEnrollmentDate"] = "true" if ignore_enrollment_date else "false"
    if problems:
        raise ClientValidationError(problems)
    return query


def _customer_path(customer_id: str) -> dict[str, str]:
    return {"customer_id": require_id("customer_id", customer_id)}


class CustomerEnrollment(SyncResource):
    """A customer's offering enrolments: read them, or enrol, unenrol and override."""

    def retrieve(self, customer_id: str, *, timeout: Timeout = NOT_GIVEN) -> list[Enrollment]:
        """Return the customer's enrolments (an empty list when not enrolled).

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when the customer does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            RETRIEVE_ENROLLMENT, path_params=_customer_path(customer_id), timeout=timeout
        )

    def update(
        self,
        customer_id: str,
        *,
        offering_id: str | None | NotGiven = NOT_GIVEN,
        remove_prior_offering: bool | NotGiven = NOT_GIVEN,
        unenroll_offering: str | NotGiven = NOT_GIVEN,
        overrides: OverridesInput | None | NotGiven = NOT_GIVEN,
        usage: Sequence[UsageInput] | NotGiven = NOT_GIVEN,
        timeout: Timeout = NOT_GIVEN,
    ) -> list[Enrollment]:
        """Change the customer's enrolment and return the enrolments as they now are.

        `offering_id` enrols (a plan change when already enrolled; the same id again changes
        nothing); `offering_id=None` unenrols; `unenroll_offering` leaves one offering and cannot
        be combined with `offering_id` or `remove_prior_offering`. Enrolling or unenrolling may
        create an invoice. The enrolments are read back with a second request.

        Raises:
            ClientValidationError: for invalid arguments (including the forbidden combination),
                before sending.
            NotFoundError: when the customer or offering does not exist.
            BadRequestError: when Paigo rejects the change.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = _customer_path(customer_id)
        if not isinstance(unenroll_offering, NotGiven) and (
            not isinstance(offering_id, NotGiven) or not isinstance(remove_prior_offering, NotGiven)
        ):
            raise ClientValidationError(
                "unenroll_offering cannot be combined with offering_id or remove_prior_offering"
            )
        params = build_params(
            EnrollmentUpdateParams, locals(), omit=("customer_id", "path"), none_means_absent=False
        )
        self._client._request(
            UPDATE_ENROLLMENT, path_params=path, json_body=to_wire(params), timeout=timeout
        )
        return self.retrieve(customer_id, timeout=timeout)


class CustomerTransactions(SyncResource):
    """A customer's wallet ledger: add or remove credit, and list the transactions."""

    def create(
        self,
        customer_id: str,
        *,
        transaction_amount: DecimalInput,
        timestamp: datetime | str | None = None,
        metadata: Mapping[str, Any] | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Add credit to the customer's wallet (a positive amount) or remove it (negative).

        Not retried after the request may have reached the server (a retry could apply the
        transaction twice).

        Args:
            transaction_amount: the amount, as a Decimal, an int or a plain decimal string.
            timestamp: when the transaction happened, timezone-aware; Paigo uses now by default.

        Raises:
            ClientValidationError: for invalid arguments (e.g. a float amount), before sending.
            NotFoundError: when the customer does not exist.
            BadRequestError: when Paigo rejects the transaction (e.g. a negative balance).
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = _customer_path(customer_id)
        params = build_params(TransactionCreateParams, locals(), omit=("customer_id", "path"))
        return self._client._request(
            CREATE_TRANSACTION, path_params=path, json_body=to_wire(params), timeout=timeout
        )

    def list(self, customer_id: str, *, timeout: Timeout = NOT_GIVEN) -> list[LedgerEntry]:
        """List the customer's wallet transactions.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when the customer does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            LIST_TRANSACTIONS, path_params=_customer_path(customer_id), timeout=timeout
        )


class CustomerRefunds(SyncResource):
    """A Stripe customer's refunds: create and list."""

    def create(
        self,
        customer_id: str,
        *,
        payment_intent_id: str,
        amount: DecimalInput | None = None,
        reason: RefundReason | str | None = None,
        metadata: Mapping[str, Any] | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Refund a Stripe payment of the customer, in full or in part.

        Not retried after the request may have reached the server.

        Args:
            payment_intent_id: the Stripe PaymentIntent to refund (`pi_...`).
            amount: the amount to refund; the whole payment when not given.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            BadRequestError: when Paigo rejects the refund (also for `manual` customers).
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = _customer_path(customer_id)
        params = build_params(
            RefundCreateParams,
            {
                "refund_channel_options": RefundChannelOptionsParams.model_validate(
                    {"payment_intent_id": require_id("payment_intent_id", payment_intent_id)}
                ),
                "amount": amount,
                "reason": reason,
                "metadata": metadata,
            },
        )
        return self._client._request(
            CREATE_REFUND, path_params=path, json_body=to_wire(params), timeout=timeout
        )

    def list(self, customer_id: str, *, timeout: Timeout = NOT_GIVEN) -> list[StripeRefund]:
        """List the customer's Stripe refunds.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            BadRequestError: for `manual` customers.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            LIST_REFUNDS, path_params=_customer_path(customer_id), timeout=timeout
        )


class CustomerPayments(SyncResource):
    """A Stripe customer's payments."""

    def list(
        self,
        customer_id: str,
        *,
        invoice_id: str | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> list[StripePayment]:
        """List the customer's Stripe payments, optionally only those of one Paigo invoice.

        Paigo v1.10 types the items as refunds; `StripePayment` accepts both shapes.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            BadRequestError: for `manual` customers.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            LIST_PAYMENTS,
            path_params=_customer_path(customer_id),
            query={"invoiceId": invoice_id},
            timeout=timeout,
        )


class CustomerChildren(SyncResource):
    """Parent-child links between customers: add, update and remove."""

    def add(
        self,
        customer_id: str,
        child_id: str,
        *,
        bill_parent: BillParent | str | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Make `child_id` a child of `customer_id`.

        Args:
            bill_parent: `aggregated` bills the parent for the child's invoices; `separate`
                (Paigo's default) does not.

        Raises:
            ClientValidationError: for an empty id or an unknown `bill_parent`, before sending.
            BadRequestError: when Paigo rejects the link.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = {
            "customer_id": require_id("customer_id", customer_id),
            "child_id": require_id("child_id", child_id),
        }
        params = build_params(ChildCreateParams, {"bill_parent": bill_parent})
        return self._client._request(
            ADD_CHILD, path_params=path, json_body=to_wire(params), timeout=timeout
        )

    def update(
        self,
        customer_id: str,
        child_id: str,
        *,
        bill_parent: BillParent | str | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Change whether the parent is billed for the child's invoices.

        Raises:
            ClientValidationError: for an empty id or an unknown `bill_parent`, before sending.
            BadRequestError: when Paigo rejects the change.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = {
            "customer_id": require_id("customer_id", customer_id),
            "child_id": require_id("child_id", child_id),
        }
        params = build_params(ChildCreateParams, {"bill_parent": bill_parent})
        return self._client._request(
            UPDATE_CHILD, path_params=path, json_body=to_wire(params), timeout=timeout
        )

    def remove(
        self, customer_id: str, child_id: str, *, timeout: Timeout = NOT_GIVEN
    ) -> MessageResponse:
        """Remove the link between a parent and a child customer.

        Raises:
            ClientValidationError: for an empty id, before sending.
            BadRequestError: when Paigo rejects the removal.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = {
            "customer_id": require_id("customer_id", customer_id),
            "child_id": require_id("child_id", child_id),
        }
        return self._client._request(REMOVE_CHILD, path_params=path, timeout=timeout)


class Customers(SyncResource):
    """Customers: list, create, retrieve, update, delete, and their per-customer routes."""

    @cached_property
    def enrollment(self) -> CustomerEnrollment:
        """The customer's offering enrolments."""
        return CustomerEnrollment(self._client)

    @cached_property
    def transactions(self) -> CustomerTransactions:
        """The customer's wallet transactions."""
        return CustomerTransactions(self._client)

    @cached_property
    def refunds(self) -> CustomerRefunds:
        """The customer's Stripe refunds."""
        return CustomerRefunds(self._client)

    @cached_property
    def payments(self) -> CustomerPayments:
        """The customer's Stripe payments."""
        return CustomerPayments(self._client)

    @cached_property
    def children(self) -> CustomerChildren:
        """The customer's child customers."""
        return CustomerChildren(self._client)

    def list(self, *, timeout: Timeout = NOT_GIVEN) -> list[Customer]:
        """List every customer.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(LIST_CUSTOMERS, timeout=timeout)

    def create(
        self,
        *,
        customer_name: str,
        email: str,
        payment_channel: PaymentChannel | str,
        customer_id: str | None = None,
        offering_id: str | None = None,
        offering_enrollment_date: datetime | str | None = None,
        currency: Currency | str | None = None,
        tax_exempt: TaxExempt | str | None = None,
        customer_vat_id: str | None = None,
        payment_channel_options: ChannelOptionsInput | None = None,
        address: AddressInput | None = None,
        metadata: Mapping[str, Any] | None = None,
        usage: Sequence[UsageInput] | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Customer:
        """Create a customer, optionally enrolled in an offering, and return it.

        Paigo answers a create with the new id only, so the customer is read back with a second
        request and returned in full; the Stripe `portal_url` of the create reply, if any, is kept
        on the returned model. Not retried after the request may have reached the server (a retry
        could create a second customer, unless `customer_id` is given).

        Args:
            payment_channel: `Stripe` or `manual`.
            customer_id: your own id for the customer; Paigo generates one when not given.
            offering_enrollment_date: when the enrolment starts, timezone-aware, in the past.
            usage: initial usage for upfront dimensions, such as the number of seats bought.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            BadRequestError: when Paigo rejects the customer (e.g. a duplicate `customer_id`).
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        params = build_params(CustomerCreateParams, locals())
        created = self._client._request(CREATE_CUSTOMER, json_body=to_wire(params), timeout=timeout)
        customer = self.retrieve(created.customer_id, timeout=timeout)
        if created.portal_url is None:
            return customer
        return customer.model_copy(update={"portal_url": created.portal_url})

    def retrieve(self, customer_id: str, *, timeout: Timeout = NOT_GIVEN) -> Customer:
        """Return one customer.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when no customer has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            RETRIEVE_CUSTOMER, path_params=_customer_path(customer_id), timeout=timeout
        )

    def update(
        self,
        customer_id: str,
        *,
        customer_name: str | NotGiven = NOT_GIVEN,
        email: str | NotGiven = NOT_GIVEN,
        payment_channel: PaymentChannel | str | NotGiven = NOT_GIVEN,
        payment_channel_options: ChannelOptionsInput | None | NotGiven = NOT_GIVEN,
        address: AddressInput | None | NotGiven = NOT_GIVEN,
        customer_vat_id: str | None | NotGiven = NOT_GIVEN,
        tax_exempt: TaxExempt | str | NotGiven = NOT_GIVEN,
        currency: Currency | str | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, Any] | None | NotGiven = NOT_GIVEN,
        usage: Sequence[UsageInput] | NotGiven = NOT_GIVEN,
        free_trial_end_date: datetime | str | NotGiven = NOT_GIVEN,
        offering_id: str | None | NotGiven = NOT_GIVEN,
        remove_prior_offering: bool | NotGiven = NOT_GIVEN,
        unenroll_offering: str | NotGiven = NOT_GIVEN,
        timeout: Timeout = NOT_GIVEN,
    ) -> Customer:
        """Update a customer and return it as it now is.

        Only the arguments given are sent; `None` is sent as `null` (`metadata=None` removes all
        metadata, a metadata key set to None removes that key). Paigo's reply to this call is not
        reliably shaped, so the customer is read back with a second request.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            NotFoundError: when no customer has this id.
            BadRequestError: when Paigo rejects the change (e.g. a currency change while the
                wallet holds credit).
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = _customer_path(customer_id)
        params = build_params(
            CustomerUpdateParams, locals(), omit=("customer_id", "path"), none_means_absent=False
        )
        self._client._request(
            UPDATE_CUSTOMER, path_params=path, json_body=to_wire(params), timeout=timeout
        )
        return self.retrieve(customer_id, timeout=timeout)

    def delete(self, customer_id: str, *, timeout: Timeout = NOT_GIVEN) -> CustomerDeleteResponse:
        """Delete a customer.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when no customer has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            DELETE_CUSTOMER, path_params=_customer_path(customer_id), timeout=timeout
        )

    def update_free_trial(
        self,
        customer_id: str,
        *,
        free_trial_end_date: datetime | str,
        free_trial_start_date: datetime | str | None = None,
        offering_id: str | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> FreeTrialUpdateResponse:
        """Change the start and end of the customer's free trial.

        Raises:
            ClientValidationError: for invalid arguments (e.g. a naive datetime), before sending.
            NotFoundError: when the customer does not exist.
            BadRequestError: when Paigo rejects the dates.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = _customer_path(customer_id)
        params = build_params(FreeTrialUpdateParams, locals(), omit=("customer_id", "path"))
        return self._client._request(
            UPDATE_FREE_TRIAL, path_params=path, json_body=to_wire(params), timeout=timeout
        )

    def retrieve_usage(
        self,
        customer_id: str,
        *,
        aggregation_interval: AggregationInterval | str | None = None,
        aggregation_purpose: AggregationPurpose | str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        ignore_enrollment_date: bool | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> builtins.list[CustomerUsage]:
        """Return the customer's usage per dimension, raw or aggregated into time buckets.

        With `aggregation_interval="none"` each element is a `RawUsage` (the records as sent);
        otherwise an `AggregatedUsage` (bucket values before increment rounding). Without an
        interval each dimension uses its own.

        Args:
            start_time: the inclusive start of the window, timezone-aware.
            end_time: the exclusive end of the window, timezone-aware, after `start_time`.
            ignore_enrollment_date: include usage from before the current enrolment.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            NotFoundError: when the customer does not exist.
            BadRequestError: when Paigo rejects the query.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        query = _usage_query(
            aggregation_interval, aggregation_purpose, start_time, end_time, ignore_enrollment_date
        )
        return self._client._request(
            RETRIEVE_CUSTOMER_USAGE,
            path_params=_customer_path(customer_id),
            query=query,
            timeout=timeout,
        )

    def retrieve_token(self, customer_id: str, *, timeout: Timeout = NOT_GIVEN) -> CustomerToken:
        """Return a token that lets the end customer view their own billing data in Paigo.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when the customer does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            RETRIEVE_CUSTOMER_TOKEN, path_params=_customer_path(customer_id), timeout=timeout
        )

    def retrieve_stripe_portal(
        self, customer_id: str, *, timeout: Timeout = NOT_GIVEN
    ) -> StripePortal:
        """Return a short-lived Stripe customer portal link for the customer.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            BadRequestError: when Paigo cannot make a portal (e.g. a `manual` customer).
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            RETRIEVE_STRIPE_PORTAL, path_params=_customer_path(customer_id), timeout=timeout
        )


class AsyncCustomerEnrollment(AsyncResource):
    """A customer's offering enrolments: read them, or enrol, unenrol and override."""

    async def retrieve(self, customer_id: str, *, timeout: Timeout = NOT_GIVEN) -> list[Enrollment]:
        """Return the customer's enrolments (an empty list when not enrolled).

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when the customer does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            RETRIEVE_ENROLLMENT, path_params=_customer_path(customer_id), timeout=timeout
        )

    async def update(
        self,
        customer_id: str,
        *,
        offering_id: str | None | NotGiven = NOT_GIVEN,
        remove_prior_offering: bool | NotGiven = NOT_GIVEN,
        unenroll_offering: str | NotGiven = NOT_GIVEN,
        overrides: OverridesInput | None | NotGiven = NOT_GIVEN,
        usage: Sequence[UsageInput] | NotGiven = NOT_GIVEN,
        timeout: Timeout = NOT_GIVEN,
    ) -> list[Enrollment]:
        """Change the customer's enrolment and return the enrolments as they now are.

        `offering_id` enrols (a plan change when already enrolled; the same id again changes
        nothing); `offering_id=None` unenrols; `unenroll_offering` leaves one offering and cannot
        be combined with `offering_id` or `remove_prior_offering`. Enrolling or unenrolling may
        create an invoice. The enrolments are read back with a second request.

        Raises:
            ClientValidationError: for invalid arguments (including the forbidden combination),
                before sending.
            NotFoundError: when the customer or offering does not exist.
            BadRequestError: when Paigo rejects the change.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = _customer_path(customer_id)
        if not isinstance(unenroll_offering, NotGiven) and (
            not isinstance(offering_id, NotGiven) or not isinstance(remove_prior_offering, NotGiven)
        ):
            raise ClientValidationError(
                "unenroll_offering cannot be combined with offering_id or remove_prior_offering"
            )
        params = build_params(
            EnrollmentUpdateParams, locals(), omit=("customer_id", "path"), none_means_absent=False
        )
        await self._client._request(
            UPDATE_ENROLLMENT, path_params=path, json_body=to_wire(params), timeout=timeout
        )
        return await self.retrieve(customer_id, timeout=timeout)


class AsyncCustomerTransactions(AsyncResource):
    """A customer's wallet ledger: add or remove credit, and list the transactions."""

    async def create(
        self,
        customer_id: str,
        *,
        transaction_amount: DecimalInput,
        timestamp: datetime | str | None = None,
        metadata: Mapping[str, Any] | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Add credit to the customer's wallet (a positive amount) or remove it (negative).

        Not retried after the request may have reached the server (a retry could apply the
        transaction twice).

        Args:
            transaction_amount: the amount, as a Decimal, an int or a plain decimal string.
            timestamp: when the transaction happened, timezone-aware; Paigo uses now by default.

        Raises:
            ClientValidationError: for invalid arguments (e.g. a float amount), before sending.
            NotFoundError: when the customer does not exist.
            BadRequestError: when Paigo rejects the transaction (e.g. a negative balance).
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = _customer_path(customer_id)
        params = build_params(TransactionCreateParams, locals(), omit=("customer_id", "path"))
        return await self._client._request(
            CREATE_TRANSACTION, path_params=path, json_body=to_wire(params), timeout=timeout
        )

    async def list(self, customer_id: str, *, timeout: Timeout = NOT_GIVEN) -> list[LedgerEntry]:
        """List the customer's wallet transactions.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when the customer does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            LIST_TRANSACTIONS, path_params=_customer_path(customer_id), timeout=timeout
        )


class AsyncCustomerRefunds(AsyncResource):
    """A Stripe customer's refunds: create and list."""

    async def create(
        self,
        customer_id: str,
        *,
        payment_intent_id: str,
        amount: DecimalInput | None = None,
        reason: RefundReason | str | None = None,
        metadata: Mapping[str, Any] | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Refund a Stripe payment of the customer, in full or in part.

        Not retried after the request may have reached the server.

        Args:
            payment_intent_id: the Stripe PaymentIntent to refund (`pi_...`).
            amount: the amount to refund; the whole payment when not given.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            BadRequestError: when Paigo rejects the refund (also for `manual` customers).
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = _customer_path(customer_id)
        params = build_params(
            RefundCreateParams,
            {
                "refund_channel_options": RefundChannelOptionsParams.model_validate(
                    {"payment_intent_id": require_id("payment_intent_id", payment_intent_id)}
                ),
                "amount": amount,
                "reason": reason,
                "metadata": metadata,
            },
        )
        return await self._client._request(
            CREATE_REFUND, path_params=path, json_body=to_wire(params), timeout=timeout
        )

    async def list(self, customer_id: str, *, timeout: Timeout = NOT_GIVEN) -> list[StripeRefund]:
        """List the customer's Stripe refunds.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            BadRequestError: for `manual` customers.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            LIST_REFUNDS, path_params=_customer_path(customer_id), timeout=timeout
        )


class AsyncCustomerPayments(AsyncResource):
    """A Stripe customer's payments."""

    async def list(
        self,
        customer_id: str,
        *,
        invoice_id: str | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> list[StripePayment]:
        """List the customer's Stripe payments, optionally only those of one Paigo invoice.

        Paigo v1.10 types the items as refunds; `StripePayment` accepts both shapes.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            BadRequestError: for `manual` customers.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            LIST_PAYMENTS,
            path_params=_customer_path(customer_id),
            query={"invoiceId": invoice_id},
            timeout=timeout,
        )


class AsyncCustomerChildren(AsyncResource):
    """Parent-child links between customers: add, update and remove."""

    async def add(
        self,
        customer_id: str,
        child_id: str,
        *,
        bill_parent: BillParent | str | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Make `child_id` a child of `customer_id`.

        Args:
            bill_parent: `aggregated` bills the parent for the child's invoices; `separate`
                (Paigo's default) does not.

        Raises:
            ClientValidationError: for an empty id or an unknown `bill_parent`, before sending.
            BadRequestError: when Paigo rejects the link.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = {
            "customer_id": require_id("customer_id", customer_id),
            "child_id": require_id("child_id", child_id),
        }
        params = build_params(ChildCreateParams, {"bill_parent": bill_parent})
        return await self._client._request(
            ADD_CHILD, path_params=path, json_body=to_wire(params), timeout=timeout
        )

    async def update(
        self,
        customer_id: str,
        child_id: str,
        *,
        bill_parent: BillParent | str | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Change whether the parent is billed for the child's invoices.

        Raises:
            ClientValidationError: for an empty id or an unknown `bill_parent`, before sending.
            BadRequestError: when Paigo rejects the change.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = {
            "customer_id": require_id("customer_id", customer_id),
            "child_id": require_id("child_id", child_id),
        }
        params = build_params(ChildCreateParams, {"bill_parent": bill_parent})
        return await self._client._request(
            UPDATE_CHILD, path_params=path, json_body=to_wire(params), timeout=timeout
        )

    async def remove(
        self, customer_id: str, child_id: str, *, timeout: Timeout = NOT_GIVEN
    ) -> MessageResponse:
        """Remove the link between a parent and a child customer.

        Raises:
            ClientValidationError: for an empty id, before sending.
            BadRequestError: when Paigo rejects the removal.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = {
            "customer_id": require_id("customer_id", customer_id),
            "child_id": require_id("child_id", child_id),
        }
        return await self._client._request(REMOVE_CHILD, path_params=path, timeout=timeout)


class AsyncCustomers(AsyncResource):
    """Customers: list, create, retrieve, update, delete, and their per-customer routes."""

    @cached_property
    def enrollment(self) -> AsyncCustomerEnrollment:
        """The customer's offering enrolments."""
        return AsyncCustomerEnrollment(self._client)

    @cached_property
    def transactions(self) -> AsyncCustomerTransactions:
        """The customer's wallet transactions."""
        return AsyncCustomerTransactions(self._client)

    @cached_property
    def refunds(self) -> AsyncCustomerRefunds:
        """The customer's Stripe refunds."""
        return AsyncCustomerRefunds(self._client)

    @cached_property
    def payments(self) -> AsyncCustomerPayments:
        """The customer's Stripe payments."""
        return AsyncCustomerPayments(self._client)

    @cached_property
    def children(self) -> AsyncCustomerChildren:
        """The customer's child customers."""
        return AsyncCustomerChildren(self._client)

    async def list(self, *, timeout: Timeout = NOT_GIVEN) -> list[Customer]:
        """List every customer.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(LIST_CUSTOMERS, timeout=timeout)

    async def create(
        self,
        *,
        customer_name: str,
        email: str,
        payment_channel: PaymentChannel | str,
        customer_id: str | None = None,
        offering_id: str | None = None,
        offering_enrollment_date: datetime | str | None = None,
        currency: Currency | str | None = None,
        tax_exempt: TaxExempt | str | None = None,
        customer_vat_id: str | None = None,
        payment_channel_options: ChannelOptionsInput | None = None,
        address: AddressInput | None = None,
        metadata: Mapping[str, Any] | None = None,
        usage: Sequence[UsageInput] | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Customer:
        """Create a customer, optionally enrolled in an offering, and return it.

        Paigo answers a create with the new id only, so the customer is read back with a second
        request and returned in full; the Stripe `portal_url` of the create reply, if any, is kept
        on the returned model. Not retried after the request may have reached the server (a retry
        could create a second customer, unless `customer_id` is given).

        Args:
            payment_channel: `Stripe` or `manual`.
            customer_id: your own id for the customer; Paigo generates one when not given.
            offering_enrollment_date: when the enrolment starts, timezone-aware, in the past.
            usage: initial usage for upfront dimensions, such as the number of seats bought.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            BadRequestError: when Paigo rejects the customer (e.g. a duplicate `customer_id`).
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        params = build_params(CustomerCreateParams, locals())
        created = await self._client._request(
            CREATE_CUSTOMER, json_body=to_wire(params), timeout=timeout
        )
        customer = await self.retrieve(created.customer_id, timeout=timeout)
        if created.portal_url is None:
            return customer
        return customer.model_copy(update={"portal_url": created.portal_url})

    async def retrieve(self, customer_id: str, *, timeout: Timeout = NOT_GIVEN) -> Customer:
        """Return one customer.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when no customer has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            RETRIEVE_CUSTOMER, path_params=_customer_path(customer_id), timeout=timeout
        )

    async def update(
        self,
        customer_id: str,
        *,
        customer_name: str | NotGiven = NOT_GIVEN,
        email: str | NotGiven = NOT_GIVEN,
        payment_channel: PaymentChannel | str | NotGiven = NOT_GIVEN,
        payment_channel_options: ChannelOptionsInput | None | NotGiven = NOT_GIVEN,
        address: AddressInput | None | NotGiven = NOT_GIVEN,
        customer_vat_id: str | None | NotGiven = NOT_GIVEN,
        tax_exempt: TaxExempt | str | NotGiven = NOT_GIVEN,
        currency: Currency | str | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, Any] | None | NotGiven = NOT_GIVEN,
        usage: Sequence[UsageInput] | NotGiven = NOT_GIVEN,
        free_trial_end_date: datetime | str | NotGiven = NOT_GIVEN,
        offering_id: str | None | NotGiven = NOT_GIVEN,
        remove_prior_offering: bool | NotGiven = NOT_GIVEN,
        unenroll_offering: str | NotGiven = NOT_GIVEN,
        timeout: Timeout = NOT_GIVEN,
    ) -> Customer:
        """Update a customer and return it as it now is.

        Only the arguments given are sent; `None` is sent as `null` (`metadata=None` removes all
        metadata, a metadata key set to None removes that key). Paigo's reply to this call is not
        reliably shaped, so the customer is read back with a second request.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            NotFoundError: when no customer has this id.
            BadRequestError: when Paigo rejects the change (e.g. a currency change while the
                wallet holds credit).
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = _customer_path(customer_id)
        params = build_params(
            CustomerUpdateParams, locals(), omit=("customer_id", "path"), none_means_absent=False
        )
        await self._client._request(
            UPDATE_CUSTOMER, path_params=path, json_body=to_wire(params), timeout=timeout
        )
        return await self.retrieve(customer_id, timeout=timeout)

    async def delete(
        self, customer_id: str, *, timeout: Timeout = NOT_GIVEN
    ) -> CustomerDeleteResponse:
        """Delete a customer.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when no customer has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            DELETE_CUSTOMER, path_params=_customer_path(customer_id), timeout=timeout
        )

    async def update_free_trial(
        self,
        customer_id: str,
        *,
        free_trial_end_date: datetime | str,
        free_trial_start_date: datetime | str | None = None,
        offering_id: str | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> FreeTrialUpdateResponse:
        """Change the start and end of the customer's free trial.

        Raises:
            ClientValidationError: for invalid arguments (e.g. a naive datetime), before sending.
            NotFoundError: when the customer does not exist.
            BadRequestError: when Paigo rejects the dates.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = _customer_path(customer_id)
        params = build_params(FreeTrialUpdateParams, locals(), omit=("customer_id", "path"))
        return await self._client._request(
            UPDATE_FREE_TRIAL, path_params=path, json_body=to_wire(params), timeout=timeout
        )

    async def retrieve_usage(
        self,
        customer_id: str,
        *,
        aggregation_interval: AggregationInterval | str | None = None,
        aggregation_purpose: AggregationPurpose | str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        ignore_enrollment_date: bool | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> builtins.list[CustomerUsage]:
        """Return the customer's usage per dimension, raw or aggregated into time buckets.

        With `aggregation_interval="none"` each element is a `RawUsage` (the records as sent);
        otherwise an `AggregatedUsage` (bucket values before increment rounding). Without an
        interval each dimension uses its own.

        Args:
            start_time: the inclusive start of the window, timezone-aware.
            end_time: the exclusive end of the window, timezone-aware, after `start_time`.
            ignore_enrollment_date: include usage from before the current enrolment.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            NotFoundError: when the customer does not exist.
            BadRequestError: when Paigo rejects the query.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        query = _usage_query(
            aggregation_interval, aggregation_purpose, start_time, end_time, ignore_enrollment_date
        )
        return await self._client._request(
            RETRIEVE_CUSTOMER_USAGE,
            path_params=_customer_path(customer_id),
            query=query,
            timeout=timeout,
        )

    async def retrieve_token(
        self, customer_id: str, *, timeout: Timeout = NOT_GIVEN
    ) -> CustomerToken:
        """Return a token that lets the end customer view their own billing data in Paigo.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when the customer does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            RETRIEVE_CUSTOMER_TOKEN, path_params=_customer_path(customer_id), timeout=timeout
        )

    async def retrieve_stripe_portal(
        self, customer_id: str, *, timeout: Timeout = NOT_GIVEN
    ) -> StripePortal:
        """Return a short-lived Stripe customer portal link for the customer.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            BadRequestError: when Paigo cannot make a portal (e.g. a `manual` customer).
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            RETRIEVE_STRIPE_PORTAL, path_params=_customer_path(customer_id), timeout=timeout
        )
