"""Dimensions (Paigo's product items): what is metered, in which unit, and at what price."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from paigo_sdk._client import Timeout
from paigo_sdk._operations import (
    CREATE_DIMENSION,
    DELETE_DIMENSION,
    LIST_DIMENSIONS,
    RETRIEVE_DIMENSION,
    UPDATE_DIMENSION,
)
from paigo_sdk._request_options import Body, Headers, Query
from paigo_sdk._sentinels import NOT_GIVEN, NotGiven
from paigo_sdk.pagination import AsyncPage, SyncPage
from paigo_sdk.resources._base import AsyncResource, SyncResource, build_params, require_id
from paigo_sdk.types import (
    ConsumptionUnitParams,
    DecimalInput,
    Dimension,
    DimensionCreateParams,
    DimensionDeleteResponse,
    DimensionTierParams,
    DimensionTiersGroupByMetadataParams,
    DimensionUpdateParams,
    Infinity,
    to_wire,
)
from paigo_sdk.types.enums import (
    AggregationInterval,
    AggregationMethod,
    PaymentSchedule,
    Rounding,
    SampleType,
)

__all__ = ["AsyncDimensions", "Dimensions"]

TierInput = DimensionTierParams | Mapping[str, Any]
GroupInput = DimensionTiersGroupByMetadataParams | Mapping[str, Any]


class AsyncDimensions(AsyncResource):
    """Dimensions: list, create, retrieve, update and delete."""

    async def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> AsyncPage[Dimension]:
        """List every dimension.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request_page(
            LIST_DIMENSIONS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    async def create(
        self,
        *,
        dimension_name: str,
        consumption_unit: ConsumptionUnitParams | Mapping[str, str],
        usage_increment: DecimalInput,
        rounding: Rounding | str,
        usage_entitlement: DecimalInput | Infinity | None = None,
        overage_allowed: bool | None = None,
        consumption_price: DecimalInput | None = None,
        aggregation_interval: AggregationInterval | str | None = None,
        aggregation_method: AggregationMethod | str | None = None,
        measurement_id: str | None = None,
        sample_type: SampleType | str | None = None,
        payment_schedule: PaymentSchedule | str | None = None,
        metadata: Mapping[str, Any] | None = None,
        tiers: Sequence[TierInput] | None = None,
        tiers_group_by_metadata: Sequence[GroupInput] | None = None,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Dimension:
        """Create a dimension and return it.

        Paigo answers a create with the new id only, so the dimension is read back with a second
        request and returned in full. Arguments left as None are not sent. Sent with an
        `Idempotency-Key` (`idempotency_key`, or a fresh key when retries are on), the same on every
        attempt, so a retry after a lost reply is answered as a replay on a server that honours keys
        instead of acting twice.

        Args:
            usage_increment: the size of one billable chunk, in consumption units.
            usage_entitlement: the amount included in a subscription; `INFINITY` for unlimited.
            consumption_price: the price per usage increment.

        Raises:
            ClientValidationError: for invalid arguments (e.g. a float price), before sending.
            BadRequestError: when Paigo rejects the dimension.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        params = build_params(DimensionCreateParams, locals())
        created = await self._client._request(
            CREATE_DIMENSION,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return await self.retrieve(created.dimension_id, timeout=timeout)

    async def retrieve(
        self,
        dimension_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Dimension:
        """Return one dimension.

        Raises:
            ClientValidationError: when `dimension_id` is empty.
            NotFoundError: when no dimension has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            RETRIEVE_DIMENSION,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"dimension_id": require_id("dimension_id", dimension_id)},
            timeout=timeout,
        )

    async def update(
        self,
        dimension_id: str,
        *,
        dimension_name: str | NotGiven = NOT_GIVEN,
        consumption_unit: ConsumptionUnitParams | Mapping[str, str] | NotGiven = NOT_GIVEN,
        usage_increment: DecimalInput | NotGiven = NOT_GIVEN,
        rounding: Rounding | str | NotGiven = NOT_GIVEN,
        usage_entitlement: DecimalInput | Infinity | None | NotGiven = NOT_GIVEN,
        overage_allowed: bool | None | NotGiven = NOT_GIVEN,
        consumption_price: DecimalInput | None | NotGiven = NOT_GIVEN,
        aggregation_interval: AggregationInterval | str | NotGiven = NOT_GIVEN,
        aggregation_method: AggregationMethod | str | NotGiven = NOT_GIVEN,
        measurement_id: str | None | NotGiven = NOT_GIVEN,
        sample_type: SampleType | str | NotGiven = NOT_GIVEN,
        payment_schedule: PaymentSchedule | str | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, Any] | None | NotGiven = NOT_GIVEN,
        tiers: Sequence[TierInput] | None | NotGiven = NOT_GIVEN,
        tiers_group_by_metadata: Sequence[GroupInput] | None | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Dimension:
        """Update a dimension and return it as it now is.

        Only the arguments given are sent; `None` is sent as `null`: `tiers=None` removes the
        tiers, `metadata=None` removes all metadata and a metadata key set to None removes that
        key. The dimension is read back with a second request.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            NotFoundError: when no dimension has this id.
            BadRequestError: when Paigo rejects the change.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = {"dimension_id": require_id("dimension_id", dimension_id)}
        params = build_params(
            DimensionUpdateParams, locals(), omit=("dimension_id", "path"), none_means_absent=False
        )
        await self._client._request(
            UPDATE_DIMENSION,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return await self.retrieve(dimension_id, timeout=timeout)

    async def delete(
        self,
        dimension_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> DimensionDeleteResponse:
        """Delete a dimension.

        Raises:
            ClientValidationError: when `dimension_id` is empty.
            NotFoundError: when no dimension has this id.
            ConflictError: when offerings still use the dimension.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            DELETE_DIMENSION,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"dimension_id": require_id("dimension_id", dimension_id)},
            timeout=timeout,
        )


