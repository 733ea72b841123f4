"""Check that a webhook request comes from Paigo, and read its event.

Paigo sends the subscription's `securityKey` back, as it is, in the `X-Paigo-Security` header of
every delivery; it documents no signature computed over the body. `verify` compares that header
with the key in constant time and parses the JSON body:

    from paigo_sdk.webhooks import verify

    event = verify(request.body, request.headers, security_key=PAIGO_WEBHOOK_KEY)
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from paigo_sdk.errors import ClientValidationError, WebhookVerificationError

__all__ = ["SECURITY_HEADER", "WebhookVerificationError", "verify"]

SECURITY_HEADER: Final = "X-Paigo-Security"
"""The request header that carries the subscription's security key."""


def verify(
    body: bytes | str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    security_key: str,
) -> dict[str, Any]:
    """Check a webhook request's `X-Paigo-Security` header and return its JSON body.

    Args:
        body: the request body, as received.
        headers: the request headers (names in any case), as a mapping or as pairs.
        security_key: the `securityKey` given when subscribing.

    Returns:
        The event: a JSON object, with numbers as `Decimal` (never float).

    Raises:
        ClientValidationError: `security_key` is empty (nothing could be verified).
        WebhookVerificationError: the header is missing, repeated or differs from the key, or
            the body is not a JSON object.
    """
    if not security_key:
        raise ClientValidationError("security_key must be a non-empty string")
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    given = [value for name, value in pairs if name.lower() == SECURITY_HEADER.lower()]
    if not given:
        raise WebhookVerificationError(f"the request has no {SECURITY_HEADER} header")
    if len(given) > 1:
        raise WebhookVerificationError(f"the request has {len(given)} {SECURITY_HEADER} headers")
    # Constant time: how much of a guess matches must not show in how long the check takes.
    if not hmac.compare_digest(given[0].encode(), security_key.encode()):
        raise WebhookVerificationError(f"the {SECURITY_HEADER} header does not match the key")
    try:
        event = json.loads(body, parse_float=Decimal)
    except (ValueError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
        raise WebhookVerificationError(f"the body is not JSON: {exc}") from None
    if not isinstance(event, dict):
        raise WebhookVerificationError("the body is not a JSON object")
    return event
