"""Idempotency keys: how one is made, and where it goes (what a valid one is: `_wire`).

Every POST may carry an `Idempotency-Key` header. The same key is sent on every attempt of one
call, so a server that honours keys (the simulator does, on every POST route) answers a retry
after a lost reply with the first answer instead of acting twice.
"""

from __future__ import annotations

import uuid
from typing import Final

from paigo_sdk._wire import check_idempotency_key

__all__ = ["IDEMPOTENCY_HEADER", "check_idempotency_key", "new_idempotency_key"]

IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
"""The request header that carries the key."""


def new_idempotency_key() -> str:
    """Return a fresh random idempotency key (a uuid4 in hex).

    Raises:
        Nothing.
    """
    return uuid.uuid4().hex
