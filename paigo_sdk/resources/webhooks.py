"""Webhooks: subscriptions to Paigo's events, a connection test and sample payloads."""

from __future__ import annotations

import builtins
from typing import Any

from paigo_sdk._client import Timeout
from paigo_sdk._operations import (
    DELETE_WEBHOOK,
    LIST_WEBHOOKS,
    RETRIEVE_WEBHOOK,
    SAMPLE_CUSTOMER_WEBHOOK,
    SAMPLE_ENTITLEMENT_WEBHOOK,
    SAMPLE_INVOICE_WEBHOOK,
    SUBSCRIBE_WEBHOOK,
    TEST_WEBHOOK,
)
from paigo_sdk._request_options import Body, Headers, Query
from paigo_sdk._sentinels import NOT_GIVEN
from paigo_sdk.errors import ClientValidationError
from paigo_sdk.pagination import AsyncPage, SyncPage
from paigo_sdk.resources._base import AsyncResource, SyncResource, build_params, require_id
from paigo_sdk.types import (
    Customer,
    EntitlementEvent,
    MessageResponse,
    Webhook,
    WebhookCreateParams,
    WebhookResponse,
    to_wire,
)
from paigo_sdk.types.enums import WebhookEnvironment, WebhookType

__all__ = ["AsyncWebhooks", "Webhooks"]


