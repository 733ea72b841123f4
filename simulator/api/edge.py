"""The request edge: what every request must satisfy before any route handler sees it.

Both transports decode the URL with `decode_path` and `decode_query`, which keep bytes that are
not UTF-8 visible (as lone surrogates) instead of silently replacing them; `invalid_text` then
refuses any path, query, header or body that is not valid Unicode. Nothing such a request carries
is ever stored, so no later reply can fail to encode it.

`media_type_refusal` keeps a web page in a browser from changing the simulator: a browser sends a
cross-site request without a preflight only with a form or text content type, so state-changing
routes accept JSON alone, except the token endpoint (OAuth form bodies) and the invoice image
upload (multipart). This module is the simulator's, not part of Paigo's API.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Final
from urllib.parse import parse_qsl, unquote_to_bytes

from simulator.api.messages import ApiRequest

__all__ = [
    "STATE_CHANGING_METHODS",
    "accepted_media_types",
    "decode_path",
    "decode_query",
    "invalid_text",
    "media_type_refusal",
]

STATE_CHANGING_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_JSON: Final = frozenset({"application/json"})
# Routes that must also accept what a browser form can send, and why.
_OTHER_MEDIA_TYPES: Final[dict[tuple[str, str], frozenset[str]]] = {
    # OAuth clients post the client-credentials grant form-encoded (RFC 6749, section 4.4.2).
    ("POST", "/oauth/token"): frozenset({"application/x-www-form-urlencoded"}),
    # Paigo takes the invoice logo as multipart form data; a raw image body is accepted too.
    ("POST", "/settings/invoiceImage"): frozenset(
        {"multipart/form-data", "image/png", "image/jpeg", "image/jpg"}
    ),
}
# The `Content-Type` header almost every request carries, compared as it comes.
_USUAL_CONTENT_TYPE: Final = "application/json"
# Bytes looked for as ints: `0x25 in body` is a plain byte search, while `b"%" in body` first
# tries the operand as an int and raises and clears an exception, several times slower.
_BACKSLASH: Final = ord("\\")
_PERCENT: Final = ord("%")
# A JSON escape of a UTF-16 surrogate; only bodies holding one need a closer look.
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89a-fA-F]")


def decode_path(raw: bytes) -> str:
    """Decode a raw request path, keeping bytes that are not UTF-8 as lone surrogates.

    The path stays percent-encoded; `invalid_text` refuses it when it is not valid UTF-8.
    """
    return raw.decode("utf-8", "surrogateescape")


def decode_query(raw: bytes) -> tuple[tuple[str, str], ...]:
    """Split a raw query string into (name, value) pairs in order, blank values kept.

    Percent-escapes and raw bytes that are not UTF-8 become lone surrogates, which
    `invalid_text` refuses, rather than being replaced with U+FFFD and accepted.
    """
    text = raw.decode("utf-8", "surrogateescape")
    return tuple(
        parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="surrogateescape")
    )


def invalid_text(request: ApiRequest) -> list[str]:
    """Return one message per part of `request` that is not valid Unicode; empty when all are.

    Checked: the path (after percent-decoding), every query name and value, every header, and
    the body when it is JSON (including `\\ud800`-style escapes of lone surrogates) or a form.
    """
    path = request.path
    headers = request.headers
    body = request.body
    plain_path = path.isascii() and "%" not in path
    # The usual request has nothing to decode: an ASCII path without percent-escapes, no query,
    # ASCII headers, and a body in ASCII without escapes (JSON `\u`, form `%`).
    if (
        plain_path
        and not request.query
        and body.isascii()
        and _BACKSLASH not in body
        and _PERCENT not in body
        and all(map(str.isascii, headers))
        and all(map(str.isascii, headers.values()))
    ):
        return []
    messages: list[str] = []
    if not plain_path and (not _is_unicode(path) or not _utf8(unquote_to_bytes(path))):
        messages.append("the request path is not valid UTF-8")
    if request.query and not all(
        _is_unicode(name) and _is_unicode(value) for name, value in request.query
    ):
        messages.append("the query string is not valid UTF-8")
    if not ("".join(headers).isascii() and "".join(headers.values()).isascii()):
        for name, value in headers.items():
            if not (_is_unicode(name) and _is_unicode(value)):
                messages.append(f"the {name!r} header is not valid text")
    media_type = _media_type(request)
    if request.body and (media_type in _JSON or media_type.endswith("+json")):
        messages += _json_body_messages(request.body)
    elif request.body and media_type == "application/x-www-form-urlencoded":
        decoded = unquote_to_bytes(request.body.replace(b"+", b" "))
        if not (_utf8(request.body) and _utf8(decoded)):
            messages.append("request body is not valid UTF-8")
    return messages


def accepted_media_types(method: str, pattern: str) -> frozenset[str]:
    """Return the body media types a route accepts (JSON, plus any form the route must take)."""
    other = _OTHER_MEDIA_TYPES.get((method, pattern))
    return _JSON if other is None else _JSON | other


def media_type_refusal(request: ApiRequest, pattern: str) -> str | None:
    """Return why a state-changing request to route `pattern` has an unacceptable body type.

    A state-changing request (POST, PUT, PATCH, DELETE) may carry a body only as JSON (any
    `application/*+json` too), or as a type its route must accept (`accepted_media_types`); a
    request without body and without `Content-Type` passes. Returns None when acceptable.
    """
    if request.headers.get("content-type") == _USUAL_CONTENT_TYPE:
        return None  # JSON is accepted everywhere: the usual case, decided by one lookup
    method = request.method.upper()
    if method not in STATE_CHANGING_METHODS:
        return None
    media_type = _media_type(request)
    if not media_type:
        if not request.body:
            return None
        return "Content-Type must be application/json"
    accepted = accepted_media_types(method, pattern)
    if media_type in accepted or media_type.endswith("+json"):
        return None
    if accepted == _JSON:
        return "Content-Type must be application/json"
    return "Content-Type must be one of " + ", ".join(sorted(accepted))


def _media_type(request: ApiRequest) -> str:
    content_type = request.headers.get("content-type")
    if content_type == _USUAL_CONTENT_TYPE or content_type is None:
        return content_type or ""
    return content_type.split(";", 1)[0].strip().lower()


def _is_unicode(text: str) -> bool:
    """Tell whether `text` has no lone surrogate (so that it encodes as UTF-8)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _utf8(data: bytes) -> bool:
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _json_body_messages(body: bytes) -> list[str]:
    if not _utf8(body):
        return ["request body is not valid UTF-8"]
    if _BACKSLASH not in body or _SURROGATE_ESCAPE.search(body) is None:
        return []
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return []  # malformed JSON: the route's own parser says what is wrong
    if all(_is_unicode(text) for text in _strings(value)):
        return []  # surrogate pairs (emoji and other characters beyond the BMP) are fine
    return ["request body holds a string that is not valid Unicode (a lone surrogate)"]


def _strings(value: Any) -> Iterator[str]:
    """Yield every string in a decoded JSON value, object keys included (iteratively)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            yield from item.keys()
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
