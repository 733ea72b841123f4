"""Invoices: retrieve one (optionally with a PDF link), create a manual one, serve the PDF."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from urllib.parse import quote

from simulator.api import replies, schemas, views
from simulator.api.call import Call, Forbidden
from simulator.api.messages import ApiResponse
from simulator.api.parsing import BadRequest, String
from simulator.engine import InvoiceItem

__all__ = ["PDF_LINK_LIFETIME", "create_invoice", "download_invoice_pdf", "retrieve_invoice"]

PDF_LINK_LIFETIME = timedelta(days=7)
"""How long an `invoiceUrl` stays valid, on the simulator clock (Paigo: 7 days)."""


def retrieve_invoice(call: Call) -> ApiResponse:
    """Return one invoice as a one-element `data` list (Paigo: `GET /invoices/{invoiceId}`).

    With `?download=true` the invoice carries `invoiceUrl`, a link valid for 7 days from which the
    PDF can be fetched without a token (Paigo: a pre-signed S3 URL; the simulator: a signed
    `/_simulator/invoices/{id}.pdf` URL on its own origin). A portal token may read only its own
    customer's invoices.

    Raises:
        BadRequest: `download` is malformed.
        NotFound: no such invoice (`Invoice with ID: <id> not found`).
        Forbidden: a portal token asking for another customer's invoice.
    """
    invoice_id = call.params["invoiceId"]
    download = call.query("download", String(max_length=16, allow_empty=True))
    found = call.engine.retrieve_invoice(invoice_id)
    call.require_customer(found.customer_id)
    url = _signed_url(call, found.invoice_id) if download == "true" else None
    return replies.one("Invoice retrieved successfully", views.invoice(found, invoice_url=url))


def create_invoice(call: Call) -> ApiResponse:
    """Create a manual (off-cycle) invoice (Paigo: `POST /invoices`); replies 201.

    Paigo types the reply only as an object; the simulator sends CreateInvoiceResponseDto.

    Raises:
        BadRequest: the body fails wire validation.
        NotFound: no such customer.
        Invalid: an invoice rule is broken.
    """
    params = call.body(schemas.CREATE_INVOICE)
    params["items"] = [InvoiceItem(**item) for item in params["items"]]
    created = call.engine.create_invoice(**params)
    return replies.created(
        {"message": "Invoice created successfully", "invoiceId": created.invoice_id}
    )


def download_invoice_pdf(call: Call) -> ApiResponse:
    """Serve an invoice as a PDF from the signed link `retrieve_invoice` hands out (simulator-only).

    Raises:
        BadRequest: the link lacks its parameters, or has expired.
        Forbidden: the signature is wrong, malformed or not ASCII, or `expires` was altered.
        NotFound: no such invoice.
    """
    invoice_id = call.params["invoiceId"]
    expires = call.query("expires")
    signature = call.query("signature")
    if expires is None or signature is None:
        raise BadRequest(["the invoice link is missing its expires or signature parameter"])
    # Only a link this simulator signed passes; anything else, however malformed, is a 403.
    # compare_digest takes only ASCII text, and `expires` must be plain ASCII digits.
    if not (
        isinstance(signature, str)
        and isinstance(expires, str)
        and signature.isascii()
        and expires.isascii()
        and expires.isdigit()
        and len(expires) <= 20
        and hmac.compare_digest(signature, _sign(call, invoice_id, expires))
    ):
        raise Forbidden
    if int(expires) < int(call.api.clock.now().timestamp()):
        raise BadRequest(["the invoice link has expired; fetch the invoice again for a new one"])
    document = call.engine.read_invoice_document(invoice_id)
    settings = document.settings
    try:
        # Needs the "pdf" extra; imported on use.
        from simulator.pdf import UnsupportedTextError, render_invoice_pdf
    except ModuleNotFoundError:
        return replies.pdf_unavailable()
    try:
        content = render_invoice_pdf(
            document.invoice,
            document.customer,
            settings.profile,
            invoice_number=document.number,
            tax_rate=settings.tax_rate,
            logo=settings.invoice_image,
        )
    except ModuleNotFoundError:
        return replies.pdf_unavailable()
    except UnsupportedTextError as exc:
        raise BadRequest([str(exc)]) from None
    return replies.pdf(content, f"invoice-{invoice_id}.pdf")


def _signed_url(call: Call, invoice_id: str) -> str:
    expires = str(int((call.api.clock.now() + PDF_LINK_LIFETIME).timestamp()))
    signature = _sign(call, invoice_id, expires)
    base = call.api.public_base_url(call.request)
    path = f"/_simulator/invoices/{quote(invoice_id, safe='')}.pdf"
    return f"{base}{path}?expires={expires}&signature={signature}"


def _sign(call: Call, invoice_id: str, expires: str) -> str:
    message = f"{invoice_id}:{expires}".encode()
    return hmac.new(call.api.url_signing_key, message, hashlib.sha256).hexdigest()
