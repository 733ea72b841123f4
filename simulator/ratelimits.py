"""Opt-in rate limits: token buckets per route, answering 429 with `Retry-After`.

Paigo publishes no rate limits, so a simulator has none unless a test adds some. A
`RateLimitRule` names a method and a path pattern (`fnmatch` style: `/usage`, `/customers/*`)
and gives each route it matches its own bucket of `burst` tokens, refilled at `rate` tokens per
second of the *simulator's* clock: on a `ManualClock`, tokens come back only when the test
advances time, so limits are deterministic and no test needs to sleep. A request finding its
bucket empty is answered 429 with API Gateway's throttling body (`{"message": "Too Many
Requests"}`, the gateway in front of Paigo) and a `Retry-After` header (whole seconds, rounded
up) saying when a token will be back; it is not handled, so nothing changes. The simulator's own
`/_simulator/` routes and the token endpoint are never limited.

Over HTTP, `GET/POST/DELETE /_simulator/rate-limits` list, add and clear rules (admin routes, in
`simulator.api.admin`); `paigo-simulator serve --rate-limit SPEC` preloads them.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import math
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final

from simulator.api.messages import ApiHandler, ApiRequest, ApiResponse

__all__ = ["RATE_LIMITS_PATH", "RateLimitRule", "RateLimits", "RateLimitsHandler"]

RATE_LIMITS_PATH: Final = "/_simulator/rate-limits"
"""The simulator-only route listing, adding and clearing rate limit rules."""
_UNLIMITED_PREFIXES: Final = ("/_simulator/", "/oauth/")
_THROTTLED: Final = json.dumps({"message": "Too Many Requests"}).encode()


@dataclass(frozen=True, slots=True)
class RateLimitRule:
    """A token bucket for every route matching `method` and `path`.

    Raises:
        ValueError: when `rate` or `burst` is not positive, or `method` or `path` is empty.
    """

    rate: float
    """Tokens added per second of simulator time."""
    burst: int
    """Bucket size: how many requests may arrive at once."""
    method: str = "*"
    """An HTTP method, or `*` for all."""
    path: str = "*"
    """A path pattern (`fnmatch`): `/usage`, `/customers/*`, or `*` for every Paigo route."""

    def __post_init__(self) -> None:
        problems = []
        rate: object = self.rate  # checked at run time: rules also come from JSON and the CLI
        burst: object = self.burst
        if not (isinstance(rate, int | float) and rate > 0 and math.isfinite(rate)):
            problems.append("rate must be a positive number of requests per second")
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            problems.append("burst must be an integer of at least 1")
        if not self.method or not self.path:
            problems.append("method and path must not be empty")
        if problems:
            raise ValueError("; ".join(problems))

    @classmethod
    def parse(cls, spec: str | dict[str, Any]) -> RateLimitRule:
        """Build a rule from `rate=10,burst=20,method=POST,path=/usage` or a JSON-like dict.

        Raises:
            ValueError: for unknown keys, missing `rate`/`burst` or invalid values.
        """
        if isinstance(spec, str):
            fields: dict[str, Any] = {}
            for item in filter(None, (part.strip() for part in spec.split(","))):
                key, sep, value = item.partition("=")
                if not sep:
                    raise ValueError(f"expected key=value, got {item!r}")
                fields[key.strip()] = value.strip()
        else:
            fields = dict(spec)
        unknown = set(fields) - {"rate", "burst", "method", "path"}
        if unknown:
            raise ValueError(f"unknown rate limit fields: {', '.join(sorted(unknown))}")
        if "rate" not in fields or "burst" not in fields:
            raise ValueError("a rate limit needs rate and burst")
        try:
            rate = float(fields["rate"])
            burst = fields["burst"]
            burst = int(burst) if isinstance(burst, str) else burst
        except (TypeError, ValueError):
            raise ValueError("rate must be a number and burst an integer") from None
        return cls(
            rate=rate,
            burst=burst,
            method=str(fields.get("method", "*")).upper(),
            path=str(fields.get("path", "*")),
        )

    def matches(self, request: ApiRequest) -> bool:
        """Tell whether `request` falls under this rule."""
        return (self.method == "*" or self.method == request.method) and fnmatch.fnmatchcase(
            request.path, self.path
        )


class RateLimits:
    """The rate limit rules of one simulator and their buckets; thread-safe.

    Args:
        now: the simulator's clock reading (an aware datetime).
    """

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._rules: dict[str, RateLimitRule] = {}
        # (rule id, method, path) -> (tokens, time of the last refill in seconds)
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}

    def add(self, rule: RateLimitRule) -> str:
        """Add a rule and return its id."""
        with self._lock:
            rule_id = f"limit-{next(self._ids)}"
            self._rules[rule_id] = rule
            return rule_id

    def clear(self) -> None:
        """Remove every rule (and its buckets)."""
        with self._lock:
            self._rules.clear()
            self._buckets.clear()

    def list(self) -> list[dict[str, Any]]:
        """Return every rule as `{id, rate, burst, method, path}`."""
        with self._lock:
            return [{"id": rule_id, **asdict(rule)} for rule_id, rule in self._rules.items()]

    def take(self, request: ApiRequest) -> float | None:
        """Take a token from every bucket `request` falls in; None, or seconds to wait.

        When any bucket is empty no token is taken from any of them.
        """
        if not self._rules or request.path.startswith(_UNLIMITED_PREFIXES):
            return None  # no rules (the usual case): nothing to take, without the lock
        with self._lock:
            if not self._rules:
                return None
            moment = self._now().timestamp()
            found: list[tuple[tuple[str, str, str], float]] = []
            wait = 0.0
            for rule_id, rule in self._rules.items():
                if not rule.matches(request):
                    continue
                key = (rule_id, request.method, request.path)
                tokens, last = self._buckets.get(key, (float(rule.burst), moment))
                tokens = min(float(rule.burst), tokens + max(0.0, moment - last) * rule.rate)
                if tokens < 1:
                    wait = max(wait, (1 - tokens) / rule.rate)
                found.append((key, tokens))
                self._buckets[key] = (tokens, moment)
            if wait > 0:
                return wait
            for key, tokens in found:
                self._buckets[key] = (tokens - 1, moment)
            return None

    def __repr__(self) -> str:
        return f"RateLimits({len(self._rules)} rules)"


class RateLimitsHandler:
    """An `ApiHandler` refusing throttled requests with 429 and passing the others to `inner`."""

    def __init__(self, inner: ApiHandler, limits: RateLimits) -> None:
        self._inner = inner
        self.limits = limits

    def handle(self, request: ApiRequest) -> ApiResponse:
        """Refuse a throttled request (nothing is handled), or pass it on."""
        wait = self.limits.take(request)
        if wait is not None:
            return ApiResponse(
                429,
                (
                    ("content-type", "application/json"),
                    ("retry-after", str(max(1, math.ceil(wait)))),
                ),
                _THROTTLED,
            )
        return self._inner.handle(request)

    def __repr__(self) -> str:
        return f"RateLimitsHandler({self._inner!r})"
