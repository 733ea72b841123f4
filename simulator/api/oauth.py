"""Serve `POST /oauth/token`: the client-credentials grant Paigo's auth server (Auth0) answers."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from simulator.api import replies
from simulator.api.auth import TokenDenied
from simulator.api.call import Call
from simulator.api.messages import ApiResponse
from simulator.api.parsing import MAX_BODY_BYTES, BadRequest, PayloadTooLarge, read_json

__all__ = ["issue_token"]


def issue_token(call: Call) -> ApiResponse:
    """Issue a bearer token for a client-credentials grant (Paigo: `POST https://auth.paigo.tech/oauth/token`).

    The body may be JSON (as Paigo documents) or form-encoded (as OAuth clients such as Prometheus
    send). The client's credentials may be in the body or in an HTTP Basic `Authorization` header
    (RFC 6749 section 2.3.1, `client_secret_basic`, which Paigo's Prometheus sample tries first),
    but not both. A missing `audience` means the configured one.

    Differences from Paigo: the simulator serves this endpoint on the API's own origin, and its
    tokens are opaque JWT-shaped strings.

    Raises:
        PayloadTooLarge: when the body is over the size limit.
    """
    request = call.request
    content_type = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    fields: Any
    if content_type == "application/x-www-form-urlencoded":
        if len(request.body) > MAX_BODY_BYTES:
            raise PayloadTooLarge(len(request.body))
        fields = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    else:
        try:
            fields = read_json(request.body, request.headers.get("content-type"))
        except BadRequest as exc:
            return replies.token_error("invalid_request", exc.messages[0])
    if not isinstance(fields, dict):
        return replies.token_error("invalid_request", "request body must be an object")
    try:
        client_id, client_secret = _client_credentials(request.headers.get("authorization"), fields)
        token = call.api.tokens.issue_client_token(
            grant_type=fields.get("grant_type"),
            client_id=client_id,
            client_secret=client_secret,
            audience=fields.get("audience"),
        )
    except TokenDenied as denied:
        return replies.token_error(denied.kind, denied.description)
    return replies.token_issued(token, call.api.tokens.lifetime_seconds)


def _client_credentials(authorization: str | None, fields: dict[str, Any]) -> tuple[object, object]:
    """Return the client id and secret, from a Basic `Authorization` header or from the body.

    In the header, id and secret are each form-urlencoded, joined by `:` and base64-encoded
    (RFC 6749 section 2.3.1). A body may repeat the header's `client_id` but carry no secret:
    RFC 6749 section 2.3 allows one authentication method per request.

    Raises:
        TokenDenied: `invalid_request` for a malformed header or two sets of credentials.
    """
    scheme, _, encoded = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return fields.get("client_id"), fields.get("client_secret")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise TokenDenied(
            "invalid_request", "Authorization: Basic must carry base64 of client_id:client_secret"
        ) from None
    raw_id, colon, raw_secret = decoded.partition(":")
    if not colon:
        raise TokenDenied(
            "invalid_request", "Authorization: Basic must carry base64 of client_id:client_secret"
        )
    client_id, client_secret = unquote_plus(raw_id), unquote_plus(raw_secret)
    if "client_secret" in fields or fields.get("client_id", client_id) != client_id:
        raise TokenDenied(
            "invalid_request",
            "client credentials must be sent either in the Authorization header or in the body, "
            "not both",
        )
    return client_id, client_secret
