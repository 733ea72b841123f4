"""Check that a webhook request comes from Paigo, and read its event.

Paigo sends the subscription's `securityKey` back, as it is, in the `X-Paigo-Security` header of
every delivery; it documents no signature computed over the body. `verify` compares that header
with the key in constant time and parses the JSON body:

    from paigo_sdk.webhooks import verify

    event = verify(request.body, request.headers, security_key=PAIGO_WEBHOOK_KEY)
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from typing import Any, Final

from paigo_sdk import _json
from paigo_sdk.errors import ClientValidationError, WebhookVerificationError

__all__ = ["SECURITY_HEADER", "WebhookVerificationError", "verify"]

SECURITY_HEADER: Final = "X-Paigo-Security"
"""The request header that carries the subscription's security key."""


def verify(
    body: bytes | str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | Iterable[tuple[bytes, bytes]],
    security_key: str,
) -> dict[str, Any]:
    """Check a webhook request's `X-Paigo-Security` header and return its JSON body.

    Args:
        body: the request body, as received.
        headers: the request headers (names in any case), as a mapping or as pairs; pairs of
            bytes, as an ASGI scope holds them, are read as Latin-1.
        security_key: the `securityKey` given when subscribing.

    Returns:
        The event: a JSON object, with numbers as `Decimal` (never float).

    Raises:
        ClientValidationError: `security_key` is empty (nothing could be verified), or a header
            is neither text nor bytes.
        WebhookVerificationError: the header is missing, repeated or differs from the key, or
            the body is not a JSON object (malformed, nested too deeply, or holding `NaN` or
            `Infinity`, which JSON does not have).
    """
    if not security_key:
        raise ClientValidationError("security_key must be a non-empty string")
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    wanted = SECURITY_HEADER.lower()
    given = [_text(value) for name, value in pairs if _text(name).lower() == wanted]
    if not given:
        raise WebhookVerificationError(f"the request has no {SECURITY_HEADER} header")
    if len(given) > 1:
        raise WebhookVerificationError(f"the request has {len(given)} {SECURITY_HEADER} headers")
    # Constant time: how much of a guess matches must not show in how long the check takes.
    # surrogatepass: a header a server decoded with surrogate escapes still compares (unequal).
    if not hmac.compare_digest(
        given[0].encode("utf-8", "surrogatepass"), security_key.encode("utf-8", "surrogatepass")
    ):
        raise WebhookVerificationError(f"the {SECURITY_HEADER} header does not match the key")
    try:
        event = _json.loads(body)
    except (ValueError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
        raise WebhookVerificationError(f"the body is not JSON: {exc}") from None
    except RecursionError:
        raise WebhookVerificationError("the body is not JSON: it is nested too deeply") from None
    if not isinstance(event, dict):
        raise WebhookVerificationError("the body is not a JSON object")
    return event


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    raise ClientValidationError(
        f"webhook headers must be text or bytes, not {type(value).__name__}"
    )
