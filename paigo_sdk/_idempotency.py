"""Idempotency keys: how one is made, and what a valid one looks like.

Every POST may carry an `Idempotency-Key` header. The same key is sent on every attempt of one
call, so a server that honours keys (the simulator does, on every POST route) answers a retry
after a lost reply with the first answer instead of acting twice.
"""

from __future__ import annotations

import re
import uuid
from typing import Final

from paigo_sdk.errors import ClientValidationError

__all__ = ["IDEMPOTENCY_HEADER", "check_idempotency_key", "new_idempotency_key"]

IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
"""The request header that carries the key."""

_KEY: Final = re.compile(r"[\x21-\x2b\x2d-\x7e]{1,255}\Z")


def new_idempotency_key() -> str:
    """Return a fresh random idempotency key (a uuid4 in hex).

    Raises:
        Nothing.
    """
    return uuid.uuid4().hex


def check_idempotency_key(key: object) -> str:
    """Check an idempotency key: 1 to 255 printable ASCII characters, no commas or spaces.

    Raises:
        ClientValidationError: when the key does not fit.
    """
    if not isinstance(key, str) or not _KEY.match(key):
        raise ClientValidationError(
            f"idempotency keys must be 1 to 255 printable ASCII characters without commas or "
            f"spaces, got {key!r}"
        )
    return key
