"""Customers: profiles, free trials, usage views and portal links; sub-resources hang off them."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from paigo_sdk._client import Timeout
from paigo_sdk._operations import (
    CREATE_CUSTOMER,
    DELETE_CUSTOMER,
    LIST_CUSTOMERS,
    RETRIEVE_CUSTOMER,
    RETRIEVE_CUSTOMER_TOKEN,
    RETRIEVE_CUSTOMER_USAGE,
    RETRIEVE_STRIPE_PORTAL,
    UPDATE_CUSTOMER,
    UPDATE_FREE_TRIAL,
)
from paigo_sdk._request_options import Body, Headers, Query
from paigo_sdk._sentinels import NOT_GIVEN, NotGiven
from paigo_sdk.errors import ClientValidationError
from paigo_sdk.pagination import AsyncPage, SyncPage
from paigo_sdk.resources._base import AsyncResource, SyncResource, build_params, customer_path
from paigo_sdk.resources.customer_children import AsyncCustomerChildren, CustomerChildren
from paigo_sdk.resources.customer_enrollment import AsyncCustomerEnrollment, CustomerEnrollment
from paigo_sdk.resources.customer_stripe import (
    AsyncCustomerPayments,
    AsyncCustomerRefunds,
    CustomerPayments,
    CustomerRefunds,
)
from paigo_sdk.resources.customer_wallet import AsyncCustomerTransactions, CustomerTransactions
from paigo_sdk.types import (
    AddressParams,
    Customer,
    CustomerCreateParams,
    CustomerDeleteResponse,
    CustomerToken,
    CustomerUpdateParams,
    CustomerUsage,
    EnrollmentUsageParams,
    FreeTrialUpdateParams,
    FreeTrialUpdateResponse,
    PaymentChannelOptionsParams,
    StripePortal,
    format_timestamp,
    parse_timestamp,
    to_wire,
)
from paigo_sdk.types.enums import (
    AggregationInterval,
    AggregationPurpose,
    Currency,
    PaymentChannel,
    TaxExempt,
)

__all__ = ["AsyncCustomers", "Customers"]

UsageInput = EnrollmentUsageParams | Mapping[str, Any]
AddressInput = AddressParams | Mapping[str, Any]
ChannelOptionsInput = PaymentChannelOptionsParams | Mapping[str, Any]


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

    async def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> AsyncPage[Customer]:
        """List every customer.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request_page(
            LIST_CUSTOMERS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

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
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Customer:
        """Create a customer, optionally enrolled in an offering, and return it.

        Paigo answers a create with the new id only, so the customer is read back with a second
        request and returned in full; the Stripe `portal_url` of the create reply, if any, is kept
        on the returned model. Sent with an `Idempotency-Key` (`idempotency_key`, or a fresh key
        when retries are on), the same on every attempt, so a retry after a lost reply is answered
        as a replay on a server that honours keys instead of acting twice.

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
            CREATE_CUSTOMER,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            json_body=to_wire(params),
            timeout=timeout,
        )
        customer = await self.retrieve(created.customer_id, timeout=timeout)
        if created.portal_url is None:
            return customer
        return customer.model_copy(update={"portal_url": created.portal_url})

    async def retrieve(
        self,
        customer_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Customer:
        """Return one customer.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when no customer has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            RETRIEVE_CUSTOMER,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            timeout=timeout,
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
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
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
        path = customer_path(customer_id)
        params = build_params(
            CustomerUpdateParams, locals(), omit=("customer_id", "path"), none_means_absent=False
        )
        await self._client._request(
            UPDATE_CUSTOMER,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return await self.retrieve(customer_id, timeout=timeout)

    async def delete(
        self,
        customer_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> CustomerDeleteResponse:
        """Delete a customer.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when no customer has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            DELETE_CUSTOMER,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            timeout=timeout,
        )

    async def update_free_trial(
        self,
        customer_id: str,
        *,
        free_trial_end_date: datetime | str,
        free_trial_start_date: datetime | str | None = None,
        offering_id: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
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
        path = customer_path(customer_id)
        params = build_params(FreeTrialUpdateParams, locals(), omit=("customer_id", "path"))
        return await self._client._request(
            UPDATE_FREE_TRIAL,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
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
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
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
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            query=query,
            timeout=timeout,
        )

    async def retrieve_token(
        self,
        customer_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> CustomerToken:
        """Return a token that lets the end customer view their own billing data in Paigo.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when the customer does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            RETRIEVE_CUSTOMER_TOKEN,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            timeout=timeout,
        )

    async def retrieve_stripe_portal(
        self,
        customer_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> StripePortal:
        """Return a short-lived Stripe customer portal link for the customer.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            BadRequestError: when Paigo cannot make a portal (e.g. a `manual` customer).
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            RETRIEVE_STRIPE_PORTAL,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            timeout=timeout,
        )


# ------------------------------------------------------------------------------------------
# Generated by scripts/unasync.py from the async classes above; do not edit by hand.


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

    def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> SyncPage[Customer]:
        """List every customer.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request_page(
            LIST_CUSTOMERS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

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
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Customer:
        """Create a customer, optionally enrolled in an offering, and return it.

        Paigo answers a create with the new id only, so the customer is read back with a second
        request and returned in full; the Stripe `portal_url` of the create reply, if any, is kept
        on the returned model. Sent with an `Idempotency-Key` (`idempotency_key`, or a fresh key
        when retries are on), the same on every attempt, so a retry after a lost reply is answered
        as a replay on a server that honours keys instead of acting twice.

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
        created = self._client._request(
            CREATE_CUSTOMER,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            json_body=to_wire(params),
            timeout=timeout,
        )
        customer = self.retrieve(created.customer_id, timeout=timeout)
        if created.portal_url is None:
            return customer
        return customer.model_copy(update={"portal_url": created.portal_url})

    def retrieve(
        self,
        customer_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Customer:
        """Return one customer.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when no customer has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            RETRIEVE_CUSTOMER,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            timeout=timeout,
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
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
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
        path = customer_path(customer_id)
        params = build_params(
            CustomerUpdateParams, locals(), omit=("customer_id", "path"), none_means_absent=False
        )
        self._client._request(
            UPDATE_CUSTOMER,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return self.retrieve(customer_id, timeout=timeout)

    def delete(
        self,
        customer_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> CustomerDeleteResponse:
        """Delete a customer.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when no customer has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            DELETE_CUSTOMER,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            timeout=timeout,
        )

    def update_free_trial(
        self,
        customer_id: str,
        *,
        free_trial_end_date: datetime | str,
        free_trial_start_date: datetime | str | None = None,
        offering_id: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
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
        path = customer_path(customer_id)
        params = build_params(FreeTrialUpdateParams, locals(), omit=("customer_id", "path"))
        return self._client._request(
            UPDATE_FREE_TRIAL,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
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
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
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
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            query=query,
            timeout=timeout,
        )

    def retrieve_token(
        self,
        customer_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> CustomerToken:
        """Return a token that lets the end customer view their own billing data in Paigo.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when the customer does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            RETRIEVE_CUSTOMER_TOKEN,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            timeout=timeout,
        )

    def retrieve_stripe_portal(
        self,
        customer_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> StripePortal:
        """Return a short-lived Stripe customer portal link for the customer.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            BadRequestError: when Paigo cannot make a portal (e.g. a `manual` customer).
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            RETRIEVE_STRIPE_PORTAL,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            timeout=timeout,
        )
