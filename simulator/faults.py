"""Inject latency, error statuses, timeouts, dropped connections and token loss into requests.

A `FaultRule` says which requests it matches (method and path pattern) and what goes wrong with
them. `Faults` holds the active rules of one simulator, decides for each request whether a rule
fires (with a seeded random generator, or for the next N matching calls) and counts what fired.
What each kind does is described once, as data (`FAULT_KINDS`), and both transports carry out a
decision through one function, `apply_fault`: it runs the handler when the kind lets the request
through and says what the network does instead of a reply. `SimulatorTransport` turns that into
the httpx exception a real network would cause, and the ASGI server into a closed socket. Paths
under `/_simulator/` are never faulted, so a test can always list or clear its rules; the
`/_simulator/faults` routes themselves live with the other admin routes (`simulator.api.admin`).

This module is part of the simulator, not of Paigo's API.
"""

from __future__ import annotations

import builtins
import fnmatch
import functools
import json
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol, get_args

from simulator.api.messages import ApiRequest, ApiResponse

__all__ = [
    "FAULTS_PATH",
    "FAULT_KINDS",
    "FaultKind",
    "FaultKindSpec",
    "FaultPlan",
    "FaultRecord",
    "FaultRule",
    "Faults",
    "NetworkFailure",
    "NetworkFailureKind",
    "TokenControl",
    "acknowledged_response",
    "apply_fault",
    "fault_response",
]

FaultKind = Literal[
    "latency",
    "status",
    "hang",
    "drop",
    "refuse",
    "lost_response",
    "discard",
    "expire_token",
    "revoke_token",
]
"""What a rule does to a request it fires on.

- `latency`: wait `latency` seconds, then answer normally.
- `status`: answer `status` (429, 500, 502, 503, ...) with a Paigo-like body; the request is
  not applied.
- `hang`: never answer in time; the request is not applied. In-process this raises
  `httpx.ReadTimeout` at once; the server sleeps `hang_seconds` and then closes the connection.
- `drop`: break the connection without a usable response; the request is not applied.
  In-process this raises `httpx.RemoteProtocolError`; the server sends a status line and
  closes the socket before the body (ASGI cannot close a connection with no reply at all).
- `refuse`: the connection cannot be made; the request is not sent. In-process this raises
  `httpx.ConnectError`; a server cannot refuse a connection it already accepted, so it behaves
  as `drop`.
- `lost_response`: apply the request, then lose the response the same way (the case that
  creates duplicates when the client retries without an idempotency key).
- `discard`: answer as if the request was applied, without applying it (a service that loses
  what it acknowledged): 201 with `POST /usage`'s reply, one `created` status per element of
  an array. Made for `POST /usage`; only reconciliation can notice it.
- `expire_token`: expire every issued token before the request is handled (the API answers 401).
- `revoke_token`: revoke the request's bearer token before it is handled (the API answers 401).
"""

NetworkFailureKind = Literal["timeout", "disconnect", "refuse"]
"""What the network does instead of delivering a reply: no answer in time, a connection broken
before a usable response, or a connection that cannot be made."""


@dataclass(frozen=True, slots=True)
class FaultKindSpec:
    """What one fault kind does to a request, in terms both transports carry out.

    A kind that `decides_outcome` replaces the normal reply: with its `status` reply when
    `failure` is None, else with the network `failure`, or, when it `acknowledges`, with a
    success reply; `applies_request` says whether the handler still runs first. The other kinds
    only add latency or act on tokens.
    """

    kind: FaultKind
    decides_outcome: bool
    applies_request: bool
    failure: NetworkFailureKind | None
    token_action: Literal["expire", "revoke"] | None
    description: str
    """How the failure reads in the error a client sees."""
    acknowledges: bool = False
    """Answer success (`acknowledged_response`) instead of an error."""


