"""A customer's wallet: credit and debit transactions, and the ledger."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from paigo_sdk._client import Timeout
from paigo_sdk._operations import CREATE_TRANSACTION, LIST_TRANSACTIONS
from paigo_sdk._request_options import Body, Headers, Query
from paigo_sdk._sentinels import NOT_GIVEN
from paigo_sdk.pagination import AsyncPage, SyncPage
from paigo_sdk.resources._base import AsyncResource, SyncResource, build_params, customer_path
from paigo_sdk.types import (
    DecimalInput,
    LedgerEntry,
    MessageResponse,
    TransactionCreateParams,
    to_wire,
)

__all__ = ["AsyncCustomerTransactions", "CustomerTransactions"]


class CustomerTransactions(SyncResource):
    """A customer's wallet ledger: add or remove credit, and list the transactions."""

    def create(
        self,
        customer_id: str,
        *,
        transaction_amount: DecimalInput,
        timestamp: datetime | str | None = None,
        metadata: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Add credit to the customer's wallet (a positive amount) or remove it (negative).

        Sent with an `Idempotency-Key` (`idempotency_key`, or a fresh key when retries are on), the
        same on every attempt, so a retry after a lost reply is answered as a replay on a server
        that honours keys instead of acting twice.

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
        path = customer_path(customer_id)
        params = build_params(TransactionCreateParams, locals(), omit=("customer_id", "path"))
        return self._client._request(
            CREATE_TRANSACTION,
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
    ) -> SyncPage[LedgerEntry]:
        """List the customer's wallet transactions.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when the customer does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request_page(
            LIST_TRANSACTIONS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            timeout=timeout,
        )


class AsyncCustomerTransactions(AsyncResource):
    """A customer's wallet ledger: add or remove credit, and list the transactions."""

    async def create(
        self,
        customer_id: str,
        *,
        transaction_amount: DecimalInput,
        timestamp: datetime | str | None = None,
        metadata: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Add credit to the customer's wallet (a positive amount) or remove it (negative).

        Sent with an `Idempotency-Key` (`idempotency_key`, or a fresh key when retries are on), the
        same on every attempt, so a retry after a lost reply is answered as a replay on a server
        that honours keys instead of acting twice.

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
        path = customer_path(customer_id)
        params = build_params(TransactionCreateParams, locals(), omit=("customer_id", "path"))
        return await self._client._request(
            CREATE_TRANSACTION,
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
    ) -> AsyncPage[LedgerEntry]:
        """List the customer's wallet transactions.

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when the customer does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request_page(
            LIST_TRANSACTIONS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=customer_path(customer_id),
            timeout=timeout,
        )
