"""Measurements: configurations for Paigo's automatic metering."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from paigo_sdk._client import Timeout
from paigo_sdk._operations import (
    CREATE_MEASUREMENT,
    DELETE_MEASUREMENT,
    LIST_MEASUREMENTS,
    RETRIEVE_MEASUREMENT,
    UPDATE_MEASUREMENT,
)
from paigo_sdk._request_options import Body, Headers, Query
from paigo_sdk._sentinels import NOT_GIVEN, NotGiven
from paigo_sdk.pagination import AsyncPage, SyncPage
from paigo_sdk.resources._base import AsyncResource, SyncResource, build_params, require_id
from paigo_sdk.types import (
    Measurement,
    MeasurementConfiguration,
    MeasurementCreateParams,
    MeasurementDeleteResponse,
    MeasurementUpdateParams,
    to_wire,
)
from paigo_sdk.types.enums import MeasurementMode

__all__ = ["AsyncMeasurements", "Measurements"]

ConfigurationInput = MeasurementConfiguration | Mapping[str, Any]


def _configuration(value: object) -> object:
    return to_wire(value) if isinstance(value, BaseModel) else value


class AsyncMeasurements(AsyncResource):
    """Measurements: list, create, retrieve, update and delete."""

    async def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> AsyncPage[Measurement]:
        """List every measurement.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request_page(
            LIST_MEASUREMENTS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    async def create(
        self,
        *,
        measurement_mode: MeasurementMode | str,
        measurement_configuration: ConfigurationInput,
        measurement_name: str | None = None,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Measurement:
        """Create a measurement and return it.

        Paigo answers a create with the new id (and, for datastore mode, the ingestion URLs), so the
        measurement is read back with a second request and returned in full. Sent with an
        `Idempotency-Key` (`idempotency_key`, or a fresh key when retries are on), the same on every
        attempt, so a retry after a lost reply is answered as a replay on a server that honours keys
        instead of acting twice.

        Args:
            measurement_configuration: the mode's configuration, as an
                `InfrastructureAccessInformation`, `AgentAccessInformation` or
                `DatastoreAccessInformation`, or a mapping of camelCase wire fields.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            BadRequestError: when Paigo rejects the measurement.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        measurement_configuration = _configuration(measurement_configuration)  # type: ignore[assignment]
        params = build_params(MeasurementCreateParams, locals())
        created = await self._client._request(
            CREATE_MEASUREMENT,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return await self.retrieve(created.measurement_id, timeout=timeout)

    async def retrieve(
        self,
        measurement_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Measurement:
        """Return one measurement.

        Raises:
            ClientValidationError: when `measurement_id` is empty.
            NotFoundError: when no measurement has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            RETRIEVE_MEASUREMENT,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"measurement_id": require_id("measurement_id", measurement_id)},
            timeout=timeout,
        )

    async def update(
        self,
        measurement_id: str,
        *,
        measurement_mode: MeasurementMode | str,
        measurement_name: str,
        measurement_configuration: ConfigurationInput | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Measurement:
        """Update a measurement and return it as it now is.

        Paigo requires the mode and the name on every update. The measurement is read back with a
        second request.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            NotFoundError: when no measurement has this id.
            BadRequestError: when Paigo rejects the change.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = {"measurement_id": require_id("measurement_id", measurement_id)}
        measurement_configuration = _configuration(measurement_configuration)  # type: ignore[assignment]
        params = build_params(
            MeasurementUpdateParams,
            locals(),
            omit=("measurement_id", "path"),
            none_means_absent=False,
        )
        await self._client._request(
            UPDATE_MEASUREMENT,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return await self.retrieve(measurement_id, timeout=timeout)

    async def delete(
        self,
        measurement_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MeasurementDeleteResponse:
        """Delete a measurement.

        Raises:
            ClientValidationError: when `measurement_id` is empty.
            NotFoundError: when no measurement has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            DELETE_MEASUREMENT,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"measurement_id": require_id("measurement_id", measurement_id)},
            timeout=timeout,
        )


# ------------------------------------------------------------------------------------------
# Generated by scripts/unasync.py from the async classes above; do not edit by hand.


class Measurements(SyncResource):
    """Measurements: list, create, retrieve, update and delete."""

    def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> SyncPage[Measurement]:
        """List every measurement.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request_page(
            LIST_MEASUREMENTS,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    def create(
        self,
        *,
        measurement_mode: MeasurementMode | str,
        measurement_configuration: ConfigurationInput,
        measurement_name: str | None = None,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Measurement:
        """Create a measurement and return it.

        Paigo answers a create with the new id (and, for datastore mode, the ingestion URLs), so the
        measurement is read back with a second request and returned in full. Sent with an
        `Idempotency-Key` (`idempotency_key`, or a fresh key when retries are on), the same on every
        attempt, so a retry after a lost reply is answered as a replay on a server that honours keys
        instead of acting twice.

        Args:
            measurement_configuration: the mode's configuration, as an
                `InfrastructureAccessInformation`, `AgentAccessInformation` or
                `DatastoreAccessInformation`, or a mapping of camelCase wire fields.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            BadRequestError: when Paigo rejects the measurement.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        measurement_configuration = _configuration(measurement_configuration)  # type: ignore[assignment]
        params = build_params(MeasurementCreateParams, locals())
        created = self._client._request(
            CREATE_MEASUREMENT,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return self.retrieve(created.measurement_id, timeout=timeout)

    def retrieve(
        self,
        measurement_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Measurement:
        """Return one measurement.

        Raises:
            ClientValidationError: when `measurement_id` is empty.
            NotFoundError: when no measurement has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            RETRIEVE_MEASUREMENT,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"measurement_id": require_id("measurement_id", measurement_id)},
            timeout=timeout,
        )

    def update(
        self,
        measurement_id: str,
        *,
        measurement_mode: MeasurementMode | str,
        measurement_name: str,
        measurement_configuration: ConfigurationInput | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> Measurement:
        """Update a measurement and return it as it now is.

        Paigo requires the mode and the name on every update. The measurement is read back with a
        second request.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            NotFoundError: when no measurement has this id.
            BadRequestError: when Paigo rejects the change.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        path = {"measurement_id": require_id("measurement_id", measurement_id)}
        measurement_configuration = _configuration(measurement_configuration)  # type: ignore[assignment]
        params = build_params(
            MeasurementUpdateParams,
            locals(),
            omit=("measurement_id", "path"),
            none_means_absent=False,
        )
        self._client._request(
            UPDATE_MEASUREMENT,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return self.retrieve(measurement_id, timeout=timeout)

    def delete(
        self,
        measurement_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MeasurementDeleteResponse:
        """Delete a measurement.

        Raises:
            ClientValidationError: when `measurement_id` is empty.
            NotFoundError: when no measurement has this id.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            DELETE_MEASUREMENT,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params={"measurement_id": require_id("measurement_id", measurement_id)},
            timeout=timeout,
        )
