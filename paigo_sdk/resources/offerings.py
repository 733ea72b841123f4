"""Offerings (Paigo's pricing plans): dimensions bundled with fees, credits and a billing cycle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from paigo_sdk._client import Timeout
from paigo_sdk._operations import (
    CREATE_OFFERING,
    DELETE_OFFERING,
    LIST_OFFERINGS,
    RETRIEVE_OFFERING,
    UPDATE_OFFERING,
)
from paigo_sdk._request_options import Body, Headers, Query
from paigo_sdk._sentinels import NOT_GIVEN, NotGiven
from paigo_sdk.pagination import AsyncPage, SyncPage
from paigo_sdk.resources._base import AsyncResource, SyncResource, build_params, require_id
from paigo_sdk.types import (
    DecimalInput,
    DimensionOverrideParams,
    Offering,
    OfferingCreateParams,
    OfferingDeleteResponse,
    OfferingUpdateParams,
    to_wire,
)
from paigo_sdk.types.enums import BillingCycle, Currency, OfferingType, OfferingVisibility

__all__ = ["AsyncOfferings", "Offerings"]

OverrideInput = DimensionOverrideParams | Mapping[str, Any]


class AsyncOfferings(AsyncResource):
    """Offerings: list, create, retrieve, update and delete."""

    async def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> AsyncPage[Offering]:
        """List every offering, each with its dimensions embedded.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request_page(
            LIST_OFFERINGS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    async def create(
        self,
        *,
        offering_name: str,
        offering_type: OfferingType | str | None = None,
        subscription_price: DecimalInput | None = None,
        billing_cycle: BillingCycle | str | None = None,
        currency: Currency | str | None = None,
        dimension_ids: Sequence[str] | None = None,
        dimension_overrides: Sequence[OverrideInput] | None = None,
        offering_visibility: OfferingVisibility | str | None = None,
        prepaid_credit: DecimalInput | None = None,
        minimum_charge: DecimalInput | None = None,
        top_up_amount: DecimalInput | None = None,
        top_up_threshold: DecimalInput | None = None,
        free_trial_length: DecimalInput | None = None,
        metadata: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Offering:
        """Create an offering and return it.

        Paigo answers a create with the new id only, so the offering is read back with a second
        request and returned in full. Arguments left as None are not sent. Sent with an
        `Idempotency-Key` (`idempotency_key`, or a fresh key when retries are on), the same on every
        attempt, so a retry after a lost reply is answered as a replay on a server that honours keys
        instead of acting twice.

        Args:
            subscription_price: the fixed price per billing cycle (a JSON number on the wire).
            top_up_threshold: the recharge trigger as a fraction (0 to 1) of `top_up_amount`.
            free_trial_length: the free-trial length in days.

        Raises:
            ClientValidationError: for invalid arguments (e.g. a float price), before sending.
            BadRequestError: when Paigo rejects the offering.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        params = build_params(OfferingCreateParams, locals())
        created = await self._client._request(
            CREATE_OFFERING,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return await self.retrieve(created.offering_id, timeout=timeout)

    async def retrieve(
        self,
        offering_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Offering:
        """Return one offering.

        Raises:
            ClientValidationError: when `offering_id` is empty.
            NotFoundError: when no offering has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            RETRIEVE_OFFERING,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"offering_id": require_id("offering_id", offering_id)},
            timeout=timeout,
        )

    async def update(
        self,
        offering_id: str,
        *,
        offering_name: str | NotGiven = NOT_GIVEN,
        offering_type: OfferingType | str | NotGiven = NOT_GIVEN,
        subscription_price: DecimalInput | None | NotGiven = NOT_GIVEN,
        billing_cycle: BillingCycle | str | NotGiven = NOT_GIVEN,
        currency: Currency | str | NotGiven = NOT_GIVEN,
        dimension_ids: Sequence[str] | NotGiven = NOT_GIVEN,
        dimension_overrides: Sequence[OverrideInput] | None | NotGiven = NOT_GIVEN,
        offering_visibility: OfferingVisibility | str | NotGiven = NOT_GIVEN,
        prepaid_credit: DecimalInput | None | NotGiven = NOT_GIVEN,
        minimum_charge: DecimalInput | None | NotGiven = NOT_GIVEN,
        top_up_amount: DecimalInput | None | NotGiven = NOT_GIVEN,
        top_up_threshold: DecimalInput | None | NotGiven = NOT_GIVEN,
        free_trial_length: DecimalInput | None | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, Any] | None | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Offering:
        """Update an offering and return it as it now is.

        Only the arguments given are sent; `None` is sent as `null` (`metadata=None` removes all
        metadata, a metadata key set to None removes that key). The offering is read back with a
        second request.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            NotFoundError: when no offering has this id.
            BadRequestError: when Paigo rejects the change.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = {"offering_id": require_id("offering_id", offering_id)}
        params = build_params(
            OfferingUpdateParams, locals(), omit=("offering_id", "path"), none_means_absent=False
        )
        await self._client._request(
            UPDATE_OFFERING,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return await self.retrieve(offering_id, timeout=timeout)

    async def delete(
        self,
        offering_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> OfferingDeleteResponse:
        """Delete an offering.

        Raises:
            ClientValidationError: when `offering_id` is empty.
            NotFoundError: when no offering has this id.
            ConflictError: when customers are still enrolled in the offering.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            DELETE_OFFERING,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"offering_id": require_id("offering_id", offering_id)},
            timeout=timeout,
        )