FAULT_KINDS: Final[Mapping[FaultKind, FaultKindSpec]] = {
    spec.kind: spec
    for spec in (
        FaultKindSpec("latency", False, True, None, None, "delayed"),
        FaultKindSpec("status", True, False, None, None, "error status (request not applied)"),
        FaultKindSpec("hang", True, False, "timeout", None, "timed out (request not applied)"),
        FaultKindSpec(
            "drop",
            True,
            False,
            "disconnect",
            None,
            "server disconnected without sending a response",
        ),
        FaultKindSpec(
            "refuse", True, False, "refuse", None, "connection refused (request not sent)"
        ),
        FaultKindSpec(
            "lost_response",
            True,
            True,
            "disconnect",
            None,
            "connection lost after the request was applied",
        ),
        FaultKindSpec(
            "discard", True, False, None, None, "acknowledged, not applied", acknowledges=True
        ),
        FaultKindSpec("expire_token", False, True, None, "expire", "every token expired"),
        FaultKindSpec("revoke_token", False, True, None, "revoke", "bearer token revoked"),
    )
}
"""Every fault kind and what it does; `FaultKind` lists the same names."""

_KINDS: frozenset[str] = frozenset(get_args(FaultKind))
_ADMIN_PREFIX = "/_simulator/"
FAULTS_PATH = "/_simulator/faults"
"""The simulator-only HTTP route listing, adding and clearing fault rules."""

