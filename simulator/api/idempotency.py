"""Honour `Idempotency-Key` on every POST route: replay the first answer, refuse a changed body.

Paigo v1.10 documents no idempotency key; the simulator honours one the way Stripe does, so that a
client retrying a create after a lost reply never makes a second customer or invoice:

- On `POST /usage` the engine already deduplicates records by key within one customer (B2); this
  module adds the check that a key reused with a different record is refused. The key's scope is
  the record's customer, and it is remembered for as long as the engine remembers the record.
  A single record's key keeps the request's body bytes and query text: a repeat with the same
  bytes (the usual retry) is recognised without decoding anything, and a repeat with other
  bytes is compared in the canonical form every fingerprint uses (object keys sorted, numbers
  kept as their text).
- On every other POST route (`/customers`, `/invoices`, `/dimensions`, ...) the key's scope is the
  API client (the `client_id` the bearer token was issued to). The first successful (2xx) answer
  is stored with a fingerprint of the request (method, path, query and body) and replayed, with
  `Idempotent-Replayed: true`, to a repeat within 24 hours on the simulator clock. An error answer
  is not stored: the key stays free, and a retry runs again.
- A key reused with a different request is answered 409, naming the key, and changes nothing.

No billing happens here: the module compares requests and stores answers. Requests are handled
one at a time (the `Api` lock), so a check and the store that follows it cannot interleave.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final, NamedTuple

from simulator.api import replies
from simulator.api.call import Call, Handler
from simulator.api.messages import ApiResponse
from simulator.api.parsing import BadRequest, PayloadTooLarge, idempotency_keys, read_json
from simulator.clock import Clock

__all__ = ["KEY_LIFETIME", "MAX_KEYS", "IdempotencyStore"]

KEY_LIFETIME: Final = timedelta(hours=24)
"""How long a stored answer of a route other than `/usage` is replayed, on the simulator clock."""

MAX_KEYS: Final = 250_000
"""The most keys remembered at once; the oldest is forgotten first (bounds the memory)."""

USAGE_PATH: Final = "/usage"

_BOUNDARY = re.compile(r'boundary="?([^";,]+)"?', re.IGNORECASE)

Scope = tuple[str, str, str]
"""(kind, owner, key): kind is "usage" or "client"; owner a customer id or an API client id."""


class _RawRecord(NamedTuple):
    """A single usage record's request as it came: its body's bytes and its query's text.

    Two requests with the same bytes are the same request; requests whose bytes differ are
    compared in the canonical form (`canonical`), which only then is worked out.
    """

    body: bytes
    query_text: bytes

    def canonical(self) -> bytes:
        """The digest of the canonical form, equal to `_fingerprint_json` of the record."""
        return _fingerprint_json(
            _fingerprinted_body(self.body, read_json(self.body, "application/json")),
            self.query_text,
        )


Fingerprint = bytes | _RawRecord
"""A request's canonical digest (`_fingerprint_json`, `_fingerprint_request`), or a single usage
record's request as it came (`_RawRecord`)."""


class _Entry(NamedTuple):
    # A tuple: one is made per key, on the path of every POST that carries one.
    fingerprint: Fingerprint
    # The stored answer; None for usage records, which the engine replays itself.
    response: ApiResponse | None
    expires_at: datetime | None


