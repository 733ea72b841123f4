"""Choose every status code and shape every body the simulator sends, exactly as Paigo does.

This is the only module that names HTTP status codes. Handlers build replies through these
functions; errors raised anywhere below the handler (parsing errors, the engine's domain errors)
are turned into Paigo's bodies by `from_error`:

- 400 `{"statusCode": 400, "message": [...], "error": "Bad Request"}` (NestJS class-validator);
- 401 `{"message": "Unauthorized"}` (API Gateway's authorizer);
- 403 `{"statusCode": 403, "message": "Forbidden resource", "error": "Forbidden"}` (portal tokens);
- 404 `{"message": "<Paigo's template>", "error": "Not Found", "statusCode": 404}`;
- 409 `{"message": "<Paigo's text>", "error": "Conflict", "statusCode": 409}` (also for an
  `Idempotency-Key` reused with a different request, a simulator extension);
- 413 for bodies over the size limit, 500 with a generic body for anything unexpected.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from simulator.api.call import Forbidden
from simulator.api.messages import ApiResponse
from simulator.api.parsing import BadRequest, PayloadTooLarge
from simulator.engine import errors as domain
from simulator.engine.numbers import EXACT

__all__ = [
    "CONFLICT_TEMPLATES",
    "EXACT",
    "NOT_FOUND_TEMPLATES",
    "admin_disabled",
    "bad_request",
    "bare",
    "created",
    "dumps",
    "forbidden",
    "from_error",
    "internal_error",
    "is_rejection",
    "listing",
    "ok",
    "one",
    "pdf",
    "pdf_unavailable",
    "replayed",
    "route_not_found",
    "token_error",
    "token_issued",
    "unauthorized",
    "wire_decimal",
    "wire_number",
    "wire_time",
]

JSON_HEADERS: Final = (("content-type", "application/json; charset=utf-8"),)
"""A context wide enough that no wire value is ever rounded (B1)."""

# Paigo's 404 message templates, word for word from its OpenAPI export (API notes section 3).
# Webhooks, snapshots and child rows have no documented 404; their texts follow the same pattern.
NOT_FOUND_TEMPLATES: Final[Mapping[str, str]] = {
    "offering": "Offering with ID: {id} not found",
    "dimension": "No Dimensions found with ID: {id}",
    "measurement": "Measurement with ID: {id} not found",
    "customer": "Customer with ID: {id} not found",
    "invoice": "Invoice with ID: {id} not found",
    "webhook": "Webhook with ID: {id} not found",
    "snapshot": "Snapshot with ID: {id} not found",
    "child": "Child with ID: {id} not found",
    "enrollment": "Enrollment for offering with ID: {id} not found",
}

# Paigo's 409 texts for blocked deletes (the double colon is Paigo's).
CONFLICT_TEMPLATES: Final[Mapping[str, str]] = {
    "offering": (
        "Cannot delete offering when they are attached to customers, remove customers from "
        "offerings before deleting. Current customerIds using the offering:: {ids}"
    ),
    "dimension": (
        "Cannot Delete Dimensions when they are attached to Offerings, remove dimensions from "
        "offerings before deleting. Current OfferingIds using the dimension: {ids}"
    ),
}


# --------------------------------------------------------------------------- wire values


def wire_decimal(value: Decimal) -> str:
    """Return a Decimal as a plain decimal string (`format(d, "f")`, never `1E+3`)."""
    return format(value, "f")


def wire_number(value: Decimal | int) -> Decimal:
    """Return a Decimal to be written as a JSON number, without trailing zeros or an exponent.

    Exact at any number of digits: the default context's 28-digit rounding is never used (B1).
    """
    number = Decimal(value)
    if number == number.to_integral_value(context=EXACT):
        return number.quantize(Decimal(1), context=EXACT)
    return number.normalize(context=EXACT)


def wire_time(moment: datetime) -> str:
    """Return a timestamp in Paigo's read form, `2026-11-24T08:00:00.000Z`."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def dumps(value: Any) -> bytes:
    """Serialise a reply body; Decimals become exact JSON numbers (no float is involved).

    The stdlib's C encoder does the work: each Decimal is first written as a marked string, which
    is then unwrapped into a bare number. The marker carries a per-process random nonce and a NUL
    (always escaped by the encoder), so no string sent by a client can imitate it.

    Raises:
        TypeError: for a value that is not JSON-shaped, or a non-finite Decimal.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_encode_decimal)
    if _MARK in text:
        text = _MARK_RE.sub(r"\1", text)
    return text.encode("utf-8")


_NONCE: Final = secrets.token_hex(8)
_MARK: Final = "\\u0000" + _NONCE + ":"
_MARK_RE: Final = re.compile('"' + re.escape(_MARK) + r'([-0-9.]+)\\u0000"')


def _encode_decimal(value: object) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"cannot write the non-finite number {value} as JSON")
        return f"\x00{_NONCE}:{format(wire_number(value), 'f')}\x00"
    raise TypeError(f"{type(value).__name__} is not JSON-shaped")


def _json(status: int, body: Any, headers: Iterable[tuple[str, str]] = ()) -> ApiResponse:
    return ApiResponse(status=status, headers=(*JSON_HEADERS, *headers), body=dumps(body))


# --------------------------------------------------------------------------- success


def listing(message: str, data: Sequence[Any]) -> ApiResponse:
    """Reply 200 `{message, data: [...]}` (list endpoints)."""
    return _json(200, {"message": message, "data": list(data)})


def one(message: str, item: Any) -> ApiResponse:
    """Reply 200 `{message, data: [item]}` (Paigo's by-id GETs return a one-element list)."""
    return _json(200, {"message": message, "data": [item]})


def ok(body: Mapping[str, Any], headers: Iterable[tuple[str, str]] = ()) -> ApiResponse:
    """Reply 200 with a flat object such as `{message, dimensionId}`."""
    return _json(200, body, headers)


def created(
    body: Mapping[str, Any] | Sequence[Any], headers: Iterable[tuple[str, str]] = ()
) -> ApiResponse:
    """Reply 201 with a flat object (every create operation)."""
    return _json(201, body, headers)


def bare(body: Any) -> ApiResponse:
    """Reply 200 with a body that has no envelope (GET /webhooks, /settings/profile, ...)."""
    return _json(200, body)


def replayed(response: ApiResponse) -> ApiResponse:
    """Return `response` with the `Idempotent-Replayed: true` header added."""
    return ApiResponse(
        status=response.status,
        headers=(*response.headers, ("idempotent-replayed", "true")),
        body=response.body,
    )


def pdf(content: bytes, filename: str) -> ApiResponse:
    """Reply 200 with a PDF document."""
    return ApiResponse(
        status=200,
        headers=(
            ("content-type", "application/pdf"),
            ("content-disposition", f'inline; filename="{filename}"'),
        ),
        body=content,
    )


def token_issued(access_token: str, expires_in: int) -> ApiResponse:
    """Reply 200 from the token endpoint, as Auth0 does."""
    return _json(
        200,
        {"access_token": access_token, "expires_in": expires_in, "token_type": "Bearer"},
        (("cache-control", "no-store"),),
    )


# --------------------------------------------------------------------------- errors

_TOKEN_ERRORS: Final[Mapping[str, int]] = {
    "invalid_request": 400,
    "unsupported_grant_type": 400,
    "access_denied": 401,
    "audience_denied": 403,
}


def token_error(kind: str, description: str) -> ApiResponse:
    """Reply from the token endpoint with an OAuth error.

    `kind` is `invalid_request` / `unsupported_grant_type` (400), `access_denied` (401, bad
    credentials) or `audience_denied` (403, reported on the wire as `access_denied`).
    """
    error = "access_denied" if kind == "audience_denied" else kind
    return _json(_TOKEN_ERRORS[kind], {"error": error, "error_description": description})


def bad_request(messages: Sequence[str]) -> ApiResponse:
    """Reply 400 in NestJS's class-validator shape."""
    return _json(400, {"statusCode": 400, "message": list(messages), "error": "Bad Request"})


def unauthorized() -> ApiResponse:
    """Reply 401 as Paigo's API Gateway authorizer does."""
    return _json(401, {"message": "Unauthorized"}, (("www-authenticate", "Bearer"),))


def forbidden() -> ApiResponse:
    """Reply 403 (a customer portal token reaching beyond its own customer)."""
    return _json(403, {"statusCode": 403, "message": "Forbidden resource", "error": "Forbidden"})


def route_not_found(method: str, path: str) -> ApiResponse:
    """Reply 404 for a path no route serves, in NestJS's words."""
    return _json(
        404, {"message": f"Cannot {method} {path}", "error": "Not Found", "statusCode": 404}
    )


def admin_disabled(method: str, path: str) -> ApiResponse:
    """Reply 404 for an admin route while admin routes are disabled (they do not exist)."""
    return route_not_found(method, path)


def not_found(kind: str, ident: str) -> ApiResponse:
    """Reply 404 with Paigo's template for `kind`."""
    template = NOT_FOUND_TEMPLATES.get(kind, kind.capitalize() + " with ID: {id} not found")
    return _json(
        404, {"message": template.format(id=ident), "error": "Not Found", "statusCode": 404}
    )


def conflict(kind: str, ids: Sequence[str]) -> ApiResponse:
    """Reply 409 with Paigo's text for a blocked delete of `kind`."""
    template = CONFLICT_TEMPLATES.get(kind, "Cannot delete " + kind + ", it is in use by: {ids}")
    message = template.format(ids=", ".join(ids))
    return _json(409, {"message": message, "error": "Conflict", "statusCode": 409})


def idempotency_key_reused(key: str) -> ApiResponse:
    """Reply 409 when an `Idempotency-Key` comes back with a different request (as Stripe does)."""
    message = (
        f"Idempotency-Key {key!r} was already used with a different request; "
        "send a new key for a new request"
    )
    return _json(409, {"message": message, "error": "Conflict", "statusCode": 409})


def payload_too_large() -> ApiResponse:
    """Reply 413 for a body over `MAX_BODY_BYTES` (body-parser's words)."""
    return _json(
        413,
        {
            "statusCode": 413,
            "message": "request entity too large",
            "error": "Payload Too Large",
        },
    )


def pdf_unavailable() -> ApiResponse:
    """Reply 501 when invoice PDFs cannot be rendered because the "pdf" extra is not installed."""
    return _json(
        501,
        {
            "statusCode": 501,
            "message": "invoice PDFs need the pdf extra: pip install 'paigo-sdk[pdf]'",
            "error": "Not Implemented",
        },
    )


def internal_error() -> ApiResponse:
    """Reply 500 with a generic body; the details go to the `simulator` logger only."""
    return _json(500, {"statusCode": 500, "message": "Internal server error"})


def from_error(exc: BaseException) -> ApiResponse | None:
    """Return Paigo's reply for a parsing or domain error, or None for anything else."""
    if isinstance(exc, BadRequest):
        return bad_request(exc.messages)
    if isinstance(exc, PayloadTooLarge):
        return payload_too_large()
    if isinstance(exc, Forbidden):
        return forbidden()
    if isinstance(exc, domain.NotFound):
        return not_found(exc.kind, exc.id)
    if isinstance(exc, domain.Conflict):
        return conflict(exc.kind, list(exc.ids))
    if isinstance(exc, domain.Invalid):
        return bad_request(exc.messages)
    return None


def is_success(response: ApiResponse) -> bool:
    """Tell whether a reply accepts the request (any 2xx)."""
    return 200 <= response.status < 300


def is_rejection(response: ApiResponse) -> bool:
    """Tell whether a reply refuses the request (any 4xx or 5xx)."""
    return response.status >= 400


def status_messages(response: ApiResponse) -> list[str]:
    """Return the human-readable messages of an error reply (for the rejected-requests log)."""
    try:
        body = json.loads(response.body or b"null")
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    message = body.get("message", body.get("error_description"))
    if isinstance(message, list):
        return [str(m) for m in message]
    return [str(message)] if message is not None else []