_STATUS_BODIES: Mapping[int, Mapping[str, Any]] = {
    # API Gateway's throttling reply, which sits in front of Paigo's API.
    429: {"message": "Too Many Requests"},
    # NestJS's default body for an unhandled exception.
    500: {"statusCode": 500, "message": "Internal server error"},
    # API Gateway's replies when the integration behind it fails or is unavailable.
    502: {"message": "Internal server error"},
    503: {"message": "Service Unavailable"},
    504: {"message": "Endpoint request timed out"},
}


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One kind of failure applied to the requests that match a method and a path pattern.

    `path` is a glob (`/customers/*/usage`, matched against the whole path) or, when it starts
    with `re:`, a regular expression matched against the whole path (`re:/customers/[^/]+/usage`)
    by RE2, which runs in time linear in the path and never backtracks, so no pattern can stall
    the server (RE2 syntax: no backreferences or lookarounds; needs the "faults" extra).
    `method` is an HTTP method or `*`. A rule fires with `probability` (drawn from a generator
    seeded with `seed`, so runs are reproducible), at most `times` times when `times` is given.

    Raises:
        ValueError: when the kind is unknown, a status rule has no error status, a number is out of
            range, or the path regular expression does not compile.
    """

    kind: FaultKind
    method: str = "*"
    path: str = "*"
    status: int | None = None
    """The status a `status` rule answers with (400 to 599)."""
    retry_after: float | None = None
    """For a `status` rule: the `Retry-After` header in seconds (omitted when None)."""
    latency: float = 0.0
    """Seconds to wait before the request is handled; any kind may add latency."""
    hang_seconds: float = 60.0
    """For a `hang` rule served over a socket: how long the server waits before closing."""
    probability: float = 1.0
    times: int | None = None
    """Fire on the next `times` matching calls only (None: no limit)."""
    seed: int | None = None
    """Seed of this rule's random generator; None derives it from the registry's seed."""

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {sorted(_KINDS)}")
        if self.kind == "status" and (self.status is None or not 400 <= self.status <= 599):
            raise ValueError("a 'status' fault needs an error status between 400 and 599")
        if self.kind != "status" and self.status is not None:
            raise ValueError("only a 'status' fault takes a status")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError("retry_after must not be negative")
        if self.latency < 0 or self.hang_seconds < 0:
            raise ValueError("latency and hang_seconds must not be negative")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1")
        if self.path.startswith("re:"):
            _path_regex(self.path[3:])  # raises ValueError when it does not compile
        object.__setattr__(self, "method", self.method.upper())

    def matches(self, method: str, path: str) -> bool:
        """Tell whether this rule applies to a request, before its probability is drawn."""
        if self.method not in ("*", method.upper()):
            return False
        if self.path.startswith("re:"):
            return _path_regex(self.path[3:]).fullmatch(path) is not None
        # fnmatch's translation never backtracks catastrophically (atomic groups for each `*`).
        return fnmatch.fnmatchcase(path, self.path)

    def to_dict(self) -> dict[str, Any]:
        """Return the rule as the JSON object the `/_simulator/faults` route uses (camelCase)."""
        return {
            "kind": self.kind,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "retryAfter": self.retry_after,
            "latency": self.latency,
            "hangSeconds": self.hang_seconds,
            "probability": self.probability,
            "times": self.times,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultRule:
        """Build a rule from a JSON object; keys are camelCase or snake_case.

        Raises:
            ValueError: when a key is unknown, a value has the wrong type, or the rule is invalid.
        """
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            name = _FIELD_NAMES.get(key)
            if name is None:
                raise ValueError(f"unknown fault field {key!r}")
            if value is None and name not in _OPTIONAL_FIELDS:
                continue
            kwargs[name] = _coerce(name, value)
        if "kind" not in kwargs:
            raise ValueError("a fault needs a 'kind'")
        return cls(**kwargs)

    @classmethod
    def parse(cls, spec: str) -> FaultRule:
        """Build a rule from the `serve --fault` syntax: a JSON object or `key=value` pairs.

        Pairs are separated by commas, e.g.
        `kind=status,status=503,method=POST,path=/usage,times=2`.
        A first item without `=` is the kind: `status,status=429,retryAfter=1`.

        Raises:
            ValueError: when the text cannot be parsed or describes an invalid rule.
        """
        text = spec.strip()
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"invalid fault JSON: {exc}") from None
            if not isinstance(data, dict):
                raise ValueError("a fault must be a JSON object")
            return cls.from_dict(data)
        pairs: dict[str, Any] = {}
        for index, item in enumerate(part.strip() for part in text.split(",")):
            if not item:
                continue
            if "=" not in item:
                if index != 0:
                    raise ValueError(f"expected key=value in fault spec, got {item!r}")
                pairs["kind"] = item
                continue
            key, _, value = item.partition("=")
            pairs[key.strip()] = value.strip()
        return cls.from_dict(pairs)


@functools.lru_cache(maxsize=256)
def _path_regex(pattern: str) -> Any:
    """Compile a fault path pattern with RE2 (linear-time matching, no backtracking).

    Raises:
        ValueError: when RE2 is not installed or the pattern does not compile.
    """
    try:
        import re2
    except ModuleNotFoundError:
        raise ValueError(
            "re: path patterns need RE2: pip install 'paigo-sdk[faults]' (or use a glob)"
        ) from None
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 1 << 20  # a pattern needing more than 1 MiB of automaton is refused
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        message = exc.args[0] if exc.args else exc
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        raise ValueError(f"invalid path regular expression: {message}") from None


_FIELD_NAMES: Mapping[str, str] = {
    **{name: name for name in FaultRule.__dataclass_fields__},
    "retryAfter": "retry_after",
    "hangSeconds": "hang_seconds",
}
_OPTIONAL_FIELDS = frozenset({"status", "retry_after", "times", "seed"})


def _coerce(name: str, value: Any) -> Any:
    """Convert a JSON or command-line value to the field's type, rejecting booleans as numbers."""
    if value is None:
        return None
    try:
        if name in ("kind", "method", "path"):
            if not isinstance(value, str):
                raise TypeError
            return value
        if isinstance(value, bool):
            raise TypeError
        if name in ("status", "times", "seed"):
            if isinstance(value, float):
                raise TypeError
            return int(value)
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"invalid value for fault field {name!r}: {value!r}") from None