class IdempotencyKeyReused(Exception):
    """A key came back with a request that differs from the one it was first used with."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class IdempotencyStore:
    """The keys seen on POST routes, each with its request's fingerprint (and answer).

    Raises nothing itself; `handle` answers 409 for a reused key and lets the route's own errors
    through.
    """

    def __init__(
        self, clock: Clock, *, lifetime: timedelta = KEY_LIFETIME, max_keys: int = MAX_KEYS
    ) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._max_keys = max_keys
        self._entries: OrderedDict[Scope, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"IdempotencyStore(keys={len(self._entries)})"

    def clear(self) -> None:
        """Forget every key (the simulator was reset or restored to a snapshot)."""
        self._entries.clear()

    def handle(self, call: Call, pattern: str, handler: Handler) -> ApiResponse:
        """Answer a POST through `handler`, honouring its `Idempotency-Key` header if it has one.

        Raises:
            BadRequest: the header or the body is malformed (from parsing).
            Exception: whatever `handler` raises; nothing is stored then.
        """
        header = call.header("idempotency-key")
        if header is None or not call.engine.options.deduplication:
            return handler(call)
        try:
            if pattern == USAGE_PATH:
                return self._usage(call, header, handler)
            return self._other(call, header, handler)
        except IdempotencyKeyReused as reused:
            return replies.idempotency_key_reused(reused.key)

    # ----------------------------------------------------------------- POST /usage

    def _usage(self, call: Call, header: str, handler: Handler) -> ApiResponse:
        try:
            decoded = call.raw_body()
        except (BadRequest, PayloadTooLarge):
            decoded = _NOT_DECODED  # refused by the handler; fingerprinted meanwhile
        if decoded is not _NOT_DECODED and not isinstance(decoded, list):
            return self._single_usage(call, decoded, header, handler)
        try:
            body = _fingerprinted_body(call.request.body, decoded)
        except (ValueError, RecursionError):
            return handler(call)  # which refuses the malformed or too deeply nested body
        if isinstance(body, list):
            keys = idempotency_keys(header, count=len(body)) or []
            records: Sequence[Any] = body
        else:
            keys = idempotency_keys(header) or []
            records = [body]
        query = call.request.query
        query_text = _query_text(query) if query else _NO_QUERY  # the same for every record
        try:
            scoped = [
                (("usage", _customer_of(record), key), _fingerprint_json(record, query_text))
                for record, key in zip(records, keys, strict=True)
            ]
        except RecursionError:
            # Nested deeper than any record the handler takes (metadata depth is bounded):
            # the handler refuses it, so there is nothing to remember.
            return handler(call)
        for scope, fingerprint in scoped:
            self._check(scope, fingerprint)
        response = handler(call)
        if replies.is_success(response):
            for scope, fingerprint in scoped:
                if scope not in self._entries:
                    self._put(scope, _Entry(fingerprint, None, None))
        return response

    def _single_usage(self, call: Call, record: Any, header: str, handler: Handler) -> ApiResponse:
        # One record (the usual request): its request as it came (body bytes and query) is its
        # fingerprint, worked out in the canonical form only if the key comes back with other
        # bytes.
        key = call.idempotency_key() or header
        request = call.request
        query = request.query
        fingerprint = _RawRecord(request.body, _query_text(query) if query else _NO_QUERY)
        scope: Scope = ("usage", _customer_of(record), key)
        self._check(scope, fingerprint)
        response = handler(call)
        if replies.is_success(response) and scope not in self._entries:
            self._put(scope, _Entry(fingerprint, None, None))
        return response

    # ----------------------------------------------------------------- every other POST

    def _other(self, call: Call, header: str, handler: Handler) -> ApiResponse:
        key = call.idempotency_key() or header
        principal = call.principal
        owner = principal.client_id if principal is not None else ""
        scope: Scope = ("client", owner, key)
        fingerprint = _fingerprint_request(call)
        entry = self._check(scope, fingerprint)
        if entry is not None and entry.response is not None:
            return replies.replayed(entry.response)
        response = handler(call)
        if replies.is_success(response):
            self._put(scope, _Entry(fingerprint, response, self._clock.now() + self._lifetime))
        return response

    # ----------------------------------------------------------------- the store

    def _check(self, scope: Scope, fingerprint: Fingerprint) -> _Entry | None:
        entry = self._entries.get(scope)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= self._clock.now():
            del self._entries[scope]
            return None
        if entry.fingerprint != fingerprint and _canonical_form(
            entry.fingerprint
        ) != _canonical_form(fingerprint):
            raise IdempotencyKeyReused(scope[2])
        return entry

    def _put(self, scope: Scope, entry: _Entry) -> None:
        self._entries[scope] = entry
        self._entries.move_to_end(scope)
        while len(self._entries) > self._max_keys:
            self._entries.popitem(last=False)


def _customer_of(record: object) -> str:
    # The engine scopes usage keys by customer (B2); a record without one is refused by the
    # handler's validation before anything is stored, so any placeholder will do here.
    if isinstance(record, dict):
        customer = record.get("customerId")
        if isinstance(customer, str):
            return customer
    return ""


class _Number:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _fingerprinted_body(raw: bytes, decoded: Any) -> Any:
    """Return the body as fingerprints read it: numbers kept as their text.

    A body without numbers reads the same either way, so the handler's own decode (`decoded`,
    or `_NOT_DECODED` when the handler refuses the body) serves; any other body is decoded
    again, keeping each number's text.

    Raises:
        ValueError: when the body is not JSON.
    """
    if decoded is _NOT_DECODED or _holds_number(decoded):
        return _parse(raw)
    return decoded


_NOT_DECODED: Final[Any] = object()


def _canonical_form(fingerprint: Fingerprint) -> bytes:
    return fingerprint if isinstance(fingerprint, bytes) else fingerprint.canonical()


def _holds_number(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is not str and kind is not bool and item is not None:
            return True  # an int or a Decimal: the only other values read_json makes
    return False


def _parse(raw: bytes) -> Any:
    # What json.loads(raw, ...) does, with a decoder built once instead of per call.
    return _NUMBER_TEXT_DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))


def _canonical(value: Any) -> str:
    # Object keys are sorted, so the same request re-serialised by another client matches, and
    # numbers keep their text (`1`, `1.0` and `"1"` are different requests).
    return _CANONICAL_ENCODER.encode(value)


def _number_text(value: object) -> list[str]:
    if isinstance(value, _Number):
        return ["#number", value.text]
    raise TypeError(f"{type(value).__name__} is not JSON")  # pragma: no cover - parsed JSON only


_NUMBER_TEXT_DECODER: Final = json.JSONDecoder(parse_float=_Number, parse_int=_Number)
_CANONICAL_ENCODER: Final = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), default=_number_text
)


def _digest(*parts: bytes) -> bytes:
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big"))
        hasher.update(part)
    return hasher.digest()


def _query_text(query: tuple[tuple[str, str], ...]) -> bytes:
    return repr(sorted(query)).encode()


_NO_QUERY: Final = _query_text(())


def _fingerprint_json(record: Any, query_text: bytes) -> bytes:
    return _digest(_canonical(record).encode(), query_text)


def _fingerprint_request(call: Call) -> bytes:
    request = call.request
    content_type = request.headers.get("content-type", "")
    body = request.body
    if "json" in content_type:
        # A malformed (or too deeply nested) body is refused by the handler; its bytes are
        # fingerprinted meanwhile.
        with contextlib.suppress(ValueError, RecursionError):
            body = _canonical(_parse(body)).encode()
    else:
        # A multipart body carries a random boundary, new on every attempt of the same upload.
        found = _BOUNDARY.search(content_type)
        if found is not None:
            body = body.replace(found.group(1).encode(), b"<boundary>")
    return _digest(
        request.method.upper().encode(),
        request.path.encode(),
        _query_text(request.query),
        body,
    )
