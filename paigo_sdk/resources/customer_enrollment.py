"""A customer's offering enrolments: read them, enrol, unenrol, and set per-customer overrides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from paigo_sdk._client import Timeout
from paigo_sdk._operations import RETRIEVE_ENROLLMENT, UPDATE_ENROLLMENT
from paigo_sdk._request_options import Body, Headers, Query
from paigo_sdk._sentinels import NOT_GIVEN, NotGiven
from paigo_sdk.errors import ClientValidationError
from paigo_sdk.resources._base import AsyncResource, SyncResource, build_params, customer_path
from paigo_sdk.types import (
    CustomerOverridesParams,
    Enrollment,
    EnrollmentUpdateParams,
    EnrollmentUsageParams,
    to_wire,
)

__all__ = ["AsyncCustomerEnrollment", "CustomerEnrollment"]

UsageInput = EnrollmentUsageParams | Mapping[str, Any]
OverridesInput = CustomerOverridesParams | Mapping[str, Any]


class CustomerEnrollment(SyncResource):
    """A customer's offering enrolments: read them, or enrol, unenrol and override."""

    def retrieve(
        self,
        customer_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> list[Enrollment]:
        """Return the customer's enrolments (an empty list when not enrolled).

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when the customer does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            RETRIEVE_ENROLLMENT,
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
        offering_id: str | None | NotGiven = NOT_GIVEN,
        remove_prior_offering: bool | NotGiven = NOT_GIVEN,
        unenroll_offering: str | NotGiven = NOT_GIVEN,
        overrides: OverridesInput | None | NotGiven = NOT_GIVEN,
        usage: Sequence[UsageInput] | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
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
        path = customer_path(customer_id)
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
            UPDATE_ENROLLMENT,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return self.retrieve(customer_id, timeout=timeout)


class AsyncCustomerEnrollment(AsyncResource):
    """A customer's offering enrolments: read them, or enrol, unenrol and override."""

    async def retrieve(
        self,
        customer_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> list[Enrollment]:
        """Return the customer's enrolments (an empty list when not enrolled).

        Raises:
            ClientValidationError: when `customer_id` is empty.
            NotFoundError: when the customer does not exist.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            RETRIEVE_ENROLLMENT,
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
        offering_id: str | None | NotGiven = NOT_GIVEN,
        remove_prior_offering: bool | NotGiven = NOT_GIVEN,
        unenroll_offering: str | NotGiven = NOT_GIVEN,
        overrides: OverridesInput | None | NotGiven = NOT_GIVEN,
        usage: Sequence[UsageInput] | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
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
        path = customer_path(customer_id)
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
            UPDATE_ENROLLMENT,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            path_params=path,
            json_body=to_wire(params),
            timeout=timeout,
        )
        return await self.retrieve(customer_id, timeout=timeout)
