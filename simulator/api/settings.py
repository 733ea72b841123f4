"""Settings: the business profile, and the invoice logo upload."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import default

from simulator.api import replies, schemas, views
from simulator.api.call import Call
from simulator.api.messages import ApiResponse
from simulator.api.parsing import MAX_BODY_BYTES, BadRequest, PayloadTooLarge

__all__ = ["retrieve_profile", "update_profile", "upload_invoice_image"]

_IMAGE_TYPES = ("multipart/form-data", "image/png", "image/jpeg", "image/jpg")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"


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
    content types (or a raw image body) up to its 1 MiB body limit, checks that the file really is
    a PNG or JPEG image, and prints it as the logo of the invoice PDFs it serves.

    Raises:
        BadRequest: an empty body, another content type, or a file that is not a PNG or JPEG.
        PayloadTooLarge: the body is over 1 MiB.
    """
    request = call.request
    if len(request.body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(len(request.body))
    content_type = request.headers.get("content-type") or ""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in _IMAGE_TYPES:
        raise BadRequest(["file must be a png, jpg or jpeg image sent as multipart/form-data"])
    if not request.body:
        raise BadRequest(["file should not be empty"])
    image = request.body
    if media_type == "multipart/form-data":
        image = _uploaded_file(content_type, request.body)
    if not image.startswith(_PNG_SIGNATURE) and not image.startswith(_JPEG_SIGNATURE):
        raise BadRequest(["file must be a png, jpg or jpeg image"])
    call.engine.store_invoice_image(image)
    return replies.created({"message": "Invoice image uploaded successfully"})


def _uploaded_file(content_type: str, body: bytes) -> bytes:
    """Return the content of the first file part of a multipart/form-data body."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=default).parsebytes(head + body)
    if message.is_multipart():
        for part in message.iter_parts():
            if part.get_filename() is not None or part.get_content_type().startswith("image/"):
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes) and payload:
                    return payload
    raise BadRequest(["file should not be empty"])