@dataclass(frozen=True, slots=True)
class FaultRecord:
    """One registered rule with its counters, as `Faults.list()` reports it."""

    id: str
    rule: FaultRule
    matched: int
    """Requests that matched the rule's method and path while it was active."""
    fired: int
    """Requests the rule was applied to."""

    @property
    def remaining(self) -> int | None:
        """Firings left before a `times` rule is used up (None for an unlimited rule)."""
        return None if self.rule.times is None else max(self.rule.times - self.fired, 0)

    def to_dict(self) -> dict[str, Any]:
        """Return the record as the JSON object the `/_simulator/faults` route uses."""
        return {
            "id": self.id,
            **self.rule.to_dict(),
            "matched": self.matched,
            "fired": self.fired,
            "remaining": self.remaining,
        }


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """What a transport does with one request: wait, then answer normally or fail per `outcome`."""

    latency: float = 0.0
    outcome: FaultRule | None = None
    """The rule whose failure replaces the normal reply (status, hang, drop, refuse or
    lost_response)."""
    fault_ids: tuple[str, ...] = ()
    """The ids of every rule that fired on the request."""


_NO_FAULT = FaultPlan()


class TokenControl(Protocol):
    """The part of the API layer that token faults use."""

    def expire_tokens(self) -> None:
        """Expire every token issued so far."""
        ...

    def revoke_token(self, token: str) -> None:
        """Revoke one bearer token."""
        ...


@dataclass(slots=True)
class _Entry:
    id: str
    rule: FaultRule
    rng: random.Random
    matched: int = 0
    fired: int = 0

    def exhausted(self) -> bool:
        return self.rule.times is not None and self.fired >= self.rule.times


class Faults:
    """The fault rules of one simulator: add, remove, clear, list, and decide per request.

    Rules are evaluated in the order they were added. Every matching `latency`, `expire_token`
    and `revoke_token` rule that fires takes effect; the first firing `status`, `hang`, `drop`,
    `refuse`, `lost_response` or `discard` rule decides the outcome, and the rules after it are not
    consulted (their counters and `times` stay untouched). Thread-safe.

    Args:
        seed: seeds the generators of rules added without their own seed.
        tokens: where token faults expire or revoke tokens; without it those rules only count.
    """

    def __init__(self, *, seed: int | None = None, tokens: TokenControl | None = None) -> None:
        self.seed = seed
        self.tokens = tokens
        self._entries: list[_Entry] = []
        self._next_id = 1
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Faults(rules={len(self._entries)})"

    def add(self, rule: FaultRule) -> str:
        """Register `rule` after the existing ones and return its id."""
        with self._lock:
            rule_id = f"fault-{self._next_id}"
            seed = rule.seed
            if seed is None and self.seed is not None:
                seed = self.seed * 1_000_003 + self._next_id
            self._next_id += 1
            self._entries.append(_Entry(rule_id, rule, random.Random(seed)))
            return rule_id

    def remove(self, rule_id: str) -> None:
        """Remove one rule.

        Raises:
            KeyError: when no rule has that id.
        """
        with self._lock:
            for index, entry in enumerate(self._entries):
                if entry.id == rule_id:
                    del self._entries[index]
                    return
        raise KeyError(rule_id)

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._entries.clear()

    def list(self) -> builtins.list[FaultRecord]:
        """Return every registered rule with its counters, in evaluation order."""
        with self._lock:
            return [FaultRecord(e.id, e.rule, e.matched, e.fired) for e in self._entries]

    def fired(self, rule_id: str) -> int:
        """Return how many requests the rule has been applied to.

        Raises:
            KeyError: when no rule has that id.
        """
        with self._lock:
            for entry in self._entries:
                if entry.id == rule_id:
                    return entry.fired
        raise KeyError(rule_id)

    def prepare(self, request: ApiRequest) -> FaultPlan:
        """Decide which faults hit `request`, apply its token faults now, and return the plan.

        Simulator-only paths (`/_simulator/...`) are never faulted.
        """
        if not self._entries:  # the common case, without taking the lock
            return _NO_FAULT
        if request.path.startswith(_ADMIN_PREFIX) or request.path == _ADMIN_PREFIX.rstrip("/"):
            return _NO_FAULT
        latency = 0.0
        outcome: FaultRule | None = None
        fired: builtins.list[str] = []
        token_actions: builtins.list[str] = []
        with self._lock:
            for entry in self._entries:
                if entry.exhausted() or not entry.rule.matches(request.method, request.path):
                    continue
                entry.matched += 1
                rule = entry.rule
                if rule.probability < 1.0 and entry.rng.random() >= rule.probability:
                    continue
                entry.fired += 1
                fired.append(entry.id)
                latency += rule.latency
                spec = FAULT_KINDS[rule.kind]
                if spec.token_action is not None:
                    token_actions.append(spec.token_action)
                elif spec.decides_outcome:
                    outcome = rule
                    break
        if not fired:
            return _NO_FAULT
        self._apply_token_actions(token_actions, request)
        return FaultPlan(latency=latency, outcome=outcome, fault_ids=tuple(fired))

    def _apply_token_actions(self, actions: Sequence[str], request: ApiRequest) -> None:
        if self.tokens is None:
            return
        for action in actions:
            if action == "expire":
                self.tokens.expire_tokens()
            else:
                scheme, _, token = request.headers.get("authorization", "").partition(" ")
                if scheme.lower() == "bearer" and token.strip():
                    self.tokens.revoke_token(token.strip())


