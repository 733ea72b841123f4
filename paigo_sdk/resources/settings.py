"""Account settings: the business profile printed on invoices, and the invoice logo."""

from __future__ import annotations

from typing import IO

from paigo_sdk._client import Timeout
from paigo_sdk._operations import RETRIEVE_PROFILE, UPDATE_PROFILE, UPLOAD_INVOICE_IMAGE
from paigo_sdk._request_options import Body, Headers, Query
from paigo_sdk._sentinels import NOT_GIVEN, NotGiven
from paigo_sdk.errors import ClientValidationError
from paigo_sdk.resources._base import AsyncResource, SyncResource, build_params
from paigo_sdk.types import (
    BusinessProfile,
    MessageResponse,
    ProfileUpdateParams,
    Settings as SettingsModel,
    to_wire,
)

__all__ = ["AsyncSettings", "Settings"]

_IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}


def _image_file(image: bytes | IO[bytes], filename: str) -> dict[str, tuple[str, bytes, str]]:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in _IMAGE_TYPES:
        raise ClientValidationError("filename must end in .png, .jpg or .jpeg")
    content = image if isinstance(image, bytes) else image.read()
    if not content:
        raise ClientValidationError("the image is empty")
    if len(content) > 30 * 1024 * 1024:
        raise ClientValidationError("the image is larger than Paigo's 30 MB limit")
    return {"file": (filename, content, _IMAGE_TYPES[extension])}


class AsyncSettings(AsyncResource):
    """Account settings: the business profile and the invoice image."""

    async def retrieve_profile(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> BusinessProfile:
        """Return the business profile.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            RETRIEVE_PROFILE,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    async def update_profile(
        self,
        *,
        business_name: str | NotGiven = NOT_GIVEN,
        address_line1: str | NotGiven = NOT_GIVEN,
        address_line2: str | NotGiven = NOT_GIVEN,
        city: str | NotGiven = NOT_GIVEN,
        state: str | NotGiven = NOT_GIVEN,
        country: str | NotGiven = NOT_GIVEN,
        postal_code: str | NotGiven = NOT_GIVEN,
        support_email: str | NotGiven = NOT_GIVEN,
        send_invoice_email: bool | NotGiven = NOT_GIVEN,
        redirection_url: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> SettingsModel:
        """Update the business profile and return the account settings.

        Only the arguments given are sent.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            BadRequestError: when Paigo rejects the change.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        params = build_params(ProfileUpdateParams, locals(), none_means_absent=False)
        return await self._client._request(
            UPDATE_PROFILE,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            json_body=to_wire(params),
            timeout=timeout,
        )

    async def upload_invoice_image(
        self,
        image: bytes | IO[bytes],
        *,
        filename: str = "logo.png",
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Upload the logo printed on invoices (png, jpg or jpeg, up to 30 MB).

        The image is sent as `multipart/form-data` in a field named `file` (Paigo does not
        document the body; this is the SDK's choice).

        Raises:
            ClientValidationError: for an empty or too large image or another file type.
            BadRequestError: when Paigo rejects the image.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return await self._client._request(
            UPLOAD_INVOICE_IMAGE,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            files=_image_file(image, filename),
            timeout=timeout,
        )


# ------------------------------------------------------------------------------------------
# Generated by scripts/unasync.py from the async classes above; do not edit by hand.


class Settings(SyncResource):
    """Account settings: the business profile and the invoice image."""

    def retrieve_profile(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> BusinessProfile:
        """Return the business profile.

        Raises:
            APIStatusError: for an error reply (see `paigo_sdk.errors` for the subclasses).
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            RETRIEVE_PROFILE,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    def update_profile(
        self,
        *,
        business_name: str | NotGiven = NOT_GIVEN,
        address_line1: str | NotGiven = NOT_GIVEN,
        address_line2: str | NotGiven = NOT_GIVEN,
        city: str | NotGiven = NOT_GIVEN,
        state: str | NotGiven = NOT_GIVEN,
        country: str | NotGiven = NOT_GIVEN,
        postal_code: str | NotGiven = NOT_GIVEN,
        support_email: str | NotGiven = NOT_GIVEN,
        send_invoice_email: bool | NotGiven = NOT_GIVEN,
        redirection_url: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> SettingsModel:
        """Update the business profile and return the account settings.

        Only the arguments given are sent.

        Raises:
            ClientValidationError: for invalid arguments, before sending.
            BadRequestError: when Paigo rejects the change.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        params = build_params(ProfileUpdateParams, locals(), none_means_absent=False)
        return self._client._request(
            UPDATE_PROFILE,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            json_body=to_wire(params),
            timeout=timeout,
        )

    def upload_invoice_image(
        self,
        image: bytes | IO[bytes],
        *,
        filename: str = "logo.png",
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout = NOT_GIVEN,
    ) -> MessageResponse:
        """Upload the logo printed on invoices (png, jpg or jpeg, up to 30 MB).

        The image is sent as `multipart/form-data` in a field named `file` (Paigo does not
        document the body; this is the SDK's choice).

        Raises:
            ClientValidationError: for an empty or too large image or another file type.
            BadRequestError: when Paigo rejects the image.
            APIStatusError: for other error replies.
            APIConnectionError: when no reply arrives after the retries.
        """
        return self._client._request(
            UPLOAD_INVOICE_IMAGE,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            idempotency_key=idempotency_key,
            files=_image_file(image, filename),
            timeout=timeout,
        )
