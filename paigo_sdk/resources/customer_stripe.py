"""A Stripe customer's refunds and payments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paigo_sdk._client import Timeout
from paigo_sdk._operations import CREATE_REFUND, LIST_PAYMENTS, LIST_REFUNDS
from paigo_sdk._request_options import Body, Headers, Query
from paigo_sdk._sentinels import NOT_GIVEN
from paigo_sdk.pagination import AsyncPage, SyncPage
from paigo_sdk.resources._base import (
    AsyncResource,
    SyncResource,
    build_params,
    customer_path,
    require_id,
)
from paigo_sdk.types import (
    DecimalInput,
    MessageResponse,
    RefundChannelOptionsParams,
    RefundCreateParams,
    StripePayment,
    StripeRefund,
    to_wire,
)
from paigo_sdk.types.enums import RefundReason

__all__ = [
    "AsyncCustomerPayments",
    "AsyncCustomerRefunds",
    "CustomerPayments",
    "CustomerRefunds",
]


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
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Refund a Stripe payment of the customer, in full or in part.

        Sent with an `Idempotency-Key` (`idempotency_key`, or a fresh key when retries are on), the
        same on every attempt, so a retry after a lost reply is answered as a replay on a server
        that honours keys instead of acting twice.

        Args:
            payment_intent_id: the Stripe PaymentIntent to refund (`pi_...`).
            amount: the amount to refund; the whole payment when not given.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            BadRequestError: when Paigo rejects the refund (also for `manual` customers).
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = customer_path(customer_id)
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
            CREATE_REFUND,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )

    async def list(
        self,
        customer_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> AsyncPage[StripeRefund]:
        """List the customer's Stripe refunds.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            BadRequestError: for `manual` customers.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request_page(
            LIST_REFUNDS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            timeout=timeout,
        )


class AsyncCustomerPayments(AsyncResource):
    """A Stripe customer's payments."""

    async def list(
        self,
        customer_id: str,
        *,
        invoice_id: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> AsyncPage[StripePayment]:
        """List the customer's Stripe payments, optionally only those of one Paigo invoice.

        Paigo v1.10 types the items as refunds; `StripePayment` accepts both shapes.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            BadRequestError: for `manual` customers.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request_page(
            LIST_PAYMENTS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            query={"invoiceId": invoice_id},
            timeout=timeout,
        )


# ------------------------------------------------------------------------------------------
# Generated by scripts/unasync.py from the async classes above; do not edit by hand.


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
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Refund a Stripe payment of the customer, in full or in part.

        Sent with an `Idempotency-Key` (`idempotency_key`, or a fresh key when retries are on), the
        same on every attempt, so a retry after a lost reply is answered as a replay on a server
        that honours keys instead of acting twice.

        Args:
            payment_intent_id: the Stripe PaymentIntent to refund (`pi_...`).
            amount: the amount to refund; the whole payment when not given.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            BadRequestError: when Paigo rejects the refund (also for `manual` customers).
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = customer_path(customer_id)
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
            CREATE_REFUND,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )

    def list(
        self,
        customer_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> SyncPage[StripeRefund]:
        """List the customer's Stripe refunds.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            BadRequestError: for `manual` customers.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request_page(
            LIST_REFUNDS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            timeout=timeout,
        )


class CustomerPayments(SyncResource):
    """A Stripe customer's payments."""

    def list(
        self,
        customer_id: str,
        *,
        invoice_id: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> SyncPage[StripePayment]:
        """List the customer's Stripe payments, optionally only those of one Paigo invoice.

        Paigo v1.10 types the items as refunds; `StripePayment` accepts both shapes.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            BadRequestError: for `manual` customers.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request_page(
            LIST_PAYMENTS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            query={"invoiceId": invoice_id},
            timeout=timeout,
        )
