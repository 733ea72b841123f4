"""Mask what differs between accounts and runs in a reply: ids, secrets, timestamps, emails, URLs.

A masked reply keeps every key and the type of every value, so its shape (`simulator.parity.shapes`)
is the shape of the original, while nothing that identifies an account or a moment is stored.
Enumeration values, amounts and other numbers stay as they are: they are part of what a snapshot
is meant to show.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final

__all__ = ["EMAIL", "ID", "SECRET", "TIMESTAMP", "URL", "mask"]

ID: Final = "<id>"
"""What an identifier becomes."""
SECRET: Final = "<secret>"
"""What a token, secret, password or signature becomes."""
TIMESTAMP: Final = "<timestamp>"
"""What a date or time becomes."""
EMAIL: Final = "<email>"
"""What an email address becomes."""
URL: Final = "<url>"
"""What a URL becomes (signed links carry secrets and hosts)."""

_SECRET_KEY = re.compile(
    r"token|secret|password|signature|apikey|api_key|authorization|credential", re.I
)
_ID_KEY = re.compile(r"(^id$|Id$|_id$|ID$|Ids$|_ids$)")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def mask(value: Any, *, key: str | None = None) -> Any:
    """Return a copy of a JSON-like `value` with its identifying values masked.

    Strings under a key naming a secret (`token`, `secret`, `signature`, ...) become `<secret>`;
    under an id key (`id`, `...Id`, `..._id`, `...Ids`) or shaped like a UUID, `<id>`; dates and
    times, `<timestamp>`; email addresses, `<email>`; URLs, `<url>`. `datetime` and `date` values
    (from a parsed model) become `<timestamp>`; enum members their value. Dict keys are kept;
    the result's dicts are sorted by key, so equal replies give equal snapshots.

    Raises:
        TypeError: for a value that is not JSON-like (not a dict, list, str, number, bool or None).
    """
    if isinstance(value, Mapping):
        return {
            str(k): mask(v, key=str(k)) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
        }
    if isinstance(value, list | tuple):
        return [mask(item, key=key) for item in value]
    if isinstance(value, datetime | date):
        return TIMESTAMP
    if isinstance(value, Enum):
        return mask(value.value, key=key)
    if isinstance(value, str):
        return _mask_text(value, key)
    if value is None or isinstance(value, bool | int | Decimal | float):
        return value
    raise TypeError(f"cannot mask a {type(value).__name__}: snapshots hold JSON values only")


def _mask_text(text: str, key: str | None) -> str:
    if key is not None and _SECRET_KEY.search(key):
        return SECRET
    if (key is not None and _ID_KEY.search(key)) or _is_uuid(text):
        return ID
    if _is_date_or_time(text):
        return TIMESTAMP
    if _EMAIL.match(text):
        return EMAIL
    if _URL.match(text):
        return URL
    return text


def _is_uuid(text: str) -> bool:
    """True for the hyphenated 36-character form only (not the bare hex `uuid.UUID` also reads)."""
    if len(text) != 36 or text.count("-") != 4:
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _is_date_or_time(text: str) -> bool:
    """True for an ISO 8601 date or date-time in its extended form (`YYYY-MM-DD...`).

    Broader than the wire grammar on purpose: a snapshot masks every moment a reply shows,
    whatever form the service chose for it. The basic form (`20260101`) is left alone, since
    it cannot be told from a number.
    """
    if len(text) < 10 or text[4] != "-" or text[7] != "-":
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