# ------------------------------------------------------------------------------------------
# Generated by scripts/unasync.py from the async classes above; do not edit by hand.


class Offerings(SyncResource):
    """Offerings: list, create, retrieve, update and delete."""

    def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> SyncPage[Offering]:
        """List every offering, each with its dimensions embedded.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request_page(
            LIST_OFFERINGS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    def create(
        self,
        *,
        offering_name: str,
        offering_type: OfferingType | str | None = None,
        subscription_price: DecimalInput | None = None,
        billing_cycle: BillingCycle | str | None = None,
        currency: Currency | str | None = None,
        dimension_ids: Sequence[str] | None = None,
        dimension_overrides: Sequence[OverrideInput] | None = None,
        offering_visibility: OfferingVisibility | str | None = None,
        prepaid_credit: DecimalInput | None = None,
        minimum_charge: DecimalInput | None = None,
        top_up_amount: DecimalInput | None = None,
        top_up_threshold: DecimalInput | None = None,
        free_trial_length: DecimalInput | None = None,
        metadata: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Offering:
        """Create an offering and return it.

        Paigo answers a create with the new id only, so the offering is read back with a second
        request and returned in full. Arguments left as None are not sent. Sent with an
        `Idempotency-Key` (`idempotency_key`, or a fresh key when retries are on), the same on every
        attempt, so a retry after a lost reply is answered as a replay on a server that honours keys
        instead of acting twice.

        Args:
            subscription_price: the fixed price per billing cycle (a JSON number on the wire).
            top_up_threshold: the recharge trigger as a fraction (0 to 1) of `top_up_amount`.
            free_trial_length: the free-trial length in days.

        Raises:
            ClientValidationError: for invalid arguments (e.g. a float price), before sending.
            BadRequestError: when Paigo rejects the offering.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        params = build_params(OfferingCreateParams, locals())
        created = self._client._request(
            CREATE_OFFERING,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return self.retrieve(created.offering_id, timeout=timeout)

    def retrieve(
        self,
        offering_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Offering:
        """Return one offering.

        Raises:
            ClientValidationError: when `offering_id` is empty.
            NotFoundError: when no offering has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            RETRIEVE_OFFERING,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"offering_id": require_id("offering_id", offering_id)},
            timeout=timeout,
        )

    def update(
        self,
        offering_id: str,
        *,
        offering_name: str | NotGiven = NOT_GIVEN,
        offering_type: OfferingType | str | NotGiven = NOT_GIVEN,
        subscription_price: DecimalInput | None | NotGiven = NOT_GIVEN,
        billing_cycle: BillingCycle | str | NotGiven = NOT_GIVEN,
        currency: Currency | str | NotGiven = NOT_GIVEN,
        dimension_ids: Sequence[str] | NotGiven = NOT_GIVEN,
        dimension_overrides: Sequence[OverrideInput] | None | NotGiven = NOT_GIVEN,
        offering_visibility: OfferingVisibility | str | NotGiven = NOT_GIVEN,
        prepaid_credit: DecimalInput | None | NotGiven = NOT_GIVEN,
        minimum_charge: DecimalInput | None | NotGiven = NOT_GIVEN,
        top_up_amount: DecimalInput | None | NotGiven = NOT_GIVEN,
        top_up_threshold: DecimalInput | None | NotGiven = NOT_GIVEN,
        free_trial_length: DecimalInput | None | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, Any] | None | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Offering:
        """Update an offering and return it as it now is.

        Only the arguments given are sent; `None` is sent as `null` (`metadata=None` removes all
        metadata, a metadata key set to None removes that key). The offering is read back with a
        second request.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            NotFoundError: when no offering has this id.
            BadRequestError: when Paigo rejects the change.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = {"offering_id": require_id("offering_id", offering_id)}
        params = build_params(
            OfferingUpdateParams, locals(), omit=("offering_id", "path"), none_means_absent=False
        )
        self._client._request(
            UPDATE_OFFERING,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return self.retrieve(offering_id, timeout=timeout)

    def delete(
        self,
        offering_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> OfferingDeleteResponse:
        """Delete an offering.

        Raises:
            ClientValidationError: when `offering_id` is empty.
            NotFoundError: when no offering has this id.
            ConflictError: when customers are still enrolled in the offering.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            DELETE_OFFERING,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"offering_id": require_id("offering_id", offering_id)},
            timeout=timeout,
        )
