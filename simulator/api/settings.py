"""Settings: the business profile, and the invoice logo upload."""

from __future__ import annotations

from simulator.api import replies, schemas, views
from simulator.api.call import Call
from simulator.api.messages import ApiResponse
from simulator.api.parsing import MAX_BODY_BYTES, BadRequest, PayloadTooLarge

__all__ = ["retrieve_profile", "update_profile", "upload_invoice_image"]

_IMAGE_TYPES = ("multipart/form-data", "image/png", "image/jpeg", "image/jpg")


def retrieve_profile(call: Call) -> ApiResponse:
    """Return the business profile as a bare object (Paigo: `GET /settings/profile`)."""
    return replies.bare(views.profile(call.engine.retrieve_profile()))


def update_profile(call: Call) -> ApiResponse:
    """Update the business profile (Paigo: `PUT /settings/profile`); replies `{message, data}`.

    Raises:
        BadRequest: the body fails wire validation.
    """
    params = call.body(schemas.UPDATE_PROFILE)
    updated = call.engine.update_profile(**params)
    return replies.one("Profile updated successfully", views.settings(updated))


def upload_invoice_image(call: Call) -> ApiResponse:
    """Accept an invoice logo upload (Paigo: `POST /settings/invoiceImage`); replies 201.

    Paigo accepts png/jpg/jpeg up to 30 MB as multipart form data. The simulator accepts the same
    content types (or a raw image body) up to its 1 MiB body limit, and stores nothing.

    Raises:
        BadRequest: an empty body or another content type.
        PayloadTooLarge: the body is over 1 MiB.
    """
    request = call.request
    if len(request.body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(len(request.body))
    media_type = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media_type not in _IMAGE_TYPES:
        raise BadRequest(["file must be a png, jpg or jpeg image sent as multipart/form-data"])
    if not request.body:
        raise BadRequest(["file should not be empty"])
    return replies.created({"message": "Invoice image uploaded successfully"})
