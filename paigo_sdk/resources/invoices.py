"""Invoices: create a manual (off-cycle) invoice, and read one with its lines and payments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from paigo_sdk._client import Timeout
from paigo_sdk._operations import CREATE_INVOICE, RETRIEVE_INVOICE
from paigo_sdk._request_options import Body, Headers, Query
from paigo_sdk._sentinels import NOT_GIVEN
from paigo_sdk.errors import APIResponseValidationError
from paigo_sdk.resources._base import AsyncResource, SyncResource, build_params, require_id
from paigo_sdk.types import Invoice, InvoiceCreateParams, InvoiceLineParams, to_wire
from paigo_sdk.types.enums import Currency, InvoicePaymentTerm

__all__ = ["AsyncInvoices", "Invoices"]

LineInput = InvoiceLineParams | Mapping[str, Any]


def _invoice_url(invoice: Invoice) -> str:
    if not invoice.invoice_url:
        raise APIResponseValidationError(
            f"invoice {invoice.invoice_id} came back without an invoiceUrl to download",
            status_code=200,
            body=None,
            method="GET",
            url=f"/invoices/{invoice.invoice_id}?download=true",
        )
    return invoice.invoice_url


class AsyncInvoices(AsyncResource):
    """Invoices: create, retrieve, download (Paigo v1.10 has no invoice list or status routes)."""

    async def create(
        self,
        *,
        customer_id: str,
        items: Sequence[LineInput],
        invoice_date: datetime | str | None = None,
        currency: Currency | str | None = None,
        invoice_payment_term: InvoicePaymentTerm | str | None = None,
        store_payment_as_credit: bool | None = None,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Invoice:
        """Create a manual invoice with the given line items and return it.

        Paigo answers a create with the new id only, so the invoice is read back with a second
        request and returned in full. Sent with an `Idempotency-Key` (`idempotency_key`, or a fresh
        key when retries are on), the same on every attempt, so a retry after a lost reply is
        answered as a replay on a server that honours keys instead of acting twice.

        Args:
            items: line items `{name, quantity, unit_cost, description?}`; quantity and unit cost
                are Decimals (JSON numbers on the wire).
            store_payment_as_credit: if true, paying the invoice adds to the customer's wallet.

        Raises:
            ClientValidationError: for invalid arguments (e.g. a float unit cost), before sending.
            NotFoundError: when the customer does not exist.
            BadRequestError: when Paigo rejects the invoice.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        params = build_params(InvoiceCreateParams, locals())
        created = await self._client._request(
            CREATE_INVOICE,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return await self.retrieve(created.invoice_id, timeout=timeout)

    async def retrieve(
        self,
        invoice_id: str,
        *,
        download: bool = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Invoice:
        """Return one invoice.

        Args:
            download: also ask for `invoice_url`, a pre-signed PDF link valid for 7 days.

        Raises:
            ClientValidationError: when `invoice_id` is empty.
            NotFoundError: when no invoice has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            RETRIEVE_INVOICE,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"invoice_id": require_id("invoice_id", invoice_id)},
            query={"download": "true" if download else None},
            timeout=timeout,
        )

    async def download(
        self,
        invoice_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> bytes:
        """Download the invoice as a PDF and return its bytes.

        The invoice is read with `download=True` for its pre-signed `invoice_url`, which is then
        fetched without the bearer token (the link carries its own signature; the extras go with
        the first request). For a large file, `client.with_streaming_response.invoices.download`
        reads the body only as you iterate over it.

        Raises:
            ClientValidationError: when `invoice_id` is empty.
            NotFoundError: when no invoice has this id.
            APIResponseValidationError: when the invoice comes back without an `invoice_url`.
            APIStatusError: for other error replies to either request (the simulator answers
                501 when its `pdf` extra is not installed).
            APIConnectionError: when no reply arrives (the file request is not retried).
        """
        invoice = await self.retrieve(
            invoice_id,
            download=True,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        return await self._client._download(_invoice_url(invoice), timeout=timeout)


# ------------------------------------------------------------------------------------------
# Generated by scripts/unasync.py from the async classes above; do not edit by hand.


class Invoices(SyncResource):
    """Invoices: create, retrieve, download (Paigo v1.10 has no invoice list or status routes)."""

    def create(
        self,
        *,
        customer_id: str,
        items: Sequence[LineInput],
        invoice_date: datetime | str | None = None,
        currency: Currency | str | None = None,
        invoice_payment_term: InvoicePaymentTerm | str | None = None,
        store_payment_as_credit: bool | None = None,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Invoice:
        """Create a manual invoice with the given line items and return it.

        Paigo answers a create with the new id only, so the invoice is read back with a second
        request and returned in full. Sent with an `Idempotency-Key` (`idempotency_key`, or a fresh
        key when retries are on), the same on every attempt, so a retry after a lost reply is
        answered as a replay on a server that honours keys instead of acting twice.

        Args:
            items: line items `{name, quantity, unit_cost, description?}`; quantity and unit cost
                are Decimals (JSON numbers on the wire).
            store_payment_as_credit: if true, paying the invoice adds to the customer's wallet.

        Raises:
            ClientValidationError: for invalid arguments (e.g. a float unit cost), before sending.
            NotFoundError: when the customer does not exist.
            BadRequestError: when Paigo rejects the invoice.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        params = build_params(InvoiceCreateParams, locals())
        created = self._client._request(
            CREATE_INVOICE,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return self.retrieve(created.invoice_id, timeout=timeout)

    def retrieve(
        self,
        invoice_id: str,
        *,
        download: bool = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Invoice:
        """Return one invoice.

        Args:
            download: also ask for `invoice_url`, a pre-signed PDF link valid for 7 days.

        Raises:
            ClientValidationError: when `invoice_id` is empty.
            NotFoundError: when no invoice has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            RETRIEVE_INVOICE,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"invoice_id": require_id("invoice_id", invoice_id)},
            query={"download": "true" if download else None},
            timeout=timeout,
        )

    def download(
        self,
        invoice_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> bytes:
        """Download the invoice as a PDF and return its bytes.

        The invoice is read with `download=True` for its pre-signed `invoice_url`, which is then
        fetched without the bearer token (the link carries its own signature; the extras go with
        the first request). For a large file, `client.with_streaming_response.invoices.download`
        reads the body only as you iterate over it.

        Raises:
            ClientValidationError: when `invoice_id` is empty.
            NotFoundError: when no invoice has this id.
            APIResponseValidationError: when the invoice comes back without an `invoice_url`.
            APIStatusError: for other error replies to either request (the simulator answers
                501 when its `pdf` extra is not installed).
            APIConnectionError: when no reply arrives (the file request is not retried).
        """
        invoice = self.retrieve(
            invoice_id,
            download=True,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        return self._client._download(_invoice_url(invoice), timeout=timeout)