class AsyncWebhooks(AsyncResource):
    """Webhooks: subscribe, list, retrieve, delete, test, and the three sample payloads."""

    async def subscribe(
        self,
        *,
        hook_url: str,
        webhook_type: WebhookType | str,
        security_key: str | None = None,
        environment: WebhookEnvironment | str | None = None,
        offering_id: str | None = None,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Webhook:
        """Subscribe a URL to one event type and return the subscription.

        Paigo answers with the new id only, so the subscription is read back with a second request.
        Sent with an `Idempotency-Key` (`idempotency_key`, or a fresh key when retries are on), the
        same on every attempt, so a retry after a lost reply is answered as a replay on a server
        that honours keys instead of acting twice.

        Args:
            security_key: a shared secret Paigo sends back in the `X-Paigo-Security` header.
            environment: `production` (Paigo's default) or `sandbox`.
            offering_id: only for `ENTITLEMENT` hooks.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            BadRequestError: when Paigo rejects the subscription.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        params = build_params(WebhookCreateParams, locals())
        created = await self._client._request(
            SUBSCRIBE_WEBHOOK,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return await self.retrieve(created.webhook_id, timeout=timeout)

    async def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> AsyncPage[Webhook]:
        """List every webhook subscription.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request_page(
            LIST_WEBHOOKS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    async def retrieve(
        self,
        webhook_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Webhook:
        """Return one webhook subscription.

        Raises:
            ClientValidationError: when `webhook_id` is empty.
            NotFoundError: when no subscription has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            RETRIEVE_WEBHOOK,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"webhook_id": require_id("webhook_id", webhook_id)},
            timeout=timeout,
        )

    async def delete(
        self,
        webhook_id: str,
        *,
        environment: WebhookEnvironment | str = WebhookEnvironment.PRODUCTION,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> WebhookResponse:
        """Unsubscribe a webhook.

        Paigo's contract requires the `environment` query parameter; the SDK always sends it,
        defaulting to `production`.

        Raises:
            ClientValidationError: when `webhook_id` is empty or `environment` is unknown.
            NotFoundError: when no subscription has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        try:
            env = WebhookEnvironment(environment)
        except ValueError:
            raise ClientValidationError(
                f"environment must be 'production' or 'sandbox', got {environment!r}"
            ) from None
        return await self._client._request(
            DELETE_WEBHOOK,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"webhook_id": require_id("webhook_id", webhook_id)},
            query={"environment": env.value},
            timeout=timeout,
        )

    async def test(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Ask Paigo to test the webhook connection.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            TEST_WEBHOOK,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    async def sample_invoice(
        self,
        *,
        status: str,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> builtins.list[dict[str, Any]] | dict[str, Any]:
        """Return Paigo's sample invoice event payload(s) for an invoice event.

        Args:
            status: which invoice event to sample, e.g. `INVOICE_CREATED` or `INVOICE_PAID`.

        Raises:
            ClientValidationError: when `status` is empty.
            APIStatusError: for an error reply.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            SAMPLE_INVOICE_WEBHOOK,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            query={"status": require_id("status", status)},
            timeout=timeout,
        )

    async def sample_customer(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> builtins.list[Customer]:
        """Return Paigo's sample customer event payloads.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            SAMPLE_CUSTOMER_WEBHOOK,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    async def sample_entitlement(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> builtins.list[EntitlementEvent]:
        """Return Paigo's sample entitlement event payloads.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            SAMPLE_ENTITLEMENT_WEBHOOK,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )


# ------------------------------------------------------------------------------------------
# Generated by scripts/unasync.py from the async classes above; do not edit by hand.


class Webhooks(SyncResource):
    """Webhooks: subscribe, list, retrieve, delete, test, and the three sample payloads."""

    def subscribe(
        self,
        *,
        hook_url: str,
        webhook_type: WebhookType | str,
        security_key: str | None = None,
        environment: WebhookEnvironment | str | None = None,
        offering_id: str | None = None,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Webhook:
        """Subscribe a URL to one event type and return the subscription.

        Paigo answers with the new id only, so the subscription is read back with a second request.
        Sent with an `Idempotency-Key` (`idempotency_key`, or a fresh key when retries are on), the
        same on every attempt, so a retry after a lost reply is answered as a replay on a server
        that honours keys instead of acting twice.

        Args:
            security_key: a shared secret Paigo sends back in the `X-Paigo-Security` header.
            environment: `production` (Paigo's default) or `sandbox`.
            offering_id: only for `ENTITLEMENT` hooks.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            BadRequestError: when Paigo rejects the subscription.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        params = build_params(WebhookCreateParams, locals())
        created = self._client._request(
            SUBSCRIBE_WEBHOOK,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return self.retrieve(created.webhook_id, timeout=timeout)

    def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> SyncPage[Webhook]:
        """List every webhook subscription.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request_page(
            LIST_WEBHOOKS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    def retrieve(
        self,
        webhook_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Webhook:
        """Return one webhook subscription.

        Raises:
            ClientValidationError: when `webhook_id` is empty.
            NotFoundError: when no subscription has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            RETRIEVE_WEBHOOK,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"webhook_id": require_id("webhook_id", webhook_id)},
            timeout=timeout,
        )

    def delete(
        self,
        webhook_id: str,
        *,
        environment: WebhookEnvironment | str = WebhookEnvironment.PRODUCTION,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> WebhookResponse:
        """Unsubscribe a webhook.

        Paigo's contract requires the `environment` query parameter; the SDK always sends it,
        defaulting to `production`.

        Raises:
            ClientValidationError: when `webhook_id` is empty or `environment` is unknown.
            NotFoundError: when no subscription has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        try:
            env = WebhookEnvironment(environment)
        except ValueError:
            raise ClientValidationError(
                f"environment must be 'production' or 'sandbox', got {environment!r}"
            ) from None
        return self._client._request(
            DELETE_WEBHOOK,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"webhook_id": require_id("webhook_id", webhook_id)},
            query={"environment": env.value},
            timeout=timeout,
        )

    def test(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Ask Paigo to test the webhook connection.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            TEST_WEBHOOK,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    def sample_invoice(
        self,
        *,
        status: str,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> builtins.list[dict[str, Any]] | dict[str, Any]:
        """Return Paigo's sample invoice event payload(s) for an invoice event.

        Args:
            status: which invoice event to sample, e.g. `INVOICE_CREATED` or `INVOICE_PAID`.

        Raises:
            ClientValidationError: when `status` is empty.
            APIStatusError: for an error reply.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            SAMPLE_INVOICE_WEBHOOK,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            query={"status": require_id("status", status)},
            timeout=timeout,
        )

    def sample_customer(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> builtins.list[Customer]:
        """Return Paigo's sample customer event payloads.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            SAMPLE_CUSTOMER_WEBHOOK,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    def sample_entitlement(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> builtins.list[EntitlementEvent]:
        """Return Paigo's sample entitlement event payloads.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            SAMPLE_ENTITLEMENT_WEBHOOK,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