# ------------------------------------------------------------------------------------------
# Generated by scripts/unasync.py from the async classes above; do not edit by hand.


class Dimensions(SyncResource):
    """Dimensions: list, create, retrieve, update and delete."""

    def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> SyncPage[Dimension]:
        """List every dimension.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request_page(
            LIST_DIMENSIONS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    def create(
        self,
        *,
        dimension_name: str,
        consumption_unit: ConsumptionUnitParams | Mapping[str, str],
        usage_increment: DecimalInput,
        rounding: Rounding | str,
        usage_entitlement: DecimalInput | Infinity | None = None,
        overage_allowed: bool | None = None,
        consumption_price: DecimalInput | None = None,
        aggregation_interval: AggregationInterval | str | None = None,
        aggregation_method: AggregationMethod | str | None = None,
        measurement_id: str | None = None,
        sample_type: SampleType | str | None = None,
        payment_schedule: PaymentSchedule | str | None = None,
        metadata: Mapping[str, Any] | None = None,
        tiers: Sequence[TierInput] | None = None,
        tiers_group_by_metadata: Sequence[GroupInput] | None = None,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Dimension:
        """Create a dimension and return it.

        Paigo answers a create with the new id only, so the dimension is read back with a second
        request and returned in full. Arguments left as None are not sent. Sent with an
        `Idempotency-Key` (`idempotency_key`, or a fresh key when retries are on), the same on every
        attempt, so a retry after a lost reply is answered as a replay on a server that honours keys
        instead of acting twice.

        Args:
            usage_increment: the size of one billable chunk, in consumption units.
            usage_entitlement: the amount included in a subscription; `INFINITY` for unlimited.
            consumption_price: the price per usage increment.

        Raises:
            ClientValidationError: for invalid arguments (e.g. a float price), before sending.
            BadRequestError: when Paigo rejects the dimension.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        params = build_params(DimensionCreateParams, locals())
        created = self._client._request(
            CREATE_DIMENSION,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return self.retrieve(created.dimension_id, timeout=timeout)

    def retrieve(
        self,
        dimension_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Dimension:
        """Return one dimension.

        Raises:
            ClientValidationError: when `dimension_id` is empty.
            NotFoundError: when no dimension has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            RETRIEVE_DIMENSION,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"dimension_id": require_id("dimension_id", dimension_id)},
            timeout=timeout,
        )

    def update(
        self,
        dimension_id: str,
        *,
        dimension_name: str | NotGiven = NOT_GIVEN,
        consumption_unit: ConsumptionUnitParams | Mapping[str, str] | NotGiven = NOT_GIVEN,
        usage_increment: DecimalInput | NotGiven = NOT_GIVEN,
        rounding: Rounding | str | NotGiven = NOT_GIVEN,
        usage_entitlement: DecimalInput | Infinity | None | NotGiven = NOT_GIVEN,
        overage_allowed: bool | None | NotGiven = NOT_GIVEN,
        consumption_price: DecimalInput | None | NotGiven = NOT_GIVEN,
        aggregation_interval: AggregationInterval | str | NotGiven = NOT_GIVEN,
        aggregation_method: AggregationMethod | str | NotGiven = NOT_GIVEN,
        measurement_id: str | None | NotGiven = NOT_GIVEN,
        sample_type: SampleType | str | NotGiven = NOT_GIVEN,
        payment_schedule: PaymentSchedule | str | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, Any] | None | NotGiven = NOT_GIVEN,
        tiers: Sequence[TierInput] | None | NotGiven = NOT_GIVEN,
        tiers_group_by_metadata: Sequence[GroupInput] | None | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Dimension:
        """Update a dimension and return it as it now is.

        Only the arguments given are sent; `None` is sent as `null`: `tiers=None` removes the
        tiers, `metadata=None` removes all metadata and a metadata key set to None removes that
        key. The dimension is read back with a second request.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            NotFoundError: when no dimension has this id.
            BadRequestError: when Paigo rejects the change.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = {"dimension_id": require_id("dimension_id", dimension_id)}
        params = build_params(
            DimensionUpdateParams, locals(), omit=("dimension_id", "path"), none_means_absent=False
        )
        self._client._request(
            UPDATE_DIMENSION,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return self.retrieve(dimension_id, timeout=timeout)

    def delete(
        self,
        dimension_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> DimensionDeleteResponse:
        """Delete a dimension.

        Raises:
            ClientValidationError: when `dimension_id` is empty.
            NotFoundError: when no dimension has this id.
            ConflictError: when offerings still use the dimension.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            DELETE_DIMENSION,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"dimension_id": require_id("dimension_id", dimension_id)},
            timeout=timeout,
        )
