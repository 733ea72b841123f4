"""Serve `POST /oauth/token`: the client-credentials grant Paigo's auth server (Auth0) answers."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from simulator.api import replies
from simulator.api.auth import TokenDenied
from simulator.api.call import Call
from simulator.api.messages import ApiResponse
from simulator.api.parsing import MAX_BODY_BYTES, BadRequest, PayloadTooLarge, read_json

__all__ = ["issue_token"]


def issue_token(call: Call) -> ApiResponse:
    """Issue a bearer token for a client-credentials grant (Paigo: `POST https://auth.paigo.tech/oauth/token`).

    The body may be JSON (as Paigo documents) or form-encoded (as OAuth clients such as Prometheus
    send). A missing `audience` means the configured one. Differences from Paigo: the simulator
    serves this endpoint on the API's own origin, and its tokens are opaque JWT-shaped strings.

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
        token = call.api.tokens.issue_client_token(
            grant_type=fields.get("grant_type"),
            client_id=fields.get("client_id"),
            client_secret=fields.get("client_secret"),
            audience=fields.get("audience"),
        )
    except TokenDenied as denied:
        return replies.token_error(denied.kind, denied.description)
    return replies.token_issued(token, call.api.tokens.lifetime_seconds)