def fault_response(rule: FaultRule) -> ApiResponse:
    """Return the reply a `status` rule gives: Paigo's (or its gateway's) body for that status."""
    status = rule.status if rule.status is not None else 500
    body = _STATUS_BODIES.get(status) or {"statusCode": status, "message": "Simulated failure"}
    headers: list[tuple[str, str]] = [("content-type", "application/json")]
    if rule.retry_after is not None:
        headers.append(("retry-after", _format_seconds(rule.retry_after)))
    return ApiResponse(status, tuple(headers), json.dumps(body).encode())


def acknowledged_response(request: ApiRequest) -> ApiResponse:
    """Return the 201 a `discard` rule gives: `POST /usage`'s reply, as if the body was stored.

    An array body gets the array reply, one `created` status per element.
    """
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        body = None
    reply: dict[str, Any] = {"message": "Usage record created"}
    if isinstance(body, list):
        reply = {"message": "Usage records created", "data": [{"status": "created"}] * len(body)}
    return ApiResponse(201, (("content-type", "application/json"),), json.dumps(reply).encode())


def _format_seconds(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else format(seconds, "g")


@dataclass(frozen=True, slots=True)
class NetworkFailure:
    """A request's reply replaced by a network failure, for the transport to carry out."""

    kind: NetworkFailureKind
    rule: FaultRule
    """The rule that caused it (its `hang_seconds` bounds a server's wait for a `timeout`)."""

    @property
    def message(self) -> str:
        """The text of the exception or log line describing the failure."""
        rule = self.rule
        what = FAULT_KINDS[rule.kind].description
        return f"simulated {rule.kind} fault on {rule.method} {rule.path}: {what}"


def apply_fault(
    plan: FaultPlan, request: ApiRequest, handle: Callable[[ApiRequest], ApiResponse]
) -> ApiResponse | NetworkFailure:
    """Answer `request` as `plan` decides, after its latency was waited by the caller.

    Without an outcome the handler answers; a `status` outcome answers its error reply without
    applying the request; every other outcome returns the `NetworkFailure` the transport must
    produce, after running the handler when the kind applies the request (`lost_response`).
    """
    rule = plan.outcome
    if rule is None:
        return handle(request)
    spec = FAULT_KINDS[rule.kind]
    if spec.applies_request:
        handle(request)
    if spec.acknowledges:
        return acknowledged_response(request)
    if spec.failure is None:
        return fault_response(rule)
    return NetworkFailure(spec.failure, rule)
