"""Parent-child links between customers, and who pays the child's invoices."""

from __future__ import annotations

from paigo_sdk._client import Timeout
from paigo_sdk._operations import ADD_CHILD, REMOVE_CHILD, UPDATE_CHILD
from paigo_sdk._request_options import Body, Headers, Query
from paigo_sdk._sentinels import NOT_GIVEN
from paigo_sdk.resources._base import AsyncResource, SyncResource, build_params, require_id
from paigo_sdk.types import ChildCreateParams, MessageResponse, to_wire
from paigo_sdk.types.enums import BillParent

__all__ = ["AsyncCustomerChildren", "CustomerChildren"]


class CustomerChildren(SyncResource):
    """Parent-child links between customers: add, update and remove."""

    def add(
        self,
        customer_id: str,
        child_id: str,
        *,
        bill_parent: BillParent | str | None = None,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
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
            ADD_CHILD,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )

    def update(
        self,
        customer_id: str,
        child_id: str,
        *,
        bill_parent: BillParent | str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
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
            UPDATE_CHILD,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )

    def remove(
        self,
        customer_id: str,
        child_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
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
        return self._client._request(
            REMOVE_CHILD,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
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
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
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
            ADD_CHILD,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )

    async def update(
        self,
        customer_id: str,
        child_id: str,
        *,
        bill_parent: BillParent | str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
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
            UPDATE_CHILD,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )

    async def remove(
        self,
        customer_id: str,
        child_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
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
        return await self._client._request(
            REMOVE_CHILD,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            timeout=timeout,
        )
